// PUT /v3/table/import/:db/:table/msgpack.gz
// PUT /v3/table/import_with_id/:db/:table/:unique_id/msgpack.gz
//
//   1. the table must exist: 404 before the body is read (out_tdlog then creates it and retries)
//   2. body <= maxImportBytes (413), gunzip <= maxImportDecompressedBytes (413), msgpack maps with
//      an integer `time` (400) — a refused body imports nothing
//   3. a unique id already committed for the table: 200, nothing imported
//   4. one store transaction; 200 {"database","table","elapsed_time","unique_id","md5_hex"}
//
// Decoding is memory-heavy, so at most `decodeSlots` imports decode at once.

import { createHash } from 'node:crypto';
import { gunzipBounded } from '../../../td/import-body.js';
import { ApiError, readBody, type Semaphore, sendJson } from '../../http.js';
import type { Ctx, Route } from '../../router.js';
import { buildBatch } from '../../store/batch.js';
import { dbNotFound, tableNotFound } from '../../store/types.js';

const UNIQUE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function importRoutes(decodeSlots: Semaphore): Route[] {
  const handler = async (ctx: Ctx) => {
    const started = performance.now();
    const { db, table, format } = ctx.params as { db: string; table: string; format: string };
    const uniqueId = ctx.params.unique_id;
    if (format !== 'msgpack.gz')
      throw new ApiError(400, `Unsupported import format '${format}'; use msgpack.gz`);
    if (uniqueId !== undefined && !UNIQUE_ID.test(uniqueId)) {
      throw new ApiError(400, `Invalid unique_id '${uniqueId.slice(0, 140)}': use 1 to 128 of [A-Za-z0-9_-]`);
    }
    if (!ctx.store.getDatabase(db)) throw dbNotFound(db);
    if (!ctx.store.getTable(db, table)) throw tableNotFound(table);

    const body = await readBody(ctx.req, ctx.res, ctx.limits.maxImportBytes);
    const md5 = createHash('md5').update(body).digest('hex');
    let imported = 0;
    let duplicate = uniqueId !== undefined && (await ctx.store.hasImportId(db, table, uniqueId));
    if (!duplicate) {
      const batch = await decodeSlots.run(async () => {
        const raw = await gunzipBounded(body, ctx.limits.maxImportDecompressedBytes);
        return buildBatch(raw, ctx.limits.maxDepth);
      });
      const outcome = await ctx.store.importBatch(db, table, batch, uniqueId);
      imported = outcome.imported;
      duplicate = outcome.duplicate;
    }
    const elapsed = (performance.now() - started) / 1000;
    ctx.logger.debug('import', {
      database: db,
      table,
      unique_id: uniqueId ?? null,
      records: imported,
      duplicate,
    });
    sendJson(ctx.res, 200, {
      database: db,
      table,
      elapsed_time: Math.round(elapsed * 1000) / 1000,
      unique_id: uniqueId ?? null,
      md5_hex: md5,
    });
  };
  return [
    { method: 'PUT', pattern: '/v3/table/import/:db/:table/:format', handler },
    { method: 'PUT', pattern: '/v3/table/import_with_id/:db/:table/:unique_id/:format', handler },
  ];
}
