// Config templates: bench/cases/<scenario>/<engine>.conf with {{NAME}} placeholders, filled per
// run (ports, directories, keys). An unknown placeholder is an error, not an empty string.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ROOT } from './proc.js';

export type Vars = Record<string, string | number>;

export function caseFile(scenario: string, name: string): string {
  return path.join(ROOT, 'bench', 'cases', scenario, name);
}

export function fill(text: string, vars: Vars, where = 'template'): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, k: string) => {
    const v = vars[k];
    if (v === undefined) throw new Error(`${where}: no value for {{${k}}}`);
    return String(v);
  });
}

/** Fill `template` (a path) into `dir/<basename>` and return that path. */
export function writeConf(template: string, dir: string, vars: Vars): string {
  const out = path.join(dir, path.basename(template));
  fs.writeFileSync(out, fill(fs.readFileSync(template, 'utf8'), vars, template));
  return out;
}

/** An ephemeral port that was free a moment ago (for configs that need a number up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
