// Files and paths: which inode each watched path shows, which readers exist, and every kind of
// rotation (spec plugins §4.3, §4.4; users' pains §1.1).
//
//   PathWatcher (one per target path) ──shows──▶ FileReader (one per inode, keyed dev:ino)
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

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../core/log.js';
import { LogThrottle } from '../../core/log.js';
import type { Emitter } from '../../plugin/types.js';
import { copySource, findCopy } from './copies.js';
import { type LineConverter, MultilineState } from './events.js';
import { FdBudget } from './fd-budget.js';
import type { GroupLimiter } from './group.js';
import { BufferPool, LineBuffer } from './line-buffer.js';
import { type Gone, PathWatcher, WatchIndex } from './path-watcher.js';
import type { PosEntry, PositionFile } from './pos-file.js';
import {
  FileReader,
  MAX_INFLIGHT,
  type ReaderHost,
  type ReaderSettings,
  type StepResult,
  type TailStats,
} from './reader.js';
import { planResume } from './resume.js';
import { ReadScheduler } from './scheduler.js';
import { findByInode, realpathOr, rotatedSiblings } from './siblings.js';

const CLOSE_WAIT_MS = 30_000;
const MAX_RELEASED = 10_000;
/** How long a new, still tiny sibling may stay a suspected copy before it is read as a file. */
const PROVISIONAL_MS = 2_000;

export interface TrackerOptions {
  settings: ReaderSettings;
  log: Logger;
  converter: LineConverter;
  emitter: Emitter;
  pos: PositionFile;
  readFromHead: boolean;
  maxLineSize: number;
  truncateLongLines: boolean;
  maxOpenFiles: number;
  multiline: boolean;
  tagFor: (path: string) => string;
  groups: GroupLimiter | undefined;
  watchTimer: boolean;
  /** Some `path` entry is a glob (closed files may be matched again under their new names). */
  globbing: boolean;
}

