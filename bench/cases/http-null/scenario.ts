// http → null: 8 keep-alive connections posting JSON arrays of 100 events
import { record } from '../../lib/records.js';
import type { Scenario } from '../../lib/scenario.js';
import { byteSinkHttp, type HttpLoad, httpRun } from '../../lib/shapes.js';

const load: HttpLoad = {
  contentType: 'application/json',
  body: JSON.stringify(Array.from({ length: 100 }, (_, i) => record(i))),
  eventsPerRequest: 100,
};

export const scenario: Scenario = {
  name: 'http-null',
  title: 'http → null: 8 keep-alive connections posting JSON arrays of 100 events',
  unit: 'events',
  defaultEvents: 2_000_000,
  needs: [['input', 'http']],
  baselineLabel: 'raw socket reader (counts bytes, canned 200s)',
  run: httpRun('http-null', load),
  baseline: byteSinkHttp(load),
};
