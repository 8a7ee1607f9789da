// inotify through fs.watch, one watch per directory (not per file): a directory watch reports
// writes to every file in it and survives renames, so a rotation or a new file is seen at once.
// Events only say "look at <dir>/<name>"; the caller coalesces them. If the kernel runs out of
// watches (ENOSPC) or a directory vanishes, the 1 s timer remains as the fallback.

import * as fs from 'node:fs';
import type { Logger } from '../../core/log.js';

export type DirEvent = (dir: string, name: string | null, kind: 'change' | 'rename') => void;

export class DirWatcher {
  private readonly watches = new Map<string, { w: fs.FSWatcher; refs: number }>();
  private failed = false;

  constructor(
    private readonly onEvent: DirEvent,
    private readonly log: Logger,
  ) {}

  get count(): number {
    return this.watches.size;
  }

  add(dir: string): void {
    const cur = this.watches.get(dir);
    if (cur) {
      cur.refs++;
      return;
    }
    let w: fs.FSWatcher;
    try {
      w = fs.watch(dir, { persistent: false }, (kind, name) =>
        this.onEvent(dir, name === null ? null : String(name), kind === 'rename' ? 'rename' : 'change'),
      );
    } catch (e) {
      if (!this.failed) {
        this.failed = true;
        this.log.warn(`cannot watch ${dir} for changes; relying on the 1 s timer`, { error: e as Error });
      }
      return;
    }
    w.on('error', () => {
      w.close();
      this.watches.delete(dir);
    });
    this.watches.set(dir, { w, refs: 1 });
  }

  remove(dir: string): void {
    const cur = this.watches.get(dir);
    if (!cur || --cur.refs > 0) return;
    cur.w.close();
    this.watches.delete(dir);
  }

  close(): void {
    for (const { w } of this.watches.values()) w.close();
    this.watches.clear();
  }
}
