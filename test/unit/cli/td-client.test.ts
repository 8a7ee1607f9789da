import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { decodeMultiple, encode } from '../../../src/core/msgpack.js';
import { ApiError } from '../../../src/td/api-error.js';
import { TdClient } from '../../../src/td/client.js';
import { encodePathSegment, parseEndpoint } from '../../../src/td/endpoint.js';
import { decodeMsgpackStream } from '../../../src/td/msgpack-stream.js';
import { FAKE_KEY, FakeTdServer } from './fake-td-server.js';

const fake = new FakeTdServer();
let url = '';
before(async () => {
  url = await fake.start();
});
after(() => fake.stop());

const client = () => new TdClient({ apikey: FAKE_KEY, endpoint: url });

test('endpoint rules: scheme decides, bare host is https/443 unless ssl=false', () => {
  assert.deepEqual(parseEndpoint('http://127.0.0.1:8080'), {
    ssl: false,
    host: '127.0.0.1',
    port: 8080,
    basePath: '',
  });
  assert.deepEqual(parseEndpoint('https://api.example.com/'), {
    ssl: true,
    host: 'api.example.com',
    port: 443,
    basePath: '',
  });
  assert.deepEqual(parseEndpoint('api.treasuredata.com'), {
    ssl: true,
    host: 'api.treasuredata.com',
    port: 443,
    basePath: '',
  });
  assert.deepEqual(parseEndpoint('localhost:8080', false), {
    ssl: false,
    host: 'localhost',
    port: 8080,
    basePath: '',
  });
  assert.deepEqual(parseEndpoint('127.0.0.1', false), {
    ssl: false,
    host: '127.0.0.1',
    port: 80,
    basePath: '',
  });
  assert.deepEqual(parseEndpoint('http://[::1]:9/td'), { ssl: false, host: '::1', port: 9, basePath: '/td' });
  assert.throws(() => parseEndpoint('ftp://x'), /Invalid endpoint/);
  assert.equal(encodePathSegment('a.b c/d'), 'a%2Eb%20c%2Fd');
});

test('headers, path encoding, form bodies; 200 responses parsed', async () => {
  const c = client();
  try {
    await c.createDatabase('db_one');
    await c.createLogTable('db_one', 'tbl', { expire_days: 3 });
    const dbs = await c.listDatabases();
    assert.deepEqual(
      dbs.map((d) => [d.name, d.count, d.permission]),
      [['db_one', 0, 'administrator']],
    );
    const create = fake.requests.find((r) => r.url.startsWith('/v3/table/create/'));
    assert.equal(create?.url, '/v3/table/create/db_one/tbl/log');
    assert.equal(create?.method, 'POST');
    assert.equal(create?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(create?.body.toString(), 'expire_days=3');
    assert.equal(create?.headers.authorization, `TD1 ${FAKE_KEY}`);
    assert.match(String(create?.headers['user-agent']), /Tributary-TD-Client/);
    assert.ok(create?.headers.date && !Number.isNaN(Date.parse(create.headers.date)));
    const list = fake.requests.find((r) => r.url === '/v3/database/list');
    assert.equal(list?.headers['accept-encoding'], 'deflate, gzip');
    assert.equal(await c.serverStatus(), 'ok');
    const status = fake.requests.find((r) => r.url === '/v3/system/server_status');
    assert.equal(status?.headers.authorization, undefined, 'server_status is unauthenticated');
  } finally {
    c.close();
  }
});

test('gzip-encoded responses are decoded', async () => {
  const c = client();
  fake.gzipResponses = true;
  try {
    assert.ok((await c.listDatabases()).some((d) => d.name === 'db_one'));
  } finally {
    fake.gzipResponses = false;
    c.close();
  }
});

test('import_with_id: gzipped msgpack body, octet-stream, id in path unencoded', async () => {
  const c = client();
  try {
    const body = zlib.gzipSync(Buffer.concat([encode({ a: 1, time: 10 }), encode({ a: 2, time: 11 })]));
    const res = await c.import('db_one', 'tbl', body, { uniqueId: 'abcdef0123456789abcdef0123456789' });
    assert.equal(res.unique_id, 'abcdef0123456789abcdef0123456789');
    const put = fake.requests.find((r) => r.method === 'PUT');
    assert.equal(put?.url, '/v3/table/import_with_id/db_one/tbl/abcdef0123456789abcdef0123456789/msgpack.gz');
    assert.equal(put?.headers['content-type'], 'application/octet-stream');
    assert.equal(put?.headers['content-length'], String(body.length));
    const tail = await c.tail('db_one', 'tbl', 5);
    assert.deepEqual(tail, [
      { a: 1, time: 10 },
      { a: 2, time: 11 },
    ]);
    const tables = await c.listTables('db_one');
    assert.equal(tables[0]?.count, 2);
    assert.deepEqual(tables[0]?.schema, [['a', 'long']]);
  } finally {
    c.close();
  }
});

test('errors map to ApiError kinds with td-client messages and never contain the key', async () => {
  const bad = new TdClient({ apikey: '1/secretsecret', endpoint: url });
  try {
    await assert.rejects(bad.listDatabases(), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 401);
      assert.equal(e.kind, 'AuthError');
      assert.equal(e.message, 'List databases failed: Failed to Login');
      assert.ok(!e.message.includes('secret') && !String(e.stack).includes('secretsecret'));
      return true;
    });
  } finally {
    bad.close();
  }
  const c = client();
  try {
    await assert.rejects(c.createDatabase('db_one'), { kind: 'AlreadyExistsError', status: 409 });
    await assert.rejects(c.createLogTable('nodb', 'x'), {
      kind: 'NotFoundError',
      message: "Create log table failed: Couldn't find UserDatabase with name = nodb",
    });
    fake.failNext = { count: 1, status: 503, body: 'upstream down' };
    await assert.rejects(c.createDatabase('zzz'), {
      kind: 'APIError',
      message: '503: Create database failed: upstream down',
    });
    fake.failNext = { count: 1, status: 502, body: JSON.stringify({ message: `key ${FAKE_KEY} leaked` }) };
    await assert.rejects(
      c.createDatabase('zzz'),
      (e: ApiError) => !e.message.includes(FAKE_KEY) && /\*\*\*/.test(e.message),
    );
  } finally {
    c.close();
  }
});

