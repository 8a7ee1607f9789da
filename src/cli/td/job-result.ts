// Waiting for a job and printing its result, shared by `td query` and `td job:show` (spec §3.4).
//
// Waiting polls job/show (first after 0.1 s, doubling to td's 2 s) and prints each new line of
// debug.cmdout / debug.stderr indented by two spaces. Results are read as a msgpack stream of
// row arrays (job/result?format=msgpack) and rendered client-side:
//   (no -f)  hirb table, headers from hive_result_schema, cells as td's dump_column
//   json     "[" rows joined by ",\n" "]"   (-c: objects keyed by column name)
//   csv/tsv  one line per row              (-c: header line first; csv quoted as Ruby's CSV)
//   msgpack, msgpack.gz (only with -o)     the server's bytes as they are
// With -o the file is written as FILE.tmp and renamed when complete.

import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../../td/api-error.js';
import type { TdClient } from '../../td/client.js';
import { FINISHED_JOB_STATUSES, type JobInfo } from '../../td/models.js';
import { CliError, type Ctx } from './context.js';
import { csvLine, dumpColumn, jsonValue } from './format.js';
import { renderTable } from './hirb.js';

export const QUERY_JOB_TYPES = new Set(['hive', 'pig', 'impala', 'presto', 'trino']);

export const PRIORITY_NAMES: Record<string, string> = {
  '-2': 'VERY LOW',
  '-1': 'LOW',
  '0': 'NORMAL',
  '1': 'HIGH',
  '2': 'VERY HIGH',
};

/** td's priority names and numbers: very-low/-2 … very-high/2. */
export function parsePriority(s: string): number | undefined {
  if (/^very[ _-]?low$|^-2$/i.test(s)) return -2;
  if (/^low$|^-1$/i.test(s)) return -1;
  if (/^norm(?:al)?$|^[-+]?0$/i.test(s)) return 0;
  if (/^high$|^\+?1$/i.test(s)) return 1;
  if (/^very[ _-]?high$|^\+?2$/i.test(s)) return 2;
  return undefined;
}

export interface ResultOptions {
  output?: string;
  format?: string;
  limit?: number;
  header?: boolean;
  nullExpr?: string;
}

/** Polls until the job finishes; returns the final job/show. `timeoutSec` as td's `-w=SECS`. */
export async function waitJob(
  ctx: Ctx,
  client: TdClient,
  jobId: string,
  timeoutSec?: number,
): Promise<JobInfo> {
  const deadline = timeoutSec !== undefined ? Date.now() + timeoutSec * 1000 : undefined;
  let delay = 100;
  let cmdoutLines = 0;
  let stderrLines = 0;
  let networkErrors = 0;
  for (;;) {
    if (deadline !== undefined && Date.now() >= deadline) {
      throw new CliError([`Error: timeout (${timeoutSec}) exceeded while waiting for job ${jobId}`]);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 2000);
    let job: JobInfo;
    try {
      job = await client.showJob(jobId);
      networkErrors = 0;
    } catch (e) {
      if (e instanceof ApiError && e.retryable && ++networkErrors <= 10) continue;
      throw e;
    }
    const cmdout = debugLines(job.debug.cmdout).slice(cmdoutLines);
    const stderr = debugLines(job.debug.stderr).slice(stderrLines);
    for (const l of [...cmdout, ...stderr]) ctx.puts(`  ${l}`);
    cmdoutLines += cmdout.length;
    stderrLines += stderr.length;
    if (FINISHED_JOB_STATUSES.includes(job.status)) return job;
  }
}

/** Lines of a debug text as Ruby's String#split("\n") gives them: trailing empty lines dropped. */
export function debugLines(text: string | null): string[] {
  if (!text) return [];
  const out = text.split('\n');
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** Prints "Result      :" and the rows (or writes them to `-o`). A 404 result prints nothing. */
export async function showResult(
  ctx: Ctx,
  client: TdClient,
  job: JobInfo,
  opts: ResultOptions,
): Promise<void> {
  ctx.puts('Result      :');
  try {
    if (opts.output) {
      const format = opts.format ?? 'tsv';
      await writeResultFile(client, job, opts.output, format, opts);
      ctx.puts(`written to ${opts.output} in ${format} format`);
    } else if (opts.format) {
      await writeRows(client, job, opts, opts.format, (s) => ctx.io.out(s));
    } else {
      await printTable(ctx, client, job, opts);
    }
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'NotFoundError') return;
    throw e;
  }
}

async function printTable(ctx: Ctx, client: TdClient, job: JobInfo, opts: ResultOptions): Promise<void> {
  if (ctx.io.stdoutIsTTY) ctx.io.out('WARNING: the job result is being downloaded...');
  const rows: string[][] = [];
  for await (const row of client.jobResultRows(job.jobId)) {
    rows.push(row.map((v) => dumpColumn(v, opts.nullExpr)));
    if (opts.limit !== undefined && rows.length >= opts.limit) break;
  }
  if (ctx.io.stdoutIsTTY) ctx.io.out(`\r${' '.repeat(50)}\r`);
  const changeFields = job.hiveResultSchema?.map((c) => c[0]);
  ctx.puts(renderTable(rows, { maxWidth: 10000, ...(changeFields ? { changeFields } : {}) }));
}

type Write = (s: string) => void | Promise<void>;

async function writeRows(client: TdClient, job: JobInfo, opts: ResultOptions, format: string, write: Write) {
  const names = job.hiveResultSchema?.map((c) => c[0]);
  const header = opts.header && names;
  const limit = opts.output ? undefined : opts.limit;
  let n = 0;
  if (format === 'json') {
    await write('[');
    for await (const row of client.jobResultRows(job.jobId)) {
      const value = header ? Object.fromEntries(names.map((name, i) => [name, row[i] ?? null])) : row;
      await write(`${n > 0 ? ',\n' : ''}${jsonValue(value)}`);
      n++;
      if (limit !== undefined && n >= limit) break;
    }
    await write(opts.output ? ']' : ']\n');
    return;
  }
  if (format !== 'csv' && format !== 'tsv') {
    throw new CliError([`Error: Format '${format}' does not support writing to stdout`]);
  }
  const line = (vals: string[]) => (format === 'csv' ? csvLine(vals) : vals.join('\t'));
  if (header) await write(`${line(names)}\n`);
  for await (const row of client.jobResultRows(job.jobId)) {
    await write(`${line(row.map((v) => dumpColumn(v, opts.nullExpr)))}\n`);
    if (limit !== undefined && ++n >= limit) break;
  }
}

async function writeResultFile(
  client: TdClient,
  job: JobInfo,
  output: string,
  format: string,
  opts: ResultOptions,
) {
  const tmp = `${output}.tmp`;
  const file = fs.createWriteStream(tmp);
  const done = new Promise<void>((resolve, reject) => {
    file.on('finish', resolve);
    file.on('error', reject);
  });
  const write = async (chunk: string | Buffer) => {
    if (!file.write(chunk)) await new Promise<void>((r) => file.once('drain', () => r()));
  };
  try {
    if (format === 'msgpack' || format === 'msgpack.gz') {
      for await (const chunk of await client.jobResultStream(job.jobId, format)) await write(chunk as Buffer);
    } else {
      await writeRows(client, job, opts, format, write);
    }
    file.end();
    await done;
  } catch (e) {
    file.destroy();
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.renameSync(tmp, output);
}
