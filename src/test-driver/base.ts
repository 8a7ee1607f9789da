// Common part of the test drivers (DESIGN.md §9): configure a real plugin from a config string,
// capture what it emits and logs, run it with explicit stop conditions and a hard timeout.
//
//   const d = new InputTestDriver(SampleInput, 'tag t\nrate 100');
//   await d.run({ expectRecords: 5 });            // start, wait for 5 records, stop + shutdown
//   d.events()                                    // [{ tag, sec, nsec, record }, ...]
//
// run() never sleeps: it resolves the moment the condition holds (checked on every capture and
// on a short poll for conditions that depend on other state) or throws after timeoutMs.

import { ConfigElement } from '../config/element.js';
import { parseConfig } from '../config/parser.js';
import { EventStream, type Rec } from '../core/event-stream.js';
import { Logger, type LogLevel, LogSink } from '../core/log.js';
import {
  createPlugin,
  type InstantiateOptions,
  instantiatePlugin,
  normalizeLegacyReserved,
} from '../plugin/instantiate.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { OutputPlugin, Plugin, PluginClass, SystemConfig } from '../plugin/types.js';
import { builtinRegistry } from '../plugins/index.js';
import { type CapturedError, type CapturedEvent, CaptureStore, CapturingEmitter } from './capture.js';

export interface DriverOptions {
  /** Registry used for nested outputs (copy's <store>). Default: the built-ins. */
  registry?: PluginRegistry;
  /** Log level of the captured logger. Default: trace (everything is captured). */
  logLevel?: LogLevel;
  system?: Partial<SystemConfig>;
  /** File name used in config error positions. Default `test.conf`. */
  file?: string;
}

export interface RunOptions {
  /** Stop once this many emit calls happened during this run. */
  expectEmits?: number;
  /** Stop once this many records were captured during this run. */
  expectRecords?: number;
  /** Stop once this returns true (checked on every capture and every few milliseconds). */
  until?: () => boolean;
  /** Hard limit for the body plus the wait. Default 10 000 ms. */
  timeoutMs?: number;
  /** Start the plugin first (default true; skipped if it is already running). */
  start?: boolean;
  /** Stop and shut the plugin down afterwards (default true). */
  shutdown?: boolean;
}

const POLL_MS = 5;

/** Parses a driver config; wraps it in `<directive arg>` unless it already is one. */
export function driverElement(
  config: string | ConfigElement,
  directive: string,
  arg: string,
  file: string,
): ConfigElement {
  if (config instanceof ConfigElement) return config;
  const root = parseConfig(config, file);
  const only = root.elements[0];
  if (root.params.size === 0 && root.elements.length === 1 && only && only.name === directive) return only;
  const head = arg ? `<${directive} ${arg}>` : `<${directive}>`;
  const wrapped = parseConfig(`${head}\n${config}\n</${directive}>`, file);
  return wrapped.elements[0]!;
}

/** Builds EventStreams from the shapes tests like to write. */
export type EventsInput = EventStream | (Rec | [sec: number, nsec: number, record: Rec])[];

export function toStream(input: EventsInput, sec: number, nsec: number): EventStream {
  if (input instanceof EventStream) return input;
  const es = new EventStream();
  for (const item of input) {
    if (Array.isArray(item)) es.add(item[0], item[1], item[2]);
    else es.add(sec, nsec, item);
  }
  return es;
}

export abstract class TestDriver<P extends Plugin> {
  readonly instance: P;
  readonly element: ConfigElement;
  readonly sink: LogSink;
  readonly log: Logger;
  readonly store = new CaptureStore();
  /** The plugin's emitter (its `@label`'s, or the root's). */
  readonly emitter: CapturingEmitter;
  /** The root router's stand-in. */
  readonly rootEmitter: CapturingEmitter;
  readonly labels = new Map<string, CapturingEmitter>();
  readonly registry: PluginRegistry;
  private started = false;
  private stopped = false;

  constructor(
    cls: PluginClass<P>,
    config: string | ConfigElement,
    directive: string,
    arg: string,
    opts: DriverOptions = {},
  ) {
    this.sink = new LogSink();
    this.sink.captured = [];
    this.log = new Logger({ sink: this.sink, level: opts.logLevel ?? 'trace' });
    this.registry = opts.registry ?? builtinRegistry();
    this.element = driverElement(config, directive, arg, opts.file ?? 'test.conf');
    const warn = (m: string) => this.log.warn(m);
    normalizeLegacyReserved(this.element, warn);
    const label = this.element.params.get('@label')?.value ?? undefined;
    this.rootEmitter = new CapturingEmitter(this.store);
    this.emitter = label ? this.labelEmitter(label) : this.rootEmitter;
    const ctxOpts: InstantiateOptions = {
      log: this.log,
      emitter: this.rootEmitter,
      labelEmitter: (name) => this.labelEmitter(name),
      emitErrorEvent: (tag, sec, nsec, record, error) => this.store.addError(tag, sec, nsec, record, error),
      createOutput: (el, parents) =>
        instantiatePlugin<OutputPlugin>(this.registry, 'output', el, { ...ctxOpts, parents: parents ?? [] }),
      warn,
      ...(opts.system ? { system: opts.system } : {}),
    };
    // createPlugin resolves @label through labelEmitter, as the engine does.
    this.instance = createPlugin(cls, this.element, ctxOpts);
  }

