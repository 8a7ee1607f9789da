// The disk-full scenario shared by buffer-disk-full.test.ts (on a 256 KiB tmpfs) and its
// child process (under RLIMIT_FSIZE, where a chunk file that reaches the limit gets EFBIG —
// no root needed, so CI always runs one of the two). Writes to the output are held back, so
// the buffer fills up; then:
//   - appends fail cleanly (the emitter gets ENOSPC/EFBIG, nothing is acknowledged),
//   - inputs are told to pause (overHighWater) and the warning is logged once per interval,
//   - after the output drains, every acknowledged record was delivered exactly once,
//   - new emits succeed without a restart.

import assert from 'node:assert/strict';
import type { Logger } from '../../src/core/log.js';
import { makeOutput, ScriptedOutput, stream, waitFor } from '../unit/buffer/helpers.js';

export async function diskFullScenario(
  dir: string,
  log: Logger,
  lines: string[],
  chunkLimit = '32k',
): Promise<{ acked: number; failures: number }> {
  const o = makeOutput(
    ScriptedOutput,
    `<buffer>\n@type file\npath ${dir}/buf\nflush_mode lazy\nchunk_limit_size ${chunkLimit}\nretry_wait 1h\n</buffer>`,
    { log },
  );
  let release!: () => void;
  o.gate = new Promise((r) => {
    release = r;
  });
  await o.start();
  const acked: number[] = [];
  let failures = 0;
  let paused = false;
  for (let i = 0; i < 2000 && failures < 5; i++) {
    try {
      await o.emit('t', stream(10, i * 10));
      for (let k = 0; k < 10; k++) acked.push(i * 10 + k);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      assert.ok(code === 'ENOSPC' || code === 'EFBIG', String(e));
      failures++;
      paused ||= o.overHighWater();
    }
  }
  assert.ok(failures > 0, 'the disk filled up');
  assert.ok(paused, 'inputs are told to pause after a full disk');
  assert.equal(lines.filter((l) => l.includes('the disk is full')).length, 1, 'warned once per interval');
  const s = o.stats()!;
  assert.equal(s.emit_records, acked.length + s.refused_records);

  release();
  o.gate = undefined;
  await o.flushAll();
  await waitFor(() => o.stats()!.buffered_records === 0 && o.runner.inFlight === 0, 10_000, 'drain');
  const got = o.writtenRecords().map((r) => r.n as number);
  assert.deepEqual(
    [...got].sort((a, b) => a - b),
    acked,
    'every acknowledged record delivered once, nothing else',
  );

  // space is back: new emits succeed without a restart
  await waitFor(() => !o.overHighWater(), 5000, 'drain after disk full');
  await o.emit('t', stream(5, 1_000_000));
  await o.flushAll();
  assert.equal(o.writtenRecords().length, acked.length + 5);
  await o.shutdown();
  return { acked: acked.length, failures };
}
