// The stream framers behind in_tcp and in_syslog: delimiter and octet-count framing, fed in
// every possible split, with the message-length bounds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DelimiterFramer,
  type DropReason,
  FramingError,
  OctetCountFramer,
} from '../../src/helpers/socket-framing.js';

function collect(make: (onMsg: (m: Buffer) => void, onDrop: (r: DropReason, n: number) => void) => unknown) {
  const msgs: string[] = [];
  const drops: [DropReason, number][] = [];
  const f = make(
    (m) => msgs.push(m.toString('utf8')),
    (r, n) => drops.push([r, n]),
  ) as { push(b: Buffer): void; pending: number };
  return { f, msgs, drops };
}

/** Feed `input` cut at every pair of positions and check the same messages come out. */
function everySplit(input: string, make: Parameters<typeof collect>[0], want: string[]) {
  const b = Buffer.from(input);
  for (let i = 0; i <= b.length; i++) {
    for (let j = i; j <= b.length; j++) {
      const { f, msgs } = collect(make);
      f.push(b.subarray(0, i));
      f.push(b.subarray(i, j));
      f.push(b.subarray(j));
      assert.deepEqual(msgs, want, `split at ${i},${j}`);
    }
  }
}

test('delimiter framing: newline, any split, delimiter not included, empty messages kept', () => {
  everySplit('a\nbc\n\ndé\nrest', (m, d) => new DelimiterFramer('\n', 100, m, d), ['a', 'bc', '', 'dé']);
});

test('delimiter framing: a multi-byte delimiter straddling reads', () => {
  everySplit('one<EOL>two<EOL><EO<EOL>x', (m, d) => new DelimiterFramer('<EOL>', 100, m, d), [
    'one',
    'two',
    '<EO',
  ]);
  everySplit('a\r\nb\r\n', (m, d) => new DelimiterFramer('\r\n', 100, m, d), ['a', 'b']);
});

test('delimiter framing: a message over the limit is dropped, the next one is kept', () => {
  const { f, msgs, drops } = collect((m, d) => new DelimiterFramer('\n', 5, m, d));
  f.push(Buffer.from('12345\n123456\nok\n'));
  assert.deepEqual(msgs, ['12345', 'ok']);
  assert.deepEqual(drops, [['oversized', 6]]);
});

test('delimiter framing: a partial message past the limit is discarded up to the next delimiter', () => {
  const { f, msgs, drops } = collect((m, d) => new DelimiterFramer('\n', 8, m, d));
  f.push(Buffer.from('first\nabcdefghij'));
  assert.deepEqual(drops, [['discarded', 10]]);
  assert.equal(f.pending, 0);
  for (let i = 0; i < 100; i++) f.push(Buffer.alloc(1000, 0x78));
  assert.equal(f.pending, 0, 'nothing held while discarding');
  assert.equal(drops.length, 1, 'reported once');
  f.push(Buffer.from('tail\nnext\n'));
  assert.deepEqual(msgs, ['first', 'next']);
});

test('delimiter framing: the held part never exceeds limit + one read', () => {
  const { f, drops } = collect((m, d) => new DelimiterFramer('\n', 1000, m, d));
  for (let i = 0; i < 50; i++) {
    f.push(Buffer.alloc(300, 0x61));
    assert.ok(f.pending <= 1000);
  }
  assert.equal(drops.length, 1);
});

test('octet counting: frames in any split, stray newlines between frames', () => {
  everySplit('5 hello3 abc\n2 hi0 3 a\nb', (m, d) => new OctetCountFramer(100, m, d), [
    'hello',
    'abc',
    'hi',
    '',
    'a\nb',
  ]);
});

test('octet counting: lengths are bytes, not characters', () => {
  const { f, msgs } = collect((m, d) => new OctetCountFramer(100, m, d));
  f.push(Buffer.from('3 é!6 héllo'));
  assert.deepEqual(msgs, ['é!', 'héllo']);
  assert.equal(f.pending, 0);
});

test('octet counting: an oversized frame is skipped byte-exactly without buffering it', () => {
  const { f, msgs, drops } = collect((m, d) => new OctetCountFramer(10, m, d));
  f.push(Buffer.from('100000 '));
  for (let i = 0; i < 100; i++) {
    f.push(Buffer.alloc(1000, 0x7a));
    assert.equal(f.pending, 0);
  }
  f.push(Buffer.from('2 ok'));
  assert.deepEqual(drops, [['oversized', 100000]]);
  assert.deepEqual(msgs, ['ok']);
});

test('octet counting: a length that is not a number is a framing error', () => {
  const { f } = collect((m, d) => new OctetCountFramer(10, m, d));
  assert.throws(() => f.push(Buffer.from('<13>hello\n')), FramingError);
  const { f: g } = collect((m, d) => new OctetCountFramer(10, m, d));
  assert.throws(() => g.push(Buffer.from('123456789012345 x')), FramingError);
});
