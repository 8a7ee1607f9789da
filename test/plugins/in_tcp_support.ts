// Shared by the in_tcp, in_udp and in_syslog tests: start an input on an ephemeral port under
// the input test driver, real TCP/UDP/TLS clients, and condition waits (never fixed sleeps).

import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { InputPlugin, PluginClass } from '../../src/plugin/types.js';
import { InputTestDriver } from '../../src/test-driver/index.js';
import { selfSignedCert } from '../helpers/tls.js';

export interface Bound extends InputPlugin {
  readonly boundPort: number;
}

export async function startInput<P extends Bound>(
  cls: PluginClass<P>,
  config: string,
): Promise<{ d: InputTestDriver<P>; port: number }> {
  const d = new InputTestDriver(cls, `port 0\nbind 127.0.0.1\n${config}`);
  await d.start();
  return { d, port: d.instance.boundPort };
}

export { waitFor } from '../helpers/proc.js';

/** A TCP (or TLS) client that remembers whether the server closed it. */
export class Client {
  closed = false;
  readonly ready: Promise<void>;
  readonly done: Promise<void>;

  constructor(readonly socket: net.Socket) {
    socket.on('error', () => {});
    this.done = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
    this.ready = new Promise((resolve) => {
      if (socket instanceof tls.TLSSocket) socket.once('secureConnect', () => resolve());
      else socket.once('connect', () => resolve());
    });
    socket.resume();
  }

  static tcp(port: number): Client {
    return new Client(net.connect({ port, host: '127.0.0.1' }));
  }

  static tls(port: number, ca: Buffer): Client {
    return new Client(tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' }));
  }

  /** Resolves when the bytes were handed to the kernel. */
  async write(data: string | Buffer): Promise<void> {
    await this.ready;
    await new Promise<void>((resolve, reject) => this.socket.write(data, (e) => (e ? reject(e) : resolve())));
  }

  async end(data?: string | Buffer): Promise<void> {
    await this.ready;
    if (data === undefined) this.socket.end();
    else this.socket.end(data);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Connect, send everything, close; resolves when the server side closed too. */
export async function sendTcp(port: number, data: string | Buffer): Promise<void> {
  const c = Client.tcp(port);
  await c.end(data);
  await c.done;
}

/** Send datagrams from one socket (in order). */
export async function sendUdp(port: number, msgs: (string | Buffer)[]): Promise<void> {
  const s = dgram.createSocket('udp4');
  try {
    for (const m of msgs) {
      await new Promise<void>((resolve, reject) =>
        s.send(m, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
      );
    }
  } finally {
    s.close();
  }
}

/** A self-signed certificate for localhost/127.0.0.1 in a temp dir, or undefined without openssl. */
export function makeCert(): { dir: string; cert: string; key: string; pem: Buffer } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-tls-'));
  const made = selfSignedCert(dir);
  if (!made) {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const { cert, key } = made;
  return { dir, cert, key, pem: fs.readFileSync(cert) };
}
