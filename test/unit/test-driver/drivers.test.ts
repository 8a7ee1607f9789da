import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p } from '../../../src/config/params.js';
import { EventStream, type Rec } from '../../../src/core/event-stream.js';
import { Filter, Input, Output } from '../../../src/plugin/base.js';
import { JsonParser } from '../../../src/plugins/parser_json.js';
import {
  FilterTestDriver,
  InputTestDriver,
  OutputTestDriver,
  ParserTestDriver,
} from '../../../src/test-driver/index.js';

/** Emits one event per setImmediate turn until `count` are out; pauses on backpressure. */
class CountingInput extends Input<typeof CountingInput.params> {
  static override readonly type = 'counting';
  static override readonly params = {
    tag: p.string({ required: true }),
    count: p.integer({ default: 3 }),
  };
  started = 0;
  stopped = 0;
  shutdowns = 0;
  paused = false;
  private n = 0;
  private running = false;

  override start(): void {
    this.started++;
    this.running = true;
    this.next();
  }
  private next(): void {
    if (!this.running || this.paused || this.n >= this.config.count) return;
    setImmediate(() => {
      if (!this.running || this.paused) return;
      const ok = this.emitter.emitStream(this.config.tag, EventStream.one(1, 2, { n: this.n++ }));
      if (!ok) {
        this.paused = true;
        this.emitter.onDrain(() => {
          this.paused = false;
          this.next();
        });
        return;
      }
      this.next();
    });
  }
  override stop(): void {
    this.stopped++;
    this.running = false;
  }
  override shutdown(): void {
    this.shutdowns++;
  }
}

class SilentInput extends Input {
  static override readonly type = 'silent';
}

test('run() stops as soon as the expected records arrived, then stops and shuts the plugin down', async () => {
  const d = new InputTestDriver(CountingInput, 'tag t\ncount 100');
  await d.run({ expectRecords: 3 });
  assert.ok(d.events().length >= 3 && d.events().length < 100);
  assert.deepEqual(d.events()[0], { tag: 't', sec: 1, nsec: 2, record: { n: 0 } });
  assert.equal(d.instance.started, 1);
  assert.equal(d.instance.stopped, 1);
  assert.equal(d.instance.shutdowns, 1);
});

test('run() waits for a number of emits', async () => {
  const d = new InputTestDriver(CountingInput, 'tag t\ncount 10');
  await d.run({ expectEmits: 2 });
  assert.ok(d.emitCount() >= 2);
});

test('run() throws a clear error when the stop condition does not hold before the timeout', async () => {
  const d = new InputTestDriver(SilentInput, '');
  const t0 = Date.now();
  await assert.rejects(
    d.run({ expectRecords: 1, timeoutMs: 150 }),
    /timed out after 150 ms waiting for 1 records \(got 0 emits, 0 records\)/,
  );
  assert.ok(Date.now() - t0 < 2000);
});

test('run() timeout also covers a body that never settles', async () => {
  const d = new InputTestDriver(SilentInput, '');
  await assert.rejects(
    d.run({ timeoutMs: 100 }, () => new Promise(() => {})),
    /timed out after 100 ms running the body/,
  );
});

test('run() with until() and the body result', async () => {
  const d = new InputTestDriver(CountingInput, 'tag t\ncount 5');
  const r = await d.run({ until: () => d.events().length === 5 }, () => 42);
  assert.equal(r, 42);
  assert.equal(d.events().length, 5);
});

test('run({ shutdown: false }) leaves the plugin running until shutdown()', async () => {
  const d = new InputTestDriver(CountingInput, 'tag t\ncount 2');
  await d.run({ expectRecords: 2, shutdown: false });
  assert.equal(d.instance.stopped, 0);
  await d.shutdown();
  await d.shutdown();
  assert.equal(d.instance.stopped, 1);
});

test('backpressure: a blocked emitter pauses the input and unblock() resumes it', async () => {
  const d = new InputTestDriver(CountingInput, 'tag t\ncount 4');
  d.emitter.block();
  await d.run({ expectRecords: 1, shutdown: false });
  await d.run({ until: () => d.instance.paused, start: false, shutdown: false });
  assert.equal(d.events().length, 1);
  assert.equal(d.emitter.refusals, 1);
  d.emitter.unblock();
  await d.run({ until: () => d.events().length === 4, start: false });
});

