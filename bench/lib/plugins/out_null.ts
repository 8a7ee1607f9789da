// Loaded with `td-agent -p dist/bench/lib/plugins` only while the built-in out_null has no
// stats(): the same NullOutput (same process() on the hot path) plus the stats() that
// in_monitor_agent reads, so the harness can see emit_records. Remove once out_null has it.

import { NullOutput } from '../../../src/plugins/out_null.js';

export class CountedNullOutput extends NullOutput {
  stats(): { emit_count: number; emit_records: number } {
    return { emit_count: this.emitCount, emit_records: this.emitRecords };
  }
}
