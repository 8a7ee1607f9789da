// in_tcp over real sockets: framing, parsing, extract, source keys, limits, backpressure,
// TLS, the allow-list and many connections.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { TcpInput } from '../../src/plugins/in_tcp.js';
import { InputTestDriver } from '../../src/test-driver/index.js';
import { Client, makeCert, sendTcp, startInput, waitFor } from './in_tcp_support.js';

const JSON_PARSE = '<parse>\n@type json\n</parse>';

test('defaults and config errors', () => {
  const d = new InputTestDriver(TcpInput, `tag t\n${JSON_PARSE}`);
  assert.equal(d.instance.config.port, 5170);
  assert.equal(d.instance.config.bind, '0.0.0.0');
  assert.equal(d.instance.config.delimiter, '\n');
  assert.equal(d.instance.config.message_length_limit, undefined);
  assert.throws(() => new InputTestDriver(TcpInput, 'tag t'), /<parse> section is required/);
  assert.throws(() => new InputTestDriver(TcpInput, JSON_PARSE), /'tag' parameter is required/);
  assert.throws(
    () => new InputTestDriver(TcpInput, `tag t\n${JSON_PARSE}\n<transport udp>\n</transport>`),
    /valid options are tcp,tls but got udp/,
  );
  assert.throws(
    () =>
      new InputTestDriver(
        TcpInput,
        `tag t\n${JSON_PARSE}\n<security>\n<client>\nhost a\nnetwork 10.0.0.0/8\n</client>\n</security>`,
      ),
    /both of 'host' and 'network'/,
  );
  // v0.12 flat form
  const old = new InputTestDriver(TcpInput, 'tag t\nformat json');
  assert.equal(old.element.children('parse')[0]?.params.get('@type')?.value, 'json');
});

test('lines become events: json, time from the parser, source address and hostname', async () => {
  const { d, port } = await startInput(
    TcpInput,
    `tag tcp.in\nsource_address_key addr\nsource_hostname_key host\n<parse>\n@type json\ntime_key t\n</parse>`,
  );
  try {
    await sendTcp(port, '{"a":1,"t":1700000000}\n{"b":"x"}\n');
    await waitFor(() => d.events().length === 2, '2 events');
    const [e1, e2] = d.events();
    assert.equal(e1!.tag, 'tcp.in');
    assert.equal(e1!.sec, 1700000000);
    assert.deepEqual(e1!.record, { a: 1, addr: '127.0.0.1', host: 'localhost' });
    assert.deepEqual(e2!.record, { b: 'x', addr: '127.0.0.1', host: 'localhost' });
    assert.ok(Math.abs(e2!.sec - Date.now() / 1000) < 60, 'no time field: now');
    assert.equal(d.instance.stats.events, 2);
    assert.ok(d.logs().some((l) => l.includes('listening tcp socket')));
  } finally {
    await d.shutdown();
  }
});

test('custom delimiter, bytes split anywhere, one batch per read', async () => {
  const { d, port } = await startInput(TcpInput, `tag t\ndelimiter "|;"\n<parse>\n@type none\n</parse>`);
  try {
    const c = Client.tcp(port);
    const text = 'alpha|;beta|;gamma|;';
    for (const ch of text) await c.write(ch);
    await waitFor(() => d.events().length === 3, '3 events');
    await c.write('d1|;d2|;d3|;');
    await waitFor(() => d.events().length === 6, '6 events');
    assert.deepEqual(
      d.records().map((r) => r.message),
      ['alpha', 'beta', 'gamma', 'd1', 'd2', 'd3'],
    );
    c.destroy();
  } finally {
    await d.shutdown();
  }
});

