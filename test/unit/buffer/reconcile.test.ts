// Engine-level reconciliation (DESIGN.md §5 "counters reconcile"): two inputs feed two buffered
// outputs whose writes fail at random (retryable and unrecoverable errors), through the real
// Engine and router. At every step, per output:
//
//   emit_records = write_records + secondary_records + buffered_records + Σ dropped + refused
//
// and at the end each counter matches what really happened: the records the output's write()
// took, the secondary_file dumps, the backup and evacuation files on disk — every record
// accounted for exactly once.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { Chunk } from '../../../src/buffer/chunk.js';
import { decodeEntries } from '../../../src/buffer/chunk.js';
import { p } from '../../../src/config/params.js';
import { parseConfig } from '../../../src/config/parser.js';
import { UnrecoverableError } from '../../../src/core/errors.js';
import { EventStream } from '../../../src/core/event-stream.js';
import { Engine } from '../../../src/engine/engine.js';
import { Input } from '../../../src/plugin/base.js';
import { BufferedOutput } from '../../../src/plugin/buffered-output.js';
import { defaultSystemConfig } from '../../../src/plugin/context.js';
import type { OutputStats } from '../../../src/plugin/output-runner.js';
import { PluginRegistry } from '../../../src/plugin/registry.js';
import type { PluginClass } from '../../../src/plugin/types.js';
import { SecondaryFileOutput } from '../../../src/plugins/out_secondary_file.js';
import { rng } from '../../helpers/rng.js';
import { captureLogger, waitFor } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-reconcile-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const feedParams = { tag: p.string({ required: true, desc: 'Tag.' }) } as const;

/** An input the test drives by hand; counts what it emitted. */
class FeedInput extends Input<typeof feedParams> {
  static override readonly type = 'feed_test';
  static override readonly params = feedParams;
  sent = 0;
  feed(es: EventStream): boolean {
    this.sent += es.length;
    return this.emitter.emitStream(this.config.tag, es);
  }
  async feedDurable(es: EventStream): Promise<boolean> {
    this.sent += es.length;
    try {
      await this.emitter.emitStreamDurable(this.config.tag, es);
      return true;
    } catch {
      return false;
    }
  }
}

/** Writes fail at random: 30 % retryable, 8 % unrecoverable. */
class FlakyOutput extends BufferedOutput {
  static override readonly type = 'flaky_test';
  static random: () => number = Math.random;
  static calm = false;
  delivered: number[] = [];
  async write(chunk: Chunk): Promise<void> {
    await new Promise((r) => setImmediate(r));
    const x = FlakyOutput.calm ? 1 : FlakyOutput.random();
    if (x < 0.3) throw new Error('temporary failure');
    if (x < 0.38) throw new UnrecoverableError('the destination rejects this chunk');
    for (const r of (await chunk.events()).records) this.delivered.push(r.n as number);
  }
}

function reconciles(s: OutputStats): boolean {
  const dropped = Object.values(s.dropped_records).reduce((a, b) => a + b, 0);
  return (
    s.emit_records ===
    s.write_records + s.secondary_records + s.buffered_records + dropped + s.refused_records
  );
}

function explain(s: OutputStats): string {
  const lines = (globalThis as { __lines?: string[] }).__lines ?? [];
  return `${JSON.stringify(s)}\n${[...new Set(lines.map((l) => l.slice(0, 300)))].slice(0, 30).join('\n')}`;
}

/** Record numbers in every chunk-format file under dir (data files only). */
function recordsIn(dir: string, match: (name: string) => boolean): number[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter(match)
    .flatMap((n) => decodeEntries(fs.readFileSync(path.join(dir, n))).records.map((r) => r.n as number));
}

