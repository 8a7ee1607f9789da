// Query jobs through the API: issue/show/status/result in every format, name resolution in the
// job's database, failures with debug.stderr, read-only enforcement, TD UDFs, kill, list,
// Range resumption, persistence across a restart.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { decodeMultiple } from '../../../src/core/msgpack.js';
import { request, runQuery, setupTable, startTestServer, type TestServer } from './helpers.js';

let ts: TestServer;

before(async () => {
  ts = await startTestServer();
  await setupTable(ts, 'testdb', 'www_access');
  await ts.importRecords('testdb', 'www_access', [
    { time: 1356998400, action: 'login', user: 2, score: 2.0 },
    { time: 1357002000, action: 'logout', user: 2, score: 0.5 },
    { time: 1357084800, action: 'login', user: 3, path: 'a,"b"\tc\nd' },
  ]);
  await setupTable(ts, 'otherdb', 'www_access');
  await ts.importRecords('otherdb', 'www_access', [{ time: 1, action: 'x' }]);
});
after(async () => {
  await ts.close();
});

test('the walkthrough query: issue, show (debug object, schema string), result [1]', async () => {
  const issued = await ts.post('/v3/job/issue/presto/testdb', {
    query: 'SELECT COUNT(1) AS cnt FROM www_access',
  });
  assert.equal(issued.status, 200);
  const { job_id } = issued.json();
  assert.match(job_id, /^\d+$/);
  assert.deepEqual(issued.json(), { job_id, job: job_id, database: 'testdb' });
  const job = await ts.waitJob(job_id);
  assert.equal(job.status, 'success');
  assert.equal(typeof job.debug, 'object');
  assert.equal(typeof job.debug.cmdout, 'string');
  assert.equal(job.debug.stderr, '');
  assert.equal(job.hive_result_schema, '[["cnt","bigint"]]');
  assert.equal(job.num_records, 1);
  assert.equal(job.type, 'presto');
  assert.equal(job.database, 'testdb');
  assert.match(job.start_at, /UTC$/);
  assert.match(job.end_at, /UTC$/);
  for (const k of [
    'url',
    'cpu_time',
    'result_size',
    'duration',
    'priority',
    'retry_limit',
    'organization',
    'user_name',
  ]) {
    assert.ok(k in job, k);
  }
  const status = (await ts.get(`/v3/job/status/${job_id}`)).json();
  assert.equal(status.status, 'success');
  assert.equal(status.job_id, job_id);
  const res = await ts.get(`/v3/job/result/${job_id}?format=msgpack`);
  assert.equal(res.status, 200);
  assert.deepEqual(decodeMultiple(res.body), [[3]]);
});

test('result formats: msgpack (plain or gzip-encoded), msgpack.gz, json, csv, tsv', async () => {
  const job = await runQuery(ts, 'testdb', 'SELECT action, user, score, path FROM www_access ORDER BY time');
  assert.equal(job.status, 'success', job.debug.stderr);
  assert.deepEqual(JSON.parse(job.hive_result_schema), [
    ['action', 'varchar'],
    ['user', 'bigint'],
    ['score', 'double'],
    ['path', 'varchar'],
  ]);
  const expected = [
    ['login', 2, 2, null],
    ['logout', 2, 0.5, null],
    ['login', 3, null, 'a,"b"\tc\nd'],
  ];
  const id = job.job_id;
  const plain = await ts.get(`/v3/job/result/${id}?format=msgpack`);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.deepEqual(decodeMultiple(plain.body), expected);
  assert.equal(
    plain.body[plain.body.indexOf(0xcb)],
    0xcb,
    'a DOUBLE column is sent as float64 even when integral',
  );

  const enc = await request(ts.url, 'GET', `/v3/job/result/${id}?format=msgpack`, {
    key: ts.key,
    headers: { 'Accept-Encoding': 'deflate, gzip' },
  });
  assert.equal(enc.headers['content-encoding'], 'gzip');
  assert.deepEqual(decodeMultiple(zlib.gunzipSync(enc.body)), expected);

  const gz = await ts.get(`/v3/job/result/${id}?format=msgpack.gz`);
  assert.equal(gz.headers['content-encoding'], undefined);
  assert.equal(gz.body.length, job.result_size);
  assert.deepEqual(decodeMultiple(zlib.gunzipSync(gz.body)), expected);

  const json = (await ts.get(`/v3/job/result/${id}?format=json`)).body.toString();
  assert.deepEqual(
    json
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    expected,
  );
  const csv = (await ts.get(`/v3/job/result/${id}?format=csv`)).body.toString();
  assert.equal(csv, 'login,2,2,\r\nlogout,2,0.5,\r\nlogin,3,,"a,""b""\tc\nd"\r\n');
  const tsv = (await ts.get(`/v3/job/result/${id}?format=tsv`)).body.toString();
  assert.equal(tsv, 'login\t2\t2\t\nlogout\t2\t0.5\t\nlogin\t3\t\ta,"b"\\tc\\nd\n');
  assert.equal((await ts.get(`/v3/job/result/${id}?format=xml`)).status, 400);
});

