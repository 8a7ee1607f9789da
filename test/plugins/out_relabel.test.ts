import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStream } from '../../src/core/event-stream.js';
import { RelabelOutput } from '../../src/plugins/out_relabel.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';

test('re-emits the stream unchanged into the @label', async () => {
  const d = new OutputTestDriver(RelabelOutput, '@label @OUT');
  const es = new EventStream([5, 6], [7, 8], [{ a: 1 }, { b: 2 }]);
  await d.feed('app.x', es);
  assert.deepEqual(d.events(), [
    { tag: 'app.x', sec: 5, nsec: 7, record: { a: 1 }, label: '@OUT' },
    { tag: 'app.x', sec: 6, nsec: 8, record: { b: 2 }, label: '@OUT' },
  ]);
  assert.equal(d.events()[0]!.record, es.records[0]);
  await d.shutdown();
});

test('durability: emit resolves when the label pipeline holds the events, rejects when it refuses', async () => {
  const d = new OutputTestDriver(RelabelOutput, '@label @OUT');
  let open!: () => void;
  d.emitter.durableGate = new Promise<void>((r) => {
    open = r;
  });
  let done = false;
  const fed = d.feed('t', [{ a: 1 }]).then(() => {
    done = true;
  });
  await d.run({ start: false, shutdown: false, expectRecords: 1 });
  assert.equal(done, false);
  open();
  await fed;
  d.emitter.durableGate = undefined;
  d.emitter.fail(new Error('label refused'));
  await assert.rejects(d.feed('t', [{ a: 2 }]), /label refused/);
  await d.shutdown();
});

test('backpressure: defers onDrain to the label emitter', async () => {
  const d = new OutputTestDriver(RelabelOutput, '@label @OUT');
  d.emitter.block();
  let drained = false;
  d.instance.onDrain(() => {
    drained = true;
  });
  assert.equal(drained, false);
  d.emitter.unblock();
  assert.equal(drained, true);
});

test('backpressure: asks an emitter that can tell whether it is busy', () => {
  const d = new OutputTestDriver(RelabelOutput, '@label @OUT');
  assert.equal(d.instance.overHighWater(), false);
  d.emitter.block();
  assert.equal(d.instance.overHighWater(), true);
  d.emitter.unblock();
  assert.equal(d.instance.overHighWater(), false);
});

test('backpressure: an EventRouter-like emitter is busy when one of its outputs is', () => {
  const d = new OutputTestDriver(RelabelOutput, '@label @OUT');
  let busy = false;
  const router = {
    emitStream: () => true,
    emitStreamDurable: async () => {},
    onDrain: (cb: () => void) => setImmediate(cb),
    outputs: () => [{ overHighWater: () => busy }],
  };
  (d.instance.ctx as { emitter: unknown }).emitter = router;
  assert.equal(d.instance.overHighWater(), false);
  busy = true;
  assert.equal(d.instance.overHighWater(), true);
});

test('@label is required', () => {
  assert.throws(
    () => new OutputTestDriver(RelabelOutput, ''),
    /'@label' parameter is required for relabel output/,
  );
});
