// out_http against real local HTTP(S) servers.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as zlib from 'node:zlib';
import { HttpOutput } from '../../src/plugins/out_http.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';
import { waitFor } from '../helpers/proc.js';
import { makeCert } from './in_tcp_support.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  remotePort: number;
}

type Handler = (req: Seen, res: http.ServerResponse) => void;

class Server {
  readonly seen: Seen[] = [];
  handler: Handler = (_req, res) => res.end('ok');
  readonly server: http.Server;

  constructor(tls?: { cert: Buffer; key: Buffer }) {
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        const s: Seen = {
          method: req.method!,
          url: req.url!,
          headers: req.headers,
          body: Buffer.concat(parts),
          remotePort: req.socket.remotePort!,
        };
        this.seen.push(s);
        this.handler(s, res);
      });
    };
    this.server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return String((this.server.address() as AddressInfo).port);
  }

  close(): Promise<void> {
    this.server.closeAllConnections?.();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-outhttp-backup-'));
let srv: Server;
let port: string;
before(async () => {
  process.env.FLUENT_BACKUP_DIR = backupDir;
  srv = new Server();
  port = await srv.listen();
});
after(async () => {
  await srv.close();
  fs.rmSync(backupDir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: a Fluentd placeholder, not a JS template.
const TAG = '${tag}';

const BUFFER = (keys = '') =>
  `<buffer ${keys}>\n@type memory\nflush_mode interval\nflush_interval 1h\nretry_wait 0.05\nretry_randomize false\n</buffer>`;

function driver(conf: string, keys = ''): OutputTestDriver<HttpOutput> {
  srv.seen.length = 0;
  srv.handler = (_req, res) => res.end('ok');
  return new OutputTestDriver(HttpOutput, `${conf.replaceAll('PORT', port)}\n${BUFFER(keys)}`);
}

test('POST of JSON lines: endpoint and header placeholders, headers, basic auth, content type', async () => {
  const d = driver(
    [
      `endpoint http://127.0.0.1:PORT/api/${TAG}`,
      'headers {"X-Static":"s","Content-Type":"overridden"}',
      `headers_from_placeholders {"X-Tag":"t-${TAG}"}`,
      'retryable_response_codes [503]',
      '<auth>\nusername user\npassword pass\n</auth>',
    ].join('\n'),
    'tag',
  );
  await d.feed('app.web', [{ a: 1 }, { b: 'x', n: null }]);
  await d.instance.flushAll();
  assert.equal(srv.seen.length, 1);
  const r = srv.seen[0]!;
  assert.equal(r.method, 'POST');
  assert.equal(r.url, '/api/app.web');
  assert.equal(r.headers['content-type'], 'application/x-ndjson');
  assert.equal(r.headers['x-static'], 's');
  assert.equal(r.headers['x-tag'], 't-app.web');
  assert.equal(r.headers.authorization, `Basic ${Buffer.from('user:pass').toString('base64')}`);
  assert.equal(r.headers.connection, 'close');
  assert.equal(r.body.toString(), '{"a":1}\n{"b":"x","n":null}\n');
  assert.ok(!d.logs().some((l) => /Status code 503 is going to be removed/.test(l)));
  await d.shutdown();
});

test('json_array with PUT: one JSON array (application/json); gzip compression', async () => {
  const d = driver('endpoint http://127.0.0.1:PORT/arr\nhttp_method put\njson_array true\ncompress gzip');
  assert.ok(
    d.logs().some((l) => /Status code 503 is going to be removed/.test(l)),
    'default warning',
  );
  await d.feed('t', [{ a: 1 }, { a: 2 }, { a: 3 }]);
  await d.instance.flushAll();
  const r = srv.seen[0]!;
  assert.equal(r.method, 'PUT');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['content-encoding'], 'gzip');
  const text = zlib.gunzipSync(r.body).toString();
  assert.equal(text, '[{"a":1}\n,{"a":2}\n,{"a":3}\n]');
  assert.deepEqual(JSON.parse(text), [{ a: 1 }, { a: 2 }, { a: 3 }]);
  await d.shutdown();
});

test('other formats set their content type (msgpack, ltsv, single_value)', async () => {
  for (const [fmt, ct] of [
    ['msgpack', 'application/x-msgpack'],
    ['ltsv', 'text/tab-separated-values'],
    ['single_value', 'text/plain'],
  ]) {
    const d = driver(`endpoint http://127.0.0.1:PORT/f\n<format>\n@type ${fmt}\n</format>`);
    await d.feed('t', [{ message: 'hi' }]);
    await d.instance.flushAll();
    assert.equal(srv.seen[0]!.headers['content-type'], ct, fmt);
    await d.shutdown();
  }
  const custom = driver('endpoint http://127.0.0.1:PORT/f\ncontent_type application/vnd.x');
  assert.equal(custom.instance.contentType, 'application/vnd.x');
});

test('a retryable status (503) is retried; success commits', async () => {
  const d = driver('endpoint http://127.0.0.1:PORT/r');
  let n = 0;
  srv.handler = (_req, res) => {
    res.statusCode = ++n === 1 ? 503 : 200;
    res.end(n === 1 ? 'busy' : 'ok');
  };
  await d.feed('t', [{ a: 1 }]);
  await d.instance.flushAll();
  await waitFor(() => d.logs().some((l) => /retry succeeded/.test(l)), 'the retry to succeed', 5000);
  assert.equal(srv.seen.length, 2);
  assert.deepEqual(srv.seen[0]!.body, srv.seen[1]!.body, 'the same chunk is sent again');
  assert.ok(
    d.logs().some((l) => /failed to flush the buffer/.test(l) && /503 Service Unavailable busy/.test(l)),
  );
  await d.shutdown();
});

test('other statuses: unrecoverable (backup, no retry) or, with error_response_as_unrecoverable false, logged and dropped', async () => {
  const d = driver('endpoint http://127.0.0.1:PORT/e');
  srv.handler = (_req, res) => {
    res.statusCode = 400;
    res.end('bad input');
  };
  await d.feed('t', [{ a: 1 }]);
  await d.instance.flushAll();
  await waitFor(
    () =>
      d
        .logs()
        .some(
          (l) =>
            /got unrecoverable error in primary and no secondary/.test(l) &&
            /400 Bad Request bad input/.test(l),
        ),
    'the unrecoverable error',
    5000,
  );
  assert.equal(srv.seen.length, 1, 'not retried');
  await d.shutdown();

  const q = driver('endpoint http://127.0.0.1:PORT/e\nerror_response_as_unrecoverable false');
  srv.handler = (_req, res) => {
    res.statusCode = 404;
    res.end('nope');
  };
  await q.feed('t', [{ a: 1 }]);
  await q.instance.flushAll();
  await waitFor(
    () =>
      q
        .logs()
        .some((l) =>
          /got error response from 'Post http:\/\/127\.0\.0\.1:\d+\/e' : 404 Not Found nope/.test(l),
        ),
    'the error log',
    5000,
  );
  assert.equal(srv.seen.length, 1);
  assert.ok(!q.logs().some((l) => /failed to flush/.test(l)));
  await q.shutdown();
});

test('reuse_connections keeps one connection across chunks; otherwise one per request', async () => {
  const keep = driver('endpoint http://127.0.0.1:PORT/k\nreuse_connections true');
  for (let i = 0; i < 3; i++) {
    await keep.feed('t', [{ i }]);
    await keep.instance.flushAll();
  }
  assert.equal(srv.seen.length, 3);
  assert.equal(new Set(srv.seen.map((s) => s.remotePort)).size, 1, 'one socket');
  assert.notEqual(srv.seen[0]!.headers.connection, 'close');
  await keep.shutdown();

  const fresh = driver('endpoint http://127.0.0.1:PORT/k');
  for (let i = 0; i < 2; i++) {
    await fresh.feed('t', [{ i }]);
    await fresh.instance.flushAll();
  }
  assert.equal(new Set(srv.seen.map((s) => s.remotePort)).size, 2, 'a socket per request');
  await fresh.shutdown();
});

test('read_timeout: a server that never answers fails the flush (retried later)', async () => {
  const d = driver('endpoint http://127.0.0.1:PORT/slow\nread_timeout 1');
  srv.handler = () => {}; // never answers
  await d.feed('t', [{ a: 1 }]);
  await d.instance.flushAll();
  await waitFor(
    () => d.logs().some((l) => /failed to flush the buffer/.test(l) && /read timeout/.test(l)),
    'the read timeout',
    5000,
  );
  srv.handler = (_req, res) => res.end('ok');
  await waitFor(() => d.logs().some((l) => /retry succeeded/.test(l)), 'the retry', 5000);
  await d.shutdown();
});

test('a refused connection is retried, not unrecoverable', async () => {
  const closed = new Server();
  const p = await closed.listen();
  await closed.close();
  const d = driver(`endpoint http://127.0.0.1:${p}/x`);
  await d.feed('t', [{ a: 1 }]);
  await d.instance.flushAll();
  await waitFor(
    () => d.logs().some((l) => /failed to flush the buffer/.test(l) && /ECONNREFUSED/.test(l)),
    'the refusal',
    5000,
  );
  assert.ok(!d.logs().some((l) => /unrecoverable/.test(l)));
  await d.shutdown();
});

test('a placeholder in the host needs allowed_hosts', async () => {
  const d = driver(`endpoint http://${TAG}:PORT/h`, 'tag');
  await d.feed('127.0.0.1', [{ a: 1 }]);
  await d.instance.flushAll();
  await waitFor(
    () => d.logs().some((l) => /allowed_hosts is strictly required/.test(l)),
    'the refusal',
    5000,
  );
  assert.equal(srv.seen.length, 0);
  await d.shutdown();

  const ok = driver(`endpoint http://${TAG}:PORT/h\nallowed_hosts ["127.0.0.1"]`, 'tag');
  await ok.feed('127.0.0.1', [{ a: 1 }]);
  await ok.feed('localhost', [{ a: 2 }]);
  await ok.instance.flushAll();
  await waitFor(
    () => ok.logs().some((l) => /Not allowed host: localhost/.test(l)),
    'the refusal of localhost',
    5000,
  );
  assert.equal(srv.seen.length, 1);
  await ok.shutdown();
});

test('https with a CA file', async (t) => {
  const cert = makeCert();
  if (!cert) {
    t.skip('openssl is not available');
    return;
  }
  const tlsSrv = new Server({ cert: fs.readFileSync(cert.cert), key: fs.readFileSync(cert.key) });
  const p = await tlsSrv.listen();
  try {
    const d = new OutputTestDriver(
      HttpOutput,
      `endpoint https://localhost:${p}/s\ntls_ca_cert_path ${cert.cert}\n${BUFFER()}`,
    );
    await d.feed('t', [{ secure: true }]);
    await d.instance.flushAll();
    assert.equal(tlsSrv.seen[0]?.body.toString(), '{"secure":true}\n');
    await d.shutdown();

    const unverified = new OutputTestDriver(HttpOutput, `endpoint https://localhost:${p}/s\n${BUFFER()}`);
    await unverified.feed('t', [{ a: 1 }]);
    await unverified.instance.flushAll();
    await waitFor(
      () => unverified.logs().some((l) => /failed to flush the buffer/.test(l) && /self.signed/i.test(l)),
      'the certificate error',
      5000,
    );
    await unverified.shutdown();
  } finally {
    await tlsSrv.close();
    fs.rmSync(cert.dir, { recursive: true, force: true });
  }
});

test('config errors', () => {
  const mk = (c: string) => () => new OutputTestDriver(HttpOutput, c);
  assert.throws(mk(''), /'endpoint' parameter is required/);
  assert.throws(
    mk('endpoint http://x/\njson_array true\n<format>\n@type ltsv\n</format>'),
    /json_array option could be used with json formatter only/,
  );
  assert.throws(mk('endpoint ftp://x/'), /Invalid endpoint URI/);
  assert.throws(mk('endpoint http://x/\n<auth>\nmethod aws_sigv4\n</auth>'), /aws_sigv4 is not supported/);
  assert.throws(mk('endpoint http://x/\nhttp_method get'), /valid options are post,put but got get/);
});
