// File-buffer storage: the ChunkStorage of `@type file` buffers (spec core §5).
//
// Contract: resume() resolves the layout (file-layout.ts: path rules, one buffer per path),
// moves in a single-worker run's chunks on worker 0 of several (file-migrate.ts), then
// checks, repairs or quarantines every chunk found (file-resume.ts: torn tails, broken
// chunks, record scan by framing in record-scan.ts) and returns the live ones. create()
// makes FileChunks (file-chunk.ts: data + meta format) that use this store as their host:
// chunk paths, the shared group-commit writer, and one coalesced directory fsync.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../core/log.js';
import type { Metadata } from '../plugin/placeholders.js';
import type { ChunkCompression, ChunkStorage, StoredChunk } from './chunk.js';
import { FileChunk, type FileChunkHost } from './file-chunk.js';
import { chunkNamePattern, claimLayout, type Layout, releaseLayout, resolveLayout } from './file-layout.js';
import { migrateLegacy } from './file-migrate.js';
import { collectChunkFiles, type ResumeReport, resumeChunk } from './file-resume.js';
import { GroupWriter } from './group-writer.js';
import type { Framing } from './record-scan.js';

export type { Layout } from './file-layout.js';
export { resolveLayout } from './file-layout.js';
export type { ResumeReport } from './file-resume.js';
export { type Framing, scanRecords } from './record-scan.js';

export interface FileStoreOptions {
  path: string | undefined;
  pathSuffix: string;
  pluginRootDir: string | undefined;
  rootDir: string | undefined;
  pluginId: string;
  workerId: number;
  workers: number;
  filePermission: number;
  dirPermission: number;
  framing: Framing;
  compress: ChunkCompression;
  /** Largest plain chunk expected (chunk_limit_size): bounds decompression on resume. */
  chunkLimitSize?: number;
  log: Logger;
}

export class FileStore implements ChunkStorage, FileChunkHost {
  readonly writer = new GroupWriter();
  readonly filePermission: number;
  readonly compress: ChunkCompression;
  failAppend: (() => Error | undefined) | undefined;
  report: ResumeReport = { staged: 0, queued: 0, tornBytes: 0, quarantined: [], removed: [], migrated: 0 };
  private layout: Layout | undefined;
  private dirHandle: fs.FileHandle | undefined;
  private dirSync: Promise<void> | undefined;
  private dirSyncAgain = false;

  constructor(private readonly o: FileStoreOptions) {
    this.filePermission = o.filePermission;
    this.compress = o.compress;
  }

  get dir(): string {
    return this.layout!.dir;
  }

  pathFor(state: 'b' | 'q', idHex: string): string {
    const l = this.layout!;
    return path.join(l.dir, `${l.prefix}${state}${idHex}${l.suffix}`);
  }

  /** fsync the directory; concurrent callers share one pending sync. */
  async syncDir(): Promise<void> {
    if (this.dirSync) {
      this.dirSyncAgain = true;
      return this.dirSync;
    }
    this.dirSync = (async () => {
      try {
        do {
          this.dirSyncAgain = false;
          this.dirHandle ??= await fs.open(this.layout!.dir, 'r');
          await this.dirHandle.sync();
        } while (this.dirSyncAgain);
      } finally {
        this.dirSync = undefined;
      }
    })();
    return this.dirSync;
  }

  create(id: Buffer, md: Metadata, nowSec: number): StoredChunk {
    return new FileChunk(this, id, md, nowSec);
  }

  filesOf(c: StoredChunk): string[] {
    const f = c as FileChunk;
    return [f.dataPath, f.metaPath];
  }

  async resume(): Promise<{ staged: StoredChunk[]; queued: StoredChunk[] }> {
    this.layout = await resolveLayout(this.o);
    const l = this.layout;
    claimLayout(l);
    await fs.mkdir(l.dir, { recursive: true, mode: this.o.dirPermission });
    const re = chunkNamePattern(l);
    if (l.legacyDir) {
      const target = {
        dir: l.dir,
        filePermission: this.filePermission,
        log: this.o.log,
        syncDir: () => this.syncDir(),
      };
      const moved = await migrateLegacy(l.legacyDir, re, target);
      if (moved > 0) this.report.migrated = moved;
    }
    const staged: StoredChunk[] = [];
    const queued: StoredChunk[] = [];
    for (const [hex, e] of await collectChunkFiles(l, re)) {
      const c = await resumeChunk(this, this.o, this.report, hex, e);
      if (c) (c.state === 'staged' ? staged : queued).push(c);
    }
    this.report.staged = staged.length;
    this.report.queued = queued.length;
    return { staged, queued };
  }

  async close(chunks: StoredChunk[]): Promise<void> {
    for (const c of chunks) await c.close().catch(() => {});
    await this.dirHandle?.close().catch(() => {});
    this.dirHandle = undefined;
    if (this.layout) releaseLayout(this.layout);
  }
}
