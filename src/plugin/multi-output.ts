// MultiOutput: an output that owns one output per `<store>` (Fluentd's MultiOutput), the base
// of out_copy and out_roundrobin.
//
// A store is created in configure() by addStore(): a `<store>` without `@type` is a config error
// naming its position. The stores are this plugin's: started, stopped and shut down with it, one
// after another in `<store>` order, and flushed together. How events and backpressure are
// shared between the stores (overHighWater, onDrain, process) is the subclass's decision.

import type { ConfigElement } from '../config/element.js';
import type { ParamDecls } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { Output } from './base.js';
import type { OutputPlugin } from './types.js';

export abstract class MultiOutput<P extends ParamDecls = ParamDecls> extends Output<P> {
  readonly outputs: OutputPlugin[] = [];

  /** Creates the output a `<store>` describes and takes ownership of it. */
  protected addStore(storeEl: ConfigElement): void {
    const where = this.where();
    if (!storeEl.params.get('@type')?.value && !storeEl.params.get('type')?.value) {
      throw new ConfigError("Missing '@type' parameter in <store> section", {
        pos: storeEl.pos,
        section: where,
      });
    }
    this.outputs.push(this.ctx.createOutput(storeEl, [where]));
  }

  override async start(): Promise<void> {
    for (const o of this.outputs) await o.start();
  }

  override async stop(): Promise<void> {
    for (const o of this.outputs) await o.stop();
  }

  override async shutdown(): Promise<void> {
    for (const o of this.outputs) await o.shutdown();
  }

  override async flushAll(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.flushAll()));
  }
}
