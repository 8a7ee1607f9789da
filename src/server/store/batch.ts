// One import turned into columns, independent of the storage backend.
//
// Records (msgpack maps) become parallel arrays: `times[i]` and, per key, `values[i]` (null
// where record i lacks the key). Each column carries the narrowest type that holds every value
// seen, on TD's widening ladder  long -> double -> string:
//
//   integer (safe, or a BigInt within int64)  long      float, NaN, ±Inf, EventTime   double
//   string, bin (UTF-8), boolean ("true"/"false"), BigInt beyond int64                 string
//   map / array                                      string holding JSON text
//   nil                                              null, no type (a key seen only with nil
//                                                    makes no column)
//
// `time` must be an integer (a float is truncated, an EventTime gives its seconds); a record
// without one refuses the whole import (TD's server rule is unknown, spec §8; out_tdlog always
// sends it). Keys are matched case-insensitively (DuckDB identifiers are), so a record holding
// both `Foo` and `foo`, or a key like `Time`, refuses the import instead of losing a value.

import { EventTime } from '../../core/event-time.js';
import { forEachRecord, ImportBodyError, type Rec } from '../../td/import-body.js';

export const KIND_NONE = 0;
export const KIND_LONG = 1;
export const KIND_DOUBLE = 2;
export const KIND_STRING = 3;
export type Kind = 0 | 1 | 2 | 3;

export interface BatchColumn {
  /** The key as first spelled. */
  name: string;
  kind: Kind;
  /** One entry per record: number | bigint | string | null, already normalized for `kind`'s family. */
  values: Array<number | bigint | string | null>;
  lastRow: number;
}

export interface RecordBatch {
  count: number;
  times: number[];
  columns: BatchColumn[];
  minTime: number | null;
  maxTime: number | null;
  /** Decompressed msgpack bytes (the storage estimate). */
  bytes: number;
}

export const MAX_KEY_LENGTH = 255;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function badRecord(index: number, what: string): ImportBodyError {
  return new ImportBodyError('bad_record', `record ${index + 1} ${what}`);
}

function jsonReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const orig = this[key];
  if (orig instanceof Uint8Array)
    return Buffer.from(orig.buffer, orig.byteOffset, orig.length).toString('utf8');
  if (orig instanceof EventTime) return orig.toFloat();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** JSON text of a map/array value (bin as UTF-8 text, BigInt as a decimal string). */
export function toJsonText(v: unknown): string {
  return JSON.stringify(v, jsonReplacer);
}

function recordTime(t: unknown, index: number): number {
  if (typeof t === 'number') {
    if (Number.isSafeInteger(t)) return t;
    if (Number.isFinite(t) && Math.abs(t) < Number.MAX_SAFE_INTEGER) return Math.trunc(t);
  } else if (typeof t === 'bigint') {
    if (t >= BigInt(Number.MIN_SAFE_INTEGER) && t <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(t);
  } else if (t instanceof EventTime) {
    return t.sec;
  }
  if (t === undefined) throw badRecord(index, "has no 'time' field (an integer of UNIX seconds is required)");
  throw badRecord(
    index,
    `has a 'time' that is not an integer of UNIX seconds: ${toJsonText(t)?.slice(0, 64)}`,
  );
}

/**
 * Why buildBatch would refuse this record (no integer time, an unusable key, keys differing only
 * in case), or undefined. Used by bulk import to set such records aside as error records.
 */
export function recordProblem(rec: Rec): string | undefined {
  try {
    recordTime(rec.time, 0);
  } catch (err) {
    return (err as Error).message.replace(/^record 1 /, '');
  }
  const seen = new Set<string>();
  for (const key in rec) {
    if (key === 'time' || rec[key] === null || rec[key] === undefined) continue;
    if (key.length === 0 || key.length > MAX_KEY_LENGTH || key.includes('\0')) {
      return `has a key that cannot be a column name: ${JSON.stringify(key.slice(0, 64))}`;
    }
    const lower = key.toLowerCase();
    if (lower === 'time') return `has a key ${JSON.stringify(key)} that collides with 'time'`;
    if (seen.has(lower)) return `has keys that differ only in case (${JSON.stringify(key)})`;
    seen.add(lower);
  }
  return undefined;
}

/** Decode concatenated msgpack maps into a column batch. Throws ImportBodyError. */
export function buildBatch(msgpack: Uint8Array, maxDepth = 100): RecordBatch {
  const byKey = new Map<string, BatchColumn>();
  const byLower = new Map<string, BatchColumn>();
  const columns: BatchColumn[] = [];
  let times: number[] = [];
  let count = 0;
  let minTime: number | null = null;
  let maxTime: number | null = null;

  const columnFor = (key: string, row: number): BatchColumn => {
    let col = byKey.get(key);
    if (col === undefined) {
      if (key.length === 0 || key.length > MAX_KEY_LENGTH || key.includes('\0')) {
        throw badRecord(row, `has a key that cannot be a column name: ${JSON.stringify(key.slice(0, 64))}`);
      }
      const lower = key.toLowerCase();
      if (lower === 'time')
        throw badRecord(row, `has a key ${JSON.stringify(key)} that collides with 'time'`);
      col = byLower.get(lower);
      if (col === undefined) {
        col = { name: key, kind: KIND_NONE, values: new Array(count).fill(null), lastRow: -1 };
        byLower.set(lower, col);
        columns.push(col);
      }
      byKey.set(key, col);
    }
    if (col.lastRow === row) {
      throw badRecord(
        row,
        `has keys that differ only in case (${JSON.stringify(col.name)}, ${JSON.stringify(key)})`,
      );
    }
    col.lastRow = row;
    return col;
  };

  forEachRecord(
    msgpack,
    (rec: Rec, row: number) => {
      const t = recordTime(rec.time, row);
      times[row] = t;
      if (minTime === null || t < minTime) minTime = t;
      if (maxTime === null || t > maxTime) maxTime = t;
      for (const key in rec) {
        if (key === 'time') continue;
        const v = rec[key];
        if (v === null || v === undefined) continue;
        const col = columnFor(key, row);
        let kind: Kind;
        let out: number | bigint | string;
        switch (typeof v) {
          case 'number':
            kind = Number.isSafeInteger(v) ? KIND_LONG : KIND_DOUBLE;
            out = v;
            break;
          case 'string':
            kind = KIND_STRING;
            out = v;
            break;
          case 'bigint':
            if (v >= INT64_MIN && v <= INT64_MAX) {
              kind = KIND_LONG;
              out = v;
            } else {
              kind = KIND_STRING;
              out = v.toString();
            }
            break;
          case 'boolean':
            kind = KIND_STRING;
            out = v ? 'true' : 'false';
            break;
          default:
            if (v instanceof Uint8Array) {
              kind = KIND_STRING;
              out = Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8');
            } else if (v instanceof EventTime) {
              kind = KIND_DOUBLE;
              out = v.toFloat();
            } else {
              kind = KIND_STRING;
              out = toJsonText(v);
            }
        }
        if (kind > col.kind) col.kind = kind;
        col.values[row] = out;
      }
    },
    maxDepth,
    (n) => {
      count = n;
      times = new Array(n);
    },
  );
  return { count, times, columns, minTime, maxTime, bytes: msgpack.length };
}
