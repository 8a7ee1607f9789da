import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventTime } from '../../../src/core/event-time.js';
import { encode } from '../../../src/core/msgpack.js';
import {
  buildBatch,
  KIND_DOUBLE,
  KIND_LONG,
  KIND_STRING,
  toJsonText,
} from '../../../src/server/store/batch.js';
import { ImportBodyError } from '../../../src/td/import-body.js';

const mp = (...recs: Record<string, unknown>[]) => Buffer.concat(recs.map((r) => encode(r)));

test('columns get the narrowest type on the long -> double -> string ladder', () => {
  const b = buildBatch(
    mp(
      {
        time: 10,
        i: 1,
        d: 1,
        s: 1,
        big: 2n ** 60n,
        flag: true,
        bin: Buffer.from('hé'),
        et: new EventTime(1, 5e8),
      },
      { time: 5, i: 2, d: 2.5, s: 'x', obj: { a: [1, 2n ** 64n - 1n] }, huge: 2n ** 64n - 1n, nil: null },
    ),
  );
  assert.equal(b.count, 2);
  assert.deepEqual(b.times, [10, 5]);
  assert.equal(b.minTime, 5);
  assert.equal(b.maxTime, 10);
  const col = (n: string) => b.columns.find((c) => c.name === n)!;
  assert.equal(col('i').kind, KIND_LONG);
  assert.equal(col('d').kind, KIND_DOUBLE);
  assert.equal(col('s').kind, KIND_STRING);
  assert.equal(col('big').kind, KIND_LONG);
  assert.equal(col('flag').kind, KIND_STRING);
  assert.deepEqual(col('flag').values, ['true', null]);
  assert.deepEqual(col('bin').values, ['hé', null]);
  assert.equal(col('et').kind, KIND_DOUBLE);
  assert.deepEqual(col('et').values, [1.5, null]);
  assert.deepEqual(col('obj').values, [null, '{"a":[1,"18446744073709551615"]}']);
  assert.equal(col('huge').kind, KIND_STRING, 'beyond int64: a decimal string');
  assert.deepEqual(col('huge').values, [null, '18446744073709551615']);
  assert.equal(
    b.columns.find((c) => c.name === 'nil'),
    undefined,
    'a key seen only with nil makes no column',
  );
  assert.equal(b.bytes > 0, true);
});

test('time: integers, floats truncated, EventTime seconds; anything else refuses the import', () => {
  assert.deepEqual(buildBatch(mp({ time: 1.9 }, { time: new EventTime(7, 1) })).times, [1, 7]);
  for (const bad of [{}, { time: '123' }, { time: null }, { time: true }, { time: 2n ** 62n }]) {
    assert.throws(
      () => buildBatch(mp({ time: 1 }, bad)),
      (e: unknown) =>
        e instanceof ImportBodyError && e.problem === 'bad_record' && /record 2/.test(e.message),
      JSON.stringify(bad, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
  }
});

test('keys are case-insensitive: first spelling names the column, both in one record refuse', () => {
  const b = buildBatch(mp({ time: 1, Foo: 1 }, { time: 2, foo: 2 }));
  assert.equal(b.columns.length, 1);
  assert.equal(b.columns[0]!.name, 'Foo');
  assert.deepEqual(b.columns[0]!.values, [1, 2]);
  assert.throws(() => buildBatch(mp({ time: 1, Foo: 1, foo: 2 })), /differ only in case/);
  assert.throws(() => buildBatch(mp({ time: 1, Time: 1 })), /collides with 'time'/);
  assert.throws(() => buildBatch(mp({ time: 1, '': 1 })), /cannot be a column name/);
});

test('toJsonText renders bin as text and BigInt as a string', () => {
  assert.equal(
    toJsonText({ b: Buffer.from('ab'), n: 5n, l: [true, null] }),
    '{"b":"ab","n":"5","l":[true,null]}',
  );
});
