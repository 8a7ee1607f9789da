// Free-form time parsing for `<parse>` without `time_format` (Ruby's Time.parse, the subset
// logs use). Recognised pieces, in any order:
//
//   date   2024-01-02 | 2024/01/02 | 20240102 | 02/Jan/2024 | Jan 2 [2024] | 2 Jan 2024 | 01/02/2024 (m/d/Y)
//   time   15:04[:05[.123456789]] [am|pm]
//   zone   right after the time (or at the end): Z | UTC | GMT | EST.. | +09:00 | +0900 | +09
//
// A weekday name is ignored. Fields missing before the first given one come from "now" in the
// zone (Ruby's make_time rule: `Jan 2 10:00` is this year); the rest default to their minimum.
// No date and no time at all → error "no time information".

import { fixedZone, parseOffset, wallClockNow, type ZoneFn } from './time-parser-zone.js';

const MON = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const TIME_RE =
  /(?:^|[^\d])(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:\s*([ap])\.?m\.?\b)?(?:\s*(Z\b|(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}(?::?\d{2})?|[A-Z]{2,4}T\b))?/i;
const ISO_DATE_RE = /(\d{4})[-/](\d{1,2})[-/](\d{1,2})/;
const COMPACT_RE = /(?:^|[^\d])(\d{4})(\d{2})(\d{2})(?:T|\b)/;
const APACHE_DATE_RE = /(\d{1,2})\/([A-Za-z]{3,})\/(\d{4})/;
const MDY_RE = /(\d{1,2})\/(\d{1,2})\/(\d{4})/;
const MON_RE = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?/i;
const TRAILING_ZONE_RE = /\s(Z|UTC|GMT|[+-]\d{2}:?\d{2})\s*$/i;

function monthIndex(name: string): number {
  const i = MON.indexOf(name.slice(0, 3).toLowerCase());
  return i < 0 ? -1 : i + 1;
}

export function parseLenient(value: string, zone: ZoneFn): [number, number] {
  let rest = value;
  let hour: number | undefined;
  let min: number | undefined;
  let sec: number | undefined;
  let nsec = 0;
  let off: number | undefined;
  const tm = TIME_RE.exec(rest);
  if (tm) {
    hour = Number(tm[1]);
    min = Number(tm[2]);
    if (tm[3] !== undefined) sec = Number(tm[3]);
    if (tm[4] !== undefined) nsec = Number(tm[4].slice(0, 9).padEnd(9, '0'));
    if (tm[5]) hour = (hour % 12) + (tm[5].toLowerCase() === 'p' ? 12 : 0);
    if (tm[6]) off = parseOffset(tm[6]);
    const start = tm.index + (/^\d/.test(tm[0]) ? 0 : 1);
    rest = `${rest.slice(0, start)} ${rest.slice(tm.index + tm[0].length)}`;
  }
  if (off === undefined) {
    const tz = TRAILING_ZONE_RE.exec(rest);
    if (tz) {
      off = parseOffset(tz[1]!);
      rest = rest.slice(0, tz.index);
    }
  }
  let year: number | undefined;
  let mon: number | undefined;
  let mday: number | undefined;
  const iso = ISO_DATE_RE.exec(rest);
  const apache = iso ? null : APACHE_DATE_RE.exec(rest);
  const mdy = iso || (apache && monthIndex(apache[2]!) > 0) ? null : MDY_RE.exec(rest);
  const compact = iso || apache || mdy ? null : COMPACT_RE.exec(rest);
  const named = iso || apache || mdy || compact ? null : MON_RE.exec(rest);
  if (iso) {
    year = Number(iso[1]);
    mon = Number(iso[2]);
    mday = Number(iso[3]);
  } else if (apache && monthIndex(apache[2]!) > 0) {
    mday = Number(apache[1]);
    mon = monthIndex(apache[2]!);
    year = Number(apache[3]);
  } else if (mdy) {
    mon = Number(mdy[1]);
    mday = Number(mdy[2]);
    year = Number(mdy[3]);
  } else if (compact) {
    year = Number(compact[1]);
    mon = Number(compact[2]);
    mday = Number(compact[3]);
  } else if (named) {
    mon = monthIndex(named[1]!);
    const after = rest.slice(named.index + named[0].length);
    const before = rest.slice(0, named.index);
    const d1 = /^\s*(\d{1,2})(?:st|nd|rd|th)?\b/.exec(after);
    const d0 = /(\d{1,2})(?:st|nd|rd|th)?[\s-]*$/.exec(before);
    if (d1) mday = Number(d1[1]);
    else if (d0) mday = Number(d0[1]);
    const y = /\b(\d{4})\b/.exec(d1 ? after.slice(d1[0].length) : after) ?? /\b(\d{4})\b/.exec(before);
    if (y) year = Number(y[1]);
  }
  if (year === undefined && mon === undefined && mday === undefined && hour === undefined) {
    throw new Error(`no time information in ${JSON.stringify(value)}`);
  }
  const z = off !== undefined ? fixedZone(off) : zone;
  if (year === undefined) {
    const now = wallClockNow(off ?? z);
    year = now[0];
    if (mon === undefined) {
      mon = now[1];
      if (mday === undefined) mday = now[2];
    }
  }
  mon ??= 1;
  mday ??= 1;
  if (
    mon < 1 ||
    mon > 12 ||
    mday < 1 ||
    mday > 31 ||
    (hour ?? 0) > 24 ||
    (min ?? 0) > 59 ||
    (sec ?? 0) > 60
  ) {
    throw new Error('argument out of range');
  }
  return [z(year, mon, mday, hour ?? 0, min ?? 0, sec ?? 0), nsec];
}

const ISO8601_RE =
  /^(-?\d{4,})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Ruby's Time.iso8601 (xmlschema): strict `YYYY-MM-DD[THH:MM:SS[.frac][Z|±HH:MM]]`. */
export function parseIso8601(value: string, zone: ZoneFn): [number, number] {
  const m = ISO8601_RE.exec(value.trim());
  if (!m) throw new Error(`invalid xmlschema format: ${JSON.stringify(value)}`);
  const z = m[8] ? fixedZone(parseOffset(m[8])!) : zone;
  const nsec = m[7] ? Number(m[7].slice(0, 9).padEnd(9, '0')) : 0;
  return [
    z(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)),
    nsec,
  ];
}
