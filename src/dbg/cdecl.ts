// C declarations synthesized from DWARF, for the debugger's compiled
// expressions (src/dbg/expr.ts): the program's structs, unions, enums and
// typedefs in dependency order (forward declarations first where a tag is
// only pointed to), `extern` declarations of its external variables,
// prototypes of its external functions, and bindings — C text that stands
// for a name — of its file-static variables and functions by address.
//
// DWARF gives each translation unit its own copy of every type, so the
// same `struct node` arrives once per unit; copies with the same layout
// are one declaration here. Two different definitions of one tag or
// ordinary name (two units' private `struct state`) cannot both be
// declared in one translation unit: the first one met wins (the unit of
// the selected frame goes first) and whatever depends on a losing one is
// left out. Anonymous structs, unions and enums are written in place where
// C allows it (a typedef's or member's own type), else under a synthesized
// tag (__hotlink_anon_N).

import { DW_OP_GNU_push_tls_address, DW_OP_addr, DW_OP_form_tls_address, DW_TAG_enumeration_type, DW_TAG_structure_type, DW_TAG_typedef, DW_TAG_union_type } from '../dwarf/constants.js';
import { decodeExpression } from '../dwarf/expr.js';
import { DwarfInfo } from '../dwarf/info.js';
import { Subprogram, Variable, globalVariables, locationExprAt, subprograms } from '../dwarf/program.js';
import { onlyInputError } from '../errors.js';
import { CType, EnumType, FunctionType, Qualifier, StructType, TypedefType, typeFromDie, typeName } from '../dwarf/types.js';

/** C keywords (C23 and GNU), which can never be declared or bound. */
export const C_KEYWORDS: ReadonlySet<string> = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern', 'float', 'for', 'goto', 'if',
  'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union',
  'unsigned', 'void', 'volatile', 'while', '_Alignas', '_Alignof', '_Atomic', '_Bool', '_Complex', '_Generic', '_Imaginary', '_Noreturn',
  '_Static_assert', '_Thread_local', 'alignas', 'alignof', 'bool', 'constexpr', 'false', 'nullptr', 'static_assert', 'thread_local', 'true',
  'typeof', 'typeof_unqual', '_BitInt', '_Decimal32', '_Decimal64', '_Decimal128', 'asm', '__asm__', '__attribute__', '__typeof__', '__typeof',
  '__extension__', '__inline', '__inline__', '__restrict', '__restrict__', '__const', '__volatile__', '__signed__', '__label__', '__auto_type',
  '__builtin_va_list', '__int128', '__thread', '__alignof__', '__real__', '__imag__', '__func__', '__FUNCTION__', '__PRETTY_FUNCTION__',
  // Names the generated code itself uses or includes may define.
  'NULL', 'offsetof',
]);

/** A type (or a name) that cannot be written in this translation unit. */
class Unrepresentable extends Error {}

type TagState = 'declared' | 'defining' | 'defined' | 'bad';

interface TagEntry {
  /** The definition that stands for the tag (a full one once any unit supplied it). */
  type: StructType | EnumType;
  state: TagState;
  /** The C spelling of the tag: `struct node`, `enum __hotlink_anon_3`. */
  spelling: string;
}

interface OrdinaryEntry {
  kind: 'typedef' | 'enumerator' | 'variable' | 'function';
  sig: string;
}

const ANON_TAG = '__hotlink_anon_';
const RENAMED = '__hotlink_';

/**
 * Undoes our tag renaming in a type read back from the compiled
 * expression's DWARF: `struct state__hotlink_2` is the program's `struct
 * state`, `enum __hotlink_anon_3` an anonymous enum. Changes the (private)
 * type objects in place.
 */
