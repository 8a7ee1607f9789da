// FluentLogger: a forward-protocol client for Node/TypeScript applications (`tributary/logger`).
//
//   const log = new FluentLogger({ tagPrefix: 'app', requireAck: true });
//   log.emit('login', { user: 2 });        // tag app.login, time now (EventTime)
//   await log.close();                     // flush (and wait for acks), then disconnect
//
// Contract:
// - emit() never blocks and never throws for delivery problems. Events go to a bounded
//   in-memory queue (`maxQueueBytes`); an event that does not fit is dropped, counted in
//   `stats.dropped` and reported through `onDrop` (default: one stderr line per 10 s).
// - Batches are sent as PackedForward, one tag per request, at most `maxBatchBytes` each.
// - requireAck: each batch carries a `chunk` id and stays queued until `{"ack": id}` arrives;
//   on timeout or a lost connection it is sent again (at-least-once). Without acks a batch is
//   done once written (at-most-once).
// - Connection failures reconnect with exponential backoff (±20 % jitter) up to
//   `reconnectMaxMs`; after `maxRetries` consecutive failures the queue is dropped (reported).
// - flush() resolves when everything emitted before it is written (and acked); close()
//   flushes for at most `closeTimeoutMs`, drops the rest (reported) and disconnects.
//   `flushOnExit` (default true) closes the logger on the process's 'beforeExit'.
// - The socket is unref'd while idle: the logger never keeps a process alive by itself.

import * as net from 'node:net';
import * as tls from 'node:tls';
import { MsgpackScanner } from '../plugins/in_forward/msgpack-scanner.js';
import {
  checkPong,
  decode,
  encodeEntry,
  newChunkId,
  packedRequest,
  pingFor,
  type SecurityOptions,
  type TimeInput,
} from './wire.js';

export interface DropInfo {
  reason: 'queue full' | 'retry limit' | 'closed';
  tag: string;
  count: number;
  /** The dropped `[time, record]` entries, msgpack-encoded. */
  entries: Buffer[];
}

export interface FluentLoggerOptions {
  host?: string;
  port?: number;
  /** Unix socket path (instead of host/port). */
  path?: string;
  tagPrefix?: string;
  requireAck?: boolean;
  ackTimeoutMs?: number;
  timeAsInteger?: boolean;
  maxQueueBytes?: number;
  maxBatchBytes?: number;
  connectTimeoutMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  maxRetries?: number;
  closeTimeoutMs?: number;
  flushOnExit?: boolean;
  tls?: tls.ConnectionOptions;
  security?: SecurityOptions;
  onDrop?: (info: DropInfo) => void;
  onError?: (err: Error) => void;
}

export interface LoggerStats {
  emitted: number;
  sent: number;
  acked: number;
  dropped: number;
  queuedBytes: number;
  reconnects: number;
}

interface Batch {
  tag: string;
  entries: Buffer[];
  bytes: number;
  chunk: string | undefined;
}

export class FluentLogger {
  readonly stats: LoggerStats = { emitted: 0, sent: 0, acked: 0, dropped: 0, queuedBytes: 0, reconnects: 0 };
  private readonly o: Required<
    Omit<FluentLoggerOptions, 'path' | 'tagPrefix' | 'tls' | 'security' | 'onDrop' | 'onError'>
  > &
    FluentLoggerOptions;
  private readonly queue = new Map<string, { entries: Buffer[]; bytes: number }>();
  private socket: net.Socket | undefined;
  private state: 'idle' | 'connecting' | 'handshake' | 'ready' = 'idle';
  private inflight: Batch | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private scheduled = false;
  private closing = false;
  private waiters: (() => void)[] = [];
  private rx: Buffer = Buffer.alloc(0);
  private readonly scanner = new MsgpackScanner(16);
  private handshake: { salt: string; nonce: Buffer } | undefined;
  private lastDropLog = 0;
  private readonly exitHook = () => void this.close();

  constructor(opts: FluentLoggerOptions = {}) {
    this.o = {
      host: '127.0.0.1',
      port: 24224,
      requireAck: false,
      ackTimeoutMs: 60_000,
      timeAsInteger: false,
      maxQueueBytes: 8 * 1024 * 1024,
      maxBatchBytes: 1024 * 1024,
      connectTimeoutMs: 10_000,
      reconnectInitialMs: 500,
      reconnectMaxMs: 30_000,
      maxRetries: Number.POSITIVE_INFINITY,
      closeTimeoutMs: 5_000,
      flushOnExit: true,
      ...opts,
    };
    if (this.o.flushOnExit) process.once('beforeExit', this.exitHook);
  }

