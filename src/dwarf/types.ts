// C types from DWARF type DIEs: base, pointer, qualifiers, typedef, struct
// and union (bit fields), enum, array (multi-dimensional, VLA bounds),
// function, void. typeName() spells a type as gdb's `whatis` does
// (`struct point *`, `int (*)(int, int)`) and ptypeText() as `ptype` does.
// Types are built once per DIE and shared, so pointer cycles are fine.

import { DW_FORM_sdata, DW_FORM_implicit_const, DW_FORM_data8,
  DW_TAG_base_type, DW_TAG_pointer_type, DW_TAG_reference_type, DW_TAG_rvalue_reference_type, DW_TAG_const_type,
  DW_TAG_volatile_type, DW_TAG_restrict_type, DW_TAG_atomic_type, DW_TAG_typedef, DW_TAG_structure_type,
  DW_TAG_union_type, DW_TAG_class_type, DW_TAG_enumeration_type, DW_TAG_array_type, DW_TAG_subroutine_type,
  DW_TAG_subprogram, DW_TAG_unspecified_type, DW_TAG_member, DW_TAG_enumerator, DW_TAG_subrange_type,
  DW_TAG_formal_parameter, DW_TAG_unspecified_parameters, DW_TAG_generic_subrange,
  DW_AT_type, DW_AT_byte_size, DW_AT_encoding, DW_AT_bit_size, DW_AT_data_bit_offset, DW_AT_bit_offset,
  DW_AT_data_member_location, DW_AT_declaration, DW_AT_const_value, DW_AT_count, DW_AT_upper_bound, DW_AT_lower_bound,
  DW_AT_prototyped, DW_AT_GNU_vector, DW_AT_artificial,
  DW_FORM_exprloc, DW_FORM_block, DW_FORM_block1, DW_FORM_block2, DW_FORM_block4,
  DW_OP_plus_uconst, DW_OP_constu,
} from './constants.js';
import { HotlinkError, hex } from '../errors.js';
import { Die, isConstantForm, isReferenceForm } from './info.js';
import { tagName } from './names.js';

export interface VoidType {
  kind: 'void';
}
export interface BaseType {
  kind: 'base';
  name: string;
  byteSize: number;
  /** DW_ATE_* */
  encoding: number;
  die: Die;
}
export interface PointerType {
  kind: 'pointer';
  /** C++ references are pointers with reference set ('&' or '&&'). */
  reference?: '&' | '&&';
  target: CType;
  byteSize: number;
  die: Die;
}
export type Qualifier = 'const' | 'volatile' | 'restrict' | '_Atomic';
export interface QualifiedType {
  kind: 'qualified';
  qualifier: Qualifier;
  target: CType;
  die: Die;
}
export interface TypedefType {
  kind: 'typedef';
  name: string;
  target: CType;
  die: Die;
}
export interface Member {
  name?: string;
  type: CType;
  /** Byte offset of the member (of the byte holding its first bit, for a bit field). */
  offset: number;
  /** For bit fields: width in bits and offset in bits from the start of the struct. */
  bitSize?: number;
  bitOffset?: number;
  artificial: boolean;
}
export interface StructType {
  kind: 'struct' | 'union' | 'class';
  name?: string;
  /** Undefined for an incomplete (declaration-only) type. */
  byteSize?: number;
  declaration: boolean;
  members: Member[];
  die: Die;
}
export interface Enumerator {
  name: string;
  value: number | bigint;
}
export interface EnumType {
  kind: 'enum';
  name?: string;
  byteSize?: number;
  declaration: boolean;
  enumerators: Enumerator[];
  /** The underlying integer type, when the producer names it. */
  underlying?: CType;
  die: Die;
}
export interface ArrayDimension {
  /** Number of elements; undefined when unknown (`int a[]`) or computed at run time. */
  count?: number;
  lowerBound: number;
  /** A variable-length bound: the DIE (a variable or DWARF procedure) or expression that computes it. */
  dynamic?: Die | Uint8Array;
}
export interface ArrayType {
  kind: 'array';
  element: CType;
  dims: ArrayDimension[];
  /** A GNU vector type (__attribute__((vector_size)), __m128). */
  vector: boolean;
  /** DW_AT_byte_size when given (vectors), else undefined. */
  byteSize?: number;
  die: Die;
}
export interface FunctionType {
  kind: 'function';
  returnType: CType;
  params: CType[];
  variadic: boolean;
  prototyped: boolean;
  die: Die;
}
export interface UnknownType {
  kind: 'unknown';
  tag: number;
  name?: string;
  die: Die;
}