export function restoreTagNames(t: CType, seen = new Set<CType>()): void {
  for (let i = 0; i < 64 && !seen.has(t); i++) {
    seen.add(t);
    switch (t.kind) {
      case 'pointer': case 'qualified': case 'typedef': t = t.target; continue;
      case 'array': t = t.element; continue;
      case 'function':
        for (const p of t.params) restoreTagNames(p, seen);
        t = t.returnType;
        continue;
      case 'struct': case 'union': case 'class': case 'enum': {
        if (t.name?.startsWith(ANON_TAG)) delete t.name;
        else if (t.name) t.name = t.name.replace(/__hotlink_\d+$/, '');
        if (t.kind !== 'enum') for (const m of t.members) restoreTagNames(m.type, seen);
        return;
      }
      default: return;
    }
  }
}

/**
 * Builds the declarations of a C translation unit from DWARF types and
 * names, appending each declaration after the ones it depends on. fork()
 * copies the state, so a cached program-wide part can be extended per
 * evaluation (the selected frame's locals) without being rebuilt.
 */
export class DeclBuilder {
  private out: string[] = [];
  private tags = new Map<string, TagEntry>();
  /** Tag entries by the CType objects that resolved to them. */
  private tagOf = new Map<CType, TagEntry>();
  private ordinary = new Map<string, OrdinaryEntry>();
  /** Typedef CTypes already declared (by object) → the name is usable. */
  private typedefDone = new Map<CType, boolean>();
  /** Anonymous aggregates written in place (they cannot be written twice). */
  private inlined = new Set<CType>();
  /** Anonymous targets of typedefs that an earlier, identical typedef stands for. */
  private viaTypedef = new Set<CType>();
  private anonCount = 0;
  /** Names the text defines or binds (for collision checks by the caller). */
  private readonly bound = new Set<string>();

  fork(): DeclBuilder {
    const b = new DeclBuilder();
    b.out = this.out.slice();
    b.tags = new Map([...this.tags].map(([k, e]) => [k, { ...e }]));
    b.tagOf = new Map([...this.tagOf].map(([t, e]) => [t, b.tags.get(tagKey(e))!]));
    b.ordinary = new Map(this.ordinary);
    b.typedefDone = new Map(this.typedefDone);
    b.inlined = new Set(this.inlined);
    b.viaTypedef = new Set(this.viaTypedef);
    b.anonCount = this.anonCount;
    for (const n of this.bound) b.bound.add(n);
    return b;
  }

  /** The declarations so far, one per line. */
  text(): string {
    return this.out.join('\n') + '\n';
  }

  /** Is `name` declared as an ordinary identifier (typedef, enumerator, variable, function)? */
  declares(name: string): boolean {
    return this.ordinary.has(name);
  }

  /** Declares a named type (typedef, struct, union or enum) with its definition; false when it cannot be. */
  declareType(t: CType): boolean {
    return this.attempt(() => {
      this.spell(t, '', true, false);
    });
  }

  /** `extern T name;` (with __thread for a thread-local); false on a collision or an unrepresentable type. */
  declareVariable(name: string, type: CType, opts: { tls?: boolean } = {}): boolean {
    if (!usableName(name)) return false;
    const sig = `var:${typeSig(type)}`;
    const prev = this.ordinary.get(name);
    if (prev) return prev.sig === sig;
    return this.attempt(() => {
      const text = this.spell(type, name, false, false);
      this.completeIfPossible(type);
      this.claim(name, 'variable', sig);
      this.out.push(`extern ${opts.tls ? '__thread ' : ''}${text};`);
    });
  }

  /** A prototype `RET name(PARAMS);`; false on a collision or an unrepresentable type. */
  declareFunction(name: string, type: FunctionType): boolean {
    if (!usableName(name)) return false;
    const sig = `fn:${typeSig(type)}`;
    const prev = this.ordinary.get(name);
    if (prev) return prev.kind === 'function';
    return this.attempt(() => {
      const text = this.spell(type, name, false, false);
      for (const p of [type.returnType, ...type.params]) this.completeIfPossible(p);
      this.claim(name, 'function', sig);
      this.out.push(`${text};`);
    });
  }

