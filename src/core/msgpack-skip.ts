// Skipping one msgpack value by its bytes, without decoding it: the shared primitive for code
// that passes packed bytes through (slicing a packed EventStream, out_tdlog's import records).
// Every length is checked against `end`, so hostile bytes give -1, never a read past the end.

// Per header byte 0xc0..0xdf: bytes of length/count fields that follow it (-1: invalid) and,
// for fixed-size values, the payload bytes after the header byte.
// biome-ignore format: a table
const HEADER_EXTRA = [
  0, -1, 0, 0, 1, 2, 4, 2, 3, 5, 0, 0, 0, 0, 0, 0,  // c0 nil, c1, bool, bin8/16/32, ext8/16/32, f32, f64, uint8-64
  0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 2, 4, 2, 4,   // int8-64, fixext1-16, str8/16/32, array16/32, map16/32
];
// biome-ignore format: a table
const FIXED_SIZE = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 1, 2, 4, 8,
  1, 2, 4, 8, 2, 3, 5, 9, 17, 0, 0, 0, 0, 0, 0, 0,
];

export function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

export function u32(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/** Offset after the msgpack value at `p`, or -1 when it does not end within `end`. Iterative:
 *  `todo` counts the values still to skip, so nesting needs no stack. */
export function skipValue(b: Uint8Array, p: number, end: number): number {
  let todo = 1;
  while (todo > 0) {
    if (p >= end) return -1;
    const h = b[p]!;
    todo--;
    if (h <= 0x7f || h >= 0xe0) p += 1;
    else if (h <= 0x8f) {
      todo += 2 * (h & 0x0f);
      p += 1;
    } else if (h <= 0x9f) {
      todo += h & 0x0f;
      p += 1;
    } else if (h <= 0xbf) p += 1 + (h & 0x1f);
    else {
      // bytes after h that the header itself needs (length or count fields)
      const need = HEADER_EXTRA[h - 0xc0]!;
      if (need < 0 || p + 1 + need > end) return -1;
      switch (h) {
        case 0xc4:
        case 0xd9:
          p += 2 + b[p + 1]!;
          break;
        case 0xc5:
        case 0xda:
          p += 3 + u16(b, p + 1);
          break;
        case 0xc6:
        case 0xdb:
          p += 5 + u32(b, p + 1);
          break;
        case 0xc7:
          p += 3 + b[p + 1]!;
          break;
        case 0xc8:
          p += 4 + u16(b, p + 1);
          break;
        case 0xc9:
          p += 6 + u32(b, p + 1);
          break;
        case 0xdc:
          todo += u16(b, p + 1);
          p += 3;
          break;
        case 0xdd:
          todo += u32(b, p + 1);
          p += 5;
          break;
        case 0xde:
          todo += 2 * u16(b, p + 1);
          p += 3;
          break;
        case 0xdf:
          todo += 2 * u32(b, p + 1);
          p += 5;
          break;
        default:
          p += 1 + FIXED_SIZE[h - 0xc0]!; // nil, bool, numbers, fixext
      }
    }
    if (p > end) return -1;
  }
  return p;
}
