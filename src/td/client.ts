// Treasure Data REST API v3 client (spec/treasure-data.md §2), shared by the `td` CLI and out_tdlog.
//
// Wire rules this client follows:
//   every call (but server_status)   Authorization: TD1 <apikey>, Date (RFC 2822), User-Agent
//   GET                              query string; Accept-Encoding: deflate, gzip (bodies decoded here)
//   POST                             application/x-www-form-urlencoded form ('' when no fields)
//   PUT  (import)                    application/octet-stream gzipped msgpack, Content-Length
//   path segments                    percent-encoded like td-client-ruby: all but A-Za-z0-9 -_!~*'()
//   success                          exactly 200 for GET/POST, any 2xx for PUT
//   errors                           JSON {"error","message"} → ApiError(status, kind, message)
//
// Decisions: GETs may be retried on 5xx / connection resets (never on refused connections, never
// POST/PUT — out_tdlog and `td import` have their own idempotent retries via import_with_id).
// The API key is only ever written into the Authorization header; error texts are scrubbed of it.

import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import zlib from 'node:zlib';
import { TributaryError } from '../core/errors.js';
import { decodeMultiple } from '../core/msgpack.js';
import { ApiError, type ApiErrorKind, errorKindForStatus } from './api-error.js';
import {
  DEFAULT_ENDPOINT,
  type Endpoint,
  encodePathSegment,
  endpointUrl,
  parseEndpoint,
} from './endpoint.js';
import {
  type DatabaseInfo,
  type JobInfo,
  type TableInfo,
  toDatabaseInfo,
  toJobInfo,
  toTableInfo,
} from './models.js';
import { decodeMsgpackStream } from './msgpack-stream.js';

export interface TdClientOptions {
  apikey: string;
  /** URL or bare `host[:port]`; default api.treasuredata.com. */
  endpoint?: string;
  /** Only for a bare host: false selects http (default true). */
  ssl?: boolean;
  /** Prefixed to our own product token in User-Agent. */
  userAgent?: string;
  headers?: Record<string, string>;
  connectTimeoutMs?: number; // default 60 s
  readTimeoutMs?: number; // idle time while waiting for bytes; default 600 s
  /** Retry GETs on 5xx and connection resets, doubling from initialDelayMs. Default: no retry. */
  getRetry?: { initialDelayMs: number; maxCumulativeDelayMs: number; onRetry?: (msg: string) => void };
  /** Use this agent instead of the client's own keep-alive agent. */
  agent?: http.Agent;
}

type Query = Record<string, string | number | undefined>;

interface RequestSpec {
  op: string; // "List databases" — the prefix of the error message
  method: 'GET' | 'POST' | 'PUT';
  path: string; // already encoded, starting with /v3/
  query?: Query;
  form?: Query;
  body?: Buffer;
  auth?: boolean;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Readable; // decoded (gunzipped/inflated) body
}

const VERSION = '0.1.0';

export class TdClient {
  readonly endpoint: Endpoint;
  private readonly apikey: string;
  private readonly userAgent: string;
  private readonly extraHeaders: Record<string, string>;
  private readonly connectTimeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly getRetry: TdClientOptions['getRetry'];
  private readonly agent: http.Agent;
  private readonly ownsAgent: boolean;

  constructor(opts: TdClientOptions) {
    this.apikey = opts.apikey;
    this.endpoint = parseEndpoint(opts.endpoint ?? DEFAULT_ENDPOINT, opts.ssl ?? true);
    const own = `Tributary-TD-Client/${VERSION}`;
    this.userAgent = opts.userAgent ? `${opts.userAgent}; ${own}` : own;
    this.extraHeaders = opts.headers ?? {};
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 60_000;
    this.readTimeoutMs = opts.readTimeoutMs ?? 600_000;
    this.getRetry = opts.getRetry;
    this.ownsAgent = !opts.agent;
    this.agent =
      opts.agent ??
      (this.endpoint.ssl
        ? new https.Agent({ keepAlive: true, maxSockets: 8 })
        : new http.Agent({ keepAlive: true, maxSockets: 8 }));
  }

  /** Close idle keep-alive sockets (only those of an agent this client created). */
  close(): void {
    if (this.ownsAgent) this.agent.destroy();
  }

  get url(): string {
    return endpointUrl(this.endpoint);
  }

  // ---- system ----

