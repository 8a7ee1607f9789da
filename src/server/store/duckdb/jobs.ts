// Query jobs: a bounded pool of DuckDB connections runs queued SQL, one job per connection.
//
//   issue -> queued -> running -> success | error | killed
//
// A job runs with `search_path` set to its database, so unqualified table names resolve there;
// only a single SELECT/EXPLAIN statement is accepted (queries cannot change data behind the
// catalog's back), and external access is disabled for the whole instance. Rows stream into
// `<results>/<id>.msgpack.gz` (gzip of concatenated msgpack arrays) through a temp file renamed
// on success, so a result file is either complete or absent. Job rows live in td$meta.jobs;
// jobs still queued/running when the server stopped are marked `error` at the next start.

import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import {
  type DuckDBConnection,
  type DuckDBInstance,
  version as duckdbVersion,
  StatementType,
} from '@duckdb/node-api';
import type { Logger } from '../../../core/log.js';
import { MsgpackRowWriter } from '../msgpack-rows.js';
import {
  type FinishedJob,
  type IssueJobRequest,
  type JobInfo,
  type JobListQuery,
  type JobStatus,
  jobNotFound,
  StoreError,
} from '../types.js';
import type { Catalog } from './catalog.js';
import { META, Mutex, num, numOrNull } from './db.js';
import { hiveType, isFloatType, prestoType, wireValue } from './values.js';

export interface JobsOptions {
  workers: number;
  resultDir: string;
  /** Largest result (uncompressed msgpack bytes) a job may produce. */
  maxResultBytes: number;
  logger: Logger;
}

interface Worker {
  conn: DuckDBConnection;
  job: JobInfo | undefined;
}

const FINISHED = new Set<JobStatus>(['success', 'error', 'killed']);

function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

