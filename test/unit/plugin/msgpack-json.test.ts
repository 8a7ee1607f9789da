// Differential test of the msgpack → Ruby-JSON transcoder: for thousands of generated records
// (random nesting, unicode, control chars, invalid UTF-8, BOMs, big ints, floats, bin, ext,
// awkward keys) its text must equal rubyJson(decode(bytes)) byte for byte. The records are
// written by a small encoder here (not msgpackr's), so bytes msgpackr never writes — str with
// invalid UTF-8, float32, duplicate keys, every int width — are covered too.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStream } from '../../../src/core/event-stream.js';
import { decodeMultiple, encode } from '../../../src/core/msgpack.js';
import { formatBatch, formatStream, makeFormatter } from '../../../src/plugin/formatter.js';
import { packedJsonLines, transcodeStats } from '../../../src/plugin/msgpack-json.js';
import { rubyJson } from '../../../src/plugins/support/ruby-text.js';
import { rng } from '../../helpers/rng.js';

class Enc {
  parts: number[] = [];
  byte(...b: number[]): void {
    for (const x of b) this.parts.push(x & 0xff);
  }
  /** A type byte followed by an n-byte big-endian number. */
  head(type: number, v: bigint, n: number): void {
    this.byte(type);
    this.be(v, n);
  }
  be(v: bigint, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.parts.push(Number((v >> BigInt(i * 8)) & 0xffn));
  }
  raw(b: Uint8Array): void {
    for (const x of b) this.parts.push(x);
  }
  strHeader(len: number, bin: boolean, r: () => number): void {
    if (bin) {
      if (len < 256 && r() < 0.7) this.byte(0xc4, len);
      else if (len < 65536 && r() < 0.7) this.head(0xc5, BigInt(len), 2);
      else this.head(0xc6, BigInt(len), 4);
    } else if (len < 32 && r() < 0.8) this.byte(0xa0 | len);
    else if (len < 256 && r() < 0.7) this.byte(0xd9, len);
    else if (len < 65536 && r() < 0.7) this.head(0xda, BigInt(len), 2);
    else this.head(0xdb, BigInt(len), 4);
  }
  str(b: Uint8Array, bin: boolean, r: () => number): void {
    this.strHeader(b.length, bin, r);
    this.raw(b);
  }
  bytes(): Buffer {
    return Buffer.from(this.parts);
  }
}

const PIECES = [
  'a',
  'host',
  'é',
  'ü',
  '日本語',
  '😀',
  '\u2028',
  '\u2029',
  '"',
  '\\',
  '/',
  '</script>',
  '\x7f',
  ' ',
  '#{x}',
  '\uffff',
  '\ufeff',
];

/** Bytes of a random string: UTF-8 text with control chars, sometimes invalid bytes. */
function strBytes(r: () => number, allowInvalid: boolean): Buffer {
  const n = Math.floor(r() * r() * 90);
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.1) out.push(Buffer.from([Math.floor(r() * 32)]));
    else if (k < 0.5) out.push(Buffer.from(String.fromCharCode(32 + Math.floor(r() * 95))));
    else if (k < 0.85) out.push(Buffer.from(PIECES[Math.floor(r() * PIECES.length)]!));
    else if (k < 0.9 && allowInvalid) {
      const bad = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]];
      out.push(Buffer.from(bad[Math.floor(r() * bad.length)]!));
    } else if (k < 0.92 && allowInvalid && i === 0) out.push(Buffer.from([0xef, 0xbb, 0xbf]));
    else out.push(Buffer.from(String.fromCodePoint(Math.floor(r() * 0x10ffff) & ~0x800)));
  }
  return Buffer.concat(out);
}

/** Whether the record being generated may hold what the transcoder gives up on (30 %). */
let awkward = true;

const KEYS = ['host', 'path', 'code', 'a', 'b', 'x y', '0', '12', '__proto__', '__proto_', 'ключ', ''];

function key(e: Enc, r: () => number, used: string[]): void {
  const k = r();
  let s: string;
  if (k < 0.03 && used.length > 0 && awkward) s = used[Math.floor(r() * used.length)]!;
  else if (k < 0.5) s = KEYS[Math.floor(r() * (awkward ? KEYS.length : 6))]!;
  else s = `k${Math.floor(r() * 1e6)}`;
  if (!awkward && used.includes(s)) s = `u${used.length}`;
  if (k > 0.995 && awkward) {
    e.byte(0x01); // an int key: the transcoder gives up, the fallback decodes
    return;
  }
  used.push(s);
  e.str(Buffer.from(s), false, r);
}

