// in_udp over real datagrams: parsing, newline removal, truncation at message_length_limit,
// extract, source keys, batching and backpressure accounting.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UdpInput } from '../../src/plugins/in_udp.js';
import { InputTestDriver } from '../../src/test-driver/index.js';
import { sendUdp, startInput, waitFor } from './in_tcp_support.js';

const NONE = '<parse>\n@type none\n</parse>';

test('defaults and config errors', () => {
  const d = new InputTestDriver(UdpInput, `tag t\n${NONE}`);
  assert.equal(d.instance.config.port, 5160);
  assert.equal(d.instance.config.message_length_limit, 4096);
  assert.equal(d.instance.config.remove_newline, true);
  assert.throws(() => new InputTestDriver(UdpInput, 'tag t'), /<parse> section is required/);
  assert.throws(
    () => new InputTestDriver(UdpInput, `tag t\n${NONE}\n<transport tcp>\n</transport>`),
    /valid options are udp but got tcp/,
  );
  const dep = new InputTestDriver(UdpInput, `tag t\n${NONE}\nbody_size_limit 100\nreceive_buffer_size 1m`);
  assert.ok(dep.logs().some((l) => l.includes("'body_size_limit' parameter is deprecated")));
  assert.ok(dep.logs().some((l) => l.includes("'receive_buffer_size' parameter is deprecated")));
});

test('one datagram = one event; trailing newline removed; json with time; source keys', async () => {
  const { d, port } = await startInput(
    UdpInput,
    'tag udp.in\nsource_address_key addr\nsource_hostname_key host\n<parse>\n@type json\n</parse>',
  );
  try {
    await sendUdp(port, ['{"a":1,"time":1700000000}\n', '{"b":2}\r\n', 'not json']);
    await waitFor(() => d.instance.stats.messages === 3, '3 datagrams');
    await waitFor(() => d.events().length === 2, '2 events');
    const [e1, e2] = d.events();
    assert.equal(e1!.tag, 'udp.in');
    assert.equal(e1!.sec, 1700000000);
    assert.deepEqual(e1!.record, { a: 1, addr: '127.0.0.1', host: 'localhost' });
    assert.deepEqual(e2!.record, { b: 2, addr: '127.0.0.1', host: 'localhost' });
    assert.equal(d.instance.stats.unmatched, 1);
    assert.ok(d.logs().some((l) => l.includes('pattern not matched')));
  } finally {
    await d.shutdown();
  }
});

test('remove_newline false keeps the newline; a multi-line datagram stays one message', async () => {
  const { d, port } = await startInput(UdpInput, `tag t\nremove_newline false\n${NONE}`);
  try {
    await sendUdp(port, ['line\n', 'a\nb']);
    await waitFor(() => d.events().length === 2, '2 events');
    assert.deepEqual(
      d.records().map((r) => r.message),
      ['line\n', 'a\nb'],
    );
  } finally {
    await d.shutdown();
  }
});

test('datagrams longer than message_length_limit are cut (as Fluentd), counted and logged', async () => {
  const { d, port } = await startInput(UdpInput, `tag t\nmessage_length_limit 8\n${NONE}`);
  try {
    await sendUdp(port, ['12345678', '123456789abc', Buffer.alloc(60_000, 0x41)]);
    await waitFor(() => d.events().length === 3, '3 events');
    assert.deepEqual(
      d.records().map((r) => r.message),
      ['12345678', '12345678', 'AAAAAAAA'],
    );
    assert.equal(d.instance.stats.truncated, 2);
    assert.ok(d.logs().some((l) => l.includes("larger than 'message_length_limit', truncated")));
  } finally {
    await d.shutdown();
  }
});

test('<extract> tag_key; datagrams of one turn are emitted as one batch per tag', async () => {
  const { d, port } = await startInput(
    UdpInput,
    'tag t\n<parse>\n@type json\n</parse>\n<extract>\ntag_key tag\n</extract>',
  );
  try {
    const msgs: string[] = [];
    for (let i = 0; i < 200; i++) msgs.push(JSON.stringify({ tag: i % 2 ? 'odd' : 'even', i }));
    await sendUdp(port, msgs);
    await waitFor(() => d.events().length === 200, '200 events');
    assert.ok(d.emitCount() < 200, `batched (${d.emitCount()} emits)`);
    const even = d.events().filter((e) => e.tag === 'even');
    assert.equal(even.length, 100);
    assert.deepEqual(
      even.map((e) => e.record.i),
      [...Array(100).keys()].map((k) => k * 2),
    );
    assert.equal(even[0]!.record.tag, undefined, 'tag key removed');
  } finally {
    await d.shutdown();
  }
});

test('hostile datagrams: NUL bytes, invalid UTF-8, empty', async () => {
  const { d, port } = await startInput(UdpInput, `tag t\n${NONE}`);
  try {
    await sendUdp(port, [Buffer.from([0, 1, 2, 0xff, 0xfe]), Buffer.alloc(0), 'ok']);
    await waitFor(() => d.events().length === 3, '3 events');
    assert.equal(d.records()[0]!.message, '\u0000\u0001\u0002\ufffd\ufffd');
    assert.equal(d.records()[1]!.message, '');
    assert.equal(d.records()[2]!.message, 'ok');
  } finally {
    await d.shutdown();
  }
});

test('a paused pipeline is counted (UDP cannot push back); a throwing one loses the events, counted', async () => {
  const { d, port } = await startInput(UdpInput, `tag t\n${NONE}`);
  try {
    d.emitter.block();
    await sendUdp(port, ['x']);
    await waitFor(() => d.instance.stats.pauses === 1, 'pause counted');
    d.emitter.unblock();
    d.emitter.fail(new Error('nope'));
    await sendUdp(port, ['y']);
    await waitFor(() => d.instance.stats.emitFailures === 1, 'failure counted');
    assert.ok(d.logs().some((l) => l.includes('failed to emit events')));
    d.emitter.fail(undefined);
    await sendUdp(port, ['z']);
    await waitFor(() => d.events().length === 2, 'still serving');
  } finally {
    await d.shutdown();
  }
});
