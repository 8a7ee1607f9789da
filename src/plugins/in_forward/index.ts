// in_forward: receives the forward protocol (spec protocols §1) from Fluentd, Fluent Bit,
// Docker's fluentd driver and the fluent-logger libraries.
//
// - TCP (or TLS with `<transport tls>`) on `port`; UDP on the same port answers every
//   datagram with one 0x00 byte (heartbeats).
// - Framing, bounds and flow control per connection: connection.ts. Decoding: decode.ts.
// - `chunk` option → `{"ack": <chunk>}` written only after emitStreamDurable resolved (every
//   output that got the events holds them durably); the chunk value's msgpack bytes are echoed
//   unchanged. No chunk → no reply. A request dropped by chunk_size_limit gets no ack; a
//   request whose events were all invalid still does (Fluentd: stops endless resends).
// - Without `chunk`, emitStream() returning false pauses that socket until the pipeline drains.
// - A hostile peer is closed with one rate-limited log line and counted in `stats`.
// - Fluent Bit payloads with `fluent_signal` ≠ 0 (metrics, traces, ...) are not logs: dropped,
//   counted, acked.

import * as dgram from 'node:dgram';
import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ConfigElement } from '../../config/element.js';
import { ConfigError } from '../../core/errors.js';
import type { EventStream } from '../../core/event-stream.js';
import { LogThrottle } from '../../core/log.js';
import { tlsOptions } from '../../helpers/socket-server.js';
import { Input } from '../../plugin/base.js';
import { ReceiveBudget } from './budget.js';
import { type ConnectionHost, ForwardConnection, type Handshake } from './connection.js';
import { type DecodedRequest, type DecodeOptions, decodeJsonRequest, decodeRequestNow } from './decode.js';
import { MiB, params } from './params.js';
import { serverHandshake } from './security.js';

const DEFAULT_MAX_REQUEST = 256 * MiB;
const MAX_DEPTH = 100;
const ACK_PREFIX = Buffer.from([0x81, 0xa3, 0x61, 0x63, 0x6b]); // fixmap(1) "ack"

/** Counters (monotonic except `connections`). */
export interface ForwardStats {
  connections: number;
  accepted: number;
  refused: number;
  requests: number;
  events: number;
  invalidEvents: number;
  droppedRequests: number;
  hostileClosed: number;
  emitFailures: number;
  acks: number;
  udpHeartbeats: number;
  pauses: number;
  /** Requests carrying Fluent Bit metrics/traces/blobs/profiles (fluent_signal ≠ 0): not logs, dropped. */
  nonLogSignals: number;
  /** Times the pending-bytes budget (buffered_bytes_limit) was exceeded. */
  budgetPauses: number;
}

export class ForwardInput extends Input<typeof params> implements ConnectionHost {
  static override readonly type = 'forward';
  static override readonly params = params;
  static readonly desc = 'Receives events over the forward protocol (Fluentd, Fluent Bit, fluent-logger).';
  static readonly example = '<source>\n  @type forward\n  port 24224\n  bind 127.0.0.1\n</source>';

  readonly stats: ForwardStats = {
    connections: 0,
    accepted: 0,
    refused: 0,
    requests: 0,
    events: 0,
    invalidEvents: 0,
    droppedRequests: 0,
    hostileClosed: 0,
    emitFailures: 0,
    acks: 0,
    udpHeartbeats: 0,
    pauses: 0,
    nonLogSignals: 0,
    budgetPauses: 0,
  };
  maxRequestBytes = DEFAULT_MAX_REQUEST;
  requestTimeoutMs = 60_000;
  readonly maxDepth = MAX_DEPTH;
  denyKeepalive = false;
  handshake: Handshake | undefined;
  private decodeOpts!: DecodeOptions;
  private server: net.Server | undefined;
  private udp: dgram.Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly conns = new Set<ForwardConnection>();
  private budget!: ReceiveBudget;
  private readonly throttle = new LogThrottle(10_000);
  private resolveHostname = false;
  private useTls = false;

