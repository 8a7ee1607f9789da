// One out_forward exchange on a fresh connection (Fluentd's default, keepalive false):
//
//   connect (tcp or tls) → [<security>: read HELO, write PING, read PONG]
//   → write 93 <tag> db <u32 len> <chunk bytes> {"size": n, "compressed": "text"|"gzip", "chunk"?}
//   → [require_ack_response: read {"ack": chunk}] → end
//
// The entries go out as str32 with the chunk's bytes untouched, exactly as Fluentd does.

import * as net from 'node:net';
import * as tls from 'node:tls';
import { decode, encode } from '../../core/msgpack.js';
import { checkPong, pingFor, type SecurityOptions } from '../../logger/wire.js';
import { MsgpackScanner } from '../in_forward/msgpack-scanner.js';

export interface SendOptions {
  host: string;
  port: number;
  tls: tls.ConnectionOptions | undefined;
  connectTimeoutMs: number;
  sendTimeoutMs: number;
  security: SecurityOptions | undefined;
}

export class AckTimeoutError extends Error {}

/** The request bytes for one chunk. */
export function forwardRequest(tag: string, entries: Buffer, option: Record<string, unknown>): Buffer[] {
  const head = Buffer.alloc(5);
  head[0] = 0xdb;
  head.writeUInt32BE(entries.length, 1);
  return [Buffer.from([0x93]), encode(tag), head, entries, encode(option)];
}

/** A connected socket plus a reader of whole msgpack replies. */
export class Exchange {
  private rx: Buffer = Buffer.alloc(0);
  private readonly scanner = new MsgpackScanner(16);
  private waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  private error: Error | undefined;

  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.rx = this.rx.length ? Buffer.concat([this.rx, d]) : d;
      this.deliver();
    });
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  private fail(e: Error): void {
    this.error ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(this.error);
  }

  private deliver(): void {
    if (!this.waiting) return;
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
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve(v);
  }

  read(timeoutMs: number, what: string): Promise<unknown> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting = undefined;
        reject(new AckTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiting = {
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

  write(parts: Buffer[], timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`send_timeout (${timeoutMs} ms) exceeded`)), timeoutMs);
      this.sock.cork();
      for (let i = 0; i < parts.length - 1; i++) this.sock.write(parts[i]!);
      this.sock.write(parts[parts.length - 1]!, (e) => {
        clearTimeout(t);
        if (e) reject(e);
        else resolve();
      });
      this.sock.uncork();
    });
  }
}

export function connect(o: SendOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const done = (e?: Error) => {
      sock.setTimeout(0);
      sock.removeAllListeners('timeout');
      if (e) {
        sock.destroy();
        reject(e);
      } else resolve(sock);
    };
    const sock: net.Socket = o.tls
      ? tls.connect({ ...o.tls, host: o.host, port: o.port }, () => done())
      : net.connect({ host: o.host, port: o.port }, () => done());
    sock.once('error', (e) => done(e));
    sock.setTimeout(o.connectTimeoutMs, () =>
      done(new Error(`connect_timeout (${o.connectTimeoutMs} ms) exceeded`)),
    );
  });
}

/** Close a connection that carried no request (heartbeat, startup check) the polite way: FIN,
 *  preceded by TLS close_notify. Fluentd's TLS in_forward logs a warning ("unexpected eof while
 *  reading") for every connection that ends without close_notify — with `destroy()` that was
 *  one warning per heartbeat, every second. The socket is destroyed anyway after 1 s. */
export function closeGracefully(sock: net.Socket): void {
  sock.on('error', () => {});
  const t = setTimeout(() => sock.destroy(), 1000);
  t.unref();
  sock.once('close', () => clearTimeout(t));
  sock.end();
}

/** Connect (+ handshake) and write one request; the exchange stays open for the ack. */
export async function openAndSend(o: SendOptions, parts: Buffer[]): Promise<Exchange> {
  const sock = await connect(o);
  sock.on('error', () => {});
  const ex = new Exchange(sock);
  try {
    if (o.security) {
      const helo = await ex.read(o.sendTimeoutMs, 'HELO');
      const { ping, salt, nonce } = pingFor(helo, o.security);
      await ex.write([ping], o.sendTimeoutMs);
      checkPong(await ex.read(o.sendTimeoutMs, 'PONG'), o.security, salt, nonce);
    }
    await ex.write(parts, o.sendTimeoutMs);
    return ex;
  } catch (e) {
    sock.destroy();
    throw e;
  }
}

/** Wait for {"ack": chunk} on an exchange, then close it. Rejects on timeout, close, mismatch. */
export async function awaitAck(ex: Exchange, ackChunk: string, ackTimeoutMs: number): Promise<void> {
  try {
    const reply = (await ex.read(ackTimeoutMs, 'the ack')) as { ack?: unknown } | null;
    if (reply?.ack !== ackChunk) throw new Error('ack mismatch: the server answered for another chunk');
    ex.sock.end();
  } catch (e) {
    ex.sock.destroy();
    throw e;
  }
}
