// Tag patterns (spec core §2.1), compiled once to an anchored RegExp:
//   a.b      literal            *     one part ([^.]*)       a*   part prefix
//   **       zero or more parts ("a.**" matches "a"; "**.a" matches "a"; "a.**.b" matches "a.b")
//   {x,y}    alternation of sub-patterns (nested, may contain * ** and dots)
//   /re/     a regexp anchored to the whole tag
//   \c       the character c literally
//   "p1 p2"  several patterns separated by whitespace: any of them

import { ConfigError } from '../core/errors.js';

function esc(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Compile one glob pattern (no whitespace) into regexp source. */
function globSource(p: string): string {
  let i = 0;
  const parse = (stopAtComma: boolean): string => {
    let out = '';
    while (i < p.length) {
      const c = p[i]!;
      if (c === '*') {
        if (p[i + 1] === '*') {
          // `**` consumes an adjacent dot so that a.** matches a, **.a matches a, a.**.b matches a.b
          const before = out.endsWith('\\.');
          const after = p[i + 2] === '.';
          if (before) {
            out = out.slice(0, -2);
            out += '(?:\\..*)?';
            i += 2;
          } else if (after) {
            out += '(?:.*\\.)?';
            i += 3;
          } else {
            out += '.*';
            i += 2;
          }
        } else {
          out += '[^.]*';
          i++;
        }
      } else if (c === '{') {
        i++;
        const alts: string[] = [];
        for (;;) {
          alts.push(parse(true));
          if (p[i] === ',') {
            i++;
            continue;
          }
          if (p[i] === '}') {
            i++;
            break;
          }
          throw new ConfigError(`invalid match - unterminated '{' in pattern: ${p}`);
        }
        out += `(?:${alts.join('|')})`;
      } else if (stopAtComma && (c === ',' || c === '}')) {
        return out;
      } else if (c === '\\' && i + 1 < p.length) {
        out += esc(p[i + 1]!);
        i += 2;
      } else {
        out += esc(c);
        i++;
      }
    }
    return out;
  };
  const src = parse(false);
  return src;
}

export class MatchPattern {
  readonly source: string;
  private readonly re: RegExp;

  constructor(pattern: string) {
    this.source = pattern;
    const parts = pattern.trim() === '' ? ['**'] : pattern.trim().split(/\s+/);
    const alts = parts.map((part) => {
      if (part.startsWith('/')) {
        if (part.length < 2 || !part.endsWith('/')) throw new ConfigError(`invalid match - regex: ${part}`);
        try {
          new RegExp(part.slice(1, -1));
        } catch (e) {
          throw new ConfigError(`invalid match - regex: ${part}: ${(e as Error).message}`);
        }
        return `(?:${part.slice(1, -1)})`;
      }
      return `(?:${globSource(part)})`;
    });
    this.re = new RegExp(`^(?:${alts.join('|')})$`, 's');
  }

  match(tag: string): boolean {
    return this.re.test(tag);
  }
}
