// Files the tracker read and closed (rotated away, read to the end) that still exist: their
// positions stay in the pos file so that a glob matching them again resumes, not rereads.
//
// Contract (functions over the Tracker, which owns `released`):
// - release(r): close a finished rotated reader; keep its position only where the file
//   still exists and could be matched again (rediscoverable), else drop its pos entry.
// - at most Tracker.maxRemembered closed files are kept (oldest dropped from the pos file).
// - pruneReleased (refresh time) follows kept files renamed within their directory by
//   inode and forgets those that are gone.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { unshadow } from './copy-follow.js';
import { statFile } from './file-stat.js';
import type { PosEntry } from './pos-file.js';
import type { FileReader } from './reader.js';
import { findByInode } from './siblings.js';
import type { Tracker } from './tracker.js';

/** How long closing a reader waits for its batches to become durable. */
export const CLOSE_WAIT_MS = 30_000;

/** A rotated file read to its end: close it; keep its position while it still exists. */
export async function release(t: Tracker, r: FileReader): Promise<void> {
  let exists = false;
  try {
    exists = r.fd !== undefined && fs.fstatSync(r.fd).nlink > 0;
  } catch {
    exists = false;
  }
  const where = exists ? t.locate(r) : undefined;
  await r.close(true, CLOSE_WAIT_MS);
  t.readers.delete(r.key);
  t.index.reader(r, false);
  t.fds.forget(r);
  for (const y of t.readers.values()) if (y.shadowOf === r) unshadow(t, y, r.lines.consumed);
  if (where !== undefined && rediscoverable(t, where)) {
    r.entry = t.pos.relocate(r.entry, where);
    keepReleased(t, r.ino, r.entry, r.birthMs);
  } else t.pos.remove(r.entry);
  t.pos.maybeCompact();
  t.log.info(`closed ${where ?? r.path} after reading it to its end`);
}

/**
 * Whether a closed file could be matched again (a glob in `path`, or a path listing it):
 * only then is its position worth keeping, so the pos file does not grow with every rotation.
 */
export function rediscoverable(t: Tracker, file: string): boolean {
  return t.o.globbing || t.watchers.has(file);
}

export function keepReleased(t: Tracker, ino: number, entry: PosEntry, birthMs: number): void {
  if (t.released.size >= t.maxRemembered) {
    const [oldest] = t.released.keys();
    t.pos.remove(t.released.get(oldest!)!.entry);
    t.released.delete(oldest!);
  }
  t.released.set(ino, { entry, birthMs });
}

/** Refresh-time cleanup: forget closed files that no longer exist. */
export function pruneReleased(t: Tracker): void {
  for (const [ino, rel] of t.released) {
    const st = statFile(rel.entry.path);
    if (st && st.ino === ino) continue;
    const f = findByInode([path.dirname(rel.entry.path)], path.basename(rel.entry.path), ino);
    if (f && (!rel.birthMs || f.st.birthtimeMs === rel.birthMs))
      rel.entry = t.pos.relocate(rel.entry, f.path);
    else {
      t.pos.remove(rel.entry);
      t.released.delete(ino);
    }
  }
  t.pos.maybeCompact();
}
