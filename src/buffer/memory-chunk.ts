// In-memory chunk: one growable byte array per chunk (capacity doubles; no concat per append).

import type { Metadata } from '../plugin/placeholders.js';
import { StoredChunk } from './chunk.js';

export class MemoryChunk extends StoredChunk {
  private buf: Buffer;

  constructor(id: Buffer, metadata: Metadata, nowSec: number, initial = 4096) {
    super(id, metadata, nowSec);
    this.buf = Buffer.allocUnsafe(initial);
  }

  append(data: Uint8Array, n: number): undefined {
    const need = this.bytesize + data.length;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const nb = Buffer.allocUnsafe(cap);
      this.buf.copy(nb, 0, 0, this.bytesize);
      this.buf = nb;
    }
    this.buf.set(data, this.bytesize);
    this.bytesize = need;
    this.records += n;
    this.modifiedAt = Math.floor(Date.now() / 1000);
    return undefined;
  }

  markQueued(): void {
    this.state = 'queued';
  }

  async read(): Promise<Buffer> {
    return this.buf.subarray(0, this.bytesize);
  }

  async purge(): Promise<void> {
    this.state = 'purged';
    this.buf = Buffer.alloc(0);
  }

  async close(): Promise<void> {}
}
