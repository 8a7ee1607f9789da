// Counters: a flat name → number map per process. Names are `<area>.<what>`, and per plugin
// `plugin.<id>.<what>`. Cheap enough to bump once per batch (never once per event).

export class Metrics {
  private readonly counters = new Map<string, number>();

  inc(name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  set(name: string, v: number): void {
    this.counters.set(name, v);
  }

  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counters].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
