import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventTime } from '../../src/core/event-time.js';
import { encode } from '../../src/core/msgpack.js';
import { ParserError } from '../../src/plugin/parser.js';
import { mkParser, results } from './parser_support.js';

test('map, array of maps, concatenated objects', () => {
  const p = mkParser('@type msgpack');
  assert.equal(p.parserType, 'binary');
  assert.deepEqual(
    results(p, encode({ a: 1 })).map((r) => r[1]),
    [{ a: 1 }],
  );
  const buf = Buffer.concat([encode([{ a: 1 }, 2]), encode({ b: 'x' }), encode('str')]);
  assert.deepEqual(
    results(p, buf).map((r) => r[1]),
    [{ a: 1 }, null, { b: 'x' }, null],
  );
});

test('time_key with an EventTime-free record; bad bytes throw ParserError', () => {
  const p = mkParser('@type msgpack\ntime_key t\ntime_type unixtime');
  const r = p.parseOne(encode({ t: 1704067200, m: 'x' }))!;
  assert.equal(r.time!.sec, 1704067200);
  assert.deepEqual(r.record, { m: 'x' });
  assert.throws(() => p.parseOne(Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xff, 0x41])), ParserError);
  assert.ok(EventTime);
});
