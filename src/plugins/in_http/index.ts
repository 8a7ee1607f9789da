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
//
// Fast path (issue 9, fast-path.ts): connections are first read by a small HTTP/1.1 reader that
// serves plain `POST /<tag>` requests with a Content-Length itself (same event building, same
// answer bytes); the first other request hands the connection to node:http below for good.
// It is off when a config needs what only node:http's request object gives (CORS: Origin and
// preflights; add_http_headers: every header), or with TRIBUTARY_HTTP_FAST_PATH=0 in the
// environment (a kill switch; the tests compare both paths with it).
//
// Hot path (issue 9): the body is read by shared listeners (body.ts); no promise until
// emitStreamDurable; tags are cached (tag.ts); the success answer's headers are built once
// and written in one write(2) (reply.ts); the events go into one EventStream (records.ts).

import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { compatParse } from '../../config/compat.js';
import type { ConfigElement } from '../../config/element.js';
import { LogThrottle } from '../../core/log.js';
import { BodyTooLargeError, decodeBody, UnsupportedEncodingError } from '../../helpers/http-server.js';
import { Input } from '../../plugin/base.js';
import { type BodySink, Exchange, readRequestBody } from './body.js';
import { CorsPolicy, type HeaderList, NO_CORS_HEADERS } from './cors.js';
import { type FastConnection, type FastHandler, FastPath } from './fast-path.js';
import { params } from './params.js';
import { parseSection } from './parse-section.js';
import { BadRequest, EventBuilder, type RequestView } from './records.js';
import { EMPTY_GIF, otherBytes, SuccessReply, sendOther, wantsKeepAlive } from './reply.js';
import type { RequestHead } from './request-head.js';
import { TagResolver } from './tag.js';

const RETRY_AFTER_SECONDS = 1;

/** Whoever is waiting for a request's answer: node:http's exchange or a fast-path connection. */
type Target = Exchange | FastConnection;

export class HttpInput extends Input<typeof params> implements BodySink, FastHandler {
  static override readonly type = 'http';
  static override readonly params = params;
  static readonly desc = 'Receives events over HTTP (POST /<tag>).';
  static readonly example = '<source>\n  @type http\n  port 8888\n  bind 127.0.0.1\n</source>';

  private server: http.Server | undefined;
  private fast: FastPath | undefined;
  /** node:http's own 'connection' listener (the fast path hands sockets to it). */
  private httpConnection: ((socket: Socket) => void) | undefined;
  private cors: CorsPolicy | undefined;
  private tags!: TagResolver;
  private builder!: EventBuilder;
  private success!: SuccessReply;
  private readonly throttle = new LogThrottle(10_000);
  bodyLimit = 0;
  /** Counters for monitoring: requests answered per status. */
  readonly statusCounts = new Map<number, number>();

  override configure(el: ConfigElement): void {
    compatParse(el);
    super.configure(el);
    const c = this.config;
    if (c.cors_allow_origins)
      this.cors = new CorsPolicy(c.cors_allow_origins.map(String), c.cors_allow_credentials);
    this.tags = new TagResolver(c.add_tag_prefix);
    this.bodyLimit = c.body_size_limit;
    this.builder = new EventBuilder({
      ...parseSection(this.ctx, el),
      addHttpHeaders: c.add_http_headers,
      addQueryParams: c.add_query_params,
      addRemoteAddr: c.add_remote_addr,
    });
    if (c.respond_with_empty_img) this.success = new SuccessReply(200, EMPTY_GIF, 'image/gif; charset=utf-8');
    else this.success = new SuccessReply(c.use_204_response ? 204 : 200, undefined, 'text/plain');
  }

