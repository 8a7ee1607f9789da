// The supervisor: checks the config, logs the config dump, and runs N worker processes with
// node:cluster (so listening sockets are shared among workers, like Fluentd's socket manager).
//
//   TERM / INT  graceful stop: TERM to every worker, exit when they are gone
//   USR1        reopen our log file; forward to workers (they flush)
//   HUP / USR2  re-read and check the config; if it is bad, log why and keep everything
//               running; if good, workers reload in-process (USR2)
//   worker exit code 2 (config error) stops the supervisor; other exits respawn the worker.

import cluster, { type Worker } from 'node:cluster';
import { dumpConfig } from '../config/dump.js';
import type { Logger } from '../core/log.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { checkConfig, type LoadOptions, loadConfig } from './load.js';
import { describeError, reportConfigError } from './report.js';

export interface SupervisorOptions extends LoadOptions {
  log: Logger;
  registry: PluginRegistry;
  /** argv for the worker processes (the same command line plus --under-supervisor). */
  workerArgs: string[];
  workerScript: string;
  version: string;
}

/** Load and check; returns the worker count, or throws. */
function check(o: SupervisorOptions): {
  workers: number;
  dump: string;
  suppress: boolean;
  restartInterval: number;
} {
  const loaded = loadConfig(o);
  checkConfig(loaded, o.registry);
  const dump = dumpConfig(loaded.root, (el, key) => el.secrets?.has(key) ?? false).trimEnd();
  return {
    workers: loaded.system.workers,
    dump,
    suppress: loaded.system.suppressConfigDump,
    restartInterval: (loaded.systemParams.restart_worker_interval ?? 0) * 1000,
  };
}

export function runSupervisor(o: SupervisorOptions): void {
  const log = o.log;
  let conf: ReturnType<typeof check>;
  try {
    conf = check(o);
  } catch (e) {
    reportConfigError(log, o.configPath, e);
    process.exit(1);
  }
  log.info('parsing config file is succeeded', { path: o.configPath });
  if (!conf.suppress) log.info(`using configuration file: ${conf.dump}`);
  log.info(`starting tributary-${o.version}`, { pid: process.pid, node: process.version });

  cluster.setupPrimary({ exec: o.workerScript, args: [...o.workerArgs, '--under-supervisor'] });
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
      setTimeout(() => spawn(id), conf.restartInterval).unref();
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
  const reload = () => {
    log.info('Reloading new config');
    try {
      const next = check(o);
      if (next.workers !== conf.workers) {
        log.warn('the number of workers changed; restart td-agent to apply it', {
          from: conf.workers,
          to: next.workers,
        });
      }
      conf = { ...next, workers: conf.workers };
      if (!conf.suppress) log.info(`using configuration file: ${conf.dump}`);
    } catch (e) {
      log.error(`Failed to reload config file: ${describeError(e)}`);
      return;
    }
    for (const w of workers.values()) signal(w, 'SIGUSR2');
  };
  process.on('SIGHUP', reload);
  process.on('SIGUSR2', reload);
}
