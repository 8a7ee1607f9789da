// in_exec: runs a command and turns what it prints into events (spec plugins §5.4).
//
//   <source>
//     @type exec
//     command /usr/local/bin/report.sh --all     run by /bin/sh -c
//     run_interval 10s                           none: once at start; else every interval
//     tag exec.report                            or <extract> tag_key
//     <parse>
//       @type tsv                                the default (keys required)
//       keys host,count
//     </parse>
//   </source>
//
// stdout (plus stderr with `connect_mode read_with_stderr`; Fluentd discards it otherwise) is
// cut into lines, each line is parsed, and the events of one read go out as one stream per
// tag. Binary parsers (msgpack) get whole objects instead of lines. Parsers that take whole
// texts (json) get one line at a time: one JSON value per line.
//
// - `<parse>` defaults (Fluentd's): @type tsv, time_type float (string when time_format is
//   set), no time_key even for json, estimate_current_event false. Time: the parser's, else
//   `<extract> time_key`, else now.
// - run_interval: the first run is one interval after start (as Fluentd); a run still going
//   when the next is due is skipped with a warning. command_timeout: the run is killed
//   (SIGKILL to its process group) after that long.
// - Bounds: a line longer than max_line_size (Tributary, default 8 MiB) is dropped and
//   counted; a binary object that large, or bytes that are not msgpack, stop that run.
// - Backpressure: when the pipeline says pause, reading stops (the command blocks on its
//   full pipe) until it drains.
// - shutdown: the running command gets SIGTERM, SIGKILL 10 s later; its remaining output is
//   still read and emitted.

import { TextDecoder } from 'node:util';
import { compatParse } from '../config/compat.js';
import { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { EventStream, Rec } from '../core/event-stream.js';
import { EventTime } from '../core/event-time.js';
import { ChildRun, describeExit } from '../helpers/child-process.js';
import { Extractor, extractSection, head, Notifier, TagBatcher } from '../helpers/socket-input.js';
import { Input } from '../plugin/base.js';
import { createParser, type Parser } from '../plugin/parser.js';
import { MsgpackScanner } from './in_forward/msgpack-scanner.js';
import './parser_builtins.js';

const DEFAULT_MAX_LINE = 8 * 1024 * 1024;

const params = {
  command: p.string({ required: true, desc: 'The command to run (by /bin/sh -c).' }),
  connect_mode: p.enum(['read', 'read_with_stderr'] as const)({
    default: 'read',
    desc: 'read: stdout only (stderr discarded); read_with_stderr: stdout and stderr.',
  }),
  tag: p.string({ desc: 'Tag of the events (required unless <extract> tag_key is set).' }),
  run_interval: p.time({ desc: 'Run the command every interval (none: once, at start).' }),
  command_timeout: p.time({ desc: 'Kill a run that takes longer than this.' }),
  read_block_size: p.size({ default: 10240, desc: 'Accepted for compatibility.' }),
  encoding: p.string({ desc: 'Encoding of the output (default UTF-8; invalid bytes become U+FFFD).' }),
  max_line_size: p.size({
    desc: '(Tributary) Longest line (or binary object) in bytes; longer lines are dropped. Default 8 MiB.',
  }),
  extract: extractSection,
} as const;

export interface ExecInputStats {
  runs: number;
  skippedRuns: number;
  failedRuns: number;
  lines: number;
  events: number;
  unmatched: number;
  parseErrors: number;
  oversized: number;
  emitFailures: number;
}

/** Ruby encoding names that TextDecoder spells differently. */
function decoderLabel(encoding: string): string {
  const e = encoding.toLowerCase();
  return e === 'ascii-8bit' || e === 'binary' ? 'latin1' : e;
}

/** Cuts a byte stream into lines (without the "\n"); drops lines longer than max. */
class LineFramer {
  private parts: Buffer[] = [];
  private len = 0;
  private discarding = false;

  constructor(
    private readonly max: number,
    private readonly oversized: () => void,
  ) {}

  push(buf: Buffer, out: Buffer[]): void {
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      const piece = buf.subarray(start, nl);
      start = nl + 1;
      if (this.discarding) this.discarding = false;
      else if (this.len + piece.length > this.max) this.oversized();
      else out.push(this.len === 0 ? piece : Buffer.concat([...this.parts, piece]));
      this.parts = [];
      this.len = 0;
    }
    const rest = buf.subarray(start);
    if (rest.length === 0 || this.discarding) return;
    if (this.len + rest.length > this.max) {
      this.oversized();
      this.discarding = true;
      this.parts = [];
      this.len = 0;
      return;
    }
    this.parts.push(rest);
    this.len += rest.length;
  }

  /** The last line when the output did not end with a newline. */
  end(out: Buffer[]): void {
    if (!this.discarding && this.len > 0) out.push(Buffer.concat(this.parts));
    this.parts = [];
    this.len = 0;
  }
}

