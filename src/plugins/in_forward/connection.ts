// One forward connection: framing, the optional handshake, request processing in order,
// acks, backpressure and every bound that protects the process from a hostile peer.
//
//   accept ──(security: write HELO, read PING, write PONG)──▶ transport phase
//   transport: msgpack objects back to back — or, if the first byte is `{`/`[`, JSON values
//   each complete object → decode → emit → (chunk option) ack after durable → next object
//
// Bounds (all close the connection with one rate-limited log line and a counter):
// - a request still incomplete past `maxRequestBytes` (chunk_size_limit, else 256 MiB);
// - a request (or handshake) not complete within `requestTimeoutMs` after its first byte;
// - bytes that are not msgpack/JSON, nesting deeper than `maxDepth`, broken gzip, a
//   decompressed payload past decompression_size_limit.
// Requests are processed strictly one at a time; while one is in flight (waiting for the
// durable hook, gunzip, or the pipeline's drain) reading pauses once more than READ_AHEAD
// bytes are waiting, so a connection holds at most ~maxRequestBytes + READ_AHEAD. Across
// connections the host keeps a budget of pending bytes: past it, every connection holding a
// partial request pauses except the one closest to completing (budget.ts).
//
// Receive path: socket chunks are queued as they arrive and never written to. A request that
// lies inside one chunk is framed and handed on as a view of it (no copy). A request that spans
// chunks is copied once into a buffer sized from what the scanner knows (a PackedForward bin's
// declared length) plus a little slack (fill()); bytes of the next request copied with it are
// dropped and re-framed from the original chunk. Decoded bin values and `es.packed` may point
// into either, so neither is ever reused. A request is processed synchronously unless the host
// returns a promise (gunzip, a durable ack, a reverse lookup): no promise or closure per
// request on the common path.

import * as net from 'node:net';
import { JsonScanError, JsonSplitter } from './json-splitter.js';
import { MsgpackScanError, MsgpackScanner } from './msgpack-scanner.js';

const READ_AHEAD = 256 * 1024;
/** Extra room after the known part of a request spanning chunks (a trailing option map). */
const ASM_SLACK = 512;
/** Allocation floor for a spanning request (the cap is otherwise twice the bytes received). */
const ASM_MIN = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/** What a connection needs from the plugin. */
export interface ConnectionHost {
  readonly maxRequestBytes: number;
  readonly requestTimeoutMs: number;
  readonly maxDepth: number;
  readonly denyKeepalive: boolean;
  readonly handshake: Handshake | undefined;
  /** Process one complete request (msgpack bytes or a parsed JSON value). Returns undefined
   *  when done synchronously (the common case), else a promise that resolves when the
   *  connection may read the next one. Throwing or rejecting closes the connection. */
  handleRequest(
    conn: ForwardConnection,
    req: Uint8Array | { json: unknown },
    size: number,
  ): Promise<void> | undefined;
  /** Count and log (rate-limited) a connection being closed for a protocol violation. */
  hostile(conn: ForwardConnection, reason: string): void;
  closed(conn: ForwardConnection): void;
  /** Pending-bytes accounting across connections (the global receive budget). */
  adjustBuffered(conn: ForwardConnection, delta: number): void;
  /** True when this connection must stop reading because the global budget is used up. */
  budgetPaused(conn: ForwardConnection): boolean;
}

/** The `<security>` handshake, server side. */
export interface Handshake {
  /** HELO bytes and the nonce/auth salt they carry, generated per connection. */
  helo(): { bytes: Buffer; nonce: Buffer; auth: Buffer };
  /** Check a PING; returns the PONG bytes and whether the client is let in. */
  ping(
    bytes: Uint8Array,
    nonce: Buffer,
    auth: Buffer,
    remoteAddress: string,
  ): { reply: Buffer; ok: boolean; reason: string };
}

