// The runner's flush loop (spec core §4.4–§4.5): when chunks move from stage to queue, and
// when queued chunks are written.
//
//   tick (shared 100 ms timer) → enqueue by flush_mode / timekey → kick()
//   kick() → up to flush_thread_count writes; while a retry is pending, one at a time after
//            retry.next; otherwise paced by flush_thread_burst_interval after a success
//   write ok → purge; error → takeback + Failures.retry; unrecoverable → Failures
//
// Contract: every attempt ends in settled(), which wakes completion waiters, parked emits,
// drain waiters and the next kick. Forced flushes (flushAll) ignore the burst pacing but
// not a pending retry. Once core.closing is set no new write starts.

import type { StoredChunk } from '../../buffer/chunk.js';
import type { Commits, FlushFlow } from './commits.js';
import type { RunnerCore } from './core.js';
import { type Failures, isUnrecoverable } from './failures.js';
import type { Intake } from './intake.js';

export class Flusher implements FlushFlow {
  private kickPending = false;
  private forced = 0;
  private completionWaiters: (() => void)[] = [];

  constructor(
    private readonly core: RunnerCore,
    private readonly intake: Intake,
    private readonly commits: Commits,
    private readonly failures: Failures,
  ) {}

  /** Called by the shared timer (tests call it after moving the clock). */
  tick(): void {
    const core = this.core;
    const buf = core.buffer;
    if (!buf || core.stopped) return;
    const now = Math.floor(core.now());
    const cfg = core.cfg;
    const room = () => buf.queueLength < cfg.queuedChunksLimitSize;
    if (cfg.flushMode === 'interval' && room()) {
      const fi = Math.floor(cfg.flushInterval);
      buf.enqueueAll((c) => room() && c.createdAt + fi <= now);
    }
    if (cfg.timeKey && cfg.timekey !== undefined && room()) {
      const tk = cfg.timekey;
      const current = now - (now % tk);
      buf.enqueueAll(
        (c) =>
          room() &&
          c.metadata.timekey !== undefined &&
          c.metadata.timekey < current &&
          c.metadata.timekey + tk + cfg.timekeyWait <= now,
      );
    }
    if (this.commits.size > 0) this.commits.expire();
    this.intake.runBlocked();
    this.intake.checkDrain();
    this.kick();
  }

  /**
   * After a store (the queue was `queuedBefore` long): Fluentd's emit_buffered →
   * submit_flush_once. An emit that finds a queued chunk (and no retry pending) wakes a flush
   * now, so flush_thread_burst_interval only paces a backlog once the input has gone quiet.
   */
  wake(queuedBefore: number): void {
    const core = this.core;
    const queued = core.buffer!.queue.length;
    if (queued > 0 && !core.retry && (queued > queuedBefore || core.nextFlushAt > 0)) {
      core.nextFlushAt = 0;
      if (!this.kickPending) {
        this.kickPending = true;
        setImmediate(() => {
          this.kickPending = false;
          this.kick();
        });
      }
    }
  }

  kick(force = false): void {
    const core = this.core;
    const buf = core.buffer;
    if (!buf || core.stopped || core.closing) return;
    const now = core.now();
    while (core.active < core.cfg.flushThreadCount && buf.queue.length > 0) {
      if (core.retry) {
        if (core.active > 0 || now < core.retry.next) break;
      } else if (!force && this.forced === 0 && now < core.nextFlushAt) break;
      const c = buf.dequeue()!;
      core.active++;
      void this.flushOne(c);
    }
  }

  private async flushOne(c: StoredChunk): Promise<void> {
    const core = this.core;
    const buf = core.buffer!;
    const useSecondary = core.secondary !== undefined && core.retry?.secondary() === true;
    const started = core.now();
    try {
      if (c.records === 0 && c.bytesize === 0) {
        await buf.purge(c);
        return;
      }
      if (useSecondary) {
        await core.secondary!.write(c);
        core.counters.wroteSecondary(c.records);
      } else if (core.host.delayedCommit) {
        await this.commits.tryWrite(c);
        this.checkSlow(started);
        return;
      } else {
        await core.host.write(c);
        core.counters.wrote(c.records);
      }
      this.checkSlow(started);
      await core.purgeLogged(c);
      this.succeededBy(c, useSecondary);
    } catch (e) {
      if (isUnrecoverable(e)) await this.failures.unrecoverable(c, e as Error, useSecondary);
      else {
        buf.takeback(c);
        core.counters.rollback_count++;
        await this.failures.retry(c, e as Error, useSecondary);
      }
    } finally {
      core.active--;
      this.settled();
    }
  }

  settled(): void {
    const w = this.completionWaiters;
    this.completionWaiters = [];
    for (const cb of w) cb();
    this.intake.runBlocked();
    this.intake.checkDrain();
    this.kick();
  }

  succeeded(c: StoredChunk): void {
    this.succeededBy(c, false);
  }

  private succeededBy(c: StoredChunk, bySecondary: boolean): void {
    const core = this.core;
    if (core.retry) {
      core.log.warn(bySecondary ? 'retry succeeded by secondary.' : 'retry succeeded.', {
        chunk_id: c.idHex,
      });
      core.retry = undefined;
    }
    core.nextFlushAt = core.buffer!.queue.length > 0 ? core.now() + core.cfg.flushThreadBurstInterval : 0;
  }

  private checkSlow(started: number): void {
    const core = this.core;
    const elapsed = core.now() - started;
    const threshold = core.host.slowFlushLogThreshold;
    if (elapsed > threshold) {
      core.log.warn('buffer flush took longer time than slow_flush_log_threshold:', {
        elapsed_time: Math.round(elapsed * 1e6) / 1e6,
        slow_flush_log_threshold: threshold,
        plugin_id: core.host.ctx.id,
      });
    }
  }

  nextCompletion(): Promise<void> {
    return new Promise((r) => this.completionWaiters.push(r));
  }

  /** SIGUSR1 / shutdown: enqueue everything, write until the queue is empty or a retry starts. */
  async flushAll(): Promise<void> {
    const core = this.core;
    const buf = core.buffer;
    if (!buf || core.stopped) return;
    buf.enqueueAll();
    this.forced++;
    try {
      while (!core.retry && (buf.queue.length > 0 || core.active > 0)) {
        this.kick(true);
        if (core.active === 0) break;
        await this.nextCompletion();
      }
    } finally {
      this.forced--;
    }
  }
}
