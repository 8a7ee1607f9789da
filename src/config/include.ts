// `@include` targets and config file reading, shared by the v1 and v0 parsers.
//
//   @include conf.d/*.conf         relative to the directory of the including file
//   @include /etc/td-agent/x.conf  absolute
//   @include file:///etc/x.conf    file URI
//   @include http://host/x.conf    not supported here (Fluentd fetches it): an error
//
// As in Fluentd, the path is URL-form decoded first: `%20` and `+` both become a space (Fluentd
// turns spaces into `+` before URI parsing and decodes `+` back). A glob or path matching nothing
// is silently ignored; matches are sorted.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { globSync } from './glob.js';

export type IncludeResult = { files: string[]; pattern: string } | { error: string };

const BACKUP_EXTS = ['bak', 'old', 'backup', 'orig', 'prev', 'conf', 'tmp', 'temp', 'debug', 'wip'];

/** Files an `@include` of `uri` (written in a file under `baseDir`) refers to. */
export function includeTargets(uri: string, baseDir: string): IncludeResult {
  const plussed = uri.replace(/ /g, '+');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(plussed)?.[1];
  let p = plussed;
  if (scheme && scheme.length > 1) {
    const s = scheme.toLowerCase();
    if (s === 'http' || s === 'https') {
      return { error: `remote includes are not supported: ${uri} (download the file and @include its path)` };
    }
    if (s !== 'file') return { error: `unsupported include URI scheme '${scheme}': ${uri}` };
    p = plussed.slice(scheme.length + 1).replace(/^\/\/[^/]*/, '');
  }
  if (/%(?![0-9a-fA-F]{2})/.test(p)) return { error: `include error ${uri} - invalid %-encoding (${p})` };
  let decoded: string;
  try {
    decoded = decodeURIComponent(p.replace(/\+/g, ' '));
  } catch {
    return { error: `include error ${uri} - invalid %-encoding (${p})` };
  }
  const pattern = path.isAbsolute(decoded) ? decoded : path.join(baseDir, decoded);
  return { files: globSync(pattern), pattern: decoded };
}

/** Fluentd 1.19.2+ warns when `*.conf` picks up what looks like a backup copy. */
export function looksLikeBackup(pattern: string, file: string): boolean {
  if (!pattern.endsWith('*.conf')) return false;
  const name = path.basename(file);
  return BACKUP_EXTS.some((ext) => name.endsWith(`.${ext}.conf`) || name.endsWith(`_${ext}.conf`));
}

/** Reads a config file as UTF-8. Returns the text, or where the first invalid byte is. */
export function readConfigText(file: string): { text: string } | { badByte: number; text: string } {
  const buf = fs.readFileSync(file);
  const bad = firstInvalidUtf8(buf);
  let text = buf.toString('utf8');
  if (bad >= 0) text = buf.subarray(0, bad).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM is not part of the config
  return bad >= 0 ? { badByte: bad, text } : { text };
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}
