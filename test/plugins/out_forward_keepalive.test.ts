// out_forward keepalive: our out_forward → a counting proxy → our in_forward, real sockets.
// One connection carries many chunks; keepalive_timeout replaces it; a pooled connection cut
// by the far side costs neither a lost nor a duplicated chunk (with acks), nor a retry.

import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { decode, encode } from '../../src/core/msgpack.js';
import { MsgpackScanner } from '../../src/plugins/in_forward/msgpack-scanner.js';
import { ForwardOutput } from '../../src/plugins/out_forward/index.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';
import { startForward, waitFor } from './in_forward.support.js';
import { CountingProxy } from './out_forward.support.js';

const IMMEDIATE = '<buffer>\n  flush_mode immediate\n  retry_wait 0.1\n</buffer>';

function server(port: number): string {
  return `<server>\n  host 127.0.0.1\n  port ${port}\n</server>`;
}

function records(n: number, from = 0): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ i: from + i, msg: 'k'.repeat(40) }));
}

async function setup(out: string) {
  const recv = await startForward();
  const proxy = new CountingProxy(recv.port);
  const port = await proxy.listen();
  const d = new OutputTestDriver(ForwardOutput, `${out}\n${server(port)}\n${IMMEDIATE}`);
  await d.start();
  const stop = async () => {
    await d.shutdown();
    await proxy.close();
    await recv.d.shutdown();
  };
  return { recv: recv.d, proxy, d, stop };
}

for (const ack of [false, true]) {
  test(`keepalive: 8 chunks over one connection${ack ? ' (with acks)' : ''}, closed at shutdown`, async () => {
    const { recv, proxy, d, stop } = await setup(
      `keepalive true\nheartbeat_type transport\nheartbeat_interval 0.05\nrequire_ack_response ${ack}`,
    );
    try {
      for (let k = 0; k < 8; k++) await d.feed(`ka.t${k}`, records(10, k * 10));
      await waitFor(() => recv.events().length === 80, '80 events at the receiver');
      if (ack) await waitFor(() => d.instance.counters.acked === 80, 'all acked');
      await waitFor(() => d.instance.counters.heartbeats >= 3, 'heartbeats on the pooled connection');
      assert.equal(proxy.accepted, 1, 'chunks and heartbeats share one connection');
      assert.equal(d.instance.pool.stats.opened, 1);
      assert.equal(new Set(recv.events().map((e) => e.record.i)).size, 80);
    } finally {
      await d.shutdown();
      await waitFor(() => proxy.closedByClient === 1, 'the pooled connection closed at shutdown');
      await stop();
    }
  });
}

test('keepalive false: one connection per chunk (the default, as Fluentd)', async () => {
  const { recv, proxy, d, stop } = await setup('heartbeat_type none\nrequire_ack_response true');
  try {
    for (let k = 0; k < 4; k++) await d.feed(`one.t${k}`, records(5, k * 5));
    await waitFor(() => d.instance.counters.acked === 20, 'all acked');
    assert.equal(recv.events().length, 20);
    assert.equal(proxy.accepted, 4);
  } finally {
    await stop();
  }
});

test('keepalive_timeout: an expired idle connection is closed and the next chunk opens a new one', async () => {
  const { recv, proxy, d, stop } = await setup(
    'keepalive true\nkeepalive_timeout 0.3\nheartbeat_type none\nrequire_ack_response true',
  );
  try {
    await d.feed('kt.a', records(5));
    await d.feed('kt.b', records(5, 5));
    await waitFor(() => d.instance.counters.acked === 10, 'first two chunks acked');
    assert.equal(proxy.accepted, 1);
    await waitFor(() => proxy.closedByClient === 1, 'the expired connection closed by the client', 5000);
    await d.feed('kt.c', records(5, 10));
    await waitFor(() => d.instance.counters.acked === 15, 'third chunk acked');
    assert.equal(proxy.accepted, 2, 'a new connection after keepalive_timeout');
    assert.equal(recv.events().length, 15);
  } finally {
    await stop();
  }
});

