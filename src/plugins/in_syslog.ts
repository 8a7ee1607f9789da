// in_syslog (spec plugins §5.1): syslog messages over UDP (default), TCP or TLS.
//
//   UDP   one datagram = one message (cut to message_length_limit, one trailing newline chomped)
//   TCP   frame_type traditional:  MSG "\n" MSG "\n" ...          (`delimiter`)
//         frame_type octet_count:  LEN SP MSG LEN SP MSG ...      (RFC 6587)
//
//   "<PRI>..." → <parse> (default @type syslog, with_priority true, message_format rfc3164)
//   → event with tag `<tag>.<facility>.<severity>`, PRI = facility × 8 + severity, `pri`
//   removed from the record.
//   Facilities 0–23: kern user mail daemon auth syslog lpr news uucp cron authpriv ftp ntp
//   audit alert at local0…local7 (Fluentd's names for 13–15); a facility above 23 leaves
//   an empty tag segment. Severities: emerg alert crit err warn notice info debug.
//
// - A parser that does not read PRI itself (not syslog, or with_priority false): the `<PRI>`
//   prefix is stripped here, and a message without one is "invalid syslog message".
// - A message that does not parse gives a warning (rate-limited) and, with
//   `emit_unmatched_lines`, an event `{"unmatched_line": raw}` tagged `<tag>.unmatched`.
// - Bounds: UDP cuts datagrams to message_length_limit (2048) like Fluentd. TCP frames are
//   capped at `tcp_message_length_limit` (a Tributary bound, default 8 MiB; Fluentd has
//   none): longer ones are dropped, counted and logged; a bad octet count closes the
//   connection (Fluentd: the same, through an exception). Open connections are capped at
//   `max_connections`.
// - Backpressure as in_tcp (TCP pauses the connection; UDP cannot and counts it).

