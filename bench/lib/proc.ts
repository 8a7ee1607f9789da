// Process figures read from /proc (Linux) and child-process control for the bench harness.
//
//   /proc/<pid>/stat     field 14 utime, 15 stime (clock ticks, after the `(comm)` field)
//   /proc/<pid>/status   VmHWM (peak RSS) and VmRSS, in kB
//
// CPU and memory are read from outside the measured process, so the harness needs no hook in
// the daemon and measures Fluentd / Fluent Bit the same way. A process tree (a supervisor and
// its workers, a shell running a foreign command) is summed.

import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file runs as dist/bench/lib/proc.js). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DIST = path.join(ROOT, 'dist');

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export const hasProc = fs.existsSync('/proc/self/stat');

function statFields(pid: number): string[] | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields start after the last ')'.
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The pid and all its descendants alive now. */
export function processTree(root: number): number[] {
  if (!hasProc) return [root];
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (!f) continue;
    const ppid = Number(f[1]);
    const list = children.get(ppid) ?? [];
    if (!list.length) children.set(ppid, list);
    list.push(Number(name));
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** user+sys CPU seconds of the given processes (0 for one that is gone). */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / ticksPerSecond();
}

function statusKb(pid: number, key: string): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sum of peak RSS (VmHWM) in MB. */
export function peakRssMB(pids: number[]): number {
  return pids.reduce((a, pid) => a + statusKb(pid, 'VmHWM'), 0) / 1024;
}

/** Sum of current RSS (VmRSS) in MB. */
export function rssMB(pids: number[]): number {
  return pids.reduce((a, pid) => a + statusKb(pid, 'VmRSS'), 0) / 1024;
}

/** Poll `cond` every `everyMs` until truthy; throw naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  what: string,
  timeoutMs = 60_000,
  everyMs = 20,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A child process whose output is kept (the tail of it) for error messages and readiness. */
export class Child {
  /** Children not yet exited, so an interrupted harness can end exactly the ones it started. */
  static readonly live = new Set<Child>();
  readonly proc: ChildProcess;
  private out = '';
  exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;
  private readonly listeners: Array<(msg: any) => void> = [];

  constructor(proc: ChildProcess, logFile?: string) {
    this.proc = proc;
    const log = logFile ? fs.createWriteStream(logFile) : undefined;
    const keep = (d: Buffer) => {
      log?.write(d);
      this.out = (this.out + d.toString()).slice(-64 * 1024);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.on('message', (m) => {
      for (const l of this.listeners) l(m);
    });
    Child.live.add(this);
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, sig) => {
        Child.live.delete(this);
        this.exitCode = code ?? (sig ? -1 : null);
        log?.end();
        resolve(this.exitCode);
      });
    });
  }

  /** `node <dist script> args` with piped output. */
  static node(
    script: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; log?: string; cwd?: string; nodeArgs?: string[] } = {},
  ): Child {
    const p = spawn(process.execPath, [...(opts.nodeArgs ?? []), path.join(DIST, script), ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Child(p, opts.log);
  }

  /** A bench helper script under dist/bench with an IPC channel. */
  static fork(script: string, args: string[] = []): Child {
    const p = fork(path.join(DIST, 'bench', script), args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return new Child(p);
  }

  /** A shell command line (FLUENTD_CMD / FLUENT_BIT_CMD) in its own process group. */
  static shell(cmd: string, opts: { log?: string } = {}): Child {
    const p = spawn('/bin/sh', ['-c', cmd], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    return new Child(p, opts.log);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get output(): string {
    return this.out;
  }

  send(msg: unknown): void {
    this.proc.send?.(msg as any);
  }

  /** The next IPC message with `type`; rejects if the child exits first. */
  message<T = any>(type: string, timeoutMs = 120_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`timed out waiting for '${type}' from child`)),
        timeoutMs,
      );
      const onMsg = (m: any) => {
        if (m && m.type === 'error') done(new Error(`child failed: ${m.message}`));
        else if (m && m.type === type) done(undefined, m);
      };
      const done = (err?: Error, m?: T) => {
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(onMsg), 1);
        if (err) reject(err);
        else resolve(m as T);
      };
      this.listeners.push(onMsg);
      this.exited.then((c) => {
        if (this.listeners.includes(onMsg))
          done(new Error(`child exited (${c}) before '${type}'\n${this.out}`));
      });
    });
  }

  /** Resolve when the output matches `re`; reject if the child exits first. */
  async waitOutput(re: RegExp, what: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => {
        if (re.test(this.out)) return true;
        if (this.exitCode !== undefined) throw new Error(`${what}: exited (${this.exitCode})\n${this.out}`);
        return false;
      },
      `${what}\n--- output so far ---\n${this.out}`,
      timeoutMs,
    );
  }

  kill(sig: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exitCode !== undefined) return;
    try {
      // A shell child leads its own group: signal the whole group (the foreign program too).
      if (this.proc.spawnargs[0] === '/bin/sh') process.kill(-this.pid, sig);
      else this.proc.kill(sig);
    } catch {
      /* already gone */
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<number | null> {
    this.kill('SIGTERM');
    const t = setTimeout(() => this.kill('SIGKILL'), graceMs);
    const c = await this.exited;
    clearTimeout(t);
    return c;
  }
}
