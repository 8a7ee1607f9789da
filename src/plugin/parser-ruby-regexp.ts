// Ruby (Onigmo) regular expressions → JavaScript RegExp, for `<parse>` expressions written for
// Fluentd. Translated:
//
//   /src/imx       the literal form; `m` (Ruby: dot matches newline) → JS `s`; `x` → whitespace
//                  and `# comments` outside classes removed; `i` kept
//   ^ $            line anchors in Ruby: the JS regexp always gets the `m` flag
//   \A \z \Z       start / end of string / end before a final newline (lookarounds)
//   \h \H          hex digit / not
//   [[:alpha:]]..  POSIX bracket classes inside a class
//   (?>..) X*+     atomic groups and possessive quantifiers: matched as ordinary (backtracking)
//                  groups — same results for the patterns logs use, a little slower
//
// Not supported (ConfigError naming the construct): inline option groups `(?i:..)`/`(?m)`,
// `\G`, conditionals `(?(..)..)`.

import { POSIX_CLASSES } from '../config/value-types.js';
import { ConfigError } from '../core/errors.js';

/** Splits `/src/flags` into source and flags; a plain string is a source with no flags. */
export function splitRubyLiteral(text: string): { source: string; flags: string } {
  const m = /^\/([\s\S]*)\/([imxnesu]*)$/.exec(text);
  return m ? { source: m[1]!, flags: m[2]! } : { source: text, flags: '' };
}

function stripExtended(src: string): string {
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

/** Translates a Ruby regexp source to a JS source. */
export function translateRubySource(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      i++;
      if (n === 'h') out += inClass ? '0-9a-fA-F' : '[0-9a-fA-F]';
      else if (n === 'H') out += inClass ? '' : '[^0-9a-fA-F]';
      else if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'z') out += '(?![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?=\\n?(?![\\s\\S]))';
      else if (n === 'G') throw new ConfigError('\\G is not supported in regular expressions');
      else out += `\\${n}`;
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
        if (m && POSIX_CLASSES[m[2]!]) {
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
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2, i + 4);
      if (rest[0] === '>') {
        out += '(?:';
        i += 2;
        continue;
      }
      if (rest[0] === '(') throw new ConfigError('conditional groups (?(...)...) are not supported');
      if (/^[imx-]/.test(rest))
        throw new ConfigError('inline option groups like (?i:...) are not supported; use /.../i');
    }
    if (c === '+' && i > 0 && /[*+?}]/.test(src[i - 1]!) && src[i - 2] !== '\\') continue; // possessive
    out += c;
  }
  return out;
}

/** A JS RegExp for a Ruby regexp given as `/src/flags` or as a bare source. */
export function rubyRegexp(text: string, extraFlags = ''): RegExp {
  const { source, flags } = splitRubyLiteral(text);
  const all = flags + extraFlags;
  const src = all.includes('x') ? stripExtended(source) : source;
  let js = 'm';
  if (all.includes('i')) js += 'i';
  if (all.includes('m')) js += 's';
  try {
    return new RegExp(translateRubySource(src), js);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`invalid regexp '${text}': ${(e as Error).message}`);
  }
}
