// Concatenated msgpack objects read from a stream (job results in msgpack format, `td import`
// of msgpack files), decoded as the bytes arrive; one pending object is bounded at 64 MiB.

import { TributaryError } from '../core/errors.js';
import { unpackr } from '../core/msgpack.js';

const MAX_PENDING_BYTES = 64 * 1024 * 1024;

/** Decodes a stream of concatenated msgpack objects as the bytes arrive. An object split across
 *  chunks is completed from the next chunk; a stream ending inside an object is an error. */
export async function* decodeMsgpackStream(src: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<unknown> {
  let pending: Buffer | null = null;
  for await (const piece of src) {
    const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
    const buf: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    const values: unknown[] = [];
    let consumed = 0;
    try {
      unpackr.unpackMultiple(buf, (value: unknown, _start?: number, end?: number) => {
        values.push(value);
        consumed = end ?? buf.length;
      });
    } catch (e) {
      if (!(e && typeof e === 'object' && (e as { incomplete?: boolean }).incomplete)) throw e;
    }
    pending = consumed < buf.length ? buf.subarray(consumed) : null;
    if (pending && pending.length > MAX_PENDING_BYTES) {
      throw new TributaryError('TD_RESULT', 'msgpack object larger than 64 MiB in the result stream');
    }
    yield* values;
  }
  if (pending) throw new TributaryError('TD_RESULT', 'the result stream ended inside a msgpack object');
}
