// in_http: body forms, batches, time rules, status codes and bodies (spec plugins §3.3).
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { test } from 'node:test';
import { BufferOverflowError } from '../../src/core/errors.js';
import { encode } from '../../src/core/msgpack.js';
import { form, json, request, startHttp } from './in_http_support.js';

test('the seed request: one event, tag from the path, 200 empty text/plain keep-alive', async () => {
  const { d, port } = await startHttp();
  try {
    const agent = new http.Agent({ keepAlive: true });
    const r = await request(port, {
      ...form('json={"action":"login","user":2}', '/td.testdb.www_access'),
      agent,
    });
    agent.destroy();
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.equal(r.headers['content-length'], '0');
    assert.equal(r.headers.connection, 'Keep-Alive');
    const ev = d.events();
    assert.equal(ev.length, 1);
    assert.equal(ev[0]!.tag, 'td.testdb.www_access');
    assert.deepEqual(ev[0]!.record, { action: 'login', user: 2 });
    assert.ok(Math.abs(ev[0]!.sec - Date.now() / 1000) < 5);
  } finally {
    await d.shutdown();
  }
});

test('JSON body, arrays as one batch, ndjson, msgpack body and msgpack= form field', async () => {
  const { d, port } = await startHttp();
  try {
    assert.equal((await request(port, json('{"a":1}', '/app/log'))).status, 200);
    assert.equal(d.events()[0]!.tag, 'app.log');
    d.clear();
    assert.equal((await request(port, json('[{"a":1},{"a":2},3,{"a":4}]'))).status, 200);
    assert.equal(d.emitCount(), 1);
    assert.deepEqual(d.records(), [{ a: 1 }, { a: 2 }, { a: 4 }]);
    d.clear();
    await request(port, {
      body: '{"n":1}\r\n{"n":2}\n\n',
      headers: { 'Content-Type': 'application/x-ndjson' },
    });
    assert.deepEqual(d.records(), [{ n: 1 }, { n: 2 }]);
    d.clear();
    await request(port, {
      body: Buffer.concat([encode({ m: 1 }), encode([{ m: 2 }, { m: 3 }])]),
      headers: { 'Content-Type': 'application/msgpack' },
    });
    assert.deepEqual(d.records(), [{ m: 1 }, { m: 2 }, { m: 3 }]);
    d.clear();
    const packed = encode({ bin: 'é\u0000' });
    const pct = [...packed].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    await request(port, form(`msgpack=${pct}`));
    assert.deepEqual(d.records(), [{ bin: 'é\u0000' }]);
    d.clear();
    await request(port, {
      path: '/q.tag?json=%7B%22q%22%3A1%7D',
      body: 'ignored',
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.deepEqual(d.records(), [{ q: 1 }]);
  } finally {
    await d.shutdown();
  }
});

test('multipart/form-data fields', async () => {
  const { d, port } = await startHttp();
  try {
    const b = 'XyZ';
    const body = `--${b}\r\nContent-Disposition: form-data; name="json"\r\n\r\n{"mp":true}\r\n--${b}--\r\n`;
    const r = await request(port, {
      body,
      headers: { 'Content-Type': `multipart/form-data; boundary=${b}` },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(d.records(), [{ mp: true }]);
  } finally {
    await d.shutdown();
  }
});

test('time: query/form param for all records, record time field, string time → 400', async () => {
  const { d, port } = await startHttp();
  try {
    await request(port, form('json=[{"a":1},{"a":2}]&time=1704067200.25'));
    assert.deepEqual(
      d.events().map((e) => [e.sec, e.nsec]),
      [
        [1704067200, 250000000],
        [1704067200, 250000000],
      ],
    );
    d.clear();
    await request(port, json('{"a":1,"time":1704067201}'));
    assert.deepEqual([d.events()[0]!.sec, d.events()[0]!.record], [1704067201, { a: 1 }]);
    d.clear();
    const bad = await request(port, json('{"a":1,"time":"2024-01-01"}'));
    assert.equal(bad.status, 400);
    assert.equal(bad.text, "400 Bad Request\ncan't convert String into an exact number\n");
    assert.equal(d.events().length, 0);
    await request(port, form('json={"a":1}&time=0'));
    assert.ok(Math.abs(d.events()[0]!.sec - Date.now() / 1000) < 5);
  } finally {
    await d.shutdown();
  }
});

test('<parse> time_format converts the time field; keep_time_key; custom parser gets the raw body', async () => {
  const { d, port } = await startHttp(
    '<parse>\n  time_format %Y-%m-%d %H:%M:%S\n  utc true\n  keep_time_key true\n</parse>',
  );
  try {
    await request(port, json('{"time":"2024-01-01 00:00:00"}'));
    assert.deepEqual(
      [d.events()[0]!.sec, d.events()[0]!.record],
      [1704067200, { time: '2024-01-01 00:00:00' }],
    );
  } finally {
    await d.shutdown();
  }
  const c = await startHttp('<parse>\n  @type none\n</parse>');
  try {
    const r = await c.d.run({ expectRecords: 1 }, () =>
      request(c.port, { body: 'raw text body', headers: { 'Content-Type': 'application/json' } }),
    );
    assert.equal(r?.status, 200);
    assert.deepEqual(c.d.records(), [{ message: 'raw text body' }]);
  } finally {
    await c.d.shutdown();
  }
});

test('400s: invalid JSON (ours), missing parameter, malformed msgpack, empty tag', async () => {
  const { d, port } = await startHttp();
  try {
    const inv = await request(port, json('{"a":'));
    assert.equal(inv.status, 400);
    assert.match(inv.text, /^400 Bad Request\ninvalid JSON: /);
    const none = await request(port, { body: 'x', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(none.status, 400);
    assert.equal(none.text, "400 Bad Request\n'json', 'ndjson' or 'msgpack' parameter is required\n");
    const mp = await request(port, {
      body: Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xff]),
      headers: { 'Content-Type': 'application/msgpack' },
    });
    assert.equal(mp.status, 400);
    const root = await request(port, json('{"a":1}', '/'));
    assert.equal(root.status, 400);
    assert.equal(d.events().length, 0);
  } finally {
    await d.shutdown();
  }
});

test('503 + Retry-After when the pipeline refuses; nothing acknowledged', async () => {
  const { d, port } = await startHttp();
  try {
    d.emitter.fail(new BufferOverflowError('buffer space has too many data'));
    const r = await request(port, json('{"a":1}'));
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.text, '503 Service Unavailable\nbuffer space has too many data\n');
    d.emitter.fail(undefined);
    assert.equal((await request(port, json('{"a":1}'))).status, 200);
  } finally {
    await d.shutdown();
  }
});

test('2xx only after emitStreamDurable resolved', async () => {
  const { d, port } = await startHttp();
  try {
    let open!: () => void;
    d.emitter.durableGate = new Promise<void>((r) => {
      open = r;
    });
    let answered = false;
    const p = request(port, json('{"a":1}')).then((r) => {
      answered = true;
      return r;
    });
    await d.run({ expectRecords: 1, shutdown: false, start: false });
    await new Promise((r) => setImmediate(r));
    assert.equal(answered, false);
    open();
    assert.equal((await p).status, 200);
  } finally {
    await d.shutdown();
  }
});

test('GET is a health check (200, no event); options: 204, empty GIF', async () => {
  const a = await startHttp();
  try {
    const g = await request(a.port, { method: 'GET', path: '/x' });
    assert.equal(g.status, 200);
    assert.equal(g.headers.connection, 'close');
    assert.equal(a.d.events().length, 0);
  } finally {
    await a.d.shutdown();
  }
  const b = await startHttp('use_204_response true');
  try {
    assert.equal((await request(b.port, json('{"a":1}'))).status, 204);
  } finally {
    await b.d.shutdown();
  }
  const c = await startHttp('respond_with_empty_img true');
  try {
    const r = await request(c.port, json('{"a":1}'));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'image/gif; charset=utf-8');
    assert.equal(r.body.length, 35);
    assert.equal(r.body.subarray(0, 6).toString(), 'GIF89a');
  } finally {
    await c.d.shutdown();
  }
});

test('add_http_headers, add_remote_addr (X-Forwarded-For first), add_query_params, add_tag_prefix', async () => {
  const { d, port } = await startHttp(
    'add_http_headers true\nadd_remote_addr true\nadd_query_params true\nadd_tag_prefix pre',
  );
  try {
    await request(
      port,
      json('{"a":1}', '/t?user-id=7&x=y', {
        'X-Custom-Thing': 'v',
        'X-Forwarded-For': '203.0.113.9, 10.0.0.1',
      }),
    );
    const e = d.events()[0]!;
    assert.equal(e.tag, 'pre.t');
    assert.equal(e.record.HTTP_X_CUSTOM_THING, 'v');
    assert.equal(e.record.HTTP_CONTENT_TYPE, 'application/json');
    assert.equal(e.record.QUERY_USER_ID, '7');
    assert.equal(e.record.QUERY_X, 'y');
    assert.equal(e.record.REMOTE_ADDR, '203.0.113.9');
    d.clear();
    await request(port, json('{"a":1}'));
    assert.equal(d.events()[0]!.record.REMOTE_ADDR, '127.0.0.1');
  } finally {
    await d.shutdown();
  }
});

test('CORS: preflight, allowed and refused origins, wildcard entries, credentials', async () => {
  const off = await startHttp();
  try {
    assert.equal(
      (await request(off.port, { method: 'OPTIONS', headers: { Origin: 'http://a.com' } })).status,
      403,
    );
  } finally {
    await off.d.shutdown();
  }
  const { d, port } = await startHttp(
    'cors_allow_origins ["http://foo.com", "https://*.example.com"]\ncors_allow_credentials true',
  );
  try {
    const pre = await request(port, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(pre.headers['access-control-allow-methods'], 'POST');
    assert.equal(pre.headers['access-control-allow-headers'], 'content-type');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    const put = await request(port, {
      method: 'OPTIONS',
      headers: { Origin: 'http://foo.com', 'Access-Control-Request-Method': 'PUT' },
    });
    assert.equal(put.status, 403);
    const ok = await request(port, json('{"a":1}', '/c', { Origin: 'http://foo.com' }));
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'http://foo.com');
    const no = await request(port, json('{"a":1}', '/c', { Origin: 'http://evil.com' }));
    assert.equal(no.status, 403);
    assert.equal(no.headers.connection, 'close');
    assert.equal((await request(port, json('{"a":1}', '/c'))).status, 200);
    assert.equal(d.events().length, 2);
  } finally {
    await d.shutdown();
  }
});
