// tail of a 1,000,000-line Apache log, <parse> none → file buffer → out_file
import type { Scenario } from '../../lib/scenario.js';
import { fileSink, lineReader, prepareTail, tailRun } from '../../lib/shapes.js';

export const scenario: Scenario = {
  name: 'tail-file-none',
  title: 'tail of a 1,000,000-line Apache log, <parse> none → file buffer → out_file',
  unit: 'lines',
  defaultEvents: 1_000_000,
  needs: [
    ['input', 'tail'],
    ['parser', 'none'],
    ['output', 'file'],
  ],
  baselineLabel: 'plain stream read + split into lines',
  prepare: prepareTail,
  run: tailRun('tail-file-none', fileSink),
  baseline: lineReader,
};