export type CType =
  | VoidType
  | BaseType
  | PointerType
  | QualifiedType
  | TypedefType
  | StructType
  | EnumType
  | ArrayType
  | FunctionType
  | UnknownType;

export const VOID: VoidType = Object.freeze({ kind: 'void' }) as VoidType;

const cache = new WeakMap<Die, CType>();

/** The type a DIE's DW_AT_type names (void when absent), following abstract_origin / specification. */
export function typeOfDie(die: Die): CType {
  const holder = die.inheritedDie(DW_AT_type);
  const t = holder?.ref(DW_AT_type);
  return t ? typeFromDie(t) : VOID;
}

/** The C type a type DIE describes. */
export function typeFromDie(die: Die): CType {
  const hit = cache.get(die);
  if (hit) return hit;
  switch (die.tag) {
    case DW_TAG_base_type: {
      const t: BaseType = { kind: 'base', name: die.name ?? '?', byteSize: die.uint(DW_AT_byte_size) ?? 0, encoding: die.uint(DW_AT_encoding) ?? 0, die };
      cache.set(die, t);
      return t;
    }
    case DW_TAG_unspecified_type: {
      // `void` in some producers, `decltype(nullptr)` in C++.
      const t: BaseType = { kind: 'base', name: die.name ?? 'void', byteSize: die.uint(DW_AT_byte_size) ?? 0, encoding: 0, die };
      cache.set(die, t);
      return t;
    }
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type: {
      const t: PointerType = { kind: 'pointer', target: VOID, byteSize: die.uint(DW_AT_byte_size) ?? die.unit.address_size, die };
      if (die.tag !== DW_TAG_pointer_type) t.reference = die.tag === DW_TAG_reference_type ? '&' : '&&';
      cache.set(die, t);
      t.target = typeOfDie(die);
      return checkNoCycle(t);
    }
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type: {
      const qualifier: Qualifier = die.tag === DW_TAG_const_type ? 'const' : die.tag === DW_TAG_volatile_type ? 'volatile' : die.tag === DW_TAG_restrict_type ? 'restrict' : '_Atomic';
      const t: QualifiedType = { kind: 'qualified', qualifier, target: VOID, die };
      cache.set(die, t);
      t.target = typeOfDie(die);
      return checkNoCycle(t);
    }
    case DW_TAG_typedef: {
      const t: TypedefType = { kind: 'typedef', name: die.name ?? '?', target: VOID, die };
      cache.set(die, t);
      t.target = typeOfDie(die);
      return checkNoCycle(t);
    }
    case DW_TAG_structure_type:
    case DW_TAG_union_type:
    case DW_TAG_class_type: {
      const kind = die.tag === DW_TAG_structure_type ? 'struct' : die.tag === DW_TAG_union_type ? 'union' : 'class';
      const t: StructType = { kind, declaration: die.flag(DW_AT_declaration), members: [], die };
      const name = die.name;
      if (name !== undefined) t.name = name;
      const size = die.uint(DW_AT_byte_size);
      if (size !== undefined) t.byteSize = size;
      cache.set(die, t);
      for (const m of die.children) if (m.tag === DW_TAG_member) t.members.push(memberOf(m));
      return t;
    }
    case DW_TAG_enumeration_type: {
      const t: EnumType = { kind: 'enum', declaration: die.flag(DW_AT_declaration), enumerators: [], die };
      const name = die.name;
      if (name !== undefined) t.name = name;
      const size = die.uint(DW_AT_byte_size);
      if (size !== undefined) t.byteSize = size;
      cache.set(die, t);
      if (die.has(DW_AT_type)) t.underlying = typeOfDie(die);
      const signed = t.underlying ? isSignedInteger(t.underlying) : undefined;
      for (const e of die.children) {
        if (e.tag !== DW_TAG_enumerator) continue;
        const v = signed === false ? e.get(DW_AT_const_value) : e.sint(DW_AT_const_value);
        t.enumerators.push({ name: e.name ?? '?', value: typeof v === 'number' || typeof v === 'bigint' ? v : 0 });
      }
      return t;
    }
    case DW_TAG_array_type: {
      const t: ArrayType = { kind: 'array', element: VOID, dims: [], vector: die.flag(DW_AT_GNU_vector), die };
      const size = die.uint(DW_AT_byte_size);
      if (size !== undefined) t.byteSize = size;
      cache.set(die, t);
      t.element = typeOfDie(die);
      for (const s of die.children) {
        if (s.tag === DW_TAG_subrange_type || s.tag === DW_TAG_generic_subrange) t.dims.push(dimensionOf(s));
      }
      return checkNoCycle(t);
    }
    case DW_TAG_subroutine_type:
    case DW_TAG_subprogram: {
      const t: FunctionType = { kind: 'function', returnType: VOID, params: [], variadic: false, prototyped: die.inherited(DW_AT_prototyped) === true, die };
      cache.set(die, t);
      t.returnType = typeOfDie(die);
      for (const p of die.children) {
        if (p.tag === DW_TAG_formal_parameter) t.params.push(typeOfDie(p));
        else if (p.tag === DW_TAG_unspecified_parameters) t.variadic = true;
      }
      return checkNoCycle(t);
    }
    default: {
      const t: UnknownType = { kind: 'unknown', tag: die.tag, die };
      const name = die.name;
      if (name !== undefined) t.name = name;
      cache.set(die, t);
      return t;
    }
  }
}

