// `td-agent` / `fluentd`: the collector daemon's command line (spec core §6.3).
//
// Without --no-supervisor this process is the supervisor and the workers are cluster
// children started with the same argv plus --under-supervisor. The supervisor checks the
// config in a child started with --supervisor-check (engine/supervisor.ts).
//
// Memory (issue 9): each mode imports only what it runs (dynamic imports below), so the
// supervisor never loads the engine, plugins or msgpack, and a worker loads only the plugins
// its config names (plugins/lazy.ts).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { Logger, type LogLevel, LogSink } from '../core/log.js';
import type { LoadOptions } from '../engine/load.js';
import type { CheckMessage } from '../engine/supervisor.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { SAMPLE_CONFIG } from './sample-config.js';
import { FLUENTD_COMPAT, VERSION } from './version.js';

const LEVELS: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

// Options, in the order `--help` lists them. Parsed with node:util parseArgs, not commander:
// commander costs ~4 MB RSS in every process (supervisor, worker, check child) — issue 9.
const OPTIONS = {
  config: { type: 'string', short: 'c' },
  'inline-config': { type: 'string', short: 'i' },
  plugin: { type: 'string', short: 'p', multiple: true },
  log: { type: 'string', short: 'o' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  quiet: { type: 'boolean', short: 'q', multiple: true },
  daemon: { type: 'string', short: 'd' },
  setup: { type: 'string', short: 's' },
  'dry-run': { type: 'boolean' },
  'no-supervisor': { type: 'boolean' },
  workers: { type: 'string' },
  'suppress-config-dump': { type: 'boolean' },
  'strict-config': { type: 'boolean' },
  'strict-config-value': { type: 'boolean' },
  'without-source': { type: 'boolean' },
  'under-supervisor': { type: 'boolean' },
  'supervisor-check': { type: 'boolean' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const HELP = `Usage: td-agent [options]

Tributary td-agent: a Fluentd-compatible log collector

Options:
  -c, --config <path>           config file (default: $FLUENT_CONF or /etc/td-agent/td-agent.conf)
  -i, --inline-config <config>  inline config appended to the config file
  -p, --plugin <dir>            load plugins (compiled JS modules) from this directory
  -o, --log <path>              log file (default: stdout)
  -v, --verbose                 increase verbosity (-v debug, -vv trace)
  -q, --quiet                   decrease verbosity (-q warn, -qq error)
  -d, --daemon <pidfile>        daemonize and write the supervisor pid to this file
  -s, --setup [dir]             write a sample config to DIR/td-agent.conf (fluentd: fluent.conf) and exit
  --dry-run                     check the configuration and exit
  --no-supervisor               run in one process without a supervisor
  --workers <n>                 number of worker processes
  --suppress-config-dump        do not log the configuration at startup
  --strict-config               unknown parameters and sections are errors
  --strict-config-value         raise on lenient integer/float/bool conversions
  --without-source              start without inputs
  --version                     output the version number
  -h, --help                    display help for command
`;

/** `-s`/`--setup` takes an optional DIR: without one (end, or an option next) it is ''. */
function withOptionalSetupDir(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    out.push(a);
    if ((a === '-s' || a === '--setup') && (i + 1 >= argv.length || argv[i + 1]!.startsWith('-')))
      out.push('');
  }
  return out;
}

function parseOptions() {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: withOptionalSetupDir(process.argv.slice(2)), options: OPTIONS }));
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    process.exit(1);
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (values.version) {
    console.log(`tributary td-agent ${VERSION} (fluentd ${FLUENTD_COMPAT} compatible)`);
    process.exit(0);
  }
  return {
    config: values.config,
    inlineConfig: values['inline-config'],
    plugin: values.plugin ?? [],
    log: values.log,
    verbose: values.verbose?.length ?? 0,
    quiet: values.quiet?.length ?? 0,
    daemon: values.daemon,
    /** undefined: not given; '': given without a directory. */
    setup: values.setup,
    dryRun: values['dry-run'],
    supervisor: values['no-supervisor'] !== true,
    workers: values.workers === undefined ? undefined : Number.parseInt(values.workers, 10),
    suppressConfigDump: values['suppress-config-dump'],
    strictConfig: values['strict-config'],
    strictConfigValue: values['strict-config-value'],
    withoutSource: values['without-source'],
    underSupervisor: values['under-supervisor'],
    supervisorCheck: values['supervisor-check'],
  };
}

