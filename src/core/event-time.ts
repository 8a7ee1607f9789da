// EventTime: seconds + nanoseconds. It exists at codec edges only (msgpack ext type 0,
// forward protocol, buffers); inside the engine an event's time is two numbers held in the
// parallel arrays of an EventStream.
//
// Wire form (msgpack ext type 0, 8 bytes): uint32 BE seconds | uint32 BE nanoseconds,
// sent as fixext8 `d7 00 SS SS SS SS NN NN NN NN` (ext8 `c7 08 00 ...` is accepted too).

const WALL_BASE_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export class EventTime {
  constructor(
    readonly sec: number,
    readonly nsec: number,
  ) {}

  /** Wall clock with nanosecond resolution: the wall time at load plus the monotonic clock
   *  since, so successive calls never go backwards. */
  static now(): EventTime {
    const ns = WALL_BASE_NS + process.hrtime.bigint();
    return new EventTime(Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n));
  }

  /** From a float of seconds, without float rounding on the fraction's decimal digits. */
  static fromFloat(t: number): EventTime {
    const sec = Math.floor(t);
    return new EventTime(sec, Math.round((t - sec) * 1e9) % 1e9);
  }

  toFloat(): number {
    return this.sec + this.nsec / 1e9;
  }

  /** Fluentd's ext payload: 8 bytes big-endian. */
  toBytes(): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32BE(this.sec >>> 0, 0);
    b.writeUInt32BE(this.nsec >>> 0, 4);
    return b;
  }

  static fromBytes(b: Uint8Array): EventTime {
    if (b.length !== 8) throw new RangeError(`EventTime ext payload must be 8 bytes, got ${b.length}`);
    const v = new DataView(b.buffer, b.byteOffset, 8);
    return new EventTime(v.getUint32(0), v.getUint32(4));
  }
}

/** Current time as [sec, nsec] without allocating an EventTime. */
export function nowSecNsec(): [number, number] {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}