/** The type a declarator type is built on (pointer target, array element, return type), if any. */
function innerType(t: CType): CType | undefined {
  switch (t.kind) {
    case 'pointer': case 'qualified': case 'typedef': return t.target;
    case 'array': return t.element;
    case 'function': return t.returnType;
    default: return undefined;
  }
}

/**
 * A type that reaches itself through pointers, qualifiers, typedefs,
 * array elements or return types (only a struct may refer back to itself)
 * is corrupt: printing or sizing it would never end. The cycle is cut
 * before throwing, so the cached type stays finite.
 */
function checkNoCycle<T extends Exclude<CType, VoidType>>(t: T): T {
  let cur = innerType(t);
  for (let i = 0; i < 10000 && cur; i++) {
    if (cur === t) {
      const broken: UnknownType = { kind: 'unknown', tag: t.die.tag, name: '<cyclic type>', die: t.die };
      if (t.kind === 'array') t.element = broken;
      else if (t.kind === 'function') t.returnType = broken;
      else if (t.kind === 'pointer' || t.kind === 'qualified' || t.kind === 'typedef') t.target = broken;
      const u = t.die.unit;
      throw new HotlinkError('malformed-input', `${u.info.file}: .debug_info at offset ${hex(t.die.offset)}: ${tagName(t.die.tag)} refers to itself through DW_AT_type`);
    }
    cur = innerType(cur);
  }
  return t;
}

