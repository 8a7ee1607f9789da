// Splits a JSON stream (a forward connection whose first byte was `{` or `[`) into top-level
// values without parsing them: a resumable byte scanner that tracks nesting, strings and
// escapes. Values are separated by optional whitespace; a bare scalar (`null`, a number) ends
// at whitespace or at the next `{`/`[`. Nesting is capped like the msgpack scanner.

export class JsonScanError extends Error {}

const WS = new Uint8Array(256);
WS[0x20] = 1;
WS[0x09] = 1;
WS[0x0a] = 1;
WS[0x0d] = 1;

export class JsonSplitter {
  private depth = 0;
  private inString = false;
  private escape = false;
  private off = 0;
  private begun = false;

  constructor(private readonly maxDepth = 100) {}

  /** Leading whitespace to discard before the next value. */
  skipWhitespace(buf: Uint8Array, start: number, end: number): number {
    if (this.begun) return start;
    let p = start;
    while (p < end && WS[buf[p]!]) p++;
    return p;
  }

  /** Length of the value at `start` once complete, or -1 when more bytes are needed. */
  scan(buf: Uint8Array, start: number, end: number): number {
    let p = start + this.off;
    if (!this.begun) {
      if (p >= end) return -1;
      this.begun = true;
      const c = buf[p]!;
      if (c !== 0x7b && c !== 0x5b) {
        // Bare scalar: runs to whitespace or the next container.
        while (p < end && !WS[buf[p]!] && buf[p] !== 0x7b && buf[p] !== 0x5b) p++;
        if (p >= end) return this.wait(p, start, true);
        return this.done(p, start);
      }
    }
    for (; p < end; p++) {
      const c = buf[p]!;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) {
        if (++this.depth > this.maxDepth)
          throw new JsonScanError(`JSON nesting deeper than ${this.maxDepth}`);
      } else if (c === 0x7d || c === 0x5d) {
        if (--this.depth === 0) return this.done(p + 1, start);
        if (this.depth < 0) throw new JsonScanError('unbalanced JSON brackets');
      }
    }
    return this.wait(p, start, false);
  }

  private wait(p: number, start: number, scalar: boolean): number {
    // A scalar is re-scanned from its start next time (it may continue).
    this.off = scalar ? 0 : p - start;
    if (scalar) this.begun = false;
    return -1;
  }

  private done(p: number, start: number): number {
    this.off = 0;
    this.depth = 0;
    this.begun = false;
    this.inString = false;
    this.escape = false;
    return p - start;
  }
}
