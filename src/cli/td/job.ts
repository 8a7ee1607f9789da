// td job:show / job:list / job:status / job:kill (spec §3.2, §3.4).
//
//   $ td job:show 1
//   JobID       : 1
//   Status      : success
//   Type        : presto
//   Database    : testdb
//   Start At    : 2024-05-01 12:00:00 UTC
//   End At      : 2024-05-01 12:00:01 UTC
//   Priority    : NORMAL
//   Retry limit : 0
//   Output      :
//   Query       : SELECT COUNT(1) AS cnt FROM www_access
//   Result size : 12 B
//   Result      :
//   (table)
//   Use '-v' option to show detailed messages.

import type { Command } from 'commander';
import { FINISHED_JOB_STATUSES, type JobInfo } from '../../td/models.js';
import { parsePositiveInt, renderFormat } from './common.js';
import type { Ctx } from './context.js';
import { CliError } from './context.js';
import {
  clockDuration,
  humanizeBytesize,
  humanizeElapsed,
  humanizeTime,
  parseTdTime,
  rubyTime,
} from './format.js';
import { renderRows } from './hirb.js';
import {
  debugLines,
  PRIORITY_NAMES,
  QUERY_JOB_TYPES,
  type ResultOptions,
  showResult,
  waitJob,
} from './job-result.js';
import type { CommandEnv } from './program.js';
import { checkWriteFormat } from './query.js';

const JOB_FIELDS = [
  'JobID',
  'Status',
  'Start',
  'Elapsed',
  'CPUTime',
  'ResultSize',
  'Priority',
  'Result',
  'Type',
  'Database',
  'Query',
  'Duration',
];

const priorityName = (p: number) => PRIORITY_NAMES[String(p)] ?? 'NORMAL';

interface ShowOpts {
  verbose?: boolean;
  wait?: boolean;
  output?: string;
  format?: string;
  limit?: string;
  columnHeader?: boolean;
  exclude?: boolean;
  null?: string;
}

async function jobShow(ctx: Ctx, jobId: string, opts: ShowOpts): Promise<void> {
  const format = opts.format ?? (opts.output ? 'tsv' : undefined);
  checkWriteFormat(format, opts.output, opts.columnHeader);
  if (opts.output && opts.limit !== undefined) {
    throw new CliError([
      'Error: Option -l / --limit is only valid when not outputting to file (no -o / --output option provided)',
    ]);
  }
  const resultOpts: ResultOptions = {
    ...(opts.output ? { output: opts.output } : {}),
    ...(format ? { format } : {}),
    ...(opts.limit !== undefined ? { limit: parsePositiveInt(opts.limit, '--limit') } : {}),
    header: Boolean(opts.columnHeader),
    ...(opts.null !== undefined ? { nullExpr: opts.null } : {}),
  };
  const client = ctx.client();
  let job = await client.showJob(jobId);
  const isQuery = QUERY_JOB_TYPES.has(job.type);
  const finished = FINISHED_JOB_STATUSES.includes(job.status);
  ctx.puts(`JobID       : ${job.jobId}`);
  ctx.puts(`Status      : ${job.status}`);
  ctx.puts(`Type        : ${job.type}`);
  ctx.puts(`Database    : ${job.database}`);
  ctx.puts(`Start At    : ${rubyTime(parseTdTime(job.startAt))}`);
  ctx.puts(`End At      : ${rubyTime(parseTdTime(job.endAt))}`);
  if (isQuery) {
    ctx.puts(`Priority    : ${priorityName(job.priority)}`);
    ctx.puts(`Retry limit : ${job.retryLimit ?? ''}`);
    ctx.puts(`Output      : ${job.resultUrl ?? ''}`);
    ctx.puts(`Query       : ${job.query}`);
  }
  if (finished) {
    if (job.type === 'hive') ctx.puts(`CPU time    : ${humanizeTime(job.cpuTime, true)}`);
    if (isQuery) ctx.puts(`Result size : ${humanizeBytesize(job.resultSize, 2)}`);
  }
  if (opts.wait && !finished) {
    ctx.warn(`the job ${job.jobId} is still running...`);
    job = await waitJob(ctx, client, jobId);
    if (isQuery && !opts.exclude && job.status === 'success') await showResult(ctx, client, job, resultOpts);
  } else {
    if (isQuery && !opts.exclude && job.status === 'success') await showResult(ctx, client, job, resultOpts);
    if (opts.verbose) printDebug(ctx, job);
  }
  if (!opts.verbose) ctx.puts("Use '-v' option to show detailed messages.");
}