  /** 'ok' (the server's `status`), or "Server is down (<code>)" for a non-200 answer. */
  async serverStatus(): Promise<string> {
    const res = await this.send({
      op: 'Server status',
      method: 'GET',
      path: '/v3/system/server_status',
      auth: false,
    });
    const body = await this.readBody('Server status', res.body);
    if (res.status !== 200) return `Server is down (${res.status})`;
    return String(this.checkedJson('Server status', body, ['status']).status);
  }

  // ---- databases ----

  async listDatabases(): Promise<DatabaseInfo[]> {
    const js = await this.json('List databases', 'GET', '/v3/database/list', ['databases']);
    return (js.databases as unknown[]).map(toDatabaseInfo);
  }

  async createDatabase(db: string): Promise<void> {
    await this.json('Create database', 'POST', `/v3/database/create/${encodePathSegment(db)}`);
  }

  async deleteDatabase(db: string): Promise<void> {
    await this.json('Delete database', 'POST', `/v3/database/delete/${encodePathSegment(db)}`);
  }

  // ---- tables ----

  async listTables(db: string): Promise<TableInfo[]> {
    const js = await this.json('List tables', 'GET', `/v3/table/list/${encodePathSegment(db)}`, ['tables']);
    return (js.tables as unknown[]).map(toTableInfo);
  }

  async createLogTable(
    db: string,
    table: string,
    params: { expire_days?: number; include_v?: boolean; detect_schema?: boolean } = {},
  ): Promise<void> {
    const form: Query = {};
    for (const [k, v] of Object.entries(params)) if (v !== undefined) form[k] = String(v);
    await this.json('Create log table', 'POST', `/v3/table/create/${seg(db)}/${seg(table)}/log`, [], form);
  }

  async deleteTable(db: string, table: string): Promise<void> {
    await this.json('Delete table', 'POST', `/v3/table/delete/${seg(db)}/${seg(table)}`);
  }

  /** The newest `count` records of a table (`table/tail?format=msgpack`). */
  async tail(db: string, table: string, count?: number): Promise<unknown[]> {
    const query: Query = { format: 'msgpack', count };
    const res = await this.expect200({
      op: 'Tail table',
      method: 'GET',
      path: `/v3/table/tail/${seg(db)}/${seg(table)}`,
      query,
    });
    const body = await this.readBody('Tail table', res.body);
    return body.length === 0 ? [] : decodeMultiple(body);
  }

