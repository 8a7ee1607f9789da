// Bytes appended to a file buffer but not yet fsynced are bounded: past the bound the output
// reports overHighWater (inputs pause) and calls its drain waiters once the group writer has
// made them durable.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { EventStream } from '../../../src/core/event-stream.js';
import { makeOutput, ScriptedOutput } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-unsynced-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('too many bytes waiting for fsync pause the inputs until they are durable', async () => {
  const o = makeOutput(
    ScriptedOutput,
    `<buffer>\n@type file\npath ${tmp}\nflush_mode lazy\nchunk_limit_size 64m\ntotal_limit_size 1g\n</buffer>`,
  );
  await o.start();
  try {
    const big = 'x'.repeat(1000);
    const batch = () => {
      const es = new EventStream();
      for (let i = 0; i < 1000; i++) es.add(1_700_000_000, i, { big });
      return es;
    };
    const pending: Promise<void>[] = [];
    // ~1 MB per emit, all before the group writer runs a round: nothing is durable yet
    for (let i = 0; i < 20 && !o.overHighWater(); i++) {
      const r = o.emit('t', batch());
      assert.ok(r instanceof Promise, 'a file append resolves when durable');
      pending.push(r);
    }
    assert.equal(o.overHighWater(), true, 'over the unsynced bound');
    assert.ok(pending.length > 10 && pending.length < 20, `paused after ${pending.length} MB`);
    let drained = false;
    o.onDrain(() => {
      drained = true;
    });
    assert.equal(drained, false);
    await Promise.all(pending);
    assert.equal(drained, true, 'drain waiters run once the bytes are durable');
    assert.equal(o.overHighWater(), false);
  } finally {
    await o.shutdown();
  }
});
