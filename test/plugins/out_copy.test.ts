import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p } from '../../src/config/params.js';
import type { EventStream, Rec } from '../../src/core/event-stream.js';
import { Output } from '../../src/plugin/base.js';
import { builtinRegistry } from '../../src/plugins/index.js';
import { CopyOutput } from '../../src/plugins/out_copy.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';

/** A test store: records what it got (shared log), can fail, can be async, can be busy. */
const seen: { name: string; records: Rec[] }[] = [];
const lifecycle: string[] = [];
let gates: (() => void)[] = [];

class ProbeOutput extends Output<typeof ProbeOutput.params> {
  static override readonly type = 'probe';
  static override readonly params = {
    name: p.string({ required: true }),
    fail: p.bool({ default: false }),
    async: p.bool({ default: false }),
    mutate: p.bool({ default: false }),
  };
  busy = false;

  process(_tag: string, es: EventStream): void | Promise<void> {
    const run = () => {
      if (this.config.fail) throw new Error(`${this.config.name} failed`);
      if (this.config.mutate) for (const r of es.records) (r as any).mutated = this.config.name;
      seen.push({ name: this.config.name, records: es.records });
    };
    if (!this.config.async) return run();
    return new Promise<void>((resolve) => gates.push(resolve)).then(run);
  }
  override start(): void {
    lifecycle.push(`start ${this.config.name}`);
  }
  override shutdown(): void {
    lifecycle.push(`shutdown ${this.config.name}`);
  }
  override overHighWater(): boolean {
    return this.busy;
  }
  setIdle(): void {
    this.busy = false;
    this.drained();
  }
}

function registry() {
  const r = builtinRegistry();
  r.register(ProbeOutput);
  return r;
}

function driver(stores: string, extra = ''): OutputTestDriver<CopyOutput> {
  seen.length = 0;
  lifecycle.length = 0;
  gates = [];
  return new OutputTestDriver(CopyOutput, `${extra}\n${stores}`, { registry: registry() });
}

const store = (args: string, body: string) => `<store ${args}>\n@type probe\n${body}\n</store>\n`;

test('every store gets the stream, in order; stores are started and shut down by copy', async () => {
  const d = driver(store('', 'name a') + store('', 'name b'));
  await d.run({}, () => d.feed('t', [{ x: 1 }]));
  assert.deepEqual(
    seen.map((s) => s.name),
    ['a', 'b'],
  );
  assert.equal(seen[0]!.records[0], seen[1]!.records[0]); // no_copy shares records
  assert.deepEqual(lifecycle, ['start a', 'start b', 'shutdown a', 'shutdown b']);
});

test('an error without ignore_error stops the later stores and propagates', async () => {
  const d = driver(store('', 'name a\nfail true') + store('', 'name b'));
  await assert.rejects(d.feed('t', [{ x: 1 }]), /a failed/);
  assert.deepEqual(seen, []);
  await d.shutdown();
});

test('ignore_error logs the error and continues', async () => {
  const d = driver(store('ignore_error', 'name a\nfail true') + store('', 'name b'));
  await d.feed('t', [{ x: 1 }]);
  assert.deepEqual(
    seen.map((s) => s.name),
    ['b'],
  );
  assert.ok(
    d
      .logs()
      .some((l) => /\[error\]: ignore emit error in object:\w+ error_class=Error error="a failed"/.test(l)),
  );
  await d.shutdown();
});

test('ignore_if_prev_success: fallback chain', async () => {
  const ok = driver(store('', 'name a') + store('ignore_if_prev_success', 'name b'));
  await ok.feed('t', [{ x: 1 }]);
  assert.deepEqual(
    seen.map((s) => s.name),
    ['a'],
  );
  const fallback = driver(
    store('ignore_error', 'name a\nfail true') + store('ignore_if_prev_success ignore_error', 'name b'),
  );
  await fallback.feed('t', [{ x: 1 }]);
  assert.deepEqual(
    seen.map((s) => s.name),
    ['b'],
  );
  assert.throws(
    () => driver(store('ignore_if_prev_success', 'name a')),
    /ignore_if_prev_success must specify 2nd or later <store> directives/,
  );
});

test('async stores: the next store runs after the previous settled; emit resolves after all', async () => {
  const d = driver(store('', 'name a\nasync true') + store('', 'name b\nasync true'));
  let resolved = false;
  const fed = d.feed('t', [{ x: 1 }]).then(() => {
    resolved = true;
  });
  await d.run({ start: false, shutdown: false, until: () => gates.length === 1 });
  gates[0]!();
  await d.run({ start: false, shutdown: false, until: () => gates.length === 2 });
  assert.deepEqual(
    seen.map((s) => s.name),
    ['a'],
  );
  assert.equal(resolved, false);
  gates[1]!();
  await fed;
  assert.deepEqual(
    seen.map((s) => s.name),
    ['a', 'b'],
  );
  await d.shutdown();
});

test('copy_mode shallow / deep / marshal give each store its own records', async () => {
  for (const mode of ['shallow', 'deep', 'marshal']) {
    const d = driver(store('', 'name a\nmutate true') + store('', 'name b'), `copy_mode ${mode}`);
    const rec = { x: 1, nested: { y: 2 } };
    await d.feed('t', [rec]);
    assert.equal(seen[1]!.records[0]!.mutated, undefined, mode);
    assert.equal(seen[0]!.records[0]!.mutated, 'a');
    assert.equal(Object.hasOwn(rec, 'mutated'), false, mode);
    if (mode !== 'shallow') assert.notEqual(seen[1]!.records[0]!.nested, rec.nested);
    await d.shutdown();
  }
  const legacy = driver(store('', 'name a'), 'deep_copy true');
  assert.ok(legacy.logs().some((l) => l.includes("'deep_copy' parameter is deprecated")));
});

test('backpressure: busy while a store is past its high-water mark; drain when all are idle', async () => {
  const d = driver(store('', 'name a') + store('', 'name b'));
  const [a, b] = d.instance.outputs as ProbeOutput[];
  assert.equal(d.instance.overHighWater(), false);
  a!.busy = true;
  b!.busy = true;
  assert.equal(d.instance.overHighWater(), true);
  let drained = false;
  d.instance.onDrain(() => {
    drained = true;
  });
  a!.setIdle();
  assert.equal(drained, false);
  b!.setIdle();
  assert.equal(drained, true);
});

test('config: <store> required, @type required in a store, real nested stdout store', async () => {
  assert.throws(() => new OutputTestDriver(CopyOutput, ''), /'<store>' sections are required/);
  assert.throws(
    () => new OutputTestDriver(CopyOutput, '<store>\nfoo bar\n</store>'),
    /Missing '@type' parameter in <store> section/,
  );
  const d = new OutputTestDriver(
    CopyOutput,
    '<store>\n@type stdout\n</store>\n<store>\n@type null\n</store>',
  );
  await d.feed('t', [[0, 0, { a: 1 }]]);
  assert.ok(d.logs().some((l) => l.endsWith(' t: {"a":1}')));
  await d.shutdown();
});
