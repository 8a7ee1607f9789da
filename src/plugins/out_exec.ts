// out_exec: hands each flushed chunk to a command as a file (spec plugins §6.7).
//
//   <match app.**>
//     @type exec
//     command /usr/local/bin/load.sh        run as `/bin/sh -c '<command> <file>'`
//     <format>
//       @type tsv                           the default (keys required)
//       keys host,count
//     </format>
//     <inject>                              defaults here: time_type string, UTC
//       time_key time
//     </inject>
//   </match>
//
// The chunk holds the formatted records: for text formats one line each (the formatter's
// newline normalised to one LF, as Fluentd does), for msgpack the concatenated maps. write()
// copies the chunk's plain bytes to a private temp file (mode 0600, under os.tmpdir(), removed
// afterwards), runs the command with the file's path as its last argument, and waits:
//
//   exit 0                              commit (the chunk is purged)
//   other status, a signal, no shell    throw → the buffer retries with backoff
//   command_timeout (270 s) passed      the command's process group is killed; retry
//
// Unlike Fluentd (which commits asynchronously and passes a file buffer's own chunk path),
// the flush waits for the command, so `flush_thread_count` commands run at most at once.
// The command's stdout is discarded and its stderr goes to td-agent's stderr (as Fluentd).

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Chunk } from '../buffer/chunk.js';
import type { Framing } from '../buffer/file-store.js';
import { compatFormat, compatInject } from '../config/compat.js';
import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import type { EventStream } from '../core/event-stream.js';
import { ChildRun, describeExit, shellQuote } from '../helpers/child-process.js';
import { BufferedOutput } from '../plugin/buffered-output.js';
import {
  formatBatch,
  formatParams,
  formatterType,
  type Injector,
  injectParams,
  makeFormatter,
  makeInjector,
  type RecordFormatter,
} from '../plugin/formatter.js';

const params = {
  command: p.string({
    required: true,
    desc: 'Command to run; the path of a file holding the chunk is appended.',
  }),
  command_timeout: p.time({
    default: 270,
    desc: 'Kill the command (and retry the chunk) after this many seconds.',
  }),
  format: p.section(formatParams('tsv'), { desc: '<format> section (default @type tsv).' }),
  inject: p.section(injectParams({ timeType: 'string', localtime: false }), {
    desc: '<inject> section (default time_type string, UTC).',
  }),
} as const;

/** Ruby's String#chomp + "\n": exactly one trailing LF. */
function oneNewline(s: string): string {
  if (s.endsWith('\r\n')) return `${s.slice(0, -2)}\n`;
  if (s.endsWith('\n')) return s;
  if (s.endsWith('\r')) return `${s.slice(0, -1)}\n`;
  return `${s}\n`;
}

export class ExecOutput extends BufferedOutput<typeof params> {
  static override readonly type = 'exec';
  static override readonly params = params;
  static override readonly bufferDefaults = { delayed_commit_timeout: 300 };
  static readonly desc = 'Runs a command on each flushed chunk, passing the formatted events as a file.';
  static readonly example =
    '<match app.**>\n  @type exec\n  command cat\n  <format>\n    @type tsv\n    keys k1,k2\n  </format>\n</match>';

  private formatter!: RecordFormatter;
  private injector: Injector | undefined;
  private binary = false;
  private tmpDir: Promise<string> | undefined;
  private seq = 0;
  private readonly runs = new Set<ChildRun>();

  override configure(el: ConfigElement): void {
    compatFormat(el);
    compatInject(el);
    super.configure(el);
    this.formatter = makeFormatter(this.config.format, 'tsv');
    this.injector = makeInjector(this.config.inject);
    this.binary = formatterType(this.config.format, 'tsv') === 'msgpack';
  }

  override get chunkFraming(): Framing {
    return this.binary ? 'none' : 'lines';
  }

  override format(tag: string, es: EventStream): Uint8Array {
    return formatBatch(this.formatter, this.injector, tag, es.secs, es.nsecs, es.records, oneNewline);
  }

  /** Commands still running (each write's). */
  get runningCommands(): number {
    return this.runs.size;
  }

  async write(chunk: Chunk): Promise<void> {
    const data = await chunk.read();
    if (!this.tmpDir) {
      const made = fs.mkdtemp(path.join(os.tmpdir(), 'tributary-out-exec-'));
      this.tmpDir = made;
      made.catch(() => {
        if (this.tmpDir === made) this.tmpDir = undefined; // try again on the next write
      });
    }
    const dir = await this.tmpDir;
    const file = path.join(dir, `${chunk.idHex}.${++this.seq}`);
    await fs.writeFile(file, data, { mode: 0o600 });
    try {
      const prog = `${this.config.command} ${shellQuote(file)}`;
      const run = new ChildRun(prog, {
        stdout: 'ignore',
        stderr: 'inherit',
        timeoutMs: this.config.command_timeout * 1000,
      });
      this.runs.add(run);
      const exit = await run.exited;
      this.runs.delete(run);
      if (exit.code !== 0) throw new Error(`command ${describeExit(exit)}: ${prog}`);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  override async shutdown(): Promise<void> {
    await super.shutdown();
    await Promise.all([...this.runs].map((r) => r.terminate(10_000)));
    if (this.tmpDir) {
      const dir = await this.tmpDir.catch(() => undefined);
      if (dir) await fs.rm(dir, { recursive: true, force: true });
      this.tmpDir = undefined;
    }
  }
}
