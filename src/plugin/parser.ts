// Parser plugins (`<parse>`, spec plugins §8): the base class, the shared parameters, value
// conversion (`types`, null patterns), time extraction, and createParser() for inputs.
//
// API: parse(text, cb) calls cb(time, record) once per result, Fluentd's `yield time, record`:
//   record null        the text did not match (the caller counts it / warns / emits unmatched)
//   time undefined     no time in the record and `estimate_current_event false`
// A time field that cannot be parsed throws ParserError (in_tail: "invalid line found";
// filter_parser: an error event). parse() never throws for a mere mismatch.
//
// Inputs build their parser with createParser(ctx, parseElement) in configure().

import type { ConfigElement } from '../config/element.js';
import { type InferConfig, type ParamDecls, p } from '../config/params.js';
import { rubyToF, rubyToI } from '../config/ruby-num.js';
import { ConfigError } from '../core/errors.js';
import type { Rec } from '../core/event-stream.js';
import { EventTime } from '../core/event-time.js';
import {
  TimeParseError,
  TimeParser,
  type TimeParserOptions,
  type TimeType,
  validateTimezone,
} from '../helpers/time-parser.js';
import { PluginBase } from './base.js';
import { rubyRegexp } from './parser-ruby-regexp.js';
import type { PluginClass, PluginContext, PluginKind } from './types.js';

/** A line that matched but could not be converted (bad time). */
export class ParserError extends Error {
  override name = 'ParserError';
}

export type ParseCallback = (time: EventTime | undefined, record: Rec | null) => void;

export const parserParams = {
  types: p.string({
    desc: 'Value conversions: `k1:type, k2:type:option` or a JSON map (string, integer, float, bool, time, array).',
  }),
  time_key: p.string({ desc: 'Field holding the event time (removed unless keep_time_key).' }),
  keep_time_key: p.bool({ default: false, desc: 'Keep the time field in the record.' }),
  estimate_current_event: p.bool({
    default: true,
    desc: 'Use the current time when the record has no time field.',
  }),
  null_value_pattern: p.string({ desc: 'String values matching this regexp become null.' }),
  null_empty_string: p.bool({ default: false, desc: 'Empty string values become null.' }),
  timeout: p.time({ desc: 'Accepted for compatibility; parsing is not interrupted.' }),
  time_type: p.enum(['string', 'unixtime', 'float', 'mixed'] as const)({
    default: 'string',
    desc: 'How the time field is read.',
  }),
  time_format: p.string({
    desc: 'strptime format of the time field (`%iso8601` allowed); none = free-form.',
  }),
  time_format_fallbacks: p.array()({ desc: 'For time_type mixed: formats tried after time_format.' }),
  localtime: p.bool({ default: true, desc: 'Read times without an offset as local time.' }),
  utc: p.bool({ default: false, desc: 'Read times without an offset as UTC.' }),
  timezone: p.string({ desc: 'Zone for times without an offset: +09:00, +0900, +09 or Region/Zone.' }),
} as const;

type BaseConfig = InferConfig<typeof parserParams>;
type Converter = (v: unknown) => unknown;

const TRUTHY = new Set(['true', 'yes', '1']);
const TIME_TYPES = new Set(['string', 'unixtime', 'float', 'mixed']);

/** The input of parse() as text (bytes are read as UTF-8). */
export function textOf(input: string | Buffer): string {
  return typeof input === 'string' ? input : input.toString('utf8');
}

