// table/list, show, create, delete, update, update-schema, swap, change_database, tail.
//
// tail answers the last `count` (default 10, at most 10,000) records imported, oldest first,
// each a map with `time` and the non-null fields: format=msgpack (default) is concatenated
// msgpack maps, format=json one JSON object per line.

import { encode } from '../../../core/msgpack.js';
import { ApiError, boolParam, intParam, readForm, sendJson } from '../../http.js';
import type { Ctx, Route } from '../../router.js';
import { tableJson } from '../../shapes.js';
import { dbNotFound, tableNotFound } from '../../store/types.js';

function tableOf(ctx: Ctx) {
  const { db, table } = ctx.params as { db: string; table: string };
  if (!ctx.store.getDatabase(db)) throw dbNotFound(db);
  const t = ctx.store.getTable(db, table);
  if (!t) throw tableNotFound(table);
  return t;
}

function jsonLine(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) + '\n';
}

async function tableOptions(ctx: Ctx) {
  const form = await readForm(ctx.req, ctx.res, ctx.limits.maxFormBytes);
  const expireDays = intParam(form.get('expire_days'), 'expire_days');
  const includeV = boolParam(form.get('include_v'), 'include_v');
  return {
    ...(expireDays !== undefined ? { expireDays: expireDays > 0 ? expireDays : null } : {}),
    ...(includeV !== undefined ? { includeV } : {}),
  };
}

const createTable = async (ctx: Ctx) => {
  const { db, table, type } = ctx.params as { db: string; table: string; type?: string };
  if (type !== undefined && type !== 'log')
    throw new ApiError(400, `Unsupported table type '${type}'; only 'log'`);
  const opts = await tableOptions(ctx);
  await ctx.store.createTable(db, table, opts);
  sendJson(ctx.res, 200, { database: db, table, type: 'log' });
};

export const tableRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/v3/table/list/:db',
    handler: (ctx) => {
      const db = ctx.params.db!;
      if (!ctx.store.getDatabase(db)) throw dbNotFound(db);
      const tables = ctx.store
        .listTables(db)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      sendJson(ctx.res, 200, { database: db, tables: tables.map(tableJson) });
    },
  },
  {
    method: 'GET',
    pattern: '/v3/table/show/:db/:table',
    handler: (ctx) => sendJson(ctx.res, 200, { database: ctx.params.db, ...tableJson(tableOf(ctx)) }),
  },
  { method: 'POST', pattern: '/v3/table/create/:db/:table/:type', handler: createTable },
  { method: 'POST', pattern: '/v3/table/create/:db/:table', handler: createTable },
  {
    method: 'POST',
    pattern: '/v3/table/delete/:db/:table',
    handler: async (ctx) => {
      const { db, table } = ctx.params as { db: string; table: string };
      await ctx.store.deleteTable(db, table);
      sendJson(ctx.res, 200, { database: db, table, type: 'log' });
    },
  },
  {
    method: 'POST',
    pattern: '/v3/table/update/:db/:table',
    handler: async (ctx) => {
      const { db, table } = ctx.params as { db: string; table: string };
      tableOf(ctx);
      await ctx.store.updateTable(db, table, await tableOptions(ctx));
      sendJson(ctx.res, 200, { database: db, table, type: 'log' });
    },
  },
  {
    method: 'POST',
    pattern: '/v3/table/update-schema/:db/:table',
    handler: async (ctx) => {
      const { db, table } = ctx.params as { db: string; table: string };
      tableOf(ctx);
      const form = await readForm(ctx.req, ctx.res, ctx.limits.maxFormBytes);
      let spec: unknown;
      try {
        spec = JSON.parse(form.get('schema') ?? '');
      } catch {
        throw new ApiError(400, "'schema' must be a JSON array of [name, type] pairs");
      }
      if (
        !Array.isArray(spec) ||
        !spec.every((c) => Array.isArray(c) && c.length >= 2 && c.every((x) => typeof x === 'string'))
      ) {
        throw new ApiError(400, "'schema' must be a JSON array of [name, type] pairs");
      }
      await ctx.store.updateSchema(
        db,
        table,
        spec.map((c: string[]) => [c[0]!, c[1]!]),
      );
      sendJson(ctx.res, 200, { database: db, table, type: 'log' });
    },
  },
  {
    method: 'POST',
    pattern: '/v3/table/swap/:db/:table1/:table2',
    handler: async (ctx) => {
      const { db, table1, table2 } = ctx.params as { db: string; table1: string; table2: string };
      await ctx.store.swapTables(db, table1, table2);
      sendJson(ctx.res, 200, { database: db, table1, table2 });
    },
  },
  {
    method: 'POST',
    pattern: '/v3/table/change_database/:db/:table',
    handler: async (ctx) => {
      const { db, table } = ctx.params as { db: string; table: string };
      const form = await readForm(ctx.req, ctx.res, ctx.limits.maxFormBytes);
      const dest = form.get('dest_database_name');
      if (!dest) throw new ApiError(400, "'dest_database_name' is required");
      await ctx.store.changeDatabase(db, table, dest);
      sendJson(ctx.res, 200, { database: dest, table, type: 'log' });
    },
  },
  {
    method: 'GET',
    pattern: '/v3/table/tail/:db/:table',
    handler: async (ctx) => {
      const { db, table } = ctx.params as { db: string; table: string };
      tableOf(ctx);
      const format = ctx.query.get('format') || 'msgpack';
      if (format !== 'msgpack' && format !== 'json') {
        throw new ApiError(400, `Unsupported tail format '${format}'; use msgpack or json`);
      }
      const count = intParam(ctx.query.get('count'), 'count') ?? 10;
      const rows = await ctx.store.tail(db, table, count);
      const body =
        format === 'json'
          ? Buffer.from(rows.map(jsonLine).join(''), 'utf8')
          : Buffer.concat(rows.map((r) => encode(r)));
      ctx.res.writeHead(200, {
        'Content-Type': format === 'json' ? 'application/json; charset=utf-8' : 'application/x-msgpack',
        'Content-Length': body.length,
      });
      ctx.res.end(body);
    },
  },
];
