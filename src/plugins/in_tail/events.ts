// Lines → events (spec plugins §4.5, §4.6). One LineConverter per plugin; each file keeps its
// own MultilineState. Lines arrive without their "\n"; the single-line form strips a final
// "\r" too (Ruby's chomp). Results go straight into the batch's EventStream.
//
// - Parsed with time and record → event (path_key added unless the record has it).
// - No match, or no time (estimate_current_event false) → "pattern not matched" warning
//   (rate-limited), or {"unmatched_line": line} at the current time with emit_unmatched_lines.
// - ParserError (a time that cannot be parsed) → "invalid line found" warning, dropped.
// Multiline with format_firstline: a first line flushes the pending event and starts a new one;
// lines before any first line are unmatched. Without it, lines accumulate until the joined text
// matches. The pending event's first byte offset is kept so the position never passes it.

import type { EventStream, Rec } from '../../core/event-stream.js';
import { EventTime } from '../../core/event-time.js';
import { type Logger, LogThrottle } from '../../core/log.js';
import type { Parser } from '../../plugin/parser.js';
import type { MultilineParser } from '../parser_multiline.js';

export interface ConvertCounters {
  unmatched: number;
  invalid: number;
}

/** A file's pending multiline event. */
export class MultilineState {
  lines: string[] = [];
  /** File offset of the pending event's first byte (meaningful while lines.length > 0). */
  start = 0;
  /** Date.now() of the last batch that touched it (for multiline_flush_interval). */
  touchedAt = 0;

  get pending(): boolean {
    return this.lines.length > 0;
  }

  take(): string {
    const text = joinChomp(this.lines);
    this.lines = [];
    return text;
  }
}

function joinChomp(lines: string[]): string {
  let text = lines.length === 1 ? lines[0]! : lines.join('\n');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  return text;
}

export interface ConverterOptions {
  parser: Parser<any>;
  emitUnmatched: boolean;
  pathKey: string | undefined;
  log: Logger;
}

export class LineConverter {
  readonly multiline: MultilineParser | undefined;
  readonly counters: ConvertCounters = { unmatched: 0, invalid: 0 };
  private readonly parser: Parser<any>;
  private readonly emitUnmatched: boolean;
  private readonly pathKey: string | undefined;
  private readonly log: Logger;
  private readonly throttle = new LogThrottle(10_000);
  // State of the current parse() call, so the callback is one bound function, not a closure per line.
  private es!: EventStream;
  private path = '';
  private text = '';
  private readonly onParsed: (time: EventTime | undefined, record: Rec | null) => void;

  constructor(o: ConverterOptions) {
    this.parser = o.parser;
    this.emitUnmatched = o.emitUnmatched;
    this.pathKey = o.pathKey;
    this.log = o.log;
    this.multiline = o.parser.type === 'multiline' ? (o.parser as MultilineParser) : undefined;
    this.onParsed = (time, record) => {
      if (time !== undefined && record !== null) {
        if (this.pathKey !== undefined && record[this.pathKey] == null) record[this.pathKey] = this.path;
        this.es.add(time.sec, time.nsec, record);
      } else this.unmatched(this.text);
    };
  }

  /** Single-line mode: one line (without "\n"). */
  line(text: string, path: string, es: EventStream): void {
    this.convert(text.endsWith('\r') ? text.slice(0, -1) : text, path, es);
  }

  /** Multiline mode: feed one line that starts at file offset `start`. */
  multilineLine(ml: MultilineState, text: string, start: number, path: string, es: EventStream): void {
    const parser = this.multiline!;
    if (parser.hasFirstline) {
      if (parser.firstline(text)) {
        if (ml.pending) this.convert(ml.take(), path, es);
        ml.lines.push(text);
        ml.start = start;
        return;
      }
      if (ml.pending) {
        ml.lines.push(text);
        return;
      }
      if (this.emitUnmatched) this.convert(joinChomp([text]), path, es);
      this.warn(
        'before-first',
        `got incomplete line before first line from ${path}: ${JSON.stringify(text)}`,
      );
      return;
    }
    if (!ml.pending) ml.start = start;
    ml.lines.push(text);
    const joined = joinChomp(ml.lines);
    if (parser.parseOne(joined) !== null) {
      ml.lines = [];
      this.convert(joined, path, es);
    }
  }

  /** Emits a pending multiline event (flush interval, rotation, shutdown). */
  flushMultiline(ml: MultilineState, path: string, es: EventStream): void {
    if (ml.pending) this.convert(ml.take(), path, es);
  }

  private convert(text: string, path: string, es: EventStream): void {
    this.es = es;
    this.path = path;
    this.text = text;
    try {
      this.parser.parse(text, this.onParsed);
    } catch (e) {
      // ParserError is the expected case (a bad time); anything else a parser throws is
      // treated the same way, as Fluentd does, so one bad line cannot stop the file.
      this.counters.invalid++;
      this.warn('invalid', 'invalid line found', { file: path, line: text, error: (e as Error).message });
    }
  }

  private unmatched(text: string): void {
    this.counters.unmatched++;
    if (this.emitUnmatched) {
      const record: Rec = { unmatched_line: text };
      if (this.pathKey !== undefined) record[this.pathKey] = this.path;
      const t = EventTime.now();
      this.es.add(t.sec, t.nsec, record);
    }
    this.warn('unmatched', `pattern not matched: ${JSON.stringify(text)}`);
  }

  private warn(key: string, message: string, kv?: Record<string, unknown>): void {
    const s = this.throttle.allow(key);
    if (s < 0) return;
    this.log.warn(message, s > 0 ? { ...kv, suppressed: s } : kv);
  }
}
