// database/list, database/create, database/delete.

import { sendJson } from '../../http.js';
import type { Ctx, Route } from '../../router.js';
import { databaseJson } from '../../shapes.js';

/** TD's permission string for the caller (spec §2.4 trap 1: never null). */
export function permissionOf(ctx: Ctx): string {
  return ctx.key?.admin ? 'administrator' : 'full_access';
}

export const databaseRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/v3/database/list',
    handler: (ctx) => {
      const perm = permissionOf(ctx);
      const dbs = ctx.store.listDatabases().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      sendJson(ctx.res, 200, { databases: dbs.map((d) => databaseJson(d, perm)) });
    },
  },
  {
    method: 'POST',
    pattern: '/v3/database/create/:db',
    handler: async ({ res, params, store }) => {
      await store.createDatabase(params.db!);
      sendJson(res, 200, { database: params.db });
    },
  },
  {
    method: 'POST',
    pattern: '/v3/database/delete/:db',
    handler: async ({ res, params, store }) => {
      await store.deleteDatabase(params.db!);
      sendJson(res, 200, { database: params.db });
    },
  },
];
