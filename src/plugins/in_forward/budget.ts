// The receive budget (buffered_bytes_limit, a Tributary bound): bytes of partial requests held
// across all connections.
//
//   under the limit   every connection reads
//   over the limit    only the `favored` connection (the largest partial request, the one
//                     closest to completing) reads; when it completes or closes while still
//                     over, the next largest is favored; back under, everyone reads again
//
// Connections report their pending bytes through adjust(); every change of who may read is
// pushed to them by updateReading(), which asks paused().

import type { ForwardConnection } from './connection.js';

export class ReceiveBudget {
  /** Pending request bytes across all connections. */
  bytes = 0;
  private over = false;
  /** While over budget, the one connection still allowed to read. */
  private favored: ForwardConnection | undefined;

  /** `onOver` is called each time the budget is passed (it was under before). */
  constructor(
    readonly limit: number,
    private readonly conns: ReadonlySet<ForwardConnection>,
    private readonly onOver: () => void,
  ) {}

  adjust(delta: number): void {
    this.bytes += delta;
    const over = this.bytes > this.limit;
    if (over === this.over) {
      // Still over: when the favored connection finished (or left), hand over to the next.
      if (over && (!this.favored || this.favored.closed || this.favored.pendingBytes === 0)) this.pick();
      return;
    }
    this.over = over;
    if (over) {
      this.onOver();
      this.pick();
    } else {
      this.favored = undefined;
      for (const c of this.conns) c.updateReading();
    }
  }

  /** A connection left (already removed from the set). */
  closed(conn: ForwardConnection): void {
    if (this.favored !== conn) return;
    this.favored = undefined;
    if (this.over) this.pick();
  }

  /** True when `conn` must stop reading its partial request. */
  paused(conn: ForwardConnection): boolean {
    return this.over && conn !== this.favored;
  }

  private pick(): void {
    let best: ForwardConnection | undefined;
    for (const c of this.conns) if (!c.closed && (!best || c.pendingBytes > best.pendingBytes)) best = c;
    this.favored = best;
    for (const c of this.conns) c.updateReading();
  }
}
