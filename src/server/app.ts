// td-server's HTTP application, built without listening: `createApp(...).handle` is a plain
// (req, res) listener, so tests can mount it on any server, and `drain()` resolves when the
// requests in flight have been answered (graceful stop: close the listener, drain, close store).
//
// Every route needs `Authorization: TD1 <apikey>` except the ones marked open (server_status,
// user/authenticate). Errors are TD's JSON: 400 bad input, 401 "Failed to Login", 404 unknown
// database/table/job, 409 exists, 413 body too large, 422 no result yet, 503 shutting down.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger, LogThrottle } from '../core/log.js';
import { ImportBodyError } from '../td/import-body.js';
import type { KeyStore } from './auth.js';
import type { BulkImports } from './bulk-import.js';
import { ApiError, Semaphore, sendError } from './http.js';
import { type Limits, Router } from './router.js';
import { bulkImportRoutes } from './routes/v3/bulk-import.js';
import { databaseRoutes } from './routes/v3/database.js';
import { importRoutes } from './routes/v3/import.js';
import { jobRoutes } from './routes/v3/job.js';
import { systemRoutes } from './routes/v3/system.js';
import { tableRoutes } from './routes/v3/table.js';
import { type Store, StoreError } from './store/types.js';

export const DEFAULT_LIMITS: Limits = {
  maxImportBytes: 64 * 1024 * 1024,
  maxImportDecompressedBytes: 128 * 1024 * 1024,
  maxFormBytes: 4 * 1024 * 1024,
  maxDepth: 100,
};

export interface AppOptions {
  store: Store;
  keys: KeyStore;
  logger: Logger;
  limits?: Partial<Limits>;
  /** Imports decoding at once (each may hold up to maxImportDecompressedBytes). */
  decodeConcurrency?: number;
  /** Reported as account.maximum_cores. */
  jobWorkers?: number;
  /** Bulk import sessions; without them the bulk_import routes answer 404. */
  bulkImports?: BulkImports;
}

export interface App {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Resolves when no request is in flight. */
  drain(): Promise<void>;
  readonly inFlight: number;
}

const STORE_STATUS: Record<StoreError['kind'], number> = {
  db_not_found: 404,
  table_not_found: 404,
  job_not_found: 404,
  exists: 409,
  invalid: 400,
  conflict: 503,
};

function errorStatus(err: unknown): number {
  if (err instanceof ApiError) return err.status;
  if (err instanceof StoreError) return STORE_STATUS[err.kind];
  if (err instanceof ImportBodyError) return err.tooLarge ? 413 : 400;
  return 500;
}

/** Read and discard the rest of a request body (at most `limit` bytes). */
function drain(req: IncomingMessage, limit: number): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve();
  return new Promise((resolve) => {
    let n = 0;
    const done = () => {
      req.off('data', onData);
      resolve();
    };
    const onData = (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        req.pause();
        done();
      }
    };
    req.on('data', onData);
    req.once('end', done);
    req.once('error', done);
    req.once('close', done);
    req.resume();
  });
}

export function createApp(opts: AppOptions): App {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const { store, keys, logger } = opts;
  const router = new Router().add(
    ...systemRoutes({ id: keys.accountId, createdAt: keys.createdAt, maxCores: opts.jobWorkers ?? 2 }),
    ...databaseRoutes,
    ...tableRoutes,
    ...importRoutes(new Semaphore(opts.decodeConcurrency ?? 2)),
    ...jobRoutes,
    ...(opts.bulkImports ? bulkImportRoutes(opts.bulkImports) : []),
  );
  const throttle = new LogThrottle();
  let inFlight = 0;
  let waiters: Array<() => void> = [];

  const fail = async (
    req: IncomingMessage,
    res: ServerResponse,
    err: unknown,
    method: string,
    path: string,
  ): Promise<number> => {
    const status = errorStatus(err);
    // Clients (Ruby's net/http, httpclient) write the whole body before reading the answer: an
    // early 404/401 must not close the connection under them, so the body is read and dropped
    // first — up to the import limit; a 413 closes the connection instead.
    if (status !== 413) await drain(req, limits.maxImportBytes);
    if (err instanceof ApiError) {
      sendError(res, status, err.message, err.error);
      return status;
    }
    if (err instanceof StoreError) {
      sendError(res, status, err.message);
      return status;
    }
    if (err instanceof ImportBodyError) {
      if (err.tooLarge) res.setHeader('Connection', 'close');
      sendError(res, status, `Import failed: ${err.message}`);
      return status;
    }
    const message = (err as Error)?.message ?? String(err);
    const suppressed = throttle.allow(`${method} ${message}`);
    if (suppressed >= 0) {
      logger.error('request failed', {
        method,
        path,
        error: err as Error,
        ...(suppressed ? { suppressed } : {}),
      });
    }
    sendError(res, 500, `Internal error: ${message}`, 'Internal Server Error');
    return 500;
  };

  const run = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const method = req.method ?? 'GET';
    let status = 200;
    try {
      const { route, params } = router.match(method, path);
      const key = keys.authenticate(req.headers.authorization);
      if (!route.open && !key) throw new ApiError(401, 'Failed to Login');
      await route.handler({
        req,
        res,
        params,
        query: new URLSearchParams(q >= 0 ? url.slice(q + 1) : ''),
        key,
        store,
        logger,
        limits,
      });
      status = res.statusCode;
    } catch (err) {
      status = await fail(req, res, err, method, path);
    }
    if (logger.enabled('debug')) {
      logger.debug('request', { method, path, status, ms: Math.round(performance.now() - started) });
    }
  };

  return {
    handle(req, res) {
      inFlight++;
      run(req, res).finally(() => {
        inFlight--;
        if (inFlight === 0) {
          const w = waiters;
          waiters = [];
          for (const f of w) f();
        }
      });
    },
    drain() {
      return inFlight === 0 ? Promise.resolve() : new Promise((r) => waiters.push(r));
    },
    get inFlight() {
      return inFlight;
    },
  };
}
