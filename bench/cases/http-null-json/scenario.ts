// http → null: 8 keep-alive connections posting one-event JSON bodies
import { record } from '../../lib/records.js';
import type { Scenario } from '../../lib/scenario.js';
import { byteSinkHttp, type HttpLoad, httpRun } from '../../lib/shapes.js';

const load: HttpLoad = {
  contentType: 'application/json',
  body: JSON.stringify(record(1)),
  eventsPerRequest: 1,
};

export const scenario: Scenario = {
  name: 'http-null-json',
  title: 'http → null: 8 keep-alive connections posting one-event JSON bodies',
  unit: 'events',
  defaultEvents: 200_000,
  needs: [['input', 'http']],
  baselineLabel: 'raw socket reader (counts bytes, canned 200s)',
  run: httpRun('http-null-json', load),
  baseline: byteSinkHttp(load),
};
