// Function ABI signatures for hot reload: a reloaded function may replace
// the old one only if callers pass arguments and take results the same way.
// abiSignature() classifies the result and each parameter per eightbyte with
// the x86-64 System V algorithm (psABI §3.2.3: INTEGER, SSE, SSEUP, X87,
// X87UP, COMPLEX_X87, NO_CLASS, MEMORY, merged per field, then cleaned up).

import { DW_ATE_boolean, DW_ATE_complex_float, DW_ATE_float, DW_ATE_signed, DW_ATE_signed_char, DW_ATE_unsigned, DW_ATE_unsigned_char, DW_ATE_UTF, DW_ATE_address, DW_ATE_decimal_float, DW_ATE_signed_fixed, DW_ATE_unsigned_fixed } from './constants.js';
import { Subprogram } from './program.js';
import { CType, sizeOf, stripTypedefs, typeName } from './types.js';

export type AbiClass = 'INTEGER' | 'SSE' | 'SSEUP' | 'X87' | 'X87UP' | 'COMPLEX_X87' | 'NO_CLASS' | 'MEMORY';

export interface AbiValue {
  /** Eightbyte classes joined by '+' ('INTEGER', 'SSE+SSE', 'INTEGER+SSE'), 'MEMORY', or 'void'. */
  class: string;
  /** Size in bytes (after default argument promotions for unprototyped functions). */
  size: number;
}

export interface AbiSignature {
  variadic: boolean;
  /** False for a K&R (unprototyped) definition: arguments were promoted. */
  prototyped: boolean;
  ret: AbiValue;
  args: AbiValue[];
}

/** What abiSignature reads of a function: a Subprogram, or any object with these fields. */
export type AbiFunction = Pick<Subprogram, 'name' | 'die' | 'returnType' | 'params' | 'variadic' | 'prototyped'>;

/** Why a type could not be classified (unknown size, VLA, unknown kind). */
class Unbounded {
  constructor(readonly reason: string) {}
}

/**
 * The ABI signature of a function, or undefined (with `why.reason` set)
 * when a parameter or the result has a type whose size is not known from
 * the debug info (an incomplete struct, a VLA, an unknown type kind):
 * such a signature is unbounded and cannot be compared.
 */
export function abiSignature(sub: AbiFunction, why?: { reason?: string }): AbiSignature | undefined {
  const fn = sub.name ?? `function at ${sub.die.offset}`;
  try {
    const ret = isVoid(sub.returnType) ? { class: 'void', size: 0 } : classifyValue(sub.returnType, `return type of ${fn}`);
    const args = sub.params.map((p, i) => {
      let t = p.type;
      if (!sub.prototyped) t = promoted(t);
      return classifyValue(t, `parameter ${i + 1}${p.name ? ` '${p.name}'` : ''} of ${fn}`);
    });
    return { variadic: sub.variadic, prototyped: sub.prototyped, ret, args };
  } catch (e) {
    if (e instanceof Unbounded) {
      if (why) why.reason = e.reason;
      return undefined;
    }
    throw e;
  }
}

/** True when a caller compiled against `a` can call a function compiled as `b`. */
export function sameAbi(a: AbiSignature, b: AbiSignature): boolean {
  if (a.variadic !== b.variadic || a.args.length !== b.args.length) return false;
  const eq = (x: AbiValue, y: AbiValue): boolean => x.class === y.class && x.size === y.size;
  return eq(a.ret, b.ret) && a.args.every((x, i) => eq(x, b.args[i]!));
}

/** '(INTEGER:4, SSE:8, ...) -> MEMORY:40' */
export function formatAbiSignature(s: AbiSignature): string {
  const args = s.args.map((a) => `${a.class}:${a.size}`);
  if (s.variadic) args.push('...');
  return `(${args.join(', ')}) -> ${s.ret.class === 'void' ? 'void' : `${s.ret.class}:${s.ret.size}`}`;
}

/** The classes of each eightbyte of a value of type `t` (psABI §3.2.3), MEMORY alone when passed in memory. */
export function classifyType(t: CType): AbiClass[] | { unbounded: string } {
  try {
    return classesOf(t, typeName(t));
  } catch (e) {
    if (e instanceof Unbounded) return { unbounded: e.reason };
    throw e;
  }
}

function isVoid(t: CType): boolean {
  return stripTypedefs(t).kind === 'void';
}

