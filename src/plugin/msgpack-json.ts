// msgpack → Ruby-JSON transcoder: writes the JSON text of packed records straight into one
// output Buffer, with no JS value per record or field (DESIGN.md §7.2). The text is, byte for
// byte, what `rubyJson(decode(bytes))` gives (support/ruby-text.ts); anything this walker does
// not reproduce exactly makes it give up on that record, and the caller formats that record
// the old way.
//
//   msgpack                          JSON written
//   nil / false / true               null / false / true
//   pos/neg fixint, (u)int8..64      decimal digits (64-bit exact: what BigInt prints)
//   float32 / float64                numberText: 3 (integral), 1.5, 1.0e-05, null (NaN/Inf)
//   str / bin (valid UTF-8)          "..." with JSON.stringify's escapes: \" \\ \b \t \n \f \r
//                                    and \u00XX (lowercase) for other C0 bytes; nothing else
//   array / map (str keys)           [a,b] / {"k":v}
//   ext 0 (EventTime), ext -1        that one value decoded and passed to rubyJson
//
// Gives up (returns -1) on: invalid UTF-8 or a leading BOM in a str/bin/key (decoders differ
// there), map keys that are not str, start with a digit (JS orders integer-like keys first),
// are `__proto__` (the decoder renames it) or repeat within a map (the last value wins in
// place of the first), other ext types, reserved bytes, nesting deeper than MAX_DEPTH.
//
// Output state is module-level (out, o) so the hot functions take no writer object; every
// write is preceded by ensure(). Not re-entrant: nothing here calls back into user code.

import { decode } from '../core/msgpack.js';
import { numberText, rubyJson } from '../plugins/support/ruby-text.js';

