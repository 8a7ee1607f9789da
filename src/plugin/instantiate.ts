// Creating one plugin instance from a config element: the step shared by the test drivers and
// nested outputs (copy's <store>), and meant for the engine too.
//
//   instantiatePlugin(registry, 'output', el, opts)
//     1. reserved params: legacy `type` / `id` / `log_level` are renamed to `@type` / `@id` /
//        `@log_level` with Fluentd's warning "'type' is deprecated parameter name. use '@type'
//        instead."
//     2. `@type` is required ("Missing '@type' parameter on <match> directive", or "... in
//        <store> section" for nested outputs) and looked up in the registry
//     3. a PluginContext: `@id`, `@log_level` (a child logger), and `@label` (the emitter becomes
//        that label's emitter, resolved through opts.labelEmitter)
//     4. configure(el) — config errors without a position get the element's position and path
//
// Nothing here does I/O; configure() is pure by contract.

import type { ConfigElement } from '../config/element.js';
import { sectionPath } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { isLogLevel, Logger, type LogLevel } from '../core/log.js';
import { type ContextOptions, makePluginContext } from './context.js';
import type { PluginRegistry } from './registry.js';
import type { Plugin, PluginClass, PluginKind } from './types.js';

const LEGACY_RESERVED: readonly [string, string][] = [
  ['type', '@type'],
  ['id', '@id'],
  ['log_level', '@log_level'],
];

/** Directive names whose missing `@type` is reported "on <x> directive". */
const DIRECTIVES = new Set(['source', 'match', 'filter']);

export interface InstantiateOptions extends ContextOptions {
  /** Section path of the enclosing elements, for messages (`<match copy.**> @type copy`). */
  parents?: string[];
}

/** Renames the legacy reserved keys in place, warning once per key. */
export function normalizeLegacyReserved(el: ConfigElement, warn: (m: string) => void): void {
  for (const [old, now] of LEGACY_RESERVED) {
    const p = el.params.get(old);
    if (!p || el.params.has(now)) continue;
    warn(`'${old}' is deprecated parameter name. use '${now}' instead.`);
    el.params.set(now, p);
    el.params.delete(old);
  }
}

function withPosition(e: unknown, el: ConfigElement, parents: string[]): never {
  if (e instanceof ConfigError && !e.pos) {
    throw new ConfigError(e.detail, { code: e.code, pos: el.pos, section: sectionPath(el, parents) });
  }
  throw e;
}

export function instantiatePlugin<T extends Plugin = Plugin>(
  registry: PluginRegistry,
  kind: PluginKind,
  el: ConfigElement,
  opts: InstantiateOptions = {},
): T {
  const parents = opts.parents ?? [];
  const warn = opts.warn ?? ((m: string) => (opts.log ?? new Logger()).warn(m));
  normalizeLegacyReserved(el, warn);
  const type = el.params.get('@type')?.value;
  if (!type) {
    const msg = DIRECTIVES.has(el.name)
      ? `Missing '@type' parameter on <${el.name}> directive`
      : `Missing '@type' parameter in <${el.name}> section`;
    throw new ConfigError(msg, { pos: el.pos, ...(parents.length ? { section: parents.join(' ') } : {}) });
  }
  let cls: PluginClass;
  try {
    cls = registry.lookup(kind, type);
  } catch (e) {
    withPosition(e, el, parents);
  }
  return createPlugin(cls as PluginClass<T>, el, { ...opts, warn });
}

/**
 * Steps 3 and 4 for a known class (the test drivers start here): context from the reserved
 * params, construct, configure.
 */
export function createPlugin<T extends Plugin>(
  cls: PluginClass<T>,
  el: ConfigElement,
  opts: InstantiateOptions = {},
): T {
  const parents = opts.parents ?? [];
  const baseLog = opts.log ?? new Logger();
  const warn = opts.warn ?? ((m: string) => baseLog.warn(m));
  normalizeLegacyReserved(el, warn);
  const id = el.params.get('@id')?.value ?? undefined;
  const level = el.params.get('@log_level')?.value ?? undefined;
  if (level !== undefined && !isLogLevel(level)) {
    throw new ConfigError(`Unrecognized log level: ${level}`, {
      pos: el.params.get('@log_level')!.pos,
      section: sectionPath(el, parents),
    });
  }
  const label = el.params.get('@label')?.value ?? undefined;
  let emitter = opts.emitter;
  if (label !== undefined && label !== '') {
    if (!opts.labelEmitter) throw new ConfigError(`${label} label not found`, { pos: el.pos });
    try {
      emitter = opts.labelEmitter(label);
    } catch (e) {
      if (e instanceof ConfigError) withPosition(e, el, parents);
      throw new ConfigError((e as Error).message, { pos: el.pos, section: sectionPath(el, parents) });
    }
  }
  const { parents: _parents, ...ctxOpts } = opts;
  const ctx = makePluginContext({
    ...ctxOpts,
    log:
      level !== undefined || id !== undefined
        ? baseLog.child({ level: level as LogLevel | undefined, id })
        : baseLog,
    ...(id !== undefined ? { id } : {}),
    ...(emitter ? { emitter } : {}),
    warn,
  });
  const plugin = new cls(ctx);
  try {
    plugin.configure(el);
  } catch (e) {
    withPosition(e, el, parents);
  }
  for (const k of ['@type', '@id', '@label', '@log_level']) if (el.has(k)) el.used.add(k);
  return plugin;
}
