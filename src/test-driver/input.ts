// InputTestDriver: runs an input plugin against a capturing emitter.
//
//   const d = new InputTestDriver(SampleInput, 'tag test\nrate 100');
//   await d.run({ expectRecords: 10 });
//   d.events()  // what the input emitted, with tag and time
//
// Backpressure: d.emitter.block() makes emitStream return false; d.emitter.unblock() fires
// the input's onDrain callbacks.

import type { ConfigElement } from '../config/element.js';
import type { InputPlugin, PluginClass } from '../plugin/types.js';
import { type DriverOptions, TestDriver } from './base.js';

export class InputTestDriver<P extends InputPlugin = InputPlugin> extends TestDriver<P> {
  constructor(cls: PluginClass<P>, config: string | ConfigElement, opts: DriverOptions = {}) {
    super(cls, config, 'source', '', opts);
  }
}
