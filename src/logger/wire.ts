// Client side of the forward protocol, as the logger sends it:
//
//   PackedForward  93 <tag:str> c6|c5|c4 <len> <[time, record] ...>  <option map>
//                  option = {"size": <events>, "chunk": <base64 16 random bytes>}  (chunk only
//                  when acks are wanted; then the server answers {"ack": <chunk>})
//   time           EventTime fixext8 `d7 00 <sec:u32be> <nsec:u32be>`, or int seconds
//
// Handshake (server has <security>): read HELO, send PING, read PONG; digests are SHA-512 hex
// over raw bytes (spec protocols §1.6).

import { createHash, randomBytes } from 'node:crypto';
import { EventTime } from '../core/event-time.js';
import { decode, encode } from '../core/msgpack.js';

export interface SecurityOptions {
  /** This client's hostname, sent in PING; must differ from the server's self_hostname. */
  selfHostname: string;
  sharedKey: string;
  username?: string;
  password?: string;
}

export type TimeInput = number | Date | EventTime | undefined;

/** Encode one `[time, record]` entry. Numbers are seconds (a fraction keeps nanoseconds). */
export function encodeEntry(
  time: TimeInput,
  record: Record<string, unknown>,
  timeAsInteger: boolean,
): Buffer {
  let t: EventTime;
  if (time instanceof EventTime) t = time;
  else if (time instanceof Date) t = EventTime.fromFloat(time.getTime() / 1000);
  else if (typeof time === 'number') t = EventTime.fromFloat(time);
  else t = EventTime.now();
  return encode([timeAsInteger ? t.sec : t, record]);
}

export function binHeader(len: number): Buffer {
  if (len < 0x100) return Buffer.from([0xc4, len]);
  if (len < 0x10000) return Buffer.from([0xc5, len >> 8, len & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0xc6;
  b.writeUInt32BE(len, 1);
  return b;
}

/** One PackedForward request (as a list of buffers to write with one writev). */
export function packedRequest(
  tag: string,
  entries: Buffer[],
  bytes: number,
  count: number,
  chunk?: string,
): Buffer[] {
  const option: Record<string, unknown> = { size: count };
  if (chunk !== undefined) option.chunk = chunk;
  return [Buffer.from([0x93]), encode(tag), binHeader(bytes), ...entries, encode(option)];
}

export function newChunkId(): string {
  return randomBytes(16).toString('base64');
}

function sha512hex(...parts: (Buffer | string)[]): string {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function bytesOf(v: unknown): Buffer {
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return Buffer.alloc(0);
}

/** Build the PING for a decoded HELO. Returns the bytes and the salt/nonce for the PONG check. */
export function pingFor(helo: unknown, sec: SecurityOptions): { ping: Buffer; salt: string; nonce: Buffer } {
  if (!Array.isArray(helo) || helo[0] !== 'HELO' || typeof helo[1] !== 'object' || helo[1] === null) {
    throw new Error('invalid HELO from the server');
  }
  const opts = helo[1] as Record<string, unknown>;
  const nonce = bytesOf(opts.nonce);
  const auth = bytesOf(opts.auth);
  const salt = randomBytes(16).toString('hex');
  const digest = sha512hex(salt, sec.selfHostname, nonce, sec.sharedKey);
  const user = sec.username ?? '';
  const pw = auth.length > 0 ? sha512hex(auth, user, sec.password ?? '') : '';
  return {
    ping: encode(['PING', sec.selfHostname, salt, digest, auth.length > 0 ? user : '', pw]),
    salt,
    nonce,
  };
}

/** Check a PONG; throws with the server's reason on refusal or a bad digest. */
export function checkPong(pong: unknown, sec: SecurityOptions, salt: string, nonce: Buffer): void {
  if (!Array.isArray(pong) || pong[0] !== 'PONG' || pong.length !== 5)
    throw new Error('invalid PONG from the server');
  if (pong[1] !== true) throw new Error(`handshake refused by the server: ${String(pong[2])}`);
  const host = bytesOf(pong[3]).toString('utf8');
  if (host === sec.selfHostname)
    throw new Error('same hostname between client and server: invalid configuration');
  if (bytesOf(pong[4]).toString('latin1') !== sha512hex(salt, host, nonce, sec.sharedKey)) {
    throw new Error('shared_key mismatch in PONG');
  }
}

export { decode };
