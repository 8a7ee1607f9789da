// `<parse> @type nginx`: nginx's combined log format (plus an optional trailing
// "$http_x_forwarded_for"); every field a string (`-` kept). Time `%d/%b/%Y:%H:%M:%S %z`.
//
//   127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 777 "-" "curl/8.0" "-"

import { p } from '../config/params.js';
import { RegexpParser, regexpParams } from './parser_regexp.js';

const NGINX =
  '/^(?<remote>[^ ]*) (?<host>[^ ]*) (?<user>[^ ]*) \\[(?<time>[^\\]]*)\\] "(?<method>\\S+)(?: +(?<path>[^\\"]*?)(?: +\\S*)?)?" (?<code>[^ ]*) (?<size>[^ ]*)(?: "(?<referer>[^\\"]*)" "(?<agent>[^\\"]*)"(?:\\s+"?(?<http_x_forwarded_for>[^"]*)"?)?)?$/';

const params = {
  ...regexpParams,
  expression: p.string({ default: NGINX, desc: 'The nginx combined-format regexp.' }),
  time_format: p.string({ default: '%d/%b/%Y:%H:%M:%S %z', desc: 'Time format of the log.' }),
} as const;

export class NginxParser extends RegexpParser<typeof params> {
  static override readonly type = 'nginx';
  static override readonly params = params;
  static override readonly desc = 'Parses nginx access logs (combined format).';
  static override readonly example = '<parse>\n  @type nginx\n</parse>';
}
