// filter_grep: keeps or drops records by regular expressions on fields (spec plugins §7.2).
//
//   <regexp> key $.kubernetes.ns  pattern /^prod/ </regexp>   keep if it matches   (several = AND)
//   <exclude> key level  pattern /debug/ </exclude>           drop if it matches   (several = OR)
//   <and> <regexp>… or <exclude>… </and>                      AND group (never both kinds)
//   <or>  <regexp>… or <exclude>… </or>                       OR group
//   regexp1 "key pattern" … regexp20, exclude1 … exclude20    deprecated flat forms
//
// Evaluation per record: every AND-regexp matches → some OR-regexp matches (if any) → not all
// AND-excludes match (if any) → no OR-exclude matches. The field is read with a record accessor
// and stringified like Ruby's to_s (a missing field is "", so /^$/ matches it). A lookup that
// throws (digging into a string) keeps the record and logs "failed to grep events", as Fluentd.

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { Rec } from '../core/event-stream.js';
import { LogThrottle } from '../core/log.js';
import { translateRubyRegexp } from '../core/ruby-regexp.js';
import { type RecordAccessor, recordAccessor } from '../helpers/record-accessor.js';
import { Filter } from '../plugin/base.js';
import { rubyToS } from './support/ruby-text.js';

const REGEXP_MAX_NUM = 20;

const condParams = {
  key: p.string({ required: true, desc: 'The field (record accessor syntax) the pattern is applied to.' }),
  pattern: p.regexp({ required: true, desc: 'The regular expression.' }),
} as const;

const groupParams = {
  regexp: p.section(condParams, { multi: true, desc: 'Keep records whose field matches.' }),
  exclude: p.section(condParams, { multi: true, desc: 'Drop records whose field matches.' }),
} as const;

function legacyParams(): Record<string, ReturnType<typeof p.string>> {
  const out: Record<string, ReturnType<typeof p.string>> = {};
  for (let i = 1; i <= REGEXP_MAX_NUM; i++) {
    out[`regexp${i}`] = p.string({
      deprecated: 'Use <regexp> section',
      desc: `"key pattern" to keep (legacy).`,
    });
  }
  for (let i = 1; i <= REGEXP_MAX_NUM; i++) {
    out[`exclude${i}`] = p.string({
      deprecated: 'Use <exclude> section',
      desc: `"key pattern" to drop (legacy).`,
    });
  }
  return out;
}

const params = {
  ...legacyParams(),
  regexp: p.section(condParams, {
    multi: true,
    desc: 'Keep records whose field matches (several: all must match).',
  }),
  exclude: p.section(condParams, {
    multi: true,
    desc: 'Drop records whose field matches (several: any drops).',
  }),
  and: p.section(groupParams, {
    multi: true,
    desc: 'All conditions inside must hold (regexp) / match (exclude).',
  }),
  or: p.section(groupParams, { multi: true, desc: 'At least one condition inside must match.' }),
} as const;

interface Expression {
  accessor: RecordAccessor;
  pattern: RegExp;
}

function matches(e: Expression, record: Rec): boolean {
  e.pattern.lastIndex = 0;
  return e.pattern.test(rubyToS(e.accessor.get(record)));
}

/** The flat forms use Ruby's Regexp.compile on the text: no `/.../` delimiters, no flags. */
function compileLegacy(src: string, name: string): RegExp {
  try {
    return new RegExp(translateRubyRegexp(src), 'm');
  } catch (e) {
    throw new ConfigError(`${name}: invalid regexp ${src}: ${(e as Error).message}`);
  }
}

/** Ordered map key → expression; a second use of the key in the same group is an error. */
class Group {
  readonly byKey = new Map<string, Expression>();
  add(key: string, pattern: RegExp, dup: string): void {
    if (this.byKey.has(key)) throw new ConfigError(dup);
    this.byKey.set(key, { accessor: recordAccessor(key), pattern });
  }
  list(): Expression[] | undefined {
    return this.byKey.size ? [...this.byKey.values()] : undefined;
  }
}

