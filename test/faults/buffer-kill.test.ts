// SIGKILL at random points (25 kills) of a real process running file buffer → out_file, each
// restart resuming the buffer. Checks: every event acknowledged as durable is in the output
// files; no output line is corrupt except a torn last line of a file whose write was cut;
// duplicates are bounded by the chunks that can be in flight at a kill.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./buffer-kill-child.js', import.meta.url));
const KILLS = 25;
const CHUNK_RECORDS = 50;

/** Run the child; `onLine` returns true to SIGKILL it. Resolves with its output lines. */
function runChild(
  dir: string,
  first: number,
  mode: string,
  onLine: (l: string) => boolean,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(first), mode], {
      env: { ...process.env, TRIB_KILL_CHILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    createInterface({ input: child.stdout }).on('line', (l) => {
      lines.push(l);
      if (onLine(l)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve(lines);
    });
  });
}

test(`file buffer survives ${KILLS} SIGKILLs: every acknowledged event is delivered`, {
  timeout: 120_000,
}, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-kill-'));
  try {
    const acked = new Set<number>();
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let run = 0; run < KILLS; run++) {
      const target = 2 + Math.floor(rand() * 40);
      let acks = 0;
      await runChild(dir, run * 10_000_000, 'run', (l) => {
        const m = /^ack (\d+) (\d+)$/.exec(l);
        if (!m) return false;
        for (let s = Number(m[1]); s <= Number(m[2]); s++) acked.add(s);
        return ++acks >= target;
      });
    }
    const done = await runChild(dir, 0, 'drain', () => false);
    assert.match(done.at(-1) ?? '', /^done 0 /, `drain: ${done.join('|')}`);

    const outDir = path.join(dir, 'out');
    const seen = new Map<number, number>();
    let torn = 0;
    for (const f of fs.readdirSync(outDir)) {
      const text = fs.readFileSync(path.join(outDir, f), 'utf8');
      const lines = text.split('\n');
      const last = lines.pop()!;
      if (last !== '') torn++;
      for (const l of lines) {
        const rec = JSON.parse(l) as { seq: number };
        seen.set(rec.seq, (seen.get(rec.seq) ?? 0) + 1);
      }
    }
    const missing = [...acked].filter((s) => !seen.has(s));
    assert.equal(missing.length, 0, `acknowledged but lost: ${missing.slice(0, 10).join(',')}`);
    let dupes = 0;
    for (const n of seen.values()) if (n > 1) dupes += n - 1;
    t.diagnostic(`acked ${acked.size} delivered ${seen.size} duplicates ${dupes} torn files ${torn}`);
    assert.ok(acked.size > KILLS * 20, `acked ${acked.size}`);
    assert.ok(dupes <= KILLS * CHUNK_RECORDS, `duplicates ${dupes} exceed in-flight bound`);
    assert.ok(torn <= KILLS, `torn output files ${torn}`);
    assert.equal(fs.readdirSync(path.join(dir, 'buffer')).length, 0, 'buffer empty after drain');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
