// Bytes of one file → complete lines, with exact file offsets and bounded memory.
//
//   file:  ... line\n | line\n | line\n | partial
//                     ^consumed                   ^readPos
//   work buffer: [ partial line (carry) | bytes just read ]
//
// - `consumed` is the offset just after the last complete line handed out; a position is
//   never saved past it, so a partial last line is read again (and completed) after a restart.
// - The carry holds only the current incomplete line. When a batch reaches its line limit the
//   rest of the work buffer is dropped and readPos goes back to `consumed` (read again next
//   step): simpler than carrying complete lines, and page-cache reads are cheap.
// - A line longer than `maxLineSize` bytes is counted and either skipped or truncated to
//   maxLineSize; while it lasts only its kept head is held, so memory stays bounded.
// - Work buffers come from a shared pool; between reads a file keeps only its carry's bytes.

export const READ_SIZE = 64 * 1024;

/** Fixed-size read buffers shared by all files (one per concurrent read). */
export class BufferPool {
  private free: Buffer[] = [];
  constructor(private readonly max = 8) {}

  take(min: number): Buffer {
    if (min <= READ_SIZE * 2) {
      const b = this.free.pop();
      if (b) return b;
      return Buffer.allocUnsafe(READ_SIZE * 2);
    }
    return Buffer.allocUnsafe(min);
  }

  give(b: Buffer): void {
    if (b.length === READ_SIZE * 2 && this.free.length < this.max) this.free.push(b);
  }
}

/** Called per complete line: bytes [s, e) of buf (without "\n"), file offset of its start. */
export type LineFn = (buf: Buffer, s: number, e: number, start: number, truncated: boolean) => void;

export class LineBuffer {
  consumed: number;
  readPos: number;
  /** Inside a line longer than maxLineSize (its rest is being discarded). */
  skipping = false;
  /** Long lines seen (skipped or truncated). */
  longLines = 0;
  private work: Buffer | undefined;
  private carry = 0;

  constructor(
    pos: number,
    private readonly maxLineSize: number,
    private readonly truncate: boolean,
  ) {
    this.consumed = pos;
    this.readPos = pos;
  }

  /** Bytes held for the current incomplete line. */
  get carryBytes(): number {
    return this.carry;
  }

  /** Restart at `pos` (truncation, re-read after a failure): drops the carry. */
  reset(pos: number): void {
    this.consumed = pos;
    this.readPos = pos;
    this.carry = 0;
    this.skipping = false;
  }

  /** The buffer to read into and where: call before each read, then feed(). */
  prepare(pool: BufferPool): { buf: Buffer; at: number; len: number } {
    let w = this.work;
    if (!w || w.length - this.carry < READ_SIZE) {
      // grow geometrically so a long partial line is not copied once per read
      const next = pool.take(
        Math.max(this.carry + READ_SIZE, w && this.carry > READ_SIZE ? w.length * 2 : 0),
      );
      if (w && this.carry > 0) w.copy(next, 0, 0, this.carry);
      if (w) pool.give(w);
      w = next;
      this.work = w;
    }
    return { buf: w, at: this.carry, len: Math.min(READ_SIZE, w.length - this.carry) };
  }

  /**
   * Splits after n bytes were read into the prepared buffer. Calls onLine for complete lines,
   * at most `limit` of them; returns how many. When the limit stops it, readPos is moved back
   * to the end of the last line handed out.
   */
  feed(n: number, limit: number, onLine: LineFn): number {
    const w = this.work!;
    const end = this.carry + n;
    const base = this.readPos - this.carry; // file offset of w[0] (not meaningful while skipping)
    this.readPos += n;
    let lineStart = 0;
    let from = this.carry;
    let count = 0;
    const view = w.subarray(0, end);
    while (count < limit) {
      const nl = view.indexOf(10, from);
      if (nl < 0) break;
      if (this.skipping) {
        // the long line ends here; the work buffer holds its kept head (truncate) or nothing
        const fileEnd = this.readPos - (end - nl) + 1;
        if (this.truncate) onLine(w, 0, Math.min(this.carry, this.maxLineSize), this.consumed, true);
        if (this.truncate) count++;
        this.skipping = false;
        this.consumed = fileEnd;
        lineStart = nl + 1;
        from = lineStart;
        continue;
      }
      const len = nl - lineStart;
      const start = base + lineStart;
      if (len > this.maxLineSize) {
        this.longLines++;
        if (this.truncate) {
          onLine(w, lineStart, lineStart + this.maxLineSize, start, true);
          count++;
        }
      } else {
        onLine(w, lineStart, nl, start, false);
        count++;
      }
      this.consumed = base + nl + 1;
      lineStart = nl + 1;
      from = lineStart;
    }
    if (count >= limit && !this.skipping) {
      // stopped by the limit: forget the rest, read it again next time
      this.readPos = this.consumed;
      this.carry = 0;
      return count;
    }
    this.keepRest(w, lineStart, end);
    return count;
  }

  /** After the last feed of a step: the pool buffer goes back; a carry is kept at its size. */
  release(pool: BufferPool): void {
    const w = this.work;
    if (!w) return;
    if (this.carry === 0) {
      pool.give(w);
      this.work = undefined;
    } else if (w.length <= READ_SIZE * 2 && w.length > this.carry) {
      const small = Buffer.allocUnsafe(this.carry);
      w.copy(small, 0, 0, this.carry);
      pool.give(w);
      this.work = small;
    }
  }

  /** The unterminated last line of a file that will not grow again, then cleared. */
  takePartial(): { buf: Buffer; s: number; e: number; start: number } | undefined {
    if (this.carry === 0 || !this.work) return undefined;
    const out = { buf: this.work, s: 0, e: this.carry, start: this.consumed };
    return out;
  }

  /** Marks the partial line as handed out (after takePartial's bytes were used). */
  dropPartial(): void {
    this.consumed = this.readPos;
    this.carry = 0;
    this.skipping = false;
  }

  private keepRest(w: Buffer, lineStart: number, end: number): void {
    if (this.skipping) {
      // keep only the head (already at w[0..carry)); the bytes just read are dropped
      return;
    }
    const rest = end - lineStart;
    if (rest > this.maxLineSize) {
      // the current line is already too long: keep its head (truncate) and skip the rest
      this.longLines++;
      this.skipping = true;
      const keep = this.truncate ? this.maxLineSize : 0;
      if (keep > 0 && lineStart > 0) w.copy(w, 0, lineStart, lineStart + keep);
      this.carry = keep;
      return;
    }
    if (lineStart > 0 && rest > 0) w.copy(w, 0, lineStart, end);
    this.carry = rest;
  }
}
