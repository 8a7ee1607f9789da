// in_http (spec plugins §3): events over HTTP.
//
//   POST /td.testdb.www_access          tag = path without the leading '/', '/' → '.'
//   Content-Type                         body →
//     application/x-www-form-urlencoded  fields json= | ndjson= | msgpack= , time=
//     multipart/form-data                the same fields
//     application/json, csp-report       JSON: object = 1 event, array = batch (non-objects skipped)
//     application/msgpack                msgpack: map, array of maps, or concatenated objects
//     application/x-ndjson               one JSON object per line
//   query-string fields are always merged in; precedence msgpack > json > ndjson.
//   <parse> @type X (other than in_http): the raw body goes to that parser.
//
// Responses (status line HTTP/1.1, Content-Length always set, text/plain unless stated):
//   200 ''  (204 with use_204_response, a 1x1 GIF with respond_with_empty_img)
//   400 "400 Bad Request\n<message>\n"          bad request / parse error
//   400 ''                                       undecodable Content-Encoding payload
//   413 "Too large" + close                      body or decompressed body over the limit
//   415 "415 Unsupported Media Type\n<message>\n" unknown Content-Encoding   (ours)
//   417 ''                                       Expect other than 100-continue
//   403 ''                                       CORS origin not allowed, or refused preflight
//   503 "503 Service Unavailable\n<message>\n" + Retry-After   the pipeline refused the events
// 2xx is sent only after emitStreamDurable resolved: the events are in the buffer.
// Differences from Fluentd (friendlier, documented): invalid JSON → 400 (Fluentd: 200 and
// nothing emitted); a refused emit → 503 + Retry-After (Fluentd: 500); unknown
// Content-Encoding → 415; an empty tag → 400.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { compatParse } from '../config/compat.js';
import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { EventStream, type Rec } from '../core/event-stream.js';
import { EventTime } from '../core/event-time.js';
import { LogThrottle } from '../core/log.js';
import { decodeMultiple } from '../core/msgpack.js';
import {
  BodyTooLargeError,
  decodeBody,
  parseForm,
  parseMultipart,
  readBody,
  UnsupportedEncodingError,
} from '../helpers/http-server.js';
import { TimeParser, type TimeType } from '../helpers/time-parser.js';
import { Input } from '../plugin/base.js';
import { createParser, type Parser } from '../plugin/parser.js';
import './parser_builtins.js';

const params = {
  port: p.integer({ default: 9880, desc: 'Port to listen on.' }),
  bind: p.string({ default: '0.0.0.0', desc: 'Address to listen on.' }),
  body_size_limit: p.size({ default: 32 * 1024 * 1024, desc: 'Largest accepted request body (413 above).' }),
  decompression_size_limit: p.size({
    default: 256 * 1024 * 1024,
    desc: 'Largest decompressed gzip/deflate body (413 above).',
  }),
  keepalive_timeout: p.time({ default: 10, desc: 'Idle keep-alive connections are closed after this.' }),
  backlog: p.integer({ desc: 'Listen backlog.' }),
  blocking_timeout: p.time({ default: 0.5, desc: 'Accepted for compatibility.' }),
  add_http_headers: p.bool({
    default: false,
    desc: 'Add every request header as HTTP_<NAME> to each record.',
  }),
  add_remote_addr: p.bool({
    default: false,
    desc: 'Add REMOTE_ADDR (X-Forwarded-For first entry, else peer IP).',
  }),
  add_query_params: p.bool({ default: false, desc: 'Add query parameters as QUERY_<NAME> to each record.' }),
  add_tag_prefix: p.string({ desc: 'Prefix added to the tag (`prefix.tag`).' }),
  cors_allow_origins: p.array()({ desc: 'Allowed CORS origins (`*`, or entries with one `*` wildcard).' }),
  cors_allow_credentials: p.bool({ default: false, desc: 'Send Access-Control-Allow-Credentials: true.' }),
  respond_with_empty_img: p.bool({ default: false, desc: 'Answer 200 with a 1x1 GIF.' }),
  use_204_response: p.bool({ default: false, desc: 'Answer 204 No Content instead of 200.' }),
  dump_error_log: p.bool({ default: true, desc: 'Log the cause of 400/5xx answers (rate-limited).' }),
} as const;

