// Restart across rotations with the real daemon: tail → file buffer → out_file. The daemon is
// stopped (SIGTERM, and separately SIGKILL while it is reading), the file is written to and
// rotated twice while it is down, then the daemon is restarted. SIGTERM: every line exactly
// once. SIGKILL: nothing lost; duplicates only from batches in flight at the kill.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Proc } from '../helpers/proc.js';
import { seqs, tmpDir, Writer, waitFor } from '../plugins/support/tail-helpers.js';

const READ_LINES = 100;
const MAX_INFLIGHT = 8;

function config(dir: string): string {
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
  path ${dir}/out/app
  append true
  <format>
    @type single_value
  </format>
  <buffer>
    @type file
    path ${dir}/buf
    flush_mode interval
    flush_interval 0.2s
    flush_at_shutdown true
  </buffer>
</match>
`;
}

function delivered(dir: string): string[] {
  const out = path.join(dir, 'out');
  if (!fs.existsSync(out)) return [];
  const lines: string[] = [];
  for (const f of fs.readdirSync(out).sort()) {
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
    const first = signal === 'SIGTERM' ? 2_000 : 30_000;

    let p = start(conf);
    t.after(() => p.kill('SIGKILL'));
    await p.waitOutput(/fluentd worker is now running/, 'the daemon started');
    await w.lines(log, 'a', 0, first);
    if (signal === 'SIGTERM') {
      await waitFor(() => delivered(dir).length >= 500, 'some lines delivered');
      p.kill('SIGTERM');
    } else {
      // kill while it is still reading
      await waitFor(() => delivered(dir).length >= 3_000, 'some lines delivered', 30_000);
      p.kill('SIGKILL');
    }
    await p.exited;

    // while the daemon is down: more lines, then two rotations
    await w.lines(log, 'a', first, 500);
    await w.do({ op: 'rename', from: log, to: `${log}.1` });
    await w.lines(log, 'b', 0, 700);
    await w.do({ op: 'rename', from: `${log}.1`, to: `${log}.2` });
    await w.do({ op: 'rename', from: log, to: `${log}.1` });
    await w.lines(log, 'c', 0, 300);

    p = start(conf);
    const expected = [...seqs('a', 0, first + 500), ...seqs('b', 0, 700), ...seqs('c', 0, 300)];
    const want = new Set(expected);
    await waitFor(
      () => {
        const got = new Set(delivered(dir));
        return expected.every((l) => got.has(l));
      },
      () => `every line delivered after the restart\n${p.all.slice(-3000)}`,
      60_000,
    );
    await w.lines(log, 'c', 300, 10);
    await waitFor(() => delivered(dir).includes('c309'), 'a line written after the restart');
    p.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.all.slice(-2000));

    const got = delivered(dir);
    const counts = new Map<string, number>();
    for (const l of got) counts.set(l, (counts.get(l) ?? 0) + 1);
    const unexpected = got.filter((l) => !want.has(l) && !/^c30\d$/.test(l));
    assert.deepEqual(unexpected, [], 'lines that were never written');
    const missing = expected.filter((l) => !counts.has(l));
    assert.deepEqual(missing, [], 'lost lines');
    const dups = [...counts].filter(([, n]) => n > 1).map(([l]) => l);
    if (signal === 'SIGTERM') assert.deepEqual(dups, [], 'duplicates after a clean stop');
    else {
      t.diagnostic(`duplicates after SIGKILL: ${dups.length}`);
      assert.ok(
        dups.length <= 2 * READ_LINES * MAX_INFLIGHT,
        `duplicates beyond the batches in flight: ${dups.length}`,
      );
      assert.ok(
        dups.every((l) => l.startsWith('a')),
        'duplicates only from the file being read at the kill',
      );
    }
    assert.match(p.all, /rotated while stopped; reading .*app\.log\.2/);
    assert.match(p.all, /found .*app\.log\.1, rotated from .*app\.log before it was read/);
  });
}
