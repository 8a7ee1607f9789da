// Fluentd's config value converters (config/types.rb), quirks included:
//
//   size   unanchored, case-insensitive search for <digits>k, then m, g, t (x1024^n), else integer:
//          8m = 8388608, 256MB = 268435456, 1.5g = 5 GiB (the search finds "5g"), abc = 0
//   time   unanchored, case-sensitive search for <digits>s, then m, h, d, else float seconds:
//          1m = 60, 0.5h = 18000 ("5h"), 100ms = 6000 ("100m"), 1H = 1.0, 10sec = 10
//   bool   true/yes, false/no, "" and "#..." are true, anything else nil (TRUE, 1, on -> nil)
//   integer / float: Ruby to_i / to_f (10k -> 10, abc -> 0); with strict (strict_config_value)
//          Integer()/Float() and `name: invalid value for Integer(): "abc"`
//   array  JSON when it starts with "[", else split on commas (blanks around items trimmed)
//   hash   JSON when it starts with "{", else `k:v,k2:v2` (split on ",", then the first ":")
//   regexp `/.../` with optional i/m flags (m = dot matches newline), else the whole string
//
// Each converter is pure and throws ConfigError with Fluentd's message.

import { ConfigError } from '../core/errors.js';
import { translateRubyRegexp } from '../core/ruby-regexp.js';
import { JsonNum, JsonSyntaxError, type JsonVal, jsonToPlain, parseJsonText } from './json-value.js';
import { rubyFloat, rubyFloatToS, rubyInspect, rubyInteger, rubyToF, rubyToI } from './ruby-num.js';

export { didYouMean } from './did-you-mean.js';

export interface ConvOpts {
  strict?: boolean;
  name: string;
}
export type ValueType = 'string' | 'integer' | 'float' | 'size' | 'bool' | 'time' | 'regexp' | 'symbol';
export interface CollectionOpts extends ConvOpts {
  valueType?: ValueType;
}

export function toStringValue(value: string, _opts?: ConvOpts): string {
  return value;
}

export function toInteger(value: string, opts: ConvOpts): number {
  if (!opts.strict) return rubyToI(value);
  try {
    return rubyInteger(value);
  } catch (e) {
    throw new ConfigError(`${opts.name}: ${(e as Error).message}`);
  }
}

export function toFloat(value: string, opts: ConvOpts): number {
  if (!opts.strict) return rubyToF(value);
  try {
    return rubyFloat(value);
  } catch (e) {
    throw new ConfigError(`${opts.name}: ${(e as Error).message}`);
  }
}

const SIZE_UNITS: [RegExp, number][] = [
  [/([0-9]+)k/i, 1024],
  [/([0-9]+)m/i, 1024 ** 2],
  [/([0-9]+)g/i, 1024 ** 3],
  [/([0-9]+)t/i, 1024 ** 4],
];

export function toSize(value: string, opts: ConvOpts): number {
  for (const [re, mul] of SIZE_UNITS) {
    const m = re.exec(value);
    if (m) return Number(m[1]) * mul;
  }
  return toInteger(value, opts);
}

const TIME_UNITS: [RegExp, number][] = [
  [/([0-9]+)s/, 1],
  [/([0-9]+)m/, 60],
  [/([0-9]+)h/, 3600],
  [/([0-9]+)d/, 86400],
];

/** Seconds. */
export function toTime(value: string, opts: ConvOpts): number {
  for (const [re, mul] of TIME_UNITS) {
    const m = re.exec(value);
    if (m) return Number(m[1]) * mul;
  }
  return toFloat(value, opts);
}

export function toBool(value: string, opts: ConvOpts): boolean | null {
  if (value === 'true' || value === 'yes' || value === '') return true;
  if (value === 'false' || value === 'no') return false;
  if (value.startsWith('#')) return true; // `key # comment` reaches us as "# comment"
  if (opts.strict) throw new ConfigError(`${opts.name}: invalid bool value: ${value}`);
  return null;
}

export function toEnum(value: string, list: readonly string[], _opts?: ConvOpts): string {
  if (!list.includes(value)) throw new ConfigError(`valid options are ${list.join(',')} but got ${value}`);
  return value;
}

