// out_tdlog: uploads buffered events to Treasure Data's import API (spec treasure-data §1),
// or to our own td-server.
//
//   tag td.testdb.www_access  →  database testdb, table www_access (the last two tag parts,
//                                normalised: lower case, [a-z0-9_], padded to 3, cut at 255)
//   chunk body                →  concatenated msgpack maps, `time` = event seconds, gzipped
//   upload                    →  PUT /v3/table/import_with_id/<db>/<table>/<chunk id hex>/msgpack.gz
//
// The chunk id never changes across retries or restarts, so a store that dedupes on it (ours
// does) imports each chunk once. 404 with auto_create_table: create the table (and the
// database on a second 404; 409 is fine), then retry the same upload. Network errors, 5xx and
// 429 are retried with the buffer's backoff; other 4xx are unrecoverable (secondary/backup).

import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { Chunk } from '../buffer/chunk.js';
import type { Framing } from '../buffer/file-store.js';
import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError, UnrecoverableError } from '../core/errors.js';
import type { EventStream, Rec } from '../core/event-stream.js';
import { packr } from '../core/msgpack.js';
import { BufferedOutput } from '../plugin/buffered-output.js';
import { ApiError } from '../td/api-error.js';
import { TdClient } from '../td/client.js';
import { normalizeName, tagToDestination, validateName } from '../td/names.js';
import { entriesToImportRecords } from '../td/packed-records.js';

const gzip = promisify(zlib.gzip);

/** Records with more keys than this are dropped (fluent-plugin-td's limit). */
export const MAX_KEYS = 512;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

const params = {
  apikey: p.string({ required: true, secret: true, desc: 'Treasure Data API key (`td apikey:show`).' }),
  auto_create_table: p.bool({
    default: true,
    desc: 'Create the database and table when an import answers 404.',
  }),
  database: p.string({ desc: 'Fixed destination database (with `table`); otherwise taken from the tag.' }),
  table: p.string({ desc: 'Fixed destination table (with `database`); otherwise taken from the tag.' }),
  endpoint: p.string({
    default: 'api-import.treasuredata.com',
    alias: 'import_endpoint',
    desc: 'Import API: a URL (`http://127.0.0.1:8080`) or `host[:port]`.',
  }),
  api_endpoint: p.string({
    default: 'api.treasuredata.com',
    desc: 'API used to create databases and tables. Set it too for a local td-server.',
  }),
  use_ssl: p.bool({ default: true, desc: 'https for a bare host (ignored when the endpoint has a scheme).' }),
  http_proxy: p.string({ desc: 'Proxy URL (not supported yet: a warning is logged).' }),
  connect_timeout: p.time({ desc: 'Connect timeout in seconds (default 60).' }),
  read_timeout: p.time({ desc: 'Read timeout in seconds (default 600).' }),
  send_timeout: p.time({ desc: 'Send timeout in seconds (default 600).' }),
  use_gzip_command: p.bool({
    default: false,
    desc: 'Accepted for compatibility; gzip runs in-process, off the event loop.',
  }),
  tmpdir: p.string({ desc: 'Accepted for compatibility; uploads are built in memory.' }),
} as const;

/** Replace integers outside msgpack's int64/uint64 range by decimal strings (in place on a copy). */
function normalizeBig(v: unknown): unknown {
  if (typeof v === 'bigint') return v < INT64_MIN || v > UINT64_MAX ? v.toString() : v;
  if (Array.isArray(v))
    return v.some((x) => typeof x === 'bigint' || typeof x === 'object') ? v.map(normalizeBig) : v;
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    let out: Record<string, unknown> | undefined;
    for (const k in v as Rec) {
      const x = (v as Rec)[k];
      const y = typeof x === 'bigint' || (x && typeof x === 'object') ? normalizeBig(x) : x;
      if (y !== x) {
        out ??= { ...(v as Rec) };
        out[k] = y;
      }
    }
    return out ?? v;
  }
  return v;
}

export class TdLogOutput extends BufferedOutput<typeof params> {
  static override readonly type = 'tdlog';
  static override readonly params = params;
  static readonly desc = 'Uploads events to Treasure Data (or a local td-server) with deduplicated imports.';
  static readonly example =
    '<match td.*.*>\n  @type tdlog\n  apikey 1/0123456789abcdef0123456789abcdef01234567\n  endpoint http://127.0.0.1:8080\n  api_endpoint http://127.0.0.1:8080\n  auto_create_table\n  <buffer>\n    @type memory\n  </buffer>\n</match>';
  static override readonly bufferDefaults = {
    '@type': 'file',
    flush_interval: 60,
    chunk_limit_size: '32m',
    chunk_limit_records: 8096,
  };
  static override readonly defaultChunkKeys = 'tag';

  private importClient!: TdClient;
  private apiClient!: TdClient;
  private fixed: { database: string; table: string } | undefined;
  dropped = 0;

