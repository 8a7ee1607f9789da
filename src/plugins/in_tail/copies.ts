// copytruncate, exactly once. logrotate copies app.log (inode X) to app.log.1 (a new inode Y),
// then truncates X. The bytes written after our last read and before the truncation survive
// only in Y, and everything before them in Y was already read from X.
//
//   X: [======== read ========|--- unread ---]   → copied to Y, then X truncated to 0
//   Y: [======== skip ========|--- read -----]   Y is read from X's position, to its end
//
// Two ways to meet Y:
// - X's truncation is noticed first: search X's siblings for a file holding, at the same
//   offsets, the last bytes we read from X (the reader keeps up to 16 of them).
// - Y is found first (its name matches the glob): a new sibling whose first bytes equal X's and
//   whose bytes at X's position equal X's last bytes is a copy. It becomes X's shadow: not read
//   while X is still being read; when X is truncated, rotated or closed, it is read from X's
//   position (bytes past it were never read from X).

import * as path from 'node:path';
import type { FileReader } from './reader.js';
import { type Found, isSiblingName, readFileAt, sizedSiblings } from './siblings.js';
import { HEAD } from './tail-file.js';

const MIN_HEAD = 16;

/**
 * Whether `file` (new, `size` bytes) is a copy of a live sibling: `sure` once its first bytes
 * (and its bytes at that file's position, when it is long enough) match; not sure while it is
 * shorter than 16 bytes and still a prefix of that file (a copy being written).
 */
export function copySource(
  readers: Iterable<FileReader>,
  file: string,
  size: number,
): { source: FileReader; sure: boolean } | undefined {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let headY: Buffer | undefined;
  for (const x of readers) {
    if (x.state !== 'live' || x.shadowOf || x.lines.consumed === 0) continue;
    if (path.dirname(x.realPath) !== dir || !isSiblingName(path.basename(x.realPath), base)) continue;
    const hx = x.headBytes(HEAD);
    const n = Math.min(hx.length, size, HEAD);
    headY ??= readFileAt(file, 0, HEAD);
    if (headY.length < n || !headY.subarray(0, n).equals(hx.subarray(0, n))) continue;
    if (n < Math.min(MIN_HEAD, x.lines.consumed)) {
      if (size < MIN_HEAD) return { source: x, sure: false };
      continue;
    }
    const t = x.tailInfo;
    if (size >= t.end && t.len > 0) {
      const bytes = readFileAt(file, t.end - t.len, t.len);
      if (!x.tailMatches(bytes, t.end - t.len)) continue;
    }
    return { source: x, sure: true };
  }
  return undefined;
}

/** After X's truncation: the sibling holding X's bytes up to `consumed`, if any. */
export function findCopy(x: FileReader, consumed: number, skip: (f: Found) => boolean): Found | undefined {
  const t = x.tailInfo;
  if (consumed === 0 || t.len === 0) return undefined;
  for (const f of sizedSiblings(x.realPath, t.end)) {
    if (f.st.ino === x.ino || skip(f)) continue;
    const bytes = readFileAt(f.path, t.end - t.len, t.len);
    if (x.tailMatches(bytes, t.end - t.len)) return f;
  }
  return undefined;
}
