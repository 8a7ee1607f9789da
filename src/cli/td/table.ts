// td table:list / table:show / table:create / table:delete / table:tail (spec §3.2, §3.3).
//
//   $ td tables
//   +----------+------------+------+-------+--------+-------------+--------------------+--------+
//   | Database | Table      | Type | Count | Size   | Last import | Last log timestamp | Schema |
//   +----------+------------+------+-------+--------+-------------+--------------------+--------+
//   | testdb   | www_access | log  | 1     | 0.0 GB |             |                    |        |
//   +----------+------------+------+-------+--------+-------------+--------------------+--------+
//   1 row in set
//
// Count is thousands-delimited in the table format only; timestamps are shown in local time as
// Ruby prints a Time ("2024-05-01 12:00:00 +0000"); rows sorted by (Database, Type length, Table).

import type { Command } from 'commander';
import { ApiError } from '../../td/api-error.js';
import type { DatabaseInfo } from '../../td/models.js';
import {
  confirm,
  getDatabase,
  getTable,
  mapLimit,
  parsePositiveInt,
  renderFormat,
  validateName,
} from './common.js';
import { CliError, PROG } from './context.js';
import { cmp } from './db.js';
import { formatWithDelimiter, jsonValue, parseTdTime, rubyTime, storageSizeString } from './format.js';
import { renderRows } from './hirb.js';
import type { CommandEnv } from './program.js';

const HIVE_RESERVED = new Set(
  `TRUE FALSE ALL AND OR NOT LIKE ASC DESC ORDER BY GROUP WHERE FROM AS SELECT DISTINCT INSERT OVERWRITE
  OUTER JOIN LEFT RIGHT FULL ON PARTITION PARTITIONS TABLE TABLES TBLPROPERTIES SHOW MSCK DIRECTORY LOCAL
  TRANSFORM USING CLUSTER DISTRIBUTE SORT UNION LOAD DATA INPATH IS NULL CREATE EXTERNAL ALTER DESCRIBE
  DROP REANME TO COMMENT BOOLEAN TINYINT SMALLINT INT BIGINT FLOAT DOUBLE DATE DATETIME TIMESTAMP STRING
  BINARY ARRAY MAP REDUCE PARTITIONED CLUSTERED SORTED INTO BUCKETS ROW FORMAT DELIMITED FIELDS TERMINATED
  COLLECTION ITEMS KEYS LINES STORED SEQUENCEFILE TEXTFILE INPUTFORMAT OUTPUTFORMAT LOCATION TABLESAMPLE
  BUCKET OUT OF CAST ADD REPLACE COLUMNS RLIKE REGEXP TEMPORARY FUNCTION EXPLAIN EXTENDED SERDE WITH
  SERDEPROPERTIES LIMIT SET`.split(/\s+/),
);

const TABLE_FIELDS = [
  'Database',
  'Table',
  'Type',
  'Count',
  'Size',
  'Last import',
  'Last log timestamp',
  'Schema',
];

function parseBool(v: string): boolean {
  if (/^(true|yes|\+)$/i.test(v)) return true;
  if (/^(false|no|-|nil)$/i.test(v)) return false;
  throw new CliError([`Error: invalid argument: ${v} (expected true or false)`]);
}

