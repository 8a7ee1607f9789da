// A forward server (in_forward alone) in a child process, for fault tests: readiness, memory
// snapshots, stop, and SIGKILL.

import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { waitFor } from '../plugins/in_forward.support.js';

export interface Snapshot {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  events: number;
  logs: number;
  stats: Record<string, number>;
}

export class ServerChild {
  readonly child: ChildProcess;
  private lines: string[] = [];
  private buf = '';
  port = 0;

  constructor(extra: string, port = 0, idsFile = '') {
    const script = path.join(import.meta.dirname, 'forward-server-child.js');
    this.child = spawn(process.execPath, [script, extra, String(port), idsFile], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let i = this.buf.indexOf('\n');
      while (i >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
        i = this.buf.indexOf('\n');
      }
    });
  }

  async ready(): Promise<void> {
    let exited = false;
    this.child.once('exit', () => {
      exited = true;
    });
    await waitFor(() => this.lines.length > 0 || exited, 'the server child to listen', 20_000);
    if (exited && this.lines.length === 0) throw new Error('the server child exited before listening');
    this.port = JSON.parse(this.lines.shift()!).port;
  }

  async snapshot(): Promise<Snapshot> {
    const n = this.lines.length;
    this.child.stdin!.write('m\n');
    await waitFor(() => this.lines.length > n, 'a snapshot');
    return JSON.parse(this.lines.pop()!);
  }

  /** SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    this.child.stdin!.end();
    await new Promise((r) => this.child.once('exit', r));
  }
}
