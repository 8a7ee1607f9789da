// in_tail basics against real files: start position rules, tags, line handling, parsers,
// unmatched lines, positions only after durability, backpressure, emit failures.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BufferOverflowError } from '../../src/core/errors.js';
import { messages, noneConf, posRows, seqs, tail, tmpDir, Writer, waitFor } from './support/tail-helpers.js';

test('startup: existing files start at their end; read_from_head reads them; new files from the head', async (t) => {
  const dir = tmpDir(t);
  const a = path.join(dir, 'a.log');
  fs.writeFileSync(a, 'before1\nbefore2\n');
  const d = tail(noneConf(path.join(dir, '*.log'), `pos_file ${dir}/pos\nrefresh_interval 0.2`));
  await d.start();
  try {
    fs.appendFileSync(a, 'after\n');
    fs.writeFileSync(path.join(dir, 'b.log'), 'b-first\n');
    await waitFor(() => d.records().length >= 2, 'two lines');
    assert.deepEqual(messages(d).sort(), ['after', 'b-first']);
  } finally {
    await d.shutdown();
  }
  const h = tail(noneConf(path.join(dir, 'c.log'), 'read_from_head true'));
  fs.writeFileSync(path.join(dir, 'c.log'), 'c1\nc2\n');
  await h.run({ expectRecords: 2 });
  assert.deepEqual(messages(h), ['c1', 'c2']);
});

test('tag `*` is the path with / turned into .; path_key adds the path; batches are one stream', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'x.log');
  fs.writeFileSync(f, 'l1\nl2\nl3\n');
  const d = tail(
    `path ${f}\ntag pre.*.post\nread_from_head true\npath_key src\n<parse>\n  @type none\n</parse>`,
  );
  await d.run({ expectRecords: 3 });
  const tag = `pre.${f.replace(/\//g, '.').replace(/^\./, '')}.post`;
  assert.deepEqual(
    d.events().map((e) => [e.tag, e.record]),
    ['l1', 'l2', 'l3'].map((m) => [tag, { message: m, src: f }]),
  );
  assert.equal(d.emitCount(), 1);
});

test('a partial last line waits for its end; CRLF is stripped; a batch holds read_lines_limit lines', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'p.log');
  fs.writeFileSync(f, '');
  const w = new Writer();
  t.after(() => w.close());
  const d = tail(noneConf(f, 'read_from_head true\nread_lines_limit 3'));
  await d.start();
  try {
    await w.do({ op: 'append', file: f, text: 'one\r\ntwo\nthr' });
    await waitFor(() => d.records().length >= 2, 'two complete lines');
    await w.do({ op: 'append', file: f, text: 'ee\n' });
    await waitFor(() => d.records().length >= 3, 'the completed line');
    assert.deepEqual(messages(d), ['one', 'two', 'three']);
    d.clear();
    await w.lines(f, 'n', 0, 10);
    await waitFor(() => d.records().length >= 10, 'ten lines');
    assert.deepEqual(messages(d), seqs('n', 0, 10));
    assert.ok(d.emitCount() >= 4, `batches of at most 3 lines: ${d.emitCount()} emits`);
  } finally {
    await d.shutdown();
  }
});

test('regexp parser: unmatched lines warn, or are emitted with emit_unmatched_lines', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'r.log');
  fs.writeFileSync(f, 'k=1\ngarbage\nk=2\n');
  const conf = (extra: string) =>
    `path ${f}\ntag r\nread_from_head true\n${extra}\n<parse>\n  @type regexp\n  expression /^k=(?<k>\\d+)$/\n</parse>`;
  const d = tail(conf(''));
  await d.run({ expectRecords: 2 });
  assert.deepEqual(d.records(), [{ k: '1' }, { k: '2' }]);
  assert.ok(d.logs().some((l) => l.includes('pattern not matched: "garbage"')));
  const u = tail(conf('emit_unmatched_lines true'));
  await u.run({ expectRecords: 3 });
  assert.deepEqual(u.records(), [{ k: '1' }, { unmatched_line: 'garbage' }, { k: '2' }]);
});

test('flat `format` and json lines work (compat parameters)', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'j.log');
  fs.writeFileSync(f, '{"a":1,"time":"2020-01-02T03:04:05Z"}\n');
  const d = tail(`path ${f}\ntag j\nread_from_head true\nformat json\ntime_format %Y-%m-%dT%H:%M:%S%z`);
  await d.run({ expectRecords: 1 });
  assert.deepEqual(d.records(), [{ a: 1 }]);
  assert.equal(d.events()[0]!.sec, Date.UTC(2020, 0, 2, 3, 4, 5) / 1000);
});

test('the position moves only once the batch is durable', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'd.log');
  const pos = path.join(dir, 'pos');
  fs.writeFileSync(f, '');
  const d = tail(noneConf(f, `pos_file ${pos}`));
  let open!: () => void;
  d.emitter.durableGate = new Promise((r) => {
    open = r;
  });
  await d.start();
  try {
    fs.appendFileSync(f, 'x1\nx2\n');
    await waitFor(() => d.records().length === 2, 'the lines were emitted');
    assert.deepEqual(
      posRows(pos).map((r) => r[1]),
      [0],
    );
    open();
    await waitFor(() => posRows(pos)[0]![1] === 6, 'the position after durability');
  } finally {
    await d.shutdown();
  }
});

