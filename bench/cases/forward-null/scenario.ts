// forward → null: one connection, PackedForward batches of 1,000 ~100-byte records

import type { Scenario } from '../../lib/scenario.js';
import { byteSinkForward, forwardRun, nullSink } from '../../lib/shapes.js';

export const scenario: Scenario = {
  name: 'forward-null',
  title: 'forward → null: one connection, PackedForward batches of 1,000 ~100-byte records',
  unit: 'events',
  defaultEvents: 2_000_000,
  needs: [['input', 'forward']],
  baselineLabel: 'raw socket reader (counts bytes)',
  run: forwardRun('forward-null', nullSink),
  baseline: byteSinkForward,
};
