// Shared by the in_tail tests: a writer in another process (tail-writer.js), temporary
// directories, condition waits (never fixed sleeps) and a driver shortcut.

import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../../src/config/parser.js';
import type { EventStream } from '../../../src/core/event-stream.js';
import { Logger, LogSink } from '../../../src/core/log.js';
import { makePluginContext } from '../../../src/plugin/context.js';
import type { Emitter } from '../../../src/plugin/types.js';
import { TailInput } from '../../../src/plugins/in_tail/index.js';
import { InputTestDriver } from '../../../src/test-driver/index.js';

const WRITER = fileURLToPath(new URL('./tail-writer.js', import.meta.url));

export class Writer {
  private readonly child: ChildProcess;
  private readonly pending: ((r: Record<string, unknown>) => void)[] = [];

  constructor() {
    this.child = spawn(process.execPath, [WRITER], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (l) => {
      this.pending.shift()?.(JSON.parse(l) as Record<string, unknown>);
    });
  }

  /** Runs one command in the writer process; resolves with its reply (rejects on failure). */
  do(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.pending.push((r) => (r.ok ? resolve(r) : reject(new Error(String(r.error)))));
      this.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
    });
  }

  lines(file: string, prefix: string, from: number, count: number) {
    return this.do({ op: 'lines', file, prefix, from, count });
  }

  close(): void {
    this.child.stdin!.end();
    this.child.kill();
  }
}

export function tmpDir(t: { after: (fn: () => void) => void }, prefix = 'tail-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Resolves once cond() holds; rejects after timeoutMs naming `what`. */
export async function waitFor(cond: () => boolean, what: string | (() => string), timeoutMs = 15_000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function tail(conf: string): InputTestDriver<TailInput> {
  return new InputTestDriver(TailInput, conf, { logLevel: 'debug' });
}

/** `<parse> @type none` config for files under dir. */
export function noneConf(pathSpec: string, extra = ''): string {
  return `path ${pathSpec}\ntag t.*\nrotate_wait 0.3\n${extra}\n<parse>\n  @type none\n</parse>`;
}

export function messages(d: InputTestDriver<TailInput>): string[] {
  return d.records().map((r) => String(r.message));
}

export function seqs(prefix: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}

/** The pos file as [path, pos, inode] rows (filler lines dropped). */
export function posRows(file: string): [string, number, number][] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [p, pos, ino] = l.split('\t');
      return [p!, Number.parseInt(pos!, 16), Number.parseInt(ino!, 16)];
    });
}

/** A TailInput outside the test driver, emitting into `emitter` (for large volumes). */
export async function startTail(
  conf: string,
  emitter: Emitter,
): Promise<{ input: TailInput; logs: string[] }> {
  const sink = new LogSink();
  sink.captured = [];
  const ctx = makePluginContext({ emitter, log: new Logger({ sink, level: 'info' }) });
  const input = new TailInput(ctx);
  input.configure(parseConfig(`<source>\n@type tail\n${conf}\n</source>`, 'tail.conf').elements[0]!);
  await input.start();
  return { input, logs: sink.captured };
}

/** An emitter that hands every stream to `take` and never pushes back. */
export function streamEmitter(take: (es: EventStream) => void): Emitter {
  return {
    emitStream: (_tag, es) => {
      take(es);
      return true;
    },
    emitStreamDurable: async (_tag, es) => {
      take(es);
    },
    onDrain: (cb) => setImmediate(cb),
    overHighWater: () => false,
  };
}
