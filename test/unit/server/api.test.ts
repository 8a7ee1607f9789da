// td-server's REST API through its request handler (an in-process server on port 0): the
// walkthrough trace of spec §7, the response shapes and compatibility traps of spec §2.4,
// auth, name rules, percent-decoding, and table management routes.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { decodeMultiple } from '../../../src/core/msgpack.js';
import { encodeImportBody } from '../../../src/td/import-body.js';
import { request, startTestServer, type TestServer } from './helpers.js';

const TIME_STRING = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/;
let ts: TestServer;

before(async () => {
  ts = await startTestServer();
});
after(async () => {
  await ts.close();
});

test('server_status is open; every other call needs a valid TD1 key (401 "Failed to Login")', async () => {
  const s = await ts.get('/v3/system/server_status', null);
  assert.equal(s.status, 200);
  assert.deepEqual(s.json(), { status: 'ok' });
  for (const key of [null, `1/${'a'.repeat(40)}`, 'garbage']) {
    const r = await ts.get('/v3/database/list', key);
    assert.equal(r.status, 401);
    assert.deepEqual(r.json(), { error: 'Failed to Login', message: 'Failed to Login', severity: 'error' });
  }
  const bearer = await request(ts.url, 'GET', '/v3/database/list', {
    headers: { Authorization: `Bearer ${ts.key}` },
  });
  assert.equal(bearer.status, 401);
  const auth = await ts.post('/v3/user/authenticate', { user: 'me', password: 'x' }, null);
  assert.equal(auth.status, 400);
  assert.equal(auth.json().message, 'User name or password mismatched.');
});

test('walkthrough trace (spec §7): 404, create table 404, create db, create table, import 200', async () => {
  const body = await encodeImportBody([{ action: 'login', user: 2, time: 1356998400 }]);
  const path = '/v3/table/import_with_id/testdb/www_access/0123456789abcdef0123456789abcdef/msgpack.gz';
  const first = await ts.put(path, body);
  assert.equal(first.status, 404);
  assert.equal(first.json().message, "Couldn't find UserDatabase with name = testdb");
  const t1 = await ts.post('/v3/table/create/testdb/www_access/log');
  assert.equal(t1.status, 404);
  assert.equal(t1.json().message, "Couldn't find UserDatabase with name = testdb");
  const d = await ts.post('/v3/database/create/testdb');
  assert.equal(d.status, 200);
  assert.deepEqual(d.json(), { database: 'testdb' });
  const t2 = await ts.post('/v3/table/create/testdb/www_access/log');
  assert.equal(t2.status, 200);
  assert.deepEqual(t2.json(), { database: 'testdb', table: 'www_access', type: 'log' });
  const ok = await ts.put(path, body);
  assert.equal(ok.status, 200);
  const j = ok.json();
  assert.deepEqual(Object.keys(j).sort(), ['database', 'elapsed_time', 'md5_hex', 'table', 'unique_id']);
  assert.equal(j.database, 'testdb');
  assert.equal(j.table, 'www_access');
  assert.equal(typeof j.elapsed_time, 'number');
  assert.equal(j.unique_id, '0123456789abcdef0123456789abcdef');
  assert.equal(j.md5_hex, createHash('md5').update(body).digest('hex'));

  const tables = (await ts.get('/v3/table/list/testdb')).json();
  assert.equal(tables.tables[0].count, 1);
});

test('database/list: permission string, string timestamps, integer count (trap 1, 2, 4)', async () => {
  const r = await ts.get('/v3/database/list');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const db = r.json().databases.find((d: any) => d.name === 'testdb');
  assert.equal(db.permission, 'administrator');
  assert.match(db.created_at, TIME_STRING);
  assert.match(db.updated_at, TIME_STRING);
  assert.equal(db.count, 1);
  assert.ok(Number.isInteger(db.id));
  assert.equal(db.organization, null);
});

