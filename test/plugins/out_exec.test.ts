// out_exec with real commands (/bin/sh, cat): the chunk arrives as a file, exit status decides.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { decodeMultiple } from '../../src/core/msgpack.js';
import { ExecOutput } from '../../src/plugins/out_exec.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';
import { waitFor } from '../helpers/proc.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-outexec-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// 2024-01-02T03:04:05Z
const T = 1704164645;
let n = 0;

const BUFFER =
  '<buffer>\n@type memory\nflush_mode interval\nflush_interval 1h\nretry_wait 0.05\nretry_randomize false\n</buffer>';

function driver(command: string, extra: string): { d: OutputTestDriver<ExecOutput>; dir: string } {
  const dir = path.join(tmp, String(++n));
  fs.mkdirSync(dir);
  const d = new OutputTestDriver(
    ExecOutput,
    `command ${command.replaceAll('DIR', dir)}\n${extra}\n${BUFFER}`,
  );
  d.time = { sec: T, nsec: 0 };
  return { d, dir };
}

const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');

test('tsv (default) with keys and <inject> (time as a UTC string): the command gets the chunk as a file', async () => {
  // $1 is the file: keep its path, copy its content.
  const { d, dir } = driver(
    `sh -c 'echo "$1" >> DIR/paths; cat "$1" >> DIR/out' sh`,
    '<format>\nkeys a,b,time,tag\n</format>\n<inject>\ntime_key time\ntag_key tag\n</inject>',
  );
  await d.feed('app.x', [
    { a: 1, b: 'x' },
    { a: 2, b: null },
  ]);
  await d.instance.flushAll();
  assert.equal(
    read(path.join(dir, 'out')),
    '1\tx\t2024-01-02T03:04:05Z\tapp.x\n2\t\t2024-01-02T03:04:05Z\tapp.x\n',
  );
  const files = read(path.join(dir, 'paths')).trim().split('\n');
  assert.equal(files.length, 1);
  assert.ok(!fs.existsSync(files[0]!), 'the temp file is removed after the command');
  await d.shutdown();
  assert.ok(!fs.existsSync(path.dirname(files[0]!)), 'the temp directory is removed at shutdown');
});

test('json without add_newline still writes one record per line; msgpack writes bare maps', async () => {
  const j = driver('cat >> DIR/out', '<format>\n@type json\nadd_newline false\n</format>');
  await j.d.feed('t', [{ a: 1 }, { b: 'two' }]);
  await j.d.instance.flushAll();
  assert.equal(read(path.join(j.dir, 'out')), '{"a":1}\n{"b":"two"}\n');
  await j.d.shutdown();

  const m = driver('cat >> DIR/out', '<format>\n@type msgpack\n</format>');
  await m.d.feed('t', [{ a: 1 }, { b: 'two' }]);
  await m.d.instance.flushAll();
  assert.deepEqual(decodeMultiple(fs.readFileSync(path.join(m.dir, 'out'))), [{ a: 1 }, { b: 'two' }]);
  await m.d.shutdown();
});

test('a non-zero exit is retried: the same chunk runs again and then commits', async () => {
  const { d, dir } = driver(
    `sh -c 'if [ -e DIR/marker ]; then cat "$1" >> DIR/out; else touch DIR/marker; exit 3; fi' sh`,
    '<format>\n@type single_value\nmessage_key m\n</format>',
  );
  await d.feed('t', [{ m: 'hello' }]);
  await d.instance.flushAll();
  await waitFor(
    () => d.logs().some((l) => /retry succeeded/.test(l)),
    'the retried command to succeed',
    10_000,
  );
  assert.equal(read(path.join(dir, 'out')), 'hello\n');
  assert.ok(d.logs().some((l) => /failed to flush the buffer/.test(l) && /exit status 3/.test(l)));
  await d.shutdown();
});

test('command_timeout kills a hanging command and the chunk is retried', async () => {
  const { d, dir } = driver(
    `sh -c 'if [ -e DIR/marker ]; then cat "$1" >> DIR/out; else touch DIR/marker; sleep 30; fi' sh`,
    'command_timeout 0.3\n<format>\n@type single_value\nmessage_key m\n</format>',
  );
  await d.feed('t', [{ m: 'late' }]);
  const t0 = Date.now();
  await d.instance.flushAll();
  await waitFor(() => read(path.join(dir, 'out')) !== '', 'the retry after the timeout', 10_000);
  assert.ok(Date.now() - t0 < 10_000);
  assert.ok(d.logs().some((l) => /timed out \(killed\)/.test(l)));
  await d.shutdown();
});

test('config errors: command required; the tsv default needs keys', () => {
  assert.throws(
    () => new OutputTestDriver(ExecOutput, '<format>\nkeys a\n</format>'),
    /'command' parameter is required/,
  );
  assert.throws(() => new OutputTestDriver(ExecOutput, 'command cat'), /'keys' parameter is required/);
  // v0.12 flat parameters are converted.
  const d = new OutputTestDriver(ExecOutput, 'command cat\nformat json\ninclude_tag_key true');
  assert.ok(d.element.children('format')[0]);
  assert.ok(d.element.children('inject')[0]);
});
