// Shared by the parser tests: build a configured parser from `<parse>` body text, the way an
// input does (createParser with the built-ins registered).

import { parseConfig } from '../../src/config/parser.js';
import { Logger, LogSink } from '../../src/core/log.js';
import { makePluginContext } from '../../src/plugin/context.js';
import { createParser, type Parser } from '../../src/plugin/parser.js';
import '../../src/plugins/parser_builtins.js';

export function mkParser(body: string): Parser<any> {
  const root = parseConfig(`<parse>\n${body}\n</parse>`, 'test.conf');
  const sink = new LogSink();
  sink.captured = [];
  const ctx = makePluginContext({ log: new Logger({ sink }) });
  return createParser(ctx, root.elements[0]!);
}

/** Parses one text and returns [sec|undefined, record|null] pairs. */
export function results(parser: Parser<any>, text: string | Buffer): [number | undefined, unknown][] {
  return parser.parseAll(text).map((r) => [r.time?.sec, r.record]);
}
