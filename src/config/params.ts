// Typed parameter declarations. A plugin declares its parameters once:
//
//   const params = {
//     port:     p.integer({ default: 24224, desc: 'Port to listen on.' }),
//     apikey:   p.string({ required: true, secret: true, desc: 'API key.' }),
//     format:   p.enum(['json', 'msgpack'] as const, { default: 'json', desc: '...' }),
//     parse:    p.section({ '@type': p.string({ default: 'none' }) }, { desc: '<parse> section' }),
//   };
//   type Config = InferConfig<typeof params>;  // { port: number; apikey: string; format: 'json'|'msgpack'; ... }
//
// configureParams() converts an element's raw strings with Fluentd's exact converters
// (value-types.ts), applies defaults, aliases, deprecations, `use_default`/`use_nil`, marks the
// keys it read, and throws ConfigError with file:line:col and the section path. The same
// declarations generate docs/plugins/*.md (gen-docs.ts).

import { ConfigError } from '../core/errors.js';
import type { ConfigElement } from './element.js';
import {
  toArray,
  toBool,
  toEnum,
  toFloat,
  toHash,
  toInteger,
  toRegexp,
  toSize,
  toTime,
} from './value-types.js';

export type ParamType =
  | 'string'
  | 'integer'
  | 'float'
  | 'size'
  | 'time'
  | 'bool'
  | 'enum'
  | 'array'
  | 'hash'
  | 'regexp';

export interface BaseOpts {
  desc?: string;
  /** Masked as `xxxxxx` in the config dump; never logged. */
  secret?: boolean;
  /** Accepted with a warning: `'X' parameter is deprecated: <text>`. */
  deprecated?: string;
  /** Rejected: `'X' parameter is already removed: <text>`. */
  obsoleted?: string;
  /** Another accepted name for the same parameter. */
  alias?: string;
}

export interface ParamDecl<T> {
  readonly kind: 'param';
  readonly type: ParamType;
  readonly default: T | undefined;
  readonly hasDefault: boolean;
  readonly required: boolean;
  readonly opts: BaseOpts;
  readonly list?: readonly string[];
  readonly valueType?: 'string' | 'integer' | 'float';
  /** Phantom field carrying the value type. */
  readonly _t?: T;
}

export interface SectionOpts {
  desc?: string;
  required?: boolean;
  /** Element name when it differs from the property name. */
  name?: string;
}

export interface SectionDecl<P extends ParamDecls, M extends boolean> {
  readonly kind: 'section';
  readonly params: P;
  readonly opts: SectionOpts & { multi: M };
}

export type ParamDecls = { readonly [k: string]: ParamDecl<any> | SectionDecl<any, boolean> };

/** What a section looks like once configured: its params plus its argument and element. */
export type SectionConfig<P extends ParamDecls> = InferConfig<P> & { $arg: string; $element: ConfigElement };

type InferOne<D> =
  D extends ParamDecl<infer T>
    ? T
    : D extends SectionDecl<infer P, infer M>
      ? M extends true
        ? SectionConfig<P>[]
        : SectionConfig<P> | undefined
      : never;

export type InferConfig<P extends ParamDecls> = { -readonly [K in keyof P]: InferOne<P[K]> };

interface Builder<T> {
  (o: BaseOpts & { default: T }): ParamDecl<T>;
  (o: BaseOpts & { required: true }): ParamDecl<T>;
  (o?: BaseOpts & { default?: null | undefined }): ParamDecl<T | undefined>;
}

function builder<T>(type: ParamType, extra: Partial<ParamDecl<T>> = {}): Builder<T> {
  return ((o: BaseOpts & { default?: T | null; required?: boolean } = {}) => {
    const { default: d, required, ...opts } = o;
    return {
      kind: 'param',
      type,
      default: d ?? undefined,
      hasDefault: d !== undefined && d !== null,
      required: required === true,
      opts,
      ...extra,
    } as ParamDecl<T>;
  }) as Builder<T>;
}

export const p = {
  string: builder<string>('string'),
  integer: builder<number>('integer'),
  float: builder<number>('float'),
  size: builder<number>('size'),
  time: builder<number>('time'),
  bool: builder<boolean>('bool'),
  regexp: builder<RegExp>('regexp'),
  array: (valueType: 'string' | 'integer' | 'float' = 'string') => builder<any[]>('array', { valueType }),
  hash: (valueType: 'string' | 'integer' | 'float' = 'string') =>
    builder<Record<string, any>>('hash', { valueType }),
  enum: <L extends readonly string[]>(list: L) => builder<L[number]>('enum', { list }),
  section<P extends ParamDecls, M extends boolean = false>(
    params: P,
    /** `multi: true`: several sections allowed (`<store>`, `<server>`); the value is an array. */
    opts: SectionOpts & { multi?: M } = {},
  ): SectionDecl<P, NoInfer<M>> {
    return { kind: 'section', params, opts: { ...opts, multi: (opts.multi ?? false) as M } };
  },
};

