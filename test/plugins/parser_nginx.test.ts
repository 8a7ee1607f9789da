import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkParser, results } from './parser_support.js';

test('combined format: all fields strings, `-` kept', () => {
  const p = mkParser('@type nginx');
  const line =
    '127.0.0.1 192.168.0.1 - [28/Feb/2013:12:00:00 +0900] "GET / HTTP/1.1" 200 777 "-" "Opera/12.0"';
  assert.deepEqual(results(p, line), [
    [
      1362020400,
      {
        remote: '127.0.0.1',
        host: '192.168.0.1',
        user: '-',
        method: 'GET',
        path: '/',
        code: '200',
        size: '777',
        referer: '-',
        agent: 'Opera/12.0',
      },
    ],
  ]);
});

test('optional trailing X-Forwarded-For', () => {
  const p = mkParser('@type nginx');
  const line =
    '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "POST /api?q=1 HTTP/2.0" 201 12 "https://ex.com/" "curl/8.5.0" "203.0.113.7, 10.0.0.2"';
  const r = p.parseOne(line)!;
  assert.equal(r.record.http_x_forwarded_for, '203.0.113.7, 10.0.0.2');
  assert.equal(r.record.path, '/api?q=1');
  assert.equal(r.time!.sec, 971211336);
});

test('types apply (nginx is regexp-based); garbage is unmatched', () => {
  const p = mkParser('@type nginx\ntypes code:integer,size:integer');
  const r = p.parseOne('1.1.1.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 404 0 "-" "-"')!;
  assert.equal(r.record.code, 404);
  assert.equal(r.record.size, 0);
  assert.equal(p.parseOne('GET / HTTP/1.1'), null);
});
