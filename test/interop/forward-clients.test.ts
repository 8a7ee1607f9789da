// Real, independent clients → our in_forward: Debian's python3-fluent-logger (run with
// /usr/bin/python3, which sees Debian's packages) and npm's fluent-logger (Message,
// PackedForward, CompressedPackedForward, requireAckResponse, shared_key + user handshake,
// TLS). Every record must arrive exactly once with the right tag and time.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import fluentLogger from 'fluent-logger';
import { selfSignedCert } from '../helpers/tls.js';
import { startForward, waitFor } from '../plugins/in_forward.support.js';

const PY = '/usr/bin/python3';
const hasPythonLogger = (() => {
  try {
    return fs.existsSync(PY) && fs.existsSync('/usr/lib/python3/dist-packages/fluent/sender.py');
  } catch {
    return false;
  }
})();

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const PY_SCRIPT = `
import sys, time
from fluent import sender, event
port = int(sys.argv[1])
s = sender.FluentSender('py', host='127.0.0.1', port=port)
for i in range(100):
    assert s.emit_with_time('plain', 1700000000 + i, {'i': i, 'msg': 'hello'}), s.last_error
ns = sender.FluentSender('pyns', host='127.0.0.1', port=port, nanosecond_precision=True)
assert ns.emit_with_time('nano', 1700000000.25, {'i': 'ns', 'bin': b'\\x00\\xffbytes'}), ns.last_error
sender.setup('pyev', host='127.0.0.1', port=port)
event.Event('follow', {'from': 'userA', 'to': 'userB'}, time=1700000123)
# A float time is sent as a msgpack float: Fluentd >= 1.19 drops it (skip_invalid_event true).
assert s.emit_with_time('float', 1700000000.5, {'dropped': True}), s.last_error
s.close(); ns.close(); sender.close()
print('sent')
`;

test('python3-fluent-logger: sender, nanosecond EventTime, event API', {
  skip: !hasPythonLogger && 'python3-fluent-logger not installed',
}, async () => {
  const { d, port } = await startForward();
  try {
    const out = await run(PY, ['-c', PY_SCRIPT, String(port)]);
    assert.match(out, /sent/);
    await waitFor(() => d.events().length >= 102 && d.instance.stats.invalidEvents >= 1, 'all python events');
    const ev = d.events();
    const plain = ev.filter((e) => e.tag === 'py.plain');
    assert.equal(plain.length, 100);
    assert.deepEqual(
      plain.map((e) => e.record.i),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.ok(plain.every((e, i) => e.sec === 1700000000 + i && e.nsec === 0));
    const nano = ev.filter((e) => e.tag === 'pyns.nano');
    assert.equal(nano.length, 1);
    assert.equal(nano[0]!.sec, 1700000000);
    assert.equal(nano[0]!.nsec, 250000000);
    assert.deepEqual([...(nano[0]!.record.bin as Uint8Array)], [0, 0xff, ...Buffer.from('bytes')]);
    const follow = ev.filter((e) => e.tag === 'pyev.follow');
    assert.deepEqual(follow[0]?.record, { from: 'userA', to: 'userB' });
    assert.equal(follow[0]?.sec, 1700000123);
    assert.equal(ev.filter((e) => e.tag === 'py.float').length, 0);
    assert.equal(d.instance.stats.invalidEvents, 1);
    assert.equal(ev.length, 102);
  } finally {
    await d.shutdown();
  }
});

type Sender = ReturnType<typeof fluentLogger.createFluentSender>;

function emitAcked(s: Sender, label: string, rec: Record<string, unknown>, time?: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    // The typings miss the EventTime and callback overloads.
    const emit = s.emit as unknown as (...args: unknown[]) => void;
    const cb = (err: Error | undefined) => (err ? reject(err) : resolve());
    if (time === undefined) emit.call(s, label, rec, cb);
    else emit.call(s, label, rec, time, cb);
  });
}

function endSender(s: Sender): Promise<void> {
  return new Promise((resolve) => {
    s.end(undefined as unknown as string, undefined as unknown as object, () => resolve());
  });
}