  override configure(el: ConfigElement): void {
    super.configure(el);
    const c = this.config;
    if (c.database && c.table) {
      try {
        this.fixed = { database: validateName(c.database), table: validateName(c.table) };
      } catch (e) {
        throw new ConfigError((e as Error).message, { pos: el.pos });
      }
    } else if (!this.isSecondary && !this.bufferConfig.tagKey) {
      throw new ConfigError("'tag' must be a chunk key when 'database' and 'table' are not both set", {
        pos: el.pos,
      });
    }
    if (c.http_proxy) this.log.warn('http_proxy is not supported yet; connecting directly');
  }

  override get chunkFraming(): Framing {
    return 'msgpack-maps';
  }

  override async start(): Promise<void> {
    const c = this.config;
    const common = {
      apikey: c.apikey,
      ssl: c.use_ssl,
      userAgent: 'fluent-plugin-td: tributary',
      ...(c.connect_timeout !== undefined ? { connectTimeoutMs: c.connect_timeout * 1000 } : {}),
      ...(c.read_timeout !== undefined ? { readTimeoutMs: c.read_timeout * 1000 } : {}),
    };
    this.importClient = new TdClient({ ...common, endpoint: c.endpoint });
    this.apiClient = new TdClient({ ...common, endpoint: c.api_endpoint });
    await super.start();
  }

  override async shutdown(): Promise<void> {
    await super.shutdown();
    this.importClient?.close();
    this.apiClient?.close();
  }

  /** Concatenated msgpack maps with integer `time`; too-wide records go to the error stream.
   *  A stream that still has its PackedForward bytes is converted byte to byte, undecoded
   *  (td/packed-records.ts); one that does not fit that path is decoded here. */
  override format(tag: string, es: EventStream): Uint8Array {
    if (es.packed) {
      const fast = entriesToImportRecords(es.packed, es.length, MAX_KEYS);
      if (fast) return fast;
    }
    const parts: Buffer[] = [];
    let len = 0;
    for (let i = 0; i < es.length; i++) {
      const rec = es.records[i]!;
      let n = 0;
      for (const _k in rec) n++;
      if (n > MAX_KEYS) {
        this.dropped++;
        this.ctx.emitErrorEvent(
          tag,
          es.secs[i]!,
          es.nsecs[i]!,
          rec,
          new Error(`too many number of keys (${n} keys)`),
        );
        continue;
      }
      const out = normalizeBig({ ...rec, time: es.secs[i]! });
      const b = packr.pack(out);
      parts.push(b);
      len += b.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, len);
  }

  private destination(chunk: Chunk): { database: string; table: string } {
    if (this.fixed) return this.fixed;
    const tag = chunk.metadata.tag ?? '';
    const d = tagToDestination(tag);
    if (!d) throw new UnrecoverableError(`cannot derive database and table from tag '${tag}'`);
    return { database: normalizeName(d.database), table: normalizeName(d.table) };
  }

  async write(chunk: Chunk): Promise<void> {
    const { database, table } = this.destination(chunk);
    if (chunk.bytesize === 0) return;
    // A gzip-compressed buffer already holds gzip members: upload them as they are.
    const body =
      this.bufferConfig.compress === 'gzip' ? await chunk.readCompressed() : await gzip(await chunk.read());
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.importClient.import(database, table, body, { uniqueId: chunk.idHex });
        this.log.debug('uploaded chunk', {
          database,
          table,
          chunk_id: chunk.idHex,
          records: chunk.records,
          bytes: body.length,
          elapsed: (Date.now() - started) / 1000,
        });
        return;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404 && this.config.auto_create_table && attempt < 2) {
          await this.ensureTable(database, table);
          continue;
        }
        throw this.classify(e, database, table, body.length, started);
      }
    }
  }

  /** Create the table, and the database if the table create answers 404; 409 is fine. */
  private async ensureTable(database: string, table: string): Promise<void> {
    const create = async () => {
      try {
        await this.apiClient.createLogTable(database, table);
        this.log.info('created table', { database, table });
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 409)) throw e;
      }
    };
    try {
      await create();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404))
        throw this.classify(e, database, table, 0, Date.now());
      try {
        await this.apiClient.createDatabase(database);
        this.log.info('created database', { database });
      } catch (e2) {
        if (!(e2 instanceof ApiError && e2.status === 409))
          throw this.classify(e2, database, table, 0, Date.now());
      }
      await create();
    }
  }

  private classify(e: unknown, database: string, table: string, bytes: number, started: number): Error {
    const secs = ((Date.now() - started) / 1000).toFixed(3);
    const msg = `Failed to upload to Treasure Data '${database}.${table}' table: ${(e as Error).message} (${bytes} bytes; ${secs} seconds)`;
    if (e instanceof ApiError && !e.retryable) return new UnrecoverableError(msg, 'TD_IMPORT_REJECTED');
    return new Error(msg);
  }
}
