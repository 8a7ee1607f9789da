// Lookups and checks several td commands share, with td's wording.

import type { DatabaseInfo, TableInfo } from '../../td/models.js';
import { clientNameProblem } from '../../td/names.js';
import { CliError, type Ctx, PROG } from './context.js';

/** td-client's validate_name: 3–255 characters of [a-z0-9_], checked before any call. */
export function validateName(target: 'database' | 'table', name: string): void {
  const problem = clientNameProblem(target, name);
  if (problem) throw new CliError([`Error: ${problem}`]);
}

/** The database, from database/list; a missing one ends the command as td's get_database does. */
export async function getDatabase(ctx: Ctx, name: string): Promise<DatabaseInfo> {
  const dbs = await ctx.client().listDatabases();
  const db = dbs.find((d) => d.name === name);
  if (!db) {
    throw new CliError([
      `Database '${name}' does not exist`,
      `Use '${PROG} ${ctx.clOptions()}database:list' to show the list of databases.`,
    ]);
  }
  return db;
}

export async function getTable(ctx: Ctx, db: string, table: string): Promise<TableInfo> {
  await getDatabase(ctx, db);
  const tables = await ctx.client().listTables(db);
  const t = tables.find((x) => x.name === table);
  if (!t) {
    throw new CliError([
      `Table '${db}.${table}' does not exist`,
      `Use '${PROG} ${ctx.clOptions()}table:list ${db}' to show the list of tables.`,
    ]);
  }
  return t;
}

/** `-f` of the listing commands. */
export function renderFormat(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!['tsv', 'csv', 'json', 'table'].includes(value)) {
    throw new CliError([
      `Error: Unknown format ${JSON.stringify(value)}. Supported format: tsv, csv, json, table`,
    ]);
  }
  return value;
}

export function parsePositiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!/^\s*[+-]?\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new CliError([`Error: invalid argument: ${what} ${value}`]);
  }
  return n;
}

/** Run async work over items with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Reads y/N from stdin (td's delete confirmation). */
export async function confirm(ctx: Ctx, prompt: string): Promise<boolean> {
  ctx.io.err(prompt);
  const stdin = ctx.io.stdin;
  let buf = '';
  for await (const chunk of stdin) {
    buf += chunk.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (/^y(?:es)?$/i.test(line)) return true;
      if (line === '' || /^n(?:o)?$/i.test(line)) return false;
      ctx.io.err("Type 'Y' or 'N': ");
      nl = buf.indexOf('\n');
    }
  }
  return /^y(?:es)?$/i.test(buf.trim());
}
