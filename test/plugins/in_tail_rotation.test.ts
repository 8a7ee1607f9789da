// in_tail through every kind of rotation, with the writer in another process: rename + create
// (with and without the glob matching rotated names), copytruncate (copy inside and outside the
// glob), truncate in place, delete + recreate, delete while open (descriptor closed after
// rotate_wait), Kubernetes-style symlink retarget, inode reuse across a restart.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { messages, noneConf, posRows, seqs, tail, tmpDir, Writer, waitFor } from './support/tail-helpers.js';

function writer(t: { after: (fn: () => void) => void }): Writer {
  const w = new Writer();
  t.after(() => w.close());
  return w;
}

/** Every expected line exactly once, in order within each prefix (one prefix per file). */
function assertExactlyOnce(got: string[], expected: string[]): void {
  const counts = new Map<string, number>();
  for (const m of got) counts.set(m, (counts.get(m) ?? 0) + 1);
  const dups = [...counts].filter(([, n]) => n > 1).map(([m]) => m);
  assert.deepEqual(dups, [], 'duplicates');
  const missing = expected.filter((m) => !counts.has(m));
  assert.deepEqual(missing, [], 'missing lines');
  assert.equal(got.length, expected.length, 'unexpected lines');
  const byPrefix = new Map<string, number[]>();
  for (const m of got) {
    const [, p, n] = /^([a-z]+)(\d+)$/.exec(m)!;
    byPrefix.set(p!, [...(byPrefix.get(p!) ?? []), Number(n)]);
  }
  for (const [p, ns] of byPrefix)
    assert.deepEqual(
      ns,
      [...ns].sort((a, b) => a - b),
      `order of ${p}`,
    );
}

for (const glob of [false, true]) {
  test(`rename + create${glob ? ' (glob matches rotated names)' : ''}: late writes to the old file, exactly once`, async (t) => {
    const dir = tmpDir(t);
    const f = path.join(dir, 'app.log');
    const pos = path.join(dir, 'pos');
    fs.writeFileSync(f, '');
    const w = writer(t);
    const d = tail(noneConf(glob ? `${f}*` : f, `pos_file ${pos}\nrefresh_interval 0.2`));
    await d.start();
    try {
      await w.lines(f, 'a', 0, 100);
      await waitFor(() => d.records().length >= 50, 'some lines of the first file');
      await w.do({ op: 'rename', from: f, to: `${f}.1` });
      await w.lines(`${f}.1`, 'a', 100, 20); // the logger has not reopened yet
      await w.lines(f, 'b', 0, 100);
      await w.do({ op: 'rename', from: `${f}.1`, to: `${f}.2` });
      await w.do({ op: 'rename', from: f, to: `${f}.1` });
      await w.lines(f, 'c', 0, 50);
      const expected = [...seqs('a', 0, 120), ...seqs('b', 0, 100), ...seqs('c', 0, 50)];
      await waitFor(
        () => d.records().length >= expected.length,
        () => `${d.records().length} lines`,
      );
      // without the glob the rotated files are closed; with it they are watched under their new names
      const settled = () => {
        const st = d.instance.statistics();
        return glob ? st.tracked_file_count === 3 && st.readers === 3 : st.readers === 1;
      };
      await waitFor(settled, 'rotated files closed or adopted by the glob');
      assertExactlyOnce(messages(d), expected);
    } finally {
      await d.shutdown();
    }
    // the live file's entry is at its end; closed rotated files keep their position under their new name
    const rows = posRows(pos).filter((r) => r[1] !== 2 ** 64 - 1);
    for (const name of glob ? [f, `${f}.1`, `${f}.2`] : [f]) {
      const st = fs.statSync(name);
      assert.deepEqual(
        rows.filter((r) => r[0] === name),
        [[name, st.size, st.ino]],
      );
    }
  });
}

