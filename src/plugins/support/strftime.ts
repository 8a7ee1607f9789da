// A small strftime for event times (seconds + nanoseconds), local or UTC, with the directives
// Fluentd configs use: %Y %C %y %m %d %e %j %H %k %I %l %M %S %L %N (%3N %6N %9N) %z %:z %Z
// %a %A %b %h %B %p %P %s %u %w %F %T %D %R %r %c %x %X %n %t %%. Other directives are kept
// as written (Ruby does the same for unknown ones).

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

function pad(n: number, w = 2, c = '0'): string {
  return String(n).padStart(w, c);
}

interface Parts {
  year: number;
  month: number; // 0-11
  day: number;
  hour: number;
  min: number;
  sec: number;
  wday: number;
  yday: number; // 1-366
  offsetMin: number;
}

function parts(sec: number, utc: boolean): Parts {
  const d = new Date(sec * 1000);
  const year = utc ? d.getUTCFullYear() : d.getFullYear();
  const month = utc ? d.getUTCMonth() : d.getMonth();
  const day = utc ? d.getUTCDate() : d.getDate();
  const yday = Math.floor((Date.UTC(year, month, day) - Date.UTC(year, 0, 1)) / 86400000) + 1;
  return {
    year,
    month,
    day,
    hour: utc ? d.getUTCHours() : d.getHours(),
    min: utc ? d.getUTCMinutes() : d.getMinutes(),
    sec: utc ? d.getUTCSeconds() : d.getSeconds(),
    wday: utc ? d.getUTCDay() : d.getDay(),
    yday,
    offsetMin: utc ? 0 : -d.getTimezoneOffset(),
  };
}

/** `+0900` (or `+09:00` with colon). */
export function formatOffset(offsetMin: number, colon = false): string {
  const sign = offsetMin >= 0 ? '+' : '-';
  const a = Math.abs(offsetMin);
  return `${sign}${pad(Math.floor(a / 60))}${colon ? ':' : ''}${pad(a % 60)}`;
}

export function strftime(format: string, sec: number, nsec: number, utc = false): string {
  const t = parts(sec, utc);
  return format.replace(/%(:?)(\d*)([a-zA-Z%+])/g, (all, colon: string, width: string, c: string) => {
    switch (c) {
      case 'Y':
        return String(t.year);
      case 'C':
        return pad(Math.floor(t.year / 100));
      case 'y':
        return pad(t.year % 100);
      case 'm':
        return pad(t.month + 1);
      case 'd':
        return pad(t.day);
      case 'e':
        return pad(t.day, 2, ' ');
      case 'j':
        return pad(t.yday, 3);
      case 'H':
        return pad(t.hour);
      case 'k':
        return pad(t.hour, 2, ' ');
      case 'I':
        return pad(t.hour % 12 || 12);
      case 'l':
        return pad(t.hour % 12 || 12, 2, ' ');
      case 'M':
        return pad(t.min);
      case 'S':
        return pad(t.sec);
      case 'L':
        return pad(Math.floor(nsec / 1e6), 3);
      case 'N': {
        const digits = width ? Number(width) : 9;
        const ns = pad(nsec, 9);
        return digits <= 9 ? ns.slice(0, digits) : ns.padEnd(digits, '0');
      }
      case 'z':
        return formatOffset(t.offsetMin, colon === ':');
      case 'Z':
        return utc ? 'UTC' : zoneName(sec);
      case 'a':
        return DAYS[t.wday]!.slice(0, 3);
      case 'A':
        return DAYS[t.wday]!;
      case 'b':
      case 'h':
        return MONTHS[t.month]!.slice(0, 3);
      case 'B':
        return MONTHS[t.month]!;
      case 'p':
        return t.hour < 12 ? 'AM' : 'PM';
      case 'P':
        return t.hour < 12 ? 'am' : 'pm';
      case 's':
        return String(sec);
      case 'u':
        return String(t.wday || 7);
      case 'w':
        return String(t.wday);
      case 'F':
        return `${t.year}-${pad(t.month + 1)}-${pad(t.day)}`;
      case 'T':
      case 'X':
        return `${pad(t.hour)}:${pad(t.min)}:${pad(t.sec)}`;
      case 'D':
      case 'x':
        return `${pad(t.month + 1)}/${pad(t.day)}/${pad(t.year % 100)}`;
      case 'R':
        return `${pad(t.hour)}:${pad(t.min)}`;
      case 'r':
        return `${pad(t.hour % 12 || 12)}:${pad(t.min)}:${pad(t.sec)} ${t.hour < 12 ? 'AM' : 'PM'}`;
      case 'c':
        return `${DAYS[t.wday]!.slice(0, 3)} ${MONTHS[t.month]!.slice(0, 3)} ${pad(t.day, 2, ' ')} ${pad(t.hour)}:${pad(t.min)}:${pad(t.sec)} ${t.year}`;
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case '%':
        return '%';
      default:
        return all;
    }
  });
}

function zoneName(sec: number): string {
  const s = new Date(sec * 1000).toLocaleTimeString('en-US', { timeZoneName: 'short' });
  const m = / ([A-Z][A-Za-z0-9+:-]*)$/.exec(s);
  return m ? m[1]! : '';
}

/** Ruby's `Time#to_s` in local time: `2024-01-01 09:00:00 +0900`. */
export function rubyTimeToS(sec: number): string {
  return strftime('%Y-%m-%d %H:%M:%S %z', sec, 0);
}

/**
 * strftime bound to one format, for per-event use: events of the same second reuse the last
 * string (unless the format shows sub-second digits, %L or %N).
 */
export function strftimeFn(format: string, utc = false): (sec: number, nsec: number) => string {
  if (/%:?\d*[LN]/.test(format)) return (sec, nsec) => strftime(format, sec, nsec, utc);
  let lastSec = Number.NaN;
  let last = '';
  return (sec, nsec) => {
    if (sec !== lastSec) {
      last = strftime(format, sec, nsec, utc);
      lastSec = sec;
    }
    return last;
  };
}
