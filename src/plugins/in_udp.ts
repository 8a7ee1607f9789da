// in_udp (spec plugins §5.2): one datagram = one message → <parse> → event.
//
// - A datagram longer than `message_length_limit` (default 4096) is cut to that many bytes,
//   as Fluentd's recvfrom(max_bytes) does; the cut is counted (`stats.truncated`) and logged
//   (rate-limited), which Fluentd does not do.
// - `remove_newline` (default true) chomps one trailing "\n", "\r\n" or "\r".
// - Time: the parser's, else the `<extract> time_key` field, else now. Tag: `tag`, or the
//   `<extract> tag_key` field.
// - The datagrams of one event-loop turn are emitted as one batch per tag. UDP cannot push
//   back: when the pipeline asks to pause, the events were still taken; it is counted in
//   `stats.pauses`, and the kernel drops what the socket buffer cannot hold.

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import {
  Extractor,
  extractSection,
  requireParse,
  SocketInput,
  sourceKeyParams,
} from '../helpers/socket-input.js';
import { MessageHandler } from '../helpers/socket-message.js';
import { UdpReceiver } from '../helpers/socket-receive.js';
import { protocolOf, transportSection } from '../helpers/socket-server.js';
import { createParser } from '../plugin/parser.js';
import './parser_builtins.js';

const params = {
  tag: p.string({ required: true, desc: 'Tag of the events.' }),
  port: p.integer({ default: 5160, desc: 'Port to listen on.' }),
  bind: p.string({ default: '0.0.0.0', desc: 'Address to listen on.' }),
  ...sourceKeyParams('sender'),
  body_size_limit: p.size({
    deprecated: 'use message_length_limit instead.',
    desc: 'Old name of message_length_limit.',
  }),
  message_length_limit: p.size({ default: 4096, desc: 'Datagrams are cut to this many bytes.' }),
  remove_newline: p.bool({ default: true, desc: 'Remove one trailing newline from each datagram.' }),
  receive_buffer_size: p.size({
    deprecated: 'use receive_buffer_size in transport section instead.',
    desc: 'SO_RCVBUF of the socket.',
  }),
  blocking_timeout: p.time({ default: 0.5, desc: 'Accepted for compatibility.' }),
  extract: extractSection,
  transport: transportSection,
} as const;

export class UdpInput extends SocketInput<typeof params> {
  static override readonly type = 'udp';
  static override readonly params = params;
  static readonly desc = 'Receives text messages over UDP, one per datagram, parsed by <parse>.';
  static readonly example =
    '<source>\n  @type udp\n  tag udp.events\n  port 5160\n  bind 127.0.0.1\n  <parse>\n    @type none\n  </parse>\n</source>';

  private messages!: MessageHandler;
  private hostnameKey: string | undefined;
  private limit = 4096;
  private receiver: UdpReceiver | undefined;

  override configure(el: ConfigElement): void {
    const parse = requireParse(el);
    super.configure(el);
    const c = this.config;
    protocolOf(c.transport, 'udp', ['udp']);
    this.hostnameKey = c.source_hostname_key ?? c.source_host_key;
    this.limit = c.body_size_limit ?? c.message_length_limit;
    this.messages = new MessageHandler(this, {
      parser: createParser(this.ctx, parse),
      extractor: Extractor.from(c.extract),
      tag: c.tag,
      addressKey: c.source_address_key,
      hostnameKey: this.hostnameKey,
      chomp: c.remove_newline,
      logKey: 'data',
    });
  }

  get boundPort(): number {
    return this.receiver?.server.port ?? this.config.port;
  }

  override async start(): Promise<void> {
    const c = this.config;
    const receiver = new UdpReceiver(this, {
      port: c.port,
      bind: c.bind,
      maxBytes: this.limit,
      receiveBufferSize: c.transport?.receive_buffer_size ?? c.receive_buffer_size,
      resolveHostname: this.hostnameKey !== undefined,
      limitName: 'message_length_limit',
      handle: (msg, addr, hostname) => this.messages.handle(msg, addr, hostname),
    });
    await receiver.server.listen();
    this.receiver = receiver;
    this.log.info('listening udp socket', { bind: c.bind, port: this.boundPort });
  }

  override stop(): void {
    this.receiver?.server.close();
  }

  override shutdown(): void {
    this.stop();
  }
}
