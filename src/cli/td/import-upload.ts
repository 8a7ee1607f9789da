// Chunking, chunk ids and uploads for `td import`.
//
// Chunk body (what PUT table/import_with_id receives):  gzip( msgpack(map) msgpack(map) ... )
//   concatenated maps, no array wrapper, as out_tdlog sends them.
//
// Chunk unique id (32 lowercase hex) — the same on every rerun of the same import:
//   sha256("td-import/1" \n db \n table \n parse-options \n chunk-limits \n sha256(file bytes) \n index)[0..32)
// so an interrupted `td import` can simply be run again: chunks the server already committed
// are answered 200 and imported nothing. Changing the file, the target, the parse options or
// the chunk size gives new ids (and so a fresh import).
//
// Upload retries: 5xx, 429 and network failures are retried (1 s doubling, 5 attempts) — safe
// because the id makes a retried chunk import at most once. Other 4xx end the import.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { encode } from '../../core/msgpack.js';
import { ApiError } from '../../td/api-error.js';
import type { TdClient } from '../../td/client.js';
import { gzipImportBytes } from '../../td/import-body.js';

export const DEFAULT_CHUNK_RECORDS = 10_000;
export const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;

export async function fileSha256(path: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const c of fs.createReadStream(path, { highWaterMark: 1024 * 1024 })) h.update(c as Buffer);
  return h.digest('hex');
}

export interface ChunkIdParts {
  db: string;
  table: string;
  /** Everything that changes which records a file produces (format, time column, ...). */
  parse: string;
  /** Chunk limits (they decide where chunks split). */
  limits: string;
  fileHash: string;
  index: number;
}

export function chunkUniqueId(p: ChunkIdParts): string {
  return crypto
    .createHash('sha256')
    .update(['td-import/1', p.db, p.table, p.parse, p.limits, p.fileHash, String(p.index)].join('\n'))
    .digest('hex')
    .slice(0, 32);
}

/** Accumulates encoded records; `full` says when the chunk should be sent. */
export class ChunkBuilder {
  private parts: Buffer[] = [];
  private bytes = 0;

  constructor(
    readonly maxRecords = DEFAULT_CHUNK_RECORDS,
    readonly maxBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  add(record: unknown): void {
    const b = encode(record);
    this.parts.push(b);
    this.bytes += b.length;
  }

  get records(): number {
    return this.parts.length;
  }

  get full(): boolean {
    return this.parts.length >= this.maxRecords || this.bytes >= this.maxBytes;
  }

  /** The gzipped body of the records so far; the builder starts empty again. */
  async take(): Promise<{ body: Buffer; records: number; rawBytes: number }> {
    const records = this.parts.length;
    const raw = Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    return { body: await gzipImportBytes(raw), records, rawBytes: raw.length };
  }
}

export async function uploadChunk(
  client: TdClient,
  db: string,
  table: string,
  body: Buffer,
  uniqueId: string,
  onRetry: (msg: string) => void,
  attempts = 5,
): Promise<void> {
  let delay = 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.import(db, table, body, { uniqueId });
      return;
    } catch (e) {
      if (!(e instanceof ApiError) || !e.retryable || attempt >= attempts) throw e;
      onRetry(`${e.message}; retrying in ${delay / 1000} s (attempt ${attempt + 1} of ${attempts})`);
      await sleep(delay);
      delay *= 2;
    }
  }
}
