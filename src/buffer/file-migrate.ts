// Multi-worker file buffers: worker 0 takes over the chunks a single-worker run left
// directly in `<path>/` (Fluentd 1.16 resumes them in place; we move them into worker0/ so
// every later rename stays in one directory).
//
// Contract: order per chunk: meta copied (atomic), data renamed, old meta removed — a crash
// in between leaves an orphan meta (removed later) and never a data file without its meta.
// A chunk that cannot be moved is logged and left where it is. Returns how many moved;
// when any did, both directories are fsynced.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../core/log.js';
import { writeFileAtomic } from './file-chunk.js';

export interface MigrateTarget {
  /** worker0's directory. */
  dir: string;
  filePermission: number;
  log: Logger;
  /** fsync `dir`. */
  syncDir(): Promise<void>;
}

/** Move the chunks named by `re` (see chunkNamePattern) from `from` into `to.dir`. */
export async function migrateLegacy(from: string, re: RegExp, to: MigrateTarget): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(from);
  } catch {
    return 0;
  }
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
          path.join(to.dir, meta),
          await fs.readFile(path.join(from, meta)),
          to.filePermission,
        );
      }
      await fs.rename(src, path.join(to.dir, n));
      if (have.has(meta)) await fs.unlink(path.join(from, meta)).catch(() => {});
      moved++;
    } catch (err) {
      to.log.error('could not move a chunk of the single-worker buffer into worker0', {
        path: src,
        error: err as Error,
      });
    }
  }
  if (moved > 0) {
    await to.syncDir();
    const fh = await fs.open(from, 'r');
    await fh.sync().finally(() => fh.close());
    to.log.info('resuming buffer chunks left by a single-worker run', { from, to: to.dir, chunks: moved });
  }
  return moved;
}
