// bulk_import: create, upload parts, perform (error records set aside), commit once even when
// repeated, error_records as gzipped msgpack, list/show shapes, delete.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { decodeMultiple, encode } from '../../../src/core/msgpack.js';
import { encodeImportBody } from '../../../src/td/import-body.js';
import { setupTable, startTestServer, type TestServer } from './helpers.js';

let ts: TestServer;
before(async () => {
  ts = await startTestServer();
  await setupTable(ts, 'bulkdb', 'events');
});
after(async () => {
  await ts.close();
});

test('bulk import: upload, perform, commit (idempotent), error records', async () => {
  assert.equal((await ts.post('/v3/bulk_import/create/sess_1/bulkdb/events')).status, 200);
  assert.equal((await ts.post('/v3/bulk_import/create/sess_1/bulkdb/events')).status, 409);
  assert.equal((await ts.post('/v3/bulk_import/create/other/bulkdb/missing')).status, 404);
  assert.equal((await ts.post('/v3/bulk_import/create/bad..name/bulkdb/events')).status, 400);

  const p1 = await encodeImportBody([
    { time: 1, a: 1 },
    { time: 2, a: 2 },
  ]);
  const p2 = zlib.gzipSync(
    Buffer.concat([encode({ time: 3, a: 3 }), encode({ a: 'no time' }), encode({ time: 4 })]),
  );
  const p3 = zlib.gzipSync('not msgpack at all');
  for (const [name, body] of [
    ['part1', p1],
    ['part.2', p2],
    ['part3', p3],
  ] as const) {
    assert.equal((await ts.put(`/v3/bulk_import/upload_part/sess_1/${name}`, body)).status, 200);
  }
  assert.deepEqual((await ts.get('/v3/bulk_import/list_parts/sess_1')).json().parts.sort(), [
    'part.2',
    'part1',
    'part3',
  ]);
  assert.equal((await ts.post('/v3/bulk_import/freeze/sess_1')).status, 200);
  assert.equal((await ts.put('/v3/bulk_import/upload_part/sess_1/late', p1)).status, 400, 'frozen');

  const perf = await ts.post('/v3/bulk_import/perform/sess_1');
  assert.equal(perf.status, 200);
  const job = await ts.waitJob(perf.json().job_id);
  assert.equal(job.status, 'success');
  assert.equal(job.type, 'bulk_import');
  const show = (await ts.get('/v3/bulk_import/show/sess_1')).json();
  assert.deepEqual(show, {
    name: 'sess_1',
    database: 'bulkdb',
    table: 'events',
    status: 'ready',
    upload_frozen: true,
    job_id: perf.json().job_id,
    valid_records: 4,
    error_records: 1,
    valid_parts: 2,
    error_parts: 1,
  });
  const errs = await ts.get('/v3/bulk_import/error_records/sess_1');
  assert.deepEqual(decodeMultiple(zlib.gunzipSync(errs.body)), [{ a: 'no time' }]);

  assert.equal((await ts.get('/v3/table/show/bulkdb/events')).json().count, 0, 'nothing before commit');
  assert.equal((await ts.post('/v3/bulk_import/commit/sess_1')).status, 200);
  assert.equal((await ts.post('/v3/bulk_import/commit/sess_1')).status, 200);
  assert.equal((await ts.get('/v3/table/show/bulkdb/events')).json().count, 4);
  const list = (await ts.get('/v3/bulk_import/list')).json().bulk_imports;
  assert.equal(list.length, 1);
  assert.equal(list[0].status, 'committed');

  await ts.restart();
  assert.equal((await ts.get('/v3/bulk_import/show/sess_1')).json().status, 'committed', 'sessions persist');
  assert.equal((await ts.post('/v3/bulk_import/delete/sess_1')).status, 200);
  assert.equal((await ts.get('/v3/bulk_import/show/sess_1')).status, 404);
});
