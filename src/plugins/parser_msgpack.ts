// `<parse> @type msgpack` (binary): the bytes are one or more concatenated msgpack objects;
// a map is a record, an array gives one record per map (other elements unmatched), any other
// object is unmatched. Undecodable bytes throw ParserError. No time_key by default.

import type { Rec } from '../core/event-stream.js';
import { decodeMultiple } from '../core/msgpack.js';
import { type ParseCallback, Parser, ParserError, parserParams } from '../plugin/parser.js';

export class MsgpackParser extends Parser<typeof parserParams> {
  static override readonly type = 'msgpack';
  static override readonly params = parserParams;
  static readonly desc = 'Parses msgpack maps (or arrays of maps).';
  static readonly example = '<parse>\n  @type msgpack\n</parse>';

  override get parserType(): 'binary' {
    return 'binary';
  }

  parse(data: string | Buffer, cb: ParseCallback): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    let objs: unknown[];
    try {
      objs = decodeMultiple(bytes);
    } catch (e) {
      throw new ParserError(`invalid msgpack data: ${(e as Error).message}`);
    }
    for (const o of objs) this.emitDocument(o, cb);
  }
}
