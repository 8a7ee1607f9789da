// Base class of buffered outputs (DESIGN.md §4): a plugin declares
//
//   format(tag, es): Uint8Array     bytes appended to a chunk (default: msgpack [time, record]
//                                   entries, time as EventTime or an integer with
//                                   time_as_integer; es.packed is reused as is when possible)
//   write(chunk): Promise<void>     resolve = commit; throw = retry; UnrecoverableError (or a
//                                   TypeError/RangeError) = <secondary> or the backup directory
//   tryWrite(chunk) (optional)      delayed commit (spec core §4.8): send, resolve, and later
//                                   call this.commitWrite(chunk.idHex) — or
//                                   this.rollbackWrite(idHex, updateRetry) — e.g. when an ack
//                                   arrives or not; no call within delayed_commit_timeout =
//                                   rollback + retry. preferDelayedCommit chooses per instance.
//
// and optionally `static bufferDefaults` (e.g. `{ '@type': 'file', flush_interval: 60 }`) and
// `static defaultChunkKeys`. emit() returns a promise that settles when the events are
// durable (memory: at once, so nothing is returned; file: after write + fsync).
// Configured as a `<secondary>`, the plugin has no buffer: the primary calls its write().

import type { Chunk, ChunkStorage } from '../buffer/chunk.js';
import { type BufferConfig, configureBuffer } from '../buffer/config.js';
import type { Framing } from '../buffer/file-store.js';
import { compatBuffer } from '../config/compat.js';
import type { ConfigElement } from '../config/element.js';
import { configureParams, type InferConfig, type ParamDecls, p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { EventStream } from '../core/event-stream.js';
import { EventTime } from '../core/event-time.js';
import { packr } from '../core/msgpack.js';
import { localZone } from '../core/strftime.js';
import { FileBufferPlugin } from '../plugins/buf_file.js';
import { MemoryBufferPlugin } from '../plugins/buf_memory.js';
import { PluginBase } from './base.js';
import { OutputRunner, type OutputStats, type SecondaryOutput } from './output-runner.js';
import { extractPlaceholders, type PlaceholderKeys } from './placeholders.js';
import type { OutputPlugin, PluginContext, PluginKind } from './types.js';

type BufferDefaults = Record<string, string | number | boolean>;

/** Output-level parameters every buffered output takes (outside `<buffer>`, spec core §4.2). */
export const bufferedOutputParams = {
  time_as_integer: p.bool({
    default: false,
    desc: 'Store event times as integer seconds instead of EventTime (default chunk format).',
  }),
  slow_flush_log_threshold: p.float({
    default: 20.0,
    desc: 'Warn when writing one chunk takes longer than this many seconds.',
  }),
} as const;

const STORAGES: Record<
  string,
  { createStorage(cfg: BufferConfig, ctx: PluginContext, framing: Framing): ChunkStorage }
> = {
  memory: MemoryBufferPlugin,
  file: FileBufferPlugin,
};

/** msgpack `[EventTime, record]` entries of es[start, end). */
export function packEntries(es: EventStream, start: number, end: number, timeAsInteger = false): Uint8Array {
  const parts: Buffer[] = [];
  let len = 0;
  for (let i = start; i < end; i++) {
    const t = timeAsInteger ? es.secs[i]! : new EventTime(es.secs[i]!, es.nsecs[i]!);
    const b = packr.pack([t, es.records[i]]);
    parts.push(b);
    len += b.length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, len);
}

export abstract class BufferedOutput<P extends ParamDecls = ParamDecls>
  extends PluginBase<P>
  implements OutputPlugin
{
  static override readonly kind: PluginKind = 'output';
  static readonly bufferDefaults: BufferDefaults = {};
  static readonly defaultChunkKeys: string = '';
  runner!: OutputRunner;
  bufferConfig!: BufferConfig;
  placeholderKeys: PlaceholderKeys = { timeKey: false, tagKey: false, keys: [], zone: localZone() };
  secondaryOutput: SecondaryOutput | undefined;
  /** Configured as a `<secondary>`: no buffer of its own. */
  isSecondary = false;
  outputConfig: InferConfig<typeof bufferedOutputParams> = {
    time_as_integer: false,
    slow_flush_log_threshold: 20,
  };

  /** Bytes for a batch; override for text formats. */
  format(_tag: string, es: EventStream): Uint8Array {
    return packEntries(es, 0, es.length);
  }

  abstract write(chunk: Chunk): Promise<void>;

  /** Delayed commit: send the chunk; commit later with commitWrite(chunk.idHex). */
  tryWrite(_chunk: Chunk): Promise<void> {
    return Promise.reject(new Error(`${this.type} output does not implement tryWrite`));
  }

  /** Flushes use tryWrite (default: when the plugin overrides it). out_forward: require_ack_response. */
  get preferDelayedCommit(): boolean {
    return this.tryWrite !== BufferedOutput.prototype.tryWrite;
  }

  get delayedCommit(): boolean {
    return this.preferDelayedCommit;
  }

  /** A chunk sent by tryWrite is delivered: purge it. False when it is not awaiting a commit. */
  commitWrite(chunkIdHex: string): boolean {
    return this.runner.commitWrite(chunkIdHex);
  }

  /** A chunk sent by tryWrite failed: back to the queue (updateRetry: count it as a failure). */
  rollbackWrite(chunkIdHex: string, updateRetry = true): boolean {
    return this.runner.rollbackWrite(chunkIdHex, updateRetry);
  }

  get timeAsInteger(): boolean {
    return this.outputConfig.time_as_integer;
  }

  get slowFlushLogThreshold(): number {
    return this.outputConfig.slow_flush_log_threshold;
  }

  get reusePacked(): boolean {
    return this.defaultFormat && !this.timeAsInteger;
  }

  /** How resume finds whole records in a file chunk (custom formats override). */
  get chunkFraming(): Framing {
    return this.defaultFormat ? 'msgpack' : 'none';
  }

  get defaultFormat(): boolean {
    return this.format === BufferedOutput.prototype.format;
  }

  formatSlice(tag: string, es: EventStream, start: number, end: number): Uint8Array {
    if (this.defaultFormat) return packEntries(es, start, end, this.timeAsInteger);
    return this.format(tag, start === 0 && end === es.length ? es : es.slice(start, end));
  }

  override configure(el: ConfigElement): void {
    super.configure(el);
    this.outputConfig = configureParams(el, bufferedOutputParams, this.ctx.configureContext);
    if (el.name === 'secondary') {
      this.isSecondary = true;
      return;
    }
    const cls = this.constructor as unknown as { bufferDefaults: BufferDefaults; defaultChunkKeys: string };
    const flushOutside = el.has('flush_interval') && el.children('buffer').length === 0;
    compatBuffer(el, (level, m) => this.log[level](m), cls.defaultChunkKeys);
    const defaults = { ...cls.bufferDefaults, ...this.dynamicBufferDefaults(el) };
    const cfg = configureBuffer(el, defaults, cls.defaultChunkKeys, this.ctx.configureContext, flushOutside);
    this.bufferConfig = cfg;
    this.placeholderKeys = { timeKey: cfg.timeKey, tagKey: cfg.tagKey, keys: cfg.recordKeys, zone: cfg.zone };
    this.configureBufferExtra(cfg);
    const secEls = el.children('secondary');
    if (secEls.length > 1)
      throw new ConfigError('<secondary> section can be specified only once', { pos: secEls[1]!.pos });
    let secondary: SecondaryOutput | undefined;
    if (secEls[0]) {
      const secEl = secEls[0];
      secEl.consumed = true;
      if (!secEl.has('@type') && !secEl.has('type')) secEl.set('@type', this.type);
      const sec = this.ctx.createOutput(secEl, [this.where()]) as Partial<SecondaryOutput> & OutputPlugin;
      if (typeof sec.write !== 'function') {
        throw new ConfigError(`secondary output must be a buffered output: ${secEl.get('@type')}`, {
          pos: secEl.pos,
        });
      }
      if (sec instanceof BufferedOutput) {
        sec.placeholderKeys = this.placeholderKeys;
        try {
          sec.actsAsSecondary(this);
        } catch (e) {
          if (e instanceof ConfigError && !e.pos) throw new ConfigError(e.detail, { pos: secEl.pos });
          throw e;
        }
      }
      const secType = (sec as { type?: string }).type;
      if (secType !== 'secondary_file' && secType !== this.type) {
        this.log.warn(
          'Use different plugin for secondary. Check the plugin works with primary like secondary_file',
          {
            primary: this.type,
            secondary: secType,
          },
        );
      }
      secondary = sec as SecondaryOutput;
      if (cfg.retry.forever) {
        this.log.warn(
          '<secondary> with retry_forever is useless: only unrecoverable errors go to the secondary',
        );
      }
    }
    this.secondaryOutput = secondary;
    const storage = STORAGES[cfg.type]!;
    this.runner = new OutputRunner(
      this,
      cfg,
      this.placeholderKeys,
      () => storage.createStorage(cfg, this.ctx, this.chunkFraming),
      secondary,
    );
  }

  /**
   * Called on a `<secondary>` output once its primary is configured: the primary's chunk keys
   * are in placeholderKeys. Override to validate templates against them (secondary_file).
   */
  actsAsSecondary(_primary: BufferedOutput): void {}

  /** Buffer defaults that depend on the plugin's own parameters (e.g. out_file's path). */
  protected dynamicBufferDefaults(_el: ConfigElement): BufferDefaults {
    return {};
  }

  /** Hook for plugins that check their buffer settings (e.g. out_file's path placeholders). */
  protected configureBufferExtra(_cfg: BufferConfig): void {}

  /** Fill `${tag}`, `${key}`, `%Y...`, `${chunk_id}` in a template from a chunk. */
  extractPlaceholders(template: string, chunk: Chunk): string {
    return extractPlaceholders(template, this.placeholderKeys, chunk.metadata, chunk.idHex, this.log);
  }

  override async start(): Promise<void> {
    if (!this.isSecondary) await this.runner.start();
  }

  emit(tag: string, es: EventStream): void | Promise<void> {
    if (this.isSecondary) throw new Error('a <secondary> output takes chunks, not events');
    return this.runner.emit(tag, es);
  }

  overHighWater(): boolean {
    return this.isSecondary ? false : this.runner.overHighWater();
  }

  onDrain(cb: () => void): void {
    if (this.isSecondary) setImmediate(cb);
    else this.runner.onDrain(cb);
  }

  async flushAll(): Promise<void> {
    if (!this.isSecondary) await this.runner.flushAll();
  }

  override async shutdown(): Promise<void> {
    if (!this.isSecondary) await this.runner.shutdown();
  }

  stats(): OutputStats | undefined {
    return this.isSecondary ? undefined : this.runner.stats();
  }
}
