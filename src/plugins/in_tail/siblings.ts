// Directory scans used to find files that moved: a rotated file by its inode, rotations that
// happened while nobody was looking (fast rotation, or while the daemon was down), and the copy
// a copytruncate left behind.
//
// A "sibling" of `app.log` is a file in the same directory named like a rotation of it:
//   app.log.1  app.log-20240101  app.log_old  app-20240101.log  app.2024-01-01.log
// (the base name, or its stem before the extension, followed by `.`, `-` or `_`; the stem form
// must keep the extension). Compressed rotations (.gz, .bz2, .xz, .zst, ...) are never read.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { statFile } from './file-stat.js';

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|lzo|lzma|zip|br|Z|7z)$/;
const SEP = /^[._-]/;

export function isSiblingName(base: string, name: string): boolean {
  if (name === base || COMPRESSED.test(name)) return false;
  if (name.startsWith(base) && SEP.test(name.slice(base.length))) return true;
  const ext = path.extname(base);
  if (ext === '' || ext === base) return false;
  const stem = base.slice(0, -ext.length);
  return name.startsWith(stem) && SEP.test(name.slice(stem.length)) && name.endsWith(ext);
}

export interface Found {
  path: string;
  st: fs.Stats;
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The file with inode `ino` in these directories; siblings of `base` are tried first. */
export function findByInode(dirs: string[], base: string, ino: number, dev?: number): Found | undefined {
  const seen = new Set<string>();
  for (const pass of [true, false]) {
    for (const dir of dirs) {
      for (const name of list(dir)) {
        if (isSiblingName(base, name) !== pass && !(pass && name === base)) continue;
        const p = path.join(dir, name);
        if (seen.has(p)) continue;
        seen.add(p);
        let st: fs.Stats;
        try {
          st = fs.lstatSync(p);
        } catch {
          continue;
        }
        if (st.ino === ino && st.isFile() && (dev === undefined || st.dev === dev)) return { path: p, st };
      }
    }
  }
  return undefined;
}

/** Rotation-style siblings of `file` (with their stats) that `keep` accepts. */
function siblings(file: string, keep: (st: fs.Stats) => boolean): Found[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const out: Found[] = [];
  for (const name of list(dir)) {
    if (!isSiblingName(base, name)) continue;
    const p = path.join(dir, name);
    const st = statFile(p);
    if (st && keep(st)) out.push({ path: p, st });
  }
  return out;
}

/** Siblings of `file` modified at or after `sinceMs`, oldest first, minus those `skip` rejects. */
export function rotatedSiblings(file: string, sinceMs: number, skip: (st: fs.Stats) => boolean): Found[] {
  // >=: mtimes come from a coarse clock (a few ms), so a file written right after the old
  // one stopped can carry the same mtime; files already known are removed by skip()
  return siblings(file, (st) => st.mtimeMs >= sinceMs && !skip(st)).sort(
    (a, b) => a.st.mtimeMs - b.st.mtimeMs,
  );
}

/** Siblings of `file` at least `minSize` bytes long (copytruncate candidates), newest first. */
export function sizedSiblings(file: string, minSize: number): Found[] {
  return siblings(file, (st) => st.size >= minSize).sort((a, b) => b.st.mtimeMs - a.st.mtimeMs);
}

/** Bytes [pos, pos+len) of a file by path (shorter at its end; empty if unreadable). */
export function readFileAt(p: string, pos: number, len: number): Buffer {
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, 'r');
    const b = Buffer.alloc(len);
    return b.subarray(0, fs.readSync(fd, b, 0, len, pos));
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
