// The `.meta` file of a file-buffer chunk — Fluentd's layout (spec core §5.4):
//
//   offset 0   C1 00            magic (0xC1 is never a valid msgpack first byte)
//   offset 2   LL LL LL LL      uint32 BE: length of the msgpack body
//   offset 6   <msgpack map>    timekey: int|nil   tag: str|nil   variables: map|nil
//                               seq: int (0)       id: bin 16     s: int records
//                               c: int created_at  m: int modified_at (epoch seconds)
//
// We write it whole to `<meta>.tmp`, fsync, and rename over the old one, so a crash leaves
// the old or the new meta, never a torn one. Reading is strict (like Fluentd 1.19): a bad
// magic/length, a missing 16-byte id, or c/m ≤ 0 is an error. Files without the magic are
// read as a bare msgpack map (Fluentd's old format).

import { decode, encode } from '../core/msgpack.js';
import type { Metadata } from '../plugin/placeholders.js';

export interface ChunkMeta {
  metadata: Metadata;
  id: Buffer;
  records: number;
  createdAt: number;
  modifiedAt: number;
}

export function encodeMeta(m: ChunkMeta): Buffer {
  const body = encode({
    timekey: m.metadata.timekey ?? null,
    tag: m.metadata.tag ?? null,
    variables: m.metadata.variables ?? null,
    seq: 0,
    id: m.id,
    s: m.records,
    c: m.createdAt,
    m: m.modifiedAt,
  });
  const out = Buffer.allocUnsafe(6 + body.length);
  out[0] = 0xc1;
  out[1] = 0x00;
  out.writeUInt32BE(body.length, 2);
  body.copy(out, 6);
  return out;
}

function int(v: unknown, name: string): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new Error(`meta field '${name}' is not an integer`);
  return v;
}

export function decodeMeta(bytes: Uint8Array): ChunkMeta {
  let body: Uint8Array;
  if (bytes.length >= 2 && bytes[0] === 0xc1 && bytes[1] === 0x00) {
    if (bytes.length < 6) throw new Error('meta is truncated (no length)');
    const len = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readUInt32BE(2);
    if (bytes.length < 6 + len)
      throw new Error(`meta is truncated: ${bytes.length - 6} of ${len} body bytes`);
    body = bytes.subarray(6, 6 + len);
  } else {
    body = bytes;
  }
  let v: unknown;
  try {
    v = decode(body);
  } catch (e) {
    throw new Error(`meta body is not msgpack: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('meta body is not a map');
  const o = v as Record<string, unknown>;
  const id = o.id;
  if (!(id instanceof Uint8Array) || id.length !== 16) throw new Error('meta has no 16-byte id');
  const c = int(o.c, 'c');
  const m = int(o.m, 'm');
  if (c <= 0 || m <= 0) throw new Error('meta has an invalid created_at/modified_at');
  const s = o.s === undefined || o.s === null ? 0 : int(o.s, 's');
  const timekey = o.timekey === null || o.timekey === undefined ? undefined : int(o.timekey, 'timekey');
  const tag = typeof o.tag === 'string' ? o.tag : undefined;
  const variables =
    o.variables && typeof o.variables === 'object' && !Array.isArray(o.variables)
      ? (o.variables as Record<string, unknown>)
      : undefined;
  return {
    metadata: { timekey, tag, variables },
    id: Buffer.from(id),
    records: s,
    createdAt: c,
    modifiedAt: m,
  };
}