/** Cuts a byte stream into whole msgpack objects; throws on bytes that are not msgpack or too large. */
class MsgpackFramer {
  private readonly scanner = new MsgpackScanner();
  private pending: Buffer | undefined;

  constructor(private readonly max: number) {}

  push(buf: Buffer, out: Buffer[]): void {
    const data = this.pending ? Buffer.concat([this.pending, buf]) : buf;
    let start = 0;
    while (start < data.length) {
      const n = this.scanner.scan(data, start, data.length);
      if (n < 0) break;
      out.push(data.subarray(start, start + n));
      start += n;
    }
    const rest = data.subarray(start);
    if (rest.length > this.max)
      throw new Error(`a msgpack object is larger than max_line_size (${this.max} bytes)`);
    this.pending = rest.length > 0 ? rest : undefined;
  }

  end(_out: Buffer[]): void {
    if (this.pending)
      throw new Error(`output ended inside a msgpack object (${this.pending.length} bytes dropped)`);
  }
}

type Framer = LineFramer | MsgpackFramer;

export class ExecInput extends Input<typeof params> {
  static override readonly type = 'exec';
  static override readonly params = params;
  static readonly desc = 'Runs a command (once or every run_interval) and parses its output into events.';
  static readonly example =
    '<source>\n  @type exec\n  command echo "a\\tb"\n  tag exec.out\n  <parse>\n    @type tsv\n    keys k1,k2\n  </parse>\n</source>';

  readonly stats: ExecInputStats = {
    runs: 0,
    skippedRuns: 0,
    failedRuns: 0,
    lines: 0,
    events: 0,
    unmatched: 0,
    parseErrors: 0,
    oversized: 0,
    emitFailures: 0,
  };
  parser!: Parser<any>;
  private binary = false;
  private extractor: Extractor | undefined;
  private decoder!: TextDecoder;
  private maxLine = DEFAULT_MAX_LINE;
  private readonly notifier = new Notifier(this.log);
  private readonly batch = new TagBatcher();
  private timer: NodeJS.Timeout | undefined;
  private current: ChildRun | undefined;
  private stopping = false;
  /** Resolves when the current run's output has been handled. */
  private runDone: Promise<void> = Promise.resolve();
  private unit: Buffer = Buffer.alloc(0);
  private readonly onRecord = (time: EventTime | undefined, record: Rec | null): void =>
    this.record(time, record);

  override configure(el: ConfigElement): void {
    compatParse(el);
    if (el.children('extract').length === 0 && el.has('tag_key')) {
      const x = new ConfigElement('extract', '', el.params.get('tag_key')!.pos);
      x.set('tag_key', el.get('tag_key') ?? null);
      el.elements.push(x);
    }
    // Fluentd's <parse> defaults for in_exec, applied to a copy so the config dump and the
    // unused-parameter check see what the user wrote.
    const given = el.children('parse')[0];
    const parse = given ? given.clone() : new ConfigElement('parse', '', el.pos);
    if (!parse.has('@type') && !parse.has('type')) parse.set('@type', 'tsv');
    if (!parse.has('time_type')) parse.set('time_type', parse.has('time_format') ? 'string' : 'float');
    if (!parse.has('estimate_current_event')) parse.set('estimate_current_event', 'false');
    super.configure(el);
    const c = this.config;
    if (c.tag === undefined && c.extract?.tag_key === undefined) {
      throw new ConfigError("'tag' or 'tag_key' option is required on exec input", { pos: el.pos });
    }
    try {
      this.decoder = new TextDecoder(decoderLabel(c.encoding ?? 'utf-8'));
    } catch {
      throw new ConfigError(`unknown encoding name - ${c.encoding}`, {
        pos: el.params.get('encoding')?.pos ?? el.pos,
      });
    }
    if (c.max_line_size !== undefined && c.max_line_size < 1)
      throw new ConfigError("'max_line_size' must be positive");
    this.maxLine = c.max_line_size ?? DEFAULT_MAX_LINE;
    if (c.extract) {
      const xe = c.extract.$element;
      if (xe.has('time_format') && !xe.has('time_type')) c.extract.time_type = 'string';
      this.extractor = Extractor.from(c.extract);
    }
    this.parser = createParser(this.ctx, parse);
    if (given) {
      given.consumed = true;
      for (const k of parse.used) if (given.has(k)) given.used.add(k);
      given.known = parse.known;
      given.owner = parse.owner;
    }
    // Fluentd's in_exec sets time_key nil for every parser, json's default `time` included.
    if (!parse.has('time_key')) (this.parser.config as { time_key?: string }).time_key = undefined;
    this.binary = this.parser.parserType === 'binary';
  }

