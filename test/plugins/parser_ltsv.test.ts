process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkParser } from './parser_support.js';

test('real LTSV access log line with time', () => {
  const p = mkParser('@type ltsv\ntime_format "[%d/%b/%Y:%H:%M:%S %z]"');
  const r = p.parseOne(
    'host:127.0.0.1\tident:-\tuser:frank\ttime:[10/Oct/2000:13:55:36 -0700]\treq:GET /a?b=c:d HTTP/1.0\tstatus:200\tsize:777',
  )!;
  assert.equal(r.time!.sec, 971211336);
  assert.deepEqual(r.record, {
    host: '127.0.0.1',
    ident: '-',
    user: 'frank',
    req: 'GET /a?b=c:d HTTP/1.0',
    status: '200',
    size: '777',
  });
});

test('pairs without a label delimiter are dropped; delimiter_pattern and label_delimiter', () => {
  const p = mkParser('@type ltsv');
  assert.deepEqual(p.parseOne('a:1\tjunk\tb:')!.record, { a: '1', b: '' });
  const q = mkParser('@type ltsv\ndelimiter_pattern /\\s+/\nlabel_delimiter =');
  assert.deepEqual(q.parseOne('a=1   b=2\tc=x=y')!.record, { a: '1', b: '2', c: 'x=y' });
});
