import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SampleInput } from '../../src/plugins/in_sample.js';
import { InputTestDriver } from '../../src/test-driver/index.js';

test('emits the default sample with the configured tag and a current time', async () => {
  const d = new InputTestDriver(SampleInput, 'tag sample.test\nrate 100');
  const before = Math.floor(Date.now() / 1000);
  await d.run({ expectRecords: 3 });
  const ev = d.events();
  assert.ok(ev.length >= 3);
  for (const e of ev) {
    assert.equal(e.tag, 'sample.test');
    assert.deepEqual(e.record, { message: 'sample' });
    assert.ok(e.sec >= before && e.sec <= before + 11);
    assert.ok(e.nsec >= 0 && e.nsec < 1e9);
  }
});

test('cycles through an array sample in order, copying each record', async () => {
  const d = new InputTestDriver(SampleInput, 'tag t\nrate 100\nsample [{"n":1},{"n":2},{"n":3}]');
  await d.run({ expectRecords: 7 });
  const ns = d.records().map((r) => r.n);
  assert.deepEqual(ns.slice(0, 7), [1, 2, 3, 1, 2, 3, 1]);
  assert.notEqual(d.records()[0], d.records()[3]);
});

test('dummy is an alias of sample, and `@type dummy` style configs work', async () => {
  const d = new InputTestDriver(
    SampleInput,
    '<source>\n  @type dummy\n  tag t\n  rate 50\n  dummy {"x":"y"}\n</source>',
  );
  await d.run({ expectRecords: 1 });
  assert.deepEqual(d.records()[0], { x: 'y' });
});

test('auto_increment_key counts from 0 across emitted records', async () => {
  const d = new InputTestDriver(SampleInput, 'tag t\nrate 100\nauto_increment_key id\nsample {"a":1}');
  await d.run({ expectRecords: 5 });
  assert.deepEqual(
    d
      .records()
      .slice(0, 5)
      .map((r) => r.id),
    [0, 1, 2, 3, 4],
  );
  assert.equal(d.records()[0]!.a, 1);
});

test('size N emits streams of N events; rate R emits R streams per second', async () => {
  const d = new InputTestDriver(SampleInput, 'tag t\nrate 20\nsize 3');
  await d.run({ expectEmits: 4 });
  assert.equal(d.events().length, d.emitCount() * 3);
  // The first 100 ms bin of a second emits floor(20 / 10) = 2 streams back to back.
  assert.ok(d.emitCount() >= 4);
});

test('reuse_record emits the sample object itself', async () => {
  const d = new InputTestDriver(SampleInput, 'tag t\nrate 30\nreuse_record true');
  await d.run({ expectRecords: 2 });
  assert.equal(d.records()[0], d.records()[1]);
});

test('backpressure: stops emitting while emitStream returns false and resumes on drain', async () => {
  const d = new InputTestDriver(SampleInput, 'tag t\nrate 100');
  d.emitter.block();
  await d.run({ until: () => d.instance.isPaused, shutdown: false });
  const n = d.events().length;
  assert.equal(n, 1);
  assert.equal(d.emitter.refusals, 1);
  assert.equal(d.instance.hasTimer, false);
  d.emitter.unblock();
  await d.run({ start: false, until: () => d.events().length >= n + 3 });
  assert.equal(d.instance.hasTimer, false);
});

test('shutdown stops the timers', async () => {
  const d = new InputTestDriver(SampleInput, 'tag t\nrate 10');
  await d.run({ expectRecords: 1 });
  assert.equal(d.instance.hasTimer, false);
});

test('config errors and the deprecated suspend', () => {
  assert.throws(() => new InputTestDriver(SampleInput, 'rate 1'), /'tag' parameter is required/);
  assert.throws(
    () => new InputTestDriver(SampleInput, 'tag t\nsample [1]'),
    /0th element of sample, 1, is not a hash/,
  );
  assert.throws(() => new InputTestDriver(SampleInput, 'tag t\nsample \'{"a":\''), /JSON::ParserError/);
  const d = new InputTestDriver(SampleInput, 'tag t\nsuspend true');
  assert.ok(
    d.logs().some((l) => l.includes("'suspend' parameter is deprecated: This parameters is ignored")),
  );
});
