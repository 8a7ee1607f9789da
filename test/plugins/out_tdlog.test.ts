// out_tdlog against the real td-server (a child process), and against a scripted HTTP server
// for the failure classes the real one does not produce on demand (5xx, 400).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as zlib from 'node:zlib';
import { EventStream } from '../../src/core/event-stream.js';
import { decodeMultiple } from '../../src/core/msgpack.js';
import { TdLogOutput } from '../../src/plugins/out_tdlog.js';
import { TdClient } from '../../src/td/client.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';
import { waitFor } from '../helpers/proc.js';
import { startTdServer, type TdServerProc } from '../unit/cli/td-server-proc.js';

let server: TdServerProc;
const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tdlog-backup-'));
before(async () => {
  process.env.FLUENT_BACKUP_DIR = backupDir;
  server = await startTdServer();
});
after(async () => {
  await server?.stop();
  fs.rmSync(backupDir, { recursive: true, force: true });
});

function conf(extra = '', endpoint = server.url): string {
  return `
  @type tdlog
  apikey ${server?.apikey ?? '1/x'}
  endpoint ${endpoint}
  api_endpoint ${endpoint}
  ${extra}
  <buffer>
    @type memory
    flush_mode interval
    flush_interval 1h
  </buffer>`;
}

async function count(db: string, table: string): Promise<number> {
  const c = new TdClient({ apikey: server.apikey, endpoint: server.url });
  try {
    const t = (await c.listTables(db)).find((x) => x.name === table);
    return t?.count ?? -1;
  } catch {
    return -1;
  } finally {
    c.close();
  }
}

test('events reach the store: tables auto-created, time set from the event, one import per chunk', async () => {
  const d = new OutputTestDriver(TdLogOutput, conf());
  d.time = { sec: 1704067200, nsec: 5 };
  await d.feed('td.walk_db.www_access', [
    { action: 'login', user: 2 },
    { action: 'logout', user: 2, time: 'x' },
  ]);
  await d.feed('td.walk_db.other', [{ a: 1 }]);
  await d.instance.flushAll();
  await d.shutdown();
  assert.equal(await count('walk_db', 'www_access'), 2);
  assert.equal(await count('walk_db', 'other'), 1);
  const c = new TdClient({ apikey: server.apikey, endpoint: server.url });
  const rows = (await c.tail('walk_db', 'www_access', 10)) as Record<string, unknown>[];
  c.close();
  assert.deepEqual(rows.map((r) => r.time).sort(), [1704067200, 1704067200]);
  assert.ok(rows.some((r) => r.action === 'login' && r.user === 2));
});

test('a gzip-compressed buffer uploads its stored gzip members as they are', async () => {
  const d = new OutputTestDriver(
    TdLogOutput,
    conf().replace('@type memory', '@type memory\n    compress gzip'),
  );
  await d.feed('td.gz_db.events', [{ a: 1 }, { a: 2 }]);
  await d.feed('td.gz_db.events', [{ a: 3 }]);
  await d.instance.flushAll();
  await d.shutdown();
  assert.equal(await count('gz_db', 'events'), 3);
});

test('tag names are normalised: upper case, dashes and short names', async () => {
  const d = new OutputTestDriver(TdLogOutput, conf());
  await d.feed('td.My-DB.ab', [{ x: 1 }]);
  await d.instance.flushAll();
  await d.shutdown();
  assert.equal(await count('my_db', 'ab_'), 1);
});

test('database and table parameters pin the destination; invalid names are config errors', async () => {
  const d = new OutputTestDriver(TdLogOutput, conf('database pinned_db\n  table pinned'));
  await d.feed('anything', [{ x: 1 }]);
  await d.instance.flushAll();
  await d.shutdown();
  assert.equal(await count('pinned_db', 'pinned'), 1);
  assert.throws(() => new OutputTestDriver(TdLogOutput, conf('database A-B\n  table ok_table')), /A-B/);
});

test('records with more than 512 keys go to the error stream; huge integers become strings', async () => {
  const d = new OutputTestDriver(TdLogOutput, conf());
  const wide: Record<string, number> = {};
  for (let i = 0; i < 513; i++) wide[`k${i}`] = i;
  await d.start();
  await d.instance.emit(
    'td.wide_db.tbl1',
    new EventStream([1, 1], [0, 0], [wide, { big: 2n ** 70n, ok: 2n ** 63n }]),
  );
  await d.instance.flushAll();
  await d.shutdown();
  assert.equal(d.errorEvents().length, 1);
  assert.match(String(d.errorEvents()[0]!.error.message), /too many number of keys/);
  assert.equal(await count('wide_db', 'tbl1'), 1);
});

test('a retried chunk keeps its unique id; 5xx retries, 400 is unrecoverable', async () => {
  const seen: { url: string; records: number }[] = [];
  let fail = 1;
  let status = 500;
  const fake = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const records = body.length ? decodeMultiple(zlib.gunzipSync(body)).length : 0;
      seen.push({ url: req.url ?? '', records });
      if (fail-- > 0) {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'boom', message: 'scripted failure' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"elapsed_time":0.01}');
    });
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
  try {
    const d = new OutputTestDriver(
      TdLogOutput,
      conf('', url).replace(
        'flush_interval 1h',
        'flush_interval 1h\n    retry_wait 0.05\n    retry_randomize false',
      ),
    );
    await d.feed('td.db1.tbl1', [{ a: 1 }, { a: 2 }]);
    await d.instance.flushAll();
    await waitFor(() => seen.length >= 2, 'the retry after a 500');
    assert.equal(seen[0]!.url, seen[1]!.url, 'same import_with_id URL on retry');
    assert.match(seen[0]!.url, /^\/v3\/table\/import_with_id\/db1\/tbl1\/[0-9a-f]{32}\/msgpack\.gz$/);
    assert.equal(seen[1]!.records, 2);

    fail = 1;
    status = 400;
    await d.feed('td.db1.tbl2', [{ b: 1 }]);
    await d.instance.flushAll();
    await waitFor(
      () =>
        d
          .logs()
          .some(
            (l) =>
              /got unrecoverable error in primary and no secondary/.test(l) &&
              /tbl2.*scripted failure/.test(l),
          ),
      `an unrecoverable-error log line; logs:\n${d.logs().join('\n')}`,
      5000,
    );
    assert.equal(
      fs.readdirSync(backupDir, { recursive: true }).filter((f) => String(f).endsWith('.log')).length,
      1,
    );
    const tries = seen.filter((s) => s.url.includes('/tbl2/')).length;
    assert.equal(tries, 1, 'a 400 is not retried');
    await d.shutdown();
  } finally {
    fake.close();
  }
});
