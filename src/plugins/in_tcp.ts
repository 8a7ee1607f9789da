// in_tcp (spec plugins §5.2): text messages over TCP (or TLS), one per `delimiter`.
//
//   MSG "\n" MSG "\n" ...      → <parse> → event (tag `tag`, or the `<extract> tag_key` field)
//
// - Time: the parser's, else the `<extract> time_key` field, else now.
// - `source_address_key` / `source_hostname_key` add the peer's address / name to each record.
// - Bounds: a message over `message_length_limit` is dropped; a partial message that grows
//   past it is dropped with everything up to the next delimiter (Fluentd's rule). Without
//   `message_length_limit` Tributary still caps a message at 8 MiB (Fluentd: unlimited), and
//   caps open connections at `max_connections`. Every drop is counted in `stats` and logged
//   (rate-limited).
// - Backpressure: each read is parsed and emitted as one batch per tag; when the pipeline says
//   pause, that connection stops reading until it drains (TCP flow control slows the sender).
// - An unmatched message gives a rate-limited warning, as Fluentd's "pattern not matched". A
//   message whose time cannot be parsed is dropped with a warning (Fluentd closes the
//   connection). When the pipeline throws, the events are counted lost and the connection is
//   closed (Fluentd logs and closes too).
// - Bytes left without a delimiter when the peer closes are dropped (as Fluentd), counted.

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { DelimiterFramer, type DropReason } from '../helpers/socket-framing.js';
import {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_TCP_MESSAGE_LIMIT,
  Extractor,
  extractSection,
  head,
  requireParse,
  SocketInput,
  sourceKeyParams,
} from '../helpers/socket-input.js';
import { MessageHandler } from '../helpers/socket-message.js';
import { TcpReceiver } from '../helpers/socket-receive.js';
import {
  buildAllowList,
  protocolOf,
  type TcpConn,
  tlsOptions,
  transportSection,
} from '../helpers/socket-server.js';
import { createParser } from '../plugin/parser.js';
import './parser_builtins.js';

const params = {
  tag: p.string({ required: true, desc: 'Tag of the events.' }),
  port: p.integer({ default: 5170, desc: 'Port to listen on.' }),
  bind: p.string({ default: '0.0.0.0', desc: 'Address to listen on.' }),
  ...sourceKeyParams('client'),
  message_length_limit: p.size({
    desc: 'Longest message in bytes; longer ones are dropped (unset: 8 MiB, a Tributary bound).',
  }),
  blocking_timeout: p.time({ default: 0.5, desc: 'Accepted for compatibility.' }),
  delimiter: p.string({ default: '\n', desc: 'Messages end with this string.' }),
  send_keepalive_packet: p.bool({ default: false, desc: 'Enable TCP keepalive probes.' }),
  backlog: p.integer({ desc: 'Listen backlog.' }),
  max_connections: p.integer({
    default: DEFAULT_MAX_CONNECTIONS,
    desc: 'Tributary: connections beyond this are closed on accept (counted and logged).',
  }),
  security: p.section(
    {
      client: p.section(
        {
          host: p.string({ desc: 'Client address or hostname.' }),
          network: p.string({ desc: 'Client network (CIDR).' }),
        },
        { multi: true, required: true, desc: 'An allowed client; others are closed on connect.' },
      ),
    },
    { desc: 'Allow-list of clients.' },
  ),
  extract: extractSection,
  transport: transportSection,
} as const;

export class TcpInput extends SocketInput<typeof params> {
  static override readonly type = 'tcp';
  static override readonly params = params;
  static readonly desc = 'Receives text messages over TCP, one per delimiter, parsed by <parse>.';
  static readonly example =
    '<source>\n  @type tcp\n  tag tcp.events\n  port 5170\n  bind 127.0.0.1\n  <parse>\n    @type json\n  </parse>\n</source>';

  private messages!: MessageHandler;
  private limit = DEFAULT_TCP_MESSAGE_LIMIT;
  private hostnameKey: string | undefined;
  private useTls = false;
  private receiver: TcpReceiver | undefined;

  override configure(el: ConfigElement): void {
    const parse = requireParse(el);
    super.configure(el);
    const c = this.config;
    for (const cl of c.security?.client ?? []) {
      if (cl.host && cl.network)
        throw new ConfigError("both of 'host' and 'network' are specified for client");
      if (!cl.host && !cl.network)
        throw new ConfigError("Either of 'host' and 'network' must be specified for client");
    }
    if (c.delimiter === '') throw new ConfigError('delimiter must not be empty');
    this.useTls = protocolOf(c.transport, 'tcp', ['tcp', 'tls']) === 'tls';
    this.hostnameKey = c.source_hostname_key ?? c.source_host_key;
    this.limit = c.message_length_limit ?? DEFAULT_TCP_MESSAGE_LIMIT;
    this.messages = new MessageHandler(this, {
      parser: createParser(this.ctx, parse),
      extractor: Extractor.from(c.extract),
      tag: c.tag,
      addressKey: c.source_address_key,
      hostnameKey: this.hostnameKey,
      chomp: false,
      logKey: 'message',
    });
  }

  /** Bytes held for incomplete messages, over all open connections. */
  get bufferedBytes(): number {
    return this.receiver?.bufferedBytes ?? 0;
  }

  /** The bound port (useful with `port 0`). */
  get boundPort(): number {
    return this.receiver?.server.port ?? this.config.port;
  }

  override async start(): Promise<void> {
    const c = this.config;
    const clients = c.security?.client;
    const receiver = new TcpReceiver(this, {
      port: c.port,
      bind: c.bind,
      backlog: c.backlog,
      tls: this.useTls ? tlsOptions(c.transport!) : undefined,
      maxConnections: c.max_connections,
      keepAlive: c.send_keepalive_packet,
      allow: clients ? await buildAllowList(clients) : undefined,
      resolveHostname: this.hostnameKey !== undefined,
      framer: (conn) =>
        new DelimiterFramer(
          c.delimiter,
          this.limit,
          (msg) => this.messages.handle(msg, conn.remoteAddr, conn.hostname),
          (reason, size, h) => this.onDrop(conn, reason, size, h),
        ),
    });
    await receiver.server.listen();
    this.receiver = receiver;
    this.log.info('listening tcp socket', { bind: c.bind, port: this.boundPort });
  }

  private onDrop(conn: TcpConn, reason: DropReason, size: number, h: Buffer): void {
    this.stats[reason]++;
    const what =
      reason === 'oversized'
        ? "The received data is larger than 'message_length_limit', dropped:"
        : "The buffer size exceeds 'message_length_limit', cleared:";
    this.notifier.notice('info', reason, what, {
      limit: this.limit,
      size,
      head: head(h, 32),
      host: conn.remoteAddr,
    });
  }

  /** Stop accepting connections; open ones are closed by shutdown(). */
  override stop(): void {
    void this.receiver?.server.stopListening();
  }

  override async shutdown(): Promise<void> {
    await this.receiver?.server.closeAll();
  }
}
