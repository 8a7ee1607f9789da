import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strftime, strftimeFn } from '../../../src/plugins/support/strftime.js';

const T = 1704067200; // 2024-01-01T00:00:00Z

test('strftime renders Ruby directives in UTC', () => {
  assert.equal(
    strftime('%Y-%m-%dT%H:%M:%S.%L %N %3N', T, 123456789, true),
    '2024-01-01T00:00:00.123 123456789 123',
  );
});

test('strftimeFn gives the same strings as strftime, reusing the last second', () => {
  const f = strftimeFn('%Y-%m-%d %H:%M:%S', true);
  for (const [s, n] of [
    [T, 0],
    [T, 5],
    [T + 1, 0],
    [T, 999],
  ] as const) {
    assert.equal(f(s, n), strftime('%Y-%m-%d %H:%M:%S', s, n, true));
  }
  // Sub-second formats are never cached.
  const g = strftimeFn('%S.%L', true);
  assert.equal(g(T, 1e6), '00.001');
  assert.equal(g(T, 2e6), '00.002');
});
