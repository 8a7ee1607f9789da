// out_forward's connections to its servers (spec protocols §1.8, §2.1 keepalive; Fluentd's
// ConnectionManager + SocketCache):
//
// - keepalive false: every checkout opens a fresh connection (connect + handshake); release()
//   ends it — after its write, or after its ack.
// - keepalive true: one active connection per node, opened (and handshaken) once and shared by
//   every later chunk and transport heartbeat; concurrent checkouts while it is being opened
//   wait for the same one. It is replaced at the next checkout when it is no longer alive
//   (the server closed it, an error) or older than keepalive_timeout — counted from when it
//   was opened, as Fluentd's SocketCache does (nil = no limit). A replaced or discarded
//   connection is retired: it takes no new request and is closed once the acks it still
//   waits for are settled. A timer (every min(5 s, keepalive_timeout)) closes expired idle
//   connections. closeAll() at shutdown closes everything.

import type { Connection } from './connection.js';
import type { ForwardNode } from './nodes.js';

export interface PoolOptions {
  keepalive: boolean;
  /** keepalive_timeout in seconds; undefined = keep forever. */
  keepaliveTimeoutS: number | undefined;
  /** Open a connection to a node: resolve, connect, handshake. */
  open: (node: ForwardNode) => Promise<Connection>;
}

export class ConnectionPool {
  private readonly active = new Map<ForwardNode, Connection>();
  private readonly opening = new Map<ForwardNode, Promise<Connection>>();
  private readonly retired = new Set<Connection>();
  private timer: NodeJS.Timeout | undefined;
  readonly stats = { opened: 0, reused: 0 };

  constructor(private readonly o: PoolOptions) {}

  start(): void {
    const t = this.o.keepaliveTimeoutS;
    if (!this.o.keepalive || t === undefined) return;
    this.timer = setInterval(() => this.purge(), Math.max(50, Math.min(5, t) * 1000));
    this.timer.unref();
  }

  private expired(c: Connection, now = Date.now()): boolean {
    const t = this.o.keepaliveTimeoutS;
    return t !== undefined && now - c.openedAt >= t * 1000;
  }

  private async openCounted(node: ForwardNode): Promise<Connection> {
    const c = await this.o.open(node);
    this.stats.opened++;
    return c;
  }

  /** A connection to `node`; `reused` when it already carried requests before this one. */
  async checkout(node: ForwardNode): Promise<{ conn: Connection; reused: boolean }> {
    if (!this.o.keepalive) return { conn: await this.openCounted(node), reused: false };
    const cur = this.active.get(node);
    if (cur) {
      if (cur.alive && !this.expired(cur)) {
        this.stats.reused++;
        return { conn: cur, reused: true };
      }
      this.discard(node, cur);
    }
    let p = this.opening.get(node);
    if (!p) {
      p = this.openCounted(node).then(
        (c) => {
          this.opening.delete(node);
          this.active.set(node, c);
          return c;
        },
        (e: Error) => {
          this.opening.delete(node);
          throw e;
        },
      );
      this.opening.set(node, p);
    }
    return { conn: await p, reused: false };
  }

  /** Done with `conn` for now (its write had no ack, or its ack arrived). */
  release(node: ForwardNode, conn: Connection): void {
    if (!this.o.keepalive) {
      if (conn.inFlight === 0) conn.close();
      return;
    }
    if (this.active.get(node) !== conn || !conn.alive) this.retire(conn);
  }

  /** Stop using `conn` (it failed, or an ack on it timed out or mismatched). */
  discard(node: ForwardNode, conn: Connection): void {
    if (this.active.get(node) === conn) this.active.delete(node);
    if (!this.o.keepalive) {
      if (conn.inFlight === 0) conn.destroy();
      return;
    }
    this.retire(conn);
  }

  private retire(conn: Connection): void {
    if (conn.inFlight === 0) {
      this.retired.delete(conn);
      conn.close();
    } else this.retired.add(conn);
  }

  /** Close expired idle connections and retired ones with nothing left to wait for. */
  purge(now = Date.now()): void {
    for (const [node, c] of this.active) {
      if (c.inFlight === 0 && (!c.alive || this.expired(c, now))) {
        this.active.delete(node);
        c.close();
      }
    }
    for (const c of this.retired) if (c.inFlight === 0) this.retire(c);
  }

  /** Pooled connections right now (diagnostics, tests). */
  get size(): number {
    let n = 0;
    for (const c of this.active.values()) if (c.alive) n++;
    return n;
  }

  closeAll(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.active.values()) c.close();
    for (const c of this.retired) c.close();
    this.active.clear();
    this.retired.clear();
  }
}
