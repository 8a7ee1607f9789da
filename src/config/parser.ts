// Fluentd v1 config syntax -> ConfigElement tree (Fluentd's v1_parser.rb, rule for rule).
//
//   <source>                 element: `<NAME ARG>` ... `</NAME>`, NAME = [a-zA-Z0-9_]+, ARG = up
//     @type forward          to optional blanks + `>` (or one quoted string); `>` ends the line.
//     port 24224             parameter: KEY VALUE (value grammar in literal.ts); KEY alone = "".
//   </source>
//   @include conf.d/*.conf   anywhere; bare `include` only at a file's top level (deprecated).
//
// Each included file is parsed as a top-level body into the element holding the @include, so
// its params/elements are spliced in place. Unknown `@xxx` keys are an error at a file's top
// level and directly in <match>/<source>/<filter>/<system>, a warning in deeper sections.
// Nesting of sections and of includes is capped (MAX_NESTING); include cycles are errors.
//
// Every thrown error is a ConfigError (ConfigParseError for syntax) with file:line:col.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, type SourcePos } from '../core/errors.js';
import { ConfigElement } from './element.js';
import { includeTargets, looksLikeBackup, readConfigText } from './include.js';
import { type Boundary, parseLiteral, scanString } from './literal.js';
import { type EvalContext, type Lit, USE_DEFAULT } from './ruby-eval.js';
import { type InlineSplit, Scanner } from './scanner.js';

export interface ParseOptions {
  /** `worker_id` in embedded Ruby; '' in the supervisor. Default: $SERVERENGINE_WORKER_ID or ''. */
  workerId?: string;
  /** `hostname` / `Socket.gethostname`. Default: os.hostname(). */
  hostname?: string;
  /** ENV for embedded Ruby. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  warn?: (msg: string, pos?: SourcePos) => void;
  /** `-i` text appended after the file (literal `\n` become newlines), reported as `(inline)`. */
  inline?: string;
}

export const MAX_NESTING = 64;
const MAX_INCLUDED_FILES = 10_000;
const ELEM_SYMBOLS = new Set(['match', 'source', 'filter', 'system']);
const RESERVED_PARAMS = new Set(['@type', '@id', '@label', '@log_level']);

interface State {
  ctx: EvalContext;
  warn: (msg: string, pos?: SourcePos) => void;
  /** Files being parsed, outermost first: real path (cycle check) and display name. */
  stack: { id: string; name: string }[];
  filesParsed: number;
}

function makeState(opts: ParseOptions): State {
  const env = opts.env ?? process.env;
  return {
    ctx: {
      env,
      hostname: opts.hostname ?? os.hostname(),
      workerId: opts.workerId ?? env.SERVERENGINE_WORKER_ID ?? '',
    },
    warn: opts.warn ?? (() => {}),
    stack: [],
    filesParsed: 0,
  };
}

function fileId(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** Parses config text; relative `@include`s resolve against the directory of `file`. */
export function parseConfig(text: string, file: string, opts: ParseOptions = {}): ConfigElement {
  const st = makeState(opts);
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let split: InlineSplit | undefined;
  if (opts.inline !== undefined) {
    let lines = 1;
    for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) lines++;
    split = { offset: body.length + 1, line: lines };
    body += '\n' + opts.inline.replace(/\\n/g, '\n');
  }
  const root = new ConfigElement('ROOT', '', { file, line: 1, col: 1 });
  const sc = new Scanner(body, file, split);
  st.stack.push({ id: fileId(file), name: file });
  parseBody(sc, st, root, true, null, 0, path.dirname(file));
  sc.spacing();
  if (!sc.eof) throw sc.error('expected EOF');
  return root;
}

/** Reads and parses a config file (UTF-8). */
export function loadConfigFile(file: string, opts: ParseOptions = {}): ConfigElement {
  const r = readFile(file);
  if ('error' in r) throw new ConfigError(r.error, { code: 'CONFIG_FILE' });
  return parseConfig(r.text, file, opts);
}

function readFile(file: string): { text: string } | { error: string } {
  try {
    const r = readConfigText(file);
    if ('badByte' in r) {
      const sc = new Scanner(r.text, file);
      throw sc.error(`invalid UTF-8 byte sequence (byte offset ${r.badByte})`, r.text.length);
    }
    return r;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return { error: `cannot read config file ${file}: ${(e as Error).message}` };
  }
}

function scanName(sc: Scanner): string | null {
  const m = /[a-zA-Z0-9_]*/y;
  m.lastIndex = sc.pos;
  const name = m.exec(sc.text)![0];
  sc.pos += name.length;
  return name === '' ? null : name;
}

function litToArg(v: Lit): string {
  return typeof v === 'string' ? v : '';
}

