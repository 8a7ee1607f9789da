// Building PluginContexts. The engine builds one per plugin instance; test drivers build one
// with a capturing emitter. Nothing here does I/O.

import type { ConfigElement } from '../config/element.js';
import { EventStream, type Rec } from '../core/event-stream.js';
import { Logger } from '../core/log.js';
import type { Emitter, OutputPlugin, PipelineView, PluginContext, SystemConfig } from './types.js';

export function defaultSystemConfig(): SystemConfig {
  return {
    workers: 1,
    rootDir: undefined,
    logLevel: 'info',
    strictConfigValue: false,
    suppressConfigDump: false,
    withoutSource: false,
    emitErrorLogInterval: undefined,
    filePermission: 0o644,
    dirPermission: 0o755,
    enableMsgpackTimeSupport: false,
    processName: undefined,
    enableInputMetrics: false,
    enableSizeMetrics: false,
  };
}

let objectIdSeq = 0x5dc;
/** Fluentd-style generated id for plugins without `@id`. */
export function generatedPluginId(): string {
  return `object:${(objectIdSeq++).toString(16)}`;
}

/** An emitter that drops everything (for plugins that never emit). */
export const nullEmitter: Emitter = {
  emitStream: () => true,
  emitStreamDurable: async () => {},
  onDrain: (cb) => setImmediate(cb),
  overHighWater: () => false,
};

export interface ContextOptions {
  log?: Logger;
  id?: string;
  workerId?: number;
  system?: Partial<SystemConfig>;
  emitter?: Emitter;
  labelEmitter?: (label: string) => Emitter;
  emitErrorEvent?: (tag: string, sec: number, nsec: number, record: Rec, error: Error) => void;
  createOutput?: (el: ConfigElement, parents?: string[]) => OutputPlugin;
  warn?: (message: string) => void;
  pipeline?: () => PipelineView;
}

export function makePluginContext(o: ContextOptions = {}): PluginContext {
  const system = { ...defaultSystemConfig(), ...o.system };
  const id = o.id ?? generatedPluginId();
  const log = o.log ?? new Logger();
  const workerId = o.workerId ?? 0;
  return {
    log,
    id,
    hasExplicitId: o.id !== undefined,
    workerId,
    system,
    configureContext: { strict: system.strictConfigValue, warn: o.warn ?? ((m) => log.warn(m)) },
    emitter: o.emitter ?? nullEmitter,
    labelEmitter:
      o.labelEmitter ??
      ((label) => {
        throw new Error(`${label} label not found`);
      }),
    emitErrorEvent:
      o.emitErrorEvent ??
      ((tag, sec, _nsec, record, error) =>
        log.warn('dump an error event:', { error, location: null, tag, time: sec, record })),
    createOutput:
      o.createOutput ??
      (() => {
        throw new Error('nested outputs are not available in this context');
      }),
    pipeline: o.pipeline ?? (() => ({ plugins: [], outputFor: () => undefined })),
    pluginRootDir:
      system.rootDir && o.id !== undefined ? `${system.rootDir}/worker${workerId}/${o.id}` : undefined,
  };
}

/** A stream of one record at the current time (handy for inputs and tests). */
export function streamOfNow(record: Rec): EventStream {
  const ms = Date.now();
  return EventStream.one(Math.floor(ms / 1000), (ms % 1000) * 1e6, record);
}