test('backpressure: reading pauses while the pipeline is full and resumes on drain; nothing is skipped', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'b.log');
  fs.writeFileSync(f, '');
  const w = new Writer();
  t.after(() => w.close());
  const d = tail(noneConf(f, 'read_lines_limit 10'));
  await d.start();
  try {
    // the pipeline fills up after the first batch
    const unsubscribe = d.store.subscribe(() => d.emitter.block());
    await w.lines(f, 'b', 0, 500);
    await waitFor(() => d.instance.statistics().backpressure_pauses! >= 1, 'a pause');
    unsubscribe();
    const seen = d.records().length;
    assert.ok(seen > 0 && seen < 500, `reading stopped while blocked (${seen} lines)`);
    await w.lines(f, 'b', 500, 10);
    d.emitter.unblock();
    await waitFor(() => d.records().length >= 510, 'the rest after drain');
    assert.deepEqual(messages(d), seqs('b', 0, 510));
  } finally {
    await d.shutdown();
  }
});

test('a refused batch (buffer overflow) is sent again, not skipped', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'o.log');
  const pos = path.join(dir, 'pos');
  fs.writeFileSync(f, '');
  const d = tail(noneConf(f, `pos_file ${pos}`));
  await d.start();
  try {
    d.emitter.fail(new BufferOverflowError('buffer space has too many data'));
    fs.appendFileSync(f, 'o1\no2\n');
    await waitFor(() => d.instance.statistics().emit_retries! >= 1, 'a retry');
    assert.equal(posRows(pos)[0]![1], 0);
    d.emitter.fail(undefined);
    await waitFor(() => d.records().length >= 2, 'the batch after recovery');
    assert.deepEqual(messages(d), ['o1', 'o2']);
    await waitFor(() => posRows(pos)[0]![1] === 6, 'the position');
  } finally {
    await d.shutdown();
  }
});

test('long lines are skipped (counted) or truncated; memory stays bounded', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'l.log');
  const long = 'y'.repeat(300_000);
  fs.writeFileSync(f, `short1\n${long}\nshort2\nabcdefghij-rest\n`);
  const skip = tail(noneConf(f, 'read_from_head true\nmax_line_size 1000'));
  await skip.run({ expectRecords: 3 });
  assert.deepEqual(messages(skip), ['short1', 'short2', 'abcdefghij-rest']);
  assert.equal(skip.instance.statistics().long_lines, 1);
  const trunc = tail(noneConf(f, 'read_from_head true\nmax_line_size 10\nlong_line_action truncate'));
  await trunc.run({ expectRecords: 4 });
  assert.deepEqual(messages(trunc), ['short1', 'yyyyyyyyyy', 'short2', 'abcdefghij']);
});

test('a long line growing across many reads is skipped once it ends', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'g.log');
  fs.writeFileSync(f, '');
  const w = new Writer();
  t.after(() => w.close());
  const d = tail(noneConf(f, 'max_line_size 100k'));
  await d.start();
  try {
    for (let i = 0; i < 5; i++) {
      await w.do({ op: 'append', file: f, text: 'z'.repeat(60_000) });
      await waitFor(() => d.instance.statistics().bytes_read! >= (i + 1) * 60_000, 'the chunk was read');
    }
    await w.do({ op: 'append', file: f, text: '\nafter\n' });
    await waitFor(() => d.records().length >= 1, 'the next line');
    assert.deepEqual(messages(d), ['after']);
    assert.equal(d.instance.statistics().long_lines, 1);
  } finally {
    await d.shutdown();
  }
});

test('encoding: from_encoding converts, ASCII-8BIT keeps bytes; bad names are config errors', async (t) => {
  const dir = tmpDir(t);
  const f = path.join(dir, 'e.log');
  fs.writeFileSync(f, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])); // "café" in latin1
  const d = tail(noneConf(f, 'read_from_head true\nencoding utf-8\nfrom_encoding ISO-8859-1'));
  await d.run({ expectRecords: 1 });
  assert.deepEqual(messages(d), ['café']);
  assert.throws(() => tail(noneConf(f, 'encoding nope-8')), /unknown encoding name - nope-8/);
  assert.throws(() => tail(noneConf(f, 'from_encoding utf-8')), /must be specified with 'encoding'/);
});

test('config errors follow Fluentd', () => {
  const base = '<parse>\n  @type none\n</parse>';
  assert.throws(() => tail(`path /x\ntag t`), /<parse> section is required/);
  assert.throws(
    () => tail(`path /x\ntag t\nenable_watch_timer false\nenable_stat_watcher false\n${base}`),
    /either of enable_watch_timer or enable_stat_watcher must be true/,
  );
  assert.throws(() => tail(`path /x\ntag t\npath_delimiter /\n${base}`), /reserved words/);
  assert.throws(() => tail(`path /x\ntag t\nfollow_inodes true\n${base}`), /Can't follow inodes/);
  assert.throws(
    () => tail(`path /x\ntag t\nglob_policy always\n${base}`),
    /cannot use glob_policy as always/,
  );
  assert.throws(
    () => tail(`path /x\ntag t\nread_bytes_limit_per_second 100000\nenable_watch_timer false\n${base}`),
    /Need to enable watch timer/,
  );
});
