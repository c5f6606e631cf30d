// Values as gdb 13 prints them for C: `print`, `info locals`, `finish` and
// `x`. A value is a CType and the bytes of its object; pointed-to strings
// are read through a MemoryReader. The rules follow gdb's c-valprint.c,
// valprint.c, printcmd.c and target-float.c (names in comments), with the
// host charset of a C locale (bytes above 0x7f print as octal escapes) or,
// with charset 'utf-8', of a UTF-8 locale.
// Floats print with %.Ng, N = DECIMAL_DIG of their format (float 9, double
// 17, x87 long double 21, _Float128 36), computed exactly with BigInt.

import {
  DW_ATE_boolean, DW_ATE_complex_float, DW_ATE_float, DW_ATE_signed, DW_ATE_signed_char, DW_ATE_signed_fixed,
  DW_ATE_UTF, DW_ATE_decimal_float,
} from '../dwarf/constants.js';
import { ArrayType, BaseType, CType, EnumType, Member, StructType, sizeOf, stripTypedefs, typeName } from '../dwarf/types.js';

/** Reads the debuggee's memory; returns fewer bytes than asked (possibly none) where it is unmapped. */
export interface MemoryReader {
  read(address: number, length: number): Uint8Array;
}

/** gdb's print/FMT letters. 's' only changes how 1-byte integers and their arrays are shown. */
export type FormatLetter = 'x' | 'd' | 'u' | 'o' | 't' | 'c' | 'a' | 'f' | 's' | 'z';

export interface FormatOptions {
  format?: FormatLetter;
  /** Names an address for `<...>` annotations: 'main', 'counter', 'buf+50'; undefined when nothing is there. */
  symbolize?: (address: number) => string | undefined;
  /** gdb's `set print elements` (default 200; 0 or Infinity: unlimited): array elements and string characters shown. */
  maxElements?: number;
  /** Characters shown of a string (gdb 14's `print characters`); default maxElements. */
  maxStringLength?: number;
  /** gdb's `set print repeats` (default 10; 0 or Infinity: never): runs longer than this collapse to `<repeats N times>`. */
  repeatThreshold?: number;
  /** gdb's `set print max-depth` (default 20; -1 or Infinity: unlimited): deeper aggregates print as `{...}`. */
  maxDepth?: number;
  /**
   * Where the value lives, when it is in memory. Needed for functions
   * (`{int (int)} 0x401126 <twice>`) and for arrays without a length
   * (flexible array members), which gdb prints as their address; 0 otherwise.
   */
  address?: number;
  /**
   * The charset of gdb's locale: 'ascii' (the default; LC_ALL=C) shows
   * every byte above 0x7f and every non-ASCII character as an escape;
   * 'utf-8' (a UTF-8 locale) decodes narrow strings as UTF-8 and shows the
   * characters iswprint accepts.
   */
  charset?: 'ascii' | 'utf-8';
  /**
   * true (the default) prints as `print` and `finish` do, with gdb's
   * `(int *) ` type prefix on pointers; false as `info locals`, `info args`
   * and struct members do, without it.
   */
  typePrefix?: boolean;
}

interface Ctx {
  mem: MemoryReader;
  /** undefined = natural format; 's' is kept (it only matters for 1-byte integers). */
  format: FormatLetter | undefined;
  symbolize: ((address: number) => string | undefined) | undefined;
  maxElements: number;
  maxString: number;
  repeats: number;
  maxDepth: number;
  utf8: boolean;
}

function contextOf(mem: MemoryReader, opts: FormatOptions): Ctx {
  // As in gdb, 0 means unlimited for elements, characters and repeats (and -1 for depth).
  const limit = (v: number | undefined, dflt: number): number => (v === undefined ? dflt : v === 0 ? Infinity : v);
  const maxElements = limit(opts.maxElements, 200);
  return {
    mem,
    format: opts.format,
    symbolize: opts.symbolize,
    maxElements,
    maxString: limit(opts.maxStringLength, maxElements),
    repeats: limit(opts.repeatThreshold, 10),
    maxDepth: opts.maxDepth === undefined ? 20 : opts.maxDepth < 0 ? Infinity : opts.maxDepth,
    utf8: opts.charset === 'utf-8',
  };
}

/**
 * The value of an object of `type` held in `bytes` (little-endian, at least
 * sizeOf(type) bytes), as gdb 13's `print` shows it after `$1 = `.
 */
export function formatValue(type: CType, bytes: Uint8Array, mem: MemoryReader, opts: FormatOptions = {}): string {
  const ctx = contextOf(mem, opts);
  const address = BigInt(opts.address ?? 0);
  const fmt = ctx.format;
  const s = stripTypedefs(type);
  // printcmd.c print_formatted: with a format letter, scalars go straight to
  // print_scalar_formatted (no type prefix; complex numbers and functions as raw bytes).
  if (fmt !== undefined && fmt !== 's' && s.kind !== 'array' && s.kind !== 'struct' && s.kind !== 'union' && s.kind !== 'class') {
    if (s.kind === 'function') return scalarFormatted(ONE_BYTE_INT, readAt(mem, address, 1) ?? new Uint8Array(1), fmt, ctx, false);
    if (s.kind === 'void') return 'void';
    return scalarFormatted(s, bytes, fmt, ctx, false);
  }
  const prefix = opts.typePrefix === false ? undefined : formatTypeForPrint(type);
  const body = valueText(type, bytes, address, ctx, 0);
  return prefix === undefined ? body : `${prefix} ${body}`;
}

/**
 * The `(T)` gdb's `print` puts before a pointer value (c_value_print):
 * `(int *)`, `(struct point *)`, `(int (*)(int))`, `(str_t)` for a typedef;
 * undefined for anything else and for pointers to plain `char`, `wchar_t`,
 * `char16_t` and `char32_t` (the quoted string shows the type).
 */
export function formatTypeForPrint(type: CType): string | undefined {
  if (stripTypedefs(type).kind !== 'pointer') return undefined;
  let t = type;
  while (t.kind === 'qualified') t = t.target;
  if (t.kind === 'pointer') {
    let target = t.target;
    while (target.kind === 'qualified') target = target.target;
    const name = target.kind === 'base' || target.kind === 'typedef' ? target.name : undefined;
    if (name === 'char' || (name !== undefined && WIDE_NAMES.has(name))) return undefined;
  }
  return `(${typeName(type)})`;
}

