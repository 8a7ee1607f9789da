// `<format>` and `<inject>` for text-writing outputs (spec plugins §9): one formatter per
// `@type`, shared by out_file, out_exec and out_http (moved here from out_file.ts).
//
//   out_file      2011-01-02T13:14:15+09:00 TAB tag TAB {"a":1} LF   (time, tag, JSON record)
//   json          {"a":1} LF
//   ltsv          a:1 TAB b:x LF             (delimiter in values → replacement)
//   csv           "1","x" LF                 (`fields`, quoted unless force_quotes false)
//   tsv           1 TAB x LF                 (`keys`)
//   single_value  <record[message_key]> LF
//   msgpack       the record as msgpack bytes (no newline)
//   hash          {"a"=>1} LF                (Ruby Hash#inspect)
//   stdout        2011-01-02 13:14:15.000000000 +0900 tag: {"a":1} LF
//
// `add_newline false` drops the LF (not for out_file/stdout, which always end lines). Values
// are rendered as Ruby's to_s / JSON.generate would (support/ruby-text.ts). `<inject>` adds
// time / tag / hostname fields to a copy of the record before it is formatted.
//
// Each output declares its own default `@type` (formatParams('tsv')) and inject defaults
// (out_exec: time_type string in UTC).

import * as os from 'node:os';
import { p, type SectionConfig } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { EventStream, Rec } from '../core/event-stream.js';
import { packr } from '../core/msgpack.js';
import { LOCAL_ZONE, strftimeFn, UTC_ZONE } from '../core/strftime.js';
import { rubyInspect, rubyJson, rubyToS } from '../plugins/support/ruby-text.js';
import { makeLineFormatter } from '../plugins/support/stdout-format.js';
import { type LinePrefix, packedJsonLines } from './msgpack-json.js';

export const FORMATTER_TYPES = [
  'out_file',
  'json',
  'ltsv',
  'csv',
  'tsv',
  'single_value',
  'msgpack',
  'hash',
  'stdout',
] as const;

/** The `<format>` parameters, with the output's default `@type`. */
export function formatParams(defaultType: string) {
  return {
    '@type': p.string({ default: defaultType, desc: `${FORMATTER_TYPES.join(', ')}.` }),
    output_time: p.bool({ default: true, desc: 'out_file: write the time.' }),
    output_tag: p.bool({ default: true, desc: 'out_file: write the tag.' }),
    delimiter: p.string({ desc: 'Field delimiter (out_file: TAB; SPACE/COMMA recognised).' }),
    time_format: p.string({ desc: 'strftime layout of the time (default ISO 8601 to the second).' }),
    localtime: p.bool({ default: true, desc: 'Local time (false = UTC).' }),
    utc: p.bool({ default: false, desc: 'UTC time.' }),
    add_newline: p.bool({ default: true, desc: 'End each record with a newline.' }),
    fields: p.array()({ desc: 'csv: fields to write.' }),
    keys: p.array()({ desc: 'tsv: keys to write.' }),
    force_quotes: p.bool({ default: true, desc: 'csv: quote every value.' }),
    label_delimiter: p.string({ default: ':', desc: 'ltsv: label delimiter.' }),
    replacement: p.string({ default: ' ', desc: 'ltsv: replaces the delimiter in values.' }),
    message_key: p.string({ default: 'message', desc: 'single_value: the field to write.' }),
    output_type: p.string({ default: 'json', desc: 'stdout: record formatter.' }),
  } as const;
}

const INJECT_TIME_TYPES = [
  'float',
  'unixtime',
  'string',
  'unixtime_millis',
  'unixtime_micros',
  'unixtime_nanos',
] as const;

/** The `<inject>` parameters (out_exec: time_type string, localtime false). */
export function injectParams(
  defaults: { timeType?: (typeof INJECT_TIME_TYPES)[number]; localtime?: boolean } = {},
) {
  return {
    time_key: p.string({ desc: 'Add the event time under this key.' }),
    time_type: p.enum(INJECT_TIME_TYPES)({
      default: defaults.timeType ?? 'float',
      desc: 'Type of the injected time.',
    }),
    time_format: p.string({ desc: 'strftime layout for time_type string.' }),
    localtime: p.bool({ default: defaults.localtime ?? true, desc: 'Local time for time_type string.' }),
    utc: p.bool({ default: false, desc: 'UTC for time_type string.' }),
    tag_key: p.string({ desc: 'Add the tag under this key.' }),
    hostname_key: p.string({ desc: 'Add the hostname under this key.' }),
    hostname: p.string({ desc: 'Hostname to inject (default: this host).' }),
  } as const;
}