test('GETs retry on 5xx when asked; POSTs never do', async () => {
  const retries: string[] = [];
  const c = new TdClient({
    apikey: FAKE_KEY,
    endpoint: url,
    getRetry: { initialDelayMs: 10, maxCumulativeDelayMs: 100, onRetry: (m) => retries.push(m) },
  });
  try {
    fake.failNext = { count: 2, status: 500 };
    assert.ok((await c.listDatabases()).length > 0);
    assert.equal(retries.length, 2);
    fake.failNext = { count: 1, status: 500 };
    await assert.rejects(c.createDatabase('post_db'), { status: 500 });
    fake.failNext = undefined;
  } finally {
    c.close();
  }
});

test('network errors: status 0, socket code kept, message names the operation', async () => {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const c = new TdClient({ apikey: FAKE_KEY, endpoint: `http://127.0.0.1:${port}` });
  try {
    await assert.rejects(c.listDatabases(), (e: ApiError) => {
      assert.equal(e.kind, 'NetworkError');
      assert.equal(e.status, 0);
      assert.equal(e.errno, 'ECONNREFUSED');
      assert.match(e.message, /^List databases failed: connect ECONNREFUSED/);
      return true;
    });
  } finally {
    c.close();
  }
});

test('read timeout fires when the server never answers', async () => {
  const sockets = new Set<import('node:net').Socket>();
  const srv = http.createServer(() => {}); // never responds
  srv.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const c = new TdClient({
    apikey: FAKE_KEY,
    endpoint: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    readTimeoutMs: 200,
  });
  try {
    await assert.rejects(
      c.listDatabases(),
      (e: ApiError) => e.errno === 'ETIMEDOUT' && /read timeout/.test(e.message),
    );
  } finally {
    c.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});

test('decodeMsgpackStream completes objects split across chunks and rejects a truncated tail', async () => {
  const bytes = Buffer.concat([encode([1, 'two', { three: 3 }]), encode(['x'.repeat(300)]), encode([null])]);
  async function* pieces(b: Buffer, size: number) {
    for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
  }
  for (const size of [1, 3, 7, 64, 10_000]) {
    const out: unknown[] = [];
    for await (const v of decodeMsgpackStream(pieces(bytes, size))) out.push(v);
    assert.deepEqual(out, decodeMultiple(bytes), `chunk size ${size}`);
  }
  await assert.rejects(async () => {
    for await (const _ of decodeMsgpackStream(pieces(bytes.subarray(0, bytes.length - 1), 5))) {
      // drain
    }
  }, /ended inside a msgpack object/);
});

test('query job lifecycle and result rows', async () => {
  const c = client();
  try {
    const id = await c.issueQuery('db_one', 'SELECT COUNT(1) AS cnt FROM tbl', { type: 'presto' });
    const issue = fake.requests.find((r) => r.url.startsWith('/v3/job/issue/'));
    assert.equal(issue?.url, '/v3/job/issue/presto/db_one');
    assert.equal(new URLSearchParams(issue?.body.toString()).get('query'), 'SELECT COUNT(1) AS cnt FROM tbl');
    let job = await c.showJob(id);
    assert.equal(job.status, 'running');
    job = await c.showJob(id);
    assert.equal(job.status, 'success');
    assert.deepEqual(job.hiveResultSchema, [['cnt', 'bigint']]);
    assert.deepEqual(job.debug, { cmdout: 'started at 2024-05-01T12:00:00Z\n', stderr: '' });
    const rows: unknown[][] = [];
    for await (const r of c.jobResultRows(id)) rows.push(r);
    assert.deepEqual(rows, [[2]]);
    assert.equal(await c.jobStatus(id), 'success');
    assert.equal((await c.listJobs(0, 19))[0]?.jobId, id);
    assert.equal(await c.killJob(id), 'success');
  } finally {
    c.close();
  }
});

test('a connection cut in the middle of a body is a NetworkError', async () => {
  const srv = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
    res.write('{"databases":[');
    setImmediate(() => res.socket?.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const c = new TdClient({
    apikey: FAKE_KEY,
    endpoint: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
  });
  try {
    await assert.rejects(
      c.listDatabases(),
      (e: unknown) => e instanceof ApiError && e.kind === 'NetworkError',
    );
  } finally {
    c.close();
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});