function classifyValue(t: CType, what: string): AbiValue {
  const classes = classesOf(t, what);
  const size = sizeOf(t)!;
  return { class: classes.join('+'), size };
}

/** Default argument promotions (C11 6.5.2.2p6) for unprototyped calls: small integers to int, float to double. */
function promoted(t: CType): CType {
  const s = stripTypedefs(t);
  if (s.kind === 'base') {
    if (s.encoding === DW_ATE_float && s.byteSize === 4) return { ...s, name: 'double', byteSize: 8 };
    if (isIntegerEncoding(s.encoding) && s.byteSize < 4) return { ...s, name: 'int', byteSize: 4, encoding: DW_ATE_signed };
  }
  if (s.kind === 'enum' && (s.byteSize ?? 4) < 4) return { kind: 'base', name: 'int', byteSize: 4, encoding: DW_ATE_signed, die: s.die };
  return t;
}

function isIntegerEncoding(e: number): boolean {
  return e === DW_ATE_boolean || e === DW_ATE_signed || e === DW_ATE_signed_char || e === DW_ATE_unsigned ||
    e === DW_ATE_unsigned_char || e === DW_ATE_UTF || e === DW_ATE_address || e === DW_ATE_signed_fixed || e === DW_ATE_unsigned_fixed;
}

/** A scalar leaf of a value: its byte offset, size, the class of each of its eightbytes, and its alignment. */
interface Leaf {
  offset: number;
  size: number;
  align: number;
  classes: AbiClass[];
}

function knownSize(t: CType, what: string): number {
  const size = sizeOf(t);
  if (size === undefined) {
    const s = stripTypedefs(t);
    const why = s.kind === 'array' && s.dims.some((d) => d.dynamic !== undefined) ? 'a variable-length array' :
      (s.kind === 'struct' || s.kind === 'union') && s.declaration ? 'an incomplete type' :
      s.kind === 'void' ? 'void' : s.kind === 'function' ? 'a function type' : 'a type of unknown size';
    throw new Unbounded(`${what} has ${why} (${typeName(t)})`);
  }
  return size;
}

/** Classes of a scalar type (base, pointer, enum), eightbyte by eightbyte. */
function scalarClasses(t: CType, what: string): { classes: AbiClass[]; align: number } | undefined {
  switch (t.kind) {
    case 'pointer':
      return { classes: ['INTEGER'], align: t.byteSize };
    case 'enum':
      return { classes: ['INTEGER'], align: knownSize(t, what) };
    case 'base': {
      const n = t.byteSize;
      const name = t.name;
      const longDouble = /long double|_Float64x|__float80/.test(name);
      switch (t.encoding) {
        case DW_ATE_float:
          if (n <= 8) return { classes: ['SSE'], align: n };
          if (longDouble) return { classes: ['X87', 'X87UP'], align: 16 };
          return { classes: ['SSE', 'SSEUP'], align: 16 }; // _Float128 / __float128
        case DW_ATE_decimal_float:
          return n <= 8 ? { classes: ['SSE'], align: n } : { classes: ['SSE', 'SSEUP'], align: 16 };
        case DW_ATE_complex_float:
          if (n <= 8) return { classes: ['SSE'], align: n / 2 }; // _Complex float: both halves in one eightbyte
          if (n === 16) return { classes: ['SSE', 'SSE'], align: 8 }; // _Complex double
          if (longDouble) return { classes: ['COMPLEX_X87'], align: 16 };
          return { classes: ['MEMORY'], align: 16 }; // _Complex _Float128
        default:
          if (!isIntegerEncoding(t.encoding) && t.encoding !== 0) throw new Unbounded(`${what} has base type '${name}' with an unknown encoding ${t.encoding}`);
          if (n === 0) throw new Unbounded(`${what} has base type '${name}' of size 0`);
          return { classes: n > 8 ? ['INTEGER', 'INTEGER'] : ['INTEGER'], align: Math.min(n, 16) };
      }
    }
    default:
      return undefined;
  }
}

