// Running one scenario: availability check, shared setup, then R runs of
// baseline → tributary → (Fluentd, Fluent Bit when their commands are set), each in a fresh
// directory under the suite's temp dir.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinRegistry } from '../../src/plugins/index.js';
import { type EngineName, FOREIGN, hasConf } from './engines.js';
import type { Measurement } from './measure.js';
import { type ScenarioResult, summarize } from './report.js';
import type { RunCtx, Scenario, Shared } from './scenario.js';

export interface SuiteOptions {
  events?: number;
  runs: number;
  dir: string;
  progress: (line: string) => void;
}

/** Why our daemon cannot run the scenario yet, or undefined. */
export function unavailable(s: Scenario): string | undefined {
  const registry = builtinRegistry();
  const missing = s.needs.filter(([kind, type]) => !registry.has(kind, type));
  if (!missing.length) return undefined;
  return missing.map(([kind, type]) => `@type ${type} not available (${kind} plugin)`).join(', ');
}

function rate(m: Measurement, unit: string): string {
  if (m.rssMB !== undefined) return `${m.rssMB.toFixed(1)} MB`;
  const v = m.eventsPerSec;
  return `${v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0)} ${unit}/s`;
}

export async function runScenario(s: Scenario, o: SuiteOptions): Promise<ScenarioResult> {
  const events = s.idle ? 0 : (o.events ?? s.defaultEvents);
  const scenarioDir = path.join(o.dir, s.name);
  fs.mkdirSync(scenarioDir, { recursive: true });
  const foreign = FOREIGN.filter((f) => process.env[f.env]);
  for (const f of foreign) {
    if (!hasConf(s.name, f.engine))
      o.progress(`  ${f.engine}: no bench/cases/${s.name}/${f.engine}.conf, not compared`);
  }
  const engines = foreign.filter((f) => hasConf(s.name, f.engine)).map((f) => f.engine);
  let shared: Shared = {};
  try {
    if (s.prepare) {
      o.progress(`  preparing ${s.name}...`);
      shared = await s.prepare(scenarioDir, events);
    }
    const ours: Measurement[] = [];
    const base: Measurement[] = [];
    const others = new Map<EngineName, Measurement[] | { error: string }>();
    const ratios: number[] = [];
    for (let run = 1; run <= o.runs; run++) {
      const ctx = (system: string): RunCtx => {
        const dir = path.join(scenarioDir, `run${run}-${system}`);
        fs.mkdirSync(dir, { recursive: true });
        return { dir, scenarioDir, events, run, shared };
      };
      const b = await s.baseline(ctx('baseline'));
      const m = await s.run(ctx('tributary'), 'tributary');
      base.push(b);
      ours.push(m);
      ratios.push(m.eventsPerSec / b.eventsPerSec);
      let line = `  ${s.name} run ${run}/${o.runs}: baseline ${rate(b, s.unit)}, tributary ${rate(m, s.unit)}`;
      for (const e of engines) {
        const prev = others.get(e);
        if (prev && 'error' in prev) continue;
        try {
          const fm = await s.run(ctx(e), e);
          others.set(e, [...((prev as Measurement[]) ?? []), fm]);
          line += `, ${e} ${rate(fm, s.unit)}`;
        } catch (err) {
          others.set(e, { error: (err as Error).message.split('\n')[0]! });
          line += `, ${e} failed`;
        }
      }
      o.progress(line);
    }
    const result: ScenarioResult = {
      scenario: s,
      events,
      ours: summarize(ours),
      baseline: summarize(base),
      ratios,
      foreign: {},
    };
    for (const [e, v] of others) result.foreign[e] = 'error' in v ? v : summarize(v);
    return result;
  } finally {
    await shared.td?.stop();
  }
}
