// in_http's fast path (fast-path.ts): which requests it serves, which connections it hands to
// node:http, and that its answers are byte-identical to node:http's for the same requests
// (the same server started with TRIBUTARY_HTTP_FAST_PATH=0 is the reference).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startHttp } from './in_http_support.js';

const run = promisify(execFile);

/** Starts in_http with node:http only (the reference answers). */
async function startNodeOnly(extra = '') {
  process.env.TRIBUTARY_HTTP_FAST_PATH = '0';
  try {
    return await startHttp(extra);
  } finally {
    delete process.env.TRIBUTARY_HTTP_FAST_PATH;
  }
}

/** A raw TCP client that collects everything the server sends. */
class Raw {
  got = Buffer.alloc(0);
  closed = false;
  private wake: (() => void) | undefined;

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (c: Buffer) => {
      this.got = Buffer.concat([this.got, c]);
      this.wake?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    sock.on('error', () => {});
  }

  static open(port: number): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Raw(s)));
      s.once('error', reject);
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.sock.write(data, (e) => (e ? reject(e) : resolve())));
  }

  get text(): string {
    return this.got.toString('latin1');
  }

  /** Waits until `cond` holds on what arrived (or the connection closed), 5 s at most. */
  async until(cond: (s: string) => boolean, what: string): Promise<string> {
    const deadline = Date.now() + 5000;
    while (!cond(this.text) && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${what}; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.text;
  }

  /** Waits for `n` complete responses (each with Content-Length, or none for 204). */
  responses(n: number): Promise<string[]> {
    return this.until((s) => splitResponses(s).length >= n, `${n} responses`).then(splitResponses);
  }

  close(): void {
    this.sock.destroy();
  }
}

function splitResponses(s: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const h = s.indexOf('\r\n\r\n', at);
    if (h < 0) return out;
    const m = /\r\ncontent-length: (\d+)/i.exec(s.slice(at, h));
    const end = h + 4 + (m ? Number(m[1]) : 0);
    if (s.length < end) return out;
    out.push(s.slice(at, end));
    at = end;
  }
}

function post(path: string, body: string, headers = 'Content-Type: application/json\r\n', version = '1.1') {
  return `POST ${path} HTTP/${version}\r\nHost: x\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const OK_KEEP =
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n\r\n';

test('curl: several requests over one keep-alive connection, all served by the fast path', async () => {
  const { d, port } = await startHttp();
  try {
    const url = `http://127.0.0.1:${port}/curl.tag`;
    const part = (body: string) => [
      '-s',
      '--http1.1',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{num_connects}\\n',
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      body,
      url,
    ];
    const { stdout } = await run('curl', [...part('{"c":1}'), '--next', ...part('[{"c":2},{"c":3}]')]);
    assert.equal(stdout, '200 1\n200 0\n'); // the second transfer reused the connection
    assert.deepEqual(d.records(), [{ c: 1 }, { c: 2 }, { c: 3 }]);
    assert.equal(d.events()[0]!.tag, 'curl.tag');
    assert.deepEqual(d.instance.fastPathStats, { requests: 2, handovers: 0 });
    // form posts (json= in the body and in the query) take the same path
    await run('curl', ['-s', '--data-urlencode', 'json={"f":1}', `${url}?x=1`]);
    await run('curl', ['-s', '-d', '', `${url}?json=%7B%22q%22%3A1%7D`]);
    assert.deepEqual(d.records().slice(-2), [{ f: 1 }, { q: 1 }]);
    assert.deepEqual(d.instance.fastPathStats, { requests: 4, handovers: 0 });
  } finally {
    await d.shutdown();
  }
});

test('pipelining: 3 requests in one write answered in order; 2xx only once durable', async () => {
  const { d, port } = await startHttp();
  const c = await Raw.open(port);
  try {
    let open!: () => void;
    d.emitter.durableGate = new Promise<void>((r) => {
      open = r;
    });
    await c.write(post('/p', '{"p":1}') + post('/p', '{"p":2}') + post('/p', '{"p":3}'));
    await waitForCount(() => d.records().length, 1, 'the first emit');
    assert.equal(c.got.length, 0, 'nothing answered before the emit is durable');
    assert.equal(d.records().length, 1, 'the next request waits for the answer to the first');
    open();
    assert.deepEqual(await c.responses(3), [OK_KEEP, OK_KEEP, OK_KEEP]);
    assert.deepEqual(d.records(), [{ p: 1 }, { p: 2 }, { p: 3 }]);
    assert.deepEqual(d.instance.fastPathStats, { requests: 3, handovers: 0 });
  } finally {
    c.close();
    await d.shutdown();
  }
});

