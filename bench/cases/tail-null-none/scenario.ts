// tail of a 1,000,000-line Apache log, <parse> none → null
import type { Scenario } from '../../lib/scenario.js';
import { lineReader, nullSink, prepareTail, tailRun } from '../../lib/shapes.js';

export const scenario: Scenario = {
  name: 'tail-null-none',
  title: 'tail of a 1,000,000-line Apache log, <parse> none → null',
  unit: 'lines',
  defaultEvents: 1_000_000,
  needs: [
    ['input', 'tail'],
    ['parser', 'none'],
  ],
  baselineLabel: 'plain stream read + split into lines',
  prepare: prepareTail,
  run: tailRun('tail-null-none', nullSink),
  baseline: lineReader,
};
