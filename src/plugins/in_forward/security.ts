// The forward `<security>` handshake, server side (spec protocols §1.6):
//
//   server → HELO  ["HELO", {"nonce": bin16, "auth": bin16, "keepalive": !deny_keepalive}]
//   client → PING  ["PING", hostname, salt, hex(sha512(salt+hostname+nonce+key)),
//                   username, hex(sha512(auth+username+password))]
//   server → PONG  ["PONG", true, "", self_hostname, hex(sha512(salt+self_hostname+nonce+key))]
//          or      ["PONG", false, reason, "", ""]   and close
//
// Every PING field is hashed as the raw bytes received (Fluent Bit's salt is 16 random bytes
// in a str: decoding it as text would corrupt it). Checks, in Fluentd's order: the PING shape,
// the `<client>` allow-list (allow_anonymous_source), the shared key (the client's own key
// when its `<client>` has one), then users when `user_auth` is on.

import { createHash, randomBytes } from 'node:crypto';
import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import type { InferConfig } from '../../config/params.js';
import { encode } from '../../core/msgpack.js';
import { plainAddress } from '../../helpers/socket-server.js';
import type { Handshake } from './connection.js';
import { arrayElements, rawPayload } from './msgpack-scanner.js';
import type { params } from './params.js';

export interface SecurityUser {
  username: string;
  password: string;
}

export interface SecurityClient {
  /** A literal address (hostnames are resolved before start). */
  host: string | undefined;
  /** CIDR (`192.168.0.0/24`, `::1/128`) or a bare address. */
  network: string | undefined;
  sharedKey: string | undefined;
  users: string[];
}

export interface SecurityConfig {
  selfHostname: string;
  sharedKey: string;
  userAuth: boolean;
  allowAnonymousSource: boolean;
  users: SecurityUser[];
  clients: SecurityClient[];
  denyKeepalive: boolean;
}

function hex(...parts: (Buffer | string)[]): string {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function fail(reason: string): { reply: Buffer; ok: false; reason: string } {
  return { reply: encode(['PONG', false, reason, '', '']), ok: false, reason };
}

export class ServerHandshake implements Handshake {
  private readonly nets: { list: net.BlockList; client: SecurityClient }[] = [];

  constructor(private readonly conf: SecurityConfig) {
    for (const c of conf.clients) {
      if (!c.network) continue;
      const list = new net.BlockList();
      const [addr, bits] = c.network.split('/');
      const family = net.isIPv6(addr!) ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(addr!, family);
      else list.addSubnet(addr!, Number(bits), family);
      this.nets.push({ list, client: c });
    }
  }

  helo(): { bytes: Buffer; nonce: Buffer; auth: Buffer } {
    const nonce = randomBytes(16);
    const auth = randomBytes(16);
    const bytes = encode(['HELO', { nonce, auth, keepalive: !this.conf.denyKeepalive }]);
    return { bytes, nonce, auth };
  }

  private findClient(remote: string): SecurityClient | undefined {
    const addr = plainAddress(remote);
    const family = net.isIPv6(addr) ? 'ipv6' : 'ipv4';
    for (const c of this.conf.clients) if (c.host && plainAddress(c.host) === addr) return c;
    for (const n of this.nets) if (n.list.check(addr, family)) return n.client;
    return undefined;
  }

  ping(bytes: Uint8Array, nonce: Buffer, auth: Buffer, remoteAddress: string) {
    const els = arrayElements(bytes);
    if (els?.length !== 6) return fail('invalid ping message');
    const f = els.map(([s]) => {
      const r = rawPayload(bytes, s);
      return r ? Buffer.from(bytes.subarray(r[0], r[1])) : undefined;
    });
    if (f.some((x) => x === undefined) || f[0]!.toString('latin1') !== 'PING')
      return fail('invalid ping message');
    const [, hostname, salt, digest, username, pwDigest] = f as Buffer[];
    const client = this.findClient(remoteAddress);
    if (!client && !this.conf.allowAnonymousSource) {
      return fail(`anonymous source host '${plainAddress(remoteAddress)}' denied`);
    }
    const key = client?.sharedKey ?? this.conf.sharedKey;
    if (hex(salt!, hostname!, nonce, key) !== digest!.toString('latin1')) return fail('shared_key mismatch');
    if (this.conf.userAuth) {
      const allowed = client && client.users.length > 0 ? client.users : undefined;
      const name = username!.toString('utf8');
      const ok = this.conf.users.some(
        (u) =>
          u.username === name &&
          (!allowed || allowed.includes(u.username)) &&
          hex(auth, u.username, u.password) === pwDigest!.toString('latin1'),
      );
      if (!ok) return fail('username/password mismatch');
    }
    const pong = hex(salt!, this.conf.selfHostname, nonce, key);
    return { reply: encode(['PONG', true, '', this.conf.selfHostname, pong]), ok: true, reason: '' };
  }
}

type SecuritySection = NonNullable<InferConfig<typeof params>['security']>;

/**
 * The handshake a `<security>` section describes. A `<client host>` given as a name is
 * resolved here, once (call in start()): one client per address; a name that does not resolve
 * matches nobody.
 */
export async function serverHandshake(s: SecuritySection, denyKeepalive: boolean): Promise<ServerHandshake> {
  const clients: SecurityClient[] = [];
  for (const cl of s.client) {
    const host = cl.host;
    if (host && !net.isIP(host)) {
      const addrs = await dns.lookup(host, { all: true }).catch(() => []);
      for (const a of addrs) {
        clients.push({ host: a.address, network: undefined, sharedKey: cl.shared_key, users: cl.users });
      }
      continue;
    }
    clients.push({ host, network: cl.network, sharedKey: cl.shared_key, users: cl.users });
  }
  return new ServerHandshake({
    selfHostname: s.self_hostname,
    sharedKey: s.shared_key,
    userAuth: s.user_auth,
    allowAnonymousSource: s.allow_anonymous_source,
    users: s.user.map((u) => ({ username: u.username, password: u.password })),
    clients,
    denyKeepalive,
  });
}
