// File-buffer storage: path rules (spec core §5.1), chunk creation, resume on start (§5.6)
// and quarantine of broken chunks (§5.7).
//
//   path unset, root_dir + @id   <root_dir>/worker<N>/<@id>/buffer/buffer.<b|q><32hex>.log
//   path is a directory          <path>/buffer.<b|q><32hex><path_suffix>  (workers>1: <path>/worker<N>/;
//                                worker 0 first moves in the chunks a single-worker run left in <path>/)
//   basename has `.*.`           used as is, `*` → <b|q><32hex> (path_suffix ignored)
//   basename ends with `.*`      `*` → <b|q><32hex>, then path_suffix
//
// Resume: every `<b|q><hex>` data file is checked. The data is scanned by its framing
// (msgpack entries, or lines) and a torn tail is truncated back to the last whole record
// (counted, logged). Empty data files and orphan metas are removed (nothing in them was
// acknowledged). A chunk whose meta is unreadable, or whose data holds no whole record, is
// copied to the backup directory and removed, with a log line naming it, its time range and
// record count — the process always starts.
//
// Compressed chunks (data starting with the gzip magic, whatever `compress` says now) are
// checked member by member: a torn or garbage tail after the last whole member is cut off.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { EventTime } from '../core/event-time.js';
import type { Logger } from '../core/log.js';
import { unpackr } from '../core/msgpack.js';
import type { Metadata } from '../plugin/placeholders.js';
import { backupDir } from './backup.js';
import type { ChunkCompression, ChunkStorage, StoredChunk } from './chunk.js';
import { FileChunk, type FileChunkHost, writeFileAtomic } from './file-chunk.js';
import { type ChunkMeta, decodeMeta } from './file-meta.js';
import { GroupWriter } from './group-writer.js';
import { DEFAULT_DECOMPRESS_LIMIT, isGzip, wholeMembers } from './gzip.js';

/** How whole records are found in a chunk: msgpack `[time, record]` entries, msgpack maps
 *  with an integer `time` key (out_tdlog's import format), newline-terminated lines, or not at all. */
export type Framing = 'msgpack' | 'msgpack-maps' | 'lines' | 'none';

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

export interface Layout {
  dir: string;
  prefix: string;
  suffix: string;
  /** Worker 0 of several: where a single-worker run kept its chunks (`<path>/`). */
  legacyDir?: string;
}

export interface ResumeReport {
  staged: number;
  queued: number;
  tornBytes: number;
  quarantined: string[];
  removed: string[];
  /** Chunks moved in from a single-worker layout (worker 0 only). */
  migrated: number;
}

const usedPaths = new Set<string>();

/** Directory, name prefix and suffix of chunk files (no I/O except one stat). */
export async function resolveLayout(o: FileStoreOptions): Promise<Layout> {
  if (o.path === undefined) {
    if (!o.pluginRootDir) throw new ConfigError(`buffer path is not configured. specify 'path' in <buffer>`);
    return { dir: path.join(o.pluginRootDir, 'buffer'), prefix: 'buffer.', suffix: o.pathSuffix };
  }
  const base = path.basename(o.path);
  if (base.includes('.*.') || base.endsWith('.*') || base === '*') {
    if (o.workers > 1) {
      throw new ConfigError(
        "file buffer with multi workers should be configured to use directory 'path', or system root_dir and plugin id",
      );
    }
    const star = base.indexOf('*');
    const prefix = base.slice(0, star);
    const suffix = base.endsWith('*') ? o.pathSuffix : base.slice(star + 1);
    return { dir: path.dirname(o.path), prefix, suffix };
  }
  let isFile = false;
  try {
    isFile = (await fs.stat(o.path)).isFile();
  } catch {
    // does not exist yet: a directory
  }
  if (isFile) return { dir: path.dirname(o.path), prefix: `${base}.`, suffix: o.pathSuffix };
  if (o.workers > 1) {
    const dir = path.join(o.path, `worker${o.workerId}`);
    return {
      dir,
      prefix: 'buffer.',
      suffix: o.pathSuffix,
      ...(o.workerId === 0 ? { legacyDir: o.path } : {}),
    };
  }
  return { dir: o.path, prefix: 'buffer.', suffix: o.pathSuffix };
}

