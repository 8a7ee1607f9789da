// PackedForward entries → TD import records, byte to byte (DESIGN.md §7.2: don't decode what
// you will re-encode). out_tdlog's chunk body is concatenated msgpack maps, each the event's
// record plus `time` (integer seconds). When the stream still carries its PackedForward bytes
// the maps are copied out of the entries and only the map header and the `time` pair change:
//
//   entry   92 | d7 00 <sec u32> <nsec u32> | <map header n> <key value>×n
//           (the time may also be a positive int: 00-7f, cc, cd, ce)
//   record  <map header n+1> <key value>×n | a4 "time" <sec as the smallest uint>
//
// Anything else — a time of another type, a record with a `time` key already (Fluentd
// overwrites it), a non-string key, a repeated key, more than `maxKeys` keys, bytes that end
// early — makes the whole batch return undefined, and the caller decodes it the usual way.
// So this path never has to report an error; the slow path keeps every rule in one place.

import { skipValue, u16, u32 } from '../core/msgpack-skip.js';

const TIME_KEY = [0xa4, 0x74, 0x69, 0x6d, 0x65]; // fixstr "time"
/** Above this many keys duplicate detection is quadratic: leave such records to the slow path. */
const MAX_FAST_KEYS = 64;

function sameBytes(b: Uint8Array, a0: number, a1: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (b[a0 + i] !== b[a1 + i]) return false;
  return true;
}

const keyStart = new Int32Array(MAX_FAST_KEYS);
const keyLen = new Int32Array(MAX_FAST_KEYS);

/**
 * The import body (before gzip) for `count` PackedForward entries, or undefined when any
 * entry is outside the shape drawn above.
 */
export function entriesToImportRecords(src: Uint8Array, count: number, maxKeys: number): Buffer | undefined {
  const end = src.length;
  // each record grows by at most 4 (map header) + 5 ("time") + 5 (uint32) bytes
  const out = Buffer.allocUnsafe(end + count * 14);
  let p = 0;
  let o = 0;
  for (let e = 0; e < count; e++) {
    if (p + 2 > end || src[p] !== 0x92) return undefined;
    p++;
    let sec: number;
    const t = src[p]!;
    if (t === 0xd7) {
      if (p + 10 > end || src[p + 1] !== 0x00) return undefined;
      sec = u32(src, p + 2);
      p += 10;
    } else if (t <= 0x7f) {
      sec = t;
      p += 1;
    } else if (t === 0xcc && p + 2 <= end) {
      sec = src[p + 1]!;
      p += 2;
    } else if (t === 0xcd && p + 3 <= end) {
      sec = u16(src, p + 1);
      p += 3;
    } else if (t === 0xce && p + 5 <= end) {
      sec = u32(src, p + 1);
      p += 5;
    } else return undefined;
    if (p >= end) return undefined;
    const m = src[p]!;
    let n: number;
    if (m >= 0x80 && m <= 0x8f) {
      n = m & 0x0f;
      p += 1;
    } else if (m === 0xde && p + 3 <= end) {
      n = u16(src, p + 1);
      p += 3;
    } else return undefined; // map32 (≥ 65,536 keys) is far beyond maxKeys
    if (n > maxKeys || n > MAX_FAST_KEYS) return undefined;
    const body = p;
    for (let k = 0; k < n; k++) {
      const h = src[p];
      let ks: number;
      let kl: number;
      if (h === undefined) return undefined;
      if (h >= 0xa0 && h <= 0xbf) {
        ks = p + 1;
        kl = h & 0x1f;
      } else if (h === 0xd9 && p + 2 <= end) {
        ks = p + 2;
        kl = src[p + 1]!;
      } else if (h === 0xda && p + 3 <= end) {
        ks = p + 3;
        kl = u16(src, p + 1);
      } else return undefined; // not a str key
      p = ks + kl;
      if (p > end) return undefined;
      if (
        kl === 4 &&
        src[ks] === 0x74 &&
        src[ks + 1] === 0x69 &&
        src[ks + 2] === 0x6d &&
        src[ks + 3] === 0x65
      ) {
        return undefined; // has "time" already
      }
      for (let j = 0; j < k; j++) {
        if (keyLen[j] === kl && sameBytes(src, keyStart[j]!, ks, kl)) return undefined; // repeated key
      }
      keyStart[k] = ks;
      keyLen[k] = kl;
      p = skipValue(src, p, end);
      if (p < 0) return undefined;
    }
    const n1 = n + 1;
    if (n1 <= 15) out[o++] = 0x80 | n1;
    else {
      out[o++] = 0xde;
      out[o++] = n1 >> 8;
      out[o++] = n1 & 0xff;
    }
    out.set(src.subarray(body, p), o);
    o += p - body;
    for (const x of TIME_KEY) out[o++] = x;
    if (sec <= 0x7f) out[o++] = sec;
    else if (sec <= 0xff) {
      out[o++] = 0xcc;
      out[o++] = sec;
    } else if (sec <= 0xffff) {
      out[o++] = 0xcd;
      out.writeUInt16BE(sec, o);
      o += 2;
    } else {
      out[o++] = 0xce;
      out.writeUInt32BE(sec, o);
      o += 4;
    }
  }
  if (p !== end) return undefined;
  return out.subarray(0, o);
}