test('table/list and table/show: schema is a JSON string without time or v; times are strings or null', async () => {
  await ts.post('/v3/table/create/testdb/fresh/log');
  await ts.importRecords('testdb', 'www_access', [{ time: 1356998500, v: 'hidden from schema', extra: 1.5 }]);
  const list = (await ts.get('/v3/table/list/testdb')).json();
  assert.equal(list.database, 'testdb');
  const fresh = list.tables.find((t: any) => t.name === 'fresh');
  assert.equal(fresh.schema, '[]');
  assert.equal(fresh.count, 0);
  assert.equal(fresh.last_log_timestamp, null);
  assert.equal(fresh.counter_updated_at, null);
  assert.equal(fresh.estimated_storage_size, 0);
  assert.equal(fresh.type, 'log');
  const t = list.tables.find((x: any) => x.name === 'www_access');
  assert.equal(typeof t.schema, 'string');
  assert.deepEqual(JSON.parse(t.schema), [
    ['action', 'string'],
    ['user', 'long'],
    ['extra', 'double'],
  ]);
  assert.equal(t.count, 2);
  assert.equal(t.last_log_timestamp, '2013-01-01 00:01:40 UTC');
  for (const k of ['created_at', 'updated_at', 'counter_updated_at']) assert.match(t[k], TIME_STRING);
  assert.ok(Number.isInteger(t.estimated_storage_size) && t.estimated_storage_size > 0);
  for (const k of ['id', 'expire_days', 'include_v', 'delete_protected']) assert.ok(k in t, k);

  const show = await ts.get('/v3/table/show/testdb/www_access');
  assert.equal(show.status, 200);
  assert.equal(show.json().name, 'www_access');
  assert.equal(show.json().schema, t.schema);
  assert.equal((await ts.get('/v3/table/show/testdb/nope')).status, 404);
  const missingDb = await ts.get('/v3/table/list/nodb');
  assert.equal(missingDb.status, 404);
  assert.equal(missingDb.json().message, "Couldn't find UserDatabase with name = nodb");
});

test('409 for existing names, 400 with TD text for bad names, path segments percent-decoded', async () => {
  const dup = await ts.post('/v3/database/create/testdb');
  assert.equal(dup.status, 409);
  assert.equal(dup.json().message, 'Database testdb already exists');
  const dupT = await ts.post('/v3/table/create/testdb/www_access/log');
  assert.equal(dupT.status, 409);
  assert.equal(dupT.json().message, 'Table www_access already exists');
  const short = await ts.post('/v3/database/create/ab');
  assert.equal(short.status, 400);
  assert.equal(short.json().message, "Name must be 3 to 256 characters, got 2 characters. name = 'ab'");
  // td-client encodes '.' as %2E: the server sees the decoded name
  const dotted = await ts.post('/v3/database/create/my%2Edb');
  assert.equal(dotted.status, 400);
  assert.match(dotted.json().message, /name = 'my\.db'/);
  const encoded = await ts.get('/v3/table/list/%74estdb');
  assert.equal(encoded.status, 200);
  assert.equal(encoded.json().database, 'testdb');
  assert.equal((await ts.post('/v3/database/create/temp')).status, 400, 'DuckDB schema names are reserved');
  assert.equal((await ts.get('/v3/table/list/%E0%A4%A')).status, 400);
});

test('unknown route 404, wrong method 405, both as TD JSON errors', async () => {
  const r = await ts.get('/v3/nothing/here');
  assert.equal(r.status, 404);
  assert.equal(r.json().severity, 'error');
  const m = await ts.get('/v3/database/create/xyz');
  assert.equal(m.status, 405);
  assert.ok(m.json().message);
});

test('table/tail returns the last records, oldest first, as msgpack maps or JSON lines', async () => {
  await ts.post('/v3/table/create/testdb/tailed/log');
  await ts.importRecords(
    'testdb',
    'tailed',
    Array.from({ length: 15 }, (_, i) => ({ time: 1000 + i, n: i, s: i % 2 ? 'odd' : null })),
  );
  const r = await ts.get('/v3/table/tail/testdb/tailed?format=msgpack&count=3');
  assert.equal(r.status, 200);
  assert.deepEqual(decodeMultiple(r.body), [
    { time: 1012, n: 12 },
    { time: 1013, n: 13, s: 'odd' },
    { time: 1014, n: 14 },
  ]);
  const dflt = decodeMultiple((await ts.get('/v3/table/tail/testdb/tailed')).body);
  assert.equal(dflt.length, 10);
  const j = await ts.get('/v3/table/tail/testdb/tailed?format=json&count=2');
  assert.deepEqual(
    j.body
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [
      { time: 1013, n: 13, s: 'odd' },
      { time: 1014, n: 14 },
    ],
  );
  assert.equal((await ts.get('/v3/table/tail/testdb/tailed?format=xml')).status, 400);
  // a key named like DuckDB's rowid pseudo-column does not disturb the order
  await ts.post('/v3/table/create/testdb/rowids/log');
  await ts.importRecords('testdb', 'rowids', [
    { time: 1, rowid: 99 },
    { time: 2, rowid: 1 },
  ]);
  await ts.importRecords('testdb', 'rowids', [{ time: 3, rowid: 50 }]);
  assert.deepEqual(decodeMultiple((await ts.get('/v3/table/tail/testdb/rowids?count=2')).body), [
    { time: 2, rowid: 1 },
    { time: 3, rowid: 50 },
  ]);
});

