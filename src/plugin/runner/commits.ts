// Delayed commit (spec core §4.8): a host with delayedCommit set gets tryWrite(chunk)
// instead of write(chunk).
//
// Contract: when tryWrite resolves the chunk stays dequeued ("awaiting commit") until the
// host calls commit(id) (→ purge, like a successful write) or rollback(id) (→ queue front;
// by default also a failed attempt for the retry state). The timeout starts when tryWrite
// resolves; after delayed_commit_timeout expire() (from the tick) rolls the chunk back as a
// failed attempt. At shutdown pending commits get a short grace, then are rolled back (a
// file buffer keeps them for the next start).

import type { StoredChunk } from '../../buffer/chunk.js';
import type { RunnerCore } from './core.js';
import type { Failures } from './failures.js';

/** Longest wait at shutdown for delayed commits still pending (seconds). */
const SHUTDOWN_COMMIT_GRACE = 5;

interface AwaitingCommit {
  chunk: StoredChunk;
  /** When tryWrite resolved (the timeout starts then); Infinity while it runs. */
  flushedAt: number;
}

/** What the commits need from the flush loop. */
export interface FlushFlow {
  /** A write of `c` succeeded (ends a retry, paces the next flush). */
  succeeded(c: StoredChunk): void;
  /** A flush attempt, commit or rollback ended: wake waiters, blocked emits and flushes. */
  settled(): void;
  /** Resolves at the next settled(). */
  nextCompletion(): Promise<void>;
}

export class Commits {
  private readonly awaiting = new Map<string, AwaitingCommit>();
  /** Purges started by commit() (shutdown waits for them). */
  private readonly purges = new Set<Promise<void>>();

  constructor(
    private readonly core: RunnerCore,
    private readonly failures: Failures,
    private readonly flow: FlushFlow,
  ) {}

  /** Chunks sent with tryWrite and not yet committed. */
  get size(): number {
    return this.awaiting.size;
  }

  /** tryWrite; the chunk stays dequeued until commit/rollback/timeout. */
  async tryWrite(c: StoredChunk): Promise<void> {
    const entry: AwaitingCommit = { chunk: c, flushedAt: Number.POSITIVE_INFINITY };
    this.awaiting.set(c.idHex, entry);
    try {
      await this.core.host.tryWrite(c);
    } catch (e) {
      if (this.awaiting.get(c.idHex) === entry) {
        this.awaiting.delete(c.idHex);
        throw e;
      }
      // the plugin already committed or rolled it back: nothing left to undo
      this.core.log.warn('try_write failed after its chunk was committed or rolled back', {
        chunk_id: c.idHex,
        error: e as Error,
      });
      return;
    }
    if (this.awaiting.get(c.idHex) === entry) entry.flushedAt = this.core.now();
  }

  /** The plugin confirms a chunk sent by tryWrite (e.g. an ack arrived): purge it. */
  commit(idHex: string): boolean {
    const e = this.awaiting.get(idHex);
    if (!e) return false;
    this.awaiting.delete(idHex);
    const c = e.chunk;
    this.core.counters.wrote(c.records);
    const purge = this.core.purgeLogged(c);
    this.purges.add(purge);
    void purge.finally(() => this.purges.delete(purge));
    this.flow.succeeded(c);
    this.flow.settled();
    return true;
  }

  /**
   * Give a chunk sent by tryWrite back to the queue front. `updateRetry` (default) counts it
   * as a failed attempt (retry state, backoff); out_forward passes false for an ack timeout
   * so the chunk is resent at once, likely to another node.
   */
  rollback(idHex: string, updateRetry = true, reason?: Error): boolean {
    const e = this.awaiting.get(idHex);
    if (!e) return false;
    this.awaiting.delete(idHex);
    const c = e.chunk;
    this.core.buffer!.takeback(c);
    this.core.counters.rollback_count++;
    if (updateRetry) {
      const why = reason ?? new Error('the delayed commit was rolled back');
      void this.failures.retry(c, why, false).finally(() => this.flow.settled());
    } else {
      this.flow.settled();
    }
    return true;
  }

  /** Roll back (as failed attempts) the commits older than delayed_commit_timeout. */
  expire(): void {
    const now = this.core.now();
    const timeout = this.core.cfg.delayedCommitTimeout;
    for (const [id, e] of [...this.awaiting]) {
      if (e.flushedAt + timeout > now) continue;
      this.core.log.warn('failed to flush the buffer chunk, timeout to commit.', {
        chunk_id: id,
        flushed_at: new Date(e.flushedAt * 1000).toISOString(),
      });
      this.rollback(id, true, new Error(`no commit within delayed_commit_timeout (${timeout}s)`));
    }
  }

  /** Shutdown: wait a little for pending commits, roll the rest back, await running purges. */
  async settleAtShutdown(): Promise<void> {
    const grace = Math.min(this.core.cfg.delayedCommitTimeout, SHUTDOWN_COMMIT_GRACE) * 1000;
    const deadline = Date.now() + grace;
    while (this.awaiting.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.flow.nextCompletion(),
        new Promise<void>((r) => {
          timer = setTimeout(r, Math.max(1, deadline - Date.now()));
        }),
      ]);
      clearTimeout(timer);
    }
    if (this.awaiting.size > 0) {
      this.core.log.warn('delayed commit for buffer chunks was cancelled in shutdown', {
        chunk_id: [...this.awaiting.keys()].join(','),
      });
      for (const [id, e] of [...this.awaiting]) {
        this.awaiting.delete(id);
        this.core.buffer!.takeback(e.chunk);
        this.core.counters.rollback_count++;
      }
    }
    await Promise.all([...this.purges]);
  }
}
