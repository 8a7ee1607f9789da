// Value formatting shared by the `td` commands, matching the Ruby td CLI's helpers:
//   formatWithDelimiter(1234567)      "1,234,567"          (td tables Count)
//   storageSizeString(bytes)          "0.0 GB" / "0.01 GB" / "%.1f GB" / "%d GB"
//   humanizeBytesize(1536, 2)         "1.50 kB"            (job:list ResultSize, job:show Result size)
//   humanizeTime(61_500, true)        "1m 1s 500ms"        (job:list CPUTime)
//   rubyTime(parsed, 'local')         "2013-01-21 10:51:41 +0900"  (Ruby Time#to_s)
//   jsonValue(v)                      JSON with BigInt digits, Buffers as UTF-8 strings

export function formatWithDelimiter(n: number | bigint | string, delimiter = ','): string {
  return String(n).replace(/(\d)(?=(?:\d{3})+(?!\d))/g, `$1${delimiter}`);
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** td-client-ruby Table#estimated_storage_size_string. */
export function storageSizeString(bytes: number): string {
  if (bytes <= MiB) return '0.0 GB';
  if (bytes <= 60 * MiB) return '0.01 GB';
  if (bytes <= 60 * GiB) return `${(bytes / GiB).toFixed(1)} GB`;
  return `${Math.trunc(bytes / GiB)} GB`;
}

/** td's Command.humanize_bytesize: binary units, fraction truncated (not rounded). */
export function humanizeBytesize(size: number | null | undefined, fractionalDigits = 1): string {
  const labels = ['B', 'kB', 'MB', 'GB', 'TB'];
  const n = Math.trunc(Number(size ?? 0));
  if (n === 0) return '0 B';
  let power = 0;
  for (let v = n; v > 0; v = Math.floor(v / 1024)) power++;
  power = Math.min(power - 1, labels.length - 1);
  const unit = 1024 ** power;
  const integer = Math.floor(n / unit);
  let out = String(integer);
  const rest = n % (unit * integer);
  if (rest > 0 && fractionalDigits > 0) {
    const frac = Math.trunc((rest / unit) * 10 ** fractionalDigits);
    out += `.${String(frac).padStart(fractionalDigits, '0')}`;
  }
  return `${out} ${labels[power]}`;
}

/** td's Command.humanize_time: "1h 2m 3s", "2m 3s", "3s", plus " 045ms" when given milliseconds. */
export function humanizeTime(time: number | null | undefined, isMs = false): string {
  if (time === null || time === undefined) return '';
  let t = Math.trunc(time);
  let millis = 0;
  if (isMs) {
    millis = t % 1000;
    t = Math.floor(t / 1000);
  }
  let out = '';
  if (t >= 3600) {
    out += `${Math.floor(t / 3600)}h `;
    t %= 3600;
    out += `${Math.floor(t / 60)}m `;
    out += `${t % 60}s`;
  } else if (t >= 60) {
    out += `${Math.floor(t / 60)}m `;
    out += `${t % 60}s`;
  } else if (t > 0) {
    out += `${t}s`;
  }
  if (isMs && millis > 0) out += ` ${String(millis).padStart(3, '0')}ms`;
  return out;
}

export function humanizeElapsed(start: ParsedTime | null, end: ParsedTime | null, now = Date.now()): string {
  if (!start) return '';
  const finish = end ? end.ms : now;
  return humanizeTime(Math.floor(finish / 1000) - Math.floor(start.ms / 1000));
}

/** A timestamp as the API sent it: epoch ms plus the zone it was written in. */
export interface ParsedTime {
  ms: number;
  /** 'UTC', a fixed offset in minutes east of UTC, or 'local' when the text had no zone. */
  zone: 'UTC' | 'local' | number;
}

const TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(UTC|GMT|Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses "2013-01-21 01:51:41 UTC", "… -0700", ISO 8601; null/'' → null (spec §2.4 trap 2). */
export function parseTdTime(text: string | null | undefined): ParsedTime | null {
  if (text === null || text === undefined) return null;
  const s = String(text).trim();
  if (s === '') return null;
  const m = TIME_RE.exec(s);
  if (!m) {
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? null : { ms, zone: 'UTC' };
  }
  const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const frac = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const z = m[8];
  if (!z) {
    const local = new Date(y as number, (mo as number) - 1, d, h, mi, se, frac);
    return { ms: local.getTime(), zone: 'local' };
  }
  const utc = Date.UTC(y as number, (mo as number) - 1, d, h, mi, se, frac);
  if (/^(UTC|GMT|Z)$/i.test(z)) return { ms: utc, zone: 'UTC' };
  const sign = z.startsWith('-') ? -1 : 1;
  const digits = z.replace(/[+:-]/g, '');
  const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  return { ms: utc - offset * 60_000, zone: offset };
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function offsetText(minutesEast: number): string {
  const sign = minutesEast < 0 ? '-' : '+';
  const a = Math.abs(minutesEast);
  return `${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

/** Ruby Time#to_s: "YYYY-MM-DD HH:MM:SS +hhmm", or "… UTC" for a UTC time.
 *  `as`: 'local' converts to the process time zone (Time#localtime); 'given' keeps the parsed zone. */
export function rubyTime(t: ParsedTime | null, as: 'local' | 'given' = 'given'): string {
  if (!t) return '';
  const zone = as === 'local' ? 'local' : t.zone;
  if (zone === 'local') {
    const d = new Date(t.ms);
    const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    return `${date} ${time} ${offsetText(-d.getTimezoneOffset())}`;
  }
  const offset = zone === 'UTC' ? 0 : zone;
  const d = new Date(t.ms + offset * 60_000);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${date} ${time} ${zone === 'UTC' ? 'UTC' : offsetText(offset)}`;
}

/** Duration in seconds as Ruby's Time.at(d).utc.strftime("%X"): "HH:MM:SS" (wraps at 24 h). */
export function clockDuration(seconds: number | null): string {
  if (seconds === null) return '';
  const s = Math.trunc(seconds);
  return `${pad(Math.floor(s / 3600) % 24)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** JSON text for values decoded from msgpack: BigInt as digits, bin as UTF-8 text,
 *  non-finite floats as strings (as td does). */
export function jsonValue(v: unknown, indent?: number): string {
  const out = JSON.stringify(
    normalizeForJson(v),
    (_k, x) => (typeof x === 'bigint' ? `\u0000big:${x}` : x),
    indent,
  );
  return (out ?? 'null').replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

function normalizeForJson(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return v.map(normalizeForJson);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = normalizeForJson(x);
    return o;
  }
  return v;
}

/** td's dump_column: strings as they are, everything else (null included, unless nullExpr) as JSON. */
export function dumpColumn(v: unknown, nullExpr?: string): string {
  if ((v === null || v === undefined) && nullExpr !== undefined) return nullExpr;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return jsonValue(v);
}

/** One CSV line as Ruby's CSV writes it: a field is quoted when it contains the separator, `"`,
 *  CR or LF, or is the empty string; nil is an empty field. */
export function csvLine(fields: readonly unknown[], sep = ','): string {
  return fields
    .map((f) => {
      if (f === null || f === undefined) return '';
      const s = String(f);
      if (s === '') return '""';
      return s.includes(sep) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(sep);
}
