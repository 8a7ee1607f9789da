// Files and paths: which inode each watched path shows, which readers exist, and every kind of
// rotation (spec plugins §4.3, §4.4; users' pains §1.1). The Tracker owns the state and is
// the readers' host; the work is split by concept:
//
//   PathWatcher (one per target path) ──shows──▶ FileReader (one per inode, keyed dev:ino)
//
//   watch-paths.ts  watchers, inotify events, rotation/delete/recreate detection, attach
//   copy-follow.ts  copytruncate: shadows and copies of truncated files
//   released.ts     closing finished rotated files; positions of closed files still on disk
//   this file       startup (pos file, rotations while down), readers, the tick, ReaderHost
//
// A file is identified by its inode (with birth time against reuse), never by its name, so a
// rename into a name the glob also matches is the same reader, not a second copy.
// - rename + create: the old reader becomes 'rotated' (read to its end, closed after
//   rotate_wait); the new file is read from 0. Siblings modified since the old file's last
//   write that nobody read (several rotations between two looks) are read from 0 too.
// - delete (+ recreate): same, the deleted file is read through its descriptor, then closed.
// - truncate / copytruncate: reader.truncated(); copies.ts finds the copy's unread tail.
// - symlink retarget: stat follows the link, so a new target is an inode change.
// - restart: load() resumes each pos-file entry by inode, finds rotated files in their
//   directory, and reads rotations that happened while the daemon was down.

import type * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../core/log.js';
import { LogThrottle } from '../../core/log.js';
import type { Emitter } from '../../plugin/types.js';
import { decideCopy, followCopyOf } from './copy-follow.js';
import { type LineConverter, MultilineState } from './events.js';
import { FdBudget } from './fd-budget.js';
import { sameFile, statFile } from './file-stat.js';
import { BufferPool, LineBuffer } from './line-buffer.js';
import { type Gone, type PathWatcher, WatchIndex } from './path-watcher.js';
import type { PosEntry, PositionFile } from './pos-file.js';
import { FileReader } from './reader.js';
import {
  MAX_INFLIGHT,
  newTailStats,
  type ReaderHost,
  type ReaderSettings,
  type StepResult,
  type TailStats,
} from './reader-host.js';
import { CLOSE_WAIT_MS, keepReleased, pruneReleased as prune, rediscoverable, release } from './released.js';
import { planResume } from './resume.js';
import { ReadScheduler } from './scheduler.js';
import { findByInode, realpathOr, rotatedSiblings } from './siblings.js';
import type { TrackerOptions } from './tracker-options.js';
import { check as checkPath, onDirEvent as dirEvent, syncWatchers } from './watch-paths.js';

export type { TrackerOptions } from './tracker-options.js';

const MAX_RELEASED = 10_000;

export class Tracker implements ReaderHost {
  readonly settings: ReaderSettings;
  readonly log: Logger;
  readonly throttle = new LogThrottle(10_000);
  readonly converter: LineConverter;
  readonly emitter: Emitter;
  readonly pos: PositionFile;
  readonly buffers = new BufferPool();
  readonly stats: TailStats = newTailStats();
  readonly readers = new Map<string, FileReader>();
  readonly watchers = new Map<string, PathWatcher>();
  readonly index = new WatchIndex();
  readonly scheduler: ReadScheduler;
  startup = true;
  readonly fds: FdBudget;
  readonly o: TrackerOptions;
  /** Most closed files (released) and lost paths remembered. */
  readonly maxRemembered = MAX_RELEASED;
  /** Files read before and closed, still on disk: resumed if a glob finds them again. */
  readonly released = new Map<number, { entry: PosEntry; birthMs: number }>();
  /** pos-file entries of files at their path, not yet claimed by a watcher (startup only). */
  readonly loaded = new Map<number, PosEntry>();
  readonly rotatedWhileDown = new Set<string>();
  /** What left paths that stopped being targets (PathWatcher.gone), for when they return. */
  readonly lost = new Map<string, Gone>();
  readonly dirty = new Set<PathWatcher>();
  dirtyScheduled = false;
  stopped = false;

