// in_monitor_agent: Fluentd's monitoring REST API (spec core §7.1).
//
//   GET /api/plugins.json   {"plugins":[{plugin_id, plugin_category, type, output_plugin, ...}]}
//   GET /api/plugins        the same as LTSV, one plugin per line (nested objects omitted)
//   GET /api/config.json    {"pid","ppid","version","config_path","root_dir",...}
//   GET /api/config         the same as LTSV
//   anything else           404 {"message":"Not found"}
// Filters: ?tag=T (output of the first top-level match), ?@id=X / ?id=X, ?@type=T / ?type=T.
// Listens on port + worker id. With `tag`, emits one record per plugin every emit_interval.

import * as http from 'node:http';
import { p } from '../config/params.js';
import { EventStream, type Rec } from '../core/event-stream.js';
import { Input } from '../plugin/base.js';
import type { PipelinePlugin } from '../plugin/types.js';

const params = {
  bind: p.string({ default: '0.0.0.0', desc: 'Address to listen on.' }),
  port: p.integer({ default: 24220, desc: 'Port to listen on (plus the worker id).' }),
  tag: p.string({ desc: 'When set, emit one record per plugin every emit_interval.' }),
  emit_interval: p.time({ default: 60, desc: 'Seconds between emitted records (with tag).' }),
  include_config: p.bool({ default: true, desc: 'Include each plugin config.' }),
  include_retry: p.bool({ default: true, desc: 'Include retry state.' }),
  include_debug_info: p.bool({ default: false, desc: 'Accepted for compatibility.' }),
} as const;

interface Stats {
  emit_count?: number;
  emit_records?: number;
  emit_size?: number;
  write_count?: number;
  rollback_count?: number;
  retry_count?: number;
  stage_length?: number;
  stage_byte_size?: number;
  queue_length?: number;
  queue_byte_size?: number;
  secondary_write_count?: number;
  retry_steps?: number | undefined;
  retry_next_time?: number | undefined;
  dropped_records?: Record<string, number>;
}

function ltsv(rows: Rec[]): string {
  return rows
    .map((r) =>
      Object.entries(r)
        .filter(([, v]) => v === null || typeof v !== 'object' || Array.isArray(v))
        .map(([k, v]) => `${k}:${Array.isArray(v) ? v.join(',') : String(v)}`)
        .join('\t'),
    )
    .join('\n')
    .concat(rows.length ? '\n' : '');
}

export class MonitorAgentInput extends Input<typeof params> {
  static override readonly type = 'monitor_agent';
  static override readonly params = params;
  static readonly desc = "Fluentd's monitoring REST API: plugins, buffers and retries as JSON or LTSV.";
  static readonly example = '<source>\n  @type monitor_agent\n  bind 127.0.0.1\n  port 24220\n</source>';
  private server: http.Server | undefined;
  private timer: NodeJS.Timeout | undefined;

  private describe(pp: PipelinePlugin, forEmit = false): Rec {
    const o: Rec = {
      plugin_id: pp.plugin.ctx.id,
      plugin_category: pp.category,
      type: pp.type,
    };
    if (this.config.include_config && !forEmit) {
      const conf: Rec = {};
      for (const [k, v] of pp.element.params) conf[k] = pp.element.secrets?.has(k) ? 'xxxxxx' : v.value;
      o.config = conf;
    }
    o.output_plugin = pp.category === 'output';
    // Only a stats() method is the output contract; some inputs keep a `stats` counters object.
    const fn = (pp.plugin as { stats?: unknown }).stats;
    const stats = typeof fn === 'function' ? (fn.call(pp.plugin) as Stats | undefined) : undefined;
    if (stats) {
      o.buffer_queue_length = stats.queue_length ?? 0;
      o.buffer_total_queued_size = (stats.stage_byte_size ?? 0) + (stats.queue_byte_size ?? 0);
      o.retry_count = stats.retry_count ?? 0;
      o.emit_records = stats.emit_records ?? 0;
      o.emit_size = stats.emit_size ?? 0;
      o.emit_count = stats.emit_count ?? 0;
      o.write_count = stats.write_count ?? 0;
      o.rollback_count = stats.rollback_count ?? 0;
      o.write_secondary_count = stats.secondary_write_count ?? 0;
      o.drop_oldest_chunk_count = stats.dropped_records?.drop_oldest_chunk ?? 0;
      o.buffer_stage_length = stats.stage_length ?? 0;
      o.buffer_stage_byte_size = stats.stage_byte_size ?? 0;
      o.buffer_queue_byte_size = stats.queue_byte_size ?? 0;
      if (this.config.include_retry && !forEmit) {
        o.retry =
          stats.retry_steps !== undefined
            ? { steps: stats.retry_steps, next_time: stats.retry_next_time ?? null }
            : {};
      }
    } else {
      o.retry_count = pp.category === 'output' ? 0 : null;
      o.emit_records = pp.counters?.emit_records ?? 0;
      o.emit_size = pp.counters?.emit_size ?? 0;
    }
    return o;
  }

  private select(q: URLSearchParams): PipelinePlugin[] {
    const view = this.ctx.pipeline();
    let list = view.plugins;
    const tag = q.get('tag');
    if (tag !== null) {
      const out = view.outputFor(tag);
      list = list.filter((x) => x.plugin === out);
    }
    const id = q.get('@id') ?? q.get('id');
    if (id !== null) list = list.filter((x) => x.plugin.ctx.id === id);
    const type = q.get('@type') ?? q.get('type');
    if (type !== null) list = list.filter((x) => x.type === type);
    return list;
  }

  private configInfo(): Rec {
    return {
      pid: process.pid,
      ppid: process.ppid,
      version: '1.16.10',
      config_path: process.env.FLUENT_CONF ?? null,
      pid_file: null,
      plugin_dirs: [],
      log_path: null,
      root_dir: this.ctx.system.rootDir ?? null,
    };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    const q = url.searchParams;
    const json = (v: unknown) => send(200, 'application/json', JSON.stringify(v));
    const path = url.pathname;
    if (path === '/api/plugins.json') json({ plugins: this.select(q).map((x) => this.describe(x)) });
    else if (path === '/api/plugins')
      send(200, 'text/plain', ltsv(this.select(q).map((x) => this.describe(x))));
    else if (path === '/api/config.json') json(this.configInfo());
    else if (path === '/api/config') send(200, 'text/plain', ltsv([this.configInfo()]));
    else send(404, 'application/json', JSON.stringify({ message: 'Not found' }));
  }

  override async start(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5000;
    this.server = server;
    const port = this.config.port === 0 ? 0 : this.config.port + this.ctx.workerId;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.bind, () => resolve());
    });
    server.unref();
    this.log.info('listening monitoring http server', { bind: this.config.bind, port: this.port });
    const tag = this.config.tag;
    if (tag) {
      this.timer = setInterval(() => {
        const es = new EventStream();
        const ms = Date.now();
        for (const pp of this.ctx.pipeline().plugins)
          es.add(Math.floor(ms / 1000), (ms % 1000) * 1e6, this.describe(pp, true));
        if (es.length) this.emitter.emitStream(tag, es);
      }, this.config.emit_interval * 1000);
      this.timer.unref();
    }
  }

  /** The bound port (useful with port 0 in tests). */
  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  override async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
