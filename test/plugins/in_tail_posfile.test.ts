// The position file (in_tail/pos-file.ts): Fluentd's format both ways, in-place updates that
// never straddle a page, atomic rewrites; and the line splitter (in_tail/line-buffer.ts).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BufferPool, LineBuffer } from '../../src/plugins/in_tail/line-buffer.js';
import { PositionFile, parsePosText } from '../../src/plugins/in_tail/pos-file.js';
import { tmpDir } from './support/tail-helpers.js';

const OPTS = { fileMode: 0o644, dirMode: 0o755 };

test('parses Fluentd lines: any hex width, unwatched dropped, garbage reported', () => {
  const bad: string[] = [];
  const rows = parsePosText(
    '/a\t00000000000000ff\t0000000000000010\n/b\t1A\t2b\n/c\tffffffffffffffff\t0000000000000001\nnope\n\n',
    (l) => bad.push(l),
  );
  assert.deepEqual(rows, [
    { path: '/a', pos: 255, ino: 16 },
    { path: '/b', pos: 26, ino: 43 },
  ]);
  assert.deepEqual(bad, ['nope']);
});

test('add, update in place, remove, relocate, rewrite: the file always reads back as the state', (t) => {
  const dir = tmpDir(t, 'posfile-');
  const file = path.join(dir, 'sub', 'tail.pos');
  const pf = PositionFile.open(file, OPTS);
  pf.rewrite([]);
  const a = pf.add('/var/log/a.log', 0, 1234);
  const b = pf.add('/var/log/b.log', 10, 99);
  pf.update(a, 0x1a2b);
  pf.update(b, 11, 100);
  assert.equal(
    fs.readFileSync(file, 'utf8'),
    '/var/log/a.log\t0000000000001a2b\t00000000000004d2\n/var/log/b.log\t000000000000000b\t0000000000000064\n',
  );
  pf.remove(a);
  const b2 = pf.relocate(b, '/var/log/b.log.1');
  assert.deepEqual(parsePosText(fs.readFileSync(file, 'utf8')), [
    { path: '/var/log/b.log.1', pos: 11, ino: 100 },
  ]);
  pf.rewrite([b2]);
  assert.equal(fs.readFileSync(file, 'utf8'), '/var/log/b.log.1\t000000000000000b\t0000000000000064\n');
  pf.update(b2, 12);
  pf.close();
  const again = PositionFile.open(file, OPTS);
  assert.deepEqual(again.loaded, [{ path: '/var/log/b.log.1', pos: 12, ino: 100 }]);
  assert.ok(!fs.existsSync(`${file}.tmp`));
});

test('no entry has its fields across a 4 KiB page (filler lines instead)', (t) => {
  const dir = tmpDir(t, 'posfile-');
  const file = path.join(dir, 'tail.pos');
  const pf = PositionFile.open(file, OPTS);
  pf.rewrite([]);
  const entries = [];
  for (let i = 0; i < 400; i++)
    entries.push(pf.add(`/var/log/pods/ns_pod-${i}/container/${'x'.repeat(i % 37)}.log`, i, i + 1));
  for (const e of entries) {
    assert.equal(Math.floor(e.offset / 4096), Math.floor((e.offset + 32) / 4096), `entry at ${e.offset}`);
    pf.update(e, e.pos + 1, e.ino + 1);
  }
  pf.close();
  const rows = parsePosText(fs.readFileSync(file, 'utf8'));
  assert.equal(rows.length, 400);
  for (const [i, r] of rows.entries()) assert.deepEqual([r.pos, r.ino], [i + 1, i + 2]);
  assert.ok(fs.readFileSync(file, 'utf8').includes('\n\n'), 'some filler lines were needed');
});

test('maybeCompact rewrites once unwatched lines dominate', (t) => {
  const dir = tmpDir(t, 'posfile-');
  const file = path.join(dir, 'tail.pos');
  const pf = PositionFile.open(file, OPTS);
  pf.rewrite([]);
  const keep = pf.add('/keep', 1, 1);
  for (let i = 0; i < 70; i++) pf.remove(pf.add(`/gone${i}`, 1, i + 2));
  assert.ok(pf.maybeCompact());
  assert.deepEqual(parsePosText(fs.readFileSync(file, 'utf8')), [{ path: '/keep', pos: 1, ino: 1 }]);
  pf.update(keep, 5);
  assert.deepEqual(parsePosText(fs.readFileSync(file, 'utf8')), [{ path: '/keep', pos: 5, ino: 1 }]);
  pf.close();
});

/** Feeds `chunks` through a LineBuffer the way a reader does; returns lines and offsets. */
function split(chunks: string[], max = 1 << 20, truncate = false, limit = 1000) {
  const lb = new LineBuffer(0, max, truncate);
  const pool = new BufferPool();
  const out: [string, number, boolean][] = [];
  for (const c of chunks) {
    const { buf, at } = lb.prepare(pool);
    const n = buf.write(c, at, 'latin1');
    lb.feed(n, limit, (b, s, e, start, tr) => out.push([b.toString('latin1', s, e), start, tr]));
    lb.release(pool);
  }
  return { out, lb };
}

test('line buffer: lines across reads keep exact offsets; the partial line waits', () => {
  const { out, lb } = split(['ab', 'c\nde', 'f\n\ng', 'h']);
  assert.deepEqual(out, [
    ['abc', 0, false],
    ['def', 4, false],
    ['', 8, false],
  ]);
  assert.equal(lb.consumed, 9);
  assert.equal(lb.readPos, 11);
  assert.equal(lb.carryBytes, 2);
});

test('line buffer: long lines are skipped or truncated; the limit rewinds to the last line', () => {
  const long = 'L'.repeat(50);
  assert.deepEqual(
    split(['ok\n', long.slice(0, 30), long.slice(30), '\nnext\n'], 10).out.map((x) => x[0]),
    ['ok', 'next'],
  );
  assert.deepEqual(
    split(['ok\n', long.slice(0, 30), long.slice(30), '\nnext\n'], 10, true).out.map((x) => [x[0], x[2]]),
    [
      ['ok', false],
      ['LLLLLLLLLL', true],
      ['next', false],
    ],
  );
  const { out, lb } = split(['a\nb\nc\nd\n'], 100, false, 2);
  assert.deepEqual(
    out.map((x) => x[0]),
    ['a', 'b'],
  );
  assert.equal(lb.readPos, 4);
  assert.equal(lb.consumed, 4);
});
