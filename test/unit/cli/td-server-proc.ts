// Starts the real td-server (dist/src/cli/td-server.js) as a child process on an ephemeral port
// with a temp data directory, for the td CLI end-to-end tests. Readiness = its log line
// "listening on http://127.0.0.1:PORT"; the key = the administrator key it prints on first start.

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TD_SERVER_JS = fileURLToPath(new URL('../../../src/cli/td-server.js', import.meta.url));

export function tdServerAvailable(): boolean {
  return fs.existsSync(TD_SERVER_JS);
}

export interface TdServerProc {
  url: string;
  apikey: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  timeoutMs?: number;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Reuse a data directory (it is then not removed on stop); the key is read from admin.apikey. */
  dataDir?: string;
}

export async function startTdServer(opts: StartOptions | number = {}): Promise<TdServerProc> {
  const o = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const timeoutMs = o.timeoutMs ?? 30_000;
  const ownData = o.dataDir === undefined;
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'td-server-e2e-'));
  const child = spawn(
    process.execPath,
    [TD_SERVER_JS, '--port', String(o.port ?? 0), '--bind', '127.0.0.1', '--data', dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const onData = (c: Buffer) => {
    out += c.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (ownData) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const ready = await new Promise<{ url: string; apikey: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`td-server did not start:\n${out}`)), timeoutMs);
      const check = () => {
        const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
        const keyFile = path.join(dataDir, 'admin.apikey');
        const key =
          /^(\d+\/[0-9a-f]{40})$/m.exec(out)?.[1] ??
          (fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8').trim() : undefined);
        if (url && key) {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.stderr?.off('data', check);
          resolve({ url, apikey: key });
        }
      };
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`td-server exited (${code}):\n${out}`));
      });
      check();
    });
    return { ...ready, dataDir, child, output: () => out, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
