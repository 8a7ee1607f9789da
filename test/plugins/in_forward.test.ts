import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { EventTime } from '../../src/core/event-time.js';
import { decode, encode } from '../../src/core/msgpack.js';
import { RawClient, startForward, waitFor } from './in_forward.support.js';

const T = new EventTime(1700000000, 123456789);

/** Fluentd's out_forward framing: fixarray(3), tag, str32 entries, option map. */
function packedStr32(tag: string, entries: Buffer, option: Record<string, unknown>): Buffer {
  const head = Buffer.alloc(5);
  head[0] = 0xdb;
  head.writeUInt32BE(entries.length, 1);
  return Buffer.concat([Buffer.from([0x93]), encode(tag), head, entries, encode(option)]);
}

function entriesOf(n: number, start = 0): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) parts.push(encode([T, { n: start + i, msg: 'x'.repeat(20) }]));
  return Buffer.concat(parts);
}

test('Message mode with EventTime fixext8, ext8 and integer time', async () => {
  const { d, port } = await startForward();
  const c = new RawClient(port);
  try {
    await c.send(encode(['app.a', T, { k: 'v' }]));
    const ext8 = Buffer.from([0xc7, 0x08, 0x00, ...T.toBytes()]);
    await c.send(Buffer.concat([Buffer.from([0x93]), encode('app.b'), ext8, encode({ k: 2 })]));
    await c.send(encode(['app.c', 1700000001, { k: 3 }, {}]));
    await waitFor(() => d.events().length === 3, '3 events');
    const ev = d.events();
    assert.deepEqual(
      ev.map((e) => [e.tag, e.sec, e.nsec, e.record]),
      [
        ['app.a', T.sec, T.nsec, { k: 'v' }],
        ['app.b', T.sec, T.nsec, { k: 2 }],
        ['app.c', 1700000001, 0, { k: 3 }],
      ],
    );
    assert.equal(c.received.length, 0, 'no reply without a chunk option');
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('Forward, PackedForward (str32 and bin) and CompressedPackedForward with two gzip members', async () => {
  const { d, port } = await startForward();
  const c = new RawClient(port);
  try {
    await c.send(
      encode([
        'fwd',
        [
          [T, { a: 1 }],
          [1700000002, { a: 2 }],
        ],
      ]),
    );
    const blob = entriesOf(5);
    await c.send(packedStr32('packed.str', blob, { size: 5, compressed: 'text' }));
    await c.send(encode(['packed.bin', blob]));
    const gz = Buffer.concat([gzipSync(entriesOf(3, 0)), gzipSync(entriesOf(4, 3))]);
    await c.send(packedStr32('packed.gz', gz, { size: 7, compressed: 'gzip' }));
    await waitFor(() => d.events().length === 2 + 5 + 5 + 7, 'all events');
    const byTag = (t: string) => d.events().filter((e) => e.tag === t);
    assert.deepEqual(
      byTag('fwd').map((e) => [e.sec, e.nsec, e.record]),
      [
        [T.sec, T.nsec, { a: 1 }],
        [1700000002, 0, { a: 2 }],
      ],
    );
    assert.deepEqual(
      byTag('packed.str').map((e) => e.record.n),
      [0, 1, 2, 3, 4],
    );
    assert.equal(byTag('packed.str')[0]!.nsec, T.nsec);
    assert.equal(byTag('packed.bin').length, 5);
    assert.deepEqual(
      byTag('packed.gz').map((e) => e.record.n),
      [0, 1, 2, 3, 4, 5, 6],
    );
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('PackedForward keeps the entries bytes as es.packed (the fast path)', async () => {
  const { d, port } = await startForward();
  const seen: (Uint8Array | undefined)[] = [];
  const orig = d.emitter.emitStream.bind(d.emitter);
  d.emitter.emitStream = (tag, es) => {
    seen.push(es.packed);
    return orig(tag, es);
  };
  const c = new RawClient(port);
  try {
    const blob = entriesOf(10);
    await c.send(packedStr32('p', blob, { size: 10, compressed: 'text' }));
    // A float time makes the stream differ from the blob: no packed bytes then.
    const mixed = Buffer.concat([encode([T, { ok: 1 }]), encode([1.5, { bad: 1 }])]);
    await c.send(packedStr32('q', mixed, {}));
    await waitFor(() => seen.length === 2, '2 emits');
    assert.ok(seen[0] && Buffer.from(seen[0]).equals(blob));
    assert.equal(seen[1], undefined);
    assert.equal(d.events().filter((e) => e.tag === 'q').length, 1);
    assert.equal(d.instance.stats.invalidEvents, 1);
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('chunk option: {"ack": chunk} echoed byte for byte, only after the events are durable', async () => {
  const { d, port } = await startForward();
  let release!: () => void;
  d.emitter.durableGate = new Promise<void>((r) => {
    release = r;
  });
  const c = new RawClient(port);
  try {
    const chunk = 'dGhpcyBpcyBhIGNodW5rIGlk\n'; // Fluentd's ids end with a newline
    await c.send(packedStr32('acked', entriesOf(3), { size: 3, compressed: 'text', chunk }));
    await waitFor(() => d.events().length === 3, 'events handed to the pipeline');
    assert.equal(c.received.length, 0, 'no ack before durable');
    release();
    const expected = Buffer.concat([Buffer.from([0x81, 0xa3, 0x61, 0x63, 0x6b]), encode(chunk)]);
    await c.waitReceived(expected.length);
    assert.ok(c.received.equals(expected), c.received.toString('hex'));
    assert.deepEqual(decode(c.received), { ack: chunk });
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('a Message-mode event dropped as invalid is still acked; a failed durable emit gets no ack', async () => {
  const { d, port } = await startForward();
  const c = new RawClient(port);
  try {
    await c.send(encode(['t', 1.25, { x: 1 }, { chunk: 'c1' }]));
    await c.waitReceived(1);
    assert.deepEqual(decode(c.received), { ack: 'c1' });
    assert.equal(d.events().length, 0);
    d.emitter.fail(new Error('buffer full'));
    await c.send(encode(['t', T, { x: 2 }, { chunk: 'c2' }]));
    await c.waitClosed();
    assert.deepEqual(decode(c.received), { ack: 'c1' }, 'nothing more than the first ack');
    assert.equal(d.instance.stats.emitFailures, 1);
  } finally {
    c.close();
    await d.shutdown();
  }
});

test("Fluent Bit's [EventTime, metadata] time, bin tag/keys/values, float times dropped by default", async () => {
  const { d, port } = await startForward();
  const c = new RawClient(port);
  try {
    await c.send(encode(['fb', [[[T, { otlp: {} }], { log: 'a' }]]]));
    // fixarray(3) bin"bin.tag" [ [int, {bin"k": bin"v"}] ]
    const bin = (s: string) => Buffer.concat([Buffer.from([0xc4, s.length]), Buffer.from(s)]);
    const rec = Buffer.concat([Buffer.from([0x81]), bin('k'), bin('v')]);
    const entry = Buffer.concat([Buffer.from([0x92]), encode(1700000003), rec]);
    await c.send(Buffer.concat([Buffer.from([0x92]), bin('bin.tag'), Buffer.from([0x91]), entry]));
    await c.send(encode(['flt', [[1700000000.5, { f: 1 }]]]));
    await c.send(encode(['after', T, { ok: true }]));
    await waitFor(() => d.events().some((e) => e.tag === 'after'), 'the last event');
    const ev = d.events();
    assert.deepEqual(
      ev.map((e) => e.tag),
      ['fb', 'bin.tag', 'after'],
    );
    assert.equal(ev[0]!.sec, T.sec);
    assert.deepEqual(ev[0]!.record, { log: 'a' });
    assert.equal(Buffer.from(ev[1]!.record.k as Uint8Array).toString(), 'v');
    assert.equal(d.instance.stats.invalidEvents, 1);
    assert.ok(d.logs().some((l) => l.includes('skip invalid event') && l.includes('float')));
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('skip_invalid_event false keeps float times; time 0 becomes now', async () => {
  const { d, port } = await startForward('skip_invalid_event false');
  const c = new RawClient(port);
  try {
    const now = Math.floor(Date.now() / 1000);
    await c.send(
      encode([
        'f',
        [
          [1700000000.25, { a: 1 }],
          [0, { a: 2 }],
        ],
      ]),
    );
    await waitFor(() => d.events().length === 2, '2 events');
    const [a, b] = d.events();
    assert.equal(a!.sec, 1700000000);
    assert.equal(a!.nsec, 250000000);
    assert.ok(b!.sec >= now && b!.sec <= now + 5);
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('JSON connection: first byte [ switches to JSON, acks are JSON', async () => {
  const { d, port } = await startForward();
  const c = new RawClient(port);
  try {
    await c.send('["j.a", 1700000000, {"x": 1}]\n["j.b", [[1700000001, {"y": "]"}]], {"chunk": "abc"}]');
    await c.waitReceived('{"ack":"abc"}'.length);
    assert.equal(c.received.toString(), '{"ack":"abc"}');
    assert.deepEqual(
      d.events().map((e) => [e.tag, e.sec, e.record]),
      [
        ['j.a', 1700000000, { x: 1 }],
        ['j.b', 1700000001, { y: ']' }],
      ],
    );
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('heartbeats: nil on TCP is ignored, UDP datagrams are answered with 0x00, empty connections are fine', async () => {
  const { d, port } = await startForward();
  const c = new RawClient(port);
  const udp = dgram.createSocket('udp4');
  try {
    await c.send(Buffer.from([0xc0, 0xc0]));
    await c.send(encode(['hb', T, { a: 1 }]));
    await waitFor(() => d.events().length === 1, 'the event after the heartbeats');
    const reply = new Promise<Buffer>((resolve) => udp.once('message', (m) => resolve(m)));
    udp.send(Buffer.from([0]), port, '127.0.0.1');
    assert.deepEqual([...(await reply)], [0]);
    const empty = new RawClient(port);
    await empty.send('');
    empty.socket.end();
    await empty.waitClosed();
    assert.equal(d.instance.stats.hostileClosed, 0);
    assert.ok(d.instance.stats.udpHeartbeats >= 1);
  } finally {
    udp.close();
    c.close();
    await d.shutdown();
  }
});

test('a request split byte by byte is reassembled; half-close after the ack request still gets the ack', async () => {
  const { d, port } = await startForward();
  const c = new RawClient(port);
  try {
    const req = packedStr32('split', entriesOf(4), { chunk: 'z' });
    for (let i = 0; i < req.length; i += 7) await c.send(req.subarray(i, i + 7));
    c.socket.end();
    await c.waitReceived(1);
    assert.deepEqual(decode(c.received), { ack: 'z' });
    assert.equal(d.events().length, 4);
    await c.waitClosed();
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('backpressure: emitStream false pauses the socket until the pipeline drains', async () => {
  const { d, port } = await startForward();
  const c = new RawClient(port);
  try {
    d.emitter.block();
    await c.send(encode(['bp', T, { n: 1 }]));
    await waitFor(() => d.instance.stats.pauses === 1, 'a pause');
    await c.send(encode(['bp', T, { n: 2 }]));
    assert.equal(d.events().length, 1);
    d.emitter.unblock();
    await waitFor(() => d.events().length === 2, 'the second event after drain');
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('tag, add_tag_prefix, source_address_key, source_hostname_key', async () => {
  const { d, port } = await startForward(
    'add_tag_prefix in\nsource_address_key addr\nsource_hostname_key host\nresolve_hostname true',
  );
  const c = new RawClient(port);
  try {
    await c.send(encode(['app', T, { a: 1 }]));
    await waitFor(() => d.events().length === 1, 'an event');
    const e = d.events()[0]!;
    assert.equal(e.tag, 'in.app');
    assert.equal(e.record.addr, '127.0.0.1');
    assert.equal(typeof e.record.host, 'string');
  } finally {
    c.close();
    await d.shutdown();
  }
  const r = await startForward('tag fixed');
  const c2 = new RawClient(r.port);
  try {
    await c2.send(encode(['anything', T, { a: 1 }]));
    await waitFor(() => r.d.events().length === 1, 'an event');
    assert.equal(r.d.events()[0]!.tag, 'fixed');
  } finally {
    c2.close();
    await r.d.shutdown();
  }
});

test('deny_keepalive closes after the first request (after its ack)', async () => {
  const { d, port } = await startForward('deny_keepalive true');
  const c = new RawClient(port);
  try {
    await c.send(encode(['k', T, { a: 1 }, { chunk: 'q' }]));
    await c.waitClosed();
    assert.deepEqual(decode(c.received), { ack: 'q' });
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('chunk_size_limit drops a complete oversized request without ack; warn limit only warns', async () => {
  const { d, port } = await startForward('chunk_size_limit 2k\nchunk_size_warn_limit 1k');
  const c = new RawClient(port);
  try {
    const big = packedStr32('big', entriesOf(60), { chunk: 'big' });
    assert.ok(big.length > 2048 && big.length < 64 * 1024);
    const mid = packedStr32('mid', entriesOf(30), { chunk: 'mid' });
    assert.ok(mid.length > 1024 && mid.length < 2048);
    await c.send(Buffer.concat([big, mid]));
    await c.waitReceived(1);
    assert.deepEqual(decode(c.received), { ack: 'mid' });
    assert.deepEqual(new Set(d.events().map((e) => e.tag)), new Set(['mid']));
    assert.equal(d.instance.stats.droppedRequests, 1);
    assert.ok(d.logs().some((l) => l.includes('chunk_size_warn_limit')));
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('config errors: source_hostname_key without resolve_hostname, deny_keepalive with keepalive packets', async () => {
  const { InputTestDriver } = await import('../../src/test-driver/index.js');
  const { ForwardInput } = await import('../../src/plugins/in_forward/index.js');
  assert.throws(
    () => new InputTestDriver(ForwardInput, 'source_hostname_key h\nresolve_hostname false'),
    /resolve_hostname/,
  );
  assert.throws(
    () => new InputTestDriver(ForwardInput, 'deny_keepalive true\nsend_keepalive_packet true'),
    /send_keepalive_packet/,
  );
  assert.throws(
    () => new InputTestDriver(ForwardInput, '<security>\n shared_key k\n</security>'),
    /self_hostname/,
  );
  assert.throws(() => new InputTestDriver(ForwardInput, '<transport tls>\n</transport>'), /cert_path/);
});

test('Fluent Bit non-log payloads (fluent_signal != 0) are dropped but acked; fluent_signal 0 is a log', async () => {
  const { d, port } = await startForward();
  const c = new RawClient(port);
  try {
    await c.send(encode(['metrics', [[T, { m: 1 }]], { fluent_signal: 1, chunk: 'm' }]));
    await c.send(encode(['logs', [[T, { l: 1 }]], { fluent_signal: 0 }]));
    await waitFor(() => d.events().length === 1, 'the log event');
    await c.waitReceived(1);
    assert.deepEqual(decode(c.received), { ack: 'm' });
    assert.equal(d.events()[0]!.tag, 'logs');
    assert.equal(d.instance.stats.nonLogSignals, 1);
  } finally {
    c.close();
    await d.shutdown();
  }
});
