// One timed window. Everything is set up before it opens (daemon ready, generator connected
// with its batches encoded); the window opens when the load is triggered and closes when the
// system's own counter reaches the target:
//
//   cpu0 = cpu(pids); t0 = now; trigger()      ...poll counter (5–50 ms)...       count >= target
//                                                                                 t1 = now; cpu1; VmHWM
//   events/s = events / (t1 - t0)      cpu = cpu1 - cpu0 (user+sys of the measured processes)
//
// `steady` windows (a load that starts by itself, such as in_sample) open at the first
// non-zero count instead and need `events` more.

import type { Counter } from './counters.js';
import { type Child, cpuSeconds, peakRssMB } from './proc.js';

export interface Measurement {
  events: number;
  seconds: number;
  eventsPerSec: number;
  cpuSeconds: number;
  peakRssMB: number;
  /** The load generator's own CPU seconds and wall time (it must not be the bottleneck). */
  genCpuSeconds?: number;
  genWallSeconds?: number;
  /** HTTP scenarios: requests/s. */
  requestsPerSec?: number;
  /** tdlog scenarios: td-server's CPU seconds in the same window. */
  storeCpuSeconds?: number;
  /** idle: current RSS (MB) at the end of the idle period. */
  rssMB?: number;
}

export interface Window {
  events: number;
  pids: () => number[];
  counter: Counter;
  /** Counter value that means "all delivered" (default: events). */
  target?: number;
  trigger?: () => void;
  /** A generator that reports {type:"done"} with its CPU; waited for after the window. */
  gen?: Child;
  steady?: boolean;
  /** Give up when the count has not moved for this long. */
  stallMs?: number;
  /** Throws if a process under test has died (called on every poll). */
  check?: () => void;
}

/**
 * Poll schedule. Every poll is an HTTP request the daemon under test serves inside the window
 * (its CPU counts), so while the target is far the counter is read sparsely, and densely as it
 * nears: the next read comes after a quarter of the time the rate so far predicts is left,
 * between POLL_MIN_MS and POLL_MAX_MS. The end is therefore seen within ~POLL_MIN_MS (plus one
 * request) unless the rate jumps more than 4× in the last stretch — tighter than a fixed 20 ms.
 */
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 50;
const POLL_FIRST_MS = 20;

function nextPollMs(count: number, target: number, startCount: number, elapsedMs: number): number {
  const done = count - startCount;
  if (done <= 0 || elapsedMs <= 0) return POLL_FIRST_MS;
  const leftMs = ((target - count) * elapsedMs) / done;
  return Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, leftMs / 4));
}

export async function measure(w: Window): Promise<Measurement> {
  const stallMs = w.stallMs ?? 30_000;
  const genDone = w.gen?.message<{ cpuSeconds: number; wallSeconds: number }>('done', 3_600_000);
  genDone?.catch(() => {}); // awaited below; a failure surfaces there
  let target = w.target ?? w.events;
  let count = 0;
  let lastMove = Date.now();
  /** When (performance.now()) and at which count the timed part began; undefined before. */
  let since: { t: number; count: number } | undefined;
  const poll = async (until: (n: number) => boolean, what: string): Promise<void> => {
    let lastError = '';
    for (;;) {
      w.check?.();
      // A failed read (a busy daemon's monitor port) counts as no progress, not as the end.
      const n = await w.counter.read().catch((e: Error) => {
        lastError = ` (last read failed: ${e.message})`;
        return count;
      });
      if (n !== count) lastMove = Date.now();
      count = n;
      if (until(n)) return;
      if (Date.now() - lastMove > stallMs)
        throw new Error(`stalled: ${w.counter.what} = ${n}, waiting for ${what}${lastError}`);
      const wait = since
        ? nextPollMs(count, target, since.count, performance.now() - since.t)
        : POLL_FIRST_MS;
      await new Promise((r) => setTimeout(r, wait));
    }
  };
  if (w.steady) {
    await poll((n) => n > 0, 'the first delivered event');
    target = count + w.events;
  }
  const cpu0 = cpuSeconds(w.pids());
  const t0 = performance.now();
  since = { t: t0, count };
  w.trigger?.();
  await poll((n) => n >= target, `${target}`);
  const seconds = (performance.now() - t0) / 1000;
  const pids = w.pids();
  const m: Measurement = {
    events: w.events,
    seconds,
    eventsPerSec: w.events / seconds,
    cpuSeconds: cpuSeconds(pids) - cpu0,
    peakRssMB: peakRssMB(pids),
  };
  if (genDone) {
    const d = await genDone;
    m.genCpuSeconds = d.cpuSeconds;
    m.genWallSeconds = d.wallSeconds;
  }
  return m;
}