  /**
   * `T *` spelled as an abstract declarator (for casts: `(int (*)[5])0x…`),
   * with T's definition emitted so the pointed-to object can be used by
   * value; undefined when T cannot be written.
   */
  pointerTo(type: CType): string | undefined {
    let text: string | undefined;
    const ok = this.attempt(() => {
      const target = stripQualifiers(type);
      const d = target.kind === 'array' || target.kind === 'function' ? '(*)' : '*';
      text = this.spell(type, d, false, false);
      this.completeIfPossible(type);
    });
    return ok ? text : undefined;
  }

  /** The abstract spelling of `type` (for a cast), or undefined. */
  typeText(type: CType): string | undefined {
    let text: string | undefined;
    const ok = this.attempt(() => {
      text = this.spell(type, '', false, false);
      this.completeIfPossible(type);
    });
    return ok ? text : undefined;
  }

  /** Adds a raw line (a #define, an #include). */
  raw(line: string): void {
    this.out.push(line);
  }

  /** Records that the caller binds `name` (it then counts as taken for later units). */
  bind(name: string): void {
    this.bound.add(name);
  }

  isBound(name: string): boolean {
    return this.bound.has(name);
  }

  // ---- Internals ---------------------------------------------------------------------------

  /**
   * Runs `fn`; false when it met something unrepresentable. What it emitted
   * before failing stays: every line is a complete declaration whose
   * dependencies precede it, and a failed tag or typedef is marked so.
   */
  private attempt(fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (e) {
      if (!(e instanceof Unrepresentable)) throw e;
      return false;
    }
  }

  private claim(name: string, kind: OrdinaryEntry['kind'], sig: string): void {
    const prev = this.ordinary.get(name);
    if (prev) {
      if (prev.kind === kind && prev.sig === sig) return;
      throw new Unrepresentable(`'${name}' is already declared`);
    }
    this.ordinary.set(name, { kind, sig });
  }

  /** Emits the definitions `t` needs to be a complete type, if it can (an opaque struct stays incomplete). */
  private completeIfPossible(t: CType): void {
    try {
      this.complete(t);
    } catch (e) {
      if (!(e instanceof Unrepresentable)) throw e;
    }
  }

  private complete(t: CType): void {
    for (let i = 0; i < 64; i++) {
      switch (t.kind) {
        case 'typedef': case 'qualified': t = t.target; continue;
        case 'array': t = t.element; continue;
        case 'struct': case 'union': {
          if (this.inlined.has(t) || this.viaTypedef.has(t)) return;
          this.tagRef(t, true);
          return;
        }
        default: return;
      }
    }
  }

