// `<parse> @type apache_error`: `[Wkd Mon dd hh:mm:ss(.usec) yyyy] [(module:)level] [pid N(:tid M)]
// [client ip:port] message` → level, pid, client, message; the time is parsed free-form.

import { p } from '../config/params.js';
import { RegexpParser, regexpParams } from './parser_regexp.js';

const APACHE_ERROR =
  '/^\\[[^ ]* (?<time>[^\\]]*)\\] \\[(?<level>[^\\]]*)\\](?: \\[pid (?<pid>[^\\]]*)\\])?( \\[client (?<client>[^\\]]*)\\])? (?<message>.*)$/';

const params = {
  ...regexpParams,
  expression: p.string({ default: APACHE_ERROR, desc: 'The Apache error-log regexp.' }),
} as const;

export class ApacheErrorParser extends RegexpParser<typeof params> {
  static override readonly type = 'apache_error';
  static override readonly params = params;
  static override readonly desc = 'Parses Apache error logs.';
  static override readonly example = '<parse>\n  @type apache_error\n</parse>';
}
