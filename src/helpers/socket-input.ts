// What in_tcp, in_udp and in_syslog share once a message is framed: counters, rate-limited
// notices, `<extract>` (tag and time from the record), the source_*_key params, and batching
// events per tag so the pipeline sees one EventStream per tag per read, not one per line
// (DESIGN.md §7.1). The parse step of in_tcp and in_udp is in socket-message.ts.

import { compatParse } from '../config/compat.js';
import type { ConfigElement } from '../config/element.js';
import { type ParamDecls, p, type SectionConfig } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { EventStream, type Rec } from '../core/event-stream.js';
import type { EventTime } from '../core/event-time.js';
import { type Logger, type LogLevel, LogThrottle } from '../core/log.js';
import { Input } from '../plugin/base.js';
import type { Emitter } from '../plugin/types.js';
import { TimeParser } from './time-parser.js';

/** Default bound on one TCP message when the config sets none (Fluentd: unlimited). */
export const DEFAULT_TCP_MESSAGE_LIMIT = 8 * 1024 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/** Counters, monotonic except `connections`. */
export interface SocketInputStats {
  connections: number;
  accepted: number;
  /** Closed on accept: max_connections reached. */
  refused: number;
  /** Closed on accept: not in the `<security>` allow-list. */
  denied: number;
  /** Framed messages handed to the parser. */
  messages: number;
  events: number;
  /** Messages the parser did not match (dropped, or emitted as unmatched lines). */
  unmatched: number;
  /** Messages whose time (or similar) could not be converted: dropped with a warning. */
  parseErrors: number;
  /** Complete messages over the length limit: dropped. */
  oversized: number;
  /** Partial messages that grew past the limit: dropped up to the next delimiter. */
  discarded: number;
  /** Datagrams cut to message_length_limit (UDP). */
  truncated: number;
  /** Datagrams dropped because too many were waiting for a hostname lookup (UDP). */
  backlogDrops: number;
  /** Bytes left without a delimiter when the peer closed: dropped. */
  partialAtClose: number;
  /** Connections closed because the stream could not be framed (bad octet count). */
  framingErrors: number;
  /** Events the pipeline refused (emitStream threw): dropped. */
  emitFailures: number;
  /** Times a connection stopped reading because the pipeline was past its high-water mark. */
  pauses: number;
}

export function newStats(): SocketInputStats {
  return {
    connections: 0,
    accepted: 0,
    refused: 0,
    denied: 0,
    messages: 0,
    events: 0,
    unmatched: 0,
    parseErrors: 0,
    oversized: 0,
    discarded: 0,
    truncated: 0,
    backlogDrops: 0,
    partialAtClose: 0,
    framingErrors: 0,
    emitFailures: 0,
    pauses: 0,
  };
}

/** One log line per key per 10 s; the number suppressed in between rides on the next one. */
export class Notifier {
  private readonly throttle = new LogThrottle(10_000);
  constructor(private readonly log: Logger) {}

  notice(level: LogLevel, key: string, message: string, kv: Record<string, unknown> = {}): void {
    if (!this.log.enabled(level)) return;
    const suppressed = this.throttle.allow(key);
    if (suppressed < 0) return;
    this.log.log(level, message, suppressed > 0 ? { ...kv, suppressed } : kv);
  }
}

/** Ruby's String#chomp without an argument: one trailing "\r\n", "\n" or "\r". */
export function chomp(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2);
  if (s.endsWith('\n') || s.endsWith('\r')) return s.slice(0, -1);
  return s;
}

/** The first bytes of a message for a log line. */
export function head(msg: Buffer | string, n = 64): string {
  const s = typeof msg === 'string' ? msg.slice(0, n) : msg.toString('utf8', 0, Math.min(n, msg.length));
  return s;
}

/** The `<parse>` section a text input requires (v0.12 flat `format` moved into one first). */
export function requireParse(el: ConfigElement): ConfigElement {
  compatParse(el);
  const parse = el.children('parse')[0];
  if (!parse) throw new ConfigError('<parse> section is required.', { pos: el.pos });
  return parse;
}

/** in_tcp's and in_udp's keys for the peer's name and address; `peer` words the docs. */
export function sourceKeyParams(peer: 'client' | 'sender') {
  return {
    source_host_key: p.string({
      deprecated: 'use source_hostname_key instead.',
      desc: 'Old name of source_hostname_key.',
    }),
    source_hostname_key: p.string({ desc: `Add the ${peer}'s hostname under this key.` }),
    source_address_key: p.string({ desc: `Add the ${peer}'s IP address under this key.` }),
  } as const;
}

