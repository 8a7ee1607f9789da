// bulk_import/create, list, show, list_parts, upload_part, delete_part, freeze, unfreeze,
// perform, commit, delete, error_records (the session logic is in ../../bulk-import.ts).

import fs from 'node:fs';
import { type BulkImports, bulkImportJson } from '../../bulk-import.js';
import { readBody, sendJson } from '../../http.js';
import type { Ctx, Route } from '../../router.js';

export function bulkImportRoutes(bulk: BulkImports): Route[] {
  const name = (ctx: Ctx) => ctx.params.name!;
  const ack = (ctx: Ctx) => sendJson(ctx.res, 200, { bulk_import: name(ctx), name: name(ctx) });
  return [
    {
      method: 'POST',
      pattern: '/v3/bulk_import/create/:name/:db/:table',
      handler: (ctx) => {
        bulk.create(name(ctx), ctx.params.db!, ctx.params.table!);
        ack(ctx);
      },
    },
    {
      method: 'GET',
      pattern: '/v3/bulk_import/list',
      handler: (ctx) => sendJson(ctx.res, 200, { bulk_imports: bulk.list().map(bulkImportJson) }),
    },
    {
      method: 'GET',
      pattern: '/v3/bulk_import/show/:name',
      handler: (ctx) => sendJson(ctx.res, 200, bulkImportJson(bulk.get(name(ctx)))),
    },
    {
      method: 'GET',
      pattern: '/v3/bulk_import/list_parts/:name',
      handler: (ctx) =>
        sendJson(ctx.res, 200, { name: name(ctx), parts: Object.keys(bulk.get(name(ctx)).parts) }),
    },
    {
      method: 'PUT',
      pattern: '/v3/bulk_import/upload_part/:name/:part',
      handler: async (ctx) => {
        bulk.get(name(ctx));
        const body = await readBody(ctx.req, ctx.res, ctx.limits.maxImportBytes);
        bulk.uploadPart(name(ctx), ctx.params.part!, body);
        ack(ctx);
      },
    },
    {
      method: 'POST',
      pattern: '/v3/bulk_import/delete_part/:name/:part',
      handler: (ctx) => {
        bulk.deletePart(name(ctx), ctx.params.part!);
        ack(ctx);
      },
    },
    ...(['freeze', 'unfreeze'] as const).map(
      (op): Route => ({
        method: 'POST',
        pattern: `/v3/bulk_import/${op}/:name`,
        handler: (ctx) => {
          bulk.setFrozen(name(ctx), op === 'freeze');
          ack(ctx);
        },
      }),
    ),
    {
      method: 'POST',
      pattern: '/v3/bulk_import/perform/:name',
      handler: async (ctx) => {
        const jobId = await bulk.perform(name(ctx), ctx.key ? `apikey-${ctx.key.id}` : '');
        sendJson(ctx.res, 200, { job_id: jobId, bulk_import: name(ctx), name: name(ctx) });
      },
    },
    {
      method: 'POST',
      pattern: '/v3/bulk_import/commit/:name',
      handler: async (ctx) => {
        await bulk.commit(name(ctx));
        ack(ctx);
      },
    },
    {
      method: 'POST',
      pattern: '/v3/bulk_import/delete/:name',
      handler: (ctx) => {
        bulk.delete(name(ctx));
        ack(ctx);
      },
    },
    {
      method: 'GET',
      pattern: '/v3/bulk_import/error_records/:name',
      handler: (ctx) => {
        const file = bulk.errorRecordsPath(name(ctx));
        const body = file ? fs.readFileSync(file) : Buffer.alloc(0);
        ctx.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
        ctx.res.end(body);
      },
    },
  ];
}
