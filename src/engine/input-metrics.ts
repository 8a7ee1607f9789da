// Input metrics (<system> enable_input_metrics, Fluentd's input.rb emit_records / emit_size):
// the emitter an input sees is wrapped to count what it emits. Off by default, as in Fluentd
// 1.16, so the hot path pays nothing unless asked. emit_size (msgpack bytes) is counted only
// with enable_size_metrics; a packed stream's size is its byte length, otherwise the stream is
// encoded to measure it (costly, which is why Fluentd gates it too).

import { packEntries } from '../plugin/buffered-output.js';
import type { Emitter, InputCounters } from '../plugin/types.js';

export function countingEmitter(inner: Emitter, c: InputCounters, sizes: boolean): Emitter {
  const count = (es: Parameters<Emitter['emitStream']>[1]) => {
    c.emit_records += es.length;
    if (sizes) c.emit_size += (es.packed ?? packEntries(es, 0, es.length)).length;
  };
  return {
    emitStream(tag, es) {
      count(es);
      return inner.emitStream(tag, es);
    },
    emitStreamDurable(tag, es) {
      count(es);
      return inner.emitStreamDurable(tag, es);
    },
    onDrain: (cb) => inner.onDrain(cb),
    overHighWater: () => inner.overHighWater(),
  };
}
