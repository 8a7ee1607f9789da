// How out_file and out_secondary_file put one chunk into one file.
//
//   append true    the target path is opened with 'a': every chunk goes to the end of it
//   append false   the target is the first free name (`firstFreePath`), opened with 'wx' so
//                  that two concurrent flushes cannot both take it: the loser asks for the
//                  next free name (at most 100 times, then the EEXIST error fails the flush)
//
// Directories are created with `<system> dir_permission`, files with `file_permission`. The
// file is fsynced before the write resolves, so a chunk is purged only once it is on disk.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { SystemConfig } from '../../plugin/types.js';

/** The first of `name(0)`, `name(1)`, ... where no file exists. */
export async function firstFreePath(name: (i: number) => string): Promise<string> {
  for (let i = 0; ; i++) {
    const p = name(i);
    try {
      await fs.access(p);
    } catch {
      return p;
    }
  }
}

/** Writes `data` to the file `target()` names (asked again after a lost race) and fsyncs it. */
export async function writeChunkFile(
  target: () => Promise<string>,
  data: Uint8Array,
  append: boolean,
  sys: Pick<SystemConfig, 'dirPermission' | 'filePermission'>,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const file = await target();
    await fs.mkdir(path.dirname(file), { recursive: true, mode: sys.dirPermission });
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(file, append ? 'a' : 'wx', sys.filePermission);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 100) continue;
      throw e;
    }
    try {
      await fh.write(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return;
  }
}
