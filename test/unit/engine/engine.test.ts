// The engine built from real config text: labels, @ERROR, @FLUENT_LOG, relabel, <worker>,
// and the config errors the issue names.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/parser.js';
import { EventStream, type Rec } from '../../../src/core/event-stream.js';
import { Logger, LogSink } from '../../../src/core/log.js';
import { Engine } from '../../../src/engine/engine.js';
import { Filter, Output } from '../../../src/plugin/base.js';
import { defaultSystemConfig } from '../../../src/plugin/context.js';
import { builtinRegistry } from '../../../src/plugins/index.js';
import { waitFor } from '../../helpers/proc.js';

/** A test output that records what reaches it, by its @id. */
const seen = new Map<string, { tag: string; record: Rec }[]>();
class CaptureOutput extends Output {
  static override readonly type = 'capture';
  process(tag: string, es: EventStream): void {
    const list = seen.get(this.ctx.id) ?? [];
    for (const r of es.records) list.push({ tag, record: r });
    seen.set(this.ctx.id, list);
  }
}
class ThrowFilter extends Filter {
  static override readonly type = 'throw_on_bad';
  override filter(_tag: string, _s: number, _n: number, rec: Rec): Rec | null {
    if (rec.bad) throw new Error('bad record');
    return rec;
  }
}
class FailOutput extends Output {
  static override readonly type = 'fail';
  process(): void {
    throw new Error('output refused');
  }
}

function build(text: string, workerId = 0, workers = 1) {
  const registry = builtinRegistry();
  registry.register(CaptureOutput);
  registry.register(FailOutput);
  registry.register(ThrowFilter);
  const sink = new LogSink();
  sink.captured = [];
  const engine = new Engine(parseConfig(text, 'engine.conf'), {
    registry,
    log: new Logger({ sink }),
    system: { ...defaultSystemConfig(), workers },
    workerId,
  });
  return { engine, logs: sink.captured };
}

const one = (r: Rec) => EventStream.one(1, 0, r);

test('@label on a source skips top-level rules; relabel branches into a label', async () => {
  seen.clear();
  const { engine } = build(`
<match app.**>
  @type relabel
  @label @PROC
</match>
<match **>
  @type capture
  @id top
</match>
<label @PROC>
  <filter **>
    @type record_transformer
    <record>
      via proc
    </record>
  </filter>
  <match **>
    @type capture
    @id proc
  </match>
</label>`);
  await engine.start();
  engine.root.emitStream('app.a', one({ n: 1 }));
  engine.root.emitStream('other', one({ n: 2 }));
  engine.labels.get('@PROC')!.emitStream('direct', one({ n: 3 }));
  await engine.stop();
  assert.deepEqual(seen.get('proc'), [
    { tag: 'app.a', record: { n: 1, via: 'proc' } },
    { tag: 'direct', record: { n: 3, via: 'proc' } },
  ]);
  assert.deepEqual(seen.get('top'), [{ tag: 'other', record: { n: 2 } }]);
});

test('a failing output sends the stream to @ERROR with its tag; a record whose filter throws too', async () => {
  seen.clear();
  const { engine, logs } = build(`
<filter bad.**>
  @type throw_on_bad
</filter>
<match bad.**>
  @type capture
  @id after_filter
</match>
<match broken.**>
  @type fail
</match>
<label @ERROR>
  <match **>
    @type capture
    @id errors
  </match>
</label>`);
  await engine.start();
  engine.root.emitStream('broken.x', one({ a: 1 }));
  await engine.root.emitStreamDurable('broken.y', one({ a: 2 }));
  engine.root.emitStream('bad.z', new EventStream([1, 1], [0, 0], [{ bad: true }, { ok: true }]));
  await engine.stop();
  assert.deepEqual(
    seen.get('errors')?.map((e) => e.tag),
    ['broken.x', 'broken.y', 'bad.z'],
  );
  assert.deepEqual(seen.get('errors')![2]!.record, { bad: true });
  // Per-record filters form Fluentd's optimized chain: the failed record is reported and
  // still passes on unchanged.
  assert.deepEqual(
    seen.get('after_filter')?.map((e) => e.record),
    [{ bad: true }, { ok: true }],
  );
  assert.ok(
    logs.some((l) =>
      /send an error event stream to @ERROR: error_class=Error error="output refused"/.test(l),
    ),
  );
});