  /**
   * The C spelling of `t` declaring `d` (a name or an abstract declarator),
   * emitting the declarations it needs first. `complete`: the context needs
   * the type complete (by-value members, array elements). `inlineTop`: an
   * anonymous aggregate here may be written in place.
   */
  private spell(t: CType, d: string, complete: boolean, inlineTop: boolean): string {
    switch (t.kind) {
      case 'void':
        return join('void', d);
      case 'base':
        return join(baseSpelling(t.name, t.encoding), d);
      case 'pointer': {
        if (t.reference) throw new Unrepresentable('C++ reference');
        const target = stripQualifiers(t.target);
        const inner = target.kind === 'array' || target.kind === 'function' ? `(*${d})` : `*${d}`;
        return this.spell(t.target, inner, false, false);
      }
      case 'qualified': {
        const { quals, inner } = peelQualifiers(t);
        if (inner.kind === 'pointer') {
          if (inner.reference) throw new Unrepresentable('C++ reference');
          const target = stripQualifiers(inner.target);
          const mid = `* ${quals.join(' ')}${d ? ` ${d}` : ''}`;
          return this.spell(inner.target, target.kind === 'array' || target.kind === 'function' ? `(${mid})` : mid, false, false);
        }
        if (inner.kind === 'array') {
          let element: CType = inner.element;
          for (const q of quals) element = { kind: 'qualified', qualifier: q, target: element, die: inner.die };
          return this.spell({ ...inner, element }, d, complete, inlineTop);
        }
        if (inner.kind === 'function') return this.spell(inner, d, complete, inlineTop);
        return `${quals.join(' ')} ${this.spell(inner, d, complete, inlineTop)}`;
      }
      case 'typedef': {
        try {
          this.typedef(t);
        } catch (e) {
          // A typedef name another unit took for a different type: write what it stands for.
          if (!(e instanceof Unrepresentable) || !this.typedefCollides(t)) throw e;
          return this.spell(t.target, d, complete, false);
        }
        if (complete) this.complete(t.target);
        return join(t.name, d);
      }
      case 'struct': case 'union': case 'class': {
        if (t.kind === 'class') throw new Unrepresentable('C++ class');
        if (t.name === undefined && (inlineTop || this.inlined.has(t)) && !this.tagOf.has(t)) {
          if (this.inlined.has(t)) throw new Unrepresentable('anonymous type written twice');
          this.inlined.add(t);
          return join(`${t.kind} ${this.structBody(t)}`, d);
        }
        return join(this.tagRef(t, complete), d);
      }
      case 'enum': {
        if (t.name === undefined && inlineTop && !this.tagOf.has(t) && !this.inlined.has(t)) {
          this.inlined.add(t);
          const body = this.enumBody(t);
          return join(`enum ${body}`, d);
        }
        if (t.name === undefined && this.inlined.has(t)) throw new Unrepresentable('anonymous enum written twice');
        return join(this.tagRef(t, true), d);
      }
      case 'array': {
        if (t.vector) {
          const size = t.byteSize;
          if (size === undefined) throw new Unrepresentable('vector without a size');
          return join(`__typeof__(${this.spell(t.element, '', true, false)} __attribute__((vector_size(${size}))))`, d);
        }
        let dims = '';
        t.dims.forEach((dim, i) => {
          if (dim.count !== undefined) dims += `[${dim.count}]`;
          else if (i === 0) dims += '[]';
          else throw new Unrepresentable('array with an unknown inner dimension');
        });
        if (!t.dims.length) dims = '[]';
        return this.spell(t.element, `${d}${dims}`, true, false);
      }
      case 'function': {
        let params: string;
        if (!t.prototyped && t.params.length === 0) params = '';
        else if (t.params.length === 0) params = t.variadic ? '' : 'void';
        else params = t.params.map((p) => this.spell(p, '', false, false)).join(', ') + (t.variadic ? ', ...' : '');
        return this.spell(t.returnType, `${d}(${params})`, false, false);
      }
      case 'unknown':
        throw new Unrepresentable(`type ${t.name ?? t.tag}`);
    }
  }

  private typedefCollides(t: TypedefType): boolean {
    const prev = this.ordinary.get(t.name);
    return !!prev && !(prev.kind === 'typedef' && prev.sig === `typedef:${typeSig(t.target)}`);
  }

  private typedef(t: TypedefType): void {
    const done = this.typedefDone.get(t);
    if (done === true) return;
    if (done === false) throw new Unrepresentable(`typedef ${t.name}`);
    if (!usableName(t.name)) throw new Unrepresentable(`typedef name ${t.name}`);
    const sig = `typedef:${typeSig(t.target)}`;
    const prev = this.ordinary.get(t.name);
    if (prev) {
      if (prev.kind === 'typedef' && prev.sig === sig) {
        this.typedefDone.set(t, true);
        // The earlier typedef stands for this one; its anonymous target is the same type.
        this.viaTypedef.add(t.target);
        return;
      }
      this.typedefDone.set(t, false);
      throw new Unrepresentable(`typedef ${t.name} collides`);
    }
    this.typedefDone.set(t, false); // until written (a cycle through itself fails)
    const text = this.spell(t.target, t.name, false, true);
    this.claim(t.name, 'typedef', sig);
    this.out.push(`typedef ${text};`);
    this.typedefDone.set(t, true);
  }

