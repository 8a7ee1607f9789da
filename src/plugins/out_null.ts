// out_null: discards everything, counting what it discarded (spec plugins §6.5).
// `never_flush true` makes every emit fail ("failed to flush"), to test error paths.

import { p } from '../config/params.js';
import type { EventStream } from '../core/event-stream.js';
import { Output } from '../plugin/base.js';

const params = {
  never_flush: p.bool({
    default: false,
    desc: 'Fail every emit, to simulate an output that never succeeds.',
  }),
} as const;

export class NullOutput extends Output<typeof params> {
  static override readonly type = 'null';
  static override readonly params = params;
  static readonly desc = 'Discards events (counts them).';
  static readonly example = '<match debug.**>\n  @type null\n</match>';

  /** Streams and events discarded since start. */
  emitCount = 0;
  emitRecords = 0;

  process(_tag: string, es: EventStream): void {
    if (this.config.never_flush) throw new Error('failed to flush');
    this.emitCount++;
    this.emitRecords += es.length;
  }

  /** What in_monitor_agent reports (emit_count, emit_records). */
  stats(): { emit_count: number; emit_records: number } {
    return { emit_count: this.emitCount, emit_records: this.emitRecords };
  }
}
