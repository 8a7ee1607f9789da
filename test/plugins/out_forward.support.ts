// A counting TCP proxy for the out_forward tests: it sits between out_forward and a real
// in_forward, counts the connections out_forward opens, and can cut them (as a server or a
// middlebox closing a pooled connection would) or swallow the next request and then cut.

import * as net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export class CountingProxy {
  accepted = 0;
  closedByClient = 0;
  /** When set, the next bytes from a client are dropped and that connection is cut. */
  dropNextRequest = false;
  dropped = 0;
  private readonly pairs = new Set<Pair>();
  private readonly server: net.Server;
  port = 0;

  constructor(private readonly upstreamPort: number) {
    this.server = net.createServer((client) => this.onClient(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  private onClient(client: net.Socket): void {
    this.accepted++;
    const upstream = net.connect({ host: '127.0.0.1', port: this.upstreamPort });
    const pair = { client, upstream };
    this.pairs.add(pair);
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('data', (b) => {
      if (this.dropNextRequest) {
        this.dropNextRequest = false;
        this.dropped++;
        this.cut(pair);
        return;
      }
      upstream.write(b);
    });
    upstream.on('data', (b) => client.write(b));
    client.on('end', () => {
      this.closedByClient++;
      upstream.end();
    });
    upstream.on('end', () => client.end());
    const gone = () => this.pairs.delete(pair);
    client.on('close', () => {
      gone();
      upstream.destroy();
    });
    upstream.on('close', () => {
      gone();
      client.destroy();
    });
  }

  private cut(p: Pair): void {
    this.pairs.delete(p);
    p.client.destroy();
    p.upstream.destroy();
  }

  /** Connections open right now. */
  get open(): number {
    return this.pairs.size;
  }

  /** Cut every open connection (both sides, abruptly). */
  cutAll(): void {
    for (const p of [...this.pairs]) this.cut(p);
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