  /** Requests the fast path answered and connections it handed to node:http (for tests). */
  get fastPathStats(): { requests: number; handovers: number } | undefined {
    return this.fast?.stats;
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
      if (len >= c.body_size_limit) this.reply(req, res, 413, 'Too large', NO_CORS_HEADERS, true);
      else {
        res.writeContinue();
        this.onRequest(req, res);
      }
    });
    server.on('checkExpectation', (req, res) => this.reply(req, res, 417, '', NO_CORS_HEADERS, true));
    server.on('clientError', (_err, socket) => {
      if (socket.writable)
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    if (this.fastPathWanted()) {
      // The server still listens (its timeouts, close and connection tracking stay node's);
      // only its connection listener moves behind the fast path.
      const [listener] = server.listeners('connection') as ((socket: Socket) => void)[];
      if (listener !== undefined) {
        this.httpConnection = listener;
        // keepalive_timeout 0: idle connections stay, but a half-sent head still moves to
        // node:http after its headers timeout.
        const kat = server.keepAliveTimeout;
        const idle = kat > 0 ? kat + 1000 : server.headersTimeout;
        const fast = new FastPath(this, idle, kat > 0, server.requestTimeout);
        this.fast = fast;
        server.removeListener('connection', listener);
        server.on('connection', (socket: Socket) => fast.accept(socket));
      }
    }
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
    this.fast?.destroyAll();
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

  private reply(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    body: string,
    headers: HeaderList,
    close = false,
  ): void {
    if (res.headersSent) return;
    this.count(status);
    sendOther(req, res, status, body, headers, close);
  }

  private logError(msg: string, e: Error): void {
    if (!this.config.dump_error_log) return;
    const suppressed = this.throttle.allow(msg);
    if (suppressed < 0) return;
    this.log.error(msg, { error: e, ...(suppressed > 0 ? { suppressed } : {}) });
  }

  private unexpected(req: http.IncomingMessage, res: http.ServerResponse, e: Error): void {
    this.logError('unexpected error in http input', e);
    this.reply(req, res, 500, `500 Internal Server Error\n${e.message}\n`, NO_CORS_HEADERS, true);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    try {
      this.dispatch(req, res);
    } catch (e) {
      this.unexpected(req, res, e as Error);
    }
  }

  /** Method and CORS checks, then the body is read by the shared listeners. */
  private dispatch(req: http.IncomingMessage, res: http.ServerResponse): void {
    const method = req.method;
    let cors = NO_CORS_HEADERS;
    if (this.cors !== undefined) {
      const allowed = this.cors.check(req.headers.origin);
      if (method === 'OPTIONS') {
        this.preflight(req, res, allowed);
        return;
      }
      if (allowed === undefined) {
        req.resume();
        this.reply(req, res, 403, '', NO_CORS_HEADERS, true);
        return;
      }
      cors = allowed;
    } else if (method === 'OPTIONS') {
      req.resume();
      this.reply(req, res, 403, '', NO_CORS_HEADERS);
      return;
    }
    if (method === 'GET') {
      req.resume();
      this.reply(req, res, 200, '', cors, true);
      return;
    }
    const len = req.headers['content-length'];
    if (len !== undefined && Number(len) > this.config.body_size_limit) {
      this.answerTooLarge(req, res);
      return;
    }
    readRequestBody(this, req, res, cors);
  }

  private preflight(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    allowed: HeaderList | undefined,
  ): void {
    req.resume();
    const wanted = String(req.headers['access-control-request-method'] ?? 'POST').toUpperCase();
    if (allowed === undefined || wanted !== 'POST') {
      this.reply(req, res, 403, '', NO_CORS_HEADERS);
      return;
    }
    const headers = [...allowed, 'Access-Control-Allow-Methods', 'POST'];
    const reqHeaders = req.headers['access-control-request-headers'];
    if (reqHeaders) headers.push('Access-Control-Allow-Headers', String(reqHeaders));
    if (allowed.length === 0 && this.cors!.any) headers.push('Access-Control-Allow-Origin', '*');
    this.reply(req, res, 200, '', headers);
  }

  /** 413 and close (called by the body listener too). */
  answerTooLarge(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.reply(req, res, 413, 'Too large', NO_CORS_HEADERS, true);
  }

  /** The whole body has arrived (called by the body listener). */
  onBody(x: Exchange, body: Buffer): void {
    const enc = x.req.headers['content-encoding'];
    if (enc === undefined) {
      this.process(x, body);
      return;
    }
    decodeBody(body, enc, this.config.decompression_size_limit).then(
      (b) => this.process(x, b),
      (e: Error) => {
        if (e instanceof BodyTooLargeError) this.answerTooLarge(x.req, x.res);
        else if (e instanceof UnsupportedEncodingError)
          this.reply(x.req, x.res, 415, `415 Unsupported Media Type\n${e.message}\n`, x.cors);
        else this.reply(x.req, x.res, 400, '', x.cors);
      },
    );
  }

  private process(x: Exchange, body: Buffer): void {
    this.handle(x, x.req.url ?? '/', x.req, body);
  }

  /** A request whose whole body is here, from either path: events, emit, answer. */
  private handle(x: Target, url: string, req: RequestView, body: Buffer): void {
    try {
      const q = url.indexOf('?');
      const tag = this.tags.resolve(url, q);
      if (tag === '') throw new BadRequest('tag is empty: POST to /<tag>');
      const es = this.builder.build(req, url, q, body);
      if (es.length === 0) {
        this.succeed(x);
        return;
      }
      this.emitter.emitStreamDurable(tag, es).then(
        () => this.succeed(x),
        (e: Error) => {
          this.logError('failed to emit events; answered 503', e);
          const h = [...this.corsOf(x), 'Retry-After', String(RETRY_AFTER_SECONDS)];
          this.answer(x, 503, `503 Service Unavailable\n${e.message}\n`, h);
        },
      );
    } catch (e) {
      this.logError('failed to process request', e as Error);
      this.answer(x, 400, `400 Bad Request\n${(e as Error).message}\n`, this.corsOf(x));
    }
  }

  private corsOf(x: Target): HeaderList {
    return x instanceof Exchange ? x.cors : NO_CORS_HEADERS;
  }

  private answer(x: Target, status: number, body: string, headers: HeaderList, close = false): void {
    if (x instanceof Exchange) {
      this.reply(x.req, x.res, status, body, headers, close);
      return;
    }
    this.count(status);
    const c = close || !x.keepAlive;
    x.answer(otherBytes(status, body, headers, c), c);
  }

  private succeed(x: Target): void {
    if (!(x instanceof Exchange)) {
      this.count(this.success.status);
      x.answer(x.keepAlive ? this.success.keepBytes : this.success.closeBytes, !x.keepAlive);
      return;
    }
    const res = x.res;
    if (res.headersSent) return;
    this.count(this.success.status);
    this.success.send(res, wantsKeepAlive(x.req), x.cors);
  }

  private fastPathWanted(): boolean {
    const c = this.config;
    return process.env.TRIBUTARY_HTTP_FAST_PATH !== '0' && this.cors === undefined && !c.add_http_headers;
  }

  /** A request read by the fast path (FastHandler). */
  onFastRequest(conn: FastConnection, head: RequestHead, body: Buffer): void {
    const headers: Record<string, string | undefined> = { 'content-type': head.contentType };
    if (head.forwardedFor !== undefined) headers['x-forwarded-for'] = head.forwardedFor;
    try {
      this.handle(conn, head.url, { headers, socket: conn.socket }, body);
    } catch (e) {
      this.logError('unexpected error in http input', e as Error);
      this.answer(conn, 500, `500 Internal Server Error\n${(e as Error).message}\n`, NO_CORS_HEADERS, true);
    }
  }

  /** A connection the fast path does not serve any more (FastHandler). */
  handOver(socket: Socket): void {
    if (this.server === undefined || this.httpConnection === undefined) socket.destroy();
    else this.httpConnection.call(this.server, socket);
  }
}
