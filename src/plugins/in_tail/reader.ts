// One tailed file (one inode): reads it in steps, turns lines into a batch, emits the batch
// and moves its saved position only once the batch is durable.
//
//   read → lines → EventStream → emitStreamDurable ─┐   commits: [end 4096 ✓][end 9000 …][end 9800 …]
//                                                    └─ resolve → in order → pos file = last ✓ end
//
// - Up to MAX_INFLIGHT batches per file are in flight; commit-queue.ts saves positions in read
//   order, only for durable batches, and sends refused batches again.
// - A pending multiline event pins the position at its first byte.
// - Truncation is seen as a file shorter than our position, or (after being idle at the end)
//   as different bytes just before our position: truncated and rewritten past it.
// - States: live (the file at a watched path) → rotated (renamed away, deleted, or no longer
//   matched: read to its end, then closed once rotate_wait has passed) → closed.

import * as fs from 'node:fs';
import { EventStream } from '../../core/event-stream.js';
import type { Logger, LogThrottle } from '../../core/log.js';
import type { Emitter } from '../../plugin/types.js';
import { CommitQueue } from './commit-queue.js';
import type { LineConverter, MultilineState } from './events.js';
import { type BufferPool, type LineBuffer, READ_SIZE } from './line-buffer.js';
import type { PosEntry, PositionFile } from './pos-file.js';

export const MAX_INFLIGHT = 8;
const MAX_STEP_BYTES = 1024 * 1024;
const TAIL = 16;
/** First bytes kept for recognising copies (copies.ts). */
export const HEAD = 64;

export interface TailStats {
  opened: number;
  closed: number;
  rotated: number;
  truncated: number;
  throttled: number;
  linesRead: number;
  bytesRead: number;
  eventsEmitted: number;
  eventsDropped: number;
  emitRetries: number;
  longLines: number;
  recoveredRotations: number;
  copiesFound: number;
}

export interface ReaderSettings {
  readLinesLimit: number;
  rotateWaitMs: number;
  openOnEveryUpdate: boolean;
  bytesPerSecond: number;
  multilineFlushMs: number | undefined;
  decode: (buf: Buffer, s: number, e: number) => string;
}

/** What a reader needs from the plugin. */
export interface ReaderHost {
  readonly settings: ReaderSettings;
  readonly log: Logger;
  readonly throttle: LogThrottle;
  readonly converter: LineConverter;
  readonly emitter: Emitter;
  readonly pos: PositionFile;
  readonly buffers: BufferPool;
  readonly stats: TailStats;
  /** Take a descriptor slot (false: over max_open_files and nothing idle to close). */
  acquireFd(r: FileReader): boolean;
  releaseFd(r: FileReader): void;
  schedule(r: FileReader): void;
  /** Same inode, smaller or rewritten: the plugin looks for a copytruncate copy first. */
  onTruncated(r: FileReader, consumed: number): void;
  /** Where a rotated file whose descriptor was closed lives now (undefined: gone). */
  locate(r: FileReader): string | undefined;
  /** Lines this file may read now under <group> limits (Infinity: unlimited, 0: wait). */
  lineBudget(r: FileReader, now: number): number;
  countLines(r: FileReader, n: number, now: number): void;
}

