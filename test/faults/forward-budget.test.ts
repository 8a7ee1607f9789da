// The global budget for partial requests (buffered_bytes_limit): many clients each holding a
// large half-sent request cannot grow the server past the budget; past it, one connection at a
// time keeps reading, and every request still completes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventTime } from '../../src/core/event-time.js';
import { decodeMultiple, encode } from '../../src/core/msgpack.js';
import { RawClient } from '../plugins/in_forward.support.js';
import { ServerChild } from './forward-support.js';

function bigRequest(id: number): Buffer {
  const entries: Buffer[] = [];
  for (let i = 0; i < 400; i++)
    entries.push(encode([new EventTime(1700000000, 0), { id, i, pad: 'p'.repeat(1000) }]));
  return encode([`budget.${id}`, Buffer.concat(entries), { chunk: `c${id}` }]);
}

test('partial requests past buffered_bytes_limit pause; all complete; memory stays bounded', {
  timeout: 60_000,
}, async () => {
  const srv = new ServerChild('buffered_bytes_limit 1m\nrequest_timeout 30');
  await srv.ready();
  const clients: RawClient[] = [];
  try {
    const base = await srv.snapshot();
    const reqs = Array.from({ length: 8 }, (_, i) => bigRequest(i));
    assert.ok(reqs[0]!.length > 400_000);
    for (let i = 0; i < reqs.length; i++) clients.push(new RawClient(srv.port));
    // First halves: 8 × ~200 KB = ~1.6 MB of partial requests, over the 1 MiB budget.
    await Promise.all(clients.map((c, i) => c.send(reqs[i]!.subarray(0, reqs[i]!.length >> 1))));
    let mid = await srv.snapshot();
    const until = Date.now() + 20_000;
    while (mid.stats.budgetPauses! < 1 && Date.now() < until) mid = await srv.snapshot();
    assert.ok(mid.stats.budgetPauses! >= 1, 'the budget was hit');
    assert.ok(
      mid.arrayBuffers < base.arrayBuffers + 8 * 1024 * 1024,
      'partial requests stay near the budget',
    );
    await Promise.all(clients.map((c, i) => c.send(reqs[i]!.subarray(reqs[i]!.length >> 1))));
    await Promise.all(clients.map((c) => c.waitReceived(1, 30_000)));
    clients.forEach((c, i) => {
      assert.deepEqual(decodeMultiple(c.received), [{ ack: `c${i}` }]);
    });
    const s = await srv.snapshot();
    assert.equal(s.events - base.events, 8 * 400);
    assert.equal(s.stats.hostileClosed, 0);
    process.stdout.write(`# budget 1 MiB, 8 × 400 KB requests: rss ${Math.round(s.rss / 1048576)} MiB\n`);
  } finally {
    for (const c of clients) c.close();
    await srv.stop();
  }
});
