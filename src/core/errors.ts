// Errors with stable codes. Config errors carry a source position and the section path, and
// render as `file:line:col <match td.*.*> @type tdlog: message` (DESIGN.md §4).

export interface SourcePos {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

export function formatPos(pos: SourcePos | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}` : '';
}

/** Base error with a stable machine-readable code (documented in docs/errors.md). */
export class TributaryError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A configuration error: bad syntax, a bad value, a missing parameter, an unknown plugin. */
export class ConfigError extends TributaryError {
  readonly pos: SourcePos | undefined;
  /** e.g. `<match td.*.*> @type tdlog` — the section the error is in, outermost first. */
  readonly section: string | undefined;
  /** The bare message, without position or section. */
  readonly detail: string;
  /** Extra lines shown under the message (source excerpt with a caret, for parse errors). */
  readonly context: string | undefined;

  constructor(
    message: string,
    opts: { code?: string; pos?: SourcePos; section?: string; context?: string } = {},
  ) {
    const head = [formatPos(opts.pos), opts.section].filter(Boolean).join(' ');
    super(opts.code ?? 'CONFIG', head ? `${head}: ${message}` : message);
    this.pos = opts.pos;
    this.section = opts.section;
    this.detail = message;
    this.context = opts.context;
  }

  /** Message plus the source excerpt, for printing to a user. */
  fullText(): string {
    return this.context ? `${this.message}\n${this.context}` : this.message;
  }
}

/** A syntax error in a config file (Fluentd's ConfigParseError). */
export class ConfigParseError extends ConfigError {
  constructor(message: string, pos: SourcePos, context?: string) {
    super(message, { code: 'CONFIG_PARSE', pos, ...(context ? { context } : {}) });
  }
}

/** Thrown by an output's write() when retrying can never succeed: the chunk goes to
 *  `<secondary>` or the backup directory instead of being retried. */
export class UnrecoverableError extends TributaryError {
  constructor(message: string, code = 'UNRECOVERABLE') {
    super(code, message);
  }
}

/** A buffer refused a write because it is over its limits (overflow_action throw_exception). */
export class BufferOverflowError extends TributaryError {
  constructor(message: string) {
    super('BUFFER_OVERFLOW', message);
  }
}
