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
// The walker is one Transcoder object (fields, not module variables: V8 reads those fastest);
// not re-entrant, and nothing in it calls back into user code.

import { decode } from '../core/msgpack.js';
import { numberText, rubyJson } from '../plugins/support/ruby-text.js';

const MAX_DEPTH = 64;
const KEY_CACHE = 64;
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
/** Per byte: 0 copy as is, 1 escape (C0, `"`, `\\`), 2 starts a multi-byte sequence, 3 invalid. */
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  CLASS[c] = c < 0x20 || c === 34 || c === 92 ? 1 : c < 0x80 ? 0 : c >= 0xc2 && c <= 0xf4 ? 2 : 3;
}
const EMPTY = Buffer.alloc(0);

/** Records written by the rubyJson fallback since start (tests check the fast path ran). */
export const transcodeStats = { fallbacks: 0 };

/** Bytes written before each record: the time/tag columns (may be cached per second). */
export type LinePrefix = (sec: number, nsec: number) => Uint8Array;

class Transcoder {
  src: Buffer = EMPTY;
  out: Buffer = EMPTY;
  o = 0;
  /** Key ranges (start, length) of the maps being walked, for the duplicate check. */
  keys = new Int32Array(512);
  keyTop = 0;
  /**
   * The previous record's top-level keys: (src start, length, out start, out length) each, the
   * out range being its written `"key":`. A record whose keys repeat the previous record's
   * (the usual stream) copies that text and skips the key checks.
   */
  kc = new Int32Array(4 * KEY_CACHE);
  kcCount = 0;
  /** Output bytes per input byte of the last batch: sizes the next output buffer. */
  ratio = 2;