/** 1x1 transparent GIF, 35 bytes. */
const EMPTY_GIF = Buffer.from(
  '47494638396101000100800000000000ffffff2c00000000010001000002024401003b',
  'hex',
);
const RETRY_AFTER_SECONDS = 1;

class BadRequest extends Error {}

interface Reply {
  status: number;
  body: string | Buffer;
  headers?: Record<string, string>;
  close?: boolean;
}

function isObject(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function rubyClassName(v: unknown): string {
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return 'String';
  if (Array.isArray(v)) return 'Array';
  return 'Hash';
}

export class HttpInput extends Input<typeof params> {
  static override readonly type = 'http';
  static override readonly params = params;
  static readonly desc = 'Receives events over HTTP (POST /<tag>).';
  static readonly example = '<source>\n  @type http\n  port 8888\n  bind 127.0.0.1\n</source>';

  private server: http.Server | undefined;
  private customParser: Parser<any> | undefined;
  private timeKey = 'time';
  private keepTimeKey = false;
  private timeParser: TimeParser | undefined;
  private floatTime = new TimeParser({ type: 'float' });
  private corsPatterns: RegExp[] | undefined;
  private corsAny = false;
  private readonly throttle = new LogThrottle(10_000);
  /** Counters for monitoring: requests answered per status. */
  readonly statusCounts = new Map<number, number>();

  override configure(el: ConfigElement): void {
    compatParse(el);
    super.configure(el);
    const c = this.config;
    const parse = el.children('parse')[0];
    const ptype = parse?.params.get('@type')?.value ?? parse?.params.get('type')?.value;
    if (parse && ptype && ptype !== 'in_http') {
      this.customParser = createParser(this.ctx, parse);
    } else if (parse) {
      parse.consumed = true;
      if (ptype) parse.used.add(parse.has('@type') ? '@type' : 'type');
      const get = (k: string) => parse.get(k) ?? undefined;
      this.timeKey = get('time_key') ?? 'time';
      this.keepTimeKey = get('keep_time_key') === 'true';
      const fmt = get('time_format');
      const type = get('time_type') as TimeType | undefined;
      if (fmt !== undefined || type !== undefined) {
        const lt = get('localtime');
        this.timeParser = new TimeParser({
          type: type ?? 'string',
          format: fmt,
          localtime: lt === undefined ? true : lt === 'true',
          utc: get('utc') === 'true',
          timezone: get('timezone'),
        });
      }
    }
    if (c.cors_allow_origins) {
      const origins = c.cors_allow_origins.map(String);
      this.corsAny = origins.includes('*');
      if (c.cors_allow_credentials && this.corsAny) {
        throw new ConfigError(
          "Cannot enable cors_allow_credentials with '*' in cors_allow_origins: list the origins",
        );
      }
      this.corsPatterns = origins.map((o) => {
        const parts = o.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
        return new RegExp(`^${parts.join('.*')}$`);
      });
    }
  }

  /** The bound port (useful with `port 0`). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.config.port;
  }

  override async start(): Promise<void> {
    const c = this.config;
    const server = http.createServer({ keepAlive: true });
    server.keepAliveTimeout = c.keepalive_timeout * 1000;
    server.headersTimeout = Math.max(60_000, server.keepAliveTimeout + 1000);
    server.requestTimeout = 120_000;
    server.on('request', (req, res) => this.onRequest(req, res));
    server.on('checkContinue', (req, res) => {
      const len = Number(req.headers['content-length'] ?? 0);
      if (len >= c.body_size_limit) this.send(req, res, { status: 413, body: 'Too large', close: true });
      else {
        res.writeContinue();
        this.onRequest(req, res);
      }
    });
    server.on('checkExpectation', (req, res) => this.send(req, res, { status: 417, body: '', close: true }));
    server.on('clientError', (_err, socket) => {
      if (socket.writable)
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(
        { port: c.port, host: c.bind, ...(c.backlog !== undefined ? { backlog: c.backlog } : {}) },
        () => {
          server.off('error', reject);
          resolve();
        },
      );
    });
    this.log.info(`listening http on ${c.bind}:${this.port}`);
  }

  override async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeIdleConnections();
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  override async shutdown(): Promise<void> {
    await this.stop();
  }

  private count(status: number): void {
    this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + 1);
  }

  private wantsKeepAlive(req: http.IncomingMessage): boolean {
    const conn = String(req.headers.connection ?? '').toLowerCase();
    if (req.httpVersion === '1.0') return conn.includes('keep-alive');
    return !conn.includes('close');
  }

  private send(req: http.IncomingMessage, res: http.ServerResponse, r: Reply): void {
    if (res.headersSent) return;
    this.count(r.status);
    const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    res.sendDate = false;
    const close = r.close === true || !this.wantsKeepAlive(req);
    const headers: Record<string, string | number> = { 'Content-Type': 'text/plain', ...r.headers };
    if (r.status !== 204) headers['Content-Length'] = body.length;
    headers.Connection = close ? 'close' : 'Keep-Alive';
    if (r.status === 413)
      res.writeHead(413, 'Request Entity Too Large', headers); // Fluentd's wording
    else res.writeHead(r.status, headers);
    res.end(r.status === 204 ? undefined : body);
    if (close && r.status === 413) {
      res.once('finish', () => req.socket.destroySoon());
    }
  }

  /** Whether the request's Origin passes (no Origin, or CORS off: yes) and the headers to echo. */
  private corsOrigin(req: http.IncomingMessage): { allowed: boolean; headers: Record<string, string> } {
    const origin = req.headers.origin;
    if (!this.corsPatterns || origin === undefined) return { allowed: true, headers: {} };
    const ok = this.corsAny || this.corsPatterns.some((re) => re.test(origin));
    if (!ok) return { allowed: false, headers: {} };
    const headers: Record<string, string> = { 'Access-Control-Allow-Origin': this.corsAny ? '*' : origin };
    if (this.config.cors_allow_credentials) headers['Access-Control-Allow-Credentials'] = 'true';
    return { allowed: true, headers };
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.handle(req, res).catch((e: Error) => {
      this.logError('unexpected error in http input', e);
      this.send(req, res, { status: 500, body: `500 Internal Server Error\n${e.message}\n`, close: true });
    });
  }

  private logError(msg: string, e: Error): void {
    if (!this.config.dump_error_log) return;
    const suppressed = this.throttle.allow(msg);
    if (suppressed < 0) return;
    this.log.error(msg, { error: e, ...(suppressed > 0 ? { suppressed } : {}) });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const c = this.config;
    const method = req.method ?? 'POST';
    const cors = this.corsOrigin(req);
    if (method === 'OPTIONS') {
      const wanted = String(req.headers['access-control-request-method'] ?? 'POST').toUpperCase();
      if (!this.corsPatterns || !cors.allowed || wanted !== 'POST') {
        req.resume();
        this.send(req, res, { status: 403, body: '' });
        return;
      }
      const headers: Record<string, string> = { ...cors.headers, 'Access-Control-Allow-Methods': 'POST' };
      const reqHeaders = req.headers['access-control-request-headers'];
      if (reqHeaders) headers['Access-Control-Allow-Headers'] = String(reqHeaders);
      if (!headers['Access-Control-Allow-Origin'] && this.corsAny)
        headers['Access-Control-Allow-Origin'] = '*';
      req.resume();
      this.send(req, res, { status: 200, body: '', headers });
      return;
    }
    if (!cors.allowed) {
      req.resume();
      this.send(req, res, { status: 403, body: '', close: true });
      return;
    }
    if (method === 'GET') {
      req.resume();
      this.send(req, res, { status: 200, body: '', headers: cors.headers, close: true });
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > c.body_size_limit) {
      this.send(req, res, { status: 413, body: 'Too large', close: true });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, c.body_size_limit);
      body = await decodeBody(body, req.headers['content-encoding'], c.decompression_size_limit);
    } catch (e) {
      if (e instanceof BodyTooLargeError)
        this.send(req, res, { status: 413, body: 'Too large', close: true });
      else if (e instanceof UnsupportedEncodingError) {
        this.send(req, res, {
          status: 415,
          body: `415 Unsupported Media Type\n${e.message}\n`,
          headers: cors.headers,
        });
      } else if (req.complete) this.send(req, res, { status: 400, body: '', headers: cors.headers });
      else req.destroy();
      return;
    }
    let tag: string;
    let es: EventStream;
    try {
      ({ tag, es } = this.toEvents(req, body));
    } catch (e) {
      this.logError('failed to process request', e as Error);
      this.send(req, res, {
        status: 400,
        body: `400 Bad Request\n${(e as Error).message}\n`,
        headers: cors.headers,
      });
      return;
    }
    if (es.length > 0) {
      try {
        await this.emitter.emitStreamDurable(tag, es);
      } catch (e) {
        this.logError('failed to emit events; answered 503', e as Error);
        this.send(req, res, {
          status: 503,
          body: `503 Service Unavailable\n${(e as Error).message}\n`,
          headers: { ...cors.headers, 'Retry-After': String(RETRY_AFTER_SECONDS) },
        });
        return;
      }
    }
    if (c.respond_with_empty_img) {
      this.send(req, res, {
        status: 200,
        body: EMPTY_GIF,
        headers: { ...cors.headers, 'Content-Type': 'image/gif; charset=utf-8' },
      });
    } else if (c.use_204_response) this.send(req, res, { status: 204, body: '', headers: cors.headers });
    else this.send(req, res, { status: 200, body: '', headers: cors.headers });
  }

  /** Request → tag and events. Throws BadRequest (→ 400) with the message to show. */
  private toEvents(req: http.IncomingMessage, body: Buffer): { tag: string; es: EventStream } {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }
    let tag = path
      .replace(/^\/+/, '')
      .split('/')
      .filter((s) => s !== '')
      .join('.');
    if (tag === '') throw new BadRequest('tag is empty: POST to /<tag>');
    if (this.config.add_tag_prefix) tag = `${this.config.add_tag_prefix}.${tag}`;
    const queryParams = q < 0 ? new Map<string, Buffer>() : parseForm(url.slice(q + 1));
    const params = new Map(queryParams);
    const ctype = String(req.headers['content-type'] ?? '').toLowerCase();
    const records: Rec[] = [];
    const times: (EventTime | undefined)[] = [];
    if (this.customParser) {
      this.customParser.parse(body, (time, record) => {
        if (record === null)
          throw new BadRequest(
            `Received event is not ${this.customParser!.type}: ${body.toString('utf8', 0, 200)}`,
          );
        records.push(record);
        times.push(time);
      });
    } else {
      if (ctype.startsWith('application/x-www-form-urlencoded')) parseForm(body, params);
      else if (ctype.startsWith('multipart/form-data')) {
        const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(String(req.headers['content-type']));
        if (!m) throw new BadRequest('multipart/form-data without a boundary');
        parseMultipart(body, m[1] ?? m[2]!, params);
      } else if (ctype.startsWith('application/json') || ctype.startsWith('application/csp-report'))
        params.set('json', body);
      else if (ctype.startsWith('application/msgpack')) params.set('msgpack', body);
      else if (ctype.startsWith('application/x-ndjson')) params.set('ndjson', body);
      this.defaultRecords(params, records);
    }
    const now = EventTime.now();
    let paramTime: EventTime | undefined;
    const t = params.get('time');
    if (t !== undefined) {
      const text = t.toString('utf8');
      const f = this.floatTime.parse(text);
      paramTime = f.sec === 0 && f.nsec === 0 ? undefined : f;
    }
    const es = new EventStream();
    const extra = this.extraFields(req, queryParams);
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (extra) Object.assign(r, extra);
      const time = paramTime ?? (this.customParser ? times[i] : this.recordTime(r)) ?? now;
      es.add(time.sec, time.nsec, r);
    }
    return { tag, es };
  }

  private defaultRecords(params: Map<string, Buffer>, out: Rec[]): void {
    const mp = params.get('msgpack');
    const js = params.get('json');
    const nd = params.get('ndjson');
    const push = (v: unknown, what: string) => {
      if (v === null || v === undefined) return;
      if (isObject(v)) out.push(v);
      else if (Array.isArray(v)) {
        for (const r of v) if (isObject(r)) out.push(r);
      } else throw new BadRequest(`${what} must be an object or an array of objects`);
    };
    if (mp !== undefined) {
      let objs: unknown[];
      try {
        objs = decodeMultiple(mp);
      } catch (e) {
        throw new BadRequest(`invalid msgpack: ${(e as Error).message}`);
      }
      for (const o of objs) push(o, 'msgpack');
    } else if (js !== undefined) {
      let v: unknown;
      try {
        v = JSON.parse(js.toString('utf8'));
      } catch (e) {
        throw new BadRequest(`invalid JSON: ${(e as Error).message}`);
      }
      push(v, 'json');
    } else if (nd !== undefined) {
      const lines = nd.toString('utf8').split(/\r?\n/);
      for (let i = 0; i < lines.length; i++) {
        if (lines[i]!.trim() === '') continue;
        try {
          push(JSON.parse(lines[i]!), 'ndjson line');
        } catch (e) {
          if (e instanceof BadRequest) throw e;
          throw new BadRequest(`invalid JSON in ndjson line ${i + 1}: ${(e as Error).message}`);
        }
      }
    } else throw new BadRequest("'json', 'ndjson' or 'msgpack' parameter is required");
  }

  /** HTTP_*, QUERY_* and REMOTE_ADDR fields added to every record, or undefined. */
  private extraFields(req: http.IncomingMessage, query: Map<string, Buffer>): Rec | undefined {
    const c = this.config;
    if (!c.add_http_headers && !c.add_query_params && !c.add_remote_addr) return undefined;
    const extra: Rec = {};
    if (c.add_http_headers) {
      for (const [k, v] of Object.entries(req.headers)) {
        extra[`HTTP_${k.replace(/-/g, '_').toUpperCase()}`] = Array.isArray(v) ? v.join(', ') : v;
      }
    }
    if (c.add_query_params) {
      for (const [k, v] of query) extra[`QUERY_${k.replace(/-/g, '_').toUpperCase()}`] = v.toString('utf8');
    }
    if (c.add_remote_addr) {
      const xff = req.headers['x-forwarded-for'];
      const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
      extra.REMOTE_ADDR = first || (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    }
    return extra;
  }

  /** The record's time field (removed unless keep_time_key), Fluentd's convert_time_field. */
  private recordTime(r: Rec): EventTime | undefined {
    const v = r[this.timeKey];
    if (!this.keepTimeKey) delete r[this.timeKey];
    if (v === undefined || v === null || v === false) return undefined;
    if (this.timeParser) {
      try {
        return this.timeParser.parse(v);
      } catch (e) {
        throw new BadRequest((e as Error).message);
      }
    }
    if (typeof v === 'number') return Number.isInteger(v) ? new EventTime(v, 0) : EventTime.fromFloat(v);
    throw new BadRequest(`can't convert ${rubyClassName(v)} into an exact number`);
  }
}
