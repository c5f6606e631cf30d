// Bounds-checked little-endian reads over untrusted bytes. Every read names
// the file and the offset when it would run past the end, so a truncated or
// corrupt input becomes one clear HotlinkError instead of a RangeError (or,
// worse, a silently wrong value). 64-bit fields are returned as JS numbers:
// every offset and address we handle fits in 53 bits, and a field that does
// not is reported as corrupt.

import { HotlinkError, hex } from '../errors.js';

export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly file: string;

  constructor(bytes: Uint8Array, file: string) {
    // A Buffer over the same memory: its latin1 decoding is native.
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.file = file;
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws unless [offset, offset+size) lies inside the buffer. */
  check(offset: number, size: number, what: string): void {
    if (!(offset >= 0 && size >= 0 && offset + size <= this.bytes.length)) {
      throw new HotlinkError(
        'malformed-input',
        `${this.file}: ${what} at offset ${hex(offset)} (size ${hex(size)}) runs past the end of the file (size ${hex(this.bytes.length)})`,
      );
    }
  }

  u8(offset: number, what = 'byte'): number {
    this.check(offset, 1, what);
    return this.bytes[offset]!;
  }
  u16(offset: number, what = 'u16'): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, true);
  }
  u32(offset: number, what = 'u32'): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, true);
  }
  i32(offset: number, what = 'i32'): number {
    this.check(offset, 4, what);
    return this.view.getInt32(offset, true);
  }
  /** Unsigned 64-bit value; must fit in 53 bits. */
  u64(offset: number, what = 'u64'): number {
    this.check(offset, 8, what);
    const lo = this.view.getUint32(offset, true);
    const hi = this.view.getUint32(offset + 4, true);
    if (hi > 0x1fffff) {
      throw new HotlinkError(
        'malformed-input',
        `${this.file}: ${what} at offset ${hex(offset)} has value ${hex((BigInt(hi) << 32n) | BigInt(lo))}, too large to be an offset or size`,
      );
    }
    return hi * 0x100000000 + lo;
  }
  /** Signed 64-bit value (addends); must fit in 53 bits. */
  i64(offset: number, what = 'i64'): number {
    this.check(offset, 8, what);
    const lo = this.view.getUint32(offset, true);
    const hi = this.view.getInt32(offset + 4, true);
    if (hi > 0x1fffff || hi < -0x200000) {
      throw new HotlinkError(
        'malformed-input',
        `${this.file}: ${what} at offset ${hex(offset)} has value ${hex(this.view.getBigInt64(offset, true))}, out of the supported range`,
      );
    }
    return hi * 0x100000000 + lo;
  }

  /** A NUL-terminated string starting at `offset`, which must end before `limit`. */
  cstring(offset: number, limit: number, what = 'string'): string {
    const end = Math.min(limit, this.bytes.length);
    if (offset < 0 || offset >= end) {
      throw new HotlinkError('malformed-input', `${this.file}: ${what} offset ${hex(offset)} is outside its table (ends at ${hex(end)})`);
    }
    // The typed-array builtin: Buffer's own indexOf is JavaScript, slow until optimized (a cold start calls this per symbol).
    const nul = typedIndexOf.call(this.bytes, 0, offset);
    if (nul < 0 || nul >= end) {
      throw new HotlinkError('malformed-input', `${this.file}: ${what} at offset ${hex(offset)} is not NUL-terminated before ${hex(end)}`);
    }
    return latin1(this.bytes, offset, nul);
  }

  slice(offset: number, size: number, what: string): Uint8Array {
    this.check(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }
}

const typedIndexOf = Uint8Array.prototype.indexOf;

/** Decodes bytes [start, end) as Latin-1 (symbol names are byte strings). */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 8) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  const buf = bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.toString('latin1', start, end);
}
