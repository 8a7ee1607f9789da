import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p } from '../../src/config/params.js';
import type { EventStream } from '../../src/core/event-stream.js';
import { Output } from '../../src/plugin/base.js';
import { builtinRegistry } from '../../src/plugins/index.js';
import { RoundRobinOutput, rotation } from '../../src/plugins/out_roundrobin.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';

/** A test store: counts what it got, can fail (sync or async), can be busy. */
const got = new Map<string, number>();
const lifecycle: string[] = [];
const stores = new Map<string, ProbeOutput>();

class ProbeOutput extends Output<typeof ProbeOutput.params> {
  static override readonly type = 'rrprobe';
  static override readonly params = {
    name: p.string({ required: true }),
    fail: p.bool({ default: false }),
    async: p.bool({ default: false }),
  };
  busy = false;

  override configure(el: Parameters<Output['configure']>[0]): void {
    super.configure(el);
    stores.set(this.config.name, this);
  }

  process(_tag: string, es: EventStream): void | Promise<void> {
    const run = () => {
      if (this.config.fail) throw new Error(`${this.config.name} failed`);
      got.set(this.config.name, (got.get(this.config.name) ?? 0) + es.length);
    };
    if (!this.config.async) return run();
    return Promise.resolve().then(run);
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

function driver(body: string): OutputTestDriver<RoundRobinOutput> {
  got.clear();
  lifecycle.length = 0;
  stores.clear();
  const r = builtinRegistry();
  r.register(ProbeOutput);
  return new OutputTestDriver(RoundRobinOutput, body, { registry: r });
}

const store = (body: string) => `<store>\n@type rrprobe\n${body}\n</store>\n`;

test('rotation: weights divided by their GCD; equal weights keep <store> order', () => {
  assert.deepEqual(rotation([1, 1, 1]), [0, 1, 2]);
  const r = rotation([4, 2]);
  assert.equal(r.length, 3);
  assert.equal(r.filter((i) => i === 0).length, 2);
  assert.deepEqual(rotation([3, 0]), [0]);
});

test('streams go to the stores in turn by weight; roundrobin starts and shuts down its stores', async () => {
  const d = driver(store('name a\nweight 2') + store('name b'));
  await d.run({}, async () => {
    for (let i = 0; i < 30; i++) await d.feed('lb.x', [{ i }]);
  });
  assert.equal(got.get('a'), 20);
  assert.equal(got.get('b'), 10);
  assert.deepEqual(lifecycle, ['start a', 'start b', 'shutdown a', 'shutdown b']);
  // The `weight` parameter belongs to roundrobin and is not reported as unused by the store.
  assert.ok(d.element.children('store')[0]!.used.has('weight'));
});

test('a failing store is skipped: the stream goes to the next one (sync and async)', async () => {
  for (const mode of ['', 'async true']) {
    const d = driver(store(`name bad\nfail true\n${mode}`) + store(`name good\n${mode}`));
    await d.run({}, async () => {
      for (let i = 0; i < 4; i++) await d.feed('lb.x', [{ i }, { i }]);
    });
    assert.equal(got.get('good'), 8, `mode ${mode || 'sync'}: every event reached the good store`);
    assert.ok(d.logs().some((l) => /store failed; the stream goes to the next store/.test(l)));
  }
});

test('when every store fails, the first error propagates', async () => {
  const d = driver(store('name x\nfail true') + store('name y\nfail true\nasync true'));
  await assert.rejects(d.feed('lb.x', [{ a: 1 }]), /x failed/);
  await assert.rejects(d.feed('lb.x', [{ a: 1 }]), /y failed/);
  await d.shutdown();
});

test('a store past its high-water mark is passed over; overHighWater only when all are', async () => {
  const d = driver(store('name a') + store('name b'));
  await d.start();
  stores.get('a')!.busy = true;
  for (let i = 0; i < 4; i++) await d.feed('lb.x', [{ i }]);
  assert.equal(got.get('a'), undefined);
  assert.equal(got.get('b'), 4);
  assert.equal(d.instance.overHighWater(), false);
  stores.get('b')!.busy = true;
  assert.equal(d.instance.overHighWater(), true);
  let drained = 0;
  d.instance.onDrain(() => drained++);
  stores.get('b')!.setIdle();
  stores.get('a')!.setIdle();
  assert.equal(drained, 1, 'onDrain fires once, when the first store drains');
  await d.shutdown();
});

test('config errors: no <store>, a <store> without @type, a negative weight, all weights 0', () => {
  assert.throws(() => driver(''), /'<store>' sections are required/);
  assert.throws(() => driver('<store>\nweight 1\n</store>'), /Missing '@type' parameter in <store> section/);
  assert.throws(() => driver(store('name a\nweight -1')), /weight must be 0 or more/);
  assert.throws(() => driver(store('name a\nweight 0')), /at least one <store> must have a weight above 0/);
});
