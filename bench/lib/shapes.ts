// The scenario shapes: how a load reaches the system under test, and the baselines measured in
// the same run with the same load.
//
//   forward   forward-gen (one TCP connection, PackedForward)  → engine(s) → sink counter
//   http      http-gen (keep-alive connections)                 → engine    → sink counter
//   tail      a pre-written Apache log linked into place        → engine    → sink counter
//   sample    in_sample inside the engine (steady-state window) → engine    → td-server count
//
//   baselines: byte-sink (tcp / http), line-reader, td-import (td-server fed directly)

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ipcCount, tdTableCount } from './counters.js';
import { counterFor, type EngineName, type Engine as Running, type Sink, startEngine } from './engines.js';
import { type Measurement, measure } from './measure.js';
import { Child, cpuSeconds } from './proc.js';
import { writeApacheLog } from './records.js';
import type { RunCtx, Shared } from './scenario.js';
import { startTdServer, TD_DB } from './td-server.js';
import { freePort, type Vars } from './template.js';

type Cleanup = Array<() => unknown>;

async function withCleanup<T>(body: (defer: Cleanup) => Promise<T>): Promise<T> {
  const defer: Cleanup = [];
  try {
    return await body(defer);
  } finally {
    for (const f of defer.reverse()) await f();
  }
}

async function forkReady(
  defer: Cleanup,
  script: string,
  opts: unknown,
): Promise<{ child: Child; ready: any }> {
  const child = Child.fork(script, [JSON.stringify(opts)]);
  defer.push(() => child.stop(5000));
  defer.push(() => child.send({ type: 'close' }));
  const ready = await child.message('ready');
  return { child, ready };
}

/** Per-run vars every config may use. */
async function baseVars(ctx: RunCtx): Promise<Vars> {
  const vars: Vars = {
    DIR: ctx.dir,
    PORT: await freePort(),
    MONITOR_PORT: await freePort(),
    AGG_PORT: await freePort(),
    AGG_MONITOR_PORT: await freePort(),
    TABLE: path
      .basename(ctx.dir)
      .replace(/[^a-z0-9_]/gi, '_')
      .toLowerCase(),
    TD_DB,
  };
  if (ctx.shared.td) {
    vars.TD_ENDPOINT = ctx.shared.td.endpoint;
    vars.TD_APIKEY = ctx.shared.td.apikey;
  }
  fs.mkdirSync(path.join(ctx.dir, 'out'), { recursive: true });
  return vars;
}

/** Where a scenario's events end up, given the run's vars. */
export type SinkOf = (ctx: RunCtx, vars: Vars) => Sink;
export const nullSink: SinkOf = () => ({ kind: 'null' });
export const fileSink: SinkOf = (ctx) => ({ kind: 'file', dir: path.join(ctx.dir, 'out') });
export const tdSink: SinkOf = (ctx, vars) => ({
  kind: 'td',
  client: ctx.shared.td!.client,
  db: TD_DB,
  table: String(vars.TABLE),
});

/** Start the engine(s) of a scenario: confs `<engine><suffix>.conf`, downstream first. */
async function startAll(
  defer: Cleanup,
  scenario: string,
  engine: EngineName,
  ctx: RunCtx,
  vars: Vars,
  suffixes: string[],
): Promise<{ pids: () => number[]; check: () => void }> {
  const running: Running[] = [];
  for (const s of suffixes) {
    const e = await startEngine(engine, scenario, ctx.dir, vars, s);
    defer.push(() => e.stop());
    running.push(e);
  }
  return {
    pids: () => running.flatMap((e) => e.pids()),
    check: () => {
      for (const e of running) {
        if (e.child.exitCode !== undefined)
          throw new Error(`${e.name} exited (${e.child.exitCode}) during the run\n${e.child.output}`);
      }
    },
  };
}

function storePids(ctx: RunCtx): number[] {
  return ctx.shared.td ? [ctx.shared.td.child.pid] : [];
}

export function forwardRun(scenario: string, sink: SinkOf, suffixes = ['']) {
  return (ctx: RunCtx, engine: EngineName): Promise<Measurement> =>
    withCleanup(async (defer) => {
      const vars = await baseVars(ctx);
      const { pids, check } = await startAll(defer, scenario, engine, ctx, vars, suffixes);
      const { child: gen } = await forkReady(defer, 'gen/forward-gen.js', {
        port: vars.PORT,
        tag: ctx.shared.td ? `td.${TD_DB}.${vars.TABLE}` : 'bench.forward',
        events: ctx.events,
        batch: 1000,
      });
      return measureWithStore(ctx, {
        events: ctx.events,
        pids,
        check,
        counter: counterFor(engine, sink(ctx, vars), vars),
        trigger: () => gen.send({ type: 'go' }),
        gen,
      });
    });
}

export interface HttpLoad {
  contentType: string;
  body: string;
  eventsPerRequest: number;
}

export function httpRun(scenario: string, load: HttpLoad, sink: SinkOf = nullSink) {
  return (ctx: RunCtx, engine: EngineName): Promise<Measurement> =>
    withCleanup(async (defer) => {
      const vars = await baseVars(ctx);
      const { pids, check } = await startAll(defer, scenario, engine, ctx, vars, ['']);
      const requests = Math.ceil(ctx.events / load.eventsPerRequest);
      const { child: gen } = await forkReady(defer, 'gen/http-gen.js', {
        port: vars.PORT,
        tag: 'bench.http',
        contentType: load.contentType,
        body: load.body,
        requests,
        conns: 8,
      });
      const events = requests * load.eventsPerRequest;
      const m = await measure({
        events,
        pids,
        check,
        counter: counterFor(engine, sink(ctx, vars), vars),
        trigger: () => gen.send({ type: 'go' }),
        gen,
      });
      m.requestsPerSec = requests / m.seconds;
      return m;
    });
}