  /** `PUT table/import[_with_id]/...`; body is gzipped concatenated msgpack maps. Any 2xx succeeds.
   *  With `uniqueId` (lowercase hex) a repeated upload is imported once by the server. */
  async import(
    db: string,
    table: string,
    body: Buffer,
    opts: { uniqueId?: string; format?: string } = {},
  ): Promise<Record<string, unknown>> {
    const format = opts.format ?? 'msgpack.gz';
    const path = opts.uniqueId
      ? `/v3/table/import_with_id/${seg(db)}/${seg(table)}/${opts.uniqueId}/${format}`
      : `/v3/table/import/${seg(db)}/${seg(table)}/${format}`;
    const res = await this.send({ op: 'Import', method: 'PUT', path, body });
    const text = await this.readBody('Import', res.body);
    if (res.status < 200 || res.status > 299) throw this.errorFrom('Import', res.status, text);
    try {
      const js = JSON.parse(text.toString('utf8'));
      return js && typeof js === 'object' ? (js as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }

  // ---- jobs ----

  async issueQuery(
    db: string,
    query: string,
    opts: { type?: string; priority?: number; retryLimit?: number; result?: string; poolName?: string } = {},
  ): Promise<string> {
    const type = opts.type ?? 'hive';
    const form: Query = { query };
    if (opts.result) form.result = opts.result;
    if (opts.priority !== undefined) form.priority = opts.priority;
    if (opts.retryLimit !== undefined) form.retry_limit = opts.retryLimit;
    if (opts.poolName) form.pool_name = opts.poolName;
    if (opts.type) form.type = opts.type;
    const js = await this.json('Query', 'POST', `/v3/job/issue/${seg(type)}/${seg(db)}`, ['job_id'], form);
    return String(js.job_id);
  }

  async jobStatus(jobId: string): Promise<string> {
    const js = await this.json('Get job status', 'GET', `/v3/job/status/${seg(jobId)}`, ['status']);
    return String(js.status);
  }

  async showJob(jobId: string): Promise<JobInfo> {
    const js = await this.json('Show job', 'GET', `/v3/job/show/${seg(jobId)}`);
    return toJobInfo(js);
  }

  /** Jobs `from`..`to` (inclusive indices, newest first), optionally filtered by status. */
  async listJobs(from = 0, to?: number, status?: string, slowerThan?: number): Promise<JobInfo[]> {
    const query: Query = { from, to, status, slower_than: slowerThan };
    const js = await this.json('List jobs', 'GET', '/v3/job/list', ['jobs'], undefined, query);
    return (js.jobs as unknown[]).map((j) => toJobInfo(j));
  }

  /** Returns the job's former status (`running`, `queued`, or a finished status). */
  async killJob(jobId: string): Promise<string> {
    const js = await this.json('Kill job', 'POST', `/v3/job/kill/${seg(jobId)}`);
    return String(js.former_status ?? '');
  }

  /** The result body as a decoded byte stream (`format`: msgpack, msgpack.gz, json, csv, tsv). */
  async jobResultStream(jobId: string, format = 'msgpack'): Promise<Readable> {
    const res = await this.expect200({
      op: 'Get job result',
      method: 'GET',
      path: `/v3/job/result/${seg(jobId)}`,
      query: { format },
    });
    return res.body;
  }

  /** Result rows (each an array of column values), decoded as they arrive. */
  async *jobResultRows(jobId: string): AsyncGenerator<unknown[]> {
    const stream = await this.jobResultStream(jobId, 'msgpack');
    try {
      for await (const row of decodeMsgpackStream(stream)) yield Array.isArray(row) ? row : [row];
    } catch (e) {
      const err = e as Error & { code?: unknown };
      if (e instanceof TributaryError || typeof err?.code !== 'string') throw e;
      throw this.networkError('Get job result', err as Error & { code?: string });
    }
  }

  // ---- transport ----

  private async json(
    op: string,
    method: 'GET' | 'POST',
    path: string,
    required: string[] = [],
    form?: Query,
    query?: Query,
  ): Promise<Record<string, unknown>> {
    const spec: RequestSpec = { op, method, path };
    if (form) spec.form = form;
    if (query) spec.query = query;
    const res = await this.expect200(spec);
    return this.checkedJson(op, await this.readBody(op, res.body), required);
  }

  /** Sends (with GET retries) and turns anything but 200 into an ApiError. */
  private async expect200(spec: RequestSpec): Promise<RawResponse> {
    let delay = this.getRetry?.initialDelayMs ?? 0;
    let waited = 0;
    for (;;) {
      let err: ApiError;
      try {
        const res = await this.send(spec);
        if (res.status === 200) return res;
        err = this.errorFrom(spec.op, res.status, await this.readBody(spec.op, res.body));
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        err = e;
      }
      const retryable = err.status >= 500 || err.errno === 'ECONNRESET' || err.errno === 'ETIMEDOUT';
      const policy = this.getRetry;
      if (spec.method !== 'GET' || !policy || !retryable || waited + delay > policy.maxCumulativeDelayMs) {
        throw err;
      }
      policy.onRetry?.(`${err.message}. Retrying after ${Math.round(delay / 1000)} seconds...`);
      await sleep(delay);
      waited += delay;
      delay *= 2;
    }
  }

  /** The whole (decoded) body; a connection lost or timed out midway is a NetworkError. */
  private async readBody(op: string, stream: Readable): Promise<Buffer> {
    try {
      return await readAll(stream);
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw this.networkError(op, e as Error & { code?: string });
    }
  }

  private networkError(op: string, e: Error & { code?: string }): ApiError {
    return new ApiError(`${op} failed: ${this.scrub(e.message)}`, {
      status: 0,
      kind: 'NetworkError',
      operation: op,
      ...(e.code ? { code: e.code } : {}),
    });
  }

  private checkedJson(op: string, body: Buffer, required: string[]): Record<string, unknown> {
    let js: unknown;
    try {
      js = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new ApiError(`${op} failed: Unexpected API response: ${(e as Error).message}`, {
        status: 200,
        kind: 'UnexpectedResponseError',
        operation: op,
      });
    }
    const obj = js as Record<string, unknown>;
    if (!js || typeof js !== 'object' || Array.isArray(js) || required.some((k) => !obj[k])) {
      throw new ApiError(`${op} failed: Unexpected API response: ${clip(body.toString('utf8'))}`, {
        status: 200,
        kind: 'UnexpectedResponseError',
        operation: op,
      });
    }
    return obj;
  }

  private errorFrom(op: string, status: number, body: Buffer): ApiError {
    let serverMessage = '';
    let stacktrace: string | undefined;
    let conflictsWith: string | undefined;
    try {
      const js = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      serverMessage = String(js.message ?? js.error ?? '');
      if (typeof js.stacktrace === 'string') stacktrace = js.stacktrace;
      const details = js.details as Record<string, unknown> | undefined;
      if (details && details.conflicts_with !== undefined) conflictsWith = String(details.conflicts_with);
    } catch {
      serverMessage = clip(body.toString('utf8').trim()) || (http.STATUS_CODES[status] ?? '');
    }
    serverMessage = this.scrub(serverMessage);
    const kind: ApiErrorKind = errorKindForStatus(status);
    let message = `${op} failed: ${serverMessage}`;
    if (kind === 'AlreadyExistsError' && conflictsWith) message += `: conflicts_with job:${conflictsWith}`;
    if (kind === 'APIError') message = `${status}: ${message}`;
    return new ApiError(message, {
      status,
      kind,
      operation: op,
      serverMessage,
      ...(stacktrace ? { stacktrace: this.scrub(stacktrace) } : {}),
    });
  }

  private scrub(text: string): string {
    return this.apikey ? text.split(this.apikey).join('***') : text;
  }

  private send(spec: RequestSpec): Promise<RawResponse> {
    const ep = this.endpoint;
    let path = ep.basePath + spec.path;
    const qs = encodeForm(spec.query);
    if (qs) path += `?${qs}`;
    const headers: Record<string, string> = {
      ...this.extraHeaders,
      Date: new Date().toUTCString(),
      'User-Agent': this.userAgent,
      'Accept-Encoding': spec.method === 'GET' ? 'deflate, gzip' : 'gzip',
    };
    if (spec.auth !== false) headers.Authorization = `TD1 ${this.apikey}`;
    let payload: Buffer;
    if (spec.method === 'PUT') {
      payload = spec.body ?? Buffer.alloc(0);
      headers['Content-Type'] = 'application/octet-stream';
    } else if (spec.method === 'POST') {
      payload = Buffer.from(encodeForm(spec.form), 'utf8');
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      payload = Buffer.alloc(0);
    }
    if (spec.method !== 'GET') headers['Content-Length'] = String(payload.length);

    const mod = ep.ssl ? https : http;
    return new Promise<RawResponse>((resolve, reject) => {
      const fail = (e: Error & { code?: string }) => reject(this.networkError(spec.op, e));
      const req = mod.request(
        { host: ep.host, port: ep.port, method: spec.method, path, headers, agent: this.agent },
        (res) => {
          res.setTimeout(this.readTimeoutMs, () =>
            res.destroy(Object.assign(new Error('read timeout'), { code: 'ETIMEDOUT' })),
          );
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: decodeBody(res) });
        },
      );
      req.on('error', fail);
      // Connect timeout covers DNS + TCP (+ TLS); the read timeout covers waiting for the answer.
      const connectTimer = setTimeout(() => {
        req.destroy(
          Object.assign(new Error(`connect timeout after ${this.connectTimeoutMs} ms`), {
            code: 'ETIMEDOUT',
          }),
        );
      }, this.connectTimeoutMs);
      connectTimer.unref();
      req.on('socket', (sock) => {
        const connected = () => {
          clearTimeout(connectTimer);
          req.setTimeout(this.readTimeoutMs, () =>
            req.destroy(
              Object.assign(new Error(`read timeout after ${this.readTimeoutMs} ms`), { code: 'ETIMEDOUT' }),
            ),
          );
        };
        if (sock.connecting) sock.once(ep.ssl ? 'secureConnect' : 'connect', connected);
        else connected();
      });
      req.on('close', () => clearTimeout(connectTimer));
      req.end(payload);
    });
  }
}

function seg(s: string): string {
  return encodePathSegment(s);
}

function encodeForm(fields: Query | undefined): string {
  if (!fields) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.join('&');
}

function decodeBody(res: http.IncomingMessage): Readable {
  const enc = String(res.headers['content-encoding'] ?? '').toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') return res.pipe(zlib.createGunzip());
  if (enc === 'deflate') return res.pipe(zlib.createInflate());
  return res;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function clip(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}
