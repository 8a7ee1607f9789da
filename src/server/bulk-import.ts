// Bulk import sessions (TD's /v3/bulk_import API): upload parts, perform (validate), commit.
//
//   create -> uploading --freeze/unfreeze--> perform -> ready -> commit -> committed
//
// Files under <data>/bulk_imports/<name>/ (names are [A-Za-z0-9_-], so never a path):
//   session.json                 the session (written atomically after each step)
//   parts/<sha1 of part>.gz      uploaded part bodies (gzipped msgpack maps, as imports)
//   valid/<sha1 of part>.mp      perform output: the part's acceptable records, msgpack
//   error_records.msgpack.gz     perform output: the refused records
//
// perform runs within the request and is recorded as a finished `bulk_import` job. commit
// imports each performed part with the unique id `bulk_import.<name>.<sha1>` in its own store
// transaction, so an interrupted commit can be repeated without duplicating a part.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { encode } from '../core/msgpack.js';
import { forEachRecord, gunzipBounded, ImportBodyError } from '../td/import-body.js';
import { ApiError } from './http.js';
import { buildBatch, recordProblem } from './store/batch.js';
import { dbNotFound, type Store, tableNotFound } from './store/types.js';

export interface BulkImportSession {
  name: string;
  database: string;
  table: string;
  status: 'uploading' | 'performing' | 'ready' | 'committing' | 'committed';
  upload_frozen: boolean;
  job_id: string | null;
  valid_records: number | null;
  error_records: number | null;
  valid_parts: number | null;
  error_parts: number | null;
  /** part name -> file id (sha1 hex of the name) */
  parts: Record<string, string>;
  created_at: number;
}

const NAME = /^[A-Za-z0-9_-]{1,128}$/;

export class BulkImports {
  private readonly root: string;
  private readonly sessions = new Map<string, BulkImportSession>();

  constructor(
    dataDir: string,
    private readonly store: Store,
    private readonly maxDecompressedBytes: number,
  ) {
    this.root = path.join(dataDir, 'bulk_imports');
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    for (const name of fs.readdirSync(this.root)) {
      const file = path.join(this.root, name, 'session.json');
      if (fs.existsSync(file))
        this.sessions.set(name, JSON.parse(fs.readFileSync(file, 'utf8')) as BulkImportSession);
    }
  }

  private dir(name: string, ...rest: string[]): string {
    return path.join(this.root, name, ...rest);
  }

