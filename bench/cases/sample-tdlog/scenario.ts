// sample → tdlog → td-server: steady-state events/s landed in the store

import type { Scenario } from '../../lib/scenario.js';
import { prepareTd, sampleRun, tdImport, tdSink } from '../../lib/shapes.js';

export const scenario: Scenario = {
  name: 'sample-tdlog',
  title: 'sample → tdlog → td-server: steady-state events/s landed in the store',
  unit: 'events',
  defaultEvents: 1_000_000,
  needs: [
    ['input', 'sample'],
    ['output', 'tdlog'],
  ],
  baselineLabel: 'td-server fed directly (8,096-record imports, 2 at a time)',
  prepare: prepareTd,
  run: sampleRun('sample-tdlog', tdSink),
  baseline: tdImport,
};
