// JSON as Fluentd's config layer sees it (Ruby's `JSON.parse(s, allow_comments: true)` and
// `JSON.dump`):
//
//   - standard JSON plus `/* ... */` and `// ...` comments wherever whitespace may appear;
//   - at most 100 nested arrays/objects (Ruby's max_nesting), deeper is a syntax error;
//   - duplicate object keys: the last value wins, the key keeps its first position;
//   - integers are exact (kept as their digits), floats print like Ruby's Float#to_s
//     (`1.0`, `1.0e+20`), so `[1, 2.50, 1e2]` is stored as `[1,2.5,100.0]`.
//
// JsonWatcher is an incremental validator fed one character at a time. The config lexer uses it
// to find where a multi-line JSON value ends (Fluentd retries JSON.parse after every character)
// in linear time, and to answer "would this text be valid if closed right here?" for `#` comments.
// It is immutable-friendly: clone() is O(1), the container stack is a shared linked list.

import { rubyFloatToS } from './ruby-num.js';

export const MAX_JSON_NESTING = 100;

export class JsonNum {
  constructor(
    readonly text: string,
    readonly isInt: boolean,
  ) {}
}
export type JsonVal = null | boolean | string | JsonNum | JsonVal[] | Map<string, JsonVal>;

export class JsonSyntaxError extends Error {}

// ---- incremental validator ---------------------------------------------------------------------

interface Frame {
  obj: boolean;
  next: Frame | null;
}

const VALUE = 0;
const V_OR_CLOSE = 1;
const K_OR_CLOSE = 2;
const KEY = 3;
const COLON = 4;
const AFTER = 5;
const DONE = 6;
const STR = 7;
const NUM = 8;
const LIT = 9;
const ERR = 10;

// NUM sub-states
const N_MINUS = 1;
const N_ZERO = 2;
const N_INT = 3;
const N_DOT = 4;
const N_FRAC = 5;
const N_E = 6;
const N_ESIGN = 7;
const N_EXP = 8;
const NUM_CAN_END = new Set([N_ZERO, N_INT, N_FRAC, N_EXP]);

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isWs = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

export class JsonWatcher {
  mode = VALUE;
  stack: Frame | null = null;
  depth = 0;
  private strKey = false;
  private esc = 0; // 0 none, 1 after "\", 2..5 reading \u hex digits
  private num = 0;
  private lit = '';
  private litIdx = 0;
  private comment = 0; // 0 none, 1 saw "/", 2 line comment, 3 block comment, 4 block comment + "*"

  clone(): JsonWatcher {
    return Object.assign(Object.create(JsonWatcher.prototype) as JsonWatcher, this);
  }

  /** The text fed so far is one complete JSON value (trailing blanks/comments allowed). */
  get complete(): boolean {
    return this.mode === DONE && (this.comment === 0 || this.comment === 2);
  }

  /** No continuation of the text fed so far can be valid JSON. */
  get failed(): boolean {
    return this.mode === ERR;
  }

  /**
   * Would the text fed so far be complete if `close` came next? With `dropComma`, as if the last
   * non-blank character (a `,` fed in AFTER position) had not been fed. Blanks fed since do not
   * matter: outside strings and comments they change nothing a closing bracket depends on.
   */
  closableWith(close: string, dropComma: boolean): boolean {
    if (this.mode === ERR || this.inStringOrComment) return false;
    const probe = this.clone();
    if (dropComma && (probe.mode === VALUE || probe.mode === KEY)) probe.mode = AFTER;
    probe.feed(close);
    return probe.complete;
  }

  /** Inside a string or a comment (a closing bracket fed now would not close anything). */
  get inStringOrComment(): boolean {
    return this.mode === STR || this.comment !== 0;
  }

  feed(c: string): void {
    if (this.mode === ERR) return;
    if (this.comment !== 0) {
      this.feedComment(c);
      return;
    }
    switch (this.mode) {
      case STR:
        this.feedString(c);
        return;
      case NUM:
        if (this.feedNumber(c)) return;
        this.mode = AFTER; // the number ended: c belongs to what follows
        break;
      case LIT:
        if (c === this.lit[this.litIdx]) {
          if (++this.litIdx === this.lit.length) this.mode = AFTER;
        } else this.mode = ERR;
        return;
    }
    if (isWs(c)) return;
    if (c === '/') {
      this.comment = 1;
      return;
    }
    switch (this.mode) {
      case VALUE:
        this.startValue(c);
        return;
      case V_OR_CLOSE:
        if (c === ']') this.close();
        else this.startValue(c);
        return;
      case K_OR_CLOSE:
      case KEY:
        if (c === '"') this.startString(true);
        else if (c === '}' && this.mode === K_OR_CLOSE) this.close();
        else this.mode = ERR;
        return;
      case COLON:
        this.mode = c === ':' ? VALUE : ERR;
        return;
      case AFTER: {
        const obj = this.stack?.obj;
        if (c === ',') this.mode = obj ? KEY : VALUE;
        else if ((c === ']' && obj === false) || (c === '}' && obj === true)) this.close();
        else this.mode = ERR;
        return;
      }
      default:
        this.mode = ERR;
    }
  }

  private feedComment(c: string): void {
    switch (this.comment) {
      case 1:
        if (c === '/') this.comment = 2;
        else if (c === '*') this.comment = 3;
        else this.mode = ERR;
        return;
      case 2:
        if (c === '\n') this.comment = 0;
        return;
      case 3:
        if (c === '*') this.comment = 4;
        return;
      default:
        this.comment = c === '/' ? 0 : c === '*' ? 4 : 3;
    }
  }

