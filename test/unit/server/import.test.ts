// Imports through the API: hostile bodies are refused whole, unique ids deduplicate (also
// across a restart), columns are inferred and widened, concurrent imports all land.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { decodeMultiple, encode } from '../../../src/core/msgpack.js';
import { encodeImportBody } from '../../../src/td/import-body.js';
import { request, runQuery, setupTable, startTestServer, type TestServer } from './helpers.js';

let ts: TestServer;
const IMPORT = '/v3/table/import/impdb/logs/msgpack.gz';

before(async () => {
  ts = await startTestServer({
    limits: { maxImportBytes: 256 * 1024, maxImportDecompressedBytes: 1024 * 1024 },
  });
  await setupTable(ts, 'impdb', 'logs');
});
after(async () => {
  await ts.close();
});

async function count(table = 'logs'): Promise<number> {
  return (await ts.get(`/v3/table/show/impdb/${table}`)).json().count;
}

test('hostile bodies: 400/413 with a clear message, nothing imported, server keeps serving', async () => {
  assert.equal((await ts.importRecords('impdb', 'logs', [{ time: 1, ok: 'first' }])).status, 200);
  const good = await encodeImportBody([{ time: 2, ok: 'x' }]);
  const bodies: Array<[string, Buffer, number, RegExp]> = [
    ['not gzip', Buffer.from('{"time":1}'), 400, /not gzip/],
    ['empty body', Buffer.alloc(0), 400, /not gzip/],
    ['truncated gzip', good.subarray(0, good.length - 8), 400, /truncated/],
    ['not msgpack', zlib.gzipSync('hello, world'), 400, /not a msgpack map/],
    [
      'record not a map',
      zlib.gzipSync(Buffer.concat([encode({ time: 1 }), encode([1, 2, 3])])),
      400,
      /record 2/,
    ],
    ['no time', zlib.gzipSync(Buffer.concat([encode({ time: 1 }), encode({ a: 1 })])), 400, /no 'time'/],
    ['string time', zlib.gzipSync(encode({ time: '2013-01-01' })), 400, /'time' that is not an integer/],
    [
      'lying length',
      zlib.gzipSync(Buffer.from([0x81, 0xa1, 0x61, 0xdb, 0x7f, 0xff, 0xff, 0xff])),
      400,
      /length/,
    ],
    ['gzip bomb', zlib.gzipSync(Buffer.alloc(32 * 1024 * 1024)), 413, /decompressed body exceeds/],
    ['over the body limit', Buffer.alloc(300 * 1024, 1), 413, /exceeds the limit of 262144 bytes/],
  ];
  for (const [name, body, status, msg] of bodies) {
    const r = await ts.put(IMPORT, body);
    assert.equal(r.status, status, `${name}: ${r.body.toString()}`);
    const j = r.json();
    assert.match(j.message, msg, name);
    assert.equal(j.error, j.message);
    assert.equal(j.severity, 'error');
  }
  // a good record before a bad one in the same body is not imported either
  assert.equal(await count(), 1);
  assert.deepEqual(decodeMultiple((await ts.get('/v3/table/tail/impdb/logs')).body), [
    { time: 1, ok: 'first' },
  ]);
  assert.equal((await ts.put(IMPORT, good)).status, 200);
  assert.equal(await count(), 2);
});

test('an empty gzip is a valid import of 0 records (out_tdlog existence probe); bad format/id 400', async () => {
  const before = await count();
  const r = await ts.put(IMPORT, zlib.gzipSync(Buffer.alloc(0)));
  assert.equal(r.status, 200);
  assert.equal(await count(), before);
  assert.equal((await ts.put('/v3/table/import/impdb/logs/json', zlib.gzipSync(''))).status, 400);
  assert.equal(
    (await ts.put('/v3/table/import_with_id/impdb/logs/bad%20id/msgpack.gz', zlib.gzipSync(''))).status,
    400,
  );
  const missing = await ts.put('/v3/table/import/impdb/nope/msgpack.gz', zlib.gzipSync(''));
  assert.equal(missing.status, 404);
  assert.equal(missing.json().message, "Couldn't find UserTableReference with name = nope");
});

test('import_with_id: a repeated id answers 200 and imports nothing; ids are per table', async () => {
  await ts.post('/v3/table/create/impdb/dedupe/log');
  await ts.post('/v3/table/create/impdb/dedupe2/log');
  const recs = [
    { time: 10, a: 1 },
    { time: 11, a: 2 },
  ];
  const id = 'f'.repeat(32);
  for (let i = 0; i < 3; i++) {
    const r = await ts.importRecords('impdb', 'dedupe', recs, id);
    assert.equal(r.status, 200);
    assert.equal(r.json().unique_id, id);
  }
  assert.equal(await count('dedupe'), 2);
  assert.equal((await ts.importRecords('impdb', 'dedupe2', recs, id)).status, 200);
  assert.equal(await count('dedupe2'), 2);
  // the same id sent concurrently still lands once
  const id2 = 'a'.repeat(32);
  const all = await Promise.all(
    Array.from({ length: 8 }, () => ts.importRecords('impdb', 'dedupe', recs, id2)),
  );
  assert.ok(all.every((r) => r.status === 200));
  assert.equal(await count('dedupe'), 4);
  // without an id, a retry duplicates (TD's behaviour)
  await ts.importRecords('impdb', 'dedupe2', recs);
  await ts.importRecords('impdb', 'dedupe2', recs);
  assert.equal(await count('dedupe2'), 6);
  // a failed import does not burn its id
  const id3 = 'b'.repeat(32);
  const bad = await ts.put(`/v3/table/import_with_id/impdb/dedupe/${id3}/msgpack.gz`, zlib.gzipSync('junk'));
  assert.equal(bad.status, 400);
  assert.equal((await ts.importRecords('impdb', 'dedupe', recs, id3)).status, 200);
  assert.equal(await count('dedupe'), 6);
});

