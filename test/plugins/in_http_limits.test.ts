// in_http: body limits, Content-Encoding, Expect, keep-alive, pipelining, hostile input,
// many concurrent clients.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { json, request, startHttp } from './in_http_support.js';

/** Sends raw bytes and collects everything until the server closes or `until` matches. */
function raw(port: number, data: string | Buffer, until?: (s: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timeout; got ${JSON.stringify(got)}`));
    }, 5000);
    sock.on('data', (c) => {
      got += c.toString('latin1');
      if (until?.(got)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(got);
      }
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    sock.on('error', () => {});
    sock.write(data);
  });
}

test('body_size_limit: 413 "Too large" and close, by Content-Length and while streaming', async () => {
  const { d, port } = await startHttp('body_size_limit 1k');
  try {
    const big = `json=${JSON.stringify({ x: 'a'.repeat(2000) })}`;
    const r = await request(port, {
      body: big,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(r.status, 413);
    assert.equal(r.text, 'Too large');
    assert.equal(r.headers.connection, 'close');
    const chunked = await raw(
      port,
      `POST /t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'a'.repeat(0x800)}\r\n`,
    );
    assert.match(chunked, /^HTTP\/1.1 413 Request Entity Too Large\r\n/);
    assert.match(chunked, /\r\n\r\nToo large$/);
    assert.equal(d.events().length, 0);
  } finally {
    await d.shutdown();
  }
});

test('gzip (multi-member) and deflate bodies; corrupt → 400 empty; bomb → 413; unknown encoding → 415', async () => {
  const { d, port } = await startHttp('decompression_size_limit 64k');
  try {
    const gz = Buffer.concat([zlib.gzipSync('[{"g":1},'), zlib.gzipSync('{"g":2}]')]);
    const r = await request(port, {
      body: gz,
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(d.records(), [{ g: 1 }, { g: 2 }]);
    d.clear();
    await request(port, {
      body: zlib.deflateSync('json={"z":1}'),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'deflate' },
    });
    await request(port, {
      body: zlib.deflateRawSync('{"z":2}'),
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'deflate' },
    });
    assert.deepEqual(d.records(), [{ z: 1 }, { z: 2 }]);
    const bad = await request(port, {
      body: Buffer.from('not gzip at all'),
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.text, '');
    const bomb = zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 64 * 1024);
    const b = await request(port, {
      body: bomb,
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
    });
    assert.equal(b.status, 413);
    const br = await request(port, {
      body: '{}',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'br' },
    });
    assert.equal(br.status, 415);
    assert.match(br.text, /^415 Unsupported Media Type\nunsupported Content-Encoding 'br'\n$/);
  } finally {
    await d.shutdown();
  }
});

test('Expect: 100-continue (continue, or 413 when too large); other Expect → 417', async () => {
  const { d, port } = await startHttp('body_size_limit 100');
  try {
    const ok = await raw(
      port,
      'POST /e HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{"e":1}',
    );
    assert.match(ok, /^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 200 OK\r\n/);
    const big = await raw(
      port,
      'POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n',
    );
    assert.match(big, /^HTTP\/1.1 413 Request Entity Too Large\r\n/);
    const odd = await raw(
      port,
      'POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: something\r\n\r\n{}',
    );
    assert.match(odd, /^HTTP\/1.1 417 Expectation Failed\r\n/);
    assert.deepEqual(d.records(), [{ e: 1 }]);
  } finally {
    await d.shutdown();
  }
});

test('keep-alive: many requests over one connection; HTTP/1.0 closes; pipelined requests answered in order', async () => {
  const { d, port } = await startHttp();
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let reused = 0;
    for (let i = 0; i < 20; i++) {
      const r = await new Promise<boolean>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/ka',
            agent,
            headers: { 'Content-Type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(req.reusedSocket));
          },
        );
        req.on('error', reject);
        req.end(`{"i":${i}}`);
      });
      if (r) reused++;
    }
    agent.destroy();
    assert.equal(reused, 19);
    assert.equal(d.records().length, 20);
    const h10 = await raw(
      port,
      'POST /h10 HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    );
    assert.match(h10, /^HTTP\/1.1 200 OK\r\n/);
    assert.match(h10, /Connection: close/);
    const one = (n: number) =>
      `POST /p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"p":${n}}`;
    const piped = await raw(
      port,
      one(1) + one(2) + one(3),
      (s) => (s.match(/HTTP\/1.1 200 OK/g) ?? []).length === 3,
    );
    assert.equal((piped.match(/HTTP\/1.1 200 OK/g) ?? []).length, 3);
    assert.deepEqual(d.records().slice(-3), [{ p: 1 }, { p: 2 }, { p: 3 }]);
  } finally {
    await d.shutdown();
  }
});

test('hostile input: invalid UTF-8, NUL bytes, garbage request line; server keeps serving', async () => {
  const { d, port } = await startHttp();
  try {
    const body = Buffer.concat([
      Buffer.from('{"s":"'),
      Buffer.from([0xff, 0xfe, 0x00, 0x41]),
      Buffer.from('"}'),
    ]);
    const r = await request(port, { body, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400); // a raw NUL inside a JSON string is invalid JSON
    const ok = await request(port, json('{"s":"\\u0000\\ufffd"}'));
    assert.equal(ok.status, 200);
    assert.deepEqual(d.records(), [{ s: '\u0000\ufffd' }]);
    const junk = await raw(port, Buffer.from([0x00, 0x01, 0x02, 0x0d, 0x0a, 0x0d, 0x0a]));
    assert.match(junk, /^HTTP\/1.1 400 Bad Request/);
    assert.equal((await request(port, json('{"after":1}'))).status, 200);
  } finally {
    await d.shutdown();
  }
});

test('200 concurrent clients each get their event acknowledged', async () => {
  const { d, port } = await startHttp();
  try {
    const rs = await Promise.all(
      Array.from({ length: 200 }, (_, i) => request(port, json(`{"c":${i}}`, `/c/${i % 7}`))),
    );
    assert.ok(rs.every((r) => r.status === 200));
    assert.equal(d.records().length, 200);
    const seen = new Set(d.records().map((r) => r.c));
    assert.equal(seen.size, 200);
  } finally {
    await d.shutdown();
  }
});
