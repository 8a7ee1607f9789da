// Startup: what the pos file's lines mean now (docs/formats/pos-file.md, "Startup").
//
// For each line (the last one per inode; inode 0 ignored):
// - the file at its path has that inode and was born before the pos file was last written →
//   resume there (a newer birth time means the inode was reused by a new file);
// - else the file moved while we were down: look for the inode in the path's directory (and
//   its symlink target's) → read it from the saved position to its end; either way the path
//   was rotated while down, so its current file is read from 0 and rotations written since the
//   old file's last write (or since the pos file's, if it is gone) are looked for;
// - else the line is dropped.

import type * as fs from 'node:fs';
import * as path from 'node:path';
import { statFile } from './file-stat.js';
import type { PosEntry, PositionFile } from './pos-file.js';
import { findByInode, realpathOr } from './siblings.js';

export interface ResumePlan {
  /** The lines the pos file keeps (rewritten with them). */
  keep: PosEntry[];
  /** Files still at their path, by inode. */
  atPath: Map<number, PosEntry>;
  /** Files found under another name: read from entry.pos, tagged as their old path. */
  moved: { file: string; st: fs.Stats; entry: PosEntry; tagPath: string }[];
  /** Paths rotated while down → mtime since which rotated siblings were never read. */
  rotated: Map<string, number>;
}

export function planResume(pos: PositionFile): ResumePlan {
  const posMtime = pos.mtimeAtOpen;
  // born at or after the pos file's last write: a new file, even if its inode number is an old
  // one (>=: timestamps come from a coarse clock; equal means "maybe new", and re-reading a
  // file is better than skipping the head of a new one)
  const newer = (st: fs.Stats) => posMtime > 0 && st.birthtimeMs >= posMtime;
  const byIno = new Map<number, { path: string; pos: number; ino: number }>();
  for (const e of pos.loaded) {
    if (e.ino === 0) continue;
    byIno.delete(e.ino);
    byIno.set(e.ino, e);
  }
  const plan: ResumePlan = { keep: [], atPath: new Map(), moved: [], rotated: new Map() };
  const mk = (p: string, at: number, ino: number): PosEntry => {
    const e = { path: p, pos: at, ino, offset: -1, removed: false };
    plan.keep.push(e);
    return e;
  };
  for (const e of byIno.values()) {
    const st = statFile(e.path);
    if (st && st.ino === e.ino && !newer(st)) {
      plan.atPath.set(e.ino, mk(e.path, e.pos, e.ino));
      continue;
    }
    const dirs = [...new Set([path.dirname(e.path), path.dirname(realpathOr(e.path))])];
    let found = findByInode(dirs, path.basename(e.path), e.ino);
    if (found && newer(found.st)) found = undefined;
    if (found)
      plan.moved.push({ file: found.path, st: found.st, entry: mk(e.path, e.pos, e.ino), tagPath: e.path });
    if (st || found) {
      const since = found ? found.st.mtimeMs : posMtime;
      plan.rotated.set(e.path, Math.min(plan.rotated.get(e.path) ?? since, since));
    }
  }
  return plan;
}
