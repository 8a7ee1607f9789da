// What a scenario is. Its configs live next to its declaration in bench/cases/<name>/; the
// shapes in shapes.ts do the work, so a declaration is a few lines.

import type { PluginKind } from '../../src/plugin/types.js';
import type { EngineName } from './engines.js';
import type { Measurement } from './measure.js';

export interface RunCtx {
  /** A fresh directory for this run of this system. */
  dir: string;
  /** Directory shared by the scenario's runs (tail files, td-server data). */
  scenarioDir: string;
  events: number;
  /** 1-based run number. */
  run: number;
  shared: Shared;
}

/** Resources a scenario sets up once for all its runs. */
export interface Shared {
  tailFile?: string;
  td?: import('./td-server.js').TdServer;
}

export interface Scenario {
  name: string;
  title: string;
  /** What the events/s figure counts (events, lines). */
  unit: string;
  defaultEvents: number;
  /** Plugins our daemon needs; missing ones skip the scenario. */
  needs: Array<[PluginKind, string]>;
  /** Shown beside the figures: what the baseline is. */
  baselineLabel: string;
  prepare?(scenarioDir: string, events: number): Promise<Shared>;
  run(ctx: RunCtx, engine: EngineName): Promise<Measurement>;
  baseline(ctx: RunCtx): Promise<Measurement>;
  /** Memory scenarios report RSS, not a rate. */
  idle?: boolean;
}