  /** The tag spelling of a struct, union or enum (forward-declared; defined when `complete`). */
  private tagRef(t: StructType | EnumType, complete: boolean): string {
    let e = this.tagOf.get(t);
    if (!e) {
      const name = t.name ?? `${ANON_TAG}${++this.anonCount}`;
      if (t.name !== undefined && !usableName(t.name)) throw new Unrepresentable(`tag ${t.name}`);
      let key = `${t.kind} ${name}`;
      e = this.tags.get(key);
      // Another unit's different definition of the tag: declared under a renamed tag (name__hotlink_N).
      for (let k = 2; e && t.name !== undefined && !sameTag(e.type, t); k++) {
        key = `${t.kind} ${name}${RENAMED}${k}`;
        e = this.tags.get(key);
      }
      if (e && t.name !== undefined) {
        // A full definition replaces an opaque one that was only forward-declared.
        if (isOpaque(e.type) && !isOpaque(t) && e.state === 'declared') e.type = t;
      } else {
        e = { type: t, state: 'declared', spelling: key };
        this.tags.set(key, e);
        if (t.kind !== 'enum') this.out.push(`${key};`);
      }
      this.tagOf.set(t, e);
    }
    if (e.state === 'bad') throw new Unrepresentable(`${e.spelling}`);
    if (e.type.kind === 'enum') {
      if (e.state === 'declared') this.defineEnum(e);
    } else if (complete && e.state === 'declared' && !isOpaque(e.type)) {
      this.defineStruct(e);
    }
    return e.spelling;
  }

  private defineStruct(e: TagEntry): void {
    const t = e.type as StructType;
    e.state = 'defining';
    try {
      const body = this.structBody(t);
      this.out.push(`${e.spelling} ${body};`);
      e.state = 'defined';
    } catch (err) {
      e.state = 'bad';
      throw err;
    }
  }

  private defineEnum(e: TagEntry): void {
    const t = e.type as EnumType;
    e.state = 'defining';
    try {
      if (isOpaque(t)) {
        this.out.push(`${e.spelling};`);
      } else {
        this.out.push(`${e.spelling} ${this.enumBody(t)};`);
      }
      e.state = 'defined';
    } catch (err) {
      e.state = 'bad';
      throw err;
    }
  }

  /**
   * The `{ members }` of a struct or union. When DWARF's offsets are not
   * the natural layout (a packed or over-aligned struct), the struct is
   * written packed with explicit padding so every member lands where the
   * program has it (bit fields excepted: their layout is the compiler's).
   */
  private structBody(t: StructType): string {
    const lines: string[] = [];
    const natural = naturalLayout(t);
    const pad = !!natural && !natural.matches && t.kind === 'struct' && t.members.every((m) => m.bitSize === undefined);
    let end = 0;
    let pads = 0;
    for (const m of t.members) {
      if (pad && m.offset > end) lines.push(`  char __hotlink_pad${pads++}[${m.offset - end}];`);
      const bits = m.bitSize !== undefined ? ` : ${m.bitSize}` : '';
      if (m.name === undefined && m.bitSize === undefined) {
        // An anonymous struct/union member: written in place.
        const inner = stripQualifiers(m.type);
        if ((inner.kind !== 'struct' && inner.kind !== 'union') || inner.name !== undefined) throw new Unrepresentable('unnamed member');
        lines.push(`  ${this.spell(m.type, '', true, true)};`);
      } else {
        lines.push(`  ${this.spell(m.type, m.name ?? '', true, true)}${bits};`);
      }
      end = Math.max(end, m.offset + (layoutOf(m.type)?.size ?? 0));
    }
    if (pad && t.byteSize !== undefined && t.byteSize > end) lines.push(`  char __hotlink_pad${pads++}[${t.byteSize - end}];`);
    // Packed: alignment 1, which a containing struct's layout check (and padding) accounts for.
    const attrs = pad ? ' __attribute__((packed))' : '';
    return `{\n${lines.join('\n')}\n}${attrs}`;
  }

  private enumBody(t: EnumType): string {
    const items: string[] = [];
    for (const en of t.enumerators) {
      if (!usableName(en.name) || this.ordinary.has(en.name)) throw new Unrepresentable(`enumerator ${en.name}`);
    }
    for (const en of t.enumerators) {
      this.claim(en.name, 'enumerator', `enum:${t.name ?? '?'}:${en.value}`);
      items.push(`${en.name} = ${enumValueText(en.value)}`);
    }
    return `{ ${items.join(', ')} }`;
  }
}

