// The tracker's path side: one PathWatcher per target path, which file (inode) each path
// shows, and what a change of that file means (spec plugins §4.3, §4.4).
//
// Contract (functions over the Tracker, which owns the state):
// - syncWatchers: start watchers for new targets (all <group> members first), stop the rest;
//   a stopped path remembers what left it (Tracker.lost) for when it returns.
// - check: same file → read more (or a safety-net read when behind); another file → the old
//   reader is detached (rotated, unless another path still shows it) and the new one
//   attached; a path that showed a rotated file gets its missed siblings read.
// - attach: an existing reader for the inode (a rotated file matched again under its new
//   name) or a new reader, started at the pos-file entry, a released position, the head or
//   end (startup, read_from_head), or where the file it copies was read to.
// - onDirEvent: inotify writes only schedule reads; renames re-stat the path (coalesced).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { copySource } from './copies.js';
import { sameFile, statFile } from './file-stat.js';
import { PathWatcher } from './path-watcher.js';
import type { PosEntry } from './pos-file.js';
import type { FileReader } from './reader.js';
import { realpathOr } from './siblings.js';
import type { Tracker } from './tracker.js';

/** Starts watchers for new targets and stops those no longer matched. */
export function syncWatchers(t: Tracker, targets: Map<string, fs.Stats>): void {
  for (const [p, w] of t.watchers) if (!targets.has(p)) unwatch(t, w);
  const added: [PathWatcher, fs.Stats][] = [];
  for (const [p, st] of targets) {
    if (t.watchers.has(p)) continue;
    const w = new PathWatcher(p);
    w.gone = t.lost.get(p);
    t.lost.delete(p);
    t.watchers.set(p, w);
    t.o.groups?.add(p); // all members first: a group's share depends on its size
    added.push([w, st]);
  }
  for (const [w, st] of added) {
    t.index.watcher(w, true);
    check(t, w, st);
  }
}

function unwatch(t: Tracker, w: PathWatcher): void {
  if (w.reader) detach(t, w);
  // the path may come back (rotation seen by a refresh in between): remember what left it
  if (w.gone) {
    if (t.lost.size >= t.maxRemembered) t.lost.clear();
    t.lost.set(w.path, w.gone);
  }
  t.index.watcher(w, false);
  t.o.groups?.remove(w.path);
  t.watchers.delete(w.path);
}

/** Looks at the path again: same file (read more), truncated, rotated, gone or new. */
export function check(t: Tracker, w: PathWatcher, given?: fs.Stats): void {
  if (t.stopped) return;
  const st = given ?? statFile(w.path);
  const r = w.reader;
  if (r && st && sameFile(r, st)) {
    const changed = st.size !== w.lastSize || st.mtimeMs !== w.lastMtime;
    w.lastSize = st.size;
    w.lastMtime = st.mtimeMs;
    // unread bytes and nothing pending: a safety net against a missed wake-up
    const behind = st.size > r.lines.readPos && !r.queued && !r.stepping && r.throttledUntil === 0;
    if (changed || (behind && !r.shadowOf)) t.schedule(r);
    return;
  }
  if (r) detach(t, w);
  if (!st) return;
  const gone = w.gone;
  w.gone = undefined;
  const nr = attach(t, w, st);
  if (gone && nr) t.readMissed(gone.realPath, gone.mtimeMs);
}

/** The path no longer shows w.reader's file. */
function detach(t: Tracker, w: PathWatcher): void {
  const r = w.reader!;
  w.reader = undefined;
  let mtimeMs = 0;
  try {
    if (r.fd !== undefined) mtimeMs = fs.fstatSync(r.fd).mtimeMs;
  } catch {
    // unknown: no sibling scan
  }
  w.gone = { mtimeMs: mtimeMs || w.lastMtime, realPath: r.realPath };
  t.log.debug('path no longer shows the file', { path: w.path, inode: r.ino, owners: r.owners - 1 });
  if (--r.owners > 0) {
    // still shown by another path (a glob matching its new name): its line follows it there
    if (r.entry.path === w.path) {
      for (const x of t.watchers.values()) {
        if (x.reader === r) {
          r.entry = t.pos.relocate(r.entry, x.path);
          break;
        }
      }
    }
    return;
  }
  t.index.reader(r, false);
  t.log.info(`detected rotation of ${w.path}; waiting ${t.settings.rotateWaitMs / 1000} seconds`);
  r.rotate(Date.now());
}

