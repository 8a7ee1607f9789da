// http → tdlog → td-server as real processes: every acknowledged event arrives exactly once,
// through a wrong API key, a server that is down and comes back, and a SIGKILLed agent.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { TdClient } from '../../src/td/client.js';
import { freePort, Proc, waitFor } from '../helpers/proc.js';
import { startTdServer, type TdServerProc } from '../unit/cli/td-server-proc.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tdlog-delivery-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Agent {
  proc: Proc;
  httpPort: number;
}

async function startAgent(
  name: string,
  o: { apikey: string; endpoint: string; httpPort?: number; extra?: string; chunkRecords?: number },
): Promise<Agent> {
  const httpPort = o.httpPort ?? (await freePort());
  const file = path.join(tmp, `${name}.conf`);
  fs.writeFileSync(
    file,
    `<system>
  root_dir ${tmp}/${name}-root
</system>
<source>
  @type http
  port ${httpPort}
  bind 127.0.0.1
</source>
<match td.*.*>
  @type tdlog
  @id td_${name}
  apikey ${o.apikey}
  endpoint ${o.endpoint}
  api_endpoint ${o.endpoint}
  <buffer>
    @type file
    path ${tmp}/${name}-buffer
    flush_mode interval
    flush_interval 0.2
    chunk_limit_records ${o.chunkRecords ?? 200}
    retry_wait 0.2
    retry_max_interval 1
    retry_randomize false
  </buffer>
  ${o.extra ?? ''}
</match>
`,
  );
  const proc = Proc.node('src/cli/td-agent.js', ['-c', file, '--no-supervisor']);
  await proc.waitOutput(/fluentd worker is now running/, `agent ${name} to start`);
  return { proc, httpPort };
}

/** POST a JSON array batch; resolves to the status code. */
function post(port: number, tag: string, records: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(records);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: `/${tag}`,
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('request timed out')));
    req.end(body);
  });
}

async function tableStats(
  server: TdServerProc,
  db: string,
  table: string,
): Promise<{ count: number; distinct: number }> {
  const c = new TdClient({ apikey: server.apikey, endpoint: server.url });
  try {
    const tables = await c.listTables(db).catch(() => []);
    if (!tables.some((x) => x.name === table)) return { count: 0, distinct: 0 };
    const job = await c.issueQuery(db, `SELECT count(1), count(DISTINCT seq) FROM ${table}`, {
      type: 'presto',
    });
    let status = '';
    await waitFor(async () => {
      status = await c.jobStatus(job);
      return ['success', 'error', 'killed'].includes(status);
    }, 'query job');
    // The table can exist before its first import has landed (no `seq` column yet): not yet.
    if (status !== 'success') return { count: 0, distinct: 0 };
    const rows: unknown[] = [];
    const s = await c.jobResultStream(job, 'json');
    let text = '';
    for await (const chunk of s) text += chunk;
    for (const line of text.split('\n')) if (line.trim()) rows.push(JSON.parse(line));
    const [count, distinct] = rows[0] as [number, number];
    return { count, distinct };
  } finally {
    c.close();
  }
}

test('100,000 events through http → tdlog → td-server arrive exactly once', async () => {
  const server = await startTdServer();
  const agent = await startAgent('bulk', { apikey: server.apikey, endpoint: server.url, chunkRecords: 8096 });
  try {
    let seq = 0;
    for (let b = 0; b < 100; b++) {
      const batch = Array.from({ length: 1000 }, () => ({ seq: seq++, msg: 'x'.repeat(60) }));
      assert.equal(await post(agent.httpPort, 'td.bulk_db.events', batch), 200);
    }
    agent.proc.kill('SIGUSR1');
    await waitFor(
      async () => (await tableStats(server, 'bulk_db', 'events')).count >= 100_000,
      'all 100,000 rows',
      60_000,
    );
    assert.deepEqual(await tableStats(server, 'bulk_db', 'events'), { count: 100_000, distinct: 100_000 });
  } finally {
    await agent.proc.stop();
    await server.stop();
  }
});

