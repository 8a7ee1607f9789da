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
  OctetCountFramer,
} from '../helpers/socket-framing.js';
import {
  chomp,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_TCP_MESSAGE_LIMIT,
  head,
  SocketInput,
} from '../helpers/socket-input.js';
import { TcpReceiver, UdpReceiver } from '../helpers/socket-receive.js';
import { protocolOf, type TcpConn, tlsOptions, transportSection } from '../helpers/socket-server.js';
import { createParser, type Parser } from '../plugin/parser.js';
import './parser_builtins.js';

/** Facility names by number (Fluentd's FACILITY_MAP, including audit/alert/at for 13–15). */
export const FACILITIES: readonly string[] = (
  'kern user mail daemon auth syslog lpr news uucp cron authpriv ftp ntp audit alert at ' +
  'local0 local1 local2 local3 local4 local5 local6 local7'
).split(' ');
export const SEVERITIES: readonly string[] = 'emerg alert crit err warn notice info debug'.split(' ');

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

export class SyslogInput extends SocketInput<typeof params> {
  static override readonly type = 'syslog';
  static override readonly params = params;
  static readonly desc = 'Receives syslog messages (RFC 3164 / 5424) over UDP, TCP or TLS.';
  static readonly example =
    '<source>\n  @type syslog\n  tag system\n  port 5140\n  bind 127.0.0.1\n  <parse>\n    message_format auto\n  </parse>\n</source>';

  private parser!: Parser<any>;
  private parsesPri = false;
  private protocol = 'udp';
  private addressKey: string | undefined;
  private resolve = false;
  private tcp: TcpReceiver | undefined;
  private udp: UdpReceiver | undefined;

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
    return (this.tcp ?? this.udp)?.server.port ?? this.config.port;
  }

  override async start(): Promise<void> {
    const c = this.config;
    if (this.protocol === 'udp') {
      const udp = new UdpReceiver(this, {
        port: c.port,
        bind: c.bind,
        maxBytes: c.message_length_limit,
        receiveBufferSize: c.transport?.receive_buffer_size,
        resolveHostname: this.resolve,
        limitName: 'message_length_limit',
        handle: (msg, addr, hostname) => this.onMessage(chomp(msg.toString('utf8')), { addr, hostname }),
      });
      await udp.server.listen();
      this.udp = udp;
    } else {
      const tcp = new TcpReceiver(this, {
        port: c.port,
        bind: c.bind,
        backlog: c.backlog,
        tls: this.protocol === 'tls' ? tlsOptions(c.transport!) : undefined,
        maxConnections: c.max_connections,
        keepAlive: c.send_keepalive_packet,
        resolveHostname: this.resolve,
        framer: (conn) => this.framerFor(conn),
      });
      await tcp.server.listen();
      this.tcp = tcp;
    }
    this.log.info(`listening syslog socket on ${c.bind}:${this.boundPort} with ${this.protocol}`);
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
    void this.tcp?.server.stopListening();
    this.udp?.server.close();
  }

  override async shutdown(): Promise<void> {
    this.stop();
    await this.tcp?.server.closeAll();
  }
}
