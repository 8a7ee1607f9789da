// `<parse> @type json` (spec plugins §8.2): a top-level object is one record, a top-level array
// gives one record per object (non-objects count as unmatched); other values and invalid JSON
// are unmatched (no exception). Time: `time_key` time, `time_type float` by default — switched
// to `string` when `time_format` is given without an explicit time_type.

import type { ConfigElement } from '../config/element.js';
import { p } from '../config/params.js';
import type { Rec } from '../core/event-stream.js';
import { type ParseCallback, Parser, parserParams, textOf } from '../plugin/parser.js';

const params = {
  ...parserParams,
  time_key: p.string({ default: 'time', desc: 'Field holding the event time.' }),
  time_type: p.enum(['string', 'unixtime', 'float', 'mixed'] as const)({
    default: 'float',
    desc: 'How the time field is read (string when time_format is set).',
  }),
  json_parser: p.enum(['oj', 'yajl', 'json'] as const)({
    default: 'oj',
    desc: 'Accepted for compatibility; one JSON parser is used.',
  }),
  stream_buffer_size: p.integer({ default: 8192, desc: 'Accepted for compatibility.' }),
} as const;

export class JsonParser extends Parser<typeof params> {
  static override readonly type = 'json';
  static override readonly params = params;
  static readonly desc = 'Parses JSON objects (or arrays of objects).';
  static readonly example = '<parse>\n  @type json\n</parse>';

  override get parserType(): 'text' {
    return 'text';
  }

  override configure(el: ConfigElement): void {
    super.configure(el);
    if (el.has('time_format') && !el.has('time_type')) {
      this.config.time_type = 'string';
      this.timeParser = this.createTimeParser();
    }
  }

  parse(text: string | Buffer, cb: ParseCallback): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(textOf(text));
    } catch {
      cb(undefined, null);
      return;
    }
    this.emitDocument(parsed, cb);
  }
}
