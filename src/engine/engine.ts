// Engine: builds one worker's pipeline from a parsed config and runs it.
//
//   new Engine(root, opts)   configure everything: pure, no I/O (--dry-run stops here)
//   start()                  outputs, then filters, then inputs
//   stop()                   inputs stop reading; outputs shut down (flushing per config)
//   flushAll()               SIGUSR1
//
// Elements of this worker = top-level source/match/filter/label, then the contents of each
// <worker N[-M]> block that lists this worker (appended after, spec core §1.3).

import type { ConfigElement } from '../config/element.js';
import { sectionPath } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { EventStream, type Rec } from '../core/event-stream.js';
import { type Logger, LogThrottle } from '../core/log.js';
import { Metrics } from '../core/metrics.js';
import { instantiatePlugin } from '../plugin/instantiate.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type {
  Emitter,
  FilterPlugin,
  InputPlugin,
  OutputPlugin,
  PipelinePlugin,
  PipelineView,
  Plugin,
  PluginKind,
  SystemConfig,
} from '../plugin/types.js';
import { attachFluentLog } from './fluent-log.js';
import { countingEmitter } from './input-metrics.js';
import { MatchPattern } from './match.js';
import { EventRouter } from './router.js';
import { type ConfigWarning, collectUnused } from './unused.js';
import { workerElements } from './workers.js';

export interface EngineOptions {
  registry: PluginRegistry;
  log: Logger;
  system: SystemConfig;
  workerId?: number;
  metrics?: Metrics;
  withoutSource?: boolean;
}

export class Engine {
  readonly root: EventRouter;
  readonly labels = new Map<string, EventRouter>();
  readonly inputs: InputPlugin[] = [];
  readonly filters: FilterPlugin[] = [];
  /** Top-level outputs of every <match>; nested ones (copy stores) are owned by their parent. */
  readonly outputs: OutputPlugin[] = [];
  readonly warnings: ConfigWarning[] = [];
  readonly metrics: Metrics;
  private readonly ids = new Set<string>();
  private readonly log: Logger;
  private readonly opts: EngineOptions;
  private readonly emitErrorThrottle: LogThrottle;
  private readonly pluginElements: ConfigElement[] = [];
  private readonly view: PipelinePlugin[] = [];
  private currentLabel = '';
  private detachFluentLog: (() => void) | undefined;
  private state: 'configured' | 'running' | 'stopped' = 'configured';

  constructor(rootEl: ConfigElement, opts: EngineOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.metrics = opts.metrics ?? new Metrics();
    this.emitErrorThrottle = new LogThrottle((opts.system.emitErrorLogInterval ?? 0) * 1000);
    const hooks = { onEmitError: (tag: string, es: EventStream, e: Error) => this.onEmitError(tag, es, e) };
    this.root = new EventRouter('@ROOT', this.log, this.metrics, hooks);
    const elements = workerElements(rootEl, opts.system.workers, opts.workerId ?? 0);

    // All labels exist before any plugin is configured, so forward references work.
    const labelEls = elements.filter((e) => e.name === 'label');
    for (const el of labelEls) {
      el.consumed = true;
      const name = el.arg;
      if (!name) throw new ConfigError('Missing symbol argument on <label> directive', { pos: el.pos });
      if (name === '@ROOT')
        throw new ConfigError('@ROOT for <label> is not permitted, reserved for getting root router', {
          pos: el.pos,
        });
      if (this.labels.has(name))
        throw new ConfigError(`Section <label ${name}> appears twice`, { pos: el.pos });
      if (el.children('match').length === 0) {
        throw new ConfigError(`Missing <match> sections in <label ${name}> section`, { pos: el.pos });
      }
      const r = new EventRouter(name, this.log, this.metrics, hooks);
      if (name === '@FLUENT_LOG') r.suppressNoMatch = true;
      this.labels.set(name, r);
    }

    const withoutSource = opts.withoutSource || opts.system.withoutSource;
    for (const el of elements) {
      if (el.name === 'source') {
        el.consumed = true;
        if (withoutSource) continue;
        const p = this.instantiate('input', el, [], this.root) as InputPlugin;
        this.inputs.push(p);
        this.log.info('adding source', { type: el.params.get('@type')?.value });
      } else if (el.name === 'match' || el.name === 'filter') {
        this.addRule(el, this.root, '');
      } else if (el.name === 'label') {
        const r = this.labels.get(el.arg)!;
        this.currentLabel = el.arg;
        for (const c of el.elements) {
          if (c.name === 'match' || c.name === 'filter') this.addRule(c, r, el.arg);
          else
            this.warnings.push({
              message: `section ${c.head()} is not used in <label ${el.arg}>`,
              pos: c.pos,
            });
        }
      } else if (el.name !== 'system' && el.name !== 'worker') {
        this.warnings.push({ message: `section ${el.head()} is not used`, pos: el.pos });
      }
    }
    this.currentLabel = '';
    for (const el of this.pluginElements) collectUnused(el, this.warnings);
  }

  /** Plugins in Fluentd's monitor order: per label (top level first) inputs, outputs, filters. */
  pipelineView(): PipelineView {
    const order = { input: 0, output: 1, filter: 2 } as const;
    const labels = ['', ...this.labels.keys()];
    const plugins = [...this.view].sort(
      (a, b) => labels.indexOf(a.label) - labels.indexOf(b.label) || order[a.category] - order[b.category],
    );
    return { plugins, outputFor: (tag) => this.root.pipeline(tag).output };
  }