/**
 * One scalar under a format letter, as print_scalar_formatted does it: raw
 * bytes for x/z/o/t/d/u (floats too), a char for c, an address for a, the
 * bytes as a float of the same size for f. `zeroPad` is `x`'s sized output
 * (x/4xw pads to the unit's width).
 */
export function formatScalar(type: CType, bytes: Uint8Array, format: FormatLetter, opts: FormatOptions & { zeroPad?: boolean } = {}): string {
  const ctx = contextOf(NO_MEMORY, opts);
  if (format === 's') return valueText(type, bytes, BigInt(opts.address ?? 0), { ...ctx, format: undefined }, 0);
  return scalarFormatted(stripTypedefs(type), bytes, format, ctx, opts.zeroPad ?? false);
}

/**
 * A scalar's value: a bigint for integers, characters, booleans, enums and
 * pointers (signed as the type is), a number for floats (long double and
 * _Float128 rounded to double); undefined for aggregates and functions.
 */
export function parseValueBytes(type: CType, bytes: Uint8Array): bigint | number | undefined {
  const t = stripTypedefs(type);
  const size = sizeOf(t);
  if (size === undefined || bytes.length < size) return undefined;
  const b = bytes.subarray(0, size);
  switch (t.kind) {
    case 'base': {
      if (t.encoding === DW_ATE_float) {
        const f = decodeFloat(b, floatFormatOf(t.name, size));
        return f === undefined ? undefined : floatToNumber(f);
      }
      if (t.encoding === DW_ATE_complex_float || t.encoding === DW_ATE_decimal_float) return undefined;
      return isSignedBase(t) ? leSigned(b) : leUnsigned(b);
    }
    case 'enum': return enumIsUnsigned(t) ? leUnsigned(b) : leSigned(b);
    case 'pointer': return leUnsigned(b);
    default: return undefined;
  }
}

// ---- Values by kind (c_value_print_inner, generic_value_print) ---------------

const NO_MEMORY: MemoryReader = { read: () => new Uint8Array(0) };

function valueText(type: CType, bytes: Uint8Array, address: bigint, ctx: Ctx, recurse: number): string {
  const t = stripTypedefs(type);
  const size = sizeOf(t);
  if (size !== undefined && t.kind !== 'array' && bytes.length < size) return '<unavailable>';
  switch (t.kind) {
    case 'void': return 'void';
    case 'base': return baseText(type, t, bytes, ctx);
    case 'enum':
      if (ctx.format !== undefined && ctx.format !== 's') return scalarFormatted(t, bytes, ctx.format, ctx, false);
      return enumText(t, bytes.subarray(0, size));
    case 'pointer': {
      const b = bytes.subarray(0, t.byteSize);
      if (ctx.format !== undefined && ctx.format !== 's') return scalarFormatted(t, b, ctx.format, ctx, false);
      return pointerText(t.target, leUnsigned(b), ctx);
    }
    case 'struct': case 'union': case 'class':
      if (recurse >= ctx.maxDepth) return '{...}';
      return structText(t, bytes, address, ctx, recurse);
    case 'array': return arrayText(t, bytes, address, ctx, recurse);
    case 'function': return `{${typeName(type)}} ${addressText(address, ctx)}`;
    case 'unknown': return `<unknown type${t.name !== undefined ? ` ${t.name}` : ''}>`;
    case 'typedef': case 'qualified': return '?'; // stripTypedefs leaves none
  }
}

function baseText(type: CType, t: BaseType, bytes: Uint8Array, ctx: Ctx): string {
  const b = bytes.subarray(0, t.byteSize);
  const fmt = ctx.format;
  if (t.encoding === DW_ATE_complex_float) {
    // generic_value_print_complex: each part formatted alone, then " + " and "i".
    const half = t.byteSize / 2;
    const part: BaseType = { kind: 'base', name: complexPartName(t.name), byteSize: half, encoding: DW_ATE_float, die: t.die };
    const re = b.subarray(0, half);
    const im = b.subarray(half);
    if (fmt !== undefined && fmt !== 's') return `${scalarFormatted(part, re, fmt, ctx, false)} + ${scalarFormatted(part, im, fmt, ctx, false)}i`;
    return `${floatText(part, re)} + ${floatText(part, im)}i`;
  }
  if (fmt !== undefined && fmt !== 's' && !(fmt === 'f' && t.encoding === DW_ATE_float)) return scalarFormatted(t, b, fmt, ctx, false);
  if (t.encoding === DW_ATE_float) return floatText(t, b);
  if (t.encoding === DW_ATE_decimal_float) return decimalFloatText(b);
  if (t.byteSize === 0) return 'void';
  if (t.encoding === DW_ATE_boolean) {
    // generic_val_print_bool
    const v = leUnsigned(b);
    return v === 0n ? 'false' : v === 1n ? 'true' : v.toString();
  }
  const v = isSignedBase(t) ? leSigned(b) : leUnsigned(b);
  if (isTextual(type, fmt)) return `${v} ${charLiteral(type, b, ctx)}`;
  return v.toString();
}

/** The name of a complex type's parts, for choosing their float format ("complex _Float128" -> "_Float128"). */
function complexPartName(name: string): string {
  return name.replace(/^complex\s+/, '').replace(/\s*_Complex\s*/, ' ').trim();
}

function isSignedBase(t: BaseType): boolean {
  return t.encoding === DW_ATE_signed || t.encoding === DW_ATE_signed_char || t.encoding === DW_ATE_signed_fixed;
}

const ONE_BYTE_INT: BaseType = Object.freeze({ kind: 'base', name: 'char', byteSize: 1, encoding: DW_ATE_signed_char }) as BaseType;

// ---- Enums (generic_val_print_enum_1) ----------------------------------------

/** gdb's enum is unsigned when no enumerator is negative (dwarf2/read.c). */
function enumIsUnsigned(t: EnumType): boolean {
  return t.enumerators.every((e) => BigInt(e.value) >= 0n);
}

