// Test helpers for real child processes: collect output, wait on conditions (never sleeps).

import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DIST = path.join(ROOT, 'dist');

/** Poll `cond` until it returns truthy, or throw after `timeoutMs` naming `what`. */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class Proc {
  readonly child: ChildProcess;
  out = '';
  err = '';
  exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;

  constructor(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
    this.child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => {
      this.out += d;
    });
    this.child.stderr!.on('data', (d) => {
      this.err += d;
    });
    this.exited = new Promise((res) => {
      this.child.on('exit', (code, sig) => {
        this.exitCode = code ?? (sig ? -1 : null);
        res(this.exitCode);
      });
    });
  }

  /** A node script under dist/ (e.g. 'src/cli/td-agent.js'). */
  static node(script: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
    return new Proc(process.execPath, [path.join(DIST, script), ...args], opts);
  }

  get all(): string {
    return this.out + this.err;
  }

  count(re: RegExp): number {
    return (this.all.match(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)) ?? [])
      .length;
  }

  waitOutput(re: RegExp, what = String(re), timeoutMs = 30_000): Promise<boolean> {
    return waitFor(() => re.test(this.all), `${what}\n--- output so far ---\n${this.all}`, timeoutMs);
  }

  kill(sig: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exitCode === undefined) this.child.kill(sig);
  }

  async stop(timeoutMs = 10_000): Promise<number | null> {
    this.kill('SIGTERM');
    const t = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
    const c = await this.exited;
    clearTimeout(t);
    return c;
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for daemons that take a fixed port). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
