// Fluentd-style log lines:
//
//   2026-11-28 01:02:03 +0000 [info]: #0 [out_td] message key="value" n=1 x=nil
//
// `#N` appears in worker processes (workerId set); `[id]` for plugins with `@id`. Values are
// rendered like Ruby's inspect: strings quoted, null/undefined as nil, errors as
// `error_class=Name error="message"`. One LogSink per process writes to stdout or a file and
// reopens the file on SIGUSR1. Hooks let the engine turn log lines into `fluent.<level>`
// events (@FLUENT_LOG).

import * as fs from 'node:fs';

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LEVELS)[number];
const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };

export function isLogLevel(s: string): s is LogLevel {
  return (LEVELS as readonly string[]).includes(s);
}

export type LogHook = (level: LogLevel, message: string, kv: Record<string, unknown> | undefined) => void;

/** Where lines go. `path` undefined = stdout. */
export class LogSink {
  private fd: number | undefined;
  private path: string | undefined;
  readonly hooks = new Set<LogHook>();
  /** Captured lines, when capture is on (test drivers). */
  captured: string[] | undefined;

  constructor(path?: string) {
    this.setPath(path);
    // A closed stdout (`td-agent | head`) must not crash the daemon.
    if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', () => {});
  }

  setPath(path: string | undefined): void {
    this.close();
    this.path = path && path !== '-' ? path : undefined;
    if (this.path) this.fd = fs.openSync(this.path, 'a');
  }

  /** Reopen the log file (after logrotate moved it). */
  reopen(): void {
    this.setPath(this.path);
  }

  write(line: string): void {
    if (this.captured) this.captured.push(line);
    if (this.fd !== undefined) fs.writeSync(this.fd, line + '\n');
    else if (!this.captured) process.stdout.write(line + '\n');
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function formatLogTime(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`
  );
}

/** Ruby-inspect-like rendering of one value. */
export function inspectValue(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Error) return JSON.stringify(v.message);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function formatKv(kv: Record<string, unknown> | undefined): string {
  if (!kv) return '';
  let s = '';
  for (const k in kv) {
    const v = kv[k];
    if (v instanceof Error) {
      s += ` ${k === 'error' ? '' : `${k}_`}error_class=${v.name} error=${JSON.stringify(v.message)}`;
    } else s += ` ${k}=${inspectValue(v)}`;
  }
  return s;
}

export class Logger {
  level: LogLevel;
  readonly sink: LogSink;
  readonly workerId: number | undefined;
  readonly id: string | undefined;

  constructor(opts: { level?: LogLevel; sink?: LogSink; workerId?: number; id?: string } = {}) {
    this.level = opts.level ?? 'info';
    this.sink = opts.sink ?? new LogSink();
    this.workerId = opts.workerId;
    this.id = opts.id;
  }

  /** A logger for one plugin: its own level (`@log_level`) and `[id]` prefix. */
  child(opts: { level?: LogLevel | undefined; id?: string | undefined }): Logger {
    return new Logger({
      level: opts.level ?? this.level,
      sink: this.sink,
      ...(this.workerId !== undefined ? { workerId: this.workerId } : {}),
      ...(opts.id !== undefined ? { id: opts.id } : {}),
    });
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  log(level: LogLevel, message: string, kv?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    const worker = this.workerId !== undefined ? `#${this.workerId} ` : '';
    const id = this.id ? `[${this.id}] ` : '';
    const text = message + formatKv(kv);
    this.sink.write(`${formatLogTime(new Date())} [${level}]: ${worker}${id}${text}`);
    for (const h of this.sink.hooks) h(level, text, kv);
  }

  trace(m: string, kv?: Record<string, unknown>): void {
    this.log('trace', m, kv);
  }
  debug(m: string, kv?: Record<string, unknown>): void {
    this.log('debug', m, kv);
  }
  info(m: string, kv?: Record<string, unknown>): void {
    this.log('info', m, kv);
  }
  warn(m: string, kv?: Record<string, unknown>): void {
    this.log('warn', m, kv);
  }
  error(m: string, kv?: Record<string, unknown>): void {
    this.log('error', m, kv);
  }
  fatal(m: string, kv?: Record<string, unknown>): void {
    this.log('fatal', m, kv);
  }
}

/** Rate limiter for repeated error lines: at most one line per key per interval; the
 *  number suppressed in between is reported with the next line. */
export class LogThrottle {
  private last = new Map<string, { at: number; suppressed: number }>();
  constructor(private readonly intervalMs = 10_000) {}

  /** Returns the count suppressed since the last allowed line, or -1 to suppress this one. */
  allow(key: string, now = Date.now()): number {
    const e = this.last.get(key);
    if (e && now - e.at < this.intervalMs) {
      e.suppressed++;
      return -1;
    }
    const s = e?.suppressed ?? 0;
    if (this.last.size > 1000) this.last.clear();
    this.last.set(key, { at: now, suppressed: 0 });
    return s;
  }
}