test('without @ERROR a failed durable emit rejects and logs "emit transaction failed"', async () => {
  const { engine, logs } = build('<match **>\n  @type fail\n</match>');
  await engine.start();
  await assert.rejects(engine.root.emitStreamDurable('t', one({})), /output refused/);
  await engine.stop();
  assert.ok(
    logs.some((l) => /emit transaction failed: error_class=Error error="output refused".*tag="t"/.test(l)),
  );
});

test('<label @FLUENT_LOG> receives our log lines as fluent.<level> events', async () => {
  seen.clear();
  const { engine } = build(`
<match nothing>
  @type null
</match>
<label @FLUENT_LOG>
  <match fluent.**>
    @type capture
    @id logs
  </match>
</label>`);
  await engine.start();
  engine.root.emitStream('unmatched.tag', one({}));
  await waitFor(() => (seen.get('logs') ?? []).some((e) => e.tag === 'fluent.warn'), 'a fluent.warn event');
  await engine.stop();
  const warn = seen.get('logs')!.find((e) => e.tag === 'fluent.warn')!;
  assert.match(String(warn.record.message), /no patterns matched tag="unmatched.tag"/);
});

test('<worker N-M> contents run only in those workers, after the top-level rules', () => {
  const text = `
<system>
  workers 3
</system>
<worker 1-2>
  <match w.**>
    @type capture
    @id worker_only
  </match>
</worker>
<match **>
  @type capture
  @id top
</match>`;
  const w0 = build(text, 0, 3).engine;
  const w1 = build(text, 1, 3).engine;
  assert.equal(w0.outputs.length, 1);
  assert.equal(w1.outputs.length, 2);
  // Appended after the top level: the top-level ** catches w.x first.
  assert.equal(w1.root.pipeline('w.x').output?.ctx.id, 'top');
  assert.throws(
    () => build(text.replace('1-2', '3'), 0, 3),
    /worker id 3 specified by <worker> directive is not allowed\. Available worker id is between 0 and 2/,
  );
});

test('config errors: duplicate @id, unknown @label, label without match, missing @type, duplicate <system>', () => {
  assert.throws(
    () => build('<match a>\n  @type null\n  @id x\n</match>\n<match b>\n  @type null\n  @id x\n</match>'),
    /engine\.conf:7:3.*Duplicated plugin id `x`/,
  );
  assert.throws(
    () => build('<source>\n  @type sample\n  tag t\n  @label @NOPE\n</source>'),
    /@NOPE label not found/,
  );
  assert.throws(() => build('<label @X>\n</label>'), /Missing <match> sections in <label @X> section/);
  assert.throws(
    () => build('<match a>\n</match>'),
    /engine\.conf:1:1.*Missing '@type' parameter on <match> directive/,
  );
  assert.throws(
    () =>
      build(
        '<label @X>\n  <match **>\n    @type null\n  </match>\n</label>\n<label @X>\n  <match **>\n    @type null\n  </match>\n</label>',
      ),
    /Section <label @X> appears twice/,
  );
  assert.throws(
    () => build('<match a>\n  @type nosuch\n</match>'),
    /Unknown output plugin 'nosuch'\. Known output plugins: .*copy/,
  );
});

test('legacy `type` works with the deprecation warning; unknown params warn with a suggestion', () => {
  const { engine, logs } = build('<match a>\n  type null\n  flush_intervall 5\n</match>');
  assert.ok(logs.some((l) => l.includes("'type' is deprecated parameter name. use '@type' instead.")));
  assert.equal(engine.warnings.length, 1);
  assert.match(
    engine.warnings[0]!.message,
    /parameter 'flush_intervall' in <match a> @type null is not used/,
  );
});

test('strict_config_value: lenient conversions become errors', () => {
  assert.doesNotThrow(() => build('<source>\n  @type sample\n  tag t\n  rate abc\n</source>'));
  const registry = builtinRegistry();
  const root = parseConfig('<source>\n  @type sample\n  tag t\n  rate abc\n</source>', 'strict.conf');
  assert.throws(
    () =>
      new Engine(root, {
        registry,
        log: new Logger({ sink: Object.assign(new LogSink(), { captured: [] }) }),
        system: { ...defaultSystemConfig(), strictConfigValue: true },
      }),
    /strict\.conf:4:3.*rate: invalid value for Integer\(\): "abc"/,
  );
});
