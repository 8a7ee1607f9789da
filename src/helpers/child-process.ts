// Runs a command line the way Fluentd's child_process helper does for in_exec / out_exec:
// through `/bin/sh -c` (so pipes, quotes and redirections work as users write them), in its
// own process group so that a timeout or shutdown stops the command and everything it started.
//
//   stdout  'pipe' (read by the caller) | 'ignore'
//   stderr  'ignore' (Fluentd's :discard) | 'inherit' (:connect) | 'merge' (read_with_stderr:
//           the shell runs `exec 2>&1` first, so both go down the same pipe, interleaved per write)
//
// exited resolves once the process is gone and its stdout is closed, never rejects:
//   { code, signal, timedOut, error }   code 0 = success; error = it could not be spawned
// timeoutMs: the whole run may take this long, then the group gets SIGKILL (timedOut true).
// terminate(): SIGTERM to the group, SIGKILL after graceMs if it is still there.

import { type ChildProcess, spawn } from 'node:child_process';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  error?: Error;
}

export interface ChildOptions {
  stdout: 'pipe' | 'ignore';
  stderr: 'ignore' | 'inherit' | 'merge';
  timeoutMs?: number | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Quotes one argument for /bin/sh. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

export class ChildRun {
  readonly child: ChildProcess;
  readonly exited: Promise<ChildExit>;
  private done = false;
  private timedOut = false;
  private timer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly command: string,
    opts: ChildOptions,
  ) {
    const script = opts.stderr === 'merge' ? `exec 2>&1\n${command}` : command;
    // In merge mode the shell has pointed fd 2 at the stdout pipe already.
    const errIo = opts.stderr === 'merge' ? 'ignore' : opts.stderr;
    this.child = spawn('/bin/sh', ['-c', script], {
      stdio: ['ignore', opts.stdout, errIo],
      detached: true,
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    this.exited = new Promise<ChildExit>((resolve) => {
      const finish = (r: Omit<ChildExit, 'timedOut'>) => {
        if (this.done) return;
        this.done = true;
        clearTimeout(this.timer);
        clearTimeout(this.killTimer);
        resolve({ ...r, timedOut: this.timedOut });
      };
      this.child.once('error', (error) => finish({ code: null, signal: null, error }));
      this.child.once('close', (code, signal) => finish({ code, signal }));
    });
    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.signal('SIGKILL');
      }, opts.timeoutMs);
      this.timer.unref();
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** Sends a signal to the command's process group (falls back to the shell alone). */
  signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (this.done || pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        this.child.kill(sig);
      } catch {
        // already gone
      }
    }
  }

  /** SIGTERM now, SIGKILL after graceMs; resolves when the process is gone. */
  terminate(graceMs = 10_000): Promise<ChildExit> {
    if (!this.done) {
      this.signal('SIGTERM');
      clearTimeout(this.killTimer);
      this.killTimer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      this.killTimer.unref();
    }
    return this.exited;
  }
}

/** `exit 3`, `signal SIGTERM`, `timed out`, or the spawn error, for log lines. */
export function describeExit(e: ChildExit): string {
  if (e.error) return `could not run: ${e.error.message}`;
  if (e.timedOut) return 'timed out (killed)';
  if (e.signal) return `killed by ${e.signal}`;
  return `exit status ${e.code}`;
}
