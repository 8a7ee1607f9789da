// in_sample (alias `dummy`): generates events from a fixed list of records (spec plugins §5.3).
//
// Timing follows Fluentd: each wall-clock second is split into 10 bins of 100 ms; every bin
// emits floor(rate / 10) times and the remainder (rate % 10) goes out after the bins, then the
// plugin waits for the next second. One "emit" is a stream of `size` events. Records cycle
// through `sample` in order; each emitted record is a shallow copy unless `reuse_record`.
//
// Backpressure: when emitStream returns false the plugin stops emitting (the rest of that bin
// is skipped, not queued) and resumes on the emitter's drain. Timers are unref'd.

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { EventStream, type Rec } from '../core/event-stream.js';
import { EventTime } from '../core/event-time.js';
import { Input } from '../plugin/base.js';
import { rubyToS } from './support/ruby-text.js';

const BIN_NUM = 10;
const BIN_MS = 100;

const params = {
  tag: p.string({ required: true, desc: 'Tag of the generated events.' }),
  size: p.integer({ default: 1, desc: 'Events per emitted stream.' }),
  rate: p.integer({ default: 1, desc: 'Emits per second.' }),
  auto_increment_key: p.string({
    desc: 'If set, each event gets this field with an increasing counter (from 0).',
  }),
  suspend: p.bool({ default: false, deprecated: 'This parameters is ignored', desc: 'Ignored.' }),
  reuse_record: p.bool({ default: false, desc: 'Emit the sample objects themselves instead of copies.' }),
  sample: p.string({
    default: '[{"message":"sample"}]',
    alias: 'dummy',
    desc: 'A JSON hash, or a JSON array of hashes emitted in turn.',
  }),
} as const;

function parseSample(text: string): Rec[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`JSON::ParserError: ${(e as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  list.forEach((e, i) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      throw new ConfigError(`${i}th element of sample, ${rubyToS(e)}, is not a hash`);
    }
  });
  return list as Rec[];
}

export class SampleInput extends Input<typeof params> {
  static override readonly type = 'sample';
  static readonly aliases = ['dummy'] as const;
  static override readonly params = params;
  static readonly desc = 'Generates sample events at a fixed rate (for testing pipelines).';
  static readonly example =
    '<source>\n  @type sample\n  tag sample.test\n  rate 10\n  sample {"hello":"world"}\n</source>';

  private samples: Rec[] = [];
  private index = 0;
  private counter = -1;
  private running = false;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private second = 0;
  private bin = 0;

  override configure(el: ConfigElement): void {
    super.configure(el);
    this.samples = parseSample(this.config.sample ?? '[{"message":"sample"}]');
    if (this.samples.length === 0) throw new ConfigError('sample must contain at least one hash');
    if (this.config.size < 1) throw new ConfigError("'size' must be 1 or more");
    if (this.config.rate < 0) throw new ConfigError("'rate' must not be negative");
  }

  /** Waiting for the emitter's drain (no timer is pending meanwhile). */
  get isPaused(): boolean {
    return this.paused;
  }

  get hasTimer(): boolean {
    return this.timer !== undefined;
  }

  override start(): void {
    if (this.running) return;
    this.running = true;
    this.paused = false;
    this.beginSecond();
  }

  override stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  override shutdown(): void {
    this.stop();
  }

  private schedule(fn: () => void, ms: number): void {
    if (!this.running || this.paused) return;
    const t = setTimeout(
      () => {
        this.timer = undefined;
        fn();
      },
      Math.max(0, ms),
    );
    t.unref();
    this.timer = t;
  }

  private beginSecond(): void {
    if (!this.running || this.paused) return;
    this.second = Math.floor(Date.now() / 1000);
    this.bin = 0;
    this.tick();
  }

  /** One 100 ms bin; after the 10th (or when the second is over), the remainder. */
  private tick(): void {
    if (!this.running || this.paused) return;
    const t0 = Date.now();
    const rate = this.config.rate;
    if (this.bin < BIN_NUM && Math.floor(t0 / 1000) <= this.second) {
      this.bin++;
      this.emit(Math.floor(rate / BIN_NUM));
      this.schedule(() => this.tick(), BIN_MS - (Date.now() - t0));
      return;
    }
    this.emit(rate % BIN_NUM);
    this.schedule(() => this.beginSecond(), (this.second + 1) * 1000 - Date.now());
  }

  private emit(times: number): void {
    const { tag, size } = this.config;
    for (let n = 0; n < times && this.running && !this.paused; n++) {
      const es = new EventStream();
      for (let i = 0; i < size; i++) {
        const t = EventTime.now();
        es.add(t.sec, t.nsec, this.generate());
      }
      let ok: boolean;
      try {
        ok = this.emitter.emitStream(tag, es);
      } catch {
        // Like Fluentd: an emit error must not stop the generator.
        continue;
      }
      if (!ok) this.pause();
    }
  }

  private pause(): void {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.emitter.onDrain(() => {
      if (!this.paused) return;
      this.paused = false;
      this.beginSecond();
    });
  }

  private generate(): Rec {
    if (this.index >= this.samples.length) this.index = 0;
    const s = this.samples[this.index++]!;
    const key = this.config.auto_increment_key;
    const d = this.config.reuse_record && !key ? s : { ...s };
    if (key) d[key] = ++this.counter;
    return d;
  }
}
