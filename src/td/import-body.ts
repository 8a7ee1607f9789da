// The Treasure Data import body, shared by out_tdlog, `td import` and td-server:
//
//   body     = gzip( record record record ... )      one or more gzip members, concatenated
//   record   = msgpack map  {"time": <int>, "key": value, ...}   no array wrapper, no separator
//
// Encoding uses async zlib. Decoding is bounded for untrusted input: the compressed body is
// inflated through an async stream with a running byte counter (a gzip bomb stops at the
// limit), then the msgpack bytes are structurally pre-scanned (msgpack-scan.ts) before any
// object is decoded.

import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { TributaryError } from '../core/errors.js';
import { encode, unpackr } from '../core/msgpack.js';
import { type ScanProblem, scanRecords } from './msgpack-scan.js';

export type Rec = Record<string, unknown>;

const gzip = promisify(zlib.gzip);

/** gzip(concatenated msgpack maps) — the `msgpack.gz` import format. */
export async function encodeImportBody(records: Iterable<Rec>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const r of records) parts.push(encode(r));
  return gzipImportBytes(Buffer.concat(parts));
}

/** gzip already-encoded concatenated msgpack maps (a buffer chunk's bytes). */
export async function gzipImportBytes(msgpack: Uint8Array): Promise<Buffer> {
  return gzip(msgpack);
}

export type ImportBodyProblem =
  | 'not_gzip'
  | 'bad_gzip'
  | 'truncated_gzip'
  | 'too_large'
  | ScanProblem
  | 'decode'
  | 'bad_record';

/** Why a body was refused. `tooLarge` bodies deserve 413, everything else 400. `bad_record`:
 *  a well-formed record the receiver cannot accept (no integer `time`, an unusable key). */
export class ImportBodyError extends TributaryError {
  readonly problem: ImportBodyProblem;
  constructor(problem: ImportBodyProblem, message: string) {
    super(`IMPORT_${problem.toUpperCase()}`, message);
    this.problem = problem;
  }
  get tooLarge(): boolean {
    return this.problem === 'too_large';
  }
}

export interface DecodeLimits {
  /** Most bytes the inflated msgpack may have. */
  maxDecompressedBytes: number;
  /** Deepest nesting accepted, the record map counting as 1. */
  maxDepth?: number;
}

/**
 * Inflate a gzip body (several members allowed) through async zlib, stopping as soon as the
 * output passes `maxBytes`. Throws ImportBodyError.
 */
export function gunzipBounded(body: Uint8Array, maxBytes: number): Promise<Buffer> {
  if (body.length < 2 || body[0] !== 0x1f || body[1] !== 0x8b) {
    return Promise.reject(new ImportBodyError('not_gzip', 'body is not gzip data (expected msgpack.gz)'));
  }
  return new Promise((resolve, reject) => {
    const z = zlib.createGunzip();
    const out: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (err: Error | undefined) => {
      if (done) return;
      done = true;
      if (err) reject(err);
      else resolve(out.length === 1 ? out[0]! : Buffer.concat(out, total));
    };
    z.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        finish(new ImportBodyError('too_large', `decompressed body exceeds the limit of ${maxBytes} bytes`));
        z.destroy();
        return;
      }
      out.push(chunk);
    });
    z.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) {
        finish(new ImportBodyError('truncated_gzip', 'gzip data is truncated (unexpected end of file)'));
      } else {
        finish(new ImportBodyError('bad_gzip', `gzip data is corrupt: ${err.message}`));
      }
    });
    z.on('end', () => finish(undefined));
    z.end(body);
  });
}

const SCAN_MESSAGES: Record<ScanProblem, string> = {
  truncated: 'msgpack data is truncated or a declared length exceeds the data',
  invalid: 'data is not valid msgpack',
  not_a_map: 'is not a msgpack map (each record must be a map)',
  bad_key: 'has a key that is not a string',
  too_deep: 'is nested too deeply',
};

/**
 * Validate then decode concatenated msgpack maps, calling `fn` for each record in order.
 * Returns the record count. Throws ImportBodyError: a structural problem before `fn` is ever
 * called; a decode problem possibly after some calls, so callers must discard what they built.
 */
export function forEachRecord(
  msgpack: Uint8Array,
  fn: (rec: Rec, index: number) => void,
  maxDepth = 100,
  onCount?: (records: number) => void,
): number {
  const scan = scanRecords(msgpack, maxDepth);
  if (scan.problem) {
    const where = `record ${scan.records + 1} (byte ${scan.offset})`;
    const p = scan.problem;
    const msg =
      p === 'truncated' || p === 'invalid'
        ? `${SCAN_MESSAGES[p]} at ${where}`
        : `${where} ${SCAN_MESSAGES[p]}`;
    throw new ImportBodyError(p, msg);
  }
  let i = 0;
  onCount?.(scan.records);
  if (scan.records === 0) return 0;
  try {
    unpackr.unpackMultiple(msgpack, (value: unknown) => {
      fn(value as Rec, i++);
    });
  } catch (err) {
    if (err instanceof ImportBodyError) throw err;
    throw new ImportBodyError('decode', `cannot decode msgpack record ${i + 1}: ${(err as Error).message}`);
  }
  return i;
}

/** Inflate and decode a whole body into records (tests, small bodies). */
export async function decodeImportBody(body: Uint8Array, limits: DecodeLimits): Promise<Rec[]> {
  const raw = await gunzipBounded(body, limits.maxDecompressedBytes);
  const records: Rec[] = [];
  forEachRecord(raw, (r) => records.push(r), limits.maxDepth);
  return records;
}
