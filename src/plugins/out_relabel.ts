// out_relabel: re-emits every stream unchanged (same tag, times and records) into the label
// named by `@label` (spec plugins §6.6, core §2.4). The engine resolves `@label` into this
// plugin's ctx.emitter.
//
// Durability: emit() returns the label pipeline's durable promise, so a forward ack or an HTTP
// 2xx upstream still means "held by the output inside the label".
// Backpressure: the Emitter contract has no "is busy" query, so relabel asks the emitter for
// one when it offers it (`overHighWater()`, or an EventRouter's `outputs()`), and defers
// onDrain to the emitter.

import type { ConfigElement } from '../config/element.js';
import { ConfigError } from '../core/errors.js';
import type { EventStream } from '../core/event-stream.js';
import { Output } from '../plugin/base.js';
import type { Emitter, OutputPlugin } from '../plugin/types.js';

/** What an emitter may offer beyond the contract (EventRouter has `outputs()`). */
interface BusyProbe {
  overHighWater?: () => boolean;
  outputs?: () => OutputPlugin[];
}

function emitterBusy(e: Emitter): boolean {
  const probe = e as Emitter & BusyProbe;
  if (typeof probe.overHighWater === 'function') return probe.overHighWater();
  if (typeof probe.outputs === 'function') return probe.outputs().some((o) => o.overHighWater());
  return false;
}

export class RelabelOutput extends Output {
  static override readonly type = 'relabel';
  static override readonly params = {};
  static readonly desc = 'Re-emits events unchanged into the label named by @label.';
  static readonly example =
    '<match app.**>\n  @type relabel\n  @label @ARCHIVE\n</match>\n<label @ARCHIVE>\n  <match **>\n    @type null\n  </match>\n</label>';

  override configure(el: ConfigElement): void {
    super.configure(el);
    if (!el.params.get('@label')?.value) {
      throw new ConfigError("'@label' parameter is required for relabel output", {
        pos: el.pos,
        section: this.where(),
      });
    }
  }

  process(tag: string, es: EventStream): Promise<void> {
    return this.ctx.emitter.emitStreamDurable(tag, es);
  }

  override overHighWater(): boolean {
    return emitterBusy(this.ctx.emitter);
  }

  override onDrain(cb: () => void): void {
    this.ctx.emitter.onDrain(cb);
  }
}
