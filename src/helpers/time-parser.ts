// TimeParser: the time half of `<parse>` (spec core §3.2), built once in configure().
//
//   time_type string   time_format → compiled strptime; `%iso8601` → Time.iso8601; none → Time.parse
//   time_type unixtime `to_i` of the value's text ("1510544836.9" → 1510544836)
//   time_type float    the text split at '.', fraction padded/truncated to 9 digits (no float
//                      rounding); "2024-01-01T00:00:00Z" gives 2024 s, like Fluentd
//   time_type mixed    time_format, then each of time_format_fallbacks (a format, `%iso8601`,
//                      `unixtime` or `float`), first success wins
//
// Zone for formats without %z/%Z: `timezone` (offset or IANA name) > `utc true` (or
// `localtime false`) > local. A %z/%Z in the format takes the zone from the value.
// `utc`/`timezone`/`localtime false` without a format (string type) is a ConfigError (the
// `utc` + `localtime` conflict is checked by the <parse> owner, on key presence). Results are cached for the last two values (logs repeat the
// same second), so a burst of lines within one second parses the time once.

import { rubyToI } from '../config/ruby-num.js';
import { ConfigError } from '../core/errors.js';
import { EventTime } from '../core/event-time.js';
import { parseIso8601, parseLenient } from './time-parser-lenient.js';
import { compileStrptime } from './time-parser-strptime.js';
import { LOCAL_ZONE, UTC_ZONE, type ZoneFn, zoneFor } from './time-parser-zone.js';

export { validateTimezone } from './time-parser-zone.js';

export type TimeType = 'string' | 'unixtime' | 'float' | 'mixed';

export interface TimeParserOptions {
  type?: TimeType;
  format?: string | undefined;
  fallbacks?: readonly string[] | undefined;
  /** Default true. */
  localtime?: boolean | undefined;
  utc?: boolean | undefined;
  timezone?: string | undefined;
}

/** A value that cannot be turned into a time (Fluentd's TimeParseError → ParserError). */
export class TimeParseError extends Error {
  override name = 'TimeParseError';
}

type ParseFn = (value: unknown) => EventTime;

function rubyClass(v: unknown): string {
  if (v === null || v === undefined) return 'NilClass';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (typeof v === 'boolean') return v ? 'TrueClass' : 'FalseClass';
  if (Array.isArray(v)) return 'Array';
  return 'Hash';
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
}

function unixtimeFn(value: unknown): EventTime {
  if (typeof value === 'number') return new EventTime(Math.trunc(value), 0);
  if (typeof value === 'string') return new EventTime(rubyToI(value), 0);
  if (typeof value === 'bigint') return new EventTime(Number(value), 0);
  throw new TimeParseError(`value must be a string or a number: ${show(value)}(${rubyClass(value)})`);
}

function floatFn(value: unknown): EventTime {
  let text: string;
  if (typeof value === 'number') text = String(value);
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'bigint') text = String(value);
  else throw new TimeParseError(`value must be a string or a number: ${show(value)}(${rubyClass(value)})`);
  const dot = text.indexOf('.');
  const secText = dot < 0 ? text : text.slice(0, dot);
  let frac = dot < 0 ? '' : text.slice(dot + 1);
  const dot2 = frac.indexOf('.');
  if (dot2 >= 0) frac = frac.slice(0, dot2);
  const nsec = frac === '' ? 0 : rubyToI(frac.slice(0, 9).padEnd(9, '0'));
  return new EventTime(rubyToI(secText), nsec);
}

function stringFn(format: string | undefined, zone: ZoneFn): ParseFn {
  let inner: (v: string) => [number, number];
  if (format === undefined) inner = (v) => parseLenient(v, zone);
  else if (format === '%iso8601') inner = (v) => parseIso8601(v, zone);
  else {
    let sp: ReturnType<typeof compileStrptime>;
    try {
      sp = compileStrptime(format);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
    inner = (v) => sp.parse(v, zone);
  }
  return (value) => {
    if (typeof value !== 'string') throw new TimeParseError(`value must be string: ${show(value)}`);
    try {
      const [sec, nsec] = inner(value);
      if (!Number.isFinite(sec)) throw new Error('argument out of range');
      return new EventTime(sec, nsec);
    } catch (e) {
      throw new TimeParseError(
        `invalid time format: value = ${value}, error_class = ArgumentError, error = ${(e as Error).message}`,
      );
    }
  };
}

export class TimeParser {
  private readonly fn: ParseFn;
  private k1: unknown = undefined;
  private t1: EventTime | undefined;
  private k2: unknown = undefined;
  private t2: EventTime | undefined;

  constructor(o: TimeParserOptions = {}) {
    const type = o.type ?? 'string';
    const localtime = o.localtime ?? true;
    const useUtc = o.utc === true || localtime === false;
    const zone = o.timezone !== undefined ? zoneFor(o.timezone) : useUtc ? UTC_ZONE : LOCAL_ZONE;
    if (type === 'unixtime') this.fn = unixtimeFn;
    else if (type === 'float') this.fn = floatFn;
    else if (type === 'string') {
      if (o.format === undefined && (o.timezone !== undefined || useUtc)) {
        throw new ConfigError('specifying timezone requires time format');
      }
      this.fn = stringFn(o.format, zone);
    } else {
      const list = [...(o.format !== undefined ? [o.format] : []), ...(o.fallbacks ?? [])];
      if (list.length === 0)
        throw new ConfigError('time_type is mixed but time_format and time_format_fallbacks are empty');
      const fns = list.map((f) =>
        f === 'unixtime' ? unixtimeFn : f === 'float' ? floatFn : stringFn(f, zone),
      );
      this.fn = (value) => {
        const errors: string[] = [];
        for (const fn of fns) {
          try {
            return fn(value);
          } catch (e) {
            errors.push((e as Error).message);
          }
        }
        throw new TimeParseError(`invalid time format: value = ${show(value)}, error = ${errors.join('; ')}`);
      };
    }
  }

  /** The value as an EventTime; throws TimeParseError. */
  parse(value: unknown): EventTime {
    if (value === this.k2 && this.t2 && value !== undefined) return this.t2;
    if (value === this.k1 && this.t1 && value !== undefined) return this.t1;
    const t = this.fn(value);
    this.k1 = this.k2;
    this.t1 = this.t2;
    this.k2 = value;
    this.t2 = t;
    return t;
  }
}
