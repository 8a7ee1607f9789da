// A listening td-server: data directory, key store, DuckDB store, HTTP server. Used by the CLI
// and by tests that want a real socket in-process.
//
// <data>/ (mode 0700)
//   td.duckdb, td.duckdb.wal   the store
//   apikeys.json               hashed API keys (0600)
//   admin.apikey               the administrator key made at first start (0600)
//   results/<job id>.msgpack.gz
//   bulk_imports/<name>/        bulk import sessions (see bulk-import.ts)

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/log.js';
import { createApp, DEFAULT_LIMITS } from './app.js';
import { KeyStore } from './auth.js';
import { BulkImports } from './bulk-import.js';
import type { Limits } from './router.js';
import { DuckDbStore } from './store/duckdb/store.js';

export interface ServerOptions {
  dataDir: string;
  port: number;
  bind: string;
  logger: Logger;
  limits?: Partial<Limits>;
  jobWorkers?: number;
  threads?: number;
  memoryLimit?: string;
  dedupeWindowMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** The administrator key when this start created it (first start), else undefined. */
  newAdminKey: string | undefined;
  keys: KeyStore;
  /** Stop accepting, answer in-flight requests (imports finish), close the store. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { logger } = opts;
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const keys = new KeyStore(opts.dataDir);
  const newAdminKey = keys.ensureAdmin();
  let store: DuckDbStore;
  try {
    store = await DuckDbStore.open({
      dataDir: opts.dataDir,
      logger,
      ...(opts.jobWorkers ? { jobWorkers: opts.jobWorkers } : {}),
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.memoryLimit ? { memoryLimit: opts.memoryLimit } : {}),
      ...(opts.dedupeWindowMs ? { dedupeWindowMs: opts.dedupeWindowMs } : {}),
    });
  } catch (err) {
    const msg = (err as Error).message;
    if (/lock/i.test(msg))
      throw new Error(`data directory ${opts.dataDir} is in use by another process (${msg})`);
    throw err;
  }
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const app = createApp({
    store,
    keys,
    logger,
    bulkImports: new BulkImports(opts.dataDir, store, limits.maxImportDecompressedBytes),
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.jobWorkers ? { jobWorkers: opts.jobWorkers } : {}),
  });
  const server = http.createServer({ keepAliveTimeout: 30_000, requestTimeout: 600_000 }, app.handle);
  server.headersTimeout = 60_000;
  server.maxConnections = 1024;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.bind, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const host = opts.bind.includes(':') ? `[${opts.bind}]` : opts.bind;
  const url = `http://${host}:${port}`;
  logger.info(`listening on ${url}`, { data: opts.dataDir });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const stopped = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      await app.drain();
      server.closeAllConnections();
      await stopped;
      await store.close();
    })();
    return closing;
  };
  return { url, port, newAdminKey, keys, close };
}
