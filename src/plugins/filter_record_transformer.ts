// filter_record_transformer: adds, rewrites and removes fields (spec plugins §7.1).
//
//   <filter app.**>
//     @type record_transformer
//     <record>
//       host     ${hostname}
//       service  ${tag_parts[1]}
//       copy     ${record["message"]}        auto_typecast: a lone placeholder keeps its type
//       meta     {"tag":"${tag}","n":[1,"${tag_suffix[-1]}"]}    JSON values expand recursively
//     </record>
//     remove_keys $.kubernetes.labels, password
//   </filter>
//
// Per event: start from a shallow copy of the record (or {} with renew_record, plus keep_keys),
// merge the expanded <record> map (keys are expanded too, always as strings), take the time
// from renew_time_key, then remove remove_keys (record accessor syntax; containers on a nested
// path are copied, never mutated in place). Placeholders read the original record. A failure
// makes the event an error event and drops it from the stream (this filter overrides
// filterStream: Fluentd's non-optimized chain). Placeholder rules: support/placeholders.ts.

import * as os from 'node:os';
import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { EventStream, type Rec } from '../core/event-stream.js';
import { LogThrottle } from '../core/log.js';
import { type RecordAccessor, recordAccessor } from '../helpers/record-accessor.js';
import { Filter } from '../plugin/base.js';
import {
  type PlaceholderValues,
  plainPlaceholder,
  type Resolver,
  rubyExpression,
  UNKNOWN,
} from './support/placeholders.js';
import { rubyToF, rubyToS } from './support/ruby-text.js';

const params = {
  remove_keys: p.array()({ desc: 'Keys to delete (comma-separated; record accessor syntax allowed).' }),
  keep_keys: p.array()({ desc: 'With renew_record: keys copied from the original record first.' }),
  renew_record: p.bool({ default: false, desc: 'Start from an empty record instead of a copy.' }),
  renew_time_key: p.string({
    desc: 'Field holding unix time (seconds, float ok) that becomes the event time.',
  }),
  enable_ruby: p.bool({
    default: false,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fluentd placeholder syntax
    desc: 'Ruby expressions in ${...}: only a small subset is supported (no Ruby VM).',
  }),
  auto_typecast: p.bool({ default: true, desc: 'A value that is exactly one placeholder keeps its type.' }),
  record: p.section(
    {},
    { multi: true, desc: 'Fields to set: `key value` lines, values may hold placeholders.' },
  ),
} as const;

type Template = (v: PlaceholderValues) => unknown;

const TOKEN = /(\$\{[^}]+\}|__[A-Z_]+__)/;
const RUBY_TOKEN = /(\$\{[^}]+\})/;

export class RecordTransformerFilter extends Filter<typeof params> {
  static override readonly type = 'record_transformer';
  static override readonly params = params;
  static readonly desc =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fluentd placeholder syntax
    'Adds, rewrites and removes record fields with placeholders (${tag}, ${record["k"]}, ...).';
  static readonly example =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fluentd placeholder syntax
    '<filter app.**>\n  @type record_transformer\n  <record>\n    hostname ${hostname}\n    tag ${tag}\n    service ${tag_parts[1]}\n  </record>\n</filter>';

  private map: [key: Template, value: Template][] = [];
  private removers: RecordAccessor[] = [];
  private hostname = '';
  private readonly warnThrottle = new LogThrottle();
  private lastTag: string | undefined;
  private values: PlaceholderValues | undefined;

  override configure(el: ConfigElement): void {
    super.configure(el);
    const c = this.config;
    if (c.keep_keys && !c.renew_record)
      throw new ConfigError('`renew_record` must be true to use `keep_keys`');
    for (const sec of c.record) {
      const rec = sec.$element;
      for (const [k, prm] of rec.params) {
        rec.used.add(k);
        const key = this.compile(k, true);
        this.map.push([key, this.compile(this.parseValue(prm.value ?? ''), false)]);
      }
    }
    this.removers = (c.remove_keys ?? []).map((k: string) => recordAccessor(k));
    this.hostname = os.hostname();
  }

  /** `{...}` / `[...]` values are JSON (a failure keeps the text, with Fluentd's warning). */
  private parseValue(text: string): unknown {
    if (!text.startsWith('{') && !text.startsWith('[')) return text;
    try {
      return JSON.parse(text);
    } catch (e) {
      this.log.warn(`failed to parse ${text} as json. Assuming ${text} is a string`, { error: e as Error });
      return text;
    }
  }

