// Chunk metadata → strings: timekeys, strftime in a zone, and Fluentd's extract_placeholders
// (spec core §4.3). Order: strftime over the whole template when `time` is a chunk key; then
// `${tag}` / `${tag[N]}` when `tag` is a key; then `${chunk_id}`; then `${key}` per record key.
// A tag or key value that would escape a path (`../`, leading `/` or `\`) is an
// UnrecoverableError: the chunk goes to the secondary or the backup directory.

import { ConfigError, UnrecoverableError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { wallClockFormat } from '../helpers/time-parser-zone.js';

export interface Metadata {
  timekey: number | undefined;
  tag: string | undefined;
  /** Record chunk key (as written in the config, e.g. `host` or `$.a.b`) → value. */
  variables: Record<string, unknown> | undefined;
}

/** A zone: a fixed offset (seconds east of UTC) or an IANA name (tracks DST). */
export type Zone = { fixed: number } | { name: string; fmt: Intl.DateTimeFormat };

export function localZone(): Zone {
  return { fixed: -new Date().getTimezoneOffset() * 60 };
}

/** `+0900`, `-05:30`, `UTC`, `Z`, or an IANA name like `Asia/Tokyo`. */
export function parseZone(s: string): Zone {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(s);
  if (m) return { fixed: (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) };
  if (s === 'UTC' || s === 'Z' || s === 'GMT') return { fixed: 0 };
  try {
    return { name: s, fmt: wallClockFormat(s) };
  } catch {
    throw new ConfigError(`Invalid timezone: ${s}`);
  }
}

/** Offset (seconds east of UTC) of the zone at epoch second t. */
export function zoneOffset(z: Zone, t: number): number {
  if ('fixed' in z) return z.fixed;
  const parts: Record<string, number> = {};
  for (const p of z.fmt.formatToParts(new Date(t * 1000)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day!,
    parts.hour!,
    parts.minute!,
    parts.second!,
  );
  return Math.round(asUtc / 1000 - Math.floor(t));
}

/** Start of the timekey slice holding t: t − ((t + offset) mod timekey). */
export function timekeyOf(t: number, timekey: number, z: Zone): number {
  const off = zoneOffset(z, t);
  return t - ((((t + off) % timekey) + timekey) % timekey);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** strftime of epoch second t (+ nsec) in a zone. Unknown conversions stay as written. */
export function strftime(fmt: string, t: number, z: Zone, nsec = 0): string {
  if (!fmt.includes('%')) return fmt;
  const off = zoneOffset(z, t);
  const d = new Date((t + off) * 1000);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return fmt.replace(/%([-]?)([A-Za-z%]|[0-9]?N)/g, (all, _flag: string, c: string) => {
    switch (c) {
      case 'Y':
        return String(d.getUTCFullYear());
      case 'y':
        return p2(d.getUTCFullYear() % 100);
      case 'm':
        return p2(d.getUTCMonth() + 1);
      case 'd':
        return p2(d.getUTCDate());
      case 'e':
        return String(d.getUTCDate()).padStart(2, ' ');
      case 'H':
        return p2(d.getUTCHours());
      case 'M':
        return p2(d.getUTCMinutes());
      case 'S':
        return p2(d.getUTCSeconds());
      case 'L':
        return String(Math.floor(nsec / 1e6)).padStart(3, '0');
      case 'N':
        return String(nsec).padStart(9, '0');
      case '3N':
        return String(Math.floor(nsec / 1e6)).padStart(3, '0');
      case '6N':
        return String(Math.floor(nsec / 1e3)).padStart(6, '0');
      case '9N':
        return String(nsec).padStart(9, '0');
      case 'j': {
        const start = Date.UTC(d.getUTCFullYear(), 0, 1);
        return String(Math.floor((d.getTime() - start) / 86400000) + 1).padStart(3, '0');
      }
      case 'a':
        return DAYS[d.getUTCDay()]!;
      case 'b':
        return MONTHS[d.getUTCMonth()]!;
      case 'z':
        return `${sign}${p2(Math.floor(a / 3600))}${p2(Math.floor((a % 3600) / 60))}`;
      case 's':
        return String(Math.floor(t));
      case '%':
        return '%';
      default:
        return all;
    }
  });
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
  if (k.timeKey && md.timekey !== undefined) s = strftime(s, md.timekey, k.zone);
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
