// The shared <parse> behaviour: types, null patterns, time_key / keep_time_key,
// estimate_current_event, config errors, createParser.
process.env.TZ = 'Asia/Tokyo';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventTime } from '../../src/core/event-time.js';
import { ParserError } from '../../src/plugin/parser.js';
import { mkParser } from './parser_support.js';

test('types: integer, float, bool, array, string, time', () => {
  const p = mkParser(
    '@type ltsv\ntypes i:integer,f:float,b:bool,b2:bool,a:array,a2:array:|,s:string,t:time:%Y-%m-%d %H:%M:%S,u:time:unixtime',
  );
  const r = p.parseOne(
    'i:12abc\tf:1.5x\tb:YES\tb2:no\ta:x,y,,\ta2:p|q\ts:str\tt:2024-01-01 00:00:00\tu:1704067200',
  )!;
  assert.equal(r.record.i, 12);
  assert.equal(r.record.f, 1.5);
  assert.equal(r.record.b, true);
  assert.equal(r.record.b2, false);
  assert.deepEqual(r.record.a, ['x', 'y']);
  assert.deepEqual(r.record.a2, ['p', 'q']);
  assert.equal(r.record.s, 'str');
  assert.ok(r.record.t instanceof EventTime);
  assert.equal((r.record.t as EventTime).sec, 1704034800);
  assert.equal((r.record.u as EventTime).sec, 1704067200);
});

test('types as JSON; an unparsable time value becomes null', () => {
  const p = mkParser('@type ltsv\ntypes {"n":"integer","t":"time:%Y"}');
  const r = p.parseOne('n:7\tt:xx')!;
  assert.deepEqual(r.record, { n: 7, t: null });
});

test('unknown type is a config error', () => {
  assert.throws(
    () => mkParser('@type ltsv\ntypes a:weird'),
    /unknown value conversion for key:'a', type:'weird'/,
  );
});

test('null_value_pattern and null_empty_string', () => {
  const p = mkParser('@type ltsv\nnull_value_pattern /^(-|null)$/\nnull_empty_string true');
  assert.deepEqual(p.parseOne('a:-\tb:null\tc:\td:x')!.record, { a: null, b: null, c: null, d: 'x' });
});

test('time_key removed unless keep_time_key; estimate_current_event', () => {
  const p = mkParser('@type ltsv\ntime_format %Y-%m-%d %H:%M:%S\nutc true');
  const r = p.parseOne('time:2024-01-01 00:00:00\tk:v')!;
  assert.equal(r.time!.sec, 1704067200);
  assert.deepEqual(r.record, { k: 'v' });
  const keep = mkParser('@type ltsv\ntime_format %Y-%m-%d %H:%M:%S\nkeep_time_key true');
  assert.deepEqual(keep.parseOne('time:2024-01-01 00:00:00\tk:v')!.record, {
    time: '2024-01-01 00:00:00',
    k: 'v',
  });
  const before = Math.floor(Date.now() / 1000);
  assert.ok(p.parseOne('k:v')!.time!.sec >= before);
  const noEst = mkParser('@type ltsv\nestimate_current_event false');
  assert.equal(noEst.parseOne('k:v')!.time, undefined);
});

test('a bad time value throws ParserError (callers route it), a mismatch does not', () => {
  const p = mkParser('@type ltsv\ntime_format %Y-%m-%d');
  assert.throws(
    () => p.parseOne('time:garbage'),
    (e: Error) => e instanceof ParserError && /invalid time format: value = garbage/.test(e.message),
  );
  const re = mkParser('@type regexp\nexpression /^(?<a>\\d+)$/');
  assert.equal(re.parseOne('not digits'), null);
});

test('config errors: utc + localtime, timezone without format, unknown @type, missing @type', () => {
  assert.throws(
    () => mkParser('@type ltsv\nutc true\nlocaltime true'),
    /both of utc and localtime are specified/,
  );
  assert.throws(() => mkParser('@type ltsv\ntimezone +09:00'), /specifying timezone requires time format/);
  assert.throws(
    () => mkParser('@type ltsv\ntime_format %Y\ntimezone Nowhere/Land'),
    /Unsupported timezone 'Nowhere\/Land'/,
  );
  assert.throws(
    () => mkParser('@type nosuch'),
    /Unknown parser plugin 'nosuch'. Known parser plugins: apache2, apache_error, csv/,
  );
  assert.throws(() => mkParser('time_key t'), /Missing '@type' parameter in <parse> section/);
});
