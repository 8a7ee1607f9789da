// The output runner: everything between a buffered output's emit() and its write(chunk)
// (spec core §4.3–§4.9, DESIGN.md §5).
//
//   emit(tag, es) → group by metadata → format → BufferCore.write → promise (durable)
//   tick (shared 100 ms timer) → enqueue by flush_mode → kick()
//   kick() → up to flush_thread_count writes; while a retry is pending, one at a time after
//            retry.next
//   write ok → purge; error → takeback + retry state; limit → drop the queue (evacuated
//            first for file buffers); UnrecoverableError → <secondary> or backup directory
//
// Delayed commit (spec core §4.8): a host with delayedCommit set gets tryWrite(chunk)
// instead of write(chunk). When tryWrite resolves the chunk stays dequeued ("awaiting
// commit") until the host calls commitWrite(id) (→ purge, like a successful write) or
// rollbackWrite(id) (→ queue front; by default also a failed attempt for the retry state).
// The timeout starts when tryWrite resolves; after delayed_commit_timeout the tick rolls the
// chunk back as a failed attempt. At shutdown pending commits get a short grace, then are
// rolled back (a file buffer keeps them for the next start).
//
// Counters reconcile (stats()): emit_records = write_records + secondary_records + buffered
// + dropped (by reason) + refused (failed appends the emitter was told about).

import { backupBase, backupDir, evacuationDir, saveAside } from '../buffer/backup.js';
import { BufferCore } from '../buffer/buffer.js';
import type { Chunk, ChunkStorage, StoredChunk } from '../buffer/chunk.js';
import type { BufferConfig } from '../buffer/config.js';
import { subscribeTick } from '../buffer/ticker.js';
import { BufferOverflowError, UnrecoverableError } from '../core/errors.js';
import type { EventStream } from '../core/event-stream.js';
import { LogThrottle } from '../core/log.js';
import { groupByMetadata } from './emit-groups.js';
import type { PlaceholderKeys } from './placeholders.js';
import { RetryState } from './retry-state.js';
import type { OutputPlugin, PluginContext } from './types.js';

/** What the runner needs from the output plugin. */
export interface RunnerHost {
  readonly ctx: PluginContext;
  readonly type: string;
  /** Bytes of events [start, end) of `es`; undefined = the default msgpack entries. */
  formatSlice(tag: string, es: EventStream, start: number, end: number): Uint8Array;
  /** es.packed may be appended as is (default format with EventTime times only). */
  readonly reusePacked: boolean;
  write(chunk: Chunk): Promise<void>;
  /** Flushes use tryWrite + commitWrite (delayed commit). */
  readonly delayedCommit: boolean;
  tryWrite(chunk: Chunk): Promise<void>;
  /** Seconds; a longer flush is logged. */
  readonly slowFlushLogThreshold: number;
  /** A new staged chunk was created (out_file's symlink_path). */
  chunkCreated?(chunk: Chunk): void;
}

export interface SecondaryOutput extends OutputPlugin {
  write(chunk: Chunk): Promise<void>;
  readonly type: string;
}

export interface OutputStats {
  emit_count: number;
  emit_records: number;
  emit_size: number;
  write_count: number;
  write_records: number;
  secondary_write_count: number;
  secondary_records: number;
  retry_count: number;
  rollback_count: number;
  refused_records: number;
  dropped_records: Record<string, number>;
  stage_length: number;
  stage_byte_size: number;
  queue_length: number;
  queue_byte_size: number;
  buffered_records: number;
  retry_steps: number | undefined;
  retry_next_time: number | undefined;
}

const HIGH_WATER = 0.9;
const MAX_BLOCKED = 1024;
const DISK_FULL_PAUSE_MS = 1000;
/** Longest wait at shutdown for delayed commits still pending (seconds). */
const SHUTDOWN_COMMIT_GRACE = 5;

interface AwaitingCommit {
  chunk: StoredChunk;
  /** When tryWrite resolved (the timeout starts then); Infinity while it runs. */
  flushedAt: number;
}

