// out_secondary_file: the `<secondary>` that keeps chunks the primary could not deliver, as
// files (spec core §4.7, plugins §2.5). The chunk's bytes are written as they are — the
// primary's format (msgpack `[time, record]` entries by default), not re-formatted:
//
//   <directory>/<basename>.<N>[.gz]     append false: N = first index whose file is free
//   <directory>/<basename>[.gz]         append true: every chunk appended to one file
//
// `directory` and `basename` take the placeholders the primary's chunk keys allow:
// `${chunk_id}` always, `${tag}`/`${tag[N]}` with the tag key, `${key}` with record keys,
// strftime `%Y%m%d...` with the time key — anything else is a config error naming it.
// `compress gzip` writes gzip (the buffer's stored members as they are when the buffer is
// compressed too). Files are fsynced before the chunk counts as written (support/chunk-file.ts).

import * as path from 'node:path';
import type { Chunk } from '../buffer/chunk.js';
import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { strftime, UTC_ZONE } from '../core/strftime.js';
import { BufferedOutput } from '../plugin/buffered-output.js';
import { firstFreePath, writeChunkFile } from './support/chunk-file.js';

const params = {
  directory: p.string({ required: true, desc: 'Directory of the dump files.' }),
  basename: p.string({ default: 'dump.bin', desc: 'File name; placeholders like `${chunk_id}` allowed.' }),
  append: p.bool({ default: false, desc: 'Append every chunk to one file instead of `<basename>.<N>`.' }),
  compress: p.enum(['text', 'gzip'] as const)({ default: 'text', desc: 'Write gzip files (`.gz`).' }),
} as const;

const PLACEHOLDER = /\$\{(tag(?:\[-?\d+\])?|[\w.@$-]+)\}/g;

export class SecondaryFileOutput extends BufferedOutput<typeof params> {
  static override readonly type = 'secondary_file';
  static override readonly params = params;
  static readonly desc = 'Dumps chunks the primary output could not write to files (use in <secondary>).';
  static readonly example =
    '<match app.**>\n  @type secondary_file\n  directory /var/log/tributary/error\n</match>';

  private template = '';
  private suffix = '';

  override configure(el: ConfigElement): void {
    super.configure(el);
    const c = this.config;
    if (c.basename.includes('/')) throw new ConfigError('basename should not include `/`');
    this.template = path.join(c.directory, c.basename);
    this.suffix = c.compress === 'gzip' ? '.gz' : '';
    if (!this.isSecondary) {
      // Fluentd refuses this with "This plugin can only be used in the <secondary> section";
      // we warn instead, so that its example and generic plugin tests can configure it alone.
      this.log.warn(
        'secondary_file is meant for the <secondary> section: here it dumps every chunk to files',
      );
      this.actsAsSecondary();
    }
  }

  /** The template may only use placeholders the primary's chunk keys can fill. */
  override actsAsSecondary(): void {
    const k = this.placeholderKeys;
    const t = this.template;
    if (!k.timeKey && strftime(t, 0, 0, UTC_ZONE) !== t) {
      throw new ConfigError(
        'out_secondary_file: basename or directory has an incompatible placeholder, remove time formats, like `%Y%m%d`, from basename or directory',
      );
    }
    for (const m of t.matchAll(PLACEHOLDER)) {
      const ph = m[1]!;
      if (/^tag(\[-?\d+\])?$/.test(ph)) {
        if (!k.tagKey) {
          throw new ConfigError(
            `out_secondary_file: basename or directory has an incompatible placeholder ${ph}, remove tag placeholder, like \`\${tag}\`, from basename or directory`,
          );
        }
      } else if (ph !== 'chunk_id' && !k.keys.includes(ph)) {
        throw new ConfigError(
          `out_secondary_file: basename or directory has an incompatible placeholder ${ph}, remove variable placeholder, like \`\${varname}\`, from basename or directory`,
        );
      }
    }
  }

  /** Where a chunk goes: `<template>[.gz]` when appending, else the first free `<template>.<N>[.gz]`. */
  async targetPath(chunk: Chunk): Promise<string> {
    const base = this.extractPlaceholders(this.template, chunk);
    if (this.config.append) return base + this.suffix;
    return firstFreePath((i) => `${base}.${i}${this.suffix}`);
  }

  async write(chunk: Chunk): Promise<void> {
    const data = this.config.compress === 'gzip' ? await chunk.readCompressed() : await chunk.read();
    await writeChunkFile(() => this.targetPath(chunk), data, this.config.append, this.ctx.system);
  }
}
