// One framed message of in_tcp or in_udp → <parse> → events in the plugin's TagBatcher.
//
//   message bytes ─┬─ parser type binary → a copy of the bytes (the read buffer is reused)
//                  └─ otherwise           → UTF-8 text (in_udp's remove_newline: chomped)
//   each parsed record: tag  = `<extract> tag_key` field, else the plugin's `tag`
//                       time = the parser's, else the `<extract> time_key` field, else now
//                       + source_address_key / source_hostname_key (name, else the address)
//
// An unmatched message is counted and warned about ("pattern not matched", as Fluentd); a
// parser or time error drops the message, counted and warned about. Warnings are rate-limited.
// in_syslog has its own message rules (PRI, unmatched lines) and does not use this.

import { EventTime } from '../core/event-time.js';
import type { Parser } from '../plugin/parser.js';
import {
  chomp,
  type Extractor,
  head,
  type Notifier,
  type SocketInputStats,
  type TagBatcher,
} from './socket-input.js';

export interface MessageOptions {
  parser: Parser<any>;
  extractor: Extractor | undefined;
  tag: string;
  addressKey: string | undefined;
  hostnameKey: string | undefined;
  /** Strip one trailing newline from text messages (in_udp's remove_newline). */
  chomp: boolean;
  /** The log field that shows the message: Fluentd's in_tcp says `message`, in_udp `data`. */
  logKey: 'message' | 'data';
}

/** Where the events and counts of a message go: the plugin. */
export interface MessageSink {
  readonly stats: SocketInputStats;
  readonly notifier: Notifier;
  readonly batch: TagBatcher;
}

export class MessageHandler {
  private readonly binary: boolean;

  constructor(
    private readonly sink: MessageSink,
    private readonly o: MessageOptions,
  ) {
    this.binary = o.parser.parserType === 'binary';
  }

  /** Parses `msg` (valid only during the call) from peer `addr` into the sink's batch. */
  handle(msg: Buffer, addr: string, hostname: string | undefined): void {
    const { stats, notifier, batch } = this.sink;
    const o = this.o;
    stats.messages++;
    let input: string | Buffer;
    if (this.binary) input = Buffer.from(msg);
    else input = o.chomp ? chomp(msg.toString('utf8')) : msg.toString('utf8');
    try {
      o.parser.parse(input, (time, record) => {
        if (record === null) {
          stats.unmatched++;
          notifier.notice('warn', 'unmatched', 'pattern not matched', { [o.logKey]: head(input) });
          return;
        }
        const x = o.extractor;
        const tag = x?.tag(record) ?? o.tag;
        const t = time ?? x?.time(record) ?? EventTime.now();
        if (o.addressKey) record[o.addressKey] = addr;
        if (o.hostnameKey) record[o.hostnameKey] = hostname ?? addr;
        stats.events++;
        batch.add(tag, t.sec, t.nsec, record);
      });
    } catch (e) {
      stats.parseErrors++;
      notifier.notice('warn', 'parse', 'invalid message, dropped', {
        error: e as Error,
        [o.logKey]: head(input),
        host: addr,
      });
    }
  }
}
