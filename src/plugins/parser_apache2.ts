// `<parse> @type apache2`: Apache's combined log format, hand-coded like Fluentd's:
// host, user, method, path, code (integer; 0 → null), size (integer; `-` → null), referer,
// agent; `-` → null for host/user/referer/agent. Time `%d/%b/%Y:%H:%M:%S %z`; the `time`
// field is kept only with keep_time_key. `types` is ignored.
//
//   192.168.0.1 - - [28/Feb/2013:12:00:00 +0900] "GET / HTTP/1.1" 200 777 "-" "Opera/12.0"

import type { ConfigElement } from '../config/element.js';
import type { Rec } from '../core/event-stream.js';
import type { EventTime } from '../core/event-time.js';
import { TimeParseError } from '../helpers/time-parser.js';
import { type ParseCallback, Parser, ParserError, parserParams, textOf } from '../plugin/parser.js';

const RE =
  /^(?<host>[^ ]*) [^ ]* (?<user>[^ ]*) \[(?<time>[^\]]*)\] "(?<method>\S+)(?: +(?<path>(?:[^"]|\\.)*?)(?: +\S*)?)?" (?<code>[^ ]*) (?<size>[^ ]*)(?: "(?<referer>(?:[^"]|\\.)*)" "(?<agent>(?:[^"]|\\.)*)")?$/m;

const dash = (v: string | undefined): string | null => (v === undefined || v === '-' ? null : v);

export class Apache2Parser extends Parser<typeof parserParams> {
  static override readonly type = 'apache2';
  static override readonly params = parserParams;
  static readonly desc = 'Parses Apache access logs (combined format).';
  static readonly example = '<parse>\n  @type apache2\n</parse>';

  override configure(el: ConfigElement): void {
    super.configure(el);
    this.timeParser = this.createTimeParser({ type: 'string', format: '%d/%b/%Y:%H:%M:%S %z' });
  }

  parse(text: string | Buffer, cb: ParseCallback): void {
    const s = textOf(text);
    const m = RE.exec(s);
    if (!m) {
      cb(undefined, null);
      return;
    }
    const g = m.groups!;
    let time: EventTime;
    try {
      time = this.timeParser.parse(g.time);
    } catch (e) {
      if (e instanceof TimeParseError) throw new ParserError(e.message);
      throw e;
    }
    const code = Number.parseInt(g.code!, 10) || 0;
    const r: Rec = {
      host: dash(g.host),
      user: dash(g.user),
      method: g.method,
      path: g.path ?? null,
      code: code === 0 ? null : code,
      size: g.size === '-' ? null : Number.parseInt(g.size!, 10) || 0,
      referer: dash(g.referer),
      agent: dash(g.agent),
    };
    if (this.config.keep_time_key) r.time = g.time;
    cb(time, r);
  }
}
