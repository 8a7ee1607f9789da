// Chunk ids: 128 bits, Fluentd's layout (spec core §5.2, treasure-data §1.3).
//
//   bytes 0..7   big-endian uint64  (microseconds since epoch << 12) | 12 random bits
//   bytes 8..15  random
//
// Rendered as 32 lowercase hex chars; ids sort roughly by creation time. An id is made once
// per chunk and kept across retries and restarts (file buffers store it in the name and the
// .meta), so out_tdlog can send it as the import unique_id and the store can dedupe.

import { randomBytes } from 'node:crypto';

export function newChunkId(nowMs: number = Date.now()): Buffer {
  const id = randomBytes(16);
  const usec = BigInt(Math.floor(nowMs * 1000));
  const rnd = BigInt(id.readUInt16BE(0) & 0xfff);
  id.writeBigUInt64BE(((usec << 12n) | rnd) & 0xffffffffffffffffn, 0);
  return id;
}

export function chunkIdHex(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

export function chunkIdFromHex(hex: string): Buffer {
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError(`not a 32-hex chunk id: ${hex}`);
  return Buffer.from(hex, 'hex');
}

/** Creation time (ms) encoded in an id. */
export function chunkIdTimeMs(id: Uint8Array): number {
  const b = Buffer.from(id.buffer, id.byteOffset, id.byteLength);
  return Number(b.readBigUInt64BE(0) >> 12n) / 1000;
}
