// forward → tdlog → td-server: events/s landed in the store

import type { Scenario } from '../../lib/scenario.js';
import { forwardRun, prepareTd, tdImport, tdSink } from '../../lib/shapes.js';

export const scenario: Scenario = {
  name: 'forward-tdlog',
  title: 'forward → tdlog → td-server: events/s landed in the store',
  unit: 'events',
  defaultEvents: 1_000_000,
  needs: [
    ['input', 'forward'],
    ['output', 'tdlog'],
  ],
  baselineLabel: 'td-server fed directly (8,096-record imports, 2 at a time)',
  prepare: prepareTd,
  run: forwardRun('forward-tdlog', tdSink),
  baseline: tdImport,
};