test('a pooled connection cut by the far side: the next chunk goes on a fresh one, exactly once', async () => {
  const { recv, proxy, d, stop } = await setup(
    'keepalive true\nheartbeat_type none\nrequire_ack_response true',
  );
  try {
    await d.feed('cut.a', records(5));
    await waitFor(() => d.instance.counters.acked === 5, 'first chunk acked');
    proxy.cutAll();
    await waitFor(() => d.instance.pool.size === 0, 'the client noticed the cut');
    await d.feed('cut.b', records(5, 5));
    await waitFor(() => d.instance.counters.acked === 10, 'second chunk acked');
    assert.deepEqual(
      recv.events().map((e) => e.record.i),
      Array.from({ length: 10 }, (_, i) => i),
      'every event once',
    );
    assert.equal(proxy.accepted, 2);
    assert.equal(d.instance.stats()!.retry_count, 0);
    assert.ok(d.instance.nodes[0]!.available);
  } finally {
    await stop();
  }
});

test('a reused connection dies before the ack: rolled back without a retry, resent once on a fresh one', async () => {
  const { recv, proxy, d, stop } = await setup(
    'keepalive true\nheartbeat_type none\nrequire_ack_response true',
  );
  try {
    await d.feed('lost.a', records(5));
    await waitFor(() => d.instance.counters.acked === 5, 'first chunk acked');
    proxy.dropNextRequest = true; // the request is swallowed and the connection cut
    await d.feed('lost.b', records(5, 5));
    await waitFor(() => d.instance.counters.acked === 10, 'second chunk acked after the resend', 10_000);
    assert.equal(proxy.dropped, 1);
    assert.deepEqual(
      recv.events().map((e) => e.record.i),
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.equal(d.instance.stats()!.retry_count, 0, 'the stale connection costs no retry');
    assert.ok(d.instance.nodes[0]!.available, 'the node is not detached for a stale connection');
  } finally {
    await stop();
  }
});

test('several chunks in flight on one connection: acks matched by chunk id, in any order', async () => {
  // A server that acks only once it holds 3 requests, and then in reverse order.
  const conns = new Set<net.Socket>();
  const held: { sock: net.Socket; chunk: string }[] = [];
  const srv = net.createServer((s) => {
    conns.add(s);
    let rx = Buffer.alloc(0);
    const scanner = new MsgpackScanner(16);
    s.on('error', () => {});
    s.on('data', (b) => {
      rx = Buffer.concat([rx, b]);
      for (;;) {
        const n = rx.length ? scanner.scan(rx, 0, rx.length) : -1;
        if (n < 0) return;
        const msg = decode(rx.subarray(0, n));
        rx = rx.subarray(n);
        held.push({ sock: s, chunk: ((msg as unknown[])[2] as { chunk: string }).chunk });
        if (held.length === 3) for (const h of [...held].reverse()) h.sock.write(encode({ ack: h.chunk }));
      }
    });
  });
  const port = await new Promise<number>((r) =>
    srv.listen(0, '127.0.0.1', () => r((srv.address() as net.AddressInfo).port)),
  );
  const d = new OutputTestDriver(
    ForwardOutput,
    `keepalive true\nrequire_ack_response true\nheartbeat_type none\n${server(port)}
<buffer>\n  flush_mode immediate\n  flush_thread_count 4\n</buffer>`,
  );
  try {
    await d.start();
    for (let k = 0; k < 3; k++) await d.feed(`many.t${k}`, [{ k }]);
    await waitFor(() => d.instance.counters.acked === 3, 'three acks, answered in reverse order');
    assert.equal(conns.size, 1, 'all three on one connection');
    assert.equal(d.instance.counters.ackTimeouts, 0);
    assert.equal(d.instance.stats()!.retry_count, 0);
  } finally {
    await d.shutdown();
    for (const s of conns) s.destroy();
    srv.close();
  }
});