/** Length of the whole-record prefix of `b` and its record count and time range. */
export function scanRecords(
  b: Buffer,
  framing: Framing,
): { valid: number; records: number; first?: number; last?: number } {
  if (framing === 'lines') {
    const end = b.lastIndexOf(0x0a) + 1;
    let n = 0;
    for (let i = b.indexOf(0x0a); i >= 0 && i < end; i = b.indexOf(0x0a, i + 1)) n++;
    return { valid: end, records: n };
  }
  if (framing === 'none') return { valid: b.length, records: -1 };
  let off = 0;
  let n = 0;
  let first: number | undefined;
  let last: number | undefined;
  while (off < b.length) {
    let v: unknown;
    let next: number;
    try {
      let pos = off;
      unpackr.unpackMultiple(b.subarray(off), (value: unknown, start?: number, end?: number) => {
        v = value;
        pos = off + (end ?? 0);
        void start;
        return false;
      });
      next = pos;
    } catch {
      break;
    }
    if (next <= off) break;
    let sec: number | undefined;
    if (framing === 'msgpack-maps') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) break;
      const t = (v as Record<string, unknown>).time;
      sec = typeof t === 'number' ? Math.floor(t) : 0;
    } else {
      if (!Array.isArray(v) || v.length !== 2) break;
      const t = v[0];
      sec = t instanceof EventTime ? t.sec : typeof t === 'number' ? Math.floor(t) : undefined;
      if (sec === undefined || v[1] === null || typeof v[1] !== 'object') break;
    }
    if (first === undefined) first = sec;
    last = sec;
    n++;
    off = next;
  }
  return { valid: off, records: n, ...(first !== undefined ? { first, last } : {}) };
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
    const key = path.join(l.dir, `${l.prefix}*${l.suffix}`);
    if (usedPaths.has(key)) {
      throw new ConfigError(
        `Other 'file' plugin already use same buffer path: type = file, buffer path = ${key}`,
      );
    }
    usedPaths.add(key);
    await fs.mkdir(l.dir, { recursive: true, mode: this.o.dirPermission });
    const re = new RegExp(`^${escapeRe(l.prefix)}([bq])([0-9a-f]{32})${escapeRe(l.suffix)}(\\.meta)?$`);
    if (l.legacyDir) await this.migrateLegacy(l.legacyDir, re);
    const names = await fs.readdir(l.dir);
    const byId = new Map<
      string,
      { data: Partial<Record<'b' | 'q', string>>; meta: Partial<Record<'b' | 'q', string>> }
    >();
    for (const n of names) {
      if (n.endsWith('.meta.tmp') && n.startsWith(l.prefix)) {
        await fs.unlink(path.join(l.dir, n)).catch(() => {});
        continue;
      }
      const m = re.exec(n);
      if (!m) continue;
      const st = m[1] as 'b' | 'q';
      let e = byId.get(m[2]!);
      if (!e) {
        e = { data: {}, meta: {} };
        byId.set(m[2]!, e);
      }
      (m[3] ? e.meta : e.data)[st] = path.join(l.dir, n);
    }
    const staged: StoredChunk[] = [];
    const queued: StoredChunk[] = [];
    for (const [hex, e] of byId) {
      const c = await this.resumeOne(hex, e);
      if (c) (c.state === 'staged' ? staged : queued).push(c);
    }
    this.report.staged = staged.length;
    this.report.queued = queued.length;
    return { staged, queued };
  }

  private async resumeOne(
    hex: string,
    e: { data: Partial<Record<'b' | 'q', string>>; meta: Partial<Record<'b' | 'q', string>> },
  ): Promise<FileChunk | undefined> {
    const log = this.o.log;
    const metas = [e.meta.q, e.meta.b].filter((x): x is string => x !== undefined);
    const dataPath = e.data.q ?? e.data.b;
    if (e.data.q && e.data.b) {
      // a .b and a .q of one id cannot both be live: the .q is the newer state
      await fs.unlink(e.data.b).catch(() => {});
    }
    if (!dataPath) {
      for (const m of metas) await fs.unlink(m).catch(() => {});
      this.report.removed.push(...metas);
      return undefined;
    }
    const state: 'staged' | 'queued' = e.data.q ? 'queued' : 'staged';
    const data = await fs.readFile(dataPath);
    let meta: ChunkMeta | undefined;
    let metaErr: string | undefined;
    let metaPath = metas[0];
    for (const m of metas) {
      try {
        meta = decodeMeta(await fs.readFile(m));
        metaPath = m;
        break;
      } catch (err) {
        metaErr = (err as Error).message;
      }
    }
    if (data.length === 0) {
      for (const f of [dataPath, ...metas]) await fs.unlink(f).catch(() => {});
      this.report.removed.push(dataPath);
      log.info('removed an empty buffer chunk left by an unclean stop', { path: dataPath });
      return undefined;
    }
    // gzip when the data says so: a msgpack or line chunk never starts with 1f 8b, so old
    // chunks stay readable after `compress` changes; for other formats trust the config.
    const gz = isGzip(data) && (this.o.compress === 'gzip' || this.o.framing !== 'none');
    let plain: Buffer = data;
    let stored = data.length;
    if (gz) {
      const limit = Math.max(DEFAULT_DECOMPRESS_LIMIT, this.o.chunkLimitSize ?? 0);
      const m = wholeMembers(data, limit);
      plain = m.data;
      stored = m.valid;
    }
    const scan = scanRecords(plain, this.o.framing);
    const damaged = gz && scan.valid < plain.length;
    if (!meta || scan.valid === 0 || stored === 0 || damaged) {
      const why = !meta
        ? (metaErr ?? 'no .meta file')
        : damaged
          ? 'a whole gzip member holds a partial record'
          : gz && stored === 0
            ? 'no whole gzip member in the data file'
            : 'no whole record in the data file';
      await this.quarantine(hex, dataPath, metas, data, why, state, scan, meta);
      return undefined;
    }
    if (!gz) stored = scan.valid;
    if (stored < data.length) {
      const torn = data.length - stored;
      await fs.truncate(dataPath, stored);
      this.report.tornBytes += torn;
      log.warn('truncated a torn tail of a buffer chunk (bytes that were never acknowledged)', {
        path: dataPath,
        torn_bytes: torn,
        records: scan.records,
      });
    }
    for (const m of metas) if (m !== metaPath) await fs.unlink(m).catch(() => {});
    const finalMeta = metaPath === `${dataPath}.meta` ? metaPath : `${dataPath}.meta`;
    if (metaPath !== finalMeta) await fs.rename(metaPath!, finalMeta);
    if (!meta.id.equals(Buffer.from(hex, 'hex')))
      log.warn('buffer chunk meta id differs from its file name; using the name', { path: dataPath });
    const records = scan.records >= 0 ? scan.records : meta.records;
    const c = new FileChunk(this, Buffer.from(hex, 'hex'), meta.metadata, meta.createdAt, {
      state,
      dataPath,
      metaPath: finalMeta,
      bytes: scan.valid,
      storedBytes: stored,
      compress: gz ? 'gzip' : 'text',
      records,
      createdAt: meta.createdAt,
      modifiedAt: meta.modifiedAt,
    });
    (log.enabled('debug') ? log.debug.bind(log) : () => {})('restoring buffer file', { path: dataPath });
    return c;
  }

  /**
   * Worker 0 of a multi-worker run takes over the chunks a single-worker run left directly
   * in `<path>/` (Fluentd 1.16 resumes them in place; we move them into worker0/ so every
   * later rename stays in one directory). Order per chunk: meta copied (atomic), data
   * renamed, old meta removed — a crash in between leaves an orphan meta (removed later) and
   * never a data file without its meta.
   */
  private async migrateLegacy(from: string, re: RegExp): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(from);
    } catch {
      return;
    }
    const to = this.layout!.dir;
    const have = new Set(names);
    let moved = 0;
    for (const n of names) {
      const m = re.exec(n);
      if (!m) continue;
      const src = path.join(from, n);
      if (m[3]) {
        // an orphan meta whose data was already moved
        if (!have.has(n.slice(0, -'.meta'.length))) await fs.unlink(src).catch(() => {});
        continue;
      }
      const meta = `${n}.meta`;
      try {
        if (have.has(meta)) {
          await writeFileAtomic(
            path.join(to, meta),
            await fs.readFile(path.join(from, meta)),
            this.filePermission,
          );
        }
        await fs.rename(src, path.join(to, n));
        if (have.has(meta)) await fs.unlink(path.join(from, meta)).catch(() => {});
        moved++;
      } catch (err) {
        this.o.log.error('could not move a chunk of the single-worker buffer into worker0', {
          path: src,
          error: err as Error,
        });
      }
    }
    if (moved > 0) {
      this.report.migrated = moved;
      await this.syncDir();
      const fh = await fs.open(from, 'r');
      await fh.sync().finally(() => fh.close());
      this.o.log.info('resuming buffer chunks left by a single-worker run', { from, to, chunks: moved });
    }
  }

  private async quarantine(
    hex: string,
    dataPath: string,
    metas: string[],
    data: Buffer,
    why: string,
    state: string,
    scan: { records: number; first?: number; last?: number },
    meta: ChunkMeta | undefined,
  ): Promise<void> {
    const dir = backupDir(this.o.rootDir, this.o.workerId, this.o.pluginId);
    await fs.mkdir(dir, { recursive: true });
    const target = path.join(dir, `${hex}.log`);
    await fs.writeFile(target, data);
    for (const m of metas) await fs.copyFile(m, path.join(dir, `${hex}.log.meta`)).catch(() => {});
    for (const f of [dataPath, ...metas]) await fs.unlink(f).catch(() => {});
    this.report.quarantined.push(target);
    const iso = (s: number | undefined) => (s === undefined ? null : new Date(s * 1000).toISOString());
    this.o.log.error('found broken chunk file during resume.', {
      path: dataPath,
      mode: `:${state}`,
      err_msg: why,
      moved_to: target,
      records: scan.records >= 0 ? scan.records : (meta?.records ?? null),
      first_time: iso(scan.first ?? meta?.createdAt),
      last_time: iso(scan.last ?? meta?.modifiedAt),
    });
  }

  async close(chunks: StoredChunk[]): Promise<void> {
    for (const c of chunks) await c.close().catch(() => {});
    await this.dirHandle?.close().catch(() => {});
    this.dirHandle = undefined;
    if (this.layout)
      usedPaths.delete(path.join(this.layout.dir, `${this.layout.prefix}*${this.layout.suffix}`));
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
