// One import = one DuckDB transaction on the writer connection:
//
//   BEGIN
//     unique id already in td$meta.import_ids?  -> ROLLBACK, answer "duplicate" (200, nothing added)
//     ALTER TABLE ... ADD COLUMN / ALTER COLUMN TYPE   (new keys, widened types)
//     appender: data chunks of 2048 rows, every table column (null where the batch lacks it)
//     INSERT td$meta.import_ids (table_id, unique_id, ...)
//     UPDATE td$meta.tables (row_count, storage_bytes, last_log_timestamp, counter_updated_at, columns)
//   COMMIT
//
// The in-memory catalog changes only after COMMIT returns, so a failed import leaves no trace.

import {
  BIGINT,
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
  VARCHAR,
} from '@duckdb/node-api';
import type { BatchColumn, Kind, RecordBatch } from '../batch.js';
import { type ImportOutcome, StoreError } from '../types.js';
import { type Catalog, type ColumnState, MAX_COLUMNS, SQL_TYPES, type TableState } from './catalog.js';
import { ident, inTransaction, META, tableRef } from './db.js';

const CHUNK_ROWS = 2048;
const DUCK_TYPES: DuckDBType[] = [VARCHAR, BIGINT, DOUBLE, VARCHAR];

type Cell = number | bigint | string | null;

function toBigInt(v: Cell): bigint | null {
  if (v === null) return null;
  return typeof v === 'bigint' ? v : BigInt(v as number);
}

function toDouble(v: Cell): number | null {
  if (v === null) return null;
  return typeof v === 'number' ? v : Number(v);
}

function toText(v: Cell): string | null {
  if (v === null) return null;
  return typeof v === 'string' ? v : String(v);
}

const CONVERT: Array<(v: Cell) => unknown> = [toText, toBigInt, toDouble, toText];

const SQL_HAS_ID = `SELECT 1 FROM ${META}.import_ids WHERE id_key = ?`;
const SQL_ADD_ID = `INSERT INTO ${META}.import_ids VALUES (?, ?, ?, ?)`;
const idKey = (tableId: number, uniqueId: string) => `${tableId}/${uniqueId}`;
const SQL_COUNTERS = `UPDATE ${META}.tables SET row_count = row_count + ?, storage_bytes = storage_bytes + ?,
  last_log_timestamp = ?, counter_updated_at = ?, updated_at = ?, columns = ? WHERE id = ?`;

/** Statements prepared once per connection (planning them costs milliseconds per import). */
class Prepared {
  private readonly cache = new Map<string, DuckDBPreparedStatement>();
  constructor(private readonly conn: DuckDBConnection) {}
  async run(sql: string, values: DuckDBValue[]): Promise<number> {
    let p = this.cache.get(sql);
    if (!p) {
      p = await this.conn.prepare(sql);
      this.cache.set(sql, p);
    }
    p.bind(values);
    const reader = await p.runAndReadAll();
    return reader.currentRowCount;
  }
}

