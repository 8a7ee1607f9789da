// Retry state of one buffered output (one per output instance, not per chunk: spec core
// §4.6, §4.7). Times are seconds (floats) from an injected clock, so tests need no waiting.
//
//   first failure      state created: steps 0, next = start + retry_wait (never randomised)
//   further failures   limit() checked first (a last attempt is made exactly at the timeout);
//                      else step(): steps += 1, next = now + interval(steps)
//   exponential        interval(n) = retry_wait × base^(n-1), capped by retry_max_interval
//   periodic           interval(n) = retry_wait
//   randomize          × a factor in [1 - 0.125, 1 + 0.125]
//   caps               next ≤ start + retry_timeout (primary without secondary, or secondary);
//                      next ≤ secondary switch time while still on the primary
//   secondary switch   start + T × retry_secondary_threshold, T = min(retry_timeout,
//                      sum of the first retry_max_times intervals)
//   limit              never with retry_forever; else next ≥ start + retry_timeout, or
//                      steps ≥ retry_max_times

export interface RetryOptions {
  type: 'exponential_backoff' | 'periodic';
  wait: number;
  timeout: number;
  forever: boolean;
  maxTimes: number | undefined;
  backoffBase: number;
  maxInterval: number | undefined;
  randomize: boolean;
  secondary: boolean;
  secondaryThreshold: number;
}

export const RANDOMIZE_WIDTH = 0.125;

export class RetryState {
  readonly start: number;
  steps = 0;
  next: number;
  readonly timeoutAt: number;
  current: 'primary' | 'secondary' = 'primary';
  readonly secondaryAt: number | undefined;
  private secondarySteps = 0;

  constructor(
    private readonly o: RetryOptions,
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
  ) {
    this.start = now();
    this.timeoutAt = this.start + o.timeout;
    this.next = this.start + o.wait;
    if (o.secondary) {
      let t = o.timeout;
      if (o.maxTimes !== undefined) t = Math.min(t, this.totalWait(o.maxTimes));
      this.secondaryAt = this.start + t * o.secondaryThreshold;
    }
  }

  /** Raw interval of the n-th retry (n ≥ 1), before randomisation. */
  interval(n: number): number {
    if (this.o.type === 'periodic') return this.o.wait;
    let k = n - 1;
    let v = this.o.wait * this.o.backoffBase ** k;
    while (!Number.isFinite(v) && k > 0) v = this.o.wait * this.o.backoffBase ** --k;
    if (this.o.maxInterval !== undefined && v > this.o.maxInterval) v = this.o.maxInterval;
    return v;
  }

  /** Sum of the first n intervals (the time that n retries take without randomisation). */
  totalWait(n: number): number {
    let s = 0;
    for (let i = 1; i <= n; i++) s += this.interval(i);
    return s;
  }

  private randomized(v: number): number {
    return this.o.randomize ? v + v * RANDOMIZE_WIDTH * (2 * this.random() - 1) : v;
  }

  private useSecondary(): boolean {
    return !this.o.forever && this.o.secondary;
  }

  private calcNext(): number {
    const now = this.now();
    if (!this.useSecondary()) {
      const naive = now + this.randomized(this.interval(this.steps));
      return this.o.forever ? naive : Math.min(naive, this.timeoutAt);
    }
    if (this.current === 'primary') {
      return Math.min(now + this.randomized(this.interval(this.steps)), this.secondaryAt!);
    }
    const naive = now + this.randomized(this.interval(this.steps - this.secondarySteps + 1));
    return Math.min(naive, this.timeoutAt);
  }

  /** True when the next flush should go to the secondary. */
  secondary(): boolean {
    return this.useSecondary() && (this.current === 'secondary' || this.now() >= this.secondaryAt!);
  }

  step(): void {
    this.steps++;
    if (this.useSecondary() && this.current !== 'secondary' && this.now() >= this.secondaryAt!) {
      this.current = 'secondary';
      this.secondarySteps = this.steps;
    }
    this.next = this.calcNext();
  }

  limit(): boolean {
    if (this.o.forever) return false;
    return this.next >= this.timeoutAt || (this.o.maxTimes !== undefined && this.steps >= this.o.maxTimes);
  }
}
