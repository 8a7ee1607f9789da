// EventRouter: one per agent (the root, and each <label>). Holds the ordered rules from the
// agent's <filter> and <match> elements; for a tag, every matching filter joins the pipeline
// and the first matching <match> ends the walk (spec core §2.2). Pipelines are resolved once
// per tag and cached (1024 tags, oldest evicted).

import type { EventStream } from '../core/event-stream.js';
import type { Logger } from '../core/log.js';
import type { Metrics } from '../core/metrics.js';
import type { Emitter, FilterPlugin, OutputPlugin } from '../plugin/types.js';
import type { MatchPattern } from './match.js';

export type Rule =
  | { kind: 'filter'; pattern: MatchPattern; plugin: FilterPlugin }
  | { kind: 'match'; pattern: MatchPattern; plugin: OutputPlugin };

export interface Pipeline {
  filters: FilterPlugin[];
  output: OutputPlugin | undefined;
}

const CACHE_SIZE = 1024;

/** Fluentd warns on the 1st, 2nd, 4th … 256th unmatched emit, then every 512th. */
export function shouldWarnNoMatch(count: number): boolean {
  if (count <= 256) return (count & (count - 1)) === 0;
  return count % 512 === 0;
}

export interface RouterHooks {
  /** Called when an output failed to take a stream; returns true if @ERROR took it. */
  onEmitError(tag: string, es: EventStream, err: Error): boolean;
}

export class EventRouter implements Emitter {
  readonly name: string;
  readonly rules: Rule[] = [];
  private readonly cache = new Map<string, Pipeline>();
  private noMatchCount = 0;
  /** Inside <label @FLUENT_LOG> the no-match warning is suppressed. */
  suppressNoMatch = false;

  constructor(
    name: string,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly hooks: RouterHooks,
  ) {
    this.name = name;
  }

  addFilter(pattern: MatchPattern, plugin: FilterPlugin): void {
    this.rules.push({ kind: 'filter', pattern, plugin });
    this.cache.clear();
  }

  addMatch(pattern: MatchPattern, plugin: OutputPlugin): void {
    this.rules.push({ kind: 'match', pattern, plugin });
    this.cache.clear();
  }

  pipeline(tag: string): Pipeline {
    let pl = this.cache.get(tag);
    if (pl) return pl;
    const filters: FilterPlugin[] = [];
    let output: OutputPlugin | undefined;
    for (const r of this.rules) {
      if (!r.pattern.match(tag)) continue;
      if (r.kind === 'filter') filters.push(r.plugin);
      else {
        output = r.plugin;
        break;
      }
    }
    pl = { filters, output };
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(tag, pl);
    return pl;
  }

  /** Run the filters; returns the stream for the output, or undefined when nothing is left. */
  private filtered(tag: string, es: EventStream, pl: Pipeline): EventStream | undefined {
    let s: EventStream | null = es;
    for (const f of pl.filters) {
      s = f.filterStream(tag, s);
      if (!s || s.length === 0) return undefined;
    }
    return s;
  }

  private noMatch(tag: string, n: number): void {
    this.metrics.inc('router.unmatched_events', n);
    if (this.suppressNoMatch) return;
    this.noMatchCount++;
    if (shouldWarnNoMatch(this.noMatchCount)) this.log.warn(`no patterns matched`, { tag });
    else this.log.trace(`no patterns matched`, { tag });
  }

  emitStream(tag: string, es: EventStream): boolean {
    const pl = this.pipeline(tag);
    let s: EventStream | undefined;
    try {
      s = this.filtered(tag, es, pl);
    } catch (e) {
      this.hooks.onEmitError(tag, es, e as Error);
      return true;
    }
    if (!s) return true;
    if (!pl.output) {
      this.noMatch(tag, s.length);
      return true;
    }
    const out = pl.output;
    const stream = s;
    try {
      const r = out.emit(tag, stream);
      if (r) r.catch((e: Error) => this.hooks.onEmitError(tag, stream, e));
    } catch (e) {
      this.hooks.onEmitError(tag, stream, e as Error);
    }
    return !out.overHighWater();
  }

  /**
   * Resolves when the output holds the events durably; rejects when it refused them and
   * no @ERROR label took them (the input must not acknowledge).
   */
  async emitStreamDurable(tag: string, es: EventStream): Promise<void> {
    const pl = this.pipeline(tag);
    let s: EventStream | undefined;
    try {
      s = this.filtered(tag, es, pl);
    } catch (e) {
      if (!this.hooks.onEmitError(tag, es, e as Error)) throw e;
      return;
    }
    if (!s) return;
    if (!pl.output) {
      this.noMatch(tag, s.length);
      return;
    }
    try {
      await pl.output.emit(tag, s);
    } catch (e) {
      if (!this.hooks.onEmitError(tag, s, e as Error)) throw e;
    }
  }

  overHighWater(): boolean {
    for (const r of this.rules) if (r.kind === 'match' && r.plugin.overHighWater()) return true;
    return false;
  }

  onDrain(cb: () => void): void {
    const busy = new Set<OutputPlugin>();
    for (const r of this.rules) if (r.kind === 'match' && r.plugin.overHighWater()) busy.add(r.plugin);
    if (busy.size === 0) {
      setImmediate(cb);
      return;
    }
    let left = busy.size;
    for (const o of busy) {
      o.onDrain(() => {
        if (--left === 0) cb();
      });
    }
  }

  outputs(): OutputPlugin[] {
    return this.rules.filter((r) => r.kind === 'match').map((r) => r.plugin as OutputPlugin);
  }
}
