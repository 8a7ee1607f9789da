// A cursor over one config text, with Fluentd's v1 lexical primitives written out as code
// instead of regexps (basic_parser.rb):
//
//   SPACING                 (?:[ \t\r\n]|\z|#.*?(?:\z|[\r\n]))+   blanks, newlines, whole comments
//   SPACING_WITHOUT_COMMENT (?:[ \t\r\n]|\z)+
//   LINE_END                (?:[ \t]*(?:#.*)?(?:\z|[\r\n]))+      rest of line is blank or a comment
//
// Ruby's `.` never matches "\n" but does match "\r"; the helpers below keep that distinction,
// because it decides which multi-line strings are accepted.
//
// Errors are ConfigParseError with `file:line:col` (1-based) and a context excerpt like
// Fluentd's: the previous, current and next line and a caret line under the column.

import { ConfigParseError, type SourcePos } from '../core/errors.js';

/** Where the `-i` inline text begins inside a combined text (positions there report `(inline)`). */
export interface InlineSplit {
  offset: number;
  line: number; // 0-based index of the first inline line in the combined text
}

const MAX_CONTEXT_LINE = 160;

export class Scanner {
  readonly text: string;
  readonly file: string;
  pos = 0;
  private lineStarts: number[] | undefined;
  private readonly inline: InlineSplit | undefined;

  constructor(text: string, file: string, inline?: InlineSplit) {
    this.text = text;
    this.file = file;
    this.inline = inline;
  }

  get eof(): boolean {
    return this.pos >= this.text.length;
  }

  peek(ahead = 0): string {
    return this.text.charAt(this.pos + ahead);
  }

  /** Consume `s` if the text continues with it. */
  skipStr(s: string): boolean {
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  /** SPACING. Returns false when not even one alternative matched (no blank, no comment, not EOF). */
  spacing(): boolean {
    const t = this.text;
    const start = this.pos;
    let p = start;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 32 || c === 9 || c === 13 || c === 10) p++;
      else if (c === 35 /* # */) p = afterCommentTerminator(t, p);
      else break;
    }
    this.pos = p;
    return p > start || p >= t.length;
  }

  /** SPACING_WITHOUT_COMMENT. Returns whether the skipped run contained a newline. */
  spacingWithoutComment(): { matched: boolean; newline: boolean } {
    const t = this.text;
    let p = this.pos;
    let newline = false;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 10) newline = true;
      else if (!(c === 32 || c === 9 || c === 13)) break;
      p++;
    }
    const matched = p > this.pos || p >= t.length;
    this.pos = p;
    return { matched, newline };
  }

  /** LINE_END: consumes the rest of the line (blanks, comment) and any following blank/comment lines. */
  lineEnd(): boolean {
    let p = lineEndOnce(this.text, this.pos);
    if (p < 0) return false;
    for (;;) {
      if (p >= this.text.length) break;
      const q = lineEndOnce(this.text, p);
      if (q < 0 || q === p) break;
      p = q;
    }
    this.pos = p;
    return true;
  }

  /** 1-based position of an offset (offsets past the end clamp to the end). */
  posAt(offset: number): SourcePos {
    const starts = this.starts();
    const off = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    const col = off - starts[lo]! + 1;
    return { file: this.fileOfLine(lo), line: this.displayLine(lo), col };
  }

  error(message: string, offset = this.pos): ConfigParseError {
    const pos = this.posAt(offset);
    return new ConfigParseError(message, pos, this.context(offset, pos.col));
  }

  private fileOfLine(idx: number): string {
    return this.inline && idx >= this.inline.line ? '(inline)' : this.file;
  }

  private displayLine(idx: number): number {
    return this.inline && idx >= this.inline.line ? idx - this.inline.line + 1 : idx + 1;
  }

  private starts(): number[] {
    if (!this.lineStarts) {
      const s = [0];
      const t = this.text;
      for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) s.push(i + 1);
      this.lineStarts = s;
    }
    return this.lineStarts;
  }

  private lineText(idx: number): string | undefined {
    const starts = this.starts();
    if (idx < 0 || idx >= starts.length) return undefined;
    const end = idx + 1 < starts.length ? starts[idx + 1]! - 1 : this.text.length;
    return this.text.slice(starts[idx], end).replace(/\r$/, '');
  }

  /** Previous/current/next line and a caret under `col`, long lines cut to a window. */
  private context(offset: number, col: number): string {
    const starts = this.starts();
    let idx = 0;
    while (idx + 1 < starts.length && starts[idx + 1]! <= offset) idx++;
    let from = 0;
    if (col > MAX_CONTEXT_LINE) from = col - Math.floor(MAX_CONTEXT_LINE / 2);
    const show = (i: number): string | undefined => {
      const line = this.lineText(i);
      if (line === undefined) return undefined;
      const cut = line.slice(from, from + MAX_CONTEXT_LINE);
      return `${String(this.displayLine(i)).padStart(3)}: ${cut}`;
    };
    const out: string[] = [];
    const prev = idx > 0 && this.fileOfLine(idx - 1) === this.fileOfLine(idx) ? show(idx - 1) : undefined;
    if (prev !== undefined) out.push(prev);
    out.push(show(idx)!);
    out.push(`     ${'-'.repeat(Math.max(0, col - 1 - from))}^`);
    const next = this.fileOfLine(idx + 1) === this.fileOfLine(idx) ? show(idx + 1) : undefined;
    if (next !== undefined) out.push(next);
    return out.join('\n');
  }
}

/** Index just past a `#...` comment starting at p: past the first "\r" or "\n", or the end. */
export function afterCommentTerminator(t: string, p: number): number {
  for (let i = p + 1; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 10 || c === 13) return i + 1;
  }
  return t.length;
}

/** One LINE_END repetition at p: returns the index after it, or -1 when it does not match. */
export function lineEndOnce(t: string, p: number): number {
  let i = p;
  while (i < t.length && (t.charCodeAt(i) === 32 || t.charCodeAt(i) === 9)) i++;
  if (t.charCodeAt(i) === 35) {
    while (i < t.length && t.charCodeAt(i) !== 10) i++; // `.*` eats "\r" too
  }
  if (i >= t.length) return i;
  const c = t.charCodeAt(i);
  return c === 10 || c === 13 ? i + 1 : -1;
}