for (const glob of [false, true]) {
  test(`copytruncate, copy ${glob ? 'inside' : 'outside'} the glob: unread lines come from the copy, once`, async (t) => {
    const dir = tmpDir(t);
    const f = path.join(dir, 'app.log');
    fs.writeFileSync(f, '');
    const w = writer(t);
    const d = tail(noneConf(glob ? `${f}*` : f, `pos_file ${dir}/pos\nrefresh_interval 0.2`));
    await d.start();
    try {
      await w.lines(f, 'a', 0, 100);
      await waitFor(() => d.records().length >= 100, 'the first lines');
      d.emitter.block(); // lines written now stay unread until after the truncation
      await waitFor(() => d.instance.statistics().backpressure_pauses! >= 0, 'blocked');
      await w.lines(f, 'a', 100, 30);
      await w.do({ op: 'copytruncate', file: f, to: `${f}.1` });
      await w.lines(f, 'b', 0, 40);
      d.emitter.unblock();
      const expected = [...seqs('a', 0, 130), ...seqs('b', 0, 40)];
      await waitFor(
        () => d.records().length >= expected.length,
        () => `${d.records().length} lines`,
      );
      await w.lines(f, 'b', 40, 10);
      expected.push(...seqs('b', 40, 10));
      await waitFor(() => d.records().length >= expected.length, 'the tail after the copy');
      assertExactlyOnce(messages(d), expected);
      assert.equal(d.instance.statistics().copytruncate_copies, 1);
    } finally {
      await d.shutdown();
    }
  });
}

test('copytruncate seen mid-copy (the copy is empty when the glob finds it): exactly once', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'app.log');
  fs.writeFileSync(f, '');
  const w = writer(t);
  const d = tail(noneConf(`${f}*`, `pos_file ${dir}/pos\nrefresh_interval 0.2`));
  await d.start();
  try {
    await w.lines(f, 'a', 0, 100);
    await waitFor(() => d.records().length >= 100, 'the first lines');
    await w.do({ op: 'append', file: `${f}.1`, text: '' }); // the copy exists, still empty
    await waitFor(() => d.instance.statistics().tracked_file_count === 2, 'the empty copy is watched');
    d.emitter.block();
    await w.lines(f, 'a', 100, 30);
    await w.do({ op: 'copyinto', from: f, to: `${f}.1` });
    await w.do({ op: 'truncate', file: f });
    await w.lines(f, 'b', 0, 40);
    d.emitter.unblock();
    const expected = [...seqs('a', 0, 130), ...seqs('b', 0, 40)];
    await waitFor(
      () => d.records().length >= expected.length,
      () => `${d.records().length} lines`,
    );
    await w.lines(`${f}.1`, 'c', 0, 5); // a line appended to the copy later is read too
    expected.push(...seqs('c', 0, 5));
    await waitFor(() => d.records().length >= expected.length, 'the line appended to the copy');
    assertExactlyOnce(messages(d), expected);
  } finally {
    await d.shutdown();
  }
});

test('truncate in place: reading restarts at the head', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 't.log');
  fs.writeFileSync(f, '');
  const w = writer(t);
  const d = tail(noneConf(f));
  await d.start();
  try {
    await w.lines(f, 'a', 0, 50);
    await waitFor(() => d.records().length >= 50, 'first lines');
    await w.do({ op: 'truncate', file: f });
    await w.lines(f, 'b', 0, 5);
    await waitFor(() => d.records().length >= 55, 'lines after the truncation');
    // truncated and rewritten past the old position between two looks: still detected
    await w.do({ op: 'truncate', file: f });
    await w.lines(f, 'c', 0, 200);
    await waitFor(() => d.records().length >= 255, 'lines after the second truncation');
    assertExactlyOnce(messages(d), [...seqs('a', 0, 50), ...seqs('b', 0, 5), ...seqs('c', 0, 200)]);
    assert.equal(d.instance.statistics().truncated_file_count, 2);
  } finally {
    await d.shutdown();
  }
});

