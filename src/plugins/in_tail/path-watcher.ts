// A watched path, and the index inotify events are dispatched through.
//
// inotify reports "<dir>/<name> changed". The index maps such a file name to the path watchers
// showing it (by their path, and by their file's real path behind a symlink) and to the live
// readers of that file, and keeps one directory watch per directory still referenced.

import * as path from 'node:path';
import type { DirWatcher } from './dir-watch.js';
import type { FileReader } from './reader.js';

/** One target path (from `path`, after globs and strftime). */
export class PathWatcher {
  /** The file the path shows now (undefined: none yet, or it just left). */
  reader: FileReader | undefined;
  realPath: string;
  lastSize = -1;
  lastMtime = -1;
  /** The file that left this path, kept until a new one appears (missed-rotation scan). */
  gone: Gone | undefined;
  /** What the index registered: file paths and directories. */
  files: string[] = [];
  dirs: string[] = [];

  constructor(readonly path: string) {
    this.realPath = path;
  }
}

export interface Gone {
  /** The old file's last modification: rotations written after it were never read. */
  mtimeMs: number;
  realPath: string;
}

function addTo<T>(map: Map<string, Set<T>>, key: string, v: T): void {
  const set = map.get(key);
  if (set) set.add(v);
  else map.set(key, new Set([v]));
}

function removeFrom<T>(map: Map<string, Set<T>>, key: string, v: T): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(v);
  if (set.size === 0) map.delete(key);
}

export class WatchIndex {
  private readonly watchers = new Map<string, Set<PathWatcher>>();
  private readonly readers = new Map<string, Set<FileReader>>();
  dirs: DirWatcher | undefined;

  watchersAt(file: string): Set<PathWatcher> | undefined {
    return this.watchers.get(file);
  }

  readersAt(file: string): Set<FileReader> | undefined {
    return this.readers.get(file);
  }

  /** Registers w under its path and its file's real path (on), or removes it (off). */
  watcher(w: PathWatcher, on: boolean): void {
    const files = on ? new Set([w.path, w.realPath]) : new Set<string>();
    const dirs = [...new Set([...files].map((f) => path.dirname(f)))];
    for (const f of w.files) if (!files.has(f)) removeFrom(this.watchers, f, w);
    for (const f of files) addTo(this.watchers, f, w);
    for (const d of dirs) this.dirs?.add(d);
    for (const d of w.dirs) this.dirs?.remove(d);
    w.files = [...files];
    w.dirs = dirs;
  }

  reader(r: FileReader, on: boolean): void {
    if (on) addTo(this.readers, r.realPath, r);
    else removeFrom(this.readers, r.realPath, r);
  }
}
