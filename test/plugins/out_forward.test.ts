// Our out_forward → our in_forward over real sockets: every mode, ack, shared_key, TLS,
// standby takeover.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ForwardOutput } from '../../src/plugins/out_forward/index.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';
import { selfSignedCert } from '../helpers/tls.js';
import { startForward, waitFor } from './in_forward.support.js';

const IMMEDIATE = '<buffer>\n  flush_mode immediate\n  retry_wait 0.1\n</buffer>';

function server(port: number, extra = ''): string {
  return `<server>\n  host 127.0.0.1\n  port ${port}\n${extra}\n</server>`;
}

function records(n: number, from = 0): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ i: from + i, msg: 'x'.repeat(50) }));
}

for (const [name, out, inp] of [
  ['plain', '', ''],
  ['gzip + ack', 'compress gzip\nrequire_ack_response true', ''],
  [
    'shared_key + ack',
    'require_ack_response true\n<security>\n  self_hostname fwd.client\n  shared_key sk\n</security>',
    '<security>\n  self_hostname agg.server\n  shared_key sk\n</security>',
  ],
] as const) {
  test(`out_forward → in_forward: ${name}`, async () => {
    const { d: recv, port } = await startForward(inp);
    const d = new OutputTestDriver(
      ForwardOutput,
      `heartbeat_type none\n${out}\n${server(port)}\n${IMMEDIATE}`,
    );
    try {
      d.time = { sec: 1700000000, nsec: 7 };
      await d.feed('fwd.a', records(100));
      await d.feed('fwd.b', records(10, 100));
      await waitFor(() => recv.events().length === 110, '110 events at the receiver');
      const ev = recv.events();
      assert.deepEqual(
        ev.filter((e) => e.tag === 'fwd.a').map((e) => e.record.i),
        Array.from({ length: 100 }, (_, i) => i),
      );
      assert.equal(ev.filter((e) => e.tag === 'fwd.b').length, 10);
      assert.ok(ev.every((e) => e.sec === 1700000000 && e.nsec === 7));
      if (out.includes('ack')) await waitFor(() => d.instance.counters.acked === 110, 'acks');
    } finally {
      await d.shutdown();
      await recv.shutdown();
    }
  });
}