test('delete + recreate, and delete while open: read through the descriptor, closed after rotate_wait', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'd.log');
  fs.writeFileSync(f, '');
  const w = writer(t);
  const d = tail(noneConf(f));
  await d.start();
  const fdsOnDeleted = () =>
    fs.readdirSync('/proc/self/fd').filter((n) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${n}`) === `${f} (deleted)`;
      } catch {
        return false;
      }
    }).length;
  try {
    await w.lines(f, 'a', 0, 20);
    await waitFor(() => d.records().length >= 1, 'the file is open');
    await w.lines(f, 'a', 20, 20);
    await w.do({ op: 'unlink', file: f }); // possibly before the last lines were read
    await waitFor(() => d.records().length >= 40, 'lines of the deleted file');
    await waitFor(() => fdsOnDeleted() === 0, 'the deleted file closed (disk space freed)');
    await w.lines(f, 'b', 0, 10);
    await waitFor(() => d.records().length >= 50, 'lines of the recreated file');
    assertExactlyOnce(messages(d), [...seqs('a', 0, 40), ...seqs('b', 0, 10)]);
  } finally {
    await d.shutdown();
  }
});

test('Kubernetes layout: symlinked container logs, kubelet rotation behind the link, link retarget', async (t) => {
  const dir = tmpDir(t);
  const pods = path.join(dir, 'pods', 'ns_pod_uid', 'app');
  const containers = path.join(dir, 'containers');
  fs.mkdirSync(pods, { recursive: true });
  fs.mkdirSync(containers);
  const link = path.join(containers, 'pod_ns_app-0123.log');
  const w = writer(t);
  fs.writeFileSync(path.join(pods, '0.log'), '');
  await w.do({ op: 'symlink', target: path.join(pods, '0.log'), link });
  const d = tail(noneConf(path.join(containers, '*.log'), `pos_file ${dir}/pos\nrefresh_interval 0.2`));
  await d.start();
  try {
    await w.lines(path.join(pods, '0.log'), 'a', 0, 30);
    await waitFor(() => d.records().length >= 30, 'lines through the link');
    assert.equal(d.events()[0]!.tag, `t.${link.replace(/\//g, '.').replace(/^\./, '')}`);
    await w.lines(path.join(pods, '0.log'), 'a', 30, 10);
    await w.do({
      op: 'rename',
      from: path.join(pods, '0.log'),
      to: path.join(pods, '0.log.20240101-000000'),
    });
    await w.lines(path.join(pods, '0.log'), 'b', 0, 30);
    await waitFor(() => d.records().length >= 70, 'lines after kubelet rotation');
    await w.lines(path.join(pods, '1.log'), 'c', 0, 25);
    await w.do({ op: 'symlink', target: path.join(pods, '1.log'), link });
    await w.lines(path.join(pods, '1.log'), 'c', 25, 5);
    await waitFor(() => d.records().length >= 100, 'lines after the link moved');
    assertExactlyOnce(messages(d), [...seqs('a', 0, 40), ...seqs('b', 0, 30), ...seqs('c', 0, 30)]);
  } finally {
    await d.shutdown();
  }
});

test('inode reuse across a restart: the new file is read from its head, not from the old position', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'r.log');
  const conf = noneConf(f, `pos_file ${dir}/pos`);
  fs.writeFileSync(f, '');
  const d1 = tail(conf);
  await d1.start();
  fs.appendFileSync(f, `${seqs('a', 0, 20).join('\n')}\n`);
  await waitFor(() => d1.records().length >= 20, 'the first file');
  const oldIno = fs.statSync(f).ino;
  await d1.shutdown();
  fs.unlinkSync(f);
  fs.writeFileSync(f, `${seqs('b', 0, 40).join('\n')}\n`);
  const reused = fs.statSync(f).ino === oldIno;
  const d2 = tail(conf);
  await d2.run({ expectRecords: 40 });
  assert.deepEqual(messages(d2), seqs('b', 0, 40), `inode reused: ${reused}`);
});

