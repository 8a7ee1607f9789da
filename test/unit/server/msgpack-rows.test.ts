import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMultiple } from '../../../src/core/msgpack.js';
import { MsgpackRowWriter } from '../../../src/server/store/msgpack-rows.js';

test('rows decode back with the core codec; float columns stay float64', () => {
  const w = new MsgpackRowWriter(8);
  const rows: unknown[][] = [
    [1, 2, -1, -100, 70000, 2 ** 40, -(2 ** 40), 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n],
    ['', 'x'.repeat(40), 'y'.repeat(300), 'z'.repeat(70000), null, true, false, Buffer.from([1, 2])],
    [[1, [2]], { a: 1, b: { c: 'd' } }, 1.5, Number.NaN],
  ];
  w.row(rows[0]!, []);
  w.row(rows[1]!, []);
  w.row(rows[2]!, []);
  w.row([2, 3], [true, false]);
  const out = w.take();
  assert.equal(w.length, 0);
  const back = decodeMultiple(out) as unknown[][];
  assert.deepEqual(back[0], rows[0]);
  assert.deepEqual(back[1]!.slice(0, 7), rows[1]!.slice(0, 7));
  assert.deepEqual([...(back[1]![7] as Uint8Array)], [1, 2]);
  assert.deepEqual(back[2]!.slice(0, 3), rows[2]!.slice(0, 3));
  assert.ok(Number.isNaN(back[2]![3]));
  assert.deepEqual(back[3], [2, 3]);
  // the float column is encoded as float64 (0xcb), the other as a positive fixint
  const tail = out.subarray(out.length - 11);
  assert.deepEqual([...tail.subarray(0, 2)], [0x92, 0xcb]);
  assert.equal(tail[10], 3);
});
