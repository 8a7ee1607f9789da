process.env.TZ = 'Asia/Tokyo';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rubyRegexp } from '../../src/plugin/parser-ruby-regexp.js';
import { mkParser, results } from './parser_support.js';

test('named captures become the record; non-participating captures are omitted', () => {
  const p = mkParser(
    '@type regexp\nexpression /^(?<host>[^ ]*) (?<level>[A-Z]+)(?: \\[(?<pid>\\d+)\\])? (?<message>.*)$/\ntime_key none',
  );
  assert.deepEqual(p.parseOne('web1 INFO [123] started')!.record, {
    host: 'web1',
    level: 'INFO',
    pid: '123',
    message: 'started',
  });
  assert.deepEqual(p.parseOne('web1 WARN disk full')!.record, {
    host: 'web1',
    level: 'WARN',
    message: 'disk full',
  });
  assert.equal(p.parseOne('nonsense'), null);
});

test('time capture with time_format; types', () => {
  const p = mkParser(
    '@type regexp\nexpression /^(?<time>\\S+ \\S+) (?<code>\\d+) (?<msg>.*)$/\ntime_format %Y-%m-%d %H:%M:%S\ntypes code:integer',
  );
  assert.deepEqual(results(p, '2024-01-01 09:00:00 200 ok'), [[1704067200, { code: 200, msg: 'ok' }]]);
});

test('Ruby semantics: ^/$ are line anchors, /m makes dot match newline, /i, \\A \\z \\h, /x', () => {
  assert.ok(rubyRegexp('/^b$/').test('a\nb\nc'));
  assert.ok(!rubyRegexp('/\\Ab/').test('a\nb'));
  assert.ok(rubyRegexp('/\\Aa/').test('a\nb'));
  assert.ok(!rubyRegexp('/a\\z/').test('a\n'));
  assert.ok(rubyRegexp('/a\\Z/').test('a\n'));
  assert.ok(!rubyRegexp('/a.b/').test('a\nb'));
  assert.ok(rubyRegexp('/a.b/m').test('a\nb'));
  assert.ok(rubyRegexp('/ABC/i').test('abc'));
  assert.ok(rubyRegexp('/^\\h+$/').test('DEADbeef'));
  assert.ok(rubyRegexp('/^[[:alpha:]]+[[:digit:]]$/').test('abc1'));
  assert.ok(rubyRegexp('/ a  b # comment\n c /x').test('abc'));
  assert.ok(rubyRegexp('/(?>ab)c/').test('abc'));
  assert.ok(rubyRegexp('/a++b/').test('aab'));
  assert.throws(() => rubyRegexp('/(?i:a)/'), /inline option groups/);
});

test('multi-line text with /m: the whole event is matched', () => {
  const p = mkParser('@type regexp\nexpression /^(?<first>[^\\n]*)\\n(?<rest>.*)$/m\ntime_key nope');
  assert.deepEqual(p.parseOne('Exception: boom\n  at a\n  at b')!.record, {
    first: 'Exception: boom',
    rest: '  at a\n  at b',
  });
});

test('config errors: no named capture, bad regexp, missing expression', () => {
  assert.throws(() => mkParser('@type regexp\nexpression /^(.*)$/'), /No named captures/);
  assert.throws(() => mkParser('@type regexp\nexpression /(?<a>[/'), /invalid regexp/);
  assert.throws(() => mkParser('@type regexp'), /'expression' parameter is required/);
});

test('hostile input: long lines and NUL bytes do not crash', () => {
  const p = mkParser('@type regexp\nexpression /^(?<a>[^ ]*) (?<b>.*)$/');
  const long = `${'x'.repeat(1_000_000)} y\u0000z`;
  assert.equal(p.parseOne(long)!.record.b, 'y\u0000z');
  assert.equal(p.parseOne(Buffer.from([0xff, 0xfe, 0x20, 0x41]))!.record.b, 'A');
});