export async function prepareTail(scenarioDir: string, lines: number): Promise<Shared> {
  // Shared by all tail scenarios of this invocation (same dir: the suite's).
  const file = path.join(path.dirname(scenarioDir), `access-${lines}.log`);
  writeApacheLog(file, lines);
  return { tailFile: file };
}

export function tailRun(scenario: string, sink: SinkOf) {
  return (ctx: RunCtx, engine: EngineName): Promise<Measurement> =>
    withCleanup(async (defer) => {
      const vars = await baseVars(ctx);
      vars.TAIL_PATH = path.join(ctx.dir, 'access.log');
      const { pids, check } = await startAll(defer, scenario, engine, ctx, vars, ['']);
      return measure({
        events: ctx.events,
        pids,
        check,
        counter: counterFor(engine, sink(ctx, vars), vars),
        // A hard link appears atomically with all its lines, and needs no copy.
        trigger: () => fs.linkSync(ctx.shared.tailFile!, String(vars.TAIL_PATH)),
      });
    });
}

export async function prepareTd(scenarioDir: string): Promise<Shared> {
  return { td: await startTdServer(scenarioDir) };
}

export function sampleRun(scenario: string, sink: SinkOf) {
  return (ctx: RunCtx, engine: EngineName): Promise<Measurement> =>
    withCleanup(async (defer) => {
      const vars = await baseVars(ctx);
      const { pids, check } = await startAll(defer, scenario, engine, ctx, vars, ['']);
      return measureWithStore(ctx, {
        events: ctx.events,
        pids,
        check,
        counter: counterFor(engine, sink(ctx, vars), vars),
        steady: true,
      });
    });
}

/** measure(), plus the store's CPU when a td-server takes part. */
async function measureWithStore(ctx: RunCtx, w: Parameters<typeof measure>[0]): Promise<Measurement> {
  const store = storePids(ctx);
  const c0 = cpuSeconds(store);
  const m = await measure(w);
  if (store.length) m.storeCpuSeconds = cpuSeconds(store) - c0;
  return m;
}

// ---- baselines ----

export async function byteSinkForward(ctx: RunCtx): Promise<Measurement> {
  return withCleanup(async (defer) => {
    const { child: sink, ready } = await forkReady(defer, 'gen/byte-sink.js', { mode: 'tcp' });
    const { child: gen, ready: g } = await forkReady(defer, 'gen/forward-gen.js', {
      port: ready.port,
      tag: 'bench.forward',
      events: ctx.events,
      batch: 1000,
    });
    sink.send({ type: 'expect', n: g.totalBytes });
    return measure({
      events: ctx.events,
      target: g.totalBytes,
      pids: () => [sink.pid],
      counter: ipcCount(sink, 'bytes read by the raw socket reader'),
      trigger: () => gen.send({ type: 'go' }),
      gen,
    });
  });
}

export function byteSinkHttp(load: HttpLoad) {
  return (ctx: RunCtx): Promise<Measurement> =>
    withCleanup(async (defer) => {
      const { child: sink, ready } = await forkReady(defer, 'gen/byte-sink.js', { mode: 'http' });
      const requests = Math.ceil(ctx.events / load.eventsPerRequest);
      const { child: gen, ready: g } = await forkReady(defer, 'gen/http-gen.js', {
        port: ready.port,
        tag: 'bench.http',
        contentType: load.contentType,
        body: load.body,
        requests,
        conns: 8,
      });
      sink.send({ type: 'expect', n: requests, reqBytes: g.reqBytes });
      const m = await measure({
        events: requests * load.eventsPerRequest,
        target: requests,
        pids: () => [sink.pid],
        counter: ipcCount(sink, 'requests answered by the raw socket reader'),
        trigger: () => gen.send({ type: 'go' }),
        gen,
      });
      m.requestsPerSec = requests / m.seconds;
      return m;
    });
}

export async function lineReader(ctx: RunCtx): Promise<Measurement> {
  return withCleanup(async (defer) => {
    const { child } = await forkReady(defer, 'gen/line-reader.js', { file: ctx.shared.tailFile });
    return measure({
      events: ctx.events,
      pids: () => [child.pid],
      counter: ipcCount(child, 'lines split by the plain stream reader'),
      trigger: () => child.send({ type: 'go' }),
    });
  });
}

/** td-server fed directly with out_tdlog-sized imports (8,096 records, 2 at a time). */
export async function tdImport(ctx: RunCtx): Promise<Measurement> {
  const td = ctx.shared.td!;
  const table = `base_run${ctx.run}`;
  await td.client.createLogTable(TD_DB, table);
  return withCleanup(async (defer) => {
    const { child: gen } = await forkReady(defer, 'gen/td-import-gen.js', {
      endpoint: td.endpoint,
      apikey: td.apikey,
      db: TD_DB,
      table,
      events: ctx.events,
      perRequest: 8096,
      concurrency: 2,
    });
    return measure({
      events: ctx.events,
      pids: () => [td.child.pid],
      counter: tdTableCount(td.client, TD_DB, table),
      trigger: () => gen.send({ type: 'go' }),
      gen,
    });
  });
}
