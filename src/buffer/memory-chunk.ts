// In-memory chunk: one growable byte array per chunk (capacity doubles; no concat per append).
// With `compress gzip` appends wait in a pending list and are compressed in the background
// (async zlib, one gzip member per batch of pending appends); readRaw() waits for that.

import type { Metadata } from '../plugin/placeholders.js';
import { type ChunkCompression, StoredChunk } from './chunk.js';
import { gzipMember } from './gzip.js';

export class MemoryChunk extends StoredChunk {
  private buf: Buffer;
  /** Bytes in buf (stored bytes: equals bytesize unless compressed). */
  private used = 0;
  private pending: Uint8Array[] = [];
  private compressing: Promise<void> | undefined;

  constructor(
    id: Buffer,
    metadata: Metadata,
    nowSec: number,
    compress: ChunkCompression = 'text',
    initial = 4096,
  ) {
    super(id, metadata, nowSec);
    this.compress = compress;
    this.buf = Buffer.allocUnsafe(initial);
  }

  private put(data: Uint8Array): void {
    const need = this.used + data.length;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const nb = Buffer.allocUnsafe(cap);
      this.buf.copy(nb, 0, 0, this.used);
      this.buf = nb;
    }
    this.buf.set(data, this.used);
    this.used = need;
  }

  append(data: Uint8Array, n: number): undefined {
    this.bytesize += data.length;
    this.records += n;
    this.modifiedAt = Math.floor(Date.now() / 1000);
    if (this.compress === 'gzip') {
      this.pending.push(data);
      this.compressing ??= this.compressPending();
    } else {
      this.put(data);
    }
    return undefined;
  }

  private async compressPending(): Promise<void> {
    try {
      await Promise.resolve();
      while (this.pending.length > 0) {
        const parts = this.pending;
        this.pending = [];
        const member = await gzipMember(parts);
        if (this.state !== 'purged') this.put(member);
      }
    } finally {
      this.compressing = undefined;
    }
  }

  markQueued(): void {
    this.state = 'queued';
  }

  async readRaw(): Promise<Buffer> {
    while (this.compressing) await this.compressing;
    return this.buf.subarray(0, this.used);
  }

  async purge(): Promise<void> {
    this.state = 'purged';
    this.pending = [];
    this.buf = Buffer.alloc(0);
    this.used = 0;
  }

  async close(): Promise<void> {}
}