test('<extract>: tag and time from the record', async () => {
  const { d, port } = await startInput(
    TcpInput,
    `tag fallback\n<parse>\n@type json\nestimate_current_event false\n</parse>\n<extract>\ntag_key tag\ntime_key at\ntime_type unixtime\n</extract>`,
  );
  try {
    await sendTcp(port, '{"tag":"from.rec","at":"1600000000","v":1}\n{"v":2}\n');
    await waitFor(() => d.events().length === 2, '2 events');
    const [a, b] = d.events();
    assert.equal(a!.tag, 'from.rec');
    assert.equal(a!.sec, 1600000000);
    assert.deepEqual(a!.record, { v: 1 });
    assert.equal(b!.tag, 'fallback');
  } finally {
    await d.shutdown();
  }
});

test('unmatched lines and bad times warn and are counted; the connection keeps going', async () => {
  const { d, port } = await startInput(
    TcpInput,
    `tag t\n<parse>\n@type regexp\nexpression /^(?<k>\\w+)=(?<time>.+)$/\ntime_format %Y\n</parse>`,
  );
  try {
    await sendTcp(port, 'nope\nk=notayear\nk=2020\n\u0000\u0001\xff\n');
    await waitFor(() => d.events().length === 1 && d.instance.stats.messages === 4, 'the good line');
    assert.equal(d.events()[0]!.record.k, 'k');
    assert.equal(d.instance.stats.unmatched, 2);
    assert.equal(d.instance.stats.parseErrors, 1);
    assert.ok(d.logs().some((l) => l.includes('pattern not matched')));
    assert.ok(d.logs().some((l) => l.includes('invalid message, dropped')));
  } finally {
    await d.shutdown();
  }
});

test('message_length_limit: oversized lines dropped, a long partial line discarded to the next newline', async () => {
  const { d, port } = await startInput(
    TcpInput,
    `tag t\nmessage_length_limit 10\n<parse>\n@type none\n</parse>`,
  );
  try {
    const c = Client.tcp(port);
    await c.write('short\n0123456789A\nok\n');
    await waitFor(() => d.events().length === 2, 'two short lines');
    // A line that never ends within the limit: memory stays bounded while it streams in.
    for (let i = 0; i < 200; i++) await c.write('x'.repeat(1000));
    await c.write('still-the-long-line\nafter\n');
    await waitFor(() => d.events().length === 3, 'the line after');
    assert.deepEqual(
      d.records().map((r) => r.message),
      ['short', 'ok', 'after'],
    );
    assert.equal(d.instance.stats.oversized, 1);
    assert.equal(d.instance.stats.discarded, 1);
    assert.ok(d.logs().some((l) => l.includes("larger than 'message_length_limit', dropped")));
    assert.ok(d.logs().some((l) => l.includes("exceeds 'message_length_limit', cleared")));
    await c.write('partial');
    c.destroy();
    await waitFor(() => d.instance.stats.partialAtClose === 1, 'partial line counted');
  } finally {
    await d.shutdown();
  }
});

test('backpressure: a paused pipeline stops reading that connection until it drains', async () => {
  const { d, port } = await startInput(TcpInput, `tag t\n<parse>\n@type none\n</parse>`);
  try {
    d.emitter.block();
    const a = Client.tcp(port);
    await a.write('a1\n');
    await waitFor(() => d.events().length === 1 && d.instance.stats.pauses === 1, 'a1 taken, A paused');
    await a.write('a2\n');
    // B's line goes through (and pauses B): A's later line was written before it, yet is unread.
    const b = Client.tcp(port);
    await b.write('b1\n');
    await waitFor(() => d.events().length === 2, 'b1');
    assert.deepEqual(
      d.records().map((r) => r.message),
      ['a1', 'b1'],
    );
    d.emitter.unblock();
    await waitFor(() => d.events().length === 3, 'a2 after drain');
    assert.equal(d.records()[2]!.message, 'a2');
    a.destroy();
    b.destroy();
  } finally {
    await d.shutdown();
  }
});

test('a pipeline that throws: events counted lost, connection closed', async () => {
  const { d, port } = await startInput(TcpInput, `tag t\n<parse>\n@type none\n</parse>`);
  try {
    d.emitter.fail(new Error('buffer full'));
    const c = Client.tcp(port);
    await c.write('x\ny\n');
    await c.done;
    assert.equal(d.instance.stats.emitFailures, 2);
    assert.ok(d.logs().some((l) => l.includes('failed to emit events')));
  } finally {
    await d.shutdown();
  }
});