export interface ConfigureContext {
  /** `<system> strict_config_value`: integer/float/bool conversions raise instead of guessing. */
  strict?: boolean;
  warn?: (message: string) => void;
}

/** The `<match td.*.*> @type tdlog` path used in messages. */
export function sectionPath(el: ConfigElement, parents: string[] = []): string {
  const type = el.params.get('@type')?.value ?? el.params.get('type')?.value;
  return [...parents, el.head() + (type ? ` @type ${type}` : '')].join(' ');
}

export function convertValue(d: ParamDecl<any>, name: string, raw: string, strict: boolean): unknown {
  const o = { name, strict };
  switch (d.type) {
    case 'string':
      return raw;
    case 'integer':
      return toInteger(raw, o);
    case 'float':
      return toFloat(raw, o);
    case 'size':
      return toSize(raw, o);
    case 'time':
      return toTime(raw, o);
    case 'bool':
      return toBool(raw, o);
    case 'enum':
      return toEnum(raw, d.list ?? [], o);
    case 'array':
      return toArray(raw, { ...o, valueType: d.valueType ?? 'string' });
    case 'hash':
      return toHash(raw, { ...o, valueType: d.valueType ?? 'string' });
    case 'regexp':
      return toRegexp(raw, o);
  }
}

/**
 * Read `decls` from `el`. `parents` is the section path of the enclosing elements, for messages.
 * Throws ConfigError naming file:line:col and the section.
 */
export function configureParams<P extends ParamDecls>(
  el: ConfigElement,
  decls: P,
  ctx: ConfigureContext = {},
  parents: string[] = [],
): InferConfig<P> {
  const out: Record<string, unknown> = {};
  const where = sectionPath(el, parents);
  const known: string[] = [];
  const fail = (msg: string, key?: string): never => {
    const pos = key ? el.params.get(key)?.pos : el.pos;
    throw new ConfigError(msg, { pos: pos ?? el.pos, section: where });
  };
  for (const [name, d] of Object.entries(decls)) {
    if (d.kind === 'section') {
      const elName = d.opts.name ?? name;
      known.push(`<${elName}>`);
      const subs = el.children(elName);
      if (!d.opts.multi && subs.length > 1) fail(`<${elName}> section can be specified only once`);
      if (d.opts.required && subs.length === 0) fail(`'<${elName}>' sections are required`);
      const confs = subs.map((sub) => {
        sub.consumed = true;
        const c = configureParams(sub, d.params, ctx, [where]) as Record<string, unknown>;
        c.$arg = sub.arg;
        c.$element = sub;
        return c;
      });
      out[name] = d.opts.multi ? confs : confs[0];
      continue;
    }
    known.push(name);
    let key = name;
    if (!el.params.has(name) && d.opts.alias && el.params.has(d.opts.alias)) key = d.opts.alias;
    const param = el.params.get(key);
    if (d.opts.secret) {
      el.secrets ??= new Set();
      el.secrets.add(key);
    }
    if (param) {
      el.used.add(key);
      if (d.opts.obsoleted) fail(`'${name}' parameter is already removed: ${d.opts.obsoleted}`, key);
      if (d.opts.deprecated) ctx.warn?.(`'${name}' parameter is deprecated: ${d.opts.deprecated}`);
    }
    let value: unknown;
    if (!param || param.useDefault) {
      if (param?.useDefault && !d.hasDefault && d.required) fail(`'${name}' doesn't have default value`, key);
      value = d.default;
    } else if (param.value === null) {
      value = undefined;
    } else {
      try {
        value = convertValue(d, name, param.value, ctx.strict === true);
      } catch (e) {
        if (e instanceof ConfigError) fail(e.detail, key);
        throw e;
      }
    }
    if (value === null || value === undefined) {
      if (d.required && !param) fail(`'${name}' parameter is required`);
      if (param && (d.required || d.hasDefault))
        fail(`'${name}' parameter is required but nil is specified`, key);
      value = undefined;
    }
    out[name] = value;
  }
  el.known = [...(el.known ?? []), ...known];
  return out as InferConfig<P>;
}