function isUnrecoverable(e: unknown): boolean {
  return e instanceof UnrecoverableError || e instanceof TypeError || e instanceof RangeError;
}

function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
}

export class OutputRunner {
  buffer: BufferCore | undefined;
  retry: RetryState | undefined;
  /** Clock in seconds (float); tests replace it. */
  now: () => number = () => Date.now() / 1000;
  random: () => number = Math.random;
  private active = 0;
  private nextFlushAt = 0;
  private kickPending = false;
  private forced = 0;
  private stopping = false;
  /** Shutdown is past its forced flush: start no more writes. */
  private closing = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private drainWaiters: (() => void)[] = [];
  private completionWaiters: (() => void)[] = [];
  private readonly awaiting = new Map<string, AwaitingCommit>();
  /** Purges started by commitWrite (shutdown waits for them). */
  private readonly purges = new Set<Promise<void>>();
  private blocked: { run: () => void; fail: (e: Error) => void }[] = [];
  private diskFullUntil = 0;
  private readonly throttle = new LogThrottle(10_000);
  private readonly st = {
    emit_count: 0,
    emit_records: 0,
    emit_size: 0,
    write_count: 0,
    write_records: 0,
    secondary_write_count: 0,
    secondary_records: 0,
    retry_count: 0,
    rollback_count: 0,
    refused_records: 0,
    dropped_records: {} as Record<string, number>,
  };

  constructor(
    private readonly host: RunnerHost,
    readonly cfg: BufferConfig,
    readonly placeholderKeys: PlaceholderKeys,
    private readonly storageFactory: () => ChunkStorage,
    readonly secondary: SecondaryOutput | undefined,
  ) {}

  /** Writes in flight. */
  get inFlight(): number {
    return this.active;
  }

  private get log() {
    return this.host.ctx.log;
  }

  private storage: ChunkStorage | undefined;

  async start(): Promise<void> {
    if (this.buffer) return;
    this.storage = this.storageFactory();
    const { staged, queued } = await this.storage.resume();
    const buf = new BufferCore(
      {
        chunkLimitSize: this.cfg.chunkLimitSize,
        chunkLimitRecords: this.cfg.chunkLimitRecords,
        totalLimitSize: this.cfg.totalLimitSize,
        chunkFullThreshold: this.cfg.chunkFullThreshold,
      },
      this.storage,
      () => Math.floor(this.now()),
    );
    buf.restore(staged, queued);
    buf.onRollback = (records) => {
      this.st.refused_records += records;
    };
    if (this.host.chunkCreated) {
      const created = this.host.chunkCreated.bind(this.host);
      buf.onCreate = (c) => {
        try {
          created(c);
        } catch (e) {
          this.log.warn('chunk creation hook failed', { chunk_id: c.idHex, error: e as Error });
        }
      };
    }
    this.buffer = buf;
    if (this.secondary) await this.secondary.start();
    this.unsubscribe = subscribeTick(() => this.tick());
    this.kick();
  }

  private drop(reason: string, records: number): void {
    if (records <= 0) return;
    this.st.dropped_records[reason] = (this.st.dropped_records[reason] ?? 0) + records;
  }

  // ---- emit --------------------------------------------------------------------------

  emit(tag: string, es: EventStream): void | Promise<void> {
    const n = es.length;
    if (n === 0) return;
    const buf = this.buffer;
    if (!buf || this.stopped) throw new Error(`${this.host.type} output is not running`);
    this.st.emit_count++;
    this.st.emit_records += n;
    if (!buf.storable() || (this.cfg.overflowAction === 'block' && this.blocked.length > 0)) {
      return this.overflow(tag, es);
    }
    return this.store(tag, es);
  }

