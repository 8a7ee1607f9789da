// td-server import and query benchmark.
//
//   node dist/bench/micro/td-server-import.js [--records 10000000] [--per-import 10000]
//        [--concurrency 2] [--keep DIR]
//
// Starts a real td-server child process on a temp data directory, uploads `records` records of
// ~100 bytes (msgpack) in imports of `per-import` records over HTTP (import_with_id, gzipped
// bodies prepared before timing), then times `SELECT count(1)` and a `GROUP BY` as query jobs.
// Prints records/s, MB/s, the server's peak RSS (VmHWM) and CPU seconds, next to a baseline
// measured in the same run: a bare node:http server that only reads and discards the same bodies.

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from '../../src/core/msgpack.js';
import { encodeImportBody } from '../../src/td/import-body.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RECORDS = opt('records', 10_000_000);
const PER_IMPORT = opt('per-import', 10_000);
const CONCURRENCY = opt('concurrency', 2);
const keepIdx = args.indexOf('--keep');
const KEEP = keepIdx >= 0 ? args[keepIdx + 1] : undefined;
const DISTINCT_BODIES = 16;

const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/td-server.js');
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function req(
  url: string,
  method: string,
  p: string,
  key: string,
  body?: Buffer | string,
): Promise<[number, Buffer]> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: `TD1 ${key}` };
    if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
    if (typeof body === 'string') headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const r = http.request(`${url}${p}`, { method, headers, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve([res.statusCode ?? 0, Buffer.concat(parts)]));
    });
    r.on('error', reject);
    r.end(body);
  });
}

const HOSTS = ['web-01', 'web-02', 'web-03', 'api-01', 'api-02'];
const PATHS = ['/index.html', '/login', '/api/v1/items', '/static/app.js', '/search?q=duck'];

/** ~100-byte msgpack records, 5 hosts x 5 paths x 6 statuses. */
function record(i: number): Record<string, unknown> {
  return {
    time: 1_700_000_000 + (i % 86_400),
    host: HOSTS[i % 5],
    method: i % 7 === 0 ? 'POST' : 'GET',
    path: PATHS[(i >> 3) % 5],
    status: [200, 200, 200, 304, 404, 500][i % 6],
    size: (i * 7919) % 50_000,
    agent: 'Mozilla/5.0 (X11; Linux)',
  };
}

function peakRss(pid: number): number {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(s)![1]) * 1024;
}

function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in clock ticks (100 Hz)
}

async function upload(
  url: string,
  key: string,
  bodies: Buffer[],
  imports: number,
  prefix: string,
): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < imports) {
      const i = next++;
      const [status, body] = await req(
        url,
        'PUT',
        `/v3/table/import_with_id/bench/events/${prefix}${i}/msgpack.gz`,
        key,
        bodies[i % bodies.length],
      );
      if (status !== 200) throw new Error(`import ${i}: ${status} ${body.toString()}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (performance.now() - t0) / 1000;
}

async function baseline(bodies: Buffer[], imports: number): Promise<number> {
  const server = http.createServer((rq, rs) => {
    rq.on('data', () => {});
    rq.on('end', () => rs.end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const secs = await upload(url, 'x', bodies, imports, 'b');
  await new Promise<void>((r) => server.close(() => r()));
  return secs;
}

async function query(
  url: string,
  key: string,
  sql: string,
): Promise<{ wall: number; engine: number; rows: unknown }> {
  const t0 = performance.now();
  const [, issued] = await req(
    url,
    'POST',
    '/v3/job/issue/presto/bench',
    key,
    `query=${encodeURIComponent(sql)}`,
  );
  const id = JSON.parse(issued.toString()).job_id;
  for (;;) {
    const [, b] = await req(url, 'GET', `/v3/job/show/${id}`, key);
    const j = JSON.parse(b.toString());
    if (j.status === 'success') {
      const wall = (performance.now() - t0) / 1000;
      const engine = Number(/in ([\d.]+) s/.exec(j.debug.cmdout)![1]);
      const [, res] = await req(url, 'GET', `/v3/job/result/${id}?format=json`, key);
      return { wall, engine, rows: res.toString().trim().split('\n').length };
    }
    if (j.status === 'error' || j.status === 'killed') throw new Error(j.debug.stderr);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function main(): Promise<void> {
  const imports = Math.ceil(RECORDS / PER_IMPORT);
  const bodies: Buffer[] = [];
  let raw = 0;
  for (let b = 0; b < Math.min(DISTINCT_BODIES, imports); b++) {
    const recs = Array.from({ length: PER_IMPORT }, (_, j) => record(b * PER_IMPORT + j));
    if (b === 0) for (const r of recs) raw += encode(r).length;
    bodies.push(await encodeImportBody(recs));
  }
  const recordBytes = raw / PER_IMPORT;
  const gz = bodies[0]!.length;
  console.log(
    `records ${RECORDS}, ${PER_IMPORT} per import (${imports} imports), concurrency ${CONCURRENCY}; ` +
      `record ${recordBytes.toFixed(1)} B msgpack, body ${(gz / 1024).toFixed(0)} KiB gzip`,
  );

  const base = await baseline(bodies, Math.min(imports, 200));
  const baseRate = (Math.min(imports, 200) * PER_IMPORT) / base;
  console.log(`baseline (bare http server, read+discard): ${Math.round(baseRate)} records/s`);

  const dir = KEEP ?? fs.mkdtempSync(path.join(os.tmpdir(), 'td-server-bench-'));
  const child: ChildProcess = spawn(process.execPath, [ENTRY, '--port', '0', '--data', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (c) => reject(new Error(`td-server exited ${c}`)));
    });
    const key = fs.readFileSync(path.join(dir, 'admin.apikey'), 'utf8').trim();
    await req(url, 'POST', '/v3/database/create/bench', key, '');
    await req(url, 'POST', '/v3/table/create/bench/events/log', key, '');
    const cpu0 = cpuSeconds(child.pid!);
    const secs = await upload(url, key, bodies, imports, 'i');
    const cpu = cpuSeconds(child.pid!) - cpu0;
    const rate = (imports * PER_IMPORT) / secs;
    console.log(
      `td-server import: ${Math.round(rate)} records/s, ${((rate * recordBytes) / 1e6).toFixed(1)} MB/s msgpack, ` +
        `${secs.toFixed(1)} s, server CPU ${cpu.toFixed(1)} s, peak RSS ${(peakRss(child.pid!) / 2 ** 20).toFixed(0)} MiB ` +
        `(ratio to baseline ${(rate / baseRate).toFixed(2)})`,
    );
    for (const [name, sql] of [
      ['count', 'SELECT count(1) FROM events'],
      [
        'group by',
        'SELECT host, status, count(*) AS n, sum(size) AS bytes FROM events GROUP BY host, status',
      ],
      [
        'group by day (td_time_format)',
        "SELECT td_time_format(time, 'yyyy-MM-dd HH') AS h, count(*) FROM events GROUP BY 1",
      ],
      [
        'td_time_range filter',
        "SELECT count(*) FROM events WHERE td_time_range(time, '2023-11-14 23:00:00', NULL)",
      ],
    ] as const) {
      await query(url, key, sql); // warm
      const q = await query(url, key, sql);
      console.log(
        `query ${name}: ${(q.engine * 1000).toFixed(0)} ms in DuckDB, ${(q.wall * 1000).toFixed(0)} ms issue-to-done, ${q.rows} rows`,
      );
    }
    console.log(`server peak RSS overall ${(peakRss(child.pid!) / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (!KEEP) fs.rmSync(dir, { recursive: true, force: true });
    agent.destroy();
  }
}

await main();
