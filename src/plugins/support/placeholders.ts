// Placeholders of filter_record_transformer, compiled once in configure().
//
// Without enable_ruby (Fluentd's PlaceholderExpander) a placeholder is one of exactly:
//   ${tag}  ${tag_parts[N]}  ${tag_prefix[N]}  ${tag_suffix[N]}  (N may be negative)
//   ${hostname}  ${time}  ${record["key"]}
// Anything else in `${...}`, and any `__UPPER_CASE__` token, is unknown: a warning and nil.
//
// With enable_ruby, `${...}` holds Ruby code; we accept a small expression language instead of
// a Ruby VM and reject the rest in configure():
//   base:   tag | tag_parts | tag_prefix | tag_suffix | hostname | time | record
//   then:   [N]  ["k"]  ['k']  .dig(k, ...)  .first .last .size .length .to_s .to_i .to_f
//           .upcase .downcase .strip  .strftime('%Y...')  (time only for strftime)
// Errors Ruby would raise at run time (a method on nil) throw, so the record becomes an error
// event, as in Fluentd.

import { ConfigError } from '../../core/errors.js';
import type { Rec } from '../../core/event-stream.js';
import { rubyTimeToS, strftime } from '../../core/strftime.js';
import { digStep } from '../../helpers/record-accessor.js';
import { rubyInspect, rubyToF, rubyToS } from './ruby-text.js';

/** Values a placeholder can read; one object reused for a whole stream. */
export interface PlaceholderValues {
  tag: string;
  tagParts: string[];
  tagPrefix: string[];
  tagSuffix: string[];
  hostname: string;
  sec: number;
  nsec: number;
  record: Rec;
}

/** Returned by a resolver when the placeholder is not defined for this event. */
export const UNKNOWN: unique symbol = Symbol('unknown placeholder');
export type Resolver = (v: PlaceholderValues) => unknown;

function indexOf(list: string[], text: string): string | typeof UNKNOWN {
  const n = Number(text);
  // Fluentd's placeholder names are `[0]`…`[size-1]` and `[-size]`…`[-1]`, spelled canonically.
  if (!Number.isInteger(n) || String(n) !== text) return UNKNOWN;
  const i = n < 0 ? list.length + n : n;
  return i >= 0 && i < list.length && n >= -list.length ? list[i]! : UNKNOWN;
}

/** A resolver for one `${...}` / `__X__` token (enable_ruby false). */
export function plainPlaceholder(token: string): Resolver {
  const inner = token.startsWith('${') ? token.slice(2, -1) : undefined;
  if (inner === 'tag') return (v) => v.tag;
  if (inner === 'hostname') return (v) => v.hostname;
  if (inner === 'time') {
    let lastSec = Number.NaN;
    let text = '';
    return (v) => {
      if (v.sec !== lastSec) {
        lastSec = v.sec;
        text = rubyTimeToS(v.sec);
      }
      return text;
    };
  }
  const arr = inner === undefined ? null : /^(tag_parts|tag_prefix|tag_suffix)\[(.*)\]$/s.exec(inner);
  if (arr) {
    const idx = arr[2]!;
    if (arr[1] === 'tag_parts') return (v) => indexOf(v.tagParts, idx);
    if (arr[1] === 'tag_prefix') return (v) => indexOf(v.tagPrefix, idx);
    return (v) => indexOf(v.tagSuffix, idx);
  }
  if (inner?.startsWith('record["') && inner.endsWith('"]') && inner.length >= 10) {
    const key = inner.slice(8, -2);
    return (v) => (Object.hasOwn(v.record, key) ? (v.record[key] ?? null) : UNKNOWN);
  }
  return () => UNKNOWN;
}

// ---- enable_ruby: the small expression language -------------------------------------------

const SUPPORTED =
  'tag, tag_parts[N], tag_prefix[N], tag_suffix[N], hostname, time, record["key"], record.dig(...), ' +
  "and .first .last .size .length .to_s .to_i .to_f .upcase .downcase .strip .strftime('...')";

class TimeValue {
  constructor(
    readonly sec: number,
    readonly nsec: number,
  ) {}
}

function rubyClass(x: unknown): string {
  if (x === null || x === undefined) return 'nil';
  if (typeof x === 'string') return 'String';
  if (typeof x === 'number') return Number.isInteger(x) ? 'Integer' : 'Float';
  if (Array.isArray(x)) return 'Array';
  if (x instanceof TimeValue) return 'Time';
  return typeof x === 'object' ? 'Hash' : typeof x;
}

function noMethod(name: string, x: unknown): never {
  throw new Error(
    `undefined method '${name}' for ${x === null || x === undefined ? 'nil' : `an instance of ${rubyClass(x)}`}`,
  );
}

function rubyToI(x: unknown): number {
  if (x instanceof TimeValue) return x.sec;
  if (typeof x === 'string') {
    const m = /^\s*[-+]?\d[\d_]*/.exec(x);
    return m ? Number.parseInt(m[0].replace(/_/g, ''), 10) : 0;
  }
  if (x === null || x === undefined) return 0;
  return Math.trunc(rubyToF(x));
}

