// The output runner: everything between a buffered output's emit() and its write(chunk)
// (spec core §4.3–§4.9, DESIGN.md §5). This class owns the lifecycle and wires the parts:
//
//   runner/intake.ts    emit → group → format → BufferCore.write; overflow, block, drain
//   runner/flusher.ts   tick → enqueue → kick → write → purge; settled(); flushAll
//   runner/failures.ts  retry state and limit, <secondary>, backup / evacuation
//   runner/commits.ts   delayed commit (tryWrite → commitWrite / rollbackWrite / timeout)
//   runner/stats.ts     counters and the stats() snapshot
//   runner/core.ts      the shared state and the RunnerHost contract
//
// Counters reconcile (stats()): emit_records = write_records + secondary_records + buffered
// + dropped (by reason) + refused (failed appends the emitter was told about).

import { BufferCore } from '../buffer/buffer.js';
import type { ChunkStorage } from '../buffer/chunk.js';
import type { BufferConfig } from '../buffer/config.js';
import { subscribeTick } from '../buffer/ticker.js';
import type { EventStream } from '../core/event-stream.js';
import type { PlaceholderKeys } from './placeholders.js';
import type { RetryState } from './retry-state.js';
import { Commits } from './runner/commits.js';
import { RunnerCore, type RunnerHost, type SecondaryOutput } from './runner/core.js';
import { Failures } from './runner/failures.js';
import { Flusher } from './runner/flusher.js';
import { Intake } from './runner/intake.js';
import type { OutputStats } from './runner/stats.js';

export type { RunnerHost, SecondaryOutput } from './runner/core.js';
export type { OutputStats } from './runner/stats.js';

export class OutputRunner {
  private readonly core: RunnerCore;
  private readonly intake: Intake;
  private readonly flusher: Flusher;
  private readonly commits: Commits;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly host: RunnerHost,
    readonly cfg: BufferConfig,
    readonly placeholderKeys: PlaceholderKeys,
    private readonly storageFactory: () => ChunkStorage,
    readonly secondary: SecondaryOutput | undefined,
  ) {
    const core = new RunnerCore(host, cfg, secondary);
    this.core = core;
    const failures = new Failures(core);
    this.intake = new Intake(core, (before) => this.flusher.wake(before));
    this.commits = new Commits(core, failures, {
      succeeded: (c) => this.flusher.succeeded(c),
      settled: () => this.flusher.settled(),
      nextCompletion: () => this.flusher.nextCompletion(),
    });
    this.flusher = new Flusher(core, this.intake, this.commits, failures);
  }

  get buffer(): BufferCore | undefined {
    return this.core.buffer;
  }

  set buffer(b: BufferCore | undefined) {
    this.core.buffer = b;
  }

  /** The chunk storage, once started (tests inspect it). */
  get storage(): ChunkStorage | undefined {
    return this.core.storage;
  }

  get retry(): RetryState | undefined {
    return this.core.retry;
  }

  set retry(r: RetryState | undefined) {
    this.core.retry = r;
  }

  /** Clock in seconds (float); tests replace it. */
  get now(): () => number {
    return this.core.now;
  }

  set now(f: () => number) {
    this.core.now = f;
  }

  get random(): () => number {
    return this.core.random;
  }

  set random(f: () => number) {
    this.core.random = f;
  }

  /** Writes in flight. */
  get inFlight(): number {
    return this.core.active;
  }

  /** Chunks sent with tryWrite and not yet committed. */
  get pendingCommits(): number {
    return this.commits.size;
  }

  async start(): Promise<void> {
    const core = this.core;
    if (core.buffer) return;
    core.storage = this.storageFactory();
    const { staged, queued } = await core.storage.resume();
    const buf = new BufferCore(
      {
        chunkLimitSize: this.cfg.chunkLimitSize,
        chunkLimitRecords: this.cfg.chunkLimitRecords,
        totalLimitSize: this.cfg.totalLimitSize,
        chunkFullThreshold: this.cfg.chunkFullThreshold,
      },
      core.storage,
      () => Math.floor(core.now()),
    );
    buf.restore(staged, queued);
    buf.onRollback = (records) => {
      core.counters.refused_records += records;
    };
    if (this.host.chunkCreated) {
      const created = this.host.chunkCreated.bind(this.host);
      buf.onCreate = (c) => {
        try {
          created(c);
        } catch (e) {
          core.log.warn('chunk creation hook failed', { chunk_id: c.idHex, error: e as Error });
        }
      };
    }
    core.buffer = buf;
    if (this.secondary) await this.secondary.start();
    this.unsubscribe = subscribeTick(() => this.flusher.tick());
    this.flusher.kick();
  }

  emit(tag: string, es: EventStream): void | Promise<void> {
    return this.intake.emit(tag, es);
  }

  overHighWater(): boolean {
    return this.intake.overHighWater();
  }

  onDrain(cb: () => void): void {
    this.intake.onDrain(cb);
  }

  /** Called by the shared timer (tests call it after moving the clock). */
  tick(): void {
    this.flusher.tick();
  }

  /** SIGUSR1 / shutdown: enqueue everything, write until the queue is empty or a retry starts. */
  flushAll(): Promise<void> {
    return this.flusher.flushAll();
  }

  /** The plugin confirms a chunk sent by tryWrite (e.g. an ack arrived): purge it. */
  commitWrite(idHex: string): boolean {
    return this.commits.commit(idHex);
  }

  /**
   * Give a chunk sent by tryWrite back to the queue front. `updateRetry` (default) counts it
   * as a failed attempt (retry state, backoff); out_forward passes false for an ack timeout
   * so the chunk is resent at once, likely to another node.
   */
  rollbackWrite(idHex: string, updateRetry = true, reason?: Error): boolean {
    return this.commits.rollback(idHex, updateRetry, reason);
  }

  async shutdown(): Promise<void> {
    const core = this.core;
    if (core.stopped || core.stopping) return;
    core.stopping = true;
    this.intake.failBlocked();
    if (core.buffer && this.cfg.flushAtShutdown) await this.flusher.flushAll();
    core.closing = true; // no new flushes from here on: finish the running ones
    while (core.active > 0) await this.flusher.nextCompletion();
    await this.commits.settleAtShutdown();
    core.stopped = true;
    this.unsubscribe?.();
    const buf = core.buffer;
    if (buf) {
      if (!this.cfg.persistent) core.counters.drop('shutdown', buf.stageRecords + buf.queueRecords);
      await core.storage?.close(buf.all());
    }
    if (this.secondary) {
      await this.secondary.stop();
      await this.secondary.shutdown();
    }
    this.intake.releaseDrainWaiters();
  }

  stats(): OutputStats {
    // after shutdown a memory buffer's leftovers are gone (counted as dropped 'shutdown')
    const b = this.core.stopped && !this.cfg.persistent ? undefined : this.core.buffer;
    return this.core.counters.snapshot(b, this.core.retry);
  }
}
