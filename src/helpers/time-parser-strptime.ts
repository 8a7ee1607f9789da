// Ruby's strptime, compiled once per format into a list of scanning steps (no regexp per value).
//
// Directives: %Y %C %y %m %d %e %j %H %k %I %l %M %S %N %L (%3N, %6N, %9N: fraction digits)
// %s %Q (epoch seconds / milliseconds) %z %:z %::z %Z (offset or zone name) %b %B %h %a %A
// %p %P %u %w %U %W %V %G %g, the composites %T %D %F %R %r %c %x %X %v %+, %n %t %%.
// Flags (`-_0^#`) are accepted and ignored; a width limits how many digits are read.
// Ruby rules kept: whitespace in the format matches any run of whitespace (also none);
// %Y reads at most 4 digits when a numeric directive follows directly; trailing text after
// the format is ignored (Time.strptime does not check the leftover); fields missing before the
// first given one are filled from "now" in the target zone (`%H:%M` is today), the rest default
// to their minimum.

import { fixedZone, parseOffset, wallClockNow, type ZoneFn } from './time-parser-zone.js';

interface Fields {
  year: number | undefined;
  century: number | undefined;
  yy: number | undefined;
  mon: number | undefined;
  mday: number | undefined;
  yday: number | undefined;
  hour: number | undefined;
  pm: boolean | undefined;
  min: number | undefined;
  sec: number | undefined;
  nsec: number;
  off: number | undefined;
  epoch: number | undefined;
}

type Step = (s: string, i: number, f: Fields) => number; // new index, or -1 on mismatch

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

let numVal = 0;
/** Reads up to `max` digits (at least one) at i, optionally after one space / a sign. */
function readNum(s: string, i: number, max: number, space: boolean, signed: boolean): number {
  if (space && s.charCodeAt(i) === 32) i++;
  let neg = false;
  if (signed && (s[i] === '-' || s[i] === '+')) {
    neg = s[i] === '-';
    i++;
  }
  let v = 0;
  let n = 0;
  while (n < max) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) break; // NaN past the end
    v = v * 10 + c;
    i++;
    n++;
  }
  if (n === 0) return -1;
  numVal = neg ? -v : v;
  return i;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function num(max: number, set: (f: Fields, v: number) => void, space = false, signed = false): Step {
  return (s, i, f) => {
    const j = readNum(s, i, max, space, signed);
    if (j >= 0) set(f, numVal);
    return j;
  };
}

function names(list: string[], set: ((f: Fields, idx: number) => void) | undefined): Step {
  return (s, i, f) => {
    const rest = s.slice(i, i + 9).toLowerCase();
    for (let k = 0; k < list.length; k++) {
      const full = list[k]!;
      const len = rest.startsWith(full) ? full.length : rest.startsWith(full.slice(0, 3)) ? 3 : 0;
      if (len) {
        set?.(f, k);
        return i + len;
      }
    }
    return -1;
  };
}

function fraction(width: number): Step {
  return (s, i, f) => {
    let j = i;
    let digits = '';
    while (j - i < width) {
      const c = s.charCodeAt(j);
      if (!(c >= 48 && c <= 57)) break;
      if (digits.length < 9) digits += s[j];
      j++;
    }
    if (j === i) return -1;
    f.nsec = Number(digits.padEnd(9, '0'));
    return j;
  };
}