  override configure(el: ConfigElement): void {
    super.configure(el);
    const c = this.config;
    if (c.source_hostname_key && c.resolve_hostname === false) {
      throw new ConfigError('resolve_hostname must be true with source_hostname_key');
    }
    if (c.deny_keepalive && c.send_keepalive_packet) {
      throw new ConfigError('send_keepalive_packet is not allowed with deny_keepalive');
    }
    this.resolveHostname = c.resolve_hostname ?? c.source_hostname_key !== undefined;
    this.maxRequestBytes = c.chunk_size_limit ?? DEFAULT_MAX_REQUEST;
    this.budget = new ReceiveBudget(c.buffered_bytes_limit, this.conns, () => {
      this.stats.budgetPauses++;
      this.logOnce('budget', 'pending request bytes over buffered_bytes_limit; pausing partial requests', {
        buffered: this.budget.bytes,
        limit: this.budget.limit,
      });
    });
    this.requestTimeoutMs = Math.max(1, c.request_timeout * 1000);
    this.denyKeepalive = c.deny_keepalive;
    this.decodeOpts = {
      skipInvalidEvent: c.skip_invalid_event,
      decompressionSizeLimit: c.decompression_size_limit,
      maxDepth: MAX_DEPTH,
    };
    const s = c.security;
    if (s) {
      if (s.user_auth && s.user.length === 0)
        throw new ConfigError('<user> sections required if user_auth enabled');
      if (!s.allow_anonymous_source && s.client.length === 0) {
        throw new ConfigError('<client> sections required if allow_anonymous_source disabled');
      }
      for (const cl of s.client) {
        if (cl.host && cl.network) throw new ConfigError('both of host and network are specified for client');
        if (!cl.host && !cl.network)
          throw new ConfigError('one of host and network must be specified for client');
      }
    }
    const t = c.transport;
    if (t) {
      const proto = t.$arg || 'tcp';
      if (proto !== 'tcp' && proto !== 'tls')
        throw new ConfigError(`unsupported transport '${proto}' (tcp or tls)`);
      this.useTls = proto === 'tls';
      if (this.useTls && !t.cert_path) {
        throw new ConfigError(
          '<transport tls> needs cert_path and private_key_path (certificate generation by insecure/ca_cert_path is not supported)',
        );
      }
      if (this.useTls && !t.private_key_path) throw new ConfigError('<transport tls> needs private_key_path');
      if (t.client_cert_auth && !t.ca_path) throw new ConfigError('client_cert_auth needs ca_path');
    }
  }

  /** The TCP port actually bound (useful with port 0). */
  get boundPort(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? this.config.port;
  }

