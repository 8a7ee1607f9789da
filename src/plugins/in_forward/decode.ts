// Decoding one complete forward request into an EventStream (spec protocols §1.2–§1.4, §10).
//
//   Message                  [tag, time, record, option?]
//   Forward                  [tag, [[time, record], ...], option?]
//   PackedForward            [tag, bin|str <concatenated [time, record]>, option?]
//   CompressedPackedForward  [tag, bin|str <gzip member>+, {compressed: "gzip", ...}]
//
// The request bytes were framed by MsgpackScanner, so every length in them is backed by bytes.
// The PackedForward blob is taken as raw bytes straight from the wire (str32 from Fluentd is
// never decoded as text) and, after gunzip (capped by `decompression_size_limit`), checked at
// the byte level (fast-entries.ts): a clean blob — every entry `[EventTime, map]`, nothing to
// drop or rewrite — becomes a lazy stream over the same bytes (`es.packed`), whose records are
// decoded only if a consumer reads them. Anything else is validated with the scanner, decoded,
// and kept as `es.packed` when the stream it produced is byte-for-byte what the blob says.
//
// Times accepted: EventTime (fixext8/ext8), integer seconds, `[EventTime|int, {metadata}]`
// (Fluent Bit ≥ 5.0.5; the metadata is dropped). `0` means now. Fluent Bit group markers
// (seconds 0xFFFFFFFF / 0xFFFFFFFE, nsec 0) are dropped. Float, string, nil and msgpack
// timestamp (ext −1) times are invalid — dropped with `skip_invalid_event true` (the default,
// as in Fluentd ≥ 1.19); with `skip_invalid_event false` a float is kept (floor + fraction), nil
// becomes now, and anything else is still dropped (Fluentd would crash the connection instead).

import { gunzip } from 'node:zlib';
import { Unpackr } from 'msgpackr';
import { EventStream, type Rec } from '../../core/event-stream.js';
import { EventTime } from '../../core/event-time.js';
import { decode, decodeMultiple } from '../../core/msgpack.js';
import { scanCleanEntries } from './fast-entries.js';
import { arrayElements, countObjects, mapValueBytes, rawPayload } from './msgpack-scanner.js';

/** Thrown for a request that must close the connection (Fluentd: "unexpected error"). */
export class ForwardProtocolError extends Error {}

export interface DecodedRequest {
  tag: string;
  es: EventStream;
  option: Rec | undefined;
  /** Number of events dropped as invalid. */
  invalid: number;
  /** Why the first invalid event was dropped, for the warning line. */
  invalidReason: string | undefined;
  mode: 'message' | 'forward' | 'packed' | 'compressed';
  /** msgpack bytes of the `chunk` option value, echoed as is in the ack (msgpack requests). */
  chunkRaw: Uint8Array | undefined;
}

export interface DecodeOptions {
  skipInvalidEvent: boolean;
  decompressionSizeLimit: number;
  maxDepth: number;
}

// Fallback for maps with non-string (bin) keys, which the shared decoder refuses: decode maps
// as Map and convert, keys to UTF-8 strings. Same extensions (they are global in msgpackr).
const mapUnpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: false,
  moreTypes: false,
  int64AsType: 'auto' as 'bigint',
});

function fromMaps(v: unknown): unknown {
  if (v instanceof Map) {
    const o: Rec = {};
    for (const [k, x] of v) {
      const key =
        typeof k === 'string' ? k : k instanceof Uint8Array ? Buffer.from(k).toString('utf8') : String(k);
      o[key] = fromMaps(x);
    }
    return o;
  }
  if (Array.isArray(v)) return v.map(fromMaps);
  return v;
}

function isKeyError(e: unknown): boolean {
  return e instanceof Error && /property type|non-string keys/i.test(e.message);
}

/** Decode one object; maps with bin keys are accepted (slow path). */
export function safeDecode(bytes: Uint8Array): unknown {
  try {
    return decode(bytes);
  } catch (e) {
    if (!isKeyError(e)) throw e;
    return fromMaps(mapUnpackr.unpack(bytes));
  }
}

function safeDecodeMultiple(bytes: Uint8Array): { values: unknown[]; slow: boolean } {
  try {
    return { values: decodeMultiple(bytes), slow: false };
  } catch (e) {
    if (!isKeyError(e)) throw e;
    return { values: (mapUnpackr.unpackMultiple(bytes) as unknown[]).map(fromMaps), slow: true };
  }
}

