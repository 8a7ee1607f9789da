process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkParser, results } from './parser_support.js';

test('Apache 2.2 style line', () => {
  const p = mkParser('@type apache_error');
  assert.deepEqual(
    results(p, '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration'),
    [[971274772, { level: 'error', client: '127.0.0.1', message: 'client denied by server configuration' }]],
  );
});

test('Apache 2.4 style line with module:level, pid:tid and microseconds', () => {
  const p = mkParser('@type apache_error');
  const r = p.parseOne(
    '[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187] File does not exist: /usr/local/apache2/htdocs/favicon.ico',
  )!;
  assert.deepEqual(r.record, {
    level: 'core:error',
    pid: '35708:tid 4328636416',
    client: '72.15.99.187',
    message: 'File does not exist: /usr/local/apache2/htdocs/favicon.ico',
  });
  assert.equal(r.time!.sec, 1315564949);
  assert.equal(r.time!.nsec, 902022000);
  assert.equal(p.parseOne('no brackets here'), null);
});
