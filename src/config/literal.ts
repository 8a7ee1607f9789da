// Values of the v1 syntax (Fluentd's literal_parser.rb), read from a Scanner:
//
//   unquoted   runs to the end of the line minus trailing blanks and a ` #` comment; a `#` glued to
//              text is kept (`foo#bar`), so is a value that starts with `#`. No escapes, no `#{}`.
//   "double"   \" \' \\ \r \n \t \f \b \0; backslash + other letter/digit is an error; backslash +
//              symbol = the symbol; a real newline is kept only when it follows a character on the
//              same line (`"a<LF>b"`), backslash-newline is a continuation; `#{code}` is evaluated.
//   'single'   only \' and \\ are escapes; cannot span lines.
//   [ / {      JSON, may span lines; see scanJson.
//
// A literal evaluates to a string, null (`use_nil` anywhere in it) or USE_DEFAULT.

import { dumpRubyJson, JsonSyntaxError, JsonWatcher, parseJsonText } from './json-value.js';
import {
  EmbeddedError,
  type EvalContext,
  evalEmbedded,
  findEmbeddedEnd,
  type Lit,
  USE_DEFAULT,
} from './ruby-eval.js';
import { afterCommentTerminator, lineEndOnce, type Scanner } from './scanner.js';

/** What ends an unquoted string: a line end, any blank (keys), or optional spacing + `>` (tag args). */
export type Boundary = 'line' | 'spacing' | 'tag';

/** Longest JSON value we accumulate before giving up (a missing bracket would read to EOF). */
export const MAX_JSON_CHARS = 1 << 20;

const isBlank = (c: number): boolean => c === 32 || c === 9;

/** Fluentd's parse_literal: blanks, then JSON or a string (unquoted up to LINE_END). */
export function parseLiteral(sc: Scanner, ctx: EvalContext): Lit {
  sc.spacingWithoutComment();
  const c = sc.peek();
  if (c === '[' || c === '{') {
    const start = sc.pos;
    sc.pos++;
    return scanJson(sc, ctx, c === '[', start);
  }
  return scanString(sc, 'line', ctx);
}

/** A quoted or unquoted string; an empty unquoted string is null (Ruby nil). */
export function scanString(sc: Scanner, boundary: Boundary, ctx: EvalContext): Lit {
  const c = sc.peek();
  if (c === '"') {
    sc.pos++;
    return scanDoubleQuoted(sc, ctx);
  }
  if (c === "'") {
    sc.pos++;
    return scanSingleQuoted(sc);
  }
  return scanUnquoted(sc, boundary);
}

export function scanUnquoted(sc: Scanner, boundary: Boundary): string | null {
  const t = sc.text;
  const start = sc.pos;
  let p = start;
  const memo: TagMemo = { start: -1, end: -1, result: false };
  while (p < t.length) {
    const c = t.charCodeAt(p);
    if (c === 35 /* # */) {
      p++;
      continue;
    }
    if (c === 10) break;
    if (boundary === 'spacing') {
      if (isBlank(c) || c === 13) break;
    } else if (boundary === 'line') {
      if (c === 13) break;
      if (isBlank(c)) {
        if (lineEndOnce(t, p) >= 0) break;
        while (isBlank(t.charCodeAt(p))) p++; // every blank of this run fails the same way
        continue;
      }
    } else {
      if (c === 62 /* > */) break;
      if (isBlank(c) || c === 13) {
        if (tagEndsAt(t, p, memo)) break;
        while (isBlank(t.charCodeAt(p)) || t.charCodeAt(p) === 13) p++;
        continue;
      }
    }
    p++;
  }
  sc.pos = p;
  return p > start ? t.slice(start, p) : null;
}

/**
 * Memo for tagEndsAt. A comment runs to the first CR/LF, so every lookahead that meets a `#` in
 * [start, end) of the same line continues at `end` with the same outcome (keeps scans linear).
 */
interface TagMemo {
  start: number;
  end: number;
  result: boolean;
}

/** `(?:[ \t\r\n]|#.*?(?:\z|[\r\n]))*>` matches at p. */
function tagEndsAt(t: string, p: number, memo: TagMemo): boolean {
  let i = p;
  let first = -1;
  let firstEnd = -1;
  let result: boolean;
  for (;;) {
    const c = t.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) i++;
    else if (c === 35) {
      if (first < 0) {
        if (i >= memo.start && i < memo.end) return memo.result;
        first = i;
        i = afterCommentTerminator(t, i);
        firstEnd = i;
      } else i = afterCommentTerminator(t, i);
    } else {
      result = c === 62;
      break;
    }
  }
  if (first >= 0) {
    memo.start = first;
    memo.end = firstEnd;
    memo.result = result;
  }
  return result;
}

