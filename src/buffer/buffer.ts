// Buffer bookkeeping shared by buf_memory and buf_file (spec core §4.4, §4.5):
//
//   stage   one appendable chunk per metadata (chunk key values)
//   queue   FIFO of closed chunks waiting for a flush
//   dequeued  chunks being written (still counted in queue bytes until purged)
//
// write() appends a group of events for one metadata. When a group does not fit the staged
// chunk it is split record by record over new chunks (each at most chunk_limit_size /
// chunk_limit_records); a single record larger than chunk_limit_size is skipped and reported
// after the rest is stored. A chunk at ≥ chunk_full_threshold of a limit is enqueued at once.
// Storage (memory or file) is behind ChunkFactory; this file does no I/O itself.

import { TributaryError } from '../core/errors.js';
import { newChunkId } from '../plugin/chunk-id.js';
import type { Metadata } from '../plugin/placeholders.js';
import type { StoredChunk } from './chunk.js';

export interface BufferLimits {
  chunkLimitSize: number;
  chunkLimitRecords: number | undefined;
  totalLimitSize: number;
  chunkFullThreshold: number;
}

export interface ChunkFactory {
  /** A new, empty staged chunk (file: created on disk in the background). */
  create(id: Buffer, md: Metadata, nowSec: number): StoredChunk;
}

/** One record larger than chunk_limit_size (Fluentd's BufferChunkOverflowError). */
export class BufferChunkOverflowError extends TributaryError {
  constructor(message: string) {
    super('BUFFER_CHUNK_OVERFLOW', message);
  }
}

export function metadataKey(md: Metadata): string {
  return JSON.stringify([md.timekey ?? null, md.tag ?? null, md.variables ?? null]);
}

/** Formats events [start, end) of the group being written. */
export type SliceFormatter = (start: number, end: number) => Uint8Array;

export class BufferCore {
  readonly stage = new Map<string, StoredChunk>();
  readonly queue: StoredChunk[] = [];
  readonly dequeued = new Map<string, StoredChunk>();
  stageBytes = 0;
  queueBytes = 0;
  stageRecords = 0;
  queueRecords = 0;
  /** Records of failed appends that were rolled back (the emitter got the error). */
  onRollback: ((records: number) => void) | undefined;
  /** Called when a chunk enters the queue. */
  onEnqueue: ((c: StoredChunk) => void) | undefined;
  /** Called when a new staged chunk is created. */
  onCreate: ((c: StoredChunk) => void) | undefined;

