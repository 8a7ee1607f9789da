// max_open_files: how many descriptors the source may hold. Files keep theirs while they are
// read; past the limit the least recently used idle live file gives its descriptor up (it is
// reopened by path, and its inode checked, when it grows again). Rotated files are never
// closed early: they could not be found by path. A file that finds no slot waits, and is woken
// when a slot frees or an idle file can give one up; the 1 s tick wakes waiters too.

import type { Logger, LogThrottle } from '../../core/log.js';
import type { FileReader } from './reader.js';

export class FdBudget {
  open = 0;
  peak = 0;
  /** Files waiting for a slot. */
  readonly waiters = new Set<FileReader>();
  /** Live files holding a descriptor, least recently used first. */
  private readonly idle = new Set<FileReader>();

  constructor(
    readonly limit: number,
    private readonly schedule: (r: FileReader) => void,
    private readonly log: Logger,
    private readonly throttle: LogThrottle,
  ) {}

  acquire(): boolean {
    if (this.open >= this.limit) {
      let evicted = false;
      for (const x of this.idle) {
        this.idle.delete(x);
        if (x.stepping || x.queued || x.state !== 'live' || x.fd === undefined || x.closing) continue;
        x.closeFd(); // calls release()
        evicted = true;
        break;
      }
      const s = this.throttle.allow('max_open_files');
      if (s >= 0) {
        const what = evicted
          ? 'closing idle files and reopening them when they grow'
          : 'files wait for a descriptor';
        this.log.info(
          `max_open_files (${this.limit}) reached: ${what}`,
          s > 0 ? { suppressed: s } : undefined,
        );
      }
      if (!evicted) return false;
    }
    this.open++;
    if (this.open > this.peak) this.peak = this.open;
    return true;
  }

  release(r: FileReader): void {
    this.open--;
    this.idle.delete(r);
    this.wake(1);
  }

  /** After a step: a live file with a descriptor is now the most recently used idle one. */
  used(r: FileReader): void {
    if (r.fd === undefined || r.state !== 'live') return;
    this.idle.delete(r);
    this.idle.add(r);
    if (!r.queued && this.waiters.size > 0) this.wake(1); // it can give its descriptor up now
  }

  forget(r: FileReader): void {
    this.idle.delete(r);
    this.waiters.delete(r);
  }

  wake(n: number): void {
    for (const w of this.waiters) {
      if (n-- <= 0) break;
      this.waiters.delete(w);
      this.schedule(w);
    }
  }
}
