// out_stdout: prints every event, one line each (spec plugins §6.2):
//
//   2017-11-28 11:43:13.814351757 +0900 app.log: {"k":"v"}
//
// `use_logger true` (Fluentd's default) writes through the process log sink, so the lines go
// where the log goes (stdout, or the `-o` file); `false` writes to process.stdout.
// Unbuffered only for now: a `<buffer>` section is left unconsumed, so the engine reports it
// as unused (Fluentd would buffer with chunk keys `tag`).

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import type { EventStream } from '../core/event-stream.js';
import { Output } from '../plugin/base.js';
import {
  compatStdoutFormat,
  formatParams,
  type LineFormatter,
  makeLineFormatter,
} from './support/stdout-format.js';

const params = {
  use_logger: p.bool({
    default: true,
    desc: 'Write through the log (so `-o FILE` receives the events too); false writes to stdout.',
  }),
  format: p.section(formatParams, { desc: 'Line format (@type stdout with output_type json by default).' }),
} as const;

/** Where lines go when use_logger is false (tests replace it). */
export interface LineWriter {
  write(text: string): unknown;
}

export class StdoutOutput extends Output<typeof params> {
  static override readonly type = 'stdout';
  static override readonly params = params;
  static readonly desc = 'Prints events to stdout (or the log), one line per event.';
  static readonly example = '<match app.**>\n  @type stdout\n</match>';

  private formatter!: LineFormatter;
  /** Destination when use_logger is false. */
  writer: LineWriter = process.stdout;

  override configure(el: ConfigElement): void {
    compatStdoutFormat(el);
    super.configure(el);
    this.formatter = makeLineFormatter(this.config.format);
  }

  process(tag: string, es: EventStream): void {
    const f = this.formatter;
    const n = es.length;
    if (this.config.use_logger) {
      const sink = this.log.sink;
      for (let i = 0; i < n; i++) sink.write(f(tag, es.secs[i]!, es.nsecs[i]!, es.records[i]!));
      return;
    }
    let text = '';
    for (let i = 0; i < n; i++) text += f(tag, es.secs[i]!, es.nsecs[i]!, es.records[i]!) + '\n';
    this.writer.write(text);
  }
}