  ensure(n: number): void {
    if (this.o + n <= this.out.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.o + n));
    this.out.copy(next, 0, 0, this.o);
    this.out = next;
  }

  writeAscii(s: string): void {
    this.ensure(s.length);
    this.o += this.out.write(s, this.o, 'latin1');
  }

  writeText(s: string): void {
    this.ensure(s.length * 3);
    this.o += this.out.write(s, this.o, 'utf8');
  }

  writeByte(b: number): void {
    if (this.o >= this.out.length) this.ensure(1);
    this.out[this.o++] = b;
  }

  u16(p: number): number {
    return (this.src[p]! << 8) | this.src[p + 1]!;
  }

  u32(p: number): number {
    const s = this.src;
    return s[p]! * 0x1000000 + ((s[p + 1]! << 16) | (s[p + 2]! << 8) | s[p + 3]!);
  }

  writeUint(v: number): void {
    // v: a non-negative integer below 2^53
    this.ensure(16);
    const b = this.out;
    if (v < 10) {
      b[this.o++] = 48 + v;
      return;
    }
    if (v < 0x80000000) {
      const digits = v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : 10;
      if (digits < 10) {
        let q = this.o + digits;
        this.o = q;
        while (v >= 10) {
          const d = (v / 10) | 0;
          b[--q] = 48 + v - d * 10;
          v = d;
        }
        b[--q] = 48 + v;
        return;
      }
    }
    this.writeAscii(String(v));
  }

  writeInt(v: number): void {
    if (v < 0) {
      this.writeByte(45);
      this.writeUint(-v);
    } else this.writeUint(v);
  }

  /**
   * Writes src[p, end) as a quoted JSON string; -1 when the bytes are not valid UTF-8 (no
   * overlongs, surrogates or code points past U+10FFFF) or open with a BOM, else 0.
   */
  writeStr(p: number, end: number): number {
    const s = this.src;
    if (end - p >= 3 && s[p] === 0xef && s[p + 1] === 0xbb && s[p + 2] === 0xbf) return -1;
    this.ensure((end - p) * 6 + 2);
    const b = this.out;
    let q = this.o;
    b[q++] = 34;
    while (p < end) {
      const c = s[p]!;
      const k = CLASS[c]!;
      if (k === 0) {
        b[q++] = c;
        p++;
        continue;
      }
      if (k === 1) {
        if (c === 34 || c === 92) {
          b[q++] = 92;
          b[q++] = c;
        } else {
          const e = CTRL[c]!;
          for (let i = 0; i < e.length; i++) b[q++] = e[i]!;
        }
        p++;
        continue;
      }
      if (k === 3) return -1;
      let n: number;
      let lo = 0x80;
      let hi = 0xbf;
      if (c <= 0xdf) n = 1;
      else if (c <= 0xef) {
        n = 2;
        if (c === 0xe0) lo = 0xa0;
        else if (c === 0xed) hi = 0x9f;
      } else {
        n = 3;
        if (c === 0xf0) lo = 0x90;
        else if (c === 0xf4) hi = 0x8f;
      }
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
    this.o = q;
    return 0;
  }

  /** One value decoded on its own and written through rubyJson (ext 0 and -1 only). */
  writeExt(p: number, len: number, typeAt: number, end: number): number {
    const t = this.src[typeAt]!;
    const q = typeAt + 1 + len;
    if ((t !== 0 && t !== 0xff) || q > end) return -1;
    this.writeText(rubyJson(decode(this.src.subarray(p, q))));
    return q;
  }

  writeNumber(v: number): void {
    this.writeAscii(Number.isFinite(v) ? numberText(v) : 'null');
  }

  /** Writes the value at p; returns the position after it, or -1 (give up on this record). */
  writeValue(p: number, end: number, depth: number): number {
    if (p >= end) return -1;
    const s = this.src;
    const c = s[p]!;
    if (c <= 0x7f) {
      this.writeUint(c);
      return p + 1;
    }
    if (c >= 0xa0 && c <= 0xbf) {
      const q = p + 1 + (c & 0x1f);
      if (q > end || this.writeStr(p + 1, q) < 0) return -1;
      return q;
    }
    if (c >= 0xe0) {
      this.writeInt(c - 256);
      return p + 1;
    }
    if (c <= 0x8f) return this.writeMap(p + 1, end, c & 0x0f, depth);
    if (c <= 0x9f) return this.writeArray(p + 1, end, c & 0x0f, depth);
    switch (c) {
      case 0xc0:
        this.writeAscii('null');
        return p + 1;
      case 0xc2:
        this.writeAscii('false');
        return p + 1;
      case 0xc3:
        this.writeAscii('true');
        return p + 1;
      case 0xc4:
      case 0xd9: {
        if (p + 2 > end) return -1;
        const q = p + 2 + s[p + 1]!;
        if (q > end || this.writeStr(p + 2, q) < 0) return -1;
        return q;
      }
      case 0xc5:
      case 0xda: {
        if (p + 3 > end) return -1;
        const q = p + 3 + this.u16(p + 1);
        if (q > end || this.writeStr(p + 3, q) < 0) return -1;
        return q;
      }
      case 0xc6:
      case 0xdb: {
        if (p + 5 > end) return -1;
        const q = p + 5 + this.u32(p + 1);
        if (q > end || this.writeStr(p + 5, q) < 0) return -1;
        return q;
      }
      case 0xca:
        if (p + 5 > end) return -1;
        this.writeNumber(s.readFloatBE(p + 1));
        return p + 5;
      case 0xcb:
        if (p + 9 > end) return -1;
        this.writeNumber(s.readDoubleBE(p + 1));
        return p + 9;
      case 0xcc:
        if (p + 2 > end) return -1;
        this.writeUint(s[p + 1]!);
        return p + 2;
      case 0xcd:
        if (p + 3 > end) return -1;
        this.writeUint(this.u16(p + 1));
        return p + 3;
      case 0xce:
        if (p + 5 > end) return -1;
        this.writeUint(this.u32(p + 1));
        return p + 5;
      case 0xcf:
        if (p + 9 > end) return -1;
        this.writeAscii(s.readBigUInt64BE(p + 1).toString());
        return p + 9;
      case 0xd0:
        if (p + 2 > end) return -1;
        this.writeInt(s.readInt8(p + 1));
        return p + 2;
      case 0xd1:
        if (p + 3 > end) return -1;
        this.writeInt(s.readInt16BE(p + 1));
        return p + 3;
      case 0xd2:
        if (p + 5 > end) return -1;
        this.writeInt(s.readInt32BE(p + 1));
        return p + 5;
      case 0xd3:
        if (p + 9 > end) return -1;
        this.writeAscii(s.readBigInt64BE(p + 1).toString());
        return p + 9;
      case 0xd4:
        return this.writeExt(p, 1, p + 1, end);
      case 0xd5:
        return this.writeExt(p, 2, p + 1, end);
      case 0xd6:
        return this.writeExt(p, 4, p + 1, end);
      case 0xd7:
        return this.writeExt(p, 8, p + 1, end);
      case 0xd8:
        return this.writeExt(p, 16, p + 1, end);
      case 0xc7:
        if (p + 3 > end) return -1;
        return this.writeExt(p, s[p + 1]!, p + 2, end);
      case 0xc8:
        if (p + 4 > end) return -1;
        return this.writeExt(p, this.u16(p + 1), p + 3, end);
      case 0xc9:
        if (p + 6 > end) return -1;
        return this.writeExt(p, this.u32(p + 1), p + 5, end);
      case 0xdc:
        if (p + 3 > end) return -1;
        return this.writeArray(p + 3, end, this.u16(p + 1), depth);
      case 0xdd:
        if (p + 5 > end) return -1;
        return this.writeArray(p + 5, end, this.u32(p + 1), depth);
      case 0xde:
        if (p + 3 > end) return -1;
        return this.writeMap(p + 3, end, this.u16(p + 1), depth);
      case 0xdf:
        if (p + 5 > end) return -1;
        return this.writeMap(p + 5, end, this.u32(p + 1), depth);
      default:
        return -1;
    }
  }

  writeArray(p: number, end: number, n: number, depth: number): number {
    if (depth >= MAX_DEPTH || n > end - p) return -1;
    this.writeByte(91);
    for (let i = 0; i < n; i++) {
      if (i > 0) this.writeByte(44);
      p = this.writeValue(p, end, depth + 1);
      if (p < 0) return -1;
    }
    this.writeByte(93);
    return p;
  }

  sameKey(a: number, b: number, len: number): boolean {
    const s = this.src;
    for (let i = 0; i < len; i++) if (s[a + i] !== s[b + i]) return false;
    return true;
  }

  writeMap(p: number, end: number, n: number, depth: number): number {
    if (depth >= MAX_DEPTH || n * 2 > end - p) return -1;
    const s = this.src;
    const base = this.keyTop;
    if (base + n * 2 > this.keys.length) {
      const next = new Int32Array(Math.max(this.keys.length * 2, base + n * 2));
      next.set(this.keys);
      this.keys = next;
    }
    const keys = this.keys;
    const kc = this.kc;
    // top level: keys 0..i-1 equal the previous record's, so far
    let same = depth === 0;
    const cached = same ? Math.min(this.kcCount, n) : 0;
    this.writeByte(123);
    for (let i = 0; i < n; i++) {
      if (i > 0) this.writeByte(44);
      const c = s[p]!;
      let ks: number;
      let klen: number;
      if (c >= 0xa0 && c <= 0xbf) {
        ks = p + 1;
        klen = c & 0x1f;
      } else if (c === 0xd9 && p + 2 <= end) {
        ks = p + 2;
        klen = s[p + 1]!;
      } else if (c === 0xda && p + 3 <= end) {
        ks = p + 3;
        klen = this.u16(p + 1);
      } else if (c === 0xdb && p + 5 <= end) {
        ks = p + 5;
        klen = this.u32(p + 1);
      } else return -1;
      const ke = ks + klen;
      if (ke > end) return -1;
      const top = this.keyTop;
      const e = i * 4;
      if (same && i < cached && kc[e + 1] === klen && this.sameKey(kc[e]!, ks, klen)) {
        // checked when the previous record wrote it, and no repeat of keys 0..i-1 (the same)
        const from = kc[e + 2]!;
        const len = kc[e + 3]!;
        this.ensure(len);
        const b = this.out;
        let q = this.o;
        for (let j = 0; j < len; j++) b[q++] = b[from + j]!;
        this.o = q;
      } else {
        same = false;
        // a str that is neither integer-like, `__proto__`, nor a repeat
        if (klen > 0 && s[ks]! >= 48 && s[ks]! <= 57) return -1;
        if (klen === 9 && s.toString('latin1', ks, ke) === '__proto__') return -1;
        for (let j = base; j < top; j += 2) {
          if (keys[j + 1] === klen && this.sameKey(keys[j]!, ks, klen)) return -1;
        }
        const at = this.o;
        if (this.writeStr(ks, ke) < 0) return -1;
        this.writeByte(58);
        if (depth === 0 && i < KEY_CACHE) {
          kc[e] = ks;
          kc[e + 1] = klen;
          kc[e + 2] = at;
          kc[e + 3] = this.o - at;
        }
      }
      keys[top] = ks;
      keys[top + 1] = klen;
      this.keyTop = top + 2;
      p = this.writeValue(ke, end, depth + 1);
      if (p < 0) return -1;
    }
    if (depth === 0) this.kcCount = Math.min(n, KEY_CACHE);
    this.keyTop = base;
    this.writeByte(125);
    return p;
  }

  /** Position after the value at p (any msgpack type), or -1 when it runs past `end`. */
  skipValue(p: number, end: number, depth: number): number {
    if (p >= end || depth > MAX_DEPTH) return -1;
    const c = this.src[p]!;
    let q: number;
    let n = 0;
    let pairs = 0;
    if (c <= 0x7f || c >= 0xe0 || (c >= 0xc0 && c <= 0xc3)) return p + 1;
    if (c >= 0xa0 && c <= 0xbf) q = p + 1 + (c & 0x1f);
    else if (c <= 0x8f) {
      q = p + 1;
      n = c & 0x0f;
      pairs = 2;
    } else if (c <= 0x9f) {
      q = p + 1;
      n = c & 0x0f;
      pairs = 1;
    } else q = this.headerEnd(c, p, end);
    if (q < 0) return -1;
    if (c === 0xdc || c === 0xdd || c === 0xde || c === 0xdf) {
      n = c === 0xdc || c === 0xde ? this.u16(p + 1) : this.u32(p + 1);
      pairs = c >= 0xde ? 2 : 1;
    }
    for (let i = 0; i < n * pairs; i++) {
      q = this.skipValue(q, end, depth + 1);
      if (q < 0) return -1;
    }
    return q <= end ? q : -1;
  }

  /** For scalars, str, bin and ext: the end of the value; for arrays/maps: of the header. */
  headerEnd(c: number, p: number, end: number): number {
    const s = this.src;
    switch (c) {
      case 0xc4:
      case 0xd9:
        return p + 2 <= end ? p + 2 + s[p + 1]! : -1;
      case 0xc5:
      case 0xda:
        return p + 3 <= end ? p + 3 + this.u16(p + 1) : -1;
      case 0xc6:
      case 0xdb:
        return p + 5 <= end ? p + 5 + this.u32(p + 1) : -1;
      case 0xc7:
        return p + 3 <= end ? p + 3 + s[p + 1]! : -1;
      case 0xc8:
        return p + 4 <= end ? p + 4 + this.u16(p + 1) : -1;
      case 0xc9:
        return p + 6 <= end ? p + 6 + this.u32(p + 1) : -1;
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

  lines(packed: Uint8Array, prefix: LinePrefix | undefined, newline: boolean): Buffer | undefined {
    const s = Buffer.isBuffer(packed)
      ? packed
      : Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
    this.src = s;
    const end = s.length;
    // the output is the caller's to keep: a fresh buffer sized from the last batch's ratio
    this.out = Buffer.allocUnsafe(Math.ceil(end * this.ratio) + 256);
    this.o = 0;
    this.kcCount = 0;
    let p = 0;
    try {
      while (p < end) {
        if (s[p] !== 0x92 || p + 11 > end) return undefined;
        let t: number;
        if (s[p + 1] === 0xd7 && s[p + 2] === 0) t = p + 3;
        else if (s[p + 1] === 0xc7 && s[p + 2] === 8 && s[p + 3] === 0 && p + 12 <= end) t = p + 4;
        else return undefined;
        if (prefix) {
          const pre = prefix(this.u32(t), this.u32(t + 4));
          this.ensure(pre.length);
          this.out.set(pre, this.o);
          this.o += pre.length;
        }
        p = t + 8;
        const start = this.o;
        this.keyTop = 0;
        let q = this.writeValue(p, end, 0);
        if (q < 0) {
          this.o = start;
          this.kcCount = 0;
          q = this.skipValue(p, end, 0);
          if (q < 0) return undefined;
          transcodeStats.fallbacks++;
          this.writeText(rubyJson(decode(s.subarray(p, q))));
        }
        if (newline) this.writeByte(10);
        p = q;
      }
      if (end > 0) this.ratio = Math.min(8, this.o / end + 0.05);
      return this.out.subarray(0, this.o);
    } finally {
      this.src = EMPTY;
      this.out = EMPTY;
    }
  }
}

const transcoder = new Transcoder();

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
  return transcoder.lines(packed, prefix, newline);
}