test('config strings are wrapped in the directive unless they already are one', () => {
  const a = new InputTestDriver(CountingInput, 'tag a');
  assert.equal(a.element.name, 'source');
  assert.equal(a.instance.config.tag, 'a');
  const b = new InputTestDriver(CountingInput, '<source>\n  @type counting\n  tag b\n</source>');
  assert.equal(b.instance.config.tag, 'b');
  assert.throws(() => new InputTestDriver(CountingInput, 'count 1'), /'tag' parameter is required/);
});

test('captured logs, the legacy type warning and @log_level', () => {
  const d = new InputTestDriver(CountingInput, 'type counting\ntag t\n@log_level error');
  assert.ok(
    d.logs().some((l) => l.includes("[warn]: 'type' is deprecated parameter name. use '@type' instead.")),
  );
  d.instance.log.warn('hidden');
  d.instance.log.error('shown');
  assert.ok(d.logs().some((l) => l.endsWith('[error]: shown')));
  assert.ok(!d.logs().some((l) => l.includes('hidden')));
});

class UpperFilter extends Filter {
  static override readonly type = 'upper';
  override filter(_tag: string, _s: number, _n: number, r: Rec): Rec | null {
    if (r.drop) return null;
    if (r.boom) throw new Error('boom');
    return { ...r, v: String(r.v).toUpperCase() };
  }
}

test('FilterTestDriver: filter() returns what passed, errors are captured', () => {
  const d = new FilterTestDriver(UpperFilter, '');
  d.time = { sec: 10, nsec: 5 };
  const out = d.filter('x', [{ v: 'a' }, { drop: true }, { boom: true }, [7, 8, { v: 'b' }]]);
  assert.deepEqual(out, [
    { tag: 'x', sec: 10, nsec: 5, record: { v: 'A' } },
    { tag: 'x', sec: 10, nsec: 5, record: { boom: true } },
    { tag: 'x', sec: 7, nsec: 8, record: { v: 'B' } },
  ]);
  assert.equal(d.errorEvents().length, 1);
  assert.equal(d.errorEvents()[0]!.error.message, 'boom');
  assert.equal(d.events().length, 3);
});

class AsyncOutput extends Output {
  static override readonly type = 'async_out';
  got: Rec[] = [];
  release: (() => void) | undefined;
  async process(_tag: string, es: EventStream): Promise<void> {
    await new Promise<void>((resolve) => {
      this.release = resolve;
    });
    if (es.records[0]!.fail) throw new Error('refused');
    this.got.push(...es.records);
  }
}

test('OutputTestDriver: feed() resolves when emit() settles and rejects with its error', async () => {
  const d = new OutputTestDriver(AsyncOutput, '');
  let done = false;
  const fed = d.feed('t', [{ a: 1 }]).then(() => {
    done = true;
  });
  await d.run({ until: () => d.instance.release !== undefined, start: false, shutdown: false });
  assert.equal(done, false);
  d.instance.release!();
  await fed;
  assert.deepEqual(d.instance.got, [{ a: 1 }]);
  d.instance.release = undefined;
  const failing = d.feed('t', [{ fail: true }]);
  await d.run({ until: () => d.instance.release !== undefined, start: false, shutdown: false });
  d.instance.release!();
  await assert.rejects(failing, /refused/);
  await d.shutdown();
});

test('ParserTestDriver: configures from a <parse> body and returns every result', () => {
  const d = new ParserTestDriver(JsonParser, 'time_key t\nkeep_time_key false');
  const [r] = d.parse('{"t":5,"a":1}');
  assert.equal(r!.time!.sec, 5);
  assert.deepEqual(r!.record, { a: 1 });
  assert.deepEqual(d.parse('not json'), [{ time: undefined, record: null }]);
  assert.equal(d.results.length, 2);
  assert.equal(d.element.name, 'parse');
});
