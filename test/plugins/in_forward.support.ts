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

import { waitFor } from '../helpers/proc.js';

export { waitFor };

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

  async waitReceived(n: number, timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.received.length >= n, `${n} bytes from the server`, timeoutMs);
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.closed, 'the server to close the connection', timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}
