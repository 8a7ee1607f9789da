// How Fluentd (Ruby) renders values as text, for outputs whose lines users compare with
// Fluentd's: JSON as `JSON.generate` / Oj compat mode writes it, `to_s` and `inspect`.
//
//   rubyJson({ a: 1.5, b: [null], c: 'x' })   {"a":1.5,"b":[null],"c":"x"}
//   rubyJson(0.00001)                         1.0e-05        (Ruby Float#to_s, not JS's 0.00001)
//   rubyToS(null)                             ''             (nil.to_s)
//   rubyInspect({ a: 1, b: null })            {"a"=>1, "b"=>nil}   (Ruby < 3.4, as in td-agent 4 / fluent-package 5)
//
// Bytes (msgpack bin) render as UTF-8 text; bigints as their digits. A JS number that is an
// integer prints as an integer (msgpack floats like 1.0 arrive as 1: the distinction is lost).

const td = new TextDecoder();

/** Ruby's Float#to_s for a finite, non-integer number (and integers past 1e16, as floats do). */
export function rubyFloat(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [m, e] = v.toExponential().split('e') as [string, string];
    const exp = Number(e);
    const mant = m.includes('.') ? m : `${m}.0`;
    const sign = exp < 0 ? '-' : '+';
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = String(v);
  return s.includes('.') ? s : `${s}.0`;
}

export function numberText(v: number): string {
  if (Number.isInteger(v)) return Math.abs(v) >= 1e21 ? BigInt(v).toString() : String(v);
  return rubyFloat(v);
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/**
 * True when JSON.stringify(v) is exactly what Ruby writes: only strings, booleans, null,
 * integers below 1e21, and arrays / plain objects of those (no float, whose Ruby text
 * differs; no undefined, bigint, bytes, Date or Map, which JSON.stringify renders otherwise).
 */
function stringifySafe(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isInteger(v) && v < 1e21 && v > -1e21;
    case 'object': {
      if (v === null) return true;
      if (depth > 64) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!stringifySafe(v[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in v) {
        if (!Object.hasOwn(v, k) || !stringifySafe((v as Record<string, unknown>)[k], depth + 1))
          return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** JSON as Fluentd's json formatter writes it (one line, no spaces). */
export function rubyJson(v: unknown): string {
  // The common record (strings and integers) goes through the native serializer.
  return typeof v === 'object' && v !== null && stringifySafe(v, 0) ? JSON.stringify(v) : rubyJsonValue(v);
}

function rubyJsonValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      // JSON.generate refuses NaN/Infinity; we write null rather than fail the whole line.
      return Number.isFinite(v) ? numberText(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'undefined':
      return 'null';
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + rubyJson(v[i]);
        return s + ']';
      }
      if (isBytes(v)) return JSON.stringify(td.decode(v));
      if (v instanceof Date) return JSON.stringify(v.toISOString());
      if (v instanceof Map) return rubyJson(Object.fromEntries(v));
      let s = '{';
      let first = true;
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        s += (first ? '' : ',') + JSON.stringify(k) + ':' + rubyJson((v as Record<string, unknown>)[k]);
        first = false;
      }
      return s + '}';
    }
    default:
      return JSON.stringify(String(v));
  }
}

/** Ruby's `inspect`. */
export function rubyInspect(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v).replace(/#(?=[{$@])/g, '\\#');
    case 'number':
      return Number.isFinite(v) || Number.isNaN(v) ? numberText(v) : rubyFloat(v);
    case 'boolean':
      return String(v);
    case 'bigint':
      return v.toString();
    case 'object': {
      if (Array.isArray(v)) return `[${v.map(rubyInspect).join(', ')}]`;
      if (isBytes(v)) return rubyInspect(td.decode(v));
      const parts: string[] = [];
      for (const k in v) {
        if (Object.hasOwn(v, k))
          parts.push(`${rubyInspect(k)}=>${rubyInspect((v as Record<string, unknown>)[k])}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      return rubyInspect(String(v));
  }
}

/** Ruby's `to_s`: strings as they are, nil as '', containers as inspect. */
export function rubyToS(v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isFinite(v) ? numberText(v) : rubyFloat(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      if (isBytes(v)) return td.decode(v);
      return rubyInspect(v);
  }
}

/** Ruby's lenient `String#to_f` / Numeric#to_f (nil → 0.0). Throws for containers (NoMethodError). */
export function rubyToF(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' || isBytes(v)) {
    const s = typeof v === 'string' ? v : td.decode(v);
    const m = /^\s*[-+]?(\d[\d_]*)?(\.\d+)?([eE][-+]?\d+)?/.exec(s);
    const n = m ? Number.parseFloat(m[0].replace(/_/g, '')) : Number.NaN;
    return Number.isNaN(n) ? 0 : n;
  }
  throw new TypeError(`undefined method 'to_f' for ${rubyInspect(v)}`);
}
