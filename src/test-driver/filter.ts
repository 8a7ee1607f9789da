// FilterTestDriver: feeds streams through a filter's filterStream() (the stream form the
// router calls) and captures what comes out.
//
//   const d = new FilterTestDriver(GrepFilter, '<regexp>\nkey msg\npattern /x/\n</regexp>');
//   const out = d.filter('app', [{ msg: 'x' }, { msg: 'y' }]);   // [{ tag, sec, nsec, record }]
//
// Records given without times get the driver's clock (`d.time`, default: when it was made).
// Errors the filter reports per record are in errorEvents().

import type { ConfigElement } from '../config/element.js';
import type { EventStream } from '../core/event-stream.js';
import { nowSecNsec } from '../core/event-time.js';
import type { FilterPlugin, PluginClass } from '../plugin/types.js';
import { type DriverOptions, type EventsInput, TestDriver, toStream } from './base.js';
import type { CapturedEvent } from './capture.js';

export class FilterTestDriver<P extends FilterPlugin = FilterPlugin> extends TestDriver<P> {
  /** Time given to records passed without one. */
  time: { sec: number; nsec: number };
  /** Everything that came out of the filter, in order. */
  readonly filtered: CapturedEvent[] = [];

  constructor(
    cls: PluginClass<P>,
    config: string | ConfigElement,
    opts: DriverOptions & { pattern?: string } = {},
  ) {
    super(cls, config, 'filter', opts.pattern ?? '**', opts);
    const [sec, nsec] = nowSecNsec();
    this.time = { sec, nsec };
  }

  /** The raw stream form: what the router would pass on (null or empty = dropped). */
  filterStream(tag: string, input: EventsInput): EventStream | null {
    return this.instance.filterStream(tag, toStream(input, this.time.sec, this.time.nsec));
  }

  /** Filters one batch; returns (and records) the events that came out. */
  filter(tag: string, input: EventsInput): CapturedEvent[] {
    const out = this.filterStream(tag, input);
    const res: CapturedEvent[] = [];
    if (out) {
      for (let i = 0; i < out.length; i++) {
        res.push({ tag, sec: out.secs[i]!, nsec: out.nsecs[i]!, record: out.records[i]! });
      }
    }
    this.filtered.push(...res);
    return res;
  }

  /** Filtered events, plus anything the filter emitted itself. */
  override events(): CapturedEvent[] {
    return [...this.filtered, ...super.events()];
  }

  override clear(): void {
    super.clear();
    this.filtered.length = 0;
  }
}
