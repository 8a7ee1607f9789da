// The state the output runner's parts share (intake, flusher, failures, commits), and the
// contract with the output plugin that hosts the runner.
//
// Contract: one RunnerCore per buffered output. Its fields are written only by the runner's
// parts; `now` and `random` are replaceable (tests move the clock). Lifecycle flags go one
// way: stopping (shutdown began) → closing (past the forced flush: start no more writes)
// → stopped (storage closed).

import type { BufferCore } from '../../buffer/buffer.js';
import type { Chunk, ChunkStorage, StoredChunk } from '../../buffer/chunk.js';
import type { BufferConfig } from '../../buffer/config.js';
import type { EventStream } from '../../core/event-stream.js';
import { LogThrottle } from '../../core/log.js';
import type { RetryState } from '../retry-state.js';
import type { OutputPlugin, PluginContext } from '../types.js';
import { Counters } from './stats.js';

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

export class RunnerCore {
  buffer: BufferCore | undefined;
  storage: ChunkStorage | undefined;
  retry: RetryState | undefined;
  /** Clock in seconds (float); tests replace it. */
  now: () => number = () => Date.now() / 1000;
  random: () => number = Math.random;
  /** Writes in flight. */
  active = 0;
  /** No unforced flush before this time (flush_thread_burst_interval pacing); 0 = none. */
  nextFlushAt = 0;
  stopping = false;
  /** Shutdown is past its forced flush: start no more writes. */
  closing = false;
  stopped = false;
  readonly counters = new Counters();
  readonly throttle = new LogThrottle(10_000);

  constructor(
    readonly host: RunnerHost,
    readonly cfg: BufferConfig,
    readonly secondary: SecondaryOutput | undefined,
  ) {}

  get log() {
    return this.host.ctx.log;
  }

  /** Purge a chunk; a failure is logged, never thrown. */
  async purgeLogged(c: StoredChunk): Promise<void> {
    try {
      await this.buffer!.purge(c);
    } catch (e) {
      this.log.error('failed to purge buffer chunk', { chunk_id: c.idHex, error: e as Error });
    }
  }
}
