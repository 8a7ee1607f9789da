// Opening the DuckDB file and the metadata schema.
//
// Layout inside `<data>/td.duckdb`:
//
//   schema "<td database>"          one per TD database (TD names are [a-z0-9_], never quoted away)
//     table "<td table>"            time BIGINT, then one column per record key (BIGINT | DOUBLE | VARCHAR)
//   schema "td$meta"                ('$' cannot appear in a TD name, so no TD database collides)
//     info(key, value)              format version
//     databases(id, name, created_at, updated_at)
//     tables(id, db, name, created_at, updated_at, counter_updated_at, last_log_timestamp,
//            row_count, storage_bytes, expire_days, include_v, columns)    columns = JSON [[name, kind]]
//     import_ids(id_key, table_id, imported_at, records)   id_key = '<table id>/<unique id>', PRIMARY KEY
//                                  (one column, so the dedupe check is an ART index lookup)
//     jobs(id, type, db, query, status, created_at, start_at, end_at, updated_at, priority,
//          retry_limit, result_url, num_records, result_size, result_schema, cmdout, stderr, user_name)
//
// All times are epoch milliseconds except last_log_timestamp (record time, seconds). Metadata rows
// change in the same transaction as the data they describe, so the WAL replays both or neither.

import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export const META = '"td$meta"';
export const FORMAT_VERSION = '1';

/** Quote an identifier for DuckDB. */
export function ident(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** `"schema"."table"`. */
export function tableRef(db: string, table: string): string {
  return `${ident(db)}.${ident(table)}`;
}

const META_DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${META}`,
  `CREATE TABLE IF NOT EXISTS ${META}.info(key VARCHAR, value VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS ${META}.databases(id BIGINT, name VARCHAR, created_at BIGINT, updated_at BIGINT)`,
  `CREATE TABLE IF NOT EXISTS ${META}.tables(id BIGINT, db VARCHAR, name VARCHAR, created_at BIGINT,
     updated_at BIGINT, counter_updated_at BIGINT, last_log_timestamp BIGINT, row_count BIGINT,
     storage_bytes BIGINT, expire_days INTEGER, include_v BOOLEAN, columns VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS ${META}.import_ids(id_key VARCHAR PRIMARY KEY, table_id BIGINT,
     imported_at BIGINT, records BIGINT)`,
  `CREATE TABLE IF NOT EXISTS ${META}.jobs(id BIGINT, type VARCHAR, db VARCHAR, query VARCHAR, status VARCHAR,
     created_at BIGINT, start_at BIGINT, end_at BIGINT, updated_at BIGINT, priority INTEGER, retry_limit INTEGER,
     result_url VARCHAR, num_records BIGINT, result_size BIGINT, result_schema VARCHAR, cmdout VARCHAR,
     stderr VARCHAR, user_name VARCHAR)`,
];

export interface OpenOptions {
  /** DuckDB worker threads (default: DuckDB's choice = cores). */
  threads?: number;
  /** e.g. '2GB' (default: DuckDB's 80% of RAM). */
  memoryLimit?: string;
}

/**
 * Open (creating if needed) the store file. External access (files, network, extensions
 * install) is disabled: query jobs run user SQL and must reach nothing but the tables.
 */
export async function openDatabase(path: string, opts: OpenOptions = {}): Promise<DuckDBInstance> {
  const config: Record<string, string> = {
    enable_external_access: 'false',
    autoinstall_known_extensions: 'false',
  };
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  const instance = await DuckDBInstance.create(path, config);
  const conn = await instance.connect();
  try {
    await conn.run(`SET GLOBAL TimeZone = 'UTC'`);
    for (const sql of META_DDL) await conn.run(sql);
    const v = await conn.runAndReadAll(`SELECT value FROM ${META}.info WHERE key = 'format'`);
    if (v.currentRowCount === 0) {
      await conn.run(`INSERT INTO ${META}.info VALUES ('format', ?)`, [FORMAT_VERSION]);
    } else if (v.getRows()[0]![0] !== FORMAT_VERSION) {
      throw new Error(
        `store format ${String(v.getRows()[0]![0])} is not supported (expected ${FORMAT_VERSION})`,
      );
    }
  } finally {
    conn.closeSync();
  }
  return instance;
}

/** Run `fn` inside BEGIN/COMMIT on `conn`, rolling back on any error. */
export async function inTransaction<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const result = await fn();
    await conn.run('COMMIT');
    return result;
  } catch (err) {
    try {
      await conn.run('ROLLBACK');
    } catch {
      // the transaction may already be aborted
    }
    throw err;
  }
}

/** Serializes async sections (the single writer). */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.run(async () => undefined);
  }
}

/** A BIGINT cell as a JS number (metadata values stay far below 2^53). */
export function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}
