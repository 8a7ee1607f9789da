// Many files, one hot: 2,000 files each get a line every 500 ms while hot.log takes a
// continuous stream. Every line of every file must arrive, and the slow files' lines with a
// bounded delay (the hot file is read a batch at a time, behind the others in the queue).
// max_open_files 500 forces descriptors to be closed and reopened; the peak is checked.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { startTail, streamEmitter, tmpDir, Writer, waitFor } from '../plugins/support/tail-helpers.js';

const FILES = 2_000;
const ROUNDS = 6;
const HOT = 300_000;
const FD_LIMIT = 500;
const MAX_DELAY_MS = 5_000;

test(`${FILES} files, one hot: every line arrives, slow files within ${MAX_DELAY_MS} ms`, {
  timeout: 120_000,
}, async (t) => {
  const dir = tmpDir(t, 'tail-many-');
  for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(dir, `s${i}.log`), '');
  fs.writeFileSync(path.join(dir, 'hot.log'), '');
  const slow = new Uint8Array(FILES * ROUNDS);
  const hot = new Uint8Array(HOT);
  let slowCount = 0;
  let hotCount = 0;
  let dups = 0;
  let maxDelay = 0;
  const emitter = streamEmitter((es) => {
    const now = Date.now();
    for (const r of es.records) {
      const m = String(r.message).split(' ');
      if (m[0] === 'hot') {
        const n = Number(m[1]);
        if (hot[n]) dups++;
        hot[n] = 1;
        hotCount++;
      } else {
        const k = Number(m[0]!.slice(1)) * ROUNDS + Number(m[1]);
        if (slow[k]) dups++;
        slow[k] = 1;
        slowCount++;
        maxDelay = Math.max(maxDelay, now - Number(m[2]));
      }
    }
  });
  const { input, logs } = await startTail(
    `path ${dir}/*.log\npos_file ${dir}/pos\ntag many\nmax_open_files ${FD_LIMIT}\n<parse>\n@type none\n</parse>`,
    emitter,
  );
  const w = new Writer();
  t.after(() => w.close());
  try {
    assert.equal(input.statistics().tracked_file_count, FILES + 1);
    await w.do({ op: 'many', dir, files: FILES, rounds: ROUNDS, intervalMs: 500, hotLines: HOT });
    await waitFor(
      () => slowCount + hotCount >= FILES * ROUNDS + HOT,
      () =>
        `all lines: slow ${slowCount}/${FILES * ROUNDS}, hot ${hotCount}/${HOT}\n${logs.slice(-5).join('\n')}`,
      60_000,
    );
    // idle: every file at its end; measure what watching 2,001 idle files costs
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 2_000)); // measuring an idle period, not synchronising
    const cpu = process.cpuUsage(cpu0);
    const idlePct = ((cpu.user + cpu.system) / 1e3 / (Date.now() - t0)) * 100;
    const st = input.statistics();
    t.diagnostic(
      `max delay of a slow line ${maxDelay} ms; peak descriptors ${st.open_file_descriptors_peak}; opened ${st.opened_file_count}; idle CPU ${idlePct.toFixed(1)}% of a core`,
    );
    assert.equal(dups, 0, 'duplicates');
    assert.equal(slowCount, FILES * ROUNDS);
    assert.equal(hotCount, HOT);
    assert.ok(maxDelay < MAX_DELAY_MS, `a slow file waited ${maxDelay} ms`);
    assert.ok(st.open_file_descriptors_peak! <= FD_LIMIT, `descriptors: ${st.open_file_descriptors_peak}`);
  } finally {
    await input.shutdown();
  }
});