/** A record-shaped value: an object that is neither an array nor bytes. */
function isMap(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Ruby String#split with a string separator: trailing empty fields are dropped. */
export function rubySplit(s: string, sep: string | RegExp, limit = 0): string[] {
  if (s === '') return [];
  let parts: string[];
  if (limit > 0) {
    parts = [];
    let rest = s;
    while (parts.length < limit - 1) {
      const m = typeof sep === 'string' ? { i: rest.indexOf(sep), n: sep.length } : execAt(sep, rest);
      if (m.i < 0) break;
      parts.push(rest.slice(0, m.i));
      rest = rest.slice(m.i + m.n);
    }
    parts.push(rest);
    return parts;
  }
  parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function execAt(re: RegExp, s: string): { i: number; n: number } {
  const m = new RegExp(re.source, re.flags.replace('g', '')).exec(s);
  return m ? { i: m.index, n: m[0].length } : { i: -1, n: 0 };
}

function toS(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof EventTime) return String(v.sec);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export abstract class Parser<P extends ParamDecls = typeof parserParams> extends PluginBase<P> {
  static override readonly kind: PluginKind = 'parser';
  static override readonly params: ParamDecls = parserParams;

  protected timeParser!: TimeParser;
  private nullRe: RegExp | undefined;
  private converters: Map<string, Converter> | undefined;
  private convertOn = false;

  /** How callers feed it: one line, a whole text, or binary bytes (msgpack). */
  get parserType(): 'text_per_line' | 'text' | 'binary' {
    return 'text_per_line';
  }

  /** The base parameters, typed (subclass configs include them). */
  protected get pc(): BaseConfig {
    return this.config as unknown as BaseConfig;
  }

  override configure(el: ConfigElement): void {
    if (el.has('localtime') && el.has('utc')) {
      throw new ConfigError('both of utc and localtime are specified, use only one of them');
    }
    super.configure(el);
    const c = this.pc;
    if (c.timezone !== undefined) validateTimezone(c.timezone);
    this.timeParser = this.createTimeParser();
    this.nullRe = c.null_value_pattern !== undefined ? rubyRegexp(c.null_value_pattern) : undefined;
    this.converters = c.types !== undefined ? this.buildConverters(c.types) : undefined;
    this.convertOn = this.converters !== undefined || this.nullRe !== undefined || c.null_empty_string;
  }

  /** A TimeParser from this section's time params, with overrides (syslog, apache2). */
  protected createTimeParser(o: TimeParserOptions = {}): TimeParser {
    const c = this.pc;
    return new TimeParser({
      type: (c.time_type ?? 'string') as TimeType,
      format: c.time_format,
      fallbacks: c.time_format_fallbacks,
      localtime: c.localtime,
      utc: c.utc,
      timezone: c.timezone,
      ...o,
    });
  }

  abstract parse(text: string | Buffer, cb: ParseCallback): void;

  /** The first result of parse(), or null when the text did not match. */
  parseOne(text: string | Buffer): { time: EventTime | undefined; record: Rec } | null {
    let out: { time: EventTime | undefined; record: Rec } | null = null;
    this.parse(text, (time, record) => {
      if (out === null && record !== null) out = { time, record };
    });
    return out;
  }

  /** Every result of parse(), unmatched ones as record null. */
  parseAll(text: string | Buffer): { time: EventTime | undefined; record: Rec | null }[] {
    const out: { time: EventTime | undefined; record: Rec | null }[] = [];
    this.parse(text, (time, record) => out.push({ time, record }));
    return out;
  }

  /** Takes the time field out of the record (Fluentd's parse_time). */
  protected parseTime(record: Rec): EventTime | undefined {
    const key = this.pc.time_key;
    if (key !== undefined && Object.hasOwn(record, key)) {
      const src = record[key];
      if (!this.pc.keep_time_key) delete record[key];
      try {
        return this.timeParser.parse(src);
      } catch (e) {
        if (e instanceof TimeParseError) throw new ParserError(e.message);
        throw e;
      }
    }
    return this.pc.estimate_current_event ? EventTime.now() : undefined;
  }

  /**
   * A decoded document (json, msgpack) → results: a map is one record, an array gives one per
   * map (any other element is unmatched), anything else is unmatched.
   */
  protected emitDocument(v: unknown, cb: ParseCallback): void {
    if (isMap(v)) cb(this.parseTime(v), this.convertValues(v));
    else if (Array.isArray(v)) {
      for (const r of v) {
        if (isMap(r)) cb(this.parseTime(r), this.convertValues(r));
        else cb(undefined, null);
      }
    } else cb(undefined, null);
  }

  /** Applies null patterns and `types` in place (nil values are left alone). */
  protected convertValues(record: Rec): Rec {
    if (!this.convertOn) return record;
    const emptyNull = this.pc.null_empty_string;
    for (const key of Object.keys(record)) {
      const v = record[key];
      if (v === null || v === undefined || v === false) continue;
      if (typeof v === 'string' && ((emptyNull && v === '') || this.nullRe?.test(v))) {
        record[key] = null;
        continue;
      }
      const conv = this.converters?.get(key);
      if (conv) record[key] = conv(v);
    }
    return record;
  }

  private buildConverters(types: string): Map<string, Converter> {
    let map: Record<string, string>;
    if (types.trim().startsWith('{')) {
      try {
        map = JSON.parse(types) as Record<string, string>;
      } catch (e) {
        throw new ConfigError(`types: invalid JSON: ${(e as Error).message}`);
      }
    } else {
      map = {};
      for (const pair of types.split(',')) {
        if (pair.trim() === '') continue;
        const i = pair.indexOf(':');
        const k = (i < 0 ? pair : pair.slice(0, i)).trim();
        map[k] = i < 0 ? '' : pair.slice(i + 1).trim();
      }
    }
    const out = new Map<string, Converter>();
    for (const [key, def] of Object.entries(map)) {
      const i = String(def).indexOf(':');
      const type = i < 0 ? String(def) : String(def).slice(0, i);
      const option = i < 0 ? undefined : String(def).slice(i + 1);
      out.set(key, this.converterFor(key, type, option));
    }
    return out;
  }

  private converterFor(key: string, type: string, option: string | undefined): Converter {
    switch (type) {
      case 'string':
        return toS;
      case 'integer':
        return (v) => (typeof v === 'number' ? Math.trunc(v) : rubyToI(toS(v)));
      case 'float':
        return (v) => (typeof v === 'number' ? v : rubyToF(toS(v)));
      case 'bool':
        return (v) => TRUTHY.has(toS(v).toLowerCase());
      case 'array': {
        const delim = option ?? ',';
        return (v) => rubySplit(toS(v), delim);
      }
      case 'time': {
        let tp: TimeParser;
        if (option === undefined) tp = new TimeParser({ type: 'string' });
        else {
          let timeType: TimeType = 'string';
          const j = option.indexOf(':');
          let tz: string | undefined = j < 0 ? option : option.slice(0, j);
          let format: string | undefined = j < 0 ? undefined : option.slice(j + 1);
          try {
            validateTimezone(tz);
          } catch {
            tz = undefined;
            format = option;
          }
          if (format !== undefined && TIME_TYPES.has(format)) {
            timeType = format as TimeType;
            format = undefined;
          }
          tp = new TimeParser({ type: timeType, format, timezone: tz });
        }
        return (v) => {
          try {
            return tp.parse(v);
          } catch {
            return null;
          }
        };
      }
      default:
        throw new ConfigError(`unknown value conversion for key:'${key}', type:'${type}'`);
    }
  }
}

/** Parser classes by `@type`, filled by registerParser() (the built-ins: parser_builtins.ts). */
const parserClasses = new Map<string, PluginClass<Parser<any>>>();

export function registerParser(cls: PluginClass<Parser<any>>): void {
  parserClasses.set(cls.type, cls);
  for (const a of cls.aliases ?? []) parserClasses.set(a, cls);
}

export function parserTypes(): string[] {
  return [...parserClasses.keys()].sort();
}

/**
 * Builds and configures the parser of a `<parse>` section. The parser shares the owner's
 * context (log, id). `lookup` lets an engine with a full registry (plugins loaded with -p)
 * resolve types this module has not seen.
 */
export function createParser(
  ctx: PluginContext,
  el: ConfigElement,
  lookup?: (type: string) => PluginClass | undefined,
): Parser<any> {
  const type = el.params.get('@type')?.value ?? el.params.get('type')?.value;
  if (!type) throw new ConfigError("Missing '@type' parameter in <parse> section", { pos: el.pos });
  el.used.add(el.has('@type') ? '@type' : 'type');
  el.consumed = true;
  const cls = (lookup?.(type) as PluginClass<Parser<any>> | undefined) ?? parserClasses.get(type);
  if (!cls) {
    throw new ConfigError(
      `Unknown parser plugin '${type}'. Known parser plugins: ${parserTypes().join(', ')}`,
      {
        code: 'UNKNOWN_PLUGIN',
        pos: el.pos,
      },
    );
  }
  const parser = new cls(ctx);
  parser.configure(el);
  return parser;
}