  private save(s: BulkImportSession): void {
    const file = this.dir(s.name, 'session.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(s));
    fs.renameSync(`${file}.tmp`, file);
  }

  get(name: string): BulkImportSession {
    const s = this.sessions.get(name);
    if (!s) throw new ApiError(404, `Couldn't find BulkImport with name = ${name}`);
    return s;
  }

  list(): BulkImportSession[] {
    return [...this.sessions.values()].sort((a, b) => a.created_at - b.created_at);
  }

  create(name: string, database: string, table: string): void {
    if (!NAME.test(name))
      throw new ApiError(400, `Invalid bulk import name '${name}': use 1 to 128 of [A-Za-z0-9_-]`);
    if (this.sessions.has(name)) throw new ApiError(409, `Bulk import ${name} already exists`);
    if (!this.store.getDatabase(database)) throw dbNotFound(database);
    if (!this.store.getTable(database, table)) throw tableNotFound(table);
    const s: BulkImportSession = {
      name,
      database,
      table,
      status: 'uploading',
      upload_frozen: false,
      job_id: null,
      valid_records: null,
      error_records: null,
      valid_parts: null,
      error_parts: null,
      parts: {},
      created_at: Date.now(),
    };
    fs.mkdirSync(this.dir(name, 'parts'), { recursive: true });
    fs.mkdirSync(this.dir(name, 'valid'), { recursive: true });
    this.save(s);
    this.sessions.set(name, s);
  }

  delete(name: string): void {
    this.get(name);
    this.sessions.delete(name);
    fs.rmSync(this.dir(name), { recursive: true, force: true });
  }

  private uploadable(s: BulkImportSession): void {
    if (s.upload_frozen) throw new ApiError(400, `Bulk import ${s.name} is frozen`);
    if (s.status !== 'uploading' && s.status !== 'ready') {
      throw new ApiError(400, `Bulk import ${s.name} is ${s.status}`);
    }
  }

  uploadPart(name: string, part: string, body: Buffer): void {
    const s = this.get(name);
    this.uploadable(s);
    const id = createHash('sha1').update(part).digest('hex');
    fs.writeFileSync(this.dir(name, 'parts', `${id}.gz`), body);
    s.parts[part] = id;
    s.status = 'uploading';
    this.save(s);
  }

  deletePart(name: string, part: string): void {
    const s = this.get(name);
    this.uploadable(s);
    const id = s.parts[part];
    if (!id) throw new ApiError(404, `Couldn't find part ${part} in bulk import ${name}`);
    fs.rmSync(this.dir(name, 'parts', `${id}.gz`), { force: true });
    delete s.parts[part];
    this.save(s);
  }

  setFrozen(name: string, frozen: boolean): void {
    const s = this.get(name);
    s.upload_frozen = frozen;
    this.save(s);
  }

  /** Validate every part; acceptable records go to valid/, the others to error_records. */
  async perform(name: string, userName: string): Promise<string> {
    const s = this.get(name);
    if (s.status === 'committing' || s.status === 'committed') {
      throw new ApiError(400, `Bulk import ${name} is ${s.status}`);
    }
    const started = Date.now();
    s.status = 'performing';
    this.save(s);
    let validRecords = 0;
    let errorRecords = 0;
    let validParts = 0;
    let errorParts = 0;
    const errors: Buffer[] = [];
    const log: string[] = [];
    for (const [part, id] of Object.entries(s.parts)) {
      const body = fs.readFileSync(this.dir(name, 'parts', `${id}.gz`));
      const good: Buffer[] = [];
      try {
        const raw = await gunzipBounded(body, this.maxDecompressedBytes);
        forEachRecord(raw, (rec) => {
          const problem = recordProblem(rec);
          if (problem) {
            errorRecords++;
            errors.push(encode(rec));
          } else {
            validRecords++;
            good.push(encode(rec));
          }
        });
        validParts++;
      } catch (err) {
        if (!(err instanceof ImportBodyError)) throw err;
        errorParts++;
        log.push(`part ${part}: ${err.message}`);
        good.length = 0;
      }
      fs.writeFileSync(this.dir(name, 'valid', `${id}.mp`), Buffer.concat(good));
    }
    fs.writeFileSync(this.dir(name, 'error_records.msgpack.gz'), zlib.gzipSync(Buffer.concat(errors)));
    Object.assign(s, {
      status: 'ready',
      valid_records: validRecords,
      error_records: errorRecords,
      valid_parts: validParts,
      error_parts: errorParts,
    });
    const job = await this.store.recordJob({
      type: 'bulk_import',
      database: s.database,
      query: `bulk_import:perform ${name}`,
      status: 'success',
      startAt: started,
      numRecords: validRecords,
      cmdout: `${validParts} valid parts, ${errorParts} error parts; ${validRecords} valid records, ${errorRecords} error records\n${log.join('\n')}`,
      stderr: '',
      userName,
    });
    s.job_id = String(job.id);
    this.save(s);
    return s.job_id;
  }

  /** Import the performed parts, each once (resumable). */
  async commit(name: string): Promise<void> {
    const s = this.get(name);
    if (s.status === 'committed') return;
    if (s.status !== 'ready' && s.status !== 'committing') {
      throw new ApiError(400, `Bulk import ${name} must be performed before commit (it is ${s.status})`);
    }
    s.status = 'committing';
    this.save(s);
    for (const id of Object.values(s.parts)) {
      const file = this.dir(name, 'valid', `${id}.mp`);
      if (!fs.existsSync(file)) continue;
      const batch = buildBatch(fs.readFileSync(file));
      await this.store.importBatch(s.database, s.table, batch, `bulk_import.${name}.${id}`);
    }
    s.status = 'committed';
    this.save(s);
  }

  errorRecordsPath(name: string): string | undefined {
    this.get(name);
    const file = this.dir(name, 'error_records.msgpack.gz');
    return fs.existsSync(file) ? file : undefined;
  }
}

/** The session as `bulk_import/list` and `show` answer it. */
export function bulkImportJson(s: BulkImportSession): Record<string, unknown> {
  const { parts: _parts, created_at: _c, ...rest } = s;
  return rest;
}
