// `<parse> @type syslog` (spec plugins §8.2, §5.1).
//
//   rfc3164   [<PRI>]Mmm dd hh:mm:ss HOST IDENT[PID]: MESSAGE
//             → pri (integer, only with with_priority), host, ident, pid, message
//             time_format `%b %d %H:%M:%S` (no year → this year); a subsecond `.123` is allowed
//             by the string engine (parser_type string)
//   rfc5424   <PRI>VER TIMESTAMP HOST APP PROCID MSGID [SD..]|- [MSG]
//             → pri, host, ident, pid, msgid, extradata (`-` or the bracketed SD text), message
//             time `%Y-%m-%dT%H:%M:%S.%L%z`, retried without the fraction
//   auto      RFC 5424 when the text starts with `<PRI>` and a version digit, else RFC 3164
//
// The `message` is chomped (one trailing \n / \r\n / \r). The time text has runs of spaces
// squeezed before parsing. `time` is kept only with keep_time_key. `types` is not applied.

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import type { Rec } from '../core/event-stream.js';
import type { EventTime } from '../core/event-time.js';
import { EventTime as ET } from '../core/event-time.js';
import { TimeParseError, type TimeParser } from '../helpers/time-parser.js';
import { type ParseCallback, Parser, ParserError, parserParams, textOf } from '../plugin/parser.js';

