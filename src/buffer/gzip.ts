// Chunk compression (`<buffer> compress gzip`, spec core §4.2/§5.3). A compressed chunk is a
// concatenation of gzip members (RFC 1952), one per write round:
//
//   member   1f 8b 08 FLG MTIME(4) XFL OS  [FEXTRA] [FNAME\0] [FCOMMENT\0] [FHCRC]
//            <raw deflate stream>  CRC32 (LE u32)  ISIZE (LE u32, length mod 2^32)
//
// Any gzip reader (zcat, Node's gunzip) reads the concatenation as one stream, so the stored
// bytes can be handed on as they are (out_file `compress gzip`, out_tdlog uploads).
// Decompression is bounded (DESIGN.md §7.7): at most `limit` output bytes.

import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip);

/** Fluentd's decompression_size_limit default; a chunk never holds more than chunk_limit_size. */
export const DEFAULT_DECOMPRESS_LIMIT = 256 * 1024 * 1024;

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

export async function gzipMember(parts: readonly Uint8Array[]): Promise<Buffer> {
  const input = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return gzipAsync(input);
}

export async function gunzipAll(b: Uint8Array, limit = DEFAULT_DECOMPRESS_LIMIT): Promise<Buffer> {
  if (b.length === 0) return Buffer.alloc(0);
  return gunzipAsync(b, { maxOutputLength: limit });
}

/** Length of the gzip header at `off`, or -1 when there is no whole, valid one. */
function headerLength(b: Buffer, off: number): number {
  if (off + 10 > b.length || b[off] !== 0x1f || b[off + 1] !== 0x8b || b[off + 2] !== 8) return -1;
  const flg = b[off + 3]!;
  let p = off + 10;
  if (flg & 4) {
    if (p + 2 > b.length) return -1;
    p += 2 + b.readUInt16LE(p);
  }
  for (const bit of [8, 16]) {
    if (flg & bit) {
      const z = b.indexOf(0, p);
      if (z < 0) return -1;
      p = z + 1;
    }
  }
  if (flg & 2) p += 2;
  return p <= b.length ? p - off : -1;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE, as in gzip trailers); node:zlib has no crc32 before Node 22. */
export function crc32(b: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = crcTable[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The longest prefix of `b` made of whole, valid gzip members (CRC and ISIZE checked), and
 * its decompressed bytes. Used on resume: a crash can leave a torn last member, or garbage
 * (zeros) after the last one — both are cut off (they were never acknowledged). Node's gunzip
 * cannot be used for this: it silently ignores everything after a member that is followed by
 * non-gzip bytes. Sync zlib: this runs once per chunk at start, before inputs start.
 */
export function wholeMembers(b: Buffer, limit = DEFAULT_DECOMPRESS_LIMIT): { valid: number; data: Buffer } {
  const parts: Buffer[] = [];
  let total = 0;
  let off = 0;
  while (off < b.length && total < limit) {
    const h = headerLength(b, off);
    if (h < 0) break;
    let out: Buffer;
    let consumed: number;
    try {
      const r = zlib.inflateRawSync(b.subarray(off + h), {
        info: true,
        maxOutputLength: limit - total,
      }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      out = r.buffer;
      consumed = r.engine.bytesWritten;
    } catch {
      break;
    }
    const end = off + h + consumed + 8;
    if (end > b.length) break;
    if (b.readUInt32LE(end - 8) !== crc32(out) || b.readUInt32LE(end - 4) !== out.length % 2 ** 32) break;
    parts.push(out);
    total += out.length;
    off = end;
  }
  return { valid: off, data: Buffer.concat(parts, total) };
}
