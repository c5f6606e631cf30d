// A read position inside one debug section, bounds-checked against the end
// of what is being read (a unit, a list, an expression). Failures throw
// HotlinkError('malformed-input') naming file, section and offset: "a.o:
// .debug_info at offset 0x1c: ...". Values wider than 53 bits come back as
// bigint from the *Value readers and are errors from the plain ones.

import { HotlinkError, hex } from '../errors.js';

/** An integer attribute or operand: a number when it fits in 53 bits, else a bigint. */
export type DwarfInt = number | bigint;

const TWO32 = 0x100000000;

/** One DataView per byte array: cursors are made often (one per list or index lookup). */
const views = new WeakMap<Uint8Array, DataView>();

function viewOf(bytes: Uint8Array): DataView {
  let v = views.get(bytes);
  if (!v) {
    v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    views.set(bytes, v);
  }
  return v;
}

export class DwarfCursor {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly file: string;
  readonly section: string;
  /** Added to positions in messages, when `bytes` is a window into a larger section. */
  readonly base: number;
  pos: number;
  end: number;

  constructor(bytes: Uint8Array, file: string, section: string, pos = 0, end = bytes.length, base = 0) {
    this.bytes = bytes;
    this.view = viewOf(bytes);
    this.file = file;
    this.section = section;
    this.base = base;
    this.pos = pos;
    this.end = Math.min(end, bytes.length);
  }

