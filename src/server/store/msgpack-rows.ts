// A small msgpack writer for job results: one msgpack array per row, concatenated (the format
// of `job/result?format=msgpack`). It exists, rather than core/msgpack's packr, to control
// number encoding per column: a DOUBLE column is written as float64 even when a value is
// integral, so clients that keep the distinction (Ruby) print 2.0, not 2.

export class MsgpackRowWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Bytes written since the last take(), copied out; the writer is then empty. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  row(values: readonly unknown[], floatColumns: readonly boolean[]): void {
    this.header(values.length, 0x90, 0xdc);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (floatColumns[i] && typeof v === 'number') this.float(v);
      else this.value(v);
    }
  }

  private header(n: number, fix: number, code16: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = fix | n;
    else if (n < 0x10000) {
      this.buf[this.pos++] = code16;
      this.buf.writeUInt16BE(n, this.pos);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = code16 + 1;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    }
  }

  private float(v: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xcb;
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  private int(v: bigint): void {
    this.ensure(9);
    if (v >= 0n) {
      if (v < 128n) {
        this.buf[this.pos++] = Number(v);
        return;
      }
      this.buf[this.pos++] = 0xcf;
      this.buf.writeBigUInt64BE(v, this.pos);
    } else {
      if (v >= -32n) {
        this.buf[this.pos++] = 0x100 + Number(v);
        return;
      }
      this.buf[this.pos++] = 0xd3;
      this.buf.writeBigInt64BE(v, this.pos);
    }
    this.pos += 8;
  }

  private smallInt(v: number): void {
    this.ensure(9);
    if (v >= 0) {
      if (v < 128) this.buf[this.pos++] = v;
      else if (v < 0x10000) {
        this.buf[this.pos++] = 0xcd;
        this.buf.writeUInt16BE(v, this.pos);
        this.pos += 2;
      } else if (v < 0x100000000) {
        this.buf[this.pos++] = 0xce;
        this.buf.writeUInt32BE(v, this.pos);
        this.pos += 4;
      } else {
        this.buf[this.pos++] = 0xcf;
        this.buf.writeBigUInt64BE(BigInt(v), this.pos);
        this.pos += 8;
      }
    } else if (v >= -32) {
      this.buf[this.pos++] = 0x100 + v;
    } else if (v >= -0x80000000) {
      this.buf[this.pos++] = 0xd2;
      this.buf.writeInt32BE(v, this.pos);
      this.pos += 4;
    } else {
      this.buf[this.pos++] = 0xd3;
      this.buf.writeBigInt64BE(BigInt(v), this.pos);
      this.pos += 8;
    }
  }

  private bytes(b: Uint8Array, fix: number | undefined, c8: number, c16: number, c32: number): void {
    const n = b.length;
    this.ensure(n + 5);
    if (fix !== undefined && n < 32) this.buf[this.pos++] = fix | n;
    else if (n < 0x100) {
      this.buf[this.pos++] = c8;
      this.buf[this.pos++] = n;
    } else if (n < 0x10000) {
      this.buf[this.pos++] = c16;
      this.buf.writeUInt16BE(n, this.pos);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = c32;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    }
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  value(v: unknown): void {
    if (v === null || v === undefined) {
      this.ensure(1);
      this.buf[this.pos++] = 0xc0;
    } else if (typeof v === 'boolean') {
      this.ensure(1);
      this.buf[this.pos++] = v ? 0xc3 : 0xc2;
    } else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) this.smallInt(v);
      else this.float(v);
    } else if (typeof v === 'bigint') {
      this.int(v);
    } else if (typeof v === 'string') {
      this.bytes(Buffer.from(v, 'utf8'), 0xa0, 0xd9, 0xda, 0xdb);
    } else if (v instanceof Uint8Array) {
      this.bytes(v, undefined, 0xc4, 0xc5, 0xc6);
    } else if (Array.isArray(v)) {
      this.header(v.length, 0x90, 0xdc);
      for (const x of v) this.value(x);
    } else if (typeof v === 'object') {
      const keys = Object.keys(v);
      this.header(keys.length, 0x80, 0xde);
      for (const k of keys) {
        this.value(k);
        this.value((v as Record<string, unknown>)[k]);
      }
    } else {
      this.value(String(v));
    }
  }
}
