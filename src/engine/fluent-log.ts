// Our own log lines as events (spec core §2.6): with <label @FLUENT_LOG>, every line at or
// above the level becomes an event tagged `fluent.<level>` with {message, ...kv} delivered to
// that label. Events are queued and emitted on the next tick, never from inside the logging
// call, and lines logged while emitting them are not re-emitted.

import { EventStream } from '../core/event-stream.js';
import type { Logger, LogHook, LogLevel } from '../core/log.js';
import type { EventRouter } from './router.js';

export function attachFluentLog(log: Logger, label: EventRouter | undefined, root: EventRouter): () => void {
  let target: EventRouter | undefined = label;
  if (!target) {
    const catches = ['fluent.info', 'fluent.warn', 'fluent.error'].some((t) => root.pipeline(t).output);
    if (!catches) return () => {};
    log.warn(
      'define <match fluent.**> to capture fluentd logs in top level is deprecated. Use <label @FLUENT_LOG> instead',
    );
    target = root;
  }
  const router = target;
  let pending: [LogLevel, EventStream][] = [];
  let emitting = false;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    emitting = true;
    try {
      for (const [level, es] of batch) router.emitStream(`fluent.${level}`, es);
    } finally {
      emitting = false;
    }
  };
  const hook: LogHook = (level, message, kv) => {
    if (emitting) return;
    const rec: Record<string, unknown> = {};
    for (const k in kv) {
      const v = kv[k];
      rec[k] = v instanceof Error ? v.message : v;
    }
    rec.message = message;
    const ms = Date.now();
    pending.push([level, EventStream.one(Math.floor(ms / 1000), (ms % 1000) * 1e6, rec)]);
    if (pending.length > 10_000) pending.shift();
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  log.sink.hooks.add(hook);
  return () => log.sink.hooks.delete(hook);
}
