// in_tail parameters: path lists and globs, exclude_path, strftime paths, limit_recently_modified,
// skip_refresh_on_startup, open_on_every_update, max_open_files, read_bytes_limit_per_second,
// <group> limits, pos_file_compaction_interval, one pos_file per source.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { strftime } from '../../src/core/strftime.js';
import { messages, noneConf, posRows, seqs, tail, tmpDir, Writer, waitFor } from './support/tail-helpers.js';

test('path lists (trimmed, de-duplicated), globs, exclude_path and extended globs', async (t) => {
  const dir = tmpDir(t);
  for (const n of ['a.log', 'b.log', 'c.txt', 'skip.log', 'd1.dat'])
    fs.writeFileSync(path.join(dir, n), `${n}\n`);
  const d = tail(
    noneConf(
      ` ${dir}/*.log , ${dir}/c.txt,${dir}/c.txt, ${dir}/d?.dat`,
      `read_from_head true\nexclude_path ["${dir}/skip.*"]\nglob_policy extended\npath_key p`,
    ),
  );
  await d.run({ expectRecords: 4 });
  assert.deepEqual(messages(d).sort(), ['a.log', 'b.log', 'c.txt', 'd1.dat']);
  assert.equal(d.instance.statistics().tracked_file_count, 4);
});

test('strftime in paths, limit_recently_modified and skip_refresh_on_startup', async (t) => {
  const dir = tmpDir(t);
  const today = strftime('%Y-%m-%d', Math.floor(Date.now() / 1000), 0);
  fs.writeFileSync(path.join(dir, `app-${today}.log`), 'dated\n');
  fs.writeFileSync(path.join(dir, 'old.log'), 'old\n');
  fs.writeFileSync(path.join(dir, 'new.log'), 'new\n');
  const past = new Date(Date.now() - 3600_000);
  fs.utimesSync(path.join(dir, 'old.log'), past, past);
  const d = tail(
    noneConf(`${dir}/app-%Y-%m-%d.log,${dir}/*.log`, 'read_from_head true\nlimit_recently_modified 10m'),
  );
  await d.run({ expectRecords: 2 });
  // the dated file matches both entries: one watcher; old.log is too old for the glob
  assert.deepEqual(messages(d).sort(), ['dated', 'new']);
  assert.equal(d.instance.statistics().tracked_file_count, 2);

  const s = tail(
    noneConf(`${dir}/new.log`, 'read_from_head true\nskip_refresh_on_startup true\nrefresh_interval 0.3'),
  );
  await s.start();
  try {
    assert.equal(s.instance.statistics().tracked_file_count, 0);
    await waitFor(() => s.records().length >= 1, 'the first refresh');
    assert.deepEqual(messages(s), ['new']);
  } finally {
    await s.shutdown();
  }
});

test('open_on_every_update: no descriptor held between reads; rotation still followed', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'o.log');
  fs.writeFileSync(f, '');
  const w = new Writer();
  t.after(() => w.close());
  const d = tail(noneConf(f, 'open_on_every_update true'));
  await d.start();
  try {
    await w.lines(f, 'a', 0, 10);
    await waitFor(() => d.records().length >= 10, 'first lines');
    await waitFor(() => d.instance.statistics().open_file_descriptors === 0, 'the file closed');
    await w.do({ op: 'rename', from: f, to: `${f}.1` });
    await w.lines(f, 'b', 0, 10);
    await waitFor(() => d.records().length >= 20, 'lines of the new file');
    assert.deepEqual(messages(d), [...seqs('a', 0, 10), ...seqs('b', 0, 10)]);
  } finally {
    await d.shutdown();
  }
});

test('max_open_files bounds descriptors; idle files are closed and reopened', async (t) => {
  const dir = tmpDir(t);
  for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(dir, `f${i}.log`), '');
  const w = new Writer();
  t.after(() => w.close());
  const d = tail(noneConf(`${dir}/*.log`, 'max_open_files 2'));
  await d.start();
  try {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 6; i++) await w.lines(path.join(dir, `f${i}.log`), `f${i}r${round}n`, 0, 5);
      await waitFor(() => d.records().length >= (round + 1) * 30, `round ${round}`);
    }
    assert.equal(new Set(messages(d)).size, 90);
    const st = d.instance.statistics();
    assert.ok(st.open_file_descriptors_peak! <= 2, `peak ${st.open_file_descriptors_peak}`);
  } finally {
    await d.shutdown();
  }
});