async function waitForCount(get: () => number, n: number, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (get() < n) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

test('a request split byte by byte, then a body in pieces', async () => {
  const { d, port } = await startHttp();
  const c = await Raw.open(port);
  try {
    c.sock.setNoDelay(true);
    const req = post('/split', '{"s":"split"}');
    for (const ch of req) await c.write(ch);
    assert.deepEqual(await c.responses(1), [OK_KEEP]);
    const big = JSON.stringify({ big: 'b'.repeat(200_000) });
    const r2 = post('/split', big);
    const cut = r2.length - big.length + 10;
    await c.write(r2.slice(0, cut));
    await c.write(r2.slice(cut, cut + 100_000));
    await c.write(r2.slice(cut + 100_000) + post('/split', '{"s":"after"}'));
    assert.equal((await c.responses(3)).length, 3);
    assert.deepEqual(
      d.records().map((r) => (typeof r.big === 'string' ? r.big.length : r.s)),
      ['split', 200_000, 'after'],
    );
    assert.deepEqual(d.instance.fastPathStats, { requests: 3, handovers: 0 });
  } finally {
    c.close();
    await d.shutdown();
  }
});

test('a chunked request mid-connection is handed to node:http, which serves the rest', async () => {
  const { d, port } = await startHttp();
  const c = await Raw.open(port);
  const c2 = await Raw.open(port);
  try {
    const chunked =
      'POST /h HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '4\r\n{"h"\r\n3\r\n:2}\r\n0\r\n\r\n';
    await c.write(post('/h', '{"h":1}'));
    assert.deepEqual(await c.responses(1), [OK_KEEP]);
    assert.deepEqual(d.instance.fastPathStats, { requests: 1, handovers: 0 });
    await c.write(chunked);
    const rs = await c.responses(2);
    assert.equal(rs[1], OK_KEEP);
    assert.deepEqual(d.instance.fastPathStats, { requests: 1, handovers: 1 });
    await c.write(post('/h', '{"h":3}'));
    assert.equal((await c.responses(3))[2], OK_KEEP);
    // fast request and chunked one in the same write: the first by the fast path, the rest by node
    await c2.write(post('/h', '{"h":4}') + chunked.replace(':2}', ':5}') + post('/h', '{"h":6}'));
    assert.deepEqual(await c2.responses(3), [OK_KEEP, OK_KEEP, OK_KEEP]);
    assert.deepEqual(
      d.records().map((r) => r.h),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(d.instance.fastPathStats, { requests: 2, handovers: 2 });
  } finally {
    c.close();
    c2.close();
    await d.shutdown();
  }
});

/** Sends `data` on a fresh connection and returns every byte until `n` answers or close. */
async function exchange(port: number, data: string, n: number): Promise<string> {
  const c = await Raw.open(port);
  try {
    await c.write(data);
    await c.until((s) => splitResponses(s).length >= n, `${n} answers`);
    return c.text;
  } finally {
    c.close();
  }
}

test('answers are byte-identical to node:http’s; odd requests are handed over', async () => {
  const cases: [string, string, number, 'fast' | 'node'][] = [
    ['json 200', post('/a.b', '{"x":1}'), 1, 'fast'],
    ['json array', post('/a.b', '[{"x":1},2,{"y":2}]'), 1, 'fast'],
    [
      'form',
      post('/f', 'json=%7B%22x%22%3A1%7D', 'Content-Type: application/x-www-form-urlencoded\r\n'),
      1,
      'fast',
    ],
    ['close', post('/a', '{}', 'Content-Type: application/json\r\nConnection: close\r\n'), 1, 'fast'],
    ['HTTP/1.0', post('/a', '{"v":10}', 'Content-Type: application/json\r\n', '1.0'), 1, 'fast'],
    [
      '1.0 keep-alive',
      post('/a', '{}', 'Connection: keep-alive\r\nContent-Type: application/json\r\n', '1.0'),
      1,
      'fast',
    ],
    ['invalid JSON 400', post('/a', '{"x":', 'Content-Type: application/json\r\n'), 1, 'fast'],
    ['empty tag 400', post('/', '{"x":1}'), 1, 'fast'],
    ['no fields 400', post('/a', 'x=1', 'Content-Type: application/x-www-form-urlencoded\r\n'), 1, 'fast'],
    ['pipelined + error', post('/a', '{"x":') + post('/a', '{"x":2}'), 2, 'fast'],
    ['bad Content-Length', 'POST /a HTTP/1.1\r\nContent-Length: abc\r\n\r\n{}', 1, 'node'],
    [
      'two Content-Lengths',
      'POST /a HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      1,
      'node',
    ],
    ['too large 413', post('/a', JSON.stringify({ x: 'y'.repeat(2000) })), 1, 'node'],
    ['GET', 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n', 1, 'node'],
    ['PUT', 'PUT /a HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}', 1, 'node'],
    ['garbage', '\x00\x01\x02\r\n\r\n', 1, 'node'],
    [
      'header case',
      'POST /c HTTP/1.1\r\nhOST: x\r\nCONTENT-TYPE: application/json\r\ncontent-LENGTH:7\r\n\r\n{"c":1}',
      1,
      'fast',
    ],
    [
      'TE any case',
      'POST /c HTTP/1.1\r\nHost: x\r\ntransfer-ENCODING: chunked\r\n\r\n7\r\n{"c":2}\r\n0\r\n\r\n',
      1,
      'node',
    ],
    [
      'no Host',
      'POST /c HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
      1,
      'node',
    ],
    ['head over 16 KiB', post('/a', '{}', `X-Big: ${'b'.repeat(17_000)}\r\n`), 1, 'node'],
    ['many headers', post('/a', '{"m":1}', 'X-A: 1\r\n'.repeat(500)), 1, 'fast'],
    ['no Content-Length', 'POST /a?json=%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n', 1, 'node'],
  ];
  const fast = await startHttp('body_size_limit 1k');
  const ref = await startNodeOnly('body_size_limit 1k');
  try {
    for (const [name, req, n, path] of cases) {
      const before = { ...fast.d.instance.fastPathStats! };
      const got = await exchange(fast.port, req, n);
      const want = await exchange(ref.port, req, n);
      assert.equal(got, want, name);
      assert.ok(got.startsWith('HTTP/1.1 '), `${name}: answered`);
      const after = fast.d.instance.fastPathStats!;
      if (path === 'fast') assert.equal(after.handovers, before.handovers, `${name}: fast path`);
      else assert.equal(after.handovers, before.handovers + 1, `${name}: handed over`);
    }
    assert.deepEqual(fast.d.records(), ref.d.records());
  } finally {
    await fast.d.shutdown();
    await ref.d.shutdown();
  }
});

test('503 + Retry-After, GIF and 204 answers match node:http’s bytes', async () => {
  for (const conf of ['respond_with_empty_img true', 'use_204_response true', '']) {
    const fast = await startHttp(conf);
    const ref = await startNodeOnly(conf);
    try {
      const req = post('/a', '{"x":1}') + post('/a', '{"x":2}');
      assert.equal(await exchange(fast.port, req, 2), await exchange(ref.port, req, 2), conf);
      const err = new Error('buffer space has too many data');
      fast.d.emitter.fail(err);
      ref.d.emitter.fail(err);
      const failed = await exchange(fast.port, post('/a', '{"x":3}'), 1);
      assert.match(failed, /^HTTP\/1.1 503 Service Unavailable\r\n/);
      assert.equal(failed, await exchange(ref.port, post('/a', '{"x":3}'), 1));
      assert.equal(fast.d.instance.fastPathStats!.requests, 3);
    } finally {
      await fast.d.shutdown();
      await ref.d.shutdown();
    }
  }
});

test('the fast path is off with CORS or add_http_headers (node:http serves those)', async () => {
  for (const conf of ['cors_allow_origins ["http://a.example"]', 'add_http_headers true']) {
    const { d, port } = await startHttp(conf);
    try {
      assert.equal(d.instance.fastPathStats, undefined);
      assert.match(await exchange(port, post('/a', '{"x":1}'), 1), /^HTTP\/1.1 200 OK\r\n/);
    } finally {
      await d.shutdown();
    }
  }
});

test('add_remote_addr on the fast path: X-Forwarded-For first entry, else the peer', async () => {
  const { d, port } = await startHttp('add_remote_addr true');
  try {
    await exchange(
      port,
      post('/r', '{"r":1}', 'Content-Type: application/json\r\nX-Forwarded-For: 10.1.2.3, 10.0.0.1\r\n'),
      1,
    );
    await exchange(port, post('/r', '{"r":2}'), 1);
    assert.deepEqual(d.records(), [
      { r: 1, REMOTE_ADDR: '10.1.2.3' },
      { r: 2, REMOTE_ADDR: '127.0.0.1' },
    ]);
    assert.deepEqual(d.instance.fastPathStats, { requests: 2, handovers: 0 });
  } finally {
    await d.shutdown();
  }
});

test('keepalive_timeout closes an idle fast-path connection; a half-sent head goes to node:http', async () => {
  const { d, port } = await startHttp('keepalive_timeout 0.2');
  const c = await Raw.open(port);
  let c2: Raw | undefined;
  try {
    await c.write(post('/k', '{"k":1}'));
    assert.deepEqual(await c.responses(1), [OK_KEEP]);
    await c.until(() => false, 'the idle close');
    assert.ok(c.closed);
    c2 = await Raw.open(port);
    await c2.write('POST /k HTTP/1.1\r\nHost: x\r\n');
    await waitForCount(() => d.instance.fastPathStats!.handovers, 1, 'the hand-over');
    await c2.write('Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{"k":2}');
    assert.equal((await c2.responses(1))[0], OK_KEEP);
    assert.deepEqual(d.records(), [{ k: 1 }, { k: 2 }]);
  } finally {
    c.close();
    c2?.close();
    await d.shutdown();
  }
});
