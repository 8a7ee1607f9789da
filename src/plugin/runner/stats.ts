// The output runner's counters and the stats() snapshot built from them.
//
// Contract: the counters reconcile — emit_records = write_records + secondary_records
// + buffered_records + Σ dropped_records + refused_records (failed appends the emitter was
// told about). Only the runner's parts change them, through the methods below or the fields.

import type { BufferCore } from '../../buffer/buffer.js';
import type { RetryState } from '../retry-state.js';

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

/** The monotonic counters (own enumerable fields only: stats() spreads them). */
export class Counters {
  emit_count = 0;
  emit_records = 0;
  emit_size = 0;
  write_count = 0;
  write_records = 0;
  secondary_write_count = 0;
  secondary_records = 0;
  retry_count = 0;
  rollback_count = 0;
  refused_records = 0;
  dropped_records: Record<string, number> = {};

  /** Records lost for `reason` (drop_oldest_chunk, retry_limit, backup, unrecoverable, shutdown). */
  drop(reason: string, records: number): void {
    if (records <= 0) return;
    this.dropped_records[reason] = (this.dropped_records[reason] ?? 0) + records;
  }

  /** A chunk was written by the primary output. */
  wrote(records: number): void {
    this.write_count++;
    this.write_records += records;
  }

  /** A chunk was written by the <secondary>; the caller purges it in the same tick. */
  wroteSecondary(records: number): void {
    this.secondary_write_count++;
    this.secondary_records += records;
  }

  /** The snapshot; `buf` undefined = nothing buffered (not started, or a memory buffer after shutdown). */
  snapshot(buf: BufferCore | undefined, retry: RetryState | undefined): OutputStats {
    return {
      ...this,
      dropped_records: { ...this.dropped_records },
      stage_length: buf?.stage.size ?? 0,
      stage_byte_size: buf?.stageBytes ?? 0,
      queue_length: buf?.queueLength ?? 0,
      queue_byte_size: buf?.queueBytes ?? 0,
      buffered_records: buf ? buf.stageRecords + buf.queueRecords : 0,
      retry_steps: retry?.steps,
      retry_next_time: retry?.next,
    };
  }
}
