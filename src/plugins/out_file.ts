// out_file: writes each flushed chunk to a file (spec plugins §6.1, formatters §9).
//
//   path /var/log/app            → /var/log/app.20240101_0.log, _1, ... (append false)
//                                  /var/log/app.20240101.log            (append true)
//   path /var/log/app.*          → /var/log/app.20240101_0              (`*` = time slice)
//   path /var/log/app.*.data     → /var/log/app.20240101_0.data
//   path /var/log/${tag}/a.%Y%m%d → /var/log/web/a.20240101_0.log        (placeholders)
//   no time chunk key            → <path>_0.log / <path>.log
//   compress gzip                → ... .gz appended last (one gzip member per chunk; with a
//                                  gzip buffer its stored members as they are, unless recompress)
//   symlink_path                 → a symlink to the file-buffer chunk of the latest timekey
//                                  (created with each new chunk; placeholders allowed)
//
// The time slice format follows timekey: < 1 min %Y%m%d%H%M%S, < 1 h %Y%m%d%H%M, < 1 d
// %Y%m%d%H, else %Y%m%d. Default buffer: @type file, chunk key `time`, timekey 1 day; the
// buffer path defaults to `path` used as a directory. Each write is fsynced before the chunk
// is committed (purged from the buffer). Formats: out_file (default), json, ltsv, csv, tsv,
// single_value, msgpack, hash, stdout; `<inject>` adds time/tag/hostname keys.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { Chunk } from '../buffer/chunk.js';
import type { BufferConfig } from '../buffer/config.js';
import type { Framing } from '../buffer/file-store.js';
import { compatFormat, compatInject } from '../config/compat.js';
import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { EventStream } from '../core/event-stream.js';
import { BufferedOutput } from '../plugin/buffered-output.js';
import {
  formatParams,
  formatStream,
  type Injector,
  injectParams,
  makeFormatter,
  makeInjector,
  type RecordFormatter,
} from '../plugin/formatter.js';
import { firstFreePath, writeChunkFile } from './support/chunk-file.js';

const gzip = promisify(zlib.gzip);

const params = {
  path: p.string({
    required: true,
    desc: 'Output path; placeholders ${tag}, ${key}, %Y...; `*` marks the time slice.',
  }),
  append: p.bool({
    default: false,
    desc: 'Append each chunk to one file per slice instead of one file per chunk.',
  }),
  add_path_suffix: p.bool({ default: true, desc: 'Append path_suffix.' }),
  path_suffix: p.string({ default: '.log', desc: 'Suffix of output files.' }),
  compress: p.enum(['text', 'gzip', 'gz'] as const)({ default: 'text', desc: 'Compress output files.' }),
  recompress: p.bool({
    default: false,
    desc: 'Compress again even when the buffer chunk is already gzipped.',
  }),
  symlink_path: p.string({
    desc: 'Symlink to the file-buffer chunk of the latest time slice (file buffer only).',
  }),
  symlink_path_use_relative: p.bool({ default: false, desc: 'Make symlink_path a relative link.' }),
  format: p.section(formatParams('out_file'), { desc: '<format> section.' }),
  inject: p.section(injectParams(), { desc: '<inject> section.' }),
} as const;

function sliceFormat(timekey: number): string {
  if (timekey < 60) return '%Y%m%d%H%M%S';
  if (timekey < 3600) return '%Y%m%d%H%M';
  if (timekey < 86400) return '%Y%m%d%H';
  return '%Y%m%d';
}

export class FileOutput extends BufferedOutput<typeof params> {
  static override readonly type = 'file';
  static override readonly params = params;
  static override readonly bufferDefaults = { '@type': 'file', timekey: 86400 };
  static override readonly defaultChunkKeys = 'time';
  static readonly desc = 'Writes events to files, one per time slice (and chunk).';
  static readonly example = '<match app.**>\n  @type file\n  path /var/log/tributary/app\n</match>';

  private formatter!: RecordFormatter;
  private injector: Injector | undefined;
  private base = '';
  private suffix = '';
  private framing: Framing = 'lines';
  private latestTimekey = Number.NEGATIVE_INFINITY;
  private symlinkOn = false;

