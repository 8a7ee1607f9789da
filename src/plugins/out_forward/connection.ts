// One out_forward connection (tcp or tls), used once (keepalive false) or pooled (keepalive true):
//
//   connect (+ TLS handshake) → [<security>: read HELO, write PING, read PONG]   ← once per connection
//   → request: 93 <tag> db <u32 len> <chunk bytes> {"size", "compressed", "chunk"?}   ← 1..n times
//   ← {"ack": chunk} for each request that carried a chunk id
//
// - Acks are matched by chunk id, so several chunks may be in flight on one connection.
//   An ack for an id this connection never sent (nor gave up on) is a protocol error: the
//   connection fails, and every chunk still waiting on it is told so.
// - Any failure of the <security> handshake (invalid HELO, refused PONG, bad digest, the
//   server closing or going silent before PONG) is a HandshakeError: the caller detaches the
//   node, as Fluentd does.
// - A connection is `alive` until the server ends it, an error occurs or we close it; a pool
//   checks `alive` before reusing it (a server that closed an idle connection is noticed here).

import type * as net from 'node:net';
import { decode } from '../../core/msgpack.js';
import { checkPong, pingFor, type SecurityOptions } from '../../logger/wire.js';
import { MsgpackScanner } from '../in_forward/msgpack-scanner.js';
import { closeGracefully, connect, type SendOptions } from './sender.js';

export class AckTimeoutError extends Error {}
export class HandshakeError extends Error {}

interface Waiter {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface AckWaiter {
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Connection {
  readonly openedAt = Date.now();
  /** Requests written on this connection. */
  requests = 0;
  private rx: Buffer = Buffer.alloc(0);
  private readonly scanner = new MsgpackScanner(16);
  private reader: Waiter | undefined;
  private readonly acks = new Map<string, AckWaiter>();
  /** Ids whose ack we stopped waiting for (timed out): a late ack for them is not an error. */
  private readonly abandoned = new Set<string>();
  private readonly writeRejects = new Set<(e: Error) => void>();
  private error: Error | undefined;

  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.rx = this.rx.length ? Buffer.concat([this.rx, d]) : d;
      this.deliver();
    });
    sock.on('error', (e) => this.fail(e));
    sock.on('end', () => this.fail(new Error('connection closed by the server')));
    sock.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Connect and, with <security>, run the handshake. */
  static async open(o: SendOptions): Promise<Connection> {
    const sock = await connect(o);
    if (o.keepAlivePacket) sock.setKeepAlive(true);
    const c = new Connection(sock);
    if (o.security) {
      try {
        await c.handshake(o.security, o.sendTimeoutMs);
      } catch (e) {
        c.destroy();
        throw e instanceof HandshakeError
          ? e
          : new HandshakeError(`handshake failed: ${(e as Error).message}`);
      }
    }
    return c;
  }

  private async handshake(sec: SecurityOptions, timeoutMs: number): Promise<void> {
    const { ping, salt, nonce } = pingFor(await this.read(timeoutMs, 'HELO'), sec);
    await this.write([ping], timeoutMs);
    checkPong(await this.read(timeoutMs, 'PONG'), sec, salt, nonce);
  }

  /** Usable for another request: not ended, failed or closed. */
  get alive(): boolean {
    return this.error === undefined && !this.sock.destroyed && this.sock.writable;
  }

  /** Chunks sent on this connection and still waiting for their ack. */
  get inFlight(): number {
    return this.acks.size;
  }

  private fail(e: Error): void {
    this.error ??= e;
    const err = this.error;
    const r = this.reader;
    this.reader = undefined;
    r?.reject(err);
    const ws = [...this.writeRejects];
    this.writeRejects.clear();
    for (const w of ws) w(err);
    const acks = [...this.acks.values()];
    this.acks.clear();
    for (const a of acks) {
      clearTimeout(a.timer);
      a.reject(err);
    }
    if (!this.sock.destroyed) this.sock.destroy();
  }

  private deliver(): void {
    while (this.rx.length > 0) {
      let n: number;
      try {
        n = this.scanner.scan(this.rx, 0, this.rx.length);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      if (n < 0) return;
      const v = decode(this.rx.subarray(0, n));
      this.rx = this.rx.subarray(n);
      this.dispatch(v);
    }
  }

  private dispatch(v: unknown): void {
    if (this.reader) {
      const r = this.reader;
      this.reader = undefined;
      r.resolve(v);
      return;
    }
    const id = (v as { ack?: unknown } | null)?.ack;
    if (typeof id === 'string') {
      const a = this.acks.get(id);
      if (a) {
        this.acks.delete(id);
        clearTimeout(a.timer);
        a.resolve();
        return;
      }
      if (this.abandoned.delete(id)) return;
    }
    this.fail(new Error('ack mismatch: the server answered for a chunk not sent on this connection'));
  }

  /** The next msgpack object from the server (handshake replies). */
  private read(timeoutMs: number, what: string): Promise<unknown> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.reader = undefined;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.reader = {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      };
      this.deliver();
    });
  }

  /** Write one request (all parts in one corked burst, so concurrent requests never interleave).
   *  A send_timeout destroys the connection: what reached the server is unknown. */
  write(parts: Buffer[], timeoutMs: number): Promise<void> {
    if (!this.alive) return Promise.reject(this.error ?? new Error('connection closed'));
    this.requests++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => this.fail(new Error(`send_timeout (${timeoutMs} ms) exceeded`)), timeoutMs);
      const settle = (e?: Error | null) => {
        clearTimeout(t);
        this.writeRejects.delete(settle);
        if (e) reject(e);
        else resolve();
      };
      this.writeRejects.add(settle);
      this.sock.cork();
      for (let i = 0; i < parts.length - 1; i++) this.sock.write(parts[i]!);
      this.sock.write(parts[parts.length - 1]!, (e) => settle(e));
      this.sock.uncork();
    });
  }

  /** Register interest in {"ack": id} before writing the request that carries it. Rejects with
   *  AckTimeoutError after timeoutMs, or with the connection's error if it fails first. */
  expectAck(id: string, timeoutMs: number): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    const p = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        this.abandoned.add(id);
        reject(new AckTimeoutError(`timed out after ${timeoutMs} ms waiting for the ack`));
      }, timeoutMs);
      this.acks.set(id, { resolve, reject, timer });
    });
    p.catch(() => {});
    return p;
  }

  /** End the connection politely (TLS close_notify + FIN); no more requests. */
  close(): void {
    this.error ??= new Error('connection closed by us');
    if (!this.sock.destroyed) closeGracefully(this.sock);
  }

  destroy(): void {
    this.fail(new Error('connection discarded'));
  }
}
