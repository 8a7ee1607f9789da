import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventTime } from '../../src/core/event-time.js';
import { decodeMultiple, encode } from '../../src/core/msgpack.js';
import { decodeRequest } from '../../src/plugins/in_forward/decode.js';
import { scanCleanEntries } from '../../src/plugins/in_forward/fast-entries.js';

const OPTS = { skipInvalidEvent: true, decompressionSizeLimit: 1 << 20, maxDepth: 100 };
const t = (s: number, n = 0) => new EventTime(s, n);
const entries = (...xs: unknown[][]) => Buffer.concat(xs.map((x) => encode(x)));
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

/** A PackedForward request [tag, bin blob]. */
function request(blob: Uint8Array): Uint8Array {
  return encode(['app.x', Buffer.from(blob)]);
}

test('clean entries: count and times read from the bytes', () => {
  const blob = entries(
    [t(1700000000, 5), { msg: 'a', n: 1, f: 1.5, neg: -3, ok: true, nil: null }],
    [t(1700000001, 0), { nested: { arr: [1, 'two', { k: 'v' }], bin: Buffer.from([1, 2]) }, at: t(5, 6) }],
  );
  const r = scanCleanEntries(blob, 100);
  assert.deepEqual(r, { count: 2, secs: [1700000000, 1700000001], nsecs: [5, 0] });
});

test('ext8 times and map16 records are clean too', () => {
  const big: Record<string, number> = {};
  for (let i = 0; i < 20; i++) big[`k${i}`] = i;
  const rec = encode(big);
  assert.equal(rec[0], 0xde);
  const blob = Buffer.concat([hex('92 c7 08 00 00 00 00 07 00 00 00 09'), rec]);
  assert.deepEqual(scanCleanEntries(blob, 100), { count: 1, secs: [7], nsecs: [9] });
});

test('anything unusual is not clean (the full decode path decides)', () => {
  const rec = encode({ a: 1 });
  const time = hex('d7 00 00 00 00 01 00 00 00 00');
  const cases: [string, Uint8Array][] = [
    ['integer time', entries([1700000000, { a: 1 }])],
    ['float time', entries([1.5, { a: 1 }])],
    ['zero time', entries([t(0, 0), { a: 1 }])],
    ['Fluent Bit start marker', entries([t(0xffffffff, 0), {}])],
    ['Fluent Bit end marker', entries([t(0xfffffffe, 0), {}])],
    ['[time, metadata] time', entries([[t(1, 0), {}], { a: 1 }])],
    ['record nil', entries([t(1, 0), null])],
    ['record array', entries([t(1, 0), [1]])],
    ['entry of three', entries([t(1, 0), { a: 1 }, 'x'])],
    ['bin key', Buffer.concat([hex('92'), time, hex('81 c4 01 61 01')])],
    ['int key', Buffer.concat([hex('92'), time, hex('81 01 01')])],
    ['nested bin key', Buffer.concat([hex('92'), time, hex('81 a1 61 81 c4 01 62 01')])],
    ['timestamp ext -1 value', Buffer.concat([hex('92'), time, hex('81 a1 61 d6 ff 00 00 00 01')])],
    ['other ext value', Buffer.concat([hex('92'), time, hex('81 a1 61 d4 05 00')])],
    ['never-used byte', Buffer.concat([hex('92'), time, hex('81 a1 61 c1')])],
    ['truncated record', Buffer.concat([hex('92'), time, rec.subarray(0, rec.length - 1)])],
    ['truncated time', hex('92 d7 00 00 00')],
    ['huge declared map', Buffer.concat([hex('92'), time, hex('df ff ff ff ff a1 61')])],
    ['empty blob', Buffer.alloc(0)],
    ['clean entry then junk', Buffer.concat([entries([t(1, 0), { a: 1 }]), hex('c0')])],
  ];
  for (const [name, blob] of cases) assert.equal(scanCleanEntries(blob, 100), undefined, name);
  // nesting past the depth cap
  let deep: unknown = 1;
  for (let i = 0; i < 10; i++) deep = [deep];
  assert.equal(scanCleanEntries(entries([t(1, 0), { d: deep }]), 8), undefined, 'too deep');
  assert.ok(scanCleanEntries(entries([t(1, 0), { d: deep }]), 100), 'within the cap');
});