const opts = parseOptions();

function cliLogLevel(): LogLevel | undefined {
  if (!opts.verbose && !opts.quiet) return undefined;
  const i = Math.max(0, Math.min(LEVELS.length - 1, 2 - opts.verbose + opts.quiet));
  return LEVELS[i];
}

async function main(): Promise<void> {
  if (opts.setup !== undefined) {
    // Invoked as td-agent: /etc/td-agent/td-agent.conf (the td-agent package layout);
    // as fluentd: /etc/fluent/fluent.conf.
    const asTdAgent = !path.basename(process.argv[1] ?? '').startsWith('fluentd');
    const dir = opts.setup !== '' ? opts.setup : asTdAgent ? '/etc/td-agent' : '/etc/fluent';
    fs.mkdirSync(path.join(dir, 'plugin'), { recursive: true });
    const file = path.join(dir, asTdAgent ? 'td-agent.conf' : 'fluent.conf');
    if (fs.existsSync(file)) {
      console.error(`${file} already exists.`);
      process.exit(1);
    }
    fs.writeFileSync(file, SAMPLE_CONFIG);
    console.log(`Installed ${file}.`);
    return;
  }
  const configPath = opts.config ?? process.env.FLUENT_CONF ?? '/etc/td-agent/td-agent.conf';
  if (opts.daemon) return daemonize(opts.daemon);

  const workerIdEnv = process.env.SERVERENGINE_WORKER_ID;
  const workerId = opts.underSupervisor && workerIdEnv ? Number(workerIdEnv) : 0;
  // The check child reports to the supervisor only (CheckMessage), never to the log.
  const sink = opts.supervisorCheck ? new LogSink() : new LogSink(opts.log);
  if (opts.supervisorCheck) sink.captured = [];
  const log = new Logger({
    sink,
    level: cliLogLevel() ?? 'info',
    ...(opts.underSupervisor ? { workerId } : {}),
  });
  if (
    !opts.underSupervisor &&
    opts.supervisor &&
    !opts.dryRun &&
    !opts.supervisorCheck &&
    !opts.strictConfig
  ) {
    return supervise(configPath, log);
  }
  let registry: PluginRegistry;
  try {
    registry = await pluginRegistry(log);
  } catch (e) {
    if (opts.supervisorCheck) {
      const detail = e instanceof Error ? e.message : String(e);
      const reply: CheckMessage = { ok: false, lines: sink.captured ?? [], detail };
      process.send?.(reply, () => process.exit(0));
      return;
    }
    process.exit(opts.underSupervisor ? 2 : 1);
  }
  const load: LoadOptions = {
    configPath,
    inline: opts.inlineConfig,
    registry,
    overrides: {
      logLevel: cliLogLevel(),
      workers: opts.workers,
      withoutSource: opts.withoutSource,
      strictConfigValue: opts.strictConfigValue,
      suppressConfigDump: opts.suppressConfigDump,
    },
  };
  const { checkConfig, loadConfig } = await import('../engine/load.js');
  const { reportConfigError } = await import('../engine/report.js');
  const { formatWarning } = await import('../engine/unused.js');

  if (opts.supervisorCheck) return supervisorCheck(load);

  if (opts.dryRun) {
    log.info(`starting tributary-${VERSION} as dry run mode`, { node: process.version });
    try {
      const loaded = await loadConfig({ ...load, warn: (m) => log.warn(m) });
      const strict = opts.strictConfig || loaded.systemParams.strict_config === true;
      const engines = checkConfig(loaded, registry, log);
      const warnings = engines[0]?.warnings ?? [];
      for (const w of warnings) log.warn(formatWarning(w));
      if (strict && warnings.length > 0) {
        log.error(`${warnings.length} unused parameter(s) or section(s) with --strict-config`);
        process.exit(1);
      }
    } catch (e) {
      reportConfigError(log, configPath, e);
      process.exit(1);
    }
    log.info('finished dry run mode');
    return;
  }

  if (opts.strictConfig && !opts.underSupervisor) {
    try {
      const engines = checkConfig(await loadConfig(load), registry);
      const warnings = engines[0]?.warnings ?? [];
      if (warnings.length > 0) {
        for (const w of warnings) log.error(formatWarning(w));
        process.exit(1);
      }
    } catch (e) {
      reportConfigError(log, configPath, e);
      process.exit(1);
    }
    if (opts.supervisor) return supervise(configPath, log);
  }

  if (!opts.supervisor && opts.workers && opts.workers > 1) {
    console.error('Error: multi workers is not supported with --no-supervisor');
    process.exit(2);
  }
  const { runWorker } = await import('../engine/worker.js');
  await runWorker({ ...load, log, registry, workerId, supervised: opts.underSupervisor === true });
}

