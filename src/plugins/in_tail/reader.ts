// One tailed file (one inode): reads it in steps, turns lines into a batch, emits the batch
// and moves its saved position only once the batch is durable. The file itself (identity,
// descriptor, fingerprint) is tail-file.ts; the host contract is reader-host.ts.
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
import { CommitQueue } from './commit-queue.js';
import type { MultilineState } from './events.js';
import type { LineBuffer } from './line-buffer.js';
import type { PosEntry } from './pos-file.js';
import { MAX_INFLIGHT, type ReaderHost, type StepResult } from './reader-host.js';
import { HEAD, readAsync, TailFile } from './tail-file.js';

const MAX_STEP_BYTES = 1024 * 1024;

export class FileReader extends TailFile {
  /** Path watchers currently showing this file. */
  owners = 0;
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
  private es = new EventStream();
  private windowStart = 0;
  private windowBytes = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushDue = false;

  constructor(
    private readonly host: ReaderHost,
    ino: number,
    dev: number,
    birthMs: number,
    path: string,
    public tag: string,
    public entry: PosEntry,
    lines: LineBuffer,
    readonly ml: MultilineState | undefined,
  ) {
    super(host, ino, dev, birthMs, path, lines);
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
    if (lines > 0 && this.headShort) this.headBytes(HEAD);
    if (this.ml && lines > 0) this.touchMultiline();
    if (this.flushDue) {
      this.flushDue = false;
      if (this.ml) h.converter.flushMultiline(this.ml, this.path, this.es);
    }
    this.commitBatch();
    if (h.settings.openOnEveryUpdate) this.closeFd();
    return eof ? 'idle' : 'more';
  }

  /** Continue from `pos` (a copytruncate copy taking over from its source). */
  resetTo(pos: number): void {
    this.lines.reset(pos);
    this.commits.push(pos, undefined);
  }

  /** The file shrank under us (copytruncate, `> file`): start again at its head. */
  truncated(): void {
    const h = this.host;
    h.stats.truncated++;
    h.log.info(`detected truncation of ${this.path}; reading it from the head`);
    if (this.ml) h.converter.flushMultiline(this.ml, this.path, this.es);
    this.commitBatch();
    this.lines.reset(0);
    this.forgetFingerprint();
    this.commits.push(0, undefined);
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
