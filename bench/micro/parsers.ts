// Parser micro-benchmark: lines/s for apache2, nginx, json, regexp, ltsv, csv and syslog on
// realistic generated lines, each parser built from a <parse> section as inputs build it.
// Run: node dist/bench/micro/parsers.js [LINES]   (default 300,000 per parser)

import { parseConfig } from '../../src/config/parser.js';
import { makePluginContext } from '../../src/plugin/context.js';
import { createParser } from '../../src/plugin/parser.js';
import '../../src/plugins/parser_builtins.js';

const N = Number(process.argv[2] ?? 300_000);
const ips = ['192.168.0.1', '10.0.0.25', '172.16.4.200', '127.0.0.1'];
const paths = ['/', '/index.html', '/api/v1/users?id=42', '/static/app.js'];
const ua =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

function apacheLine(i: number): string {
  const s = String(i % 60).padStart(2, '0');
  return `${ips[i % 4]} - - [28/Nov/2026:01:02:${s} +0000] "GET ${paths[i % 4]} HTTP/1.1" ${i % 7 ? 200 : 404} ${1000 + (i % 5000)} "http://example.com/" "${ua}"`;
}

const cases: { name: string; conf: string; line: (i: number) => string }[] = [
  { name: 'apache2', conf: '@type apache2', line: apacheLine },
  { name: 'nginx', conf: '@type nginx', line: apacheLine },
  {
    name: 'json',
    conf: '@type json',
    line: (i) =>
      `{"time":${1764291723 + (i % 60)},"level":"info","user":${i},"path":"${paths[i % 4]}","msg":"request served"}`,
  },
  {
    name: 'regexp',
    conf: '@type regexp\n  expression /^(?<host>[^ ]*) [^ ]* (?<user>[^ ]*) \\[(?<time>[^\\]]*)\\] "(?<method>\\S+)(?: +(?<path>[^ ]*) +\\S*)?" (?<code>[^ ]*) (?<size>[^ ]*)/\n  time_format %d/%b/%Y:%H:%M:%S %z',
    line: apacheLine,
  },
  {
    name: 'ltsv',
    conf: '@type ltsv',
    line: (i) =>
      `time:28/Nov/2026:01:02:03 +0000\thost:${ips[i % 4]}\treq:GET ${paths[i % 4]} HTTP/1.1\tstatus:200\tsize:${i % 5000}`,
  },
  {
    name: 'csv',
    conf: '@type csv\n  keys host,path,status,size',
    line: (i) => `${ips[i % 4]},"${paths[i % 4]}",200,${i % 5000}`,
  },
  {
    name: 'syslog',
    conf: '@type syslog',
    line: (i) =>
      `Nov 28 01:02:${String(i % 60).padStart(2, '0')} myhost sshd[${1000 + (i % 100)}]: Accepted publickey for user${i % 10} from ${ips[i % 4]}`,
  },
];

const ctx = makePluginContext();
console.log(`parser micro-benchmark, ${N.toLocaleString('en-US')} lines each`);
console.log('parser     lines/s     parsed');
for (const c of cases) {
  const el = parseConfig(`<parse>\n  ${c.conf}\n</parse>`, 'bench.conf').elements[0]!;
  const parser = createParser(ctx, el);
  const lines = Array.from({ length: N }, (_, i) => c.line(i));
  let ok = 0;
  const cb = (_t: unknown, rec: unknown) => {
    if (rec) ok++;
  };
  for (let i = 0; i < 20_000; i++) parser.parse(lines[i % N]!, cb); // warm up
  ok = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) parser.parse(lines[i]!, cb);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `${c.name.padEnd(9)} ${Math.round(N / secs)
      .toLocaleString('en-US')
      .padStart(10)}  ${ok === N ? 'all' : `${ok}/${N}`}`,
  );
}
