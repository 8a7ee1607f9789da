// A small in-memory stand-in for the TD API v3, for client and CLI tests that must not depend
// on td-server: it speaks the same wire shapes (spec §2), records every request, and can be told
// to fail. Queries: `SELECT COUNT(1) AS x FROM t` and `SELECT * FROM t` only; jobs report
// `running` on their first job/show and `success` (or `error`) after that.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { decodeMultiple, encode } from '../../../src/core/msgpack.js';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface Table {
  rows: Record<string, unknown>[];
  createdAt: string;
  lastImport: string | null;
}

interface Job {
  id: string;
  type: string;
  db: string;
  query: string;
  shows: number;
  status: string;
  schema: Array<[string, string]>;
  rows: unknown[][];
  error?: string;
}

export const FAKE_KEY = '1/0123456789abcdef0123456789abcdef01234567';
const TS = '2024-05-01 12:00:00 UTC';

export class FakeTdServer {
  readonly requests: SeenRequest[] = [];
  readonly dbs = new Map<string, Map<string, Table>>();
  readonly importedIds = new Set<string>();
  readonly jobs: Job[] = [];
  /** Answer the next N requests with this status (then behave normally). */
  failNext: { count: number; status: number; body?: string } | undefined;
  /** Commit `ok` more imports, then answer imports with `status` (`times` times, or until unset). */
  failImportsAfter: { ok: number; status: number; times?: number } | undefined;
  gzipResponses = false;
  private server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      try {
        this.route(req, body, res);
      } catch (e) {
        send(res, 500, { error: 'InternalError', message: (e as Error).message }, false);
      }
    });
  }

  private route(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): unknown {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const json = (status: number, v: unknown) => send(res, status, v, this.gzipResponses);
    if (url.pathname === '/v3/system/server_status') return json(200, { status: 'ok' });
    if (this.failNext && this.failNext.count > 0) {
      this.failNext.count--;
      res.writeHead(this.failNext.status, { 'Content-Type': 'application/json' });
      res.end(this.failNext.body ?? JSON.stringify({ error: 'Boom', message: 'injected failure' }));
      return;
    }
    if (req.headers.authorization !== `TD1 ${FAKE_KEY}`) return json(401, { error: 'Failed to Login' });
    const [, group, action, a, b] = parts;
    const form = new URLSearchParams(body.toString('utf8'));
    const db = a ? this.dbs.get(a) : undefined;
    const key = `${group}/${action}`;
    switch (key) {
      case 'database/list':
        return json(200, {
          databases: [...this.dbs].map(([name, tables]) => ({
            name,
            count: [...tables.values()].reduce((t, x) => t + x.rows.length, 0),
            created_at: TS,
            updated_at: TS,
            permission: 'administrator',
          })),
        });
      case 'database/create':
        if (this.dbs.has(a as string))
          return json(409, { error: 'AlreadyExists', message: `Database ${a} already exists` });
        this.dbs.set(a as string, new Map());
        return json(200, { database: a });
      case 'database/delete':
        if (!db) return json(404, { error: 'NotFound', message: `Database ${a} not found` });
        this.dbs.delete(a as string);
        return json(200, { database: a });
      case 'table/list':
        if (!db) return json(404, { error: 'NotFound', message: `Database ${a} not found` });
        return json(200, { database: a, tables: [...db].map(([name, t]) => tableJson(name, t)) });
      case 'table/create': {
        if (!db)
          return json(404, { error: 'NotFound', message: `Couldn't find UserDatabase with name = ${a}` });
        if (db.has(b as string))
          return json(409, { error: 'AlreadyExists', message: `Table ${b} already exists` });
        db.set(b as string, { rows: [], createdAt: TS, lastImport: null });
        return json(200, { database: a, table: b, type: 'log' });
      }
      case 'table/delete':
        if (!db?.has(b as string)) return json(404, { error: 'NotFound', message: `Table ${b} not found` });
        db.delete(b as string);
        return json(200, { database: a, table: b, type: 'log' });
      case 'table/tail': {
        const t = db?.get(b as string);
        if (!t) return json(404, { error: 'NotFound', message: 'no table' });
        const n = Number(url.searchParams.get('count') ?? 10);
        res.writeHead(200, { 'Content-Type': 'application/x-msgpack' });
        res.end(Buffer.concat(t.rows.slice(-n).map((r) => encode(r))));
        return;
      }
      case 'table/import_with_id':
      case 'table/import': {
        const t = db?.get(b as string);
        if (!t) return json(404, { error: 'NotFound', message: `Table ${a}.${b} not found` });
        const f = this.failImportsAfter;
        if (f && f.ok-- <= 0 && (f.times === undefined || f.times-- > 0)) {
          return json(f.status, { error: 'Boom', message: 'injected failure' });
        }
        const id = key === 'table/import_with_id' ? (parts[5] as string) : undefined;
        if (id && this.importedIds.has(id))
          return json(200, { database: a, table: b, unique_id: id, elapsed_time: 0 });
        const raw = zlib.gunzipSync(body);
        const recs = raw.length ? (decodeMultiple(raw) as Record<string, unknown>[]) : [];
        t.rows.push(...recs);
        t.lastImport = TS;
        if (id) this.importedIds.add(id);
        return json(200, { database: a, table: b, unique_id: id ?? null, elapsed_time: 0 });
      }
      case 'job/issue':
        return json(200, {
          job_id: this.issue(a as string, b as string, form.get('query') ?? ''),
          database: b,
        });
      case 'job/status':
      case 'job/show': {
        const job = this.jobs.find((j) => j.id === a);
        if (!job) return json(404, { error: 'NotFound', message: `Job ${a} not found` });
        if (key === 'job/show') job.shows++;
        if (job.shows >= 2 && job.status === 'running') job.status = job.error ? 'error' : 'success';
        return json(200, jobJson(job));
      }
      case 'job/result': {
        const job = this.jobs.find((j) => j.id === a);
        if (job?.status !== 'success') return json(404, { error: 'NotFound', message: 'no result' });
        res.writeHead(200, { 'Content-Type': 'application/x-msgpack' });
        res.end(Buffer.concat(job.rows.map((r) => encode(r))));
        return;
      }
      case 'job/list':
        return json(200, { count: this.jobs.length, jobs: [...this.jobs].reverse().map(jobJson) });
      case 'job/kill': {
        const job = this.jobs.find((j) => j.id === a);
        if (!job) return json(404, { error: 'NotFound', message: 'no job' });
        const former = job.status;
        if (former === 'running') job.status = 'killed';
        return json(200, { former_status: former });
      }
      default:
        return json(404, { error: 'NotFound', message: `no route ${url.pathname}` });
    }
  }

  private issue(type: string, dbName: string, query: string): string {
    const id = String(this.jobs.length + 1);
    const job: Job = { id, type, db: dbName, query, shows: 0, status: 'running', schema: [], rows: [] };
    const db = this.dbs.get(dbName);
    const count = /^select count\(1\) as (\w+) from (\w+)$/i.exec(query.trim());
    const star = /^select \* from (\w+)$/i.exec(query.trim());
    const table = db?.get((count?.[2] ?? star?.[1]) as string);
    if (count && table) {
      job.schema = [[count[1] as string, 'bigint']];
      job.rows = [[table.rows.length]];
    } else if (star && table) {
      const cols = [...new Set(table.rows.flatMap((r) => Object.keys(r)))].sort();
      job.schema = cols.map((c) => [c, 'varchar']);
      job.rows = table.rows.map((r) => cols.map((c) => r[c] ?? null));
    } else {
      job.error = `Query failed: cannot run ${query}`;
    }
    this.jobs.push(job);
    return id;
  }
}

