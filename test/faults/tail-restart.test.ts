// Restart across rotations with the real daemon: tail → file buffer → out_file. The daemon is
// stopped (SIGTERM, and separately SIGKILL while it is reading), the file is written to and
// rotated twice while it is down, then the daemon is restarted. SIGTERM: every line exactly
// once. SIGKILL: nothing lost; duplicates only from batches in flight at the kill.
//
// After a SIGKILL the file buffer may deliver a chunk twice (written to out_file, not yet
// purged), which says nothing about in_tail. So the restarted daemon writes to a fresh buffer
// and output: what in_tail read again is exactly what the second output shares with the first
// run's output and buffer chunks.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Proc } from '../helpers/proc.js';
import { seqs, tmpDir, Writer, waitFor } from '../plugins/support/tail-helpers.js';

const READ_LINES = 100;
const MAX_INFLIGHT = 8;

function config(dir: string, run = ''): string {
  return `<source>
  @type tail
  path ${dir}/app.log
  pos_file ${dir}/tail.pos
  tag app
  read_from_head true
  read_lines_limit ${READ_LINES}
  rotate_wait 1
  <parse>
    @type none
  </parse>
</source>
<match app>
  @type file
  path ${dir}/out${run}/app
  append true
  <format>
    @type single_value
  </format>
  <buffer>
    @type file
    path ${dir}/buf${run}
    flush_mode interval
    flush_interval 0.2s
    flush_at_shutdown true
  </buffer>
</match>
`;
}

/** Lines in the files of dir/<sub> (out_file output, or buffer chunks: one line per event). */
function delivered(dir: string, sub = 'out'): string[] {
  const out = path.join(dir, sub);
  if (!fs.existsSync(out)) return [];
  const lines: string[] = [];
  for (const f of fs.readdirSync(out).sort()) {
    if (f.endsWith('.meta')) continue;
    const text = fs.readFileSync(path.join(out, f), 'utf8');
    for (const l of text.split('\n')) if (l !== '') lines.push(l);
  }
  return lines;
}

function start(conf: string): Proc {
  return Proc.node('src/cli/td-agent.js', ['-c', conf, '--no-supervisor']);
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`${signal}, two rotations while down, restart: ${signal === 'SIGTERM' ? 'exactly once' : 'nothing lost'}`, {
    timeout: 90_000,
  }, async (t) => {
    const dir = tmpDir(t, 'tail-restart-');
    const conf = path.join(dir, 'td-agent.conf');
    fs.writeFileSync(conf, config(dir));
    const log = path.join(dir, 'app.log');
    fs.writeFileSync(log, '');
    const w = new Writer();
    t.after(() => w.close());
    const first = 20_000;

    let p = start(conf);
    t.after(() => p.kill('SIGKILL'));
    await p.waitOutput(/fluentd worker is now running/, 'the daemon started');
    // a steady logger: the stop lands while lines are being read and batches are in flight
    const writing = w.do({ op: 'drip', file: log, prefix: 'a', from: 0, count: first, per: 50, gapMs: 1 });
    await waitFor(() => delivered(dir).length >= 500, 'some lines delivered', 30_000);
    p.kill(signal);
    await p.exited;
    await writing;

    // while the daemon is down: more lines, then two rotations
    await w.lines(log, 'a', first, 500);
    await w.do({ op: 'rename', from: log, to: `${log}.1` });
    await w.lines(log, 'b', 0, 700);
    await w.do({ op: 'rename', from: `${log}.1`, to: `${log}.2` });
    await w.do({ op: 'rename', from: log, to: `${log}.1` });
    await w.lines(log, 'c', 0, 300);

    const second = signal === 'SIGTERM' ? '' : '2';
    if (second) fs.writeFileSync(conf, config(dir, second));
    p = start(conf);
    const expected = [...seqs('a', 0, first + 500), ...seqs('b', 0, 700), ...seqs('c', 0, 300)];
    const want = new Set(expected);
    const all = () => [...delivered(dir), ...delivered(dir, 'buf'), ...delivered(dir, `out${second}`)];
    await waitFor(
      () => {
        const got = new Set(all());
        return expected.every((l) => got.has(l));
      },
      () => `every line delivered after the restart\n${p.all.slice(-3000)}`,
      60_000,
    );
    await w.lines(log, 'c', 300, 10);
    await waitFor(() => delivered(dir, `out${second}`).includes('c309'), 'a line written after the restart');
    p.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.all.slice(-2000));
    assert.match(p.all, /rotated while stopped; reading .*app\.log\.2/);
    assert.match(p.all, /found .*app\.log\.1, rotated from .*app\.log before it was read/);

    const isWritten = (l: string) => want.has(l) || /^c30\d$/.test(l);
    if (signal === 'SIGTERM') {
      const got = delivered(dir);
      assert.deepEqual(
        got.filter((l) => !isWritten(l)),
        [],
        'lines that were never written',
      );
      const counts = new Map<string, number>();
      for (const l of got) counts.set(l, (counts.get(l) ?? 0) + 1);
      assert.deepEqual(
        expected.filter((l) => !counts.has(l)),
        [],
        'lost lines',
      );
      assert.deepEqual(
        [...counts].filter(([, n]) => n > 1).map(([l]) => l),
        [],
        'duplicates after a clean stop',
      );
      return;
    }
    // SIGKILL: run 1 kept what it made durable (its output and buffer); run 2 read the rest
    const before = new Set([...delivered(dir), ...delivered(dir, 'buf')]);
    const after = delivered(dir, 'out2');
    assert.deepEqual(
      after.filter((l) => !isWritten(l)),
      [],
      'lines that were never written',
    );
    assert.equal(new Set(after).size, after.length, 'duplicates within the second run');
    const got = new Set([...before, ...after]);
    assert.deepEqual(
      expected.filter((l) => !got.has(l)),
      [],
      'lost lines',
    );
    const again = after.filter((l) => before.has(l));
    t.diagnostic(`lines read again after SIGKILL: ${again.length}`);
    assert.ok(
      again.length <= READ_LINES * MAX_INFLIGHT,
      `read again beyond the batches in flight: ${again.length}`,
    );
    assert.ok(
      again.every((l) => l.startsWith('a')),
      'only lines of the file being read at the kill are read again',
    );
  });
}
