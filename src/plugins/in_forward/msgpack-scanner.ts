// A bounded, resumable msgpack *framer*: finds where one msgpack object ends without decoding
// it, so the decoder only ever sees complete objects whose every declared length has been
// checked against bytes that are actually present (DESIGN.md §7.4). A hostile header such as
// `dd ff ff ff ff` (array32 of 4 billion items) therefore costs nothing: the scanner waits
// for bytes that never come, and the caller's size limit closes the connection.
//
// Header sizes walked (first byte → header bytes, payload bytes or item count):
//
//   00-7f e0-ff  fixint             1
//   80-8f        fixmap             1, 2·(b & 0x0f) items
//   90-9f        fixarray           1, (b & 0x0f) items
//   a0-bf        fixstr             1 + (b & 0x1f)
//   c0 c2 c3     nil false true     1
//   c1           never used         → invalid
//   c4/c5/c6     bin 8/16/32        2/3/5 + len
//   c7/c8/c9     ext 8/16/32        3/4/6 + len        (the type byte is inside the header)
//   ca cb        float 32/64        1 + 4/8
//   cc-cf        uint 8..64         1 + 1/2/4/8
//   d0-d3        int 8..64          1 + 1/2/4/8
//   d4-d8        fixext 1..16       2 + 1/2/4/8/16
//   d9/da/db     str 8/16/32        2/3/5 + len
//   dc/dd        array 16/32        3/5, n items
//   de/df        map 16/32          3/5, 2·n items
//
// Nesting is capped (`maxDepth`), so neither this scanner nor the recursive decoder after it
// can be driven into a stack overflow.

export class MsgpackScanError extends Error {}

/** Fixed extra bytes after the first byte for fixed-size types; -1 = needs special handling. */
const FIXED = new Int8Array(256).fill(-1);
for (let b = 0x00; b <= 0x7f; b++) FIXED[b] = 0;
for (let b = 0xe0; b <= 0xff; b++) FIXED[b] = 0;
FIXED[0xc0] = 0;
FIXED[0xc2] = 0;
FIXED[0xc3] = 0;
FIXED[0xca] = 4;
FIXED[0xcb] = 8;
FIXED[0xcc] = 1;
FIXED[0xcd] = 2;
FIXED[0xce] = 4;
FIXED[0xcf] = 8;
FIXED[0xd0] = 1;
FIXED[0xd1] = 2;
FIXED[0xd2] = 4;
FIXED[0xd3] = 8;
FIXED[0xd4] = 2;
FIXED[0xd5] = 3;
FIXED[0xd6] = 5;
FIXED[0xd7] = 9;
FIXED[0xd8] = 17;

export class MsgpackScanner {
  /** Items still expected by each open container, innermost last. */
  private readonly stack: number[] = [];
  /** Bytes of the current object already walked (relative to its start). */
  private off = 0;
  /** After scan() returned -1: the object is known to be at least this many bytes long. */
  atLeast = 0;

  constructor(private readonly maxDepth = 100) {}

  /** Forget a partly scanned object. */
  reset(): void {
    this.stack.length = 0;
    this.off = 0;
  }

  /** Bytes of the current (incomplete) object already walked. */
  get scanned(): number {
    return this.off;
  }

  /**
   * Continue scanning the object that starts at `start`, with bytes available up to `end`.
   * Returns the object's length once complete (and resets), or -1 when more bytes are needed.
   * Throws MsgpackScanError on bytes that can never be valid msgpack or nest too deeply.
   */
  scan(buf: Uint8Array, start: number, end: number): number {
    const stack = this.stack;
    let p = start + this.off;
    for (;;) {
      if (p >= end) break;
      const b = buf[p]!;
      let size = FIXED[b]!;
      let items = -1;
      if (size >= 0) {
        size += 1;
      } else if (b >= 0x80 && b <= 0x8f) {
        size = 1;
        items = (b & 0x0f) * 2;
      } else if (b >= 0x90 && b <= 0x9f) {
        size = 1;
        items = b & 0x0f;
      } else if (b >= 0xa0 && b <= 0xbf) {
        size = 1 + (b & 0x1f);
      } else {
        switch (b) {
          case 0xc4:
          case 0xd9:
            if (p + 2 > end) return this.wait(p, start, p + 2);
            size = 2 + buf[p + 1]!;
            break;
          case 0xc5:
          case 0xda:
            if (p + 3 > end) return this.wait(p, start, p + 3);
            size = 3 + u16(buf, p + 1);
            break;
          case 0xc6:
          case 0xdb:
            if (p + 5 > end) return this.wait(p, start, p + 5);
            size = 5 + u32(buf, p + 1);
            break;
          case 0xc7:
            if (p + 3 > end) return this.wait(p, start, p + 3);
            size = 3 + buf[p + 1]!;
            break;
          case 0xc8:
            if (p + 4 > end) return this.wait(p, start, p + 4);
            size = 4 + u16(buf, p + 1);
            break;
          case 0xc9:
            if (p + 6 > end) return this.wait(p, start, p + 6);
            size = 6 + u32(buf, p + 1);
            break;
          case 0xdc:
            if (p + 3 > end) return this.wait(p, start, p + 3);
            size = 3;
            items = u16(buf, p + 1);
            break;
          case 0xdd:
            if (p + 5 > end) return this.wait(p, start, p + 5);
            size = 5;
            items = u32(buf, p + 1);
            break;
          case 0xde:
            if (p + 3 > end) return this.wait(p, start, p + 3);
            size = 3;
            items = u16(buf, p + 1) * 2;
            break;
          case 0xdf:
            if (p + 5 > end) return this.wait(p, start, p + 5);
            size = 5;
            items = u32(buf, p + 1) * 2;
            break;
          default:
            throw new MsgpackScanError(
              `invalid msgpack type byte 0x${b.toString(16)} at offset ${p - start}`,
            );
        }
      }
      if (p + size > end) return this.wait(p, start, p + size);
      p += size;
      if (items > 0) {
        if (stack.length >= this.maxDepth) {
          throw new MsgpackScanError(`msgpack nesting deeper than ${this.maxDepth}`);
        }
        stack.push(items);
        continue;
      }
      // One value is complete: close every container it completes.
      while (stack.length > 0) {
        const top = stack.length - 1;
        if (--stack[top]! > 0) break;
        stack.pop();
      }
      if (stack.length === 0) {
        const n = p - start;
        this.off = 0;
        return n;
      }
    }
    return this.wait(p, start, p + 1);
  }

