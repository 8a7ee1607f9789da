// Loading a config for the supervisor, a worker or --dry-run: parse the file (with -i inline
// config appended), read <system>, apply CLI overrides, import the plugins the config names
// (the registry's lazy entries: PluginRegistry.preload), and configure an Engine (pure).

import * as os from 'node:os';
import type { ConfigElement } from '../config/element.js';
import { loadConfigFile } from '../config/parser.js';
import { Logger, LogSink } from '../core/log.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { SystemConfig } from '../plugin/types.js';
import { Engine } from './engine.js';
import { readSystemParams, type SystemParams, toSystemConfig } from './system-config.js';

export interface LoadOptions {
  configPath: string;
  inline?: string | undefined;
  registry: PluginRegistry;
  /** undefined in the supervisor (`#{worker_id}` evaluates to ''). */
  workerId?: number | undefined;
  /** CLI values that override <system>. */
  overrides?: {
    logLevel?: string | undefined;
    workers?: number | undefined;
    withoutSource?: boolean | undefined;
    strictConfigValue?: boolean | undefined;
    suppressConfigDump?: boolean | undefined;
  };
  warn?: (message: string) => void;
}

export interface Loaded {
  root: ConfigElement;
  systemParams: Partial<SystemParams>;
  system: SystemConfig;
}

/** Parses the config and resolves the plugin types it names, so Engine construction is sync. */
export async function loadConfig(o: LoadOptions): Promise<Loaded> {
  const root = loadConfigFile(o.configPath, {
    workerId: o.workerId === undefined ? '' : String(o.workerId),
    hostname: os.hostname(),
    env: process.env,
    ...(o.inline ? { inline: o.inline } : {}),
    ...(o.warn ? { warn: o.warn } : {}),
  });
  const systemParams = readSystemParams(root, {
    strict: o.overrides?.strictConfigValue ?? false,
  }) as Partial<SystemParams>;
  const system = toSystemConfig(systemParams);
  const ov = o.overrides ?? {};
  if (ov.logLevel) system.logLevel = ov.logLevel;
  if (ov.workers) system.workers = ov.workers;
  if (ov.withoutSource) system.withoutSource = true;
  if (ov.strictConfigValue) system.strictConfigValue = true;
  if (ov.suppressConfigDump) system.suppressConfigDump = true;
  await o.registry.preload(root);
  return { root, systemParams, system };
}

/**
 * Configure (without starting) the pipeline of every worker. Worker 0 logs to `log` when given
 * (--dry-run shows deprecation warnings and the `adding match` lines); the others discard.
 */
export function checkConfig(loaded: Loaded, registry: PluginRegistry, log?: Logger): Engine[] {
  const engines: Engine[] = [];
  for (let w = 0; w < loaded.system.workers; w++) {
    const sink = new LogSink();
    sink.captured = [];
    const root = w === 0 ? loaded.root : loaded.root.clone();
    const wlog = w === 0 && log ? log : new Logger({ sink, level: 'error' });
    engines.push(new Engine(root, { registry, log: wlog, system: loaded.system, workerId: w }));
  }
  return engines;
}
