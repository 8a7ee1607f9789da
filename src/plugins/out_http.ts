// out_http: sends each flushed chunk as one HTTP request (Fluentd ≥ 1.7 out_http; docs
// output/http.md).
//
//   POST /api/app.logs HTTP/1.1                 endpoint http://host:9000/api/${tag}
//   Content-Type: application/x-ndjson          from <format> unless content_type is set
//   Content-Encoding: gzip                      compress gzip only
//   Authorization: Basic dXNlcjpwYXNz           <auth> method basic
//   X-Custom: v                                 headers, then headers_from_placeholders
//
//   {"a":1}\n{"b":2}\n                          <format> @type json (default): one line a record
//   [{"a":1}\n,{"b":2}\n]                       json_array true (Fluentd's exact bytes)
//
// Content-Type by formatter: json → application/x-ndjson (json_array: application/json), csv →
// text/csv, tsv/ltsv → text/tab-separated-values, msgpack → application/x-msgpack,
// out_file/single_value/stdout/hash → text/plain.
//
// Answers: 2xx commits the chunk. A status in retryable_response_codes (default [503], with
// Fluentd's warning) is retried with the buffer's backoff; any other status is an
// UnrecoverableError (chunk → <secondary> / backup) unless error_response_as_unrecoverable is
// false, which logs it and drops the chunk. Connection errors and timeouts are retried.
// Redirects are not followed (as Net::HTTP).
//
// - Placeholders (${tag}, ${key}, %Y...) in endpoint and headers_from_placeholders come from
//   the chunk keys. A placeholder in the host part needs allowed_hosts (Fluentd 1.19.3).
// - reuse_connections: keep-alive connections, reused across chunks; otherwise one
//   connection per request (Connection: close).
// - open_timeout / read_timeout default to 60 s (Net::HTTP's defaults) rather than none.
// - Not supported: proxy (logged, requests go direct) and <auth> aws_sigv4 (config error).

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { Chunk } from '../buffer/chunk.js';
import type { Framing } from '../buffer/file-store.js';
import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError, UnrecoverableError } from '../core/errors.js';
import type { EventStream } from '../core/event-stream.js';
import { BufferedOutput } from '../plugin/buffered-output.js';
import {
  formatBatch,
  formatParams,
  formatterType,
  makeFormatter,
  type RecordFormatter,
} from '../plugin/formatter.js';

const gzip = promisify(zlib.gzip);

/** Bytes of an error response kept for the log line / error message. */
const MAX_ERROR_BODY = 16 * 1024;
const DEFAULT_TIMEOUT_S = 60;

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/x-ndjson',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  ltsv: 'text/tab-separated-values',
  msgpack: 'application/x-msgpack',
  out_file: 'text/plain',
  single_value: 'text/plain',
  stdout: 'text/plain',
  hash: 'text/plain',
};

