// fluent-cat as a real process against our in_forward (and a raw unix-socket reader).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { EventTime } from '../../src/core/event-time.js';
import { decode, decodeMultiple, encode } from '../../src/core/msgpack.js';
import { startForward, waitFor } from '../plugins/in_forward.support.js';

const CAT = path.resolve(import.meta.dirname, '../../src/cli/fluent-cat.js');

function cat(
  args: string[],
  input: Buffer | string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CAT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
    p.stdin.end(input);
  });
}

test('json lines (default), --ack, -p/-h', async () => {
  const { d, port } = await startForward();
  try {
    const r = await cat(
      ['-p', String(port), '-h', '127.0.0.1', '--ack', 'debug.test'],
      '{"a":1}\n{"b":"two"}\n\n',
    );
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      d.events().map((e) => [e.tag, e.record]),
      [
        ['debug.test', { a: 1 }],
        ['debug.test', { b: 'two' }],
      ],
    );
    assert.ok(d.events()[0]!.sec >= Math.floor(Date.now() / 1000) - 30);
  } finally {
    await d.shutdown();
  }
});

test('--none with --message-key, --event-time and --time-as-integer', async () => {
  const { d, port } = await startForward();
  try {
    const r = await cat(
      [
        '-p',
        String(port),
        '--none',
        '--message-key',
        'log',
        '--event-time',
        '2023-11-14 22:13:20.5 +0000',
        '--time-as-integer',
        'raw',
      ],
      'hello world\nsecond line\n',
    );
    assert.equal(r.code, 0, r.err);
    await waitFor(() => d.events().length === 2, 'the events');
    assert.deepEqual(
      d.events().map((e) => [e.tag, e.sec, e.nsec, e.record]),
      [
        ['raw', 1700000000, 0, { log: 'hello world' }],
        ['raw', 1700000000, 0, { log: 'second line' }],
      ],
    );
  } finally {
    await d.shutdown();
  }
});

test('--msgpack: maps and secondary-file records [EventTime, map]', async () => {
  const { d, port } = await startForward();
  try {
    const input = Buffer.concat([encode({ m: 1 }), encode([new EventTime(1, 0), { m: 2 }])]);
    const r = await cat(
      ['-p', String(port), '--msgpack', '--event-time', '2023-11-14T22:13:20Z', 'mp'],
      input,
    );
    assert.equal(r.code, 0, r.err);
    await waitFor(() => d.events().length === 2, 'the events');
    assert.deepEqual(
      d.events().map((e) => [e.sec, e.record]),
      [
        [1700000000, { m: 1 }],
        [1700000000, { m: 2 }],
      ],
    );
  } finally {
    await d.shutdown();
  }
});

test('a non-map input is an error (exit 1)', async () => {
  const { d, port } = await startForward();
  try {
    const r = await cat(['-p', String(port), 't'], '[1,2]\n');
    assert.equal(r.code, 1);
    assert.match(r.err, /Input must be a map \(got Array\)/);
  } finally {
    await d.shutdown();
  }
});

test('undeliverable records are printed as !time:json after --retry-limit, exit 1', async () => {
  const probe = net.createServer();
  const port = await new Promise<number>((r) =>
    probe.listen(0, '127.0.0.1', () => r((probe.address() as net.AddressInfo).port)),
  );
  await new Promise((r) => probe.close(r));
  const r = await cat(
    ['-p', String(port), '--retry-limit', '0', '--event-time', '2023-11-14T22:13:20Z', 't'],
    '{"x":1}\n',
  );
  assert.equal(r.code, 1);
  assert.equal(r.out, '!1700000000:{"x":1}\n');
  assert.match(r.err, /connect failed/);
});

test('-u/-s: unix socket', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcat-'));
  const sock = path.join(dir, 'fluent.sock');
  const got: Buffer[] = [];
  const server = net.createServer((s) => s.on('data', (d) => got.push(d)));
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    const r = await cat(['-u', '-s', sock, 'unix.tag'], '{"u":1}\n');
    assert.equal(r.code, 0, r.err);
    await waitFor(() => got.length > 0, 'bytes on the unix socket');
    const req = decode(Buffer.concat(got)) as [string, Uint8Array, Record<string, unknown>];
    assert.equal(req[0], 'unix.tag');
    const entries = decodeMultiple(req[1]) as [EventTime, Record<string, unknown>][];
    assert.deepEqual(entries[0]![1], { u: 1 });
    assert.ok(entries[0]![0] instanceof EventTime);
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--help shows each default once, in Fluentd wording', async () => {
  const r = await cat(['--help'], '');
  assert.equal(r.code, 0);
  assert.match(r.out, /-p, --port <port> +fluent tcp port \(default: 24224\)\n/);
  assert.match(r.out, /--retry-limit <n> +Specify the number of retry limit \(default: 5\)\n/);
  assert.doesNotMatch(r.out, /\(default: [^)]*\) \(default:/);
});
