// Zones for time formatting: a fixed offset, an IANA name (DST tracked through Intl), or the
// process's local zone. Offsets are seconds east of UTC.
//
//   parseZone('+09:00') = { fixed: 32400 }    parseZone('Asia/Tokyo') = { name, fmt }
//   zoneOffset(parseZone('America/New_York'), 1704067200) = -18000
//
// Fluentd's default timekey_zone is the local offset at startup, not tracking DST (localZone());
// formatters with `localtime` follow the process zone at each instant (LOCAL_ZONE).

import { ConfigError } from './errors.js';

export type Zone =
  | { readonly fixed: number }
  | { readonly name: string; readonly fmt: Intl.DateTimeFormat }
  | { readonly local: true };

export const UTC_ZONE: Zone = { fixed: 0 };
/** The process's local zone at each instant (honours TZ, tracks DST). */
export const LOCAL_ZONE: Zone = { local: true };

/** The process's local offset now, frozen. */
export function localZone(): Zone {
  return { fixed: -new Date().getTimezoneOffset() * 60 };
}

/** A formatter of an IANA zone's wall-clock fields (24 h), whose parts give the local time. */
export function wallClockFormat(name: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

/** `+0900`, `-05:30`, `UTC`, `Z`, `GMT`, or an IANA name like `Asia/Tokyo`. */
export function parseZone(s: string): Zone {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(s);
  if (m) return { fixed: (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) };
  if (s === 'UTC' || s === 'Z' || s === 'GMT') return UTC_ZONE;
  try {
    const fmt = wallClockFormat(s);
    return { name: s, fmt };
  } catch {
    throw new ConfigError(`Invalid timezone: ${s}`);
  }
}

/** Offset (seconds east of UTC) of the zone at epoch second t. */
export function zoneOffset(z: Zone, t: number): number {
  if ('fixed' in z) return z.fixed;
  if ('local' in z) return -new Date(t * 1000).getTimezoneOffset() * 60;
  const p: Record<string, number> = {};
  for (const x of z.fmt.formatToParts(new Date(t * 1000)))
    if (x.type !== 'literal') p[x.type] = Number(x.value);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round(asUtc / 1000 - Math.floor(t));
}

/**
 * %Z: `UTC` for offset 0, `""` for another fixed offset (Ruby's Time#localtime("+09:00")), else
 * Intl's short name (`EST`, `GMT+9`: Intl knows fewer abbreviations than the system's tzdata).
 */
export function zoneAbbr(z: Zone, t: number): string {
  if ('fixed' in z) return z.fixed === 0 ? 'UTC' : '';
  const s = new Date(t * 1000).toLocaleTimeString('en-US', {
    timeZoneName: 'short',
    timeZone: 'name' in z ? z.name : undefined,
  });
  const m = / ([A-Z][A-Za-z0-9+:-]*)$/.exec(s);
  return m ? m[1]! : '';
}

/** `+0900`, `+09:00` (1 colon) or `+09:00:00` (2) from seconds east of UTC. */
export function offsetText(off: number, colons = 0): string {
  const a = Math.abs(off);
  const h = String(Math.floor(a / 3600)).padStart(2, '0');
  const m = String(Math.floor((a % 3600) / 60)).padStart(2, '0');
  const sign = off < 0 ? '-' : '+';
  if (colons === 0) return `${sign}${h}${m}`;
  if (colons === 1) return `${sign}${h}:${m}`;
  return `${sign}${h}:${m}:${String(a % 60).padStart(2, '0')}`;
}

/** `+0900` (or `+09:00` with colon) from minutes east of UTC. */
export function formatOffset(offsetMin: number, colon = false): string {
  return offsetText(offsetMin * 60, colon ? 1 : 0);
}
