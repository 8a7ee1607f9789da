// td import DB TABLE FILES... (also `table:import`): parse json/csv/tsv/msgpack files (or `-`
// for stdin, .gz gunzipped), check each record as td's table:import does, and upload chunks of
// 10,000 records with import_with_id so a rerun after an interruption imports nothing twice
// (see import-upload.ts for the ids).
//
// stdout: "importing FILE...", "imported N entries from FILE.", "done." (as td prints them);
// stderr: skipped records (first 10 per file, then a count), retries, progress/summary.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ApiError } from '../../td/api-error.js';
import { parsePositiveInt, validateName } from './common.js';
import { CliError, type Ctx, PROG } from './context.js';
import {
  formatFromPath,
  IMPORT_FORMATS,
  type ImportFormat,
  isSkip,
  openInput,
  type ParseOptions,
  readRecords,
  sanitizeRecord,
} from './import-parse.js';
import { ImportProgress } from './import-progress.js';
import {
  ChunkBuilder,
  chunkUniqueId,
  DEFAULT_CHUNK_RECORDS,
  fileSha256,
  uploadChunk,
} from './import-upload.js';
import type { CommandEnv } from './program.js';

interface ImportOpts {
  format?: string;
  json?: boolean;
  csv?: boolean;
  tsv?: boolean;
  msgpack?: boolean;
  timeColumn?: string;
  timeKey?: string;
  timeValue?: string;
  columns?: string;
  allString?: boolean;
  autoCreate?: boolean;
  autoCreateTable?: boolean;
  chunkRecords?: string;
}

const MAX_SKIP_MESSAGES = 10;

export function registerImport(program: Command, env: CommandEnv): void {
  program
    .command('import')
    .alias('table:import')
    .description('Parse and import files to a table (json, csv, tsv, msgpack; .gz ok; - for stdin)')
    .argument('<db>')
    .argument('<table>')
    .argument('<files...>')
    .option(
      '--format <format>',
      'file format: json (one object per line), csv, tsv, msgpack (default: from the file name)',
    )
    .option('--json', 'same as --format json')
    .option('--csv', 'same as --format csv')
    .option('--tsv', 'same as --format tsv')
    .option('--msgpack', 'same as --format msgpack')
    .option('--time-column <name>', "column holding the record time (default 'time')")
    .option('-t, --time-key <name>', 'same as --time-column')
    .option('--time-value <unixtime>', 'use this time for every record')
    .option('--columns <names>', 'csv/tsv column names, comma-separated (the first line is then data)')
    .option('--all-string', 'keep csv/tsv cells as strings (default: numbers become numbers)')
    .option('--auto-create', 'create the database and table if they do not exist')
    .option('--auto-create-table', 'same as --auto-create')
    .option(
      '--chunk-records <n>',
      'records per upload (changes the chunk ids)',
      String(DEFAULT_CHUNK_RECORDS),
    )
    .action((db: string, table: string, files: string[], opts: ImportOpts) =>
      runImport(env.ctx(), db, table, files, opts),
    );
}

function chooseFormat(opts: ImportOpts, files: string[]): ImportFormat {
  const flags = (['json', 'csv', 'tsv', 'msgpack'] as const).filter((f) => opts[f]);
  const named = opts.format ?? flags[0];
  if (named !== undefined) {
    if (!IMPORT_FORMATS.includes(named as ImportFormat)) {
      throw new CliError([
        `Error: Unknown format '${named}'. Supported formats: ${IMPORT_FORMATS.join(', ')}`,
      ]);
    }
    return named as ImportFormat;
  }
  const guessed = new Set(files.map((f) => formatFromPath(f)));
  const only = [...guessed][0];
  if (guessed.size === 1 && only) return only;
  throw new CliError([`Error: --format is required (${IMPORT_FORMATS.join(', ')})`]);
}

async function ensureTarget(ctx: Ctx, db: string, table: string, autoCreate: boolean): Promise<void> {
  const client = ctx.client();
  if (autoCreate) {
    validateName('database', db);
    validateName('table', table);
    try {
      if (!(await client.listDatabases()).some((d) => d.name === db)) {
        await client.createDatabase(db);
        ctx.warn(`Database '${db}' is created.`);
      }
    } catch (e) {
      if (!(e instanceof ApiError && ['AlreadyExistsError', 'ForbiddenError'].includes(e.kind))) throw e;
    }
    try {
      await client.createLogTable(db, table);
      ctx.warn(`Table '${db}.${table}' is created.`);
    } catch (e) {
      if (!(e instanceof ApiError && e.kind === 'AlreadyExistsError')) throw e;
    }
    return;
  }
  try {
    if (!(await client.listDatabases()).some((d) => d.name === db)) {
      throw new CliError([
        `Database '${db}' does not exist`,
        `Use '${PROG} ${ctx.clOptions()}db:create ${db}' to create it, or add --auto-create.`,
      ]);
    }
    if (!(await client.listTables(db)).some((t) => t.name === table)) {
      throw new CliError([
        `Table '${db}.${table}' does not exist`,
        `Use '${PROG} ${ctx.clOptions()}table:create ${db} ${table}' to create it, or add --auto-create.`,
      ]);
    }
  } catch (e) {
    if (!(e instanceof ApiError && e.kind === 'ForbiddenError')) throw e;
    ctx.puts(`Warning: database and table validation skipped - ${e.message}`);
  }
}

