// Text tables exactly as the Ruby td CLI prints them (it uses hirb's Helpers::Table):
//
//   +----------+------------+
//   | Database | Table      |      every cell left-justified, one space of padding,
//   +----------+------------+      column width = max(header, cells) in characters
//   | testdb   | www_access |
//   +----------+------------+
//   1 row in set                   "N rows in set"; no rows → only "0 rows in set"
//
// Cells: null → '', arrays (when the whole column holds arrays) → "a, b", anything else → String();
// tab, CR and LF are shown escaped (\t \r \n). When the table is wider than `maxWidth` (default 120,
// hirb's width when not attached to a terminal), hirb's resizer shrinks the long columns and cut
// cells end in "..."; that algorithm is reproduced here so wide tables wrap the same way.

import { csvLine } from './format.js';

const BORDER_LENGTH = 3;
const MIN_FIELD_LENGTH = 3;
export const DEFAULT_WIDTH = 120;

export interface TableOptions {
  /** Column order (keys of object rows). For array rows: defaults to indices 0..n-1. */
  fields?: string[];
  /** Header names for array rows, by index (hirb's change_fields). */
  changeFields?: string[];
  /** Total width limit including borders. */
  maxWidth?: number;
  /** Print the "N rows in set" line (default true). */
  description?: boolean;
}

type Row = Record<string, unknown> | unknown[];

/** Character count as Ruby's String#length (code points, not UTF-16 units). */
function size(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function slice(s: string, len: number): string {
  return Array.from(s).slice(0, len).join('');
}

function cellText(v: unknown, joinArrays: boolean): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (joinArrays && Array.isArray(v)) s = v.map((x) => (x == null ? '' : String(x))).join(', ');
  else s = String(v);
  return s.replace(/[\t\r\n]/g, (c) => (c === '\t' ? '\\t' : c === '\r' ? '\\r' : '\\n'));
}

export function renderTable(rows: readonly Row[], opts: TableOptions = {}): string {
  const isArrayRows = rows.length > 0 && Array.isArray(rows[0]);
  let keys: string[];
  if (opts.fields) keys = opts.fields;
  else if (isArrayRows) keys = (rows[0] as unknown[]).map((_, i) => String(i));
  else keys = rows.length > 0 ? Object.keys(rows[0] as object).sort() : [];
  const headers = keys.map((k, i) =>
    isArrayRows && opts.changeFields?.[i] !== undefined ? opts.changeFields[i] : k,
  );
  const raw = rows.map((r) => keys.map((k) => (r as Record<string, unknown>)[k]));
  const joinArrays = keys.map((_, c) => raw.length > 0 && raw.every((r) => Array.isArray(r[c])));
  const cells = raw.map((r) => r.map((v, c) => cellText(v, joinArrays[c] as boolean)));

  const lines: string[] = [];
  if (cells.length > 0) {
    const widths = fieldLengths(headers, cells, opts.maxWidth ?? DEFAULT_WIDTH);
    const border = `+-${widths.map((w) => '-'.repeat(w)).join('-+-')}-+`;
    const line = (vals: string[]) =>
      `| ${vals.map((v, i) => formatCell(v, widths[i] as number)).join(' | ')} |`;
    lines.push(border, line(headers), border);
    for (const r of cells) lines.push(line(r));
    lines.push(border);
  }
  if (opts.description !== false) {
    const n = cells.length;
    lines.push(n === 0 ? '0 rows in set' : `${n} ${n === 1 ? 'row' : 'rows'} in set`);
  }
  return lines.join('\n');
}

function formatCell(value: string, width: number): string {
  let text = value;
  if (size(value) > width) text = width < 5 ? slice(value, width) : `${slice(value, width - 3)}...`;
  return text + ' '.repeat(Math.max(0, width - size(text)));
}

/** Column widths: the longest of header and cells, then hirb's Resizer when over the width. */
function fieldLengths(headers: string[], cells: string[][], maxWidth: number): number[] {
  const lengths = headers.map((h) => size(h));
  for (const row of cells) {
    row.forEach((v, i) => {
      const n = size(v);
      if (n > (lengths[i] as number)) lengths[i] = n;
    });
  }
  const width = maxWidth - (headers.length * BORDER_LENGTH + 1);
  if (headers.length > width / MIN_FIELD_LENGTH) return lengths; // hirb would go vertical; keep it simple
  return resize(lengths, width, headers);
}

const sum = (a: number[]) => a.reduce((t, e) => t + e, 0);

function resize(lengths: number[], width: number, names: string[]): number[] {
  const original = lengths.slice();
  const n = lengths.length;
  const cur = lengths.slice();
  // 1. cap the long fields at a shrinking "average long field" until everything fits
  let fits = true;
  for (let guard = 0; sum(cur) > width; guard++) {
    const total = sum(cur);
    const average = total / n;
    const long = cur.filter((e) => e > average);
    if (long.length === 0 || guard > 10_000) {
      fits = false;
      break;
    }
    const averageLong = Math.floor((Math.floor(sum(long) / long.length) * width) / total);
    for (let i = 0; i < n; i++) if ((cur[i] as number) > averageLong) cur[i] = averageLong;
  }
  // 2. otherwise share the width by original weight, or evenly when that fails
  if (!fits) {
    const origTotal = sum(original);
    let next = original.map((v) => Math.trunc((v / origTotal) * width));
    if (!(next.every((e) => e > MIN_FIELD_LENGTH) && sum(next) <= width)) {
      next = cur.map(() => Math.floor(width / n));
    }
    for (let i = 0; i < n; i++) cur[i] = next[i] as number;
  }
  // 3. hand out the width left over, in field-name order, to fields that were cut
  const remaining = cur.map((v, i) => (original[i] as number) - v);
  const extra = width - sum(cur);
  const unmaxed = cur
    .map((_, i) => i)
    .filter((i) => remaining[i] !== 0)
    .sort((a, b) => ((names[a] as string) < (names[b] as string) ? -1 : names[a] === names[b] ? 0 : 1));
  let added = 0;
  unmaxed.forEach((f, i) => {
    const perField = Math.floor((extra - added) / (unmaxed.length - i));
    const add = Math.min(remaining[f] as number, perField);
    added += add;
    cur[f] = (cur[f] as number) + add;
  });
  return cur;
}

/** hirb-style table, or csv/tsv/json as td's cmd_render_table renders `-f`. */
export function renderRows(
  rows: Array<Record<string, unknown>>,
  fields: string[],
  format: string | undefined,
  maxWidth?: number,
): string {
  if (format === 'csv' || format === 'tsv') {
    const sep = format === 'tsv' ? '\t' : ',';
    const lines = [
      csvLine(fields, sep),
      ...rows.map((r) =>
        csvLine(
          fields.map((f) => r[f]),
          sep,
        ),
      ),
    ];
    return lines.join('\n');
  }
  if (format === 'json') return JSON.stringify(rows);
  return renderTable(rows, { fields, ...(maxWidth ? { maxWidth } : {}) });
}