  private overflow(tag: string, es: EventStream): void | Promise<void> {
    const buf = this.buffer!;
    const action = this.cfg.overflowAction;
    if (this.throttle.allow('overflow') >= 0) {
      this.log.warn('failed to write data into buffer by buffer overflow', { action: `:${action}` });
    }
    if (action === 'drop_oldest_chunk') {
      while (!buf.storable()) {
        const oldest = buf.queue[0];
        if (!oldest) {
          this.log.warn('no queued chunks to be dropped for drop_oldest_chunk');
          break;
        }
        this.log.warn('dropping oldest chunk to make space after buffer overflow', {
          chunk_id: oldest.idHex,
        });
        this.drop('drop_oldest_chunk', oldest.records);
        void buf.purge(oldest);
      }
      if (buf.storable()) return this.store(tag, es);
    } else if (action === 'block' && !this.stopping && this.blocked.length < MAX_BLOCKED) {
      // a blocked emit counts as emitted once it is stored or refused (counters reconcile)
      this.st.emit_records -= es.length;
      return new Promise<void>((resolve, reject) => {
        this.blocked.push({
          run: () => {
            this.st.emit_records += es.length;
            try {
              const r = this.store(tag, es);
              if (r) r.then(resolve, reject);
              else resolve();
            } catch (e) {
              reject(e);
            }
          },
          fail: (e) => {
            this.st.emit_records += es.length;
            this.st.refused_records += es.length;
            reject(e);
          },
        });
      });
    }
    this.st.refused_records += es.length;
    throw new BufferOverflowError('buffer space has too many data');
  }

  private runBlocked(): void {
    while (this.blocked.length > 0 && this.buffer?.storable()) this.blocked.shift()!.run();
  }

  private store(tag: string, es: EventStream): void | Promise<void> {
    const buf = this.buffer!;
    const proms: Promise<void>[] = [];
    const before = buf.queue.length;
    const groups = groupByMetadata(tag, es, this.cfg);
    let overflowErr: Error | undefined;
    for (const g of groups) {
      const bulk = g.indexes === undefined && this.host.reusePacked && es.packed ? es.packed : undefined;
      const sub = g.indexes === undefined ? es : es.pick(g.indexes);
      const slice = (s: number, e: number) => this.host.formatSlice(tag, sub, s, e);
      const bytesBefore = buf.stageBytes + buf.queueBytes;
      try {
        buf.write(g.metadata, sub.length, bulk, slice, proms);
      } catch (e) {
        overflowErr = e as Error;
      }
      this.st.emit_size += buf.stageBytes + buf.queueBytes - bytesBefore;
      if (this.cfg.flushMode === 'immediate') {
        const c = buf.stage.get(g.key);
        if (c) buf.enqueue(c);
      }
    }
    // Fluentd's emit_buffered → submit_flush_once: an emit that finds a queued chunk (and no
    // retry pending) wakes a flush now, so flush_thread_burst_interval only paces a backlog
    // once the input has gone quiet.
    if (buf.queue.length > 0 && !this.retry && (buf.queue.length > before || this.nextFlushAt > 0)) {
      this.nextFlushAt = 0;
      if (!this.kickPending) {
        this.kickPending = true;
        setImmediate(() => {
          this.kickPending = false;
          this.kick();
        });
      }
    }
    if (overflowErr) {
      // the records that fit were stored; the oversized ones are reported to the emitter
      const m = /record \(nth/.exec(overflowErr.message) ? overflowErr.message.split(', ').length : 0;
      this.st.refused_records += m;
      throw overflowErr;
    }
    if (proms.length === 0) return;
    return Promise.all(proms).then(
      () => undefined,
      (e: Error) => {
        this.onAppendError(e);
        throw e;
      },
    );
  }

  /** A file append failed and was rolled back (counted by the chunk via onShrink). */
  private onAppendError(e: Error): void {
    if (isDiskFull(e)) {
      this.diskFullUntil = Date.now() + DISK_FULL_PAUSE_MS;
      const s = this.throttle.allow('diskfull');
      if (s >= 0) {
        this.log.warn('buffer write failed: the disk is full; inputs are paused until space returns', {
          error: e,
          ...(s > 0 ? { suppressed: s } : {}),
        });
      }
    } else if (this.throttle.allow('appendfail') >= 0) {
      this.log.error('buffer write failed', { error: e });
    }
  }

  overHighWater(): boolean {
    const buf = this.buffer;
    if (!buf) return false;
    if (this.blocked.length > 0) return true;
    if (Date.now() < this.diskFullUntil) return true;
    if (this.cfg.overflowAction === 'drop_oldest_chunk') return false;
    return buf.totalBytes >= this.cfg.totalLimitSize * HIGH_WATER;
  }

  onDrain(cb: () => void): void {
    this.drainWaiters.push(cb);
    this.checkDrain();
  }

  private checkDrain(): void {
    if (this.drainWaiters.length === 0 || this.overHighWater()) return;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const cb of w) cb();
  }

