// Record readers for `td import`: one async generator per input format, each yielding plain
// objects (or a SkipRecord for an input that cannot be a record), plus the record checks td's
// table:import applies before upload.
//
//   json      one JSON object per line (blank lines ignored)
//   msgpack   a stream of msgpack maps
//   csv       RFC 4180 (quoted fields may hold , " and newlines); first line = column names
//   tsv       tab-separated, one record per line; first line = column names
//   (--columns a,b,c supplies the names instead, and the first line is data)
//
// CSV/TSV cells become numbers when they look like canonical integers or decimals, '' becomes
// null, everything else stays a string; `allString` keeps every cell a string.
// A path ending in .gz is gunzipped. `onBytes` reports raw bytes read (for progress).

import fs from 'node:fs';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { decodeMsgpackStream } from '../../td/msgpack-stream.js';

export type ImportFormat = 'json' | 'msgpack' | 'csv' | 'tsv';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['json', 'msgpack', 'csv', 'tsv'];

export interface SkipRecord {
  skip: string; // why
  text: string; // what (shortened)
}

export interface ParseOptions {
  format: ImportFormat;
  columns?: string[];
  allString?: boolean;
}

export function isSkip(x: unknown): x is SkipRecord {
  return Boolean(x && typeof x === 'object' && 'skip' in x && typeof (x as SkipRecord).skip === 'string');
}

/** Guess the format from the file name (after removing .gz). */
export function formatFromPath(path: string): ImportFormat | undefined {
  const p = path.toLowerCase().replace(/\.gz$/, '');
  if (/\.(json|jsonl|ndjson)$/.test(p)) return 'json';
  if (/\.(msgpack|mpk|mp)$/.test(p)) return 'msgpack';
  if (p.endsWith('.csv')) return 'csv';
  if (p.endsWith('.tsv')) return 'tsv';
  return undefined;
}

export function openInput(path: string, onBytes: (n: number) => void): Readable {
  const raw = fs.createReadStream(path, { highWaterMark: 256 * 1024 });
  raw.on('data', (c) => onBytes((c as Buffer).length));
  if (!path.endsWith('.gz')) return raw;
  const gunzip = zlib.createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

export async function* readRecords(input: Readable, opts: ParseOptions): AsyncGenerator<unknown> {
  switch (opts.format) {
    case 'json':
      for await (const line of lines(input)) {
        if (line.trim() === '') continue;
        try {
          yield JSON.parse(line);
        } catch (e) {
          yield { skip: (e as Error).message, text: clip(line) } satisfies SkipRecord;
        }
      }
      return;
    case 'msgpack':
      yield* decodeMsgpackStream(input);
      return;
    case 'csv':
      yield* rowsToRecords(csvRows(input), opts);
      return;
    case 'tsv':
      yield* rowsToRecords(tsvRows(input), opts);
      return;
  }
}

async function* lines(input: Readable): AsyncGenerator<string> {
  let rest = '';
  input.setEncoding('utf8');
  for await (const chunk of input) {
    const text = rest + (chunk as string);
    const parts = text.split('\n');
    rest = parts.pop() as string;
    for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
  }
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

async function* tsvRows(input: Readable): AsyncGenerator<string[]> {
  for await (const line of lines(input)) if (line !== '') yield line.split('\t');
}

/** Streaming RFC 4180 reader; quotes may span chunks and lines. */
export async function* csvRows(
  input: AsyncIterable<string | Buffer> & { setEncoding?: (e: BufferEncoding) => unknown },
): AsyncGenerator<string[]> {
  input.setEncoding?.('utf8');
  let field = '';
  let row: string[] = [];
  let quoted = false; // inside a quoted field
  let quoteSeen = false; // just read a quote inside a quoted field (maybe the first of "")
  let any = false; // current row has content
  for await (const chunk of input) {
    const s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const out: string[][] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s[i] as string;
      if (quoted) {
        if (quoteSeen) {
          quoteSeen = false;
          if (c === '"') {
            field += '"';
            continue;
          }
          quoted = false; // closing quote; fall through to handle c normally
        } else if (c === '"') {
          quoteSeen = true;
          continue;
        } else {
          field += c;
          continue;
        }
      }
      if (c === '"' && field === '') {
        quoted = true;
        any = true;
      } else if (c === ',') {
        row.push(field);
        field = '';
        any = true;
      } else if (c === '\n') {
        if (field.endsWith('\r')) field = field.slice(0, -1);
        if (any || field !== '') {
          row.push(field);
          out.push(row);
        }
        row = [];
        field = '';
        any = false;
      } else {
        field += c;
        any = true;
      }
    }
    yield* out;
  }
  if (field.endsWith('\r')) field = field.slice(0, -1);
  if (any || field !== '') {
    row.push(field);
    yield row;
  }
}

const INT_RE = /^-?(?:0|[1-9]\d*)$/;
const FLOAT_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)$/;

function cellValue(s: string, allString: boolean | undefined): unknown {
  if (allString) return s;
  if (s === '') return null;
  if (INT_RE.test(s)) {
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : s;
  }
  if (FLOAT_RE.test(s)) return Number(s);
  return s;
}

async function* rowsToRecords(rows: AsyncGenerator<string[]>, opts: ParseOptions): AsyncGenerator<unknown> {
  let names = opts.columns;
  for await (const row of rows) {
    if (!names) {
      names = row.map((n) => n.trim());
      continue;
    }
    if (row.length > names.length) {
      yield {
        skip: `${row.length} fields but ${names.length} columns`,
        text: clip(row.join(',')),
      } satisfies SkipRecord;
      continue;
    }
    const rec: Record<string, unknown> = {};
    for (let i = 0; i < row.length; i++)
      rec[names[i] as string] = cellValue(row[i] as string, opts.allString);
    yield rec;
  }
}

export const KEY_NUM_LIMIT = 512;

/** td's checks before upload: a map, with a usable time (integer seconds; a date string or a
 *  float is converted), at most 512 keys. Sets `time`; returns the reason when it must be skipped. */
export function sanitizeRecord(
  rec: unknown,
  timeColumn: string,
  timeValue: number | undefined,
): string | undefined {
  if (!rec || typeof rec !== 'object' || Array.isArray(rec) || Buffer.isBuffer(rec))
    return 'record must be a map';
  const r = rec as Record<string, unknown>;
  if (Object.keys(r).length > KEY_NUM_LIMIT) {
    return `record contains too many keys (${Object.keys(r).length}, max allowed ${KEY_NUM_LIMIT})`;
  }
  if (timeValue !== undefined) {
    r.time = timeValue;
    return undefined;
  }
  const t = toUnixTime(r[timeColumn]);
  if (t === undefined) {
    return r[timeColumn] === undefined || r[timeColumn] === null
      ? `record doesn't have '${timeColumn}' column`
      : `invalid time value in '${timeColumn}' column`;
  }
  r.time = t;
  return undefined;
}

function toUnixTime(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.floor(v) : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v === 'object' && 'sec' in v && typeof (v as { sec: unknown }).sec === 'number') {
    return (v as { sec: number }).sec; // EventTime
  }
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const s = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return Math.floor(Number(s));
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
