// out_copy: gives every event stream to each `<store>` in order (spec plugins §6.3).
//
//   <match app.**>
//     @type copy
//     copy_mode deep                  no_copy (default: stores share records) | shallow | deep | marshal
//     <store>                         a full output config
//       @type stdout
//     </store>
//     <store ignore_error>            an error here is logged and the next store still runs
//       @type null
//     </store>
//     <store ignore_if_prev_success>  skipped when the previous store took the stream (fallback)
//       ...
//     </store>
//   </match>
//
// Errors: a store without ignore_error that fails stops the later stores and the error
// propagates to the emitter (the router: @ERROR or the input). A store's emit may be async
// (buffered: resolves once durable); the next store is called after it settles, so ordering,
// error and fallback semantics are the same as Fluentd's synchronous emit. emit() resolves
// when every store resolved; it returns nothing when every store answered synchronously.
//
// The stores are owned by this plugin (plugin/multi-output.ts): it starts, stops, shuts down
// and flushes them.

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import type { EventStream, Rec } from '../core/event-stream.js';
import { decode, encode } from '../core/msgpack.js';
import { MultiOutput } from '../plugin/multi-output.js';

const params = {
  deep_copy: p.bool({
    default: false,
    deprecated: "use 'copy_mode' parameter instead",
    desc: 'Same as copy_mode shallow.',
  }),
  copy_mode: p.enum(['no_copy', 'shallow', 'deep', 'marshal'] as const)({
    default: 'no_copy',
    desc: 'How each store gets its records: shared, shallow copies, msgpack round-trip, or full deep copies.',
  }),
  store: p.section({}, { multi: true, required: true, desc: 'An output to copy events to (repeatable).' }),
} as const;

type CopyFn = ((es: EventStream) => EventStream) | undefined;

function copier(mode: string): CopyFn {
  switch (mode) {
    case 'shallow':
      return (es) => es.withRecords(es.records.map((r) => ({ ...r })));
    case 'deep':
      return (es) => es.withRecords(es.records.map((r) => decode(encode(r)) as Rec));
    case 'marshal':
      return (es) => es.withRecords(es.records.map((r) => structuredClone(r)));
    default:
      return undefined;
  }
}

export class CopyOutput extends MultiOutput<typeof params> {
  static override readonly type = 'copy';
  static override readonly params = params;
  static readonly desc = 'Copies each event stream to several outputs (<store> sections).';
  static readonly example =
    '<match app.**>\n  @type copy\n  <store>\n    @type stdout\n  </store>\n  <store ignore_error>\n    @type null\n  </store>\n</match>';

  private ignoreError: boolean[] = [];
  private ignoreIfPrevSuccess: boolean[] = [];
  private copy: CopyFn;

  override configure(el: ConfigElement): void {
    super.configure(el);
    this.config.store.forEach((s, i) => {
      const flags = s.$arg.split(/[\s,]+/).filter(Boolean);
      const ifPrev = flags.includes('ignore_if_prev_success');
      if (i === 0 && ifPrev)
        throw new ConfigError('ignore_if_prev_success must specify 2nd or later <store> directives');
      this.ignoreError.push(flags.includes('ignore_error'));
      this.ignoreIfPrevSuccess.push(ifPrev);
      this.addStore(s.$element);
    });
    if (this.ignoreError.every(Boolean) && !this.ignoreIfPrevSuccess.some(Boolean)) {
      this.log.warn(
        'ignore_errors are specified in all <store>, but ignore_if_prev_success is not specified. Is this intended?',
      );
    }
    this.copy = copier(this.config.deep_copy ? 'shallow' : this.config.copy_mode);
  }

  override overHighWater(): boolean {
    return this.outputs.some((o) => o.overHighWater());
  }

  /** Fires once no store is past its high-water mark. */
  override onDrain(cb: () => void): void {
    const busy = this.outputs.filter((o) => o.overHighWater());
    if (busy.length === 0) {
      setImmediate(cb);
      return;
    }
    let left = busy.length;
    for (const o of busy) {
      o.onDrain(() => {
        if (--left === 0) cb();
      });
    }
  }

  process(tag: string, es: EventStream): void | Promise<void> {
    return this.run(tag, es, 0, false);
  }

  /** Emits to stores from index i on; continues asynchronously only when a store is async. */
  private run(tag: string, es: EventStream, from: number, prevSuccess: boolean): void | Promise<void> {
    let prev = prevSuccess;
    for (let i = from; i < this.outputs.length; i++) {
      if (i > 0 && prev && this.ignoreIfPrevSuccess[i]) {
        this.log.debug(`ignore copy because prev_success in ${this.outputs[i]!.ctx.id}`, { index: i });
        prev = false; // Fluentd leaves success[i] unset: a later ignore_if_prev_success store runs
        continue;
      }
      let r: void | Promise<void>;
      try {
        r = this.outputs[i]!.emit(tag, this.copy ? this.copy(es) : es);
      } catch (e) {
        prev = this.failed(i, e);
        continue;
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        return (r as Promise<void>).then(
          () => this.run(tag, es, i + 1, true),
          (e) => this.run(tag, es, i + 1, this.failed(i, e)),
        );
      }
      prev = true;
    }
  }

  /** An error from store i: logged when ignored (returns false = no success), else rethrown. */
  private failed(i: number, e: unknown): false {
    if (!this.ignoreError[i]) throw e;
    this.log.error(`ignore emit error in ${this.outputs[i]!.ctx.id}`, { error: e as Error });
    return false;
  }
}
