// forward → out_forward (require_ack_response) → aggregator → out_file: two daemons

import type { Scenario } from '../../lib/scenario.js';
import { byteSinkForward, fileSink, forwardRun } from '../../lib/shapes.js';

export const scenario: Scenario = {
  name: 'forward-forward',
  title: 'forward → out_forward (require_ack_response) → aggregator → out_file: two daemons',
  unit: 'events',
  defaultEvents: 2_000_000,
  needs: [
    ['input', 'forward'],
    ['output', 'forward'],
    ['output', 'file'],
  ],
  baselineLabel: 'raw socket reader (counts bytes)',
  run: forwardRun('forward-forward', fileSink, ['-aggregator', '']),
  baseline: byteSinkForward,
};
