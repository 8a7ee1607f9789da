// A structural pre-scan of a concatenation of msgpack objects, done before any decoding
// (DESIGN.md §7.4): untrusted bytes are walked once, iteratively, and rejected unless every
// declared length fits in the bytes actually present, nesting stays under a depth limit and
// every top-level object is a map with string keys (a TD import record). Only then does the
// decoder run, so a 20-byte body claiming a 4 GiB string or a 2^32-element array cannot make
// it allocate, and deep nesting cannot overflow its stack.
//
// msgpack header bytes (first byte → what follows):
//
//   00-7f fixint   80-8f fixmap(n)   90-9f fixarray(n)   a0-bf fixstr(len)   c0 nil   c1 (never used)
//   c2/c3 bool     c4/c5/c6 bin 8/16/32 (len)   c7/c8/c9 ext 8/16/32 (len, type)   ca f32  cb f64
//   cc-cf uint 8..64   d0-d3 int 8..64   d4-d8 fixext 1/2/4/8/16 (type)   d9/da/db str 8/16/32 (len)
//   dc/dd array 16/32 (n)   de/df map 16/32 (n)   e0-ff negative fixint
//   (all multi-byte lengths and numbers are big-endian)

export type ScanProblem = 'truncated' | 'invalid' | 'not_a_map' | 'bad_key' | 'too_deep';

export interface ScanResult {
  /** Number of complete top-level objects (records). */
  records: number;
  /** Set when the bytes are not acceptable; `records` then counts the good ones before it. */
  problem?: ScanProblem;
  /** Byte offset where the problem was found. */
  offset?: number;
}

/**
 * Walk `buf` as concatenated msgpack maps. `maxDepth` counts the record map as depth 1.
 * Runs in one pass without recursion and allocates only a small stack.
 */
export function scanRecords(buf: Uint8Array, maxDepth = 100): ScanResult {
  const end = buf.length;
  const remaining = new Float64Array(maxDepth + 1); // items left in each open container
  let pos = 0;
  let records = 0;
  const fail = (problem: ScanProblem, at: number): ScanResult => ({ records, problem, offset: at });
  const u16 = (p: number) => (buf[p]! << 8) | buf[p + 1]!;
  const u32 = (p: number) => buf[p]! * 0x1000000 + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);

  while (pos < end) {
    const b0 = buf[pos]!;
    if (!((b0 >= 0x80 && b0 <= 0x8f) || b0 === 0xde || b0 === 0xdf)) return fail('not_a_map', pos);
    let depth = 0;
    do {
      const start = pos;
      const b = buf[pos++]!;
      // A key of the record map itself (depth 1, an even number of items left) must be a string.
      if (depth === 1 && remaining[0]! % 2 === 0) {
        const isStr = (b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb) || (b >= 0xc4 && b <= 0xc6);
        if (!isStr) return fail('bad_key', start);
      }
      let count = -1; // >= 0 when the item opens a container
      let skip = 0; // payload bytes after the header
      if (b <= 0x7f || b >= 0xe0 || (b >= 0xc0 && b <= 0xc3 && b !== 0xc1)) {
        skip = 0;
      } else if (b <= 0x8f) {
        count = (b & 0x0f) * 2;
      } else if (b <= 0x9f) {
        count = b & 0x0f;
      } else if (b <= 0xbf) {
        skip = b & 0x1f;
      } else {
        switch (b) {
          case 0xc4:
          case 0xd9:
            if (pos + 1 > end) return fail('truncated', start);
            skip = buf[pos]!;
            pos += 1;
            break;
          case 0xc5:
          case 0xda:
            if (pos + 2 > end) return fail('truncated', start);
            skip = u16(pos);
            pos += 2;
            break;
          case 0xc6:
          case 0xdb:
            if (pos + 4 > end) return fail('truncated', start);
            skip = u32(pos);
            pos += 4;
            break;
          case 0xc7:
            if (pos + 2 > end) return fail('truncated', start);
            skip = buf[pos]!;
            pos += 2;
            break;
          case 0xc8:
            if (pos + 3 > end) return fail('truncated', start);
            skip = u16(pos);
            pos += 3;
            break;
          case 0xc9:
            if (pos + 5 > end) return fail('truncated', start);
            skip = u32(pos);
            pos += 5;
            break;
          case 0xca:
            skip = 4;
            break;
          case 0xcb:
            skip = 8;
            break;
          case 0xcc:
          case 0xd0:
            skip = 1;
            break;
          case 0xcd:
          case 0xd1:
            skip = 2;
            break;
          case 0xce:
          case 0xd2:
            skip = 4;
            break;
          case 0xcf:
          case 0xd3:
            skip = 8;
            break;
          case 0xd4:
            skip = 2;
            break;
          case 0xd5:
            skip = 3;
            break;
          case 0xd6:
            skip = 5;
            break;
          case 0xd7:
            skip = 9;
            break;
          case 0xd8:
            skip = 17;
            break;
          case 0xdc:
            if (pos + 2 > end) return fail('truncated', start);
            count = u16(pos);
            pos += 2;
            break;
          case 0xdd:
            if (pos + 4 > end) return fail('truncated', start);
            count = u32(pos);
            pos += 4;
            break;
          case 0xde:
            if (pos + 2 > end) return fail('truncated', start);
            count = u16(pos) * 2;
            pos += 2;
            break;
          case 0xdf:
            if (pos + 4 > end) return fail('truncated', start);
            count = u32(pos) * 2;
            pos += 4;
            break;
          default:
            return fail('invalid', start); // 0xc1
        }
      }
      if (count > 0) {
        // Each item takes at least one byte: a count larger than what is left is a lie.
        if (count > end - pos) return fail('truncated', start);
        if (depth >= maxDepth) return fail('too_deep', start);
        remaining[depth] = count;
        depth++;
        continue;
      }
      if (skip > end - pos) return fail('truncated', start);
      pos += skip;
      // The item (a scalar or an empty container) is complete: close finished containers.
      while (depth > 0) {
        const left = remaining[depth - 1]! - 1;
        remaining[depth - 1] = left;
        if (left > 0) break;
        depth--;
      }
    } while (depth > 0);
    records++;
  }
  return { records };
}
