// One tailed file as a file: its identity (inode, device, birth time), its descriptor, and
// the bytes remembered to recognise it after a truncation or in a copy.
//
// Contract:
// - open() reopens by path when the descriptor was closed (open_on_every_update,
//   max_open_files): a rotated file is found through host.locate(); a file at that path
//   with another identity is not ours ('gone').
// - The fingerprint: the first HEAD bytes (as last seen before any truncation) and the last
//   TAIL bytes of the last whole line read. rewritten() compares the tail with the file:
//   different bytes before our position mean it was truncated and rewritten past it.
//   copies.ts compares both with candidate copies (headBytes, tailMatches, tailInfo).

import * as fs from 'node:fs';
import type { LineBuffer } from './line-buffer.js';
import type { FileHost } from './reader-host.js';

const TAIL = 16;
/** First bytes kept for recognising copies (copies.ts). */
export const HEAD = 64;

/** fs.read as a promise (one callback, no FileHandle). */
export function readAsync(fd: number, buf: Buffer, at: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, at, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

export class TailFile {
  state: 'live' | 'rotated' | 'closed' = 'live';
  fd: number | undefined;
  /** Where the file was last seen (its symlink target, or its name after a rotation). */
  realPath: string;
  private tail = Buffer.alloc(TAIL);
  private tailLen = 0;
  private tailEnd = 0;
  private head: Buffer | undefined;
  // the last whole line handed out by the current feed (set per line, see rememberTail)
  protected lastS = 0;
  protected lastE = -1;
  protected lastStart = 0;

  constructor(
    private readonly fileHost: FileHost,
    readonly ino: number,
    readonly dev: number,
    readonly birthMs: number,
    public path: string,
    readonly lines: LineBuffer,
  ) {
    this.realPath = path;
  }

  get key(): string {
    return `${this.dev}:${this.ino}`;
  }

  /**
   * Opens by path when the descriptor was closed (open_on_every_update, max_open_files):
   * 'nofd' = no descriptor slot free, 'gone' = the file is not where it was.
   */
  open(): 'ok' | 'nofd' | 'gone' {
    if (this.fd !== undefined) return 'ok';
    if (this.state === 'closed') return 'gone';
    const file = this.state === 'live' ? this.path : this.fileHost.locate(this);
    if (file === undefined) return 'gone';
    if (!this.fileHost.acquireFd(this)) return 'nofd';
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'r');
      const st = fs.fstatSync(fd);
      if (st.ino !== this.ino || st.dev !== this.dev || (this.birthMs && st.birthtimeMs !== this.birthMs)) {
        fs.closeSync(fd);
        fd = undefined;
      }
    } catch {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    }
    if (fd === undefined) {
      this.fileHost.releaseFd(this);
      return 'gone';
    }
    this.fd = fd;
    this.fileHost.stats.opened++;
    return 'ok';
  }

  closeFd(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
    this.fileHost.stats.closed++;
    this.fileHost.releaseFd(this);
  }

  /** Bytes [pos, pos+len) of the file (shorter at its end); empty without a descriptor. */
  readAt(pos: number, len: number): Buffer {
    if (this.open() !== 'ok') return Buffer.alloc(0);
    const b = Buffer.alloc(len);
    const n = fs.readSync(this.fd!, b, 0, len, pos);
    return b.subarray(0, n);
  }

  /** After a feed: keep the last bytes of the last whole line (truncation and copy checks). */
  protected rememberTail(buf: Buffer): void {
    if (this.lastE < 0) return;
    const k = Math.min(TAIL, this.lastE - this.lastS + 1);
    buf.copy(this.tail, 0, this.lastE + 1 - k, this.lastE + 1);
    this.tailLen = k;
    this.tailEnd = this.lastStart + (this.lastE - this.lastS) + 1;
    this.lastE = -1;
  }

  /**
   * The file's first bytes, as last seen before any truncation: cached, and re-read only while
   * shorter than n and the file has not shrunk (so a truncated file still reports its old head).
   */
  headBytes(n: number): Buffer {
    if ((this.head && this.head.length >= n) || this.fd === undefined) return this.head ?? Buffer.alloc(0);
    try {
      if (fs.fstatSync(this.fd).size >= this.lines.readPos) {
        const b = this.readAt(0, n);
        if (!this.head || b.length > this.head.length) this.head = b;
      }
    } catch {
      // keep what we had
    }
    return this.head ?? Buffer.alloc(0);
  }

  /** Whether the head is still shorter than HEAD (worth reading again after new lines). */
  protected get headShort(): boolean {
    return (this.head?.length ?? 0) < HEAD;
  }

  /** Remembers the bytes just before the start position (truncation checks before any read). */
  primeTail(): void {
    this.headBytes(HEAD);
    const pos = this.lines.consumed;
    if (pos === 0) return;
    const k = Math.min(TAIL, pos);
    const b = this.readAt(pos - k, k);
    if (b.length !== k) return;
    b.copy(this.tail, 0);
    this.tailLen = k;
    this.tailEnd = pos;
  }

  /** Whether the bytes before our position changed (truncated and rewritten past it). */
  protected rewritten(fd: number): boolean {
    if (this.tailLen === 0) return false;
    const b = Buffer.alloc(this.tailLen);
    const n = fs.readSync(fd, b, 0, this.tailLen, this.tailEnd - this.tailLen);
    return n < this.tailLen || !b.equals(this.tail.subarray(0, this.tailLen));
  }

  /** The file was truncated: what we remembered of it no longer holds. */
  protected forgetFingerprint(): void {
    this.tailLen = 0;
    this.tailEnd = 0;
    this.head = undefined;
  }

  /** Whether a copy of this file holds bytes [end - tail, end) equal to what we read last. */
  tailMatches(copy: Buffer, copyStart: number): boolean {
    if (this.tailLen === 0) return false;
    const from = this.tailEnd - this.tailLen - copyStart;
    if (from < 0 || from + this.tailLen > copy.length) return false;
    return copy.subarray(from, from + this.tailLen).equals(this.tail.subarray(0, this.tailLen));
  }

  get tailInfo(): { end: number; len: number } {
    return { end: this.tailEnd, len: this.tailLen };
  }
}
