// The td CLI as a real process against a real td-server child process: the walkthrough goldens
// (td tables, td db:list, td query -w, td table:tail, td job:show), import chunking with
// import_with_id dedupe (rerun and SIGKILL mid-import), and error output.
// Timestamps that depend on the clock are masked to a same-width placeholder before comparing.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TdClient } from '../../src/td/client.js';
import { runTd, TD_JS } from '../unit/cli/run-td.js';
import { startTdServer, type TdServerProc, tdServerAvailable } from '../unit/cli/td-server-proc.js';

const skip = tdServerAvailable() ? false : 'td-server is not built (dist/src/cli/td-server.js is missing)';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'td-cli-e2e-'));
let server: TdServerProc | undefined;
let env: Record<string, string> = {};

before(async () => {
  if (skip) return;
  server = await startTdServer();
  env = { TD_CONFIG_PATH: path.join(dir, 'td.conf'), TD_API_KEY: server.apikey, TD_API_SERVER: server.url };
});
after(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const td = (args: string[], extra: Record<string, string> = {}) => runTd(args, { ...env, ...extra });

/** Mask clock-dependent timestamps, keeping their width (so table borders stay comparable). */
function mask(s: string): string {
  return s.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (UTC|[+-]\d{4})/g, (_m, z: string) =>
    z === 'UTC' ? 'YYYY-MM-DD hh:mm:ss UTC' : 'YYYY-MM-DD hh:mm:ss +zzzz',
  );
}

async function tableCount(db: string, table: string): Promise<number> {
  const c = new TdClient({ apikey: server?.apikey as string, endpoint: server?.url as string });
  try {
    return (await c.listTables(db)).find((t) => t.name === table)?.count ?? 0;
  } finally {
    c.close();
  }
}

test('walkthrough: import, td tables, td db:list, td table:tail (goldens)', { skip }, async () => {
  let r = await td(['db:list']);
  assert.equal(r.stdout, '0 rows in set\n');
  const file = path.join(dir, 'www_access.json');
  fs.writeFileSync(file, '{"action":"login","user":2,"time":1714564800}\n');
  r = await td(['import', 'testdb', 'www_access', file, '--format', 'json', '--auto-create']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `importing ${file}...\nimported 1 entries from ${file}.\ndone.\n`);
  assert.match(
    r.stderr,
    /^Database 'testdb' is created\.\nTable 'testdb\.www_access' is created\.\nImported 1 record/,
  );

  r = await td(['tables']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    mask(r.stdout),
    [
      '+----------+------------+------+-------+--------+---------------------------+---------------------------+--------------------------+',
      '| Database | Table      | Type | Count | Size   | Last import               | Last log timestamp        | Schema                   |',
      '+----------+------------+------+-------+--------+---------------------------+---------------------------+--------------------------+',
      '| testdb   | www_access | log  | 1     | 0.0 GB | YYYY-MM-DD hh:mm:ss +zzzz | YYYY-MM-DD hh:mm:ss +zzzz | action:string, user:long |',
      '+----------+------------+------+-------+--------+---------------------------+---------------------------+--------------------------+',
      '1 row in set',
      '',
    ].join('\n'),
  );
  // the event time itself is shown exactly (TZ=UTC in the child)
  assert.match(r.stdout, /\| 2024-05-01 12:00:00 \+0000 \| action:string/);

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

  r = await td(['table:tail', 'testdb', 'www_access', '-n', '5']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { action: 'login', user: 2, time: 1714564800 });
  assert.equal(r.stdout.split('\n').length, 2, 'one JSON object per line');
});

