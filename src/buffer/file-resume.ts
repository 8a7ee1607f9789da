// Resume of a file buffer on start (spec core §5.6) and quarantine of broken chunks (§5.7).
//
// Contract: every `<b|q><hex>` data file is checked. The data is scanned by its framing
// (record-scan.ts) and a torn tail is truncated back to the last whole record (counted,
// logged). Empty data files and orphan metas are removed (nothing in them was
// acknowledged). A chunk whose meta is unreadable, or whose data holds no whole record, is
// copied to the backup directory and removed, with a log line naming it, its time range and
// record count — the process always starts.
//
// Compressed chunks (data starting with the gzip magic, whatever `compress` says now) are
// checked member by member: a torn or garbage tail after the last whole member is cut off.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../core/log.js';
import { backupDir } from './backup.js';
import type { ChunkCompression } from './chunk.js';
import { FileChunk, type FileChunkHost } from './file-chunk.js';
import type { Layout } from './file-layout.js';
import { type ChunkMeta, decodeMeta } from './file-meta.js';
import { DEFAULT_DECOMPRESS_LIMIT, isGzip, wholeMembers } from './gzip.js';
import { type Framing, type RecordScan, scanRecords } from './record-scan.js';

export interface ResumeReport {
  staged: number;
  queued: number;
  tornBytes: number;
  quarantined: string[];
  removed: string[];
  /** Chunks moved in from a single-worker layout (worker 0 only). */
  migrated: number;
}

/** What resume needs to know (a subset of FileStoreOptions). */
export interface ResumeOptions {
  rootDir: string | undefined;
  pluginId: string;
  workerId: number;
  framing: Framing;
  compress: ChunkCompression;
  /** Largest plain chunk expected (chunk_limit_size): bounds decompression on resume. */
  chunkLimitSize?: number;
  log: Logger;
}

/** The files found for one chunk id, by state. */
export interface ChunkFiles {
  data: Partial<Record<'b' | 'q', string>>;
  meta: Partial<Record<'b' | 'q', string>>;
}

/** List the chunk files of `l.dir` by id; leftover `.meta.tmp` files are removed. */
export async function collectChunkFiles(l: Layout, re: RegExp): Promise<Map<string, ChunkFiles>> {
  const names = await fs.readdir(l.dir);
  const byId = new Map<string, ChunkFiles>();
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
  return byId;
}

/** Check, repair and open one chunk; undefined = removed or quarantined (in `report`). */
export async function resumeChunk(
  host: FileChunkHost,
  o: ResumeOptions,
  report: ResumeReport,
  hex: string,
  e: ChunkFiles,
): Promise<FileChunk | undefined> {
  const log = o.log;
  const metas = [e.meta.q, e.meta.b].filter((x): x is string => x !== undefined);
  const dataPath = e.data.q ?? e.data.b;
  if (e.data.q && e.data.b) {
    // a .b and a .q of one id cannot both be live: the .q is the newer state
    await fs.unlink(e.data.b).catch(() => {});
  }
  if (!dataPath) {
    for (const m of metas) await fs.unlink(m).catch(() => {});
    report.removed.push(...metas);
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
    report.removed.push(dataPath);
    log.info('removed an empty buffer chunk left by an unclean stop', { path: dataPath });
    return undefined;
  }
  // gzip when the data says so: a msgpack or line chunk never starts with 1f 8b, so old
  // chunks stay readable after `compress` changes; for other formats trust the config.
  const gz = isGzip(data) && (o.compress === 'gzip' || o.framing !== 'none');
  let plain: Buffer = data;
  let stored = data.length;
  if (gz) {
    const limit = Math.max(DEFAULT_DECOMPRESS_LIMIT, o.chunkLimitSize ?? 0);
    const m = wholeMembers(data, limit);
    plain = m.data;
    stored = m.valid;
  }
  const scan = scanRecords(plain, o.framing);
  const damaged = gz && scan.valid < plain.length;
  if (!meta || scan.valid === 0 || stored === 0 || damaged) {
    const why = !meta
      ? (metaErr ?? 'no .meta file')
      : damaged
        ? 'a whole gzip member holds a partial record'
        : gz && stored === 0
          ? 'no whole gzip member in the data file'
          : 'no whole record in the data file';
    await quarantine(o, report, { hex, dataPath, metas, data, why, state, scan, meta });
    return undefined;
  }
  if (!gz) stored = scan.valid;
  if (stored < data.length) {
    const torn = data.length - stored;
    await fs.truncate(dataPath, stored);
    report.tornBytes += torn;
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
  const c = new FileChunk(host, Buffer.from(hex, 'hex'), meta.metadata, meta.createdAt, {
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

interface Broken {
  hex: string;
  dataPath: string;
  metas: string[];
  data: Buffer;
  why: string;
  state: string;
  scan: RecordScan;
  meta: ChunkMeta | undefined;
}

/** Copy a broken chunk (data and meta) to the backup directory, remove it, log it. */
async function quarantine(o: ResumeOptions, report: ResumeReport, b: Broken): Promise<void> {
  const { hex, dataPath, metas, scan, meta } = b;
  const dir = backupDir(o.rootDir, o.workerId, o.pluginId);
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, `${hex}.log`);
  await fs.writeFile(target, b.data);
  for (const m of metas) await fs.copyFile(m, path.join(dir, `${hex}.log.meta`)).catch(() => {});
  for (const f of [dataPath, ...metas]) await fs.unlink(f).catch(() => {});
  report.quarantined.push(target);
  const iso = (s: number | undefined) => (s === undefined ? null : new Date(s * 1000).toISOString());
  o.log.error('found broken chunk file during resume.', {
    path: dataPath,
    mode: `:${b.state}`,
    err_msg: b.why,
    moved_to: target,
    records: scan.records >= 0 ? scan.records : (meta?.records ?? null),
    first_time: iso(scan.first ?? meta?.createdAt),
    last_time: iso(scan.last ?? meta?.modifiedAt),
  });
}
