// Model-based test of the buffer: random sequences of emit / flush ok / flush failure /
// restart (file buffer, same directory) checked after every step against a simple model:
// delivered + buffered = acknowledged, nothing delivered twice, chunk limits respected.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { makeOutput, ScriptedOutput, stream, waitFor } from './helpers.js';

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

for (const seed of [1, 2, 3]) {
  test(`buffer model, seed ${seed}: no loss, no duplicates, limits respected`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-model-'));
    const conf = `<buffer tag>\n@type file\npath ${dir}\nflush_mode lazy\nchunk_limit_records 7\nretry_forever true\nflush_thread_count 2\n</buffer>`;
    const rand = rng(seed);
    const clock = { now: 1_000_000 };
    const delivered = new Map<number, number>();
    let acked = 0;
    let seq = 0;
    let fail = false;
    const make = async () => {
      const o = makeOutput(ScriptedOutput, conf);
      o.runner.now = () => clock.now;
      o.behavior = () => (fail ? new Error('scripted failure') : undefined);
      await o.start();
      return o;
    };
    let o = await make();
    const collect = () => {
      for (const w of o.written.splice(0)) {
        assert.ok(w.records.length <= 7, 'chunk_limit_records respected');
        for (const r of w.records) delivered.set(r.n as number, (delivered.get(r.n as number) ?? 0) + 1);
      }
    };
    try {
      for (let step = 0; step < 120; step++) {
        const r = rand();
        if (r < 0.5) {
          const n = 1 + Math.floor(rand() * 15);
          await o.emit(rand() < 0.5 ? 'a' : 'b', stream(n, seq));
          seq += n;
          acked += n;
        } else if (r < 0.85) {
          fail = rand() < 0.3;
          clock.now += 100_000;
          o.runner.tick();
          await o.flushAll();
          await waitFor(() => o.runner.inFlight === 0);
        } else {
          await o.shutdown();
          collect();
          o = await make();
        }
        collect();
        const buffered = o.stats()!.buffered_records;
        assert.equal(delivered.size + buffered, acked, `step ${step}: delivered + buffered = acked`);
        for (const [k, v] of delivered) assert.equal(v, 1, `record ${k} delivered ${v} times`);
      }
      fail = false;
      clock.now += 1_000_000;
      o.runner.tick();
      await o.flushAll();
      await waitFor(() => o.runner.inFlight === 0 && o.stats()!.buffered_records === 0);
      collect();
      assert.equal(delivered.size, acked);
      await o.shutdown();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