  private wait(p: number, start: number, need: number): number {
    this.off = p - start;
    this.atLeast = need - start;
    return -1;
  }
}

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function u32(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/**
 * Check that `bytes` is a sequence of complete msgpack objects (a PackedForward entries blob)
 * and return how many there are. Throws MsgpackScanError on anything truncated or invalid.
 */
export function countObjects(bytes: Uint8Array, maxDepth = 100): number {
  const s = new MsgpackScanner(maxDepth);
  let p = 0;
  let n = 0;
  while (p < bytes.length) {
    const len = s.scan(bytes, p, bytes.length);
    if (len < 0) throw new MsgpackScanError('truncated msgpack object at the end of the entries');
    p += len;
    n++;
  }
  return n;
}

/** Offsets [start, end) of each element of the msgpack array at the start of `bytes`, or
 *  undefined when the object is not an array. `bytes` must hold one complete object. */
export function arrayElements(bytes: Uint8Array): [number, number][] | undefined {
  const b = bytes[0];
  if (b === undefined) return undefined;
  let n: number;
  let p: number;
  if (b >= 0x90 && b <= 0x9f) {
    n = b & 0x0f;
    p = 1;
  } else if (b === 0xdc) {
    n = u16(bytes, 1);
    p = 3;
  } else if (b === 0xdd) {
    n = u32(bytes, 1);
    p = 5;
  } else return undefined;
  const out: [number, number][] = [];
  const s = new MsgpackScanner(1_000_000);
  for (let i = 0; i < n && i < 8; i++) {
    const len = s.scan(bytes, p, bytes.length);
    if (len < 0) throw new MsgpackScanError('truncated array element');
    out.push([p, p + len]);
    p += len;
  }
  return out;
}

/** The payload [start, end) of a str or bin object at `p`, or undefined for other types. */
export function rawPayload(bytes: Uint8Array, p: number): [number, number] | undefined {
  const b = bytes[p]!;
  let h: number;
  let len: number;
  if (b >= 0xa0 && b <= 0xbf) {
    h = 1;
    len = b & 0x1f;
  } else if (b === 0xc4 || b === 0xd9) {
    h = 2;
    len = bytes[p + 1]!;
  } else if (b === 0xc5 || b === 0xda) {
    h = 3;
    len = u16(bytes, p + 1);
  } else if (b === 0xc6 || b === 0xdb) {
    h = 5;
    len = u32(bytes, p + 1);
  } else return undefined;
  return [p + h, p + h + len];
}

/**
 * The raw msgpack bytes [start, end) of the value stored under `key` in the map at `p`
 * (one complete object), or undefined when absent or not a map. Used to echo a `chunk`
 * option byte for byte, whatever its type and bytes.
 */
export function mapValueBytes(
  bytes: Uint8Array,
  p: number,
  end: number,
  key: string,
): [number, number] | undefined {
  const b = bytes[p];
  if (b === undefined) return undefined;
  let n: number;
  let q: number;
  if (b >= 0x80 && b <= 0x8f) {
    n = b & 0x0f;
    q = p + 1;
  } else if (b === 0xde) {
    n = u16(bytes, p + 1);
    q = p + 3;
  } else if (b === 0xdf) {
    n = u32(bytes, p + 1);
    q = p + 5;
  } else return undefined;
  const s = new MsgpackScanner(1_000_000);
  const want = Buffer.from(key, 'utf8');
  for (let i = 0; i < n; i++) {
    const klen = s.scan(bytes, q, end);
    if (klen < 0) return undefined;
    const kp = rawPayload(bytes, q);
    const vStart = q + klen;
    const vlen = s.scan(bytes, vStart, end);
    if (vlen < 0) return undefined;
    if (kp && kp[1] - kp[0] === want.length && Buffer.compare(want, bytes.subarray(kp[0], kp[1])) === 0) {
      return [vStart, vStart + vlen];
    }
    q = vStart + vlen;
  }
  return undefined;
}