export class Jobs {
  private readonly jobs = new Map<number, JobInfo>();
  private readonly queue: JobInfo[] = [];
  private readonly workers: Worker[] = [];
  private readonly metaMutex = new Mutex();
  private readonly killRequested = new Set<number>();
  private readonly stopRequested = new Set<number>();
  private readonly running = new Set<Promise<void>>();
  private nextId = 1;
  private closed = false;
  private metaConn!: DuckDBConnection;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly catalog: Catalog,
    private readonly opts: JobsOptions,
  ) {}

  async start(): Promise<void> {
    fs.mkdirSync(this.opts.resultDir, { recursive: true });
    this.metaConn = await this.instance.connect();
    const r = await this.metaConn.runAndReadAll(
      `SELECT id, type, db, query, status, created_at, start_at, end_at, updated_at, priority, retry_limit,
              result_url, num_records, result_size, result_schema, cmdout, stderr, user_name
         FROM ${META}.jobs ORDER BY id`,
    );
    const interrupted: JobInfo[] = [];
    for (const row of r.getRows()) {
      const job: JobInfo = {
        id: num(row[0]),
        type: row[1] as JobInfo['type'],
        database: row[2] as string,
        query: row[3] as string,
        status: row[4] as JobStatus,
        createdAt: num(row[5]),
        startAt: numOrNull(row[6]),
        endAt: numOrNull(row[7]),
        updatedAt: num(row[8]),
        priority: num(row[9]),
        retryLimit: num(row[10]),
        resultUrl: (row[11] as string | null) ?? '',
        numRecords: numOrNull(row[12]),
        resultSize: numOrNull(row[13]),
        resultSchema: row[14] ? (JSON.parse(row[14] as string) as Array<[string, string]>) : null,
        cmdout: (row[15] as string | null) ?? '',
        stderr: (row[16] as string | null) ?? '',
        userName: (row[17] as string | null) ?? '',
      };
      this.jobs.set(job.id, job);
      this.nextId = Math.max(this.nextId, job.id + 1);
      if (!FINISHED.has(job.status)) interrupted.push(job);
    }
    for (const job of interrupted) {
      this.finish(job, 'error', { stderr: job.stderr + 'td-server stopped before the job finished\n' });
      await this.persist(job);
    }
    for (let i = 0; i < this.opts.workers; i++)
      this.workers.push({ conn: await this.instance.connect(), job: undefined });
  }

  get(id: number): JobInfo | undefined {
    return this.jobs.get(id);
  }

  list(q: JobListQuery): { count: number; jobs: JobInfo[] } {
    const all = [...this.jobs.values()].reverse().filter((j) => !q.status || j.status === q.status);
    return { count: all.length, jobs: all.slice(q.from, q.to + 1) };
  }

  resultPath(id: number): string | undefined {
    const job = this.jobs.get(id);
    if (job?.status !== 'success') return undefined;
    const file = path.join(this.opts.resultDir, `${id}.msgpack.gz`);
    return fs.existsSync(file) ? file : undefined;
  }

  /** Add a job that ran elsewhere (bulk import perform) in its final state. */
  async record(f: FinishedJob): Promise<JobInfo> {
    const job = await this.issue(
      { type: f.type, database: f.database, query: f.query, userName: f.userName ?? '' },
      false,
    );
    job.startAt = f.startAt;
    job.numRecords = f.numRecords;
    job.cmdout = f.cmdout;
    this.finish(job, f.status, { stderr: f.stderr });
    await this.persist(job);
    return job;
  }

  async issue(req: IssueJobRequest, enqueue = true): Promise<JobInfo> {
    if (this.closed) throw new StoreError('conflict', 'td-server is shutting down');
    this.catalog.db(req.database); // 404 for an unknown database
    const now = Date.now();
    const job: JobInfo = {
      id: this.nextId++,
      type: req.type,
      database: req.database,
      query: req.query,
      status: 'queued',
      createdAt: now,
      startAt: null,
      endAt: null,
      updatedAt: now,
      priority: req.priority ?? 0,
      retryLimit: req.retryLimit ?? 0,
      resultUrl: req.resultUrl ?? '',
      numRecords: null,
      resultSize: null,
      resultSchema: null,
      cmdout: '',
      stderr: '',
      userName: req.userName ?? '',
    };
    this.jobs.set(job.id, job);
    await this.metaMutex.run(() =>
      this.metaConn.run(
        `INSERT INTO ${META}.jobs VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, NULL, NULL, NULL, '', '', ?)`,
        [
          job.id,
          job.type,
          job.database,
          job.query,
          job.status,
          now,
          now,
          job.priority,
          job.retryLimit,
          job.resultUrl,
          job.userName,
        ],
      ),
    );
    if (enqueue) {
      this.queue.push(job);
      this.pump();
    }
    return job;
  }

  async kill(id: number): Promise<JobStatus> {
    const job = this.jobs.get(id);
    if (!job) throw jobNotFound(id);
    const former = job.status;
    if (FINISHED.has(former)) return former;
    const qi = this.queue.indexOf(job);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.finish(job, 'killed', { stderr: 'killed before it started\n' });
      await this.persist(job);
      return former;
    }
    // An interrupt only reaches a statement already executing, and the job runs several in a row:
    // keep interrupting until it ends (run() also checks the flag between statements).
    this.killRequested.add(id);
    const worker = this.workers.find((w) => w.job === job);
    if (worker) {
      worker.conn.interrupt();
      const timer = setInterval(() => {
        if (worker.job === job && !FINISHED.has(job.status)) worker.conn.interrupt();
        else clearInterval(timer);
      }, 50);
      timer.unref();
    }
    return former;
  }

  /** Interrupt running jobs, fail queued ones, close the connections. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      this.finish(job, 'error', { stderr: 'td-server stopped before the job started\n' });
      await this.persist(job);
    }
    for (const w of this.workers) {
      if (!w.job) continue;
      this.stopRequested.add(w.job.id);
      w.conn.interrupt();
    }
    await Promise.allSettled([...this.running]);
    await this.metaMutex.idle();
    for (const w of this.workers) w.conn.closeSync();
    this.metaConn.closeSync();
  }

  private pump(): void {
    for (const w of this.workers) {
      if (w.job || this.closed) continue;
      const job = this.queue.shift();
      if (!job) return;
      w.job = job;
      const p = this.run(w, job).finally(() => {
        w.job = undefined;
        this.running.delete(p);
        this.pump();
      });
      this.running.add(p);
    }
  }

  private finish(job: JobInfo, status: JobStatus, extra: Partial<JobInfo> = {}): void {
    const now = Date.now();
    Object.assign(job, extra);
    job.status = status;
    job.endAt = now;
    job.updatedAt = now;
  }

  private persist(job: JobInfo): Promise<void> {
    return this.metaMutex.run(async () => {
      await this.metaConn.run(
        `UPDATE ${META}.jobs SET status = ?, start_at = ?, end_at = ?, updated_at = ?, num_records = ?,
           result_size = ?, result_schema = ?, cmdout = ?, stderr = ? WHERE id = ?`,
        [
          job.status,
          job.startAt,
          job.endAt,
          job.updatedAt,
          job.numRecords,
          job.resultSize,
          job.resultSchema ? JSON.stringify(job.resultSchema) : null,
          job.cmdout,
          job.stderr,
          job.id,
        ],
      );
    });
  }

  private async run(w: Worker, job: JobInfo): Promise<void> {
    const log = this.opts.logger;
    job.status = 'running';
    job.startAt = Date.now();
    job.updatedAt = job.startAt;
    job.cmdout = `started at ${stamp(job.startAt)}\nexecuting ${job.type} query on DuckDB ${duckdbVersion()}, database ${job.database}\n`;
    await this.persist(job);
    const final = path.join(this.opts.resultDir, `${job.id}.msgpack.gz`);
    const tmp = `${final}.tmp`;
    try {
      const rows = await this.execute(w.conn, job, tmp);
      fs.renameSync(tmp, final);
      job.resultSize = fs.statSync(final).size;
      job.numRecords = rows;
      this.finish(job, 'success');
      const secs = ((job.endAt! - job.startAt) / 1000).toFixed(3);
      job.cmdout += `finished at ${stamp(job.endAt!)}: ${rows} ${rows === 1 ? 'row' : 'rows'} in ${secs} s\n`;
      log.debug('query job finished', { job_id: job.id, rows, seconds: Number(secs) });
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      const killed = this.killRequested.has(job.id);
      const message = this.stopRequested.has(job.id)
        ? 'td-server stopped while the job was running'
        : (err as Error).message;
      this.finish(job, killed ? 'killed' : 'error', { stderr: killed ? 'killed\n' : `${message}\n` });
      job.cmdout += `${killed ? 'killed' : 'failed'} at ${stamp(job.endAt!)}\n`;
      log.debug('query job failed', { job_id: job.id, status: job.status });
    } finally {
      this.killRequested.delete(job.id);
    }
    await this.persist(job);
  }

  /** Run the job's SQL and stream its rows into `file`; returns the row count. */
  private async execute(conn: DuckDBConnection, job: JobInfo, file: string): Promise<number> {
    const checkKill = () => {
      if (this.killRequested.has(job.id)) throw new Error('killed');
    };
    await conn.run(`SET search_path = '${job.database}'`); // TD names are [a-z0-9_]
    const statements = await conn.extractStatements(job.query);
    if (statements.count !== 1) {
      throw new Error(
        statements.count === 0
          ? 'Query is empty'
          : `td-server runs one statement per job, got ${statements.count}`,
      );
    }
    const prepared = await statements.prepare(0);
    checkKill();
    const kind = prepared.statementType;
    if (kind !== StatementType.SELECT && kind !== StatementType.EXPLAIN) {
      throw new Error(
        `td-server runs read-only queries (SELECT); this is a ${StatementType[kind]} statement`,
      );
    }
    const result = await prepared.stream();
    const types = result.columnTypes();
    const names = result.columnNames();
    const typeName = job.type === 'hive' ? hiveType : prestoType;
    job.resultSchema = names.map((n, i) => [n, typeName(types[i]!)]);
    const floats = types.map(isFloatType);

    const gz = zlib.createGzip();
    const out = fs.createWriteStream(file);
    gz.pipe(out);
    const writer = new MsgpackRowWriter();
    let rows = 0;
    let bytes = 0;
    try {
      for (;;) {
        checkKill();
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        for (const row of chunk.getRows()) writer.row(row.map(wireValue), floats);
        rows += chunk.rowCount;
        bytes += writer.length;
        if (bytes > this.opts.maxResultBytes) {
          throw new Error(`query result exceeds td-server's limit of ${this.opts.maxResultBytes} bytes`);
        }
        if (!gz.write(writer.take())) await once(gz, 'drain');
      }
      gz.end();
      await finished(out);
    } catch (err) {
      gz.destroy();
      out.destroy();
      throw err;
    }
    return rows;
  }
}
