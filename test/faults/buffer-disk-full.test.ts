// Disk full under a file buffer (scenario in disk-full-scenario.ts), two ways:
//   1. a real 256 KiB tmpfs (needs mount: skipped where it is not allowed);
//   2. RLIMIT_FSIZE (`ulimit -f`) on a child process: a chunk file reaching the limit gets
//      EFBIG from the kernel — works unprivileged, so CI always exercises the path.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DIST, Proc } from '../helpers/proc.js';
import { captureLogger } from '../unit/buffer/helpers.js';
import { diskFullScenario } from './disk-full-scenario.js';

function tryMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('file buffer on a full tmpfs: clean failure, backpressure, recovery without restart', async (t) => {
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-full-'));
  if (!tryMount(mnt)) {
    fs.rmdirSync(mnt);
    t.skip('cannot mount a tmpfs here (the RLIMIT_FSIZE test covers the path)');
    return;
  }
  try {
    const { log, lines } = captureLogger();
    const r = await diskFullScenario(mnt, log, lines);
    assert.ok(r.acked > 0 && r.failures > 0);
  } finally {
    execFileSync('umount', ['-l', mnt]);
    fs.rmdirSync(mnt);
  }
});

test('file buffer under RLIMIT_FSIZE (EFBIG): clean failure, backpressure, recovery', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-fsize-'));
  try {
    // `ulimit -f` counts 512-byte (dash) or 1 KiB (bash) blocks: 40 blocks is 20 or 40 KiB,
    // below the 95 % of chunk_limit_size 64k at which the child's chunk would be enqueued,
    // so the staged chunk's file hits the limit
    const child = new Proc(
      '/bin/sh',
      [
        '-c',
        'ulimit -f 40 && exec "$0" "$@"',
        process.execPath,
        path.join(DIST, 'test/faults/buffer-disk-full-child.js'),
        dir,
      ],
      { env: { TRIB_DISK_FULL_CHILD: '1' } },
    );
    const code = await child.exited;
    assert.equal(code, 0, `child failed:\n${child.out}\n${child.err}`);
    const m = /^ok (\d+) (\d+)$/m.exec(child.out);
    assert.ok(m, child.out);
    assert.ok(Number(m[1]) > 0 && Number(m[2]) > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