export class ForwardConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Hostname of the peer once resolved (source_hostname_key). */
  hostname: string | undefined;
  mode: 'unknown' | 'msgpack' | 'json' = 'unknown';
  /** Received chunks not yet consumed; the first starts at `qHead`. `qBytes` = pending bytes. */
  private readonly q: Buffer[] = [];
  private qHead = 0;
  private qBytes = 0;
  /** Copy of the first `asmLen` pending bytes while a request spans chunks (see fill()). */
  private asm: Buffer | undefined;
  private asmLen = 0;
  private readonly scanner: MsgpackScanner;
  private readonly splitter: JsonSplitter;
  private busy = false;
  private flowPaused = false;
  private peerEnded = false;
  private isClosed = false;
  private readPaused = false;
  /** Pending bytes last reported to the host's budget. */
  private accounted = 0;
  /** When the current incomplete request (or the handshake) started; 0 = nothing pending. */
  pendingSince = 0;
  requests = 0;
  private phase: 'ping' | 'transport';
  private nonce: Buffer = EMPTY;
  private auth: Buffer = EMPTY;

  constructor(
    readonly socket: net.Socket,
    private readonly host: ConnectionHost,
  ) {
    this.remoteAddress = plainAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.scanner = new MsgpackScanner(host.maxDepth);
    this.splitter = new JsonSplitter(host.maxDepth);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => {
      this.peerEnded = true;
      this.maybeFinish();
    });
    socket.on('error', () => {
      // Resets and the like: the 'close' that follows does the bookkeeping.
    });
    socket.on('close', () => {
      this.isClosed = true;
      this.host.closed(this);
    });
    if (host.handshake) {
      const h = host.handshake.helo();
      this.nonce = h.nonce;
      this.auth = h.auth;
      this.phase = 'ping';
      this.pendingSince = Date.now();
      socket.write(h.bytes);
    } else this.phase = 'transport';
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Bytes received and not yet processed. */
  get pendingBytes(): number {
    return this.qBytes;
  }

  /** Called by the plugin's coarse timer. */
  checkDeadline(now: number): void {
    if (
      this.pendingSince &&
      !this.busy &&
      !this.flowPaused &&
      now - this.pendingSince > this.host.requestTimeoutMs
    ) {
      this.violation(
        this.phase === 'ping'
          ? 'handshake not completed within request_timeout'
          : 'request not completed within request_timeout',
      );
    }
  }

  write(bytes: Buffer | string): void {
    if (!this.isClosed && !this.socket.destroyed) this.socket.write(bytes);
  }

  /** Close after a protocol violation: count, log, reset. */
  violation(reason: string): void {
    if (this.isClosed) return;
    this.host.hostile(this, reason);
    this.destroy();
  }

  destroy(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.q.length = 0;
    this.qHead = this.qBytes = 0;
    this.asm = undefined;
    this.asmLen = 0;
    this.sync();
    this.socket.destroy();
  }

  /** Stop reading until resumeFlow(): the pipeline is past its high-water mark. */
  pauseFlow(): void {
    this.flowPaused = true;
    this.updateReading();
  }

  resumeFlow(): void {
    if (!this.flowPaused) return;
    this.flowPaused = false;
    this.updateReading();
    this.pump();
  }

  /** Report pending bytes to the host's budget. */
  private sync(): void {
    const p = this.qBytes;
    if (p !== this.accounted) {
      const d = p - this.accounted;
      this.accounted = p;
      this.host.adjustBuffered(this, d);
    }
  }

  /** Re-evaluate whether the socket should be read (also called by the host on budget changes). */
  updateReading(): void {
    if (this.isClosed) return;
    const pending = this.qBytes;
    const pause =
      this.flowPaused || (this.busy && pending > READ_AHEAD) || (pending > 0 && this.host.budgetPaused(this));
    if (pause && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    } else if (!pause && this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed || chunk.length === 0) return;
    this.q.push(chunk);
    this.qBytes += chunk.length;
    if (this.pendingSince === 0) this.pendingSince = Date.now();
    this.pump();
    this.sync();
    this.updateReading();
  }

  /** Consume `n` bytes from the head of the queue (the request just framed). */
  private consume(n: number): void {
    this.qBytes -= n;
    let head = this.qHead + n;
    const q = this.q;
    while (q.length > 0 && head >= q[0]!.length) {
      head -= q[0]!.length;
      q.shift();
    }
    this.qHead = head;
    this.asm = undefined;
    this.asmLen = 0;
  }

  /**
   * The current request spans received chunks: copy it (as far as known) into one buffer.
   * The size comes from the scanner (`atLeast`: e.g. the whole PackedForward bin once its
   * header was read) plus a little slack for a trailing option; structure of unknown size
   * grows geometrically. The allocation never exceeds twice the bytes received, so a hostile
   * declared length costs nothing. Bytes past the request that were copied are dropped: the
   * next request is framed from the original chunk again.
   */
  private fill(): void {
    const known = (this.mode === 'json' ? this.asmLen + 1 : this.scanner.atLeast) + ASM_SLACK;
    const want = this.asm ? Math.max(known, 2 * this.asmLen) : known;
    let from = this.asmLen;
    // Reallocate only when the bytes to view no longer fit (not whenever more arrived): each
    // new buffer is at least twice the bytes received so far, so a request arriving in many
    // reads is copied O(size) times in total, not once per read.
    if (!this.asm || this.asm.length < Math.min(want, this.qBytes)) {
      this.asm = Buffer.allocUnsafe(Math.min(want, Math.max(2 * this.qBytes, ASM_MIN)));
      from = 0;
    }
    const to = Math.min(this.asm.length, this.qBytes);
    // copy queue bytes [from, to) into asm[from, to)
    let pos = 0; // logical offset of the current chunk's first unconsumed byte
    for (let i = 0; i < this.q.length && pos < to; i++) {
      const c = this.q[i]!;
      const cStart = i === 0 ? this.qHead : 0;
      const len = c.length - cStart;
      if (pos + len > from) {
        const a = Math.max(from, pos);
        const b = Math.min(to, pos + len);
        c.copy(this.asm, a, cStart + (a - pos), cStart + (b - pos));
      }
      pos += len;
    }
    this.asmLen = to;
  }

  private pump(): void {
    while (!this.busy && !this.flowPaused && !this.isClosed) {
      if (this.qBytes === 0) {
        this.resetBuffer();
        this.maybeFinish();
        return;
      }
      let buf: Buffer;
      let start: number;
      let end: number;
      if (this.asm) {
        buf = this.asm;
        start = 0;
        end = this.asmLen;
      } else {
        buf = this.q[0]!;
        start = this.qHead;
        end = buf.length;
        if (this.mode === 'json') {
          const p = this.splitter.skipWhitespace(buf, start, end);
          if (p > start) {
            this.consume(p - start);
            continue;
          }
        }
      }
      if (this.mode === 'unknown' && this.phase === 'transport') {
        const c = buf[start];
        this.mode = c === 0x7b || c === 0x5b ? 'json' : 'msgpack';
        if (this.mode === 'json') continue;
      }
      let n: number;
      try {
        n = this.mode === 'json' ? this.splitter.scan(buf, start, end) : this.scanner.scan(buf, start, end);
      } catch (e) {
        if (e instanceof MsgpackScanError || e instanceof JsonScanError) {
          this.violation(e.message);
          return;
        }
        throw e;
      }
      if (n < 0) {
        if (end - start < this.qBytes) {
          this.fill(); // more bytes arrived than the view holds: extend it and scan on
          continue;
        }
        if (this.qBytes > this.host.maxRequestBytes) {
          this.violation(`request larger than ${this.host.maxRequestBytes} bytes (chunk_size_limit)`);
        } else if (this.peerEnded) {
          this.violation('connection closed in the middle of a request');
        }
        return;
      }
      const obj = buf.subarray(start, start + n);
      this.consume(n);
      this.pendingSince = this.qBytes > 0 ? Date.now() : 0;
      if (this.qBytes === 0) this.resetBuffer();
      this.busy = true;
      let work: Promise<void> | undefined;
      try {
        if (this.phase === 'ping') work = this.onPing(obj);
        else if (this.mode === 'json') {
          let value: unknown;
          try {
            value = JSON.parse(obj.toString('utf8'));
          } catch (e) {
            this.violation(`invalid JSON: ${(e as Error).message}`);
            return;
          }
          work = this.host.handleRequest(this, { json: value }, n);
        } else work = this.host.handleRequest(this, obj, n);
      } catch (e) {
        this.violation((e as Error).message);
        return;
      }
      if (work !== undefined) {
        work.then(this.onAsyncDone, this.onAsyncFail);
        return;
      }
      if (!this.requestDone()) return;
    }
  }

  /** Bookkeeping after a request; false when the connection ends here (deny_keepalive). */
  private requestDone(): boolean {
    this.busy = false;
    this.requests++;
    if (this.host.denyKeepalive && this.phase === 'transport' && this.requests > 0) {
      this.finish();
      return false;
    }
    return true;
  }

  private readonly onAsyncDone = (): void => {
    if (!this.requestDone()) return;
    this.pump();
    this.sync();
    this.updateReading();
  };

  private readonly onAsyncFail = (e: Error): void => this.violation(e.message);

  private onPing(obj: Uint8Array): undefined {
    const res = this.host.handshake!.ping(obj, this.nonce, this.auth, this.remoteAddress);
    this.requests--; // the PING is not a request
    if (!res.ok) {
      this.host.hostile(this, `handshake refused: ${res.reason}`);
      this.socket.end(res.reply);
      this.isClosed = true;
      return;
    }
    this.write(res.reply);
    this.phase = 'transport';
    return undefined;
  }

  private resetBuffer(): void {
    this.q.length = 0;
    this.qHead = this.qBytes = 0;
    this.asm = undefined;
    this.asmLen = 0;
    this.sync();
    this.pendingSince = 0;
  }

  /** The peer half-closed: end our side once everything it sent is processed. */
  private maybeFinish(): void {
    if (this.peerEnded && !this.busy && this.qBytes === 0 && !this.isClosed) this.finish();
  }

  private finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.socket.end();
  }
}

/** An IPv4 peer on a dual-stack socket shows as `::ffff:1.2.3.4`: report `1.2.3.4` (as in_tcp
 *  and Fluentd do), for source_address_key, the reverse lookup and log lines alike. */
export function plainAddress(addr: string): string {
  return addr.startsWith('::ffff:') && net.isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
}
