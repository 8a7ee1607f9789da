import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkParser } from './parser_support.js';

test('split into keys; the last key gets the rest; missing columns absent', () => {
  const p = mkParser('@type tsv\nkeys a,b,c');
  assert.deepEqual(p.parseOne('1\t2\t3\t4')!.record, { a: '1', b: '2', c: '3\t4' });
  assert.deepEqual(p.parseOne('1\t2')!.record, { a: '1', b: '2' });
  assert.deepEqual(p.parseOne('1\t\t')!.record, { a: '1', b: '', c: '' });
});

test('custom delimiter, time_key, types', () => {
  const p = mkParser('@type tsv\nkeys t,n\ndelimiter |\ntime_key t\ntime_type unixtime\ntypes n:float');
  const r = p.parseOne('1704067200|2.5')!;
  assert.equal(r.time!.sec, 1704067200);
  assert.deepEqual(r.record, { n: 2.5 });
  assert.throws(() => mkParser('@type tsv'), /'keys' parameter is required/);
});
