// The API's answers as typed values: field names camelCased, timestamps kept as the server's
// strings, missing or mistyped fields as null. Built from the parsed JSON by the to*Info()
// functions, which never throw.

export interface DatabaseInfo {
  name: string;
  count: number;
  createdAt: string | null;
  updatedAt: string | null;
  /** administrator, full_access, import_only, query_only, owner (spec §2.4 trap 1). */
  permission: string | null;
}

/** One schema column: [name, type] or [name, type, sql alias]. */
export type SchemaField = [string, string] | [string, string, string];

export interface TableInfo {
  name: string;
  type: string;
  count: number;
  createdAt: string | null;
  updatedAt: string | null;
  /** `counter_updated_at`: what `td tables` shows as "Last import". */
  lastImport: string | null;
  lastLogTimestamp: string | null;
  estimatedStorageSize: number;
  schema: SchemaField[];
  expireDays: number | null;
  includeV: boolean | null;
}

export interface JobInfo {
  jobId: string;
  type: string;
  database: string;
  query: string;
  status: string;
  url: string | null;
  debug: { cmdout: string | null; stderr: string | null };
  createdAt: string | null;
  startAt: string | null;
  endAt: string | null;
  updatedAt: string | null;
  cpuTime: number | null;
  resultSize: number | null;
  numRecords: number | null;
  duration: number | null;
  /** Result export target URL (`result`), not the rows. */
  resultUrl: string | null;
  /** Column [name, type] pairs, from the JSON string `hive_result_schema`. */
  hiveResultSchema: Array<[string, string]> | null;
  priority: number;
  retryLimit: number | null;
  userName: string | null;
}

export const FINISHED_JOB_STATUSES: readonly string[] = ['success', 'error', 'killed'];

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}

function int(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

export function toDatabaseInfo(v: unknown): DatabaseInfo {
  const m = obj(v);
  return {
    name: String(m.name ?? ''),
    count: int(m.count) ?? 0,
    createdAt: str(m.created_at),
    updatedAt: str(m.updated_at),
    permission: str(m.permission),
  };
}

function parseJsonField(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (v.trim() === '') return null;
  try {
    return JSON.parse(v);
  } catch {
    return null;
  }
}

export function toTableInfo(v: unknown): TableInfo {
  const m = obj(v);
  const rawSchema = parseJsonField(m.schema);
  const schema: SchemaField[] = Array.isArray(rawSchema)
    ? rawSchema
        .filter((f): f is unknown[] => Array.isArray(f) && f.length >= 2)
        .map((f) =>
          f.length >= 3 && f[2] ? [String(f[0]), String(f[1]), String(f[2])] : [String(f[0]), String(f[1])],
        )
    : [];
  const includeV = m.include_v;
  return {
    name: String(m.name ?? ''),
    type: String(m.type ?? '?'),
    count: int(m.count) ?? 0,
    createdAt: str(m.created_at),
    updatedAt: str(m.updated_at),
    lastImport: str(m.counter_updated_at),
    lastLogTimestamp: str(m.last_log_timestamp),
    estimatedStorageSize: int(m.estimated_storage_size) ?? 0,
    schema,
    expireDays: int(m.expire_days),
    includeV: typeof includeV === 'boolean' ? includeV : includeV == null ? null : Boolean(includeV),
  };
}

export function toJobInfo(v: unknown): JobInfo {
  const m = obj(v);
  const debug = obj(m.debug);
  const rawSchema = parseJsonField(m.hive_result_schema);
  const hiveResultSchema = Array.isArray(rawSchema)
    ? rawSchema.map((c): [string, string] =>
        Array.isArray(c) ? [String(c[0]), String(c[1] ?? '')] : [String(c), ''],
      )
    : null;
  const q = m.query;
  return {
    jobId: String(m.job_id ?? m.id ?? ''),
    type: String(m.type ?? '?'),
    database: String(m.database ?? ''),
    query: typeof q === 'string' ? q : q == null ? '' : JSON.stringify(q),
    status: String(m.status ?? ''),
    url: str(m.url),
    debug: { cmdout: str(debug.cmdout), stderr: str(debug.stderr) },
    createdAt: str(m.created_at),
    startAt: str(m.start_at),
    endAt: str(m.end_at),
    updatedAt: str(m.updated_at),
    cpuTime: int(m.cpu_time),
    resultSize: int(m.result_size),
    numRecords: int(m.num_records),
    duration: int(m.duration),
    resultUrl: str(m.result),
    hiveResultSchema,
    priority: int(m.priority) ?? 0,
    retryLimit: int(m.retry_limit),
    userName: str(m.user_name),
  };
}
