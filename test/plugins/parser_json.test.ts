process.env.TZ = 'Asia/Tokyo';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkParser, results } from './parser_support.js';

test('object, array of objects, non-objects and invalid JSON', () => {
  const p = mkParser('@type json');
  assert.deepEqual(results(p, '{"time":1704067200.5,"a":1}'), [[1704067200, { a: 1 }]]);
  assert.equal(p.parseOne('{"time":1704067200.5}')!.time!.nsec, 500000000);
  const arr = results(p, '[{"a":1,"time":1},{"b":2,"time":2},3]');
  assert.deepEqual(arr, [
    [1, { a: 1 }],
    [2, { b: 2 }],
    [undefined, null],
  ]);
  assert.deepEqual(results(p, '{"a":'), [[undefined, null]]);
  assert.deepEqual(results(p, '"str"'), [[undefined, null]]);
  assert.deepEqual(
    results(p, Buffer.from('{"x":"\u00e9"}')).map((r) => r[1]),
    [{ x: 'é' }],
  );
});

test('default float time: a date string gives its integer prefix (Fluentd quirk)', () => {
  const p = mkParser('@type json');
  assert.equal(p.parseOne('{"time":"2024-01-01T00:00:00Z"}')!.time!.sec, 2024);
});

test('time_format switches time_type to string', () => {
  const p = mkParser('@type json\ntime_format %Y-%m-%dT%H:%M:%S%z');
  assert.equal(p.parseOne('{"time":"2024-01-01T00:00:00+0000","m":"x"}')!.time!.sec, 1704067200);
  const keep = mkParser('@type json\ntime_key ts\nkeep_time_key true\ntime_type unixtime');
  assert.deepEqual(results(keep, '{"ts":"1704067200","m":"x"}'), [
    [1704067200, { ts: '1704067200', m: 'x' }],
  ]);
});

test('types and null patterns apply to JSON records', () => {
  const p = mkParser('@type json\ntypes n:integer\nnull_empty_string true');
  assert.deepEqual(p.parseOne('{"n":"42","e":"","z":0}')!.record, { n: 42, e: null, z: 0 });
});
