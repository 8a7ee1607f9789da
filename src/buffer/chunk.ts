// A buffer chunk: the unit a buffered output writes. Every chunk has a 128-bit id that stays
// the same across retries and restarts (chunk-id.ts), metadata (the chunk key values) and
// bytes: the output's format() of each event, concatenated (default: msgpack [time, record]).
//
// Lifecycle:  staged (appendable) → queued (closed, waits for a flush thread) → dequeued
// (being written) → purged (committed), or back to the queue front on a failed write.
//
// Compression (`<buffer> compress gzip`): the chunk stores gzip members (gzip.ts); read()
// always gives the plain bytes, readCompressed() always gives gzip (the stored bytes as they
// are when compressed, else gzipped on the fly). bytesize counts plain bytes, so
// chunk_limit_size and total_limit_size bound the stored size from above.

import { EventStream, type Rec } from '../core/event-stream.js';
import { EventTime } from '../core/event-time.js';
import { decodeMultiple } from '../core/msgpack.js';
import { chunkIdHex } from '../plugin/chunk-id.js';
import type { Metadata } from '../plugin/placeholders.js';
import { DEFAULT_DECOMPRESS_LIMIT, gunzipAll, gzipMember } from './gzip.js';

export type ChunkState = 'staged' | 'queued' | 'dequeued' | 'purged';
export type ChunkCompression = 'text' | 'gzip';

/** What write(chunk) receives. */
export interface Chunk {
  readonly id: Buffer;
  readonly idHex: string;
  readonly metadata: Metadata;
  /** Bytes and records, including appends not yet on disk. */
  readonly bytesize: number;
  readonly records: number;
  /** Epoch seconds. */
  readonly createdAt: number;
  readonly modifiedAt: number;
  /** File chunks: the data file path (changes at enqueue). */
  readonly path: string | undefined;
  /** How the buffer stores this chunk. */
  readonly compress: ChunkCompression;
  /** The chunk's plain bytes (waits for pending appends; decompressed if stored gzipped). */
  read(): Promise<Buffer>;
  /** The chunk as gzip data: the stored members when compressed, else gzipped now. */
  readCompressed(): Promise<Buffer>;
  /** The events of a msgpack-format chunk. */
  events(): Promise<EventStream>;
}

/** Decode a msgpack `[time, record]` chunk body into a stream. */
export function decodeEntries(bytes: Uint8Array): EventStream {
  const es = new EventStream();
  if (bytes.length === 0) return es;
  for (const e of decodeMultiple(bytes)) {
    if (!Array.isArray(e) || e.length < 2) continue;
    const t = e[0];
    const rec = (e[1] ?? {}) as Rec;
    if (t instanceof EventTime) es.add(t.sec, t.nsec, rec);
    else if (typeof t === 'number') es.add(Math.floor(t), Math.round((t - Math.floor(t)) * 1e9), rec);
    else es.add(0, 0, rec);
  }
  return es;
}

/** The bookkeeping every chunk implementation shares; storage subclasses fill in the rest. */
export abstract class StoredChunk implements Chunk {
  readonly id: Buffer;
  readonly idHex: string;
  readonly metadata: Metadata;
  bytesize = 0;
  records = 0;
  createdAt: number;
  modifiedAt: number;
  state: ChunkState = 'staged';
  compress: ChunkCompression = 'text';
  /** Its storage could not be created: take no more appends. */
  broken = false;
  /** Called when a failed append is rolled back after the bytes were counted. */
  onShrink: ((c: StoredChunk, bytes: number, records: number) => void) | undefined;

  constructor(id: Buffer, metadata: Metadata, nowSec: number) {
    this.id = id;
    this.idHex = chunkIdHex(id);
    this.metadata = metadata;
    this.createdAt = nowSec;
    this.modifiedAt = nowSec;
  }

  get path(): string | undefined {
    return undefined;
  }

  /**
   * Append formatted bytes holding `n` records. Counts them at once (limits see them);
   * returns a promise when durability comes later (file), else undefined.
   */
  abstract append(data: Uint8Array, n: number): Promise<void> | undefined;
  /** Staged → queued (file: rename .b → .q, in the background). */
  abstract markQueued(): void;
  /** The stored bytes (gzip members when compressed). */
  abstract readRaw(): Promise<Buffer>;
  /** Remove the chunk's storage. Idempotent. */
  abstract purge(): Promise<void>;
  /** Release resources without deleting (file buffers keep their files at shutdown). */
  abstract close(): Promise<void>;

  async read(): Promise<Buffer> {
    const raw = await this.readRaw();
    return this.compress === 'gzip' ? gunzipAll(raw, Math.max(DEFAULT_DECOMPRESS_LIMIT, this.bytesize)) : raw;
  }

  async readCompressed(): Promise<Buffer> {
    const raw = await this.readRaw();
    return this.compress === 'gzip' ? raw : gzipMember([raw]);
  }

  async events(): Promise<EventStream> {
    return decodeEntries(await this.read());
  }
}

/** A buffer's storage: creates chunks, finds the ones left by a previous run, closes. */
export interface ChunkStorage {
  create(id: Buffer, md: Metadata, nowSec: number): StoredChunk;
  resume(): Promise<{ staged: StoredChunk[]; queued: StoredChunk[] }>;
  /** Wait for pending appends, release files (file chunks stay on disk). */
  close(chunks: StoredChunk[]): Promise<void>;
  /** Files to copy aside with a chunk (file buffers: data and .meta). */
  filesOf?(c: StoredChunk): string[];
}