test('many concurrent connections', async () => {
  const { d, port } = await startInput(TcpInput, `tag t\n${JSON_PARSE}`);
  try {
    const N = 200;
    const M = 20;
    await Promise.all(
      Array.from({ length: N }, (_, i) => {
        let s = '';
        for (let j = 0; j < M; j++) s += `{"c":${i},"n":${j}}\n`;
        return sendTcp(port, s);
      }),
    );
    await waitFor(() => d.events().length === N * M, `${N * M} events`);
    const perConn = new Map<number, number[]>();
    for (const r of d.records()) {
      const l = perConn.get(r.c as number) ?? [];
      l.push(r.n as number);
      perConn.set(r.c as number, l);
    }
    assert.equal(perConn.size, N);
    for (const l of perConn.values()) assert.deepEqual(l, [...Array(M).keys()], 'in order per connection');
    await waitFor(() => d.instance.stats.connections === 0, 'all closed');
  } finally {
    await d.shutdown();
  }
});

test('max_connections: extra connections are closed and counted', async () => {
  const { d, port } = await startInput(TcpInput, `tag t\nmax_connections 2\n${JSON_PARSE}`);
  try {
    const a = Client.tcp(port);
    const b = Client.tcp(port);
    await a.write('{"x":1}\n');
    await b.write('{"x":2}\n');
    await waitFor(() => d.events().length === 2, 'a and b');
    const c = Client.tcp(port);
    await c.done;
    assert.equal(d.instance.stats.refused, 1);
    a.destroy();
    b.destroy();
  } finally {
    await d.shutdown();
  }
});

test('<security>: clients outside the allow-list are closed', async () => {
  const deny = await startInput(
    TcpInput,
    `tag t\n${JSON_PARSE}\n<security>\n<client>\nnetwork 10.0.0.0/8\n</client>\n</security>`,
  );
  const allow = await startInput(
    TcpInput,
    `tag t\n${JSON_PARSE}\n<security>\n<client>\nhost 127.0.0.1\n</client>\n</security>`,
  );
  try {
    const c = Client.tcp(deny.port);
    await c.done;
    assert.equal(deny.d.instance.stats.denied, 1);
    assert.ok(deny.d.logs().some((l) => l.includes("anonymous client '127.0.0.1' denied")));
    await sendTcp(allow.port, '{"ok":true}\n');
    await waitFor(() => allow.d.events().length === 1, 'allowed event');
  } finally {
    await deny.d.shutdown();
    await allow.d.shutdown();
  }
});

test('<transport tls>', async (t) => {
  const cert = makeCert();
  if (!cert) return t.skip('openssl not available');
  const { d, port } = await startInput(
    TcpInput,
    `tag t\n${JSON_PARSE}\n<transport tls>\ncert_path ${cert.cert}\nprivate_key_path ${cert.key}\n</transport>`,
  );
  try {
    const c = Client.tls(port, cert.pem);
    await c.write('{"secure":1}\n{"secure":2}\n');
    await waitFor(() => d.events().length === 2, 'tls events');
    assert.deepEqual(d.records(), [{ secure: 1 }, { secure: 2 }]);
    c.destroy();
  } finally {
    await d.shutdown();
    fs.rmSync(cert.dir, { recursive: true, force: true });
  }
});

test('shutdown closes open connections and the port', async () => {
  const { d, port } = await startInput(TcpInput, `tag t\n${JSON_PARSE}`);
  const c = Client.tcp(port);
  await c.write('{"a":1}\n');
  await waitFor(() => d.events().length === 1, 'event');
  await d.shutdown();
  await c.done;
  const again = Client.tcp(port);
  await again.done;
  assert.equal(again.socket.bytesRead, 0);
});