const TLS_VERSIONS = { TLSv1_1: 'TLSv1.1', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3' } as const;

const params = {
  endpoint: p.string({ required: true, desc: 'URL of the requests (http or https); placeholders allowed.' }),
  http_method: p.enum(['post', 'put'] as const)({ default: 'post', desc: 'HTTP method.' }),
  proxy: p.string({ desc: 'Not supported yet: a warning is logged and requests go direct.' }),
  content_type: p.string({ desc: 'Content-Type of the requests (default: from the <format> type).' }),
  json_array: p.bool({ default: false, desc: 'Send the chunk as one JSON array (json format only).' }),
  headers: p.hash()({ desc: 'Extra request headers, e.g. {"X-Key":"v"}.' }),
  headers_from_placeholders: p.hash()({
    desc: 'Extra headers whose values hold placeholders (tag, chunk keys).',
  }),
  compress: p.enum(['text', 'gzip'] as const)({
    default: 'text',
    desc: 'gzip: compress the body (Content-Encoding: gzip).',
  }),
  allowed_hosts: p.array()({
    default: [],
    desc: 'Hosts allowed when the endpoint host comes from a placeholder.',
  }),
  open_timeout: p.integer({ desc: 'Connect timeout in seconds (default 60).' }),
  read_timeout: p.integer({ desc: 'Seconds without response data before the request fails (default 60).' }),
  ssl_timeout: p.integer({ desc: 'TLS handshake timeout in seconds.' }),
  reuse_connections: p.bool({ default: false, desc: 'Keep connections open and reuse them (keep-alive).' }),
  tls_ca_cert_path: p.string({ desc: 'CA certificate file (PEM) to verify the server.' }),
  tls_client_cert_path: p.string({ desc: 'Client certificate file (PEM).' }),
  tls_private_key_path: p.string({ desc: 'Client private key file (PEM).' }),
  tls_private_key_passphrase: p.string({ secret: true, desc: 'Passphrase of the client private key.' }),
  tls_verify_mode: p.enum(['none', 'peer'] as const)({
    default: 'peer',
    desc: 'peer: verify the server certificate.',
  }),
  tls_version: p.enum(['TLSv1_1', 'TLSv1_2', 'TLSv1_3'] as const)({
    default: 'TLSv1_2',
    desc: 'Lowest TLS version accepted.',
  }),
  tls_ciphers: p.string({ default: 'ALL:!aNULL:!eNULL:!SSLv2', desc: 'OpenSSL cipher list.' }),
  error_response_as_unrecoverable: p.bool({
    default: true,
    desc: 'A non-2xx answer not in retryable_response_codes is unrecoverable (false: log it, drop the chunk).',
  }),
  retryable_response_codes: p.array('integer')({ desc: 'Statuses that are retried (default [503]).' }),
  format: p.section(formatParams('json'), { desc: '<format> section (default @type json).' }),
  auth: p.section(
    {
      method: p.enum(['basic', 'aws_sigv4'] as const)({
        default: 'basic',
        desc: 'basic (aws_sigv4 is not supported).',
      }),
      username: p.string({ desc: 'User name for basic authentication.' }),
      password: p.string({ secret: true, desc: 'Password for basic authentication.' }),
      aws_service: p.string({ desc: 'Not supported.' }),
      aws_region: p.string({ desc: 'Not supported.' }),
      aws_role_arn: p.string({ desc: 'Not supported.' }),
    },
    { desc: 'HTTP authentication.' },
  ),
} as const;

export interface HttpAnswer {
  status: number;
  statusMessage: string;
  body: string;
}

/** Ruby's `capitalize` of the method, as in Fluentd's log line. */
const METHOD_NAMES = { post: 'Post', put: 'Put' } as const;

export class HttpOutput extends BufferedOutput<typeof params> {
  static override readonly type = 'http';
  static override readonly params = params;
  static readonly desc = 'Sends each buffered chunk as one HTTP request (JSON lines by default).';
  static readonly example =
    '<match app.**>\n  @type http\n  endpoint http://127.0.0.1:9880/app\n  json_array true\n  <buffer>\n    flush_interval 10s\n  </buffer>\n</match>';

  private formatter!: RecordFormatter;
  private formatType = 'json';
  contentType = '';
  retryableCodes: number[] = [];
  /** The endpoint's host as configured (`x-placeholder` when the host is a placeholder). */
  private endpointHost = '';
  private agents: { http?: http.Agent; https?: https.Agent } = {};
  private tls: https.AgentOptions = {};

  override configure(el: ConfigElement): void {
    super.configure(el);
    const c = this.config;
    this.formatType = formatterType(c.format, 'json');
    this.formatter = makeFormatter(c.format, 'json');
    if (c.retryable_response_codes === undefined) {
      this.log.warn(
        'Status code 503 is going to be removed from default `retryable_response_codes` from fluentd v2. Please add it by yourself if you wish',
      );
    }
    this.retryableCodes = c.retryable_response_codes ?? [503];
    const ct = c.content_type ?? CONTENT_TYPES[this.formatType];
    if (ct === undefined) {
      throw new ConfigError(
        "can't determine Content-Type from formatter type. Set content_type parameter explicitly",
      );
    }
    this.contentType = c.content_type ?? (c.json_array ? 'application/json' : ct);
    if (c.json_array && this.formatType !== 'json') {
      throw new ConfigError('json_array option could be used with json formatter only');
    }
    if (c.auth?.method === 'aws_sigv4') {
      throw new ConfigError('<auth> method aws_sigv4 is not supported by Tributary: use basic or headers');
    }
    let url: URL;
    try {
      url = new URL(c.endpoint.replace(/[$%]\{[^}]+\}/g, 'x-placeholder'));
    } catch (e) {
      throw new ConfigError(`Invalid endpoint URI: ${c.endpoint} (${(e as Error).message})`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`Invalid endpoint URI: ${c.endpoint} (the scheme must be http or https)`);
    }
    this.endpointHost = url.hostname;
    if (c.proxy !== undefined)
      this.log.warn('proxy is not supported yet: requests go directly to the endpoint');
  }

  override get chunkFraming(): Framing {
    return this.config.json_array || this.formatType === 'msgpack' ? 'none' : 'lines';
  }

  override format(tag: string, es: EventStream): Uint8Array {
    const post = this.config.json_array ? (s: string) => `${s},` : undefined;
    return formatBatch(this.formatter, undefined, tag, es.secs, es.nsecs, es.records, post);
  }

  override async start(): Promise<void> {
    const c = this.config;
    const tls: https.AgentOptions = {
      rejectUnauthorized: c.tls_verify_mode === 'peer',
      minVersion: TLS_VERSIONS[c.tls_version],
      ciphers: c.tls_ciphers,
    };
    const read = (what: string, file: string) => {
      try {
        return fs.readFileSync(file);
      } catch (e) {
        throw new ConfigError(`${what} is wrong: ${file} (${(e as Error).message})`);
      }
    };
    if (c.tls_ca_cert_path) tls.ca = read('tls_ca_cert_path', c.tls_ca_cert_path);
    if (c.tls_client_cert_path) tls.cert = read('tls_client_cert_path', c.tls_client_cert_path);
    if (c.tls_private_key_path) tls.key = read('tls_private_key_path', c.tls_private_key_path);
    if (c.tls_private_key_passphrase !== undefined) tls.passphrase = c.tls_private_key_passphrase;
    this.tls = tls;
    await super.start();
  }

  private agent(protocol: string): http.Agent {
    const keepAlive = this.config.reuse_connections;
    const maxSockets = this.bufferConfig?.flushThreadCount ?? 1;
    if (protocol === 'https:') {
      this.agents.https ??= new https.Agent({ ...this.tls, keepAlive, maxSockets });
      return this.agents.https;
    }
    this.agents.http ??= new http.Agent({ keepAlive, maxSockets });
    return this.agents.http;
  }

  /** The chunk's endpoint, placeholders filled; the host must be the configured one or allowed. */
  endpointFor(chunk: Chunk): URL {
    const text = this.extractPlaceholders(this.config.endpoint, chunk);
    let url: URL;
    try {
      url = new URL(text);
    } catch (e) {
      throw new UnrecoverableError(`Invalid endpoint URI: ${text} (${(e as Error).message})`);
    }
    if (url.hostname !== this.endpointHost) {
      const allowed = this.config.allowed_hosts as string[];
      if (allowed.length === 0) {
        throw new UnrecoverableError(
          'allowed_hosts is strictly required when using placeholders in the endpoint host',
        );
      }
      if (!allowed.includes(url.hostname)) throw new UnrecoverableError(`Not allowed host: ${url.hostname}`);
    }
    return url;
  }

  /** Request headers for a chunk, later ones replacing earlier ones of the same name. */
  headersFor(chunk: Chunk): Record<string, string> {
    const c = this.config;
    const out = new Map<string, [string, string]>();
    const set = (k: string, v: unknown) => out.set(k.toLowerCase(), [k, String(v)]);
    for (const [k, v] of Object.entries(c.headers ?? {})) set(k, v);
    for (const [k, v] of Object.entries(c.headers_from_placeholders ?? {})) {
      set(k, this.extractPlaceholders(String(v), chunk));
    }
    if (c.compress === 'gzip') set('Content-Encoding', 'gzip');
    set('Content-Type', this.contentType);
    if (c.auth) {
      const token = Buffer.from(`${c.auth.username ?? ''}:${c.auth.password ?? ''}`).toString('base64');
      set('Authorization', `Basic ${token}`);
    }
    if (!out.has('user-agent')) set('User-Agent', 'Tributary out_http');
    if (!c.reuse_connections) set('Connection', 'close');
    return Object.fromEntries([...out.values()]);
  }

  async write(chunk: Chunk): Promise<void> {
    const c = this.config;
    const url = this.endpointFor(chunk);
    let body = await chunk.read();
    if (c.json_array)
      body = Buffer.concat([
        Buffer.from('['),
        body.subarray(0, Math.max(0, body.length - 1)),
        Buffer.from(']'),
      ]);
    if (c.compress === 'gzip') body = await gzip(body);
    const headers = this.headersFor(chunk);
    headers['Content-Length'] = String(body.length);
    const method = c.http_method.toUpperCase();
    this.log.debug(`${METHOD_NAMES[c.http_method]} data to ${url.href} with chunk(${chunk.idHex})`);
    let res: HttpAnswer;
    try {
      res = await this.send(url, method, headers, body);
    } catch (e) {
      // Invalid header values and the like are TypeErrors: retrying cannot help.
      if (e instanceof TypeError) throw new UnrecoverableError(e.message);
      throw e;
    }
    if (res.status >= 200 && res.status < 300) {
      this.log.debug(`${res.status} ${res.statusMessage.trimEnd()}${res.body.trimStart()}`);
      return;
    }
    const msg = `${res.status} ${res.statusMessage.trimEnd()} ${res.body.trimStart()}`;
    if (this.retryableCodes.includes(res.status)) throw new Error(msg);
    if (c.error_response_as_unrecoverable) throw new UnrecoverableError(msg);
    this.log.error(`got error response from '${METHOD_NAMES[c.http_method]} ${url.href}' : ${msg}`);
  }

  /** One request; resolves with the answer (any status), rejects on connection errors and timeouts. */
  private send(url: URL, method: string, headers: Record<string, string>, body: Buffer): Promise<HttpAnswer> {
    const c = this.config;
    const openS = c.open_timeout ?? DEFAULT_TIMEOUT_S;
    const readS = c.read_timeout ?? DEFAULT_TIMEOUT_S;
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<HttpAnswer>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const fail = (e: Error) => {
        for (const t of timers) clearTimeout(t);
        reject(e);
      };
      const req = mod.request(url, { method, headers, agent: this.agent(url.protocol) }, (res) => {
        const parts: Buffer[] = [];
        let n = 0;
        res.on('data', (d: Buffer) => {
          if (n < MAX_ERROR_BODY) parts.push(d);
          n += d.length;
        });
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(new Error(`connection to ${url.host} closed before the answer ended`));
        });
        res.on('end', () => {
          for (const t of timers) clearTimeout(t);
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            body: Buffer.concat(parts).subarray(0, MAX_ERROR_BODY).toString('utf8'),
          });
        });
      });
      req.on('error', fail);
      req.on('socket', (s) => {
        if (!s.connecting) return;
        const t = setTimeout(
          () => req.destroy(new Error(`open timeout: no connection to ${url.host} within ${openS}s`)),
          openS * 1000,
        );
        timers.push(t);
        s.once('connect', () => {
          clearTimeout(t);
          if (c.ssl_timeout !== undefined && url.protocol === 'https:') {
            const st = setTimeout(
              () =>
                req.destroy(
                  new Error(`ssl timeout: no TLS handshake with ${url.host} within ${c.ssl_timeout}s`),
                ),
              c.ssl_timeout * 1000,
            );
            timers.push(st);
            s.once('secureConnect', () => clearTimeout(st));
          }
        });
      });
      req.setTimeout(readS * 1000, () =>
        req.destroy(new Error(`read timeout: no answer from ${url.host} within ${readS}s`)),
      );
      req.end(body);
    });
  }

  override async shutdown(): Promise<void> {
    await super.shutdown();
    this.agents.http?.destroy();
    this.agents.https?.destroy();
    this.agents = {};
  }
}
