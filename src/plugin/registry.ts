// Plugin registry: `@type` name → class, per kind. Built-ins are registered from
// plugins/index.ts (every class, imported eagerly: tests, drivers, gen-docs) or from
// plugins/lazy.ts (a loader per type: the daemon imports only the plugins its config names);
// `-p DIR` loads compiled JS modules from a directory and registers every exported plugin class
// (a class with static `type` and `kind`).
//
// Contract for lazy entries: lookup() stays synchronous (configure() is pure and sync), so a
// lazy type must be resolved first — preload(root) before building an Engine from `root`, or
// resolve(kind, type). A lazy entry that is looked up unresolved is a programming error, not a
// config error. has() and types() count lazy entries, so "Unknown plugin" lists every type.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigElement } from '../config/element.js';
import { ConfigError } from '../core/errors.js';
import type { PluginClass, PluginKind } from './types.js';

/** Resolves to the class registered under a lazy type (it is checked against kind and type). */
export type PluginLoader = () => Promise<PluginClass>;

/** The kind a config element's `@type` names, by element name (others: any kind). */
const KIND_OF_ELEMENT: Record<string, PluginKind> = {
  source: 'input',
  match: 'output',
  store: 'output',
  secondary: 'output',
  filter: 'filter',
  parse: 'parser',
  format: 'formatter',
  buffer: 'buffer',
};

const KIND_LABEL: Record<PluginKind, string> = {
  input: 'input',
  output: 'output',
  filter: 'filter',
  parser: 'parser',
  formatter: 'formatter',
  buffer: 'buffer',
};

export class PluginRegistry {
  private readonly byKind = new Map<PluginKind, Map<string, PluginClass>>();
  private readonly lazy = new Map<PluginKind, Map<string, PluginLoader>>();

  /** Registers a class under its type and aliases (replacing a lazy entry of the same name). */
  register(cls: PluginClass): void {
    let m = this.byKind.get(cls.kind);
    if (!m) {
      m = new Map();
      this.byKind.set(cls.kind, m);
    }
    const lazy = this.lazy.get(cls.kind);
    for (const name of [cls.type, ...(cls.aliases ?? [])]) {
      m.set(name, cls);
      lazy?.delete(name);
    }
  }

  /** Registers a type whose class is imported on first resolve (the same loader for aliases). */
  registerLazy(kind: PluginKind, names: readonly string[], load: PluginLoader): void {
    let m = this.lazy.get(kind);
    if (!m) {
      m = new Map();
      this.lazy.set(kind, m);
    }
    for (const name of names) if (!this.byKind.get(kind)?.has(name)) m.set(name, load);
  }

  has(kind: PluginKind, type: string): boolean {
    return (this.byKind.get(kind)?.has(type) || this.lazy.get(kind)?.has(type)) ?? false;
  }

  /** Imports the class of a lazy type; false when the type is not registered at all. */
  async resolve(kind: PluginKind, type: string): Promise<boolean> {
    if (this.byKind.get(kind)?.has(type)) return true;
    const load = this.lazy.get(kind)?.get(type);
    if (!load) return false;
    const cls = await load();
    if (cls.kind !== kind || (cls.type !== type && !(cls.aliases ?? []).includes(type))) {
      throw new Error(`lazy plugin ${kind} '${type}' loaded ${cls.kind} '${cls.type}'`);
    }
    this.register(cls);
    return true;
  }

  /**
   * Resolves every lazy type a config names: each element's `@type` (or legacy `type`), as the
   * kind its element name implies (<source> input, <match>/<store>/<secondary> output, ...);
   * other elements try every kind. Unknown types are left for lookup() to report.
   */
  async preload(root: ConfigElement): Promise<void> {
    const walk = async (el: ConfigElement): Promise<void> => {
      const type = (el.params.get('@type') ?? el.params.get('type'))?.value;
      if (type) {
        const kind = KIND_OF_ELEMENT[el.name];
        if (kind) await this.resolve(kind, type);
        else for (const k of this.lazy.keys()) await this.resolve(k, type);
      }
      for (const child of el.elements) await walk(child);
    };
    await walk(root);
  }

  /** Resolves every lazy entry (docs, tests: the full set of classes). */
  async loadAll(): Promise<void> {
    for (const [kind, m] of this.lazy) for (const type of [...m.keys()]) await this.resolve(kind, type);
  }

  /** Throws Fluentd's "Unknown output plugin 'x'" error, listing the known types of that kind. */
  lookup(kind: PluginKind, type: string): PluginClass {
    const cls = this.byKind.get(kind)?.get(type);
    if (cls) return cls;
    if (this.lazy.get(kind)?.has(type)) {
      throw new Error(`${KIND_LABEL[kind]} plugin '${type}' is not loaded yet: resolve or preload it first`);
    }
    throw new ConfigError(
      `Unknown ${KIND_LABEL[kind]} plugin '${type}'. Known ${KIND_LABEL[kind]} plugins: ${this.types(kind).join(', ')}`,
      { code: 'UNKNOWN_PLUGIN' },
    );
  }

  types(kind: PluginKind): string[] {
    const names = new Set([...(this.byKind.get(kind)?.keys() ?? []), ...(this.lazy.get(kind)?.keys() ?? [])]);
    return [...names].sort();
  }

  /** The loaded classes (lazy entries not yet resolved are not included; see loadAll). */
  all(): PluginClass[] {
    const seen = new Set<PluginClass>();
    for (const m of this.byKind.values()) for (const c of m.values()) seen.add(c);
    return [...seen];
  }

  /** Load every `*.js`/`*.mjs` module in `dir` and register exported plugin classes. */
  async loadDir(dir: string): Promise<number> {
    let n = 0;
    const files = fs
      .readdirSync(dir)
      .filter((f) => /\.(m?js)$/.test(f))
      .sort();
    for (const f of files) {
      const mod = (await import(pathToFileURL(path.resolve(dir, f)).href)) as Record<string, unknown>;
      for (const v of Object.values(mod)) {
        if (
          typeof v === 'function' &&
          typeof (v as any).type === 'string' &&
          typeof (v as any).kind === 'string'
        ) {
          this.register(v as PluginClass);
          n++;
        }
      }
    }
    return n;
  }
}