function value(e: Enc, r: () => number, depth: number): void {
  const k = r();
  if (depth < 5 && k < 0.12) {
    const n = Math.floor(r() * 6);
    if (n < 16 && r() < 0.8) e.byte(0x80 | n);
    else e.head(0xde, BigInt(n), 2);
    const used: string[] = [];
    for (let i = 0; i < n; i++) {
      key(e, r, used);
      value(e, r, depth + 1);
    }
    return;
  }
  if (depth < 5 && k < 0.2) {
    const n = Math.floor(r() * 6);
    if (r() < 0.8) e.byte(0x90 | n);
    else e.head(0xdc, BigInt(n), 2);
    for (let i = 0; i < n; i++) value(e, r, depth + 1);
    return;
  }
  if (k < 0.45) {
    e.str(strBytes(r, awkward), false, r);
    return;
  }
  if (k < 0.5) {
    e.str(strBytes(r, awkward), true, r);
    return;
  }
  if (k < 0.53) {
    e.byte([0xc0, 0xc2, 0xc3][Math.floor(r() * 3)]!);
    return;
  }
  if (k < 0.7) {
    const w = Math.floor(r() * 10);
    const big = BigInt(Math.floor(r() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(r() * 2 ** 32));
    switch (w) {
      case 0:
        e.byte(Math.floor(r() * 128));
        return;
      case 1:
        e.byte(0xe0 | Math.floor(r() * 32));
        return;
      case 2:
        e.byte(0xcc, Math.floor(r() * 256));
        return;
      case 3:
        e.head(0xcd, BigInt(Math.floor(r() * 65536)), 2);
        return;
      case 4:
        e.head(0xce, BigInt(Math.floor(r() * 2 ** 32)), 4);
        return;
      case 5:
        e.head(0xcf, r() < 0.3 ? 2n ** 53n + BigInt(Math.floor(r() * 3)) - 1n : big, 8);
        return;
      case 6:
        e.byte(0xd0, Math.floor(r() * 256));
        return;
      case 7:
        e.head(0xd1, BigInt(Math.floor(r() * 65536)), 2);
        return;
      case 8:
        e.head(0xd2, BigInt(Math.floor(r() * 2 ** 32)), 4);
        return;
      default:
        e.head(0xd3, r() < 0.3 ? (1n << 64n) - 2n ** 53n - 1n : big, 8);
        return;
    }
  }
  if (k < 0.85) {
    const specials = [
      0,
      -0,
      1,
      3.0,
      1.5,
      1e-5,
      1e-4,
      1.5e16,
      1e16,
      1e21,
      1e22,
      -2.5e-300,
      0.1,
      NaN,
      Infinity,
      -Infinity,
      123456789.125,
    ];
    const v =
      r() < 0.4
        ? specials[Math.floor(r() * specials.length)]!
        : (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    const b = Buffer.alloc(9);
    if (r() < 0.3) {
      b[0] = 0xca;
      b.writeFloatBE(v, 1);
      e.raw(b.subarray(0, 5));
      return;
    }
    b[0] = 0xcb;
    b.writeDoubleBE(v, 1);
    e.raw(b);
    return;
  }
  if (k < 0.9) {
    // EventTime inside a record (fixext8 or ext8), or a timestamp ext (-1)
    if (r() < 0.7) e.byte(0xd7, 0x00);
    else if (r() < 0.5) e.byte(0xc7, 8, 0x00);
    else {
      e.byte(0xd6, 0xff);
      e.be(BigInt(Math.floor(r() * 2 ** 31)), 4);
      return;
    }
    e.be(BigInt(Math.floor(r() * 2 ** 32)), 4);
    e.be(BigInt(Math.floor(r() * 1e9)), 4);
    return;
  }
  // a plain short str: the common case
  e.str(Buffer.from(`v${Math.floor(r() * 1e6)}`), false, r);
}

/** A record map of random shape. */
function record(r: () => number): Buffer {
  awkward = r() < 0.3;
  const e = new Enc();
  const n = Math.floor(r() * 9);
  if (r() < 0.9) e.byte(0x80 | n);
  else e.head(0xdf, BigInt(n), 4);
  const used: string[] = [];
  for (let i = 0; i < n; i++) {
    key(e, r, used);
    value(e, r, 1);
  }
  return e.bytes();
}

function entry(sec: number, nsec: number, rec: Buffer, ext8: boolean): Buffer {
  const t = Buffer.alloc(ext8 ? 12 : 11);
  let p = 0;
  t[p++] = 0x92;
  if (ext8) {
    t[p++] = 0xc7;
    t[p++] = 8;
  } else t[p++] = 0xd7;
  t[p++] = 0;
  t.writeUInt32BE(sec, p);
  t.writeUInt32BE(nsec, p + 4);
  return Buffer.concat([t, rec]);
}

test('transcoded records equal rubyJson(decode(bytes)) for 5,000 generated records', () => {
  const r = rng(9);
  const recs: Buffer[] = [];
  for (let i = 0; i < 5000; i++) recs.push(record(r));
  const packed = Buffer.concat(recs.map((b, i) => entry(1700000000 + (i >> 7), i, b, i % 3 === 0)));
  const before = transcodeStats.fallbacks;
  const got = packedJsonLines(packed, undefined, true);
  assert.ok(got);
  const fellBack = transcodeStats.fallbacks - before;
  assert.ok(
    fellBack > 0 && fellBack < 2000,
    `the transcoder wrote most records itself (${fellBack} fell back)`,
  );
  const lines = got.toString('utf8');
  const want = recs.map((b) => `${rubyJson(decodeMultiple(b)[0])}\n`).join('');
  if (lines !== want) {
    // name the first differing record
    const gl = lines.split('\n');
    const wl = want.split('\n');
    for (let i = 0; i < wl.length; i++) {
      assert.equal(gl[i], wl[i], `record ${i}: ${recs[i]!.toString('hex')}`);
    }
  }
  assert.equal(Buffer.compare(got, Buffer.from(want, 'utf8')), 0);
});

test('one record at a time: each generated value alone', () => {
  const r = rng(77);
  for (let i = 0; i < 3000; i++) {
    const rec = record(r);
    const got = packedJsonLines(entry(1, 2, rec, false), undefined, false);
    assert.ok(got);
    assert.equal(got.toString('utf8'), rubyJson(decodeMultiple(rec)[0]), rec.toString('hex'));
  }
});

test('out_file and json formats of a lazy stream equal the decoded path', () => {
  const r = rng(5);
  const n = 2000;
  const recs: Buffer[] = [];
  for (let i = 0; i < n; i++) recs.push(record(r));
  const secs = recs.map((_, i) => 1700000000 + Math.floor(i / 300));
  const nsecs = recs.map((_, i) => i * 1000);
  const packed = Buffer.concat(recs.map((b, i) => entry(secs[i]!, nsecs[i]!, b, false)));
  const decoded = decodeMultiple(packed).map((e) => (e as [unknown, Record<string, unknown>])[1]);
  const confs = [
    undefined,
    { '@type': 'out_file', utc: true },
    { '@type': 'out_file', output_time: false, delimiter: 'COMMA' },
    { '@type': 'out_file', output_tag: false, time_format: '%s.%N' },
    { '@type': 'out_file', output_time: false, output_tag: false },
    { '@type': 'json' },
    { '@type': 'json', add_newline: false },
  ];
  for (const c of confs) {
    const f = makeFormatter(c as never);
    const lazy = EventStream.fromPacked(packed, n, secs, nsecs);
    const got = formatStream(f, undefined, 'app.tag', lazy);
    assert.ok(lazy.isLazy, 'the fast path must not decode the records');
    const want = formatBatch(f, undefined, 'app.tag', secs, nsecs, decoded);
    assert.equal(got.toString('utf8'), want.toString('utf8'), JSON.stringify(c));
    assert.equal(Buffer.compare(got, want), 0);
  }
});

test('a packed entry that is not [ext time, record] falls back to the decoded stream', () => {
  const packed = encode([1700000000, { a: 1 }]); // integer time: not the packed form
  const es = EventStream.fromPacked(packed, 1, [1700000000], [0]);
  assert.equal(packedJsonLines(packed, undefined, true), undefined);
  const f = makeFormatter({ '@type': 'json' } as never);
  assert.equal(formatStream(f, undefined, 't', es).toString(), '{"a":1}\n');
});

test('big records grow the output buffer', () => {
  const big = 'x'.repeat(300_000);
  const rec = encode({ big, q: '"\n' });
  const got = packedJsonLines(entry(1, 0, rec, false), undefined, true);
  assert.equal(got?.toString('utf8'), `${rubyJson({ big, q: '"\n' })}\n`);
});

test('records repeating the previous keys (the key cache) still check each key', () => {
  const r = rng(11);
  const variants = [
    ['host', 'path', 'code'],
    ['host', 'path', 'code', 'host'], // a repeat after the cached prefix
    ['host', 'path', '__proto__'],
    ['host', 'path', '7'],
    ['host', 'pat', 'code'],
    ['host', 'path', 'size'],
    ['host', 'path', 'code', 'size'],
    ['host', 'path', 'size', 'size'], // a repeat of a key the previous record had in that place
    ['host', 'path', 'code', 'hosu'],
    ['host', 'path', 'code', 'x\ny'],
    ['host', 'path'],
    ['host', 'path', 'code', 'ü'],
  ];
  // every ordered pair of variants, then a random run mostly of the first
  const order: string[][] = [];
  for (const a of variants) for (const b of variants) order.push(a, b);
  for (let i = 0; i < 2000; i++)
    order.push(r() < 0.7 ? variants[0]! : variants[Math.floor(r() * variants.length)]!);
  const recs: Buffer[] = [];
  for (const ks of order) {
    const e = new Enc();
    e.byte(0x80 | ks.length);
    for (const k of ks) {
      e.str(Buffer.from(k), false, r);
      if (r() < 0.05)
        e.str(Buffer.from([0xff]), false, r); // invalid UTF-8: this record falls back
      else value(e, r, 3);
    }
    recs.push(e.bytes());
  }
  const packed = Buffer.concat(recs.map((b, i) => entry(1, i, b, false)));
  const got = packedJsonLines(packed, undefined, true)?.toString('utf8').split('\n');
  assert.ok(got);
  recs.forEach((b, i) => {
    assert.equal(got[i], rubyJson(decodeMultiple(b)[0]), `record ${i}: ${b.toString('hex')}`);
  });
});
