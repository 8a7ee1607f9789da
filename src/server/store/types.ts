// The store behind td-server's HTTP API. The routes speak only this interface, so a second
// backend (a distributed engine) is an addition, not a rewrite. Times are epoch milliseconds
// (metadata) or epoch seconds (`lastLogTimestamp`, record `time`); the HTTP layer formats them.

import { TributaryError } from '../../core/errors.js';
import type { RecordBatch } from './batch.js';

/** TD's column types as `table/list` reports them, in widening order. */
export type TdType = 'long' | 'double' | 'string';

export interface DatabaseInfo {
  id: number;
  name: string;
  /** Records in all the database's tables. */
  count: number;
  createdAt: number;
  updatedAt: number;
}

export interface TableInfo {
  id: number;
  database: string;
  name: string;
  type: 'log';
  count: number;
  createdAt: number;
  updatedAt: number;
  /** Last successful import (TD's `counter_updated_at`, shown by `td tables` as "Last import"). */
  counterUpdatedAt: number | null;
  /** Largest record `time` seen, epoch seconds. */
  lastLogTimestamp: number | null;
  /** Bytes of (decompressed) msgpack imported. */
  estimatedStorageSize: number;
  /** Inferred columns, `time` excluded, in creation order. */
  columns: Array<[name: string, type: TdType]>;
  expireDays: number | null;
  includeV: boolean;
}

export interface TableOptions {
  expireDays?: number | null;
  includeV?: boolean;
}

export interface ImportOutcome {
  /** Records added (0 for a repeated unique id). */
  imported: number;
  /** The unique id had already been committed: nothing was imported. */
  duplicate: boolean;
}

export type JobStatus = 'queued' | 'booting' | 'running' | 'success' | 'error' | 'killed';
export type JobType = 'presto' | 'hive' | 'trino' | 'bulk_import';

export interface JobInfo {
  id: number;
  type: JobType;
  database: string;
  query: string;
  status: JobStatus;
  createdAt: number;
  startAt: number | null;
  endAt: number | null;
  updatedAt: number;
  priority: number;
  retryLimit: number;
  /** The `result` URL given at issue time (result export is not performed). */
  resultUrl: string;
  numRecords: number | null;
  /** Bytes of the msgpack.gz result. */
  resultSize: number | null;
  /** `[[name, type], ...]`, null until known. */
  resultSchema: Array<[string, string]> | null;
  cmdout: string;
  stderr: string;
  userName: string;
}

export interface IssueJobRequest {
  type: JobType;
  database: string;
  query: string;
  priority?: number;
  retryLimit?: number;
  resultUrl?: string;
  userName?: string;
}

export interface FinishedJob {
  type: JobType;
  database: string;
  query: string;
  status: 'success' | 'error';
  startAt: number;
  numRecords: number;
  cmdout: string;
  stderr: string;
  userName?: string;
}

export interface JobListQuery {
  from: number;
  to: number;
  status?: 'running' | 'success' | 'error' | 'queued' | 'killed';
}

export type StoreErrorKind =
  | 'db_not_found'
  | 'table_not_found'
  | 'job_not_found'
  | 'exists'
  | 'invalid'
  | 'conflict';

/** A refusal the HTTP layer maps to a status code (404, 409, 400 ...). `message` is TD's text. */
export class StoreError extends TributaryError {
  readonly kind: StoreErrorKind;
  constructor(kind: StoreErrorKind, message: string) {
    super(`STORE_${kind.toUpperCase()}`, message);
    this.kind = kind;
  }
}

export interface Store {
  listDatabases(): DatabaseInfo[];
  getDatabase(name: string): DatabaseInfo | undefined;
  createDatabase(name: string): Promise<void>;
  deleteDatabase(name: string): Promise<void>;

  listTables(database: string): TableInfo[];
  getTable(database: string, table: string): TableInfo | undefined;
  createTable(database: string, table: string, opts?: TableOptions): Promise<void>;
  deleteTable(database: string, table: string): Promise<void>;
  updateTable(database: string, table: string, opts: TableOptions): Promise<void>;
  /** Add or widen columns: `[[name, td type], ...]` (TD's update-schema). */
  updateSchema(database: string, table: string, columns: Array<[string, string]>): Promise<void>;
  swapTables(database: string, a: string, b: string): Promise<void>;
  changeDatabase(database: string, table: string, dest: string): Promise<void>;
  /** The last `count` records imported, oldest first, null fields omitted. */
  tail(database: string, table: string, count: number): Promise<Array<Record<string, unknown>>>;

  /** True when this unique id is already committed for the table (a cheap pre-check). */
  hasImportId(database: string, table: string, uniqueId: string): Promise<boolean>;
  /** One import = one transaction: rows, columns, counters and the unique id, or nothing. */
  importBatch(database: string, table: string, batch: RecordBatch, uniqueId?: string): Promise<ImportOutcome>;

  issueJob(req: IssueJobRequest): Promise<JobInfo>;
  getJob(id: number): JobInfo | undefined;
  listJobs(q: JobListQuery): { count: number; jobs: JobInfo[] };
  killJob(id: number): Promise<JobStatus>;
  /** Record a job that ran outside the query pool (a bulk import perform), already finished. */
  recordJob(job: FinishedJob): Promise<JobInfo>;
  /** Path of the msgpack.gz result of a finished job, or undefined. */
  resultPath(id: number): string | undefined;

  /** Sum of estimated storage sizes. */
  storageSize(): number;
  /** Stop the job workers, wait for in-flight writes, checkpoint and close. */
  close(): Promise<void>;
}

// TD's messages for missing things (td-client test fixtures).
export const dbNotFound = (db: string) =>
  new StoreError('db_not_found', `Couldn't find UserDatabase with name = ${db}`);
export const tableNotFound = (t: string) =>
  new StoreError('table_not_found', `Couldn't find UserTableReference with name = ${t}`);
export const jobNotFound = (id: number | string, account = 1) =>
  new StoreError('job_not_found', `Couldn't find Job with account_id = ${account}, id = ${id}`);