for (const eventMode of ['Message', 'PackedForward', 'CompressedPackedForward'] as const) {
  test(`npm fluent-logger ${eventMode} with requireAckResponse`, async () => {
    const { d, port } = await startForward();
    const s = fluentLogger.createFluentSender('node', {
      host: '127.0.0.1',
      port,
      eventMode,
      requireAckResponse: true,
      ackResponseTimeout: 10_000,
      flushInterval: 5,
      internalLogger: { info() {}, error() {} } as unknown as Console,
    } as never);
    try {
      const sends: Promise<void>[] = [];
      const et = new (fluentLogger.EventTime as unknown as new (s: number, n: number) => object)(
        1700000000,
        42,
      );
      for (let i = 0; i < 50; i++) sends.push(emitAcked(s, 'ev', { i }, i % 2 ? et : 1700000000 + i));
      await Promise.all(sends);
      assert.equal(d.instance.stats.acks > 0, true, 'acks were sent');
      const ev = d.events();
      assert.equal(ev.length, 50);
      assert.ok(ev.every((e) => e.tag === 'node.ev'));
      const byI = new Map(ev.map((e) => [e.record.i as number, e]));
      assert.equal(byI.size, 50);
      for (let i = 0; i < 50; i++) {
        const e = byI.get(i)!;
        if (i % 2) assert.deepEqual([e.sec, e.nsec], [1700000000, 42]);
        else assert.deepEqual([e.sec, e.nsec], [1700000000 + i, 0]);
      }
      if (eventMode !== 'Message') assert.ok(d.emitCount() < 50, 'batched');
    } finally {
      await endSender(s);
      await d.shutdown();
    }
  });
}

test('npm fluent-logger with <security> shared_key and user_auth; a wrong key is refused', {
  timeout: 20_000,
}, async () => {
  const sec = `<security>
  self_hostname server.test
  shared_key s3cret
  user_auth true
  <user>
    username alice
    password pw1
  </user>
</security>`;
  const { d, port } = await startForward(sec);
  const mk = (sharedKey: string, password: string) =>
    fluentLogger.createFluentSender('sec', {
      host: '127.0.0.1',
      port,
      requireAckResponse: true,
      ackResponseTimeout: 5000,
      enableReconnect: false,
      security: { clientHostname: 'client.test', sharedKey, username: 'alice', password },
      internalLogger: { info() {}, error() {} } as unknown as Console,
    } as never);
  const good = mk('s3cret', 'pw1');
  try {
    for (let i = 0; i < 5; i++) await emitAcked(good, 'ok', { i });
    assert.equal(d.events().length, 5);
    for (const [key, pw, reason] of [
      ['wrong', 'pw1', 'shared_key mismatch'],
      ['s3cret', 'bad', 'username/password mismatch'],
    ] as const) {
      const bad = mk(key, pw);
      // fluent-logger reports a refused handshake as an 'error' event (the emit callback never fires).
      const refused = new Promise<string>((resolve) =>
        (bad as unknown as NodeJS.EventEmitter).on('error', (e: Error) => resolve(e.message)),
      );
      void emitAcked(bad, 'no', { x: 1 }).catch(() => {});
      assert.match(await refused, new RegExp(reason));
      await waitFor(() => d.logs().some((l) => l.includes(reason)), `log line '${reason}'`);
      await endSender(bad);
    }
    assert.equal(d.events().length, 5);
  } finally {
    await endSender(good);
    await d.shutdown();
  }
});

test('npm fluent-logger over <transport tls> (certificate made with openssl)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fwd-tls-'));
  try {
    const made = selfSignedCert(dir);
    if (!made) {
      t.skip('openssl unavailable');
      return;
    }
    const { key, cert } = made;
    const { d, port } = await startForward(
      `<transport tls>\n  cert_path ${cert}\n  private_key_path ${key}\n  version TLSv1_2\n</transport>`,
    );
    const s = fluentLogger.createFluentSender('tls', {
      host: '127.0.0.1',
      port,
      tls: true,
      tlsOptions: { ca: fs.readFileSync(cert), servername: 'localhost' },
      requireAckResponse: true,
      ackResponseTimeout: 5000,
      internalLogger: { info() {}, error() {} } as unknown as Console,
    } as never);
    try {
      for (let i = 0; i < 3; i++) await emitAcked(s, 'x', { i });
      assert.deepEqual(
        d.events().map((e) => [e.tag, e.record.i]),
        [
          ['tls.x', 0],
          ['tls.x', 1],
          ['tls.x', 2],
        ],
      );
    } finally {
      await endSender(s);
      await d.shutdown();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
