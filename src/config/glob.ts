// A small Dir.glob for `@include` (Node 20 has no fs.globSync):
//
//   *      any characters except "/"          ?      one character except "/"
//   [a-z]  [!x] [^x]  character classes       {a,b}  alternatives (nested allowed)
//   **/    zero or more directories           \x     the character x
//
// As in Ruby, `*`, `?` and `[...]` never match a leading "." of a name (hidden files need a
// pattern starting with "."), and `**/` does not descend into hidden directories or follow
// symlinked directories. A pattern without wildcards yields the path if it exists. Results are
// de-duplicated and sorted bytewise (Fluentd sorts the list), relative patterns stay relative.

import * as fs from 'node:fs';

/** Upper bound on brace expansions and on matches, against patterns that explode. */
const MAX_RESULTS = 10_000;

export function globSync(pattern: string): string[] {
  const found = new Set<string>();
  for (const p of expandBraces(pattern)) {
    walkPattern(p, found);
    if (found.size > MAX_RESULTS) break;
  }
  return [...found].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** `a{b,c{d,e}}f` -> abf, acdf, acef. Unbalanced braces are literal. */
export function expandBraces(p: string): string[] {
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '{') {
      if (depth++ === 0) open = i;
    } else if (c === '}' && depth > 0) {
      if (--depth === 0) {
        const pre = p.slice(0, open);
        const post = p.slice(i + 1);
        const alts: string[] = [];
        let from = open + 1;
        for (const k of commas) {
          alts.push(p.slice(from, k));
          from = k + 1;
        }
        alts.push(p.slice(from, i));
        const out: string[] = [];
        for (const a of alts) {
          for (const x of expandBraces(pre + a + post)) {
            out.push(x);
            if (out.length > MAX_RESULTS) return out;
          }
        }
        return out;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [p];
}

const hasMagic = (seg: string): boolean => /(^|[^\\])[*?[]/.test(seg);
const unescapeGlob = (seg: string): string => seg.replace(/\\(.)/g, '$1');

function walkPattern(pattern: string, found: Set<string>): void {
  const abs = pattern.startsWith('/');
  const segs = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  if (abs) segs.shift();
  else if (segs[0] === '') segs.shift();
  walk(abs ? '/' : '', segs, 0, found);
}

function join(base: string, name: string): string {
  if (base === '') return name;
  return base.endsWith('/') ? base + name : `${base}/${name}`;
}

function readDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir === '' ? '.' : dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function isDir(p: string, d: fs.Dirent): boolean {
  if (d.isDirectory()) return true;
  if (!d.isSymbolicLink()) return false;
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function walk(base: string, segs: string[], i: number, found: Set<string>): void {
  if (found.size > MAX_RESULTS) return;
  if (i === segs.length) {
    if (base !== '' && exists(base)) found.add(base);
    return;
  }
  const seg = segs[i]!;
  const last = i === segs.length - 1;
  if (seg === '**' && !last) {
    walk(base, segs, i + 1, found);
    for (const d of readDir(base)) {
      if (d.name.startsWith('.') || !d.isDirectory()) continue; // symlinks are not followed
      walk(join(base, d.name), segs, i, found);
    }
    return;
  }
  if (!hasMagic(seg)) {
    walk(join(base, unescapeGlob(seg)), segs, i + 1, found);
    return;
  }
  const re = segmentRegExp(seg === '**' ? '*' : seg);
  for (const d of readDir(base)) {
    if (d.name.startsWith('.') && !seg.startsWith('.')) continue;
    if (!re.test(d.name)) continue;
    const p = join(base, d.name);
    if (last) found.add(p);
    else if (isDir(p, d)) walk(p, segs, i + 1, found);
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** One path segment's pattern as an anchored RegExp. */
export function segmentRegExp(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) re += escapeRe(seg[++i]!);
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = classEnd(seg, i);
      if (end < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, end);
        let neg = false;
        if (body.startsWith('!') || body.startsWith('^')) {
          neg = true;
          body = body.slice(1);
        }
        const chars = body.replace(/\\(.)/g, '$1').replace(/[\\\]^]/g, '\\$&');
        re += `[${neg ? '^/' : ''}${chars}]`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  try {
    return new RegExp(`^${re}$`, 's');
  } catch {
    return /(?!)/; // e.g. a reversed range [z-a]: matches nothing
  }
}

function classEnd(seg: string, open: number): number {
  let j = open + 1;
  if (seg[j] === '!' || seg[j] === '^') j++;
  if (seg[j] === ']') j++;
  for (; j < seg.length; j++) {
    if (seg[j] === '\\') j++;
    else if (seg[j] === ']') return j;
  }
  return -1;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