function tagKey(e: TagEntry): string {
  return e.spelling;
}

function join(base: string, d: string): string {
  if (!d) return base;
  return `${base} ${d}`;
}

export function usableName(name: string | undefined): name is string {
  return !!name && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !C_KEYWORDS.has(name) && !name.startsWith('__hotlink');
}

function enumValueText(v: number | bigint): string {
  const b = BigInt(v);
  if (b >= -(2n ** 31n) && b < 2n ** 31n) return b.toString();
  if (b < 0n) return `(${b + 1n}LL - 1)`;
  return `${b}ULL`;
}

const COMPLEX = /^complex (.*)$/;

/** A DWARF base type name as C spells it. */
function baseSpelling(name: string, encoding: number): string {
  const c = COMPLEX.exec(name);
  if (c) return `_Complex ${c[1]}`;
  if (!/^[A-Za-z_][A-Za-z0-9_ ]*$/.test(name)) throw new Unrepresentable(`base type ${name}`);
  if (name === 'bool' && encoding === 2) return '_Bool';
  return name;
}

function stripQualifiers(t: CType): CType {
  while (t.kind === 'qualified') t = t.target;
  return t;
}

const QUALIFIER_ORDER: readonly Qualifier[] = ['const', 'volatile', 'restrict', '_Atomic'];

function peelQualifiers(t: CType): { quals: Qualifier[]; inner: CType } {
  const seen = new Set<Qualifier>();
  while (t.kind === 'qualified') {
    seen.add(t.qualifier);
    t = t.target;
  }
  return { quals: QUALIFIER_ORDER.filter((q) => seen.has(q)), inner: t };
}

function isOpaque(t: StructType | EnumType): boolean {
  return t.declaration || (t.kind === 'enum' ? false : t.byteSize === undefined);
}

/** A cheap structural signature: names of named types, bodies (one level) of anonymous ones. */
function typeSig(t: CType, depth = 0): string {
  if (depth > 3) return '…';
  switch (t.kind) {
    case 'struct': case 'union': case 'class':
      if (t.name !== undefined) return `${t.kind} ${t.name}`;
      return `${t.kind}{${t.members.map((m) => `${m.name ?? ''}@${m.offset}:${m.bitSize ?? ''}:${typeSig(m.type, depth + 1)}`).join(';')}}`;
    case 'enum':
      if (t.name !== undefined) return `enum ${t.name}`;
      return `enum{${t.enumerators.map((e) => `${e.name}=${e.value}`).join(',')}}`;
    case 'pointer': return `${typeSig(t.target, depth + 1)}*`;
    case 'qualified': return `${t.qualifier} ${typeSig(t.target, depth)}`;
    case 'typedef': return t.name;
    case 'array': return `${typeSig(t.element, depth + 1)}${t.dims.map((d) => `[${d.count ?? ''}]`).join('')}${t.vector ? 'v' : ''}`;
    case 'function': return `${typeSig(t.returnType, depth + 1)}(${t.params.map((p) => typeSig(p, depth + 1)).join(',')}${t.variadic ? ',...' : ''})`;
    default: return typeName(t);
  }
}

/** Two DWARF copies of one tag: the same members at the same offsets (an opaque copy matches anything). */
function sameTag(a: StructType | EnumType, b: StructType | EnumType): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  if (isOpaque(a) || isOpaque(b)) return true;
  if (a.kind === 'enum' || b.kind === 'enum') {
    const x = (a as EnumType).enumerators;
    const y = (b as EnumType).enumerators;
    return x.length === y.length && x.every((e, i) => e.name === y[i]!.name && BigInt(e.value) === BigInt(y[i]!.value));
  }
  const s = a as StructType;
  const u = b as StructType;
  if (s.byteSize !== u.byteSize || s.members.length !== u.members.length) return false;
  return s.members.every((m, i) => {
    const n = u.members[i]!;
    return m.name === n.name && m.offset === n.offset && m.bitSize === n.bitSize && m.bitOffset === n.bitOffset && typeSig(m.type) === typeSig(n.type);
  });
}

