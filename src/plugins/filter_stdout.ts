// filter_stdout: prints each event like out_stdout (through the log, as Fluentd's filter does)
// and passes the stream on unchanged. A record that cannot be formatted is reported as an error
// event; the stream still passes whole (spec plugins §7.4).

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import type { EventStream } from '../core/event-stream.js';
import { Filter } from '../plugin/base.js';
import {
  compatStdoutFormat,
  formatParams,
  type LineFormatter,
  makeLineFormatter,
} from './support/stdout-format.js';

const params = {
  format: p.section(formatParams, { desc: 'Line format (@type stdout with output_type json by default).' }),
} as const;

export class StdoutFilter extends Filter<typeof params> {
  static override readonly type = 'stdout';
  static override readonly params = params;
  static readonly desc = 'Prints each event to the log and passes events through unchanged.';
  static readonly example = '<filter app.**>\n  @type stdout\n</filter>';

  private formatter!: LineFormatter;

  override configure(el: ConfigElement): void {
    compatStdoutFormat(el);
    super.configure(el);
    this.formatter = makeLineFormatter(this.config.format);
  }

  override filterStream(tag: string, es: EventStream): EventStream {
    const sink = this.log.sink;
    const f = this.formatter;
    for (let i = 0; i < es.length; i++) {
      try {
        sink.write(f(tag, es.secs[i]!, es.nsecs[i]!, es.records[i]!));
      } catch (e) {
        this.ctx.emitErrorEvent(tag, es.secs[i]!, es.nsecs[i]!, es.records[i]!, e as Error);
      }
    }
    return es;
  }
}