function statFile(p: string): fs.Stats | undefined {
  try {
    const st = fs.statSync(p);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

function sameFile(r: FileReader, st: fs.Stats): boolean {
  return (
    st.ino === r.ino && st.dev === r.dev && (!r.birthMs || !st.birthtimeMs || st.birthtimeMs === r.birthMs)
  );
}

export class Tracker implements ReaderHost {
  readonly settings: ReaderSettings;
  readonly log: Logger;
  readonly throttle = new LogThrottle(10_000);
  readonly converter: LineConverter;
  readonly emitter: Emitter;
  readonly pos: PositionFile;
  readonly buffers = new BufferPool();
  readonly stats: TailStats = {
    opened: 0,
    closed: 0,
    rotated: 0,
    truncated: 0,
    throttled: 0,
    linesRead: 0,
    bytesRead: 0,
    eventsEmitted: 0,
    eventsDropped: 0,
    emitRetries: 0,
    longLines: 0,
    recoveredRotations: 0,
    copiesFound: 0,
  };
  readonly readers = new Map<string, FileReader>();
  readonly watchers = new Map<string, PathWatcher>();
  readonly scheduler: ReadScheduler;
  startup = true;
  readonly fds: FdBudget;
  private readonly o: TrackerOptions;
  /** Files read before and closed, still on disk: resumed if a glob finds them again. */
  private readonly released = new Map<number, { entry: PosEntry; birthMs: number }>();
  /** pos-file entries of files at their path, not yet claimed by a watcher (startup only). */
  private readonly loaded = new Map<number, PosEntry>();
  private readonly rotatedWhileDown = new Set<string>();
  /** What left paths that stopped being targets (PathWatcher.gone), for when they return. */
  private readonly lost = new Map<string, Gone>();
  readonly index = new WatchIndex();
  private readonly dirty = new Set<PathWatcher>();
  private dirtyScheduled = false;
  private stopped = false;

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
  private readMissed(p: string, sinceMs: number): void {
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
  private known(st: fs.Stats): boolean {
    if (this.readers.has(`${st.dev}:${st.ino}`) || this.loaded.has(st.ino)) return true;
    const rel = this.released.get(st.ino);
    return rel !== undefined && (!rel.birthMs || rel.birthMs === st.birthtimeMs);
  }

  /** A reader for a file that is no longer at a watched path: read to its end, then closed. */
  private recoverReader(
    file: string,
    st: fs.Stats,
    pos: number,
    entry: PosEntry,
    tagPath: string,
  ): FileReader {
    const r = this.createReader(tagPath, st, pos > st.size ? 0 : pos, entry, file);
    this.schedule(r);
    return r;
  }

  // ---- watchers ------------------------------------------------------------------------

  /** Starts watchers for new targets and stops those no longer matched. */
  sync(targets: Map<string, fs.Stats>): void {
    for (const [p, w] of this.watchers) if (!targets.has(p)) this.unwatch(w);
    const added: [PathWatcher, fs.Stats][] = [];
    for (const [p, st] of targets) {
      if (this.watchers.has(p)) continue;
      const w = new PathWatcher(p);
      w.gone = this.lost.get(p);
      this.lost.delete(p);
      this.watchers.set(p, w);
      this.o.groups?.add(p); // all members first: a group's share depends on its size
      added.push([w, st]);
    }
    for (const [w, st] of added) {
      this.index.watcher(w, true);
      this.check(w, st);
    }
    if (this.startup) {
      this.startup = false;
      this.rotatedWhileDown.clear();
      for (const [ino, entry] of this.loaded) {
        if (this.rediscoverable(entry.path))
          this.keepReleased(ino, entry, statFile(entry.path)?.birthtimeMs ?? 0);
        else this.pos.remove(entry);
      }
      this.loaded.clear();
    }
  }

  private unwatch(w: PathWatcher): void {
    if (w.reader) this.detach(w);
    // the path may come back (rotation seen by a refresh in between): remember what left it
    if (w.gone) {
      if (this.lost.size >= MAX_RELEASED) this.lost.clear();
      this.lost.set(w.path, w.gone);
    }
    this.index.watcher(w, false);
    this.o.groups?.remove(w.path);
    this.watchers.delete(w.path);
  }

  /** Looks at the path again: same file (read more), truncated, rotated, gone or new. */
  check(w: PathWatcher, given?: fs.Stats): void {
    if (this.stopped) return;
    const st = given ?? statFile(w.path);
    const r = w.reader;
    if (r && st && sameFile(r, st)) {
      const changed = st.size !== w.lastSize || st.mtimeMs !== w.lastMtime;
      w.lastSize = st.size;
      w.lastMtime = st.mtimeMs;
      // unread bytes and nothing pending: a safety net against a missed wake-up
      const behind = st.size > r.lines.readPos && !r.queued && !r.stepping && r.throttledUntil === 0;
      if (changed || (behind && !r.shadowOf)) this.schedule(r);
      return;
    }
    if (r) this.detach(w);
    if (!st) return;
    const gone = w.gone;
    w.gone = undefined;
    const nr = this.attach(w, st);
    if (gone && nr) this.readMissed(gone.realPath, gone.mtimeMs);
  }

  /** The path no longer shows w.reader's file. */
  private detach(w: PathWatcher): void {
    const r = w.reader!;
    w.reader = undefined;
    let mtimeMs = 0;
    try {
      if (r.fd !== undefined) mtimeMs = fs.fstatSync(r.fd).mtimeMs;
    } catch {
      // unknown: no sibling scan
    }
    w.gone = { mtimeMs: mtimeMs || w.lastMtime, realPath: r.realPath };
    this.log.debug('path no longer shows the file', { path: w.path, inode: r.ino, owners: r.owners - 1 });
    if (--r.owners > 0) {
      // still shown by another path (a glob matching its new name): its line follows it there
      if (r.entry.path === w.path) {
        for (const x of this.watchers.values()) {
          if (x.reader === r) {
            r.entry = this.pos.relocate(r.entry, x.path);
            break;
          }
        }
      }
      return;
    }
    this.index.reader(r, false);
    this.log.info(`detected rotation of ${w.path}; waiting ${this.settings.rotateWaitMs / 1000} seconds`);
    r.rotate(Date.now());
  }

  /** The reader for the file at w.path: an existing one (same inode) or a new one. */
  private attach(w: PathWatcher, st: fs.Stats): FileReader | undefined {
    let r = this.readers.get(`${st.dev}:${st.ino}`);
    if (r && (r.closing || !sameFile(r, st))) return undefined; // closing: retried next tick
    if (!r) {
      let pos: number;
      let entry: PosEntry | undefined = this.loaded.get(st.ino);
      const rel = this.released.get(st.ino);
      let shadow: FileReader | undefined;
      let provisional = false;
      if (entry) {
        this.loaded.delete(st.ino);
        pos = entry.pos > st.size ? 0 : entry.pos;
      } else if (rel && (!rel.birthMs || rel.birthMs === st.birthtimeMs)) {
        this.released.delete(st.ino);
        entry = rel.entry;
        pos = entry.pos > st.size ? 0 : entry.pos;
      } else if (this.startup && !this.rotatedWhileDown.has(w.path)) {
        pos = this.o.readFromHead ? 0 : st.size;
      } else {
        pos = 0;
        const copy = copySource(this.readers.values(), realpathOr(w.path), st.size);
        if (copy) {
          shadow = copy.source;
          provisional = !copy.sure;
          pos = Math.min(shadow.lines.consumed, st.size);
        }
      }
      entry ??= this.pos.add(w.path, pos, st.ino);
      this.pos.update(entry, pos, st.ino);
      r = this.createReader(w.path, st, pos, entry);
      if (shadow) {
        r.shadowOf = shadow;
        r.provisional = provisional;
        this.log.info(`${w.path} is a copy of ${shadow.path}; it is read once that file is truncated`);
      } else this.log.info(`following tail of ${w.path}`);
    } else if (r.state === 'rotated') {
      // a rotated file the glob also matches under its new name: same reader, entry renamed
      r.state = 'live';
      if (r.owners === 0 && r.entry.path !== w.path) r.entry = this.pos.relocate(r.entry, w.path);
    }
    r.owners++;
    w.reader = r;
    w.realPath = r.realPath;
    w.lastSize = st.size;
    w.lastMtime = st.mtimeMs;
    this.index.watcher(w, true);
    this.index.reader(r, true);
    this.schedule(r);
    return r;
  }

  /** `rotatedAt`: the file lives at that path, away from the watched one (state 'rotated'). */
  private createReader(
    tagPath: string,
    st: fs.Stats,
    pos: number,
    entry: PosEntry,
    rotatedAt?: string,
  ): FileReader {
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

  // ---- events --------------------------------------------------------------------------

  /** inotify: `name` in `dir` changed. Writes only schedule reads; renames re-stat the path. */
  onDirEvent(dir: string, name: string | null, kind: 'change' | 'rename'): void {
    if (this.stopped) return;
    if (name === null) {
      for (const w of this.watchers.values()) if (path.dirname(w.path) === dir) this.markDirty(w);
      return;
    }
    const file = path.join(dir, name);
    const rs = this.index.readersAt(file);
    if (rs) for (const r of rs) this.schedule(r);
    const ws = this.index.watchersAt(file);
    if (ws && (kind === 'rename' || !rs)) for (const w of ws) this.markDirty(w);
  }

  private markDirty(w: PathWatcher): void {
    this.dirty.add(w);
    if (this.dirtyScheduled) return;
    this.dirtyScheduled = true;
    setImmediate(() => {
      this.dirtyScheduled = false;
      const ws = [...this.dirty];
      this.dirty.clear();
      for (const x of ws) if (this.watchers.get(x.path) === x) this.check(x);
    });
  }

  /** The 1 s tick: stat every path (watch timer), close finished rotated files, wake throttled ones. */
  tick(now: number): void {
    if (this.stopped) return;
    if (this.o.watchTimer) for (const w of this.watchers.values()) this.check(w);
    this.fds.wake(64);
    for (const r of this.readers.values()) {
      if (r.state === 'rotated') {
        if (r.releasable(now)) void this.release(r);
        else this.schedule(r);
      } else if (r.provisional) {
        this.decideCopy(r, now);
      } else if (r.throttledUntil > 0 && now >= r.throttledUntil) {
        r.throttledUntil = 0;
        this.schedule(r);
      }
    }
  }

  /** A rotated file read to its end: close it; keep its position while it still exists. */
  private async release(r: FileReader): Promise<void> {
    let exists = false;
    try {
      exists = r.fd !== undefined && fs.fstatSync(r.fd).nlink > 0;
    } catch {
      exists = false;
    }
    const where = exists ? this.locate(r) : undefined;
    await r.close(true, CLOSE_WAIT_MS);
    this.readers.delete(r.key);
    this.index.reader(r, false);
    this.fds.forget(r);
    for (const y of this.readers.values()) if (y.shadowOf === r) this.unshadow(y, r.lines.consumed);
    if (where !== undefined && this.rediscoverable(where)) {
      r.entry = this.pos.relocate(r.entry, where);
      this.keepReleased(r.ino, r.entry, r.birthMs);
    } else this.pos.remove(r.entry);
    this.pos.maybeCompact();
    this.log.info(`closed ${where ?? r.path} after reading it to its end`);
  }

  /**
   * Whether a closed file could be matched again (a glob in `path`, or a path listing it):
   * only then is its position worth keeping, so the pos file does not grow with every rotation.
   */
  private rediscoverable(file: string): boolean {
    return this.o.globbing || this.watchers.has(file);
  }

  private keepReleased(ino: number, entry: PosEntry, birthMs: number): void {
    if (this.released.size >= MAX_RELEASED) {
      const [oldest] = this.released.keys();
      this.pos.remove(this.released.get(oldest!)!.entry);
      this.released.delete(oldest!);
    }
    this.released.set(ino, { entry, birthMs });
  }

  /** Positions of closed files that still exist (kept in the pos file). */
  *releasedEntries(): Iterable<PosEntry> {
    for (const r of this.released.values()) yield r.entry;
  }

  /** Refresh-time cleanup: forget closed files that no longer exist. */
  pruneReleased(): void {
    for (const [ino, rel] of this.released) {
      const st = statFile(rel.entry.path);
      if (st && st.ino === ino) continue;
      const f = findByInode([path.dirname(rel.entry.path)], path.basename(rel.entry.path), ino);
      if (f && (!rel.birthMs || f.st.birthtimeMs === rel.birthMs))
        rel.entry = this.pos.relocate(rel.entry, f.path);
      else {
        this.pos.remove(rel.entry);
        this.released.delete(ino);
      }
    }
    this.pos.maybeCompact();
  }

  /** A new sibling that looked like the start of a copy: look again now that it may be longer. */
  private decideCopy(y: FileReader, now: number): void {
    let size = 0;
    if (y.open() === 'ok') size = fs.fstatSync(y.fd!).size;
    const copy = copySource(this.readers.values(), y.realPath, size);
    if (copy?.sure) {
      y.provisional = false;
      y.shadowOf = copy.source;
      return;
    }
    if (copy && now - y.createdAt < PROVISIONAL_MS) return;
    y.provisional = false;
    y.shadowOf = undefined;
    y.resetTo(0);
    this.log.info(`following tail of ${y.path}: not a copy after all`);
    this.schedule(y);
  }

  private unshadow(y: FileReader, pos: number): void {
    let size = 0;
    if (y.open() === 'ok') size = fs.fstatSync(y.fd!).size;
    y.shadowOf = undefined;
    y.provisional = false;
    y.resetTo(Math.min(pos, size));
    this.stats.copiesFound++;
    this.log.info(`reading ${y.path} from ${Math.min(pos, size)}: the rest of a copytruncate copy`);
    this.schedule(y);
  }

  // ---- ReaderHost ----------------------------------------------------------------------

  schedule(r: FileReader): void {
    if (!this.stopped) this.scheduler.schedule(r);
  }

  onTruncated(x: FileReader, consumed: number): void {
    for (const y of this.readers.values()) {
      if (y.shadowOf === x) {
        this.unshadow(y, consumed);
        return;
      }
    }
    const f = findCopy(x, consumed, (c) => {
      const y = this.readers.get(`${c.st.dev}:${c.st.ino}`);
      return y !== undefined || this.known(c.st);
    });
    if (!f) return;
    this.stats.copiesFound++;
    this.log.info(`${f.path} is a copy of truncated ${x.path}; reading it from ${consumed}`);
    this.recoverReader(f.path, f.st, consumed, this.pos.add(f.path, consumed, f.st.ino), x.path);
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
