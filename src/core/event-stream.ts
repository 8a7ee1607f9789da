// EventStream: a batch of events for one tag — the unit everywhere (DESIGN.md §2, §7).
// Parallel arrays (secs, nsecs, records), no per-event wrapper objects.
//
// A stream may also carry `packed`: msgpack bytes of `[EventTime, record]` entries equal to
// its contents, so an output that receives it unchanged can append or forward the same bytes
// undecoded (DESIGN.md §7.2). Such a stream can be *lazy* (`EventStream.fromPacked`): it holds
// only the bytes, the entry count and optionally the times, and decodes on first read of
// `records` (or of `secs`/`nsecs` when the times were not given) — once. `length` and `packed`
// never decode, so out_null and a buffer appending the bytes never pay for the records.
//
// Contracts:
// - A lazy stream's bytes must already be validated by whoever built it (every entry is
//   `[EventTime, map]`, every length backed by bytes): decoding at read time must not fail.
// - Whoever changes records in place sets `packed = undefined` (filters return new streams).

import { decodeMultiple } from './msgpack.js';
import { skipValue } from './msgpack-skip.js';

export type Rec = Record<string, unknown>;

/** Marks the constructor call made by fromPacked (never stored). */
const LAZY: Rec[] = [];

export class EventStream {
  private _secs: number[] | undefined;
  private _nsecs: number[] | undefined;
  private _records: Rec[] | undefined;
  /** Entry count of a lazy stream whose records are not decoded yet; -1 otherwise. */
  private lazyCount = -1;
  /** msgpack bytes of `[time, record]` entries equal to this stream's contents, when known. */
  packed: Uint8Array | undefined;
  /** Byte offset of each entry in `packed` (plus the end), computed on the first slice. */
  private offsets: Uint32Array | undefined;
  private offsetsOf: Uint8Array | undefined;

  constructor(secs?: number[], nsecs?: number[], records?: Rec[], packed?: Uint8Array) {
    if (records === LAZY) {
      // fromPacked: nothing to build; the times are kept only when both were given
      const times = secs !== undefined && nsecs !== undefined;
      this._secs = times ? secs : undefined;
      this._nsecs = times ? nsecs : undefined;
      this._records = undefined;
    } else {
      this._secs = secs ?? [];
      this._nsecs = nsecs ?? [];
      this._records = records ?? [];
    }
    this.packed = packed;
  }

  /**
   * A lazy stream over `count` validated `[EventTime, record]` entries. With `secs`/`nsecs`
   * (already read from the bytes) only `records` decodes. Allocates nothing but the object:
   * `length` and `packed` are all that out_null and a byte-appending buffer read.
   */
  static fromPacked(packed: Uint8Array, count: number, secs?: number[], nsecs?: number[]): EventStream {
    const es = new EventStream(secs, nsecs, LAZY, packed);
    es.lazyCount = count;
    return es;
  }

  /** True until the records of a lazy stream have been decoded. */
  get isLazy(): boolean {
    return this.lazyCount >= 0;
  }

  get secs(): number[] {
    return this._secs ?? this.materialize()._secs!;
  }

  get nsecs(): number[] {
    return this._nsecs ?? this.materialize()._nsecs!;
  }

  get records(): Rec[] {
    return this._records ?? this.materialize()._records!;
  }

  get length(): number {
    return this.lazyCount >= 0 ? this.lazyCount : this._records!.length;
  }

  private materialize(): this {
    const bytes = this.packed;
    const n = this.lazyCount;
    if (n < 0 || !bytes) throw new Error('EventStream: records are neither decoded nor packed');
    const entries = decodeMultiple(bytes) as [{ sec: number; nsec: number }, Rec][];
    if (entries.length !== n) {
      throw new Error(`EventStream: packed bytes hold ${entries.length} entries, expected ${n}`);
    }
    const records = new Array<Rec>(n);
    for (let i = 0; i < n; i++) records[i] = entries[i]![1];
    if (!this._secs || !this._nsecs) {
      const secs = new Array<number>(n);
      const nsecs = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        const t = entries[i]![0];
        secs[i] = t.sec;
        nsecs[i] = t.nsec;
      }
      this._secs = secs;
      this._nsecs = nsecs;
    }
    this._records = records;
    this.lazyCount = -1;
    return this;
  }

  /** Append one event. Invalidates `packed`. */
  add(sec: number, nsec: number, record: Rec): void {
    this.records.push(record);
    this._secs!.push(sec);
    this._nsecs!.push(nsec);
    this.packed = undefined;
  }

  static one(sec: number, nsec: number, record: Rec): EventStream {
    return new EventStream([sec], [nsec], [record]);
  }

  /** A new stream with the events at the given indexes (used by filters that drop events). */
  pick(indexes: number[]): EventStream {
    const out = new EventStream();
    const secs = this.secs;
    const nsecs = this.nsecs;
    const records = this.records;
    for (const i of indexes) out.add(secs[i]!, nsecs[i]!, records[i]!);
    return out;
  }

  /** A stream with the same times and the given records. */
  withRecords(records: Rec[]): EventStream {
    return new EventStream(this.secs, this.nsecs, records);
  }

  /**
   * Events [start, end). A stream with `packed` bytes gives a stream over the same bytes'
   * sub-range (lazy if this one is), so a large batch split across chunks keeps its bytes
   * and its records undecoded.
   */
  slice(start: number, end: number): EventStream {
    const bytes = this.packed;
    const offsets = bytes && this.entryOffsets(bytes);
    if (bytes && offsets) {
      const sub = bytes.subarray(offsets[start]!, offsets[end]!);
      if (this.lazyCount >= 0) {
        const timed = this._secs !== undefined && this._nsecs !== undefined;
        return timed
          ? EventStream.fromPacked(
              sub,
              end - start,
              this._secs!.slice(start, end),
              this._nsecs!.slice(start, end),
            )
          : EventStream.fromPacked(sub, end - start);
      }
      return new EventStream(
        this._secs!.slice(start, end),
        this._nsecs!.slice(start, end),
        this._records!.slice(start, end),
        sub,
      );
    }
    return new EventStream(
      this.secs.slice(start, end),
      this.nsecs.slice(start, end),
      this.records.slice(start, end),
    );
  }

  /** Entry boundaries in `packed` (undefined if they do not match the stream's length). */
  private entryOffsets(bytes: Uint8Array): Uint32Array | undefined {
    if (this.offsets && this.offsetsOf === bytes) return this.offsets;
    const n = this.length;
    const out = new Uint32Array(n + 1);
    let p = 0;
    for (let i = 0; i < n; i++) {
      out[i] = p;
      p = skipValue(bytes, p, bytes.length);
      if (p < 0) return undefined;
    }
    if (p !== bytes.length) return undefined;
    out[n] = p;
    this.offsets = out;
    this.offsetsOf = bytes;
    return out;
  }
}
