// td-server: the Treasure-Data-compatible store.
//
//   td-server [--port 8080] [--bind 127.0.0.1] [--data ./var/td-server] [--log FILE] [--log-level info]
//   td-server apikey:create [--data DIR] [--admin]    prints the new key alone on its last line
//   td-server apikey:list   [--data DIR]
//   td-server apikey:revoke KEY|ID [--data DIR]
//
// The first start creates an administrator key, prints it once on stdout (never through the
// logger) and saves it to <data>/admin.apikey (0600). SIGTERM/SIGINT: stop accepting, finish
// in-flight requests (imports commit or roll back whole), checkpoint DuckDB, exit 0.

import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { isLogLevel, Logger, type LogLevel, LogSink } from '../core/log.js';
import { KeyStore } from '../server/auth.js';
import type { RunningServer } from '../server/server.js';

// DuckDB's async calls, zlib and fs share libuv's pool: give imports and jobs room.
process.env.UV_THREADPOOL_SIZE ??= '8';

const DEFAULT_DATA = path.join('var', 'td-server');

function size(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`'${v}' is not a size (e.g. 64m, 1g)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as 'k'];
  return Math.floor(Number(m[1]) * mult);
}

function int(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`'${v}' is not a non-negative integer`);
  return Number(v);
}

function level(v: string): LogLevel {
  if (!isLogLevel(v))
    throw new InvalidArgumentError(`'${v}' is not a log level (trace, debug, info, warn, error)`);
  return v;
}

const program = new Command('td-server')
  .enablePositionalOptions()
  .description('Treasure-Data-compatible store: TD REST API v3 subset on DuckDB')
  .option('-p, --port <port>', 'port to listen on (0 = any free port)', int, 8080)
  .option('-b, --bind <address>', 'address to bind', '127.0.0.1')
  .option('-d, --data <dir>', 'data directory', DEFAULT_DATA)
  .option('-o, --log <file>', 'log file (default: stdout)')
  .option('--log-level <level>', 'trace, debug, info, warn, error', level, 'info' as LogLevel)
  .option('--workers <n>', 'query jobs running at once', int, 2)
  .option('--max-import-size <size>', 'largest compressed import body', size, 64 * 1024 ** 2)
  .option('--max-import-decompressed-size <size>', 'largest decompressed import body', size, 128 * 1024 ** 2)
  .option('--dedupe-days <days>', 'how long import unique ids are remembered', int, 30)
  .option('--threads <n>', 'DuckDB worker threads (default: cores)', int)
  .option('--memory-limit <size>', "DuckDB memory limit, e.g. 2GB (default: DuckDB's 80% of RAM)")
  .action(async (o) => {
    const sink = new LogSink(o.log);
    const logger = new Logger({ level: o.logLevel, sink });
    let running: RunningServer;
    try {
      // Loaded here so the apikey:* commands do not load DuckDB.
      const { startServer } = await import('../server/server.js');
      running = await startServer({
        dataDir: o.data,
        port: o.port,
        bind: o.bind,
        logger,
        jobWorkers: o.workers,
        limits: { maxImportBytes: o.maxImportSize, maxImportDecompressedBytes: o.maxImportDecompressedSize },
        ...(o.threads ? { threads: o.threads } : {}),
        ...(o.memoryLimit ? { memoryLimit: o.memoryLimit } : {}),
        dedupeWindowMs: o.dedupeDays * 86_400_000,
      });
    } catch (err) {
      logger.error(`td-server cannot start: ${(err as Error).message}`);
      process.exit(1);
    }
    if (running.newAdminKey) {
      const file = path.join(o.data, 'admin.apikey');
      logger.info('created the administrator API key (printed once on stdout)', { file });
      process.stdout.write(
        `Administrator API key (shown once; also saved to ${file}):\n${running.newAdminKey}\n`,
      );
    }
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn(`received ${signal} again, exiting now`);
        process.exit(1);
      }
      stopping = true;
      logger.info(`received ${signal}, shutting down`);
      running.close().then(
        () => {
          logger.info('td-server stopped');
          sink.close();
          process.exit(0);
        },
        (err: Error) => {
          logger.error('shutdown failed', { error: err });
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGUSR1', () => sink.reopen());
  });

program
  .command('apikey:create')
  .description('create an API key and print it (alone on the last line)')
  .option('-d, --data <dir>', 'data directory', DEFAULT_DATA)
  .option('--admin', 'mark the key as administrator')
  .action((o: { data: string; admin?: boolean }) => {
    const keys = new KeyStore(o.data);
    const { key, entry } = keys.create({ admin: o.admin ?? false });
    process.stdout.write(`Created API key ${entry.id}${entry.admin ? ' (administrator)' : ''}:\n${key}\n`);
  });

program
  .command('apikey:list')
  .description('list API keys (hashes are stored; only a hint of each key is shown)')
  .option('-d, --data <dir>', 'data directory', DEFAULT_DATA)
  .action((o: { data: string }) => {
    const rows = new KeyStore(o.data).list();
    if (rows.length === 0) {
      process.stdout.write('There are no API keys.\n');
      return;
    }
    const lines = [['ID', 'Key', 'Role', 'Created', 'Status']];
    for (const k of rows) {
      lines.push([
        String(k.id),
        k.hint,
        k.admin ? 'administrator' : 'full_access',
        k.created_at,
        k.revoked_at ? `revoked ${k.revoked_at}` : 'active',
      ]);
    }
    const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
    for (const l of lines)
      process.stdout.write(
        l
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd() + '\n',
      );
  });

program
  .command('apikey:revoke')
  .description('revoke an API key, given the key itself or its ID from apikey:list')
  .argument('<key>', 'the API key or its ID')
  .option('-d, --data <dir>', 'data directory', DEFAULT_DATA)
  .action((key: string, o: { data: string }) => {
    const entry = new KeyStore(o.data).revoke(key);
    if (!entry) {
      process.stderr.write('Error: no such API key\n');
      process.exit(1);
    }
    process.stdout.write(`API key ${entry.id} is revoked.\n`);
  });

await program.parseAsync(process.argv);
