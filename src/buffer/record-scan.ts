// Finding the whole records in a chunk's plain bytes, for resume's torn-tail repair.
//
// Contract: scanRecords(b, framing) returns `valid`, the length of the longest prefix of `b`
// made of whole records, their count, and (msgpack framings) the first and last record time
// in seconds. Nothing past `valid` was ever acknowledged: resume truncates it.
//
//   msgpack        [time, record] entries; time = EventTime (ext 0) or a number; record a map
//   msgpack-maps   maps with a numeric `time` key (out_tdlog's import format; missing → 0)
//   lines          newline-terminated lines; valid ends after the last \n
//   none           opaque: everything is valid, records = -1 (use the meta's count)

import { EventTime } from '../core/event-time.js';
import { unpackr } from '../core/msgpack.js';

/** How whole records are found in a chunk: msgpack `[time, record]` entries, msgpack maps
 *  with an integer `time` key (out_tdlog's import format), newline-terminated lines, or not at all. */
export type Framing = 'msgpack' | 'msgpack-maps' | 'lines' | 'none';

export interface RecordScan {
  valid: number;
  records: number;
  first?: number;
  last?: number;
}

/** Length of the whole-record prefix of `b` and its record count and time range. */
export function scanRecords(b: Buffer, framing: Framing): RecordScan {
  if (framing === 'lines') {
    const end = b.lastIndexOf(0x0a) + 1;
    let n = 0;
    for (let i = b.indexOf(0x0a); i >= 0 && i < end; i = b.indexOf(0x0a, i + 1)) n++;
    return { valid: end, records: n };
  }
  if (framing === 'none') return { valid: b.length, records: -1 };
  let off = 0;
  let n = 0;
  let first: number | undefined;
  let last: number | undefined;
  while (off < b.length) {
    let v: unknown;
    let next: number;
    try {
      let pos = off;
      unpackr.unpackMultiple(b.subarray(off), (value: unknown, start?: number, end?: number) => {
        v = value;
        pos = off + (end ?? 0);
        void start;
        return false;
      });
      next = pos;
    } catch {
      break;
    }
    if (next <= off) break;
    let sec: number | undefined;
    if (framing === 'msgpack-maps') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) break;
      const t = (v as Record<string, unknown>).time;
      sec = typeof t === 'number' ? Math.floor(t) : 0;
    } else {
      if (!Array.isArray(v) || v.length !== 2) break;
      const t = v[0];
      sec = t instanceof EventTime ? t.sec : typeof t === 'number' ? Math.floor(t) : undefined;
      if (sec === undefined || v[1] === null || typeof v[1] !== 'object') break;
    }
    if (first === undefined) first = sec;
    last = sec;
    n++;
    off = next;
  }
  return { valid: off, records: n, ...(first !== undefined ? { first, last } : {}) };
}
