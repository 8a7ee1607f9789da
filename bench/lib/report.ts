// Summaries of R runs and how they are printed.
//
// Per system: events/s median and range, CPU seconds (median), peak RSS (the highest of the
// runs). ratioToBaseline is the median of the per-run ratios ours/baseline: each pair was
// measured back to back, so it cancels most of the machine's drift.
//
// --json: one object per scenario per line, with at least the fields issue 9 lists:
//   {"scenario","events","runs","eventsPerSec","eventsPerSecMin","eventsPerSecMax","cpuSeconds",
//    "peakRssMB","baselineEventsPerSec","ratioToBaseline", ...}

import type { EngineName } from './engines.js';
import type { Measurement } from './measure.js';
import type { Scenario } from './scenario.js';

export interface Summary {
  runs: Measurement[];
  eventsPerSec: number;
  eventsPerSecMin: number;
  eventsPerSecMax: number;
  cpuSeconds: number;
  peakRssMB: number;
  requestsPerSec?: number;
  genCpuSeconds?: number;
  /** Generator CPU as a share of the window: near 1.0 means the generator was the limit. */
  genCpuShare?: number;
  storeCpuSeconds?: number;
  rssMB?: number;
}

export interface ScenarioResult {
  scenario: Scenario;
  events: number;
  ours: Summary;
  baseline: Summary;
  ratios: number[];
  foreign: Partial<Record<EngineName, Summary | { error: string }>>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function opt(ms: Measurement[], f: (m: Measurement) => number | undefined): number | undefined {
  const xs = ms.map(f).filter((x): x is number => x !== undefined);
  return xs.length ? median(xs) : undefined;
}

export function summarize(runs: Measurement[]): Summary {
  const eps = runs.map((r) => r.eventsPerSec);
  return {
    runs,
    eventsPerSec: median(eps),
    eventsPerSecMin: Math.min(...eps),
    eventsPerSecMax: Math.max(...eps),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)),
    requestsPerSec: opt(runs, (r) => r.requestsPerSec),
    genCpuSeconds: opt(runs, (r) => r.genCpuSeconds),
    genCpuShare: opt(runs, (r) => (r.genCpuSeconds === undefined ? undefined : r.genCpuSeconds / r.seconds)),
    storeCpuSeconds: opt(runs, (r) => r.storeCpuSeconds),
    rssMB: opt(runs, (r) => r.rssMB),
  };
}

const r2 = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 100) / 100);
const r0 = (x: number) => Math.round(x);

function systemJson(s: Summary, idle: boolean): Record<string, unknown> {
  return {
    eventsPerSec: idle ? null : r0(s.eventsPerSec),
    eventsPerSecMin: idle ? null : r0(s.eventsPerSecMin),
    eventsPerSecMax: idle ? null : r0(s.eventsPerSecMax),
    cpuSeconds: r2(s.cpuSeconds),
    peakRssMB: r2(s.peakRssMB),
    ...(s.rssMB !== undefined ? { rssMB: r2(s.rssMB) } : {}),
    ...(s.requestsPerSec !== undefined ? { requestsPerSec: r0(s.requestsPerSec) } : {}),
    ...(s.storeCpuSeconds !== undefined ? { storeCpuSeconds: r2(s.storeCpuSeconds) } : {}),
    ...(s.genCpuShare !== undefined ? { generatorCpuShare: r2(s.genCpuShare) } : {}),
  };
}