export function registerTable(program: Command, env: CommandEnv): void {
  program
    .command('table:list')
    .aliases(['tables', 'show-tables'])
    .description('Show list of tables')
    .argument('[db]')
    .option('-n, --num_threads <n>', 'number of threads to get list in parallel', '4')
    .option('--show-bytes', 'show estimated table size in bytes')
    .option(
      '-f, --format <format>',
      'format of the result rendering (tsv, csv, json or table. default is table)',
    )
    .action(
      async (
        dbName: string | undefined,
        opts: { numThreads?: string; num_threads?: string; showBytes?: boolean; format?: string },
      ) => {
        const ctx = env.ctx();
        const format = renderFormat(opts.format);
        const threads = parsePositiveInt(opts.num_threads ?? opts.numThreads ?? '4', '--num_threads');
        const client = ctx.client();
        const databases: DatabaseInfo[] = dbName
          ? [await getDatabase(ctx, dbName)]
          : await client.listDatabases();
        const delimit = format === undefined || format === 'table';
        const perDb = await mapLimit(databases, threads, async (db) => {
          if (db.permission === 'import_only') return [];
          try {
            return (await client.listTables(db.name)).map((t) => {
              const lastImport = parseTdTime(t.lastImport);
              const lastLog = parseTdTime(t.lastLogTimestamp);
              return {
                Database: db.name,
                Table: t.name,
                Type: t.type,
                Count: delimit ? formatWithDelimiter(t.count) : t.count,
                Size: opts.showBytes
                  ? formatWithDelimiter(t.estimatedStorageSize)
                  : storageSizeString(t.estimatedStorageSize),
                'Last import': lastImport ? rubyTime(lastImport, 'local') : null,
                'Last log timestamp': lastLog ? rubyTime(lastLog, 'local') : null,
                Schema: t.schema.map((f) => `${f[0]}:${f[1]}`).join(', '),
              };
            });
          } catch (e) {
            // db:list shows every database, even those whose tables this key may not read
            if (e instanceof ApiError && /not authorized/.test(e.message)) return [];
            throw e;
          }
        });
        const rows = perDb
          .flat()
          .sort(
            (a, b) => cmp(a.Database, b.Database) || a.Type.length - b.Type.length || cmp(a.Table, b.Table),
          );
        ctx.puts(renderRows(rows, TABLE_FIELDS, format, 500));
        if (rows.length === 0) {
          const hint = `Use '${PROG} ${ctx.clOptions()}table:create <db> <table>' to create a table.`;
          if (dbName) {
            if (databases[0]?.permission === 'import_only')
              ctx.warn(`Database '${dbName}' is import only, cannot list.`);
            else {
              ctx.warn(`Database '${dbName}' has no tables.`);
              ctx.warn(hint);
            }
          } else if (databases.length === 0) {
            ctx.warn('There are no databases.');
            ctx.warn(`Use '${PROG} ${ctx.clOptions()}db:create <db>' to create a database.`);
          } else {
            ctx.warn('There are no tables.');
            ctx.warn(hint);
          }
        }
      },
    );

  program
    .command('table:show')
    .aliases(['table', 'show-table'])
    .description('Describe information of a table')
    .argument('<db>')
    .argument('<table>')
    .option('-v', 'show more attributes')
    .action(async (db: string, table: string, opts: { v?: boolean }) => {
      const ctx = env.ctx();
      const t = await getTable(ctx, db, table);
      ctx.puts(`Name        : ${db}.${t.name}`);
      ctx.puts(`Type        : ${t.type}`);
      ctx.puts(`Count       : ${t.count}`);
      if (opts.v) {
        ctx.puts(`Expire Days : ${t.expireDays ?? ''}`);
        ctx.puts(`Include v   : ${t.includeV ?? ''}`);
      }
      ctx.puts('Schema      : (');
      for (const f of t.schema) ctx.puts(`    ${f[0]}:${f[1]}`);
      ctx.puts(')');
    });

  program
    .command('table:create')
    .aliases(['create-log-table', 'create-table'])
    .description('Create a table')
    .argument('<db>')
    .argument('<table>')
    .option('-T, --type <type>', 'set table type (log)')
    .option('--expire-days <days>', 'set table expire days')
    .option('--include-v <boolean>', 'set include_v flag')
    .option('--detect-schema <boolean>', 'set detect schema flag')
    .action(
      async (
        db: string,
        table: string,
        opts: { type?: string; expireDays?: string; includeV?: string; detectSchema?: string },
      ) => {
        const ctx = env.ctx();
        if (opts.type !== undefined && opts.type !== 'log') {
          throw new CliError([
            `Error: Unknown table type ${JSON.stringify(opts.type)}. Supported types: log`,
          ]);
        }
        const params: { expire_days?: number; include_v?: boolean; detect_schema?: boolean } = {};
        if (opts.expireDays !== undefined) {
          const days = parsePositiveInt(opts.expireDays, '--expire-days');
          if (days < 0) throw new CliError(['Table expiration days must be greater or equal to 0.']);
          params.expire_days = days;
        }
        if (opts.includeV !== undefined) params.include_v = parseBool(opts.includeV);
        if (opts.detectSchema !== undefined) params.detect_schema = parseBool(opts.detectSchema);
        validateName('table', table);
        if (HIVE_RESERVED.has(table.toUpperCase())) {
          ctx.warn('* WARNING *');
          ctx.warn(`  '${table}' is a reserved keyword in Hive. We recommend renaming the table.`);
        }
        try {
          await ctx.client().createLogTable(db, table, params);
        } catch (e) {
          if (e instanceof ApiError && e.kind === 'NotFoundError') {
            throw new CliError([
              `Database '${db}' does not exist.`,
              `Use '${PROG} ${ctx.clOptions()}db:create ${db}' to create the database.`,
            ]);
          }
          if (e instanceof ApiError && e.kind === 'AlreadyExistsError') {
            throw new CliError([`Table '${db}.${table}' already exists.`]);
          }
          throw e;
        }
        ctx.warn(`Table '${db}.${table}' is created.`);
      },
    );

  program
    .command('table:delete')
    .aliases(['drop-log-table', 'drop-table', 'delete-log-table', 'delete-table'])
    .description('Delete a table')
    .argument('<db>')
    .argument('<table>')
    .option('-f, --force', 'never prompt')
    .action(async (db: string, table: string, opts: { force?: boolean }) => {
      const ctx = env.ctx();
      const notFound = () =>
        new CliError([
          `Table '${db}.${table}' does not exist.`,
          `Use '${PROG} ${ctx.clOptions()}table:list ${db}' to show list of the tables.`,
        ]);
      if (!opts.force) {
        await getTable(ctx, db, table);
        if (!(await confirm(ctx, `Do you really want to delete '${table}' in '${db}'? [y/N]: `))) {
          throw new CliError(['canceled.']);
        }
      }
      try {
        await ctx.client().deleteTable(db, table);
      } catch (e) {
        if (e instanceof ApiError && e.kind === 'NotFoundError') throw notFound();
        throw e;
      }
      ctx.warn(`Table '${db}.${table}' is deleted.`);
    });

  program
    .command('table:tail')
    .description('Get recently imported logs')
    .argument('<db>')
    .argument('<table>')
    .option('-n, --count <n>', 'number of logs to get', '10')
    .option('-P, --pretty', 'pretty print')
    .action(async (db: string, table: string, opts: { count: string; pretty?: boolean }) => {
      const ctx = env.ctx();
      const count = parsePositiveInt(opts.count, '--count');
      await getTable(ctx, db, table);
      const rows = await ctx.client().tail(db, table, count);
      for (const row of rows) ctx.puts(jsonValue(row, opts.pretty ? 2 : undefined));
    });
}
