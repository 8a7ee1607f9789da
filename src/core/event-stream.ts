// EventStream: a batch of events for one tag — the unit everywhere (DESIGN.md §2, §7).
// Parallel arrays (secs, nsecs, records), no per-event wrapper objects. A stream decoded
// from a forward PackedForward payload may also keep the original bytes (`packed`) so an
// output that receives it unchanged can append or forward the same bytes undecoded.

export type Rec = Record<string, unknown>;

export class EventStream {
  readonly secs: number[];
  readonly nsecs: number[];
  readonly records: Rec[];
  /** msgpack bytes of `[time, record]` entries equal to this stream's contents, when known. */
  packed: Uint8Array | undefined;

  constructor(secs: number[] = [], nsecs: number[] = [], records: Rec[] = [], packed?: Uint8Array) {
    this.secs = secs;
    this.nsecs = nsecs;
    this.records = records;
    this.packed = packed;
  }

  get length(): number {
    return this.records.length;
  }

  /** Append one event. Invalidates `packed`. */
  add(sec: number, nsec: number, record: Rec): void {
    this.secs.push(sec);
    this.nsecs.push(nsec);
    this.records.push(record);
    this.packed = undefined;
  }

  static one(sec: number, nsec: number, record: Rec): EventStream {
    return new EventStream([sec], [nsec], [record]);
  }

  /** A new stream with the events at the given indexes (used by filters that drop events). */
  pick(indexes: number[]): EventStream {
    const out = new EventStream();
    for (const i of indexes) out.add(this.secs[i]!, this.nsecs[i]!, this.records[i]!);
    return out;
  }

  /** A stream with the same times and the given records. */
  withRecords(records: Rec[]): EventStream {
    return new EventStream(this.secs, this.nsecs, records);
  }

  slice(start: number, end: number): EventStream {
    return new EventStream(
      this.secs.slice(start, end),
      this.nsecs.slice(start, end),
      this.records.slice(start, end),
    );
  }
}