export function isRecord(v: unknown): v is Rec {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Date)
  );
}

export function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  return undefined;
}

const MARKER_START = 0xffffffff;
const MARKER_END = 0xfffffffe;

/**
 * Appends one entry's event to `es`. Returns '' when added unchanged, 'rewritten' when added
 * with a time that differs from the wire form, or the reason it was dropped.
 */
function addEvent(es: EventStream, time: unknown, record: unknown, skipInvalid: boolean): string {
  if (record === null || record === undefined) return 'record is nil';
  if (!isRecord(record)) return 'record is not a map';
  let t = time;
  let rewritten = false;
  if (Array.isArray(t)) {
    // Fluent Bit's [EventTime, {metadata}] entry time.
    if (t.length < 1 || (t.length > 1 && !isRecord(t[1]))) return 'time array is not [time, metadata]';
    t = t[0];
    rewritten = true;
  }
  let sec: number;
  let nsec: number;
  if (t instanceof EventTime) {
    sec = t.sec;
    nsec = t.nsec;
    if (nsec === 0 && (sec === MARKER_START || sec === MARKER_END)) return 'Fluent Bit group marker';
  } else if (typeof t === 'number' && Number.isInteger(t)) {
    sec = t;
    nsec = 0;
  } else if (typeof t === 'number' && Number.isFinite(t) && !skipInvalid) {
    sec = Math.floor(t);
    nsec = Math.round((t - sec) * 1e9) % 1e9;
    rewritten = true;
  } else if ((t === null || t === undefined) && !skipInvalid) {
    sec = 0;
    nsec = 0;
  } else {
    return `time is ${t === null || t === undefined ? 'nil' : typeof t === 'number' ? 'a float' : typeof t}`;
  }
  if (sec === 0 && nsec === 0) {
    const ms = Date.now();
    sec = Math.floor(ms / 1000);
    nsec = (ms % 1000) * 1e6;
    rewritten = true;
  }
  es.secs.push(sec);
  es.nsecs.push(nsec);
  es.records.push(record);
  return rewritten ? 'rewritten' : '';
}

function gunzipLimited(bytes: Uint8Array, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(bytes, { maxOutputLength: limit }, (err, out) => {
      if (err) {
        const tooBig =
          (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
        reject(
          new ForwardProtocolError(
            tooBig
              ? `decompressed entries exceed decompression_size_limit (${limit} bytes)`
              : `broken gzip payload: ${err.message}`,
          ),
        );
      } else resolve(out);
    });
  });
}

/**
 * Build the stream for a list of [time, record] entries. Returns true when the stream is
 * exactly the entries (every entry valid and unchanged, every time an EventTime: the buffer's
 * chunk format), so the wire bytes may stand for it.
 */
function entriesStream(entries: unknown[], opts: DecodeOptions, req: DecodedRequest): boolean {
  let clean = true;
  for (const entry of entries) {
    let why: string;
    if (!Array.isArray(entry) || entry.length < 2) why = 'entry is not [time, record]';
    else {
      why = addEvent(req.es, entry[0], entry[1], opts.skipInvalidEvent);
      if (why === '' && !(entry[0] instanceof EventTime)) clean = false;
    }
    if (why === '') continue;
    clean = false;
    if (why === 'rewritten') continue;
    req.invalid++;
    req.invalidReason ??= why;
  }
  return clean;
}

type Decoded = DecodedRequest | string | undefined;

/**
 * Decode one msgpack request. Returns undefined for a nil heartbeat and a string for a
 * non-array top-level value (ignored with a warning). Rejects with ForwardProtocolError (or a
 * decoder error) for anything that must close the connection.
 */
export async function decodeRequest(bytes: Uint8Array, opts: DecodeOptions): Promise<Decoded> {
  return decodeRequestNow(bytes, opts);
}

/**
 * The same, synchronously unless the entries need gunzip (then a promise): the hot path
 * allocates no promise. Throws (or rejects) where decodeRequest rejects.
 */
