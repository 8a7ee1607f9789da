// One file's batches between "emitted" and "durable", in read order. The saved position is the
// end of the longest prefix of batches that are durable, so it never passes a line whose
// event could still be lost, and a crash re-reads at most the batches in flight.
//
//   push(4096, es₁)  push(9000, es₂)  push(9800, es₃)      es₂ durable → nothing yet
//   [4096 …][9000 ✓][9800 …]                                es₁ durable → position 9000
//
// - A batch the pipeline refuses for a reason that passes (buffer overflow, disk full: an
//   errno) is sent again with backoff, never skipped; while it waits, later batches may be
//   durable but the position stays before it.
// - A batch refused for good (anything else) is counted as dropped and logged, and the position
//   moves over it (Fluentd does the same; the alternative is a file stuck forever).
// - After close(), a waiting batch is not sent again: its position was never saved, so the next
//   start reads it again.

import { TributaryError } from '../../core/errors.js';
import type { EventStream } from '../../core/event-stream.js';

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

interface Commit {
  end: number;
  done: boolean;
}

export interface CommitHooks {
  emit(es: EventStream): Promise<void>;
  /** The durable position moved. */
  onDurable(pos: number): void;
  /** The queue went from full to not full. */
  onRoom(): void;
  onEmitted(n: number): void;
  onRetry(err: unknown, n: number): void;
  onDropped(err: unknown, n: number): void;
}

/** Errors after which a batch is sent again rather than dropped. */
export function retryable(err: unknown): boolean {
  if (err instanceof TributaryError) return err.code === 'BUFFER_OVERFLOW';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

export class CommitQueue {
  /** The saved position: end of the last batch of the durable prefix. */
  durable: number;
  private items: Commit[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    start: number,
    readonly limit: number,
    private readonly hooks: CommitHooks,
  ) {
    this.durable = start;
  }

  get length(): number {
    return this.items.length;
  }

  get full(): boolean {
    return this.items.length >= this.limit;
  }

  /** Where the last queued batch ends (the durable position when empty). */
  get lastEnd(): number {
    return this.items.length ? this.items[this.items.length - 1]!.end : this.durable;
  }

  /** Queues a batch ending at `end`; an empty or missing stream only moves the position. */
  push(end: number, es: EventStream | undefined): void {
    const c: Commit = { end, done: false };
    this.items.push(c);
    if (!es || es.length === 0) {
      c.done = true;
      this.advance();
    } else this.send(c, es, 0);
  }

  /** Resolves when everything queued so far is settled, or after timeoutMs. */
  settled(timeoutMs: number): Promise<void> {
    if (this.items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      t.unref();
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  close(): void {
    this.closed = true;
  }

  private send(c: Commit, es: EventStream, attempt: number): void {
    if (this.closed) return;
    let p: Promise<void>;
    try {
      p = this.hooks.emit(es);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => {
        this.hooks.onEmitted(es.length);
        c.done = true;
        this.advance();
      },
      (err: unknown) => {
        if (retryable(err) && !this.closed) {
          this.hooks.onRetry(err, es.length);
          const wait = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempt, 6));
          setTimeout(() => this.send(c, es, attempt + 1), wait).unref();
          return;
        }
        this.hooks.onDropped(err, es.length);
        c.done = true;
        this.advance();
      },
    );
  }

  private advance(): void {
    const wasFull = this.full;
    let moved = false;
    while (this.items.length > 0 && this.items[0]!.done) {
      this.durable = this.items.shift()!.end;
      moved = true;
    }
    if (moved) this.hooks.onDurable(this.durable);
    if (this.items.length === 0 && this.waiters.length > 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const cb of w) cb();
    }
    if (wasFull && !this.full) this.hooks.onRoom();
  }
}
