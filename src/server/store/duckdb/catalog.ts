// TD databases and tables on DuckDB: the in-memory catalog (loaded once, changed only after a
// commit succeeds) and the DDL that keeps DuckDB schemas/tables and the td$meta rows in step.
// Every change runs on the single writer connection under the writer mutex.

import type { DuckDBConnection } from '@duckdb/node-api';
import { nameProblem } from '../../../td/names.js';
import { KIND_DOUBLE, KIND_LONG, KIND_STRING, type Kind } from '../batch.js';
import {
  type DatabaseInfo,
  dbNotFound,
  StoreError,
  type TableInfo,
  type TableOptions,
  type TdType,
  tableNotFound,
} from '../types.js';
import { ident, inTransaction, META, type Mutex, num, numOrNull, tableRef } from './db.js';

export const SQL_TYPES = ['VARCHAR', 'BIGINT', 'DOUBLE', 'VARCHAR'] as const;
export const TD_TYPES: TdType[] = ['string', 'long', 'double', 'string'];
/** Columns one table may have (besides `time`). */
export const MAX_COLUMNS = 4096;
/** DuckDB schemas a TD database cannot be mapped onto. */
const RESERVED_DATABASES = new Set(['information_schema', 'pg_catalog', 'temp', 'system']);

export interface ColumnState {
  name: string;
  kind: Kind;
}

export interface TableState {
  id: number;
  db: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  counterUpdatedAt: number | null;
  lastLogTimestamp: number | null;
  count: number;
  storageBytes: number;
  expireDays: number | null;
  includeV: boolean;
  columns: ColumnState[];
  byLower: Map<string, ColumnState>;
}

export interface DbState {
  id: number;
  name: string;
  createdAt: number;
  updatedAt: number;
  tables: Map<string, TableState>;
}

/** TD type names accepted by update-schema, to a widening kind. */
export function kindOfTdType(type: string): Kind | undefined {
  const t = type.trim().toLowerCase();
  if (t === 'int' || t === 'long' || t === 'bigint' || t === 'integer') return KIND_LONG;
  if (t === 'double' || t === 'float') return KIND_DOUBLE;
  if (t === 'string' || t === 'varchar' || t.startsWith('array<') || t.startsWith('map<')) return KIND_STRING;
  return undefined;
}

export function columnsJson(t: TableState): string {
  return JSON.stringify(t.columns.map((c) => [c.name, c.kind]));
}

function indexColumns(cols: ColumnState[]): Map<string, ColumnState> {
  return new Map(cols.map((c) => [c.name.toLowerCase(), c]));
}

export class Catalog {
  readonly dbs = new Map<string, DbState>();
  private nextDbId = 1;
  private nextTableId = 1;

  constructor(
    private readonly conn: DuckDBConnection,
    readonly writer: Mutex,
  ) {}

  async load(): Promise<void> {
    const dbs = await this.conn.runAndReadAll(
      `SELECT id, name, created_at, updated_at FROM ${META}.databases`,
    );
    for (const [id, name, c, u] of dbs.getRows()) {
      const d: DbState = {
        id: num(id),
        name: name as string,
        createdAt: num(c),
        updatedAt: num(u),
        tables: new Map(),
      };
      this.dbs.set(d.name, d);
      this.nextDbId = Math.max(this.nextDbId, d.id + 1);
    }
    const tables = await this.conn.runAndReadAll(
      `SELECT id, db, name, created_at, updated_at, counter_updated_at, last_log_timestamp, row_count,
              storage_bytes, expire_days, include_v, columns FROM ${META}.tables`,
    );
    for (const r of tables.getRows()) {
      const columns = (JSON.parse(r[11] as string) as Array<[string, Kind]>).map(([name, kind]) => ({
        name,
        kind,
      }));
      const t: TableState = {
        id: num(r[0]),
        db: r[1] as string,
        name: r[2] as string,
        createdAt: num(r[3]),
        updatedAt: num(r[4]),
        counterUpdatedAt: numOrNull(r[5]),
        lastLogTimestamp: numOrNull(r[6]),
        count: num(r[7]),
        storageBytes: num(r[8]),
        expireDays: numOrNull(r[9]),
        includeV: r[10] as boolean,
        columns,
        byLower: indexColumns(columns),
      };
      this.dbs.get(t.db)?.tables.set(t.name, t);
      this.nextTableId = Math.max(this.nextTableId, t.id + 1);
    }
  }

  db(name: string): DbState {
    const d = this.dbs.get(name);
    if (!d) throw dbNotFound(name);
    return d;
  }