function index(x: unknown, key: string | number): unknown {
  if (x === null || x === undefined) noMethod('[]', x);
  if (typeof x === 'string') {
    if (typeof key !== 'number') return x.includes(key) ? key : null;
    const i = key < 0 ? x.length + key : key;
    return i >= 0 && i < x.length ? x[i] : null;
  }
  if (x instanceof TimeValue || typeof x !== 'object') noMethod('[]', x);
  return digStep(x, key) ?? null;
}

type Step = (x: unknown) => unknown;

const METHODS: Record<string, Step> = {
  first: (x) => (Array.isArray(x) ? (x[0] ?? null) : noMethod('first', x)),
  last: (x) => (Array.isArray(x) ? (x[x.length - 1] ?? null) : noMethod('last', x)),
  size: (x) =>
    typeof x === 'string' || Array.isArray(x)
      ? x.length
      : x && typeof x === 'object' && !(x instanceof TimeValue)
        ? Object.keys(x).length
        : noMethod('size', x),
  to_s: (x) => (x instanceof TimeValue ? rubyTimeToS(x.sec) : rubyToS(x)),
  to_i: (x) =>
    Array.isArray(x) || (x && typeof x === 'object' && !(x instanceof TimeValue))
      ? noMethod('to_i', x)
      : rubyToI(x),
  to_f: (x) => (x instanceof TimeValue ? x.sec + x.nsec / 1e9 : rubyToF(x)),
  upcase: (x) => (typeof x === 'string' ? x.toUpperCase() : noMethod('upcase', x)),
  downcase: (x) => (typeof x === 'string' ? x.toLowerCase() : noMethod('downcase', x)),
  strip: (x) => (typeof x === 'string' ? x.trim() : noMethod('strip', x)),
  inspect: (x) => rubyInspect(x),
};
METHODS.length = METHODS.size!;

function stringLiteral(s: string): string | undefined {
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(s) ?? /^'((?:[^'\\]|\\.)*)'$/.exec(s);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : undefined;
}

function literal(s: string): string | number | undefined {
  const t = s.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  return stringLiteral(t);
}

const STR = `"(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*'`;
const INDEX_RE = new RegExp(`^\\[\\s*(-?\\d+|${STR})\\s*\\]`);
const DIG_RE = /^\.dig\(([^)]*)\)/;
const STRFTIME_RE = new RegExp(`^\\.strftime\\(\\s*(${STR})\\s*\\)`);
const METHOD_RE = /^\.([a-z_]+)(?:\(\))?/;

/** One accessor step at the start of `rest`: the function and the length consumed. */
function parseStep(rest: string): [Step, number] | undefined {
  let s = INDEX_RE.exec(rest);
  if (s) {
    const key = literal(s[1]!)!;
    return [(x) => index(x, key), s[0].length];
  }
  s = DIG_RE.exec(rest);
  if (s) {
    const keys = s[1]!.split(',').map(literal);
    if (keys.some((k) => k === undefined)) return undefined;
    const dig: Step = (x) => {
      let cur = x;
      for (const k of keys) {
        if (cur === null || cur === undefined) return null;
        cur = index(cur, k!);
      }
      return cur ?? null;
    };
    return [dig, s[0].length];
  }
  s = STRFTIME_RE.exec(rest);
  if (s) {
    const fmt = stringLiteral(s[1]!)!;
    return [
      (x) => (x instanceof TimeValue ? strftime(fmt, x.sec, x.nsec) : noMethod('strftime', x)),
      s[0].length,
    ];
  }
  s = METHOD_RE.exec(rest);
  const method = s ? METHODS[s[1]!] : undefined;
  return s && method ? [method, s[0].length] : undefined;
}

/** Compiles one enable_ruby expression (the text inside `${...}`); throws ConfigError if unsupported. */
export function rubyExpression(expr: string): Resolver {
  const unsupported = () =>
    new ConfigError(
      `enable_ruby: \`\${${expr}}\` is not supported here (no Ruby VM); supported: ${SUPPORTED}`,
    );
  const m = /^\s*(tag_parts|tag_prefix|tag_suffix|tag|hostname|time|record)/.exec(expr);
  if (!m) throw unsupported();
  const base = m[1]!;
  const steps: Step[] = [];
  let rest = expr.slice(m[0].length).trimStart();
  while (rest.length > 0) {
    const parsed = parseStep(rest);
    if (!parsed) throw unsupported();
    steps.push(parsed[0]);
    rest = rest.slice(parsed[1]).trimStart();
  }
  const get: Resolver = (() => {
    switch (base) {
      case 'tag':
        return (v) => v.tag;
      case 'tag_parts':
        return (v) => v.tagParts;
      case 'tag_prefix':
        return (v) => v.tagPrefix;
      case 'tag_suffix':
        return (v) => v.tagSuffix;
      case 'hostname':
        return (v) => v.hostname;
      case 'time':
        return (v) => new TimeValue(v.sec, v.nsec);
      default:
        return (v) => v.record;
    }
  })();
  return (v) => {
    let x = get(v);
    for (const st of steps) x = st(x);
    // A Time left as a value is written as its to_s; containers stay as they are.
    return x instanceof TimeValue ? rubyTimeToS(x.sec) : (x ?? null);
  };
}
