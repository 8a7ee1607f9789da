// `npm run bench [-- SCENARIO...] [--json] [--events N] [--runs R] [--keep] [--list] [--cpu-prof DIR]`
//
// Runs each end-to-end scenario (bench/cases/<name>/) R times as real processes — a load
// generator, the daemon under test, a baseline measured in the same run — and prints events/s,
// CPU seconds and peak RSS per system (see docs/bench.md). A scenario whose plugins our daemon
// does not have yet is skipped with one line saying which. Exit status: 1 if a scenario failed.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scenarios } from './cases/index.js';
import { setProfileDir } from './lib/engines.js';
import { Child, hasProc } from './lib/proc.js';
import { toJson, toText } from './lib/report.js';
import { runScenario, unavailable } from './lib/suite.js';

const USAGE = `usage: npm run bench -- [SCENARIO...] [--json] [--events N] [--runs R] [--keep] [--list] [--cpu-prof DIR]

  SCENARIO    names or shell-style patterns (forward-*, tail-null); default: all
  --json      one JSON object per scenario per line on stdout (progress on stderr)
  --events N  events per run for every scenario (1e6, 2m and 2_000_000 work); default per scenario
  --runs R    runs per scenario (default 3); figures are the median and range
  --keep      keep the temp directory (configs, logs, outputs) and print its path
  --list      list the scenarios and whether they can run now
  --cpu-prof DIR  our daemons write V8 CPU profiles (.cpuprofile) into DIR, one per daemon run

  FLUENTD_CMD / FLUENT_BIT_CMD   a command that starts that program with a config file argument
                                 (e.g. "fluentd -c", "fluent-bit -c"): runs it beside ours
  BENCH_IDLE_SECONDS             the idle scenario's wait (default 10)`;

interface Args {
  names: string[];
  json: boolean;
  events?: number;
  runs: number;
  keep: boolean;
  list: boolean;
  cpuProf?: string;
}

function count(v: string | undefined, flag: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([km]?)$/i.exec((v ?? '').replace(/_/g, ''));
  const n = m
    ? Number(m[1]) * ({ '': 1, k: 1e3, m: 1e6 } as Record<string, number>)[m[2]!.toLowerCase()]!
    : NaN;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got '${v ?? ''}'`);
  return n;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { names: [], json: false, runs: 3, keep: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--json') a.json = true;
    else if (x === '--keep') a.keep = true;
    else if (x === '--list') a.list = true;
    else if (x === '--events') a.events = count(argv[++i], x);
    else if (x === '--runs') a.runs = count(argv[++i], x);
    else if (x === '--cpu-prof') {
      const dir = argv[++i];
      if (!dir || dir.startsWith('-')) throw new Error('--cpu-prof needs a directory');
      a.cpuProf = path.resolve(dir);
    } else if (x === '-h' || x === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (x.startsWith('-')) throw new Error(`unknown option ${x}\n${USAGE}`);
    else a.names.push(x);
  }
  return a;
}

function select(names: string[]) {
  if (!names.length) return scenarios;
  const chosen = new Set<string>();
  for (const n of names) {
    const re = new RegExp(
      `^${n
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    const hits = scenarios.filter((s) => re.test(s.name));
    if (!hits.length)
      throw new Error(`no scenario '${n}'; known: ${scenarios.map((s) => s.name).join(', ')}`);
    for (const h of hits) chosen.add(h.name);
  }
  return scenarios.filter((s) => chosen.has(s.name));
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const chosen = select(args.names);
  if (args.list) {
    for (const s of chosen) {
      const why = unavailable(s);
      console.log(`${s.name.padEnd(16)} ${why ? `(skipped: ${why})` : s.title}`);
    }
    return 0;
  }
  if (args.cpuProf) {
    fs.mkdirSync(args.cpuProf, { recursive: true });
    setProfileDir(args.cpuProf);
  }
  if (!hasProc) throw new Error('the bench reads CPU and RSS from /proc: it runs on Linux only');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-'));
  const progress = (l: string) => process.stderr.write(`${l}\n`);
  const cleanup = () => {
    for (const c of Child.live) c.kill('SIGKILL');
    if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
  let failed = 0;
  try {
    for (const s of chosen) {
      const why = unavailable(s);
      if (why) {
        const line = `scenario ${s.name} skipped: ${why}`;
        if (args.json) {
          progress(line);
          console.log(JSON.stringify({ scenario: s.name, skipped: why }));
        } else console.log(`${line}\n`);
        continue;
      }
      progress(`running ${s.name}: ${s.title}`);
      try {
        const r = await runScenario(s, { events: args.events, runs: args.runs, dir, progress });
        console.log(args.json ? JSON.stringify(toJson(r)) : `${toText(r)}\n`);
      } catch (e) {
        failed++;
        const msg = (e as Error).message;
        progress(`scenario ${s.name} failed: ${msg}`);
        if (args.json) console.log(JSON.stringify({ scenario: s.name, error: msg.split('\n')[0] }));
        else console.log(`scenario ${s.name} FAILED: ${msg.split('\n')[0]}\n`);
      }
    }
  } finally {
    cleanup();
    if (args.keep) progress(`kept ${dir}`);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error((e as Error).message);
    process.exit(2);
  },
);
