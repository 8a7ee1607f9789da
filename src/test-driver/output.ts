// OutputTestDriver: feeds streams into an output's emit() — the call the router makes — and
// captures what it re-emits (relabel, copy stores with @label) and logs (stdout writes through
// the logger by default).
//
//   const d = new OutputTestDriver(StdoutOutput, '');
//   await d.run({}, () => d.feed('app', [{ k: 'v' }]));
//   d.logs()   // ['2026-11-28 01:02:03.000000000 +0000 app: {"k":"v"}']
//
// feed() starts the plugin on first use and resolves when emit()'s promise settles (i.e. when
// the output holds the events durably); it rejects with the output's error.

import type { ConfigElement } from '../config/element.js';
import { nowSecNsec } from '../core/event-time.js';
import type { OutputPlugin, PluginClass } from '../plugin/types.js';
import { type DriverOptions, type EventsInput, TestDriver, toStream } from './base.js';

export class OutputTestDriver<P extends OutputPlugin = OutputPlugin> extends TestDriver<P> {
  /** Time given to records passed without one. */
  time: { sec: number; nsec: number };
  /** Number of streams fed and records fed. */
  fedStreams = 0;
  fedRecords = 0;

  constructor(
    cls: PluginClass<P>,
    config: string | ConfigElement,
    opts: DriverOptions & { pattern?: string } = {},
  ) {
    super(cls, config, 'match', opts.pattern ?? '**', opts);
    const [sec, nsec] = nowSecNsec();
    this.time = { sec, nsec };
  }

  async feed(tag: string, input: EventsInput): Promise<void> {
    await this.start();
    const es = toStream(input, this.time.sec, this.time.nsec);
    this.fedStreams++;
    this.fedRecords += es.length;
    await this.instance.emit(tag, es);
  }
}
