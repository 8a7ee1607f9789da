// Record accessor: Fluentd's syntax for naming a (possibly nested) field of a record.
//
//   message            top-level key "message" (no `$` prefix: never nested, dots are literal)
//   $.a.b              record["a"]["b"]
//   $.a[0].b           record["a"][0]["b"]          (array index, negative counts from the end)
//   $['a.b']["c"]      record["a.b"]["c"]           (bracket notation: any characters in keys)
//
// Lookups follow Ruby's `Hash#dig`: a missing key or a nil on the way gives undefined; digging
// into a string or number, or indexing an array with a string, throws a TypeError (callers such
// as grep decide what that means). The path is parsed once, in configure(); the returned
// functions do no parsing per record.

import { ConfigError } from '../core/errors.js';

export type PathKey = string | number;

export interface RecordAccessor {
  /** The parameter as written. */
  readonly param: string;
  /** The parsed path (a single element for a top-level key). */
  readonly path: readonly PathKey[];
  readonly nested: boolean;
  get(record: Record<string, unknown>): unknown;
  /** Removes the field in place (array elements are spliced out). No effect when absent. */
  delete(record: Record<string, unknown>): void;
  /**
   * Like delete(), but copies every container on the path first, so objects shared with other
   * records (a shallow-copied record's nested maps) are never mutated. Returns the record to use.
   */
  deleteCopy(record: Record<string, unknown>): Record<string, unknown>;
}

function toInteger(s: string, param: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(s)) {
    throw new ConfigError(`invalid value for Integer(): ${JSON.stringify(s)} in ${param}`);
  }
  return Number.parseInt(s.trim(), 10);
}

/** `rest` follows a '[' that opens an integer index: pushes the index, returns what follows ']'. */
function takeIndex(rest: string, param: string, out: PathKey[]): string {
  const i = rest.indexOf(']');
  if (i < 0) throw new ConfigError(`'[' found but ']' not found. Invalid syntax: ${param}`);
  if (i === 0) throw new ConfigError(`missing array index in '[]'. Invalid syntax: ${param}`);
  out.push(toInteger(rest.slice(0, i), param));
  return rest.slice(i + 1);
}

/** `rest` follows a ']' (or the `$`): returns what follows the next '['. */
function afterNextBracket(rest: string, param: string): string {
  const i = rest.indexOf('[');
  if (i < 0) throw new ConfigError(`found more characters after ']'. Invalid syntax: ${param}`);
  return rest.slice(i + 1);
}

function parseDotArrayOp(key: string, param: string, out: PathKey[]): void {
  const start = key.indexOf('[');
  if (start > 0) out.push(key.slice(0, start));
  let rest = key.slice(start + 1);
  while (rest.length > 0) {
    rest = takeIndex(rest, param, out);
    if (rest.length > 0) rest = afterNextBracket(rest, param);
  }
}

function parseDot(param: string): PathKey[] {
  const out: PathKey[] = [];
  // Ruby's String#split drops trailing empty fields.
  const keys = param.slice(2).split('.');
  while (keys.length > 0 && keys[keys.length - 1] === '') keys.pop();
  for (const key of keys) {
    if (key.includes('[')) parseDotArrayOp(key, param, out);
    else out.push(key);
  }
  if (out.length === 0) throw new ConfigError('empty keys in dot notation');
  for (const k of out) {
    if (typeof k === 'string' && /\s/.test(k)) {
      throw new ConfigError(
        `whitespace character is not allowed in dot notation. Use bracket notation: ${k}`,
      );
    }
  }
  return out;
}

function parseBracket(param: string): PathKey[] {
  const out: PathKey[] = [];
  let rest = param.slice(1);
  while (rest.length > 0) {
    rest = afterNextBracket(rest, param);
    if (rest.length === 0) break;
    const q = rest[0];
    if (q === "'" || q === '"') {
      let i = rest.indexOf("']");
      if (i < 0) i = rest.indexOf('"]');
      if (i < 0) throw new ConfigError(`Incomplete bracket. Invalid syntax: ${param}`);
      if (rest[i] !== q) throw new ConfigError(`Mismatched quotes. Invalid syntax: ${param}`);
      out.push(rest.slice(1, i));
      rest = rest.slice(i + 2);
    } else {
      rest = takeIndex(rest, param, out);
    }
  }
  if (out.length === 0) throw new ConfigError('empty keys in bracket notation');
  return out;
}