  table(db: string, name: string): TableState {
    const t = this.db(db).tables.get(name);
    if (!t) throw tableNotFound(name);
    return t;
  }

  databaseInfo(d: DbState): DatabaseInfo {
    let count = 0;
    for (const t of d.tables.values()) count += t.count;
    return { id: d.id, name: d.name, count, createdAt: d.createdAt, updatedAt: d.updatedAt };
  }

  tableInfo(t: TableState): TableInfo {
    return {
      id: t.id,
      database: t.db,
      name: t.name,
      type: 'log',
      count: t.count,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      counterUpdatedAt: t.counterUpdatedAt,
      lastLogTimestamp: t.lastLogTimestamp,
      estimatedStorageSize: t.storageBytes,
      columns: t.columns.map((c) => [c.name, TD_TYPES[c.kind]!]),
      expireDays: t.expireDays,
      includeV: t.includeV,
    };
  }

  private checkName(name: string): void {
    const problem = nameProblem(name);
    if (problem) throw new StoreError('invalid', problem);
  }

  createDatabase(name: string): Promise<void> {
    return this.writer.run(async () => {
      this.checkName(name);
      if (RESERVED_DATABASES.has(name))
        throw new StoreError('invalid', `Name '${name}' is reserved by td-server`);
      if (this.dbs.has(name)) throw new StoreError('exists', `Database ${name} already exists`);
      const now = Date.now();
      const d: DbState = { id: this.nextDbId, name, createdAt: now, updatedAt: now, tables: new Map() };
      await inTransaction(this.conn, async () => {
        await this.conn.run(`CREATE SCHEMA IF NOT EXISTS ${ident(name)}`);
        await this.conn.run(`INSERT INTO ${META}.databases VALUES (?, ?, ?, ?)`, [d.id, name, now, now]);
      });
      this.nextDbId++;
      this.dbs.set(name, d);
    });
  }

  deleteDatabase(name: string): Promise<void> {
    return this.writer.run(async () => {
      const d = this.db(name);
      await inTransaction(this.conn, async () => {
        for (const t of d.tables.values()) await this.dropTableSql(t);
        await this.conn.run(`DELETE FROM ${META}.databases WHERE name = ?`, [name]);
        if (name !== 'main') await this.conn.run(`DROP SCHEMA IF EXISTS ${ident(name)} CASCADE`);
      });
      this.dbs.delete(name);
    });
  }

  createTable(db: string, name: string, opts: TableOptions = {}): Promise<void> {
    return this.writer.run(async () => {
      const d = this.db(db);
      this.checkName(name);
      if (d.tables.has(name)) throw new StoreError('exists', `Table ${name} already exists`);
      const now = Date.now();
      const t: TableState = {
        id: this.nextTableId,
        db,
        name,
        createdAt: now,
        updatedAt: now,
        counterUpdatedAt: null,
        lastLogTimestamp: null,
        count: 0,
        storageBytes: 0,
        expireDays: opts.expireDays ?? null,
        includeV: opts.includeV ?? true,
        columns: [],
        byLower: new Map(),
      };
      await inTransaction(this.conn, async () => {
        await this.conn.run(`CREATE TABLE ${tableRef(db, name)} (time BIGINT)`);
        await this.insertTableRow(t);
      });
      this.nextTableId++;
      d.tables.set(name, t);
    });
  }

