// Shared helpers for td-server tests: an in-process server on 127.0.0.1:0 over a temp data
// directory, and a tiny HTTP client that returns status, headers and the raw body.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Logger, LogSink } from '../../../src/core/log.js';
import { type RunningServer, type ServerOptions, startServer } from '../../../src/server/server.js';
import { encodeImportBody, type Rec } from '../../../src/td/import-body.js';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json(): any;
}

export function tempDir(prefix = 'td-server-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function request(
  url: string,
  method: string,
  pathname: string,
  opts: { key?: string; body?: Buffer | string; headers?: Record<string, string | number> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...opts.headers };
    if (opts.key) headers.Authorization = `TD1 ${opts.key}`;
    if (opts.body !== undefined) headers['Content-Length'] = Buffer.byteLength(opts.body);
    const req = http.request(`${url}${pathname}`, { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: () => JSON.parse(body.toString('utf8')),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export interface TestServer {
  url: string;
  key: string;
  dir: string;
  server: RunningServer;
  logLines: string[];
  get(p: string, key?: string | null): Promise<Reply>;
  post(p: string, form?: Record<string, string>, key?: string | null): Promise<Reply>;
  put(p: string, body: Buffer, key?: string | null): Promise<Reply>;
  importRecords(db: string, table: string, records: Rec[], uniqueId?: string): Promise<Reply>;
  waitJob(id: string, timeoutMs?: number): Promise<any>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Start td-server in-process. `key` is the administrator key made at first start. */
export async function startTestServer(
  opts: Partial<ServerOptions> & { dir?: string } = {},
): Promise<TestServer> {
  const dir = opts.dir ?? tempDir();
  const sink = new LogSink();
  sink.captured = [];
  const logger = new Logger({ level: 'debug', sink });
  const start = () => startServer({ dataDir: dir, port: 0, bind: '127.0.0.1', logger, ...opts });
  let server = await start();
  const key = fs.readFileSync(path.join(dir, 'admin.apikey'), 'utf8').trim();
  const ts: TestServer = {
    get url() {
      return server.url;
    },
    key,
    dir,
    get server() {
      return server;
    },
    logLines: sink.captured,
    get: (p, k) => request(server.url, 'GET', p, k === null ? {} : { key: k ?? key }),
    post: (p, form, k) =>
      request(server.url, 'POST', p, {
        ...(k === null ? {} : { key: k ?? key }),
        body: new URLSearchParams(form ?? {}).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    put: (p, body, k) =>
      request(server.url, 'PUT', p, {
        ...(k === null ? {} : { key: k ?? key }),
        body,
        headers: { 'Content-Type': 'application/octet-stream' },
      }),
    async importRecords(db, table, records, uniqueId) {
      const body = await encodeImportBody(records);
      const p = uniqueId
        ? `/v3/table/import_with_id/${db}/${table}/${uniqueId}/msgpack.gz`
        : `/v3/table/import/${db}/${table}/msgpack.gz`;
      return ts.put(p, body);
    },
    async waitJob(id, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await ts.get(`/v3/job/show/${id}`);
        const j = r.json();
        if (['success', 'error', 'killed'].includes(j.status)) return j;
        if (Date.now() > deadline) throw new Error(`job ${id} still ${j.status} after ${timeoutMs} ms`);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
    async restart() {
      await server.close();
      server = await start();
    },
    async close() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return ts;
}

/** Issue a query and wait for it to finish. */
export async function runQuery(ts: TestServer, db: string, query: string, type = 'presto'): Promise<any> {
  const r = await ts.post(`/v3/job/issue/${type}/${db}`, { query });
  if (r.status !== 200) throw new Error(`issue failed: ${r.status} ${r.body.toString()}`);
  return ts.waitJob(r.json().job_id);
}

export async function setupTable(ts: TestServer, db: string, table: string): Promise<void> {
  if ((await ts.post(`/v3/database/create/${db}`)).status !== 200) throw new Error('db create failed');
  if ((await ts.post(`/v3/table/create/${db}/${table}/log`)).status !== 200)
    throw new Error('table create failed');
}