  override async start(): Promise<void> {
    const c = this.config;
    if (c.security) this.handshake = await serverHandshake(c.security, c.deny_keepalive);
    const onSocket = (socket: net.Socket) => this.accept(socket);
    if (this.useTls) {
      const server = tls.createServer({ ...tlsOptions(c.transport!), allowHalfOpen: true }, onSocket);
      server.on('tlsClientError', (e) => this.logOnce('tls', 'TLS handshake failed', { error: e }));
      this.server = server;
    } else {
      this.server = net.createServer({ allowHalfOpen: true }, onSocket);
    }
    const server = this.server;
    server.on('error', (e) => this.log.error('forward server error', { error: e }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: c.port, host: c.bind, ...(c.backlog ? { backlog: c.backlog } : {}) }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await this.startUdp(this.boundPort);
    const tick = Math.min(1000, Math.max(20, this.requestTimeoutMs / 4));
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const conn of this.conns) conn.checkDeadline(now);
    }, tick);
    this.timer.unref();
    this.log.info('listening port', { port: this.boundPort, bind: c.bind });
  }

  private async startUdp(port: number): Promise<void> {
    const bind = this.config.bind;
    const udp = dgram.createSocket(net.isIPv6(bind) ? 'udp6' : 'udp4');
    udp.on('message', (_msg, rinfo) => {
      this.stats.udpHeartbeats++;
      udp.send(Buffer.from([0]), rinfo.port, rinfo.address);
    });
    udp.on('error', (e) => this.logOnce('udp', 'UDP heartbeat socket error', { error: e }));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, bind, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    this.udp = udp;
  }

  private accept(socket: net.Socket): void {
    if (this.conns.size >= this.config.max_connections) {
      this.stats.refused++;
      this.logOnce('max_connections', 'connection refused: max_connections reached', {
        max_connections: this.config.max_connections,
      });
      socket.destroy();
      return;
    }
    if (this.config.send_keepalive_packet) socket.setKeepAlive(true);
    socket.setNoDelay(true);
    this.stats.accepted++;
    this.stats.connections++;
    this.conns.add(new ForwardConnection(socket, this));
  }

  closed(conn: ForwardConnection): void {
    if (this.conns.delete(conn)) this.stats.connections--;
    this.budget.closed(conn);
  }

  adjustBuffered(_conn: ForwardConnection, delta: number): void {
    this.budget.adjust(delta);
  }

  budgetPaused(conn: ForwardConnection): boolean {
    return this.budget.paused(conn);
  }

  hostile(conn: ForwardConnection, reason: string): void {
    this.stats.hostileClosed++;
    this.logOnce(`hostile:${reason.slice(0, 24)}`, 'closing forward connection', {
      reason,
      host: conn.remoteAddress,
      port: conn.remotePort,
    });
  }

  private logOnce(key: string, message: string, kv: Record<string, unknown>): void {
    const suppressed = this.throttle.allow(key);
    if (suppressed < 0) return;
    this.log.warn(message, suppressed > 0 ? { ...kv, suppressed } : kv);
  }

  /**
   * One complete request. Synchronous (returns undefined) unless something is really async:
   * gunzip, the first reverse lookup of source_hostname_key, or an ack waiting for durability.
   */
  handleRequest(
    conn: ForwardConnection,
    raw: Uint8Array | { json: unknown },
    size: number,
  ): Promise<void> | undefined {
    const c = this.config;
    if (c.chunk_size_limit !== undefined && size > c.chunk_size_limit) {
      this.stats.droppedRequests++;
      this.logOnce('chunk_size_limit', 'Input chunk size is larger than chunk_size_limit, dropped', {
        size,
        limit: c.chunk_size_limit,
        host: conn.remoteAddress,
      });
      return undefined;
    }
    if (c.chunk_size_warn_limit !== undefined && size > c.chunk_size_warn_limit) {
      this.logOnce('chunk_size_warn_limit', 'Input chunk size is larger than chunk_size_warn_limit', {
        size,
        limit: c.chunk_size_warn_limit,
        host: conn.remoteAddress,
      });
    }
    const req =
      raw instanceof Uint8Array
        ? decodeRequestNow(raw, this.decodeOpts)
        : decodeJsonRequest(raw.json, this.decodeOpts);
    if (req instanceof Promise) return req.then((r) => this.handleDecoded(conn, r));
    return this.handleDecoded(conn, req);
  }

  private handleDecoded(
    conn: ForwardConnection,
    req: DecodedRequest | string | undefined,
  ): Promise<void> | undefined {
    if (req === undefined) return undefined; // nil heartbeat
    if (typeof req === 'string') {
      this.logOnce('broken', req, { host: conn.remoteAddress });
      return undefined;
    }
    this.stats.requests++;
    if (req.invalid > 0) {
      this.stats.invalidEvents += req.invalid;
      this.logOnce(`invalid:${req.invalidReason}`, 'skip invalid event', {
        reason: req.invalidReason,
        count: req.invalid,
        tag: req.tag,
        host: conn.remoteAddress,
      });
    }
    const signal = req.option?.fluent_signal;
    if (typeof signal === 'number' && signal !== 0) {
      // Fluent Bit metrics (1), traces (2), blobs (3), profiles (4): not log entries.
      this.stats.nonLogSignals++;
      this.logOnce('fluent_signal', 'dropped a non-log Fluent Bit payload (fluent_signal)', {
        fluent_signal: signal,
        tag: req.tag,
        host: conn.remoteAddress,
      });
    } else if (req.es.length > 0) {
      const pending = this.emit(conn, req);
      if (pending) return pending.then(() => this.requestEmitted(conn, req));
    }
    this.requestEmitted(conn, req);
    return undefined;
  }

  /** After the events are emitted (durably, when acked): write the ack. */
  private requestEmitted(conn: ForwardConnection, req: DecodedRequest): void {
    if (conn.closed) return;
    const chunk = req.option?.chunk;
    if (chunk !== undefined && chunk !== null) this.ack(conn, req, chunk);
  }

  private emit(conn: ForwardConnection, req: DecodedRequest): Promise<void> | undefined {
    if (this.config.source_hostname_key && conn.hostname === undefined) {
      return this.reverse(conn.remoteAddress).then((name) => {
        conn.hostname ??= name;
        return this.emitResolved(conn, req);
      });
    }
    return this.emitResolved(conn, req);
  }

  private emitResolved(conn: ForwardConnection, req: DecodedRequest): Promise<void> | undefined {
    const c = this.config;
    let tag = c.tag ?? req.tag;
    if (c.add_tag_prefix) tag = `${c.add_tag_prefix}.${tag}`;
    const es = req.es;
    if (c.source_address_key || c.source_hostname_key) {
      const hostKey = c.source_hostname_key;
      for (const r of es.records) {
        if (c.source_address_key) r[c.source_address_key] = conn.remoteAddress;
        if (hostKey) r[hostKey] = conn.hostname;
      }
      es.packed = undefined;
    }
    this.stats.events += es.length;
    const wantsAck = req.option?.chunk !== undefined && req.option.chunk !== null;
    if (wantsAck) return this.emitDurable(conn, tag, es);
    try {
      if (!this.emitter.emitStream(tag, es)) {
        this.stats.pauses++;
        conn.pauseFlow();
        this.emitter.onDrain(() => conn.resumeFlow());
      }
    } catch (e) {
      this.emitFailed(conn, tag, e as Error);
    }
    return undefined;
  }

  private async emitDurable(conn: ForwardConnection, tag: string, es: EventStream): Promise<void> {
    try {
      // Past the high-water mark: hold this request (the connection stops reading) until drain.
      if (this.emitter.overHighWater()) {
        this.stats.pauses++;
        await new Promise<void>((resolve) => this.emitter.onDrain(resolve));
      }
      await this.emitter.emitStreamDurable(tag, es);
    } catch (e) {
      this.emitFailed(conn, tag, e as Error);
    }
  }

  private emitFailed(conn: ForwardConnection, tag: string, error: Error): void {
    this.stats.emitFailures++;
    this.logOnce('emit', 'failed to emit forwarded events; closing the connection without ack', {
      error,
      tag,
      host: conn.remoteAddress,
    });
    conn.destroy();
  }

  private ack(conn: ForwardConnection, req: DecodedRequest, chunk: unknown): void {
    this.stats.acks++;
    if (conn.mode === 'json') {
      conn.write(JSON.stringify({ ack: chunk }));
      return;
    }
    if (req.chunkRaw) conn.write(Buffer.concat([ACK_PREFIX, req.chunkRaw]));
  }

  private async reverse(addr: string): Promise<string> {
    if (!this.resolveHostname) return addr;
    try {
      const names = await dns.reverse(addr);
      return names[0] ?? addr;
    } catch {
      return addr;
    }
  }

  private serverClosed: Promise<void> | undefined;

  /** Stop accepting (TCP and UDP); open connections are closed by shutdown(). */
  override stop(): void {
    const server = this.server;
    this.server = undefined;
    if (server) this.serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.udp?.close();
    this.udp = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  override async shutdown(): Promise<void> {
    this.stop();
    for (const conn of this.conns) conn.destroy();
    await this.serverClosed;
  }
}
