// Ruby's Time#strftime for event times (epoch seconds + nanoseconds) in a zone: the one strftime
// of the project (formatters, <inject>, out_file, buffer placeholders, in_tail paths,
// record_transformer). A directive, as Ruby reads it:
//
//   %  [flags]  [width]  [: | ::]  [E | O]  conversion
//      -  no padding     _  pad with spaces     0  pad with zeros
//      ^  upper case     #  change case (%p → am, %Z → utc, names → MON)
//
//   numbers  %Y %C %y %m %d %e %j %H %k %I %l %M %S %s %u %w %U %W %G %g %V
//   digits   %L %N (width = digits, truncated: %3N ms, %6N µs; over 9 pads with 0)
//   zone     %z +0900   %:z +09:00   %::z +09:00:00   %Z (see zoneAbbr)
//   names    %a %A %b %h %B %p %P     composites %F %T %X %D %x %R %r %c %v     %n %t %%
//
// Anything else stays as written, as in Ruby (`%Q` → `%Q`, `%+` → `%+`). Formats are compiled
// once into literal text and closures; strftimeFn also reuses the text of the last second.

import { LOCAL_ZONE, offsetText, type Zone, zoneAbbr, zoneOffset } from './time-zone.js';

export {
  formatOffset,
  LOCAL_ZONE,
  localZone,
  parseZone,
  UTC_ZONE,
  type Zone,
  zoneOffset,
} from './time-zone.js';

/** Broken-down time of one instant in one zone. */
interface Tm {
  year: number;
  mon: number; // 1-12
  mday: number;
  hour: number;
  min: number;
  sec: number;
  wday: number; // 0 = Sunday
  yday: number; // 1-366
  off: number;
  epoch: number;
  nsec: number;
  zone: Zone;
}