  /** The capturing emitter of a label (created on first use). */
  labelEmitter(name: string): CapturingEmitter {
    if (name === '@ROOT') return this.rootEmitter;
    let e = this.labels.get(name);
    if (!e) {
      e = new CapturingEmitter(this.store, name);
      this.labels.set(name, e);
    }
    return e;
  }

  /** Every captured event since the driver was made (or since clear()). */
  events(): CapturedEvent[] {
    return this.store.events.slice();
  }

  records(): Rec[] {
    return this.store.events.map((e) => e.record);
  }

  /** Events reported through emitErrorEvent (to @ERROR or the error log). */
  errorEvents(): CapturedError[] {
    return this.store.errors.slice();
  }

  /** Number of emit calls captured. */
  emitCount(): number {
    return this.store.emits;
  }

  /** Captured log lines (the plugin's log, and stdout output written through the logger). */
  logs(): string[] {
    return this.sink.captured!.slice();
  }

  clear(): void {
    this.store.clear();
    this.sink.captured!.length = 0;
  }

  get isStarted(): boolean {
    return this.started && !this.stopped;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.instance.start();
  }

  /** stop() then shutdown(), once. */
  async shutdown(): Promise<void> {
    if (!this.started || this.stopped) return;
    this.stopped = true;
    await this.instance.stop();
    await this.instance.shutdown();
  }

  async run<T>(opts: RunOptions = {}, body?: () => T | Promise<T>): Promise<T | undefined> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const emits0 = this.store.emits;
    const records0 = this.store.events.length;
    const conds: (() => boolean)[] = [];
    const wants: string[] = [];
    if (opts.expectEmits !== undefined) {
      const n = opts.expectEmits;
      conds.push(() => this.store.emits - emits0 >= n);
      wants.push(`${n} emits`);
    }
    if (opts.expectRecords !== undefined) {
      const n = opts.expectRecords;
      conds.push(() => this.store.events.length - records0 >= n);
      wants.push(`${n} records`);
    }
    if (opts.until) {
      conds.push(opts.until);
      wants.push('the until() condition');
    }
    const describe = () => {
      const got = `got ${this.store.emits - emits0} emits, ${this.store.events.length - records0} records`;
      const what = wants.length ? `waiting for ${wants.join(' and ')}` : 'running the body';
      return `test driver timed out after ${timeoutMs} ms ${what} (${got})`;
    };
    const deadline = new Deadline(timeoutMs, describe);
    let result: T | undefined;
    try {
      if (opts.start !== false) await deadline.race(this.start());
      if (body) result = await deadline.race(Promise.resolve().then(body));
      if (conds.length) await deadline.race(this.waitFor(() => conds.every((c) => c()), deadline));
    } finally {
      deadline.cancel();
      if (opts.shutdown !== false) await this.shutdown();
    }
    return result;
  }

  /** Resolves when cond() holds: re-checked on every capture and every few milliseconds. */
  private waitFor(cond: () => boolean, deadline: Deadline): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        unsubscribe();
        clearInterval(poll);
      };
      const check = () => {
        if (!cond()) return;
        done();
        resolve();
      };
      const unsubscribe = this.store.subscribe(check);
      const poll = setInterval(check, POLL_MS);
      deadline.onExpire(done);
    });
  }
}

/** A hard timeout shared by the steps of one run(). */
class Deadline {
  private readonly timer: NodeJS.Timeout;
  private readonly expired: Promise<never>;
  private readonly hooks: (() => void)[] = [];

  constructor(ms: number, message: () => string) {
    let fail!: (e: Error) => void;
    this.expired = new Promise<never>((_, reject) => {
      fail = reject;
    });
    this.expired.catch(() => {});
    this.timer = setTimeout(() => {
      for (const h of this.hooks) h();
      fail(new Error(message()));
    }, ms);
  }

  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.expired]);
  }

  onExpire(fn: () => void): void {
    this.hooks.push(fn);
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
