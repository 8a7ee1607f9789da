// Time zones for time parsing: fixed offsets, IANA names (through Intl) and the process's
// local zone, each as a function from a wall-clock time to epoch seconds.
//
//   parseOffset('+09:00') = 32400   parseOffset('-0530') = -19800   parseOffset('Z') = 0
//   zoneFor('Asia/Tokyo')(2024, 1, 1, 0, 0, 0) = 1704034800
//
// Accepted `timezone` values (Fluentd's Timezone.validate): `+HH:MM`, `+HHMM`, `+HH` (either
// sign) and `Region/Zone` names; anything else is `Unsupported timezone '<value>'`.

import { ConfigError } from '../core/errors.js';
import { wallClockFormat } from '../core/time-zone.js';

/** Wall-clock fields → epoch seconds (month 1-12). */
export type ZoneFn = (y: number, mo: number, d: number, h: number, mi: number, s: number) => number;

/** Ruby's Time.zone_offset abbreviations (hours). */
const ABBREV: Record<string, number> = {
  UTC: 0,
  Z: 0,
  UT: 0,
  GMT: 0,
  EST: -5,
  EDT: -4,
  CST: -6,
  CDT: -5,
  MST: -7,
  MDT: -6,
  PST: -8,
  PDT: -7,
};

const OFFSET_RE = /^([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/;

/** Offset in seconds east of UTC for `+09:00`-style text or a known abbreviation; else undefined. */
export function parseOffset(text: string): number | undefined {
  const up = text.toUpperCase();
  const ab = ABBREV[up];
  if (ab !== undefined) return ab * 3600;
  let t = text;
  if (up.startsWith('GMT') || up.startsWith('UTC')) t = text.slice(3);
  const m = OFFSET_RE.exec(t);
  if (!m) return undefined;
  const secs = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  if (Number(m[2]) > 24 || Number(m[3] ?? 0) > 59) return undefined;
  return m[1] === '-' ? -secs : secs;
}

function utcSecs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (y >= 0 && y < 100) {
    const dt = new Date(ms);
    dt.setUTCFullYear(y);
    return Math.floor(dt.getTime() / 1000);
  }
  return Math.floor(ms / 1000);
}

export function fixedZone(offset: number): ZoneFn {
  return (y, mo, d, h, mi, s) => utcSecs(y, mo, d, h, mi, s) - offset;
}

export const UTC_ZONE: ZoneFn = fixedZone(0);

/** The process's local zone (honours TZ), DST included. */
export const LOCAL_ZONE: ZoneFn = (y, mo, d, h, mi, s) => {
  const dt = new Date(y, mo - 1, d, h, mi, s);
  if (y >= 0 && y < 100) dt.setFullYear(y);
  return Math.floor(dt.getTime() / 1000);
};

const ianaCache = new Map<string, ZoneFn>();

function isIanaName(name: string): boolean {
  if (!/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+){1,2}$/.test(name) && name !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** An IANA zone: the offset at an instant comes from Intl, cached per hour. */
export function ianaZone(name: string): ZoneFn {
  const hit = ianaCache.get(name);
  if (hit) return hit;
  const dtf = wallClockFormat(name);
  const offsets = new Map<number, number>();
  const offsetAt = (epoch: number): number => {
    const hour = Math.floor(epoch / 3600);
    const c = offsets.get(hour);
    if (c !== undefined) return c;
    const f: Record<string, number> = {};
    for (const part of dtf.formatToParts(hour * 3600 * 1000)) {
      if (part.type !== 'literal') f[part.type] = Number(part.value);
    }
    const asUtc = utcSecs(f.year!, f.month!, f.day!, f.hour!, f.minute!, f.second!);
    const off = asUtc - hour * 3600;
    if (offsets.size > 4096) offsets.clear();
    offsets.set(hour, off);
    return off;
  };
  const fn: ZoneFn = (y, mo, d, h, mi, s) => {
    const wall = utcSecs(y, mo, d, h, mi, s);
    const guess = wall - offsetAt(wall);
    return wall - offsetAt(guess);
  };
  ianaCache.set(name, fn);
  return fn;
}

/** Throws `Unsupported timezone 'X'` unless `tz` is an offset or a known zone name. */
export function validateTimezone(tz: string): void {
  if (OFFSET_RE.test(tz) && parseOffset(tz) !== undefined) return;
  if (isIanaName(tz)) return;
  throw new ConfigError(`Unsupported timezone '${tz}'`);
}

/** The zone a `timezone` parameter names (validated). */
export function zoneFor(tz: string): ZoneFn {
  validateTimezone(tz);
  const off = OFFSET_RE.test(tz) ? parseOffset(tz) : undefined;
  return off !== undefined ? fixedZone(off) : ianaZone(tz);
}

/** The offset in seconds of a zone at a wall-clock time (used to fill "now" fields). */
export function wallClockNow(zone: ZoneFn | number): [number, number, number, number, number, number] {
  const now = Math.floor(Date.now() / 1000);
  let off: number;
  if (typeof zone === 'number') off = zone;
  else {
    // offset = wall - epoch; probe with the UTC wall time of now, twice for DST edges.
    const d0 = new Date(now * 1000);
    const w0 = [
      d0.getUTCFullYear(),
      d0.getUTCMonth() + 1,
      d0.getUTCDate(),
      d0.getUTCHours(),
      d0.getUTCMinutes(),
      d0.getUTCSeconds(),
    ] as const;
    off = now - zone(...w0);
    const d1 = new Date((now + off) * 1000);
    const w1 = [
      d1.getUTCFullYear(),
      d1.getUTCMonth() + 1,
      d1.getUTCDate(),
      d1.getUTCHours(),
      d1.getUTCMinutes(),
      d1.getUTCSeconds(),
    ] as const;
    off = utcSecs(...w1) - zone(...w1);
  }
  const d = new Date((now + off) * 1000);
  return [
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  ];
}
