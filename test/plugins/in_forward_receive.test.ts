// The receive path of in_forward over real sockets: requests that span many socket reads (and
// reads that hold several requests) are framed exactly, the PackedForward bytes handed on are
// the request's own, and an IPv4 client on a dual-stack listener is reported as plain IPv4.

import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { EventTime } from '../../src/core/event-time.js';
import { decode, encode } from '../../src/core/msgpack.js';
import { plainAddress } from '../../src/plugins/in_forward/connection.js';
import { ForwardInput } from '../../src/plugins/in_forward/index.js';
import { InputTestDriver } from '../../src/test-driver/index.js';
import { RawClient, startForward, waitFor } from './in_forward.support.js';

const T = new EventTime(1700000000, 5);

function blobOf(n: number, tag: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) parts.push(encode([T, { tag, n: i, msg: 'y'.repeat(90) }]));
  return Buffer.concat(parts);
}

test('large PackedForward requests across many reads, several per read: exact bytes, every event', async () => {
  const { d, port } = await startForward();
  const seen: { tag: string; packed: Uint8Array | undefined; n: number }[] = [];
  const orig = d.emitter.emitStream.bind(d.emitter);
  d.emitter.emitStream = (tag, es) => {
    seen.push({ tag, packed: es.packed, n: es.length });
    return orig(tag, es);
  };
  const origDurable = d.emitter.emitStreamDurable.bind(d.emitter);
  d.emitter.emitStreamDurable = (tag, es) => {
    seen.push({ tag, packed: es.packed, n: es.length });
    return origDurable(tag, es);
  };
  const c = new RawClient(port);
  try {
    // 200 KiB, 1-event, 90 KiB, 2-event and 300 KiB requests back to back, the last with an ack
    const sizes = [2000, 1, 900, 2, 3000];
    const blobs = sizes.map((n, i) => blobOf(n, i));
    const wire = Buffer.concat(
      blobs.map((b, i) =>
        encode([`t${i}`, b, i === blobs.length - 1 ? { size: sizes[i], chunk: 'last' } : { size: sizes[i] }]),
      ),
    );
    // irregular slices: some hold a request's tail and the next one's head
    const cuts = [1, 70_000, 70_001, 205_000, 205_100, 298_000, 400_000, wire.length];
    let at = 0;
    for (const cut of cuts) {
      await c.send(wire.subarray(at, cut));
      at = cut;
    }
    await c.waitReceived(1);
    assert.deepEqual(decode(c.received), { ack: 'last' });
    assert.equal(seen.length, blobs.length);
    for (let i = 0; i < blobs.length; i++) {
      assert.equal(seen[i]!.tag, `t${i}`);
      assert.equal(seen[i]!.n, sizes[i]);
      assert.ok(seen[i]!.packed && Buffer.from(seen[i]!.packed!).equals(blobs[i]!), `bytes of request ${i}`);
    }
    const ev = d.events().filter((e) => e.tag === 't4');
    assert.equal(ev.length, 3000);
    assert.deepEqual(ev[2999]!.record, { tag: 4, n: 2999, msg: 'y'.repeat(90) });
    assert.equal(d.instance.stats.hostileClosed, 0);
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('plainAddress strips the IPv4-mapped prefix only', () => {
  assert.equal(plainAddress('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(plainAddress('10.1.2.3'), '10.1.2.3');
  assert.equal(plainAddress('::1'), '::1');
  assert.equal(plainAddress('::ffff:abcd'), '::ffff:abcd');
});

async function dualStack(): Promise<boolean> {
  const s = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, '::', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

test('an IPv4 client of a dual-stack listener: source_address_key and source_hostname_key without ::ffff:', async (t) => {
  if (!(await dualStack())) {
    t.skip('no IPv6 on this machine');
    return;
  }
  const d = new InputTestDriver(
    ForwardInput,
    'port 0\nbind ::\nsource_address_key addr\nsource_hostname_key host\n',
  );
  await d.start();
  const c = new RawClient(d.instance.boundPort); // connects to 127.0.0.1
  try {
    await c.send(encode(['app', T, { a: 1 }]));
    await c.send(encode(['app', blobOf(3, 9), { size: 3 }]));
    await waitFor(() => d.events().length === 4, '4 events');
    for (const e of d.events()) {
      assert.equal(e.record.addr, '127.0.0.1');
      assert.equal(typeof e.record.host, 'string');
      assert.ok(!String(e.record.host).startsWith('::ffff:'), `host ${e.record.host}`);
    }
  } finally {
    c.close();
    await d.shutdown();
  }
});