function memberOf(m: Die): Member {
  const type = typeOfDie(m);
  const out: Member = { type, offset: 0, artificial: m.flag(DW_AT_artificial) };
  const name = m.name;
  if (name !== undefined) out.name = name;
  const loc = memberLocation(m);
  const bitSize = m.uint(DW_AT_bit_size);
  if (bitSize !== undefined) {
    out.bitSize = bitSize;
    let bitOffset = m.uint(DW_AT_data_bit_offset);
    if (bitOffset === undefined) {
      // DWARF 2/3 style: DW_AT_bit_offset counts from the most significant bit
      // of a storage unit of DW_AT_byte_size bytes at data_member_location.
      const storage = (m.uint(DW_AT_byte_size) ?? sizeOf(type) ?? 0) * 8;
      const fromMsb = m.uint(DW_AT_bit_offset) ?? 0;
      bitOffset = (loc ?? 0) * 8 + storage - fromMsb - bitSize;
    }
    out.bitOffset = bitOffset;
    out.offset = Math.floor(bitOffset / 8);
  } else {
    out.offset = loc ?? 0;
  }
  return out;
}

/** DW_AT_data_member_location as a byte offset: a constant, or (old gcc) DW_OP_plus_uconst N. */
function memberLocation(m: Die): number | undefined {
  const form = m.form(DW_AT_data_member_location);
  if (form === undefined) return undefined;
  if (isConstantForm(form)) return m.uint(DW_AT_data_member_location);
  if (form === DW_FORM_exprloc || form === DW_FORM_block || form === DW_FORM_block1 || form === DW_FORM_block2 || form === DW_FORM_block4) {
    const b = m.block(DW_AT_data_member_location)!;
    if ((b[0] === DW_OP_plus_uconst || b[0] === DW_OP_constu) && b.length >= 2) {
      let v = 0;
      let mul = 1;
      for (let i = 1; i < b.length; i++) {
        v += (b[i]! & 0x7f) * mul;
        if (b[i]! < 0x80) break;
        mul *= 128;
      }
      return v;
    }
  }
  return undefined;
}

function dimensionOf(s: Die): ArrayDimension {
  const lowerBound = Number(s.sint(DW_AT_lower_bound) ?? 0);
  const d: ArrayDimension = { lowerBound };
  const bound = (at: number): number | Die | Uint8Array | undefined => {
    const form = s.form(at);
    if (form === undefined) return undefined;
    if (isReferenceForm(form)) return s.ref(at);
    if (isConstantForm(form)) {
      // data1/2/4 bounds are unsigned (an upper bound 0xf9 is 249, not -7); sdata and an all-ones
      // data8 (gcc's -1 for `int a[0]`) are signed.
      const signed = form === DW_FORM_sdata || form === DW_FORM_implicit_const || form === DW_FORM_data8;
      const v = signed ? s.sint(at) : s.uint(at);
      return typeof v === 'number' ? v : typeof v === 'bigint' && v >= -(2n ** 53n) && v < 2n ** 53n ? Number(v) : undefined;
    }
    return s.block(at);
  };
  const count = bound(DW_AT_count);
  const upper = count === undefined ? bound(DW_AT_upper_bound) : undefined;
  if (typeof count === 'number') d.count = count;
  else if (count !== undefined) d.dynamic = count;
  else if (typeof upper === 'number') {
    // gcc writes upper bound -1 (all ones) for a zero-length array `int a[0]`.
    d.count = upper >= lowerBound - 1 ? upper - lowerBound + 1 : 0;
  } else if (upper !== undefined) d.dynamic = upper;
  return d;
}

/** Strips typedefs and qualifiers. */
export function stripTypedefs(t: CType): CType {
  for (let i = 0; i < 64; i++) {
    if (t.kind === 'typedef' || t.kind === 'qualified') t = t.target;
    else return t;
  }
  return t;
}

function isSignedInteger(t: CType): boolean | undefined {
  const s = stripTypedefs(t);
  if (s.kind !== 'base') return undefined;
  return s.encoding === 0x05 || s.encoding === 0x06 || s.encoding === 0x0d;
}

/**
 * Size in bytes, or undefined when unknown: incomplete structs, arrays
 * without a count or with a run-time (VLA) bound, function types.
 */
