// Group commit for file chunks: "ack means durable" at little cost (DESIGN.md §5).
//
// Appends only queue bytes in memory and return a promise. One loop per file buffer runs
// rounds: take every chunk's pending bytes → one positional writev per chunk (at its
// committed length) → fdatasync each written file, all in parallel → resolve that round's
// promises. Appends arriving meanwhile wait for the next round, so N concurrent writers pay
// for about one fsync per round, not N. A failed write or sync truncates the chunk back to
// its committed length and rejects only that chunk's promises of that round.

export interface Round {
  bytes: number;
  records: number;
  parts: Uint8Array[];
  /** Bytes actually written (set by the target when it transforms parts, e.g. gzip). */
  stored?: number;
  waiters: { resolve: () => void; reject: (e: Error) => void }[];
}

export interface GroupTarget {
  /** Take the pending bytes (undefined when there are none). */
  takeRound(): Round | undefined;
  writeRound(r: Round): Promise<void>;
  syncRound(): Promise<void>;
  commitRound(r: Round): void;
  failRound(r: Round, e: Error): Promise<void>;
}

export class GroupWriter {
  private readonly dirty = new Set<GroupTarget>();
  private running = false;
  /** Rounds run and fsyncs issued (a measure of grouping: appends / syncs). */
  rounds = 0;
  syncs = 0;

  schedule(t: GroupTarget): void {
    this.dirty.add(t);
    if (!this.running) {
      this.running = true;
      queueMicrotask(() => void this.loop());
    }
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty.size > 0) {
        const batch = [...this.dirty];
        this.dirty.clear();
        const jobs: { t: GroupTarget; r: Round; err?: Error }[] = [];
        for (const t of batch) {
          const r = t.takeRound();
          if (r) jobs.push({ t, r });
        }
        this.rounds++;
        await Promise.all(
          jobs.map(async (j) => {
            try {
              await j.t.writeRound(j.r);
              this.syncs++;
              await j.t.syncRound();
            } catch (e) {
              j.err = e as Error;
            }
          }),
        );
        for (const j of jobs) {
          if (j.err) await j.t.failRound(j.r, j.err);
          else j.t.commitRound(j.r);
        }
      }
    } finally {
      this.running = false;
      if (this.dirty.size > 0) this.schedule([...this.dirty][0]!);
    }
  }
}
