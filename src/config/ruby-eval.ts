// The embedded-Ruby idioms of Fluentd configs, evaluated without a Ruby VM.
//
// Inside a double-quoted value, `#{code}` is replaced by `code` evaluated and converted with
// to_s (nil -> ""). Supported code (anything else is a parse error naming the code):
//
//   ENV['X']  ENV["X"]  ENV.fetch('X')  ENV.fetch('X', default)  ENV.fetch('X') { default }
//   Socket.gethostname  hostname  worker_id          ('' in the supervisor)
//   'str'  "str #{nested}"  123  nil  true  false  (expr)
//   a || b                                          (nil/false fall through)
//   a + b  a - b                                    (integers; + also joins strings)
//   use_nil  use_default                            (the WHOLE value becomes nil / the default)
//   expr.to_s  .to_i  .downcase  .upcase  .strip
//
// findEmbeddedEnd() finds the `}` closing `#{` by brace matching that skips Ruby string literals
// and comments (Fluentd asks Ruby's parser for the shortest valid code; for these idioms the
// two agree).

import { rubyInspect, rubyToI } from './ruby-num.js';

export const USE_DEFAULT: unique symbol = Symbol('use_default');
/** A literal's value: a string, null (`use_nil`) or USE_DEFAULT (`use_default`). */
export type Lit = string | null | typeof USE_DEFAULT;

export interface EvalContext {
  env: NodeJS.ProcessEnv;
  hostname: string;
  workerId: string;
}

/** An evaluation failure; the caller turns it into a ConfigParseError at the `#{`. */
export class EmbeddedError extends Error {}

const MAX_DEPTH = 32;
const MAX_CODE = 4096; // bounds the AST size, hence the evaluator's recursion
const SUPPORTED =
  "supported are ENV['X'], ENV.fetch('X', 'default'), Socket.gethostname, hostname, worker_id, " +
  'string and integer literals, a || b, a + b, use_nil, use_default, and .to_s/.to_i/.downcase/.upcase/.strip';

/** Index of the `}` that closes embedded code starting at `start` (just after `#{`), or -1. */
export function findEmbeddedEnd(t: string, start: number, depth = 0): number {
  if (depth > MAX_DEPTH) return -1;
  let braces = 0;
  let i = start;
  while (i < t.length) {
    const c = t[i]!;
    if (c === '{') braces++;
    else if (c === '}') {
      if (braces === 0) return i;
      braces--;
    } else if (c === "'" || c === '"') {
      i = skipRubyString(t, i, depth);
      if (i < 0) return -1;
      continue;
    } else if (c === '#') {
      const nl = t.indexOf('\n', i);
      if (nl < 0) return -1;
      i = nl;
    }
    i++;
  }
  return -1;
}

/** Index after the Ruby string literal opened at i, or -1 if it never closes. */
function skipRubyString(t: string, i: number, depth: number): number {
  const q = t[i];
  let j = i + 1;
  while (j < t.length) {
    const c = t[j];
    if (c === '\\') j += 2;
    else if (c === q) return j + 1;
    else if (q === '"' && c === '#' && t[j + 1] === '{') {
      const end = findEmbeddedEnd(t, j + 2, depth + 1);
      if (end < 0) return -1;
      j = end + 1;
    } else j++;
  }
  return -1;
}

// ---- tokens ------------------------------------------------------------------------------------

type Tok =
  | { k: 'id' | 'const' | 'op'; v: string }
  | { k: 'int'; v: number }
  | { k: 'str'; parts: (string | Node)[] };

type Node =
  | { t: 'lit'; v: RV }
  | { t: 'dstr'; parts: (string | Node)[] }
  | { t: 'env'; key: Node }
  | { t: 'fetch'; key: Node; def: Node | undefined }
  | { t: 'host' | 'worker' | 'use_nil' | 'use_default' }
  | { t: 'or'; a: Node; b: Node }
  | { t: 'add' | 'sub'; a: Node; b: Node }
  | { t: 'call'; recv: Node; m: string };

type RV = string | number | boolean | null;

const METHODS = new Set(['to_s', 'to_i', 'downcase', 'upcase', 'strip']);

class Unsupported extends Error {}

function tokenize(code: string, depth: number): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      const nl = code.indexOf('\n', i);
      i = nl < 0 ? code.length : nl;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*[?!]?/.exec(code.slice(i))![0];
      toks.push({ k: /^[A-Z]/.test(m) ? 'const' : 'id', v: m });
      i += m.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9](?:_?[0-9])*/.exec(code.slice(i))![0];
      toks.push({ k: 'int', v: Number(m.replace(/_/g, '')) });
      i += m.length;
    } else if (c === "'" || c === '"') {
      const end = skipRubyString(code, i, depth);
      if (end < 0) throw new Unsupported();
      const body = code.slice(i + 1, end - 1);
      toks.push({ k: 'str', parts: c === "'" ? [singleQuoted(body)] : doubleQuoted(body, depth) });
      i = end;
    } else {
      const two = code.slice(i, i + 2);
      if (two === '||' || two === '::') {
        toks.push({ k: 'op', v: two });
        i += 2;
      } else if ('()[]{},.-+'.includes(c)) {
        toks.push({ k: 'op', v: c });
        i++;
      } else throw new Unsupported();
    }
  }
  return toks;
}

