import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NullOutput } from '../../src/plugins/out_null.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';

test('discards events and counts them', async () => {
  const d = new OutputTestDriver(NullOutput, '');
  await d.run({}, async () => {
    await d.feed('a', [{ x: 1 }, { x: 2 }]);
    await d.feed('b', [{ x: 3 }]);
  });
  assert.equal(d.instance.emitCount, 2);
  assert.equal(d.instance.emitRecords, 3);
  assert.deepEqual(d.events(), []);
});

test('never_flush makes every emit fail', async () => {
  const d = new OutputTestDriver(NullOutput, 'never_flush true');
  await assert.rejects(d.feed('a', [{ x: 1 }]), /failed to flush/);
  assert.equal(d.instance.emitRecords, 0);
  await d.shutdown();
});