function tmOf(sec: number, nsec: number, zone: Zone): Tm {
  const epoch = Math.floor(sec);
  const off = zoneOffset(zone, epoch);
  const d = new Date((epoch + off) * 1000);
  const year = d.getUTCFullYear();
  const mon = d.getUTCMonth() + 1;
  const mday = d.getUTCDate();
  const yday = (Date.UTC(year, mon - 1, mday) - Date.UTC(year, 0, 1)) / 86400000 + 1;
  const hour = d.getUTCHours();
  return {
    year,
    mon,
    mday,
    hour,
    min: d.getUTCMinutes(),
    sec: d.getUTCSeconds(),
    wday: d.getUTCDay(),
    yday,
    off,
    epoch,
    nsec,
    zone,
  };
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const h12 = (t: Tm): number => t.hour % 12 || 12;

/** ISO 8601 week-based year and week of t. */
function isoWeek(t: Tm): [number, number] {
  const thursday = Date.UTC(t.year, t.mon - 1, t.mday + 4 - (t.wday || 7));
  const y = new Date(thursday).getUTCFullYear();
  return [y, Math.floor((thursday - Date.UTC(y, 0, 1)) / 86400000 / 7) + 1];
}

/** Numeric conversions: value, default width, default pad. */
const NUMBERS: Record<string, [(t: Tm) => number, number, string]> = {
  Y: [(t) => t.year, 4, '0'],
  C: [(t) => Math.floor(t.year / 100), 2, '0'],
  y: [(t) => t.year % 100, 2, '0'],
  m: [(t) => t.mon, 2, '0'],
  d: [(t) => t.mday, 2, '0'],
  e: [(t) => t.mday, 2, ' '],
  j: [(t) => t.yday, 3, '0'],
  H: [(t) => t.hour, 2, '0'],
  k: [(t) => t.hour, 2, ' '],
  I: [h12, 2, '0'],
  l: [h12, 2, ' '],
  M: [(t) => t.min, 2, '0'],
  S: [(t) => t.sec, 2, '0'],
  s: [(t) => t.epoch, 1, '0'],
  u: [(t) => t.wday || 7, 1, '0'],
  w: [(t) => t.wday, 1, '0'],
  U: [(t) => Math.floor((t.yday - 1 + 7 - t.wday) / 7), 2, '0'],
  W: [(t) => Math.floor((t.yday - 1 + 7 - ((t.wday + 6) % 7)) / 7), 2, '0'],
  G: [(t) => isoWeek(t)[0], 4, '0'],
  g: [(t) => isoWeek(t)[0] % 100, 2, '0'],
  V: [(t) => isoWeek(t)[1], 2, '0'],
};

/** Text conversions: value and what `#` does to it (true = upper case, false = lower case). */
const TEXTS: Record<string, [(t: Tm) => string, boolean]> = {
  a: [(t) => DAYS[t.wday]!.slice(0, 3), true],
  A: [(t) => DAYS[t.wday]!, true],
  b: [(t) => MONTHS[t.mon - 1]!.slice(0, 3), true],
  h: [(t) => MONTHS[t.mon - 1]!.slice(0, 3), true],
  B: [(t) => MONTHS[t.mon - 1]!, true],
  p: [(t) => (t.hour < 12 ? 'AM' : 'PM'), false],
  P: [(t) => (t.hour < 12 ? 'am' : 'pm'), true],
  Z: [(t) => zoneAbbr(t.zone, t.epoch), false],
  F: [(t) => `${t.year < 1000 ? String(t.year).padStart(4, '0') : t.year}-${p2(t.mon)}-${p2(t.mday)}`, true],
  T: [(t) => `${p2(t.hour)}:${p2(t.min)}:${p2(t.sec)}`, true],
  X: [(t) => `${p2(t.hour)}:${p2(t.min)}:${p2(t.sec)}`, true],
  D: [(t) => `${p2(t.mon)}/${p2(t.mday)}/${p2(t.year % 100)}`, true],
  x: [(t) => `${p2(t.mon)}/${p2(t.mday)}/${p2(t.year % 100)}`, true],
  R: [(t) => `${p2(t.hour)}:${p2(t.min)}`, true],
  r: [(t) => `${p2(h12(t))}:${p2(t.min)}:${p2(t.sec)} ${t.hour < 12 ? 'AM' : 'PM'}`, true],
  c: [
    (t) =>
      `${DAYS[t.wday]!.slice(0, 3)} ${MONTHS[t.mon - 1]!.slice(0, 3)} ${String(t.mday).padStart(2, ' ')} ` +
      `${p2(t.hour)}:${p2(t.min)}:${p2(t.sec)} ${String(t.year).padStart(4, '0')}`,
    true,
  ],
  v: [
    (t) =>
      `${String(t.mday).padStart(2, ' ')}-${MONTHS[t.mon - 1]!.slice(0, 3).toUpperCase()}-${String(t.year).padStart(4, '0')}`,
    true,
  ],
};

const LITERALS: Record<string, string> = { n: '\n', t: '\t', '%': '%' };

type Piece = string | ((t: Tm) => string);

/** One directive as a closure (or literal text); undefined when Ruby keeps it as written. */
function directive(c: string, flags: string, width: number | undefined, colons: number): Piece | undefined {
  if (colons > 0 && c !== 'z') return undefined;
  const num = NUMBERS[c];
  if (num) {
    const [get, w0, pad0] = num;
    const padc = flags.includes('-') ? '' : flags.includes('_') ? ' ' : flags.includes('0') ? '0' : pad0;
    const w = padc === '' ? 0 : (width ?? w0);
    if (padc === '0' && w === 2) return (t) => p2(get(t));
    return (t) => {
      const v = get(t);
      return v < 0 && padc === '0' ? `-${String(-v).padStart(w - 1, '0')}` : String(v).padStart(w, padc);
    };
  }
  if (c === 'L' || c === 'N') {
    const digits = width ?? (c === 'L' ? 3 : 9);
    return (t) => {
      const ns = String(t.nsec).padStart(9, '0');
      return digits <= 9 ? ns.slice(0, digits) : ns.padEnd(digits, '0');
    };
  }
  if (c === 'z') return (t) => offsetText(t.off, colons);
  const text = TEXTS[c];
  const lit = LITERALS[c];
  if (!text && lit === undefined) return undefined;
  const get = text ? text[0] : () => lit!;
  const caseFn = flags.includes('^')
    ? (s: string) => s.toUpperCase()
    : flags.includes('#') && text
      ? text[1]
        ? (s: string) => s.toUpperCase()
        : (s: string) => s.toLowerCase()
      : undefined;
  const padc = flags.includes('-') ? '' : flags.includes('0') ? '0' : ' ';
  const w = padc === '' || width === undefined ? 0 : width;
  if (lit !== undefined && w === 0) return lit;
  if (!caseFn && w === 0) return get;
  return (t) => {
    const s = caseFn ? caseFn(get(t)) : get(t);
    return w ? s.padStart(w, padc) : s;
  };
}

/** Splits a format into literal text and closures, flags resolved once. */
function compile(format: string): { pieces: Piece[]; subSecond: boolean } {
  const pieces: Piece[] = [];
  let subSecond = false;
  let lit = '';
  let last = 0;
  const re = /%([-_0^#]*)(\d*)(:{0,2})[EO]?([A-Za-z%+])/g;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    const p = directive(m[4]!, m[1]!, m[2] === '' ? undefined : Number(m[2]), m[3]!.length);
    lit += format.slice(last, m.index);
    last = re.lastIndex;
    if (p === undefined || typeof p === 'string') {
      lit += p ?? m[0];
      continue;
    }
    if (m[4] === 'L' || m[4] === 'N') subSecond = true;
    if (lit) pieces.push(lit);
    lit = '';
    pieces.push(p);
  }
  lit += format.slice(last);
  if (lit || pieces.length === 0) pieces.push(lit);
  return { pieces, subSecond };
}

function run(pieces: Piece[], t: Tm): string {
  let s = '';
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    s += typeof p === 'string' ? p : p(t);
  }
  return s;
}

const compiled = new Map<string, Piece[]>();

/** strftime of epoch second `sec` (+ `nsec`) in `zone` (default: the process's local zone). */
export function strftime(format: string, sec: number, nsec = 0, zone: Zone = LOCAL_ZONE): string {
  if (!format.includes('%')) return format;
  let pieces = compiled.get(format);
  if (pieces === undefined) {
    if (compiled.size >= 256) compiled.clear();
    pieces = compile(format).pieces;
    compiled.set(format, pieces);
  }
  return run(pieces, tmOf(sec, nsec, zone));
}

export type TimeFormatter = (sec: number, nsec: number) => string;

/**
 * strftime bound to one format and zone, for per-event use: events of the same second reuse the
 * last string (unless the format shows sub-second digits, %L or %N).
 */
export function strftimeFn(format: string, zone: Zone = LOCAL_ZONE): TimeFormatter {
  const { pieces, subSecond } = compile(format);
  if (pieces.length === 1 && typeof pieces[0] === 'string') {
    const s = pieces[0];
    return () => s;
  }
  if (subSecond) return (sec, nsec) => run(pieces, tmOf(sec, nsec, zone));
  let lastSec = Number.NaN;
  let last = '';
  return (sec, nsec) => {
    if (sec !== lastSec) {
      last = run(pieces, tmOf(sec, nsec, zone));
      lastSec = sec;
    }
    return last;
  };
}

/** Ruby's `Time#to_s` in local time: `2024-01-01 09:00:00 +0900`. */
export function rubyTimeToS(sec: number): string {
  return strftime('%Y-%m-%d %H:%M:%S %z', sec, 0, LOCAL_ZONE);
}
