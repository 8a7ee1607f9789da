// `<buffer> compress gzip` (gzip members, plain read(), stored readCompressed(), resume with a
// torn member) and `time_as_integer`.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as zlib from 'node:zlib';
import { decodeEntries } from '../../../src/buffer/chunk.js';
import type { FileStore } from '../../../src/buffer/file-store.js';
import { crc32, wholeMembers } from '../../../src/buffer/gzip.js';
import { EventTime } from '../../../src/core/event-time.js';
import { decodeMultiple, packr } from '../../../src/core/msgpack.js';
import { FileOutput } from '../../../src/plugins/out_file.js';
import { captureLogger, makeOutput, ScriptedOutput, stream, waitFor } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-compress-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ns = (b: Buffer) => decodeEntries(b).records.map((r) => r.n as number);
const range = (a: number, b: number) => [...Array(b - a).keys()].map((i) => a + i);

test('wholeMembers keeps whole, CRC-checked members and cuts torn or garbage tails', () => {
  const a = zlib.gzipSync(Buffer.from('first '.repeat(50)));
  const b = zlib.gzipSync(Buffer.from('second'));
  const ab = Buffer.concat([a, b]);
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.deepEqual(wholeMembers(ab).valid, ab.length);
  assert.equal(wholeMembers(ab).data.toString(), `${'first '.repeat(50)}second`);
  for (const tail of [b.subarray(0, 12), Buffer.alloc(7), Buffer.from([0x1f])]) {
    const m = wholeMembers(Buffer.concat([ab, tail]));
    assert.equal(m.valid, ab.length, `tail ${tail.toString('hex')}`);
  }
  // zeros between members: Node's gunzip would silently drop everything after them
  assert.equal(wholeMembers(Buffer.concat([a, Buffer.alloc(4), b])).valid, a.length);
  const bad = Buffer.from(ab);
  bad[a.length + b.length - 6] ^= 0xff; // CRC of the second member
  assert.equal(wholeMembers(bad).valid, a.length);
  assert.equal(wholeMembers(Buffer.from('not gzip')).valid, 0);
});

test('memory buffer compress gzip: stored as gzip members, write() reads plain events', async () => {
  const o = makeOutput(ScriptedOutput, '<buffer>\ncompress gzip\nflush_mode lazy\n</buffer>');
  await o.start();
  o.emit('t', stream(5));
  o.emit('t', stream(5, 5));
  const c = o.runner.buffer!.stage.values().next().value!;
  assert.equal(c.compress, 'gzip');
  const stored = await c.readCompressed();
  assert.deepEqual([stored[0], stored[1]], [0x1f, 0x8b]);
  const plain = await c.read();
  assert.ok(zlib.gunzipSync(stored).equals(plain));
  assert.equal(c.bytesize, plain.length, 'bytesize counts plain bytes');
  await o.flushAll();
  assert.deepEqual(
    o.writtenRecords().map((r) => r.n),
    range(0, 10),
  );
  await o.shutdown();
});

test('file buffer compress gzip: gzip data files, torn member cut on resume, appends continue', async () => {
  const dir = path.join(tmp, 'file');
  const conf = `<buffer>\n@type file\npath ${dir}\ncompress gzip\nflush_mode lazy\nretry_wait 1h\n</buffer>`;
  const o1 = makeOutput(ScriptedOutput, conf);
  await o1.start();
  await o1.emit('t', stream(4));
  await o1.emit('t', stream(4, 4));
  const writer = (o1.runner as unknown as { storage: FileStore }).storage.writer;
  assert.equal(writer.rounds, 2, 'two durable rounds, two members');
  await o1.shutdown(); // file buffer: the staged chunk stays on disk
  const data = fs.readdirSync(dir).find((n) => n.endsWith('.log'))!;
  const file = path.join(dir, data);
  const onDisk = fs.readFileSync(file);
  assert.deepEqual(ns(zlib.gunzipSync(onDisk)), range(0, 8), 'zcat reads the chunk file');
  // a crash in the middle of a third round: part of a member
  const torn = zlib.gzipSync(packr.pack([new EventTime(1, 0), { n: 99 }])).subarray(0, 15);
  fs.appendFileSync(file, torn);

  const { log, lines } = captureLogger();
  const o2 = makeOutput(ScriptedOutput, conf, { log });
  await o2.start();
  assert.ok(lines.some((l) => l.includes('truncated a torn tail') && l.includes('torn_bytes=15')));
  assert.equal(fs.statSync(file).size, onDisk.length);
  assert.equal(o2.stats()!.buffered_records, 8);
  await o2.emit('t', stream(2, 8)); // appends to the resumed staged chunk
  await o2.flushAll();
  assert.deepEqual(
    o2.writtenRecords().map((r) => r.n),
    range(0, 10),
  );
  await o2.shutdown();
});

