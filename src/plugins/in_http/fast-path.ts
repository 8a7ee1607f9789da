// The fast path (issue 9): every new connection is first read by this small HTTP/1.1 reader,
// not node:http. It serves only the common request (request-head.ts: `POST /<tag>` with one
// Content-Length and nothing that needs node's machinery); the first request it does not
// understand makes it hand the connection to node:http for the rest of the connection's life.
//
// Per connection:
//
//   bytes ──► parseHead ──► INCOMPLETE: wait for more (bounded by MAX_HEAD)
//                      ├──► HAND_OVER or body over the limit: the unconsumed bytes are pushed
//                      │    back (socket.unshift) and node:http's connection listener takes the
//                      │    socket. This only happens at a request boundary: nothing of that
//                      │    request was consumed, and every earlier one was already answered.
//                      └──► head: the body is collected (in place when it arrived whole), then
//                           handler.onFastRequest; its answer comes back through answer() as
//                           ready-made bytes, written with one socket.write.
//
// One request at a time: pipelined requests wait in the buffer until the previous answer is
// written, so answers go out in order. While an answer is pending, data that arrives pauses
// the socket; while the socket's write buffer is full, reading waits for 'drain'.
// Timeouts: the socket idles out after `idleMs` (keepalive_timeout + 1 s, node's margin): an
// idle connection is destroyed (kept with keepalive_timeout 0), a half-arrived head is handed to
// node:http (whose headers/request timeouts then apply); while a body arrives in pieces the
// limit is `bodyMs` of silence (node:http's request timeout, 120 s, counts from the request's
// start), after which the connection is dropped. Nothing
// times out while an answer is pending (node:http neither).

import type * as net from 'node:net';
import { keepAliveFor } from './reply.js';
import { HAND_OVER, INCOMPLETE, MAX_HEAD, parseHead, type RequestHead } from './request-head.js';

const HEAD_END = Buffer.from('\r\n\r\n');

/** What the fast path serves requests to (in_http). */
export interface FastHandler {
  readonly bodyLimit: number;
  /** One complete request. Must end with exactly one `conn.answer(...)`, now or later. */
  onFastRequest(conn: FastConnection, head: RequestHead, body: Buffer): void;
  /** Gives the socket to node:http (its connection listener). */
  handOver(socket: net.Socket): void;
}

export class FastPath {
  readonly connections = new Set<FastConnection>();
  /** Requests answered by the fast path, and connections handed to node:http. */
  readonly stats = { requests: 0, handovers: 0 };

  constructor(
    readonly handler: FastHandler,
    readonly idleMs: number,
    /** Whether an idle connection is closed when idleMs passes (keepalive_timeout > 0). */
    readonly closeIdle: boolean,
    readonly bodyMs: number,
  ) {}

  accept(socket: net.Socket): void {
    this.connections.add(new FastConnection(this, socket));
  }

  /** Destroys every connection still on the fast path (shutdown). */
  destroyAll(): void {
    for (const c of this.connections) c.socket.destroy();
    this.connections.clear();
  }
}

export class FastConnection {
  /** Bytes received and not yet consumed (a partial head, or pipelined requests). */
  private buf: Buffer | undefined = undefined;
  /** Where in `buf` the search for the end of the head resumes (a head in many pieces is
   * scanned once, not once per piece). */
  private scanFrom = 0;
  /** A parsed head whose body is still arriving into `body`. */
  private head: RequestHead | undefined = undefined;
  private body: Buffer | undefined = undefined;
  private filled = 0;
  /** An answer is pending (the request was handed to the handler). */
  private busy = false;
  private pumping = false;
  private paused = false;
  private draining = false;
  private peerEnded = false;
  private done = false;
  /** Whether the request being answered keeps the connection open. */
  keepAlive = true;

  private readonly onData = (chunk: Buffer) => this.data(chunk);
  private readonly onEnd = () => this.peerEnd();
  private readonly onTimeout = () => this.timeout();
  private readonly onClose = () => this.closed();
  private readonly onError = () => this.socket.destroy();
  private readonly onDrain = () => {
    this.draining = false;
    this.next();
  };

  constructor(
    private readonly path: FastPath,
    readonly socket: net.Socket,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('timeout', this.onTimeout);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    socket.setTimeout(path.idleMs);
  }

