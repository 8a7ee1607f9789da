// Shared helpers for buffer tests: a scriptable buffered output, config → plugin, waits.

import type { Chunk } from '../../../src/buffer/chunk.js';
import { parseConfig } from '../../../src/config/parser.js';
import { UnrecoverableError } from '../../../src/core/errors.js';
import { EventStream, type Rec } from '../../../src/core/event-stream.js';
import { Logger, LogSink } from '../../../src/core/log.js';
import { BufferedOutput } from '../../../src/plugin/buffered-output.js';
import { createPlugin } from '../../../src/plugin/instantiate.js';
import type { OutputPlugin, PluginClass, SystemConfig } from '../../../src/plugin/types.js';
import { FileOutput } from '../../../src/plugins/out_file.js';
import { SecondaryFileOutput } from '../../../src/plugins/out_secondary_file.js';

export interface Written {
  idHex: string;
  tag: string | undefined;
  timekey: number | undefined;
  variables: Record<string, unknown> | undefined;
  records: Rec[];
}

/** A buffered output whose write() outcome the test scripts. */
export class ScriptedOutput extends BufferedOutput {
  static override readonly type: string = 'scripted';
  written: Written[] = [];
  attempts: string[] = [];
  /** Decide each write: undefined = succeed, an Error = throw it. */
  behavior: (chunk: Chunk, attempt: number) => Error | undefined = () => undefined;
  /** Make write() hang until released (for in-flight tests). */
  gate: Promise<void> | undefined;

  async write(chunk: Chunk): Promise<void> {
    this.attempts.push(chunk.idHex);
    if (this.gate) await this.gate;
    const err = this.behavior(chunk, this.attempts.length);
    if (err) throw err;
    const es = await chunk.events();
    this.written.push({
      idHex: chunk.idHex,
      tag: chunk.metadata.tag,
      timekey: chunk.metadata.timekey,
      variables: chunk.metadata.variables,
      records: es.records,
    });
  }

  writtenRecords(): Rec[] {
    return this.written.flatMap((w) => w.records);
  }
}

export class OtherScriptedOutput extends ScriptedOutput {
  static override readonly type: string = 'scripted2';
}

export function captureLogger(): { log: Logger; lines: string[] } {
  const sink = new LogSink();
  sink.captured = [];
  return { log: new Logger({ sink, level: 'trace' }), lines: sink.captured };
}

export function makeOutput<T extends BufferedOutput>(
  cls: PluginClass<T>,
  body: string,
  opts: { system?: Partial<SystemConfig>; log?: Logger; id?: string; workerId?: number } = {},
): T {
  const root = parseConfig(`<match **>\n${opts.id ? `@id ${opts.id}\n` : ''}${body}\n</match>`, 'test.conf');
  const el = root.elements[0]!;
  const log = opts.log ?? captureLogger().log;
  return createPlugin(cls, el, {
    log,
    ...(opts.system ? { system: opts.system } : {}),
    ...(opts.workerId !== undefined ? { workerId: opts.workerId } : {}),
    createOutput: (sub) => {
      const type = sub.params.get('@type')?.value;
      // only the outputs these tests use, so a plugin elsewhere being edited cannot break them
      const known: Record<string, unknown> = {
        scripted2: OtherScriptedOutput,
        secondary_file: SecondaryFileOutput,
        file: FileOutput,
      };
      const c = known[type ?? ''] ?? ScriptedOutput;
      return createPlugin(c as unknown as PluginClass<OutputPlugin>, sub, {
        log,
        ...(opts.system ? { system: opts.system } : {}),
      });
    },
  });
}

export function stream(n: number, from = 0, sec = 1_700_000_000): EventStream {
  const es = new EventStream();
  for (let i = 0; i < n; i++) es.add(sec, i, { n: from + i, msg: `record ${from + i}` });
  return es;
}

export { UnrecoverableError };

/** Wait for a condition (checked every few ms) or fail after timeoutMs. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
