// The supervisor: checks the config, logs the config dump, and runs N worker processes with
// node:cluster (so listening sockets are shared among workers, like Fluentd's socket manager).
//
//   TERM / INT  graceful stop: TERM to every worker, exit when they are gone
//   USR1        reopen our log file; forward to workers (they flush)
//   HUP / USR2  re-read and check the config; if it is bad, log why and keep everything
//               running; if good, workers reload in-process (USR2)
//   worker exit code 2 (config error) stops the supervisor; other exits respawn the worker.
//
// Memory (issue 9): the supervisor imports no plugin, engine or msgpack code. The check
// (parse, configure every plugin, render the dump with secrets masked) runs in a short-lived
// child — the same CLI with --supervisor-check, see check-protocol below — so the plugin
// modules it needs are freed with it instead of staying in a process that only waits for
// signals. That costs one extra node start (~0.15 s) at startup and on reload.
//
//   check-protocol: the child sends one IPC message and exits
//     { ok: true, workers, dump, suppress, restartInterval }
//     { ok: false, lines: [log lines of the config error report], detail: 'error text' }

import { fork } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../core/log.js';

export interface SupervisorOptions {
  configPath: string;
  log: Logger;
  /** argv for the worker processes (the same command line plus --under-supervisor). */
  workerArgs: string[];
  workerScript: string;
  version: string;
}

export interface CheckResult {
  workers: number;
  dump: string;
  suppress: boolean;
  restartInterval: number;
}

export type CheckMessage = ({ ok: true } & CheckResult) | { ok: false; lines: string[]; detail: string };

/** Raised when the check child reports a config error: the report lines and the error text. */
class CheckFailed extends Error {
  constructor(
    readonly lines: string[],
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Runs the check child; resolves with its result or rejects with CheckFailed. */
function check(o: SupervisorOptions): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    const child = fork(o.workerScript, [...o.workerArgs, '--supervisor-check'], {
      // The supervisor's node flags, except a debugger port the workers get (cluster moves it).
      execArgv: process.execArgv.filter((a) => !a.startsWith('--inspect')),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let reply: CheckMessage | undefined;
    child.on('message', (m) => {
      reply = m as CheckMessage;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!reply) {
        const why = `the config check exited with ${code ?? signal} and no result`;
        reject(new CheckFailed([], why));
      } else if (reply.ok) {
        const { ok: _ok, ...result } = reply;
        resolve(result);
      } else reject(new CheckFailed(reply.lines, reply.detail));
    });
  });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function runSupervisor(o: SupervisorOptions): Promise<void> {
  const log = o.log;
  let conf: CheckResult;
  try {
    conf = await check(o);
  } catch (e) {
    if (e instanceof CheckFailed && e.lines.length > 0) for (const line of e.lines) log.sink.write(line);
    else log.error('config check failed', { file: o.configPath, error: errorText(e) });
    process.exit(1);
  }
  log.info('parsing config file is succeeded', { path: o.configPath });
  if (!conf.suppress) log.info(`using configuration file: ${conf.dump}`);
  log.info(`starting tributary-${o.version}`, { pid: process.pid, node: process.version });

  cluster.setupPrimary({
    exec: o.workerScript,
    args: [...o.workerArgs, '--under-supervisor'],
  });
  const workers = new Map<number, Worker>();
  // USR1/USR2 reach a worker only once it has installed its handlers (it says so with a
  // 'signals-ready' message); until then Node's defaults would open the inspector or kill it.
  const held = new Map<Worker, NodeJS.Signals[]>();
  const signal = (w: Worker, sig: NodeJS.Signals) => {
    const queue = held.get(w);
    if (queue) queue.push(sig);
    else w.process.kill(sig);
  };
  let stopping = false;

  const spawn = (id: number) => {
    log.info('spawn command to main', { worker: id });
    const w = cluster.fork({ SERVERENGINE_WORKER_ID: String(id) });
    workers.set(id, w);
    held.set(w, []);
    w.on('message', (m: unknown) => {
      if ((m as { type?: string } | null)?.type !== 'signals-ready') return;
      const queue = held.get(w) ?? [];
      held.delete(w);
      for (const sig of queue) w.process.kill(sig);
    });
    w.on('exit', (code, signal) => {
      workers.delete(id);
      held.delete(w);
      const status = code ?? signal;
      if (stopping) {
        log.info(`Worker ${id} finished with status ${status}`);
        if (workers.size === 0) process.exit(0);
        return;
      }
      log.warn(`Worker ${id} finished unexpectedly with status ${status}`);
      if (code === 2) {
        log.error('worker failed with a configuration error; stopping');
        stopping = true;
        for (const other of workers.values()) other.process.kill('SIGTERM');
        if (workers.size === 0) process.exit(1);
        return;
      }
      // Not unref'd: with no worker left, this timer is what keeps the supervisor alive.
      setTimeout(() => {
        if (!stopping) spawn(id);
      }, conf.restartInterval);
    });
  };
  for (let i = 0; i < conf.workers; i++) spawn(i);

  const stop = () => {
    if (stopping) return;
    stopping = true;
    log.info('Received graceful stop');
    if (workers.size === 0) process.exit(0);
    for (const w of workers.values()) w.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGUSR1', () => {
    log.sink.reopen();
    for (const w of workers.values()) signal(w, 'SIGUSR1');
  });
  // One check at a time; a signal during a check queues one more (the file may have changed).
  let checking: Promise<void> | undefined;
  let again = false;
  const reload = () => {
    if (checking) {
      again = true;
      return;
    }
    checking = reloadOnce().finally(() => {
      checking = undefined;
      if (again && !stopping) {
        again = false;
        reload();
      }
    });
  };
  const reloadOnce = async () => {
    log.info('Reloading new config');
    try {
      const next = await check(o);
      if (stopping) return;
      if (next.workers !== conf.workers) {
        log.warn('the number of workers changed; restart td-agent to apply it', {
          from: conf.workers,
          to: next.workers,
        });
      }
      conf = { ...next, workers: conf.workers };
      if (!conf.suppress) log.info(`using configuration file: ${conf.dump}`);
    } catch (e) {
      log.error(`Failed to reload config file: ${errorText(e)}`);
      return;
    }
    for (const w of workers.values()) signal(w, 'SIGUSR2');
  };
  process.on('SIGHUP', reload);
  process.on('SIGUSR2', reload);
}
