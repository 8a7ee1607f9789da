// Which files a source reads right now (Fluentd's expand_paths), and the tag of a file.
//
// Each `path` entry goes through strftime (at every refresh, in path_timezone when set), then
// through Dir.glob when glob_policy says it is a pattern. Glob matches must be readable regular
// files (and modified within limit_recently_modified); a plain path is kept when it exists.
// exclude_path entries (strftime + glob) are subtracted. The result maps path → stat (which
// follows symlinks, so a /var/log/containers link reports its target's inode).

import * as fs from 'node:fs';
import { globSync } from '../../config/glob.js';
import type { Logger } from '../../core/log.js';
import { LOCAL_ZONE, strftime } from '../../core/strftime.js';
import { parseOffset, zoneFor } from '../../helpers/time-parser-zone.js';

export type GlobPolicy = 'backward_compatible' | 'extended' | 'always';

export interface PathOptions {
  paths: string[];
  excludes: string[];
  globPolicy: GlobPolicy;
  limitRecentlyModified: number | undefined;
  pathTimezone: string | undefined;
  ignoreRepeatedPermissionError: boolean;
}

function extendedGlob(p: string): boolean {
  return p.includes('*') || p.includes('?') || /\[.*\]/.test(p);
}

export function usesGlob(p: string, policy: GlobPolicy): boolean {
  if (policy === 'always') return extendedGlob(p) || /\{.*,.*\}/.test(p);
  if (policy === 'extended') return extendedGlob(p);
  return p.includes('*');
}

/** Seconds east of UTC of a path_timezone value at `sec`. */
function zoneOffset(tz: string, sec: number): number {
  const fixed = parseOffset(tz);
  if (fixed !== undefined && /^[+-]/.test(tz)) return fixed;
  const d = new Date(sec * 1000);
  const wall = zoneFor(tz)(
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  );
  return sec - wall;
}

export function formatPath(p: string, sec: number, tz: string | undefined): string {
  if (!p.includes('%')) return p;
  if (tz === undefined) return strftime(p, sec, 0, LOCAL_ZONE);
  return strftime(p, sec, 0, { fixed: zoneOffset(tz, sec) });
}

export class PathExpander {
  private readonly warned = new Set<string>();

  constructor(
    private readonly o: PathOptions,
    private readonly log: Logger,
  ) {}

  /** Current targets: path → stat. */
  expand(nowMs = Date.now()): Map<string, fs.Stats> {
    const sec = Math.floor(nowMs / 1000);
    const found: string[] = [];
    for (const raw of this.o.paths) {
      const p = formatPath(raw, sec, this.o.pathTimezone);
      if (!usesGlob(p, this.o.globPolicy)) {
        found.push(p);
        continue;
      }
      for (const m of globSync(p)) if (this.accept(m, nowMs)) found.push(m);
    }
    const excluded = new Set<string>();
    for (const raw of this.o.excludes) {
      const p = formatPath(raw, sec, this.o.pathTimezone);
      if (usesGlob(p, this.o.globPolicy)) for (const m of globSync(p)) excluded.add(m);
      else excluded.add(p);
    }
    const out = new Map<string, fs.Stats>();
    for (const p of found) {
      if (excluded.has(p) || out.has(p)) continue;
      try {
        const st = fs.statSync(p);
        if (st.isFile()) out.set(p, st);
      } catch {
        // gone since the glob, or a plain path that does not exist yet
      }
    }
    return out;
  }

  /** Directories whose changes can add targets (for inotify-driven refreshes). */
  watchDirs(nowMs = Date.now()): string[] {
    const sec = Math.floor(nowMs / 1000);
    const dirs = new Set<string>();
    for (const raw of this.o.paths) {
      const p = formatPath(raw, sec, this.o.pathTimezone);
      const cut = p.lastIndexOf('/');
      const dir = cut <= 0 ? '/' : p.slice(0, cut);
      if (!usesGlob(dir, 'always')) dirs.add(dir);
    }
    return [...dirs];
  }

  private accept(p: string, nowMs: number): boolean {
    try {
      const st = fs.statSync(p);
      if (st.isDirectory()) return false;
      try {
        fs.accessSync(p, fs.constants.R_OK);
      } catch {
        if (!this.warned.has(p)) {
          this.log.warn(`${p} unreadable. It is excluded and would be examined next time.`);
          if (this.o.ignoreRepeatedPermissionError) this.warned.add(p);
        }
        return false;
      }
      const lrm = this.o.limitRecentlyModified;
      return lrm === undefined || st.mtimeMs >= nowMs - lrm * 1000;
    } catch {
      return false;
    }
  }
}

/** `foo.*` + `/var/log/a.log` → `foo.var.log.a.log`; a tag without `*` is used as is. */
export function tagFunction(tag: string): (path: string) => string {
  const star = tag.indexOf('*');
  if (star < 0) return () => tag;
  const parts = tag.split('*');
  const prefix = parts[0] ?? '';
  const suffix = parts[1] ?? '';
  const cache = new Map<string, string>();
  return (p) => {
    let t = cache.get(p);
    if (t === undefined) {
      t =
        prefix +
        p
          .replace(/\//g, '.')
          .replace(/\.{2,}/g, '.')
          .replace(/^\./, '') +
        suffix;
      if (cache.size > 10_000) cache.clear();
      cache.set(p, t);
    }
    return t;
  };
}
