// `<parse> @type multiline` (spec plugins §4.6): format1 … format20 (each `/regex/` without
// flags, no gaps) are concatenated into one regexp compiled with Ruby's `m` (dot matches
// newline); its named captures become the record like the regexp parser (time_key `time`).
// `format_firstline /re/` tells in_tail where an event starts: firstline(line).
//
// Buffering belongs to the caller (in_tail). MultilineBuffer implements the firstline rule for
// it: a firstline flushes the previous event and starts a new one; lines before the first
// firstline are returned as `unmatched`; buffered lines keep their "\n" and the event text is
// the lines joined with "\n" (the final line ending stripped).

import type { ConfigElement } from '../config/element.js';
import { type ParamDecl, p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { Rec } from '../core/event-stream.js';
import { type ParseCallback, Parser, parserParams, textOf } from '../plugin/parser.js';
import { rubyRegexp } from '../plugin/parser-ruby-regexp.js';

const FORMAT_MAX = 20;

const formatParams: Record<string, ParamDecl<string | undefined>> = {};
for (let i = 1; i <= FORMAT_MAX; i++)
  formatParams[`format${i}`] = p.string({ desc: `Part ${i} of the event regexp, /.../.` });

const params = {
  ...parserParams,
  time_key: p.string({ default: 'time', desc: 'Capture holding the event time.' }),
  format_firstline: p.string({ desc: 'Regexp (/.../) matching the first line of an event.' }),
  multiline_flush_interval: p.time({ desc: 'Used by in_tail: flush a pending event after this idle time.' }),
  ...formatParams,
} as const;

function checkRegexp(value: string, key: string): string {
  if (value.length < 2 || !value.startsWith('/') || !value.endsWith('/')) {
    throw new ConfigError(`format should be Regexp, need //, in ${key}: '${value}'`);
  }
  const src = value.slice(1, -1);
  try {
    rubyRegexp(src, 'm');
  } catch (e) {
    throw new ConfigError(`Invalid regexp in ${key}: ${(e as Error).message}`);
  }
  return src;
}

export class MultilineParser extends Parser<typeof params> {
  static override readonly type = 'multiline';
  static override readonly params = params;
  static readonly desc =
    'Parses multi-line events (for in_tail) with format_firstline and format1..format20.';
  static readonly example =
    '<parse>\n  @type multiline\n  format_firstline /^\\d{4}-/\n  format1 /^(?<time>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) (?<message>.*)/\n</parse>';
  private regexp!: RegExp;
  private names: string[] = [];
  private firstlineRe: RegExp | undefined;

  override configure(el: ConfigElement): void {
    const bad = [...el.params.keys()].filter((k) => {
      const m = /^format(\d+)$/.exec(k);
      return m !== null && !(Number(m[1]) >= 1 && Number(m[1]) <= FORMAT_MAX);
    });
    if (bad.length)
      throw new ConfigError(`Invalid formatN found. N should be 1 - ${FORMAT_MAX}: ${bad.join(',')}`);
    super.configure(el);
    const cfg = this.config as unknown as Record<string, string | undefined>;
    const parts: string[] = [];
    let prev: string | undefined;
    for (let i = 1; i <= FORMAT_MAX; i++) {
      const f = cfg[`format${i}`];
      if (i > 1 && prev === undefined && f !== undefined) {
        throw new ConfigError(`Jump of format index found. format${i - 1} is missing.`);
      }
      prev = f;
      if (f !== undefined) parts.push(checkRegexp(f, `format${i}`));
    }
    const joined = parts.join('');
    this.regexp = rubyRegexp(joined, 'm');
    this.names = [...joined.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]!);
    if (this.names.length === 0) throw new ConfigError(`Invalid regexp '${joined}': No named captures`);
    const fl = this.config.format_firstline;
    if (fl !== undefined) this.firstlineRe = rubyRegexp(checkRegexp(fl, 'format_firstline'));
  }

  get hasFirstline(): boolean {
    return this.firstlineRe !== undefined;
  }

  firstline(line: string): boolean {
    return this.firstlineRe?.test(line) === true;
  }

  parse(text: string | Buffer, cb: ParseCallback): void {
    const s = textOf(text);
    const m = this.regexp.exec(s);
    if (!m?.groups) {
      cb(undefined, null);
      return;
    }
    const r: Rec = {};
    for (const name of this.names) {
      const v = m.groups[name];
      if (v !== undefined) r[name] = v;
    }
    cb(this.parseTime(r), this.convertValues(r));
  }
}

/** The firstline accumulation rule, for in_tail-like callers. Lines are given without "\n". */
export class MultilineBuffer {
  private lines: string[] = [];

  constructor(private readonly parser: MultilineParser) {}

  /** Feeds one line; returns the completed previous event's text, or an unmatched line. */
  push(line: string): { event?: string; unmatched?: string } {
    if (this.parser.firstline(line)) {
      const prev = this.flush();
      this.lines.push(line);
      return prev === undefined ? {} : { event: prev };
    }
    if (this.lines.length === 0) return { unmatched: line };
    this.lines.push(line);
    return {};
  }

  /** The pending event's text (flush interval, shutdown), or undefined. */
  flush(): string | undefined {
    if (this.lines.length === 0) return undefined;
    const text = this.lines.join('\n');
    this.lines = [];
    return text;
  }

  get pending(): boolean {
    return this.lines.length > 0;
  }
}