export class GrepFilter extends Filter<typeof params> {
  static override readonly type = 'grep';
  static override readonly params = params;
  static readonly desc = 'Keeps or drops events by matching fields against regular expressions.';
  static readonly example =
    '<filter app.**>\n  @type grep\n  <regexp>\n    key message\n    pattern /cool/\n  </regexp>\n  <exclude>\n    key status\n    pattern /^5\\d\\d$/\n  </exclude>\n</filter>';

  private regexpAnd: Expression[] | undefined;
  private regexpOr: Expression[] | undefined;
  private excludeAnd: Expression[] | undefined;
  private excludeOr: Expression[] | undefined;
  private readonly throttle = new LogThrottle();

  override configure(el: ConfigElement): void {
    super.configure(el);
    const c = this.config as Record<string, any>;
    const regexpAnd = new Group();
    const regexpOr = new Group();
    const excludeAnd = new Group();
    const excludeOr = new Group();
    const legacy = (name: string, group: Group) => {
      const v: string | undefined = c[name];
      if (v === undefined) return;
      const sp = v.indexOf(' ');
      if (sp < 0) throw new ConfigError(`${name} does not contain 2 parameters`);
      const key = v.slice(0, sp);
      const pattern = compileLegacy(v.slice(sp + 1), name);
      group.add(key, pattern, `${name} contains a duplicated key, ${key}`);
    };
    for (let i = 1; i <= REGEXP_MAX_NUM; i++) legacy(`regexp${i}`, regexpAnd);
    for (let i = 1; i <= REGEXP_MAX_NUM; i++) legacy(`exclude${i}`, excludeOr);

    if (this.config.regexp.length > 1)
      this.log.info("Top level multiple <regexp> is interpreted as 'and' condition");
    for (const e of this.config.regexp) regexpAnd.add(e.key, e.pattern, `Duplicate key: ${e.key}`);
    if (this.config.exclude.length > 1)
      this.log.info("Top level multiple <exclude> is interpreted as 'or' condition");
    for (const e of this.config.exclude) excludeOr.add(e.key, e.pattern, `Duplicate key: ${e.key}`);

    for (const g of this.config.and) {
      if (g.regexp.length && g.exclude.length)
        throw new ConfigError('Do not specify both <regexp> and <exclude> in <and>');
      for (const e of g.regexp) regexpAnd.add(e.key, e.pattern, `Duplicate key in <and>: ${e.key}`);
      for (const e of g.exclude) excludeAnd.add(e.key, e.pattern, `Duplicate key in <and>: ${e.key}`);
    }
    for (const g of this.config.or) {
      if (g.regexp.length && g.exclude.length)
        throw new ConfigError('Do not specify both <regexp> and <exclude> in <or>');
      for (const e of g.regexp) regexpOr.add(e.key, e.pattern, `Duplicate key in <or>: ${e.key}`);
      for (const e of g.exclude) excludeOr.add(e.key, e.pattern, `Duplicate key in <or>: ${e.key}`);
    }
    this.regexpAnd = regexpAnd.list();
    this.regexpOr = regexpOr.list();
    this.excludeAnd = excludeAnd.list();
    this.excludeOr = excludeOr.list();
  }

  override filter(_tag: string, _sec: number, _nsec: number, record: Rec): Rec | null {
    try {
      return this.keep(record) ? record : null;
    } catch (e) {
      if (this.throttle.allow('grep') >= 0) this.log.warn('failed to grep events', { error: e as Error });
      return record;
    }
  }

  private keep(record: Rec): boolean {
    const ra = this.regexpAnd;
    if (ra) for (let i = 0; i < ra.length; i++) if (!matches(ra[i]!, record)) return false;
    const ro = this.regexpOr;
    if (ro) {
      let any = false;
      for (let i = 0; i < ro.length && !any; i++) any = matches(ro[i]!, record);
      if (!any) return false;
    }
    const ea = this.excludeAnd;
    if (ea) {
      let all = true;
      for (let i = 0; i < ea.length && all; i++) all = matches(ea[i]!, record);
      if (all) return false;
    }
    const eo = this.excludeOr;
    if (eo) for (let i = 0; i < eo.length; i++) if (matches(eo[i]!, record)) return false;
    return true;
  }
}
