// The systems under test. Each scenario ships one config per engine in bench/cases/<scenario>/:
//
//   tributary.conf     node dist/src/cli/td-agent.js --no-supervisor -c <conf>
//   fluentd.conf       $FLUENTD_CMD <conf>         (only when FLUENTD_CMD is set)
//   fluent-bit.conf    $FLUENT_BIT_CMD <conf>      (only when FLUENT_BIT_CMD is set; e.g. "fluent-bit -c")
//
// Ready means: our daemon and Fluentd logged "fluentd worker is now running"; Fluent Bit's
// HTTP server (HTTP_Port {{MONITOR_PORT}}) answers. CPU and RSS are summed over the process
// tree (a foreign command's shell excluded).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TdClient } from '../../src/td/client.js';
import { type Counter, fileLines, fluentBitRecords, monitorEmitRecords, tdTableCount } from './counters.js';
import { Child, processTree, waitFor } from './proc.js';
import { caseFile, type Vars, writeConf } from './template.js';

export type EngineName = 'tributary' | 'fluentd' | 'fluent-bit';

export const FOREIGN: Array<{ engine: EngineName; env: string }> = [
  { engine: 'fluentd', env: 'FLUENTD_CMD' },
  { engine: 'fluent-bit', env: 'FLUENT_BIT_CMD' },
];

export interface Engine {
  readonly name: EngineName;
  readonly child: Child;
  /** The processes to measure (the daemon and its workers). */
  pids(): number[];
  stop(): Promise<void>;
}

let profileDir: string | undefined;

/** `--cpu-prof DIR`: our daemons write V8 CPU profiles there (on their clean exit). */
export function setProfileDir(dir: string): void {
  profileDir = dir;
}

const READY = /fluentd worker is now running/;

export function hasConf(scenario: string, engine: EngineName, suffix = ''): boolean {
  return fs.existsSync(caseFile(scenario, `${engine}${suffix}.conf`));
}

export async function startEngine(
  engine: EngineName,
  scenario: string,
  dir: string,
  vars: Vars,
  suffix = '',
): Promise<Engine> {
  const conf = writeConf(caseFile(scenario, `${engine}${suffix}.conf`), dir, {
    CASE_DIR: caseFile(scenario, ''),
    ...vars,
  });
  const log = path.join(dir, `${engine}${suffix}.log`);
  let child: Child;
  if (engine === 'tributary') {
    const args = ['--no-supervisor', '-c', conf];
    const name = `${scenario}-${path.basename(dir)}${suffix}.cpuprofile`;
    const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', name] : [];
    child = Child.node('src/cli/td-agent.js', args, { log, nodeArgs });
    await child.waitOutput(READY, `td-agent (${path.basename(conf)}) to start`);
  } else {
    const env = FOREIGN.find((f) => f.engine === engine)!.env;
    const cmd = process.env[env];
    if (!cmd) throw new Error(`${env} is not set`);
    child = Child.shell(`${cmd} '${conf}'`, { log });
    if (engine === 'fluentd') await child.waitOutput(READY, `${engine} to start`, 120_000);
    else {
      await waitFor(async () => {
        if (child.exitCode !== undefined) throw new Error(`${engine} exited\n${child.output}`);
        return fetch(`http://127.0.0.1:${vars.MONITOR_PORT}/`).then(
          (r) => r.ok,
          () => false,
        );
      }, `${engine} HTTP server on ${vars.MONITOR_PORT}`);
    }
  }
  const shell = engine === 'tributary' ? undefined : child.pid;
  return {
    name: engine,
    child,
    pids: () => processTree(child.pid).filter((p) => p !== shell),
    async stop() {
      await child.stop();
    },
  };
}

/** Where a scenario's output counts delivered events. */
export type Sink =
  | { kind: 'null' } // the output has @id out (Fluent Bit: the first null output, null.0)
  | { kind: 'file'; dir: string }
  | { kind: 'td'; client: TdClient; db: string; table: string };

export function counterFor(engine: EngineName, sink: Sink, vars: Vars): Counter {
  switch (sink.kind) {
    case 'null':
      return engine === 'fluent-bit'
        ? fluentBitRecords(Number(vars.MONITOR_PORT), 'null.0')
        : monitorEmitRecords(Number(vars.MONITOR_PORT), 'out');
    case 'file':
      return fileLines(sink.dir);
    case 'td':
      return tdTableCount(sink.client, sink.db, sink.table);
  }
}
