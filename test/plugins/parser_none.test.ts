import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkParser } from './parser_support.js';

test('whole text into message_key; time now or none', () => {
  const p = mkParser('@type none');
  const before = Math.floor(Date.now() / 1000);
  const r = p.parseOne('  any text: at all  ')!;
  assert.deepEqual(r.record, { message: '  any text: at all  ' });
  assert.ok(r.time!.sec >= before);
  const q = mkParser('@type none\nmessage_key log\nestimate_current_event false');
  assert.deepEqual(q.parseAll('x'), [{ time: undefined, record: { log: 'x' } }]);
});
