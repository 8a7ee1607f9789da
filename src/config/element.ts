// The parsed config tree. The parser (parser.ts) produces one root element named `ROOT`
// whose children are the directives of the file, with `@include`s spliced in place.
//
//   ROOT
//   ├── system            (arg '')
//   ├── source            params: @type=forward, port=24224
//   ├── match  'td.*.*'   params: @type=tdlog, apikey=...
//   │    └── buffer  ''   params: @type=file, path=...
//   └── label  '@ERROR'
//        └── match '**'
//
// Values are stored as the parser produced them (strings; JSON values re-serialised compact);
// typing happens in params.ts when a plugin declares what it expects. `null` is `use_nil`.

import type { SourcePos } from '../core/errors.js';

export interface ConfigParam {
  /** The value after unquoting/evaluation; null when the value evaluated to `use_nil`. */
  value: string | null;
  /** True when the value evaluated to `use_default`: the declared default applies. */
  useDefault?: boolean;
  /** Where the key starts. */
  pos: SourcePos;
}

export class ConfigElement {
  readonly name: string;
  readonly arg: string;
  readonly params = new Map<string, ConfigParam>();
  readonly elements: ConfigElement[] = [];
  readonly pos: SourcePos;
  /** Keys read by a plugin's configure(); the rest are reported as unused. */
  readonly used = new Set<string>();
  /** Set when a plugin consumed this section, so it is not reported as unused. */
  consumed = false;
  /** Parameter names the consuming plugin declares (for "did you mean" on unused keys). */
  known: string[] | undefined;
  /** Keys declared `secret`: masked as `xxxxxx` in the config dump. */
  secrets: Set<string> | undefined;
  /** Owner shown in unused-parameter warnings, e.g. `stdout plugin`. */
  owner: string | undefined;

  constructor(name: string, arg: string, pos: SourcePos) {
    this.name = name;
    this.arg = arg;
    this.pos = pos;
  }

  /** Raw string value of a parameter (undefined if absent, null for use_nil). */
  get(key: string): string | null | undefined {
    const p = this.params.get(key);
    if (!p) return undefined;
    this.used.add(key);
    return p.value;
  }

  has(key: string): boolean {
    return this.params.has(key);
  }

  set(key: string, value: string | null, pos: SourcePos = this.pos): void {
    this.params.set(key, { value, pos });
  }

  /** Child elements with this name (e.g. 'buffer', 'store', 'server'). */
  children(name: string): ConfigElement[] {
    return this.elements.filter((e) => e.name === name);
  }

  /** The `<match td.*.*>` style label used in error messages. */
  head(): string {
    return this.arg ? `<${this.name} ${this.arg}>` : `<${this.name}>`;
  }

  /** Deep copy (used by `<secondary>`, `<store>` and compat conversion). */
  clone(): ConfigElement {
    const e = new ConfigElement(this.name, this.arg, this.pos);
    for (const [k, v] of this.params) e.params.set(k, { ...v });
    for (const c of this.elements) e.elements.push(c.clone());
    return e;
  }
}