export type FormatConf = SectionConfig<ReturnType<typeof formatParams>>;
export type InjectConf = SectionConfig<ReturnType<typeof injectParams>>;
export type RecordFormatter = ((tag: string, sec: number, nsec: number, rec: Rec) => string | Uint8Array) & {
  /** Formats whose record part is Ruby JSON: how to write a packed stream without decoding it. */
  packedLines?: PackedLines;
};
/** The packed fast path of a JSON-record format (out_file, json): prefix per tag, newline. */
export interface PackedLines {
  prefix: ((tag: string) => LinePrefix) | undefined;
  newline: boolean;
}
export type Injector = (tag: string, sec: number, nsec: number, rec: Rec) => Rec;

function csvValue(v: unknown, delim: string, quote: boolean): string {
  const s = rubyToS(v);
  if (!quote && !/[",\r\n]/.test(s) && !s.includes(delim)) return s;
  return `"${s.replace(/"/g, '""')}"`;
}

/** The configured `@type`, or the output's default when there is no `<format>`. */
export function formatterType(c: FormatConf | undefined, defaultType: string): string {
  return c?.['@type'] ?? defaultType;
}

export function makeFormatter(c: FormatConf | undefined, defaultType = 'out_file'): RecordFormatter {
  const type = formatterType(c, defaultType);
  const nl = c?.add_newline === false ? '' : '\n';
  const utc = c?.utc === true || c?.localtime === false;
  switch (type) {
    case 'out_file': {
      const d = c?.delimiter;
      const delim = d === 'SPACE' ? ' ' : d === 'COMMA' ? ',' : '\t';
      const tf = c?.time_format ?? (utc ? '%Y-%m-%dT%H:%M:%SZ' : '%Y-%m-%dT%H:%M:%S%:z');
      const ot = c?.output_time !== false;
      const og = c?.output_tag !== false;
      const fmt = strftimeFn(tf, utc ? UTC_ZONE : LOCAL_ZONE);
      const f: RecordFormatter = (tag, sec, nsec, rec) =>
        `${ot ? fmt(sec, nsec) + delim : ''}${og ? tag + delim : ''}${rubyJson(rec)}\n`;
      f.packedLines = { prefix: ot || og ? outFilePrefix(fmt, delim, ot, og) : undefined, newline: true };
      return f;
    }
    case 'json': {
      const f: RecordFormatter = (_t, _s, _n, rec) => rubyJson(rec) + nl;
      f.packedLines = { prefix: undefined, newline: nl !== '' };
      return f;
    }
    case 'hash':
      return (_t, _s, _n, rec) => rubyInspect(rec) + nl;
    case 'single_value': {
      const k = c?.message_key ?? 'message';
      return (_t, _s, _n, rec) => rubyToS(rec[k]) + nl;
    }
    case 'msgpack':
      return (_t, _s, _n, rec) => packr.pack(rec);
    case 'ltsv': {
      const delim = c?.delimiter ?? '\t';
      const ld = c?.label_delimiter ?? ':';
      const rep = c?.replacement ?? ' ';
      return (_t, _s, _n, rec) =>
        Object.entries(rec)
          .map(([k, v]) => `${k}${ld}${rubyToS(v).split(delim).join(rep)}`)
          .join(delim) + nl;
    }
    case 'csv': {
      const fields = c?.fields;
      if (!fields || fields.length === 0) throw new ConfigError(`'fields' parameter is required`);
      let delim = c?.delimiter ?? ',';
      if (delim === '\\t' || delim === 'TAB') delim = '\t';
      const q = c?.force_quotes !== false;
      return (_t, _s, _n, rec) => fields.map((f) => csvValue(rec[f], delim, q)).join(delim) + nl;
    }
    case 'tsv': {
      const keys = c?.keys;
      if (!keys || keys.length === 0) throw new ConfigError(`'keys' parameter is required`);
      const delim = c?.delimiter ?? '\t';
      return (_t, _s, _n, rec) => keys.map((k) => rubyToS(rec[k])).join(delim) + nl;
    }
    case 'stdout': {
      const f = makeLineFormatter({ '@type': 'stdout', output_type: c?.output_type ?? 'json' } as never);
      return (tag, sec, nsec, rec) => f(tag, sec, nsec, rec) + '\n';
    }
    default:
      throw new ConfigError(`Unknown formatter plugin '${type}'`);
  }
}

/**
 * out_file's `time DELIM tag DELIM` column bytes for one batch's tag. The time text comes from
 * the per-second strftime cache; its bytes are rebuilt only when that text changes.
 */
function outFilePrefix(
  fmt: (sec: number, nsec: number) => string,
  delim: string,
  ot: boolean,
  og: boolean,
): (tag: string) => LinePrefix {
  return (tag) => {
    const tagPart = og ? tag + delim : '';
    if (!ot) {
      const b = Buffer.from(tagPart);
      return () => b;
    }
    let last = '';
    let bytes = Buffer.alloc(0);
    return (sec, nsec) => {
      const t = fmt(sec, nsec);
      if (t !== last || bytes.length === 0) {
        last = t;
        bytes = Buffer.from(t + delim + tagPart);
      }
      return bytes;
    };
  };
}

/** The `<inject>` step, or undefined when it adds nothing. */
export function makeInjector(c: InjectConf | undefined): Injector | undefined {
  if (!c || (!c.time_key && !c.tag_key && !c.hostname_key)) return undefined;
  const host = c.hostname ?? os.hostname();
  const utc = c.utc || !c.localtime;
  const timeString = strftimeFn(
    c.time_format ?? (utc ? '%Y-%m-%dT%H:%M:%SZ' : '%Y-%m-%dT%H:%M:%S%:z'),
    utc ? UTC_ZONE : LOCAL_ZONE,
  );
  const time = (sec: number, nsec: number): unknown => {
    switch (c.time_type) {
      case 'unixtime':
        return sec;
      case 'unixtime_millis':
        return sec * 1000 + Math.floor(nsec / 1e6);
      case 'unixtime_micros':
        return sec * 1e6 + Math.floor(nsec / 1e3);
      case 'unixtime_nanos':
        return BigInt(sec) * 1000000000n + BigInt(nsec);
      case 'string':
        return timeString(sec, nsec);
      default:
        return sec + Math.floor(nsec / 1e3) / 1e6;
    }
  };
  return (tag, sec, nsec, rec) => {
    const r: Rec = { ...rec };
    if (c.hostname_key) r[c.hostname_key] = host;
    if (c.tag_key) r[c.tag_key] = tag;
    if (c.time_key) r[c.time_key] = time(sec, nsec);
    return r;
  };
}

/** Formats a batch: strings joined as UTF-8, or bytes when the formatter is binary. */
export function formatBatch(
  f: RecordFormatter,
  inj: Injector | undefined,
  tag: string,
  secs: readonly number[],
  nsecs: readonly number[],
  records: readonly Rec[],
  post?: (s: string) => string,
): Buffer {
  const n = records.length;
  const parts: (string | Uint8Array)[] = new Array(n);
  let binary = false;
  for (let i = 0; i < n; i++) {
    const sec = secs[i]!;
    const nsec = nsecs[i]!;
    const rec = inj ? inj(tag, sec, nsec, records[i]!) : records[i]!;
    const v = f(tag, sec, nsec, rec);
    if (typeof v === 'string') parts[i] = post ? post(v) : v;
    else {
      binary = true;
      parts[i] = v;
    }
  }
  if (!binary) return Buffer.from((parts as string[]).join(''), 'utf8');
  return Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x) : x)));
}

/**
 * Formats a stream. A lazy stream (records still msgpack) with a JSON-record format and no
 * `<inject>` is transcoded from its bytes (plugin/msgpack-json.ts) — the same bytes as
 * formatBatch, without decoding the records. Anything else goes through formatBatch.
 */
export function formatStream(
  f: RecordFormatter,
  inj: Injector | undefined,
  tag: string,
  es: EventStream,
  post?: (s: string) => string,
): Buffer {
  const pl = f.packedLines;
  if (pl && !inj && !post && es.isLazy && es.packed) {
    const b = packedJsonLines(es.packed, pl.prefix?.(tag), pl.newline);
    if (b) return b;
  }
  return formatBatch(f, inj, tag, es.secs, es.nsecs, es.records, post);
}
