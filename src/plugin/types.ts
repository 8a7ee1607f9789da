// The plugin contract (DESIGN.md §4). Plugins talk to the engine only through this file.
//
// Lifecycle, driven by the engine:  configure(el) → start() → [events] → stop() → shutdown()
// - configure() is pure: no I/O, no timers, no sockets (so --dry-run and tests can call it).
// - start() takes resources (listen, open files, timers). Inputs start after outputs.
// - stop() stops taking new work (inputs stop reading); shutdown() flushes per config and
//   releases everything. Both are idempotent.
//
// Events move as EventStreams (one tag, many events). An input emits through its Emitter:
//   emitStream(tag, es): boolean     false = past the high-water mark: pause, resume on 'drain'
//   emitStreamDurable(tag, es)       resolves once every output that got the events holds them
//                                    durably (buffered; fsynced for a file buffer) — use it
//                                    before acknowledging (forward ack, HTTP 2xx, tail pos).
// Filters are synchronous. Outputs receive emit(tag, es) and return void or a Promise that
// settles when the events are durable (buffered) or delivered (unbuffered).

import type { ConfigElement } from '../config/element.js';
import type { ConfigureContext } from '../config/params.js';
import type { EventStream, Rec } from '../core/event-stream.js';
import type { Logger } from '../core/log.js';

export type PluginKind = 'input' | 'output' | 'filter' | 'parser' | 'formatter' | 'buffer';

/** The `<system>` values plugins may need. */
export interface SystemConfig {
  workers: number;
  rootDir: string | undefined;
  logLevel: string;
  strictConfigValue: boolean;
  suppressConfigDump: boolean;
  withoutSource: boolean;
  emitErrorLogInterval: number | undefined;
  filePermission: number;
  dirPermission: number;
  enableMsgpackTimeSupport: boolean;
  processName: string | undefined;
  /** Count what each input emits (monitor_agent's emit_records for inputs). */
  enableInputMetrics: boolean;
  /** Also count emit_size (msgpack bytes). */
  enableSizeMetrics: boolean;
}

/** Where an input (or a re-emitting output) sends events. */
export interface Emitter {
  emitStream(tag: string, es: EventStream): boolean;
  emitStreamDurable(tag: string, es: EventStream): Promise<void>;
  /** Called once when the pipeline can take events again after emitStream returned false. */
  onDrain(cb: () => void): void;
  /** True while some output behind this emitter is past its high-water mark. */
  overHighWater(): boolean;
}

/** Reports one bad record (parser failure, filter exception) to `@ERROR` or the log. */
export type ErrorEventSink = (tag: string, sec: number, nsec: number, record: Rec, error: Error) => void;

/** What the engine gives each plugin instance. */
export interface PluginContext {
  readonly log: Logger;
  /** `@id`, or a generated `object:<hex>` id. */
  readonly id: string;
  readonly hasExplicitId: boolean;
  readonly workerId: number;
  readonly system: SystemConfig;
  readonly configureContext: ConfigureContext;
  /** The emitter for this plugin's `@label` (or the root router). Set for inputs and re-emitting outputs. */
  readonly emitter: Emitter;
  /** Look up another label's emitter (out_relabel, copy stores with @label). */
  labelEmitter(label: string): Emitter;
  readonly emitErrorEvent: ErrorEventSink;
  /** Build and configure a nested output from an element (`<store>` of copy, `<secondary>`). */
  createOutput(el: ConfigElement, parents?: string[]): OutputPlugin;
  /** The running pipeline, for monitoring plugins (in_monitor_agent). */
  readonly pipeline: () => PipelineView;
  /** `<root_dir>/worker<N>/<@id>` when root_dir and @id are set. */
  readonly pluginRootDir: string | undefined;
}

export interface PipelinePlugin {
  plugin: Plugin;
  category: 'input' | 'output' | 'filter';
  type: string;
  /** The label it belongs to ('' for the top level). */
  label: string;
  element: ConfigElement;
  /** An input's own counts, when <system> enable_input_metrics is on. */
  counters?: InputCounters;
}

export interface InputCounters {
  emit_records: number;
  emit_size: number;
}

export interface PipelineView {
  /** Fluentd's order: inputs, outputs (incl. nested stores), filters; top level, then labels. */
  plugins: PipelinePlugin[];
  /** The output of the first top-level <match> matching the tag. */
  outputFor(tag: string): OutputPlugin | undefined;
}

export interface PluginClass<T extends Plugin = Plugin> {
  new (ctx: PluginContext): T;
  readonly type: string;
  readonly kind: PluginKind;
  /** Declared params (see config/params.ts). */
  readonly params: Record<string, unknown>;
  readonly desc?: string;
  /** A working example `<source>/<match>/<filter>` config for the generic test and docs. */
  readonly example?: string;
  /** Other `@type` names that select this class (e.g. `dummy` for `sample`). */
  readonly aliases?: readonly string[];
}

export interface Plugin {
  readonly ctx: PluginContext;
  configure(el: ConfigElement): void;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
  shutdown(): void | Promise<void>;
}

export interface InputPlugin extends Plugin {}

export interface FilterPlugin extends Plugin {
  /** Return the same object when nothing changed; an empty stream or null drops everything. */
  filterStream(tag: string, es: EventStream): EventStream | null;
  /** True when the plugin overrides filterStream (Fluentd's non-optimized chain rule). */
  readonly streamFilter: boolean;
}

export interface OutputPlugin extends Plugin {
  /** Take a batch. The returned promise settles when it is durable (buffered) or delivered. */
  emit(tag: string, es: EventStream): void | Promise<void>;
  /** Past the high-water mark: inputs should pause until onDrain fires. */
  overHighWater(): boolean;
  onDrain(cb: () => void): void;
  /** SIGUSR1: enqueue and flush everything buffered now. */
  flushAll(): Promise<void>;
}
