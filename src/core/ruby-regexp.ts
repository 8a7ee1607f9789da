// Ruby (Onigmo) regexp source → JavaScript RegExp source: the one translator, used by the
// config `regexp` value type (filter_grep, in_tail <group>) and by parsers' `expression`.
//
//   \A \z \Z      start / end of string / end before a final newline (lookarounds)
//   \G            start of the match attempt; every caller matches from offset 0, so = \A
//   \h \H         hex digit / not ([\H] inside a class: ConfigError, JS has no equivalent)
//   [[:alpha:]]   POSIX bracket classes inside a class ([[:^alpha:]]: ConfigError)
//   (?>..) X*+    atomic groups and possessive quantifiers (*+ ++ ?+): matched as ordinary
//                 (backtracking) groups — same results for the patterns logs use, a little slower;
//                 X{n}+ is not possessive in Ruby but (?:X{n})+: ConfigError
//   [ in a class  a literal `[` (Ruby nests classes only for POSIX forms)
//
// ConfigError naming the construct: inline option groups `(?i:..)` / `(?i)`, conditionals
// `(?(..)..)`. Flags (`^`/`$` always line anchors → JS `m`; Ruby /m → JS `s`; /x) are the
// callers' business: see stripExtended for /x.

import { ConfigError } from './errors.js';

/** POSIX bracket classes (`[[:alpha:]]`) as the inside of a JS character class. */
export const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\s',
  blank: ' \\t',
  xdigit: '0-9a-fA-F',
  word: '\\w',
  punct: '!-\\/:-@\\[-`{-~',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
};

const START = '(?<![\\s\\S])';

/** Ruby's /x: whitespace and `# comments` outside classes removed (escapes kept). */
export function stripExtended(src: string): string {
  let out = '';
  let inClass = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      out += c + (src[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === '[') inClass++;
      else if (c === ']') inClass--;
      out += c;
    } else if (c === '[') {
      inClass = 1;
      out += c;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

function translateEscape(n: string, inClass: boolean): string {
  if (n === 'h') return inClass ? '0-9a-fA-F' : '[0-9a-fA-F]';
  if (n === 'H') {
    if (inClass)
      throw new ConfigError('\\H inside a character class is not supported in regular expressions');
    return '[^0-9a-fA-F]';
  }
  if (!inClass && (n === 'A' || n === 'G')) return START;
  if (!inClass && n === 'z') return '(?![\\s\\S])';
  if (!inClass && n === 'Z') return '(?=\\n?(?![\\s\\S]))';
  return `\\${n}`;
}

/** Translates a Ruby regexp source to a JS source (no flags). */
export function translateRubyRegexp(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      out += translateEscape(src[++i]!, inClass);
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
        if (m && POSIX_CLASSES[m[2]!] !== undefined) {
          if (m[1]) throw new ConfigError(`negated POSIX class [:^${m[2]}:] is not supported`);
          out += POSIX_CLASSES[m[2]!];
          i += m[0].length - 1;
          continue;
        }
      }
      if (c === '[') {
        out += '\\[';
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') out += `\\${src[++i]}`;
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const next = src[i + 2];
      if (next === '>') {
        out += '(?:';
        i += 2;
        continue;
      }
      if (next === '(') throw new ConfigError('conditional groups (?(...)...) are not supported');
      if (next !== undefined && /[imx-]/.test(next))
        throw new ConfigError('inline option groups like (?i:...) are not supported; use /.../i');
    }
    if (c === '+' && i > 0 && src[i - 2] !== '\\') {
      if (/[*+?]/.test(src[i - 1]!)) continue; // possessive: X*+ X++ X?+
      if (src[i - 1] === '}')
        throw new ConfigError('X{n}+ (an interval repeated by +) is not supported; write (?:X{n})+');
    }
    out += c;
  }
  return out;
}
