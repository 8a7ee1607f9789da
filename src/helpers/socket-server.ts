// Listening sockets for the line-oriented inputs (in_tcp, in_udp, in_syslog): Fluentd's
// `server` plugin helper, reduced to what they need.
//
// - TcpServer: TCP or TLS (`<transport tls>`), at most `maxConnections` open connections
//   (more are closed on accept and counted), an optional allow-list (`<security><client>`),
//   TCP keepalive probes (`send_keepalive_packet`), the peer's hostname resolved once per
//   connection before its first byte is handed over (`source_hostname_key`).
// - TcpConn: one accepted socket. pauseFlow()/resumeFlow() stop and restart reading
//   (backpressure: the kernel window then slows the sender); close() resets it.
// - UdpServer: one datagram = one message, cut to `maxBytes` as Ruby's recvfrom(max_bytes)
//   does (the cut is reported so the plugin can count it).
// - HostCache: reverse lookups (getnameinfo, so /etc/hosts counts, like Ruby) cached per
//   address; a failed lookup gives the address itself, as Ruby's peeraddr does.

import * as dgram from 'node:dgram';
import * as dns from 'node:dns/promises';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { p, type SectionConfig } from '../config/params.js';
import { ConfigError } from '../core/errors.js';

export const TLS_VERSION_LIST = ['TLSv1_1', 'TLSv1_2', 'TLSv1_3', 'TLS1_1', 'TLS1_2', 'TLS1_3'] as const;
const TLS_VERSIONS: Record<string, tls.SecureVersion> = {
  TLSv1_1: 'TLSv1.1',
  TLS1_1: 'TLSv1.1',
  TLSv1_2: 'TLSv1.2',
  TLS1_2: 'TLSv1.2',
  TLSv1_3: 'TLSv1.3',
  TLS1_3: 'TLSv1.3',
};

const transportParams = {
  linger_timeout: p.integer({ default: 0, desc: 'Accepted for compatibility (connections end with FIN).' }),
  receive_buffer_size: p.size({ desc: 'SO_RCVBUF of the listening UDP socket.' }),
  version: p.enum(TLS_VERSION_LIST)({
    default: 'TLSv1_2',
    desc: 'Lowest TLS version (without min_version).',
  }),
  min_version: p.enum(TLS_VERSION_LIST)({ desc: 'Lowest TLS version.' }),
  max_version: p.enum(TLS_VERSION_LIST)({ desc: 'Highest TLS version.' }),
  ciphers: p.string({ default: 'ALL:!aNULL:!eNULL:!SSLv2', desc: 'OpenSSL cipher list.' }),
  insecure: p.bool({ default: false, desc: 'Accepted for compatibility.' }),
  cert_path: p.string({ desc: 'Server certificate (PEM, may include the chain).' }),
  private_key_path: p.string({ desc: 'Server private key (PEM).' }),
  private_key_passphrase: p.string({ secret: true, desc: 'Passphrase of the private key.' }),
  ca_path: p.string({ desc: 'CA certificates (PEM) that client certificates must chain to.' }),
  client_cert_auth: p.bool({ default: false, desc: 'Require a client certificate signed by ca_path.' }),
  ca_cert_path: p.string({ desc: 'Not supported (certificate generation): give cert_path.' }),
  ca_private_key_path: p.string({ desc: 'Not supported (certificate generation).' }),
  ca_private_key_passphrase: p.string({ secret: true, desc: 'Not supported (certificate generation).' }),
  cert_verifier: p.string({ desc: 'Not supported.' }),
  ensure_fips: p.bool({ default: false, desc: 'Accepted for compatibility.' }),
} as const;

/** `<transport tcp|udp|tls>`; the argument is checked by protocolOf(). */
export const transportSection = p.section(transportParams, {
  desc: '`<transport tcp>`, `<transport udp>` or `<transport tls>` (with cert_path and private_key_path).',
});
export type TransportConfig = SectionConfig<typeof transportParams>;

/** The transport's protocol (its argument, or `dflt`), checked against `allowed`. */
export function protocolOf(t: TransportConfig | undefined, dflt: string, allowed: readonly string[]): string {
  const proto = t?.$arg || dflt;
  if (!allowed.includes(proto)) {
    throw new ConfigError(`valid options are ${allowed.join(',')} but got ${proto}`, {
      pos: t?.$element.pos,
    });
  }
  if (proto === 'tls') {
    if (!t?.cert_path || !t.private_key_path) {
      throw new ConfigError(
        '<transport tls> needs cert_path and private_key_path (certificate generation is not supported)',
        { pos: t?.$element.pos },
      );
    }
    if (t.client_cert_auth && !t.ca_path) throw new ConfigError('client_cert_auth needs ca_path');
  }
  return proto;
}