const RUBY_STRIP = /^[\0\t\n\v\f\r ]+|[\0\t\n\v\f\r ]+$/g;
const COMMA_SPLIT = /[ \t\r\n\f\v]*,[ \t\r\n\f\v]*/;

/** Ruby's `str.strip.split(/\s*,\s*\/)`: trailing empty items dropped. */
function splitCommas(value: string): string[] {
  const s = value.replace(RUBY_STRIP, '');
  if (s === '') return [];
  const parts = s.split(COMMA_SPLIT);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function parseJsonFor(value: string, opts: ConvOpts, kind: string): JsonVal {
  try {
    return parseJsonText(value);
  } catch (e) {
    if (e instanceof JsonSyntaxError)
      throw new ConfigError(`${opts.name}: invalid JSON ${kind}: ${e.message}`);
    throw e;
  }
}

/** Ruby's to_s of a JSON-parsed scalar, for element conversion. */
function jsonScalarText(v: JsonVal): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (v instanceof JsonNum) return v.isInt ? v.text : rubyFloatToS(Number(v.text));
  return JSON.stringify(jsonToPlain(v));
}

function convertItem(
  v: JsonVal | string | null,
  type: ValueType | undefined,
  name: string,
  opts: ConvOpts,
): unknown {
  if (type === undefined) return typeof v === 'string' || v === null ? v : jsonToPlain(v);
  const s = typeof v === 'string' || v === null ? v : jsonScalarText(v);
  if (s === null) return null;
  const o = { strict: opts.strict, name };
  switch (type) {
    case 'string':
    case 'symbol':
      return s;
    case 'integer':
      return toInteger(s, o);
    case 'float':
      return toFloat(s, o);
    case 'size':
      return toSize(s, o);
    case 'bool':
      return toBool(s, o);
    case 'time':
      return toTime(s, o);
    case 'regexp':
      return toRegexp(s, o);
  }
}

export function toArray(value: string, opts: CollectionOpts): unknown[] {
  let items: (JsonVal | string)[];
  if (value.startsWith('[')) {
    const v = parseJsonFor(value, opts, 'array');
    if (!Array.isArray(v)) throw new ConfigError(`array required but got ${rubyInspect(value)}`);
    items = v;
  } else items = splitCommas(value);
  return items.map((x) => convertItem(x, opts.valueType, opts.name, opts));
}

export function toHash(value: string, opts: CollectionOpts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (k: string, v: JsonVal | string | null): void => {
    const x = convertItem(v, opts.valueType, k, opts);
    Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
  };
  if (value.startsWith('{')) {
    const v = parseJsonFor(value, opts, 'hash');
    if (!(v instanceof Map)) throw new ConfigError(`hash required but got ${rubyInspect(value)}`);
    for (const [k, x] of v) put(k, x);
    return out;
  }
  for (const item of splitCommas(value)) {
    if (item === '')
      throw new ConfigError(`${opts.name}: invalid hash value ${rubyInspect(value)} (empty item)`);
    const i = item.indexOf(':');
    if (i < 0) put(item, null);
    else put(item.slice(0, i), item.slice(i + 1));
  }
  return out;
}

/**
 * A Ruby regexp as a JS RegExp. Ruby's `^`/`$` always match at line boundaries, so the `m` flag
 * is always set; Ruby's /m (dot matches newline) is JS's `s`. The source goes through
 * core/ruby-regexp.ts (\A \z \Z \G \h, POSIX classes, atomic/possessive forms).
 */
export function toRegexp(value: string, opts?: Partial<ConvOpts>): RegExp {
  let src = value;
  let flags = 'm';
  if (value.startsWith('/')) {
    const right = value.lastIndexOf('/');
    if (right < value.length - 3) throw new ConfigError(`invalid regexp: missing right slash: ${value}`);
    const options = value.slice(right + 1);
    if (options.includes('i')) flags += 'i';
    if (options.includes('m')) flags += 's';
    src = value.slice(1, right);
  }
  try {
    return new RegExp(translateRubyRegexp(src), flags);
  } catch (e) {
    const who = opts?.name ? `${opts.name}: ` : '';
    throw new ConfigError(`${who}invalid regexp ${value}: ${(e as Error).message}`);
  }
}
