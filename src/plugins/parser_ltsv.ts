// `<parse> @type ltsv`: `label:value` pairs separated by TAB (or `delimiter` /
// `delimiter_pattern`); a pair without the label delimiter is dropped; the value is everything
// after the first label delimiter. `time_key` defaults to `time`.
//
//   host:127.0.0.1<TAB>ident:-<TAB>time:[10/Oct/2000:13:55:36 -0700]<TAB>status:200

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import type { Rec } from '../core/event-stream.js';
import { type ParseCallback, Parser, parserParams, textOf } from '../plugin/parser.js';
import { rubyRegexp } from '../plugin/parser-ruby-regexp.js';

const params = {
  ...parserParams,
  time_key: p.string({ default: 'time', desc: 'Field holding the event time.' }),
  delimiter: p.string({ default: '\t', desc: 'Separator between pairs.' }),
  delimiter_pattern: p.string({ desc: 'Regexp separating pairs (wins over delimiter).' }),
  label_delimiter: p.string({ default: ':', desc: 'Separator between label and value.' }),
} as const;

export class LtsvParser extends Parser<typeof params> {
  static override readonly type = 'ltsv';
  static override readonly params = params;
  static readonly desc = 'Parses Labeled Tab-separated Values.';
  static readonly example = '<parse>\n  @type ltsv\n</parse>';
  private sep: string | RegExp = '\t';

  override configure(el: ConfigElement): void {
    super.configure(el);
    const pat = this.config.delimiter_pattern;
    this.sep = pat !== undefined ? new RegExp(rubyRegexp(pat).source, 'g') : this.config.delimiter;
  }

  parse(text: string | Buffer, cb: ParseCallback): void {
    const s = textOf(text);
    const ld = this.config.label_delimiter;
    const r: Rec = {};
    for (const pair of s.split(this.sep)) {
      const i = pair.indexOf(ld);
      if (i < 0) continue;
      r[pair.slice(0, i)] = pair.slice(i + ld.length);
    }
    cb(this.parseTime(r), this.convertValues(r));
  }
}
