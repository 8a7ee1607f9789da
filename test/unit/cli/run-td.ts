// Runs the real `td` program (dist/src/cli/td.js) as a child process, with a config path under
// a temp dir (never ~/.td) and TZ=UTC so local-time columns are stable.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const TD_JS = fileURLToPath(new URL('../../../src/cli/td.js', import.meta.url));

export interface TdRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runTd(
  args: string[],
  env: Record<string, string>,
  opts: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<TdRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TD_JS, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent-home', TZ: 'UTC', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`td ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
