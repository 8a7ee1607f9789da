// out_forward heartbeats as a real peer sees them. Found against Fluentd 1.16 with
// <transport tls>: each transport heartbeat was closed with destroy() (no TLS close_notify)
// and Fluentd logged "close socket due to unexpected ssl error: SSL_read: unexpected eof
// while reading" once per heartbeat, every second. A heartbeat connection must end cleanly:
// the server completes the TLS session and then reads a clean end of stream.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tls from 'node:tls';
import { ForwardOutput } from '../../src/plugins/out_forward/index.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';
import { selfSignedCert } from '../helpers/tls.js';
import { waitFor } from './in_forward.support.js';

test('TLS transport heartbeats end with close_notify, not an abrupt close', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofwd-hb-'));
  const counts = { secure: 0, cleanEnd: 0, clientErrors: 0 };
  let srv: tls.Server | undefined;
  let d: OutputTestDriver<ForwardOutput> | undefined;
  try {
    const pem = selfSignedCert(dir, 'agg.local');
    if (!pem) {
      t.skip('openssl unavailable');
      return;
    }
    srv = tls.createServer({ key: fs.readFileSync(pem.key), cert: fs.readFileSync(pem.cert) }, (s) => {
      counts.secure++;
      s.on('error', () => counts.clientErrors++);
      s.on('end', () => counts.cleanEnd++);
      s.resume();
    });
    srv.on('tlsClientError', () => counts.clientErrors++);
    const server = srv;
    const port = await new Promise<number>((r) =>
      server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)),
    );
    d = new OutputTestDriver(
      ForwardOutput,
      `transport tls\ntls_ca_cert_path ${pem.cert}\nheartbeat_interval 0.1
<server>\n  host 127.0.0.1\n  port ${port}\n  name agg.local\n</server>`,
    );
    await d.start();
    await waitFor(() => counts.cleanEnd >= 5, '5 heartbeat connections ended cleanly');
    assert.equal(counts.clientErrors, 0, 'no heartbeat connection was torn down mid-session');
    assert.ok(d.instance.nodes[0]!.available);
  } finally {
    await d?.shutdown();
    srv?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Transport heartbeats run the <security> handshake, so a server whose shared_key differs is
// found failing (Fluentd detaches it on the refused PONG); a plain TCP connect would not see it.
const SECURE_SERVER = '<security>\n  self_hostname agg.server\n  shared_key right\n</security>';

for (const [key, keepalive] of [
  ['wrong', false],
  ['right', false],
  ['right', true],
] as const) {
  test(`transport heartbeat with the ${key} shared_key${keepalive ? ' (keepalive)' : ''}`, async () => {
    const { startForward } = await import('./in_forward.support.js');
    const { CountingProxy } = await import('./out_forward.support.js');
    const recv = await startForward(SECURE_SERVER);
    const proxy = new CountingProxy(recv.port);
    const port = await proxy.listen();
    const d = new OutputTestDriver(
      ForwardOutput,
      `heartbeat_type transport\nheartbeat_interval 0.05\nkeepalive ${keepalive}
<security>\n  self_hostname fwd.client\n  shared_key ${key}\n</security>
<server>\n  host 127.0.0.1\n  port ${port}\n</server>`,
    );
    try {
      await d.start();
      const node = d.instance.nodes[0]!;
      if (key === 'wrong') {
        await waitFor(() => !node.available, 'the node detached on the refused handshake', 5000);
        assert.equal(d.instance.counters.heartbeats, 0);
      } else {
        await waitFor(() => d.instance.counters.heartbeats >= 5, '5 heartbeats', 5000);
        assert.ok(node.available);
        if (keepalive) assert.equal(proxy.accepted, 1, 'one handshake on the pooled connection');
        else assert.ok(proxy.accepted >= 5);
      }
    } finally {
      await d.shutdown();
      await proxy.close();
      await recv.d.shutdown();
    }
  });
}
