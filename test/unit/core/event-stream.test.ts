import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { EventStream, type Rec } from '../../../src/core/event-stream.js';
import { EventTime } from '../../../src/core/event-time.js';
import { encode, unpackr } from '../../../src/core/msgpack.js';
import { NullOutput } from '../../../src/plugins/out_null.js';
import { OutputTestDriver } from '../../../src/test-driver/output.js';
import { makeOutput, ScriptedOutput } from '../buffer/helpers.js';

// Counts decodes of packed bytes: EventStream decodes through the shared unpackr.
let decodes = 0;
const original = unpackr.unpackMultiple;
beforeEach(() => {
  decodes = 0;
  unpackr.unpackMultiple = function (this: typeof unpackr, ...args: unknown[]) {
    decodes++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof unpackr.unpackMultiple;
});
afterEach(() => {
  unpackr.unpackMultiple = original;
});

function packed(events: [number, number, Rec][]): Uint8Array {
  return Buffer.concat(events.map(([s, n, r]) => encode([new EventTime(s, n), r])));
}

const EVENTS: [number, number, Rec][] = [
  [1700000000, 1, { a: 1, msg: 'one' }],
  [1700000001, 2, { a: 2, nested: { k: [1, 'x'] } }],
  [1700000002, 3, { a: 3 }],
];

test('length and packed never decode; records decode once, on first read', () => {
  const bytes = packed(EVENTS);
  const es = EventStream.fromPacked(bytes, 3, [1700000000, 1700000001, 1700000002], [1, 2, 3]);
  assert.equal(es.length, 3);
  assert.equal(es.packed, bytes);
  assert.deepEqual(es.secs, [1700000000, 1700000001, 1700000002]);
  assert.deepEqual(es.nsecs, [1, 2, 3]);
  assert.equal(decodes, 0, 'times were given: reading them does not decode');
  assert.equal(es.isLazy, true);

  const recs = es.records;
  assert.equal(decodes, 1);
  assert.deepEqual(
    recs,
    EVENTS.map((e) => e[2]),
  );
  assert.equal(es.records, recs, 'the same decoded array on every read');
  assert.equal(es.records[1], recs[1]);
  assert.equal(es.length, 3);
  assert.equal(es.packed, bytes, 'reading does not drop the bytes');
  assert.equal(es.isLazy, false);
  assert.equal(decodes, 1);
});

test('without times, secs/nsecs decode (once) too', () => {
  const es = EventStream.fromPacked(packed(EVENTS), 3);
  assert.equal(es.length, 3);
  assert.equal(decodes, 0);
  assert.deepEqual(es.nsecs, [1, 2, 3]);
  assert.equal(decodes, 1);
  assert.deepEqual(es.secs, [1700000000, 1700000001, 1700000002]);
  assert.equal(es.records[2]!.a, 3);
  assert.equal(decodes, 1);
});

test('add, pick, slice, withRecords work on a lazy stream and drop or keep packed as before', () => {
  const mk = () => EventStream.fromPacked(packed(EVENTS), 3, [10, 11, 12], [0, 0, 0]);
  const a = mk();
  a.add(13, 5, { a: 4 });
  assert.equal(a.length, 4);
  assert.equal(a.packed, undefined, 'add invalidates packed');
  assert.deepEqual(a.secs, [10, 11, 12, 13]);
  assert.deepEqual(
    a.records.map((r) => r.a),
    [1, 2, 3, 4],
  );

  const p = mk().pick([2, 0]);
  assert.deepEqual(p.secs, [12, 10]);
  assert.deepEqual(
    p.records.map((r) => r.a),
    [3, 1],
  );
  assert.equal(p.packed, undefined);

  const s = mk().slice(1, 3);
  assert.equal(s.length, 2);
  assert.deepEqual(s.packed, packed(EVENTS.slice(1, 3)), 'a slice keeps the sub-range of the bytes');
  assert.deepEqual(
    s.records.map((r) => r.a),
    [2, 3],
  );

  const w = mk().withRecords([{ z: 1 }, { z: 2 }, { z: 3 }]);
  assert.deepEqual(w.secs, [10, 11, 12]);
  assert.equal(w.records[0]!.z, 1);
  assert.equal(w.packed, undefined);
});

test('slicing a packed stream decodes nothing; lazy slices stay lazy, decoded ones keep bytes and records', () => {
  const all = EventStream.fromPacked(packed(EVENTS), 3);
  const parts = [all.slice(0, 1), all.slice(1, 3), all.slice(3, 3)];
  assert.equal(decodes, 0, 'slices of a lazy stream are found by skipping, not decoding');
  assert.deepEqual(
    parts.map((p) => [p.length, p.isLazy]),
    [
      [1, true],
      [2, true],
      [0, true],
    ],
  );
  assert.deepEqual(Buffer.concat(parts.map((p) => p.packed!)), Buffer.from(all.packed!));
  assert.deepEqual(parts[1]!.secs, [1700000001, 1700000002]);
  assert.deepEqual(
    parts[1]!.records.map((r) => r.a),
    [2, 3],
  );

  const eager = new EventStream(
    EVENTS.map((e) => e[0]),
    EVENTS.map((e) => e[1]),
    EVENTS.map((e) => e[2]),
    packed(EVENTS),
  );
  const tail = eager.slice(2, 3);
  assert.deepEqual(tail.packed, packed(EVENTS.slice(2)));
  assert.equal(tail.records[0], EVENTS[2]![2], 'the same record objects');

  // bytes that do not match the count: the slice falls back to decoded records, unpacked
  const bad = EventStream.fromPacked(packed(EVENTS), 2);
  assert.throws(() => bad.slice(0, 1).records, /expected 2/);
});

test('an eager stream keeps its arrays', () => {
  const secs = [1, 2];
  const recs = [{ x: 1 }, { x: 2 }];
  const es = new EventStream(secs, [0, 0], recs);
  assert.equal(es.secs, secs);
  assert.equal(es.records, recs);
  assert.equal(es.length, 2);
  assert.equal(es.isLazy, false);
  es.add(3, 0, { x: 3 });
  assert.equal(es.length, 3);
  assert.equal(EventStream.one(5, 6, { y: 1 }).length, 1);
  assert.equal(decodes, 0);
});

test('bytes that do not hold the declared count fail loudly on read', () => {
  const es = EventStream.fromPacked(packed(EVENTS), 4, [1, 2, 3, 4], [0, 0, 0, 0]);
  assert.equal(es.length, 4);
  assert.throws(() => es.records, /hold 3 entries, expected 4/);
});

// Consumers that need only counts or bytes never decode a lazy stream.

const lazy = () =>
  EventStream.fromPacked(
    packed(EVENTS),
    3,
    EVENTS.map((e) => e[0]),
    EVENTS.map((e) => e[1]),
  );

test('out_null counts a lazy stream without decoding it', async () => {
  const d = new OutputTestDriver(NullOutput, '');
  const es = lazy();
  await d.run({}, () => d.feed('t', es));
  assert.equal(d.instance.emitRecords, 3);
  assert.equal(es.isLazy, true);
  assert.equal(decodes, 0);
});

for (const keys of ['tag', 'tag,time']) {
  test(`default-format buffered output (chunk keys ${keys}) appends the packed bytes undecoded`, async () => {
    const o = makeOutput(ScriptedOutput, `<buffer ${keys}>\ntimekey 3600\nflush_mode lazy\n</buffer>`);
    await o.start();
    const es = lazy();
    o.emit('t', es);
    assert.equal(es.isLazy, true, 'emit did not decode');
    assert.equal(decodes, 0);
    const c = o.runner.buffer!.stage.values().next().value!;
    assert.deepEqual(await c.read(), Buffer.from(es.packed!));
    assert.equal(o.stats()!.emit_records, 3);
    await o.flushAll();
    assert.deepEqual(
      o.writtenRecords(),
      EVENTS.map((e) => e[2]),
    );
    await o.shutdown();
  });
}