function singleQuoted(body: string): string {
  return body.replace(/\\([\\'])/g, '$1');
}

const DQ_ESC: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  s: ' ',
  '0': '\0',
  e: '\x1b',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

function doubleQuoted(body: string, depth: number): (string | Node)[] {
  const parts: (string | Node)[] = [];
  let cur = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length) {
      const e = body[i + 1]!;
      const hex = e === 'u' ? /^\{?([0-9a-fA-F]{1,6})\}?/.exec(body.slice(i + 2)) : null;
      if (hex) {
        const cp = Number.parseInt(hex[1]!, 16);
        if (cp > 0x10ffff) throw new Unsupported();
        cur += String.fromCodePoint(cp);
        i += 2 + hex[0].length;
        continue;
      }
      cur += DQ_ESC[e] ?? e;
      i += 2;
    } else if (c === '#' && body[i + 1] === '{') {
      const end = findEmbeddedEnd(body, i + 2, depth + 1);
      if (end < 0) throw new Unsupported();
      if (cur) parts.push(cur);
      cur = '';
      parts.push(parseCode(body.slice(i + 2, end), depth + 1));
      i = end + 1;
    } else {
      cur += c;
      i++;
    }
  }
  if (cur || parts.length === 0) parts.push(cur);
  return parts;
}

// ---- parser ------------------------------------------------------------------------------------

function parseCode(code: string, depth: number): Node {
  if (depth > MAX_DEPTH) throw new Unsupported();
  const toks = tokenize(code, depth);
  let p = 0;
  const peekOp = (v: string): boolean => {
    const t = toks[p];
    return t !== undefined && t.k === 'op' && t.v === v;
  };
  const expectOp = (v: string): void => {
    if (!peekOp(v)) throw new Unsupported();
    p++;
  };
  const optionalParens = (): void => {
    if (peekOp('(') && toks[p + 1]?.k === 'op' && (toks[p + 1] as { v: string }).v === ')') p += 2;
  };
  let nesting = 0;
  const expr = (): Node => {
    if (++nesting > MAX_DEPTH) throw new Unsupported();
    let n = additive();
    while (peekOp('||') || (toks[p]?.k === 'id' && (toks[p] as { v: string }).v === 'or')) {
      p++;
      n = { t: 'or', a: n, b: additive() };
    }
    nesting--;
    return n;
  };
  const additive = (): Node => {
    let n = postfix();
    while (peekOp('+') || peekOp('-')) {
      const t = peekOp('+') ? 'add' : 'sub';
      p++;
      n = { t, a: n, b: postfix() };
    }
    return n;
  };
  const postfix = (): Node => {
    let n = primary();
    while (peekOp('.')) {
      const m = toks[p + 1];
      if (m?.k !== 'id' || !METHODS.has(m.v)) throw new Unsupported();
      p += 2;
      optionalParens();
      n = { t: 'call', recv: n, m: m.v };
    }
    return n;
  };
  const primary = (): Node => {
    const t = toks[p++];
    if (!t) throw new Unsupported();
    if (t.k === 'int') return { t: 'lit', v: t.v };
    if (t.k === 'str')
      return t.parts.length === 1 && typeof t.parts[0] === 'string'
        ? { t: 'lit', v: t.parts[0] }
        : { t: 'dstr', parts: t.parts };
    if (t.k === 'op') {
      if (t.v === '(') {
        const n = expr();
        expectOp(')');
        return n;
      }
      if (t.v === '-' && toks[p]?.k === 'int') return { t: 'lit', v: -(toks[p++] as { v: number }).v };
      throw new Unsupported();
    }
    if (t.k === 'const' && t.v === 'ENV') {
      if (peekOp('[')) {
        p++;
        const key = expr();
        expectOp(']');
        return { t: 'env', key };
      }
      expectOp('.');
      const f = toks[p++];
      if (f?.k !== 'id' || f.v !== 'fetch') throw new Unsupported();
      expectOp('(');
      const key = expr();
      let def: Node | undefined;
      if (peekOp(',')) {
        p++;
        def = expr();
      }
      expectOp(')');
      if (!def && peekOp('{')) {
        p++;
        def = expr();
        expectOp('}');
      }
      return { t: 'fetch', key, def };
    }
    if (t.k === 'const' && t.v === 'Socket') {
      if (!peekOp('.') && !peekOp('::')) throw new Unsupported();
      p++;
      const g = toks[p++];
      if (g?.k !== 'id' || g.v !== 'gethostname') throw new Unsupported();
      optionalParens();
      return { t: 'host' };
    }
    if (t.k === 'id') {
      const simple: Record<string, Node> = {
        hostname: { t: 'host' },
        worker_id: { t: 'worker' },
        use_nil: { t: 'use_nil' },
        use_default: { t: 'use_default' },
        nil: { t: 'lit', v: null },
        true: { t: 'lit', v: true },
        false: { t: 'lit', v: false },
      };
      const n = Object.hasOwn(simple, t.v) ? simple[t.v] : undefined;
      if (n) {
        if (n.t === 'use_nil' || n.t === 'use_default') optionalParens();
        return n;
      }
    }
    throw new Unsupported();
  };
  const n = expr();
  if (p !== toks.length) throw new Unsupported();
  return n;
}

// ---- evaluation --------------------------------------------------------------------------------

class SetNil {}
class SetDefault {}

function typeName(v: RV): string {
  if (v === null) return 'nil';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'number') return 'Integer';
  return v ? 'true' : 'false';
}