  override configure(el: ConfigElement): void {
    compatFormat(el);
    compatInject(el);
    const buf = el.children('buffer')[0];
    if (!buf) this.log.warn('<buffer> is not configured: events are written to daily files (timekey 1d).');
    super.configure(el);
    this.formatter = makeFormatter(this.config.format);
    this.injector = makeInjector(this.config.inject);
    const t = this.config.format?.['@type'] ?? 'out_file';
    this.framing = t === 'msgpack' || this.config.format?.add_newline === false ? 'none' : 'lines';
    if (this.config.symlink_path !== undefined) {
      if (this.isSecondary) {
        throw new ConfigError(
          'symlink_path option is unavailable in <secondary>: consider to use secondary_file plugin',
        );
      }
      if (this.bufferConfig.type !== 'file') {
        this.log.warn('symlink_path needs a file buffer (<buffer> @type file): no symlink is made');
      } else if (process.platform === 'win32') {
        this.log.warn('symlink_path is unavailable on Windows platform. disabled.');
      } else {
        this.symlinkOn = true;
      }
    }
  }

  /** As a <secondary>, paths follow the primary's chunk keys and timekey. */
  override actsAsSecondary(primary: BufferedOutput): void {
    if (primary.bufferConfig) this.configureBufferExtra(primary.bufferConfig);
  }

  /**
   * symlink_path: point it at a new chunk when that chunk has the latest timekey seen
   * (Fluentd's SymlinkBufferMixin). Replaced atomically (link at a temp name, rename).
   */
  chunkCreated(chunk: Chunk): void {
    if (!this.symlinkOn || chunk.path === undefined) return;
    const tk = chunk.metadata.timekey;
    if (tk === undefined || tk < this.latestTimekey) return;
    this.latestTimekey = tk;
    const link = this.extractPlaceholders(this.config.symlink_path!, chunk);
    const target = this.config.symlink_path_use_relative
      ? path.relative(path.dirname(link), chunk.path)
      : chunk.path;
    void (async () => {
      await fs.mkdir(path.dirname(link), { recursive: true, mode: this.ctx.system.dirPermission });
      const tmp = `${link}.${process.pid}.${chunk.idHex}.tmp`;
      await fs.symlink(target, tmp);
      await fs.rename(tmp, link);
    })().catch((e: Error) => this.log.warn('could not update symlink_path', { path: link, error: e }));
  }

  /** Without a buffer path (or root_dir + @id), the buffer lives next to the output files. */
  protected override dynamicBufferDefaults(el: ConfigElement): Record<string, string> {
    const out = el.params.get('path')?.value;
    if (!out || this.ctx.pluginRootDir) return {};
    const cut = out.search(/\$\{|%|\*/);
    return { path: cut < 0 ? out : path.join(path.dirname(`${out.slice(0, cut)}x`), '.buffer') };
  }

  protected override configureBufferExtra(cfg: BufferConfig): void {
    const c = this.config;
    const pathSuffix = c.add_path_suffix ? c.path_suffix : '';
    const hasPlaceholders = /\$\{|%[A-Za-z]/.test(c.path);
    if (c.path.includes('*')) {
      if (!cfg.timeKey) throw new ConfigError(`'*' in path requires the time chunk key: ${c.path}`);
      const i = c.path.indexOf('*');
      this.base = c.path.slice(0, i) + sliceFormat(cfg.timekey!);
      this.suffix = c.path.slice(i + 1);
    } else if (hasPlaceholders || !cfg.timeKey) {
      this.base = c.path;
      this.suffix = pathSuffix;
    } else {
      this.base = `${c.path}.${sliceFormat(cfg.timekey!)}`;
      this.suffix = pathSuffix;
    }
    if (c.compress !== 'text') this.suffix += '.gz';
  }

  override get chunkFraming(): Framing {
    return this.framing;
  }

  override format(tag: string, es: EventStream): Uint8Array {
    return formatStream(this.formatter, this.injector, tag, es);
  }

  /** The file a chunk goes to (for append false: the first free `_N`). */
  async targetPath(chunk: Chunk): Promise<string> {
    const base = this.extractPlaceholders(this.base, chunk);
    const suffix = this.extractPlaceholders(this.suffix, chunk);
    if (this.config.append) return base + suffix;
    return firstFreePath((i) => `${base}_${i}${suffix}`);
  }

  async write(chunk: Chunk): Promise<void> {
    let data: Uint8Array;
    if (this.config.compress === 'text') data = await chunk.read();
    else if (this.config.recompress) data = await gzip(await chunk.read());
    else data = await chunk.readCompressed();
    await writeChunkFile(() => this.targetPath(chunk), data, this.config.append, this.ctx.system);
  }
}
