// rubyJson: Ruby's JSON text for every value kind, whichever path (native JSON.stringify for
// records of strings and integers, the hand-written writer otherwise) produces it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rubyJson } from '../../../src/plugins/support/ruby-text.js';

test('records of strings, integers, booleans and null: the same text as JSON.stringify', () => {
  const r = {
    a: 'x"y\\z/\u2028\n\u0001é',
    b: 12,
    c: -0,
    d: true,
    e: null,
    f: [1, 'two', [false]],
    g: { h: {} },
  };
  assert.equal(rubyJson(r), JSON.stringify(r));
  assert.equal(rubyJson({ big: 1e20 }), '{"big":100000000000000000000}');
  assert.equal(rubyJson({ 2: 'b', 1: 'a', z: 0 }), '{"1":"a","2":"b","z":0}');
});

test('values JSON.stringify renders differently take Ruby rules, at any depth', () => {
  const cases: [unknown, string][] = [
    [{ f: 1.5 }, '{"f":1.5}'],
    [{ n: { f: 0.00001 } }, '{"n":{"f":1.0e-05}}'],
    [{ a: [1, 2.5e-7] }, '{"a":[1,2.5e-07]}'],
    [{ huge: 1e21 }, '{"huge":1000000000000000000000}'],
    [{ u: undefined }, '{"u":null}'],
    [{ b: 123456789012345678901234567890n }, '{"b":123456789012345678901234567890}'],
    [{ bytes: Buffer.from('hi') }, '{"bytes":"hi"}'],
    [{ d: new Date(0) }, '{"d":"1970-01-01T00:00:00.000Z"}'],
    [{ m: new Map([['k', 1]]) }, '{"m":{"k":1}}'],
    [{ nan: Number.NaN, inf: Number.POSITIVE_INFINITY }, '{"nan":null,"inf":null}'],
    // biome-ignore lint/suspicious/noSparseArray: a hole is what this case is about
    [{ hole: [1, , 3] }, '{"hole":[1,null,3]}'],
    [Object.assign(Object.create({ inherited: 1 }), { own: 2 }), '{"own":2}'],
  ];
  for (const [v, want] of cases) assert.equal(rubyJson(v), want);
});
