// idle: RSS of a daemon with the default config (etc/td-agent.conf, supervisor + worker) after
// BENCH_IDLE_SECONDS (default 10) seconds with nothing to do.
import { idleBaseline, idleRun } from '../../lib/idle.js';
import type { Scenario } from '../../lib/scenario.js';

const seconds = () => Number(process.env.BENCH_IDLE_SECONDS ?? 10);

export const scenario: Scenario = {
  name: 'idle',
  title: 'idle RSS: the default config (supervisor + worker), nothing sent',
  unit: 'MB',
  defaultEvents: 0,
  needs: [],
  baselineLabel: 'bare node process (an interval timer)',
  idle: true,
  run: idleRun(seconds),
  baseline: idleBaseline(seconds),
};