/** Parses a record accessor parameter; throws ConfigError on bad syntax. */
export function parseAccessorPath(param: string): PathKey[] {
  if (param.startsWith('$.')) return parseDot(param);
  if (param.startsWith('$[')) return parseBracket(param);
  return [param];
}

function typeName(v: unknown): string {
  if (typeof v === 'string') return 'String';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (typeof v === 'boolean') return v ? 'TrueClass' : 'FalseClass';
  return typeof v;
}

/** One step of Ruby's dig: Hash by key, Array by integer index. */
export function digStep(cur: unknown, key: PathKey): unknown {
  if (Array.isArray(cur)) {
    if (typeof key !== 'number') throw new TypeError('no implicit conversion of String into Integer');
    return cur[key < 0 ? cur.length + key : key];
  }
  if (cur !== null && typeof cur === 'object' && !(cur instanceof Uint8Array)) {
    // Ruby hashes keyed by strings never match an Integer key.
    return typeof key === 'string' && Object.hasOwn(cur, key)
      ? (cur as Record<string, unknown>)[key]
      : undefined;
  }
  throw new TypeError(`${typeName(cur)} does not have #dig method`);
}

function dig(record: unknown, path: readonly PathKey[], n: number): unknown {
  let cur = record;
  for (let i = 0; i < n; i++) {
    if (cur === null || cur === undefined) return undefined;
    cur = digStep(cur, path[i]!);
  }
  return cur;
}

function removeFrom(target: unknown, key: PathKey): void {
  if (Array.isArray(target)) {
    if (typeof key !== 'number') return;
    const i = key < 0 ? target.length + key : key;
    if (i >= 0 && i < target.length) target.splice(i, 1);
  } else if (target !== null && typeof target === 'object' && typeof key === 'string') {
    delete (target as Record<string, unknown>)[key];
  }
}

function shallow(v: unknown): unknown {
  if (Array.isArray(v)) return v.slice();
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) return { ...(v as object) };
  return v;
}

export function recordAccessor(param: string): RecordAccessor {
  const path = parseAccessorPath(param);
  const last = path[path.length - 1]!;
  const nested = path.length > 1;
  if (!nested) {
    const key = last as string;
    return {
      param,
      path,
      nested,
      get: (r) => (Object.hasOwn(r, key) ? r[key] : undefined),
      delete: (r) => {
        delete r[key];
      },
      deleteCopy: (r) => {
        if (!Object.hasOwn(r, key)) return r;
        const c = { ...r };
        delete c[key];
        return c;
      },
    };
  }
  const n = path.length;
  return {
    param,
    path,
    nested,
    get: (r) => dig(r, path, n),
    delete: (r) => {
      try {
        removeFrom(dig(r, path, n - 1), last);
      } catch {
        // Fluentd ignores errors while deleting a nested key.
      }
    },
    deleteCopy: (r) => {
      try {
        if (dig(r, path, n) === undefined && !hasLast(dig(r, path, n - 1), last)) return r;
      } catch {
        return r;
      }
      const root = shallow(r) as Record<string, unknown>;
      let cur: any = root;
      for (let i = 0; i < n - 1; i++) {
        const k = path[i]!;
        const idx = Array.isArray(cur) && typeof k === 'number' && k < 0 ? cur.length + k : k;
        const next = shallow(cur[idx]);
        cur[idx] = next;
        cur = next;
      }
      removeFrom(cur, last);
      return root;
    },
  };
}

function hasLast(target: unknown, key: PathKey): boolean {
  if (Array.isArray(target))
    return typeof key === 'number' && (key < 0 ? -key <= target.length : key < target.length);
  return (
    target !== null && typeof target === 'object' && typeof key === 'string' && Object.hasOwn(target, key)
  );
}