/** Flattens a value into scalar leaves at their byte offsets. */
function leaves(t: CType, base: number, what: string, out: Leaf[], depth = 0): void {
  // Values are at most 64 bytes here, so real nesting is shallow; deeper is a struct containing itself.
  if (depth > 64) throw new Unbounded(`${what} nests more than 64 levels (a corrupt, self-containing type?)`);
  t = stripTypedefs(t);
  const scalar = scalarClasses(t, what);
  if (scalar) {
    out.push({ offset: base, size: knownSize(t, what), align: scalar.align, classes: scalar.classes });
    return;
  }
  switch (t.kind) {
    case 'struct':
    case 'union':
    case 'class':
      knownSize(t, what);
      for (const m of t.members) {
        if (m.bitSize !== undefined) {
          if (m.bitSize === 0) continue;
          const byte = Math.floor(m.bitOffset! / 8);
          out.push({ offset: base + byte, size: 1, align: 1, classes: ['INTEGER'] });
          continue;
        }
        leaves(m.type, base + m.offset, `${what}, member ${m.name ?? '<anonymous>'}`, out, depth + 1);
      }
      return;
    case 'array': {
      if (t.vector) {
        // GNU vectors (__m64, __m128, __m256) are SSE, then SSEUP for the rest.
        const size = knownSize(t, what);
        if (size <= 8) out.push({ offset: base, size, align: size, classes: ['SSE'] });
        else out.push({ offset: base, size, align: Math.min(size, 32), classes: ['SSE', ...Array<AbiClass>(size / 8 - 1).fill('SSEUP')] });
        return;
      }
      const size = knownSize(t, what);
      const elemSize = knownSize(t.element, `${what} (element)`);
      if (elemSize === 0) return;
      for (let off = 0; off + elemSize <= size; off += elemSize) leaves(t.element, base + off, what, out, depth + 1);
      return;
    }
    default:
      throw new Unbounded(`${what} has type ${typeName(t)}, which cannot be classified`);
  }
}

function merge(a: AbiClass, b: AbiClass): AbiClass {
  if (a === b) return a;
  if (a === 'NO_CLASS') return b;
  if (b === 'NO_CLASS') return a;
  if (a === 'MEMORY' || b === 'MEMORY') return 'MEMORY';
  if (a === 'INTEGER' || b === 'INTEGER') return 'INTEGER';
  if (a === 'X87' || a === 'X87UP' || a === 'COMPLEX_X87' || b === 'X87' || b === 'X87UP' || b === 'COMPLEX_X87') return 'MEMORY';
  return 'SSE';
}

function classesOf(t: CType, what: string): AbiClass[] {
  const s = stripTypedefs(t);
  if (s.kind === 'void') throw new Unbounded(`${what} is void`);
  const scalar = scalarClasses(s, what);
  if (scalar) return scalar.classes;
  const size = knownSize(s, what);
  // Step 1: over eight eightbytes, or empty.
  if (size > 64) return ['MEMORY'];
  if (size === 0) return ['NO_CLASS'];
  const count = Math.ceil(size / 8);
  const classes: AbiClass[] = new Array<AbiClass>(count).fill('NO_CLASS');
  const ls: Leaf[] = [];
  leaves(s, 0, what, ls);
  for (const leaf of ls) {
    // An unaligned field sends the whole argument to memory.
    if (leaf.align > 0 && leaf.offset % leaf.align !== 0) return ['MEMORY'];
    const first = Math.floor(leaf.offset / 8);
    for (let k = 0; k < leaf.classes.length && first + k < count; k++) {
      classes[first + k] = merge(classes[first + k]!, leaf.classes[k]!);
    }
    // A scalar that straddles into the next eightbyte (packed structs) also lands there.
    const last = Math.floor((leaf.offset + leaf.size - 1) / 8);
    for (let k = first + leaf.classes.length; k <= last && k < count; k++) classes[k] = merge(classes[k]!, leaf.classes[leaf.classes.length - 1]!);
  }
  // Step 5: post-merger cleanup.
  if (classes.includes('MEMORY')) return ['MEMORY'];
  for (let i = 0; i < count; i++) {
    if (classes[i] === 'X87UP' && (i === 0 || classes[i - 1] !== 'X87')) return ['MEMORY'];
  }
  if (count > 2 && (classes[0] !== 'SSE' || classes.slice(1).some((c) => c !== 'SSEUP'))) return ['MEMORY'];
  for (let i = 0; i < count; i++) {
    if (classes[i] === 'SSEUP' && (i === 0 || (classes[i - 1] !== 'SSE' && classes[i - 1] !== 'SSEUP'))) classes[i] = 'SSE';
  }
  return classes;
}
