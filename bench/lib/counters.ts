// Completion counters: how many events the system under test has delivered so far, read from
// the output's own account (never inferred from elapsed time).
//
//   monitorEmitRecords   in_monitor_agent (ours or Fluentd's) /api/plugins.json?@id=ID → emit_records
//   fluentBitRecords     Fluent Bit's HTTP server /api/v1/metrics → output.NAME.proc_records
//   fileLines            newline bytes in the files under a directory (out_file), read incrementally
//   tdTableCount         td-server's table/list `count` for one table
//   ipcCount             the last {type:"count", n} a helper process reported

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TdClient } from '../../src/td/client.js';
import type { Child } from './proc.js';

export interface Counter {
  read(): Promise<number>;
  readonly what: string;
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

export function monitorEmitRecords(port: number, id: string): Counter {
  const url = `http://127.0.0.1:${port}/api/plugins.json?@id=${encodeURIComponent(id)}`;
  return {
    what: `emit_records of @id ${id} (monitor_agent)`,
    async read() {
      const js = await getJson(url);
      const p = js.plugins?.[0];
      if (!p) throw new Error(`monitor_agent lists no plugin with @id ${id}`);
      return Number(p.emit_records ?? 0);
    },
  };
}

export function fluentBitRecords(port: number, output: string): Counter {
  const url = `http://127.0.0.1:${port}/api/v1/metrics`;
  return {
    what: `proc_records of ${output} (fluent-bit metrics)`,
    async read() {
      const js = await getJson(url);
      return Number(js.output?.[output]?.proc_records ?? 0);
    },
  };
}

/** Lines in every regular file directly under `dir` (created later is fine). */
export function fileLines(dir: string): Counter {
  const offsets = new Map<string, number>();
  let lines = 0;
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  return {
    what: `lines written under ${dir}`,
    async read() {
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir);
      } catch {
        return 0;
      }
      for (const name of names) {
        const file = path.join(dir, name);
        let fd: fs.promises.FileHandle | undefined;
        try {
          if (!fs.statSync(file).isFile()) continue;
          fd = await fs.promises.open(file, 'r');
          let off = offsets.get(file) ?? 0;
          for (;;) {
            const { bytesRead } = await fd.read(buf, 0, buf.length, off);
            if (bytesRead === 0) break;
            off += bytesRead;
            let i = buf.indexOf(10);
            while (i >= 0 && i < bytesRead) {
              lines++;
              i = buf.indexOf(10, i + 1);
            }
          }
          offsets.set(file, off);
        } catch {
          /* a file being renamed or removed: counted on the next read */
        } finally {
          await fd?.close();
        }
      }
      return lines;
    },
  };
}

export function tdTableCount(client: TdClient, db: string, table: string): Counter {
  return {
    what: `count of ${db}.${table} (td-server)`,
    async read() {
      let tables: Awaited<ReturnType<TdClient['listTables']>>;
      try {
        tables = await client.listTables(db);
      } catch {
        return 0; // the database does not exist yet (out_tdlog creates it)
      }
      return tables.find((t) => t.name === table)?.count ?? 0;
    },
  };
}

export function ipcCount(child: Child, what: string): Counter {
  let n = 0;
  child.proc.on('message', (m: any) => {
    if (m?.type === 'count') n = Math.max(n, Number(m.n));
  });
  return { what, read: async () => n };
}
