import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as zlib from 'node:zlib';
import { decodeEntries } from '../../src/buffer/chunk.js';
import { ConfigError } from '../../src/core/errors.js';
import {
  captureLogger,
  makeOutput,
  ScriptedOutput,
  stream,
  UnrecoverableError,
  waitFor,
} from '../unit/buffer/helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-secfile-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ns = (bytes: Buffer) => decodeEntries(bytes).records.map((r) => r.n as number);

test('secondary_file: unrecoverable chunks dumped as raw msgpack to dump.bin.0, .1, ...', async () => {
  const dir = path.join(tmp, 'plain');
  const { log, lines } = captureLogger();
  const o = makeOutput(ScriptedOutput, `<secondary>\n@type secondary_file\ndirectory ${dir}\n</secondary>`, {
    log,
  });
  o.behavior = () => new UnrecoverableError('the destination rejects this chunk');
  await o.start();
  o.emit('app.a', stream(3));
  await o.flushAll();
  o.emit('app.a', stream(2, 3));
  await o.flushAll();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['dump.bin.0', 'dump.bin.1']);
  assert.deepEqual(ns(fs.readFileSync(path.join(dir, 'dump.bin.0'))), [0, 1, 2]);
  assert.deepEqual(ns(fs.readFileSync(path.join(dir, 'dump.bin.1'))), [3, 4]);
  assert.ok(lines.some((l) => l.includes('Skip retry and flush chunk to secondary')));
  assert.ok(
    !lines.some((l) => l.includes('Use different plugin for secondary')),
    'no warning for secondary_file',
  );
  const s = o.stats()!;
  assert.equal(s.secondary_records, 5);
  assert.equal(s.emit_records, s.write_records + s.secondary_records + s.buffered_records);
  await o.shutdown();
});

test('secondary_file: append, gzip, ${chunk_id} and ${tag} placeholders; takes over after retries', async () => {
  const dir = path.join(tmp, 'gz');
  const o = makeOutput(
    ScriptedOutput,
    `<buffer tag>\nflush_mode lazy\nretry_max_times 2\nretry_randomize false\n</buffer>\n` +
      `<secondary>\n@type secondary_file\ndirectory ${dir}/\${tag}\nbasename \${chunk_id}\nappend true\ncompress gzip\n</secondary>`,
  );
  o.behavior = () => new Error('primary down');
  const clock = { now: 1000 };
  o.runner.now = () => clock.now;
  await o.start();
  o.emit('web.x', stream(4));
  const chunkId = o.runner.buffer!.stage.values().next().value!.idHex;
  await o.flushAll(); // first attempt fails: retry state
  for (let i = 0; o.stats()!.secondary_records === 0; i++) {
    assert.ok(i < 20, 'the secondary takes over');
    await waitFor(() => o.runner.inFlight === 0);
    clock.now = Math.max(clock.now, o.runner.retry?.next ?? clock.now);
    o.runner.tick();
    await waitFor(() => o.runner.inFlight === 0);
  }
  assert.equal(
    o.attempts.length,
    3,
    'first try and 2 retries on the primary (at 1 s, 2 s), then the secondary at 2.4 s',
  );
  assert.equal(clock.now, 1002.4);
  const file = path.join(dir, 'web.x', `${chunkId}.gz`);
  assert.deepEqual(ns(zlib.gunzipSync(fs.readFileSync(file))), [0, 1, 2, 3]);
  await o.shutdown();
});

test('secondary_file with a gzip buffer keeps the stored gzip members as they are', async () => {
  const dir = path.join(tmp, 'gzbuf');
  const o = makeOutput(
    ScriptedOutput,
    `<buffer>\ncompress gzip\n</buffer>\n<secondary>\n@type secondary_file\ndirectory ${dir}\ncompress gzip\n</secondary>`,
  );
  o.behavior = () => new UnrecoverableError('no');
  await o.start();
  o.emit('t', stream(2));
  o.emit('t', stream(2, 2));
  const chunk = o.runner.buffer!.stage.values().next().value!;
  const stored = await chunk.readCompressed();
  await o.flushAll();
  const got = fs.readFileSync(path.join(dir, 'dump.bin.0.gz'));
  assert.ok(got.equals(stored), 'the file is the chunk as stored');
  assert.deepEqual(ns(zlib.gunzipSync(got)), [0, 1, 2, 3]);
  await o.shutdown();
});

test('secondary_file: placeholders must be ones the primary chunk keys fill', () => {
  const bad = [
    ['basename ${tag}', /incompatible placeholder tag, remove tag placeholder/],
    ['basename dump.%Y%m%d', /remove time formats/],
    ['basename ${host}', /incompatible placeholder host, remove variable placeholder/],
    ['basename a/b', /basename should not include `\/`/],
  ] as const;
  for (const [line, re] of bad) {
    assert.throws(
      () =>
        makeOutput(
          ScriptedOutput,
          `<secondary>\n@type secondary_file\ndirectory ${tmp}\n${line}\n</secondary>`,
        ),
      (e: unknown) => e instanceof ConfigError && re.test(e.message),
      line,
    );
  }
  // with the keys in the primary's <buffer> they are fine
  makeOutput(
    ScriptedOutput,
    `<buffer tag,time,host>\ntimekey 1h\n</buffer>\n<secondary>\n@type secondary_file\ndirectory ${tmp}/%Y\nbasename \${tag[0]}.\${host}.\${chunk_id}\n</secondary>`,
  );
});
