// Hostile input for in_tcp / in_udp: thousands of idle half-lines, an endless line, binary
// garbage, a datagram flood. The input stays up, its memory stays bounded, others are served.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { TcpInput } from '../../src/plugins/in_tcp.js';
import { UdpInput } from '../../src/plugins/in_udp.js';
import { Client, sendTcp, sendUdp, startInput, waitFor } from './in_tcp_support.js';

test('2000 connections each holding half a line: held bytes are exact, others still served', async () => {
  const { d, port } = await startInput(TcpInput, 'tag t\n<parse>\n@type json\n</parse>');
  const clients: Client[] = [];
  try {
    const N = 2000;
    for (let i = 0; i < N; i++) clients.push(Client.tcp(port));
    await Promise.all(clients.map((c) => c.write('{"never":"ends')));
    await waitFor(() => d.instance.bufferedBytes === N * 14, 'all half lines held', 30_000);
    assert.equal(d.instance.stats.connections, N);
    await sendTcp(port, '{"ok":1}\n');
    await waitFor(() => d.events().length === 1, 'a normal client is served');
    for (const c of clients) c.destroy();
    await waitFor(() => d.instance.stats.connections === 0, 'all closed', 30_000);
    assert.equal(d.instance.stats.partialAtClose, N);
    assert.equal(d.instance.bufferedBytes, 0);
  } finally {
    for (const c of clients) c.destroy();
    await d.shutdown();
  }
});

test('an endless line never holds more than message_length_limit plus one read', async () => {
  const limit = 1024 * 1024;
  const { d, port } = await startInput(
    TcpInput,
    `tag t\nmessage_length_limit ${limit}\n<parse>\n@type none\n</parse>`,
  );
  try {
    const c = Client.tcp(port);
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    let maxHeld = 0;
    for (let i = 0; i < 80; i++) {
      await c.write(chunk); // 20 MiB in all
      maxHeld = Math.max(maxHeld, d.instance.bufferedBytes);
    }
    await c.write('\nafter\n');
    await waitFor(() => d.events().length === 1, 'the line after');
    assert.equal(d.records()[0]!.message, 'after');
    assert.ok(maxHeld <= limit + 256 * 1024, `held at most ${maxHeld} bytes`);
    assert.equal(d.instance.stats.discarded, 1);
    c.destroy();
  } finally {
    await d.shutdown();
  }
});

test('binary garbage: unmatched and counted, the connection and the input keep working', async () => {
  const { d, port } = await startInput(TcpInput, 'tag t\n<parse>\n@type json\n</parse>');
  try {
    const c = Client.tcp(port);
    await c.write(randomBytes(1024 * 1024));
    await c.write(Buffer.from([0, 0, 0xc3, 0x28, 0xa0, 0xa1, 0x0a]));
    await c.write('\n{"ok":true}\n');
    await waitFor(() => d.events().some((e) => e.record.ok === true), 'the good line');
    assert.ok(d.instance.stats.unmatched > 0);
    assert.equal(c.closed, false);
    c.destroy();
  } finally {
    await d.shutdown();
  }
});

test('a datagram flood of random bytes: every one is handled or lost by the kernel, input still serves', async () => {
  const { d, port } = await startInput(UdpInput, 'tag t\n<parse>\n@type json\n</parse>');
  try {
    const msgs: Buffer[] = [];
    for (let i = 0; i < 3000; i++) msgs.push(randomBytes(1 + (i % 9000)));
    await sendUdp(port, msgs);
    // The kernel may have dropped datagrams of the flood (and a lone good one): resend until seen.
    const seen = () => d.events().some((e) => e.record.after === 'flood');
    for (let i = 0; i < 50 && !seen(); i++) {
      await sendUdp(port, ['{"after":"flood"}']);
      await waitFor(seen, 'the good datagram', 200).catch(() => {});
    }
    assert.ok(seen(), 'the input still serves after the flood');
    const s = d.instance.stats;
    assert.ok(s.messages <= 3050);
    assert.equal(s.unmatched + s.events + s.parseErrors, s.messages);
  } finally {
    await d.shutdown();
  }
});