export function sizeOf(t: CType): number | undefined {
  switch (t.kind) {
    case 'void': return undefined;
    case 'base': return t.byteSize;
    case 'pointer': return t.byteSize;
    case 'qualified': case 'typedef': return sizeOf(t.target);
    case 'struct': case 'union': case 'class': return t.declaration ? undefined : t.byteSize;
    case 'enum': return t.byteSize ?? (t.underlying ? sizeOf(t.underlying) : undefined);
    case 'array': {
      if (t.byteSize !== undefined) return t.byteSize;
      const elem = sizeOf(t.element);
      if (elem === undefined) return undefined;
      let n = elem;
      for (const d of t.dims) {
        if (d.count === undefined) return undefined;
        n *= d.count;
      }
      return n;
    }
    case 'function': return undefined;
    case 'unknown': return t.die.uint(DW_AT_byte_size);
  }
}

// ---- Spelling types like gdb -------------------------------------------------

/** gdb prints gcc's integer spellings the short way ('long int' is 'long'). */
const GDB_BASE_NAMES: ReadonlyMap<string, string> = new Map([
  ['long int', 'long'],
  ['long unsigned int', 'unsigned long'],
  ['long long int', 'long long'],
  ['long long unsigned int', 'unsigned long long'],
  ['short int', 'short'],
  ['short unsigned int', 'unsigned short'],
]);

function gdbBaseName(name: string): string {
  return GDB_BASE_NAMES.get(name) ?? name;
}

const QUALIFIER_ORDER: readonly Qualifier[] = ['const', 'volatile', 'restrict', '_Atomic'];

/** Collects a run of qualifiers over `t` (in gdb's print order) and the type beneath them. */
function peelQualifiers(t: CType): { quals: Qualifier[]; inner: CType } {
  const seen = new Set<Qualifier>();
  while (t.kind === 'qualified') {
    seen.add(t.qualifier);
    t = t.target;
  }
  return { quals: QUALIFIER_ORDER.filter((q) => seen.has(q)), inner: t };
}

/** What the base of a declaration prints as, at gdb's `show` level (show > 0 expands bodies). */
function baseName(t: CType, show: number, indent: string): string {
  switch (t.kind) {
    case 'void': return 'void';
    case 'base': return gdbBaseName(t.name);
    case 'typedef':
      return show > 0 ? typeText(t.target, '', show, indent) : t.name;
    case 'struct': case 'union': case 'class': {
      const head = t.name !== undefined ? `${t.kind} ${t.name}` : t.kind;
      if (show <= 0 && t.name !== undefined) return head;
      if (show < 0) return `${head} {...}`;
      const inner = indent + '    ';
      const lines: string[] = [];
      if (t.declaration) lines.push(`${inner}<incomplete type>`);
      else if (t.members.length === 0) lines.push(`${inner}<no data fields>`);
      for (const m of t.members) {
        const bits = m.bitSize !== undefined ? ` : ${m.bitSize}` : '';
        lines.push(`${inner}${typeText(m.type, m.name ?? '', show - 1, inner)}${bits};`);
      }
      return `${head} {\n${lines.join('\n')}\n${indent}}`;
    }
    case 'enum': {
      const head = t.name !== undefined ? `enum ${t.name}` : 'enum';
      if (show <= 0 && t.name !== undefined) return head;
      if (show < 0) return `${head} {...}`;
      let next: bigint = 0n;
      const items = t.enumerators.map((e) => {
        const v = BigInt(e.value);
        const text = v === next ? e.name : `${e.name} = ${v}`;
        next = v + 1n;
        return text;
      });
      return `${head} {${items.join(', ')}}`;
    }
    case 'unknown': return t.name ?? `<${tagName(t.tag)}>`;
    default: return '?';
  }
}

function paramList(f: FunctionType, depth: number): string {
  if (!f.prototyped && f.params.length === 0) return '()';
  const ps = f.params.map((p) => typeText(p, '', -1, '', depth));
  if (f.variadic) ps.push('...');
  if (ps.length === 0) return '(void)';
  return `(${ps.join(', ')})`;
}