/** After the opening `"`. */
export function scanDoubleQuoted(sc: Scanner, ctx: EvalContext): Lit {
  const t = sc.text;
  let out = '';
  let sawNil = false;
  let sawDefault = false;
  for (;;) {
    const p = sc.pos;
    if (p >= t.length) throw sc.error('unexpected end of file in a double quoted string');
    const c = t[p]!;
    if (c === '"') {
      sc.pos++;
      return sawNil ? null : sawDefault ? USE_DEFAULT : out;
    }
    const n = t.charCodeAt(p + 1);
    if (p + 1 >= t.length || n === 10 || n === 13) {
      // a character followed by a line end: both kept, unless it is a backslash (continuation)
      if (c !== '\\') out += c + t.slice(p + 1, p + 2);
      sc.pos = Math.min(p + 2, t.length);
      continue;
    }
    if (c === '\\') {
      out += escapeChar(sc, t[p + 1]!, p);
      sc.pos = p + 2;
      continue;
    }
    if (c === '#' && t[p + 1] === '{') {
      const v = embedded(sc, ctx, p);
      if (v === null) sawNil = true;
      else if (v === USE_DEFAULT) sawDefault = true;
      else out += v;
      continue;
    }
    if (c === '\n') throw sc.error('unexpected end of file in a double quoted string');
    out += c;
    sc.pos++;
  }
}

function escapeChar(sc: Scanner, e: string, at: number): string {
  switch (e) {
    case 'r':
      return '\r';
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'f':
      return '\f';
    case 'b':
      return '\b';
    case '0':
      return '\0';
  }
  if (/[a-zA-Z0-9]/.test(e)) throw sc.error(`unexpected back-slash escape character '${e}'`, at);
  return e; // `"`, `'`, `\`, and every other symbol stand for themselves
}

/** `#{code}` at `at` (the `#`); leaves the scanner after the closing `}`. */
function embedded(sc: Scanner, ctx: EvalContext, at: number): Lit {
  const codeStart = at + 2;
  const end = findEmbeddedEnd(sc.text, codeStart);
  if (end < 0) throw sc.error('expected end of embedded code but $end', at);
  let v: Lit;
  try {
    v = evalEmbedded(sc.text.slice(codeStart, end), ctx);
  } catch (e) {
    if (e instanceof EmbeddedError) throw sc.error(e.message, at);
    throw e;
  }
  sc.pos = end + 1;
  return v;
}

/** After the opening `'`. */
export function scanSingleQuoted(sc: Scanner): string {
  const t = sc.text;
  let out = '';
  for (;;) {
    const p = sc.pos;
    const c = t[p];
    if (c === undefined || c === '\n') throw sc.error('unexpected end of file in a single quoted string');
    if (c === "'") {
      sc.pos++;
      return out;
    }
    if (c === '\\' && (t[p + 1] === "'" || t[p + 1] === '\\')) {
      out += t[p + 1];
      sc.pos += 2;
      continue;
    }
    out += c;
    sc.pos++;
  }
}

const RUBY_RSTRIP = new Set([' ', '\t', '\v', '\f', '\r', '\0']);

/**
 * A JSON value whose `[`/`{` (at `start`) was just consumed. Fluentd reads it one character at a
 * time and stops at the first prefix that parses as JSON. Newlines are kept. A `#` is a comment
 * (rest of the line dropped) if the text so far, minus trailing blanks and one trailing comma,
 * would parse when closed right there; otherwise `#{code}` is evaluated into the text [1.18+],
 * otherwise `#` is an ordinary character. Returns the value re-serialised compact, Ruby style.
 */
export function scanJson(sc: Scanner, ctx: EvalContext, isArray: boolean, start: number): string {
  const t = sc.text;
  const close = isArray ? ']' : '}';
  const incomplete = (): never => {
    throw sc.error(`got incomplete JSON ${isArray ? 'array' : 'hash'} configuration`, start);
  };
  const lastBrace = t.lastIndexOf('}');
  const w = new JsonWatcher();
  w.feed(isArray ? '[' : '{');
  let text = isArray ? '[' : '{';
  let lastNonBlankChar = ''; // of the current line
  const feed = (c: string): void => {
    w.feed(c);
    text += c;
    if (c === '\n') lastNonBlankChar = '';
    else if (!RUBY_RSTRIP.has(c)) lastNonBlankChar = c;
  };
  for (;;) {
    if (w.failed || sc.pos >= t.length) return incomplete();
    if (text.length > MAX_JSON_CHARS) {
      throw sc.error(
        `JSON ${isArray ? 'array' : 'hash'} value longer than ${MAX_JSON_CHARS} characters`,
        start,
      );
    }
    const c = t[sc.pos++]!;
    if (c === '#') {
      if (w.closableWith(close, lastNonBlankChar === ',')) {
        const nl = t.indexOf('\n', sc.pos);
        if (nl < 0) {
          sc.pos = t.length;
          return incomplete();
        }
        sc.pos = nl + 1;
        feed('\n');
      } else if (t[sc.pos] === '{' && t[sc.pos + 1] !== '}' && lastBrace >= sc.pos + 2) {
        // `#{...}` (Fluentd: the rest matches /^\{[^}]+\}/)
        const v = embedded(sc, ctx, sc.pos - 1);
        if (typeof v !== 'string')
          throw sc.error('use_nil and use_default cannot be used inside a JSON value', sc.pos);
        for (const ch of v) feed(ch);
        if (w.complete) break;
      } else feed('#');
      continue;
    }
    feed(c);
    if (w.complete) break;
  }
  try {
    return dumpRubyJson(parseJsonText(text));
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw sc.error(`invalid JSON value: ${e.message}`, start);
    throw e;
  }
}
