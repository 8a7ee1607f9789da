// What the test drivers record: a capturing Emitter (events emitted by inputs and re-emitting
// outputs), error events, and a notification hook so run() can resolve the moment a stop
// condition holds instead of sleeping.
//
// Backpressure is simulated: block() makes emitStream return false (the events are still taken,
// as a router past its high-water mark does); unblock() fires the onDrain callbacks. fail(err)
// makes every emit throw / reject without capturing, like an output refusing a stream.

import type { EventStream, Rec } from '../core/event-stream.js';
import type { Emitter } from '../plugin/types.js';

export interface CapturedEvent {
  tag: string;
  sec: number;
  nsec: number;
  record: Rec;
  /** The label the event was emitted into (`@label` of the plugin, or labelEmitter(name)). */
  label?: string;
}

export interface CapturedError extends CapturedEvent {
  error: Error;
}

/** Shared by every capturing emitter of one driver. */
export class CaptureStore {
  readonly events: CapturedEvent[] = [];
  readonly errors: CapturedError[] = [];
  /** Number of emitStream / emitStreamDurable calls that delivered events. */
  emits = 0;
  private readonly listeners = new Set<() => void>();

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  notify(): void {
    for (const fn of this.listeners) fn();
  }

  addStream(tag: string, es: EventStream, label: string | undefined): void {
    for (let i = 0; i < es.length; i++) {
      const ev: CapturedEvent = { tag, sec: es.secs[i]!, nsec: es.nsecs[i]!, record: es.records[i]! };
      if (label !== undefined) ev.label = label;
      this.events.push(ev);
    }
    this.emits++;
    this.notify();
  }

  addError(tag: string, sec: number, nsec: number, record: Rec, error: Error): void {
    this.errors.push({ tag, sec, nsec, record, error });
    this.notify();
  }

  clear(): void {
    this.events.length = 0;
    this.errors.length = 0;
    this.emits = 0;
  }
}

export class CapturingEmitter implements Emitter {
  private blocked = false;
  private failure: Error | undefined;
  private drainWaiters: (() => void)[] = [];
  /** Number of emitStream calls answered with false. */
  refusals = 0;
  /** When set, emitStreamDurable waits for it before resolving (a slow durable output). */
  durableGate: Promise<void> | undefined;

  constructor(
    private readonly store: CaptureStore,
    readonly label?: string,
  ) {}

  emitStream(tag: string, es: EventStream): boolean {
    if (this.failure) throw this.failure;
    this.store.addStream(tag, es, this.label);
    if (this.blocked) this.refusals++;
    return !this.blocked;
  }

  async emitStreamDurable(tag: string, es: EventStream): Promise<void> {
    if (this.failure) throw this.failure;
    this.store.addStream(tag, es, this.label);
    if (this.durableGate) await this.durableGate;
  }

  onDrain(cb: () => void): void {
    if (this.blocked) this.drainWaiters.push(cb);
    else setImmediate(cb);
  }

  /** Past the high-water mark from now on: emitStream returns false. */
  block(): void {
    this.blocked = true;
  }

  /** Below the high-water mark again: fire the onDrain callbacks. */
  unblock(): void {
    this.blocked = false;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const cb of w) cb();
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  /** Same as isBlocked, under the name re-emitting outputs probe for (see out_relabel). */
  overHighWater(): boolean {
    return this.blocked;
  }

  /** Make every emit throw (emitStream) or reject (emitStreamDurable); undefined to stop. */
  fail(err: Error | undefined): void {
    this.failure = err;
  }
}
