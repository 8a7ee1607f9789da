// The <security> handshake byte by byte with a raw client (spec protocols §1.6).

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { EventTime } from '../../src/core/event-time.js';
import { decode, decodeMultiple, encode } from '../../src/core/msgpack.js';
import { RawClient, startForward, waitFor } from './in_forward.support.js';

const hex = (...parts: (Buffer | string)[]) => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** A msgpack str holding arbitrary bytes (Fluent Bit sends its raw 16-byte salt this way). */
function rawStr(b: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xd9, b.length]), b]);
}

function ping(host: string, salt: Buffer, nonce: Buffer, key: string, user = '', pwDigest = ''): Buffer {
  return Buffer.concat([
    Buffer.from([0x96]),
    encode('PING'),
    encode(host),
    rawStr(salt),
    encode(hex(salt, host, nonce, key)),
    encode(user),
    encode(pwDigest),
  ]);
}

async function helo(c: RawClient): Promise<{ nonce: Buffer; auth: Buffer; keepalive: boolean }> {
  await c.waitReceived(10);
  await waitFor(() => {
    try {
      decode(c.received);
      return true;
    } catch {
      return false;
    }
  }, 'a complete HELO');
  const m = decode(c.received) as [string, { nonce: Buffer; auth: Buffer; keepalive: boolean }];
  c.received = Buffer.alloc(0);
  assert.equal(m[0], 'HELO');
  return m[1];
}

const SEC = '<security>\n  self_hostname server.example\n  shared_key k3y\n';

test('HELO carries 16-byte bin nonce/auth; a PING with a raw-bytes salt gets a correct PONG; data flows', async () => {
  const { d, port } = await startForward(`${SEC}</security>`);
  const c = new RawClient(port);
  try {
    const h = await helo(c);
    assert.ok(Buffer.isBuffer(h.nonce) && h.nonce.length === 16);
    assert.ok(Buffer.isBuffer(h.auth) && h.auth.length === 16);
    assert.equal(h.keepalive, true);
    const salt = Buffer.from([0xff, 0xfe, 0x00, 0x80, ...randomBytes(12)]); // not valid UTF-8
    await c.send(ping('client.example', salt, h.nonce, 'k3y'));
    await c.waitReceived(5);
    const pong = decode(c.received) as unknown[];
    assert.deepEqual(pong.slice(0, 4), ['PONG', true, '', 'server.example']);
    assert.equal(pong[4], hex(salt, 'server.example', h.nonce, 'k3y'));
    c.received = Buffer.alloc(0);
    await c.send(encode(['sec', new EventTime(1700000000, 0), { ok: 1 }, { chunk: 'c' }]));
    await c.waitReceived(1);
    assert.deepEqual(decode(c.received), { ack: 'c' });
    assert.equal(d.events().length, 1);
  } finally {
    c.close();
    await d.shutdown();
  }
});

async function refused(conf: string, build: (h: { nonce: Buffer; auth: Buffer }) => Buffer, reason: string) {
  const { d, port } = await startForward(conf);
  const c = new RawClient(port);
  try {
    const h = await helo(c);
    await c.send(build(h));
    await c.waitClosed();
    const pong = decodeMultiple(c.received) as unknown[][];
    assert.deepEqual(pong[0], ['PONG', false, reason, '', '']);
    assert.equal(d.instance.stats.hostileClosed, 1);
    assert.equal(d.events().length, 0);
  } finally {
    c.close();
    await d.shutdown();
  }
}

test('wrong shared key, malformed PING and a request instead of PING are refused', async () => {
  const salt = randomBytes(16);
  await refused(`${SEC}</security>`, (h) => ping('c', salt, h.nonce, 'wrong'), 'shared_key mismatch');
  await refused(
    `${SEC}</security>`,
    () => encode(['PING', 'c', 'salt', 'digest', '']),
    'invalid ping message',
  );
  await refused(`${SEC}</security>`, () => encode(['tag', 1700000000, { a: 1 }]), 'invalid ping message');
});

test('user_auth: password digest over the HELO auth salt', async () => {
  const conf = `${SEC}  user_auth true\n  <user>\n    username u1\n    password p1\n  </user>\n</security>`;
  const salt = randomBytes(16);
  await refused(
    conf,
    (h) => ping('c', salt, h.nonce, 'k3y', 'u1', hex(h.auth, 'u1', 'bad')),
    'username/password mismatch',
  );
  const { d, port } = await startForward(conf);
  const c = new RawClient(port);
  try {
    const h = await helo(c);
    await c.send(ping('c', salt, h.nonce, 'k3y', 'u1', hex(h.auth, 'u1', 'p1')));
    await c.waitReceived(5);
    assert.equal((decode(c.received) as unknown[])[1], true);
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('<client> allow-list: anonymous sources denied, a per-client shared key', async () => {
  const salt = randomBytes(16);
  await refused(
    `${SEC}  allow_anonymous_source false\n  <client>\n    network 10.0.0.0/8\n  </client>\n</security>`,
    (h) => ping('c', salt, h.nonce, 'k3y'),
    "anonymous source host '127.0.0.1' denied",
  );
  const conf = `${SEC}  allow_anonymous_source false\n  <client>\n    host 127.0.0.1\n    shared_key own\n  </client>\n</security>`;
  await refused(conf, (h) => ping('c', salt, h.nonce, 'k3y'), 'shared_key mismatch');
  const { d, port } = await startForward(conf);
  const c = new RawClient(port);
  try {
    const h = await helo(c);
    await c.send(ping('c', salt, h.nonce, 'own'));
    await c.waitReceived(5);
    const pong = decode(c.received) as unknown[];
    assert.equal(pong[1], true);
    assert.equal(pong[4], hex(salt, 'server.example', h.nonce, 'own'));
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('a client that never answers HELO is closed after request_timeout', async () => {
  const { d, port } = await startForward(`request_timeout 0.3\n${SEC}</security>`);
  const c = new RawClient(port);
  try {
    await helo(c);
    await c.waitClosed();
    assert.equal(d.instance.stats.hostileClosed, 1);
  } finally {
    c.close();
    await d.shutdown();
  }
});
