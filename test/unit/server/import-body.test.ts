import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { EventTime } from '../../../src/core/event-time.js';
import { encode } from '../../../src/core/msgpack.js';
import {
  decodeImportBody,
  encodeImportBody,
  forEachRecord,
  gunzipBounded,
  ImportBodyError,
} from '../../../src/td/import-body.js';
import { scanRecords } from '../../../src/td/msgpack-scan.js';

const limits = { maxDecompressedBytes: 1 << 20 };

async function problemOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ImportBodyError, String(e));
    return e.problem;
  }
  return 'none';
}

test('encodeImportBody round-trips: gzip of concatenated msgpack maps', async () => {
  const recs = [
    { time: 1, a: 'x', n: 1.5, nested: { k: [1, 2] } },
    { time: 2, b: null, t: new EventTime(5, 6) },
  ];
  const body = await encodeImportBody(recs);
  assert.equal(body[0], 0x1f);
  assert.equal(body[1], 0x8b);
  const raw = zlib.gunzipSync(body);
  assert.deepEqual(raw, Buffer.concat(recs.map((r) => encode(r))));
  const back = await decodeImportBody(body, limits);
  assert.equal(back.length, 2);
  assert.deepEqual(back[0], recs[0]);
  assert.ok(back[1]!.t instanceof EventTime);
});

test('several gzip members and an empty body decode', async () => {
  const a = await encodeImportBody([{ time: 1 }]);
  const b = await encodeImportBody([{ time: 2 }, { time: 3 }]);
  assert.equal((await decodeImportBody(Buffer.concat([a, b]), limits)).length, 3);
  assert.equal((await decodeImportBody(zlib.gzipSync(Buffer.alloc(0)), limits)).length, 0);
});

test('hostile bodies are refused with a problem code', async () => {
  const good = await encodeImportBody([{ time: 1, a: 'x' }]);
  assert.equal(await problemOf(decodeImportBody(Buffer.from('plain text'), limits)), 'not_gzip');
  assert.equal(
    await problemOf(decodeImportBody(good.subarray(0, good.length - 6), limits)),
    'truncated_gzip',
  );
  const flipped = Buffer.from(good);
  flipped[flipped.length - 6]! ^= 0xff; // CRC
  assert.equal(await problemOf(decodeImportBody(flipped, limits)), 'bad_gzip');
  assert.equal(await problemOf(decodeImportBody(zlib.gzipSync('hello world'), limits)), 'not_a_map');
  assert.equal(await problemOf(decodeImportBody(zlib.gzipSync(encode([1, 2])), limits)), 'not_a_map');
  assert.equal(
    await problemOf(decodeImportBody(zlib.gzipSync(Buffer.from([0x81, 0x01, 0x02])), limits)),
    'bad_key',
  );
  // str32 claiming 4 GiB, array32 claiming 30M items: refused before any allocation
  const str32 = Buffer.from([0x81, 0xa1, 0x61, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x41]);
  assert.equal(await problemOf(decodeImportBody(zlib.gzipSync(str32), limits)), 'truncated');
  const arr32 = Buffer.from([0x81, 0xa1, 0x61, 0xdd, 0x01, 0xc9, 0xc3, 0x80, 0x00]);
  assert.equal(await problemOf(decodeImportBody(zlib.gzipSync(arr32), limits)), 'truncated');
  const deep = Buffer.concat([
    Buffer.from([0x81, 0xa1, 0x61]),
    Buffer.alloc(50_000, 0x91),
    Buffer.from([0xc0]),
  ]);
  assert.equal(await problemOf(decodeImportBody(zlib.gzipSync(deep), limits)), 'too_deep');
  assert.equal(
    await problemOf(decodeImportBody(zlib.gzipSync(Buffer.from([0x81, 0xa1, 0x61, 0xc1])), limits)),
    'invalid',
  );
  const partial = encode({ time: 1, a: 'abcdef' }).subarray(0, 8);
  assert.equal(await problemOf(decodeImportBody(zlib.gzipSync(partial), limits)), 'truncated');
});

test('a gzip bomb stops at the decompressed limit without inflating it all', async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(64 << 20)); // 64 MiB of zeros, ~64 KiB compressed
  assert.ok(bomb.length < 100_000);
  const err = await gunzipBounded(bomb, 1 << 20).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ImportBodyError && err.tooLarge, String(err));
});

test('scanRecords counts records and reports where a body goes wrong', () => {
  const two = Buffer.concat([encode({ time: 1 }), encode({ time: 2, x: [1, { y: 'z' }] })]);
  assert.deepEqual(scanRecords(two), { records: 2 });
  const bad = Buffer.concat([two, Buffer.from([0x92, 0x01])]);
  const r = scanRecords(bad);
  assert.equal(r.records, 2);
  assert.equal(r.problem, 'not_a_map');
  assert.equal(r.offset, two.length);
});

test('forEachRecord calls back in order and reports the count first', () => {
  const seen: unknown[] = [];
  let counted = -1;
  const n = forEachRecord(
    Buffer.concat([encode({ time: 1 }), encode({ time: 2 })]),
    (r, i) => seen.push([i, r.time]),
    100,
    (c) => {
      counted = c;
    },
  );
  assert.equal(n, 2);
  assert.equal(counted, 2);
  assert.deepEqual(seen, [
    [0, 1],
    [1, 2],
  ]);
});
