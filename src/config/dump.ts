// The startup config dump (Fluentd's Element#to_s for v1 configs):
//
//   <ROOT>
//     <match td.*.*>
//       @type "tdlog"
//       apikey xxxxxx
//       auto_create_table true
//       <buffer>
//         path "/var/log/td-agent/buffer/td"
//       </buffer>
//     </match>
//   </ROOT>
//
// String values are double-quoted with `"`, `'`, `\`, CR, LF, TAB, FF, BS escaped; numbers,
// booleans, enums, arrays and hashes are printed as is; secrets as `xxxxxx`; a nil value as
// `key ` (nothing after the blank). Without type information a value is quoted unless it is a
// number, true/false, or JSON array/hash. The result ends with a newline, like to_s.

import type { ConfigElement } from './element.js';
import { JsonSyntaxError, parseJsonText } from './json-value.js';

export interface DumpOptions {
  /** The declared type of a parameter ('string', 'integer', 'enum', ...) when known. */
  paramType?: (el: ConfigElement, key: string) => string | undefined;
  /** What `use_default` stands for, when known. */
  defaultValue?: (el: ConfigElement, key: string) => string | null | undefined;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "'": "\\'",
  '\\': '\\\\',
  '\r': '\\r',
  '\n': '\\n',
  '\t': '\\t',
  '\f': '\\f',
  '\b': '\\b',
};

export function quoteValue(v: string): string {
  return `"${v.replace(/["'\\\r\n\t\f\b]/g, (c) => ESCAPES[c]!)}"`;
}

function looksUntyped(v: string): boolean {
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(v) || v === 'true' || v === 'false') return true;
  if (!v.startsWith('[') && !v.startsWith('{')) return false;
  try {
    parseJsonText(v);
    return true;
  } catch (e) {
    if (e instanceof JsonSyntaxError) return false;
    throw e;
  }
}

export function dumpConfig(
  root: ConfigElement,
  isSecret: (el: ConfigElement, key: string) => boolean,
  opts: DumpOptions = {},
): string {
  const out: string[] = [];
  const walk = (el: ConfigElement, nest: number): void => {
    const indent = '  '.repeat(nest);
    const inner = '  '.repeat(nest + 1);
    out.push(el.arg ? `${indent}<${el.name} ${el.arg}>` : `${indent}<${el.name}>`);
    for (const [k, p] of el.params) {
      if (isSecret(el, k)) {
        out.push(`${inner}${k} xxxxxx`);
        continue;
      }
      let v = p.value;
      if (p.useDefault) v = opts.defaultValue?.(el, k) ?? null;
      if (v === null) {
        out.push(`${inner}${k} `);
        continue;
      }
      const type = opts.paramType?.(el, k);
      const quote = type !== undefined ? type === 'string' : !looksUntyped(v);
      out.push(`${inner}${k} ${quote ? quoteValue(v) : v}`);
    }
    for (const c of el.elements) walk(c, nest + 1);
    out.push(`${indent}</${el.name}>`);
  };
  walk(root, 0);
  return out.join('\n') + '\n';
}