test('a clean PackedForward request becomes a lazy stream over the same bytes', async () => {
  const blob = entries(
    [t(1700000000, 1), { msg: 'hello', n: 1 }],
    [t(1700000002, 3), { msg: 'world', x: { y: [1] } }],
  );
  const req = await decodeRequest(request(blob), OPTS);
  assert.ok(req && typeof req !== 'string');
  assert.equal(req.mode, 'packed');
  assert.equal(req.invalid, 0);
  assert.equal(req.es.isLazy, true);
  assert.equal(req.es.length, 2);
  assert.deepEqual(Buffer.from(req.es.packed!), blob);
  assert.deepEqual(req.es.secs, [1700000000, 1700000002]);
  assert.deepEqual(req.es.nsecs, [1, 3]);
  assert.equal(req.es.isLazy, true);
  const expected = (decodeMultiple(blob) as [EventTime, unknown][]).map((e) => e[1]);
  assert.deepEqual(req.es.records, expected);
  assert.equal(req.es.isLazy, false);
});

test('requests that are not clean take the full path with the same results as before', async () => {
  // integer times: kept (not packed: the bytes are not the chunk format)
  const ints = await decodeRequest(request(entries([1700000000, { a: 1 }], [1700000001, { a: 2 }])), OPTS);
  assert.ok(ints && typeof ints !== 'string');
  assert.equal(ints.es.isLazy, false);
  assert.equal(ints.es.packed, undefined);
  assert.deepEqual(ints.es.secs, [1700000000, 1700000001]);
  assert.deepEqual(
    ints.es.records.map((r) => r.a),
    [1, 2],
  );
  // a Fluent Bit marker among clean entries: dropped and counted, the rest decoded
  const marked = await decodeRequest(
    request(entries([t(0xffffffff, 0), {}], [t(5, 6), { a: 1 }], [t(0xfffffffe, 0), {}])),
    OPTS,
  );
  assert.ok(marked && typeof marked !== 'string');
  assert.equal(marked.es.length, 1);
  assert.equal(marked.invalid, 2);
  assert.equal(marked.es.packed, undefined);
  assert.deepEqual(marked.es.records, [{ a: 1 }]);
  // bin keys: accepted through the slow decoder, keys as text, bytes not reused
  const time = hex('d7 00 00 00 00 01 00 00 00 02');
  const binKey = await decodeRequest(request(Buffer.concat([hex('92'), time, hex('81 c4 01 61 01')])), OPTS);
  assert.ok(binKey && typeof binKey !== 'string');
  assert.deepEqual(binKey.es.records, [{ a: 1 }]);
  assert.equal(binKey.es.packed, undefined);
  // broken bytes still close the connection
  await assert.rejects(decodeRequest(request(hex('92 d7 00 00 00')), OPTS), /broken PackedForward entries/);
});

test('the time arrays hold exactly one slot per entry, whatever the entry sizes', () => {
  const small = entries([t(5, 6), { a: 1 }]);
  const big = entries([t(7, 8), { a: 'x'.repeat(500) }]);
  const cases: [string, Buffer[], number][] = [
    ['small first, big later', [small, ...Array(50).fill(big), ...Array(100).fill(small)], 151],
    ['big first, small later', [big, ...Array(300).fill(small)], 301],
    ['one entry', [big], 1],
  ];
  for (const [name, parts, n] of cases) {
    const r = scanCleanEntries(Buffer.concat(parts), 100);
    assert.ok(r, name);
    assert.equal(r.count, n, name);
    assert.deepEqual(
      r.secs,
      parts.map((p) => (p === small ? 5 : 7)),
      name,
    );
    assert.deepEqual(
      r.nsecs,
      parts.map((p) => (p === small ? 6 : 8)),
      name,
    );
  }
});
