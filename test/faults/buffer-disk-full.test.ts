// Disk full under a file buffer, on a real 256 KiB tmpfs (skipped where mount is not allowed):
// appends fail cleanly (the emitter gets ENOSPC, nothing is acknowledged), inputs are
// backpressured, the warning is logged once per interval, nothing on disk is corrupted, and
// once the output drains the chunks (space returns) new emits succeed — without a restart.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { captureLogger, makeOutput, ScriptedOutput, stream, waitFor } from '../unit/buffer/helpers.js';

function tryMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('file buffer on a full disk: clean failure, backpressure, recovery without restart', async (t) => {
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-full-'));
  if (!tryMount(mnt)) {
    fs.rmdirSync(mnt);
    t.skip('cannot mount a tmpfs here');
    return;
  }
  try {
    const { log, lines } = captureLogger();
    const o = makeOutput(
      ScriptedOutput,
      `<buffer>\n@type file\npath ${mnt}/buf\nflush_mode lazy\nchunk_limit_size 32k\nretry_wait 1h\n</buffer>`,
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
        assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC', String(e));
        failures++;
        paused ||= o.overHighWater();
      }
    }
    assert.ok(failures > 0, 'the disk filled up');
    assert.ok(paused, 'inputs are told to pause after ENOSPC');
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
  } finally {
    execFileSync('umount', ['-l', mnt]);
    fs.rmdirSync(mnt);
  }
});