function tableJson(name: string, t: Table) {
  const keys = [...new Set(t.rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'time').sort();
  const times = t.rows.map((r) => Number(r.time)).filter((n) => Number.isFinite(n));
  return {
    id: 1,
    name,
    type: 'log',
    count: t.rows.length,
    created_at: t.createdAt,
    updated_at: t.createdAt,
    counter_updated_at: t.lastImport,
    last_log_timestamp: times.length ? new Date(Math.max(...times) * 1000).toISOString() : null,
    estimated_storage_size: t.rows.length * 100,
    schema: JSON.stringify(
      keys.map((k) => [k, typeof t.rows.find((r) => k in r)?.[k] === 'number' ? 'long' : 'string']),
    ),
    expire_days: null,
    include_v: true,
    delete_protected: false,
  };
}

function jobJson(j: Job) {
  const done = j.status !== 'running';
  return {
    job_id: j.id,
    type: j.type,
    database: j.db,
    query: j.query,
    status: j.status,
    url: `http://console/jobs/${j.id}`,
    debug: { cmdout: 'started at 2024-05-01T12:00:00Z\n', stderr: j.error && done ? j.error : '' },
    created_at: TS,
    start_at: TS,
    end_at: done ? '2024-05-01 12:00:01 UTC' : null,
    updated_at: TS,
    cpu_time: null,
    result_size: done ? 12 : null,
    num_records: j.rows.length,
    duration: done ? 1 : null,
    result: '',
    hive_result_schema: JSON.stringify(j.schema),
    priority: 0,
    retry_limit: 0,
    organization: null,
    user_name: 'admin',
  };
}

function send(res: http.ServerResponse, status: number, v: unknown, gz: boolean): void {
  const text = Buffer.from(JSON.stringify(v));
  if (gz) {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    res.end(zlib.gzipSync(text));
  } else {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(text);
  }
}
