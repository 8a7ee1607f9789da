// Plugin registry: `@type` name → class, per kind. Built-ins are registered from
// plugins/index.ts; `-p DIR` loads compiled JS modules from a directory and registers every
// exported plugin class (a class with static `type` and `kind`).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.js';
import type { PluginClass, PluginKind } from './types.js';

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

  register(cls: PluginClass): void {
    let m = this.byKind.get(cls.kind);
    if (!m) {
      m = new Map();
      this.byKind.set(cls.kind, m);
    }
    m.set(cls.type, cls);
    for (const a of cls.aliases ?? []) m.set(a, cls);
  }

  has(kind: PluginKind, type: string): boolean {
    return this.byKind.get(kind)?.has(type) ?? false;
  }

  /** Throws Fluentd's "Unknown output plugin 'x'" error, listing the known types of that kind. */
  lookup(kind: PluginKind, type: string): PluginClass {
    const cls = this.byKind.get(kind)?.get(type);
    if (cls) return cls;
    throw new ConfigError(
      `Unknown ${KIND_LABEL[kind]} plugin '${type}'. Known ${KIND_LABEL[kind]} plugins: ${this.types(kind).join(', ')}`,
      { code: 'UNKNOWN_PLUGIN' },
    );
  }

  types(kind: PluginKind): string[] {
    return [...(this.byKind.get(kind)?.keys() ?? [])].sort();
  }

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