/** A flag enum: every enumerator non-negative with at most one bit set. */
function enumIsFlag(t: EnumType): boolean {
  return t.enumerators.every((e) => {
    const v = BigInt(e.value);
    return v >= 0n && (v & (v - 1n)) === 0n;
  });
}

function enumText(t: EnumType, bytes: Uint8Array): string {
  const val = BigInt.asIntN(64, enumIsUnsigned(t) ? leUnsigned(bytes) : leSigned(bytes));
  const exact = t.enumerators.find((e) => BigInt.asIntN(64, BigInt(e.value)) === val);
  if (exact) return exact.name;
  if (!enumIsFlag(t)) return val.toString();
  let rest = val;
  const parts: string[] = [];
  for (const e of t.enumerators) {
    const ev = BigInt(e.value);
    if ((rest & ev) !== 0n) {
      parts.push(e.name);
      rest &= ~ev;
    }
  }
  if (rest !== 0n) parts.push(`unknown: 0x${BigInt.asUintN(64, rest).toString(16)}`);
  if (parts.length === 0) return '0';
  return `(${parts.join(' | ')})`;
}

// ---- Pointers (print_unpacked_pointer) ---------------------------------------

function pointerText(target: CType, addr: bigint, ctx: Ctx): string {
  const elt = stripTypedefs(target);
  // print_function_pointer_address / print_address_demangle
  const head = addressText(addr, ctx);
  if (elt.kind === 'function') return head;
  if (addr !== 0n && isTextual(target, ctx.format)) return `${head} ${stringAt(target, addr, ctx).text}`;
  return head;
}

/** paddress + print_address_symbolic: `0x401126 <twice>`, `0x0`. */
function addressText(addr: bigint, ctx: Ctx): string {
  const a = BigInt.asUintN(64, addr);
  const sym = a <= BigInt(Number.MAX_SAFE_INTEGER) ? ctx.symbolize?.(Number(a)) : undefined;
  return sym !== undefined ? `0x${a.toString(16)} <${sym}>` : `0x${a.toString(16)}`;
}