import { compatParse } from '../config/compat.js';
import { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { Rec } from '../core/event-stream.js';
import { EventTime } from '../core/event-time.js';
import {
  DelimiterFramer,
  type DropReason,
  type Framer,
  FramingError,
  OctetCountFramer,
} from '../helpers/socket-framing.js';
import {
  chomp,
  DatagramDispatch,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_TCP_MESSAGE_LIMIT,
  head,
  Notifier,
  newStats,
  type SocketInputStats,
  TagBatcher,
} from '../helpers/socket-input.js';
import {
  HostCache,
  plainAddress,
  protocolOf,
  type TcpConn,
  TcpServer,
  tlsOptions,
  transportSection,
  UdpServer,
} from '../helpers/socket-server.js';
import { Input } from '../plugin/base.js';
import { createParser, type Parser } from '../plugin/parser.js';
import './parser_builtins.js';

export const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'at',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'] as const;

const PRI_PREFIX = /^<([0-9]+)>(.*)/;

const params = {
  port: p.integer({ default: 5140, desc: 'Port to listen on.' }),
  bind: p.string({ default: '0.0.0.0', desc: 'Address to listen on.' }),
  tag: p.string({ required: true, desc: 'Tag prefix: events get `<tag>.<facility>.<severity>`.' }),
  protocol_type: p.enum(['tcp', 'udp'] as const)({
    deprecated: 'use transport directive',
    desc: 'Old form of <transport>.',
  }),
  frame_type: p.enum(['traditional', 'octet_count'] as const)({
    default: 'traditional',
    desc: 'TCP framing: `traditional` (delimiter) or `octet_count` (RFC 6587).',
  }),
  include_source_host: p.bool({
    default: false,
    deprecated: 'use "source_hostname_key" or "source_address_key" instead.',
    desc: 'Add the sender address under source_host_key.',
  }),
  source_host_key: p.string({ default: 'source_host', desc: 'Key for include_source_host.' }),
  emit_unmatched_lines: p.bool({
    default: false,
    desc: 'Emit unparsable messages as {"unmatched_line": ...} with tag <tag>.unmatched.',
  }),
  source_hostname_key: p.string({ desc: "Add the sender's hostname under this key." }),
  resolve_hostname: p.bool({ desc: 'Resolve sender names (default on with source_hostname_key).' }),
  send_keepalive_packet: p.bool({ default: false, desc: 'Enable TCP keepalive probes (tcp/tls).' }),
  source_address_key: p.string({ desc: "Add the sender's IP address under this key." }),
  severity_key: p.string({ alias: 'priority_key', desc: 'Add the severity name under this key.' }),
  facility_key: p.string({ desc: 'Add the facility name under this key.' }),
  message_length_limit: p.size({ default: 2048, desc: 'UDP: datagrams are cut to this many bytes.' }),
  blocking_timeout: p.time({ default: 0.5, desc: 'Accepted for compatibility.' }),
  delimiter: p.string({ default: '\n', desc: 'TCP traditional framing: messages end with this string.' }),
  tcp_message_length_limit: p.size({
    default: DEFAULT_TCP_MESSAGE_LIMIT,
    desc: 'Tributary: longest TCP message in bytes; longer ones are dropped.',
  }),
  max_connections: p.integer({
    default: DEFAULT_MAX_CONNECTIONS,
    desc: 'Tributary: TCP connections beyond this are closed on accept.',
  }),
  backlog: p.integer({ desc: 'Listen backlog (TCP).' }),
  transport: transportSection,
} as const;

/** Where a message came from. */
interface Peer {
  addr: string;
  hostname: string | undefined;
}

export class SyslogInput extends Input<typeof params> {
  static override readonly type = 'syslog';
  static override readonly params = params;
  static readonly desc = 'Receives syslog messages (RFC 3164 / 5424) over UDP, TCP or TLS.';
  static readonly example =
    '<source>\n  @type syslog\n  tag system\n  port 5140\n  bind 127.0.0.1\n  <parse>\n    message_format auto\n  </parse>\n</source>';

  readonly stats: SocketInputStats = newStats();
  private parser!: Parser<any>;
  private parsesPri = false;
  private protocol = 'udp';
  private addressKey: string | undefined;
  private resolve = false;
  private tcp: TcpServer | undefined;
  private udp: UdpServer | undefined;
  private notifier!: Notifier;
  private readonly framers = new WeakMap<TcpConn, Framer>();
  private readonly batch = new TagBatcher();

  override configure(el: ConfigElement): void {
    compatParse(el);
    super.configure(el);
    const c = this.config;
    if (el.has('priority_key')) this.log.warn('priority_key is deprecated. Use severity_key instead');
    this.parser = createParser(this.ctx, this.parseElement(el));
    this.parsesPri = (this.parser.config as { with_priority?: unknown }).with_priority === true;
    this.addressKey = c.source_address_key;
    if (c.include_source_host) {
      if (c.source_address_key) {
        throw new ConfigError('specify either source_address_key or include_source_host');
      }
      this.addressKey = c.source_host_key;
    }
    if (c.source_hostname_key) {
      if (c.resolve_hostname === false) {
        throw new ConfigError('resolve_hostname must be true with source_hostname_key');
      }
      this.resolve = true;
    }
    this.protocol = c.protocol_type ?? protocolOf(c.transport, 'udp', ['tcp', 'udp', 'tls']);
    if (c.send_keepalive_packet && this.protocol === 'udp') {
      throw new ConfigError('send_keepalive_packet is available for tcp/tls');
    }
    if (c.delimiter === '') throw new ConfigError('delimiter must not be empty');
    this.notifier = new Notifier(this.log);
  }

  /** The `<parse>` section with in_syslog's defaults: @type syslog, with_priority true. */
  private parseElement(el: ConfigElement): ConfigElement {
    let parse = el.children('parse')[0];
    if (!parse) parse = new ConfigElement('parse', '', el.pos);
    if (!parse.has('@type') && !parse.has('type')) parse.set('@type', 'syslog');
    const type = parse.params.get('@type')?.value ?? parse.params.get('type')?.value;
    if (type === 'syslog' && !parse.has('with_priority')) parse.set('with_priority', 'true');
    return parse;
  }

  /** The bound port (TCP or UDP; useful with `port 0`). */
  get boundPort(): number {
    return this.tcp?.port ?? this.udp?.port ?? this.config.port;
  }

  override async start(): Promise<void> {
    const c = this.config;
    if (this.protocol === 'udp') await this.startUdp();
    else await this.startTcp(this.protocol === 'tls');
    this.log.info(`listening syslog socket on ${c.bind}:${this.boundPort} with ${this.protocol}`);
  }

  private async startUdp(): Promise<void> {
    const c = this.config;
    const dispatch = new DatagramDispatch(
      {
        handle: (msg, addr, hostname) => this.onMessage(chomp(msg.toString('utf8')), { addr, hostname }),
        flush: () => this.flushUdp(),
        dropped: () => {
          this.stats.backlogDrops++;
          this.notifier.notice('warn', 'backlog', 'too many datagrams waiting for hostname lookups, dropped');
        },
      },
      this.resolve ? new HostCache() : undefined,
    );
    const udp = new UdpServer({
      port: c.port,
      bind: c.bind,
      maxBytes: c.message_length_limit,
      receiveBufferSize: c.transport?.receive_buffer_size,
      onMessage: (msg, rinfo, size) => {
        if (size > msg.length) {
          this.stats.truncated++;
          this.notifier.notice(
            'warn',
            'truncated',
            "datagram larger than 'message_length_limit', truncated",
            {
              limit: c.message_length_limit,
              size,
              host: rinfo.address,
            },
          );
        }
        dispatch.push(msg, plainAddress(rinfo.address), rinfo.port);
      },
      onError: (e) => this.notifier.notice('error', 'udp', 'udp socket error', { error: e }),
    });
    await udp.listen();
    this.udp = udp;
  }

  private async startTcp(useTls: boolean): Promise<void> {
    const c = this.config;
    const tcp = new TcpServer({
      port: c.port,
      bind: c.bind,
      backlog: c.backlog,
      tls: useTls ? tlsOptions(c.transport!) : undefined,
      maxConnections: c.max_connections,
      keepAlive: c.send_keepalive_packet,
      resolveHostname: this.resolve,
      onConnection: (conn) => {
        this.stats.accepted++;
        this.stats.connections++;
        this.framers.set(conn, this.framerFor(conn));
      },
      onData: (conn, data) => this.onTcpData(conn, data),
      onClose: (conn) => {
        this.stats.connections--;
        const f = this.framers.get(conn);
        if (f && f.pending > 0) this.stats.partialAtClose++;
      },
      onNotice: (kind, kv) => {
        if (kind === 'refused') this.stats.refused++;
        const msg = {
          refused: 'connection refused: max_connections reached',
          denied: 'client denied',
          tls: 'TLS handshake failed',
          error: 'syslog tcp server error',
        }[kind];
        this.notifier.notice(kind === 'error' ? 'error' : 'warn', kind, msg, kv);
      },
    });
    await tcp.listen();
    this.tcp = tcp;
  }

  private framerFor(conn: TcpConn): Framer {
    const limit = this.config.tcp_message_length_limit;
    const onMessage = (msg: Buffer) =>
      this.onMessage(msg.toString('utf8'), { addr: conn.remoteAddr, hostname: conn.hostname });
    const onDrop = (reason: DropReason, size: number, h: Buffer) => {
      this.stats[reason]++;
      this.notifier.notice('warn', reason, "message larger than 'tcp_message_length_limit', dropped", {
        limit,
        size,
        head: head(h, 32),
        host: conn.remoteAddr,
      });
    };
    return this.config.frame_type === 'octet_count'
      ? new OctetCountFramer(limit, onMessage, onDrop)
      : new DelimiterFramer(this.config.delimiter, limit, onMessage, onDrop);
  }

  private onTcpData(conn: TcpConn, data: Buffer): void {
    try {
      this.framers.get(conn)!.push(data);
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      this.stats.framingErrors++;
      this.notifier.notice('error', 'framing', 'unexpected error on reading data; closing the connection', {
        error: e,
        host: conn.remoteAddr,
      });
      conn.close();
    }
    let failed = false;
    const ok = this.batch.flush(this.emitter, (e, tag, es) => {
      failed = true;
      this.emitFailed(e, tag, es.length);
    });
    if (failed) conn.close();
    else if (!ok && !conn.closed) {
      this.stats.pauses++;
      conn.pauseFlow();
      this.emitter.onDrain(() => conn.resumeFlow());
    }
  }

  private flushUdp(): void {
    const ok = this.batch.flush(this.emitter, (e, tag, es) => this.emitFailed(e, tag, es.length));
    if (!ok) this.stats.pauses++;
  }

  private emitFailed(e: Error, tag: string, n: number): void {
    this.stats.emitFailures += n;
    this.notifier.notice('error', 'emit', 'syslog failed to emit', { error: e, tag });
  }

  /** Fluentd's message_handler: one framed message → at most one event (or an unmatched one). */
  private onMessage(data: string, peer: Peer): void {
    this.stats.messages++;
    let pri: number | undefined;
    let text = data;
    if (!this.parsesPri) {
      const m = PRI_PREFIX.exec(data);
      if (!m) {
        this.unmatched(data, peer, 'invalid syslog message', undefined);
        return;
      }
      pri = Number.parseInt(m[1]!, 10);
      text = m[2]!;
    }
    try {
      let done = false;
      this.parser.parse(text, (time, record) => {
        if (done) return;
        if (!time || !record) {
          done = true;
          this.unmatched(data, peer, 'failed to parse message', undefined);
          return;
        }
        const p = pri ?? record.pri;
        delete record.pri;
        if (typeof p !== 'number' || !Number.isInteger(p)) throw new Error(`no priority in ${head(data)}`);
        this.add(p, time, record, peer);
      });
    } catch (e) {
      this.stats.parseErrors++;
      this.unmatched(data, peer, 'invalid input', e as Error);
    }
  }

  private add(pri: number, time: EventTime, record: Rec, peer: Peer): void {
    const c = this.config;
    const facility = FACILITIES[pri >> 3];
    const severity = SEVERITIES[pri & 7]!;
    if (c.severity_key) record[c.severity_key] = severity;
    if (c.facility_key) record[c.facility_key] = facility ?? null;
    if (this.addressKey) record[this.addressKey] = peer.addr;
    if (c.source_hostname_key) record[c.source_hostname_key] = peer.hostname ?? peer.addr;
    this.stats.events++;
    this.batch.add(`${c.tag}.${facility ?? ''}.${severity}`, time.sec, time.nsec, record);
  }

  private unmatched(data: string, peer: Peer, why: string, error: Error | undefined): void {
    if (!error) this.stats.unmatched++;
    const c = this.config;
    if (c.emit_unmatched_lines) {
      const record: Rec = { unmatched_line: data };
      if (this.addressKey) record[this.addressKey] = peer.addr;
      if (c.source_hostname_key) record[c.source_hostname_key] = peer.hostname ?? peer.addr;
      const now = EventTime.now();
      this.batch.add(`${c.tag}.unmatched`, now.sec, now.nsec, record);
    }
    const kv: Record<string, unknown> = { data: head(data, 256), host: peer.addr };
    if (error) kv.error = error;
    this.notifier.notice(error ? 'error' : 'warn', why, why, kv);
  }

  /** Stop accepting; open TCP connections are closed by shutdown(). */
  override stop(): void {
    void this.tcp?.stopListening();
    this.udp?.close();
    this.udp = undefined;
  }

  override async shutdown(): Promise<void> {
    this.stop();
    await this.tcp?.closeAll();
  }
}
