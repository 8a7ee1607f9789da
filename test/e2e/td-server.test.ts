// td-server as a real process: first start (admin key printed once, saved 0600, td-agent log
// format, no key in log lines), the walkthrough over HTTP, API key management from the CLI while
// the server runs, a second server on the same data refused, SIGTERM finishing in-flight imports.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, test } from 'node:test';
import { decodeMultiple } from '../../src/core/msgpack.js';
import { encodeImportBody } from '../../src/td/import-body.js';
import { runCli, spawnServer, waitFor } from '../unit/server/child.js';
import { request, tempDir } from '../unit/server/helpers.js';

const LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \[(trace|debug|info|warn|error|fatal)\]: /;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = tempDir('td-server-e2e-');
  dirs.push(d);
  return path.join(d, 'data');
}

test('first start, walkthrough, key management, refusal of a second server, clean SIGTERM', async () => {
  const data = dataDir();
  const child = await spawnServer(data);
  try {
    const keyFile = path.join(data, 'admin.apikey');
    const key = fs.readFileSync(keyFile, 'utf8').trim();
    assert.match(key, /^1\/[0-9a-f]{40}$/);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    await waitFor(async () => child.stdout.includes(key), 5000, 'the admin key on stdout');
    const logLines = child.stdout.filter((l) => LOG_LINE.test(l));
    assert.ok(logLines.some((l) => / \[info\]: listening on http:\/\/127\.0\.0\.1:\d+/.test(l)));
    assert.ok(
      logLines.every((l) => !l.includes(key.slice(2))),
      'no log line holds the key',
    );
    assert.equal(child.stdout.filter((l) => l === key).length, 1, 'printed once, alone on its line');

    const api = (method: string, p: string, body?: Buffer | string, k = key) =>
      request(child.url, method, p, {
        key: k,
        ...(body !== undefined ? { body } : {}),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    assert.equal((await api('POST', '/v3/database/create/testdb')).status, 200);
    assert.equal((await api('POST', '/v3/table/create/testdb/www_access/log')).status, 200);
    const body = await encodeImportBody([{ action: 'login', user: 2, time: 1356998400 }]);
    const imp = await api('PUT', '/v3/table/import_with_id/testdb/www_access/00ff/msgpack.gz', body);
    assert.equal(imp.status, 200);
    const tables = (await api('GET', '/v3/table/list/testdb')).json();
    assert.equal(tables.tables[0].count, 1);
    const issued = (
      await api('POST', '/v3/job/issue/presto/testdb', 'query=SELECT+COUNT(1)+AS+cnt+FROM+www_access')
    ).json();
    await waitFor(
      async () => (await api('GET', `/v3/job/status/${issued.job_id}`)).json().status === 'success',
    );
    const result = await api('GET', `/v3/job/result/${issued.job_id}?format=msgpack`);
    assert.deepEqual(decodeMultiple(result.body), [[1]]);

    // apikey:create while the server runs: the key is alone on the last line and works
    const created = runCli(['apikey:create', '--data', data]);
    assert.equal(created.status, 0, created.stderr);
    const lines = created.stdout.trim().split('\n');
    const newKey = lines[lines.length - 1]!;
    assert.match(newKey, /^1\/[0-9a-f]{40}$/);
    await waitFor(
      async () => (await api('GET', '/v3/database/list', undefined, newKey)).status === 200,
      5000,
      'new key',
    );
    const listed = runCli(['apikey:list', '--data', data]);
    assert.equal(listed.status, 0);
    assert.match(listed.stdout, /administrator/);
    assert.ok(
      !listed.stdout.includes(newKey.slice(2)) && !listed.stdout.includes(key.slice(2)),
      'list shows hints only',
    );
    const revoked = runCli(['apikey:revoke', newKey, '--data', data]);
    assert.equal(revoked.status, 0, revoked.stderr);
    await waitFor(
      async () => (await api('GET', '/v3/database/list', undefined, newKey)).status === 401,
      5000,
      'revoke',
    );
    assert.equal(runCli(['apikey:revoke', 'no-such-key', '--data', data]).status, 1);

    // a second server on the same data directory is refused
    const second = runCli(['--port', '0', '--data', data]);
    assert.equal(second.status, 1);
    assert.match(second.stdout + second.stderr, /cannot start/);

    // SIGTERM with imports in flight: each upload is announced with `Expect: 100-continue`, so once
    // the server answered "100 Continue" it has the request; the body is sent after the signal.
    const big = await encodeImportBody(
      Array.from({ length: 20_000 }, (_, i) => ({ time: i, n: i, s: 'x'.repeat(50) })),
    );
    const started: Array<Promise<void>> = [];
    const inflight = Array.from({ length: 3 }, (_, i) => {
      let continued!: () => void;
      started.push(new Promise<void>((r) => (continued = r)));
      return new Promise<number>((resolve) => {
        const req = http.request(
          `${child.url}/v3/table/import_with_id/testdb/www_access/term${i}/msgpack.gz`,
          {
            method: 'PUT',
            agent: false,
            headers: { Authorization: `TD1 ${key}`, 'Content-Length': big.length, Expect: '100-continue' },
          },
        );
        req.on('continue', () => continued());
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
        req.flushHeaders();
        started[i]!.then(() => setImmediate(() => req.end(big)));
      });
    });
    await Promise.all(started);
    child.proc.kill('SIGTERM');
    const statuses = await Promise.all(inflight);
    assert.deepEqual(statuses, [200, 200, 200], 'requests in flight at SIGTERM are answered');
    const { code } = await child.exited;
    assert.equal(code, 0);
    assert.ok(child.stdout.some((l) => /\[info\]: received SIGTERM, shutting down/.test(l)));
    assert.ok(child.stdout.some((l) => /\[info\]: td-server stopped/.test(l)));

    const again = await spawnServer(data);
    try {
      assert.ok(!again.stdout.some((l) => /^1\/[0-9a-f]{40}$/.test(l)), 'the admin key is printed only once');
      const t = (await request(again.url, 'GET', '/v3/table/show/testdb/www_access', { key })).json();
      const ok = statuses.filter((s) => s === 200).length;
      assert.equal(t.count, 1 + ok * 20_000, `statuses ${statuses.join(',')}`);
    } finally {
      again.proc.kill('SIGTERM');
      await again.exited;
    }
  } finally {
    if (child.proc.exitCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
  }
});
