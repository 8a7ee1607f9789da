import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParserError } from '../../src/plugin/parser.js';
import { mkParser } from './parser_support.js';

test('quotes, doubled quotes, delimiter inside quotes, empty vs quoted-empty', () => {
  const p = mkParser('@type csv\nkeys a,b,c,d,e');
  assert.deepEqual(p.parseOne('1,"x, y","say ""hi""",,""\r\n')!.record, {
    a: '1',
    b: 'x, y',
    c: 'say "hi"',
    d: null,
    e: '',
  });
  assert.deepEqual(p.parseOne('only')!.record, { a: 'only', b: null, c: null, d: null, e: null });
});

test('time_key, types and custom delimiter', () => {
  const p = mkParser(
    '@type csv\nkeys time,host,n\ntime_key time\ntime_format %Y-%m-%d %H:%M:%S\nutc true\ntypes n:integer\ndelimiter ;',
  );
  const r = p.parseOne('2024-01-01 00:00:00;web1;42')!;
  assert.equal(r.time!.sec, 1704067200);
  assert.deepEqual(r.record, { host: 'web1', n: 42 });
});

test('malformed CSV throws ParserError; empty line is unmatched', () => {
  const p = mkParser('@type csv\nkeys a,b');
  assert.throws(() => p.parseOne('"unclosed,1'), ParserError);
  assert.throws(() => p.parseOne('a"b,1'), ParserError);
  assert.equal(p.parseOne(''), null);
});

test('fast engine', () => {
  const p = mkParser('@type csv\nkeys a,b,c\nparser_engine fast');
  assert.deepEqual(p.parseOne('1,"x,y",')!.record, { a: '1', b: 'x,y', c: null });
});
