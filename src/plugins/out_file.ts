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
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { Chunk } from '../buffer/chunk.js';
import type { BufferConfig } from '../buffer/config.js';
import type { Framing } from '../buffer/file-store.js';
import { compatFormat, compatInject } from '../config/compat.js';
import type { ConfigElement } from '../config/element.js';
import { p, type SectionConfig } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { EventStream, Rec } from '../core/event-stream.js';
import { packr } from '../core/msgpack.js';
import { BufferedOutput } from '../plugin/buffered-output.js';
import { rubyInspect, rubyJson, rubyToS } from './support/ruby-text.js';
import { makeLineFormatter } from './support/stdout-format.js';
import { strftime } from './support/strftime.js';

const gzip = promisify(zlib.gzip);

const formatSection = {
  '@type': p.string({
    default: 'out_file',
    desc: 'out_file, json, ltsv, csv, tsv, single_value, msgpack, hash, stdout.',
  }),
  output_time: p.bool({ default: true, desc: 'out_file: write the time.' }),
  output_tag: p.bool({ default: true, desc: 'out_file: write the tag.' }),
  delimiter: p.string({ desc: 'Field delimiter (out_file: TAB; SPACE/COMMA recognised).' }),
  time_format: p.string({ desc: 'strftime layout of the time (default ISO 8601 to the second).' }),
  localtime: p.bool({ default: true, desc: 'Local time (false = UTC).' }),
  utc: p.bool({ default: false, desc: 'UTC time.' }),
  add_newline: p.bool({ default: true, desc: 'End each record with a newline.' }),
  fields: p.array()({ desc: 'csv: fields to write.' }),
  keys: p.array()({ desc: 'tsv: keys to write.' }),
  force_quotes: p.bool({ default: true, desc: 'csv: quote every value.' }),
  label_delimiter: p.string({ default: ':', desc: 'ltsv: label delimiter.' }),
  replacement: p.string({ default: ' ', desc: 'ltsv: replaces the delimiter in values.' }),
  message_key: p.string({ default: 'message', desc: 'single_value: the field to write.' }),
  output_type: p.string({ default: 'json', desc: 'stdout: record formatter.' }),
} as const;

const injectSection = {
  time_key: p.string({ desc: 'Add the event time under this key.' }),
  time_type: p.enum([
    'float',
    'unixtime',
    'string',
    'unixtime_millis',
    'unixtime_micros',
    'unixtime_nanos',
  ] as const)({
    default: 'float',
    desc: 'Type of the injected time.',
  }),
  time_format: p.string({ desc: 'strftime layout for time_type string.' }),
  localtime: p.bool({ default: true, desc: 'Local time for time_type string.' }),
  utc: p.bool({ default: false, desc: 'UTC for time_type string.' }),
  tag_key: p.string({ desc: 'Add the tag under this key.' }),
  hostname_key: p.string({ desc: 'Add the hostname under this key.' }),
  hostname: p.string({ desc: 'Hostname to inject (default: this host).' }),
} as const;

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
  format: p.section(formatSection, { desc: '<format> section.' }),
  inject: p.section(injectSection, { desc: '<inject> section.' }),
} as const;

type FormatConf = SectionConfig<typeof formatSection>;
type InjectConf = SectionConfig<typeof injectSection>;
type RecordFormatter = (tag: string, sec: number, nsec: number, rec: Rec) => string | Uint8Array;

