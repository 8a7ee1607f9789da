// tail of a 1,000,000-line Apache log, <parse> apache2 → null
import type { Scenario } from '../../lib/scenario.js';
import { lineReader, nullSink, prepareTail, tailRun } from '../../lib/shapes.js';

export const scenario: Scenario = {
  name: 'tail-null',
  title: 'tail of a 1,000,000-line Apache log, <parse> apache2 → null',
  unit: 'lines',
  defaultEvents: 1_000_000,
  needs: [
    ['input', 'tail'],
    ['parser', 'apache2'],
  ],
  baselineLabel: 'plain stream read + split into lines',
  prepare: prepareTail,
  run: tailRun('tail-null', nullSink),
  baseline: lineReader,
};