test('an interrupted result download resumes with Range / If-Range (206)', async () => {
  const job = await runQuery(ts, 'testdb', "SELECT range AS n, repeat('x', 50) AS pad FROM range(2000)");
  const full = await ts.get(`/v3/job/result/${job.job_id}?format=msgpack.gz`);
  const etag = String(full.headers.etag);
  assert.equal(full.headers['accept-ranges'], 'bytes');
  const part = await request(ts.url, 'GET', `/v3/job/result/${job.job_id}?format=msgpack.gz`, {
    key: ts.key,
    headers: { Range: 'bytes=100-', 'If-Range': etag },
  });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 100-${full.body.length - 1}/${full.body.length}`);
  assert.deepEqual(Buffer.concat([full.body.subarray(0, 100), part.body]), full.body);
  const stale = await request(ts.url, 'GET', `/v3/job/result/${job.job_id}?format=msgpack.gz`, {
    key: ts.key,
    headers: { Range: 'bytes=100-', 'If-Range': '"other"' },
  });
  assert.equal(stale.status, 200, 'a changed ETag gets the whole body');
  const rows = decodeMultiple(zlib.gunzipSync(full.body)) as unknown[][];
  assert.equal(rows.length, 2000);
  assert.deepEqual(rows[1999], [1999, 'x'.repeat(50)]);
});

test('unqualified names resolve in the job database; other databases by qualified name', async () => {
  const own = await runQuery(ts, 'otherdb', 'SELECT action FROM www_access');
  assert.deepEqual(decodeMultiple((await ts.get(`/v3/job/result/${own.job_id}`)).body), [['x']]);
  const cross = await runQuery(ts, 'otherdb', 'SELECT count(*) AS n FROM testdb.www_access');
  assert.deepEqual(decodeMultiple((await ts.get(`/v3/job/result/${cross.job_id}`)).body), [[3]]);
});

test('a failing query: status error, the DuckDB message in debug.stderr, no result (422)', async () => {
  const job = await runQuery(ts, 'testdb', 'SELECT no_such_column FROM www_access');
  assert.equal(job.status, 'error');
  assert.match(job.debug.stderr, /no_such_column/);
  assert.equal((await ts.get(`/v3/job/result/${job.job_id}`)).status, 422);
  const missing = await runQuery(ts, 'testdb', 'SELECT * FROM nonexistent');
  assert.match(missing.debug.stderr, /nonexistent/);
});

test('only one read-only statement per job; external files are out of reach', async () => {
  for (const q of [
    'DELETE FROM www_access',
    'DROP TABLE www_access',
    'INSERT INTO www_access (time) VALUES (1)',
    'SELECT 1; SELECT 2',
    "ATTACH '/tmp/x.duckdb' AS x",
  ]) {
    const job = await runQuery(ts, 'testdb', q);
    assert.equal(job.status, 'error', q);
    assert.ok(job.debug.stderr.length > 0, q);
  }
  const file = await runQuery(ts, 'testdb', "SELECT * FROM read_csv('/etc/passwd')");
  assert.equal(file.status, 'error');
  assert.match(file.debug.stderr, /disabled|Permission/i);
  const count = (await ts.get('/v3/table/show/testdb/www_access')).json().count;
  assert.equal(count, 3);
});

test('TD UDFs: td_time_range, td_time_format, td_time_parse', async () => {
  const job = await runQuery(
    ts,
    'testdb',
    `SELECT td_time_format(time, 'yyyy-MM-dd', 'JST') AS day, count(1) AS n FROM www_access
      WHERE td_time_range(time, '2013-01-01', '2013-01-02') GROUP BY 1 ORDER BY 1`,
  );
  assert.equal(job.status, 'success', job.debug.stderr);
  assert.deepEqual(decodeMultiple((await ts.get(`/v3/job/result/${job.job_id}`)).body), [['2013-01-01', 2]]);
  const p = await runQuery(
    ts,
    'testdb',
    `SELECT td_time_parse('2013-01-01 09:00:00', 'JST') AS a, td_time_range(1356998400, NULL, '2013-01-01 09:00:01', 'JST') AS b,
            td_time_format(1356998400, 'yyyy-MM-dd HH:mm:ss Z', 'America/Los_Angeles') AS c`,
  );
  assert.deepEqual(decodeMultiple((await ts.get(`/v3/job/result/${p.job_id}`)).body), [
    [1356998400, true, '2012-12-31 16:00:00 -0800'],
  ]);
});

test('hive jobs report Hive type names', async () => {
  const job = await runQuery(ts, 'testdb', 'SELECT action, 1::INTEGER AS i FROM www_access LIMIT 1', 'hive');
  assert.equal(job.type, 'hive');
  assert.equal(job.hive_result_schema, '[["action","string"],["i","int"]]');
  assert.equal((await ts.post('/v3/job/issue/pig/testdb', { query: 'x' })).status, 400);
  assert.equal((await ts.post('/v3/job/issue/presto/testdb', {})).status, 400);
  assert.equal((await ts.post('/v3/job/issue/presto/nodb', { query: 'SELECT 1' })).status, 404);
});

test('kill a running job: former_status running, then killed', async () => {
  const issued = await ts.post('/v3/job/issue/presto/testdb', {
    query: 'SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b',
  });
  const id = issued.json().job_id;
  const deadline = Date.now() + 10_000;
  while ((await ts.get(`/v3/job/status/${id}`)).json().status !== 'running') {
    assert.ok(Date.now() < deadline, 'job never started');
    await new Promise((r) => setTimeout(r, 10));
  }
  const k = await ts.post(`/v3/job/kill/${id}`);
  assert.equal(k.status, 200);
  assert.equal(k.json().former_status, 'running');
  const job = await ts.waitJob(id);
  assert.equal(job.status, 'killed');
  const again = await ts.post(`/v3/job/kill/${id}`);
  assert.equal(again.json().former_status, 'killed');
  const unknown = await ts.get('/v3/job/show/999999');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json().message, "Couldn't find Job with account_id = 1, id = 999999");
});

test('job/list: newest first, from/to inclusive, status filter; jobs survive a restart', async () => {
  const all = (await ts.get('/v3/job/list')).json();
  assert.ok(all.count >= 10);
  assert.equal(all.from, 0);
  assert.equal(all.to, 19);
  const ids = all.jobs.map((j: any) => Number(j.job_id));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => b - a),
  );
  const page = (await ts.get('/v3/job/list?from=1&to=2')).json();
  assert.deepEqual(
    page.jobs.map((j: any) => j.job_id),
    all.jobs.slice(1, 3).map((j: any) => j.job_id),
  );
  const errors = (await ts.get('/v3/job/list?status=error')).json();
  assert.ok(errors.jobs.length > 0 && errors.jobs.every((j: any) => j.status === 'error'));
  assert.ok(errors.jobs.every((j: any) => typeof j.debug === 'object'));
  assert.equal((await ts.get('/v3/job/list?status=bogus')).status, 400);

  const first = all.jobs[all.jobs.length - 1];
  await ts.restart();
  const after = (await ts.get('/v3/job/list')).json();
  assert.equal(after.count, all.count);
  const r = await ts.get(`/v3/job/result/${first.job_id}`);
  assert.equal(r.status, 200);
  assert.deepEqual(decodeMultiple(r.body), [[3]]);
  const next = await runQuery(ts, 'testdb', 'SELECT 1');
  assert.ok(Number(next.job_id) > Number(all.jobs[0].job_id), 'ids keep increasing after a restart');
});
