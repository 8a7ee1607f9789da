// buf_file: chunks in files, Fluentd's naming and .meta layout (spec core §5; format drawn
// in docs/formats/buffer.md and src/buffer/file-meta.ts). Defaults: chunk_limit_size 256m,
// total_limit_size 64g, flush_at_shutdown false (chunks stay on disk for the next start).

import type { ChunkStorage } from '../buffer/chunk.js';
import { type BufferConfig, bufferParams } from '../buffer/config.js';
import { FileStore, type Framing } from '../buffer/file-store.js';
import type { PluginContext } from '../plugin/types.js';

export class FileBufferPlugin {
  static readonly type = 'file';
  static readonly kind = 'buffer' as const;
  static readonly params = bufferParams;
  static readonly desc =
    'Buffer chunks in files (durable: appends are fsynced before they are acknowledged).';
  readonly ctx: PluginContext;
  constructor(ctx: PluginContext) {
    this.ctx = ctx;
  }
  static createStorage(cfg: BufferConfig, ctx: PluginContext, framing: Framing = 'msgpack'): ChunkStorage {
    return new FileStore({
      path: cfg.path,
      pathSuffix: cfg.pathSuffix,
      pluginRootDir: ctx.pluginRootDir,
      rootDir: ctx.system.rootDir,
      pluginId: ctx.id,
      workerId: ctx.workerId,
      workers: ctx.system.workers,
      filePermission: cfg.filePermission ?? ctx.system.filePermission,
      dirPermission: cfg.dirPermission ?? ctx.system.dirPermission,
      framing,
      compress: cfg.compress,
      chunkLimitSize: cfg.chunkLimitSize,
      log: ctx.log,
    });
  }
  configure(): void {}
  start(): void {}
  stop(): void {}
  shutdown(): void {}
}