test('chunks keep their own compression when the setting changes between runs', async () => {
  const dir = path.join(tmp, 'switch');
  const conf = (c: string) => `<buffer>\n@type file\npath ${dir}\ncompress ${c}\nflush_mode lazy\n</buffer>`;
  const o1 = makeOutput(ScriptedOutput, conf('text'));
  await o1.start();
  await o1.emit('a', stream(3));
  await o1.shutdown();
  const o2 = makeOutput(ScriptedOutput, conf('gzip'));
  await o2.start();
  const resumed = o2.runner.buffer!.stage.values().next().value!;
  assert.equal(resumed.compress, 'text');
  await o2.emit('b', stream(3, 3)); // another tag key? no: same chunk, still text
  await o2.shutdown();
  const o3 = makeOutput(ScriptedOutput, conf('text'));
  await o3.start();
  await o3.flushAll();
  assert.deepEqual(
    o3.writtenRecords().map((r) => r.n),
    range(0, 6),
  );
  await o3.shutdown();
});

test('out_file compress gzip over a gzip buffer writes the stored members; recompress makes one', async () => {
  const run = async (name: string, extra: string) => {
    const p = path.join(tmp, name, 'out');
    const o = makeOutput(
      FileOutput,
      `path ${p}\ncompress gzip\n${extra}<buffer>\n@type memory\ncompress gzip\n</buffer>\n<format>\n@type json\n</format>`,
    );
    await o.start();
    o.emit('t', stream(2));
    const chunk = o.runner.buffer!.stage.values().next().value!;
    await chunk.readCompressed(); // the first member is made
    o.emit('t', stream(1, 2));
    const stored = await chunk.readCompressed();
    assert.equal(wholeMembers(stored.subarray(0, stored.length - 1)).valid > 0, true, 'two members');
    await o.flushAll();
    await o.shutdown();
    const dir = path.dirname(p);
    const f = fs.readdirSync(dir).find((n) => n.endsWith('.gz'))!;
    return { got: fs.readFileSync(path.join(dir, f)), stored };
  };
  const a = await run('asis', '');
  assert.ok(a.got.equals(a.stored));
  assert.equal(
    zlib.gunzipSync(a.got).toString(),
    '{"n":0,"msg":"record 0"}\n{"n":1,"msg":"record 1"}\n{"n":2,"msg":"record 2"}\n',
  );
  const b = await run('re', 'recompress true\n');
  assert.equal(wholeMembers(b.got).data.toString(), zlib.gunzipSync(a.got).toString());
  assert.ok(!b.got.equals(b.stored), 'a single fresh member');
});

test('time_as_integer: default-format chunks hold integer times (packed bytes are not reused)', async () => {
  const o = makeOutput(ScriptedOutput, 'time_as_integer true\n<buffer>\nflush_mode lazy\n</buffer>');
  await o.start();
  const es = stream(2);
  es.packed = Buffer.concat(es.records.map((r, i) => packr.pack([new EventTime(es.secs[i]!, 5), r])));
  o.emit('t', es);
  const bytes = await o.runner.buffer!.stage.values().next().value!.read();
  const entries = [...decodeMultiple(bytes)] as [unknown, unknown][];
  assert.deepEqual(
    entries.map((e) => e[0]),
    [1_700_000_000, 1_700_000_000],
  );
  await o.flushAll();
  await waitFor(() => o.written.length === 1);
  assert.equal(o.element.used.has('time_as_integer'), true);
  await o.shutdown();
});
