// Small HTTP helpers for inputs built on node:http: binary-safe form decoding, multipart
// form-data, bounded request-body reading and bounded decompression.
//
//   application/x-www-form-urlencoded   k=v&k2=v2   `+` → space, %XX → byte; values kept as
//                                                    bytes (a `msgpack=` field is binary)
//   multipart/form-data; boundary=B      --B\r\n<headers>\r\n\r\n<value>\r\n ... --B--
//                                        the field name comes from Content-Disposition name="..."

import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';

/** Hex digit values by byte; -1 for a non-hex byte. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

/** Percent-decodes bytes (`+` → space); invalid escapes are kept literally. */
export function percentDecode(b: Buffer, start = 0, end = b.length): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0x25 && i + 2 < end) {
      const h = HEX[b[i + 1]!]!;
      const l = HEX[b[i + 2]!]!;
      if ((h | l) >= 0) {
        out[n++] = (h << 4) | l;
        i += 2;
      } else out[n++] = c;
    } else out[n++] = c === 0x2b ? 0x20 : c;
  }
  return out.subarray(0, n);
}

/** A form key as text: bytes without `%` or `+` need no decoding pass. */
function formKey(b: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0x25 || c === 0x2b) return percentDecode(b, start, end).toString('utf8');
  }
  return b.toString('utf8', start, end);
}

/** Parses `a=1&b=2` (or `;` separators) into a map of byte values (later keys win, like WEBrick's parse_query). */
export function parseForm(body: Buffer | string, into: Map<string, Buffer> = new Map()): Map<string, Buffer> {
  const b = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  let start = 0;
  // Next separator positions, searched again only once passed (-1: none left).
  let amp = b.indexOf(0x26);
  let semi = b.indexOf(0x3b);
  while (start <= b.length) {
    if (amp >= 0 && amp < start) amp = b.indexOf(0x26, start);
    if (semi >= 0 && semi < start) semi = b.indexOf(0x3b, start);
    let sep = amp;
    if (semi >= 0 && (sep < 0 || semi < sep)) sep = semi;
    const end = sep < 0 ? b.length : sep;
    if (end > start) {
      const eq = b.indexOf(0x3d, start);
      const keyEnd = eq >= 0 && eq < end ? eq : end;
      const key = formKey(b, start, keyEnd);
      const value = keyEnd < end ? percentDecode(b, keyEnd + 1, end) : Buffer.alloc(0);
      if (key !== '') into.set(key, value);
    }
    if (sep < 0) break;
    start = sep + 1;
  }
  return into;
}

/** Parses multipart/form-data fields into `into`; files are treated like fields. */
export function parseMultipart(
  body: Buffer,
  boundary: string,
  into: Map<string, Buffer> = new Map(),
): Map<string, Buffer> {
  const delim = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    pos += delim.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing delimiter
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) break;
    const head = body.subarray(pos, headEnd).toString('latin1');
    const next = body.indexOf(delim, headEnd + 4);
    if (next < 0) break;
    let valueEnd = next;
    if (body[valueEnd - 2] === 0x0d && body[valueEnd - 1] === 0x0a) valueEnd -= 2;
    const name = /content-disposition:[^\r\n]*;\s*name="([^"]*)"/i.exec(head)?.[1];
    if (name !== undefined) into.set(name, body.subarray(headEnd + 4, valueEnd));
    pos = next;
  }
  return into;
}

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/**
 * Reads a request body up to `limit` bytes. Rejects with BodyTooLargeError as soon as the
 * limit is passed (the rest is not buffered); the caller answers 413 and closes.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLargeError('Too large'));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.once('error', (e) => {
      if (done) return;
      done = true;
      reject(e);
    });
    req.once('aborted', () => {
      if (done) return;
      done = true;
      reject(new Error('request aborted'));
    });
  });
}

export class UnsupportedEncodingError extends Error {
  override name = 'UnsupportedEncodingError';
}

/**
 * Decodes a Content-Encoding (gzip / x-gzip, multi-member; deflate, zlib or raw) with an
 * output limit. Over the limit → BodyTooLargeError; corrupt data → other errors.
 */
export async function decodeBody(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  const opts = { maxOutputLength: Math.max(1, Math.min(limit, 0x7fffffff)) };
  const run = (fn: (b: Buffer, o: zlib.ZlibOptions, cb: (e: Error | null, r: Buffer) => void) => void) =>
    new Promise<Buffer>((resolve, reject) =>
      fn(body, opts, (e, r) => {
        if (!e) resolve(r);
        else if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
          reject(new BodyTooLargeError('Too large'));
        else reject(e);
      }),
    );
  if (enc === 'gzip' || enc === 'x-gzip') return run(zlib.gunzip);
  if (enc === 'deflate') {
    try {
      return await run(zlib.inflate);
    } catch (e) {
      if (e instanceof BodyTooLargeError) throw e;
      return run(zlib.inflateRaw);
    }
  }
  throw new UnsupportedEncodingError(`unsupported Content-Encoding '${encoding}'`);
}
