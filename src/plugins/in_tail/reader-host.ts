// The contract between a tailed file's reader (reader.ts, tail-file.ts) and the plugin that
// hosts it (tracker.ts): settings, shared services, counters, and the callbacks a reader makes.
//
// Contract: a host outlives its readers; callbacks are synchronous and may schedule the
// reader again (schedule) but never step it inline.

import type { Logger, LogThrottle } from '../../core/log.js';
import type { Emitter } from '../../plugin/types.js';
import type { LineConverter } from './events.js';
import type { BufferPool } from './line-buffer.js';
import type { PositionFile } from './pos-file.js';
import type { FileReader } from './reader.js';
import type { TailFile } from './tail-file.js';

/** Batches in flight per file. */
export const MAX_INFLIGHT = 8;

export interface TailStats {
  opened: number;
  closed: number;
  rotated: number;
  truncated: number;
  throttled: number;
  linesRead: number;
  bytesRead: number;
  eventsEmitted: number;
  eventsDropped: number;
  emitRetries: number;
  longLines: number;
  recoveredRotations: number;
  copiesFound: number;
}

export function newTailStats(): TailStats {
  return {
    opened: 0,
    closed: 0,
    rotated: 0,
    truncated: 0,
    throttled: 0,
    linesRead: 0,
    bytesRead: 0,
    eventsEmitted: 0,
    eventsDropped: 0,
    emitRetries: 0,
    longLines: 0,
    recoveredRotations: 0,
    copiesFound: 0,
  };
}

export interface ReaderSettings {
  readLinesLimit: number;
  rotateWaitMs: number;
  openOnEveryUpdate: boolean;
  bytesPerSecond: number;
  multilineFlushMs: number | undefined;
  decode: (buf: Buffer, s: number, e: number) => string;
}

/** What a file's descriptor handling needs (tail-file.ts). */
export interface FileHost {
  readonly stats: TailStats;
  /** Take a descriptor slot (false: over max_open_files and nothing idle to close). */
  acquireFd(r: TailFile): boolean;
  releaseFd(r: TailFile): void;
  /** Where a rotated file whose descriptor was closed lives now (undefined: gone). */
  locate(r: TailFile): string | undefined;
}

/** What a reader needs from the plugin. */
export interface ReaderHost extends FileHost {
  readonly settings: ReaderSettings;
  readonly log: Logger;
  readonly throttle: LogThrottle;
  readonly converter: LineConverter;
  readonly emitter: Emitter;
  readonly pos: PositionFile;
  readonly buffers: BufferPool;
  schedule(r: FileReader): void;
  /** Same inode, smaller or rewritten: the plugin looks for a copytruncate copy first. */
  onTruncated(r: FileReader, consumed: number): void;
  /** Lines this file may read now under <group> limits (Infinity: unlimited, 0: wait). */
  lineBudget(r: FileReader, now: number): number;
  countLines(r: FileReader, n: number, now: number): void;
}

export type StepResult = 'more' | 'idle' | 'wait';