test('td query -w and td job:show (goldens)', { skip }, async () => {
  let r = await td(['query', '-w', '-T', 'presto', '-d', 'testdb', 'SELECT COUNT(1) AS cnt FROM www_access']);
  assert.equal(r.code, 0, r.stderr);
  const id = /^Job (\S+) is queued\.$/m.exec(r.stdout)?.[1] as string;
  assert.ok(id, r.stdout);
  const lines = r.stdout.split('\n');
  const progress = lines.filter((l) => l.startsWith('  ')); // the job's own cmdout/stderr lines
  assert.ok(progress.length > 0, 'debug lines are shown while waiting');
  assert.equal(
    lines.filter((l) => !l.startsWith('  ')).join('\n'),
    [
      `Job ${id} is queued.`,
      `Use 'td job:show ${id}' to show the status.`,
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
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Result size : \d+ B$/m);
  assert.equal(
    mask(r.stdout.replace(/^Result size : \d+ B$/m, 'Result size : N B')),
    [
      `JobID       : ${id}`,
      'Status      : success',
      'Type        : presto',
      'Database    : testdb',
      'Start At    : YYYY-MM-DD hh:mm:ss UTC',
      'End At      : YYYY-MM-DD hh:mm:ss UTC',
      'Priority    : NORMAL',
      'Retry limit : 0',
      'Output      : ',
      'Query       : SELECT COUNT(1) AS cnt FROM www_access',
      'Result size : N B',
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
    'csv',
    '-c',
    'SELECT action, user FROM www_access',
  ]);
  assert.match(r.stdout, /Result {6}:\naction,user\nlogin,2\n$/);

  r = await td(['query', '-w', '-T', 'presto', '-d', 'testdb', 'SELECT * FROM no_such_table']);
  assert.equal(r.code, 1, 'a failed job exits 1');
  assert.match(r.stdout, /Status {6}: error\n$/);
  assert.match(r.stdout, /no_such_table/, 'the error text from debug.stderr is shown');
});

test('td import: 25,000 csv records in 3 chunks; a rerun imports nothing twice', { skip }, async () => {
  const file = path.join(dir, 'events.csv');
  const rows = ['time,user,path'];
  for (let i = 0; i < 25_000; i++) rows.push(`${1714564800 + i},${i % 97},/p/${i}`);
  fs.writeFileSync(file, `${rows.join('\n')}\n`);
  let r = await td(['import', 'testdb', 'events', file, '--auto-create']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Imported 25,000 records .* 3 chunks\.\n$/);
  r = await td(['tables', 'testdb']);
  assert.match(r.stdout, /\| testdb {3}\| events {5}\| log {2}\| 25,000 \|/);
  r = await td(['import', 'testdb', 'events', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await tableCount('testdb', 'events'), 25_000);
  r = await td([
    'query',
    '-w',
    '-T',
    'presto',
    '-d',
    'testdb',
    '-f',
    'tsv',
    'SELECT COUNT(DISTINCT path), SUM(user) FROM events',
  ]);
  let sum = 0;
  for (let i = 0; i < 25_000; i++) sum += i % 97;
  assert.match(r.stdout, new RegExp(`Result {6}:\\n25000\\t${sum}\\n$`));
});

test('td import killed mid-way (SIGKILL), then rerun: every record exactly once', { skip }, async (t) => {
  const file = path.join(dir, 'big.json');
  const total = 60_000;
  const out = fs.createWriteStream(file);
  for (let i = 0; i < total; i++)
    out.write(`{"i":${i},"time":${1714564800 + i},"msg":"event number ${i}"}\n`);
  await new Promise<void>((r) => out.end(() => r()));
  const r0 = await td(['table:create', 'testdb', 'killed']);
  assert.equal(r0.code, 0, r0.stderr);

  const child = spawn(
    process.execPath,
    [TD_JS, 'import', 'testdb', 'killed', file, '--chunk-records', '1000'],
    {
      env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...env },
      stdio: 'ignore',
    },
  );
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // wait until some chunks are committed, then kill it hard
  const deadline = Date.now() + 30_000;
  let seen = 0;
  while (Date.now() < deadline && child.exitCode === null) {
    seen = await tableCount('testdb', 'killed');
    if (seen >= 3000) break;
    await sleep(20);
  }
  child.kill('SIGKILL');
  await exited;
  const partial = await tableCount('testdb', 'killed');
  assert.ok(partial > 0, 'some chunks were committed before the kill');
  t.diagnostic(`killed with ${partial} of ${total} records committed`);

  const r = await td(['import', 'testdb', 'killed', file, '--chunk-records', '1000']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await tableCount('testdb', 'killed'), total);
  const q = await td([
    'query',
    '-w',
    '-T',
    'presto',
    '-d',
    'testdb',
    '-f',
    'tsv',
    'SELECT COUNT(DISTINCT i), MIN(i), MAX(i) FROM killed',
  ]);
  assert.match(q.stdout, new RegExp(`Result {6}:\\n${total}\\t0\\t${total - 1}\\n$`));
});

test('errors from the real server: bad key, unknown database, duplicate database', { skip }, async () => {
  let r = await td(['db:list'], { TD_API_KEY: '1/0000000000000000000000000000000000000000' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error: AuthError - List databases failed: .+\n$/);
  assert.ok(!r.stderr.includes('0000000000'), 'the key is not echoed');
  r = await td(['tables', 'nosuchdb']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    "Database 'nosuchdb' does not exist\nUse 'td database:list' to show the list of databases.\n",
  );
  r = await td(['db:create', 'testdb']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Database 'testdb' already exists.\n");
  r = await td(['table:delete', '-f', 'testdb', 'nosuch']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Table 'testdb\.nosuch' does not exist\./);
  r = await td(['-e', server?.url as string, '-k', server?.apikey as string, 'server:status'], {
    TD_API_KEY: '',
  });
  assert.equal(r.stdout, 'ok\n');
});