  // ---- enqueue and flush -------------------------------------------------------------

  /** Called by the shared timer (tests call it after moving the clock). */
  tick(): void {
    const buf = this.buffer;
    if (!buf || this.stopped) return;
    const now = Math.floor(this.now());
    const cfg = this.cfg;
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
    if (this.awaiting.size > 0) this.expireCommits();
    this.runBlocked();
    this.checkDrain();
    this.kick();
  }

  private kick(force = false): void {
    const buf = this.buffer;
    if (!buf || this.stopped || this.closing) return;
    const now = this.now();
    while (this.active < this.cfg.flushThreadCount && buf.queue.length > 0) {
      if (this.retry) {
        if (this.active > 0 || now < this.retry.next) break;
      } else if (!force && this.forced === 0 && now < this.nextFlushAt) break;
      const c = buf.dequeue()!;
      this.active++;
      void this.flushOne(c);
    }
  }

  private async flushOne(c: StoredChunk): Promise<void> {
    const buf = this.buffer!;
    const useSecondary = this.secondary !== undefined && this.retry?.secondary() === true;
    const started = this.now();
    try {
      if (c.records === 0 && c.bytesize === 0) {
        await buf.purge(c);
        return;
      }
      if (useSecondary) {
        await this.secondary!.write(c);
        this.countSecondary(c);
      } else if (this.host.delayedCommit) {
        await this.tryWriteOne(c);
        this.checkSlow(started);
        return;
      } else {
        await this.host.write(c);
        this.st.write_count++;
        this.st.write_records += c.records;
      }
      this.checkSlow(started);
      await this.purgeLogged(c);
      this.succeeded(c, useSecondary);
    } catch (e) {
      if (isUnrecoverable(e)) await this.unrecoverable(c, e as Error, useSecondary);
      else {
        buf.takeback(c);
        this.st.rollback_count++;
        await this.updateRetry(c, e as Error, useSecondary);
      }
    } finally {
      this.active--;
      this.settled();
    }
  }

  /** After a flush attempt or a commit/rollback: wake waiters, blocked emits and flushes. */
  private settled(): void {
    const w = this.completionWaiters;
    this.completionWaiters = [];
    for (const cb of w) cb();
    this.runBlocked();
    this.checkDrain();
    this.kick();
  }

  private succeeded(c: StoredChunk, bySecondary: boolean): void {
    if (this.retry) {
      this.log.warn(bySecondary ? 'retry succeeded by secondary.' : 'retry succeeded.', {
        chunk_id: c.idHex,
      });
      this.retry = undefined;
    }
    this.nextFlushAt = this.buffer!.queue.length > 0 ? this.now() + this.cfg.flushThreadBurstInterval : 0;
  }

  private checkSlow(started: number): void {
    const elapsed = this.now() - started;
    const threshold = this.host.slowFlushLogThreshold;
    if (elapsed > threshold) {
      this.log.warn('buffer flush took longer time than slow_flush_log_threshold:', {
        elapsed_time: Math.round(elapsed * 1e6) / 1e6,
        slow_flush_log_threshold: threshold,
        plugin_id: this.host.ctx.id,
      });
    }
  }

  // ---- delayed commit ----------------------------------------------------------------

