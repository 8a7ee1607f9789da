// The fast path for PackedForward entries (DESIGN.md §7.2): check at the byte level that a
// blob is exactly what the buffer's chunk format says — so the bytes may stand for the events
// and the records need never be decoded — and read the times on the way.
//
// A clean blob is one or more entries, each exactly
//
//   92                                   fixarray of 2
//      d7 00 SSSSSSSS NNNNNNNN           EventTime as fixext8 type 0 (sec, nsec: uint32 BE)
//    | c7 08 00 SSSSSSSS NNNNNNNN        ... or as ext8 of length 8, type 0
//      8x | de nnnn | df nnnnnnnn        the record: a map
//
// where the time is neither 0 (means "now": rewritten) nor a Fluent Bit group marker
// (sec 0xFFFFFFFF/0xFFFFFFFE, nsec 0), every map at any depth has str keys only, and every
// value is nil, bool, int, float, str, bin, array, map or an EventTime ext — types the shared
// decoder turns into values without error. Every declared length is checked against the
// bytes present and nesting is capped. Anything else (integer or float times, markers, bin or
// int keys, other ext types, entries of another arity, truncation) returns undefined and the
// caller takes the full decode path, which drops, rewrites or rejects exactly as before.

export interface CleanEntries {
  count: number;
  secs: number[];
  nsecs: number[];
}