  constructor(
    readonly limits: BufferLimits,
    private readonly factory: ChunkFactory,
    private readonly nowSec: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  get totalBytes(): number {
    return this.stageBytes + this.queueBytes;
  }

  storable(): boolean {
    return this.limits.totalLimitSize > this.stageBytes + this.queueBytes;
  }

  /** Queue length, counting chunks being written. */
  get queueLength(): number {
    return this.queue.length + this.dequeued.size;
  }

  private track(c: StoredChunk): void {
    c.onShrink = (ch, bytes, records) => {
      this.onRollback?.(records);
      if (ch.broken && ch.state === 'staged' && this.stage.get(metadataKey(ch.metadata)) === ch) {
        this.stage.delete(metadataKey(ch.metadata));
        this.stageBytes -= ch.bytesize;
        this.stageRecords -= ch.records;
        ch.state = 'purged';
        void ch.purge().catch(() => {});
      }
      if (ch.state === 'staged') {
        this.stageBytes -= bytes;
        this.stageRecords -= records;
      } else if (ch.state !== 'purged') {
        this.queueBytes -= bytes;
        this.queueRecords -= records;
      }
    };
  }

  /** Adopt chunks found on disk at start. */
  restore(staged: StoredChunk[], queued: StoredChunk[]): void {
    for (const c of staged) {
      const key = metadataKey(c.metadata);
      this.track(c);
      if (this.stage.has(key) || this.isFull(c, 0, 0)) {
        c.markQueued();
        this.queue.push(c);
        this.queueBytes += c.bytesize;
        this.queueRecords += c.records;
      } else {
        this.stage.set(key, c);
        this.stageBytes += c.bytesize;
        this.stageRecords += c.records;
      }
    }
    for (const c of queued) {
      this.track(c);
      this.queue.push(c);
      this.queueBytes += c.bytesize;
      this.queueRecords += c.records;
    }
    this.queue.sort((a, b) => a.modifiedAt - b.modifiedAt);
  }

  private isFull(c: StoredChunk, addBytes: number, addRecords: number): boolean {
    const l = this.limits;
    if (c.bytesize + addBytes >= l.chunkLimitSize * l.chunkFullThreshold) return true;
    return (
      l.chunkLimitRecords !== undefined &&
      c.records + addRecords >= l.chunkLimitRecords * l.chunkFullThreshold
    );
  }

  private fits(c: StoredChunk, bytes: number, records: number): boolean {
    const l = this.limits;
    if (c.bytesize + bytes > l.chunkLimitSize) return false;
    return l.chunkLimitRecords === undefined || c.records + records <= l.chunkLimitRecords;
  }

  private staged(md: Metadata, key: string): StoredChunk {
    let c = this.stage.get(key);
    if (c?.broken) {
      this.stage.delete(key);
      this.stageBytes -= c.bytesize;
      this.stageRecords -= c.records;
      c.state = 'purged';
      void c.purge().catch(() => {});
      c = undefined;
    }
    if (!c) {
      c = this.factory.create(newChunkId(), md, this.nowSec());
      this.track(c);
      this.stage.set(key, c);
      this.onCreate?.(c);
    }
    return c;
  }

  private add(c: StoredChunk, data: Uint8Array, n: number, out: Promise<void>[]): void {
    const p = c.append(data, n);
    this.stageBytes += data.length;
    this.stageRecords += n;
    if (p) out.push(p);
  }

  /**
   * Append `n` events for one metadata. `bulk` is the whole group formatted (when already
   * known); `slice` formats a sub-range (used when splitting). Returns the durability
   * promises of the appends. Throws BufferChunkOverflowError after storing the rest when a
   * single record exceeds chunk_limit_size.
   */
  write(
    md: Metadata,
    n: number,
    bulk: Uint8Array | undefined,
    slice: SliceFormatter,
    out: Promise<void>[],
  ): void {
    const key = metadataKey(md);
    let c = this.staged(md, key);
    const data = bulk ?? slice(0, n);
    if (this.fits(c, data.length, n)) {
      this.add(c, data, n, out);
    } else if (c.records > 0 && this.fitsEmpty(data.length, n)) {
      this.enqueue(c);
      c = this.staged(md, key);
      this.add(c, data, n, out);
    } else {
      // Larger than one chunk: fill chunks with ranges of records, each range formatted once
      // (sized from the average record, halved until it fits), not one format per record.
      // A single record larger than chunk_limit_size is refused and named by its index.
      const oversized: string[] = [];
      const limit = this.limits.chunkLimitSize;
      const avg = Math.max(1, data.length / n);
      let i = 0;
      while (i < n) {
        const roomRecords = (this.limits.chunkLimitRecords ?? n) - c.records;
        let k = Math.max(1, Math.min(n - i, Math.floor((limit - c.bytesize) / avg), roomRecords));
        let rec = k === n ? data : slice(i, i + k);
        while (k > 1 && !this.fits(c, rec.length, k)) {
          k >>= 1;
          rec = slice(i, i + k);
        }
        if (k === 1 && rec.length > limit) {
          oversized.push(
            `a ${rec.length} bytes record (nth: ${i}) is larger than buffer chunk limit size (${limit})`,
          );
          i++;
          continue;
        }
        if (!this.fits(c, rec.length, k)) {
          // even one record does not fit what is left: next chunk, and size the range again
          if (c.records > 0) this.enqueue(c);
          c = this.staged(md, key);
          continue;
        }
        this.add(c, rec, k, out);
        i += k;
      }
      if (oversized.length > 0) {
        if (c.records > 0 && this.isFull(c, 0, 0)) this.enqueue(c);
        throw new BufferChunkOverflowError(oversized.join(', '));
      }
    }
    if (this.isFull(c, 0, 0)) this.enqueue(c);
  }

  private fitsEmpty(bytes: number, records: number): boolean {
    const l = this.limits;
    return bytes <= l.chunkLimitSize && (l.chunkLimitRecords === undefined || records <= l.chunkLimitRecords);
  }

  /** Move one staged chunk to the queue (an empty one is just dropped). */
  enqueue(c: StoredChunk): void {
    if (c.state !== 'staged') return;
    this.stage.delete(metadataKey(c.metadata));
    this.stageBytes -= c.bytesize;
    this.stageRecords -= c.records;
    if (c.records === 0 && c.bytesize === 0) {
      void c.purge();
      return;
    }
    c.markQueued();
    this.queue.push(c);
    this.queueBytes += c.bytesize;
    this.queueRecords += c.records;
    this.onEnqueue?.(c);
  }

  /** Enqueue every staged chunk for which `pred` holds (all when no predicate). */
  enqueueAll(pred?: (c: StoredChunk) => boolean): void {
    for (const c of [...this.stage.values()]) if (!pred || pred(c)) this.enqueue(c);
  }

  /** Oldest queued chunk → dequeued (being written). */
  dequeue(): StoredChunk | undefined {
    const c = this.queue.shift();
    if (!c) return undefined;
    c.state = 'dequeued';
    this.dequeued.set(c.idHex, c);
    return c;
  }

  /** A failed write: back to the front of the queue. */
  takeback(c: StoredChunk): void {
    if (!this.dequeued.delete(c.idHex)) return;
    c.state = 'queued';
    this.queue.unshift(c);
  }

  /** Committed (or given up): remove it for good. */
  async purge(c: StoredChunk): Promise<void> {
    if (c.state === 'purged') return;
    if (c.state === 'staged') {
      this.stage.delete(metadataKey(c.metadata));
      this.stageBytes -= c.bytesize;
      this.stageRecords -= c.records;
    } else {
      this.dequeued.delete(c.idHex);
      const i = this.queue.indexOf(c);
      if (i >= 0) this.queue.splice(i, 1);
      this.queueBytes -= c.bytesize;
      this.queueRecords -= c.records;
    }
    c.state = 'purged';
    await c.purge();
  }

  /** All chunks, oldest first: staged, queued, dequeued. */
  all(): StoredChunk[] {
    return [...this.dequeued.values(), ...this.queue, ...this.stage.values()];
  }
}
