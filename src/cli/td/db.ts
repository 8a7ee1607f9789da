// td db:list / db:show / db:create / db:delete (spec §3.2), with td's aliases.
//
//   $ td db:list
//   +--------+-------+
//   | Name   | Count |        Count raw (no delimiters), as td prints it
//   +--------+-------+
//   | testdb | 1     |
//   +--------+-------+
//   1 row in set

import type { Command } from 'commander';
import { ApiError } from '../../td/api-error.js';
import { getDatabase, renderFormat, validateName } from './common.js';
import { CliError, PROG } from './context.js';
import { renderRows } from './hirb.js';
import type { CommandEnv } from './program.js';

export function registerDb(program: Command, env: CommandEnv): void {
  program
    .command('db:list')
    .aliases(['dbs', 'databases', 'database:list', 'show-databases', 'show-dbs'])
    .description('Show list of databases')
    .option(
      '-f, --format <format>',
      'format of the result rendering (tsv, csv, json or table. default is table)',
    )
    .action(async (opts: { format?: string }) => {
      const ctx = env.ctx();
      const format = renderFormat(opts.format);
      const dbs = await ctx.client().listDatabases();
      const rows = dbs.map((d) => ({ Name: d.name, Count: d.count }));
      ctx.puts(renderRows(rows, ['Name', 'Count'], format));
      if (dbs.length === 0) {
        ctx.warn('There are no databases.');
        ctx.warn(`Use '${PROG} ${ctx.clOptions()}db:create <db_name>' to create a database.`);
      }
    });

  program
    .command('db:show')
    .aliases(['db', 'database', 'database:show'])
    .description('Describe information of a database')
    .argument('<db>')
    .option(
      '-f, --format <format>',
      'format of the result rendering (tsv, csv, json or table. default is table)',
    )
    .action(async (db: string, opts: { format?: string }) => {
      const ctx = env.ctx();
      const format = renderFormat(opts.format);
      await getDatabase(ctx, db);
      const tables = await ctx.client().listTables(db);
      const rows = tables
        .map((t) => ({
          Table: t.name,
          Type: t.type,
          Count: String(t.count),
          Schema: t.schema.map((f) => `${f[0]}:${f[1]}`).join(', '),
        }))
        .sort((a, b) => a.Type.length - b.Type.length || cmp(a.Table, b.Table));
      ctx.puts(renderRows(rows, ['Table', 'Type', 'Count', 'Schema'], format));
    });

  program
    .command('db:create')
    .aliases(['database:create', 'create-database', 'create-db'])
    .description('Create a database')
    .argument('<db>')
    .action(async (db: string) => {
      const ctx = env.ctx();
      validateName('database', db);
      try {
        await ctx.client().createDatabase(db);
      } catch (e) {
        if (e instanceof ApiError && e.kind === 'AlreadyExistsError') {
          throw new CliError([`Database '${db}' already exists.`]);
        }
        throw e;
      }
      ctx.warn(`Database '${db}' is created.`);
      ctx.warn(`Use '${PROG} ${ctx.clOptions()}table:create ${db} <table_name>' to create a table.`);
    });

  program
    .command('db:delete')
    .aliases(['database:delete', 'drop-database', 'drop-db', 'delete-database', 'delete-db'])
    .description('Delete a database')
    .argument('<db>')
    .option('-f, --force', 'clear tables and delete the database')
    .action(async (db: string, opts: { force?: boolean }) => {
      const ctx = env.ctx();
      const client = ctx.client();
      const exists = (await client.listDatabases()).some((d) => d.name === db);
      if (!exists) throw new CliError([`Database '${db}' does not exist.`]);
      const tables = await client.listTables(db);
      if (!opts.force && tables.length > 0) {
        throw new CliError([`Database '${db}' is not empty. Use '-f' option or drop tables first.`]);
      }
      // Dropping the tables first works whether or not the server drops them with the database.
      for (const t of tables) await client.deleteTable(db, t.name);
      try {
        await client.deleteDatabase(db);
      } catch (e) {
        if (e instanceof ApiError && e.kind === 'NotFoundError') {
          throw new CliError([`Database '${db}' does not exist.`]);
        }
        throw e;
      }
      ctx.warn(`Database '${db}' is deleted.`);
    });
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
