import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAccessorPath, recordAccessor } from '../../../src/helpers/record-accessor.js';

test('paths: plain keys, dot and bracket notation, array indexes', () => {
  assert.deepEqual(parseAccessorPath('a.b'), ['a.b']);
  assert.deepEqual(parseAccessorPath('$.a.b'), ['a', 'b']);
  assert.deepEqual(parseAccessorPath('$.a[0].b'), ['a', 0, 'b']);
  assert.deepEqual(parseAccessorPath('$.a[0][-1]'), ['a', 0, -1]);
  assert.deepEqual(parseAccessorPath("$['a.b']['c']"), ['a.b', 'c']);
  assert.deepEqual(parseAccessorPath('$["a"][1]'), ['a', 1]);
  assert.deepEqual(parseAccessorPath('$.a.'), ['a']);
});

test('bad paths are config errors with Fluentd messages', () => {
  assert.throws(() => parseAccessorPath('$.'), /empty keys in dot notation/);
  assert.throws(() => parseAccessorPath('$.a b'), /whitespace character is not allowed in dot notation/);
  assert.throws(() => parseAccessorPath('$.a[0'), /'\[' found but '\]' not found/);
  assert.throws(() => parseAccessorPath('$.a[0]x'), /found more characters after '\]'/);
  assert.throws(() => parseAccessorPath('$[\'a"]'), /Mismatched quotes/);
  assert.throws(() => parseAccessorPath("$['a"), /Incomplete bracket/);
  assert.throws(() => parseAccessorPath('$.a[x]'), /invalid value for Integer\(\)/);
});

test('get follows Hash#dig: missing or nil gives undefined, digging into a string throws', () => {
  const r = { a: { b: [10, { c: 'x' }] }, s: 'str', n: null };
  assert.equal(recordAccessor('$.a.b[1].c').get(r), 'x');
  assert.equal(recordAccessor('$.a.b[-2]').get(r), 10);
  assert.equal(recordAccessor('$.a.zz.c').get(r), undefined);
  assert.equal(recordAccessor('$.n.c').get(r), undefined);
  assert.equal(recordAccessor('s').get(r), 'str');
  // An Array indexed with a String key: Ruby raises TypeError.
  assert.throws(() => recordAccessor('$.a.b.c').get(r), /no implicit conversion of String into Integer/);
  assert.throws(() => recordAccessor('$.s.x').get(r), /String does not have #dig method/);
});

test('delete in place and deleteCopy without touching shared containers', () => {
  const inner = { keep: 1, drop: 2 };
  const r = { top: 1, inner, list: [1, 2, 3] };
  const copy = recordAccessor('$.inner.drop').deleteCopy(r);
  assert.deepEqual(copy, { top: 1, inner: { keep: 1 }, list: [1, 2, 3] });
  assert.deepEqual(inner, { keep: 1, drop: 2 });
  const c2 = recordAccessor('$.list[-1]').deleteCopy(r);
  assert.deepEqual(c2.list, [1, 2]);
  assert.deepEqual(r.list, [1, 2, 3]);
  assert.equal(recordAccessor('$.nope.x').deleteCopy(r), r);
  recordAccessor('top').delete(r);
  assert.equal('top' in r, false);
  recordAccessor('$.inner.keep').delete(r);
  assert.deepEqual(inner, { drop: 2 });
});