function readAt(mem: MemoryReader, addr: bigint, length: number): Uint8Array | undefined {
  if (addr < 0n || addr + BigInt(length) > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const got = mem.read(Number(addr), length);
  return got.length >= length ? got.subarray(0, length) : undefined;
}

/** Reads up to `length` bytes, stopping at the first unreadable one (partial_memory_read). */
function readPartial(mem: MemoryReader, addr: bigint, length: number): Uint8Array {
  if (addr < 0n || addr > BigInt(Number.MAX_SAFE_INTEGER)) return new Uint8Array(0);
  const got = mem.read(Number(addr), length);
  if (got.length >= length) return got.subarray(0, length);
  // A short read may stop early on a page boundary the reader does not
  // cross; read on byte by byte to find the true end.
  const out = new Uint8Array(length);
  out.set(got);
  let n = got.length;
  while (n < length) {
    const b = mem.read(Number(addr) + n, 1);
    if (b.length < 1) break;
    out[n++] = b[0]!;
  }
  return out.subarray(0, n);
}

/**
 * A NUL-terminated string at `addr` (val_print_string with length -1):
 * at most maxString characters, `...` when more follow, and gdb's
 * `<error: Cannot access memory at address 0x..>` where reading stops.
 */
function stringAt(charType: CType, addr: bigint, ctx: Ctx): { text: string; consumed: number } {
  const width = sizeOf(charType) ?? 1;
  const limit = ctx.maxString;
  // target_read_string: chunks of 8 characters until a NUL, an error or the limit.
  const units: bigint[] = [];
  let error = false;
  let at = addr;
  let foundNul = false;
  while (units.length < limit && !foundNul) {
    const n = Math.min(8, limit - units.length);
    const got = readPartial(ctx.mem, at, n * width);
    const whole = Math.floor(got.length / width);
    for (let i = 0; i < whole; i++) {
      const u = leUnsigned(got.subarray(i * width, (i + 1) * width));
      units.push(u);
      at += BigInt(width);
      if (u === 0n) {
        foundNul = true;
        break;
      }
    }
    if (!foundNul && whole < n) {
      error = true;
      break;
    }
  }
  let forceEllipsis = false;
  if (!foundNul && !error) {
    // Peek at the next character: a readable non-NUL one means there is more.
    const peek = readAt(ctx.mem, at, width);
    if (peek && leUnsigned(peek) !== 0n) forceEllipsis = true;
  }
  let out = '';
  if (!error || units.length > 0) out = stringLiteral(charType, units, width, forceEllipsis, ctx);
  if (error) out += `<error: Cannot access memory at address 0x${BigInt.asUintN(64, at).toString(16)}>`;
  return { text: out, consumed: units.length };
}

// ---- Structs and unions (cp_print_value_fields) ------------------------------

function structText(t: StructType, bytes: Uint8Array, address: bigint, ctx: Ctx, recurse: number): string {
  if (t.declaration) return '<incomplete type>';
  const fields = t.members.filter((m) => !m.artificial);
  if (fields.length === 0) return '{<No data fields>}';
  const parts = fields.map((m) => {
    const value = memberText(m, bytes, address, ctx, m.name ? recurse + 1 : recurse);
    return m.name ? `${m.name} = ${value}` : value;
  });
  return `{${parts.join(', ')}}`;
}

function memberText(m: Member, bytes: Uint8Array, address: bigint, ctx: Ctx, recurse: number): string {
  if (m.bitSize !== undefined && m.bitOffset !== undefined) {
    // value_field_bitfield: the bits, sign-extended as the field's type is, in an object of that type.
    const size = sizeOf(m.type) ?? Math.ceil(m.bitSize / 8);
    const startByte = Math.floor(m.bitOffset / 8);
    const endByte = Math.ceil((m.bitOffset + m.bitSize) / 8);
    if (endByte > bytes.length) return '<unavailable>';
    let v = leUnsigned(bytes.subarray(startByte, endByte)) >> BigInt(m.bitOffset - startByte * 8);
    v &= (1n << BigInt(m.bitSize)) - 1n;
    if (isSignedScalar(m.type) && m.bitSize > 0 && (v >> BigInt(m.bitSize - 1)) & 1n) v -= 1n << BigInt(m.bitSize);
    return valueText(m.type, leBytes(v, size), address + BigInt(startByte), ctx, recurse);
  }
  const size = sizeOf(m.type);
  const end = size === undefined ? m.offset : m.offset + size;
  if (end > bytes.length) return '<unavailable>';
  return valueText(m.type, bytes.subarray(m.offset, end), address + BigInt(m.offset), ctx, recurse);
}

function isSignedScalar(type: CType): boolean {
  const t = stripTypedefs(type);
  if (t.kind === 'base') return isSignedBase(t);
  if (t.kind === 'enum') return !enumIsUnsigned(t);
  return false;
}

// ---- Arrays (c_value_print_array, value_print_array_elements) ----------------

function arrayText(t: ArrayType, bytes: Uint8Array, address: bigint, ctx: Ctx, recurse: number): string {
  const dim = t.dims[0];
  const elem: CType = t.dims.length > 1 ? { ...t, dims: t.dims.slice(1), byteSize: undefined } : t.element;
  const eltSize = sizeOf(elem) ?? 0;
  const count = dim?.count;
  if (count === undefined || count === 0 || eltSize === 0) {
    // An array without a length (a flexible array member, `int a[0]`) prints as a pointer to its first element.
    return pointerText(elem, address, ctx);
  }
  if (bytes.length < count * eltSize) return '<unavailable>';
  // Vector elements are data, never text (TYPE_NOTTEXT).
  if (!t.vector && t.dims.length === 1 && isTextual(elem, ctx.format)) {
    const units: bigint[] = [];
    for (let i = 0; i < count; i++) units.push(leUnsigned(bytes.subarray(i * eltSize, (i + 1) * eltSize)));
    return stringLiteral(elem, units, eltSize, false, ctx);
  }
  if (recurse >= ctx.maxDepth) return '{...}';
  const out: string[] = [];
  let printed = 0;
  let i = 0;
  for (; i < count && printed < ctx.maxElements; i++) {
    const eb = bytes.subarray(i * eltSize, (i + 1) * eltSize);
    let reps = 1;
    while (i + reps < count && sameBytes(eb, bytes.subarray((i + reps) * eltSize, (i + reps + 1) * eltSize))) reps++;
    const text = t.vector && ctx.format === undefined ? vectorElementText(elem, eb, ctx) : valueText(elem, eb, address + BigInt(i * eltSize), ctx, recurse + 1);
    if (reps > ctx.repeats) {
      out.push(`${text} <repeats ${reps} times>`);
      i += reps - 1;
      printed += ctx.repeats;
    } else {
      out.push(text);
      printed++;
    }
  }
  return `{${out.join(', ')}${i < count ? '...' : ''}}`;
}

/** A vector element: an integer shown as a number only (no character), anything else as usual. */
function vectorElementText(elem: CType, bytes: Uint8Array, ctx: Ctx): string {
  const s = stripTypedefs(elem);
  if (s.kind === 'base' && s.encoding !== DW_ATE_float && s.encoding !== DW_ATE_boolean && s.encoding !== DW_ATE_complex_float) {
    return (isSignedBase(s) ? leSigned(bytes) : leUnsigned(bytes)).toString();
  }
  return valueText(elem, bytes, 0n, { ...ctx, format: undefined }, 1);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---- Characters and strings (c-lang.c, valprint.c generic_printstr) ----------

const WIDE_NAMES: ReadonlyMap<string, string> = new Map([['wchar_t', 'L'], ['char16_t', 'u'], ['char32_t', 'U']]);

/**
 * classify_type: the literal prefix of a character type, found by peeling
 * typedefs one at a time ('L' for wchar_t, 'u' char16_t, 'U' char32_t).
 */
function charPrefix(type: CType): string {
  let t: CType | undefined = type;
  for (let i = 0; t && i < 64; i++) {
    if (t.kind === 'qualified') {
      t = t.target;
      continue;
    }
    if (t.kind === 'typedef') {
      const p = WIDE_NAMES.get(t.name);
      if (p !== undefined) return p;
      t = t.target;
      continue;
    }
    if (t.kind === 'base') return WIDE_NAMES.get(t.name) ?? '';
    return '';
  }
  return '';
}

/**
 * c_textual_element_type: is an integer of this type shown as a character
 * too (and an array or pointer of it as a string)? Yes for 1-byte integers
 * and for wchar_t/char16_t/char32_t, unless a format letter other than s is given.
 */
function isTextual(type: CType, format: FormatLetter | undefined): boolean {
  if (format !== undefined && format !== 's') return false;
  const t = stripTypedefs(type);
  if (t.kind !== 'base') return false;
  if (t.encoding === DW_ATE_UTF) return true;
  if (t.encoding === DW_ATE_boolean || t.encoding === DW_ATE_float || t.encoding === DW_ATE_complex_float || t.encoding === DW_ATE_decimal_float) return false;
  if (charPrefix(type) !== '') return true;
  return t.byteSize === 1;
}

interface Char {
  /** 'ok': a character; 'invalid': units that do not convert; 'incomplete': a truncated sequence at the end. */
  kind: 'ok' | 'invalid' | 'incomplete';
  codePoint: number;
  /** The target code units it came from (escapes print these). */
  units: bigint[];
}

/**
 * wchar_iterator: the characters of a run of code units. Narrow strings are
 * ASCII (bytes above 0x7f do not convert) or UTF-8; char16_t is UTF-16,
 * wchar_t and char32_t UTF-32. A sequence cut off by the end of the units
 * is 'incomplete'.
 */
function decodeChars(units: bigint[], width: number, utf8: boolean): Char[] {
  const out: Char[] = [];
  const incomplete = (rest: bigint[]): void => {
    // gdb converts one character per iconv call and sees the incomplete
    // sequence while converting the one before it, whose output is lost.
    if (out[out.length - 1]?.kind === 'ok') out.pop();
    out.push({ kind: 'incomplete', codePoint: -1, units: rest });
  };
  const invalid = (u: bigint): void => {
    out.push({ kind: 'invalid', codePoint: -1, units: [u] });
  };
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (width === 1) {
      if (u < 0x80n) out.push({ kind: 'ok', codePoint: Number(u), units: [u] });
      else if (!utf8) invalid(u);
      else {
        const seq = utf8Sequence(units, i);
        if (seq === 'invalid') invalid(u);
        else if (seq === 'incomplete') {
          incomplete(units.slice(i));
          break;
        } else {
          out.push({ kind: 'ok', codePoint: seq.codePoint, units: units.slice(i, i + seq.length) });
          i += seq.length - 1;
        }
      }
    } else if (width === 2) {
      if (u >= 0xd800n && u < 0xdc00n) {
        const next = units[i + 1];
        if (next === undefined) {
          incomplete([u]);
        } else if (next >= 0xdc00n && next < 0xe000n) {
          out.push({ kind: 'ok', codePoint: 0x10000 + ((Number(u) - 0xd800) << 10) + (Number(next) - 0xdc00), units: [u, next] });
          i++;
        } else invalid(u);
      } else if (u >= 0xdc00n && u < 0xe000n) invalid(u);
      else out.push({ kind: 'ok', codePoint: Number(u), units: [u] });
    } else {
      if (u <= 0x10ffffn && !(u >= 0xd800n && u < 0xe000n)) out.push({ kind: 'ok', codePoint: Number(u), units: [u] });
      else invalid(u);
    }
  }
  return out;
}

/**
 * The UTF-8 sequence starting at units[i] (a byte >= 0x80), as glibc's
 * decoder sees it: no overlong forms, surrogates or code points past
 * U+10FFFF; a bad byte makes the lead byte alone invalid.
 */
function utf8Sequence(units: bigint[], i: number): { codePoint: number; length: number } | 'invalid' | 'incomplete' {
  const lead = Number(units[i]!);
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) need = 1;
  else if (lead >= 0xe0 && lead <= 0xef) {
    need = 2;
    if (lead === 0xe0) lo = 0xa0;
    if (lead === 0xed) hi = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    need = 3;
    if (lead === 0xf0) lo = 0x90;
    if (lead === 0xf4) hi = 0x8f;
  } else return 'invalid';
  let cp = lead & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
  for (let j = 1; j <= need; j++) {
    const b = units[i + j];
    if (b === undefined) return 'incomplete';
    const x = Number(b);
    if (x < (j === 1 ? lo : 0x80) || x > (j === 1 ? hi : 0xbf)) return 'invalid';
    cp = (cp << 6) | (x & 0x3f);
  }
  return { codePoint: cp, length: need + 1 };
}