function printDebug(ctx: Ctx, job: JobInfo): void {
  for (const [title, text] of [
    ['Output:', job.debug.cmdout],
    ['Details:', job.debug.stderr],
  ] as const) {
    if (text === null) continue;
    ctx.puts('');
    ctx.puts(title);
    for (const line of debugLines(text)) ctx.puts(`  ${line}`);
  }
}

export function registerJob(program: Command, env: CommandEnv): void {
  program
    .command('job:show')
    .alias('job')
    .description('Show status and result of a job')
    .argument('<job_id>')
    .option('-v, --verbose', 'show logs')
    .option('-w, --wait', 'wait for finishing the job')
    .option('-o, --output <path>', 'write result to the file')
    .option('-f, --format <format>', 'format of the result to write (tsv, csv, json, msgpack, msgpack.gz)')
    .option('-l, --limit <rows>', 'limit the number of result rows shown when not outputting to file')
    .option('-c, --column-header', "output of the columns' header (json, tsv and csv formats only)")
    .option('-x, --exclude', 'do not automatically retrieve the job result')
    .option('--null <string>', 'null expression in csv or tsv')
    .action((jobId: string, opts: ShowOpts) => jobShow(env.ctx(), jobId, opts));

  program
    .command('job:status')
    .description('Show status progress of a job')
    .argument('<job_id>')
    .action(async (jobId: string) => {
      const ctx = env.ctx();
      ctx.puts(await ctx.client().jobStatus(jobId));
    });

  program
    .command('job:list')
    .alias('jobs')
    .description('Show list of jobs')
    .argument('[max]')
    .option('-p, --page <page>', 'skip N pages')
    .option('-s, --skip <n>', 'skip N jobs')
    .option('-R, --running', 'show only running jobs')
    .option('-S, --success', 'show only succeeded jobs')
    .option('-E, --error', 'show only failed jobs')
    .option('--slow [seconds]', 'show slow queries (default threshold: 3600 seconds)')
    .option(
      '-f, --format <format>',
      'format of the result rendering (tsv, csv, json or table. default is table)',
    )
    .action(async (maxArg: string | undefined, opts: Record<string, string | boolean | undefined>) => {
      const ctx = env.ctx();
      const format = renderFormat(opts.format as string | undefined);
      const max = maxArg === undefined ? 20 : parsePositiveInt(maxArg, 'max');
      let skip = opts.skip !== undefined ? parsePositiveInt(String(opts.skip), '--skip') : 0;
      if (opts.page !== undefined) skip += max * parsePositiveInt(String(opts.page), '--page');
      const status = opts.running ? 'running' : opts.success ? 'success' : opts.error ? 'error' : undefined;
      const slow =
        opts.slow === undefined
          ? undefined
          : opts.slow === true
            ? 3600
            : parsePositiveInt(String(opts.slow), '--slow');
      const jobs = await ctx.client().listJobs(skip, skip + max - 1, status, slow);
      const table = format === undefined || format === 'table';
      const rows = jobs.map((j) => {
        const start = parseTdTime(j.startAt);
        return {
          JobID: j.jobId,
          Database: j.database,
          Status: j.status,
          Type: j.type,
          Query: table ? `${j.query.slice(0, 50)} ...` : j.query,
          Start: start ? rubyTime(start, 'local') : '',
          Elapsed: humanizeElapsed(start, parseTdTime(j.endAt)).padStart(11),
          CPUTime: humanizeTime(j.cpuTime, true).padStart(17),
          ResultSize: j.resultSize !== null ? humanizeBytesize(j.resultSize, 2) : '',
          Priority: priorityName(j.priority),
          Result: j.resultUrl,
          Duration: j.duration !== null ? clockDuration(j.duration) : null,
        };
      });
      ctx.puts(renderRows(rows, JOB_FIELDS, format, 1000));
    });

  program
    .command('job:kill')
    .alias('kill')
    .description('Kill or cancel a job')
    .argument('<job_id>')
    .action(async (jobId: string) => {
      const ctx = env.ctx();
      const former = await ctx.client().killJob(jobId);
      if (FINISHED_JOB_STATUSES.includes(former)) {
        ctx.warn(`Job ${jobId} is already finished (${former})`);
        return;
      }
      ctx.warn(former === 'running' ? `Job ${jobId} is killed.` : `Job ${jobId} is canceled.`);
    });
}
