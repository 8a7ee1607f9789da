// Ruby's number conversions and String#inspect, as the config value types need them:
//
//   "10k".to_i = 10   " 5".to_i = 5   "0x10".to_i = 0   "1_000".to_i = 1000   "abc".to_i = 0
//   Integer("0x10") = 16   Integer("017") = 15   Integer("abc") -> invalid value for Integer(): "abc"
//   "1.5m".to_f = 1.5   Float("1e3") = 1000.0   Float("x") -> invalid value for Float(): "x"
//
// Integers are returned as JS numbers (exact up to 2^53, which covers every sane config value).

const WS = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

/** Digits with single underscores between them, starting at i; returns [digits, end]. */
function digitRun(s: string, i: number, re: RegExp): [string, number] {
  let out = '';
  let j = i;
  while (j < s.length) {
    const c = s[j]!;
    if (re.test(c)) {
      out += c;
      j++;
    } else if (c === '_' && out !== '' && j + 1 < s.length && re.test(s[j + 1]!)) {
      j++;
    } else break;
  }
  return [out, j];
}

const DEC = /[0-9]/;

/** Ruby String#to_i (base 10, lenient). */
export function rubyToI(s: string): number {
  let i = 0;
  while (i < s.length && WS.has(s[i]!)) i++;
  let sign = 1;
  if (s[i] === '+' || s[i] === '-') {
    if (s[i] === '-') sign = -1;
    i++;
  }
  const [digits] = digitRun(s, i, DEC);
  if (digits === '') return 0;
  return sign * Number(digits);
}

/** Ruby String#to_f (lenient: the longest float prefix, else 0.0). */
export function rubyToF(s: string): number {
  let i = 0;
  while (i < s.length && WS.has(s[i]!)) i++;
  const m = scanFloat(s, i, true);
  return m ? Number(m.text) : 0;
}

/** Scans `[+-]?digits(.digits)?([eE][+-]?digits)?` (underscores allowed between digits). */
function scanFloat(s: string, start: number, allowLeadingDot: boolean): { text: string; end: number } | null {
  let i = start;
  let text = '';
  if (s[i] === '+' || s[i] === '-') text += s[i++];
  const [intPart, afterInt] = digitRun(s, i, DEC);
  i = afterInt;
  text += intPart;
  let frac = '';
  if (s[i] === '.' && (intPart !== '' || allowLeadingDot)) {
    const [f, afterFrac] = digitRun(s, i + 1, DEC);
    if (f !== '') {
      frac = f;
      i = afterFrac;
      text += '.' + f;
    }
  }
  if (intPart === '' && frac === '') return null;
  if (s[i] === 'e' || s[i] === 'E') {
    let j = i + 1;
    let expSign = '';
    if (s[j] === '+' || s[j] === '-') expSign = s[j++]!;
    const [e, afterExp] = digitRun(s, j, DEC);
    if (e !== '') {
      text += 'e' + expSign + e;
      i = afterExp;
    }
  }
  return { text: text.startsWith('+') ? text.slice(1) : text, end: i };
}

function trimRubyWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && WS.has(s[a]!)) a++;
  while (b > a && (WS.has(s[b - 1]!) || s[b - 1] === '\0')) b--;
  return s.slice(a, b);
}

/** Ruby Kernel#Integer(str): strict, with 0x/0b/0o/0 prefixes. Throws Error with Ruby's message. */
export function rubyInteger(s: string): number {
  const fail = (): never => {
    throw new Error(`invalid value for Integer(): ${rubyInspect(s)}`);
  };
  if (s.includes('\0')) fail();
  const t = trimRubyWs(s);
  let i = 0;
  let sign = 1;
  if (t[i] === '+' || t[i] === '-') {
    if (t[i] === '-') sign = -1;
    i++;
  }
  let base = 10;
  let re = DEC;
  const pre = t.slice(i, i + 2).toLowerCase();
  if (pre === '0x') [base, re, i] = [16, /[0-9a-fA-F]/, i + 2];
  else if (pre === '0b') [base, re, i] = [2, /[01]/, i + 2];
  else if (pre === '0o') [base, re, i] = [8, /[0-7]/, i + 2];
  else if (pre === '0d') [base, re, i] = [10, DEC, i + 2];
  else if (t[i] === '0' && t.length > i + 1) [base, re, i] = [8, /[0-7]/, i + 1];
  const [digits, end] = digitRun(t, i, re);
  if (digits === '' || end !== t.length) fail();
  return sign * Number.parseInt(digits, base);
}

/** Ruby Kernel#Float(str): strict decimal (or hex integer) float. */
export function rubyFloat(s: string): number {
  const fail = (): never => {
    throw new Error(`invalid value for Float(): ${rubyInspect(s)}`);
  };
  if (s.includes('\0')) fail();
  const t = trimRubyWs(s);
  if (/^[+-]?0[xX][0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(t)) {
    const neg = t.startsWith('-');
    const v = Number.parseInt(t.replace(/^[+-]?0[xX]/, '').replace(/_/g, ''), 16);
    return neg ? -v : v;
  }
  const m = scanFloat(t, 0, true);
  if (!m || m.end !== t.length || /[eE]$/.test(t)) fail();
  return Number(m!.text);
}

/** Ruby String#inspect (double-quoted, escaped). */
export function rubyInspect(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    if (c === '"' || c === '\\') out += '\\' + c;
    else if (c === '#' && (s[i + 1] === '{' || s[i + 1] === '$' || s[i + 1] === '@')) out += '\\#';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\f') out += '\\f';
    else if (c === '\v') out += '\\v';
    else if (c === '\b') out += '\\b';
    else if (c === '\x07') out += '\\a';
    else if (c === '\x1b') out += '\\e';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out + '"';
}

/** Ruby Float#to_s: shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
export function rubyFloatToS(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const sign = n < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(n).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const decpt = Number(expStr) + 1;
  if (decpt > 0 && decpt <= 16) {
    if (digits.length <= decpt) return `${sign}${digits.padEnd(decpt, '0')}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  if (decpt <= 0 && decpt > -4) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  const e = decpt - 1;
  const expOut = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}e${expOut}`;
}
