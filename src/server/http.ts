// HTTP plumbing for td-server: JSON answers and errors in TD's shape, bounded body reading,
// form parsing, TD timestamp strings.
//
//   error body:  {"error": "<message>", "message": "<message>", "severity": "error"}
//   (td-client reads `message`, falling back to `error`; 401 is {"error":"Failed to Login", ...})

import type { IncomingMessage, ServerResponse } from 'node:http';

/** An answer other than 200, with TD's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly error: string = message,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string, error = message): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error, message, severity: 'error' });
}

/** TD's JSON timestamp: "2013-01-21 01:51:41 UTC", or null. */
export function tdTime(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/**
 * Read a request body up to `limit` bytes. Over the limit (by Content-Length or while reading)
 * throws ApiError 413 and marks the connection to close, so the rest is never read.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer> {
  const tooLarge = () => {
    res.shouldKeepAlive = false;
    res.setHeader('Connection', 'close');
    return new ApiError(413, `request body exceeds the limit of ${limit} bytes`);
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let total = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        done = true;
        cleanup();
        req.pause();
        reject(tooLarge());
        return;
      }
      parts.push(chunk);
    };
    const onEnd = () => {
      if (done) return;
      done = true;
      cleanup();
      resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, total));
    };
    const onError = (err: Error) => {
      if (done) return;
      done = true;
      cleanup();
      reject(err);
    };
    const onAborted = () => onError(new Error('request aborted by the client'));
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** `application/x-www-form-urlencoded` fields (also accepts an empty body). */
export async function readForm(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<URLSearchParams> {
  const body = await readBody(req, res, limit);
  return new URLSearchParams(body.toString('utf8'));
}

/** Limits concurrent sections (memory-heavy import decoding). */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Parse an optional integer form/query field; undefined when absent or empty. */
export function intParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw new ApiError(400, `'${name}' must be an integer, got '${v}'`);
  return Number(v.trim());
}

export function boolParam(v: string | null, name: string): boolean | undefined {
  if (v === null || v === '') return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw new ApiError(400, `'${name}' must be true or false, got '${v}'`);
}
