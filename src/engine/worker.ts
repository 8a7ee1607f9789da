// One worker process (or the only process under --no-supervisor): loads the config, runs the
// Engine, and handles signals:
//   SIGTERM (and SIGINT under --no-supervisor)  graceful stop, exit 0
//   SIGUSR1  reopen the log file, flush every buffer now
//   SIGUSR2 / SIGHUP  reload in-process: build the new pipeline first; if that fails the old
//            one keeps running and the reason is logged

import type { Logger } from '../core/log.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { Engine } from './engine.js';
import { type LoadOptions, loadConfig } from './load.js';
import { describeError, reportConfigError } from './report.js';
import { formatWarning } from './unused.js';

export interface WorkerOptions extends LoadOptions {
  log: Logger;
  registry: PluginRegistry;
  workerId: number;
  supervised: boolean;
}

async function build(o: WorkerOptions): Promise<Engine> {
  const loaded = await loadConfig(o);
  o.log.level = loaded.system.logLevel as Logger['level'];
  const engine = new Engine(loaded.root, {
    registry: o.registry,
    log: o.log,
    system: loaded.system,
    workerId: o.workerId,
  });
  if (o.workerId === 0) for (const w of engine.warnings) o.log.warn(formatWarning(w));
  return engine;
}

export async function runWorker(o: WorkerOptions): Promise<void> {
  const log = o.log;
  let engine: Engine;
  try {
    engine = await build(o);
  } catch (e) {
    reportConfigError(log, o.configPath, e);
    process.exit(2);
  }
  // Plugin timers are unref'd; this one keeps a running daemon alive until it stops.
  const keepAlive = setInterval(() => {}, 1 << 30);

  let busy: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void>) => {
    busy = busy.then(fn, fn);
    return busy;
  };
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log.info('fluentd worker is now stopping', { worker: o.workerId });
    void serial(async () => {
      log.info('shutting down fluentd worker', { worker: o.workerId });
      await engine.stop();
      clearInterval(keepAlive);
      log.sink.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', o.supervised ? () => {} : stop);
  process.on('SIGUSR1', () => {
    void serial(async () => {
      log.info('force flushing buffered events');
      log.sink.reopen();
      log.info('flushing all buffer forcedly');
      await engine.flushAll().catch((e) => log.error('flush failed', { error: e as Error }));
    });
  });
  const reload = () => {
    void serial(async () => {
      if (stopping) return;
      log.info('Reloading new config');
      let next: Engine;
      try {
        next = await build(o);
      } catch (e) {
        log.error(`Failed to reload config file: ${describeError(e)}`);
        return;
      }
      log.info('shutting down fluentd worker', { worker: o.workerId });
      await engine.stop();
      engine = next;
      await engine.start();
      log.info('restart fluentd worker', { worker: o.workerId });
    });
  };
  process.on('SIGUSR2', reload);
  process.on('SIGHUP', reload);
  // Under a supervisor, an orphaned worker stops when the supervisor dies.
  if (o.supervised) process.on('disconnect', stop);
  process.send?.({ type: 'signals-ready' });

  // The handlers above are installed before the plugins start (a signal that arrives during
  // start is queued behind it, instead of Node's default action: SIGHUP kills, SIGUSR1 opens
  // the inspector).
  log.info('starting fluentd worker', { pid: process.pid, ppid: process.ppid, worker: o.workerId });
  await serial(async () => {
    try {
      await engine.start();
    } catch (e) {
      log.error('unexpected error on starting plugins', { error: e as Error });
      await engine.stop().catch(() => {});
      process.exit(1);
    }
    log.info('fluentd worker is now running', { worker: o.workerId });
  });
}
