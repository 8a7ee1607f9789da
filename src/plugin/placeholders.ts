// Chunk metadata → strings: timekeys, strftime (core/strftime.ts) in a zone, and Fluentd's extract_placeholders
// (spec core §4.3). Order: strftime over the whole template when `time` is a chunk key; then
// `${tag}` / `${tag[N]}` when `tag` is a key; then `${chunk_id}`; then `${key}` per record key.
// A tag or key value that would escape a path (`../`, leading `/` or `\`) is an
// UnrecoverableError: the chunk goes to the secondary or the backup directory.

import { UnrecoverableError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { strftime, type Zone, zoneOffset } from '../core/strftime.js';

export interface Metadata {
  timekey: number | undefined;
  tag: string | undefined;
  /** Record chunk key (as written in the config, e.g. `host` or `$.a.b`) → value. */
  variables: Record<string, unknown> | undefined;
}

/** Start of the timekey slice holding t: t − ((t + offset) mod timekey). */
export function timekeyOf(t: number, timekey: number, z: Zone): number {
  const off = zoneOffset(z, t);
  return t - ((((t + off) % timekey) + timekey) % timekey);
}

export interface PlaceholderKeys {
  timeKey: boolean;
  tagKey: boolean;
  /** Record chunk keys as written. */
  keys: string[];
  zone: Zone;
}

function checkPathComponent(what: string, v: string): void {
  if (v.includes('../') || v.startsWith('/') || v.startsWith('\\')) {
    throw new UnrecoverableError(
      `Invalid path component detected in ${what}: ${v}`,
      'INVALID_PATH_COMPONENT',
    );
  }
}

/** Fill a template from a chunk's metadata (and id), Fluentd's extract_placeholders. */
export function extractPlaceholders(
  template: string,
  k: PlaceholderKeys,
  md: Metadata,
  chunkIdHex: string | undefined,
  log?: Logger,
): string {
  let s = template;
  if (!k.timeKey && !k.tagKey && k.keys.length === 0) {
    return chunkIdHex ? s.replace(/\$\{chunk_id\}/g, chunkIdHex) : s;
  }
  if (k.timeKey && md.timekey !== undefined) s = strftime(s, md.timekey, 0, k.zone);
  if (k.tagKey && md.tag !== undefined) {
    const tag = md.tag;
    checkPathComponent('tag', tag);
    const parts = tag.split('.');
    s = s.replace(/\$\{tag(?:\[(-?\d+)\])?\}/g, (_a, n: string | undefined) => {
      if (n === undefined) return tag;
      const i = Number(n);
      return parts[i < 0 ? parts.length + i : i] ?? '';
    });
    if (/\$\{tag(\[-?\d+\])?\}/.test(s))
      log?.warn(`tag placeholder '${s}' not replaced. tag:${tag}, template:${template}`);
  }
  if (chunkIdHex) s = s.replace(/\$\{chunk_id\}/g, chunkIdHex);
  if (k.keys.length > 0) {
    s = s.replace(/\$\{([^}]+)\}/g, (all, name: string) => {
      if (name === 'tag' || /^tag\[-?\d+\]$/.test(name)) return all;
      if (!k.keys.includes(name)) {
        log?.warn(`chunk key placeholder '${name}' not replaced. template:${template}`);
        return '';
      }
      const v = md.variables?.[name];
      const str = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      checkPathComponent('chunk key', str);
      return str;
    });
  }
  return s;
}
