// Splitting a TCP byte stream into messages, with a hard bound on what one connection holds.
//
//   traditional (in_tcp, in_syslog frame_type traditional)
//     MSG DELIM MSG DELIM ...          DELIM = `delimiter` (default "\n"), not part of MSG
//   octet_count (in_syslog frame_type octet_count, RFC 6587 §3.4.1)
//     LEN SP MSG LEN SP MSG ...        LEN = decimal byte count of MSG; whitespace before LEN
//                                      (a stray "\n" between frames) is skipped
//
// Bounds, Fluentd's rule for in_tcp extended to every framing:
// - a complete message longer than `limit` bytes is dropped (onDrop 'oversized');
// - a partial message that grows past `limit` is discarded at once, and so is everything up to
//   the next delimiter (onDrop 'discarded', reported once per discarded message);
// - an octet-count frame declaring more than `limit` bytes is skipped byte-exactly without
//   being buffered; a LEN that is not a number closes the connection (FramingError), as the
//   Ruby `Integer()` failure does in Fluentd.
// So a connection never holds more than `limit` + one read of unprocessed bytes.
// Messages are handed out as Buffers (subarrays valid only during the callback).

/** A stream that cannot be framed (bad octet count): the connection must be closed. */
export class FramingError extends Error {
  override name = 'FramingError';
}

export type DropReason = 'oversized' | 'discarded';
export type MessageFn = (msg: Buffer) => void;
export type DropFn = (reason: DropReason, size: number, head: Buffer) => void;

export interface Framer {
  /** Feed received bytes; calls onMessage for each complete message. May throw FramingError. */
  push(data: Buffer): void;
  /** Bytes held for an incomplete message. */
  readonly pending: number;
}

const MIN_ALLOC = 4096;
const HEAD = 32;

/** A growable byte buffer that is reused between messages (no concat per read). */
class Pending {
  buf: Buffer = Buffer.alloc(0);
  len = 0;

  append(data: Buffer, start = 0, end = data.length): void {
    const n = end - start;
    if (this.len + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(MIN_ALLOC, this.len + n, this.buf.length * 2));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    data.copy(this.buf, this.len, start, end);
    this.len += n;
  }

  clear(): void {
    this.len = 0;
    // Give back a buffer that grew large for one long message.
    if (this.buf.length > 256 * 1024) this.buf = Buffer.alloc(0);
  }
}

export class DelimiterFramer implements Framer {
  private readonly delim: Buffer;
  private readonly held = new Pending();
  /** Bytes of `held` already searched for the delimiter. */
  private scanned = 0;
  private discarding = false;

  constructor(
    delimiter: string,
    private readonly limit: number,
    private readonly onMessage: MessageFn,
    private readonly onDrop: DropFn,
  ) {
    this.delim = Buffer.from(delimiter, 'utf8');
    if (this.delim.length === 0) throw new Error('delimiter must not be empty');
  }

  get pending(): number {
    return this.held.len;
  }

  push(data: Buffer): void {
    const dl = this.delim.length;
    let pos = 0;
    if (this.held.len > 0) {
      // Complete the held message first; the delimiter may straddle the two reads.
      const from = Math.max(0, this.scanned - (dl - 1));
      this.held.append(data);
      const h = this.held.buf.subarray(0, this.held.len);
      const i = h.indexOf(this.delim, from);
      if (i < 0) {
        this.scanned = this.held.len;
        this.checkHeld();
        return;
      }
      this.emit(h.subarray(0, i));
      // What followed the delimiter in `data`.
      pos = data.length - (this.held.len - (i + dl));
      this.held.clear();
      this.scanned = 0;
    }
    for (;;) {
      const i = data.indexOf(this.delim, pos);
      if (i < 0) break;
      this.emit(data.subarray(pos, i));
      pos = i + dl;
    }
    if (pos < data.length) {
      if (this.discarding) {
        // Still inside a discarded message: nothing to keep.
        return;
      }
      this.held.append(data, pos);
      this.scanned = this.held.len;
      this.checkHeld();
    }
  }

  private emit(msg: Buffer): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (msg.length > this.limit) {
      this.onDrop('oversized', msg.length, msg.subarray(0, HEAD));
      return;
    }
    this.onMessage(msg);
  }

  /** A partial message past the limit: report it, drop it and the rest of it. */
  private checkHeld(): void {
    if (this.held.len <= this.limit) return;
    if (this.discarding) {
      this.held.clear();
      this.scanned = 0;
      return;
    }
    this.onDrop('discarded', this.held.len, Buffer.from(this.held.buf.subarray(0, HEAD)));
    this.held.clear();
    this.scanned = 0;
    this.discarding = true;
  }
}

const SP = 0x20;
const MAX_LEN_DIGITS = 10;

function isSpace(b: number): boolean {
  return b === SP || b === 0x0a || b === 0x0d || b === 0x09;
}

export class OctetCountFramer implements Framer {
  private readonly held = new Pending();
  /** The declared length of the frame being read, or -1 while reading LEN. */
  private want = -1;
  /** Bytes still to skip of an oversized frame. */
  private skip = 0;

  constructor(
    private readonly limit: number,
    private readonly onMessage: MessageFn,
    private readonly onDrop: DropFn,
  ) {}

  get pending(): number {
    return this.held.len;
  }

  push(data: Buffer): void {
    let pos = 0;
    const n = data.length;
    while (pos < n) {
      if (this.skip > 0) {
        const k = Math.min(this.skip, n - pos);
        this.skip -= k;
        pos += k;
        continue;
      }
      if (this.want < 0) {
        pos = this.readLength(data, pos);
        continue;
      }
      if (this.held.len === 0 && n - pos >= this.want) {
        this.onMessage(data.subarray(pos, pos + this.want));
        pos += this.want;
        this.want = -1;
        continue;
      }
      const k = Math.min(this.want - this.held.len, n - pos);
      this.held.append(data, pos, pos + k);
      pos += k;
      if (this.held.len === this.want) {
        this.onMessage(this.held.buf.subarray(0, this.held.len));
        this.held.clear();
        this.want = -1;
      }
    }
  }

  /** Reads (part of) `LEN SP`; returns the new position. Digits seen so far are kept in `held`. */
  private readLength(data: Buffer, pos: number): number {
    const n = data.length;
    while (pos < n) {
      const b = data[pos]!;
      if (this.held.len === 0 && isSpace(b)) {
        pos++;
        continue;
      }
      if (b === SP) {
        const len = Number(this.held.buf.toString('latin1', 0, this.held.len));
        this.held.clear();
        this.startFrame(len);
        return pos + 1;
      }
      if (b < 0x30 || b > 0x39 || this.held.len >= MAX_LEN_DIGITS) {
        const seen = Buffer.concat([this.held.buf.subarray(0, this.held.len), data.subarray(pos, pos + 16)]);
        throw new FramingError(`invalid octet count: ${JSON.stringify(seen.toString('latin1'))}`);
      }
      this.held.append(data, pos, pos + 1);
      pos++;
    }
    return pos;
  }

  private startFrame(len: number): void {
    if (len > this.limit) {
      this.onDrop('oversized', len, Buffer.alloc(0));
      this.skip = len;
      return;
    }
    if (len === 0) {
      this.onMessage(Buffer.alloc(0));
      return;
    }
    this.want = len;
  }
}
