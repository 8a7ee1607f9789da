// Fuzzes the config parser: only ConfigError may ever escape, and no case may be slow.
// The full 100k+ run is `node dist/test/unit/config/fuzz-run.js 100000` (see fuzz-run.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/parser.js';
import { ConfigError } from '../../../src/core/errors.js';
import { runFuzz } from './fuzz-cases.js';

const COUNT = Number(process.env.TRIBUTARY_FUZZ_CASES ?? 20_000);

test(`parser fuzz: ${COUNT} cases (random chars, grammar tokens, mutated fixtures)`, () => {
  const res = runFuzz(COUNT, Number(process.env.TRIBUTARY_FUZZ_SEED ?? 20261128));
  const first = res.failures[0];
  assert.equal(res.failures.length, 0, first && `input ${JSON.stringify(first.input)}\n${first.error}`);
  assert.equal(res.cases, COUNT);
  assert.ok(
    res.outcomes.parsed > COUNT / 50,
    `too few inputs parse (${res.outcomes.parsed}): the fuzzer is not exercising valid paths`,
  );
  assert.ok(res.outcomes.configError > COUNT / 10, `too few errors (${res.outcomes.configError})`);
  assert.ok(
    res.slowestMs < 2000,
    `slowest case took ${res.slowestMs.toFixed(0)} ms: ${JSON.stringify(res.slowestCase)}`,
  );
});

// Inputs of 256 KB shaped to hit every scanning loop; a quadratic loop would not finish
// before the runner's timeout. (No timing is asserted.)
test('large adversarial inputs finish', () => {
  const N = 256 * 1024;
  const inputs = [
    `<match a${' '.repeat(N)}b>\n</match>`,
    `<match a${' #x'.repeat(N / 3)}\nb`,
    `a x${' \t'.repeat(N / 2)}y`,
    `a "${'#{hostname}'.repeat(N / 12)}"`,
    `a "${'#{'.repeat(N / 2)}`,
    `a ["${'#'.repeat(N)}"]`,
    `a ${'['.repeat(N)}`,
    `a [${'1, # c\n'.repeat(N / 7)}1]`,
    `a [[${'#{"1"},'.repeat(N / 7)}1]]`,
    `${'\n'.repeat(N)}</x>`,
    `a '${'x'.repeat(N)}`,
    'k v\n'.repeat(N / 4),
    '<a>\n</a>\n'.repeat(N / 9),
    `${'<a>\n'.repeat(N / 4)}`,
  ];
  let parsed = 0;
  for (const text of inputs) {
    try {
      parseConfig(text, 'big.conf', { env: {}, hostname: 'h' });
      parsed++;
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
    }
  }
  assert.ok(parsed >= 5);
});
