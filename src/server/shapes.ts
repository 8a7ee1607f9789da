// The JSON objects td-server answers with, shaped as TD's clients read them (spec §2.2, §2.4):
// timestamps are "YYYY-MM-DD hh:mm:ss UTC" strings or null, `permission` is a string, `schema`
// is a JSON-encoded string that never lists `time` or `v`, counts are integers, job ids strings,
// and job/show always carries a `debug` object.

import { tdTime } from './http.js';
import type { DatabaseInfo, JobInfo, TableInfo } from './store/types.js';

export function databaseJson(d: DatabaseInfo, permission: string): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    created_at: tdTime(d.createdAt),
    updated_at: tdTime(d.updatedAt),
    count: d.count,
    organization: null,
    permission,
    delete_protected: false,
    datatank: false,
  };
}

export function tableJson(t: TableInfo): Record<string, unknown> {
  const schema = t.columns.filter(([name]) => name !== 'v' && name !== 'time');
  return {
    id: t.id,
    name: t.name,
    type: t.type,
    count: t.count,
    created_at: tdTime(t.createdAt),
    updated_at: tdTime(t.updatedAt),
    counter_updated_at: tdTime(t.counterUpdatedAt),
    last_log_timestamp: t.lastLogTimestamp === null ? null : tdTime(t.lastLogTimestamp * 1000),
    estimated_storage_size: t.estimatedStorageSize,
    schema: JSON.stringify(schema),
    expire_days: t.expireDays,
    include_v: t.includeV,
    delete_protected: false,
  };
}

function duration(j: JobInfo): number | null {
  if (j.startAt === null) return null;
  return Math.round(((j.endAt ?? Date.now()) - j.startAt) / 1000);
}

export function jobStatusJson(j: JobInfo): Record<string, unknown> {
  return {
    job_id: String(j.id),
    status: j.status,
    created_at: tdTime(j.createdAt),
    start_at: tdTime(j.startAt),
    end_at: tdTime(j.endAt),
    duration: duration(j),
    cpu_time: null,
    num_records: j.numRecords,
    result_size: j.resultSize,
    updated_at: tdTime(j.updatedAt),
  };
}

export function jobJson(j: JobInfo, url: string): Record<string, unknown> {
  return {
    job_id: String(j.id),
    type: j.type,
    database: j.database,
    query: j.query,
    status: j.status,
    url,
    debug: { cmdout: j.cmdout, stderr: j.stderr },
    start_at: tdTime(j.startAt),
    end_at: tdTime(j.endAt),
    created_at: tdTime(j.createdAt),
    updated_at: tdTime(j.updatedAt),
    cpu_time: null,
    result_size: j.resultSize,
    num_records: j.numRecords,
    duration: duration(j),
    result: j.resultUrl,
    hive_result_schema: j.resultSchema ? JSON.stringify(j.resultSchema) : null,
    priority: j.priority,
    retry_limit: j.retryLimit,
    organization: null,
    user_name: j.userName,
    linked_result_export_job_id: null,
    result_export_target_job_id: null,
  };
}
