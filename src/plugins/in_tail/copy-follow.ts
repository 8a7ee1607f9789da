// copytruncate: a copy of a file is read only for the part its source did not deliver
// (spec plugins §4.4; users' pains §1.1). copies.ts finds and compares the candidates; these
// functions decide, over the Tracker's readers.
//
// Contract:
// - a new sibling that looks like a copy of a live file is a shadow: not read while its
//   source is read. When the source is truncated (onTruncated) or closed, the shadow is
//   read from what the source had consumed (unshadow).
// - a truncated file with no shadow: findCopy looks for an unread copy and reads it from
//   the truncation point.
// - a provisional shadow (too short to compare) is decided again on the tick; after
//   PROVISIONAL_MS without proof it is read as a file of its own from 0.

import * as fs from 'node:fs';
import { copySource, findCopy } from './copies.js';
import type { FileReader } from './reader.js';
import type { Tracker } from './tracker.js';

/** How long a new, still tiny sibling may stay a suspected copy before it is read as a file. */
const PROVISIONAL_MS = 2_000;

/** A new sibling that looked like the start of a copy: look again now that it may be longer. */
export function decideCopy(t: Tracker, y: FileReader, now: number): void {
  let size = 0;
  if (y.open() === 'ok') size = fs.fstatSync(y.fd!).size;
  const copy = copySource(t.readers.values(), y.realPath, size);
  if (copy?.sure) {
    y.provisional = false;
    y.shadowOf = copy.source;
    return;
  }
  if (copy && now - y.createdAt < PROVISIONAL_MS) return;
  y.provisional = false;
  y.shadowOf = undefined;
  y.resetTo(0);
  t.log.info(`following tail of ${y.path}: not a copy after all`);
  t.schedule(y);
}

/** The shadow's source is done with its bytes up to `pos`: read the copy from there. */
export function unshadow(t: Tracker, y: FileReader, pos: number): void {
  let size = 0;
  if (y.open() === 'ok') size = fs.fstatSync(y.fd!).size;
  y.shadowOf = undefined;
  y.provisional = false;
  y.resetTo(Math.min(pos, size));
  t.stats.copiesFound++;
  t.log.info(`reading ${y.path} from ${Math.min(pos, size)}: the rest of a copytruncate copy`);
  t.schedule(y);
}

/** `x` was truncated after `consumed` bytes: its shadow, or an unread copy, takes over. */
export function followCopyOf(t: Tracker, x: FileReader, consumed: number): void {
  for (const y of t.readers.values()) {
    if (y.shadowOf === x) {
      unshadow(t, y, consumed);
      return;
    }
  }
  const f = findCopy(x, consumed, (c) => {
    const y = t.readers.get(`${c.st.dev}:${c.st.ino}`);
    return y !== undefined || t.known(c.st);
  });
  if (!f) return;
  t.stats.copiesFound++;
  t.log.info(`${f.path} is a copy of truncated ${x.path}; reading it from ${consumed}`);
  t.recoverReader(f.path, f.st, consumed, t.pos.add(f.path, consumed, f.st.ino), x.path);
}
