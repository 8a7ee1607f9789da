// The bytes of one out_forward request, and the socket under a connection (connection.ts):
//
//   93 <tag: str> db <u32 BE length> <chunk bytes> <option: {"size": n, "compressed":
//   "text"|"gzip"[, "chunk": base64 + "\n"]}>
//
// The entries go out as str32 with the chunk's bytes untouched, exactly as Fluentd does.

import * as net from 'node:net';
import * as tls from 'node:tls';
import { encode } from '../../core/msgpack.js';
import type { SecurityOptions } from '../../logger/wire.js';

export interface SendOptions {
  /** The address to connect to (already resolved, see dns.ts). */
  host: string;
  port: number;
  tls: tls.ConnectionOptions | undefined;
  connectTimeoutMs: number;
  sendTimeoutMs: number;
  security: SecurityOptions | undefined;
  /** SO_KEEPALIVE on the socket (send_keepalive_packet). */
  keepAlivePacket: boolean;
}

/** The request bytes for one chunk. */
export function forwardRequest(tag: string, entries: Buffer, option: Record<string, unknown>): Buffer[] {
  const head = Buffer.alloc(5);
  head[0] = 0xdb;
  head.writeUInt32BE(entries.length, 1);
  return [Buffer.from([0x93]), encode(tag), head, entries, encode(option)];
}

/** A connected socket (for TLS: after the TLS handshake), or a rejection. */
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

/** Close a connection the polite way: FIN, preceded by TLS close_notify. Fluentd's TLS
 *  in_forward logs a warning ("unexpected eof while reading") for every connection that ends
 *  without close_notify — with `destroy()` that was one warning per heartbeat, every second.
 *  The socket is destroyed anyway after 1 s. */
export function closeGracefully(sock: net.Socket): void {
  sock.on('error', () => {});
  const t = setTimeout(() => sock.destroy(), 1000);
  t.unref();
  sock.once('close', () => clearTimeout(t));
  sock.end();
}
