// Rename rotation storm: a writer process writes TAIL_STORM_LINES lines (default 1,000,000)
// and renames the file every 1/25 of them (≥ 20 rotations), writing a few lines to the renamed
// file before reopening (a logger that has not noticed yet). in_tail must deliver every line
// exactly once, in order within each file. Events are counted into a bitmap, not kept.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/parser.js';
import type { EventStream } from '../../src/core/event-stream.js';
import { Logger, LogSink } from '../../src/core/log.js';
import { makePluginContext } from '../../src/plugin/context.js';
import type { Emitter } from '../../src/plugin/types.js';
import { TailInput } from '../../src/plugins/in_tail/index.js';
import { tmpDir, Writer, waitFor } from '../plugins/support/tail-helpers.js';

const TOTAL = Number(process.env.TAIL_STORM_LINES ?? 1_000_000);
const ROTATIONS = Number(process.env.TAIL_STORM_ROTATIONS ?? 25);

/** Checks each line "<generation> <seq>" as it arrives. */
class CountingEmitter implements Emitter {
  readonly seen: Uint8Array;
  total = 0;
  dups = 0;
  outOfOrder = 0;
  bad = 0;
  private readonly lastInGen = new Map<number, number>();

  constructor(n: number) {
    this.seen = new Uint8Array(n);
  }

  emitStream(_tag: string, es: EventStream): boolean {
    this.take(es);
    return true;
  }

  /** Milliseconds each batch takes to become durable (a slow output). */
  delayMs = 0;

  async emitStreamDurable(_tag: string, es: EventStream): Promise<void> {
    this.take(es);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }

  onDrain(cb: () => void): void {
    setImmediate(cb);
  }

  overHighWater(): boolean {
    return false;
  }

  private take(es: EventStream): void {
    for (const r of es.records) {
      const m = String(r.message);
      const sp = m.indexOf(' ');
      const gen = Number(m.slice(0, sp));
      const seq = Number(m.slice(sp + 1));
      if (!(seq >= 0 && seq < this.seen.length) || sp < 0) {
        this.bad++;
        continue;
      }
      if (this.seen[seq]) this.dups++;
      this.seen[seq] = 1;
      this.total++;
      const last = this.lastInGen.get(gen) ?? -1;
      if (seq <= last) this.outOfOrder++;
      this.lastInGen.set(gen, seq);
    }
  }
}

async function storm(
  t: { after: (fn: () => void) => void; diagnostic: (m: string) => void },
  total: number,
  rotations: number,
  delayMs: number,
): Promise<void> {
  const dir = tmpDir(t, 'tail-storm-');
  const file = path.join(dir, 'app.log');
  fs.writeFileSync(file, '');
  const emitter = new CountingEmitter(total);
  emitter.delayMs = delayMs;
  const sink = new LogSink();
  sink.captured = [];
  const ctx = makePluginContext({ emitter, log: new Logger({ sink, level: 'info' }) });
  const input = new TailInput(ctx);
  const conf = `<source>\n  @type tail\n  path ${file}\n  pos_file ${dir}/pos\n  tag storm\n  rotate_wait 1\n  <parse>\n    @type none\n  </parse>\n</source>`;
  input.configure(parseConfig(conf, 'storm.conf').elements[0]!);
  await input.start();
  const w = new Writer();
  t.after(() => w.close());
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  try {
    const reply = await w.do({
      op: 'storm',
      file,
      total,
      every: Math.ceil(total / rotations),
      chunk: 200,
      late: 50,
    });
    assert.ok(Number(reply.rotations) >= 20, `rotations: ${reply.rotations}`);
    await waitFor(
      () => emitter.total + emitter.bad >= total,
      () => `all lines (got ${emitter.total}, dups ${emitter.dups})\n${sink.captured!.slice(-20).join('\n')}`,
      90_000,
    );
    await waitFor(() => input.statistics().readers === 1, 'rotated files closed', 20_000);
  } finally {
    await input.shutdown();
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const missing = total - emitter.seen.reduce((a, b) => a + b, 0);
  const st = input.statistics();
  t.diagnostic(
    `${total} lines in ${secs.toFixed(2)} s (${Math.round(total / secs)} lines/s), tail CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, rotated files ${st.rotated_file_count}, found unread after several rotations ${st.recovered_rotations}`,
  );
  assert.equal(emitter.bad, 0, 'malformed lines');
  assert.equal(emitter.dups, 0, 'duplicates');
  assert.equal(missing, 0, 'missing lines');
  assert.equal(emitter.outOfOrder, 0, 'lines out of order within a file');
  assert.equal(emitter.total, total);
}

test(
  `rotation storm: ${TOTAL} lines, ${ROTATIONS} renames, exactly once and in order per file`,
  {
    timeout: 120_000,
  },
  (t) => storm(t, TOTAL, ROTATIONS, 0),
);

test(
  'rotation storm behind a slow output: rotations pile up unread, still exactly once',
  {
    timeout: 120_000,
  },
  (t) => storm(t, 100_000, 200, 2),
);