function arraySuffix(a: ArrayType): string {
  if (a.vector) return ` __attribute__ ((vector_size(${a.dims.map((d) => d.count ?? '').join(',')})))`;
  return a.dims.map((d) => (d.count !== undefined ? `[${d.count}]` : d.dynamic !== undefined ? '[variable length]' : '[]')).join('');
}

/**
 * The C spelling of `t` declaring `decl` (a name or an abstract
 * declarator): the declarator is built inside-out, adding parentheses where a
 * pointer meets an array or function, qualifiers on pointers after the '*'.
 */
function typeText(t: CType, decl: string, show: number, indent: string, depth = 0): string {
  if (depth > 200) {
    throw new HotlinkError('malformed-input', `${t.kind === 'void' ? '<type>' : t.die.unit.info.file}: .debug_info: type nests more than 200 levels deep${t.kind === 'void' ? '' : ` at ${hex(t.die.offset)}`}`);
  }
  const next = depth + 1;
  switch (t.kind) {
    case 'pointer': {
      const target = stripQualifiersOnly(t.target);
      const star = t.reference ?? '*';
      const d = target.kind === 'array' || target.kind === 'function' ? `(${star}${decl})` : `${star}${decl}`;
      return typeText(t.target, d, show, indent, next);
    }
    case 'qualified': {
      const { quals, inner } = peelQualifiers(t);
      if (inner.kind === 'pointer') {
        const target = stripQualifiersOnly(inner.target);
        const star = inner.reference ?? '*';
        const mid = `${star} ${quals.join(' ')}${decl ? ` ${decl}` : ''}`;
        const d = target.kind === 'array' || target.kind === 'function' ? `(${mid})` : mid;
        return typeText(inner.target, d, show, indent, next);
      }
      if (inner.kind === 'array') {
        // Qualifiers on an array type apply to its elements (C11 6.7.3p9).
        return typeText({ ...inner, element: withQualifiers(inner.element, quals, inner.die) }, decl, show, indent, next);
      }
      if (inner.kind === 'function') return `${quals.join(' ')} ${typeText(inner, decl, show, indent, next)}`;
      const base = baseName(inner, show, indent);
      return `${quals.join(' ')} ${base}${decl ? ` ${decl}` : ''}`;
    }
    case 'array':
      if (t.vector) return `${baseName(t.element, show, indent)}${arraySuffix(t)}${decl ? ` ${decl}` : ''}`;
      return typeText(t.element, `${decl}${arraySuffix(t)}`, show, indent, next);
    case 'function':
      return typeText(t.returnType, `${decl}${paramList(t, next)}`, show, indent, next);
    default: {
      const base = baseName(t, show, indent);
      if (!decl) return base;
      // gdb separates a declarator from the base with one space (`int *`, `char c[8]`).
      return `${base} ${decl}`;
    }
  }
}

/** `t` with `quals` added (each qualifier once). */
function withQualifiers(t: CType, quals: readonly Qualifier[], die: Die): CType {
  const have = peelQualifiers(t);
  let out = have.inner;
  for (const q of QUALIFIER_ORDER) {
    if (quals.includes(q) || have.quals.includes(q)) out = { kind: 'qualified', qualifier: q, target: out, die };
  }
  return out;
}

function stripQualifiersOnly(t: CType): CType {
  while (t.kind === 'qualified') t = t.target;
  return t;
}

/**
 * The type as gdb's `whatis` prints it: `struct point *`, `const char *`,
 * `int [10]`, `int (*)(int, int)`, `struct {...}` for an anonymous struct.
 */
export function typeName(t: CType): string {
  return typeText(t, '', -1, '');
}

/** A declaration of `name` with type `t`, as in a struct body: `char c[8]`, `int (*cb)(int)`. */
export function declarationText(t: CType, name: string): string {
  return typeText(t, name, -1, '');
}

/** The type as gdb's `ptype` prints it: typedefs at the top resolved, one level of struct/union/enum bodies shown. */
export function ptypeText(t: CType): string {
  return typeText(t, '', 1, '');
}
