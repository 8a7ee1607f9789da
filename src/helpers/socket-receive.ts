// The receive loops shared by in_tcp, in_udp and in_syslog, between the sockets
// (socket-server.ts) and the plugin's per-message handler:
//
//   TcpReceiver   read → framer (per connection) → handler adds events to the plugin's
//                 TagBatcher → one flush per read. The pipeline says pause → that connection
//                 stops reading until onDrain. The pipeline throws → the events are counted
//                 lost and the connection is closed. A FramingError closes the connection.
//   UdpReceiver   datagram (cut to maxBytes, counted) → handler → one flush per event-loop
//                 turn. UDP cannot push back: a pause request is only counted.
// Connection counts, refusals and the rest land in the plugin's SocketInputStats.

import type { Emitter } from '../plugin/types.js';
import type { Framer } from './socket-framing.js';
import { FramingError } from './socket-framing.js';
import type { Notifier, SocketInputStats, TagBatcher } from './socket-input.js';
import {
  HostCache,
  plainAddress,
  type TcpConn,
  TcpServer,
  type TcpServerOptions,
  UdpServer,
} from './socket-server.js';

/** What a receiver needs from its plugin. */
export interface ReceiverHost {
  readonly stats: SocketInputStats;
  readonly notifier: Notifier;
  readonly emitter: Emitter;
  readonly batch: TagBatcher;
}

const NOTICES = {
  refused: 'connection refused: max_connections reached',
  tls: 'TLS handshake failed',
  error: 'server socket error',
} as const;

export type TcpReceiverOptions = Omit<
  TcpServerOptions,
  'onConnection' | 'onData' | 'onClose' | 'onNotice' | 'hosts'
> & {
  /** The framer of a new connection; its messages go to the plugin's handler. */
  framer(conn: TcpConn): Framer;
};

export class TcpReceiver {
  readonly server: TcpServer;
  private readonly framers = new WeakMap<TcpConn, Framer>();

  constructor(
    private readonly host: ReceiverHost,
    o: TcpReceiverOptions,
  ) {
    const { stats, notifier } = host;
    this.server = new TcpServer({
      ...o,
      onConnection: (conn) => {
        stats.accepted++;
        stats.connections++;
        this.framers.set(conn, o.framer(conn));
      },
      onData: (conn, data) => this.onData(conn, data),
      onClose: (conn) => {
        stats.connections--;
        const pending = this.framers.get(conn)?.pending ?? 0;
        if (pending > 0) {
          stats.partialAtClose++;
          notifier.notice('debug', 'partial', 'connection closed in the middle of a message, dropped', {
            host: conn.remoteAddr,
            size: pending,
          });
        }
      },
      onNotice: (kind, kv) => {
        if (kind === 'denied') {
          stats.denied++;
          notifier.notice('warn', kind, `anonymous client '${kv.host}' denied`);
          return;
        }
        if (kind === 'refused') stats.refused++;
        notifier.notice(kind === 'error' ? 'error' : 'warn', kind, NOTICES[kind], kv);
      },
    });
  }

  /** Bytes held for incomplete messages, over all open connections. */
  get bufferedBytes(): number {
    let n = 0;
    for (const conn of this.server.conns) n += this.framers.get(conn)?.pending ?? 0;
    return n;
  }

  private onData(conn: TcpConn, data: Buffer): void {
    const { stats, notifier, batch, emitter } = this.host;
    let close = false;
    try {
      this.framers.get(conn)!.push(data);
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      stats.framingErrors++;
      notifier.notice('error', 'framing', 'unexpected error on reading data; closing the connection', {
        error: e,
        host: conn.remoteAddr,
      });
      close = true;
    }
    const ok = batch.flush(emitter, (e, tag, es) => {
      close = true;
      stats.emitFailures += es.length;
      notifier.notice('error', 'emit', 'failed to emit events; closing the connection', {
        error: e,
        tag,
        host: conn.remoteAddr,
      });
    });
    if (close) conn.close();
    else if (!ok) {
      stats.pauses++;
      conn.pauseFlow();
      emitter.onDrain(() => conn.resumeFlow());
    }
  }
}

export interface UdpReceiverOptions {
  port: number;
  bind: string;
  maxBytes: number;
  receiveBufferSize?: number | undefined;
  resolveHostname: boolean;
  /** The parameter named in the truncation notice. */
  limitName: string;
  handle(msg: Buffer, addr: string, hostname: string | undefined): void;
}

const MAX_WAITING = 10_000;

export class UdpReceiver {
  readonly server: UdpServer;
  private readonly hosts: HostCache | undefined;
  private scheduled = false;
  private waiting = 0;
  /** Datagrams held per sender while its name is being looked up. */
  private readonly queues = new Map<string, Buffer[]>();

  constructor(
    private readonly host: ReceiverHost,
    private readonly o: UdpReceiverOptions,
  ) {
    this.hosts = o.resolveHostname ? new HostCache() : undefined;
    this.server = new UdpServer({
      port: o.port,
      bind: o.bind,
      maxBytes: o.maxBytes,
      receiveBufferSize: o.receiveBufferSize,
      onMessage: (msg, rinfo, size) => {
        if (size > msg.length) {
          host.stats.truncated++;
          host.notifier.notice('warn', 'truncated', `datagram larger than '${o.limitName}', truncated`, {
            limit: o.maxBytes,
            size,
            host: rinfo.address,
          });
        }
        this.push(msg, plainAddress(rinfo.address), rinfo.port);
      },
      onError: (e) => host.notifier.notice('error', 'udp', 'udp socket error', { error: e }),
    });
  }

  /** With name resolution, a datagram waits for its sender's name (cached after the first). */
  private push(msg: Buffer, addr: string, port: number): void {
    const hosts = this.hosts;
    if (!hosts) {
      this.deliver(msg, addr, undefined);
      return;
    }
    const name = hosts.get(addr);
    const q = this.queues.get(addr);
    if (name !== undefined && !q) {
      this.deliver(msg, addr, name);
      return;
    }
    if (this.waiting >= MAX_WAITING) {
      this.host.stats.backlogDrops++;
      this.host.notifier.notice(
        'warn',
        'backlog',
        'too many datagrams waiting for hostname lookups, dropped',
      );
      return;
    }
    this.waiting++;
    if (q) {
      q.push(msg);
      return;
    }
    this.queues.set(addr, [msg]);
    hosts.resolve(addr, port).then((resolved) => {
      const list = this.queues.get(addr) ?? [];
      this.queues.delete(addr);
      this.waiting -= list.length;
      for (const m of list) this.deliver(m, addr, resolved);
    });
  }

  private deliver(msg: Buffer, addr: string, hostname: string | undefined): void {
    this.o.handle(msg, addr, hostname);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const { stats, notifier, batch, emitter } = this.host;
    const ok = batch.flush(emitter, (e, tag, es) => {
      stats.emitFailures += es.length;
      notifier.notice('error', 'emit', 'failed to emit events', { error: e, tag });
    });
    if (!ok) stats.pauses++;
  }
}
