// Where a file buffer keeps its chunks (spec core §5.1): directory, file name prefix and
// suffix, and the rule that two buffers never share one path.
//
//   path unset, root_dir + @id   <root_dir>/worker<N>/<@id>/buffer/buffer.<b|q><32hex>.log
//   path is a directory          <path>/buffer.<b|q><32hex><path_suffix>  (workers>1: <path>/worker<N>/;
//                                worker 0 first moves in the chunks a single-worker run left in <path>/)
//   basename has `.*.`           used as is, `*` → <b|q><32hex> (path_suffix ignored)
//   basename ends with `.*`      `*` → <b|q><32hex>, then path_suffix
//
// Contract: resolveLayout does no I/O but one stat; claimLayout/releaseLayout keep a
// process-wide set of `<dir>/<prefix>*<suffix>` patterns (ConfigError on a second claim).

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigError } from '../core/errors.js';

/** The options that decide the layout (a subset of FileStoreOptions). */
export interface LayoutOptions {
  path: string | undefined;
  pathSuffix: string;
  pluginRootDir: string | undefined;
  workerId: number;
  workers: number;
}

export interface Layout {
  dir: string;
  prefix: string;
  suffix: string;
  /** Worker 0 of several: where a single-worker run kept its chunks (`<path>/`). */
  legacyDir?: string;
}

const usedPaths = new Set<string>();

/** Directory, name prefix and suffix of chunk files (no I/O except one stat). */
export async function resolveLayout(o: LayoutOptions): Promise<Layout> {
  if (o.path === undefined) {
    if (!o.pluginRootDir) throw new ConfigError(`buffer path is not configured. specify 'path' in <buffer>`);
    return { dir: path.join(o.pluginRootDir, 'buffer'), prefix: 'buffer.', suffix: o.pathSuffix };
  }
  const base = path.basename(o.path);
  if (base.includes('.*.') || base.endsWith('.*') || base === '*') {
    if (o.workers > 1) {
      throw new ConfigError(
        "file buffer with multi workers should be configured to use directory 'path', or system root_dir and plugin id",
      );
    }
    const star = base.indexOf('*');
    const prefix = base.slice(0, star);
    const suffix = base.endsWith('*') ? o.pathSuffix : base.slice(star + 1);
    return { dir: path.dirname(o.path), prefix, suffix };
  }
  let isFile = false;
  try {
    isFile = (await fs.stat(o.path)).isFile();
  } catch {
    // does not exist yet: a directory
  }
  if (isFile) return { dir: path.dirname(o.path), prefix: `${base}.`, suffix: o.pathSuffix };
  if (o.workers > 1) {
    const dir = path.join(o.path, `worker${o.workerId}`);
    return {
      dir,
      prefix: 'buffer.',
      suffix: o.pathSuffix,
      ...(o.workerId === 0 ? { legacyDir: o.path } : {}),
    };
  }
  return { dir: o.path, prefix: 'buffer.', suffix: o.pathSuffix };
}

function pattern(l: Layout): string {
  return path.join(l.dir, `${l.prefix}*${l.suffix}`);
}

/** Take the layout's path for this buffer; another buffer holding it is a config error. */
export function claimLayout(l: Layout): void {
  const key = pattern(l);
  if (usedPaths.has(key)) {
    throw new ConfigError(
      `Other 'file' plugin already use same buffer path: type = file, buffer path = ${key}`,
    );
  }
  usedPaths.add(key);
}

export function releaseLayout(l: Layout): void {
  usedPaths.delete(pattern(l));
}

/** Chunk file names: 1 = state (b|q), 2 = 32 hex id, 3 = `.meta` for a meta file. */
export function chunkNamePattern(l: Layout): RegExp {
  return new RegExp(`^${escapeRe(l.prefix)}([bq])([0-9a-f]{32})${escapeRe(l.suffix)}(\\.meta)?$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
