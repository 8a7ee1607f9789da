// Hostile input against in_forward running in its own process: each attack is closed with a
// counter and a rate-limited log line, the server's memory stays bounded, and a well-behaved
// client is served after every attack.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { EventTime } from '../../src/core/event-time.js';
import { decode, encode } from '../../src/core/msgpack.js';
import { RawClient, waitFor } from '../plugins/in_forward.support.js';
import { ServerChild, type Snapshot } from './forward-support.js';

const T = new EventTime(1700000000, 1);
let srv: ServerChild;
let base: Snapshot;
let goodCount = 0;

before(async () => {
  srv = new ServerChild('request_timeout 0.5\nmax_connections 1100\ndecompression_size_limit 4m');
  await srv.ready();
  base = await srv.snapshot();
});

after(async () => {
  await srv.stop();
});

/** A well-behaved client with ack: proves the server still serves everyone else. */
async function goodClientServed(): Promise<void> {
  const c = new RawClient(srv.port);
  try {
    goodCount++;
    await c.send(encode(['good', T, { n: goodCount }, { chunk: `g${goodCount}` }]));
    await c.waitReceived(1);
    assert.deepEqual(decode(c.received), { ack: `g${goodCount}` });
  } finally {
    c.close();
  }
}

async function expectClosed(bytes: Buffer, what: string): Promise<Snapshot> {
  const before = await srv.snapshot();
  const c = new RawClient(srv.port);
  await c.send(bytes).catch(() => {});
  await c.waitClosed();
  const s = await srv.snapshot();
  assert.equal(s.stats.hostileClosed, before.stats.hostileClosed + 1, `${what}: counted once`);
  await goodClientServed();
  return s;
}

test('malformed msgpack (0xc1) closes the connection', async () => {
  await expectClosed(Buffer.from([0x93, 0xa1, 0x61, 0xc1, 0x80]), 'invalid byte');
});

test('declared lengths larger than the bytes present inside a 72 KB packed blob', async () => {
  // The outer request is complete; its entries blob claims array32(4G) and str32(2G).
  const junk = Buffer.alloc(72 * 1024, 0x01);
  const blob = Buffer.concat([Buffer.from([0x92, 0xdd, 0xff, 0xff, 0xff, 0xff]), junk]);
  const s = await expectClosed(encode(['x', blob]), 'huge array inside the blob');
  const blob2 = Buffer.concat([
    Buffer.from([0x92, 0x01, 0x81, 0xa1, 0x6b, 0xdb, 0x7f, 0xff, 0xff, 0xff]),
    junk,
  ]);
  const s2 = await expectClosed(encode(['x', blob2]), 'huge str inside the blob');
  assert.ok(s2.heapUsed - base.heapUsed < 64 * 1024 * 1024, `heap grew ${s2.heapUsed - base.heapUsed}`);
  process.stdout.write(
    `# 72 KB blobs declaring 4 G items / 2 GB strings: server heap +${Math.round((s2.heapUsed - base.heapUsed) / 1024)} KiB, rss ${Math.round(s2.rss / 1048576)} MiB\n`,
  );
  assert.ok(s.rss < 300 * 1024 * 1024);
});

test('an outer header declaring 4 G items waits for bytes and is closed by request_timeout', async () => {
  const hdr = Buffer.concat([Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(72 * 1024, 0xc0)]);
  await expectClosed(hdr, 'array32 header');
});

test('deep nesting is refused', async () => {
  await expectClosed(Buffer.alloc(10_000, 0x91), 'nesting');
});

test('a gzip bomb past decompression_size_limit is refused', async () => {
  const entries = encode([T, { z: 'a'.repeat(1000) }]);
  const bomb = gzipSync(Buffer.concat(Array.from({ length: 20_000 }, () => entries))); // ~20 MB → ~60 KB
  assert.ok(bomb.length < 200 * 1024);
  const s = await expectClosed(encode(['bomb', bomb, { compressed: 'gzip' }]), 'gzip bomb');
  assert.ok(s.heapUsed - base.heapUsed < 64 * 1024 * 1024, `heap grew ${s.heapUsed - base.heapUsed}`);
  process.stdout.write(
    `# gzip bomb (${bomb.length} B → ~20 MB, limit 4 MiB): server heap +${Math.round((s.heapUsed - base.heapUsed) / 1024)} KiB, rss ${Math.round(s.rss / 1048576)} MiB\n`,
  );
});

test('broken gzip and invalid JSON close the connection', async () => {
  await expectClosed(encode(['g', Buffer.from('not gzip at all'), { compressed: 'gzip' }]), 'broken gzip');
  await expectClosed(Buffer.from('["t", 1, {"a": tru}]'), 'bad JSON');
});

test('a client sending one byte at a time slower than request_timeout is closed', async () => {
  const before = await srv.snapshot();
  const c = new RawClient(srv.port);
  const req = encode(['slow', T, { a: 1 }]);
  let i = 0;
  // One byte every 200 ms; the request (30 bytes) would need 6 s, request_timeout is 0.5 s.
  const iv = setInterval(() => {
    if (i < req.length && !c.closed) void c.send(req.subarray(i, ++i)).catch(() => {});
  }, 200);
  try {
    await c.waitClosed();
  } finally {
    clearInterval(iv);
  }
  const s = await srv.snapshot();
  assert.equal(s.stats.hostileClosed, before.stats.hostileClosed + 1);
  assert.equal(s.events, before.events);
  await goodClientServed();
});

test('a thousand idle connections: bounded memory, others served, max_connections refuses the rest', async () => {
  const before = await srv.snapshot();
  const idle: RawClient[] = [];
  try {
    for (let i = 0; i < 1000; i++) idle.push(new RawClient(srv.port));
    await Promise.all(idle.map((c) => c.send('')));
    let s = await srv.snapshot();
    const until = Date.now() + 20_000;
    while (s.stats.connections < 1000 && Date.now() < until) s = await srv.snapshot();
    assert.ok(s.stats.connections >= 1000, `connections ${s.stats.connections}`);
    const grew = s.rss - before.rss;
    assert.ok(grew < 64 * 1024 * 1024, `rss grew ${grew}`);
    process.stdout.write(
      `# 1000 idle connections: server rss +${Math.round(grew / 1024)} KiB (total ${Math.round(s.rss / 1048576)} MiB)\n`,
    );
    await goodClientServed();
    // Past max_connections (1100): refused on accept.
    const extra: RawClient[] = [];
    for (let i = 0; i < 150; i++) extra.push(new RawClient(srv.port));
    await waitFor(() => extra.filter((c) => c.closed).length >= 40, 'refused connections');
    const s2 = await srv.snapshot();
    assert.ok(s2.stats.refused >= 40);
    assert.ok(s2.logs - before.logs < 20, 'refusals are logged at a limited rate');
    for (const c of extra) c.close();
  } finally {
    for (const c of idle) c.close();
  }
  await waitFor(() => idle.every((c) => c.closed), 'idle clients closed');
});

test('log lines stay rate-limited under a flood of bad connections', async () => {
  const before = await srv.snapshot();
  const cs: RawClient[] = [];
  for (let i = 0; i < 200; i++) {
    const c = new RawClient(srv.port);
    cs.push(c);
    void c.send(Buffer.from([0xc1])).catch(() => {});
  }
  await waitFor(() => cs.every((c) => c.closed), 'all bad clients closed');
  const s = await srv.snapshot();
  assert.equal(s.stats.hostileClosed - before.stats.hostileClosed, 200);
  assert.ok(s.logs - before.logs <= 2, `log lines: ${s.logs - before.logs}`);
  await goodClientServed();
});