  /** The run in progress, if any. */
  get running(): ChildRun | undefined {
    return this.current?.running ? this.current : undefined;
  }

  override start(): void {
    this.stopping = false;
    const every = this.config.run_interval;
    if (every === undefined) {
      this.execute();
      return;
    }
    this.timer = setInterval(() => {
      if (this.current?.running) {
        this.stats.skippedRuns++;
        this.log.warn('previous child process is still running. skipped.', {
          command: this.config.command,
          interval: every,
        });
        return;
      }
      this.execute();
    }, every * 1000);
    this.timer.unref();
  }

  override stop(): void {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.current?.child.stdout?.resume();
  }

  override async shutdown(): Promise<void> {
    this.stop();
    const run = this.current;
    if (run?.running) await run.terminate(10_000);
    await this.runDone;
  }

  /** Starts one run of the command. */
  execute(): ChildRun {
    const c = this.config;
    const run = new ChildRun(c.command, {
      stdout: 'pipe',
      stderr: c.connect_mode === 'read_with_stderr' ? 'merge' : 'ignore',
      timeoutMs: c.command_timeout !== undefined ? c.command_timeout * 1000 : undefined,
    });
    this.current = run;
    this.stats.runs++;
    this.log.debug('executing command', { command: c.command, pid: run.pid });
    const framer: Framer = this.binary
      ? new MsgpackFramer(this.maxLine)
      : new LineFramer(this.maxLine, () => {
          this.stats.oversized++;
          this.notifier.notice('warn', 'oversized', 'line longer than max_line_size dropped', {
            limit: this.maxLine,
          });
        });
    const stdout = run.child.stdout!;
    let broken = false;
    const units: Buffer[] = [];
    const handle = (fn: () => void) => {
      if (broken) return;
      try {
        fn();
      } catch (e) {
        broken = true;
        this.stats.parseErrors++;
        this.log.error('cannot read the output of the command; stopping it', {
          command: c.command,
          error: e as Error,
        });
        run.signal('SIGKILL');
      }
      for (const u of units) this.parseUnit(u);
      units.length = 0;
      if (!this.flush() && !this.stopping) {
        stdout.pause();
        this.emitter.onDrain(() => stdout.resume());
      }
    };
    stdout.on('data', (b: Buffer) => handle(() => framer.push(b, units)));
    this.runDone = run.exited.then((exit) => {
      handle(() => framer.end(units));
      if (exit.code !== 0) {
        this.stats.failedRuns++;
        this.notifier.notice('warn', 'exit', `command ${describeExit(exit)}`, { command: c.command });
      }
    });
    return run;
  }

  private parseUnit(unit: Buffer): void {
    this.stats.lines++;
    this.unit = unit;
    let text: string | Buffer;
    if (this.binary) text = Buffer.from(unit);
    else {
      const s = this.decoder.decode(unit);
      text = s.endsWith('\r') ? s.slice(0, -1) : s;
    }
    try {
      this.parser.parse(text, this.onRecord);
    } catch (e) {
      this.stats.parseErrors++;
      this.notifier.notice('warn', 'parse', 'invalid line found', { error: e as Error, line: head(unit) });
    }
  }

  private record(time: EventTime | undefined, record: Rec | null): void {
    if (record === null) {
      this.stats.unmatched++;
      this.notifier.notice('warn', 'unmatched', 'pattern not matched', { line: head(this.unit) });
      return;
    }
    const x = this.extractor;
    const tag = x?.tag(record) ?? this.config.tag;
    if (tag === undefined) {
      this.stats.emitFailures++;
      this.notifier.notice('warn', 'notag', 'record has no tag field and no tag is set: dropped', {
        tag_key: this.config.extract?.tag_key,
      });
      return;
    }
    const t = time ?? x?.time(record) ?? EventTime.now();
    this.stats.events++;
    this.batch.add(tag, t.sec, t.nsec, record);
  }

  /** Emits the batch; false when the pipeline asked to pause. */
  private flush(): boolean {
    return this.batch.flush(this.emitter, (e: Error, tag: string, es: EventStream) => {
      this.stats.emitFailures += es.length;
      this.notifier.notice('error', 'emit', 'exec failed to emit', { tag, error: e });
    });
  }
}