function csvValue(v: unknown, delim: string, quote: boolean): string {
  const s = rubyToS(v);
  if (!quote && !/[",\r\n]/.test(s) && !s.includes(delim)) return s;
  return `"${s.replace(/"/g, '""')}"`;
}

export function makeFormatter(c: FormatConf | undefined): RecordFormatter {
  const type = c?.['@type'] ?? 'out_file';
  const nl = c?.add_newline === false ? '' : '\n';
  const utc = c?.utc === true || c?.localtime === false;
  switch (type) {
    case 'out_file': {
      const d = c?.delimiter;
      const delim = d === 'SPACE' ? ' ' : d === 'COMMA' ? ',' : '\t';
      const tf = c?.time_format ?? (utc ? '%Y-%m-%dT%H:%M:%SZ' : '%Y-%m-%dT%H:%M:%S%:z');
      const ot = c?.output_time !== false;
      const og = c?.output_tag !== false;
      return (tag, sec, nsec, rec) =>
        `${ot ? strftime(tf, sec, nsec, utc) + delim : ''}${og ? tag + delim : ''}${rubyJson(rec)}\n`;
    }
    case 'json':
      return (_t, _s, _n, rec) => rubyJson(rec) + nl;
    case 'hash':
      return (_t, _s, _n, rec) => rubyInspect(rec) + nl;
    case 'single_value': {
      const k = c?.message_key ?? 'message';
      return (_t, _s, _n, rec) => rubyToS(rec[k]) + nl;
    }
    case 'msgpack':
      return (_t, _s, _n, rec) => packr.pack(rec);
    case 'ltsv': {
      const delim = c?.delimiter ?? '\t';
      const ld = c?.label_delimiter ?? ':';
      const rep = c?.replacement ?? ' ';
      return (_t, _s, _n, rec) =>
        Object.entries(rec)
          .map(([k, v]) => `${k}${ld}${rubyToS(v).split(delim).join(rep)}`)
          .join(delim) + nl;
    }
    case 'csv': {
      const fields = c?.fields;
      if (!fields || fields.length === 0) throw new ConfigError(`'fields' parameter is required`);
      let delim = c?.delimiter ?? ',';
      if (delim === '\\t' || delim === 'TAB') delim = '\t';
      const q = c?.force_quotes !== false;
      return (_t, _s, _n, rec) => fields.map((f) => csvValue(rec[f], delim, q)).join(delim) + nl;
    }
    case 'tsv': {
      const keys = c?.keys;
      if (!keys || keys.length === 0) throw new ConfigError(`'keys' parameter is required`);
      const delim = c?.delimiter ?? '\t';
      return (_t, _s, _n, rec) => keys.map((k) => rubyToS(rec[k])).join(delim) + nl;
    }
    case 'stdout': {
      const f = makeLineFormatter({ '@type': 'stdout', output_type: c?.output_type ?? 'json' } as never);
      return (tag, sec, nsec, rec) => f(tag, sec, nsec, rec) + '\n';
    }
    default:
      throw new ConfigError(`Unknown formatter plugin '${type}'`);
  }
}

function makeInjector(
  c: InjectConf | undefined,
): ((tag: string, sec: number, nsec: number, rec: Rec) => Rec) | undefined {
  if (!c || (!c.time_key && !c.tag_key && !c.hostname_key)) return undefined;
  const host = c.hostname ?? os.hostname();
  const utc = c.utc || !c.localtime;
  const time = (sec: number, nsec: number): unknown => {
    switch (c.time_type) {
      case 'unixtime':
        return sec;
      case 'unixtime_millis':
        return sec * 1000 + Math.floor(nsec / 1e6);
      case 'unixtime_micros':
        return sec * 1e6 + Math.floor(nsec / 1e3);
      case 'unixtime_nanos':
        return BigInt(sec) * 1000000000n + BigInt(nsec);
      case 'string':
        return strftime(
          c.time_format ?? (utc ? '%Y-%m-%dT%H:%M:%SZ' : '%Y-%m-%dT%H:%M:%S%:z'),
          sec,
          nsec,
          utc,
        );
      default:
        return sec + Math.floor(nsec / 1e3) / 1e6;
    }
  };
  return (tag, sec, nsec, rec) => {
    const r: Rec = { ...rec };
    if (c.hostname_key) r[c.hostname_key] = host;
    if (c.tag_key) r[c.tag_key] = tag;
    if (c.time_key) r[c.time_key] = time(sec, nsec);
    return r;
  };
}

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
  private injector: ((tag: string, sec: number, nsec: number, rec: Rec) => Rec) | undefined;
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
    const n = es.length;
    const f = this.formatter;
    const inj = this.injector;
    const parts: (string | Uint8Array)[] = new Array(n);
    let binary = false;
    for (let i = 0; i < n; i++) {
      const sec = es.secs[i]!;
      const nsec = es.nsecs[i]!;
      const rec = inj ? inj(tag, sec, nsec, es.records[i]!) : es.records[i]!;
      const v = f(tag, sec, nsec, rec);
      if (typeof v !== 'string') binary = true;
      parts[i] = v;
    }
    if (!binary) return Buffer.from((parts as string[]).join(''), 'utf8');
    return Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x) : x)));
  }

  /** The file a chunk goes to (for append false: the first free `_N`). */
  async targetPath(chunk: Chunk): Promise<string> {
    const base = this.extractPlaceholders(this.base, chunk);
    const suffix = this.extractPlaceholders(this.suffix, chunk);
    if (this.config.append) return base + suffix;
    for (let i = 0; ; i++) {
      const p = `${base}_${i}${suffix}`;
      try {
        await fs.access(p);
      } catch {
        return p;
      }
    }
  }

  async write(chunk: Chunk): Promise<void> {
    let data: Uint8Array;
    if (this.config.compress === 'text') data = await chunk.read();
    else if (this.config.recompress) data = await gzip(await chunk.read());
    else data = await chunk.readCompressed();
    const sys = this.ctx.system;
    for (let attempt = 0; ; attempt++) {
      const file = await this.targetPath(chunk);
      await fs.mkdir(path.dirname(file), { recursive: true, mode: sys.dirPermission });
      let fh: fs.FileHandle;
      try {
        fh = await fs.open(file, this.config.append ? 'a' : 'wx', sys.filePermission);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 100) continue;
        throw e;
      }
      try {
        await fh.write(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return;
    }
  }
}
