// The td program as a real process against the in-memory fake API (fake-td-server.ts): output
// goldens, exit codes, config handling, and import chunking/dedupe. The same flows against the
// real td-server are in test/e2e/td-cli.test.ts.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FAKE_KEY, FakeTdServer } from './fake-td-server.js';
import { runTd } from './run-td.js';

const fake = new FakeTdServer();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'td-cli-'));
let env: Record<string, string> = {};

before(async () => {
  const url = await fake.start();
  env = { TD_CONFIG_PATH: path.join(dir, 'td.conf'), TD_API_KEY: FAKE_KEY, TD_API_SERVER: url };
});
after(async () => {
  await fake.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const td = (args: string[], extra: Record<string, string> = {}, input?: string) =>
  runTd(args, { ...env, ...extra }, input !== undefined ? { input } : {});

test('empty account: db:list prints "0 rows in set" and a hint on stderr', async () => {
  const r = await td(['db:list']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '0 rows in set\n');
  assert.equal(r.stderr, "There are no databases.\nUse 'td db:create <db_name>' to create a database.\n");
});

test('db:create, table:create, import, then the listings (goldens)', async () => {
  let r = await td(['db:create', 'testdb']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    "Database 'testdb' is created.\nUse 'td table:create testdb <table_name>' to create a table.\n",
  );
  r = await td(['db:create', 'testdb']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Database 'testdb' already exists.\n");
  r = await td(['table:create', 'testdb', 'www_access']);
  assert.equal(r.stderr, "Table 'testdb.www_access' is created.\n");
  r = await td(['table:create', 'nodb', 'www_access']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    "Database 'nodb' does not exist.\nUse 'td db:create nodb' to create the database.\n",
  );

  const file = path.join(dir, 'walk.json');
  fs.writeFileSync(file, '{"action":"login","user":2,"time":1714564800}\n');
  r = await td(['import', 'testdb', 'www_access', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `importing ${file}...\nimported 1 entries from ${file}.\ndone.\n`);
  assert.match(
    r.stderr,
    /^Imported 1 record \(\d+ B\) from 1 file in [\d.]+ s: [\d,]+ records\/s, 1 chunk\.\n$/,
  );

  r = await td(['tables']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      '+----------+------------+------+-------+--------+---------------------------+---------------------------+--------------------------+',
      '| Database | Table      | Type | Count | Size   | Last import               | Last log timestamp        | Schema                   |',
      '+----------+------------+------+-------+--------+---------------------------+---------------------------+--------------------------+',
      '| testdb   | www_access | log  | 1     | 0.0 GB | 2024-05-01 12:00:00 +0000 | 2024-05-01 12:00:00 +0000 | action:string, user:long |',
      '+----------+------------+------+-------+--------+---------------------------+---------------------------+--------------------------+',
      '1 row in set',
      '',
    ].join('\n'),
  );

  r = await td(['db:list']);
  assert.equal(
    r.stdout,
    [
      '+--------+-------+',
      '| Name   | Count |',
      '+--------+-------+',
      '| testdb | 1     |',
      '+--------+-------+',
      '1 row in set',
      '',
    ].join('\n'),
  );
  r = await td(['dbs', '-f', 'csv']);
  assert.equal(r.stdout, 'Name,Count\ntestdb,1\n');

  r = await td(['table:show', 'testdb', 'www_access']);
  assert.equal(
    r.stdout,
    'Name        : testdb.www_access\nType        : log\nCount       : 1\nSchema      : (\n    action:string\n    user:long\n)\n',
  );

  r = await td(['table:tail', 'testdb', 'www_access']);
  assert.equal(r.stdout, '{"action":"login","user":2,"time":1714564800}\n');
});

test('td tables: thousands separators in table format only; sorted by db, type, table', async () => {
  const db = fake.dbs.get('testdb');
  assert.ok(db);
  db.set('big', {
    rows: Array.from({ length: 1234 }, (_, i) => ({ n: i, time: 1 })),
    createdAt: '',
    lastImport: null,
  });
  let r = await td(['tables', 'testdb']);
  const lines = r.stdout.split('\n');
  assert.match(
    lines[3] as string,
    /^\| testdb {3}\| big {8}\| log {2}\| 1,234 \| 0\.0 GB \| {27}\| 1970-01-01 00:00:01 \+0000 \| n:long {19}\|$/,
  );
  assert.match(lines[4] as string, /^\| testdb {3}\| www_access \|/);
  r = await td(['tables', '-f', 'tsv', 'testdb']);
  assert.equal(
    r.stdout.split('\n')[1],
    'testdb\tbig\tlog\t1234\t0.0 GB\t\t1970-01-01 00:00:01 +0000\tn:long',
  );
  db.delete('big');
});

test('query -w: job lines, status, result table (golden); job:show', async () => {
  let r = await td(['query', '-w', '-d', 'testdb', 'SELECT COUNT(1) AS cnt FROM www_access']);
  assert.equal(r.code, 0, r.stderr);
  const id = /Job (\d+) is queued/.exec(r.stdout)?.[1];
  assert.ok(id);
  assert.equal(
    r.stdout,
    [
      `Job ${id} is queued.`,
      `Use 'td job:show ${id}' to show the status.`,
      '  started at 2024-05-01T12:00:00Z',
      'Status      : success',
      'Result      :',
      '+-----+',
      '| cnt |',
      '+-----+',
      '| 1   |',
      '+-----+',
      '1 row in set',
      '',
    ].join('\n'),
  );
  r = await td(['job:show', id]);
  assert.equal(
    r.stdout,
    [
      `JobID       : ${id}`,
      'Status      : success',
      'Type        : hive',
      'Database    : testdb',
      'Start At    : 2024-05-01 12:00:00 UTC',
      'End At      : 2024-05-01 12:00:01 UTC',
      'Priority    : NORMAL',
      'Retry limit : 0',
      'Output      : ',
      'Query       : SELECT COUNT(1) AS cnt FROM www_access',
      'CPU time    : ',
      'Result size : 12 B',
      'Result      :',
      '+-----+',
      '| cnt |',
      '+-----+',
      '| 1   |',
      '+-----+',
      '1 row in set',
      "Use '-v' option to show detailed messages.",
      '',
    ].join('\n'),
  );
  r = await td([
    'query',
    '-w',
    '-T',
    'presto',
    '-d',
    'testdb',
    '-f',
    'json',
    '-c',
    'SELECT * FROM www_access',
  ]);
  assert.match(r.stdout, /Result {6}:\n\[\{"action":"login","time":1714564800,"user":2\}\]\n$/);
  r = await td(['query', '-w', '-d', 'testdb', '-f', 'csv', '-c', 'SELECT * FROM www_access']);
  assert.match(r.stdout, /Result {6}:\naction,time,user\nlogin,1714564800,2\n$/);
  const out = path.join(dir, 'result.tsv');
  r = await td(['query', '-w', '-d', 'testdb', '-o', out, 'SELECT * FROM www_access']);
  assert.equal(fs.readFileSync(out, 'utf8'), 'login\t1714564800\t2\n');
  assert.match(r.stdout, new RegExp(`written to ${out} in tsv format\\n$`));
});

test('a failed query prints its error lines and exits 1', async () => {
  const r = await td(['query', '-w', '-d', 'testdb', 'SELECT nonsense']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, / {2}Query failed: cannot run SELECT nonsense\nStatus {6}: error\n$/);
});

test('import: 25,000 records go as 3 chunks; a rerun imports nothing twice', async () => {
  const file = path.join(dir, 'many.csv');
  const lines = ['time,user,path'];
  for (let i = 0; i < 25_000; i++) lines.push(`${1714564800 + i},${i % 97},/p/${i}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const puts = () => fake.requests.filter((q) => q.method === 'PUT');
  const before = puts().length;
  let r = await td(['import', 'testdb', 'csvt', file, '--auto-create']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Table 'testdb\.csvt' is created\./);
  assert.match(r.stderr, /Imported 25,000 records .* 3 chunks\./);
  const first = puts().slice(before);
  assert.equal(first.length, 3);
  const ids = first.map((q) => q.url.split('/')[6]);
  assert.ok(ids.every((id) => /^[0-9a-f]{32}$/.test(id as string)));
  assert.equal(new Set(ids).size, 3);
  assert.equal(fake.dbs.get('testdb')?.get('csvt')?.rows.length, 25_000);
  assert.deepEqual(fake.dbs.get('testdb')?.get('csvt')?.rows[5], { time: 1714564805, user: 5, path: '/p/5' });

  r = await td(['import', 'testdb', 'csvt', file]);
  assert.equal(r.code, 0, r.stderr);
  const second = puts().slice(before + 3);
  assert.deepEqual(
    second.map((q) => q.url.split('/')[6]),
    ids,
    'same file, same target: the same chunk ids',
  );
  assert.equal(fake.dbs.get('testdb')?.get('csvt')?.rows.length, 25_000, 'nothing imported twice');
});

test('import interrupted by a failing chunk: exit 1, then a rerun completes without duplicates', async () => {
  const file = path.join(dir, 'part.json');
  fs.writeFileSync(
    file,
    Array.from({ length: 30 }, (_, i) => JSON.stringify({ i, time: 100 + i })).join('\n'),
  );
  await td(['table:create', 'testdb', 'partial']);
  fake.failImportsAfter = { ok: 1, status: 400 }; // first chunk commits, the second is refused (not retried)
  let r = await td(['import', 'testdb', 'partial', file, '--chunk-records', '10']);
  fake.failImportsAfter = undefined;
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /10 records in 1 chunks were imported before the failure; run the same command again/,
  );
  assert.match(r.stderr, /Error: Import failed: injected failure\n$/);
  const t = fake.dbs.get('testdb')?.get('partial');
  assert.equal(t?.rows.length, 10);
  r = await td(['import', 'testdb', 'partial', file, '--chunk-records', '10']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    t?.rows.map((x) => x.i),
    Array.from({ length: 30 }, (_, i) => i),
  );
});

test('import: 5xx answers are retried (same chunk id), nothing is duplicated', async () => {
  const file = path.join(dir, 'retry.json');
  fs.writeFileSync(file, '{"a":1,"time":1}\n');
  await td(['table:create', 'testdb', 'retried']);
  fake.failImportsAfter = { ok: 0, status: 503, times: 1 };
  const r = await td(['import', 'testdb', 'retried', file]);
  fake.failImportsAfter = undefined;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /503: Import failed: injected failure; retrying in 1 s \(attempt 2 of 5\)/);
  assert.equal(fake.dbs.get('testdb')?.get('retried')?.rows.length, 1);
});

test('import: records without time or unparsable lines are skipped with a message', async () => {
  const file = path.join(dir, 'skips.json');
  fs.writeFileSync(file, '{"a":1,"time":1}\n{"a":2}\nnot json\n{"a":3,"time":"2024-05-01T00:00:00Z"}\n');
  const r = await td(['import', 'testdb', 'www_access', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, / {2}skipped: record doesn't have 'time' column\n/);
  assert.match(r.stderr, / {2}skipped: Unexpected token .*: not json\n/);
  assert.match(r.stdout, /imported 2 entries/);
  const rows = fake.dbs.get('testdb')?.get('www_access')?.rows ?? [];
  assert.deepEqual(rows[rows.length - 1], { a: 3, time: 1714521600 });
});

test('errors: unknown command, missing key, bad key, unknown db', async () => {
  let r = await td(['tabels']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    "'tabels' is not a td command. Run 'td' to show the list.\nDid you mean this?: tables\n",
  );
  r = await td(['db:list'], { TD_API_KEY: '' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^TreasureData account is not configured yet\.\n/);
  r = await td(['db:list'], { TD_API_KEY: '1/wrong' });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'Error: AuthError - List databases failed: Failed to Login\n');
  r = await td(['tables', 'nosuchdb']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    "Database 'nosuchdb' does not exist\nUse 'td database:list' to show the list of databases.\n",
  );
  r = await td(['db:create', 'A-b']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    "Error: Database name must only consist of lower-case alpha-numeric characters and '_'.\n",
  );
  r = await td(['query', 'SELECT 1']);
  assert.equal(r.stderr, 'Error: -d / --database DB_NAME option is required.\n');
  r = await td(['-e', 'ftp://x', 'db:list']);
  assert.match(r.stderr, /^Error: API server endpoint URL must use 'http' or 'https' protocol/);
});

test('config file, apikey:set/show, -k and -e flags, server:status', async () => {
  const conf = path.join(dir, 'own.conf');
  const base = { TD_CONFIG_PATH: conf };
  let r = await runTd(['apikey:show'], base);
  assert.equal(r.code, 1);
  r = await runTd(['apikey:set', FAKE_KEY], base);
  assert.equal(r.stdout, "API key is set.\nUse 'td db:create <db_name>' to create a database.\n");
  r = await runTd(['apikey:set', 'other'], base);
  assert.equal(r.stderr, "Account is already configured.\nAdd '-f' option to overwrite.\n");
  r = await runTd(['apikey:show'], base);
  assert.equal(r.stdout, `${FAKE_KEY}\n`);
  r = await runTd(['-e', env.TD_API_SERVER as string, 'db:list', '-f', 'json'], base);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\[\{"Name":"testdb","Count":\d+\}\]\n$/);
  fs.appendFileSync(conf, `  endpoint = ${env.TD_API_SERVER}\n`);
  r = await runTd(['server:status'], base);
  assert.equal(r.stdout, 'ok\n');
  r = await runTd(['-k', '1/wrong', 'dbs'], base);
  assert.equal(
    r.stderr,
    'Error: AuthError - List databases failed: Failed to Login\n',
    'the flag beats the file',
  );
  r = await runTd(['-c', path.join(dir, 'missing.conf'), 'dbs'], base);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not configured/);
});

test('a bare host:port endpoint is https by default and http with --insecure', async () => {
  const hostPort = (env.TD_API_SERVER as string).replace('http://', '');
  let r = await td(['--insecure', '-e', hostPort, 'dbs', '-f', 'tsv']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Name\tCount\ntestdb\t\d+\n$/);
  r = await td(['dbs'], { TD_API_SERVER: hostPort });
  assert.equal(r.code, 1, 'https to a plain-http server fails');
  assert.match(r.stderr, /^Error: List databases failed: /);
});

test('query text from -q FILE or from stdin with "-"', async () => {
  const q = path.join(dir, 'q.sql');
  fs.writeFileSync(q, 'SELECT COUNT(1) AS n FROM www_access\n');
  let r = await td(['query', '-w', '-d', 'testdb', '-f', 'tsv', '-c', '-q', q]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Result {6}:\nn\n\d+\n$/);
  r = await td(['query', '-w', '-d', 'testdb', '-f', 'tsv', '-'], {}, 'SELECT COUNT(1) AS n FROM www_access');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Result {6}:\n\d+\n$/);
});

test('table:delete asks unless -f; db:delete refuses a non-empty database without -f', async () => {
  await td(['db:create', 'dropme']);
  await td(['table:create', 'dropme', 'tbl_a']);
  await td(['table:create', 'dropme', 'tbl_b']);
  let r = await td(['table:delete', 'dropme', 'tbl_a'], {}, 'n\n');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Do you really want to delete 'tbl_a' in 'dropme'? [y/N]: canceled.\n");
  r = await td(['table:delete', 'dropme', 'tbl_a'], {}, 'maybe\nyes\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    "Do you really want to delete 'tbl_a' in 'dropme'? [y/N]: Type 'Y' or 'N': Table 'dropme.tbl_a' is deleted.\n",
  );
  r = await td(['db:delete', 'dropme']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Database 'dropme' is not empty. Use '-f' option or drop tables first.\n");
  r = await td(['db:delete', '-f', 'dropme']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "Database 'dropme' is deleted.\n");
  assert.equal(fake.dbs.has('dropme'), false);
});