/** The `<transport tls>` fields tlsOptions() reads (in_forward declares its own section). */
export type TlsTransport = Pick<
  TransportConfig,
  | 'cert_path'
  | 'private_key_path'
  | 'private_key_passphrase'
  | 'ca_path'
  | 'client_cert_auth'
  | 'ciphers'
  | 'version'
  | 'min_version'
  | 'max_version'
>;

/** Node TLS server options from `<transport tls>` (reads the PEM files: call in start()). */
export function tlsOptions(t: TlsTransport): tls.TlsOptions {
  const o: tls.TlsOptions = {
    cert: fs.readFileSync(t.cert_path!),
    key: fs.readFileSync(t.private_key_path!),
    ciphers: t.ciphers,
    requestCert: t.client_cert_auth,
    rejectUnauthorized: t.client_cert_auth,
    minVersion: TLS_VERSIONS[t.min_version ?? t.version],
  };
  if (t.private_key_passphrase) o.passphrase = t.private_key_passphrase;
  if (t.max_version) o.maxVersion = TLS_VERSIONS[t.max_version];
  if (t.ca_path) o.ca = fs.readFileSync(t.ca_path);
  return o;
}

/** `::ffff:10.0.0.1` → `10.0.0.1` (what Ruby reports for IPv4 peers). */
export function plainAddress(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') && net.isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
}

/** Allow-list from `<security><client host|network>` (host names are resolved: call in start()). */
export async function buildAllowList(
  clients: readonly { host?: string | undefined; network?: string | undefined }[],
): Promise<net.BlockList> {
  const list = new net.BlockList();
  for (const c of clients) {
    if (c.host) {
      const addrs = net.isIP(c.host)
        ? [{ address: c.host, family: net.isIPv6(c.host) ? 6 : 4 }]
        : await dns.lookup(c.host, { all: true }).catch(() => {
            throw new ConfigError(`host '${c.host}' cannot be resolved`);
          });
      for (const a of addrs) list.addAddress(a.address, a.family === 6 ? 'ipv6' : 'ipv4');
    } else if (c.network) {
      const [addr, bits] = c.network.split('/');
      const family = net.isIPv6(addr ?? '') ? 'ipv6' : net.isIPv4(addr ?? '') ? 'ipv4' : undefined;
      if (!family) throw new ConfigError(`network '${c.network}' address format is invalid`);
      const prefix = bits === undefined ? (family === 'ipv4' ? 32 : 128) : Number(bits);
      list.addSubnet(addr!, prefix, family);
    }
  }
  return list;
}

export class HostCache {
  private readonly names = new Map<string, string>();

  /** Cached name, or undefined when a lookup is needed. */
  get(addr: string): string | undefined {
    return this.names.get(addr);
  }

  async resolve(addr: string, port: number): Promise<string> {
    const hit = this.names.get(addr);
    if (hit !== undefined) return hit;
    let name = addr;
    try {
      name = (await dns.lookupService(addr, port > 0 ? port : 1)).hostname || addr;
    } catch {
      // Unresolvable: the address stands in for the name.
    }
    if (this.names.size >= 4096) this.names.clear();
    this.names.set(addr, name);
    return name;
  }
}

export class TcpConn {
  readonly remoteAddr: string;
  readonly remotePort: number;
  /** The peer's name (set before the first data when the server resolves names). */
  hostname: string | undefined;
  private holds = 0;
  private flowPaused = false;
  closed = false;