  private data(chunk: Buffer): void {
    if (this.done) return;
    if (this.head !== undefined) {
      this.fillBody(chunk);
      return;
    }
    this.buf = this.buf === undefined ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.busy) this.pause();
    else this.pump();
  }

  /** Copies body bytes of the current head; the rest (pipelined) goes to `buf`. */
  private fillBody(chunk: Buffer): void {
    const body = this.body!;
    const take = Math.min(chunk.length, body.length - this.filled);
    chunk.copy(body, this.filled, 0, take);
    this.filled += take;
    if (this.filled < body.length) return;
    if (take < chunk.length) this.buf = chunk.subarray(take);
    const head = this.head!;
    this.head = undefined;
    this.body = undefined;
    this.socket.setTimeout(this.path.idleMs);
    this.dispatch(head, body);
    if (!this.busy) this.pump();
  }

  /** Serves the buffered requests, one at a time. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.busy && !this.done && this.buf !== undefined) {
        const buf = this.buf;
        if (buf.indexOf(HEAD_END, this.scanFrom) < 0) {
          if (buf.length >= MAX_HEAD) {
            this.handOver();
            return;
          }
          this.scanFrom = Math.max(0, buf.length - 3);
          break;
        }
        this.scanFrom = 0;
        const r = parseHead(buf);
        if (r === INCOMPLETE) break;
        if (r === HAND_OVER || r.bodyLength > this.path.handler.bodyLimit) {
          this.handOver();
          return;
        }
        const end = r.headLength + r.bodyLength;
        if (buf.length >= end) {
          this.buf = buf.length > end ? buf.subarray(end) : undefined;
          this.dispatch(r, buf.subarray(r.headLength, end));
        } else {
          this.buf = undefined;
          this.head = r;
          this.body = Buffer.allocUnsafe(r.bodyLength);
          this.filled = buf.length - r.headLength;
          buf.copy(this.body, 0, r.headLength);
          this.socket.setTimeout(this.path.bodyMs);
        }
      }
    } finally {
      this.pumping = false;
    }
    if (!this.busy) this.afterPump();
  }

  private dispatch(head: RequestHead, body: Buffer): void {
    this.busy = true;
    this.keepAlive = keepAliveFor(head.http10, head.connection);
    this.path.stats.requests++;
    this.path.handler.onFastRequest(this, head, body);
  }

  /**
   * Writes the answer to the current request (one write); `close` ends the connection after
   * it. Safe to call after the socket is gone (the answer is dropped).
   */
  answer(bytes: Buffer, close: boolean): void {
    this.busy = false;
    const s = this.socket;
    if (this.done || s.destroyed) return;
    if (close) {
      this.done = true;
      this.buf = undefined;
      s.write(bytes);
      s.destroySoon();
      return;
    }
    if (!s.write(bytes)) {
      this.draining = true;
      this.pause();
      s.once('drain', this.onDrain);
      return;
    }
    if (!this.pumping) this.next();
  }

  /** Carries on after an answer: the next buffered request, else read again. */
  private next(): void {
    if (this.draining || this.busy || this.done) return;
    this.pump();
  }

  /** Nothing more to serve from the buffer for now: resume reading, or finish a half-closed peer. */
  private afterPump(): void {
    if (this.done) return;
    if (this.peerEnded) {
      this.done = true;
      if (this.buf !== undefined || this.head !== undefined) this.socket.destroy();
      else this.socket.end();
      return;
    }
    if (this.paused && !this.draining) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  private peerEnd(): void {
    this.peerEnded = true;
    if (!this.busy && !this.pumping) this.afterPump();
  }

  private timeout(): void {
    if (this.busy || this.done) return;
    if (this.buf !== undefined && this.head === undefined) this.handOver();
    else if (this.head !== undefined || this.path.closeIdle) this.socket.destroy();
  }

  private closed(): void {
    this.done = true;
    this.path.connections.delete(this);
  }

  /** Gives the socket, with the unconsumed bytes pushed back, to node:http. */
  private handOver(): void {
    const s = this.socket;
    this.done = true;
    this.path.connections.delete(this);
    this.path.stats.handovers++;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('timeout', this.onTimeout);
    s.off('close', this.onClose);
    s.off('error', this.onError);
    s.off('drain', this.onDrain);
    s.setTimeout(0);
    // Paused first, so that unshift buffers the bytes instead of emitting them to no listener;
    // node:http's 'data' listener then gets them, in order, once reading resumes.
    s.pause();
    if (this.buf !== undefined) s.unshift(this.buf);
    this.buf = undefined;
    this.path.handler.handOver(s);
    if (!s.destroyed) s.resume();
  }
}