const RFC3164 =
  /^(?<time>[^ ]*\s*[^ ]* [^ ]*) (?<host>[^ ]*) (?<ident>[^ :[]*)(?:\[(?<pid>[0-9]+)\])?(?:[^:]*:)? *(?<message>.*)$/m;
const RFC3164_PRI =
  /^<(?<pri>[0-9]+)>(?<time>[^ ]* {1,2}[^ ]* [^ ]*) (?<host>[^ ]*) (?<ident>[^ :[]*)(?:\[(?<pid>[0-9]+)\])?(?:[^:]*:)? *(?<message>.*)$/m;
const RFC5424_BODY =
  '(?<time>[^ ]+) (?<host>[!-~]{1,255}) (?<ident>[!-~]{1,48}) (?<pid>[!-~]{1,128}) (?<msgid>[!-~]{1,32}) (?<extradata>(?:-|(?:\\[.*?(?<!\\\\)\\])+))(?: (?<message>.+))?';
const RFC5424 = new RegExp(`^${RFC5424_BODY}$`, 's');
const RFC5424_PRI = new RegExp(`^<(?<pri>[0-9]{1,3})>[1-9]\\d{0,2} ${RFC5424_BODY}$`, 's');
const DETECT_5424 = /^<[0-9]{1,3}>[1-9]\d{0,2}/;

const params = {
  ...parserParams,
  time_format: p.string({ default: '%b %d %H:%M:%S', desc: 'Time format (RFC 3164).' }),
  with_priority: p.bool({ default: false, desc: 'The text starts with <PRI>.' }),
  message_format: p.enum(['rfc3164', 'rfc5424', 'auto'] as const)({
    default: 'rfc3164',
    desc: 'Syslog protocol.',
  }),
  rfc5424_time_format: p.string({ default: '%Y-%m-%dT%H:%M:%S.%L%z', desc: 'Time format (RFC 5424).' }),
  parser_type: p.enum(['regexp', 'string'] as const)({
    default: 'regexp',
    alias: 'parser_engine',
    desc: 'regexp, or the faster string scanner (RFC 3164).',
  }),
  support_colonless_ident: p.bool({
    default: true,
    desc: 'String engine: an ident may end without a colon.',
  }),
} as const;

function chomp(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2);
  if (s.endsWith('\n') || s.endsWith('\r')) return s.slice(0, -1);
  return s;
}

export class SyslogParser extends Parser<typeof params> {
  static override readonly type = 'syslog';
  static override readonly params = params;
  static readonly desc = 'Parses syslog messages (RFC 3164, RFC 5424 or auto-detected).';
  static readonly example = '<parse>\n  @type syslog\n  message_format auto\n</parse>';
  private tp3164!: TimeParser;
  private tp5424!: TimeParser;
  private tp5424NoFrac!: TimeParser;

  override configure(el: ConfigElement): void {
    super.configure(el);
    const c = this.config;
    this.tp3164 = this.createTimeParser({ type: 'string', format: c.time_format });
    const f5424 =
      c.message_format === 'rfc5424' && el.has('time_format') ? c.time_format : c.rfc5424_time_format;
    this.tp5424 = this.createTimeParser({ type: 'string', format: f5424 });
    this.tp5424NoFrac = this.createTimeParser({ type: 'string', format: '%Y-%m-%dT%H:%M:%S%z' });
  }

  parse(text: string | Buffer, cb: ParseCallback): void {
    const s = textOf(text);
    const fmt = this.config.message_format;
    const is5424 = fmt === 'rfc5424' || (fmt === 'auto' && DETECT_5424.test(s));
    if (is5424) this.parseRegexp(s, this.config.with_priority ? RFC5424_PRI : RFC5424, true, cb);
    else if (this.config.parser_type === 'string') this.parseString(s, cb);
    else this.parseRegexp(s, this.config.with_priority ? RFC3164_PRI : RFC3164, false, cb);
  }

  private time(tp: TimeParser, text: string, fallback: TimeParser | undefined): EventTime {
    try {
      return tp.parse(text);
    } catch (e) {
      if (!(e instanceof TimeParseError)) throw e;
      if (fallback) {
        try {
          return fallback.parse(text);
        } catch (e2) {
          throw new ParserError((e2 as Error).message);
        }
      }
      throw new ParserError(e.message);
    }
  }

  private parseRegexp(s: string, re: RegExp, is5424: boolean, cb: ParseCallback): void {
    const m = re.exec(s);
    if (!m) {
      cb(undefined, null);
      return;
    }
    const g = m.groups!;
    const r: Rec = {};
    let time: EventTime | undefined;
    for (const name of Object.keys(g)) {
      const v = g[name];
      if (v === undefined) continue;
      if (name === 'pri') r.pri = Number.parseInt(v, 10);
      else if (name === 'time') {
        const t = v.replace(/ {2,}/g, ' ');
        time = is5424 ? this.time(this.tp5424, t, this.tp5424NoFrac) : this.time(this.tp3164, t, undefined);
        if (this.config.keep_time_key) r.time = v;
      } else if (name === 'message') r.message = chomp(v);
      else r[name] = v;
    }
    if (time === undefined && this.config.estimate_current_event) time = ET.now();
    cb(time, r);
  }

  /** Fluentd's string engine for RFC 3164 (no regexp). */
  private parseString(text: string, cb: ParseCallback): void {
    let cursor = 0;
    let pri: number | undefined;
    if (this.config.with_priority) {
      const i = text.startsWith('<') ? text.indexOf('>', 1) : -1;
      if (i < 2) {
        cb(undefined, null);
        return;
      }
      pri = Number.parseInt(text.slice(1, i), 10);
      cursor = i + 1;
    }
    let timeStr: string;
    const end = text[cursor + 15];
    if (end === ' ') {
      timeStr = text.slice(cursor, cursor + 15);
      cursor += 16;
    } else if (end === '.') {
      const i = text.indexOf(' ', cursor + 15);
      if (i < 0) {
        cb(undefined, null);
        return;
      }
      timeStr = text.slice(cursor, i);
      cursor = i + 1;
    } else {
      cb(undefined, null);
      return;
    }
    const hostEnd = text.indexOf(' ', cursor);
    if (hostEnd < 0) {
      cb(undefined, null);
      return;
    }
    const r: Rec = { host: text.slice(cursor, hostEnd) };
    if (pri !== undefined) r.pri = pri;
    cursor = hostEnd + 1;
    const i = text.indexOf(' ', cursor);
    let msg: string;
    if (i < 0) msg = text.slice(cursor);
    else if (text[i - 1] === ':') {
      if (text[i - 2] === ']') {
        const lb = text.indexOf('[', cursor);
        r.ident = text.slice(cursor, lb);
        r.pid = text.slice(lb + 1, i - 2);
      } else r.ident = text.slice(cursor, i - 1);
      msg = text.slice(i + 1);
    } else if (this.config.support_colonless_ident) {
      if (text[i - 1] === ']') {
        const lb = text.indexOf('[', cursor);
        r.ident = text.slice(cursor, lb);
        r.pid = text.slice(lb + 1, i - 1);
      } else r.ident = text.slice(cursor, i);
      msg = text.slice(i + 1);
    } else msg = text.slice(cursor);
    r.message = chomp(msg);
    const time = this.time(this.tp3164, timeStr, undefined);
    if (this.config.keep_time_key) r.time = timeStr;
    cb(time, r);
  }
}