test('update, update-schema, swap, change_database, delete', async () => {
  await ts.post('/v3/database/create/otherdb');
  await ts.post('/v3/table/create/testdb/t_a/log', { expire_days: '30', include_v: 'false' });
  await ts.post('/v3/table/create/testdb/t_b/log');
  await ts.importRecords('testdb', 't_a', [{ time: 1, a: 1 }]);
  await ts.importRecords('testdb', 't_b', [
    { time: 2, b: 'x' },
    { time: 3, b: 'y' },
  ]);
  let a = (await ts.get('/v3/table/show/testdb/t_a')).json();
  assert.equal(a.expire_days, 30);
  assert.equal(a.include_v, false);
  assert.equal((await ts.post('/v3/table/update/testdb/t_a', { expire_days: '7' })).status, 200);
  a = (await ts.get('/v3/table/show/testdb/t_a')).json();
  assert.equal(a.expire_days, 7);

  const us = await ts.post('/v3/table/update-schema/testdb/t_a', {
    schema: JSON.stringify([
      ['a', 'double'],
      ['added', 'string', 'alias'],
    ]),
  });
  assert.equal(us.status, 200);
  a = (await ts.get('/v3/table/show/testdb/t_a')).json();
  assert.deepEqual(JSON.parse(a.schema), [
    ['a', 'double'],
    ['added', 'string'],
  ]);
  const narrow = await ts.post('/v3/table/update-schema/testdb/t_a', { schema: '[["a","long"]]' });
  assert.equal(narrow.status, 400);
  assert.equal(
    (await ts.post('/v3/table/update-schema/testdb/t_a', { schema: '[["time","long"]]' })).status,
    400,
  );
  assert.equal((await ts.post('/v3/table/update-schema/testdb/t_a', { schema: 'nope' })).status, 400);

  assert.equal((await ts.post('/v3/table/swap/testdb/t_a/t_b')).status, 200);
  assert.equal((await ts.get('/v3/table/show/testdb/t_a')).json().count, 2);
  assert.equal((await ts.get('/v3/table/show/testdb/t_b')).json().count, 1);

  const mv = await ts.post('/v3/table/change_database/testdb/t_b', { dest_database_name: 'otherdb' });
  assert.equal(mv.status, 200);
  assert.equal((await ts.get('/v3/table/show/testdb/t_b')).status, 404);
  assert.equal((await ts.get('/v3/table/show/otherdb/t_b')).json().count, 1);

  const del = await ts.post('/v3/table/delete/testdb/t_a');
  assert.equal(del.status, 200);
  assert.deepEqual(del.json(), { database: 'testdb', table: 't_a', type: 'log' });
  assert.equal((await ts.post('/v3/table/delete/testdb/t_a')).status, 404);
  const dd = await ts.post('/v3/database/delete/otherdb');
  assert.equal(dd.status, 200);
  assert.deepEqual(dd.json(), { database: 'otherdb' });
  assert.ok(!(await ts.get('/v3/database/list')).json().databases.some((d: any) => d.name === 'otherdb'));
  assert.equal((await ts.post('/v3/database/delete/otherdb')).status, 404);
});

test('account/show and non-admin keys (permission full_access)', async () => {
  const acc = (await ts.get('/v3/account/show')).json().account;
  assert.equal(acc.id, 1);
  assert.ok(Number.isInteger(acc.storage_size) && acc.storage_size > 0);
  assert.match(acc.created_at, TIME_STRING);
  const { key } = ts.server.keys.create();
  const r = await ts.get('/v3/database/list', key);
  assert.equal(r.status, 200);
  assert.ok(r.json().databases.every((d: any) => d.permission === 'full_access'));
});

test('a key never appears in the log', () => {
  assert.ok(ts.logLines.length > 10);
  assert.ok(ts.logLines.every((l) => !l.includes(ts.key.slice(2))));
});