const MAX_DEPTH = 64;
const HEX = '0123456789abcdef';
/** Escapes for bytes < 0x20 (JSON.stringify's). */
const CTRL: Uint8Array[] = [];
for (let c = 0; c < 0x20; c++) {
  const s =
    c === 8
      ? '\\b'
      : c === 9
        ? '\\t'
        : c === 10
          ? '\\n'
          : c === 12
            ? '\\f'
            : c === 13
              ? '\\r'
              : `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
  CTRL.push(Buffer.from(s, 'latin1'));
}

let out: Buffer = Buffer.allocUnsafe(256 * 1024);
let o = 0;
let src: Buffer = out;
/** Key ranges (start, length) of the maps being walked, for the duplicate check. */
let keys = new Int32Array(512);
let keyTop = 0;

function ensure(n: number): void {
  if (o + n <= out.length) return;
  const next = Buffer.allocUnsafe(Math.max(out.length * 2, o + n));
  out.copy(next, 0, 0, o);
  out = next;
}

function writeAscii(s: string): void {
  ensure(s.length);
  o += out.write(s, o, 'latin1');
}

/** Appends a JS string as UTF-8 (prefixes, fallback records). */
export function writeText(s: string): void {
  ensure(s.length * 3);
  o += out.write(s, o, 'utf8');
}

/** Start of output for one batch: resets the writer. */
export function beginOutput(src0: Uint8Array): void {
  src = Buffer.isBuffer(src0) ? src0 : Buffer.from(src0.buffer, src0.byteOffset, src0.byteLength);
  o = 0;
  keyTop = 0;
}

export function outputPos(): number {
  return o;
}

export function rewindOutput(pos: number): void {
  o = pos;
}

export function writeByte(b: number): void {
  ensure(1);
  out[o++] = b;
}

/** Copy of the bytes written since beginOutput. */
export function takeOutput(): Buffer {
  const r = Buffer.allocUnsafe(o);
  out.copy(r, 0, 0, o);
  return r;
}

function writeUint(v: number): void {
  // v: a non-negative integer below 2^53
  if (v < 10) {
    ensure(1);
    out[o++] = 48 + v;
    return;
  }
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  ensure(digits);
  let q = o + digits;
  o = q;
  while (v >= 10) {
    const d = v % 10;
    out[--q] = 48 + d;
    v = (v - d) / 10;
  }
  out[--q] = 48 + v;
}

function writeInt(v: number): void {
  if (v < 0) {
    ensure(1);
    out[o++] = 45;
    writeUint(-v);
  } else writeUint(v);
}

/**
 * Writes src[p, end) as a JSON string body with quotes; -1 when the bytes are not valid UTF-8
 * or open with a BOM, else 0.
 */
function writeStr(p: number, end: number): number {
  if (end - p >= 3 && src[p] === 0xef && src[p + 1] === 0xbb && src[p + 2] === 0xbf) return -1;
  ensure((end - p) * 6 + 2);
  const s = src;
  const b = out;
  let q = o;
  b[q++] = 34;
  while (p < end) {
    const c = s[p]!;
    if (c < 0x80) {
      if (c >= 0x20 && c !== 34 && c !== 92) b[q++] = c;
      else if (c === 34 || c === 92) {
        b[q++] = 92;
        b[q++] = c;
      } else {
        const e = CTRL[c]!;
        for (let i = 0; i < e.length; i++) b[q++] = e[i]!;
      }
      p++;
      continue;
    }
    // multi-byte sequence: strict UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF)
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return -1;
    if (p + n >= end) return -1;
    const c1 = s[p + 1]!;
    if (c1 < lo || c1 > hi) return -1;
    for (let i = 2; i <= n; i++) {
      const ci = s[p + i]!;
      if (ci < 0x80 || ci > 0xbf) return -1;
    }
    for (let i = 0; i <= n; i++) b[q++] = s[p + i]!;
    p += n + 1;
  }
  b[q++] = 34;
  o = q;
  return 0;
}

function u16(p: number): number {
  return (src[p]! << 8) | src[p + 1]!;
}

function u32(p: number): number {
  return src[p]! * 0x1000000 + ((src[p + 1]! << 16) | (src[p + 2]! << 8) | src[p + 3]!);
}

/** One value decoded on its own and written through rubyJson (ext types). */
function writeDecoded(p: number, q: number): number {
  if (q > src.length) return -1;
  writeText(rubyJson(decode(src.subarray(p, q))));
  return q;
}

function writeExt(p: number, len: number, typeAt: number): number {
  const t = src[typeAt]!;
  if (t !== 0 && t !== 0xff) return -1;
  return writeDecoded(p, typeAt + 1 + len);
}

/** Writes the value at p; returns the position after it, or -1 (give up on this record). */
export function writeValue(p: number, end: number, depth: number): number {
  if (p >= end) return -1;
  const c = src[p]!;
  if (c <= 0x7f) {
    writeUint(c);
    return p + 1;
  }
  if (c >= 0xa0 && c <= 0xbf) {
    const q = p + 1 + (c & 0x1f);
    if (q > end || writeStr(p + 1, q) < 0) return -1;
    return q;
  }
  if (c >= 0xe0) {
    writeInt(c - 256);
    return p + 1;
  }
  if (c <= 0x8f) return writeMap(p + 1, end, c & 0x0f, depth);
  if (c <= 0x9f) return writeArray(p + 1, end, c & 0x0f, depth);
  switch (c) {
    case 0xc0:
      writeAscii('null');
      return p + 1;
    case 0xc2:
      writeAscii('false');
      return p + 1;
    case 0xc3:
      writeAscii('true');
      return p + 1;
    case 0xc4:
    case 0xd9: {
      if (p + 2 > end) return -1;
      const q = p + 2 + src[p + 1]!;
      if (q > end || writeStr(p + 2, q) < 0) return -1;
      return q;
    }
    case 0xc5:
    case 0xda: {
      if (p + 3 > end) return -1;
      const q = p + 3 + u16(p + 1);
      if (q > end || writeStr(p + 3, q) < 0) return -1;
      return q;
    }
    case 0xc6:
    case 0xdb: {
      if (p + 5 > end) return -1;
      const q = p + 5 + u32(p + 1);
      if (q > end || writeStr(p + 5, q) < 0) return -1;
      return q;
    }
    case 0xca:
      if (p + 5 > end) return -1;
      writeAscii(numberOrNull(src.readFloatBE(p + 1)));
      return p + 5;
    case 0xcb:
      if (p + 9 > end) return -1;
      writeAscii(numberOrNull(src.readDoubleBE(p + 1)));
      return p + 9;
    case 0xcc:
      if (p + 2 > end) return -1;
      writeUint(src[p + 1]!);
      return p + 2;
    case 0xcd:
      if (p + 3 > end) return -1;
      writeUint(u16(p + 1));
      return p + 3;
    case 0xce:
      if (p + 5 > end) return -1;
      writeUint(u32(p + 1));
      return p + 5;
    case 0xcf:
      if (p + 9 > end) return -1;
      writeAscii(src.readBigUInt64BE(p + 1).toString());
      return p + 9;
    case 0xd0:
      if (p + 2 > end) return -1;
      writeInt(src.readInt8(p + 1));
      return p + 2;
    case 0xd1:
      if (p + 3 > end) return -1;
      writeInt(src.readInt16BE(p + 1));
      return p + 3;
    case 0xd2:
      if (p + 5 > end) return -1;
      writeInt(src.readInt32BE(p + 1));
      return p + 5;
    case 0xd3:
      if (p + 9 > end) return -1;
      writeAscii(src.readBigInt64BE(p + 1).toString());
      return p + 9;
    case 0xd4:
      return writeExt(p, 1, p + 1);
    case 0xd5:
      return writeExt(p, 2, p + 1);
    case 0xd6:
      return writeExt(p, 4, p + 1);
    case 0xd7:
      return writeExt(p, 8, p + 1);
    case 0xd8:
      return writeExt(p, 16, p + 1);
    case 0xc7:
      if (p + 3 > end) return -1;
      return writeExt(p, src[p + 1]!, p + 2);
    case 0xc8:
      if (p + 4 > end) return -1;
      return writeExt(p, u16(p + 1), p + 3);
    case 0xc9:
      if (p + 6 > end) return -1;
      return writeExt(p, u32(p + 1), p + 5);
    case 0xdc:
      if (p + 3 > end) return -1;
      return writeArray(p + 3, end, u16(p + 1), depth);
    case 0xdd:
      if (p + 5 > end) return -1;
      return writeArray(p + 5, end, u32(p + 1), depth);
    case 0xde:
      if (p + 3 > end) return -1;
      return writeMap(p + 3, end, u16(p + 1), depth);
    case 0xdf:
      if (p + 5 > end) return -1;
      return writeMap(p + 5, end, u32(p + 1), depth);
    default:
      return -1;
  }
}

function numberOrNull(v: number): string {
  return Number.isFinite(v) ? numberText(v) : 'null';
}

function writeArray(p: number, end: number, n: number, depth: number): number {
  if (depth >= MAX_DEPTH || n > end - p) return -1;
  writeByte(91);
  for (let i = 0; i < n; i++) {
    if (i > 0) writeByte(44);
    p = writeValue(p, end, depth + 1);
    if (p < 0) return -1;
  }
  writeByte(93);
  return p;
}

function sameKey(a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (src[a + i] !== src[b + i]) return false;
  return true;
}

function writeMap(p: number, end: number, n: number, depth: number): number {
  if (depth >= MAX_DEPTH || n * 2 > end - p) return -1;
  const base = keyTop;
  if (base + n * 2 > keys.length) {
    if (n > 65536) return -1;
    const next = new Int32Array(Math.max(keys.length * 2, base + n * 2));
    next.set(keys);
    keys = next;
  }
  writeByte(123);
  for (let i = 0; i < n; i++) {
    if (i > 0) writeByte(44);
    // the key: a str that is neither integer-like, `__proto__`, nor a repeat
    const c = src[p]!;
    let ks: number;
    if (c >= 0xa0 && c <= 0xbf) ks = p + 1;
    else if (c === 0xd9 && p + 2 <= end) ks = p + 2;
    else if (c === 0xda && p + 3 <= end) ks = p + 3;
    else if (c === 0xdb && p + 5 <= end) ks = p + 5;
    else return -1;
    const klen = c <= 0xbf ? c & 0x1f : c === 0xd9 ? src[p + 1]! : c === 0xda ? u16(p + 1) : u32(p + 1);
    const ke = ks + klen;
    if (ke > end) return -1;
    if (klen > 0 && src[ks]! >= 48 && src[ks]! <= 57) return -1;
    if (klen === 9 && src.toString('latin1', ks, ke) === '__proto__') return -1;
    for (let j = base; j < keyTop; j += 2) {
      if (keys[j + 1] === klen && sameKey(keys[j]!, ks, klen)) return -1;
    }
    keys[keyTop++] = ks;
    keys[keyTop++] = klen;
    if (writeStr(ks, ke) < 0) return -1;
    writeByte(58);
    p = writeValue(ke, end, depth + 1);
    if (p < 0) return -1;
  }
  keyTop = base;
  writeByte(125);
  return p;
}

/** Position after the value at p (any msgpack type), or -1 when it runs past `end`. */
export function skipValue(p: number, end: number, depth = 0): number {
  if (p >= end || depth > MAX_DEPTH) return -1;
  const c = src[p]!;
  let q: number;
  let n = 0;
  let pairs = 0;
  if (c <= 0x7f || c >= 0xe0 || c === 0xc0 || c === 0xc1 || c === 0xc2 || c === 0xc3) return p + 1;
  if (c >= 0xa0 && c <= 0xbf) q = p + 1 + (c & 0x1f);
  else if (c <= 0x8f) {
    q = p + 1;
    n = c & 0x0f;
    pairs = 2;
  } else if (c <= 0x9f) {
    q = p + 1;
    n = c & 0x0f;
    pairs = 1;
  } else q = fixedSize(c, p, end);
  if (q < 0) return -1;
  if (c === 0xdc || c === 0xdd || c === 0xde || c === 0xdf) {
    n = c === 0xdc || c === 0xde ? u16(p + 1) : u32(p + 1);
    pairs = c >= 0xde ? 2 : 1;
  }
  for (let i = 0; i < n * pairs; i++) {
    q = skipValue(q, end, depth + 1);
    if (q < 0) return -1;
  }
  return q <= end ? q : -1;
}

/** For non-container-body types: the end of the value; for arrays/maps: the end of the header. */
function fixedSize(c: number, p: number, end: number): number {
  switch (c) {
    case 0xc4:
    case 0xd9:
      return p + 2 <= end ? p + 2 + src[p + 1]! : -1;
    case 0xc5:
    case 0xda:
      return p + 3 <= end ? p + 3 + u16(p + 1) : -1;
    case 0xc6:
    case 0xdb:
      return p + 5 <= end ? p + 5 + u32(p + 1) : -1;
    case 0xc7:
      return p + 3 <= end ? p + 3 + src[p + 1]! : -1;
    case 0xc8:
      return p + 4 <= end ? p + 4 + u16(p + 1) : -1;
    case 0xc9:
      return p + 6 <= end ? p + 6 + u32(p + 1) : -1;
    case 0xca:
      return p + 5;
    case 0xcb:
      return p + 9;
    case 0xcc:
    case 0xd0:
      return p + 2;
    case 0xcd:
    case 0xd1:
      return p + 3;
    case 0xce:
    case 0xd2:
      return p + 5;
    case 0xcf:
    case 0xd3:
      return p + 9;
    case 0xd4:
      return p + 3;
    case 0xd5:
      return p + 4;
    case 0xd6:
      return p + 6;
    case 0xd7:
      return p + 10;
    case 0xd8:
      return p + 18;
    case 0xdc:
    case 0xde:
      return p + 3 <= end ? p + 3 : -1;
    case 0xdd:
    case 0xdf:
      return p + 5 <= end ? p + 5 : -1;
    default:
      return -1;
  }
}

/** Records written by the rubyJson fallback since start (tests check the fast path ran). */
export const transcodeStats = { fallbacks: 0 };

/** Bytes written before each record: the time/tag columns (may be cached per second). */
export type LinePrefix = (sec: number, nsec: number) => Uint8Array;

/**
 * One text line per `[EventTime, record]` entry of `packed` (the EventStream packed form):
 * prefix(sec, nsec), the record's Ruby JSON, then LF when `newline`. A record the transcoder
 * gives up on is decoded alone and written by rubyJson. Returns undefined when an entry is
 * not `[ext-0 time, value]` or the bytes run out: the caller formats the decoded stream.
 */
export function packedJsonLines(
  packed: Uint8Array,
  prefix: LinePrefix | undefined,
  newline: boolean,
): Buffer | undefined {
  beginOutput(packed);
  const end = src.length;
  let p = 0;
  while (p < end) {
    if (src[p] !== 0x92 || p + 11 > end) return undefined;
    let t: number;
    if (src[p + 1] === 0xd7 && src[p + 2] === 0) t = p + 3;
    else if (src[p + 1] === 0xc7 && src[p + 2] === 8 && src[p + 3] === 0 && p + 12 <= end) t = p + 4;
    else return undefined;
    if (prefix) {
      const pre = prefix(u32(t), u32(t + 4));
      ensure(pre.length);
      for (let i = 0; i < pre.length; i++) out[o++] = pre[i]!;
    }
    p = t + 8;
    const start = o;
    keyTop = 0;
    let q = writeValue(p, end, 0);
    if (q < 0) {
      o = start;
      q = skipValue(p, end);
      if (q < 0) return undefined;
      transcodeStats.fallbacks++;
      writeText(rubyJson(decode(src.subarray(p, q))));
    }
    if (newline) writeByte(10);
    p = q;
  }
  return takeOutput();
}
