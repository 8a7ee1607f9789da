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

// Groups by position (named groups build an object per match): 1 host, 2 user, 3 time,
// 4 method, 5 path, 6 code, 7 size, 8 referer, 9 agent.
const RE =
  /^([^ ]*) [^ ]* ([^ ]*) \[([^\]]*)\] "(\S+)(?: +((?:[^"]|\\.)*?)(?: +\S*)?)?" ([^ ]*) ([^ ]*)(?: "((?:[^"]|\\.)*)" "((?:[^"]|\\.)*)")?$/m;

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
    let time: EventTime;
    try {
      time = this.timeParser.parse(m[3]!);
    } catch (e) {
      if (e instanceof TimeParseError) throw new ParserError(e.message);
      throw e;
    }
    const code = Number.parseInt(m[6]!, 10) || 0;
    const size = m[7]!;
    const r: Rec = {
      host: dash(m[1]),
      user: dash(m[2]),
      method: m[4],
      path: m[5] ?? null,
      code: code === 0 ? null : code,
      size: size === '-' ? null : Number.parseInt(size, 10) || 0,
      referer: dash(m[8]),
      agent: dash(m[9]),
    };
    if (this.config.keep_time_key) r.time = m[3];
    cb(time, r);
  }
}
