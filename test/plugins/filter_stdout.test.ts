process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StdoutFilter } from '../../src/plugins/filter_stdout.js';
import { FilterTestDriver } from '../../src/test-driver/index.js';

test('prints each event through the log and passes the stream through unchanged', () => {
  const d = new FilterTestDriver(StdoutFilter, '');
  const es = d.filterStream('app', [
    [0, 5, { a: 1 }],
    [1, 0, { b: 'x' }],
  ]);
  const again = d.filterStream('app', es!);
  assert.equal(again, es);
  assert.deepEqual(d.logs().slice(0, 2), [
    '1970-01-01 00:00:00.000000005 +0000 app: {"a":1}',
    '1970-01-01 00:00:01.000000000 +0000 app: {"b":"x"}',
  ]);
  assert.equal(d.instance.streamFilter, true);
});

test('<format> output_type hash', () => {
  const d = new FilterTestDriver(StdoutFilter, '<format>\noutput_type hash\n</format>');
  d.filter('t', [[0, 0, { a: null }]]);
  assert.deepEqual(d.logs(), ['1970-01-01 00:00:00.000000000 +0000 t: {"a"=>nil}']);
});
