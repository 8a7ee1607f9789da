// forward → file buffer → out_file: PackedForward batches of 1,000

import type { Scenario } from '../../lib/scenario.js';
import { byteSinkForward, fileSink, forwardRun } from '../../lib/shapes.js';

export const scenario: Scenario = {
  name: 'forward-file',
  title: 'forward → file buffer → out_file: PackedForward batches of 1,000',
  unit: 'events',
  defaultEvents: 2_000_000,
  needs: [
    ['input', 'forward'],
    ['output', 'file'],
  ],
  baselineLabel: 'raw socket reader (counts bytes)',
  run: forwardRun('forward-file', fileSink),
  baseline: byteSinkForward,
};