/**
 * iswprint: ASCII graphic characters and space in the C locale; in a
 * UTF-8 locale also every assigned character that is not a control, a
 * surrogate or a line or paragraph separator.
 */
function isPrintable(cp: number, utf8: boolean): boolean {
  if (cp >= 0x20 && cp < 0x7f) return true;
  if (!utf8 || cp < 0xa0) return false;
  return !/[\p{Cc}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/u.test(String.fromCodePoint(cp));
}

const C_ESCAPES: ReadonlyMap<number, string> = new Map([[7, '\\a'], [8, '\\b'], [12, '\\f'], [10, '\\n'], [13, '\\r'], [9, '\\t'], [11, '\\v']]);

function isHexDigit(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x46) || (cp >= 0x61 && cp <= 0x66);
}

/** print_wchar's escape state: a hex escape must not be followed by a bare hex digit. */
interface EscapeState {
  needEscape: boolean;
}

/** print_wchar: one character, escaped for a literal quoted with `quoter`. */
function charText(c: Char, quoter: string, st: EscapeState, utf8: boolean): string {
  const need = st.needEscape;
  st.needEscape = false;
  if (c.kind === 'ok') {
    const esc = C_ESCAPES.get(c.codePoint);
    if (esc !== undefined) return esc;
    if (isPrintable(c.codePoint, utf8) && !(need && isHexDigit(c.codePoint))) {
      const ch = String.fromCodePoint(c.codePoint);
      return ch === quoter || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  let out = '';
  for (const u of c.units) {
    if (u <= 0o777n) {
      out += `\\${u.toString(8).padStart(3, '0')}`;
      st.needEscape = false;
    } else {
      out += `\\x${u.toString(16)}`;
      st.needEscape = true;
    }
  }
  return out;
}

/** c_printchar: `'a'`, `'\n'`, `L'x'`, `'\303'`. */
function charLiteral(type: CType, bytes: Uint8Array, ctx: Ctx): string {
  const width = bytes.length;
  const chars = decodeChars([leUnsigned(bytes)], width, ctx.utf8);
  const st: EscapeState = { needEscape: false };
  return `${charPrefix(type)}'${chars.map((c) => charText(c, "'", st, ctx.utf8)).join('')}'`;
}

/**
 * generic_printstr: a quoted string of `units`, runs longer than the
 * repeat threshold as `'c' <repeats N times>`, a trailing NUL dropped,
 * at most maxString characters, `...` when cut short or `forceEllipsis`.
 */
function stringLiteral(charType: CType, units: bigint[], width: number, forceEllipsis: boolean, ctx: Ctx): string {
  const prefix = charPrefix(charType);
  let length = units.length;
  if (!forceEllipsis && length > 0 && units[length - 1] === 0n) length--;
  if (length === 0) return `${prefix}""`;
  const chars = decodeChars(units.slice(0, length), width, ctx.utf8);
  // count_next_character: group equal characters.
  const groups: { c: Char; reps: number }[] = [];
  for (const c of chars) {
    const last = groups[groups.length - 1];
    if (last && sameChar(last.c, c)) last.reps++;
    else groups.push({ c, reps: 1 });
  }
  let counted = 0;
  let taken = 0;
  while (taken < groups.length && counted < ctx.maxString) counted += groups[taken++]!.reps;
  const finished = taken === groups.length;
  // print_converted_chars_to_obstack
  let out = prefix;
  let state: 'start' | 'single' | 'repeat' = 'start';
  const st: EscapeState = { needEscape: false };
  for (let g = 0; g < taken; g++) {
    const { c, reps } = groups[g]!;
    if (c.kind === 'incomplete') {
      if (state === 'single') out += '"';
      if (state !== 'start') out += ', ';
      out += `<incomplete sequence ${charText({ ...c, kind: 'invalid' }, '', st, ctx.utf8)}>`;
      // Nothing is printed after an incomplete sequence.
      return out + (forceEllipsis || !finished ? '...' : '');
    }
    if (reps > ctx.repeats) {
      if (state === 'single') out += '"';
      if (state !== 'start') out += ', ';
      out += `'${charText(c, '"', st, ctx.utf8)}' <repeats ${reps} times>`;
      state = 'repeat';
    } else {
      if (state !== 'single') {
        if (state !== 'start') out += ', ';
        out += '"';
      }
      for (let r = 0; r < reps; r++) out += charText(c, '"', st, ctx.utf8);
      state = 'single';
    }
  }
  if (state === 'single') out += '"';
  if (forceEllipsis || !finished) out += '...';
  return out;
}

function sameChar(a: Char, b: Char): boolean {
  if (a.kind !== b.kind || a.units.length !== b.units.length) return false;
  return a.units.every((u, i) => u === b.units[i]);
}

// ---- Format letters (printcmd.c print_scalar_formatted) ----------------------

/**
 * A scalar under a format letter. Integers, pointers, enums and booleans
 * print their bytes; floats too (x, d, ...), except f (the float) and c and
 * a, which take the value converted to an integer (unpack_long).
 */
function scalarFormatted(t: CType, bytes: Uint8Array, format: FormatLetter, ctx: Ctx, zeroPad: boolean): string {
  const s = stripTypedefs(t);
  const size = sizeOf(s) ?? bytes.length;
  const b = bytes.subarray(0, size);
  if (format === 's') return valueText(s, b, 0n, { ...ctx, format: undefined }, 0);
  const isFloat = s.kind === 'base' && s.encoding === DW_ATE_float;
  // TYPE_UNSIGNED: unsigned integers, booleans, pointers, enums without negative enumerators.
  const unsigned = !isFloat && !isSignedScalar(s);
  switch (format) {
    case 'x': return hexText(leUnsigned(b), zeroPad ? size : 0);
    case 'z': return hexText(leUnsigned(b), size);
    case 'o': {
      const v = leUnsigned(b);
      return v === 0n ? '0' : `0${v.toString(8)}`;
    }
    case 't': {
      const v = leUnsigned(b).toString(2);
      return zeroPad ? v.padStart(size * 8, '0') : v;
    }
    case 'd': return leSigned(b).toString();
    case 'u': return leUnsigned(b).toString();
    case 'c': {
      // The value as a char (true_unsigned_char for unsigned types), printed with format 0.
      const v = unpackLong(s, b);
      const byte = leBytes(v, 1);
      const num = unsigned ? leUnsigned(byte) : leSigned(byte);
      return `${num} ${charLiteral(ONE_BYTE_INT, byte, ctx)}`;
    }
    case 'a': return addressText(BigInt.asUintN(64, unpackLong(s, b)), ctx);
    case 'f': {
      if (isFloat) return floatText(s as BaseType, b);
      // The bytes as the float type of the same length, if there is one.
      const fmt = size === 4 ? SINGLE : size === 8 ? DOUBLE : size === 16 ? X87 : undefined;
      if (fmt) return floatBytesText(b, fmt);
      return (unsigned ? leUnsigned(b) : leSigned(b)).toString();
    }
  }
}

/** unpack_long: an integer, pointer, enum or bool as its value; a float truncated toward zero. */
function unpackLong(t: CType, bytes: Uint8Array): bigint {
  if (t.kind === 'base' && t.encoding === DW_ATE_float) {
    const f = decodeFloat(bytes, floatFormatOf(t.name, t.byteSize));
    if (!f || f.kind === 'nan' || f.kind === 'inf' || f.kind === 'invalid') return -(1n << 63n);
    const mag = f.exp2 >= 0 ? f.mant << BigInt(f.exp2) : f.mant >> BigInt(-f.exp2);
    return f.neg ? -mag : mag;
  }
  return isSignedScalar(t) ? leSigned(bytes) : leUnsigned(bytes);
}

function hexText(v: bigint, padBytes: number): string {
  return `0x${v.toString(16).padStart(padBytes * 2, '0')}`;
}


// ---- Floats (target-float.c) -------------------------------------------------

interface FloatFormat {
  name: string;
  /** Bits used (x87: 80 of 128). */
  totalBits: number;
  expBits: number;
  /** Stored mantissa bits (x87 includes its explicit integer bit). */
  manBits: number;
  explicitInt: boolean;
}

const HALF: FloatFormat = { name: 'half', totalBits: 16, expBits: 5, manBits: 10, explicitInt: false };
const BFLOAT16: FloatFormat = { name: 'bfloat16', totalBits: 16, expBits: 8, manBits: 7, explicitInt: false };
const SINGLE: FloatFormat = { name: 'single', totalBits: 32, expBits: 8, manBits: 23, explicitInt: false };
const DOUBLE: FloatFormat = { name: 'double', totalBits: 64, expBits: 11, manBits: 52, explicitInt: false };
const X87: FloatFormat = { name: 'i387_ext', totalBits: 80, expBits: 15, manBits: 64, explicitInt: true };
const QUAD: FloatFormat = { name: 'quad', totalBits: 128, expBits: 15, manBits: 112, explicitInt: false };

/** i386_floatformat_for_type: 16-byte floats are x87 extended unless named as IEEE quad. */
const QUAD_NAMES = new Set(['__float128', '_Float128', 'complex _Float128']);

function floatFormatOf(name: string, size: number): FloatFormat | undefined {
  switch (size) {
    case 2: return /bf16/.test(name) ? BFLOAT16 : HALF;
    case 4: return SINGLE;
    case 8: return DOUBLE;
    case 10: case 12: return X87;
    case 16: return QUAD_NAMES.has(name) ? QUAD : X87;
    default: return undefined;
  }
}

interface DecodedFloat {
  neg: boolean;
  kind: 'zero' | 'normal' | 'subnormal' | 'inf' | 'nan' | 'invalid';
  /** |value| = mant * 2^exp2 */
  mant: bigint;
  exp2: number;
  /** floatformat_mantissa: the mantissa field in hex, for nan(0x...). */
  mantissaHex: string;
}

function decodeFloat(bytes: Uint8Array, fmt: FloatFormat | undefined): DecodedFloat | undefined {
  if (!fmt || bytes.length * 8 < fmt.totalBits) return undefined;
  const bits = leUnsigned(bytes.subarray(0, fmt.totalBits / 8));
  const manMask = (1n << BigInt(fmt.manBits)) - 1n;
  const field = bits & manMask;
  const exp = Number((bits >> BigInt(fmt.manBits)) & ((1n << BigInt(fmt.expBits)) - 1n));
  const neg = ((bits >> BigInt(fmt.totalBits - 1)) & 1n) === 1n;
  const bias = (1 << (fmt.expBits - 1)) - 1;
  const expMax = (1 << fmt.expBits) - 1;
  const fraction = fmt.explicitInt ? field & (manMask >> 1n) : field;
  const intBit = fmt.explicitInt ? (field >> BigInt(fmt.manBits - 1)) & 1n : 0n;
  const mantissaHex = mantissaHexOf(field, fmt.manBits);
  const fracBits = fmt.explicitInt ? fmt.manBits - 1 : fmt.manBits;
  // floatformat_i387_ext_is_valid: the integer bit is set exactly when the exponent is not 0.
  if (fmt.explicitInt && (exp === 0) !== (intBit === 0n)) return { neg, kind: 'invalid', mant: 0n, exp2: 0, mantissaHex };
  if (exp === expMax) return { neg, kind: fraction === 0n ? 'inf' : 'nan', mant: 0n, exp2: 0, mantissaHex };
  if (exp === 0) {
    if (fraction === 0n) return { neg, kind: 'zero', mant: 0n, exp2: 0, mantissaHex };
    return { neg, kind: 'subnormal', mant: fraction, exp2: 1 - bias - fracBits, mantissaHex };
  }
  const mant = fmt.explicitInt ? field : field | (1n << BigInt(fmt.manBits));
  return { neg, kind: 'normal', mant, exp2: exp - bias - fracBits, mantissaHex };
}

/** The first (manBits % 32 || 32) bits with %lx, then 32-bit groups with %08lx. */
function mantissaHexOf(field: bigint, manBits: number): string {
  const first = manBits % 32 || 32;
  let left = manBits - first;
  let out = (field >> BigInt(left)).toString(16);
  while (left > 0) {
    left -= 32;
    out += ((field >> BigInt(left)) & 0xffffffffn).toString(16).padStart(8, '0');
  }
  return out;
}

/** floatformat_printf_format: DECIMAL_DIG = ceil(1 + p log10 2), p the precision in bits. */
function decimalDigits(fmt: FloatFormat): number {
  const p = fmt.explicitInt ? fmt.manBits : fmt.manBits + 1;
  const d = 1 + p * 0.30102999566398119521;
  return Math.ceil(d);
}

function floatText(t: BaseType, bytes: Uint8Array): string {
  const fmt = floatFormatOf(t.name, t.byteSize);
  if (!fmt) return `<unsupported float of ${t.byteSize} bytes>`;
  return floatBytesText(bytes, fmt);
}

function floatBytesText(bytes: Uint8Array, fmt: FloatFormat): string {
  const f = decodeFloat(bytes, fmt);
  if (!f) return '<unavailable>';
  const sign = f.neg ? '-' : '';
  switch (f.kind) {
    case 'invalid': return '<invalid float value>';
    case 'nan': return `${sign}nan(0x${f.mantissaHex})`;
    case 'inf': return `${sign}inf`;
    case 'zero': return `${sign}0`;
    default: return sign + formatG(f.mant, f.exp2, decimalDigits(fmt));
  }
}

function floatToNumber(f: DecodedFloat): number {
  switch (f.kind) {
    case 'nan': case 'invalid': return NaN;
    case 'inf': return f.neg ? -Infinity : Infinity;
    case 'zero': return f.neg ? -0 : 0;
    default: {
      const v = Number(f.mant) * 2 ** f.exp2;
      return f.neg ? -v : v;
    }
  }
}

const POW10_CACHE = new Map<number, bigint>();
function pow10(k: number): bigint {
  let v = POW10_CACHE.get(k);
  if (v === undefined) {
    v = 10n ** BigInt(k);
    POW10_CACHE.set(k, v);
  }
  return v;
}

/**
 * printf("%.Pg") of mant * 2^exp2 (positive), exactly: the value rounded
 * to P significant digits (ties to even, as glibc does), then %e style if
 * the decimal exponent is below -4 or at least P, else %f style, trailing
 * zeros removed.
 */
export function formatG(mant: bigint, exp2: number, precision: number): string {
  if (mant === 0n) return '0';
  const num = exp2 >= 0 ? mant << BigInt(exp2) : mant;
  const den = exp2 >= 0 ? 1n : 1n << BigInt(-exp2);
  // value >= 10^k ?
  const atLeast = (k: number): boolean => (k >= 0 ? num >= den * pow10(k) : num * pow10(-k) >= den);
  const log2 = mant.toString(2).length - 1 + exp2;
  let x = Math.floor(log2 * 0.30102999566398119521);
  while (!atLeast(x)) x--;
  while (atLeast(x + 1)) x++;
  const k = x - precision + 1;
  const n = k >= 0 ? num : num * pow10(-k);
  const d = k >= 0 ? den * pow10(k) : den;
  let q = n / d;
  const r2 = (n - q * d) * 2n;
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) q += 1n;
  if (q === pow10(precision)) {
    q = pow10(precision - 1);
    x++;
  }
  const digits = q.toString();
  if (x < -4 || x >= precision) {
    const frac = digits.slice(1).replace(/0+$/, '');
    const e = `${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
    return `${digits[0]}${frac ? `.${frac}` : ''}e${e}`;
  }
  let intPart: string;
  let frac: string;
  if (x >= 0) {
    intPart = digits.slice(0, x + 1);
    frac = digits.slice(x + 1);
  } else {
    intPart = '0';
    frac = '0'.repeat(-x - 1) + digits;
  }
  frac = frac.replace(/0+$/, '');
  return frac ? `${intPart}.${frac}` : intPart;
}

// ---- Decimal floats (libdecnumber, BID encoding as on x86-64) ----------------

/**
 * _Decimal32/64/128 in the binary integer decimal encoding, printed as
 * decNumber's to-scientific-string: `1.50`, `1E+300`, `1.2E-7`, `Infinity`.
 */
function decimalFloatText(bytes: Uint8Array): string {
  const total = bytes.length * 8;
  const layout = total === 32 ? { expBits: 8, bias: 101, digits: 7 } : total === 64 ? { expBits: 10, bias: 398, digits: 16 } : total === 128 ? { expBits: 14, bias: 6176, digits: 34 } : undefined;
  if (!layout) return `<decimal float of ${bytes.length} bytes>`;
  const bits = leUnsigned(bytes);
  const sign = (bits >> BigInt(total - 1)) & 1n ? '-' : '';
  const top5 = Number((bits >> BigInt(total - 6)) & 0x1fn);
  if (top5 === 0b11110) return `${sign}Infinity`;
  if (top5 === 0b11111) return `${sign}${(bits >> BigInt(total - 7)) & 1n ? 'sNaN' : 'NaN'}`;
  const mask = (n: number): bigint => (1n << BigInt(n)) - 1n;
  let exp: number;
  let coef: bigint;
  if (top5 >> 3 === 0b11) {
    const shift = total - 3 - layout.expBits;
    exp = Number((bits >> BigInt(shift)) & mask(layout.expBits));
    coef = (bits & mask(shift)) | (0b100n << BigInt(shift));
  } else {
    const shift = total - 1 - layout.expBits;
    exp = Number((bits >> BigInt(shift)) & mask(layout.expBits));
    coef = bits & mask(shift);
  }
  if (coef >= pow10(layout.digits)) coef = 0n; // non-canonical
  return sign + toScientificString(coef.toString(), exp - layout.bias);
}

/** The General Decimal Arithmetic to-scientific-string of coefficient digits c and exponent e. */
function toScientificString(c: string, e: number): string {
  const adjusted = e + c.length - 1;
  if (e <= 0 && adjusted >= -6) {
    if (e === 0) return c;
    const point = c.length + e;
    return point > 0 ? `${c.slice(0, point)}.${c.slice(point)}` : `0.${'0'.repeat(-point)}${c}`;
  }
  const mant = c.length > 1 ? `${c[0]}.${c.slice(1)}` : c;
  return `${mant}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

// ---- Bytes -------------------------------------------------------------------

function leUnsigned(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

function leSigned(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt.asIntN(b.length * 8, leUnsigned(b));
}

function leBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let u = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

// ---- x (printcmd.c do_examine) -----------------------------------------------

export type UnitSize = 'b' | 'h' | 'w' | 'g';

export interface ExamineOptions extends Omit<FormatOptions, 'format' | 'address' | 'typePrefix'> {
  /** Default 'x'. */
  format?: FormatLetter;
  /** Default: 'g' for a, 'b' for c and s, 'g' for f, else 'w'. */
  size?: UnitSize;
  /** Units (or strings, for s) to show; default 1. */
  count?: number;
}

export interface ExamineResult {
  /** Output lines as gdb prints them: `0x404240 <parr>:\t0x00000001\t...`. */
  lines: string[];
  /** The address after the last unit shown (where a following bare `x` continues). */
  next: number;
  /** Set when memory ran out: gdb's message, printed right after the last (partial) line. */
  error?: string;
  /** gdb's warning before the output (x/sg: "Unable to display strings with size 'g', using 'b' instead."). */
  warning?: string;
}

const UNIT_BYTES: Readonly<Record<UnitSize, number>> = { b: 1, h: 2, w: 4, g: 8 };

/**
 * gdb's `x/NFU address`: units of 1, 2, 4 or 8 bytes (signed integers) in
 * format F, 8, 8, 4 or 2 to a line, each line labelled with its address;
 * x/s shows NUL-terminated strings (char16_t with h, char32_t with w).
 */
export function examineMemory(address: number, mem: MemoryReader, opts: ExamineOptions = {}): ExamineResult {
  const format = opts.format ?? 'x';
  let size: UnitSize = opts.size ?? (format === 'a' || format === 'f' ? 'g' : format === 'c' || format === 's' ? 'b' : 'w');
  if (format === 'a') size = 'g';
  // Strings are of bytes, char16_t (h) or char32_t (w); gdb warns and uses bytes for g.
  let warning: string | undefined;
  if (format === 's' && size === 'g') {
    warning = "Unable to display strings with size 'g', using 'b' instead.";
    size = 'b';
  }
  const ctx = contextOf(mem, { ...opts, format });
  const count = opts.count ?? 1;
  const width = UNIT_BYTES[size];
  const perLine = format === 's' ? 1 : size === 'w' ? 4 : size === 'g' ? 2 : 8;
  const lines: string[] = [];
  let at = BigInt(address);
  let left = count;
  while (left > 0) {
    let line = `${addressText(at, ctx)}:`;
    for (let i = perLine; i > 0 && left > 0; i--, left--) {
      if (format === 's') {
        // x/s reads as a string of int8 (plain "..."), char16_t (h) or char32_t (w).
        const charType: CType = width === 1 ? ONE_BYTE_INT : ({ kind: 'base', name: width === 2 ? 'char16_t' : 'char32_t', byteSize: width, encoding: DW_ATE_UTF } as BaseType);
        const { text, consumed } = stringAt(charType, at, ctx);
        line += `\t${text}`;
        at += BigInt(consumed * width);
        continue;
      }
      const b = readPartial(mem, at, width);
      if (b.length < width) {
        // gdb names the first byte it could not read.
        lines.push(`${line}\t`);
        return { lines, next: Number(at), error: `Cannot access memory at address 0x${(at + BigInt(b.length)).toString(16)}`, ...(warning ? { warning } : {}) };
      }
      const unit: BaseType = { kind: 'base', name: `int${width * 8}_t`, byteSize: width, encoding: DW_ATE_signed } as BaseType;
      line += `\t${scalarFormatted(unit, b, format, ctx, true)}`;
      at += BigInt(width);
    }
    lines.push(line);
  }
  return { lines, next: Number(at), ...(warning ? { warning } : {}) };
}