const ZONE_RE = /^(?:[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?|(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Za-z]+)/i;

const zoneStep: Step = (s, i, f) => {
  const m = ZONE_RE.exec(s.slice(i, i + 32));
  if (!m) return -1;
  f.off = parseOffset(m[0]);
  return i + m[0].length;
};

const spaces: Step = (s, i) => {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
};

function literal(ch: string): Step {
  return (s, i) => (s[i] === ch ? i + 1 : -1);
}

const NUMERIC = new Set('YCymdejHkIlMSNLsQuwUWVGg');

const COMPOSITE: Record<string, string> = {
  T: '%H:%M:%S',
  D: '%m/%d/%y',
  F: '%Y-%m-%d',
  R: '%H:%M',
  r: '%I:%M:%S %p',
  c: '%a %b %e %H:%M:%S %Y',
  x: '%m/%d/%y',
  X: '%H:%M:%S',
  v: '%e-%b-%Y',
  '+': '%a %b %e %H:%M:%S %Z %Y',
};

function expand(format: string): string {
  return format.replace(/%([-_0^#]*\d*)([TDFRrcxXv+%])/g, (all, _f, d: string) =>
    d === '%' ? all : COMPOSITE[d]!,
  );
}

/** Splits a format into steps. Throws on an unknown directive. */
function compileSteps(format: string): Step[] {
  const fmt = expand(format);
  const steps: Step[] = [];
  const re = /%([-_0^#]*)(\d*)(:{0,2})([A-Za-z%+])/y;
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i]!;
    if (ch === '%') {
      re.lastIndex = i;
      const m = re.exec(fmt);
      if (!m) throw new Error(`invalid strptime format - '${format}'`);
      i = re.lastIndex;
      const width = m[2] ? Number(m[2]) : 0;
      const d = m[4]!;
      const nextNumeric =
        i < fmt.length && ((fmt[i] === '%' && NUMERIC.has(fmt[i + 1] ?? '')) || /\d/.test(fmt[i]!));
      const w = (def: number) => width || def;
      switch (d) {
        case 'Y':
          steps.push(num(w(nextNumeric ? 4 : 10), (f, v) => (f.year = v), false, true));
          break;
        case 'C':
          steps.push(num(w(2), (f, v) => (f.century = v), false, true));
          break;
        case 'y':
          steps.push(num(w(2), (f, v) => (f.yy = v)));
          break;
        case 'm':
          steps.push(num(w(2), (f, v) => (f.mon = v)));
          break;
        case 'd':
        case 'e':
          steps.push(num(w(2), (f, v) => (f.mday = v), true));
          break;
        case 'j':
          steps.push(num(w(3), (f, v) => (f.yday = v)));
          break;
        case 'H':
        case 'k':
          steps.push(num(w(2), (f, v) => (f.hour = v), true));
          break;
        case 'I':
        case 'l':
          steps.push(num(w(2), (f, v) => (f.hour = v), true));
          break;
        case 'M':
          steps.push(num(w(2), (f, v) => (f.min = v)));
          break;
        case 'S':
          steps.push(num(w(2), (f, v) => (f.sec = v)));
          break;
        case 'N':
        case 'L':
          steps.push(fraction(width || Number.POSITIVE_INFINITY));
          break;
        case 's':
          steps.push(num(w(20), (f, v) => (f.epoch = v), false, true));
          break;
        case 'Q':
          steps.push(
            num(
              w(23),
              (f, v) => {
                f.epoch = Math.floor(v / 1000);
                f.nsec = (v - f.epoch * 1000) * 1e6;
              },
              false,
              true,
            ),
          );
          break;
        case 'z':
        case 'Z':
          steps.push(zoneStep);
          break;
        case 'b':
        case 'B':
        case 'h':
          steps.push(names(MONTHS, (f, k) => (f.mon = k + 1)));
          break;
        case 'a':
        case 'A':
          steps.push(names(DAYS, undefined));
          break;
        case 'p':
        case 'P':
          steps.push((s, j, f) => {
            const t = s.slice(j, j + 4).toLowerCase();
            const dotted = t === 'a.m.' || t === 'p.m.';
            if (!dotted && !/^[ap]m/.test(t)) return -1;
            f.pm = t[0] === 'p';
            return j + (dotted ? 4 : 2);
          });
          break;
        case 'u':
        case 'w':
          steps.push(num(1, () => {}));
          break;
        case 'U':
        case 'W':
        case 'V':
        case 'g':
          steps.push(num(w(2), () => {}));
          break;
        case 'G':
          steps.push(num(w(nextNumeric ? 4 : 10), () => {}, false, true));
          break;
        case 'n':
        case 't':
          steps.push(spaces);
          break;
        case '%':
          steps.push(literal('%'));
          break;
        default:
          throw new Error(`invalid strptime format - '${format}': unknown directive %${d}`);
      }
      continue;
    }
    steps.push(isSpace(ch.charCodeAt(0)) ? spaces : literal(ch));
    i++;
  }
  return steps;
}

const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

function leap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** A compiled format: `parse(value, zone)` → [sec, nsec]; throws on a mismatch. */
export interface Strptime {
  readonly format: string;
  /** True when the format reads a zone (%z/%Z): the text's zone wins over `zone`. */
  readonly hasZone: boolean;
  parse(value: string, zone: ZoneFn): [number, number];
}

export function compileStrptime(format: string): Strptime {
  const steps = compileSteps(format);
  const hasZone = /%[-_0^#]*\d*:{0,2}[zZ+]/.test(format);
  const fail = (value: string): never => {
    throw new Error(`invalid date or strptime format - '${value}' '${format}'`);
  };
  return {
    format,
    hasZone,
    parse(value: string, zone: ZoneFn): [number, number] {
      const f: Fields = {
        year: undefined,
        century: undefined,
        yy: undefined,
        mon: undefined,
        mday: undefined,
        yday: undefined,
        hour: undefined,
        pm: undefined,
        min: undefined,
        sec: undefined,
        nsec: 0,
        off: undefined,
        epoch: undefined,
      };
      let i = 0;
      for (const step of steps) {
        i = step(value, i, f);
        if (i < 0) fail(value);
      }
      if (f.epoch !== undefined) return [f.epoch, f.nsec];
      if (f.yy !== undefined) f.year = (f.century ?? (f.yy < 69 ? 20 : 19)) * 100 + f.yy;
      else if (f.century !== undefined && f.year === undefined) f.year = f.century * 100;
      if (f.hour !== undefined && f.pm !== undefined) f.hour = (f.hour % 12) + (f.pm ? 12 : 0);
      const z = f.off !== undefined ? fixedZone(f.off) : zone;
      const given = [f.year, f.mon ?? f.yday, f.mday ?? f.yday, f.hour, f.min, f.sec];
      if (given.every((v) => v === undefined) && f.nsec === 0) fail(value);
      if (f.year === undefined || f.mon === undefined || f.mday === undefined) {
        const now = wallClockNow(f.off ?? z);
        const fill = [now[0], now[1], now[2], now[3], now[4], now[5]];
        const vals = [f.year, f.mon, f.mday, f.hour, f.min, f.sec];
        for (let k = 0; k < 6 && vals[k] === undefined && !(k > 0 && f.yday !== undefined && k < 3); k++)
          vals[k] = fill[k];
        [f.year, f.mon, f.mday, f.hour, f.min, f.sec] = vals;
      }
      let year = f.year!;
      let mon = f.mon ?? 1;
      let mday = f.mday ?? 1;
      if (f.yday !== undefined && f.mon === undefined) {
        const l = leap(year) ? 1 : 0;
        mon = 12;
        while (mon > 1 && f.yday <= DAYS_BEFORE[mon - 1]! + (mon > 2 ? l : 0)) mon--;
        mday = f.yday - DAYS_BEFORE[mon - 1]! - (mon > 2 ? l : 0);
        year = f.year!;
      }
      const hour = f.hour ?? 0;
      const min = f.min ?? 0;
      const sec = f.sec ?? 0;
      if (mon < 1 || mon > 12 || mday < 1 || mday > 31 || hour > 24 || min > 59 || sec > 60) {
        throw new Error('argument out of range');
      }
      return [z(year, mon, mday, hour, min, sec), f.nsec];
    },
  };
}
