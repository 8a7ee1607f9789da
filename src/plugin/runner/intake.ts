// The runner's intake: emit → group by metadata → format → BufferCore.write, and what
// happens when the buffer is full (spec core §4.3, DESIGN.md §4 backpressure).
//
// Contract: emit() returns undefined when the events are in memory chunks, a promise that
// resolves once file appends are durable, or throws BufferOverflowError (counted as refused).
// overflow_action: throw_exception refuses; block parks the emit (at most MAX_BLOCKED) until
// space returns or shutdown fails it; drop_oldest_chunk purges queued chunks (counted) to
// make room. A full disk pauses inputs (overHighWater) for DISK_FULL_PAUSE_MS. Bytes stored
// in file chunks but not yet fsynced (and the streams an emitter keeps until then) are
// bounded by MAX_UNSYNCED_BYTES: past it inputs pause until the group writer catches up, so a
// slow disk holds back the senders instead of filling memory. Drain waiters are called once
// the buffer is back under the high-water mark.

import { BufferOverflowError } from '../../core/errors.js';
import type { EventStream } from '../../core/event-stream.js';
import { groupByMetadata } from '../emit-groups.js';
import type { RunnerCore } from './core.js';

const HIGH_WATER = 0.9;
const MAX_BLOCKED = 1024;
const DISK_FULL_PAUSE_MS = 1000;
const MAX_UNSYNCED_BYTES = 16 * 1024 * 1024;

function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
}

interface Blocked {
  run: () => void;
  fail: (e: Error) => void;
}

export class Intake {
  private blocked: Blocked[] = [];
  private drainWaiters: (() => void)[] = [];
  private diskFullUntil = 0;
  /** Bytes appended to file chunks whose fsync has not completed yet. */
  private unsynced = 0;

  /** `wake(queuedBefore)` is told the queue length before a store, to start a flush. */
  constructor(
    private readonly core: RunnerCore,
    private readonly wake: (queuedBefore: number) => void,
  ) {}

  emit(tag: string, es: EventStream): void | Promise<void> {
    const n = es.length;
    if (n === 0) return;
    const core = this.core;
    const buf = core.buffer;
    if (!buf || core.stopped) throw new Error(`${core.host.type} output is not running`);
    core.counters.emit_count++;
    core.counters.emit_records += n;
    if (!buf.storable() || (core.cfg.overflowAction === 'block' && this.blocked.length > 0)) {
      return this.overflow(tag, es);
    }
    return this.store(tag, es);
  }

  private overflow(tag: string, es: EventStream): void | Promise<void> {
    const core = this.core;
    const st = core.counters;
    const buf = core.buffer!;
    const action = core.cfg.overflowAction;
    if (core.throttle.allow('overflow') >= 0) {
      core.log.warn('failed to write data into buffer by buffer overflow', { action: `:${action}` });
    }
    if (action === 'drop_oldest_chunk') {
      while (!buf.storable()) {
        const oldest = buf.queue[0];
        if (!oldest) {
          core.log.warn('no queued chunks to be dropped for drop_oldest_chunk');
          break;
        }
        core.log.warn('dropping oldest chunk to make space after buffer overflow', {
          chunk_id: oldest.idHex,
        });
        st.drop('drop_oldest_chunk', oldest.records);
        void buf.purge(oldest);
      }
      if (buf.storable()) return this.store(tag, es);
    } else if (action === 'block' && !core.stopping && this.blocked.length < MAX_BLOCKED) {
      // a blocked emit counts as emitted once it is stored or refused (counters reconcile)
      st.emit_records -= es.length;
      return new Promise<void>((resolve, reject) => {
        this.blocked.push({
          run: () => {
            st.emit_records += es.length;
            try {
              const r = this.store(tag, es);
              if (r) r.then(resolve, reject);
              else resolve();
            } catch (e) {
              reject(e);
            }
          },
          fail: (e) => {
            st.emit_records += es.length;
            st.refused_records += es.length;
            reject(e);
          },
        });
      });
    }
    st.refused_records += es.length;
    throw new BufferOverflowError('buffer space has too many data');
  }

