// `<parse> @type tsv`: the text split on `delimiter` (TAB) into at most `keys.length` fields —
// the last key gets the rest of the line; keys without a column are absent. No time_key by
// default.

import { p } from '../config/params.js';
import type { Rec } from '../core/event-stream.js';
import { type ParseCallback, Parser, parserParams, rubySplit, textOf } from '../plugin/parser.js';

const params = {
  ...parserParams,
  keys: p.array()({ required: true, desc: 'Field names, in column order.' }),
  delimiter: p.string({ default: '\t', desc: 'Column separator.' }),
} as const;

export class TsvParser extends Parser<typeof params> {
  static override readonly type = 'tsv';
  static override readonly params = params;
  static readonly desc = 'Parses tab-separated values into the given keys.';
  static readonly example = '<parse>\n  @type tsv\n  keys a,b,c\n</parse>';

  parse(text: string | Buffer, cb: ParseCallback): void {
    const s = textOf(text);
    const keys = this.config.keys as string[];
    const values = rubySplit(s, this.config.delimiter, keys.length);
    const r: Rec = {};
    for (let i = 0; i < values.length; i++) r[keys[i]!] = values[i];
    cb(this.parseTime(r), this.convertValues(r));
  }
}
