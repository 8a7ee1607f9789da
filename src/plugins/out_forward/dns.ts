// The address out_forward connects to for one <server> (spec protocols §2.1, as Fluentd's
// Node#resolved_host):
//
//   expire_dns_cache nil → resolve once and keep the address (until the node is detached)
//   expire_dns_cache 0   → resolve on every connect / UDP heartbeat
//   expire_dns_cache N   → keep the address N seconds
//   dns_round_robin      → a random address among those resolved (else the first)
//
// An IP literal is never looked up. Detaching a node forgets its address (expire()), so a
// server that moved is found again when it comes back. Resolution uses the OS resolver
// (getaddrinfo via dns.lookup), as Ruby's Socket.getaddrinfo does.

import * as dns from 'node:dns';
import * as net from 'node:net';

export type Lookup = (host: string) => Promise<string[]>;

export const osLookup: Lookup = async (host) =>
  (await dns.promises.lookup(host, { all: true })).map((a) => a.address);

export class DnsCache {
  private address: string | undefined;
  private resolvedAt = 0;
  /** Lookups done (diagnostics, tests). */
  lookups = 0;

  constructor(
    readonly host: string,
    private readonly expireS: number | undefined,
    private readonly roundRobin: boolean,
    private readonly lookup: Lookup,
  ) {}

  async resolve(now = Date.now()): Promise<string> {
    if (net.isIP(this.host)) return this.host;
    const cached = this.address;
    if (cached !== undefined && this.expireS !== 0) {
      if (this.expireS === undefined || now - this.resolvedAt < this.expireS * 1000) return cached;
    }
    this.lookups++;
    const all = await this.lookup(this.host);
    if (all.length === 0) throw new Error(`no address for ${this.host}`);
    const pick = this.roundRobin ? all[Math.floor(Math.random() * all.length)]! : all[0]!;
    if (this.expireS !== 0) {
      this.address = pick;
      this.resolvedAt = now;
    }
    return pick;
  }

  /** Forget the cached address (the node was detached). */
  expire(): void {
    this.address = undefined;
  }
}