for (const seed of [7, 42]) {
  test(`engine run with random failures, seed ${seed}: every output's counters reconcile`, async (t) => {
    const dir = path.join(tmp, `s${seed}`);
    const root = path.join(dir, 'root');
    FlakyOutput.random = rng(seed);
    FlakyOutput.calm = false;
    const conf = `
<source>
  @type feed_test
  @id in_a
  tag a.x
</source>
<source>
  @type feed_test
  @id in_b
  tag b.y
</source>
<match a.**>
  @type flaky_test
  @id mem
  <buffer>
    flush_mode immediate
    flush_thread_burst_interval 0
    flush_thread_count 2
    chunk_limit_records 16
    chunk_limit_size 4k
    total_limit_size 24k
    overflow_action drop_oldest_chunk
    retry_wait 0.02
    retry_max_times 3
    retry_randomize false
  </buffer>
  <secondary>
    @type secondary_file
    directory ${dir}/secondary
  </secondary>
</match>
<match b.**>
  @type flaky_test
  @id file
  <buffer>
    @type file
    path ${dir}/buf
    flush_mode immediate
    flush_thread_burst_interval 0
    chunk_limit_records 10
    chunk_limit_size 2k
    total_limit_size 16k
    retry_wait 0.02
    retry_max_times 2
    retry_randomize false
  </buffer>
</match>`;
    // just the plugins of this config: nothing else under edit elsewhere can break the test
    const registry = new PluginRegistry();
    for (const cls of [FeedInput, FlakyOutput, SecondaryFileOutput])
      registry.register(cls as unknown as PluginClass);
    const { log, lines } = captureLogger();
    (globalThis as { __lines?: string[] }).__lines = lines;
    const engine = new Engine(parseConfig(conf, 'reconcile.conf'), {
      registry,
      log,
      system: { ...defaultSystemConfig(), rootDir: root },
    });
    await engine.start();
    const [inA, inB] = engine.inputs as FeedInput[];
    const [mem, file] = engine.outputs as FlakyOutput[];
    const check = (when: string) => {
      for (const o of [mem!, file!])
        assert.ok(reconciles(o.stats()!), `${o.ctx.id} ${when}: ${explain(o.stats()!)}`);
    };

    const r = rng(seed * 31);
    let seq = 0;
    const batch = (src: string) => {
      const es = new EventStream();
      const n = 1 + Math.floor(r() * 40);
      for (let i = 0; i < n; i++)
        es.add(1_700_000_000, 0, { n: seq++, src, pad: 'x'.repeat(Math.floor(r() * 60)) });
      return es;
    };
    for (let round = 0; round < 400; round++) {
      const pick = r();
      if (pick < 0.5) inA!.feed(batch('a'));
      else if (pick < 0.75) await inB!.feedDurable(batch('b'));
      else inB!.feed(batch('b'));
      check(`round ${round}`);
      // let flushes and retries (shared 100 ms tick) make progress now and then
      if (round % 40 === 39) await new Promise((res) => setTimeout(res, 60));
      else await new Promise((res) => setImmediate(res));
      check(`round ${round} (after yielding)`);
    }

    // the destinations recover: everything buffered drains
    FlakyOutput.calm = true;
    await engine.flushAll();
    await waitFor(
      () => [mem!, file!].every((o) => o.stats()!.buffered_records === 0 && o.runner.inFlight === 0),
      30_000,
      'buffers to drain',
    );
    check('after draining');

    const sm = mem!.stats()!;
    const sf = file!.stats()!;
    const brief = (s: OutputStats) =>
      `emit ${s.emit_records} written ${s.write_records} secondary ${s.secondary_records} dropped ${JSON.stringify(s.dropped_records)} refused ${s.refused_records} retries ${s.retry_count}`;
    t.diagnostic(`mem: ${brief(sm)}`);
    t.diagnostic(`file: ${brief(sf)}`);
    assert.equal(sm.emit_records, inA!.sent, 'mem got every record in_a emitted');
    assert.equal(sf.emit_records, inB!.sent, 'file got every record in_b emitted');

    // counters = what really happened
    const secondary = recordsIn(path.join(dir, 'secondary'), (n) => n.startsWith('dump.bin.'));
    assert.equal(sm.write_records, mem!.delivered.length);
    assert.equal(sm.secondary_records, secondary.length);
    const backup = recordsIn(path.join(root, 'backup', 'worker0', 'file'), (n) => n.endsWith('.log'));
    const evacuated = recordsIn(path.join(root, 'buffer', 'file'), (n) => n.endsWith('.log'));
    assert.equal(sf.write_records, file!.delivered.length);
    assert.equal(sf.dropped_records.backup ?? 0, backup.length);
    assert.equal(sf.dropped_records.retry_limit ?? 0, evacuated.length);
    // the run really exercised the paths it claims to check
    assert.ok(sm.secondary_records > 0 && sf.retry_count > 0, `${explain(sm)}\n${explain(sf)}`);
    assert.ok(
      (sf.dropped_records.backup ?? 0) + (sf.dropped_records.retry_limit ?? 0) > 0,
      `file output dropped nothing: ${explain(sf)}`,
    );

    // every record is in exactly one place
    const seen = [...mem!.delivered, ...secondary, ...file!.delivered, ...backup, ...evacuated];
    assert.equal(new Set(seen).size, seen.length, 'no record delivered twice');
    const lost = (s: OutputStats) =>
      Object.entries(s.dropped_records)
        .filter(([k]) => k !== 'backup' && k !== 'retry_limit')
        .reduce((a, [, v]) => a + v, 0) + s.refused_records;
    assert.equal(seen.length + lost(sm) + lost(sf), seq, 'all records accounted for');
    await engine.stop();
  });
}