  constructor(o: TrackerOptions) {
    this.o = o;
    this.settings = o.settings;
    this.log = o.log;
    this.converter = o.converter;
    this.emitter = o.emitter;
    this.pos = o.pos;
    this.scheduler = new ReadScheduler(o.emitter, 2, (r, res) => this.stepped(r, res));
    this.fds = new FdBudget(o.maxOpenFiles, (r) => this.schedule(r), o.log, this.throttle);
  }

  // ---- startup: the pos file -----------------------------------------------------------

  /** Resumes the pos file's entries (resume.ts); call once before the first sync(). */
  load(): void {
    const plan = planResume(this.pos);
    this.pos.rewrite(plan.keep);
    for (const [ino, e] of plan.atPath) this.loaded.set(ino, e);
    for (const p of plan.rotated.keys()) this.rotatedWhileDown.add(p);
    for (const m of plan.moved) {
      this.log.info(`${m.tagPath} was rotated while stopped; reading ${m.file} from ${m.entry.pos}`);
      this.recoverReader(m.file, m.st, m.entry.pos, m.entry, m.tagPath);
    }
    for (const [p, since] of plan.rotated) this.readMissed(p, since);
  }

  /** Rotated siblings of `p` written after `sinceMs` that were never read: read them from 0. */
  readMissed(p: string, sinceMs: number): void {
    this.log.debug('looking for rotations nobody read', { path: p, since: sinceMs });
    if (!(sinceMs > 0)) return;
    const seen = new Set<number>();
    const skip = (st: fs.Stats) => {
      if (seen.has(st.ino)) return true;
      seen.add(st.ino);
      return this.known(st);
    };
    const current = statFile(p);
    if (current) seen.add(current.ino);
    for (const base of new Set([p, realpathOr(p)])) {
      for (const f of rotatedSiblings(base, sinceMs, skip)) {
        this.stats.recoveredRotations++;
        this.log.warn(`found ${f.path}, rotated from ${p} before it was read; reading it from the head`);
        this.recoverReader(f.path, f.st, 0, this.pos.add(f.path, 0, f.st.ino), p);
      }
    }
  }

  /** Whether the inode is already read, was read, or is claimed by the pos file. */
  known(st: fs.Stats): boolean {
    if (this.readers.has(`${st.dev}:${st.ino}`) || this.loaded.has(st.ino)) return true;
    const rel = this.released.get(st.ino);
    return rel !== undefined && (!rel.birthMs || rel.birthMs === st.birthtimeMs);
  }

  /** A reader for a file that is no longer at a watched path: read to its end, then closed. */
  recoverReader(file: string, st: fs.Stats, pos: number, entry: PosEntry, tagPath: string): FileReader {
    const r = this.createReader(tagPath, st, pos > st.size ? 0 : pos, entry, file);
    this.schedule(r);
    return r;
  }

  // ---- watchers (watch-paths.ts) ---------------------------------------------------------

  /** Starts watchers for new targets and stops those no longer matched. */
  sync(targets: Map<string, fs.Stats>): void {
    syncWatchers(this, targets);
    if (this.startup) {
      this.startup = false;
      this.rotatedWhileDown.clear();
      for (const [ino, entry] of this.loaded) {
        if (rediscoverable(this, entry.path))
          keepReleased(this, ino, entry, statFile(entry.path)?.birthtimeMs ?? 0);
        else this.pos.remove(entry);
      }
      this.loaded.clear();
    }
  }

  /** Looks at the path again: same file (read more), truncated, rotated, gone or new. */
  check(w: PathWatcher, given?: fs.Stats): void {
    checkPath(this, w, given);
  }

  /** inotify: `name` in `dir` changed. Writes only schedule reads; renames re-stat the path. */
  onDirEvent(dir: string, name: string | null, kind: 'change' | 'rename'): void {
    dirEvent(this, dir, name, kind);
  }

