// out_roundrobin: gives each event stream to one `<store>`, in turn by weight (spec plugins §6.4).
//
//   <match lb.**>
//     @type roundrobin
//     <store>
//       @type forward        a full output config; `weight` (default 1) is read by roundrobin
//       weight 2
//       ...
//     </store>
//     <store>
//       @type forward
//     </store>
//   </match>
//
// Rotation (as Fluentd): the weights are divided by their GCD and each store appears that many
// times in a rotation array, shuffled once when some weight is above 1; every stream goes to
// the next entry. A store of weight 0 gets nothing (but is still a fallback, below).
//
// Tributary additions (Fluentd has no failover here: the chosen store's error propagates):
// - A store whose emit throws or rejects is skipped: the stream goes to the next store (in
//   `<store>` order after it), each store tried at most once; only when every store failed
//   does the first error propagate to the emitter (the router: @ERROR or the input).
// - A store past its high-water mark is passed over while another one is not, so one slow
//   destination does not stall the rotation; overHighWater() is true only when all are.
//
// The stores are owned by this plugin (plugin/multi-output.ts): it starts, stops, shuts down
// and flushes them.

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { EventStream } from '../core/event-stream.js';
import { LogThrottle } from '../core/log.js';
import { MultiOutput } from '../plugin/multi-output.js';
import type { OutputPlugin } from '../plugin/types.js';

const params = {
  store: p.section(
    {
      weight: p.integer({
        default: 1,
        desc: 'Share of the streams this store gets (relative to the others).',
      }),
    },
    { multi: true, required: true, desc: 'An output to send events to (repeatable).' },
  ),
} as const;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Store indexes in rotation order: each weight/GCD times, shuffled when some weight is > 1. */
export function rotation(weights: readonly number[], random: () => number = Math.random): number[] {
  const g = weights.reduce(gcd, 0);
  const out: number[] = [];
  weights.forEach((w, i) => {
    for (let k = 0; k < w / g; k++) out.push(i);
  });
  if (weights.some((w) => w > 1)) {
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
  }
  return out;
}

export class RoundRobinOutput extends MultiOutput<typeof params> {
  static override readonly type = 'roundrobin';
  static override readonly params = params;
  static readonly desc =
    'Sends each event stream to one <store>, in turn by weight; a failing store is skipped to the next.';
  static readonly example =
    '<match lb.**>\n  @type roundrobin\n  <store>\n    @type null\n    weight 2\n  </store>\n  <store>\n    @type stdout\n  </store>\n</match>';

  weights: number[] = [];
  /** The rotation: store indexes, one entry per share. */
  order: number[] = [];
  private rr = -1;
  /** Per chosen store: it, then the others in `<store>` order after it (the failover order). */
  private attempts: number[][] = [];
  private readonly throttle = new LogThrottle(10_000);

  override configure(el: ConfigElement): void {
    super.configure(el);
    const where = this.where();
    for (const s of this.config.store) {
      const storeEl = s.$element;
      this.addStore(storeEl);
      if (s.weight < 0) {
        throw new ConfigError(`weight must be 0 or more: ${s.weight}`, {
          pos: storeEl.params.get('weight')?.pos ?? storeEl.pos,
          section: where,
        });
      }
      this.weights.push(s.weight);
    }
    if (this.weights.every((w) => w === 0))
      throw new ConfigError('at least one <store> must have a weight above 0');
    this.order = rotation(this.weights);
    const n = this.outputs.length;
    this.attempts = this.outputs.map((_, i) => Array.from({ length: n }, (_, k) => (i + k) % n));
  }

  override overHighWater(): boolean {
    return this.outputs.every((o) => o.overHighWater());
  }

  /** Fires once some store can take events again. */
  override onDrain(cb: () => void): void {
    if (!this.overHighWater()) {
      setImmediate(cb);
      return;
    }
    let fired = false;
    for (const o of this.outputs) {
      o.onDrain(() => {
        if (fired) return;
        fired = true;
        cb();
      });
    }
  }

  /** The next store in the rotation, passing over busy ones while some store is not busy. */
  nextStore(): number {
    const order = this.order;
    this.rr = (this.rr + 1) % order.length;
    const first = order[this.rr]!;
    if (!this.outputs[first]!.overHighWater()) return first;
    for (let k = 1; k < order.length; k++) {
      const i = order[(this.rr + k) % order.length]!;
      if (!this.outputs[i]!.overHighWater()) {
        this.rr = (this.rr + k) % order.length;
        return i;
      }
    }
    return first;
  }

  process(tag: string, es: EventStream): void | Promise<void> {
    return this.attempt(tag, es, this.attempts[this.nextStore()]!, 0, undefined);
  }

  /** Emits to stores order[k..] until one takes the stream; continues asynchronously only when a store is async. */
  private attempt(
    tag: string,
    es: EventStream,
    order: number[],
    k: number,
    firstError: unknown,
  ): void | Promise<void> {
    for (; k < order.length; k++) {
      const o = this.outputs[order[k]!]!;
      let r: void | Promise<void>;
      try {
        r = o.emit(tag, es);
      } catch (e) {
        firstError ??= e;
        this.failed(o, e, k + 1 < order.length);
        continue;
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        const next = k + 1;
        return (r as Promise<void>).then(undefined, (e) => {
          this.failed(o, e, next < order.length);
          return this.attempt(tag, es, order, next, firstError ?? e);
        });
      }
      return;
    }
    throw firstError;
  }

  private failed(o: OutputPlugin, e: unknown, more: boolean): void {
    const suppressed = this.throttle.allow(o.ctx.id);
    if (suppressed < 0) return;
    const msg = more ? 'store failed; the stream goes to the next store' : 'every store failed';
    this.log.warn(msg, { store: o.ctx.id, error: e as Error, ...(suppressed > 0 ? { suppressed } : {}) });
  }
}