  private feedString(c: string): void {
    if (this.esc === 1) {
      if ('"\\/bfnrt'.includes(c)) this.esc = 0;
      else if (c === 'u') this.esc = 2;
      else this.mode = ERR;
    } else if (this.esc >= 2) {
      if (!/[0-9a-fA-F]/.test(c)) this.mode = ERR;
      else this.esc = this.esc === 5 ? 0 : this.esc + 1;
    } else if (c === '"') {
      this.mode = this.strKey ? COLON : AFTER;
    } else if (c === '\\') {
      this.esc = 1;
    } else if (c.charCodeAt(0) < 0x20) {
      this.mode = ERR;
    }
  }

  /** Returns false when c does not continue the number (and the number may end there). */
  private feedNumber(c: string): boolean {
    const n = this.num;
    if (isDigit(c)) {
      if (n === N_MINUS) this.num = c === '0' ? N_ZERO : N_INT;
      else if (n === N_ZERO) this.mode = ERR;
      else if (n === N_DOT) this.num = N_FRAC;
      else if (n === N_E || n === N_ESIGN) this.num = N_EXP;
      return true;
    }
    if (c === '.' && (n === N_ZERO || n === N_INT)) this.num = N_DOT;
    else if ((c === 'e' || c === 'E') && NUM_CAN_END.has(n) && n !== N_EXP) this.num = N_E;
    else if ((c === '+' || c === '-') && n === N_E) this.num = N_ESIGN;
    else if (NUM_CAN_END.has(n)) return false;
    else this.mode = ERR;
    return true;
  }

  private startString(key: boolean): void {
    this.mode = STR;
    this.strKey = key;
    this.esc = 0;
  }

  private startValue(c: string): void {
    if (c === '"') this.startString(false);
    else if (c === '-' || isDigit(c)) {
      this.mode = NUM;
      this.num = c === '-' ? N_MINUS : c === '0' ? N_ZERO : N_INT;
    } else if (c === 't' || c === 'f' || c === 'n') {
      this.mode = LIT;
      this.lit = c === 't' ? 'true' : c === 'f' ? 'false' : 'null';
      this.litIdx = 1;
    } else if (c === '[' || c === '{') {
      if (this.depth >= MAX_JSON_NESTING) {
        this.mode = ERR;
        return;
      }
      this.stack = { obj: c === '{', next: this.stack };
      this.depth++;
      this.mode = c === '[' ? V_OR_CLOSE : K_OR_CLOSE;
    } else this.mode = ERR;
  }

  private close(): void {
    this.stack = this.stack!.next;
    this.depth--;
    this.mode = this.depth === 0 ? DONE : AFTER;
  }
}

// ---- full parser -------------------------------------------------------------------------------

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

/** Parses one complete JSON text (comments allowed). Throws JsonSyntaxError. */
export function parseJsonText(text: string): JsonVal {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at offset ${i}`);
  };
  const ws = (): void => {
    for (;;) {
      const c = text[i];
      if (c !== undefined && isWs(c)) i++;
      else if (c === '/' && text[i + 1] === '/') {
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? text.length : nl + 1;
      } else if (c === '/' && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) fail('unterminated comment');
        i = end + 2;
      } else return;
    }
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) return fail('unterminated string');
      if (c === '"') {
        i++;
        return out;
      }
      if (c.charCodeAt(0) < 0x20) fail('control character in string');
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (e !== undefined && Object.hasOwn(simple, e)) {
        out += simple[e];
        i += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else fail('invalid escape');
    }
  };
  const value = (depth: number): JsonVal => {
    ws();
    const c = text[i];
    if (c === '"') return str();
    if (c === '[' || c === '{') {
      if (depth >= MAX_JSON_NESTING) fail('nesting too deep');
      i++;
      ws();
      if (c === '[') {
        const arr: JsonVal[] = [];
        if (text[i] === ']') {
          i++;
          return arr;
        }
        for (;;) {
          arr.push(value(depth + 1));
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === ']') {
            i++;
            return arr;
          } else fail("expected ',' or ']'");
        }
      }
      const obj = new Map<string, JsonVal>();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected object key');
        const k = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj.set(k, value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(text);
    if (num) {
      i += num[0].length;
      return new JsonNum(num[0], num[1] === undefined && num[2] === undefined);
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail('unexpected token');
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('unexpected token after JSON value');
  return v;
}

// ---- output ------------------------------------------------------------------------------------

/** Ruby's JSON.dump of a parsed value (compact). Throws JsonSyntaxError for out-of-range floats. */
export function dumpRubyJson(v: JsonVal): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof JsonNum) return numText(v);
  if (Array.isArray(v)) return `[${v.map(dumpRubyJson).join(',')}]`;
  const parts: string[] = [];
  for (const [k, x] of v) parts.push(`${JSON.stringify(k)}:${dumpRubyJson(x)}`);
  return `{${parts.join(',')}}`;
}

function numText(n: JsonNum): string {
  if (n.isInt) {
    const t = n.text.replace(/^-0$/, '0');
    return t;
  }
  const f = Number(n.text);
  if (!Number.isFinite(f)) throw new JsonSyntaxError(`${n.text} is out of the range of a float`);
  return rubyFloatToS(f);
}

/** Plain JS form (numbers as Number, objects as plain objects) for typed config values. */
export function jsonToPlain(v: JsonVal): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof JsonNum) return Number(v.text);
  if (Array.isArray(v)) return v.map(jsonToPlain);
  const o: Record<string, unknown> = {};
  for (const [k, x] of v) {
    Object.defineProperty(o, k, {
      value: jsonToPlain(x),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return o;
}
