// `<group>` line rate limits (Fluentd's group_watch): a file's path is matched against
// `pattern`; its named captures pick the first `<rule>` whose `match` regexps all match (rules
// with more keys first), else the default group (no limit). A group's `limit` lines per
// `rate_period` are shared equally by its files: each may read limit / files lines, then waits
// until rate_period has passed since it started counting. limit 0 stops the group.

import { toRegexp } from '../../config/value-types.js';

interface FileCount {
  lines: number;
  since: number;
}

export class LineGroup {
  readonly files = new Map<string, FileCount>();
  constructor(
    readonly limit: number,
    readonly periodMs: number,
  ) {}

  /** Lines the file may still read now (Infinity: no limit; 0: wait). */
  budget(file: string, now: number): number {
    if (this.limit < 0) return Number.POSITIVE_INFINITY;
    if (this.limit === 0) return 0;
    const c = this.files.get(file);
    if (!c) return 0;
    const share = Math.floor(this.limit / this.files.size);
    if (c.lines < share) return share - c.lines;
    if (now - c.since < this.periodMs) return 0;
    c.lines = 0;
    c.since = now;
    return share;
  }

  /** When a waiting file may read again. */
  resumeAt(file: string): number {
    const c = this.files.get(file);
    return c ? c.since + this.periodMs : 0;
  }

  count(file: string, n: number, now: number): void {
    const c = this.files.get(file);
    if (!c) return;
    if (c.lines === 0 && n > 0) c.since = now;
    c.lines += n;
  }
}

export interface GroupConfig {
  pattern: RegExp;
  rate_period: number;
  rule: { match: Record<string, string> | undefined; limit: number }[];
}

export class GroupLimiter {
  private readonly rules: { match: [string, RegExp][]; group: LineGroup }[];
  private readonly fallback: LineGroup;
  private readonly pattern: RegExp;

  constructor(cfg: GroupConfig) {
    this.pattern = cfg.pattern;
    const periodMs = cfg.rate_period * 1000;
    this.rules = cfg.rule
      .map((r) => {
        if (r.limit < -1) throw new Error('Metadata Group Limit >= DEFAULT_LIMIT');
        const match = Object.entries(r.match ?? { namespace: '/./', podname: '/./' }).map(
          ([k, v]) => [k, toRegexp(String(v), { name: `match.${k}` })] as [string, RegExp],
        );
        return { match, group: new LineGroup(r.limit, periodMs) };
      })
      .sort((a, b) => b.match.length - a.match.length);
    this.fallback = new LineGroup(-1, periodMs);
  }

  groupFor(file: string): LineGroup {
    const m = this.pattern.exec(file);
    const caps = m?.groups;
    if (caps) {
      for (const r of this.rules) {
        if (r.match.every(([k, re]) => caps[k] !== undefined && re.test(caps[k]!))) return r.group;
      }
    }
    return this.fallback;
  }

  add(file: string): LineGroup {
    const g = this.groupFor(file);
    if (!g.files.has(file)) g.files.set(file, { lines: 0, since: Date.now() });
    return g;
  }

  remove(file: string): void {
    this.groupFor(file).files.delete(file);
  }
}
