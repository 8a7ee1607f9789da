// out_forward name resolution: expire_dns_cache (nil = once, 0 = every connect, N = TTL),
// dns_round_robin, a name that does not resolve at start. The resolver is replaced by a
// counting fake that maps a made-up name to 127.0.0.1, so a real in_forward receives.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsCache } from '../../src/plugins/out_forward/dns.js';
import { ForwardOutput } from '../../src/plugins/out_forward/index.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';
import { startForward, waitFor } from './in_forward.support.js';

const IMMEDIATE = '<buffer>\n  flush_mode immediate\n  retry_wait 0.1\n</buffer>';

for (const [expire, lookups] of [
  ['', 1],
  ['expire_dns_cache 0', 4],
] as const) {
  test(`out_forward resolves ${expire || 'once (expire_dns_cache nil)'}`, async () => {
    const { d: recv, port } = await startForward();
    const d = new OutputTestDriver(
      ForwardOutput,
      `${expire}\nrequire_ack_response true\nheartbeat_type transport\nheartbeat_interval 60
<server>\n  host agg.test\n  port ${port}\n</server>\n${IMMEDIATE}`,
    );
    const asked: string[] = [];
    d.instance.dnsLookup = async (h) => {
      asked.push(h);
      return ['127.0.0.1'];
    };
    try {
      await d.start(); // resolves once at start (heartbeats on)
      for (let k = 0; k < 3; k++) await d.feed(`dns.t${k}`, [{ k }]);
      await waitFor(() => d.instance.counters.acked === 3, '3 chunks acked');
      assert.equal(recv.events().length, 3);
      assert.equal(asked.length, lookups);
      assert.ok(asked.every((h) => h === 'agg.test'));
    } finally {
      await d.shutdown();
      await recv.shutdown();
    }
  });
}

test('a server name that does not resolve fails start, unless ignore_network_errors_at_startup', async () => {
  const conf = (extra: string) =>
    `${extra}\n<server>\n  host nowhere.test\n  port 1\n</server>\n${IMMEDIATE}`;
  const fail = async () => {
    throw new Error('ENOTFOUND nowhere.test');
  };
  const d = new OutputTestDriver(ForwardOutput, conf(''));
  d.instance.dnsLookup = fail;
  await assert.rejects(d.start(), /cannot resolve server/);
  await d.shutdown();
  const ok = new OutputTestDriver(ForwardOutput, conf('ignore_network_errors_at_startup true'));
  ok.instance.dnsLookup = fail;
  try {
    await ok.start();
    assert.equal(ok.instance.nodes[0]!.available, false, 'the node starts detached');
  } finally {
    await ok.shutdown();
  }
});

test('DnsCache: TTL, every time, forever, round robin, expire(), IP literals', async () => {
  let n = 0;
  const lookup = async () => {
    n++;
    return ['10.0.0.1', '10.0.0.2'];
  };
  const ttl = new DnsCache('h', 10, false, lookup);
  assert.equal(await ttl.resolve(0), '10.0.0.1');
  assert.equal(await ttl.resolve(9_999), '10.0.0.1');
  assert.equal(n, 1);
  await ttl.resolve(10_000);
  assert.equal(n, 2, 'resolved again once the TTL passed');
  ttl.expire();
  await ttl.resolve(10_001);
  assert.equal(n, 3, 'expire() forgets the address');
  n = 0;
  const always = new DnsCache('h', 0, false, lookup);
  await always.resolve();
  await always.resolve();
  assert.equal(n, 2);
  n = 0;
  const forever = new DnsCache('h', undefined, false, lookup);
  await forever.resolve(0);
  await forever.resolve(1e12);
  assert.equal(n, 1);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(await new DnsCache('h', 0, true, lookup).resolve());
  assert.deepEqual([...seen].sort(), ['10.0.0.1', '10.0.0.2'], 'round robin picks among all addresses');
  n = 0;
  assert.equal(await new DnsCache('127.0.0.1', 0, false, lookup).resolve(), '127.0.0.1');
  assert.equal(n, 0, 'an IP is not looked up');
});
