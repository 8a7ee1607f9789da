// Who reads next: one FIFO of files with something to read, served a batch at a time by a
// small number of concurrent steps. A busy file goes to the back of the queue after each
// batch, so thousands of quiet files are never starved by one hot file.
//
// - Backpressure: before a step, if the pipeline is over its high-water mark, reading stops
//   until the emitter's onDrain; nothing is read, so nothing is skipped.
// - A step answering 'wait' is parked: for a descriptor slot (fd-budget.ts wakes it), for the
//   in-flight window (woken by the reader when a batch commits), or for a rate limit
//   (woken by the plugin's 1 s tick once throttledUntil has passed).

import type { Emitter } from '../../plugin/types.js';
import type { FileReader } from './reader.js';
import type { StepResult } from './reader-host.js';

export class ReadScheduler {
  private queue: FileReader[] = [];
  private head = 0;
  private running = 0;
  private paused = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  /** Times reading was paused for backpressure. */
  pauses = 0;

  constructor(
    private readonly emitter: Emitter,
    private readonly concurrency: number,
    private readonly onStepped: (r: FileReader, res: StepResult) => void,
  ) {}

  get queued(): number {
    return this.queue.length - this.head;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  schedule(r: FileReader): void {
    if (r.queued || this.stopped || r.state === 'closed') return;
    r.queued = true;
    this.queue.push(r);
    this.pump();
  }

  /** Stop starting steps; resolves when the running ones have finished. */
  stop(): Promise<void> {
    this.stopped = true;
    for (let i = this.head; i < this.queue.length; i++) this.queue[i]!.queued = false;
    this.queue = [];
    this.head = 0;
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (
      !this.paused &&
      !this.stopped &&
      this.running < this.concurrency &&
      this.head < this.queue.length
    ) {
      if (this.emitter.overHighWater()) {
        this.paused = true;
        this.pauses++;
        this.emitter.onDrain(() => {
          this.paused = false;
          this.pump();
        });
        return;
      }
      const r = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      r.queued = false;
      if (r.stepping || r.state === 'closed') continue;
      this.run(r);
    }
  }

  private run(r: FileReader): void {
    this.running++;
    r.stepping = true;
    r.step().then(
      (res) => this.done(r, res),
      () => this.done(r, 'idle'),
    );
  }

  private done(r: FileReader, res: StepResult): void {
    r.stepping = false;
    r.lastUsed = Date.now();
    this.running--;
    this.onStepped(r, res);
    if (res === 'more') this.schedule(r);
    if (this.stopped && this.running === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const cb of w) cb();
    }
    this.pump();
  }
}