test('multiline: firstline events, the last one flushed by multiline_flush_interval', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'm.log');
  fs.writeFileSync(f, '');
  const w = writer(t);
  const d = tail(
    `path ${f}\ntag m\nmultiline_flush_interval 0.5\n<parse>\n  @type multiline\n  format_firstline /^\\d+ /\n  format1 /^(?<n>\\d+) (?<msg>.*)/\n</parse>`,
  );
  await d.start();
  try {
    await w.do({ op: 'append', file: f, text: 'orphan\n1 first\n  more\n2 second\n  tail1\n  tail2\n' });
    await waitFor(() => d.records().length >= 1, 'the first event');
    const t0 = Date.now();
    await waitFor(() => d.records().length >= 2, 'the last event flushed on time', 5000);
    const waited = Date.now() - t0;
    assert.deepEqual(d.records(), [
      { n: '1', msg: 'first\n  more' },
      { n: '2', msg: 'second\n  tail1\n  tail2' },
    ]);
    assert.ok(waited >= 300 && waited < 3000, `flushed after ${waited} ms`);
    assert.ok(d.logs().some((l) => l.includes('got incomplete line before first line')));
  } finally {
    await d.shutdown();
  }
});

test('multiline without format_firstline: lines join until the regexp matches', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'm2.log');
  fs.writeFileSync(f, 'BEGIN\nbody1\nEND\nBEGIN\nx\nEND\n');
  const d = tail(
    `path ${f}\ntag m\nread_from_head true\n<parse>\n  @type multiline\n  format1 /^BEGIN\\n(?<body>.*)\\nEND$/\n</parse>`,
  );
  await d.run({ expectRecords: 2 });
  assert.deepEqual(d.records(), [{ body: 'body1' }, { body: 'x' }]);
});

test('a Fluentd pos file is picked up as is (8-hex inodes, unwatched and garbage lines)', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'fl.log');
  fs.writeFileSync(f, 'seen1\nseen2\nnew1\n');
  const ino = fs.statSync(f).ino;
  const pos = path.join(dir, 'pos');
  fs.writeFileSync(
    pos,
    `${f}\t${(12).toString(16).padStart(16, '0')}\t${ino.toString(16).padStart(8, '0')}\n` +
      `/gone.log\tffffffffffffffff\t0000000000000001\n` +
      'garbage line\n',
  );
  // Fluentd wrote its positions after the log file was created (not in the same clock tick)
  const later = new Date(Date.now() + 2000);
  fs.utimesSync(pos, later, later);
  const d = tail(noneConf(f, `pos_file ${pos}`));
  await d.run({ expectRecords: 1 });
  assert.deepEqual(messages(d), ['new1']);
  assert.ok(d.logs().some((l) => l.includes('Unparsable line in pos_file: garbage line')));
  assert.deepEqual(posRows(pos), [[f, 17, ino]]);
});

test('multiline: the position stays at the first byte of a pending event', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'mp.log');
  const pos = path.join(dir, 'pos');
  fs.writeFileSync(f, '');
  const w = writer(t);
  const d = tail(
    `path ${f}\ntag m\npos_file ${pos}\n<parse>\n  @type multiline\n  format_firstline /^\\d+ /\n  format1 /^(?<n>\\d+) (?<msg>.*)/\n</parse>`,
  );
  await d.start();
  try {
    await w.do({ op: 'append', file: f, text: '1 first\n  more\n' });
    await waitFor(() => d.instance.statistics().lines_read === 2, 'two lines read');
    assert.equal(posRows(pos)[0]![1], 0, 'pinned at the pending event');
    await w.do({ op: 'append', file: f, text: '2 second\n' });
    await waitFor(() => d.records().length === 1, 'the first event');
    await waitFor(() => posRows(pos)[0]![1] === 15, 'the position at the second event');
  } finally {
    await d.shutdown();
  }
  // shutdown emits the pending event (as Fluentd does) and moves past it
  assert.deepEqual(
    d.records().map((r) => r.n),
    ['1', '2'],
  );
  assert.equal(posRows(pos)[0]![1], fs.statSync(f).size);
});