  /** Queue one event. Returns false when it was dropped (queue full or logger closed). */
  emit(label: string, record: Record<string, unknown>, time?: TimeInput): boolean {
    const tag = this.o.tagPrefix ? (label ? `${this.o.tagPrefix}.${label}` : this.o.tagPrefix) : label;
    const entry = encodeEntry(time, record, this.o.timeAsInteger);
    this.stats.emitted++;
    if (this.closing) {
      this.drop({ reason: 'closed', tag, count: 1, entries: [entry] });
      return false;
    }
    if (this.stats.queuedBytes + entry.length > this.o.maxQueueBytes) {
      this.drop({ reason: 'queue full', tag, count: 1, entries: [entry] });
      return false;
    }
    let q = this.queue.get(tag);
    if (!q) {
      q = { entries: [], bytes: 0 };
      this.queue.set(tag, q);
    }
    q.entries.push(entry);
    q.bytes += entry.length;
    this.stats.queuedBytes += entry.length;
    this.schedule();
    return true;
  }

  /** Resolves when everything queued so far has been written (and acked with requireAck). */
  flush(): Promise<void> {
    if (this.isEmpty()) return Promise.resolve();
    this.schedule();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Flush for at most closeTimeoutMs, drop what is left (reported), disconnect. */
  async close(): Promise<void> {
    if (this.closing) return;
    process.off('beforeExit', this.exitHook);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((r) => {
        timer = setTimeout(r, this.o.closeTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.closing = true;
    if (this.inflight) this.requeue();
    this.dropAll('closed');
    clearTimeout(this.retryTimer);
    clearTimeout(this.ackTimer);
    this.socket?.end();
    this.socket = undefined;
    this.state = 'idle';
  }

  private isEmpty(): boolean {
    return this.queue.size === 0 && !this.inflight;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closing && !this.inflight && this.queue.size === 0) return;
    if (this.inflight) return;
    if (this.queue.size === 0) {
      this.socket?.unref();
      const w = this.waiters;
      this.waiters = [];
      for (const cb of w) cb();
      return;
    }
    if (this.state === 'idle') {
      if (!this.retryTimer) this.connect();
      return;
    }
    if (this.state !== 'ready' || !this.socket) return;
    const batch = this.takeBatch();
    this.inflight = batch;
    const sock = this.socket;
    sock.ref();
    const parts = packedRequest(batch.tag, batch.entries, batch.bytes, batch.entries.length, batch.chunk);
    sock.cork();
    for (const p of parts) sock.write(p);
    sock.uncork();
    if (batch.chunk) {
      this.ackTimer = setTimeout(() => this.fail(new Error('ack timeout')), this.o.ackTimeoutMs);
      this.ackTimer.unref();
    } else {
      sock.write(Buffer.alloc(0), (err) => {
        if (err || this.inflight !== batch) return;
        this.done(batch);
      });
    }
  }

  private takeBatch(): Batch {
    const [tag, q] = this.queue.entries().next().value as [string, { entries: Buffer[]; bytes: number }];
    let n = 0;
    let bytes = 0;
    while (n < q.entries.length && (n === 0 || bytes + q.entries[n]!.length <= this.o.maxBatchBytes)) {
      bytes += q.entries[n]!.length;
      n++;
    }
    const entries = q.entries.splice(0, n);
    q.bytes -= bytes;
    if (q.entries.length === 0) this.queue.delete(tag);
    return { tag, entries, bytes, chunk: this.o.requireAck ? newChunkId() : undefined };
  }

  private done(batch: Batch): void {
    clearTimeout(this.ackTimer);
    this.inflight = undefined;
    this.failures = 0;
    this.stats.queuedBytes -= batch.bytes;
    this.stats.sent += batch.entries.length;
    if (batch.chunk) this.stats.acked += batch.entries.length;
    this.pump();
  }

  /** Put the in-flight batch back at the front of its tag's queue (sent again). */
  private requeue(): void {
    const b = this.inflight!;
    this.inflight = undefined;
    clearTimeout(this.ackTimer);
    const rest = this.queue.get(b.tag);
    const merged = { entries: [...b.entries, ...(rest?.entries ?? [])], bytes: b.bytes + (rest?.bytes ?? 0) };
    const others = [...this.queue].filter(([t]) => t !== b.tag);
    this.queue.clear();
    this.queue.set(b.tag, merged);
    for (const [t, q] of others) this.queue.set(t, q);
  }

  private connect(): void {
    this.state = 'connecting';
    const o = this.o;
    const onConnect = () => {
      sock.setTimeout(0);
      this.rx = Buffer.alloc(0);
      this.scanner.reset();
      if (o.security) this.state = 'handshake';
      else this.ready();
    };
    let sock: net.Socket;
    if (o.tls) {
      const opts: tls.ConnectionOptions = o.path
        ? { ...o.tls, path: o.path }
        : { ...o.tls, host: o.host, port: o.port };
      sock = tls.connect(opts, onConnect);
    } else {
      sock = o.path
        ? net.connect({ path: o.path }, onConnect)
        : net.connect({ host: o.host, port: o.port }, onConnect);
    }
    sock.setTimeout(o.connectTimeoutMs, () => sock.destroy(new Error('connect timeout')));
    sock.on('data', (d: Buffer) => this.onData(sock, d));
    sock.on('error', (e) => {
      if (this.socket === sock) this.fail(e);
    });
    sock.on('close', () => {
      if (this.socket === sock) this.fail(new Error('connection closed by the server'));
    });
    this.socket = sock;
  }

  private ready(): void {
    this.state = 'ready';
    this.failures = 0;
    this.pump();
  }

  private onData(sock: net.Socket, d: Buffer): void {
    if (this.socket !== sock) return;
    this.rx = this.rx.length ? Buffer.concat([this.rx, d]) : d;
    for (;;) {
      let n: number;
      try {
        n = this.scanner.scan(this.rx, 0, this.rx.length);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      if (n < 0) {
        if (this.rx.length > 64 * 1024) this.fail(new Error('oversized reply from the server'));
        return;
      }
      const msg = decode(this.rx.subarray(0, n));
      this.rx = this.rx.subarray(n);
      try {
        this.onMessage(msg);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
    }
  }

  private onMessage(msg: unknown): void {
    const sec = this.o.security;
    if (this.state === 'handshake' && sec) {
      if (!this.handshake) {
        const { ping, salt, nonce } = pingFor(msg, sec);
        this.handshake = { salt, nonce };
        this.socket!.write(ping);
      } else {
        checkPong(msg, sec, this.handshake.salt, this.handshake.nonce);
        this.handshake = undefined;
        this.ready();
      }
      return;
    }
    const ack = (msg as { ack?: unknown } | null)?.ack;
    const b = this.inflight;
    if (b?.chunk !== undefined && ack === b.chunk) this.done(b);
  }

  private fail(err: Error): void {
    const sock = this.socket;
    this.socket = undefined;
    this.handshake = undefined;
    sock?.destroy();
    this.state = 'idle';
    if (this.inflight) this.requeue();
    if (this.closing) return;
    this.o.onError?.(err);
    this.failures++;
    this.stats.reconnects++;
    if (this.failures > this.o.maxRetries) {
      this.failures = 0;
      this.dropAll('retry limit');
      return;
    }
    if (this.queue.size === 0) return; // reconnect lazily on the next emit
    const base = Math.min(
      this.o.reconnectMaxMs,
      this.o.reconnectInitialMs * 2 ** Math.min(this.failures - 1, 20),
    );
    const delay = base * (0.8 + Math.random() * 0.4);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
    this.retryTimer.unref(); // close() (or flushOnExit) bounds the wait, not this timer
  }

  private dropAll(reason: DropInfo['reason']): void {
    for (const [tag, q] of this.queue) {
      this.stats.queuedBytes -= q.bytes;
      this.drop({ reason, tag, count: q.entries.length, entries: q.entries });
    }
    this.queue.clear();
    const w = this.waiters;
    this.waiters = [];
    for (const cb of w) cb();
  }

  private drop(info: DropInfo): void {
    this.stats.dropped += info.count;
    if (this.o.onDrop) {
      this.o.onDrop(info);
      return;
    }
    const now = Date.now();
    if (now - this.lastDropLog < 10_000) return;
    this.lastDropLog = now;
    process.stderr.write(
      `tributary/logger: dropped ${info.count} event(s) for tag '${info.tag}' (${info.reason}); ${this.stats.dropped} dropped in total\n`,
    );
  }
}