const MARKER_START = 0xffffffff;
const MARKER_END = 0xfffffffe;

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function u32(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/** End of the str at `p`, or -1 when it is not a str or runs past `end`. */
function strEnd(b: Uint8Array, p: number, end: number): number {
  const c = b[p]!;
  let q: number;
  if (c >= 0xa0 && c <= 0xbf) q = p + 1 + (c & 0x1f);
  else if (c === 0xd9) q = p + 2 > end ? -1 : p + 2 + b[p + 1]!;
  else if (c === 0xda) q = p + 3 > end ? -1 : p + 3 + u16(b, p + 1);
  else if (c === 0xdb) q = p + 5 > end ? -1 : p + 5 + u32(b, p + 1);
  else return -1;
  return q <= end ? q : -1;
}

/** End of `n` key/value pairs starting at `p` (str keys only), or -1. */
function mapEnd(b: Uint8Array, p: number, end: number, n: number, depth: number): number {
  for (let i = 0; i < n; i++) {
    // the common key and value forms inline; everything else through strEnd / valueEnd
    const k = b[p]!;
    if (k >= 0xa0 && k <= 0xbf) p += 1 + (k & 0x1f);
    else p = strEnd(b, p, end);
    if (p < 0 || p >= end) return -1;
    const c = b[p]!;
    if (c >= 0xa0 && c <= 0xbf) p += 1 + (c & 0x1f);
    else if (c <= 0x7f || c === 0xc0 || c === 0xc2 || c === 0xc3) p += 1;
    else if (c === 0xcd || c === 0xd1) p += 3;
    else if (c === 0xce || c === 0xd2) p += 5;
    else if (c === 0xcc || c === 0xd0) p += 2;
    else p = valueEnd(b, p, end, depth);
    if (p < 0 || p > end) return -1;
  }
  return p;
}

function arrayEnd(b: Uint8Array, p: number, end: number, n: number, depth: number): number {
  for (let i = 0; i < n && p >= 0; i++) p = valueEnd(b, p, end, depth);
  return p;
}

/** End of the value at `p`, or -1 when it is not clean (see the header) or runs past `end`. */
function valueEnd(b: Uint8Array, p: number, end: number, depth: number): number {
  if (p >= end) return -1;
  const c = b[p]!;
  if (c <= 0x7f || c >= 0xe0 || c === 0xc0 || c === 0xc2 || c === 0xc3) return p + 1;
  if (c >= 0xa0 && c <= 0xbf) return strEnd(b, p, end);
  if (c <= 0x9f) {
    if (depth <= 0) return -1;
    return c <= 0x8f
      ? mapEnd(b, p + 1, end, c & 0x0f, depth - 1)
      : arrayEnd(b, p + 1, end, c & 0x0f, depth - 1);
  }
  let q: number;
  switch (c) {
    case 0xca:
    case 0xce:
    case 0xd2:
      q = p + 5;
      break;
    case 0xcb:
    case 0xcf:
    case 0xd3:
      q = p + 9;
      break;
    case 0xcc:
    case 0xd0:
      q = p + 2;
      break;
    case 0xcd:
    case 0xd1:
      q = p + 3;
      break;
    case 0xd9:
    case 0xda:
    case 0xdb:
      return strEnd(b, p, end);
    case 0xc4:
      q = p + 2 > end ? -1 : p + 2 + b[p + 1]!;
      break;
    case 0xc5:
      q = p + 3 > end ? -1 : p + 3 + u16(b, p + 1);
      break;
    case 0xc6:
      q = p + 5 > end ? -1 : p + 5 + u32(b, p + 1);
      break;
    case 0xd7:
      q = p + 2 <= end && b[p + 1] === 0 ? p + 10 : -1;
      break;
    case 0xc7:
      q = p + 3 <= end && b[p + 1] === 8 && b[p + 2] === 0 ? p + 11 : -1;
      break;
    case 0xdc:
    case 0xdd:
    case 0xde:
    case 0xdf: {
      if (depth <= 0) return -1;
      const wide = c === 0xdd || c === 0xdf;
      const h = wide ? 5 : 3;
      if (p + h > end) return -1;
      const n = wide ? u32(b, p + 1) : u16(b, p + 1);
      // every item takes at least one byte: a count the bytes cannot hold is not clean
      if (n > end - p - h) return -1;
      return c === 0xdc || c === 0xdd
        ? arrayEnd(b, p + h, end, n, depth - 1)
        : mapEnd(b, p + h, end, n, depth - 1);
    }
    default:
      return -1;
  }
  return q <= end ? q : -1;
}

/**
 * The entries of a PackedForward blob with their times, when the blob is clean (see the
 * header); undefined otherwise. `maxDepth` caps the nesting inside a record.
 *
 * One tight loop over the bytes: the entry header, the time and a fixmap record's keys and
 * simple values are read inline (lengths skipped, nothing allocated per entry: the time
 * arrays are sized once from the first entry's length); nested containers, longer strings,
 * bin and ext go through valueEnd.
 */
export function scanCleanEntries(b: Uint8Array, maxDepth: number): CleanEntries | undefined {
  const end = b.length;
  if (end === 0) return undefined;
  // sized from the first entry (records of a batch tend to be alike); grown or cut at the end
  let secs: number[] = [];
  let nsecs: number[] = [];
  let count = 0;
  const depth = maxDepth - 2; // the entry array and the record map
  let p = 0;
  while (p < end) {
    // 92, then d7 00 + 8 bytes or c7 08 00 + 8 bytes, then at least the map's first byte
    if (b[p] !== 0x92) return undefined;
    let t: number;
    if (b[p + 1] === 0xd7 && b[p + 2] === 0x00) t = p + 3;
    else if (b[p + 1] === 0xc7 && b[p + 2] === 0x08 && b[p + 3] === 0x00) t = p + 4;
    else return undefined;
    p = t + 8;
    if (p >= end) return undefined;
    const sec = b[t]! * 0x1000000 + ((b[t + 1]! << 16) | (b[t + 2]! << 8) | b[t + 3]!);
    const nsec = b[t + 4]! * 0x1000000 + ((b[t + 5]! << 16) | (b[t + 6]! << 8) | b[t + 7]!);
    if (nsec === 0 && (sec === 0 || sec === MARKER_START || sec === MARKER_END)) return undefined;
    const c = b[p]!;
    if ((c & 0xf0) === 0x80) {
      p++;
      for (let n = c & 0x0f; n > 0; n--) {
        if (p >= end) return undefined;
        const k = b[p]!;
        p = (k & 0xe0) === 0xa0 ? p + 1 + (k & 0x1f) : strEnd(b, p, end);
        if (p < 0 || p >= end) return undefined;
        const v = b[p]!;
        if (v >= 0xa0 && v <= 0xbf) p += 1 + (v & 0x1f);
        else if (v <= 0x7f || v === 0xc0 || v === 0xc2 || v === 0xc3) p += 1;
        else if (v === 0xcd || v === 0xd1) p += 3;
        else if (v === 0xce || v === 0xd2) p += 5;
        else if (v === 0xcc || v === 0xd0) p += 2;
        else p = valueEnd(b, p, end, depth);
        if (p < 0) return undefined;
      }
      if (p > end) return undefined;
    } else if (c === 0xde || c === 0xdf) {
      p = valueEnd(b, p, end, depth + 1);
      if (p < 0) return undefined;
    } else return undefined;
    if (count === 0) {
      const guess = Math.min(Math.ceil(end / p) + 1, 1 << 16); // past it, assignment appends
      secs = new Array<number>(guess);
      nsecs = new Array<number>(guess);
    }
    secs[count] = sec;
    nsecs[count++] = nsec;
  }
  if (secs.length !== count) {
    secs.length = count;
    nsecs.length = count;
  }
  return { count, secs, nsecs };
}
