// The legacy line-based syntax (`--use-v0-config`, Fluentd's config/parser.rb):
//
//   <match a.**>            each line: leading blanks dropped, everything from the first `#` and
//     type file             trailing blanks dropped, then one of
//     path /var/log/x#1     ->  `path /var/log/x`  (a `#` always starts a comment)
//   </match>                <include PATH />, <name arg>, </name>, `key value` (raw value),
//   include other.conf      `include PATH` (top level / included files only)
//
// Keys are [a-zA-Z0-9_]+ (no `@type`; v0 uses `type`). Any other line: `parse error`.
// An element left open at end of file is silently closed, as in Fluentd.

import * as path from 'node:path';
import { ConfigParseError } from '../core/errors.js';
import { ConfigElement } from './element.js';
import { includeTargets, readConfigText } from './include.js';
import { MAX_NESTING } from './parser.js';

const WS = '[ \\t\\r\\n\\f\\v]';
const INCLUDE_RE = new RegExp(`^<include${WS}*(.*)${WS}*/>$`, 's');
const OPEN_RE = new RegExp(`^<([a-zA-Z0-9_]+)${WS}*(.+?)?>$`, 's');
const PARAM_RE = new RegExp(`^([a-zA-Z0-9_]+)${WS}*(.*)$`, 's');

interface Cursor {
  file: string;
  lines: string[];
  i: number; // lines consumed
  baseDir: string;
}

export function parseConfigV0(text: string, file: string): ConfigElement {
  const root = new ConfigElement('ROOT', '', { file, line: 1, col: 1 });
  const cur = cursor(text, file);
  parseLines(cur, true, null, root, 0, { files: 0 });
  return root;
}

function cursor(text: string, file: string): Cursor {
  return { file, lines: text.split(/(?<=\n)/), i: 0, baseDir: path.dirname(file) };
}

function clean(line: string): string {
  let s = line.replace(/^[\0\t\n\v\f\r ]+/, '');
  const hash = s.indexOf('#');
  if (hash >= 0) s = s.slice(0, hash);
  return s.replace(/[ \t\r\n\f\v]+$/, '');
}

function parseLines(
  cur: Cursor,
  allowInclude: boolean,
  elemName: string | null,
  el: ConfigElement,
  depth: number,
  count: { files: number },
): void {
  while (cur.i < cur.lines.length) {
    const line = clean(cur.lines[cur.i++]!);
    const pos = { file: cur.file, line: cur.i, col: 1 };
    if (line === '') continue;
    let m = INCLUDE_RE.exec(line);
    if (m) {
      include(cur, el, m[1]!.trim(), allowInclude, depth, count);
      continue;
    }
    m = OPEN_RE.exec(line);
    if (m) {
      if (depth >= MAX_NESTING)
        throw new ConfigParseError(`sections nested more than ${MAX_NESTING} levels deep`, pos);
      const child = new ConfigElement(m[1]!, m[2] ?? '', pos);
      parseLines(cur, false, m[1]!, child, depth + 1, count);
      el.elements.push(child);
      continue;
    }
    if (line === `</${elemName ?? ''}>`) return;
    m = PARAM_RE.exec(line);
    if (m) {
      if (allowInclude && m[1] === 'include') include(cur, el, m[2]!, true, depth, count);
      else el.params.set(m[1]!, { value: m[2]!, pos });
      continue;
    }
    throw new ConfigParseError('parse error', pos);
  }
}

function include(
  cur: Cursor,
  el: ConfigElement,
  uri: string,
  allowInclude: boolean,
  depth: number,
  count: { files: number },
): void {
  const pos = { file: cur.file, line: cur.i, col: 1 };
  const r = includeTargets(uri, cur.baseDir);
  if ('error' in r) throw new ConfigParseError(r.error, pos);
  for (const file of r.files) {
    if (depth >= MAX_NESTING || ++count.files > 10_000) {
      throw new ConfigParseError(`too many or too deeply nested includes at ${file}`, pos);
    }
    let text: string;
    try {
      text = readConfigText(file).text;
    } catch (e) {
      throw new ConfigParseError(`include error at ${cur.file} line ${cur.i}: ${(e as Error).message}`, pos);
    }
    parseLines(cursor(text, file), allowInclude, null, el, depth + 1, count);
  }
}
