// The idle scenario: memory of a daemon that has started and then waited `idleSeconds`
// (issue 9: 10 s) with nothing to do. Waiting is the measurement itself here, not a way to
// synchronise. Ours runs as `npm start` runs it: the default config (etc/td-agent.conf, ports
// moved to free ones, relative paths landing in the run dir) with its supervisor, so RSS is the
// sum of the supervisor and its worker, like "Fluentd: 74 MB (two processes)".
//
// Baseline: a bare `node` process that only keeps an interval timer alive.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type EngineName, startEngine } from './engines.js';
import type { Measurement } from './measure.js';
import { Child, cpuSeconds, peakRssMB, processTree, ROOT, rssMB } from './proc.js';
import type { RunCtx } from './scenario.js';
import { freePort } from './template.js';

async function defaultConf(dir: string): Promise<string> {
  const text = fs.readFileSync(path.join(ROOT, 'etc', 'td-agent.conf'), 'utf8');
  const ports: number[] = [];
  for (const _ of text.matchAll(/^\s*port\s+\d+/gm)) ports.push(await freePort());
  let i = 0;
  const conf = path.join(dir, 'td-agent.conf');
  fs.writeFileSync(
    conf,
    text.replace(/^(\s*port\s+)\d+/gm, (_, head: string) => `${head}${ports[i++]}`),
  );
  return conf;
}

async function idleFor(child: Child, seconds: number, pids: () => number[]): Promise<Measurement> {
  const cpu0 = cpuSeconds(pids());
  await new Promise((r) => setTimeout(r, seconds * 1000));
  if (child.exitCode !== undefined) throw new Error(`exited while idle\n${child.output}`);
  const now = pids();
  return {
    events: 0,
    seconds,
    eventsPerSec: 0,
    cpuSeconds: cpuSeconds(now) - cpu0,
    peakRssMB: peakRssMB(now),
    rssMB: rssMB(now),
  };
}

export function idleRun(seconds: () => number) {
  return async (ctx: RunCtx, engine: EngineName): Promise<Measurement> => {
    if (engine !== 'tributary') {
      const vars = {
        DIR: ctx.dir,
        PORT: await freePort(),
        HTTP_PORT: await freePort(),
        MONITOR_PORT: await freePort(),
      };
      const e = await startEngine(engine, 'idle', ctx.dir, vars);
      try {
        return await idleFor(e.child, seconds(), e.pids);
      } finally {
        await e.stop();
      }
    }
    const conf = await defaultConf(ctx.dir);
    const child = Child.node('src/cli/td-agent.js', ['-c', conf], {
      cwd: ctx.dir,
      log: path.join(ctx.dir, 'td-agent.log'),
      env: {
        TD_API_KEY: '1/bench-idle',
        TD_ENDPOINT: 'http://127.0.0.1:9',
        TRIBUTARY_VAR: path.join(ctx.dir, 'var'),
      },
    });
    try {
      await child.waitOutput(/fluentd worker is now running/, 'td-agent with the default config to start');
      return await idleFor(child, seconds(), () => processTree(child.pid));
    } finally {
      await child.stop();
    }
  };
}

export function idleBaseline(seconds: () => number) {
  return async (): Promise<Measurement> => {
    const child = new Child(
      spawn(process.execPath, ['-e', "setInterval(() => {}, 1 << 30); console.log('ready')"], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    try {
      await child.waitOutput(/ready/, 'the idle node process to start');
      return await idleFor(child, seconds(), () => [child.pid]);
    } finally {
      await child.stop();
    }
  };
}
