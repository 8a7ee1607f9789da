// `<parse> @type csv`: one CSV row into `keys` (in order; missing columns → null, extra
// columns ignored). No time_key by default.
//
// parser_engine normal (Ruby CSV.parse_line): fields may be quoted with `"`, a quote inside a
// quoted field is doubled (`""`), a quoted field may contain the delimiter and newlines; an
// unquoted empty field is null, a quoted empty field is "". A stray quote in an unquoted field
// or an unclosed quote is malformed: ParserError (Ruby raises CSV::MalformedCSVError).
// parser_engine fast: split on the delimiter and merge quoted pieces, without those checks.

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import type { Rec } from '../core/event-stream.js';
import { type ParseCallback, Parser, ParserError, parserParams, textOf } from '../plugin/parser.js';

const params = {
  ...parserParams,
  keys: p.array()({ required: true, desc: 'Field names, in column order.' }),
  delimiter: p.string({ default: ',', desc: 'Column separator.' }),
  parser_engine: p.enum(['normal', 'fast'] as const)({
    default: 'normal',
    alias: 'parser_type',
    desc: 'normal (strict CSV) or fast.',
  }),
} as const;

/** Ruby CSV.parse_line for one row; null for an empty line. */
export function parseCsvLine(text: string, sep: string): (string | null)[] | null {
  let s = text;
  if (s.endsWith('\r\n')) s = s.slice(0, -2);
  else if (s.endsWith('\n') || s.endsWith('\r')) s = s.slice(0, -1);
  if (s === '') return null;
  const out: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (s[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = s.indexOf('"', i);
        if (q < 0) throw new ParserError(`Unclosed quoted field in line 1.`);
        v += s.slice(i, q);
        if (s[q + 1] === '"') {
          v += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(v);
      if (i === s.length) return out;
      if (!s.startsWith(sep, i))
        throw new ParserError(`Any value after quoted field isn't allowed in line 1.`);
      i += sep.length;
      if (i === s.length) {
        out.push(null);
        return out;
      }
      continue;
    }
    const j = s.indexOf(sep, i);
    const field = j < 0 ? s.slice(i) : s.slice(i, j);
    if (field.includes('"')) throw new ParserError(`Illegal quoting in line 1.`);
    out.push(field === '' ? null : field);
    if (j < 0) return out;
    i = j + sep.length;
    if (i === s.length) {
      out.push(null);
      return out;
    }
  }
}

/** Fluentd's fast engine: split, then glue quoted pieces back together. */
function parseFast(text: string, sep: string): (string | null)[] {
  let s = text;
  if (s.endsWith('\r\n')) s = s.slice(0, -2);
  else if (s.endsWith('\n')) s = s.slice(0, -1);
  if (s === '') return [];
  const cols = s.split(sep);
  const out: (string | null)[] = [];
  for (let j = 0; j < cols.length; j++) {
    let c: string | null = cols[j]!;
    const quotes = c.split('"').length - 1;
    if (quotes === 0) c = c === '' ? null : c;
    else if (quotes === 1 && c.startsWith('"')) {
      const parts = [c];
      while (++j < cols.length) {
        parts.push(cols[j]!);
        if (cols[j]!.endsWith('"')) break;
      }
      c = parts.join(sep).slice(1, -1);
    } else if (c.startsWith('"') && c.endsWith('"')) {
      c = c.slice(1, -1);
      if (quotes > 2) c = c.replaceAll('""', '"');
    }
    out.push(c);
  }
  return out;
}

export class CsvParser extends Parser<typeof params> {
  static override readonly type = 'csv';
  static override readonly params = params;
  static readonly desc = 'Parses one CSV row into the given keys.';
  static readonly example = '<parse>\n  @type csv\n  keys time,host,message\n</parse>';
  private keys: string[] = [];

  override configure(el: ConfigElement): void {
    super.configure(el);
    this.keys = this.config.keys as string[];
  }

  parse(text: string | Buffer, cb: ParseCallback): void {
    const s = textOf(text);
    const r: Rec = {};
    if (this.config.parser_engine === 'fast') {
      const values = parseFast(s, this.config.delimiter);
      for (let i = 0; i < values.length && i < this.keys.length; i++) r[this.keys[i]!] = values[i];
    } else {
      const values = parseCsvLine(s, this.config.delimiter);
      if (values === null) {
        cb(undefined, null);
        return;
      }
      for (let i = 0; i < this.keys.length; i++) r[this.keys[i]!] = values[i] ?? null;
    }
    cb(this.parseTime(r), this.convertValues(r));
  }
}
