import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkParser, results } from './parser_support.js';

test('combined log line', () => {
  const p = mkParser('@type apache2');
  const line = '192.168.0.1 - - [28/Feb/2013:12:00:00 +0900] "GET / HTTP/1.1" 200 777 "-" "Opera/12.0"';
  assert.deepEqual(results(p, line), [
    [
      1362020400,
      {
        host: '192.168.0.1',
        user: null,
        method: 'GET',
        path: '/',
        code: 200,
        size: 777,
        referer: null,
        agent: 'Opera/12.0',
      },
    ],
  ]);
});

test('common log format (no referer/agent), `-` size, escaped quotes, keep_time_key', () => {
  const p = mkParser('@type apache2\nkeep_time_key true');
  const r = p.parseOne('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 304 -')!;
  assert.equal(r.time!.sec, 971211336);
  assert.deepEqual(r.record, {
    host: '127.0.0.1',
    user: 'frank',
    method: 'GET',
    path: '/apache_pb.gif',
    code: 304,
    size: null,
    referer: null,
    agent: null,
    time: '10/Oct/2000:13:55:36 -0700',
  });
  const q = p.parseOne(
    '::1 - - [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.1" 200 5 "http://a/\\"q\\"" "UA \\"x\\""',
  )!;
  assert.equal(q.record.referer, 'http://a/\\"q\\"');
  assert.equal(q.record.agent, 'UA \\"x\\"');
});

test('malformed lines are unmatched; a bad date throws', () => {
  const p = mkParser('@type apache2');
  assert.equal(p.parseOne('hello world'), null);
  assert.equal(p.parseOne(''), null);
  assert.throws(
    () => p.parseOne('1.2.3.4 - - [99/Xyz/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1 "-" "-"'),
    /invalid time format/,
  );
});
