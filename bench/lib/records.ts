// The synthetic load every scenario shares, built once before a run starts (never while timed).
//
//   record        {"host","method","path","code","size","agent","seq"}: ~106 bytes of msgpack,
//                 ~140 bytes of JSON ("~100-byte records", issue 9)
//   apache line   combined log format, ~190 bytes, parseable by `@type apache2`:
//                 192.168.3.17 - - [10/Oct/2024:13:55:36 +0000] "GET /item/1234 HTTP/1.1" 200 2326
//                 "http://example.com/start" "Mozilla/5.0 (X11; Linux x86_64) bench/1.0"

import * as fs from 'node:fs';

const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT'] as const;

export interface BenchRecord {
  host: string;
  method: string;
  path: string;
  code: number;
  size: number;
  agent: string;
  seq: number;
}

/** The i-th record: varied but deterministic, so runs are comparable. */
export function record(i: number): BenchRecord {
  return {
    host: `192.168.${(i >> 8) & 255}.${i & 255}`,
    method: METHODS[i % METHODS.length]!,
    path: `/api/v1/items/${100000 + (i % 900000)}`,
    code: i % 50 === 0 ? 404 : 200,
    size: 1000 + ((i * 7919) % 9000),
    agent: 'Mozilla/5.0 (bench)',
    seq: i,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function apacheTime(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

/** The i-th Apache combined-format line (no newline). */
export function apacheLine(i: number, baseMs: number): string {
  const r = record(i);
  return (
    `${r.host} - - [${apacheTime(baseMs + i)}] "${r.method} /item/${i % 100000} HTTP/1.1" ${r.code} ${r.size} ` +
    `"http://example.com/category/${i % 97}" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 bench/1.0"`
  );
}

/** Write a `lines`-line Apache log to `file` (reused when it already has that many lines). */
export function writeApacheLog(file: string, lines: number): void {
  const stamp = `${file}.lines`;
  if (fs.existsSync(file) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === String(lines)) return;
  const fd = fs.openSync(file, 'w');
  const base = Date.UTC(2024, 9, 10, 13, 0, 0);
  try {
    let parts: string[] = [];
    let size = 0;
    for (let i = 0; i < lines; i++) {
      const l = apacheLine(i, base);
      parts.push(l);
      size += l.length;
      if (size > 4 * 1024 * 1024) {
        fs.writeSync(fd, parts.join('\n') + '\n');
        parts = [];
        size = 0;
      }
    }
    if (parts.length) fs.writeSync(fd, parts.join('\n') + '\n');
  } finally {
    fs.closeSync(fd);
  }
  fs.writeFileSync(stamp, String(lines));
}
