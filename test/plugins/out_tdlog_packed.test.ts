// out_tdlog's undecoded path: PackedForward entries → import records (td/packed-records.ts)
// must give the same records as decoding and re-encoding, and step aside (undefined) for
// every shape it does not handle.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStream } from '../../src/core/event-stream.js';
import { EventTime } from '../../src/core/event-time.js';
import { decodeMultiple, encode } from '../../src/core/msgpack.js';
import { skipValue } from '../../src/core/msgpack-skip.js';
import { MAX_KEYS } from '../../src/plugins/out_tdlog.js';
import { entriesToImportRecords } from '../../src/td/packed-records.js';

type Rec = Record<string, unknown>;

function entries(times: unknown[], recs: Rec[]): Buffer {
  return Buffer.concat(recs.map((r, i) => encode([times[i], r])));
}

const sample: Rec[] = [
  { host: '192.168.0.1', method: 'GET', code: 200, size: 8919, seq: 0 },
  { empty: {} },
  {},
  {
    nested: { a: [1, 2, { b: null }], c: 'x'.repeat(300) },
    neg: -5,
    big: 2 ** 40,
    f: 1.5,
    t: true,
    bin: Buffer.from([1, 2, 3]),
    long: 'y'.repeat(70000),
  },
  Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
];

test('entries → records: same values as decode + re-encode, time appended', () => {
  const times = [new EventTime(1700000000, 5), new EventTime(0, 0), 100, new EventTime(200, 1), 70000];
  const out = entriesToImportRecords(entries(times, sample), sample.length, MAX_KEYS);
  assert.ok(out, 'handled without decoding');
  const got = decodeMultiple(out) as Rec[];
  const secs = [1700000000, 0, 100, 200, 70000];
  assert.deepEqual(
    got,
    sample.map((r, i) => ({ ...r, time: secs[i] })),
  );
  // `time` is the last key, as `{ ...record, time }` puts it
  assert.deepEqual(Object.keys(got[0]!), ['host', 'method', 'code', 'size', 'seq', 'time']);
});

test('entries → records: shapes left to the decoding path', () => {
  const t = new EventTime(1700000000, 0);
  const cases: [string, Buffer, number][] = [
    ['record with its own time', entries([t], [{ time: 1, a: 1 }]), 1],
    ['float time', entries([1.5], [{ a: 1 }]), 1],
    ['negative time', entries([-1], [{ a: 1 }]), 1],
    [
      'too many keys',
      entries([t], [Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, i]))]),
      1,
    ],
    ['not an entry', encode([t, { a: 1 }, 3]), 1],
    ['record not a map', encode([t, [1, 2]]), 1],
    ['count larger than the entries', entries([t], [{ a: 1 }]), 2],
    ['bytes after the entries', Buffer.concat([entries([t], [{ a: 1 }]), Buffer.from([0xc0])]), 1],
    ['truncated value', entries([t], [{ a: 'hello' }]).subarray(0, 18), 1],
  ];
  for (const [what, bytes, n] of cases) {
    assert.equal(entriesToImportRecords(bytes, n, MAX_KEYS), undefined, what);
  }
  // a repeated key (possible in msgpack, not in a JS object): 92 d7 00 <8> 82 a1 61 01 a1 61 02
  const dup = Buffer.concat([
    Buffer.from([0x92]),
    encode(t),
    Buffer.from([0x82, 0xa1, 0x61, 0x01, 0xa1, 0x61, 0x02]),
  ]);
  assert.equal(entriesToImportRecords(dup, 1, MAX_KEYS), undefined, 'repeated key');
  // a non-string key: 81 01 02
  const intKey = Buffer.concat([Buffer.from([0x92]), encode(t), Buffer.from([0x81, 0x01, 0x02])]);
  assert.equal(entriesToImportRecords(intKey, 1, MAX_KEYS), undefined, 'int key');
});

test('skipValue: every value kind, and -1 for hostile lengths', () => {
  for (const v of [
    null,
    true,
    1,
    -1,
    300,
    -300,
    2 ** 33,
    1.5,
    'a',
    'x'.repeat(40),
    'x'.repeat(300),
    Buffer.alloc(10),
    Buffer.alloc(300),
    [1, [2, [3]]],
    { a: { b: [] } },
    new EventTime(1, 2),
  ]) {
    const b = encode(v);
    assert.equal(skipValue(b, 0, b.length), b.length, JSON.stringify(v));
    assert.equal(skipValue(b, 0, b.length - 1), -1, `truncated ${JSON.stringify(v)}`);
  }
  // str32 claiming 4 GiB, array32 claiming 2^32 items
  assert.equal(skipValue(Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]), 0, 6), -1);
  assert.equal(skipValue(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]), 0, 6), -1);
  assert.equal(skipValue(Buffer.from([0xc1]), 0, 1), -1);
});

test('format(): a packed stream and the same events decoded give the same import records', async () => {
  const { OutputTestDriver } = await import('../../src/test-driver/index.js');
  const { TdLogOutput } = await import('../../src/plugins/out_tdlog.js');
  const d = new OutputTestDriver(
    TdLogOutput,
    'apikey k\nendpoint http://127.0.0.1:1\napi_endpoint http://127.0.0.1:1',
  );
  const times = sample.map((_, i) => new EventTime(1700000000 + i, 0));
  const bytes = entries(times, sample);
  const lazy = EventStream.fromPacked(bytes, sample.length);
  const plain = new EventStream(
    times.map((t) => t.sec),
    times.map(() => 0),
    sample.map((r) => ({ ...r })),
  );
  const a = d.instance.format('td.db.tbl', lazy);
  assert.ok(lazy.isLazy, 'the packed stream was not decoded');
  const b = d.instance.format('td.db.tbl', plain);
  assert.deepEqual(decodeMultiple(a), decodeMultiple(b));
});
