// Base classes implementing the contract in types.ts. A plugin extends one of them, declares
// `static params` and reads `this.config` (typed from the declarations) after configure().

import type { ConfigElement } from '../config/element.js';
import { configureParams, type InferConfig, type ParamDecls, sectionPath } from '../config/params.js';
import { EventStream, type Rec } from '../core/event-stream.js';
import type { Logger } from '../core/log.js';
import type {
  FilterPlugin,
  InputPlugin,
  OutputPlugin,
  PluginClass,
  PluginContext,
  PluginKind,
} from './types.js';

export abstract class PluginBase<P extends ParamDecls = ParamDecls> {
  static readonly type: string;
  static readonly kind: PluginKind;
  static readonly params: ParamDecls = {};
  readonly ctx: PluginContext;
  readonly log: Logger;
  config!: InferConfig<P>;
  element!: ConfigElement;

  constructor(ctx: PluginContext) {
    this.ctx = ctx;
    this.log = ctx.log;
  }

  get type(): string {
    return (this.constructor as PluginClass).type;
  }

  /** Reads the declared params. Subclasses that override call super.configure(el) first. */
  configure(el: ConfigElement): void {
    this.element = el;
    el.owner = `${this.type} plugin`;
    const decls = (this.constructor as unknown as { params: P }).params;
    this.config = configureParams(el, decls, this.ctx.configureContext);
  }

  /** The `<match x> @type y` path for messages. */
  where(): string {
    return sectionPath(this.element);
  }

  start(): void | Promise<void> {}
  stop(): void | Promise<void> {}
  shutdown(): void | Promise<void> {}
}

export abstract class Input<P extends ParamDecls = ParamDecls> extends PluginBase<P> implements InputPlugin {
  static override readonly kind: PluginKind = 'input';
  get emitter() {
    return this.ctx.emitter;
  }
}

export abstract class Filter<P extends ParamDecls = ParamDecls>
  extends PluginBase<P>
  implements FilterPlugin
{
  static override readonly kind: PluginKind = 'filter';

  /** Per-record form: return the (possibly new) record, or null to drop it. */
  filter(_tag: string, _sec: number, _nsec: number, record: Rec): Rec | null {
    return record;
  }

  get streamFilter(): boolean {
    return this.filterStream !== Filter.prototype.filterStream;
  }

  /**
   * Default stream form built on filter(). A record whose filter() throws is reported through
   * emitErrorEvent and passes on unchanged (Fluentd's optimized-chain rule, spec core §2.2).
   */
  filterStream(tag: string, es: EventStream): EventStream | null {
    const n = es.length;
    let out: Rec[] | undefined;
    let keep: number[] | undefined;
    for (let i = 0; i < n; i++) {
      const rec = es.records[i]!;
      let r: Rec | null;
      try {
        r = this.filter(tag, es.secs[i]!, es.nsecs[i]!, rec);
      } catch (e) {
        this.ctx.emitErrorEvent(tag, es.secs[i]!, es.nsecs[i]!, rec, e as Error);
        r = rec;
      }
      if (r === null) {
        if (!keep) {
          keep = [];
          for (let j = 0; j < i; j++) keep.push(j);
        }
        continue;
      }
      if (keep) keep.push(i);
      if (r !== rec) {
        if (!out) out = es.records.slice();
        out[i] = r;
      }
    }
    if (!keep && !out) return es;
    const records = out ?? es.records;
    if (!keep) return new EventStream(es.secs, es.nsecs, records);
    const res = new EventStream();
    for (const i of keep) res.add(es.secs[i]!, es.nsecs[i]!, records[i]!);
    return res;
  }
}

/** Unbuffered output: process() each batch. Buffered outputs use the output runner. */
export abstract class Output<P extends ParamDecls = ParamDecls>
  extends PluginBase<P>
  implements OutputPlugin
{
  static override readonly kind: PluginKind = 'output';
  private drainWaiters: (() => void)[] = [];

  abstract process(tag: string, es: EventStream): void | Promise<void>;

  emit(tag: string, es: EventStream): void | Promise<void> {
    return this.process(tag, es);
  }

  overHighWater(): boolean {
    return false;
  }

  onDrain(cb: () => void): void {
    this.drainWaiters.push(cb);
  }

  /** Subclasses call this when they can take events again. */
  protected drained(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const cb of w) cb();
  }

  async flushAll(): Promise<void> {}
}
