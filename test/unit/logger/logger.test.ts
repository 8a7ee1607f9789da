import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { decode, encode } from '../../../src/core/msgpack.js';
import { type DropInfo, EventTime, FluentLogger } from '../../../src/logger/index.js';
import { MsgpackScanner } from '../../../src/plugins/in_forward/msgpack-scanner.js';
import { startForward, waitFor } from '../../plugins/in_forward.support.js';

const quiet = { onError: () => {}, flushOnExit: false };

test('emit → in_forward: tag prefix, EventTime nanoseconds, integer times, one PackedForward per tag', async () => {
  const { d, port } = await startForward();
  const log = new FluentLogger({ port, tagPrefix: 'app', ...quiet });
  try {
    log.emit('a', { n: 1 }, new EventTime(1700000000, 5));
    log.emit('a', { n: 2 }, 1700000001.5);
    log.emit('b', { n: 3 }, new Date(1700000002000));
    await log.flush();
    await waitFor(() => d.events().length === 3, '3 events');
    assert.deepEqual(
      d.events().map((e) => [e.tag, e.sec, e.nsec, e.record.n]),
      [
        ['app.a', 1700000000, 5, 1],
        ['app.a', 1700000001, 500000000, 2],
        ['app.b', 1700000002, 0, 3],
      ],
    );
    assert.equal(d.emitCount(), 2);
    assert.equal(log.stats.sent, 3);
  } finally {
    await log.close();
    await d.shutdown();
  }
});

test('requireAck: flush resolves only after the server acked (after durable)', async () => {
  const { d, port } = await startForward();
  let release!: () => void;
  d.emitter.durableGate = new Promise<void>((r) => {
    release = r;
  });
  const log = new FluentLogger({ port, requireAck: true, timeAsInteger: true, ...quiet });
  try {
    log.emit('ack.t', { x: 1 });
    let flushed = false;
    const f = log.flush().then(() => {
      flushed = true;
    });
    await waitFor(() => d.events().length === 1, 'the event at the server');
    assert.equal(flushed, false);
    assert.equal(log.stats.acked, 0);
    release();
    await f;
    assert.equal(log.stats.acked, 1);
    assert.equal(d.events()[0]!.nsec, 0);
  } finally {
    await log.close();
    await d.shutdown();
  }
});

/** A server that swallows the first request without an ack and closes, then acks the rest. */
function flakyServer(): Promise<{ server: net.Server; port: number; requests: unknown[] }> {
  const requests: unknown[] = [];
  let conns = 0;
  const server = net.createServer((sock) => {
    const first = conns++ === 0;
    let buf = Buffer.alloc(0);
    const sc = new MsgpackScanner();
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const n = sc.scan(buf, 0, buf.length);
        if (n < 0) return;
        const req = decode(buf.subarray(0, n)) as unknown[];
        buf = buf.subarray(n);
        requests.push(req);
        if (first) {
          sock.destroy();
          return;
        }
        sock.write(encode({ ack: (req[2] as { chunk: string }).chunk }));
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as net.AddressInfo).port, requests }),
    ),
  );
}

test('a batch whose connection dies before the ack is sent again (at-least-once)', async () => {
  const { server, port, requests } = await flakyServer();
  const log = new FluentLogger({ port, requireAck: true, reconnectInitialMs: 10, ...quiet });
  try {
    log.emit('r', { i: 1 });
    log.emit('r', { i: 2 });
    await log.flush();
    assert.equal(requests.length, 2);
    const [a, b] = requests as [string, Uint8Array, Record<string, unknown>][];
    assert.equal(a![0], 'r');
    assert.equal(b![0], 'r');
    assert.ok(Buffer.from(a![1]).equals(Buffer.from(b![1])), 'the same entries were sent again');
    assert.equal(log.stats.acked, 2);
    assert.equal(log.stats.reconnects, 1);
  } finally {
    await log.close();
    server.close();
  }
});

test('reconnects with backoff until the server appears', async () => {
  const probe = net.createServer();
  const port = await new Promise<number>((r) =>
    probe.listen(0, '127.0.0.1', () => r((probe.address() as net.AddressInfo).port)),
  );
  await new Promise((r) => probe.close(r));
  const log = new FluentLogger({ port, reconnectInitialMs: 20, reconnectMaxMs: 100, ...quiet });
  log.emit('late', { ok: true });
  await waitFor(() => log.stats.reconnects >= 2, 'failed attempts');
  const { ForwardInput } = await import('../../../src/plugins/in_forward/index.js');
  const { InputTestDriver } = await import('../../../src/test-driver/index.js');
  const d = new InputTestDriver(ForwardInput, `port ${port}\nbind 127.0.0.1`);
  await d.start();
  try {
    await log.flush();
    await waitFor(() => d.events().length === 1, 'the event');
  } finally {
    await log.close();
    await d.shutdown();
  }
});

test('bounded queue: drops what does not fit and says so; close() reports what it could not send', async () => {
  const drops: DropInfo[] = [];
  const log = new FluentLogger({
    port: 1, // nothing listens there
    maxQueueBytes: 200,
    closeTimeoutMs: 50,
    reconnectInitialMs: 10_000,
    onDrop: (i) => drops.push(i),
    ...quiet,
  });
  let accepted = 0;
  for (let i = 0; i < 20; i++) if (log.emit('q', { i, pad: 'xxxxxxxxxx' })) accepted++;
  assert.ok(accepted > 0 && accepted < 20);
  assert.equal(log.stats.dropped, 20 - accepted);
  assert.ok(drops.every((d) => d.reason === 'queue full'));
  await log.close();
  const closed = drops.filter((d) => d.reason === 'closed');
  assert.equal(
    closed.reduce((n, d) => n + d.count, 0),
    accepted,
  );
  assert.deepEqual((decode(closed[0]!.entries[0]!) as unknown[])[1], { i: 0, pad: 'xxxxxxxxxx' });
  assert.equal(log.emit('q', { late: 1 }), false);
});

test('shared_key handshake with our in_forward; a wrong key is reported and nothing is delivered', async () => {
  const { d, port } = await startForward('<security>\n  self_hostname srv\n  shared_key k1\n</security>');
  const log = new FluentLogger({
    port,
    requireAck: true,
    security: { selfHostname: 'cli', sharedKey: 'k1' },
    ...quiet,
  });
  const errors: Error[] = [];
  const bad = new FluentLogger({
    port,
    security: { selfHostname: 'cli', sharedKey: 'nope' },
    maxRetries: 0,
    onError: (e) => errors.push(e),
    onDrop: () => {},
    flushOnExit: false,
  });
  try {
    log.emit('s', { ok: 1 });
    await log.flush();
    assert.equal(log.stats.acked, 1);
    bad.emit('s', { ok: 0 });
    await bad.flush();
    assert.match(String(errors[0]?.message), /shared_key mismatch/);
    assert.equal(bad.stats.dropped, 1);
    assert.equal(d.events().length, 1);
  } finally {
    await log.close();
    await bad.close();
    await d.shutdown();
  }
});

test('flush on exit: a script that emits and just ends delivers its events', async () => {
  const { d, port } = await startForward();
  try {
    const lib = path.resolve(import.meta.dirname, '../../../src/logger/index.js');
    const script = `import { FluentLogger } from ${JSON.stringify(lib)};
const log = new FluentLogger({ port: ${port}, requireAck: true });
for (let i = 0; i < 100; i++) log.emit('exit', { i });`;
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    assert.equal(d.events().length, 100);
  } finally {
    await d.shutdown();
  }
});