test('columns widen long -> double -> string across imports; values stay queryable', async () => {
  await ts.post('/v3/table/create/impdb/widen/log');
  await ts.importRecords('impdb', 'widen', [{ time: 1, v1: 1, v2: 10, tags: ['a', 'b'] }]);
  let schema = JSON.parse((await ts.get('/v3/table/show/impdb/widen')).json().schema);
  assert.deepEqual(schema, [
    ['v1', 'long'],
    ['v2', 'long'],
    ['tags', 'string'],
  ]);
  await ts.importRecords('impdb', 'widen', [{ time: 2, v1: 1.5, v2: 'ten', nested: { k: 'v' } }]);
  schema = JSON.parse((await ts.get('/v3/table/show/impdb/widen')).json().schema);
  assert.deepEqual(schema, [
    ['v1', 'double'],
    ['v2', 'string'],
    ['tags', 'string'],
    ['nested', 'string'],
  ]);
  const job = await runQuery(ts, 'impdb', 'SELECT time, v1, v2, tags, nested FROM widen ORDER BY time');
  assert.equal(job.status, 'success', job.debug.stderr);
  const rows = decodeMultiple((await ts.get(`/v3/job/result/${job.job_id}?format=msgpack`)).body);
  assert.deepEqual(rows, [
    [1, 1, '10', '["a","b"]', null],
    [2, 1.5, 'ten', null, '{"k":"v"}'],
  ]);
});

test('concurrent imports all land, counts and last_log_timestamp are exact', async () => {
  await ts.post('/v3/table/create/impdb/conc/log');
  const n = 16;
  const res = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      ts.importRecords(
        'impdb',
        'conc',
        Array.from({ length: 100 }, (_, j) => ({ time: 1_000_000 + i * 100 + j, i, j, ['k' + (i % 4)]: j })),
        `c${i}`,
      ),
    ),
  );
  assert.ok(res.every((r) => r.status === 200));
  const t = (await ts.get('/v3/table/show/impdb/conc')).json();
  assert.equal(t.count, n * 100);
  assert.equal(
    t.last_log_timestamp,
    new Date((1_000_000 + n * 100 - 1) * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC'),
  );
  const job = await runQuery(ts, 'impdb', 'SELECT count(*), count(DISTINCT time) FROM conc');
  assert.deepEqual(decodeMultiple((await ts.get(`/v3/job/result/${job.job_id}`)).body), [[1600, 1600]]);
});

test('imports, ids and schema survive a restart', async () => {
  await ts.post('/v3/table/create/impdb/durable/log');
  await ts.importRecords('impdb', 'durable', [{ time: 5, x: 1 }], 'restart-id');
  await ts.restart();
  assert.equal(await count('durable'), 1);
  assert.equal((await ts.importRecords('impdb', 'durable', [{ time: 5, x: 1 }], 'restart-id')).status, 200);
  assert.equal(await count('durable'), 1);
  assert.equal((await ts.importRecords('impdb', 'durable', [{ time: 6, x: 'two' }], 'other-id')).status, 200);
  assert.equal(await count('durable'), 2);
  assert.deepEqual(JSON.parse((await ts.get('/v3/table/show/impdb/durable')).json().schema), [
    ['x', 'string'],
  ]);
});

test('chunked upload without Content-Length is bounded too', async () => {
  const big = Buffer.alloc(300 * 1024, 7);
  const r = await new Promise<number>((resolve, reject) => {
    import('node:http').then(({ default: http }) => {
      const req = http.request(`${ts.url}${IMPORT}`, {
        method: 'PUT',
        headers: { Authorization: `TD1 ${ts.key}`, 'Transfer-Encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(big.subarray(0, 100 * 1024));
      req.write(big.subarray(100 * 1024));
      req.end();
    }, reject);
  });
  assert.equal(r, 413);
  assert.equal((await request(ts.url, 'GET', '/v3/system/server_status')).status, 200);
});

test('unique ids are forgotten after the dedupe window (pruned at start and hourly)', async () => {
  const s = await startTestServer({ dedupeWindowMs: 1 });
  try {
    await setupTable(s, 'ddb', 'tbl');
    const recs = [{ time: 1, a: 1 }];
    await s.importRecords('ddb', 'tbl', recs, 'old-id');
    await s.importRecords('ddb', 'tbl', recs, 'old-id');
    assert.equal((await s.get('/v3/table/show/ddb/tbl')).json().count, 1, 'within the window: deduplicated');
    await s.restart();
    await s.importRecords('ddb', 'tbl', recs, 'old-id');
    assert.equal((await s.get('/v3/table/show/ddb/tbl')).json().count, 2, 'after the window: imported again');
  } finally {
    await s.close();
  }
});

test('an early answer (404, 401) reads the body first, so a client writing it all gets the answer', async () => {
  const body = Buffer.alloc(8 * 1024 * 1024 + 7, 0x5a);
  const big = await startTestServer({ limits: { maxImportBytes: 16 * 1024 * 1024 } });
  try {
    for (let i = 0; i < 3; i++) {
      const r = await big.put('/v3/table/import/nodb/nowhere/msgpack.gz', body);
      assert.equal(r.status, 404);
      const u = await big.put('/v3/table/import/nodb/nowhere/msgpack.gz', body, `1/${'0'.repeat(40)}`);
      assert.equal(u.status, 401);
    }
  } finally {
    await big.close();
  }
});