export class Ingest {
  private readonly writerStatements: Prepared;
  private readonly readerStatements = new WeakMap<DuckDBConnection, Prepared>();

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly catalog: Catalog,
  ) {
    this.writerStatements = new Prepared(conn);
  }

  private statements(conn: DuckDBConnection): Prepared {
    if (conn === this.conn) return this.writerStatements;
    let p = this.readerStatements.get(conn);
    if (!p) {
      p = new Prepared(conn);
      this.readerStatements.set(conn, p);
    }
    return p;
  }

  /** On `conn` (default: the writer, which the caller must hold). */
  async hasImportId(tableId: number, uniqueId: string, conn = this.conn): Promise<boolean> {
    return (await this.statements(conn).run(SQL_HAS_ID, [idKey(tableId, uniqueId)])) > 0;
  }

  /** Forget unique ids committed before `before` (ms). Must run under the writer mutex. */
  async pruneImportIds(before: number): Promise<void> {
    await this.conn.run(`DELETE FROM ${META}.import_ids WHERE imported_at < ?`, [before]);
  }

  /** Must run under the writer mutex. */
  async importBatch(
    db: string,
    table: string,
    batch: RecordBatch,
    uniqueId?: string,
  ): Promise<ImportOutcome> {
    const t = this.catalog.table(db, table);
    if (uniqueId !== undefined && (await this.hasImportId(t.id, uniqueId)))
      return { imported: 0, duplicate: true };

    // Plan the schema change without touching the catalog yet.
    const columns: ColumnState[] = t.columns.map((c) => ({ ...c }));
    const byLower = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
    const ddl: string[] = [];
    const placed: Array<{ col: BatchColumn; target: ColumnState }> = [];
    for (const col of batch.columns) {
      const lower = col.name.toLowerCase();
      let target = byLower.get(lower);
      if (!target) {
        target = { name: col.name, kind: col.kind };
        columns.push(target);
        byLower.set(lower, target);
        ddl.push(`ALTER TABLE ${tableRef(db, table)} ADD COLUMN ${ident(col.name)} ${SQL_TYPES[col.kind]}`);
      } else if (col.kind > target.kind) {
        target.kind = col.kind;
        ddl.push(
          `ALTER TABLE ${tableRef(db, table)} ALTER COLUMN ${ident(target.name)} TYPE ${SQL_TYPES[col.kind]}`,
        );
      }
      placed.push({ col, target });
    }
    if (columns.length > MAX_COLUMNS) {
      throw new StoreError('invalid', `table ${db}.${table} would have more than ${MAX_COLUMNS} columns`);
    }

    const now = Date.now();
    const lastLog =
      batch.maxTime === null
        ? t.lastLogTimestamp
        : Math.max(t.lastLogTimestamp ?? batch.maxTime, batch.maxTime);
    const columnsJson = JSON.stringify(columns.map((c) => [c.name, c.kind]));

    await inTransaction(this.conn, async () => {
      for (const sql of ddl) await this.conn.run(sql);
      if (batch.count > 0) await this.append(db, table, columns, placed, batch);
      const st = this.writerStatements;
      if (uniqueId !== undefined) await st.run(SQL_ADD_ID, [idKey(t.id, uniqueId), t.id, now, batch.count]);
      await st.run(SQL_COUNTERS, [batch.count, batch.bytes, lastLog, now, now, columnsJson, t.id]);
    });

    applyCommitted(t, columns, byLower, batch, lastLog, now);
    return { imported: batch.count, duplicate: false };
  }

  private async append(
    db: string,
    table: string,
    columns: ColumnState[],
    placed: Array<{ col: BatchColumn; target: ColumnState }>,
    batch: RecordBatch,
  ): Promise<void> {
    // Column order of the DuckDB table: time, then the catalog's columns in creation order.
    const source = new Map<ColumnState, BatchColumn>();
    for (const p of placed) source.set(p.target, p.col);
    const kinds: Kind[] = columns.map((c) => c.kind);
    const types = [BIGINT, ...kinds.map((k) => DUCK_TYPES[k]!)];
    const appender = await this.conn.createAppender(table, db);
    try {
      let nulls: null[] = [];
      for (let off = 0; off < batch.count; off += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, batch.count - off);
        if (nulls.length !== n) nulls = new Array(n).fill(null);
        const data: unknown[][] = new Array(columns.length + 1);
        const times = new Array<bigint>(n);
        for (let i = 0; i < n; i++) times[i] = BigInt(batch.times[off + i]!);
        data[0] = times;
        for (let c = 0; c < columns.length; c++) {
          const src = source.get(columns[c]!);
          if (!src) {
            data[c + 1] = nulls;
            continue;
          }
          const conv = CONVERT[kinds[c]!]!;
          const out = new Array(n);
          const vals = src.values;
          for (let i = 0; i < n; i++) out[i] = conv(vals[off + i]!);
          data[c + 1] = out;
        }
        const chunk = DuckDBDataChunk.create(types, n);
        chunk.setColumns(data as never);
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }
}

function applyCommitted(
  t: TableState,
  columns: ColumnState[],
  byLower: Map<string, ColumnState>,
  batch: RecordBatch,
  lastLog: number | null,
  now: number,
): void {
  t.columns = columns;
  t.byLower = byLower;
  t.count += batch.count;
  t.storageBytes += batch.bytes;
  t.lastLogTimestamp = lastLog;
  t.counterUpdatedAt = now;
  t.updatedAt = now;
}