/** Fluentd's parse_element: reads params, sections and includes into `el` until its end tag. */
function parseBody(
  sc: Scanner,
  st: State,
  el: ConfigElement,
  rootElement: boolean,
  elemName: string | null,
  depth: number,
  baseDir: string,
): void {
  for (;;) {
    sc.spacing();
    if (sc.eof) {
      if (rootElement) return;
      throw sc.error(`expected end tag '</${elemName}>' but got end of file`);
    }
    const start = sc.pos;
    if (sc.skipStr('</')) {
      const name = scanName(sc);
      sc.spacing();
      if (!sc.skipStr('>')) throw sc.error('expected character in tag name');
      if (!sc.lineEnd()) throw sc.error('expected end of line after end tag');
      if (name !== elemName) throw sc.error('unmatched end tag', start);
      return;
    }
    if (sc.skipStr('<')) {
      const name = scanName(sc);
      sc.spacing();
      const arg = scanString(sc, 'tag', st.ctx);
      const argEnd = sc.pos;
      const spaced = sc.spacing();
      if (!sc.skipStr('>')) {
        // point at the end of the tag line rather than at whatever the next line holds
        const lineBreak = spaced && /[\r\n]/.test(sc.text.slice(argEnd, sc.pos));
        throw sc.error("expected '>'", lineBreak ? argEnd : sc.pos);
      }
      if (!sc.lineEnd()) throw sc.error('expected end of line after tag');
      if (depth >= MAX_NESTING) throw sc.error(`sections nested more than ${MAX_NESTING} levels deep`, start);
      const child = new ConfigElement(name ?? '', litToArg(arg), sc.posAt(start));
      parseBody(sc, st, child, false, name, depth + 1, baseDir);
      el.elements.push(child);
      continue;
    }
    if (rootElement && bareInclude(sc, st, start)) {
      parseInclude(sc, st, el, depth, baseDir, start);
      continue;
    }
    const key = scanString(sc, 'spacing' satisfies Boundary, st.ctx);
    const keyPos = sc.posAt(start);
    const sp = sc.spacingWithoutComment();
    if (typeof key !== 'string') throw sc.error('a parameter name must not be nil or use_default', start);
    if (sp.newline || sc.eof) {
      setParam(el, key, '', keyPos); // `key` alone on its line, e.g. `without_source`
      continue;
    }
    if (key === '@include') {
      parseInclude(sc, st, el, depth, baseDir, start);
      continue;
    }
    if (key.startsWith('@') && !RESERVED_PARAMS.has(key)) {
      if (rootElement || (elemName !== null && ELEM_SYMBOLS.has(elemName))) {
        throw sc.error(
          `'@' is the system reserved prefix. Don't use '@' prefix parameter in the configuration: ${key}`,
          start,
        );
      }
      st.warn(
        `'@' is the system reserved prefix. It works in the nested configuration for now but it will be rejected: ${key}`,
        keyPos,
      );
    }
    const v = parseLiteral(sc, st.ctx);
    if (!sc.lineEnd()) throw sc.error('expected end of line');
    setParam(el, key, v, keyPos);
  }
}

function setParam(el: ConfigElement, key: string, v: Lit, pos: SourcePos): void {
  if (v === USE_DEFAULT) el.params.set(key, { value: null, useDefault: true, pos });
  else el.params.set(key, { value: v, pos });
}

/** `(@include|include)` + SPACING at a file's top level; warns for the bare form. */
function bareInclude(sc: Scanner, st: State, start: number): boolean {
  const at = sc.skipStr('@include');
  if (!at && !sc.skipStr('include')) return false;
  if (!sc.spacing()) {
    sc.pos = start;
    return false;
  }
  if (!at) st.warn("'include' is deprecated. Use '@include' instead", sc.posAt(start));
  return true;
}

function parseInclude(
  sc: Scanner,
  st: State,
  el: ConfigElement,
  depth: number,
  baseDir: string,
  at: number,
): void {
  const uri = scanString(sc, 'line', st.ctx);
  if (typeof uri !== 'string' || uri === '') throw sc.error('@include needs a path', at);
  const r = includeTargets(uri, baseDir);
  if ('error' in r) throw sc.error(r.error, at);
  for (const file of r.files) {
    if (looksLikeBackup(r.pattern, file)) {
      st.warn(
        `There is a possibility that '@include ${uri}' includes duplicated backed-up config file such as <${path.basename(file)}>`,
        sc.posAt(at),
      );
    }
    const id = fileId(file);
    const cycle = st.stack.findIndex((f) => f.id === id);
    if (cycle >= 0) {
      const chain = [...st.stack.slice(cycle).map((f) => f.name), file].join(' -> ');
      throw sc.error(`include cycle detected: ${chain}`, at);
    }
    if (st.stack.length >= MAX_NESTING)
      throw sc.error(`includes nested more than ${MAX_NESTING} levels deep`, at);
    if (++st.filesParsed > MAX_INCLUDED_FILES)
      throw sc.error(`more than ${MAX_INCLUDED_FILES} files included`, at);
    let text: string;
    try {
      const rf = readConfigText(file);
      if ('badByte' in rf) {
        throw new Scanner(rf.text, file).error(
          `invalid UTF-8 byte sequence (byte offset ${rf.badByte})`,
          rf.text.length,
        );
      }
      text = rf.text;
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw sc.error(`include error ${uri} - ${(e as Error).message}`, at);
    }
    st.stack.push({ id, name: file });
    parseBody(new Scanner(text, file), st, el, true, null, depth, path.dirname(file));
    st.stack.pop();
  }
  sc.lineEnd(); // Fluentd ignores what follows the path on that line
}