function toS(v: RV): string {
  return v === null ? '' : String(v);
}

function evaluate(n: Node, ctx: EvalContext): RV {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'dstr':
      return n.parts.map((x) => (typeof x === 'string' ? x : toS(evaluate(x, ctx)))).join('');
    case 'host':
      return ctx.hostname;
    case 'worker':
      return ctx.workerId;
    case 'use_nil':
      throw new SetNil();
    case 'use_default':
      throw new SetDefault();
    case 'or': {
      const a = evaluate(n.a, ctx);
      return a !== null && a !== false ? a : evaluate(n.b, ctx);
    }
    case 'add':
    case 'sub': {
      const a = evaluate(n.a, ctx);
      const b = evaluate(n.b, ctx);
      if (typeof a === 'number' && typeof b === 'number') return n.t === 'add' ? a + b : a - b;
      if (n.t === 'add' && typeof a === 'string' && typeof b === 'string') return a + b;
      if (typeof a === 'number') throw new EmbeddedError(`${typeName(b)} can't be coerced into Integer`);
      if (typeof a === 'string' && n.t === 'add') {
        throw new EmbeddedError(`no implicit conversion of ${typeName(b)} into String`);
      }
      throw new EmbeddedError(`undefined method '${n.t === 'add' ? '+' : '-'}' for ${typeName(a)}`);
    }
    case 'env':
    case 'fetch': {
      const key = evaluate(n.key, ctx);
      if (typeof key !== 'string')
        throw new EmbeddedError(`no implicit conversion of ${typeName(key)} into String`);
      const v = Object.hasOwn(ctx.env, key) ? ctx.env[key] : undefined;
      if (v !== undefined) return v;
      if (n.t === 'env') return null;
      if (n.def) return evaluate(n.def, ctx);
      throw new EmbeddedError(`key not found: ${rubyInspect(key)}`);
    }
    case 'call': {
      const v = evaluate(n.recv, ctx);
      if (n.m === 'to_s') return toS(v);
      if (n.m === 'to_i') {
        if (typeof v === 'string') return rubyToI(v);
        if (typeof v === 'number') return v;
        if (v === null) return 0;
      } else if (typeof v === 'string') {
        if (n.m === 'downcase') return v.toLowerCase();
        if (n.m === 'upcase') return v.toUpperCase();
        return v.replace(/^[\0\t\n\v\f\r ]+|[\0\t\n\v\f\r ]+$/g, '');
      }
      throw new EmbeddedError(
        `undefined method '${n.m}' for ${v === null ? 'nil' : `an instance of ${typeName(v)}`}`,
      );
    }
  }
}

/**
 * Evaluates the code of one `#{...}`: its to_s, or null for use_nil, USE_DEFAULT for use_default.
 * Throws EmbeddedError for unsupported code or a failing evaluation.
 */
export function evalEmbedded(code: string, ctx: EvalContext): Lit {
  let node: Node;
  try {
    if (code.length > MAX_CODE) throw new Unsupported();
    node = parseCode(code, 0);
  } catch (e) {
    if (e instanceof Unsupported || e instanceof RangeError) {
      throw new EmbeddedError(`unsupported embedded Ruby code "#{${clip(code)}}": ${SUPPORTED}`);
    }
    throw e;
  }
  try {
    return toS(evaluate(node, ctx));
  } catch (e) {
    if (e instanceof SetNil) return null;
    if (e instanceof SetDefault) return USE_DEFAULT;
    if (e instanceof EmbeddedError)
      throw new EmbeddedError(`embedded Ruby code "#{${clip(code)}}" failed: ${e.message}`);
    if (e instanceof RangeError)
      throw new EmbeddedError(`embedded Ruby code "#{${clip(code)}}" is too complex`);
    throw e;
  }
}

function clip(code: string): string {
  return code.length > 80 ? code.slice(0, 77) + '...' : code;
}
