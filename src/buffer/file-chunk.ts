// A file-buffer chunk: `<prefix>b<32hex><suffix>` (staged) / `<prefix>q<32hex><suffix>`
// (queued) plus `<that>.meta` (file-meta.ts). Crash safety, in order of operations:
//
//   create    meta written (tmp + fsync + rename), data opened `wx`, directory fsynced —
//             before the first append's promise resolves
//   append    bytes wait in memory; the group writer writes them at the committed length
//             (compress gzip: as one gzip member per round) and fdatasyncs; only then the
//             append's promise resolves (durable ack). A failed write is truncated back to
//             the committed length.
//   enqueue   rename data .b→.q; new meta as .q meta (tmp + rename); unlink the .b meta;
//             fsync the directory. Resume accepts a .q data file with either meta.
//   purge     unlink data and meta.
//
// A crash at any byte therefore leaves whole records plus at most a torn tail of unacked
// bytes, which resume truncates (file-store.ts).

import * as fs from 'node:fs/promises';
import type { Metadata } from '../plugin/placeholders.js';
import { type ChunkCompression, StoredChunk } from './chunk.js';
import { encodeMeta } from './file-meta.js';
import type { GroupTarget, GroupWriter, Round } from './group-writer.js';
import { gzipMember } from './gzip.js';

export interface FileChunkHost {
  readonly writer: GroupWriter;
  readonly filePermission: number;
  /** How new chunks store their bytes. */
  readonly compress: ChunkCompression;
  /** Data file path for a state and id. */
  pathFor(state: 'b' | 'q', idHex: string): string;
  syncDir(): Promise<void>;
  /** Test hook: fail appends (e.g. with ENOSPC) without a full disk. */
  failAppend?: (() => Error | undefined) | undefined;
}

export async function writeFileAtomic(file: string, bytes: Uint8Array, mode: number): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await fs.open(tmp, 'w', mode);
  try {
    await fh.write(bytes);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
}

