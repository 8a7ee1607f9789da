// filter_parser: parses one field of each record with a `<parse>` parser and replaces the
// record with the result (spec plugins §7.3; Fluentd ≥ 1.18's stream form).
//
//   <filter app.**>
//     @type parser
//     key_name log                    record accessor: `log`, `$.kubernetes.log`
//     reserve_data true               keep the original fields (parsed ones win)
//     <parse>
//       @type json
//     </parse>
//   </filter>
//
//   {"log":"{\"a\":1}","host":"h"}  →  {"host":"h","log":"{\"a\":1}","a":1}   (reserve_data)
//
// Per event, exactly as Fluentd:
// - Field missing (or nil): error event "<key_name> does not exist"; the record is kept
//   (unchanged, plus an empty hash_value_field) only with reserve_data.
// - Each parsed result becomes an event (a JSON array gives several). Its time is the parsed
//   time, else the original one; reserve_time always keeps the original.
//   remove_key_name_field drops key_name from the kept original fields after a success.
// - A result the parser did not match: error event "pattern not matched with data '<v>'"; the
//   record is kept unchanged (original time) only with reserve_data.
// - A parser error (bad time, ...) or any other failure: error event, no output for the record.
// Error events go to @ERROR only with emit_invalid_record_to_error (default true).
//
// The input records are never mutated (they may be shared with other outputs of a copy):
// every output record is a new object.

import { compatParse } from '../config/compat.js';
import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { EventStream, type Rec } from '../core/event-stream.js';
import type { EventTime } from '../core/event-time.js';
import { type RecordAccessor, recordAccessor } from '../helpers/record-accessor.js';
import { Filter } from '../plugin/base.js';
import { createParser, type Parser, ParserError } from '../plugin/parser.js';
import { rubyToS } from './support/ruby-text.js';
import './parser_builtins.js';

const params = {
  key_name: p.string({ required: true, desc: 'Field to parse (record accessor syntax allowed).' }),
  reserve_data: p.bool({ default: false, desc: 'Keep the original fields; parsed fields overwrite them.' }),
  reserve_time: p.bool({ default: false, desc: 'Keep the original event time.' }),
  remove_key_name_field: p.bool({
    default: false,
    desc: 'Drop key_name from the kept fields after a successful parse.',
  }),
  inject_key_prefix: p.string({ desc: 'Prefix added to every parsed key.' }),
  replace_invalid_sequence: p.bool({
    default: false,
    desc: 'Replace invalid UTF-8 in the field with "?" and parse it, instead of failing.',
  }),
  hash_value_field: p.string({ desc: 'Put the parsed fields under this key.' }),
  emit_invalid_record_to_error: p.bool({
    default: true,
    desc: 'Send records that fail to parse to @ERROR (false: drop them silently).',
  }),
} as const;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');
const EMPTY: Rec = Object.freeze({}) as Rec;

function argumentError(message: string): Error {
  const e = new Error(message);
  e.name = 'ArgumentError';
  return e;
}

function rubyClassName(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return 'Array';
  return typeof v === 'object' ? 'Hash' : typeof v;
}

export class ParserFilter extends Filter<typeof params> {
  static override readonly type = 'parser';
  static override readonly params = params;
  static readonly desc =
    'Parses a field of each record with a <parse> parser and replaces the record with the result.';
  static readonly example =
    '<filter app.**>\n  @type parser\n  key_name log\n  reserve_data true\n  <parse>\n    @type json\n  </parse>\n</filter>';

  parser!: Parser<any>;
  private accessor!: RecordAccessor;
  private binary = false;

  // State of the event being parsed, read by onParsed (one bound callback, no closure per event).
  private out = new EventStream();
  private tag = '';
  private sec = 0;
  private nsec = 0;
  private record: Rec = EMPTY;
  /** The original fields to keep (the record, minus key_name once removed). */
  private kept: Rec = EMPTY;
  private raw = '';
  private readonly onParsed = (time: EventTime | undefined, values: Rec | null): void =>
    this.parsed(time, values);

  override configure(el: ConfigElement): void {
    compatParse(el);
    const parse = el.children('parse')[0];
    if (!parse) throw new ConfigError('<parse> section is required.', { pos: el.pos });
    super.configure(el);
    this.accessor = recordAccessor(this.config.key_name);
    this.parser = createParser(this.ctx, parse);
    this.binary = this.parser.parserType === 'binary';
  }

  override filterStream(tag: string, es: EventStream): EventStream {
    const out = new EventStream();
    this.out = out;
    this.tag = tag;
    const n = es.length;
    for (let i = 0; i < n; i++) {
      const record = es.records[i]!;
      this.sec = es.secs[i]!;
      this.nsec = es.nsecs[i]!;
      this.record = record;
      this.kept = record;
      try {
        const raw = this.accessor.get(record);
        if (raw === null || raw === undefined) {
          if (this.config.reserve_data) out.add(this.sec, this.nsec, this.handleParsed(EMPTY));
          throw argumentError(`${this.config.key_name} does not exist`);
        }
        this.parseValue(raw);
      } catch (e) {
        this.error(record, e instanceof Error ? e : new Error(String(e)));
      }
    }
    this.record = EMPTY;
    this.kept = EMPTY;
    return out;
  }

  private parseValue(raw: unknown): void {
    let text: string | Buffer;
    if (typeof raw === 'string') text = raw;
    else if (raw instanceof Uint8Array) {
      const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      if (this.binary) text = bytes;
      else {
        try {
          text = strictUtf8.decode(bytes);
        } catch {
          if (!this.config.replace_invalid_sequence) throw argumentError('invalid byte sequence in UTF-8');
          text = lenientUtf8.decode(bytes).replace(/\uFFFD/g, '?');
        }
      }
    } else {
      throw new ParserError(`parse failed no implicit conversion of ${rubyClassName(raw)} into String`);
    }
    this.raw = typeof text === 'string' ? text : rubyToS(text);
    try {
      this.parser.parse(text, this.onParsed);
    } catch (e) {
      if (e instanceof ParserError) throw e;
      throw new ParserError(`parse failed ${(e as Error).message}`);
    }
  }

  private parsed(time: EventTime | undefined, values: Rec | null): void {
    if (values) {
      let sec = this.sec;
      let nsec = this.nsec;
      if (!this.config.reserve_time && time) {
        sec = time.sec;
        nsec = time.nsec;
      }
      if (this.config.remove_key_name_field) this.kept = this.accessor.deleteCopy(this.kept);
      this.out.add(sec, nsec, this.handleParsed(values));
      return;
    }
    this.error(this.record, new ParserError(`pattern not matched with data '${this.raw}'`));
    if (this.config.reserve_data) this.out.add(this.sec, this.nsec, this.handleParsed(EMPTY));
  }

  /** Prefix, nest, and merge into the kept fields (Fluentd's handle_parsed). Always a new object. */
  private handleParsed(values: Rec): Rec {
    const c = this.config;
    let v = values;
    if (c.inject_key_prefix !== undefined) {
      const prefixed: Rec = {};
      for (const k in values) prefixed[c.inject_key_prefix + k] = values[k];
      v = prefixed;
    }
    const r: Rec = c.hash_value_field !== undefined ? { [c.hash_value_field]: v === EMPTY ? {} : v } : v;
    if (c.reserve_data) return { ...this.kept, ...r };
    return r === EMPTY ? {} : r;
  }

  private error(record: Rec, e: Error): void {
    if (this.config.emit_invalid_record_to_error)
      this.ctx.emitErrorEvent(this.tag, this.sec, this.nsec, record, e);
  }
}
