// Ruby (Onigmo) regular expressions → JavaScript RegExp, for `<parse>` expressions written for
// Fluentd: the `/src/flags` literal and its flags here (`m` → JS `s`, `x` → whitespace and
// comments removed, `i` kept; `^ $` are line anchors in Ruby: the JS regexp always gets `m`);
// the source itself goes through core/ruby-regexp.ts (the one translator, shared with the
// config `regexp` value type).

import { ConfigError } from '../core/errors.js';
import { stripExtended, translateRubyRegexp } from '../core/ruby-regexp.js';

/** Splits `/src/flags` into source and flags; a plain string is a source with no flags. */
export function splitRubyLiteral(text: string): { source: string; flags: string } {
  const m = /^\/([\s\S]*)\/([imxnesu]*)$/.exec(text);
  return m ? { source: m[1]!, flags: m[2]! } : { source: text, flags: '' };
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
    return new RegExp(translateRubyRegexp(src), js);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`invalid regexp '${text}': ${(e as Error).message}`);
  }
}
