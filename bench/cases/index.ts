// The end-to-end scenarios, in the order `npm run bench` runs them.
import type { Scenario } from '../lib/scenario.js';
import { scenario as forwardFile } from './forward-file/scenario.js';
import { scenario as forwardForward } from './forward-forward/scenario.js';
import { scenario as forwardNull } from './forward-null/scenario.js';
import { scenario as forwardTdlog } from './forward-tdlog/scenario.js';
import { scenario as httpNull } from './http-null/scenario.js';
import { scenario as httpNullForm } from './http-null-form/scenario.js';
import { scenario as httpNullJson } from './http-null-json/scenario.js';
import { scenario as idle } from './idle/scenario.js';
import { scenario as sampleTdlog } from './sample-tdlog/scenario.js';
import { scenario as tailFile } from './tail-file/scenario.js';
import { scenario as tailFileNone } from './tail-file-none/scenario.js';
import { scenario as tailNull } from './tail-null/scenario.js';
import { scenario as tailNullNone } from './tail-null-none/scenario.js';

export const scenarios: Scenario[] = [
  forwardNull,
  forwardFile,
  forwardForward,
  forwardTdlog,
  sampleTdlog,
  httpNull,
  httpNullJson,
  httpNullForm,
  tailNull,
  tailNullNone,
  tailFile,
  tailFileNone,
  idle,
];
