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
// Received bytes are never overwritten once an object was decoded from them (decoded bin
// values and `es.packed` may point into them): the receive buffer grows by reallocation.

import type * as net from 'node:net';
import { JsonScanError, JsonSplitter } from './json-splitter.js';
import { MsgpackScanError, MsgpackScanner } from './msgpack-scanner.js';

const READ_AHEAD = 256 * 1024;
const MIN_ALLOC = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** What a connection needs from the plugin. */
export interface ConnectionHost {
  readonly maxRequestBytes: number;
  readonly requestTimeoutMs: number;
  readonly maxDepth: number;
  readonly denyKeepalive: boolean;
  readonly handshake: Handshake | undefined;
  /** Process one complete request (msgpack bytes or a parsed JSON value). Resolves when the
   *  connection may read the next one. */
  handleRequest(conn: ForwardConnection, req: Uint8Array | { json: unknown }, size: number): Promise<void>;
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
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;
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
    this.remoteAddress = socket.remoteAddress ?? '';
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
    return this.end - this.start;
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
    this.buf = EMPTY;
    this.start = this.end = 0;
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
    const p = this.end - this.start;
    if (p !== this.accounted) {
      const d = p - this.accounted;
      this.accounted = p;
      this.host.adjustBuffered(this, d);
    }
  }

  /** Re-evaluate whether the socket should be read (also called by the host on budget changes). */
  updateReading(): void {
    if (this.isClosed) return;
    const pending = this.end - this.start;
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
    if (this.isClosed) return;
    this.append(chunk);
    if (this.pendingSince === 0) this.pendingSince = Date.now();
    this.pump();
    this.sync();
    this.updateReading();
  }

  private append(chunk: Buffer): void {
    if (this.start === this.end) {
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    if (!this.owned || this.buf.length - this.end < chunk.length) {
      // Reallocate (never compact in place: decoded values may point into the old bytes).
      const n = this.end - this.start;
      const need = n + chunk.length;
      const next = Buffer.allocUnsafe(Math.max(MIN_ALLOC, need + Math.min(need, 8 * 1024 * 1024)));
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.start = 0;
      this.end = n;
      this.owned = true;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  /** True when `buf` was allocated here (spare capacity may be appended to). */
  private owned = false;

  private pump(): void {
    while (!this.busy && !this.flowPaused && !this.isClosed) {
      if (this.mode === 'json') this.start = this.splitter.skipWhitespace(this.buf, this.start, this.end);
      if (this.start >= this.end) {
        this.resetBuffer();
        this.maybeFinish();
        return;
      }
      if (this.mode === 'unknown' && this.phase === 'transport') {
        const c = this.buf[this.start];
        this.mode = c === 0x7b || c === 0x5b ? 'json' : 'msgpack';
        if (this.mode === 'json') continue;
      }
      let n: number;
      try {
        n =
          this.mode === 'json'
            ? this.splitter.scan(this.buf, this.start, this.end)
            : this.scanner.scan(this.buf, this.start, this.end);
      } catch (e) {
        if (e instanceof MsgpackScanError || e instanceof JsonScanError) {
          this.violation(e.message);
          return;
        }
        throw e;
      }
      if (n < 0) {
        if (this.end - this.start > this.host.maxRequestBytes) {
          this.violation(`request larger than ${this.host.maxRequestBytes} bytes (chunk_size_limit)`);
        } else if (this.peerEnded) {
          this.violation('connection closed in the middle of a request');
        }
        return;
      }
      const obj = this.buf.subarray(this.start, this.start + n);
      this.start += n;
      this.pendingSince = this.start < this.end ? Date.now() : 0;
      if (this.start === this.end) this.resetBuffer();
      this.busy = true;
      let work: Promise<void>;
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
      work.then(
        () => {
          this.busy = false;
          this.requests++;
          if (this.host.denyKeepalive && this.phase === 'transport' && this.requests > 0) {
            this.finish();
            return;
          }
          this.pump();
          this.sync();
          this.updateReading();
        },
        (e: Error) => this.violation(e.message),
      );
      return;
    }
  }

  private async onPing(obj: Uint8Array): Promise<void> {
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
  }

  private resetBuffer(): void {
    this.buf = EMPTY;
    this.start = this.end = 0;
    this.sync();
    this.owned = false;
    this.pendingSince = 0;
  }

  /** The peer half-closed: end our side once everything it sent is processed. */
  private maybeFinish(): void {
    if (this.peerEnded && !this.busy && this.start >= this.end && !this.isClosed) this.finish();
  }

  private finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.socket.end();
  }
}
