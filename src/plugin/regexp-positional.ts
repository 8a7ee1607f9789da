// Named captures read by position. V8 builds a `groups` object for every match of a regexp
// with named groups; a parser that matches every line reads the captures by index instead.
//
//   /^(?<host>\S+) (?:x|(y)) (?<msg>.*)$/   →   /^(\S+) (?:x|(y)) (.*)$/   slots host:1 msg:3
//
// The capture numbering is JS's: every `(` that is not `(?` counts, and every `(?<name>`;
// `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!` do not. Escapes and character classes are skipped. A
// source that refers to a group by name (`\k<name>`) is left alone (undefined).

export interface PositionalRegexp {
  re: RegExp;
  /** Capture name and its index in the match array, in source order. */
  slots: [name: string, index: number][];
}

export function positionalRegexp(named: RegExp): PositionalRegexp | undefined {
  const src = named.source;
  const slots: [string, number][] = [];
  let out = '';
  let group = 0;
  let inClass = false;
  for (let i = 0; i < src.length; ) {
    const c = src[i]!;
    if (c === '\\') {
      if (src[i + 1] === 'k' && src[i + 2] === '<') return undefined;
      out += src.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      continue;
    }
    if (c === '(') {
      if (src[i + 1] !== '?') group++;
      else if (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!') {
        const end = src.indexOf('>', i + 3);
        if (end < 0) return undefined;
        group++;
        slots.push([src.slice(i + 3, end), group]);
        out += '(';
        i = end + 1;
        continue;
      }
    }
    out += c;
    i++;
  }
  let re: RegExp;
  try {
    re = new RegExp(out, named.flags);
  } catch {
    return undefined;
  }
  return { re, slots };
}
