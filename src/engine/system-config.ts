// The <system> section (spec core §8): at most one, top level only. CLI flags override the
// same-named values (see cli/td-agent.ts).

import { ConfigElement } from '../config/element.js';
import { type ConfigureContext, configureParams, p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { defaultSystemConfig } from '../plugin/context.js';
import type { SystemConfig } from '../plugin/types.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export const systemParams = {
  workers: p.integer({ default: 1, desc: 'Number of worker processes.' }),
  restart_worker_interval: p.time({ default: 0, desc: 'Wait before restarting a dead worker.' }),
  root_dir: p.string({ desc: 'Base directory for plugins with @id (file buffers, storage, backups).' }),
  log_level: p.enum(LOG_LEVELS)({ default: 'info', desc: 'Process log level.' }),
  suppress_repeated_stacktrace: p.bool({ desc: 'Print an identical repeated stack trace once.' }),
  ignore_repeated_log_interval: p.time({
    desc: 'Drop identical consecutive log lines within this interval.',
  }),
  ignore_same_log_interval: p.time({ desc: 'Drop identical recent log lines within this interval.' }),
  emit_error_log_interval: p.time({ desc: "Throttle for 'emit transaction failed' lines." }),
  suppress_config_dump: p.bool({ desc: 'Do not log the configuration at startup.' }),
  log_event_verbose: p.bool({ desc: 'Capture startup/shutdown logs as @FLUENT_LOG events.' }),
  without_source: p.bool({ desc: 'Start without inputs (drain buffers).' }),
  rpc_endpoint: p.string({ desc: 'HTTP RPC endpoint (not supported yet).' }),
  enable_get_dump: p.bool({ desc: 'Enable /api/config.getDump.' }),
  process_name: p.string({ desc: 'Process title: supervisor:NAME and worker:NAME.' }),
  file_permission: p.string({ desc: 'Octal permission of files created by plugins.' }),
  dir_permission: p.string({ desc: 'Octal permission of directories created by plugins.' }),
  strict_config_value: p.bool({ desc: 'Raise on lenient integer/float/bool conversions.' }),
  strict_config: p.bool({ desc: 'Unknown parameters are errors (Tributary: --strict-config).' }),
  enable_msgpack_time_support: p.bool({ desc: 'Register the msgpack Timestamp ext type.' }),
  disable_shared_socket: p.bool({ desc: 'Do not share listening sockets among workers.' }),
  enable_input_metrics: p.bool({ desc: 'Count input events and sizes.' }),
  enable_size_metrics: p.bool({ desc: 'Count sizes in metrics.' }),
  enable_jit: p.bool({ default: false, desc: 'Accepted for compatibility; no effect.' }),
  config_include_dir: p.string({ desc: 'Directory whose *.conf files are appended (Fluentd 1.19).' }),
  umask: p.string({ desc: 'Process umask (octal).' }),
  log: p.section(
    {
      path: p.string({ desc: 'Log file path.' }),
      format: p.enum(['text', 'json'] as const)({ default: 'text', desc: 'Log line format.' }),
      time_format: p.string({ default: '%Y-%m-%d %H:%M:%S %z', desc: 'Log time format.' }),
      rotate_age: p.string({ desc: 'Generations to keep, or daily/weekly/monthly.' }),
      rotate_size: p.size({ desc: 'Rotate at this size.' }),
      forced_stacktrace_level: p.string({ desc: 'Log level at which stack traces are always printed.' }),
    },
    { desc: 'Process log settings.' },
  ),
} as const;

export type SystemParams = ReturnType<typeof readSystemParams>;

/** Reads the one <system> section (or defaults). */
export function readSystemParams(root: ConfigElement, ctx: ConfigureContext = {}) {
  const systems = root.children('system');
  if (systems.length > 1) {
    throw new ConfigError('<system> is duplicated. <system> should be only one', { pos: systems[1]!.pos });
  }
  // Without a <system> section the declared defaults apply, as for an empty one.
  const el = systems[0] ?? new ConfigElement('system', '', root.pos);
  el.consumed = true;
  const strict = el.params.get('strict_config_value')?.value === 'true' || ctx.strict;
  return configureParams(el, systemParams, { ...ctx, strict });
}

export function toSystemConfig(s: Partial<SystemParams>): SystemConfig {
  const d = defaultSystemConfig();
  const octal = (v: string | undefined, dflt: number) => (v ? Number.parseInt(v, 8) : dflt);
  if (s.workers !== undefined && s.workers < 1) {
    throw new ConfigError(`invalid number of workers (must be > 0):${s.workers}`);
  }
  return {
    workers: s.workers ?? d.workers,
    rootDir: s.root_dir ?? d.rootDir,
    logLevel: s.log_level ?? d.logLevel,
    strictConfigValue: s.strict_config_value ?? false,
    suppressConfigDump: s.suppress_config_dump ?? false,
    withoutSource: s.without_source ?? false,
    emitErrorLogInterval: s.emit_error_log_interval,
    filePermission: octal(s.file_permission, d.filePermission),
    dirPermission: octal(s.dir_permission, d.dirPermission),
    enableMsgpackTimeSupport: s.enable_msgpack_time_support ?? false,
    processName: s.process_name,
    enableInputMetrics: s.enable_input_metrics ?? false,
    enableSizeMetrics: s.enable_size_metrics ?? false,
  };
}