  /** `rotatedAt`: the file lives at that path, away from the watched one (state 'rotated'). */
  createReader(tagPath: string, st: fs.Stats, pos: number, entry: PosEntry, rotatedAt?: string): FileReader {
    const o = this.o;
    const lines = new LineBuffer(pos, o.maxLineSize, o.truncateLongLines);
    const ml = o.multiline ? new MultilineState() : undefined;
    const r = new FileReader(
      this,
      st.ino,
      st.dev,
      st.birthtimeMs,
      tagPath,
      o.tagFor(tagPath),
      entry,
      lines,
      ml,
    );
    r.realPath = rotatedAt ?? realpathOr(tagPath);
    if (rotatedAt !== undefined) {
      r.state = 'rotated';
      r.rotatedAt = Date.now();
    }
    this.readers.set(r.key, r);
    if (r.open() === 'ok') r.primeTail();
    this.log.debug('tracking file', { path: r.realPath, inode: st.ino, pos, state: r.state, fd: r.fd });
    return r;
  }

  /** The 1 s tick: stat every path (watch timer), close finished rotated files, wake throttled ones. */
  tick(now: number): void {
    if (this.stopped) return;
    if (this.o.watchTimer) for (const w of this.watchers.values()) this.check(w);
    this.fds.wake(64);
    for (const r of this.readers.values()) {
      if (r.state === 'rotated') {
        if (r.releasable(now)) void release(this, r);
        else this.schedule(r);
      } else if (r.provisional) {
        decideCopy(this, r, now);
      } else if (r.throttledUntil > 0 && now >= r.throttledUntil) {
        r.throttledUntil = 0;
        this.schedule(r);
      }
    }
  }

  /** Positions of closed files that still exist (kept in the pos file). */
  *releasedEntries(): Iterable<PosEntry> {
    for (const r of this.released.values()) yield r.entry;
  }

  /** Refresh-time cleanup: forget closed files that no longer exist. */
  pruneReleased(): void {
    prune(this);
  }

  // ---- ReaderHost ----------------------------------------------------------------------

  schedule(r: FileReader): void {
    if (!this.stopped) this.scheduler.schedule(r);
  }

  onTruncated(x: FileReader, consumed: number): void {
    followCopyOf(this, x, consumed);
  }

  locate(r: FileReader): string | undefined {
    for (const p of [r.realPath, r.path]) {
      const st = statFile(p);
      if (st && sameFile(r, st)) return p;
    }
    const dirs = [...new Set([path.dirname(r.realPath), path.dirname(r.path)])];
    const f = findByInode(dirs, path.basename(r.realPath), r.ino, r.dev);
    if (!f) return undefined;
    r.realPath = f.path;
    return f.path;
  }

  acquireFd(_r: FileReader): boolean {
    return this.fds.acquire();
  }

  releaseFd(r: FileReader): void {
    this.fds.release(r);
  }

  lineBudget(r: FileReader, now: number): number {
    const g = this.o.groups;
    if (!g) return Number.POSITIVE_INFINITY;
    const grp = g.groupFor(r.path);
    const b = grp.budget(r.path, now);
    if (b <= 0) r.throttledUntil = grp.resumeAt(r.path);
    return b;
  }

  countLines(r: FileReader, n: number, now: number): void {
    this.o.groups?.groupFor(r.path).count(r.path, n, now);
  }

  private stepped(r: FileReader, res: StepResult): void {
    if (res === 'wait' && r.fd === undefined && r.throttledUntil === 0 && r.inflight < MAX_INFLIGHT) {
      this.fds.waiters.add(r);
    }
    this.fds.used(r);
  }

  // ---- shutdown ------------------------------------------------------------------------

  /** Stops reading, emits pending multiline events, waits for durability, closes everything. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.scheduler.stop();
    await Promise.all([...this.readers.values()].map((r) => r.close(false, CLOSE_WAIT_MS)));
    this.readers.clear();
  }
}