test('out_forward → in_forward over TLS with ack', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofwd-tls-'));
  try {
    const made = selfSignedCert(dir, 'agg.local');
    if (!made) {
      t.skip('openssl unavailable');
      return;
    }
    const { key, cert } = made;
    const { d: recv, port } = await startForward(
      `<transport tls>\n  cert_path ${cert}\n  private_key_path ${key}\n</transport>`,
    );
    const d = new OutputTestDriver(
      ForwardOutput,
      `transport tls\ntls_ca_cert_path ${cert}\nrequire_ack_response true\nheartbeat_type none\n${server(port, '  name agg.local')}\n${IMMEDIATE}`,
    );
    try {
      await d.feed('tls.t', records(20));
      await waitFor(() => recv.events().length === 20, '20 events over TLS');
      await waitFor(() => d.instance.counters.acked === 20, 'acks');
    } finally {
      await d.shutdown();
      await recv.shutdown();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('standby takes over while the active server is down and goes back to standby when it returns', async () => {
  const active = await startForward();
  const standby = await startForward();
  const d = new OutputTestDriver(
    ForwardOutput,
    `heartbeat_type transport\nheartbeat_interval 0.05\nhard_timeout 0.3\nrecover_wait 0.2\nphi_failure_detector false\nrequire_ack_response true
${server(active.port, '  name active')}\n${server(standby.port, '  name standby\n  standby true')}\n${IMMEDIATE}`,
  );
  try {
    await d.feed('ha', records(5));
    await waitFor(() => active.d.events().length === 5, 'events at the active server');
    assert.equal(standby.d.events().length, 0);
    const activePort = active.port;
    await active.d.shutdown();
    await waitFor(() => !d.instance.nodes[0]!.available, 'the active server detached');
    await d.feed('ha', records(5, 5));
    await waitFor(() => standby.d.events().length === 5, 'events at the standby');
    // The active server returns on the same port.
    const { ForwardInput } = await import('../../src/plugins/in_forward/index.js');
    const { InputTestDriver } = await import('../../src/test-driver/index.js');
    const back = new InputTestDriver(ForwardInput, `port ${activePort}\nbind 127.0.0.1`);
    await back.start();
    try {
      await waitFor(() => d.instance.nodes[0]!.available, 'the active server recovered');
      await d.feed('ha', records(5, 10));
      await waitFor(() => back.events().length === 5, 'events back at the active server');
      assert.equal(standby.d.events().length, 5, 'standby is back to standby');
    } finally {
      await back.shutdown();
    }
  } finally {
    await d.shutdown();
    await standby.d.shutdown();
  }
});

test('config: at least one <server>, ack_response_timeout ≥ 1', () => {
  assert.throws(() => new OutputTestDriver(ForwardOutput, ''), /<server>/);
  assert.throws(
    () => new OutputTestDriver(ForwardOutput, `ack_response_timeout 0\n${server(1)}`),
    /ack_response_timeout/,
  );
});

test('fast path: in_forward PackedForward → buffer → out_forward sends the same entries bytes', async () => {
  const { arrayElements, rawPayload } = await import('../../src/plugins/in_forward/msgpack-scanner.js');
  const { encode } = await import('../../src/core/msgpack.js');
  const { EventTime } = await import('../../src/core/event-time.js');
  const { RawClient } = await import('./in_forward.support.js');
  const net = await import('node:net');
  // Final hop: a raw server that keeps the request bytes.
  const got: Buffer[] = [];
  const sink = net.createServer((s) => s.on('data', (b) => got.push(b)));
  const sinkPort = await new Promise<number>((r) =>
    sink.listen(0, '127.0.0.1', () => r((sink.address() as { port: number }).port)),
  );
  const out = new OutputTestDriver(ForwardOutput, `heartbeat_type none\n${server(sinkPort)}\n${IMMEDIATE}`);
  const { d: recv, port } = await startForward();
  const orig = recv.emitter.emitStream.bind(recv.emitter);
  recv.emitter.emitStream = (tag, es) => {
    void out.instance.emit(tag, es);
    return orig(tag, es);
  };
  await out.start();
  const c = new RawClient(port);
  try {
    const parts: Buffer[] = [];
    for (let i = 0; i < 50; i++)
      parts.push(encode([new EventTime(1700000000 + i, i), { i, s: 'v'.repeat(30) }]));
    const blob = Buffer.concat(parts);
    const head = Buffer.from([0xdb, 0, 0, 0, 0]);
    head.writeUInt32BE(blob.length, 1);
    await c.send(
      Buffer.concat([
        Buffer.from([0x93]),
        encode('fast.t'),
        head,
        blob,
        encode({ size: 50, compressed: 'text' }),
      ]),
    );
    const whole = () => Buffer.concat(got);
    await waitFor(() => {
      const b = whole();
      if (b.length === 0) return false;
      try {
        const els = arrayElements(b);
        return els !== undefined && els.length === 3;
      } catch {
        return false;
      }
    }, 'the forwarded request');
    const b = whole();
    const els = arrayElements(b)!;
    assert.equal(b[els[1]![0]], 0xdb, 'entries sent as str32, as Fluentd does');
    const [s, e] = rawPayload(b, els[1]![0])!;
    assert.ok(b.subarray(s, e).equals(blob), 'the same bytes, not re-encoded');
  } finally {
    c.close();
    await recv.shutdown();
    await out.shutdown();
    sink.close();
  }
});

test('ack timeout: the chunk is rolled back and sent to the other server; with heartbeat_type none the silent one stays in the rotation', async () => {
  const net = await import('node:net');
  const swallowed: Buffer[] = [];
  const hole = net.createServer((s) => {
    s.on('data', (b) => swallowed.push(b));
    s.on('error', () => {});
  });
  const holePort = await new Promise<number>((r) =>
    hole.listen(0, '127.0.0.1', () => r((hole.address() as { port: number }).port)),
  );
  const { d: good, port } = await startForward();
  const d = new OutputTestDriver(
    ForwardOutput,
    `require_ack_response true\nack_response_timeout 1\nheartbeat_type none
${server(holePort, '  name hole')}\n${server(port, '  name good')}\n${IMMEDIATE}`,
  );
  try {
    for (let k = 0; k < 6; k++) await d.feed(`ack.t${k}`, records(10, k * 10));
    await waitFor(() => good.events().length >= 60, 'all 60 events at the good server', 20_000);
    const got = new Set(good.events().map((e) => e.record.i));
    assert.equal(got.size, 60);
    assert.ok(swallowed.length > 0, 'the silent server got a chunk');
    // heartbeat_type none: like Fluentd's NoneHeartbeatNode the server stays in the rotation
    // (nothing could bring it back); its chunks were rolled back and delivered elsewhere
    assert.equal(d.instance.nodes[0]!.available, true);
    assert.ok(d.instance.counters.ackTimeouts >= 1);
  } finally {
    await d.shutdown();
    await good.shutdown();
    hole.close();
  }
});

test('require_ack_response: at most flush_thread_count chunks wait for acks; the next is sent after an ack', async () => {
  const net = await import('node:net');
  const { decode, encode } = await import('../../src/core/msgpack.js');
  // A server that reads whole requests and answers each ack only when the test releases it.
  const requests: { sock: import('node:net').Socket; chunk: string }[] = [];
  const srv = net.createServer((s) => {
    let rx = Buffer.alloc(0);
    s.on('error', () => {});
    s.on('data', (b) => {
      rx = Buffer.concat([rx, b]);
      let msg: unknown;
      try {
        msg = decode(rx);
      } catch {
        return; // not complete yet
      }
      rx = Buffer.alloc(0);
      const opt = (msg as unknown[])[2] as { chunk: string };
      requests.push({ sock: s, chunk: opt.chunk });
    });
  });
  const port = await new Promise<number>((r) =>
    srv.listen(0, '127.0.0.1', () => r((srv.address() as { port: number }).port)),
  );
  const d = new OutputTestDriver(
    ForwardOutput,
    `require_ack_response true\nheartbeat_type none\n${server(port)}\n${IMMEDIATE}`,
  );
  const ack = (k: number) => requests[k]!.sock.write(encode({ ack: requests[k]!.chunk }));
  try {
    for (let k = 0; k < 3; k++) await d.feed(`gate.t${k}`, records(5, k * 5));
    await waitFor(() => requests.length === 1 && d.instance.waitingForAckSlot === 1, 'one sent, one waiting');
    assert.equal(requests.length, 1, 'the second chunk is held until the first is acked');
    ack(0);
    await waitFor(() => requests.length === 2 && d.instance.waitingForAckSlot === 1, 'second sent');
    assert.equal(d.instance.counters.acked, 5);
    ack(1);
    await waitFor(() => requests.length === 3, 'third sent');
    ack(2);
    await waitFor(() => d.instance.counters.acked === 15, 'all acked');
    assert.equal(d.instance.waitingForAckSlot, 0);
  } finally {
    await d.shutdown();
    for (const r of requests) r.sock.destroy();
    srv.close();
  }
});
