// High availability with real processes: a forwarder (out_forward, file buffer,
// require_ack_response) → an active aggregator + a standby, both in_forward child processes that
// fsync every received record id before acking. The active one is SIGKILLed in the middle of a
// steady stream and brought back later on the same port. Every event must arrive; duplicates
// may only be events the killed process had received (unacknowledged chunks sent again); once
// the active one is back, the standby goes back to standby.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ForwardOutput } from '../../src/plugins/out_forward/index.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';
import { waitFor } from '../plugins/in_forward.support.js';
import { ServerChild } from './forward-support.js';

function ids(file: string): number[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
}

test('forwarder → active + standby; SIGKILL the active mid-stream, bring it back', {
  timeout: 90_000,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fwd-ha-'));
  const activeIds1 = path.join(dir, 'active-1.ids');
  const activeIds2 = path.join(dir, 'active-2.ids');
  const standbyIds = path.join(dir, 'standby.ids');
  let active = new ServerChild('', 0, activeIds1);
  const standby = new ServerChild('', 0, standbyIds);
  await active.ready();
  await standby.ready();
  const activePort = active.port;
  const d = new OutputTestDriver(
    ForwardOutput,
    `require_ack_response true
ack_response_timeout 2
heartbeat_type transport
heartbeat_interval 0.1
hard_timeout 0.5
phi_failure_detector false
recover_wait 0.3
connect_timeout 1
<server>
  name active
  host 127.0.0.1
  port ${activePort}
</server>
<server>
  name standby
  host 127.0.0.1
  port ${standby.port}
  standby true
</server>
<buffer>
  @type file
  path ${path.join(dir, 'buffer')}
  flush_mode interval
  flush_interval 0.05
  retry_wait 0.1
  retry_max_interval 0.5
  retry_forever true
</buffer>`,
  );
  const TOTAL = 3000;
  let fed = 0;
  const feedBatch = async () => {
    const recs = Array.from({ length: 20 }, (_, k) => ({ i: fed + k, pad: 'x'.repeat(60) }));
    fed += 20;
    await d.feed('ha.stream', recs);
  };
  try {
    // Phase 1: steady stream to the active aggregator.
    while (fed < 1000) await feedBatch();
    await waitFor(() => ids(activeIds1).length >= 200, 'events at the active aggregator', 20_000);
    const feeding = (async () => {
      while (fed < 2000) {
        await feedBatch();
        await new Promise((r) => setImmediate(r));
      }
    })();
    await active.kill(); // mid-stream
    await feeding;
    await waitFor(() => !d.instance.nodes[0]!.available, 'the active aggregator detached', 20_000);
    await waitFor(() => ids(standbyIds).length > 0, 'the standby taking over', 30_000);
    // Phase 2: the active aggregator comes back on the same port.
    active = new ServerChild('', activePort, activeIds2);
    await active.ready();
    await waitFor(() => d.instance.nodes[0]!.available, 'the active aggregator recovered', 20_000);
    while (fed < TOTAL) await feedBatch();
    const all = () => new Set([...ids(activeIds1), ...ids(activeIds2), ...ids(standbyIds)]);
    await waitFor(() => all().size === TOTAL, `all ${TOTAL} events delivered`, 60_000);
    const got = all();
    for (let i = 0; i < TOTAL; i++) assert.ok(got.has(i), `event ${i} missing`);
    // Duplicates only among what the killed process had received.
    const killedSaw = new Set(ids(activeIds1));
    const seen = new Set<number>();
    let dups = 0;
    for (const i of [...ids(activeIds1), ...ids(standbyIds), ...ids(activeIds2)]) {
      if (seen.has(i)) {
        dups++;
        assert.ok(killedSaw.has(i), `duplicate ${i} was never at the killed aggregator`);
      }
      seen.add(i);
    }
    // Standby back to standby: events fed after recovery went to the active aggregator.
    const late = ids(activeIds2).filter((i) => i >= 2000).length;
    assert.ok(late > 0, 'events after recovery reach the active aggregator');
    assert.equal(
      ids(standbyIds).filter((i) => i >= 2000).length,
      0,
      'standby idle once the active one is back',
    );
    process.stdout.write(
      `# HA: ${TOTAL} events, ${dups} duplicates (all from the killed aggregator's unacked chunks)\n`,
    );
  } finally {
    await d.shutdown();
    await active.stop().catch(() => {});
    await standby.stop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