  private compile(value: unknown, forceString: boolean): Template {
    if (typeof value === 'string') return this.compileString(value, forceString);
    if (Array.isArray(value)) {
      const items = value.map((x) => this.compile(x, false));
      return (v) => items.map((f) => f(v));
    }
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value).map(
        ([k, x]) => [this.compile(k, true), this.compile(x, false)] as const,
      );
      return (v) => {
        const o: Rec = {};
        for (const [kf, vf] of entries) o[kf(v) as string] = vf(v);
        return o;
      };
    }
    return () => value;
  }

  private resolver(token: string): Resolver {
    return this.config.enable_ruby ? rubyExpression(token.slice(2, -1)) : plainPlaceholder(token);
  }

  private compileString(s: string, forceString: boolean): Template {
    const ruby = this.config.enable_ruby;
    const parts = s.split(ruby ? RUBY_TOKEN : TOKEN);
    if (parts.length === 1) return () => s;
    if (
      this.config.auto_typecast &&
      !forceString &&
      parts.length === 3 &&
      parts[0] === '' &&
      parts[2] === ''
    ) {
      const r = this.resolver(parts[1]!);
      const token = parts[1]!;
      return (v) => {
        const x = r(v);
        return x === UNKNOWN ? this.unknown(token) : x;
      };
    }
    const pieces: (string | [Resolver, string])[] = parts.map((t, i) => (i % 2 ? [this.resolver(t), t] : t));
    return (v) => {
      let out = '';
      for (const piece of pieces) {
        if (typeof piece === 'string') out += piece;
        else {
          const x = piece[0](v);
          out += x === UNKNOWN ? (this.unknown(piece[1]) ?? '') : rubyToS(x);
        }
      }
      return out;
    };
  }

  private unknown(token: string): null {
    if (this.warnThrottle.allow(token) >= 0) this.log.warn(`unknown placeholder \`${token}\` found`);
    return null;
  }

  private valuesFor(tag: string): PlaceholderValues {
    if (this.values && this.lastTag === tag) return this.values;
    const parts = tag.split('.');
    // Ruby's split drops trailing empty fields.
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    const prefix: string[] = [];
    const suffix: string[] = new Array(parts.length);
    for (let i = 0; i < parts.length; i++) prefix.push(i ? `${prefix[i - 1]}.${parts[i]}` : parts[i]!);
    for (let i = parts.length - 1; i >= 0; i--)
      suffix[i] = i === parts.length - 1 ? parts[i]! : `${parts[i]}.${suffix[i + 1]}`;
    this.lastTag = tag;
    this.values = {
      tag,
      tagParts: parts,
      tagPrefix: prefix,
      tagSuffix: suffix,
      hostname: this.hostname,
      sec: 0,
      nsec: 0,
      record: {},
    };
    return this.values;
  }

  override filterStream(tag: string, es: EventStream): EventStream {
    const v = this.valuesFor(tag);
    const out = new EventStream();
    const { renew_record, keep_keys, renew_time_key } = this.config;
    for (let i = 0; i < es.length; i++) {
      const record = es.records[i]!;
      let sec = es.secs[i]!;
      let nsec = es.nsecs[i]!;
      try {
        v.record = record;
        v.sec = sec;
        v.nsec = nsec;
        let r: Rec;
        if (renew_record) {
          r = {};
          if (keep_keys)
            for (const k of keep_keys as string[]) if (Object.hasOwn(record, k)) r[k] = record[k];
        } else r = { ...record };
        for (const [kf, vf] of this.map) r[kf(v) as string] = vf(v);
        if (renew_time_key !== undefined && Object.hasOwn(r, renew_time_key)) {
          const t = rubyToF(r[renew_time_key]);
          sec = Math.floor(t);
          nsec = Math.min(999_999_999, Math.floor((t - sec) * 1e9));
        }
        for (const a of this.removers) {
          if (a.nested) r = a.deleteCopy(r);
          else a.delete(r);
        }
        out.add(sec, nsec, r);
      } catch (e) {
        this.ctx.emitErrorEvent(tag, es.secs[i]!, es.nsecs[i]!, record, e as Error);
      }
    }
    return out;
  }
}