// ---- Layout --------------------------------------------------------------------------------

/** Size and alignment of a type under the x86-64 System V ABI (undefined when unknown). */
function layoutOf(t: CType): { size: number; align: number } | undefined {
  switch (t.kind) {
    case 'base': {
      const size = t.byteSize;
      if (/^complex /.test(t.name)) return { size, align: Math.min(16, size / 2) };
      return { size, align: Math.max(1, Math.min(16, size)) };
    }
    case 'pointer': return { size: t.byteSize, align: t.byteSize };
    case 'qualified': case 'typedef': return layoutOf(t.target);
    case 'enum': {
      const size = t.byteSize ?? 4;
      return { size, align: size };
    }
    case 'array': {
      const el = layoutOf(t.element);
      if (!el) return undefined;
      if (t.vector) return { size: t.byteSize ?? 0, align: t.byteSize ?? el.align };
      let n = el.size;
      for (const d of t.dims) n *= d.count ?? 0;
      return { size: n, align: el.align };
    }
    case 'struct': case 'union': {
      if (t.byteSize === undefined) return undefined;
      let align = 1;
      for (const m of t.members) {
        const l = layoutOf(m.type);
        if (!l) return undefined;
        align = Math.max(align, l.align);
      }
      return { size: t.byteSize, align: structAlign(t) ?? align };
    }
    default: return undefined;
  }
}

const alignCache = new WeakMap<StructType, number | undefined>();

/** The alignment a struct had in the program: natural, or 1 when its layout shows it was packed. */
function structAlign(t: StructType): number | undefined {
  if (alignCache.has(t)) return alignCache.get(t);
  alignCache.set(t, undefined);
  const natural = naturalLayout(t);
  const a = natural === undefined ? undefined : natural.matches ? natural.align : 1;
  alignCache.set(t, a);
  return a;
}

/** Lays the members out as a C compiler would without attributes and compares with DWARF's offsets. */
function naturalLayout(t: StructType): { matches: boolean; align: number } | undefined {
  if (t.byteSize === undefined) return undefined;
  let align = 1;
  let end = 0;
  let matches = true;
  for (const m of t.members) {
    const l = layoutOf(m.type);
    if (!l) return undefined;
    align = Math.max(align, l.align);
    if (m.bitSize !== undefined) {
      // Bit fields: trust the compiler (no unnamed-padding reasoning here).
      end = Math.max(end, Math.ceil(((m.bitOffset ?? m.offset * 8) + m.bitSize) / 8));
      continue;
    }
    if (t.kind === 'union') {
      if (m.offset !== 0) matches = false;
      end = Math.max(end, l.size);
      continue;
    }
    const at = Math.ceil(end / l.align) * l.align;
    if (at !== m.offset) matches = false;
    end = m.offset + l.size;
  }
  const size = Math.ceil(end / align) * align;
  if (size !== t.byteSize) matches = false;
  return { matches, align };
}

// ---- The program's declarations ---------------------------------------------------------

/** One translation unit's DWARF, with what the caller knows about it. */
export interface UnitSource {
  info: DwarfInfo;
  /** Is the code at this address an inactive (reloaded-away) body? */
  inactive?: (address: number) => boolean;
}

export interface ProgramDeclarations {
  builder: DeclBuilder;
  /** Text that stands for a name in the user's expression: file-statics and static functions by address. */
  bindings: Map<string, string>;
}

const TYPE_TAGS = new Set([DW_TAG_typedef, DW_TAG_structure_type, DW_TAG_union_type, DW_TAG_enumeration_type]);

function isTls(v: Variable): boolean {
  const expr = locationExprAt(v.location, 0);
  if (!expr) return false;
  try {
    return decodeExpression(expr, { addressSize: v.die.unit.address_size }).some((o) => o.op === DW_OP_form_tls_address || o.op === DW_OP_GNU_push_tls_address);
  } catch (e) {
    onlyInputError(e);
    return false;
  }
}

