// What the runner does when a flush fails (spec core §4.6–§4.7): retry state and its
// limit, the <secondary> for unrecoverable errors, and the backup directory.
//
// Contract:
// - a retryable failure → retry(c, e): the first one creates the RetryState (retry_wait),
//   later ones step it; at the limit every queued chunk is dropped (giveUp), file chunks
//   copied to the evacuation directory first. retry_max_times N allows N retries; with a
//   <secondary> still unused the last attempt goes to the secondary first.
// - an unrecoverable error (UnrecoverableError, TypeError, RangeError) → unrecoverable():
//   the <secondary> once (unless it is the same type as the primary), else the chunk is
//   saved in the backup directory (or thrown away with disable_chunk_backup); either way it
//   is purged and counted.

import { backupBase, backupDir, evacuationDir, saveAside } from '../../buffer/backup.js';
import type { StoredChunk } from '../../buffer/chunk.js';
import { UnrecoverableError } from '../../core/errors.js';
import { RetryState } from '../retry-state.js';
import type { RunnerCore } from './core.js';

export function isUnrecoverable(e: unknown): boolean {
  return e instanceof UnrecoverableError || e instanceof TypeError || e instanceof RangeError;
}

export class Failures {
  constructor(private readonly core: RunnerCore) {}

  private retryOptions() {
    const r = this.core.cfg.retry;
    return {
      type: r.type,
      wait: r.wait,
      timeout: r.timeout,
      forever: r.forever,
      maxTimes: r.maxTimes,
      backoffBase: r.backoffBase,
      maxInterval: r.maxInterval,
      randomize: r.randomize,
      secondary: this.core.secondary !== undefined,
      secondaryThreshold: r.secondaryThreshold,
    };
  }

  /** A failed attempt (the chunk is already back in the queue): update the retry state. */
  async retry(c: StoredChunk, e: Error, secondary: boolean): Promise<void> {
    const core = this.core;
    const cfg = core.cfg;
    core.counters.retry_count++;
    const nextTime = (t: number) => new Date(Math.round(t) * 1000).toISOString();
    if (!core.retry) {
      core.retry = new RetryState(this.retryOptions(), core.now, core.random);
      core.log.warn('failed to flush the buffer.', {
        retry_times: 0,
        next_retry_time: nextTime(core.retry.next),
        chunk: c.idHex,
        error: e,
      });
      if (cfg.retry.maxTimes === 0 && !cfg.retry.forever) await this.giveUp(e);
      return;
    }
    if (core.retry.limit()) {
      await this.giveUp(e);
      return;
    }
    core.retry.step();
    core.log.warn(
      secondary ? 'failed to flush the buffer with secondary output.' : 'failed to flush the buffer.',
      {
        retry_times: core.retry.steps,
        next_retry_time: nextTime(core.retry.next),
        chunk: c.idHex,
        error: e,
      },
    );
    // retry_max_times N allows N retries. With a <secondary> still unused, the next attempt
    // (at the switch time, which is ≤ the N-th retry) goes to the secondary first.
    const max = cfg.retry.maxTimes;
    const secondaryPending = core.secondary !== undefined && core.retry.current === 'primary';
    if (!cfg.retry.forever && max !== undefined && core.retry.steps >= max && !secondaryPending) {
      await this.giveUp(e);
    }
  }

  /** Retry limit: every queued chunk is dropped (file chunks are evacuated first). */
  private async giveUp(e: Error): Promise<void> {
    const core = this.core;
    const buf = core.buffer!;
    core.log.error(
      'failed to flush the buffer, and hit limit for retries. dropping all chunks in the buffer queue.',
      {
        retry_times: core.retry?.steps ?? 0,
        records: buf.queueRecords,
        error: e,
      },
    );
    const chunks = [...buf.queue];
    let evacuated = false;
    for (const c of chunks) {
      if (core.cfg.persistent) evacuated = (await this.evacuate(c)) || evacuated;
      if (c.state !== 'queued') continue; // dropped or taken meanwhile (drop_oldest_chunk)
      core.counters.drop('retry_limit', c.records);
      await core.purgeLogged(c);
    }
    if (evacuated) {
      core.log.warn(
        `chunk files are evacuated to ${evacuationDir(core.host.ctx.system.rootDir, core.host.ctx.id)}`,
      );
    }
    core.retry = undefined;
  }

  private async evacuate(c: StoredChunk): Promise<boolean> {
    const core = this.core;
    const dir = evacuationDir(core.host.ctx.system.rootDir, core.host.ctx.id);
    try {
      const files = core.storage?.filesOf?.(c) ?? [];
      if (files.length === 0) await saveAside(dir, `${c.idHex}.log`, await c.read());
      const { copyFile, mkdir } = await import('node:fs/promises');
      const { basename, join } = await import('node:path');
      await mkdir(dir, { recursive: true });
      for (const f of files) await copyFile(f, join(dir, basename(f)));
      return true;
    } catch (err) {
      core.log.error('failed to evacuate chunk', { chunk_id: c.idHex, error: err as Error });
      return false;
    }
  }

  async unrecoverable(c: StoredChunk, e: Error, usingSecondary: boolean): Promise<void> {
    const core = this.core;
    const sec = core.secondary;
    if (sec && !usingSecondary && sec.type !== core.host.type) {
      core.log.warn('got unrecoverable error in primary. Skip retry and flush chunk to secondary', {
        error: e,
      });
      try {
        await sec.write(c);
        core.counters.wroteSecondary(c.records);
        await core.purgeLogged(c);
        return;
      } catch (e2) {
        core.log.warn('got an error in secondary for unrecoverable error', { error: e2 as Error });
      }
    } else if (!usingSecondary) {
      core.log.warn('got unrecoverable error in primary and no secondary', { chunk_id: c.idHex, error: e });
    }
    await this.backup(c);
  }

  private async backup(c: StoredChunk): Promise<void> {
    const core = this.core;
    const ctx = core.host.ctx;
    if (core.cfg.disableChunkBackup) {
      core.log.warn(`disable_chunk_backup is true. ${c.idHex} chunk is thrown away.`);
      core.counters.drop('unrecoverable', c.records);
    } else {
      try {
        const dir = backupDir(ctx.system.rootDir, ctx.workerId, ctx.id);
        const file = await saveAside(dir, `${c.idHex}.log`, await c.read(), ctx.system.filePermission);
        core.log.warn(`bad chunk is moved to ${file}`);
        core.counters.drop('backup', c.records);
      } catch (err) {
        core.log.error(`failed to back up chunk under ${backupBase(ctx.system.rootDir)}`, {
          chunk_id: c.idHex,
          error: err as Error,
        });
        core.counters.drop('unrecoverable', c.records);
      }
    }
    await core.purgeLogged(c);
  }
}