const extractParams = {
  tag_key: p.string({ desc: 'Take the tag from this field.' }),
  keep_tag_key: p.bool({ default: false, desc: 'Keep the tag field in the record.' }),
  time_key: p.string({ desc: 'Take the time from this field when the parser gave none.' }),
  keep_time_key: p.bool({ default: false, desc: 'Keep the time field in the record.' }),
  time_type: p.enum(['float', 'unixtime', 'string'] as const)({
    default: 'float',
    desc: 'How the time field is read.',
  }),
  time_format: p.string({ desc: 'strptime format for time_type string.' }),
  localtime: p.bool({ default: true, desc: 'Times without an offset are local.' }),
  utc: p.bool({ default: false, desc: 'Times without an offset are UTC.' }),
  timezone: p.string({ desc: 'Zone for times without an offset.' }),
} as const;

export const extractSection = p.section(extractParams, { desc: 'Tag and time taken from record fields.' });

/** `<extract>`: Fluentd's extract plugin helper. */
export class Extractor {
  private readonly tagKey: string | undefined;
  private readonly timeKey: string | undefined;
  private readonly timeParser: TimeParser | undefined;

  constructor(private readonly c: SectionConfig<typeof extractParams>) {
    this.tagKey = c.tag_key;
    this.timeKey = c.time_key;
    if (this.timeKey) {
      this.timeParser =
        c.time_type === 'string'
          ? new TimeParser({
              type: 'string',
              format: c.time_format,
              localtime: c.localtime && !c.utc,
              timezone: c.timezone,
            })
          : new TimeParser({ type: c.time_type });
    }
  }

  /** The section's extractor, or undefined when it has neither tag_key nor time_key. */
  static from(c: SectionConfig<typeof extractParams> | undefined): Extractor | undefined {
    if (!c) return undefined;
    const x = new Extractor(c);
    return x.enabled ? x : undefined;
  }

  get enabled(): boolean {
    return this.tagKey !== undefined || this.timeKey !== undefined;
  }

  /** The record's tag field as a string (removed unless keep_tag_key), or undefined. */
  tag(r: Rec): string | undefined {
    const k = this.tagKey;
    if (k === undefined || !Object.hasOwn(r, k)) return undefined;
    const v = r[k];
    if (!this.c.keep_tag_key) delete r[k];
    return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
  }

  /** The record's time field (removed unless keep_time_key); throws TimeParseError. */
  time(r: Rec): EventTime | undefined {
    const k = this.timeKey;
    if (k === undefined || !Object.hasOwn(r, k)) return undefined;
    const v = r[k];
    if (!this.c.keep_time_key) delete r[k];
    return this.timeParser!.parse(v);
  }
}

/** Events of one read, grouped by tag in first-seen order. */
export class TagBatcher {
  private tags: string[] = [];
  private streams = new Map<string, EventStream>();
  private lastTag = '';
  private last: EventStream | undefined;

  add(tag: string, sec: number, nsec: number, record: Rec): void {
    let es = (tag === this.lastTag ? this.last : undefined) ?? this.streams.get(tag);
    if (!es) {
      es = new EventStream();
      this.streams.set(tag, es);
      this.tags.push(tag);
    }
    this.lastTag = tag;
    this.last = es;
    es.add(sec, nsec, record);
  }

  get empty(): boolean {
    return this.tags.length === 0;
  }

  /**
   * Emits every tag's stream and empties the batch. Returns false when the pipeline asked to
   * pause (the events were taken), and calls onError per stream it refused (those are lost).
   */
  flush(emitter: Emitter, onError: (e: Error, tag: string, es: EventStream) => void): boolean {
    if (this.tags.length === 0) return true;
    const tags = this.tags;
    const streams = this.streams;
    this.tags = [];
    this.streams = new Map();
    this.lastTag = '';
    this.last = undefined;
    let ok = true;
    for (const tag of tags) {
      const es = streams.get(tag)!;
      try {
        if (!emitter.emitStream(tag, es)) ok = false;
      } catch (e) {
        onError(e as Error, tag, es);
      }
    }
    return ok;
  }
}

/** Base of in_tcp, in_udp and in_syslog: what the receivers (socket-receive.ts) use of a plugin. */
export abstract class SocketInput<P extends ParamDecls = ParamDecls> extends Input<P> {
  readonly stats: SocketInputStats = newStats();
  readonly notifier = new Notifier(this.log);
  readonly batch = new TagBatcher();
}
