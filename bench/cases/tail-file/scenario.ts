// tail of a 1,000,000-line Apache log, <parse> apache2 → file buffer → out_file
import type { Scenario } from '../../lib/scenario.js';
import { fileSink, lineReader, prepareTail, tailRun } from '../../lib/shapes.js';

export const scenario: Scenario = {
  name: 'tail-file',
  title: 'tail of a 1,000,000-line Apache log, <parse> apache2 → file buffer → out_file',
  unit: 'lines',
  defaultEvents: 1_000_000,
  needs: [
    ['input', 'tail'],
    ['parser', 'apache2'],
    ['output', 'file'],
  ],
  baselineLabel: 'plain stream read + split into lines',
  prepare: prepareTail,
  run: tailRun('tail-file', fileSink),
  baseline: lineReader,
};
