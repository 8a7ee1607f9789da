// The DuckDB implementation of Store: one file `<data>/td.duckdb`, a single writer connection
// (catalog changes and imports, serialized by a mutex), a reader connection (tail, id
// pre-checks; its own mutex)
// and the job pool. close() waits for the writer queue, stops jobs, checkpoints and closes.

import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Logger } from '../../../core/log.js';
import type { RecordBatch } from '../batch.js';
import type {
  DatabaseInfo,
  FinishedJob,
  ImportOutcome,
  IssueJobRequest,
  JobInfo,
  JobListQuery,
  JobStatus,
  Store,
  TableInfo,
  TableOptions,
} from '../types.js';
import { Catalog } from './catalog.js';
import { Mutex, openDatabase, tableRef } from './db.js';
import { Ingest } from './ingest.js';
import { Jobs } from './jobs.js';
import { UDF_SQL } from './udf.js';
import { wireValue } from './values.js';

export interface DuckDbStoreOptions {
  dataDir: string;
  logger: Logger;
  /** Query workers (default 2). */
  jobWorkers?: number;
  /** Largest job result, uncompressed msgpack bytes (default 1 GiB). */
  maxResultBytes?: number;
  threads?: number;
  memoryLimit?: string;
  /** How long committed unique ids are remembered (default 30 days; out_tdlog retries for 72 h). */
  dedupeWindowMs?: number;
}

const PRUNE_EVERY_MS = 3600_000;

export const MAX_TAIL = 10_000;

export class DuckDbStore implements Store {
  private catalog!: Catalog;
  private ingest!: Ingest;
  private jobs!: Jobs;
  private writer!: DuckDBConnection;
  private reader!: DuckDBConnection;
  private readonly mutex = new Mutex();
  /** A DuckDB connection runs one statement at a time: starting another voids the pending one. */
  private readonly readerMutex = new Mutex();
  private closing: Promise<void> | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly instance: DuckDBInstance) {}

  static async open(opts: DuckDbStoreOptions): Promise<DuckDbStore> {
    const instance = await openDatabase(path.join(opts.dataDir, 'td.duckdb'), {
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.memoryLimit ? { memoryLimit: opts.memoryLimit } : {}),
    });
    const s = new DuckDbStore(instance);
    s.writer = await instance.connect();
    s.reader = await instance.connect();
    for (const sql of UDF_SQL) await s.writer.run(sql);
    s.catalog = new Catalog(s.writer, s.mutex);
    await s.catalog.load();
    s.ingest = new Ingest(s.writer, s.catalog);
    s.jobs = new Jobs(instance, s.catalog, {
      workers: opts.jobWorkers ?? 2,
      resultDir: path.join(opts.dataDir, 'results'),
      maxResultBytes: opts.maxResultBytes ?? 1024 ** 3,
      logger: opts.logger,
    });
    await s.jobs.start();
    const windowMs = opts.dedupeWindowMs ?? 30 * 86_400_000;
    const prune = () =>
      s.mutex
        .run(() => s.ingest.pruneImportIds(Date.now() - windowMs))
        .catch((err: Error) => {
          opts.logger.warn('could not prune old import unique ids', { error: err });
        });
    await prune();
    s.pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
    s.pruneTimer.unref();
    return s;
  }

  listDatabases(): DatabaseInfo[] {
    return [...this.catalog.dbs.values()].map((d) => this.catalog.databaseInfo(d));
  }

  getDatabase(name: string): DatabaseInfo | undefined {
    const d = this.catalog.dbs.get(name);
    return d && this.catalog.databaseInfo(d);
  }

  createDatabase(name: string): Promise<void> {
    return this.catalog.createDatabase(name);
  }

  deleteDatabase(name: string): Promise<void> {
    return this.catalog.deleteDatabase(name);
  }

  listTables(database: string): TableInfo[] {
    return [...this.catalog.db(database).tables.values()].map((t) => this.catalog.tableInfo(t));
  }

  getTable(database: string, table: string): TableInfo | undefined {
    const t = this.catalog.dbs.get(database)?.tables.get(table);
    return t && this.catalog.tableInfo(t);
  }

  createTable(database: string, table: string, opts?: TableOptions): Promise<void> {
    return this.catalog.createTable(database, table, opts);
  }

  deleteTable(database: string, table: string): Promise<void> {
    return this.catalog.deleteTable(database, table);
  }

  updateTable(database: string, table: string, opts: TableOptions): Promise<void> {
    return this.catalog.updateTable(database, table, opts);
  }

  updateSchema(database: string, table: string, columns: Array<[string, string]>): Promise<void> {
    return this.catalog.updateSchema(database, table, columns);
  }

  swapTables(database: string, a: string, b: string): Promise<void> {
    return this.catalog.swapTables(database, a, b);
  }

  changeDatabase(database: string, table: string, dest: string): Promise<void> {
    return this.catalog.changeDatabase(database, table, dest);
  }

  async tail(database: string, table: string, count: number): Promise<Array<Record<string, unknown>>> {
    const n = Math.max(0, Math.min(MAX_TAIL, Math.floor(count)));
    // Tables are append-only (jobs cannot write), so the catalog count is the row count and,
    // with DuckDB's insertion-order preservation, OFFSET count-n reads the last n imported.
    // (Not `rowid`: a record key named rowid would shadow it.)
    const r = await this.readerMutex.run(() => {
      const total = this.catalog.table(database, table).count;
      return this.reader.runAndReadAll(
        `SELECT * FROM ${tableRef(database, table)} LIMIT ${n} OFFSET ${Math.max(0, total - n)}`,
      );
    });
    const names = r.columnNames();
    const out: Array<Record<string, unknown>> = [];
    for (const row of r.getRows()) {
      const rec: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) {
        const v = row[i];
        if (v !== null && v !== undefined) rec[names[i]!] = wireValue(v);
      }
      out.push(rec);
    }
    return out;
  }

  async hasImportId(database: string, table: string, uniqueId: string): Promise<boolean> {
    const t = this.catalog.table(database, table);
    return this.readerMutex.run(() => this.ingest.hasImportId(t.id, uniqueId, this.reader));
  }

  importBatch(
    database: string,
    table: string,
    batch: RecordBatch,
    uniqueId?: string,
  ): Promise<ImportOutcome> {
    return this.mutex.run(() => this.ingest.importBatch(database, table, batch, uniqueId));
  }

  issueJob(req: IssueJobRequest): Promise<JobInfo> {
    return this.jobs.issue(req);
  }

  getJob(id: number): JobInfo | undefined {
    return this.jobs.get(id);
  }

  listJobs(q: JobListQuery): { count: number; jobs: JobInfo[] } {
    return this.jobs.list(q);
  }

  killJob(id: number): Promise<JobStatus> {
    return this.jobs.kill(id);
  }

  recordJob(job: FinishedJob): Promise<JobInfo> {
    return this.jobs.record(job);
  }

  resultPath(id: number): string | undefined {
    return this.jobs.resultPath(id);
  }

  storageSize(): number {
    let n = 0;
    for (const d of this.catalog.dbs.values()) for (const t of d.tables.values()) n += t.storageBytes;
    return n;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.pruneTimer);
      await this.mutex.idle();
      await this.readerMutex.idle();
      await this.jobs.close();
      await this.writer.run('CHECKPOINT');
      this.writer.closeSync();
      this.reader.closeSync();
      this.instance.closeSync();
    })();
    return this.closing;
  }
}
