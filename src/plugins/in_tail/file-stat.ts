// How the tracker recognises a file: by inode and device, with birth time against inode
// reuse, never by its name.
//
// Contract: statFile follows symlinks and answers only for regular files (undefined for
// anything else or on any error); sameFile compares a stat with a reader's identity.

import * as fs from 'node:fs';
import type { TailFile } from './tail-file.js';

export function statFile(p: string): fs.Stats | undefined {
  try {
    const st = fs.statSync(p);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

export function sameFile(r: TailFile, st: fs.Stats): boolean {
  return (
    st.ino === r.ino && st.dev === r.dev && (!r.birthMs || !st.birthtimeMs || st.birthtimeMs === r.birthMs)
  );
}
