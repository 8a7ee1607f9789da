// td query (spec §3.4):
//
//   $ td query -w -d testdb "SELECT COUNT(1) AS cnt FROM www_access"
//   Job 1 is queued.
//   Use 'td job:show 1' to show the status.
//   Status      : success
//   Result      :
//   +-----+
//   | cnt |
//   +-----+
//   | 1   |
//   +-----+
//   1 row in set
//
// Decision: with -w, a job that ends in `error` or `killed` makes the exit code 1 (td exits 0);
// its debug output was already printed while waiting.

import fs from 'node:fs';
import type { Command } from 'commander';
import { getDatabase, parsePositiveInt } from './common.js';
import { CliError, PROG } from './context.js';
import { parsePriority, showResult, waitJob } from './job-result.js';
import type { CommandEnv } from './program.js';

const WRITE_FORMATS = ['tsv', 'csv', 'json', 'msgpack', 'msgpack.gz'];

interface QueryOpts {
  database?: string;
  wait?: boolean;
  waitTimeout?: string;
  output?: string;
  format?: string;
  priority?: string;
  retry?: string;
  query?: string;
  type?: string;
  limit?: string;
  columnHeader?: boolean;
  exclude?: boolean;
  result?: string;
  poolName?: string;
}

export function checkWriteFormat(
  format: string | undefined,
  output: string | undefined,
  header: boolean | undefined,
) {
  if (format !== undefined && !WRITE_FORMATS.includes(format)) {
    throw new CliError([
      `Error: Unknown format ${JSON.stringify(format)}. Supported formats are: tsv, csv, json, msgpack, and msgpack.gz`,
    ]);
  }
  if (output === undefined && format !== undefined && !['tsv', 'csv', 'json'].includes(format)) {
    throw new CliError(['Error: Supported formats are only tsv, csv and json without --output option']);
  }
  if (header && !['tsv', 'csv', 'json'].includes(format ?? '')) {
    throw new CliError([
      'Error: Option -c / --column-header is only supported with json, tsv and csv formats',
    ]);
  }
}

export function registerQuery(program: Command, env: CommandEnv): void {
  program
    .command('query')
    .description('Issue a query')
    .argument('[sql]')
    .option('-d, --database <db_name>', 'use the database (required)')
    .option('-w, --wait', 'wait for finishing the job (-w=SECONDS / --wait=SECONDS: at most that long)')
    .option('--wait-timeout <seconds>', 'wait at most this long (same as -wSECONDS)')
    .option('-o, --output <path>', 'write result to the file')
    .option('-f, --format <format>', 'format of the result to write (tsv, csv, json, msgpack, msgpack.gz)')
    .option('-r, --result <result_url>', 'write result to the URL')
    .option('-P, --priority <priority>', 'set priority')
    .option('-R, --retry <count>', 'automatic retrying count')
    .option('-q, --query <path>', 'use file instead of inline query')
    .option('-T, --type <type>', 'set query type (hive, presto, trino)')
    .option('-l, --limit <rows>', 'limit the number of result rows shown when not outputting to file')
    .option('-c, --column-header', "output of the columns' header (json, tsv and csv formats only)")
    .option('-x, --exclude', 'do not automatically retrieve the job result')
    .option('-O, --pool-name <name>', 'specify resource pool by name')
    .action(async (sqlArg: string | undefined, opts: QueryOpts) => {
      const ctx = env.ctx();
      if (!opts.database) throw new CliError(['Error: -d / --database DB_NAME option is required.']);
      let sql = sqlArg;
      if (sql === '-') sql = await readStdin(ctx.io.stdin);
      else if (sql === undefined && opts.query !== undefined)
        sql = fs.readFileSync(opts.query, 'utf8').trim();
      if (!sql) throw new CliError(['Error: <sql> argument or -q / --query PATH option is required.']);
      const format = opts.format ?? (opts.output ? 'tsv' : undefined);
      checkWriteFormat(format, opts.output, opts.columnHeader);
      let priority: number | undefined;
      if (opts.priority !== undefined) {
        priority = parsePriority(opts.priority);
        if (priority === undefined) {
          throw new CliError([
            `Error: unknown priority ${JSON.stringify(opts.priority)} should be -2 (very-low), -1 (low), 0 (normal), 1 (high) or 2 (very-high)`,
          ]);
        }
      }
      const limit = opts.limit !== undefined ? parsePositiveInt(opts.limit, '--limit') : undefined;
      if (limit !== undefined && limit <= 0)
        throw new CliError(['Error: Invalid limit number. Must be a positive integer']);
      const type = opts.type;
      if (type !== undefined && !['hive', 'pig', 'impala', 'presto', 'trino'].includes(type)) {
        throw new CliError([`Error: The specified query type is not supported: ${type}`]);
      }
      const waitTimeout =
        opts.waitTimeout !== undefined ? parsePositiveInt(opts.waitTimeout, '--wait') : undefined;
      const wait = Boolean(opts.wait) || waitTimeout !== undefined;

      const client = ctx.client();
      await getDatabase(ctx, opts.database);
      const jobId = await client.issueQuery(opts.database, sql, {
        ...(type ? { type } : {}),
        ...(priority !== undefined ? { priority } : {}),
        ...(opts.retry !== undefined ? { retryLimit: parsePositiveInt(opts.retry, '--retry') } : {}),
        ...(opts.result ? { result: opts.result } : {}),
        ...(opts.poolName ? { poolName: opts.poolName } : {}),
      });
      ctx.puts(`Job ${jobId} is queued.`);
      ctx.puts(`Use '${PROG} ${ctx.clOptions()}job:show ${jobId}' to show the status.`);
      if (!wait) {
        if (opts.output)
          ctx.puts("The output file won't be generated without additional `-w` or `--wait` option.");
        return;
      }
      const job = await waitJob(ctx, client, jobId, waitTimeout);
      ctx.puts(`Status      : ${job.status}`);
      if (job.status === 'success') {
        if (!opts.exclude) {
          await showResult(ctx, client, job, {
            ...(opts.output ? { output: opts.output } : {}),
            ...(format ? { format } : {}),
            ...(limit !== undefined ? { limit } : {}),
            header: Boolean(opts.columnHeader),
          });
        }
      } else {
        throw new CliError([], 1);
      }
    });
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of stdin) s += c.toString();
  return s;
}