  /** Store parked emits while there is room (oldest first). */
  runBlocked(): void {
    while (this.blocked.length > 0 && this.core.buffer?.storable()) this.blocked.shift()!.run();
  }

  /** Shutdown: every parked emit fails with BufferOverflowError (counted as refused). */
  failBlocked(): void {
    if (this.blocked.length > 0) this.core.log.warn('breaking block behavior to shutdown Fluentd');
    for (const b of this.blocked.splice(0)) b.fail(new BufferOverflowError('buffer is shutting down'));
  }

  private store(tag: string, es: EventStream): void | Promise<void> {
    const core = this.core;
    const cfg = core.cfg;
    const host = core.host;
    const buf = core.buffer!;
    const proms: Promise<void>[] = [];
    const before = buf.queue.length;
    const bytesAtStart = buf.stageBytes + buf.queueBytes;
    const groups = groupByMetadata(tag, es, cfg);
    let overflowErr: Error | undefined;
    for (const g of groups) {
      const bulk = g.indexes === undefined && host.reusePacked && es.packed ? es.packed : undefined;
      const sub = g.indexes === undefined ? es : es.pick(g.indexes);
      const slice = (s: number, e: number) => host.formatSlice(tag, sub, s, e);
      const bytesBefore = buf.stageBytes + buf.queueBytes;
      try {
        buf.write(g.metadata, sub.length, bulk, slice, proms);
      } catch (e) {
        overflowErr = e as Error;
      }
      core.counters.emit_size += buf.stageBytes + buf.queueBytes - bytesBefore;
      if (cfg.flushMode === 'immediate') {
        const c = buf.stage.get(g.key);
        if (c) buf.enqueue(c);
      }
    }
    this.wake(before);
    if (overflowErr) {
      // the records that fit were stored; the oversized ones are reported to the emitter
      const m = /record \(nth/.exec(overflowErr.message) ? overflowErr.message.split(', ').length : 0;
      core.counters.refused_records += m;
      throw overflowErr;
    }
    if (proms.length === 0) return;
    const added = buf.stageBytes + buf.queueBytes - bytesAtStart;
    this.unsynced += added;
    const settle = () => {
      this.unsynced -= added;
      this.checkDrain();
    };
    return Promise.all(proms).then(
      () => settle(),
      (e: Error) => {
        settle();
        this.onAppendError(e);
        throw e;
      },
    );
  }

  /** A file append failed and was rolled back (counted by the chunk via onShrink). */
  private onAppendError(e: Error): void {
    const core = this.core;
    if (isDiskFull(e)) {
      this.diskFullUntil = Date.now() + DISK_FULL_PAUSE_MS;
      const s = core.throttle.allow('diskfull');
      if (s >= 0) {
        core.log.warn('buffer write failed: the disk is full; inputs are paused until space returns', {
          error: e,
          ...(s > 0 ? { suppressed: s } : {}),
        });
      }
    } else if (core.throttle.allow('appendfail') >= 0) {
      core.log.error('buffer write failed', { error: e });
    }
  }

  /**
   * Inputs should pause: emits are parked, the disk is full, too many bytes wait for fsync,
   * or the buffer is ≥ 90 % full.
   */
  overHighWater(): boolean {
    const buf = this.core.buffer;
    if (!buf) return false;
    if (this.blocked.length > 0) return true;
    if (Date.now() < this.diskFullUntil) return true;
    if (this.unsynced > MAX_UNSYNCED_BYTES) return true;
    if (this.core.cfg.overflowAction === 'drop_oldest_chunk') return false;
    return buf.totalBytes >= this.core.cfg.totalLimitSize * HIGH_WATER;
  }

  onDrain(cb: () => void): void {
    this.drainWaiters.push(cb);
    this.checkDrain();
  }

  /** Call the drain waiters if the buffer is under the high-water mark. */
  checkDrain(): void {
    if (this.drainWaiters.length === 0 || this.overHighWater()) return;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const cb of w) cb();
  }

  /** Shutdown: release every drain waiter (inputs stop on their own). */
  releaseDrainWaiters(): void {
    for (const cb of this.drainWaiters.splice(0)) cb();
  }
}
