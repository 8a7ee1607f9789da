// `<parse> @type regexp`: the named captures of `expression` (a Ruby regexp, `/.../imx`,
// translated by plugin/parser-ruby-regexp.ts) become the record; captures that did not take
// part in the match are omitted. `time_key` defaults to `time`. At least one named capture is
// required. nginx and apache_error are this parser with a default expression.

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { Rec } from '../core/event-stream.js';
import { type ParseCallback, Parser, parserParams, textOf } from '../plugin/parser.js';
import { rubyRegexp } from '../plugin/parser-ruby-regexp.js';
import { type PositionalRegexp, positionalRegexp } from '../plugin/regexp-positional.js';

export const regexpParams = {
  ...parserParams,
  time_key: p.string({ default: 'time', desc: 'Capture holding the event time.' }),
  expression: p.string({
    required: true,
    desc: 'Ruby regexp with named captures, e.g. /^(?<host>[^ ]*) (?<msg>.*)$/',
  }),
  ignorecase: p.bool({
    default: false,
    deprecated: 'Use /pattern/i instead, this option is no longer effective',
    desc: 'Deprecated.',
  }),
  multiline: p.bool({
    default: false,
    deprecated: 'Use /pattern/m instead, this option is no longer effective',
    desc: 'Deprecated.',
  }),
} as const;

export class RegexpParser<P extends typeof regexpParams = typeof regexpParams> extends Parser<P> {
  static override readonly type: string = 'regexp';
  static override readonly params = regexpParams;
  static readonly desc: string = 'Parses text with a regular expression of named captures.';
  static readonly example: string =
    '<parse>\n  @type regexp\n  expression /^(?<host>[^ ]*) (?<message>.*)$/\n</parse>';
  protected regexp!: RegExp;
  private names: string[] = [];
  /** The same expression with captures read by index (undefined: read `groups`). */
  private positional: PositionalRegexp | undefined;

  override configure(el: ConfigElement): void {
    super.configure(el);
    this.regexp = rubyRegexp((this.config as { expression: string }).expression);
    const names = /\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g;
    this.names = [...this.regexp.source.matchAll(names)].map((m) => m[1]!);
    if (this.names.length === 0) throw new ConfigError("No named captures in 'expression'");
    this.positional = positionalRegexp(this.regexp);
  }

  parse(text: string | Buffer, cb: ParseCallback): void {
    const s = textOf(text);
    const pos = this.positional;
    if (pos) {
      const m = pos.re.exec(s);
      if (!m) {
        cb(undefined, null);
        return;
      }
      const r: Rec = {};
      for (const [name, i] of pos.slots) {
        const v = m[i];
        if (v !== undefined) r[name] = v;
      }
      cb(this.parseTime(r), this.convertValues(r));
      return;
    }
    const m = this.regexp.exec(s);
    if (!m?.groups) {
      cb(undefined, null);
      return;
    }
    const r: Rec = {};
    const g = m.groups;
    for (const name of this.names) {
      const v = g[name];
      if (v !== undefined) r[name] = v;
    }
    cb(this.parseTime(r), this.convertValues(r));
  }
}
