import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventTime } from '../../../src/core/event-time.js';
import { decode, decodeMultiple, encode } from '../../../src/core/msgpack.js';

test('EventTime encodes as fixext8 type 0 (spec core §3.1)', () => {
  const b = encode([new EventTime(1704067200, 123456789), { a: 1 }]);
  assert.equal(b.toString('hex'), '92d70065920080075bcd1581a16101');
});

test('EventTime decodes from fixext8 and ext8', () => {
  const a = decode(Buffer.from('d70065920080075bcd15', 'hex')) as EventTime;
  const b = decode(Buffer.from('c7080065920080075bcd15', 'hex')) as EventTime;
  for (const t of [a, b]) {
    assert.ok(t instanceof EventTime);
    assert.equal(t.sec, 1704067200);
    assert.equal(t.nsec, 123456789);
  }
});

test('undefined is encoded as nil, bin decodes to bytes, str as string', () => {
  assert.equal(encode({ u: undefined }).toString('hex'), '81a175c0');
  assert.deepEqual(decode(Buffer.from('c40161', 'hex')), Buffer.from('a'));
  assert.equal(decode(Buffer.from('a161', 'hex')), 'a');
});

test('uint64 beyond 2^53 keeps its precision', () => {
  assert.equal(decode(Buffer.from('cfffffffffffffffff', 'hex')), 18446744073709551615n);
  assert.equal(decode(Buffer.from('cf0000000000000001', 'hex')), 1);
});

test('decodeMultiple reads concatenated objects', () => {
  const b = Buffer.concat([encode({ a: 1 }), encode({ b: 2 })]);
  assert.deepEqual(decodeMultiple(b), [{ a: 1 }, { b: 2 }]);
});
