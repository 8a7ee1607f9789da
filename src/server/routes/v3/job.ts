// job/issue, status, show, list, kill, result.
//
// list: `from`/`to` are inclusive positions in the newest-first list (default 0..19), `status`
// filters (queued, running, success, error, killed); `count` is the number of matching jobs.
// result: 422 until the job has succeeded (a failed/killed job has no result).

import { ApiError, intParam, readForm, sendJson } from '../../http.js';
import { sendResult } from '../../results.js';
import type { Ctx, Route } from '../../router.js';
import { jobJson, jobStatusJson } from '../../shapes.js';
import { type JobInfo, type JobType, jobNotFound } from '../../store/types.js';

const JOB_TYPES = new Set(['presto', 'hive', 'trino']);
const LIST_STATUSES = new Set(['queued', 'running', 'success', 'error', 'killed']);

function jobOf(ctx: Ctx): JobInfo {
  const raw = ctx.params.id!;
  const job = /^\d{1,15}$/.test(raw) ? ctx.store.getJob(Number(raw)) : undefined;
  if (!job) throw jobNotFound(raw);
  return job;
}

function jobUrl(ctx: Ctx, id: number): string {
  return `http://${ctx.req.headers.host ?? 'localhost'}/v3/job/show/${id}`;
}

export const jobRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/v3/job/issue/:type/:db',
    handler: async (ctx) => {
      const { type, db } = ctx.params as { type: string; db: string };
      if (!JOB_TYPES.has(type))
        throw new ApiError(400, `Unsupported job type '${type}'; use presto, trino or hive`);
      const form = await readForm(ctx.req, ctx.res, ctx.limits.maxFormBytes);
      const query = form.get('query');
      if (!query?.trim()) throw new ApiError(400, "'query' is required");
      const priority = intParam(form.get('priority'), 'priority');
      if (priority !== undefined && (priority < -2 || priority > 2)) {
        throw new ApiError(400, `'priority' must be between -2 and 2, got ${priority}`);
      }
      const retryLimit = intParam(form.get('retry_limit'), 'retry_limit');
      const job = await ctx.store.issueJob({
        type: type as JobType,
        database: db,
        query,
        ...(priority !== undefined ? { priority } : {}),
        ...(retryLimit !== undefined ? { retryLimit } : {}),
        ...(form.get('result') ? { resultUrl: form.get('result')! } : {}),
        userName: ctx.key ? `apikey-${ctx.key.id}` : '',
      });
      const id = String(job.id);
      sendJson(ctx.res, 200, { job_id: id, job: id, database: db });
    },
  },
  {
    method: 'GET',
    pattern: '/v3/job/status/:id',
    handler: (ctx) => sendJson(ctx.res, 200, jobStatusJson(jobOf(ctx))),
  },
  {
    method: 'GET',
    pattern: '/v3/job/show/:id',
    handler: (ctx) => {
      const job = jobOf(ctx);
      sendJson(ctx.res, 200, jobJson(job, jobUrl(ctx, job.id)));
    },
  },
  {
    method: 'GET',
    pattern: '/v3/job/list',
    handler: (ctx) => {
      const from = Math.max(0, intParam(ctx.query.get('from'), 'from') ?? 0);
      const to = intParam(ctx.query.get('to'), 'to') ?? from + 19;
      const status = ctx.query.get('status') || undefined;
      if (status !== undefined && !LIST_STATUSES.has(status)) {
        throw new ApiError(400, `Unknown job status '${status}'`);
      }
      const { count, jobs } = ctx.store.listJobs({
        from,
        to: Math.max(from - 1, to),
        ...(status ? { status: status as 'running' } : {}),
      });
      sendJson(ctx.res, 200, { count, from, to, jobs: jobs.map((j) => jobJson(j, jobUrl(ctx, j.id))) });
    },
  },
  {
    method: 'POST',
    pattern: '/v3/job/kill/:id',
    handler: async (ctx) => {
      const job = jobOf(ctx);
      const former = await ctx.store.killJob(job.id);
      sendJson(ctx.res, 200, { former_status: former, job_id: String(job.id) });
    },
  },
  {
    method: 'GET',
    pattern: '/v3/job/result/:id',
    handler: async (ctx) => {
      const job = jobOf(ctx);
      const file = ctx.store.resultPath(job.id);
      if (!file) {
        throw new ApiError(422, `Job ${job.id} has no result: its status is ${job.status}`);
      }
      await sendResult(ctx.req, ctx.res, file, ctx.query.get('format') || 'msgpack');
    },
  },
];
