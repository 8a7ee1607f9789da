// `<parse> @type none`: the whole text becomes `{message_key: text}`; time is now (or none
// with `estimate_current_event false`). No value conversion.

import { p } from '../config/params.js';
import { EventTime } from '../core/event-time.js';
import { type ParseCallback, Parser, parserParams, textOf } from '../plugin/parser.js';

const params = {
  ...parserParams,
  message_key: p.string({ default: 'message', desc: 'Field that receives the text.' }),
} as const;

export class NoneParser extends Parser<typeof params> {
  static override readonly type = 'none';
  static override readonly params = params;
  static readonly desc = 'Keeps the text as it is, in one field.';
  static readonly example = '<parse>\n  @type none\n</parse>';

  parse(text: string | Buffer, cb: ParseCallback): void {
    const s = textOf(text);
    cb(this.config.estimate_current_event ? EventTime.now() : undefined, { [this.config.message_key]: s });
  }
}