  /** tryWrite; the chunk stays dequeued until commitWrite/rollbackWrite/timeout. */
  private async tryWriteOne(c: StoredChunk): Promise<void> {
    const entry: AwaitingCommit = { chunk: c, flushedAt: Number.POSITIVE_INFINITY };
    this.awaiting.set(c.idHex, entry);
    try {
      await this.host.tryWrite(c);
    } catch (e) {
      if (this.awaiting.get(c.idHex) === entry) {
        this.awaiting.delete(c.idHex);
        throw e;
      }
      // the plugin already committed or rolled it back: nothing left to undo
      this.log.warn('try_write failed after its chunk was committed or rolled back', {
        chunk_id: c.idHex,
        error: e as Error,
      });
      return;
    }
    if (this.awaiting.get(c.idHex) === entry) entry.flushedAt = this.now();
  }

  /** Chunks sent with tryWrite and not yet committed. */
  get pendingCommits(): number {
    return this.awaiting.size;
  }

  /** The plugin confirms a chunk sent by tryWrite (e.g. an ack arrived): purge it. */
  commitWrite(idHex: string): boolean {
    const e = this.awaiting.get(idHex);
    if (!e) return false;
    this.awaiting.delete(idHex);
    const c = e.chunk;
    this.st.write_count++;
    this.st.write_records += c.records;
    const purge = this.purgeLogged(c);
    this.purges.add(purge);
    void purge.finally(() => this.purges.delete(purge));
    this.succeeded(c, false);
    this.settled();
    return true;
  }

  /**
   * Give a chunk sent by tryWrite back to the queue front. `updateRetry` (default) counts it
   * as a failed attempt (retry state, backoff); out_forward passes false for an ack timeout
   * so the chunk is resent at once, likely to another node.
   */
  rollbackWrite(idHex: string, updateRetry = true, reason?: Error): boolean {
    const e = this.awaiting.get(idHex);
    if (!e) return false;
    this.awaiting.delete(idHex);
    const c = e.chunk;
    this.buffer!.takeback(c);
    this.st.rollback_count++;
    if (updateRetry) {
      const why = reason ?? new Error('the delayed commit was rolled back');
      void this.updateRetry(c, why, false).finally(() => this.settled());
    } else {
      this.settled();
    }
    return true;
  }

  private expireCommits(): void {
    const now = this.now();
    const timeout = this.cfg.delayedCommitTimeout;
    for (const [id, e] of [...this.awaiting]) {
      if (e.flushedAt + timeout > now) continue;
      this.log.warn('failed to flush the buffer chunk, timeout to commit.', {
        chunk_id: id,
        flushed_at: new Date(e.flushedAt * 1000).toISOString(),
      });
      this.rollbackWrite(id, true, new Error(`no commit within delayed_commit_timeout (${timeout}s)`));
    }
  }

  private async purgeLogged(c: StoredChunk): Promise<void> {
    try {
      await this.buffer!.purge(c);
    } catch (e) {
      this.log.error('failed to purge buffer chunk', { chunk_id: c.idHex, error: e as Error });
    }
  }

  /** Count a secondary write; the caller purges the chunk in the same tick (stats reconcile). */
  private countSecondary(c: StoredChunk): void {
    this.st.secondary_write_count++;
    this.st.secondary_records += c.records;
  }

  private retryOptions() {
    const r = this.cfg.retry;
    return {
      type: r.type,
      wait: r.wait,
      timeout: r.timeout,
      forever: r.forever,
      maxTimes: r.maxTimes,
      backoffBase: r.backoffBase,
      maxInterval: r.maxInterval,
      randomize: r.randomize,
      secondary: this.secondary !== undefined,
      secondaryThreshold: r.secondaryThreshold,
    };
  }

