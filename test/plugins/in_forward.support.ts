// Helpers for the in_forward tests: start the plugin on an ephemeral port under the input test
// driver, talk to it over real sockets, and wait on conditions (never on fixed sleeps).

import * as net from 'node:net';
import { ForwardInput } from '../../src/plugins/in_forward/index.js';
import { InputTestDriver } from '../../src/test-driver/index.js';

export async function startForward(extra = ''): Promise<{ d: InputTestDriver<ForwardInput>; port: number }> {
  const d = new InputTestDriver(ForwardInput, `port 0\nbind 127.0.0.1\n${extra}`);
  await d.start();
  return { d, port: d.instance.boundPort };
}

/** Resolves once cond() holds; rejects after timeoutMs. Polls every few ms. */
export function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (cond()) return resolve();
    const t0 = Date.now();
    const iv = setInterval(() => {
      if (cond()) {
        clearInterval(iv);
        resolve();
      } else if (Date.now() - t0 > timeoutMs) {
        clearInterval(iv);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }
    }, 5);
  });
}

/** A raw client socket that collects everything the server sends. */
export class RawClient {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  closed = false;
  private ready: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect({ port, host: '127.0.0.1' });
    this.socket.on('data', (d) => {
      this.received = Buffer.concat([this.received, d]);
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
    });
    this.ready = new Promise((resolve) => this.socket.once('connect', () => resolve()));
  }

  async send(bytes: Buffer | string): Promise<void> {
    await this.ready;
    await new Promise<void>((resolve, reject) =>
      this.socket.write(bytes, (e) => (e ? reject(e) : resolve())),
    );
  }

  waitReceived(n: number, timeoutMs = 10_000): Promise<void> {
    return waitFor(() => this.received.length >= n, `${n} bytes from the server`, timeoutMs);
  }

  waitClosed(timeoutMs = 10_000): Promise<void> {
    return waitFor(() => this.closed, 'the server to close the connection', timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}