async function unlinkQuiet(p: string): Promise<void> {
  try {
    await fs.unlink(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export class FileChunk extends StoredChunk implements GroupTarget {
  dataPath: string;
  metaPath: string;
  private fh: fs.FileHandle | undefined;
  /** Disk operations (create, rename) run in this order. */
  private ops: Promise<void>;
  /** The files exist (appends wait only for this, never for a rename that waits for them). */
  private created: Promise<void>;
  /** Stored bytes on disk that are durable (the file length after the last round). */
  private committedBytes: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private pendingRecords = 0;
  private waiters: Round['waiters'] = [];
  private inRound = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly host: FileChunkHost,
    id: Buffer,
    metadata: Metadata,
    nowSec: number,
    existing?: {
      state: 'staged' | 'queued';
      dataPath: string;
      metaPath: string;
      bytes: number;
      /** Stored length on disk (differs from bytes when compressed). */
      storedBytes: number;
      compress: ChunkCompression;
      records: number;
      createdAt: number;
      modifiedAt: number;
    },
  ) {
    super(id, metadata, nowSec);
    if (existing) {
      this.state = existing.state;
      this.dataPath = existing.dataPath;
      this.metaPath = existing.metaPath;
      this.bytesize = existing.bytes;
      this.committedBytes = existing.storedBytes;
      this.compress = existing.compress;
      this.records = existing.records;
      this.createdAt = existing.createdAt;
      this.modifiedAt = existing.modifiedAt;
      this.ops = Promise.resolve();
      this.created = this.ops;
    } else {
      this.compress = host.compress;
      this.dataPath = host.pathFor('b', this.idHex);
      this.metaPath = `${this.dataPath}.meta`;
      this.committedBytes = 0;
      this.ops = this.create();
      this.created = this.ops;
      this.ops.catch(() => {
        this.broken = true;
      });
    }
  }

  override get path(): string {
    return this.dataPath;
  }

  private meta(): Buffer {
    return encodeMeta({
      metadata: this.metadata,
      id: this.id,
      records: this.records,
      createdAt: this.createdAt,
      modifiedAt: this.modifiedAt,
    });
  }

  private async create(): Promise<void> {
    await writeFileAtomic(this.metaPath, this.meta(), this.host.filePermission);
    this.fh = await fs.open(this.dataPath, 'wx+', this.host.filePermission);
    await this.host.syncDir();
  }

  private async handle(): Promise<fs.FileHandle> {
    await this.created;
    if (!this.fh) this.fh = await fs.open(this.dataPath, 'r+');
    return this.fh;
  }

  append(data: Uint8Array, n: number): Promise<void> {
    this.pending.push(data);
    this.pendingBytes += data.length;
    this.pendingRecords += n;
    this.bytesize += data.length;
    this.records += n;
    this.modifiedAt = Math.floor(Date.now() / 1000);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.host.writer.schedule(this);
    });
  }

  takeRound(): Round | undefined {
    if (this.pendingBytes === 0 && this.waiters.length === 0) return undefined;
    const r: Round = {
      bytes: this.pendingBytes,
      records: this.pendingRecords,
      parts: this.pending,
      waiters: this.waiters,
    };
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingRecords = 0;
    this.waiters = [];
    this.inRound = true;
    return r;
  }

  async writeRound(r: Round): Promise<void> {
    const injected = this.host.failAppend?.();
    if (injected) throw injected;
    const parts = this.compress === 'gzip' ? [await gzipMember(r.parts)] : r.parts;
    let len = 0;
    for (const p of parts) len += p.length;
    r.stored = len;
    const fh = await this.handle();
    const { bytesWritten } = await fh.writev(parts, this.committedBytes);
    if (bytesWritten !== len) {
      throw Object.assign(new Error(`short write: ${bytesWritten} of ${len} bytes`), { code: 'ENOSPC' });
    }
  }

  async syncRound(): Promise<void> {
    await this.fh!.datasync();
  }

  commitRound(r: Round): void {
    this.committedBytes += r.stored ?? r.bytes;
    this.inRound = false;
    for (const w of r.waiters) w.resolve();
    this.settleIdle();
  }

  async failRound(r: Round, e: Error): Promise<void> {
    try {
      if (this.fh) await this.fh.truncate(this.committedBytes);
    } catch {
      // the next successful round writes at committedBytes and overwrites the tail anyway
    }
    this.bytesize -= r.bytes;
    this.records -= r.records;
    this.inRound = false;
    this.onShrink?.(this, r.bytes, r.records);
    for (const w of r.waiters) w.reject(e);
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.inRound || this.pendingBytes > 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const cb of w) cb();
  }

  /** Resolves when no append is pending or being written. */
  idle(): Promise<void> {
    if (!this.inRound && this.pendingBytes === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  markQueued(): void {
    this.state = 'queued';
    this.ops = this.ops.then(() => this.idle()).then(() => this.renameQueued());
    this.ops.catch(() => {});
  }

  private async renameQueued(): Promise<void> {
    if (this.state === 'purged') return;
    const data = this.host.pathFor('q', this.idHex);
    if (data === this.dataPath) return;
    const oldMeta = this.metaPath;
    await fs.rename(this.dataPath, data);
    this.dataPath = data;
    const newMeta = `${data}.meta`;
    try {
      await writeFileAtomic(newMeta, this.meta(), this.host.filePermission);
      this.metaPath = newMeta;
      await unlinkQuiet(oldMeta);
    } catch {
      // e.g. ENOSPC: the .b meta stays valid for this .q data (resume accepts either name)
      await unlinkQuiet(`${newMeta}.tmp`).catch(() => {});
    }
    await this.host.syncDir();
  }

  async readRaw(): Promise<Buffer> {
    await this.ops.catch(() => {});
    await this.idle();
    const fh = await fs.open(this.dataPath, 'r');
    try {
      const b = Buffer.allocUnsafe(this.committedBytes);
      let off = 0;
      while (off < b.length) {
        const { bytesRead } = await fh.read(b, off, b.length - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      return b.subarray(0, off);
    } finally {
      await fh.close();
    }
  }

  async purge(): Promise<void> {
    this.state = 'purged';
    try {
      await this.ops;
    } catch {
      // a failed create/rename leaves files to remove all the same
    }
    await this.idle();
    await this.closeHandle();
    await unlinkQuiet(this.dataPath);
    await unlinkQuiet(this.metaPath);
  }

  private async closeHandle(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    if (fh) await fh.close().catch(() => {});
  }

  /** Shutdown: wait for appends, record the final counts in the meta, close. Files stay. */
  async close(): Promise<void> {
    try {
      await this.ops;
    } catch {
      // nothing more to do for a chunk whose files could not be made
    }
    await this.idle();
    await this.closeHandle();
    if (this.state !== 'purged' && this.records > 0) {
      await writeFileAtomic(this.metaPath, this.meta(), this.host.filePermission).catch(() => {});
    }
  }
}
