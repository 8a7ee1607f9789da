// The long fuzz run: `node dist/test/unit/config/fuzz-run.js COUNT [SEED]`.
// Prints cases, time, outcomes and the slowest case; exits 1 on any non-ConfigError.
// Without arguments it does nothing (node --test also loads every .js under test/).

import { runFuzz } from './fuzz-cases.js';

const [countArg, seedArg] = process.argv.slice(2);
if (countArg !== undefined) {
  const count = Number(countArg);
  const seed = seedArg === undefined ? Date.now() % 2 ** 31 : Number(seedArg);
  if (!Number.isInteger(count) || count <= 0 || !Number.isFinite(seed)) {
    console.error('usage: fuzz-run.js COUNT [SEED]');
    process.exit(2);
  }
  const res = runFuzz(count, seed);
  console.log(`seed ${seed}: ${res.cases} cases in ${(res.ms / 1000).toFixed(1)} s`);
  console.log(
    `parsed ${res.outcomes.parsed}, ConfigError ${res.outcomes.configError}, other ${res.failures.length}`,
  );
  const kinds = [...res.errorKinds].sort((a, b) => b[1] - a[1]);
  console.log(`${kinds.length} kinds of ConfigError seen:`);
  for (const [k, n] of kinds.slice(0, 40)) console.log(`  ${String(n).padStart(7)}  ${k}`);
  console.log(`slowest case ${res.slowestMs.toFixed(1)} ms: ${JSON.stringify(res.slowestCase)}`);
  for (const f of res.failures) console.log(`\nFAILURE input ${JSON.stringify(f.input)}\n${f.error}`);
  process.exit(res.failures.length === 0 ? 0 : 1);
}