export function toJson(r: ScenarioResult): Record<string, unknown> {
  const idle = r.scenario.idle === true;
  const o: Record<string, unknown> = {
    scenario: r.scenario.name,
    events: r.events,
    runs: r.ours.runs.length,
    ...systemJson(r.ours, idle),
    baselineEventsPerSec: idle ? null : r0(r.baseline.eventsPerSec),
    ratioToBaseline: idle ? null : r2(median(r.ratios)),
    unit: r.scenario.unit,
    cpuMicrosPerEvent: idle ? null : r2((r.ours.cpuSeconds / r.events) * 1e6),
    generatorCpuSeconds: r2(r.ours.genCpuSeconds) ?? null,
    generatorCpuShare: r2(r.ours.genCpuShare) ?? null,
    baseline: { label: r.scenario.baselineLabel, ...systemJson(r.baseline, idle) },
  };
  if (idle) o.rssRatioToBaseline = r2((r.ours.rssMB ?? 0) / (r.baseline.rssMB ?? 1));
  for (const [engine, s] of Object.entries(r.foreign)) {
    o[engine === 'fluent-bit' ? 'fluentBit' : engine] = 'error' in s! ? s : systemJson(s!, idle);
  }
  return o;
}

const fmtInt = (x: number) => Math.round(x).toLocaleString('en-US');
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function row(label: string, s: Summary, r: ScenarioResult, note = ''): string {
  const idle = r.scenario.idle === true;
  const rate = idle
    ? lpad(`${(s.rssMB ?? 0).toFixed(1)} MB`, 12) + pad('  (RSS now)', 28)
    : lpad(fmtInt(s.eventsPerSec), 12) +
      pad(`  (${fmtInt(s.eventsPerSecMin)} – ${fmtInt(s.eventsPerSecMax)})`, 28);
  const perEvent = idle ? '' : ((s.cpuSeconds / r.events) * 1e6).toFixed(2);
  return (
    `  ${pad(label, 11)}${rate}${lpad(s.cpuSeconds.toFixed(2), 8)}${lpad(perEvent, 10)}` +
    `${lpad(`${s.peakRssMB.toFixed(1)} MB`, 11)}${note ? `   ${note}` : ''}`
  );
}

export function toText(r: ScenarioResult): string {
  const sc = r.scenario;
  const idle = sc.idle === true;
  const lines = [
    `${sc.name} — ${sc.title}`,
    idle
      ? `  ${r.ours.runs.length} run(s)`
      : `  ${fmtInt(r.events)} ${sc.unit} × ${r.ours.runs.length} run(s)`,
    `  ${pad('', 11)}${lpad(idle ? 'memory' : `${sc.unit}/s`, 12)}${pad(idle ? '' : '  (min – max)', 28)}` +
      `${lpad('cpu s', 8)}${lpad(idle ? '' : 'µs/event', 10)}${lpad('peak RSS', 11)}`,
    row('tributary', r.ours, r),
    row('baseline', r.baseline, r, sc.baselineLabel),
  ];
  for (const [engine, s] of Object.entries(r.foreign)) {
    lines.push('error' in s! ? `  ${pad(engine, 11)}failed: ${s.error}` : row(engine, s!, r));
  }
  const notes: string[] = [];
  if (idle) notes.push(`RSS ratio to baseline ${((r.ours.rssMB ?? 0) / (r.baseline.rssMB ?? 1)).toFixed(2)}`);
  else notes.push(`ratio to baseline ${median(r.ratios).toFixed(3)}`);
  if (r.ours.requestsPerSec !== undefined)
    notes.push(
      `requests/s ${fmtInt(r.ours.requestsPerSec)} (baseline ${fmtInt(r.baseline.requestsPerSec ?? 0)})`,
    );
  if (r.ours.genCpuSeconds !== undefined) {
    const share = (s: Summary) => `${Math.round((s.genCpuShare ?? 0) * 100)}%`;
    notes.push(
      `generator CPU ${r.ours.genCpuSeconds.toFixed(2)} s (${share(r.ours)} of the window; ` +
        `${share(r.baseline)} in the baseline's)`,
    );
  }
  if (r.ours.storeCpuSeconds !== undefined)
    notes.push(`td-server CPU ${r.ours.storeCpuSeconds.toFixed(2)} s (baseline: cpu s above is td-server's)`);
  lines.push(`  ${notes.join(' · ')}`);
  return lines.join('\n');
}