test('read_bytes_limit_per_second throttles (raised to 64 KiB) without losing lines', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'big.log');
  const line = 'x'.repeat(99);
  fs.writeFileSync(f, `${Array.from({ length: 2000 }, (_, i) => `${i} ${line}`).join('\n')}\n`);
  const d = tail(noneConf(f, 'read_from_head true\nread_bytes_limit_per_second 1000'));
  await d.run({ expectRecords: 2000, timeoutMs: 20_000, shutdown: false });
  try {
    assert.ok(d.logs().some((l) => l.includes('Use 65536 for read_bytes_limit_per_second')));
    assert.ok(d.instance.statistics().throttled_log_count! >= 1);
    assert.deepEqual(
      messages(d).map((m) => Number(m.split(' ')[0])),
      Array.from({ length: 2000 }, (_, i) => i),
    );
  } finally {
    await d.shutdown();
  }
});

test('<group> limits lines per rate_period, shared by the group files', async (t) => {
  const dir = tmpDir(t);
  const files = ['g_ns1_c-1.log', 'g_ns1_c-2.log', 'free.log'];
  for (const n of files) {
    fs.writeFileSync(path.join(dir, n), `${seqs(n.slice(0, 4), 0, 60).join('\n')}\n`);
  }
  const d = tail(
    `path ${dir}/*.log\ntag g\nread_from_head true\n<parse>\n  @type none\n</parse>\n` +
      `<group>\n  pattern /(?<name>g)_(?<namespace>[^_]+)_/\n  rate_period 1\n  <rule>\n    match {"namespace": "/ns1/"}\n    limit 40\n  </rule>\n</group>`,
  );
  await d.start();
  try {
    await waitFor(
      () => d.records().filter((r) => String(r.message).startsWith('free')).length === 60,
      'free',
    );
    const limited = () => d.records().filter((r) => String(r.message).startsWith('g_ns')).length;
    // two files share 40 lines per second: 20 each until the period ends
    assert.ok(limited() <= 40, `${limited()} lines in the first period`);
    await waitFor(() => limited() === 120, 'all limited lines, over several periods', 15_000);
    assert.ok(d.instance.statistics().throttled_log_count! > 0);
  } finally {
    await d.shutdown();
  }
});

test('pos_file: compaction drops lines of files no longer tracked; two sources cannot share one', async (t) => {
  const dir = tmpDir(t);
  const pos = path.join(dir, 'pos');
  const a = path.join(dir, 'a.log');
  fs.writeFileSync(a, '');
  fs.writeFileSync(pos, `${dir}/gone.log\t0000000000000010\t0000000000000001\n`.repeat(3));
  const d = tail(
    noneConf(`${dir}/*.log`, `pos_file ${pos}\npos_file_compaction_interval 0.3\nrefresh_interval 0.3`),
  );
  const other = tail(noneConf(`${dir}/*.log`, `pos_file ${pos}`));
  await d.start();
  try {
    assert.deepEqual(
      posRows(pos).map((r) => r[0]),
      [a],
    );
    await assert.rejects(other.start(), /Other 'in_tail' plugin already use same pos_file path/);
    fs.writeFileSync(path.join(dir, 'b.log'), 'b\n');
    await waitFor(() => d.records().length === 1, 'b.log');
    fs.unlinkSync(path.join(dir, 'b.log'));
    await waitFor(() => posRows(pos).length === 1, 'compaction after b.log was closed');
  } finally {
    await d.shutdown();
  }
});

for (const [timer, stat] of [
  [true, false],
  [false, true],
] as const) {
  test(`enable_watch_timer ${timer}, enable_stat_watcher ${stat}: writes and a rotation are followed`, async (t) => {
    const dir = tmpDir(t);
    const f = path.join(dir, 'w.log');
    fs.writeFileSync(f, '');
    const w = new Writer();
    t.after(() => w.close());
    const d = tail(noneConf(f, `enable_watch_timer ${timer}\nenable_stat_watcher ${stat}`));
    await d.start();
    try {
      assert.equal(d.instance.statistics().watched_directories, stat ? 1 : 0);
      const why = (what: string) => () => `${what}: ${messages(d).join(' ')}\n${d.logs().join('\n')}`;
      await w.lines(f, 'a', 0, 5);
      await waitFor(() => d.records().length >= 5, why('lines'));
      await w.do({ op: 'rename', from: f, to: `${f}.1` });
      await w.lines(f, 'b', 0, 5);
      await waitFor(() => d.records().length >= 10, why('lines after the rotation'));
      assert.deepEqual(messages(d), [...seqs('a', 0, 5), ...seqs('b', 0, 5)]);
    } finally {
      await d.shutdown();
    }
  });
}

test('a glob over the pos file directory does not tail the pos file', async (t) => {
  const dir = tmpDir(t);
  fs.writeFileSync(path.join(dir, 'x'), 'x1\n');
  const d = tail(noneConf(`${dir}/*`, `pos_file ${dir}/pos\nread_from_head true`));
  await d.run({ expectRecords: 1 });
  assert.deepEqual(messages(d), ['x1']);
  assert.equal(d.instance.statistics().tracked_file_count, 1);
});