function readAsync(fd: number, buf: Buffer, at: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, at, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

export type StepResult = 'more' | 'idle' | 'wait';

export class FileReader {
  state: 'live' | 'rotated' | 'closed' = 'live';
  fd: number | undefined;
  /** Path watchers currently showing this file. */
  owners = 0;
  /** Where the file was last seen (its symlink target, or its name after a rotation). */
  realPath: string;
  /** A copytruncate copy of that file: not read while that file is still being read. */
  shadowOf: FileReader | undefined;
  /** Shadow on suspicion only (the copy was too short to compare): decided again later. */
  provisional = false;
  readonly createdAt = Date.now();
  rotatedAt = 0;
  stepping = false;
  queued = false;
  /** Last read reached the end of the file. */
  eof = false;
  /** Batches sent and not yet durable; `commits.durable` is what the pos file says. */
  readonly commits: CommitQueue;
  /** Closed for good once these settle; set by close(). */
  closing: Promise<void> | undefined;
  /** Scheduler bookkeeping: last time this file used its descriptor. */
  lastUsed = 0;
  throttledUntil = 0;
  private verify = false;
  private tail = Buffer.alloc(TAIL);
  private tailLen = 0;
  private tailEnd = 0;
  private es = new EventStream();
  private windowStart = 0;
  private windowBytes = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushDue = false;
  private head: Buffer | undefined;
  // the last whole line handed out by the current feed (see rememberTail)
  private lastS = 0;
  private lastE = -1;
  private lastStart = 0;

  constructor(
    private readonly host: ReaderHost,
    readonly ino: number,
    readonly dev: number,
    readonly birthMs: number,
    public path: string,
    public tag: string,
    public entry: PosEntry,
    readonly lines: LineBuffer,
    readonly ml: MultilineState | undefined,
  ) {
    this.realPath = path;
    this.commits = new CommitQueue(lines.consumed, MAX_INFLIGHT, {
      emit: (es) => host.emitter.emitStreamDurable(this.tag, es),
      onDurable: (pos) => host.pos.update(this.entry, pos),
      onRoom: () => host.schedule(this),
      onEmitted: (n) => {
        host.stats.eventsEmitted += n;
      },
      onRetry: (err) => {
        host.stats.emitRetries++;
        const s = host.throttle.allow(`retry:${this.path}`);
        if (s < 0) return;
        host.log.warn(`the pipeline refused lines of ${this.path}; sending them again`, {
          error: err as Error,
          ...(s > 0 ? { suppressed: s } : {}),
        });
      },
      onDropped: (err, n) => {
        host.stats.eventsDropped += n;
        host.log.error(`dropped ${n} events of ${this.path}: the pipeline refused them`, {
          error: err as Error,
        });
      },
    });
  }

  get key(): string {
    return `${this.dev}:${this.ino}`;
  }

  get inflight(): number {
    return this.commits.length;
  }

  /** The saved (durable) position. */
  get durable(): number {
    return this.commits.durable;
  }

  /** Called per line by the LineBuffer (one bound function per reader). */
  private readonly onLine = (buf: Buffer, s: number, e: number, start: number, truncated: boolean) => {
    const text = this.host.settings.decode(buf, s, e);
    const conv = this.host.converter;
    if (this.ml) conv.multilineLine(this.ml, text, start, this.path, this.es);
    else conv.line(text, this.path, this.es);
    if (!truncated) {
      this.lastS = s;
      this.lastE = e;
      this.lastStart = start;
    }
  };

  /** After a feed: keep the last bytes of the last whole line (truncation and copy checks). */
  private rememberTail(buf: Buffer): void {
    if (this.lastE < 0) return;
    const k = Math.min(TAIL, this.lastE - this.lastS + 1);
    buf.copy(this.tail, 0, this.lastE + 1 - k, this.lastE + 1);
    this.tailLen = k;
    this.tailEnd = this.lastStart + (this.lastE - this.lastS) + 1;
    this.lastE = -1;
  }

  /** Reads one batch. 'more': call again; 'idle': at the end; 'wait': blocked (fd, in-flight). */
  async step(): Promise<StepResult> {
    const h = this.host;
    if (this.state === 'closed' || this.shadowOf || this.closing) return 'idle';
    if (this.commits.full) return 'wait';
    const now = Date.now();
    if (h.settings.bytesPerSecond > 0) {
      if (now - this.windowStart >= 1000) {
        this.windowStart = now;
        this.windowBytes = 0;
      } else if (this.windowBytes >= h.settings.bytesPerSecond) {
        this.throttledUntil = this.windowStart + 1000;
        h.stats.throttled++;
        return 'wait';
      }
    }
    const budget = h.lineBudget(this, now);
    if (budget <= 0) {
      if (this.throttledUntil <= now) this.throttledUntil = now + 200;
      h.stats.throttled++;
      return 'wait';
    }
    const opened = this.open();
    if (opened !== 'ok') return opened === 'nofd' ? 'wait' : 'idle';
    const fd = this.fd!;
    const verify = this.verify;
    this.verify = false;
    if (fs.fstatSync(fd).size < this.lines.readPos || (verify && this.rewritten(fd))) {
      h.onTruncated(this, this.lines.consumed);
      this.truncated();
    }
    const limit = Math.min(h.settings.readLinesLimit, budget);
    let lines = 0;
    let bytes = 0;
    let eof = false;
    try {
      while (lines < limit) {
        const { buf, at, len } = this.lines.prepare(h.buffers);
        const n = await readAsync(fd, buf, at, len, this.lines.readPos);
        if (n === 0) {
          eof = true;
          if (fs.fstatSync(fd).size < this.lines.readPos) {
            h.onTruncated(this, this.lines.consumed);
            this.truncated();
          }
          break;
        }
        bytes += n;
        lines += this.lines.feed(n, limit - lines, this.onLine);
        this.rememberTail(buf);
        if (lines >= limit) break; // cut by the limit: more to read
        if (n < len) {
          eof = true;
          break;
        }
        if (bytes >= MAX_STEP_BYTES) break;
        if (h.settings.bytesPerSecond > 0 && this.windowBytes + bytes >= h.settings.bytesPerSecond) break;
      }
    } catch (e) {
      if (h.throttle.allow(`read:${this.path}`) >= 0) h.log.warn(`could not read ${this.path}`, { error: e });
      eof = true;
    } finally {
      this.lines.release(h.buffers);
    }
    this.windowBytes += bytes;
    if (lines > 0) h.countLines(this, lines, now);
    h.stats.bytesRead += bytes;
    h.stats.linesRead += lines;
    h.stats.longLines += this.lines.longLines;
    this.lines.longLines = 0;
    this.eof = eof;
    if (eof) this.verify = true;
    if (lines > 0 && (this.head?.length ?? 0) < HEAD) this.headBytes(HEAD);
    if (this.ml && lines > 0) this.touchMultiline();
    if (this.flushDue) {
      this.flushDue = false;
      if (this.ml) h.converter.flushMultiline(this.ml, this.path, this.es);
    }
    this.commitBatch();
    if (h.settings.openOnEveryUpdate) this.closeFd();
    return eof ? 'idle' : 'more';
  }

  /**
   * Opens by path when the descriptor was closed (open_on_every_update, max_open_files):
   * 'nofd' = no descriptor slot free, 'gone' = the file is not where it was.
   */
  open(): 'ok' | 'nofd' | 'gone' {
    if (this.fd !== undefined) return 'ok';
    if (this.state === 'closed') return 'gone';
    const file = this.state === 'live' ? this.path : this.host.locate(this);
    if (file === undefined) return 'gone';
    if (!this.host.acquireFd(this)) return 'nofd';
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'r');
      const st = fs.fstatSync(fd);
      if (st.ino !== this.ino || st.dev !== this.dev || (this.birthMs && st.birthtimeMs !== this.birthMs)) {
        fs.closeSync(fd);
        fd = undefined;
      }
    } catch {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    }
    if (fd === undefined) {
      this.host.releaseFd(this);
      return 'gone';
    }
    this.fd = fd;
    this.host.stats.opened++;
    return 'ok';
  }

  closeFd(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
    this.host.stats.closed++;
    this.host.releaseFd(this);
  }

  /** Bytes [pos, pos+len) of the file (shorter at its end); empty without a descriptor. */
  readAt(pos: number, len: number): Buffer {
    if (this.open() !== 'ok') return Buffer.alloc(0);
    const b = Buffer.alloc(len);
    const n = fs.readSync(this.fd!, b, 0, len, pos);
    return b.subarray(0, n);
  }

  /**
   * The file's first bytes, as last seen before any truncation: cached, and re-read only while
   * shorter than n and the file has not shrunk (so a truncated file still reports its old head).
   */
  headBytes(n: number): Buffer {
    if ((this.head && this.head.length >= n) || this.fd === undefined) return this.head ?? Buffer.alloc(0);
    try {
      if (fs.fstatSync(this.fd).size >= this.lines.readPos) {
        const b = this.readAt(0, n);
        if (!this.head || b.length > this.head.length) this.head = b;
      }
    } catch {
      // keep what we had
    }
    return this.head ?? Buffer.alloc(0);
  }

  /** Remembers the bytes just before the start position (truncation checks before any read). */
  primeTail(): void {
    this.headBytes(HEAD);
    const pos = this.lines.consumed;
    if (pos === 0) return;
    const k = Math.min(TAIL, pos);
    const b = this.readAt(pos - k, k);
    if (b.length !== k) return;
    b.copy(this.tail, 0);
    this.tailLen = k;
    this.tailEnd = pos;
  }

  /** Continue from `pos` (a copytruncate copy taking over from its source). */
  resetTo(pos: number): void {
    this.lines.reset(pos);
    this.commits.push(pos, undefined);
  }

  /** Whether the bytes before our position changed (truncated and rewritten past it). */
  private rewritten(fd: number): boolean {
    if (this.tailLen === 0) return false;
    const b = Buffer.alloc(this.tailLen);
    const n = fs.readSync(fd, b, 0, this.tailLen, this.tailEnd - this.tailLen);
    return n < this.tailLen || !b.equals(this.tail.subarray(0, this.tailLen));
  }

  /** The file shrank under us (copytruncate, `> file`): start again at its head. */
  truncated(): void {
    const h = this.host;
    h.stats.truncated++;
    h.log.info(`detected truncation of ${this.path}; reading it from the head`);
    if (this.ml) h.converter.flushMultiline(this.ml, this.path, this.es);
    this.commitBatch();
    this.lines.reset(0);
    this.tailLen = 0;
    this.tailEnd = 0;
    this.head = undefined;
    this.commits.push(0, undefined);
  }

  /** Whether a copy of this file holds bytes [end - tail, end) equal to what we read last. */
  tailMatches(copy: Buffer, copyStart: number): boolean {
    if (this.tailLen === 0) return false;
    const from = this.tailEnd - this.tailLen - copyStart;
    if (from < 0 || from + this.tailLen > copy.length) return false;
    return copy.subarray(from, from + this.tailLen).equals(this.tail.subarray(0, this.tailLen));
  }

  get tailInfo(): { end: number; len: number } {
    return { end: this.tailEnd, len: this.tailLen };
  }

  /** Renamed away, deleted or no longer matched: read to the end, then close after rotate_wait. */
  rotate(now: number): void {
    if (this.state !== 'live') return;
    this.state = 'rotated';
    this.rotatedAt = now;
    this.host.stats.rotated++;
    this.host.schedule(this);
  }

  /** A rotated file that can be closed: read to its end, nothing in flight, rotate_wait over. */
  releasable(now: number): boolean {
    if (this.state !== 'rotated' || this.stepping || this.queued || this.closing) return false;
    if (now - this.rotatedAt < this.host.settings.rotateWaitMs) return false;
    // never opened (or closed to save descriptors): look for it before giving up on it
    if (this.fd === undefined && this.open() === 'ok') return false;
    if (this.fd !== undefined) {
      try {
        if (fs.fstatSync(this.fd).size > this.lines.readPos) return false;
      } catch {
        // unreadable: nothing more to get from it
      }
    }
    return this.eof || this.fd === undefined;
  }

  /**
   * Stops reading for good. `final`: the file will not grow again (rotated or deleted), so its
   * unterminated last line and pending multiline event are emitted. Resolves once every batch
   * is durable (or `timeoutMs` passed) and the descriptor is closed.
   */
  close(final: boolean, timeoutMs: number): Promise<void> {
    if (this.closing) return this.closing;
    const h = this.host;
    if (final) {
      const part = this.lines.takePartial();
      if (part) {
        const text = h.settings.decode(part.buf, part.s, part.e);
        if (this.ml) h.converter.multilineLine(this.ml, text, part.start, this.path, this.es);
        else h.converter.line(text, this.path, this.es);
        this.lines.dropPartial();
      }
    }
    if (this.ml && (final || this.ml.pending)) h.converter.flushMultiline(this.ml, this.path, this.es);
    this.commitBatch();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.closing = this.commits.settled(timeoutMs).then(() => {
      this.commits.close();
      this.closeFd();
      this.state = 'closed';
    });
    return this.closing;
  }

  private touchMultiline(): void {
    const ms = this.host.settings.multilineFlushMs;
    if (ms === undefined || !this.ml!.pending) return;
    if (this.flushTimer) this.flushTimer.refresh();
    else {
      this.flushTimer = setTimeout(() => this.flushMultilineNow(), ms);
      this.flushTimer.unref();
    }
  }

  private flushMultilineNow(): void {
    if (!this.ml?.pending || this.state === 'closed' || this.closing) return;
    if (this.stepping) {
      this.flushDue = true;
      return;
    }
    this.host.converter.flushMultiline(this.ml, this.path, this.es);
    this.commitBatch();
  }

  /** Sends the batch built so far (possibly empty: then only the position moves). */
  private commitBatch(): void {
    const es = this.es;
    const end = this.ml?.pending ? Math.min(this.ml.start, this.lines.consumed) : this.lines.consumed;
    if (es.length === 0 && end === this.commits.lastEnd) return;
    this.es = new EventStream();
    this.commits.push(end, es);
  }
}

export { READ_SIZE };