/** The built-in plugins (lazy) plus those of every -p DIR; a DIR that fails is logged, then thrown. */
async function pluginRegistry(log: Logger): Promise<PluginRegistry> {
  const { lazyBuiltinRegistry } = await import('../plugins/lazy.js');
  const registry = lazyBuiltinRegistry();
  for (const dir of opts.plugin) {
    try {
      const n = await registry.loadDir(dir);
      log.info('loaded plugins', { dir, count: n });
    } catch (e) {
      log.error('failed to load plugins', { dir, error: e as Error });
      throw e;
    }
  }
  return registry;
}

async function supervise(configPath: string, log: Logger): Promise<void> {
  const { runSupervisor } = await import('../engine/supervisor.js');
  await runSupervisor({
    configPath,
    log,
    workerScript: fileURLToPath(import.meta.url),
    workerArgs: process.argv.slice(2),
    version: VERSION,
  });
}

/** --supervisor-check: check the config for the supervisor and send it a CheckMessage. */
async function supervisorCheck(load: LoadOptions): Promise<void> {
  const { checkConfig, loadConfig } = await import('../engine/load.js');
  const { describeError, reportConfigError } = await import('../engine/report.js');
  const { dumpConfig } = await import('../config/dump.js');
  let reply: CheckMessage;
  try {
    const loaded = await loadConfig(load);
    checkConfig(loaded, load.registry);
    reply = {
      ok: true,
      workers: loaded.system.workers,
      dump: dumpConfig(loaded.root, (el, key) => el.secrets?.has(key) ?? false).trimEnd(),
      suppress: loaded.system.suppressConfigDump,
      restartInterval: (loaded.systemParams.restart_worker_interval ?? 0) * 1000,
    };
  } catch (e) {
    const sink = new LogSink();
    sink.captured = [];
    reportConfigError(new Logger({ sink, level: 'error' }), load.configPath, e);
    reply = { ok: false, lines: sink.captured, detail: describeError(e) };
  }
  process.send?.(reply, () => process.exit(0));
}

/** Start the same command detached (without -d), write its pid, and return. */
function daemonize(pidfile: string): void {
  const args = process.argv
    .slice(2)
    .filter(
      (a, i, all) =>
        a !== '-d' &&
        a !== '--daemon' &&
        all[i - 1] !== '-d' &&
        all[i - 1] !== '--daemon' &&
        !a.startsWith('--daemon='),
    );
  const out = opts.log ? fs.openSync(opts.log, 'a') : 'ignore';
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.mkdirSync(path.dirname(path.resolve(pidfile)), { recursive: true });
  fs.writeFileSync(pidfile, `${child.pid}\n`);
  child.unref();
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