  private addRule(el: ConfigElement, router: EventRouter, label: string): void {
    el.consumed = true;
    const pattern = new MatchPattern(el.arg);
    const kind = el.name === 'match' ? 'output' : 'filter';
    const plugin = this.instantiate(kind, el, [], router);
    const where = label ? ` in ${label}` : '';
    this.log.info(`adding ${el.name}${where}`, {
      pattern: el.arg || '**',
      type: el.params.get('@type')?.value,
    });
    if (kind === 'output') {
      router.addMatch(pattern, plugin as OutputPlugin);
      this.outputs.push(plugin as OutputPlugin);
    } else {
      router.addFilter(pattern, plugin as FilterPlugin);
      this.filters.push(plugin as FilterPlugin);
    }
  }

  private labelRouter(name: string): Emitter {
    if (name === '@ROOT') return this.root;
    const r = this.labels.get(name);
    if (!r) throw new ConfigError(`${name} label not found`);
    return r;
  }

  /** Create and configure one plugin (also used for nested outputs such as copy's <store>). */
  private instantiate(kind: PluginKind, el: ConfigElement, parents: string[], router: Emitter): Plugin {
    const sys = this.opts.system;
    const counters =
      kind === 'input' && sys?.enableInputMetrics ? { emit_records: 0, emit_size: 0 } : undefined;
    const wrap = (e: Emitter) =>
      counters ? countingEmitter(e, counters, sys?.enableSizeMetrics === true) : e;
    const plugin = instantiatePlugin(this.opts.registry, kind, el, {
      parents,
      log: this.log,
      workerId: this.opts.workerId ?? 0,
      system: sys,
      emitter: wrap(router),
      labelEmitter: (name) => wrap(this.labelRouter(name)),
      emitErrorEvent: (tag, sec, nsec, rec, err) => this.emitErrorEvent(tag, sec, nsec, rec, err),
      pipeline: () => this.pipelineView(),
      createOutput: (sub, ps) =>
        this.instantiate('output', sub, ps ?? [...parents, sectionPath(el)], router) as OutputPlugin,
      warn: (m) => this.log.warn(m),
    });
    if (plugin.ctx.hasExplicitId) {
      const id = plugin.ctx.id;
      if (this.ids.has(id)) {
        throw new ConfigError(`Duplicated plugin id \`${id}\`. Check whole configuration and fix it.`, {
          pos: el.params.get('@id')!.pos,
        });
      }
      this.ids.add(id);
    }
    if (parents.length === 0) this.pluginElements.push(el);
    const category = kind === 'input' ? 'input' : kind === 'filter' ? 'filter' : 'output';
    this.view.push({
      plugin,
      category,
      type: el.params.get('@type')?.value ?? '',
      label: this.currentLabel,
      element: el,
      ...(counters ? { counters } : {}),
    });
    return plugin;
  }

  /** A bad record: to @ERROR with its original tag and time, or dumped to the log. */
  emitErrorEvent(tag: string, sec: number, nsec: number, record: Rec, error: Error): void {
    this.metrics.inc('router.error_events');
    const err = this.labels.get('@ERROR');
    if (err) {
      this.log.warn('send an error event to @ERROR:', { error, location: null, tag, time: sec });
      err.emitStream(tag, EventStream.one(sec, nsec, record));
      return;
    }
    this.log.warn('dump an error event:', { error, location: null, tag, time: sec, record });
  }

  /** An output refused a stream: to @ERROR (true), or logged (false: the input must not ack). */
  private onEmitError(tag: string, es: EventStream, error: Error): boolean {
    this.metrics.inc('router.emit_errors');
    const err = this.labels.get('@ERROR');
    if (err) {
      this.log.warn('send an error event stream to @ERROR:', { error, location: null, tag });
      err.emitStream(tag, es);
      return true;
    }
    const suppressed = this.emitErrorThrottle.allow(error.message);
    if (suppressed >= 0) {
      this.log.warn('emit transaction failed:', {
        error,
        location: null,
        tag,
        ...(suppressed ? { suppressed } : {}),
      });
    }
    return false;
  }

  async start(): Promise<void> {
    if (this.state !== 'configured') return;
    this.state = 'running';
    for (const o of this.outputs) await o.start();
    for (const f of this.filters) await f.start();
    this.detachFluentLog = attachFluentLog(this.log, this.labels.get('@FLUENT_LOG'), this.root);
    for (const i of this.inputs) await i.start();
  }

  /** Graceful stop: inputs first, then outputs flush per their settings. */
  async stop(): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    const each = async (ps: Plugin[], fn: (p: Plugin) => void | Promise<void>, what: string) => {
      for (const p of ps) {
        try {
          await fn(p);
        } catch (e) {
          this.log.error(`unexpected error while ${what}`, { plugin_id: p.ctx.id, error: e as Error });
        }
      }
    };
    await each(this.inputs, (p) => p.stop(), 'stopping input');
    this.detachFluentLog?.();
    for (const i of this.inputs)
      this.log.info('shutting down input plugin', { type: (i as any).type, plugin_id: i.ctx.id });
    await each(this.inputs, (p) => p.shutdown(), 'shutting down input');
    await each(this.filters, (p) => p.stop(), 'stopping filter');
    await each(this.outputs, (p) => p.stop(), 'stopping output');
    for (const o of this.outputs)
      this.log.info('shutting down output plugin', { type: (o as any).type, plugin_id: o.ctx.id });
    await each(this.outputs, (p) => p.shutdown(), 'shutting down output');
    await each(this.filters, (p) => p.shutdown(), 'shutting down filter');
  }

  async flushAll(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.flushAll()));
  }
}
