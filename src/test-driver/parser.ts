// ParserTestDriver: configures a parser plugin from a `<parse>` config string and runs texts
// through it (a thin layer over Parser.parse(); logs are captured like the other drivers).
//
//   const d = new ParserTestDriver(JsonParser, 'time_key t');
//   d.parse('{"t":1,"a":2}')   // [{ time: EventTime(1, 0), record: { a: 2 } }]
//   d.parse('nope')            // [{ time: undefined, record: null }]  (did not match)

import type { ConfigElement } from '../config/element.js';
import type { Rec } from '../core/event-stream.js';
import type { EventTime } from '../core/event-time.js';
import type { Parser } from '../plugin/parser.js';
import type { PluginClass } from '../plugin/types.js';
import { type DriverOptions, TestDriver } from './base.js';

export interface ParsedResult {
  time: EventTime | undefined;
  /** null when the text did not match. */
  record: Rec | null;
}

export class ParserTestDriver<P extends Parser<any> = Parser<any>> extends TestDriver<P> {
  /** Every result of every parse() call, in order. */
  readonly results: ParsedResult[] = [];

  constructor(cls: PluginClass<P>, config: string | ConfigElement, opts: DriverOptions = {}) {
    super(cls, config, 'parse', '', opts);
  }

  /** Parses one text (a line, a whole text, or bytes for binary parsers); returns its results. */
  parse(text: string | Buffer): ParsedResult[] {
    const out: ParsedResult[] = [];
    this.instance.parse(text, (time, record) => out.push({ time, record }));
    this.results.push(...out);
    return out;
  }
}
