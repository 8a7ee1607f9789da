// buf_memory: chunks in process memory (spec core §4.2: chunk_limit_size 8m,
// total_limit_size 512m, flush_at_shutdown true). Lost on crash; use buf_file for durability.

import type { ChunkCompression, ChunkStorage, StoredChunk } from '../buffer/chunk.js';
import type { BufferConfig } from '../buffer/config.js';
import { bufferParams } from '../buffer/config.js';
import { MemoryChunk } from '../buffer/memory-chunk.js';
import type { Metadata } from '../plugin/placeholders.js';
import type { PluginContext } from '../plugin/types.js';

export class MemoryStorage implements ChunkStorage {
  constructor(private readonly compress: ChunkCompression = 'text') {}

  create(id: Buffer, md: Metadata, nowSec: number): StoredChunk {
    return new MemoryChunk(id, md, nowSec, this.compress);
  }

  async resume(): Promise<{ staged: StoredChunk[]; queued: StoredChunk[] }> {
    return { staged: [], queued: [] };
  }

  async close(): Promise<void> {}
}

/** Registry entry for `<buffer> @type memory` (the runner builds the storage). */
export class MemoryBufferPlugin {
  static readonly type = 'memory';
  static readonly kind = 'buffer' as const;
  static readonly params = bufferParams;
  static readonly desc = 'Buffer chunks in memory.';
  readonly ctx: PluginContext;
  constructor(ctx: PluginContext) {
    this.ctx = ctx;
  }
  static createStorage(cfg: BufferConfig, _ctx: PluginContext): ChunkStorage {
    return new MemoryStorage(cfg.compress);
  }
  configure(): void {}
  start(): void {}
  stop(): void {}
  shutdown(): void {}
}
