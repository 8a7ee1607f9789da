// The one msgpack configuration (DESIGN.md §7.4):
// - standard maps decode to plain objects, arrays to arrays, no msgpackr "records";
// - EventTime is ext type 0 (fixext8 and ext8 accepted; 8-byte payload sec|nsec BE);
// - `undefined` is encoded as nil, never as an ext;
// - str and bin are both accepted; bin decodes to a Buffer;
// - integers beyond 2^53 decode as BigInt rather than losing precision.
// Callers that decode untrusted bytes must check declared lengths first (see forward input).

import { addExtension, Packr, Unpackr } from 'msgpackr';
import { EventTime } from './event-time.js';

// msgpackr's addExtension rejects type 0 (it tests `!extension.type`), so the extension is
// registered with a placeholder type and then set to 0: the packer reads `type` at pack time.
const eventTimeExt = {
  Class: EventTime,
  type: 0x7f,
  pack: (t: EventTime) => t.toBytes(),
  unpack: (data: Uint8Array) => EventTime.fromBytes(data),
};
addExtension(eventTimeExt);
eventTimeExt.type = 0;
addExtension({ type: 0, unpack: eventTimeExt.unpack } as Parameters<typeof addExtension>[0]);

const options = {
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  encodeUndefinedAsNil: true,
  int64AsType: 'auto' as 'bigint', // 'auto': number when safe, BigInt beyond 2^53 (missing from the typings)
  variableMapSize: true,
  useFloat32: 0 as const,
  bundleStrings: false,
};

export const packr = new Packr(options);
export const unpackr = new Unpackr(options);

export function encode(value: unknown): Buffer {
  return packr.pack(value);
}

export function decode(bytes: Uint8Array): unknown {
  return unpackr.unpack(bytes);
}

/** Decode a concatenation of msgpack objects (a PackedForward entries blob, a chunk). */
export function decodeMultiple(bytes: Uint8Array): unknown[] {
  return unpackr.unpackMultiple(bytes) as unknown[];
}