  private async insertTableRow(t: TableState): Promise<void> {
    await this.conn.run(`INSERT INTO ${META}.tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      t.id,
      t.db,
      t.name,
      t.createdAt,
      t.updatedAt,
      t.counterUpdatedAt,
      t.lastLogTimestamp,
      t.count,
      t.storageBytes,
      t.expireDays,
      t.includeV,
      columnsJson(t),
    ]);
  }

  private async dropTableSql(t: TableState): Promise<void> {
    await this.conn.run(`DROP TABLE IF EXISTS ${tableRef(t.db, t.name)}`);
    await this.conn.run(`DELETE FROM ${META}.tables WHERE id = ?`, [t.id]);
    await this.conn.run(`DELETE FROM ${META}.import_ids WHERE table_id = ?`, [t.id]);
  }

  deleteTable(db: string, name: string): Promise<void> {
    return this.writer.run(async () => {
      const t = this.table(db, name);
      await inTransaction(this.conn, () => this.dropTableSql(t));
      this.db(db).tables.delete(name);
    });
  }

  updateTable(db: string, name: string, opts: TableOptions): Promise<void> {
    return this.writer.run(async () => {
      const t = this.table(db, name);
      const expireDays = opts.expireDays !== undefined ? opts.expireDays : t.expireDays;
      const includeV = opts.includeV ?? t.includeV;
      const now = Date.now();
      await this.conn.run(
        `UPDATE ${META}.tables SET expire_days = ?, include_v = ?, updated_at = ? WHERE id = ?`,
        [expireDays, includeV, now, t.id],
      );
      t.expireDays = expireDays;
      t.includeV = includeV;
      t.updatedAt = now;
    });
  }

  updateSchema(db: string, name: string, spec: Array<[string, string]>): Promise<void> {
    return this.writer.run(async () => {
      const t = this.table(db, name);
      const columns = t.columns.map((c) => ({ ...c }));
      const byLower = indexColumns(columns);
      const ddl: string[] = [];
      for (const [col, type] of spec) {
        const kind = kindOfTdType(type);
        if (kind === undefined)
          throw new StoreError('invalid', `Unknown column type '${type}' for column '${col}'`);
        const lower = col.toLowerCase();
        if (lower === 'time' || lower === 'v')
          throw new StoreError('invalid', `Column name '${col}' is reserved.`);
        if (col.length === 0 || col.length > 255)
          throw new StoreError('invalid', `Invalid column name '${col}'`);
        const existing = byLower.get(lower);
        if (!existing) {
          const c: ColumnState = { name: col, kind };
          columns.push(c);
          byLower.set(lower, c);
          ddl.push(`ALTER TABLE ${tableRef(db, name)} ADD COLUMN ${ident(col)} ${SQL_TYPES[kind]}`);
        } else if (kind > existing.kind) {
          existing.kind = kind;
          ddl.push(
            `ALTER TABLE ${tableRef(db, name)} ALTER COLUMN ${ident(existing.name)} TYPE ${SQL_TYPES[kind]}`,
          );
        } else if (kind < existing.kind) {
          throw new StoreError(
            'invalid',
            `td-server cannot narrow column '${existing.name}' from ${TD_TYPES[existing.kind]} to ${TD_TYPES[kind]}`,
          );
        }
      }
      if (columns.length > MAX_COLUMNS)
        throw new StoreError('invalid', `a table may have at most ${MAX_COLUMNS} columns`);
      const now = Date.now();
      await inTransaction(this.conn, async () => {
        for (const sql of ddl) await this.conn.run(sql);
        await this.conn.run(`UPDATE ${META}.tables SET columns = ?, updated_at = ? WHERE id = ?`, [
          JSON.stringify(columns.map((c) => [c.name, c.kind])),
          now,
          t.id,
        ]);
      });
      t.columns = columns;
      t.byLower = byLower;
      t.updatedAt = now;
    });
  }

  swapTables(db: string, a: string, b: string): Promise<void> {
    return this.writer.run(async () => {
      const d = this.db(db);
      const ta = this.table(db, a);
      const tb = this.table(db, b);
      if (ta === tb) return;
      const tmp = `td$swap_${ta.id}`;
      await inTransaction(this.conn, async () => {
        await this.conn.run(`ALTER TABLE ${tableRef(db, a)} RENAME TO ${ident(tmp)}`);
        await this.conn.run(`ALTER TABLE ${tableRef(db, b)} RENAME TO ${ident(a)}`);
        await this.conn.run(`ALTER TABLE ${tableRef(db, tmp)} RENAME TO ${ident(b)}`);
        await this.conn.run(`UPDATE ${META}.tables SET name = ? WHERE id = ?`, [b, ta.id]);
        await this.conn.run(`UPDATE ${META}.tables SET name = ? WHERE id = ?`, [a, tb.id]);
      });
      ta.name = b;
      tb.name = a;
      d.tables.set(a, tb);
      d.tables.set(b, ta);
    });
  }

  changeDatabase(db: string, name: string, dest: string): Promise<void> {
    return this.writer.run(async () => {
      const t = this.table(db, name);
      const to = this.db(dest);
      if (to.tables.has(name))
        throw new StoreError('exists', `Table ${name} already exists in the destination`);
      // DuckDB cannot move a table between schemas: copy it in the same transaction.
      await inTransaction(this.conn, async () => {
        await this.conn.run(`CREATE TABLE ${tableRef(dest, name)} AS SELECT * FROM ${tableRef(db, name)}`);
        await this.conn.run(`DROP TABLE ${tableRef(db, name)}`);
        await this.conn.run(`UPDATE ${META}.tables SET db = ? WHERE id = ?`, [dest, t.id]);
      });
      this.db(db).tables.delete(name);
      t.db = dest;
      to.tables.set(name, t);
    });
  }
}