  constructor(readonly socket: net.Socket) {
    this.remoteAddr = plainAddress(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
  }

  /** Stop reading until resumeFlow() (the pipeline is past its high-water mark). */
  pauseFlow(): void {
    if (this.flowPaused) return;
    this.flowPaused = true;
    this.hold();
  }

  resumeFlow(): void {
    if (!this.flowPaused) return;
    this.flowPaused = false;
    this.release();
  }

  get paused(): boolean {
    return this.holds > 0;
  }

  hold(): void {
    if (this.holds++ === 0) this.socket.pause();
  }

  release(): void {
    if (--this.holds === 0 && !this.closed) this.socket.resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }
}

export interface TcpServerOptions {
  port: number;
  bind: string;
  backlog?: number | undefined;
  /** TLS server options; plain TCP when undefined. */
  tls?: tls.TlsOptions | undefined;
  maxConnections: number;
  keepAlive: boolean;
  /** Peers outside it are closed on accept. */
  allow?: net.BlockList | undefined;
  resolveHostname: boolean;
  hosts?: HostCache;
  /** Called once per connection, before any data. */
  onConnection(conn: TcpConn): void;
  onData(conn: TcpConn, data: Buffer): void;
  /** The socket closed (peer end, reset, or our close()). */
  onClose(conn: TcpConn): void;
  /** One line per event kind, rate-limited by the caller. */
  onNotice(kind: 'refused' | 'denied' | 'tls' | 'error', detail: Record<string, unknown>): void;
}

export class TcpServer {
  readonly conns = new Set<TcpConn>();
  private server: net.Server | undefined;
  private closing: Promise<void> | undefined;
  private readonly hosts: HostCache;

  constructor(private readonly o: TcpServerOptions) {
    this.hosts = o.hosts ?? new HostCache();
  }

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? this.o.port;
  }

  async listen(): Promise<void> {
    const onSocket = (s: net.Socket) => this.accept(s);
    const server = this.o.tls ? tls.createServer(this.o.tls, onSocket) : net.createServer(onSocket);
    if (this.o.tls) {
      server.on('tlsClientError', (e: Error) => this.o.onNotice('tls', { error: e }));
    }
    server.on('error', (e) => this.o.onNotice('error', { error: e }));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const opts: net.ListenOptions = { port: this.o.port, host: this.o.bind };
      if (this.o.backlog !== undefined) opts.backlog = this.o.backlog;
      server.listen(opts, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => {
      // Resets and the like: 'close' follows and does the bookkeeping.
    });
    const conn = new TcpConn(socket);
    if (this.conns.size >= this.o.maxConnections) {
      this.o.onNotice('refused', { host: conn.remoteAddr, max_connections: this.o.maxConnections });
      socket.destroy();
      return;
    }
    if (this.o.allow && !this.o.allow.check(conn.remoteAddr, net.isIPv6(conn.remoteAddr) ? 'ipv6' : 'ipv4')) {
      this.o.onNotice('denied', { host: conn.remoteAddr });
      socket.destroy();
      return;
    }
    if (this.o.keepAlive) socket.setKeepAlive(true);
    this.conns.add(conn);
    socket.on('close', () => {
      conn.closed = true;
      if (this.conns.delete(conn)) this.o.onClose(conn);
    });
    this.o.onConnection(conn);
    socket.on('data', (d: Buffer) => {
      if (!conn.closed) this.o.onData(conn, d);
    });
    if (this.o.resolveHostname) {
      const cached = this.hosts.get(conn.remoteAddr);
      if (cached !== undefined) conn.hostname = cached;
      else {
        conn.hold();
        this.hosts.resolve(conn.remoteAddr, conn.remotePort).then((name) => {
          conn.hostname = name;
          conn.release();
        });
      }
    }
  }

  /** Stop accepting; open connections stay until closeAll(). */
  stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) this.closing = new Promise<void>((resolve) => server.close(() => resolve()));
    return this.closing ?? Promise.resolve();
  }

  async closeAll(): Promise<void> {
    const done = this.stopListening();
    for (const c of this.conns) c.close();
    await done;
  }
}

export interface UdpServerOptions {
  port: number;
  bind: string;
  /** Datagrams are cut to this many bytes. */
  maxBytes: number;
  receiveBufferSize?: number | undefined;
  /** `size` is the datagram's real size (> msg.length when it was cut). */
  onMessage(msg: Buffer, rinfo: dgram.RemoteInfo, size: number): void;
  onError(e: Error): void;
}

export class UdpServer {
  private sock: dgram.Socket | undefined;

  constructor(private readonly o: UdpServerOptions) {}

  get port(): number {
    return this.sock?.address().port ?? this.o.port;
  }

  async listen(): Promise<void> {
    const sock = dgram.createSocket({ type: net.isIPv6(this.o.bind) ? 'udp6' : 'udp4' });
    sock.on('message', (msg, rinfo) => {
      const size = msg.length;
      this.o.onMessage(size > this.o.maxBytes ? msg.subarray(0, this.o.maxBytes) : msg, rinfo, size);
    });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(this.o.port, this.o.bind, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.on('error', (e) => this.o.onError(e));
    if (this.o.receiveBufferSize) sock.setRecvBufferSize(this.o.receiveBufferSize);
    this.sock = sock;
  }

  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }
}