/** The static address of a variable located by a lone DW_OP_addr. */
export function staticAddress(v: Variable): number | undefined {
  const expr = locationExprAt(v.location, 0);
  if (!expr) return undefined;
  try {
    const ops = decodeExpression(expr, { addressSize: v.die.unit.address_size });
    if (ops.length === 1 && ops[0]!.op === DW_OP_addr) return Number(ops[0]!.operands[0]);
  } catch (e) {
    onlyInputError(e);
    return undefined;
  }
  return undefined;
}

/**
 * Declarations of a whole program, the first unit first (its names win
 * collisions): every named type at unit level, then external variables and
 * functions, then bindings of file-statics — the first unit's always (they
 * shadow externals, as in C), other units' when the name is still free.
 */
export function programDeclarations(units: UnitSource[]): ProgramDeclarations {
  const b = new DeclBuilder();
  const bindings = new Map<string, string>();
  for (const u of units) {
    for (const unit of u.info.units) {
      for (const d of unit.root.children) {
        if (!TYPE_TAGS.has(d.tag) || d.name === undefined) continue;
        try {
          b.declareType(typeFromDie(d));
        } catch (e) {
          onlyInputError(e); // a corrupt type DIE: leave it out
        }
      }
    }
  }
  const statics: { unit: number; v: Variable }[] = [];
  const staticFns: { unit: number; sub: Subprogram }[] = [];
  const globals = units.map((u) => {
    try {
      return globalVariables(u.info);
    } catch (e) {
      onlyInputError(e);
      return [];
    }
  });
  // A unit's `extern __thread int x;` has no location: thread-locality comes from the definition.
  const tls = new Set<string>();
  for (const vars of globals) for (const v of vars) if (v.external && !v.declaration && v.name && isTls(v)) tls.add(v.name);
  units.forEach((u, k) => {
    const vars = globals[k]!;
    for (const v of vars) {
      const name = v.name;
      if (!usableName(name)) continue;
      try {
        if (v.external) b.declareVariable(name, v.type, { tls: tls.has(name) || isTls(v) });
        else if (!v.declaration) statics.push({ unit: k, v });
      } catch (e) {
        onlyInputError(e); // unreadable DIE: left out
      }
    }
    let subs: Subprogram[] = [];
    try {
      subs = subprograms(u.info);
    } catch (e) {
      onlyInputError(e);
      subs = [];
    }
    for (const s of subs) {
      const name = s.name;
      if (!usableName(name)) continue;
      try {
        if (s.external) b.declareFunction(name, typeFromDie(s.die) as FunctionType);
        else if (s.lowPc !== undefined) staticFns.push({ unit: k, sub: s });
      } catch (e) {
        onlyInputError(e); // unreadable DIE: left out
      }
    }
  });
  const bindStatic = (name: string, text: string | undefined, first: boolean): void => {
    if (!text || bindings.has(name)) return;
    if (!first && b.declares(name)) return;
    bindings.set(name, text);
    b.bind(name);
  };
  for (const pass of [true, false]) {
    for (const { unit, v } of statics) {
      if ((unit === 0) !== pass) continue;
      const addr = staticAddress(v);
      if (addr === undefined || addr === 0 || isTls(v)) continue;
      const ptr = b.pointerTo(v.type);
      bindStatic(v.name!, ptr && `(*(${ptr})${hexAddr(addr)})`, pass);
    }
    for (const { unit, sub } of staticFns) {
      if ((unit === 0) !== pass) continue;
      const low = sub.lowPc!;
      if (units[unit]!.inactive?.(low)) continue;
      let ptr: string | undefined;
      try {
        ptr = b.pointerTo(typeFromDie(sub.die));
      } catch (e) {
        onlyInputError(e);
        ptr = undefined;
      }
      bindStatic(sub.name!, ptr && `((${ptr})${hexAddr(low)})`, pass);
    }
  }
  return { builder: b, bindings };
}

export function hexAddr(a: number | bigint): string {
  return `0x${a.toString(16)}UL`;
}