  private async updateRetry(c: StoredChunk, e: Error, secondary: boolean): Promise<void> {
    this.st.retry_count++;
    const nextTime = (t: number) => new Date(Math.round(t) * 1000).toISOString();
    if (!this.retry) {
      this.retry = new RetryState(this.retryOptions(), this.now, this.random);
      this.log.warn('failed to flush the buffer.', {
        retry_times: 0,
        next_retry_time: nextTime(this.retry.next),
        chunk: c.idHex,
        error: e,
      });
      if (this.cfg.retry.maxTimes === 0 && !this.cfg.retry.forever) await this.giveUp(e);
      return;
    }
    if (this.retry.limit()) {
      await this.giveUp(e);
      return;
    }
    this.retry.step();
    this.log.warn(
      secondary ? 'failed to flush the buffer with secondary output.' : 'failed to flush the buffer.',
      {
        retry_times: this.retry.steps,
        next_retry_time: nextTime(this.retry.next),
        chunk: c.idHex,
        error: e,
      },
    );
    // retry_max_times N allows N retries. With a <secondary> still unused, the next attempt
    // (at the switch time, which is ≤ the N-th retry) goes to the secondary first.
    const max = this.cfg.retry.maxTimes;
    const secondaryPending = this.secondary !== undefined && this.retry.current === 'primary';
    if (!this.cfg.retry.forever && max !== undefined && this.retry.steps >= max && !secondaryPending) {
      await this.giveUp(e);
    }
  }

  /** Retry limit: every queued chunk is dropped (file chunks are evacuated first). */
  private async giveUp(e: Error): Promise<void> {
    const buf = this.buffer!;
    this.log.error(
      'failed to flush the buffer, and hit limit for retries. dropping all chunks in the buffer queue.',
      {
        retry_times: this.retry?.steps ?? 0,
        records: buf.queueRecords,
        error: e,
      },
    );
    const chunks = [...buf.queue];
    let evacuated = false;
    for (const c of chunks) {
      if (this.cfg.persistent) evacuated = (await this.evacuate(c)) || evacuated;
      if (c.state !== 'queued') continue; // dropped or taken meanwhile (drop_oldest_chunk)
      this.drop('retry_limit', c.records);
      await this.purgeLogged(c);
    }
    if (evacuated) {
      this.log.warn(
        `chunk files are evacuated to ${evacuationDir(this.host.ctx.system.rootDir, this.host.ctx.id)}`,
      );
    }
    this.retry = undefined;
  }

  private async evacuate(c: StoredChunk): Promise<boolean> {
    const dir = evacuationDir(this.host.ctx.system.rootDir, this.host.ctx.id);
    try {
      const files = this.storage?.filesOf?.(c) ?? [];
      if (files.length === 0) await saveAside(dir, `${c.idHex}.log`, await c.read());
      const { copyFile, mkdir } = await import('node:fs/promises');
      const { basename, join } = await import('node:path');
      await mkdir(dir, { recursive: true });
      for (const f of files) await copyFile(f, join(dir, basename(f)));
      return true;
    } catch (err) {
      this.log.error('failed to evacuate chunk', { chunk_id: c.idHex, error: err as Error });
      return false;
    }
  }

  private async unrecoverable(c: StoredChunk, e: Error, usingSecondary: boolean): Promise<void> {
    const sec = this.secondary;
    if (sec && !usingSecondary && sec.type !== this.host.type) {
      this.log.warn('got unrecoverable error in primary. Skip retry and flush chunk to secondary', {
        error: e,
      });
      try {
        await sec.write(c);
        this.countSecondary(c);
        await this.purgeLogged(c);
        return;
      } catch (e2) {
        this.log.warn('got an error in secondary for unrecoverable error', { error: e2 as Error });
      }
    } else if (!usingSecondary) {
      this.log.warn('got unrecoverable error in primary and no secondary', { chunk_id: c.idHex, error: e });
    }
    await this.backup(c);
  }