/** `-` is read to a temporary file first: the chunk ids need the whole content's hash. */
async function spoolStdin(ctx: Ctx): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'td-import-'));
  const file = path.join(dir, 'stdin');
  await pipeline(ctx.io.stdin, fs.createWriteStream(file));
  return file;
}

async function runImport(
  ctx: Ctx,
  db: string,
  table: string,
  files: string[],
  opts: ImportOpts,
): Promise<void> {
  const format = chooseFormat(opts, files);
  const timeColumn = opts.timeColumn ?? opts.timeKey ?? 'time';
  const timeValue =
    opts.timeValue !== undefined ? parsePositiveInt(opts.timeValue, '--time-value') : undefined;
  const chunkRecords = parsePositiveInt(
    opts.chunkRecords ?? String(DEFAULT_CHUNK_RECORDS),
    '--chunk-records',
  );
  if (chunkRecords < 1) throw new CliError(['Error: --chunk-records must be at least 1']);
  const parse: ParseOptions = { format };
  if (opts.columns) parse.columns = opts.columns.split(',').map((c) => c.trim());
  if (opts.allString) parse.allString = true;
  const parseKey = JSON.stringify([
    format,
    timeColumn,
    timeValue ?? null,
    parse.columns ?? null,
    Boolean(opts.allString),
  ]);

  for (const f of files) {
    if (f !== '-' && !fs.existsSync(f))
      throw new CliError([`Error: No such file or directory @ rb_sysopen - ${f}`]);
  }
  await ensureTarget(ctx, db, table, Boolean(opts.autoCreate || opts.autoCreateTable));
  const client = ctx.importClient();

  const paths: string[] = [];
  for (const f of files) paths.push(f === '-' ? await spoolStdin(ctx) : f);
  const spooled = paths.filter((_, i) => files[i] === '-');
  const totalBytes = paths.reduce((t, p) => t + fs.statSync(p).size, 0);
  const progress = new ImportProgress(totalBytes, ctx.io.stderrIsTTY, (t) => ctx.io.out(t));
  const seen = new Map<string, string>();
  try {
    for (let i = 0; i < files.length; i++) {
      const name = files[i] as string;
      const file = paths[i] as string;
      progress.startFile(name);
      progress.say(`importing ${name}...`);
      const fileHash = await fileSha256(file);
      const same = seen.get(fileHash);
      if (same !== undefined) {
        progress.log(`  skipped: ${name} has the same content as ${same}`);
        continue;
      }
      seen.set(fileHash, name);

      const chunk = new ChunkBuilder(chunkRecords);
      let index = 0;
      let n = 0;
      let skipped = 0;
      let inflight: Promise<void> | undefined;
      const send = async () => {
        const { body, records } = await chunk.take();
        const uniqueId = chunkUniqueId({
          db,
          table,
          parse: parseKey,
          limits: `${chunkRecords}/${chunk.maxBytes}`,
          fileHash,
          index: index++,
        });
        if (inflight) await inflight; // at most one upload in flight while the next chunk is parsed
        inflight = uploadChunk(client, db, table, body, uniqueId, (m) => progress.log(`  ${m}`)).then(() => {
          progress.addRecords(records);
          progress.chunks++;
        });
        inflight.catch(() => {}); // awaited later; keep it from counting as unhandled meanwhile
      };
      for await (const rec of readRecords(
        openInput(file, (b) => progress.addBytes(b)),
        parse,
      )) {
        const reason = isSkip(rec) ? `${rec.skip}: ${rec.text}` : sanitizeRecord(rec, timeColumn, timeValue);
        if (reason !== undefined) {
          if (++skipped <= MAX_SKIP_MESSAGES) progress.log(`  skipped: ${reason}`);
          continue;
        }
        chunk.add(rec);
        n++;
        if (chunk.full) await send();
      }
      if (chunk.records > 0) await send();
      if (inflight) await inflight;
      if (skipped > MAX_SKIP_MESSAGES) progress.log(`  skipped ${skipped - MAX_SKIP_MESSAGES} more records`);
      if (n === 0) throw new CliError([`Error: no valid record to import from ${name}`]);
      progress.say(`imported ${n} entries from ${name}.`);
    }
    progress.finish();
  } catch (e) {
    progress.abort();
    if (progress.chunks > 0) {
      ctx.warn(
        `${progress.records} records in ${progress.chunks} chunks were imported before the failure; ` +
          'run the same command again to import the rest (chunks already imported are not imported twice).',
      );
    }
    throw e;
  } finally {
    for (const f of spooled) fs.rmSync(path.dirname(f), { recursive: true, force: true });
  }
  ctx.puts('done.');
}
