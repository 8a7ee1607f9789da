// A real `td-server` child process for e2e and fault tests: started with --port 0, ready when it
// logs `listening on http://127.0.0.1:PORT` (what the td CLI tests parse too).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ENTRY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../src/cli/td-server.js',
);

export interface Child {
  proc: ChildProcess;
  url: string;
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function spawnServer(dataDir: string, extra: string[] = [], timeoutMs = 20_000): Promise<Child> {
  const proc = spawn(process.execPath, [ENTRY, '--port', '0', '--data', dataDir, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let buf = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`td-server did not start: ${stdout.join('\n')}`)),
      timeoutMs,
    );
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        stdout.push(line);
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
        nl = buf.indexOf('\n');
      }
    });
    proc.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`td-server exited with ${code}: ${stdout.join('\n')} ${stderr.join('')}`));
    });
  });
  return { proc, url, stdout, stderr, exited };
}

/** Run a td-server subcommand to completion. */
export function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ENTRY, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Poll `check` until it returns true or the timeout passes. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