  private async backup(c: StoredChunk): Promise<void> {
    const ctx = this.host.ctx;
    if (this.cfg.disableChunkBackup) {
      this.log.warn(`disable_chunk_backup is true. ${c.idHex} chunk is thrown away.`);
      this.drop('unrecoverable', c.records);
    } else {
      try {
        const dir = backupDir(ctx.system.rootDir, ctx.workerId, ctx.id);
        const file = await saveAside(dir, `${c.idHex}.log`, await c.read(), ctx.system.filePermission);
        this.log.warn(`bad chunk is moved to ${file}`);
        this.drop('backup', c.records);
      } catch (err) {
        this.log.error(`failed to back up chunk under ${backupBase(ctx.system.rootDir)}`, {
          chunk_id: c.idHex,
          error: err as Error,
        });
        this.drop('unrecoverable', c.records);
      }
    }
    await this.purgeLogged(c);
  }

  // ---- forced flush and shutdown -----------------------------------------------------

  private nextCompletion(): Promise<void> {
    return new Promise((r) => this.completionWaiters.push(r));
  }

  /** SIGUSR1 / shutdown: enqueue everything, write until the queue is empty or a retry starts. */
  async flushAll(): Promise<void> {
    const buf = this.buffer;
    if (!buf || this.stopped) return;
    buf.enqueueAll();
    this.forced++;
    try {
      while (!this.retry && (buf.queue.length > 0 || this.active > 0)) {
        this.kick(true);
        if (this.active === 0) break;
        await this.nextCompletion();
      }
    } finally {
      this.forced--;
    }
  }

  /** Wait a little for pending delayed commits, then roll the rest back. */
  private async settleCommitsAtShutdown(): Promise<void> {
    const grace = Math.min(this.cfg.delayedCommitTimeout, SHUTDOWN_COMMIT_GRACE) * 1000;
    const deadline = Date.now() + grace;
    while (this.awaiting.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.nextCompletion(),
        new Promise<void>((r) => {
          timer = setTimeout(r, Math.max(1, deadline - Date.now()));
        }),
      ]);
      clearTimeout(timer);
    }
    if (this.awaiting.size === 0) return;
    this.log.warn('delayed commit for buffer chunks was cancelled in shutdown', {
      chunk_id: [...this.awaiting.keys()].join(','),
    });
    for (const [id, e] of [...this.awaiting]) {
      this.awaiting.delete(id);
      this.buffer!.takeback(e.chunk);
      this.st.rollback_count++;
    }
  }

  async shutdown(): Promise<void> {
    if (this.stopped || this.stopping) return;
    this.stopping = true;
    if (this.blocked.length > 0) this.log.warn('breaking block behavior to shutdown Fluentd');
    for (const b of this.blocked.splice(0)) b.fail(new BufferOverflowError('buffer is shutting down'));
    if (this.buffer && this.cfg.flushAtShutdown) await this.flushAll();
    this.closing = true; // no new flushes from here on: finish the running ones
    while (this.active > 0) await this.nextCompletion();
    await this.settleCommitsAtShutdown();
    await Promise.all([...this.purges]);
    this.stopped = true;
    this.unsubscribe?.();
    const buf = this.buffer;
    if (buf) {
      if (!this.cfg.persistent) this.drop('shutdown', buf.stageRecords + buf.queueRecords);
      await this.storage?.close(buf.all());
    }
    if (this.secondary) {
      await this.secondary.stop();
      await this.secondary.shutdown();
    }
    for (const cb of this.drainWaiters.splice(0)) cb();
  }

  stats(): OutputStats {
    // after shutdown a memory buffer's leftovers are gone (counted as dropped 'shutdown')
    const b = this.stopped && !this.cfg.persistent ? undefined : this.buffer;
    return {
      ...this.st,
      dropped_records: { ...this.st.dropped_records },
      stage_length: b?.stage.size ?? 0,
      stage_byte_size: b?.stageBytes ?? 0,
      queue_length: b?.queueLength ?? 0,
      queue_byte_size: b?.queueBytes ?? 0,
      buffered_records: b ? b.stageRecords + b.queueRecords : 0,
      retry_steps: this.retry?.steps,
      retry_next_time: this.retry?.next,
    };
  }
}