export function decodeRequestNow(bytes: Uint8Array, opts: DecodeOptions): Decoded | Promise<Decoded> {
  if (bytes[0] === 0xc0) return undefined;
  const els = arrayElements(bytes);
  if (!els) return 'incoming chunk is broken (not an array)';
  if (els.length < 2) return 'incoming chunk is broken (fewer than 2 elements)';
  const tagV = safeDecode(bytes.subarray(els[0]![0], els[0]![1]));
  const tag = asText(tagV);
  const second = bytes[els[1]![0]]!;
  const raw = rawPayload(bytes, els[1]![0]);
  const req: DecodedRequest = {
    tag: tag ?? '',
    es: new EventStream(),
    option: undefined,
    invalid: 0,
    invalidReason: undefined,
    mode: 'message',
    chunkRaw: undefined,
  };
  const optionAt = raw || second === 0xdc || second === 0xdd || (second >= 0x90 && second <= 0x9f) ? 2 : 3;
  const optEl = els[optionAt];
  if (optEl) {
    const o = safeDecode(bytes.subarray(optEl[0], optEl[1]));
    if (isRecord(o)) req.option = o;
    const c = mapValueBytes(bytes, optEl[0], optEl[1], 'chunk');
    if (c) req.chunkRaw = Buffer.from(bytes.subarray(c[0], c[1]));
  }
  if (tag === undefined) {
    req.invalid = 1;
    req.invalidReason = 'tag is not a string';
    return req;
  }
  if (raw) {
    const compressed = asText(req.option?.compressed);
    // The blob is kept as es.packed: a view of the request bytes (a received chunk or a buffer
    // sized for this request, never written again), copied only if they are not a Buffer.
    const view = bytes.subarray(raw[0], raw[1]);
    const blob = Buffer.isBuffer(view) ? view : Buffer.from(view);
    if (compressed !== undefined && compressed !== 'text') {
      if (compressed !== 'gzip') throw new ForwardProtocolError(`unsupported compression '${compressed}'`);
      req.mode = 'compressed';
      return gunzipLimited(blob, opts.decompressionSizeLimit).then((out) => packedEntries(out, opts, req));
    }
    req.mode = 'packed';
    return packedEntries(blob, opts, req);
  }
  const v = safeDecode(bytes.subarray(els[1]![0], els[1]![1]));
  if (Array.isArray(v)) {
    req.mode = 'forward';
    entriesStream(v, opts, req);
    return req;
  }
  const recEl = els[2];
  const record = recEl ? safeDecode(bytes.subarray(recEl[0], recEl[1])) : undefined;
  const why = addEvent(req.es, v, record, opts.skipInvalidEvent);
  if (why !== '' && why !== 'rewritten') {
    req.invalid = 1;
    req.invalidReason = why;
  }
  return req;
}

/** The events of a (decompressed) PackedForward blob. */
function packedEntries(blob: Buffer, opts: DecodeOptions, req: DecodedRequest): DecodedRequest {
  const fast = scanCleanEntries(blob, opts.maxDepth);
  if (fast) {
    // clean: the bytes are the events; records decode only if a consumer reads them
    req.es = EventStream.fromPacked(blob, fast.count, fast.secs, fast.nsecs);
    return req;
  }
  try {
    countObjects(blob, opts.maxDepth);
  } catch (e) {
    throw new ForwardProtocolError(`broken PackedForward entries: ${(e as Error).message}`);
  }
  const { values, slow } = safeDecodeMultiple(blob);
  const clean = entriesStream(values, opts, req);
  if (clean && !slow && blob.length > 0) req.es.packed = blob;
  return req;
}

/** The same for a request that arrived on a JSON connection (already parsed). */
export function decodeJsonRequest(v: unknown, opts: DecodeOptions): DecodedRequest | string | undefined {
  if (v === null) return undefined;
  if (!Array.isArray(v)) return 'incoming chunk is broken (not an array)';
  if (v.length < 2) return 'incoming chunk is broken (fewer than 2 elements)';
  const req: DecodedRequest = {
    tag: typeof v[0] === 'string' ? v[0] : '',
    es: new EventStream(),
    option: undefined,
    invalid: 0,
    invalidReason: undefined,
    mode: Array.isArray(v[1]) ? 'forward' : 'message',
    chunkRaw: undefined,
  };
  const o = Array.isArray(v[1]) ? v[2] : v[3];
  if (isRecord(o)) req.option = o;
  if (typeof v[0] !== 'string') {
    req.invalid = 1;
    req.invalidReason = 'tag is not a string';
  } else if (Array.isArray(v[1])) {
    entriesStream(v[1], opts, req);
  } else {
    const why = addEvent(req.es, v[1], v[2], opts.skipInvalidEvent);
    if (why !== '' && why !== 'rewritten') {
      req.invalid = 1;
      req.invalidReason = why;
    }
  }
  return req;
}