/** The reader for the file at w.path: an existing one (same inode) or a new one. */
function attach(t: Tracker, w: PathWatcher, st: fs.Stats): FileReader | undefined {
  let r = t.readers.get(`${st.dev}:${st.ino}`);
  if (r && (r.closing || !sameFile(r, st))) return undefined; // closing: retried next tick
  if (!r) {
    let pos: number;
    let entry: PosEntry | undefined = t.loaded.get(st.ino);
    const rel = t.released.get(st.ino);
    let shadow: FileReader | undefined;
    let provisional = false;
    if (entry) {
      t.loaded.delete(st.ino);
      pos = entry.pos > st.size ? 0 : entry.pos;
    } else if (rel && (!rel.birthMs || rel.birthMs === st.birthtimeMs)) {
      t.released.delete(st.ino);
      entry = rel.entry;
      pos = entry.pos > st.size ? 0 : entry.pos;
    } else if (t.startup && !t.rotatedWhileDown.has(w.path)) {
      pos = t.o.readFromHead ? 0 : st.size;
    } else {
      pos = 0;
      const copy = copySource(t.readers.values(), realpathOr(w.path), st.size);
      if (copy) {
        shadow = copy.source;
        provisional = !copy.sure;
        pos = Math.min(shadow.lines.consumed, st.size);
      }
    }
    entry ??= t.pos.add(w.path, pos, st.ino);
    t.pos.update(entry, pos, st.ino);
    r = t.createReader(w.path, st, pos, entry);
    if (shadow) {
      r.shadowOf = shadow;
      r.provisional = provisional;
      t.log.info(`${w.path} is a copy of ${shadow.path}; it is read once that file is truncated`);
    } else t.log.info(`following tail of ${w.path}`);
  } else if (r.state === 'rotated') {
    // a rotated file the glob also matches under its new name: same reader, entry renamed
    r.state = 'live';
    if (r.owners === 0 && r.entry.path !== w.path) r.entry = t.pos.relocate(r.entry, w.path);
  }
  r.owners++;
  w.reader = r;
  w.realPath = r.realPath;
  w.lastSize = st.size;
  w.lastMtime = st.mtimeMs;
  t.index.watcher(w, true);
  t.index.reader(r, true);
  t.schedule(r);
  return r;
}

/** inotify: `name` in `dir` changed. Writes only schedule reads; renames re-stat the path. */
export function onDirEvent(t: Tracker, dir: string, name: string | null, kind: 'change' | 'rename'): void {
  if (t.stopped) return;
  if (name === null) {
    for (const w of t.watchers.values()) if (path.dirname(w.path) === dir) markDirty(t, w);
    return;
  }
  const file = path.join(dir, name);
  const rs = t.index.readersAt(file);
  if (rs) for (const r of rs) t.schedule(r);
  const ws = t.index.watchersAt(file);
  if (ws && (kind === 'rename' || !rs)) for (const w of ws) markDirty(t, w);
}

function markDirty(t: Tracker, w: PathWatcher): void {
  t.dirty.add(w);
  if (t.dirtyScheduled) return;
  t.dirtyScheduled = true;
  setImmediate(() => {
    t.dirtyScheduled = false;
    const ws = [...t.dirty];
    t.dirty.clear();
    for (const x of ws) if (t.watchers.get(x.path) === x) check(t, x);
  });
}