test('a wrong API key: a clear error, the chunk kept in the backup directory, nothing imported', async () => {
  const server = await startTdServer();
  const agent = await startAgent('badkey', {
    apikey: '1/0000000000000000000000000000000000000000',
    endpoint: server.url,
  });
  try {
    assert.equal(await post(agent.httpPort, 'td.key_db.events', [{ seq: 1 }]), 200);
    await agent.proc.waitOutput(
      /got unrecoverable error in primary and no secondary.*(Failed to Login|401)/,
      'the auth error in the log',
    );
    await agent.proc.waitOutput(/bad chunk is moved to/, 'the chunk moved to the backup directory');
    const backups = fs
      .readdirSync(path.join(tmp, 'badkey-root', 'backup'), { recursive: true })
      .filter((f) => String(f).endsWith('.log'));
    assert.equal(backups.length, 1);
  } finally {
    await agent.proc.stop();
    await server.stop();
  }
});

test('the server is down, then comes back: everything is delivered once', async () => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(tmp, 'down-data-'));
  // First start only to mint the key, then stop: the agent starts against a dead port.
  const first = await startTdServer({ port, dataDir });
  const apikey = first.apikey;
  await first.stop();
  const agent = await startAgent('down', { apikey, endpoint });
  let server: TdServerProc | undefined;
  try {
    for (let i = 0; i < 10; i++) {
      const batch = Array.from({ length: 100 }, (_, j) => ({ seq: i * 100 + j }));
      assert.equal(await post(agent.httpPort, 'td.down_db.events', batch), 200);
    }
    await agent.proc.waitOutput(/failed to flush the buffer/, 'retries while the server is down');
    server = await startTdServer({ port, dataDir });
    await waitFor(
      async () => (await tableStats(server!, 'down_db', 'events')).count >= 1000,
      'delivery after recovery',
      60_000,
    );
    assert.deepEqual(await tableStats(server, 'down_db', 'events'), { count: 1000, distinct: 1000 });
  } finally {
    await agent.proc.stop();
    await server?.stop();
  }
});

test('SIGKILL the agent mid-upload, restart: every acknowledged event is in the store once', async () => {
  const server = await startTdServer();
  const httpPort = await freePort();
  let agent = await startAgent('kill', { apikey: server.apikey, endpoint: server.url, httpPort });
  // Every batch gets fresh sequence numbers; a batch counts as acknowledged only on a 200.
  let next = 0;
  const acked: number[] = [];
  try {
    for (let round = 0; round < 4; round++) {
      const sending = (async () => {
        for (let b = 0; b < 20; b++) {
          const batch = Array.from({ length: 100 }, () => ({ seq: next++ }));
          try {
            if ((await post(httpPort, 'td.kill_db.events', batch)) !== 200) return;
            for (const r of batch) acked.push(r.seq);
          } catch {
            return;
          }
        }
      })();
      const target = acked.length + 500;
      await waitFor(
        () => acked.length >= target || agent.proc.exitCode !== undefined,
        'some acknowledged batches',
      );
      agent.proc.kill('SIGKILL');
      await agent.proc.exited;
      await sending;
      agent = await startAgent('kill', { apikey: server.apikey, endpoint: server.url, httpPort });
    }
    agent.proc.kill('SIGUSR1');
    const seqs = async () => {
      const c = new TdClient({ apikey: server.apikey, endpoint: server.url });
      try {
        const rows = (await c.tail('kill_db', 'events', 1_000_000).catch(() => [])) as { seq: number }[];
        return rows.map((r) => r.seq);
      } finally {
        c.close();
      }
    };
    const stored = (await waitFor(
      async () => {
        const got = await seqs();
        const have = new Set(got);
        return acked.every((x) => have.has(x)) ? got : null;
      },
      `all ${acked.length} acknowledged events in the store`,
      60_000,
    )) as number[];
    assert.equal(new Set(stored).size, stored.length, 'no event is stored twice');
    assert.ok(acked.length >= 2000, `acknowledged ${acked.length}`);
  } finally {
    await agent.proc.stop();
    await server.stop();
  }
});