  /** A new cursor over [pos, end) of the same bytes. */
  window(pos: number, end: number): DwarfCursor {
    return new DwarfCursor(this.bytes, this.file, this.section, pos, end, this.base);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws a malformed-input error at `offset` (default: the current position). */
  fail(message: string, offset = this.pos): never {
    throw new HotlinkError('malformed-input', `${this.file}: ${this.section} at offset ${hex(offset + this.base)}: ${message}`);
  }

  /** Throws unless `size` more bytes are available. */
  need(size: number, what: string): void {
    if (size < 0 || this.pos + size > this.end) {
      this.fail(`${what} (${size} bytes) runs past the end at ${hex(this.end + this.base)}`);
    }
  }

  skip(size: number, what = 'data'): void {
    this.need(size, what);
    this.pos += size;
  }

  u8(what = 'byte'): number {
    if (this.pos >= this.end) this.need(1, what);
    return this.bytes[this.pos++]!;
  }
  i8(what = 'byte'): number {
    const v = this.u8(what);
    return v >= 0x80 ? v - 0x100 : v;
  }
  u16(what = 'u16'): number {
    if (this.pos + 2 > this.end) this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  i16(what = 'i16'): number {
    if (this.pos + 2 > this.end) this.need(2, what);
    const v = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u24(what = 'u24'): number {
    if (this.pos + 3 > this.end) this.need(3, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 3;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
  }
  u32(what = 'u32'): number {
    if (this.pos + 4 > this.end) this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(what = 'i32'): number {
    if (this.pos + 4 > this.end) this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  /** Unsigned 64-bit; a number when below 2^53, else a bigint. */
  u64Value(what = 'u64'): DwarfInt {
    if (this.pos + 8 > this.end) this.need(8, what);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    if (hi <= 0x1fffff) return hi * TWO32 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  /** Signed 64-bit; a number when it fits in 53 bits, else a bigint. */
  i64Value(what = 'i64'): DwarfInt {
    if (this.pos + 8 > this.end) this.need(8, what);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getInt32(this.pos + 4, true);
    this.pos += 8;
    if (hi <= 0x1fffff && hi >= -0x200000) return hi * TWO32 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  /** Unsigned 64-bit that must fit in 53 bits (an address or an offset). */
  u64(what = 'u64'): number {
    const at = this.pos;
    const v = this.u64Value(what);
    if (typeof v === 'bigint') this.fail(`${what} ${hex(v)} is too large to be an address or offset`, at);
    return v;
  }
  /** A target address of `size` bytes (4 or 8). */
  address(size: number, what = 'address'): number {
    if (size === 8) return this.u64(what);
    if (size === 4) return this.u32(what);
    if (size === 2) return this.u16(what);
    return this.fail(`unsupported address size ${size} reading ${what}`);
  }
  /** A 32-bit DWARF section offset (we reject 64-bit DWARF up front). */
  offset(what = 'offset'): number {
    return this.u32(what);
  }

  /** Unsigned LEB128 that must fit in 53 bits. */
  uleb(what = 'ULEB128'): number {
    const b = this.bytes;
    let p = this.pos;
    if (p < this.end) {
      const first = b[p]!;
      if (first < 0x80) {
        this.pos = p + 1;
        return first;
      }
    }
    const start = p;
    let result = 0;
    let mul = 1;
    for (;;) {
      if (p >= this.end) this.fail(`${what} runs past the end at ${hex(this.end + this.base)}`, start);
      const byte = b[p++]!;
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) break;
      mul *= 128;
      if (p - start >= 16) this.fail(`${what} is longer than 16 bytes`, start);
    }
    this.pos = p;
    if (result > Number.MAX_SAFE_INTEGER) this.fail(`${what} ${result} is too large (over 53 bits)`, start);
    return result;
  }

  /** Signed LEB128 that must fit in 53 bits. */
  sleb(what = 'SLEB128'): number {
    const start = this.pos;
    const v = this.slebValue(what);
    if (typeof v === 'bigint') this.fail(`${what} ${v} is out of the supported range (53 bits)`, start);
    return v;
  }

  /** Unsigned LEB128 of any width: a number below 2^53, else a bigint. */
  ulebValue(what = 'ULEB128'): DwarfInt {
    const start = this.pos;
    const b = this.bytes;
    let p = start;
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (p >= this.end) this.fail(`${what} runs past the end at ${hex(this.end + this.base)}`, start);
      const byte = b[p++]!;
      if (shift < 64n) result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (byte < 0x80) break;
      if (shift > 70n * 7n) this.fail(`${what} is too long`, start);
    }
    this.pos = p;
    result = BigInt.asUintN(64, result);
    return result <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(result) : result;
  }

  /** Signed LEB128 of any width: a number when it fits in 53 bits, else a bigint. */
  slebValue(what = 'SLEB128'): DwarfInt {
    const b = this.bytes;
    let p = this.pos;
    const start = p;
    // Fast path: up to 7 bytes (49 bits) in doubles.
    let result = 0;
    let mul = 1;
    let byte = 0;
    for (let i = 0; i < 7; i++) {
      if (p >= this.end) this.fail(`${what} runs past the end at ${hex(this.end + this.base)}`, start);
      byte = b[p++]!;
      result += (byte & 0x7f) * mul;
      mul *= 128;
      if (byte < 0x80) {
        if (byte & 0x40) result -= mul;
        this.pos = p;
        return result;
      }
    }
    // Slow path in bigint.
    p = start;
    let big = 0n;
    let shift = 0n;
    for (;;) {
      if (p >= this.end) this.fail(`${what} runs past the end at ${hex(this.end + this.base)}`, start);
      byte = b[p++]!;
      if (shift < 64n) big |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (byte < 0x80) break;
      if (shift > 70n * 7n) this.fail(`${what} is too long`, start);
    }
    if (byte & 0x40 && shift < 64n) big -= 1n << shift;
    big = BigInt.asIntN(64, big);
    this.pos = p;
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }

  /** A NUL-terminated string (Latin-1, as the bytes are) that must end before the cursor's end. */
  cstring(what = 'string'): string {
    const start = this.pos;
    const nul = this.bytes.indexOf(0, start);
    if (nul < 0 || nul >= this.end) this.fail(`${what} is not NUL-terminated before ${hex(this.end + this.base)}`, start);
    this.pos = nul + 1;
    return decodeString(this.bytes, start, nul);
  }

  /** `size` bytes, as a view (no copy). */
  block(size: number, what = 'block'): Uint8Array {
    this.need(size, what);
    const v = this.bytes.subarray(this.pos, this.pos + size);
    this.pos += size;
    return v;
  }
}

/** Decodes a string from debug info: UTF-8 when valid (gcc and clang write UTF-8 names), else Latin-1. */
export function decodeString(bytes: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    if (end - start <= 16) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
      return s;
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  const utf8 = buf.toString('utf8');
  return utf8.includes('\ufffd') ? buf.toString('latin1') : utf8;
}
