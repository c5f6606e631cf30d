// What a reload needs to know about one object, computed once per object
// (a live input keeps its index for every later reload of its unit):
//
//   - its definitions by section, sorted by offset, and its functions by name;
//   - the *identity* of each data definition: globals by name, file-scope
//     statics by (file, name), function-local statics by (file, function,
//     name) as the DWARF scopes say — never by compiler suffixes (`calls.0`)
//     alone, which renumber when another static is added;
//   - what each relocation designates (`Target`): a global by name, a
//     function that has an entry by name, a variable by identity, or a
//     chunk of code / read-only data by *content*;
//   - content comparison of two chunks (bytes, then every relocation's
//     target, recursively), which is how reload decides that a function
//     changed: its own bytes, or anything it reaches that is not reached by
//     identity (a static helper without an entry, a string literal, a jump
//     table, a constant pool entry).

import { createHash } from 'node:crypto';
import { Arch } from '../arch/arch.js';
import {
  SHF_ALLOC, SHF_EXECINSTR, SHF_MERGE, SHF_STRINGS, SHF_TLS, SHF_WRITE, SHN_ABS, SHN_COMMON, SHN_UNDEF,
  STB_LOCAL, STT_FILE, STT_FUNC, STT_SECTION, STT_TLS,
} from '../elf/elf.js';
import { ElfObject, ElfSymbol, RelaTable } from '../elf/object.js';
import { decodeExpression, operandNumber, readDebugDies } from '../dwarf/index.js';
import {
  DW_OP_addr, DW_OP_addrx, DW_OP_const4u, DW_OP_const8u, DW_OP_constx, DW_OP_form_tls_address, DW_OP_GNU_addr_index, DW_OP_GNU_const_index,
  DW_OP_GNU_push_tls_address,
} from '../dwarf/constants.js';
import { Scope, Subprogram, Variable, subprograms, globalVariables } from '../dwarf/program.js';
import { DwarfInfo } from '../dwarf/info.js';
import { CType, sizeOf, stripTypedefs, typeName } from '../dwarf/types.js';

/** Does this definition get a reloadable entry (global or static C function; never hotlink's runtime)? */
export function entryEligible(sym: { name: string; type: number }): boolean {
  return sym.type === STT_FUNC && /^[A-Za-z_][A-Za-z0-9_]*$/.test(sym.name) && !sym.name.startsWith('_Z') && !sym.name.startsWith('__hotlink') && sym.name !== '__tls_get_addr';
}

/** A data definition's identity within its unit, and what DWARF says of its type. */
export interface VarInfo {
  /** Identity key: `name` for a global, `::name` for a file static, `func::name` for a function-local static. */
  key: string;
  /** How to name it to a user: `counter`, `step::calls`. */
  display: string;
  /** The type's layout (sizes, member offsets, base encodings), comparable across objects; undefined without DWARF. */
  layout?: string;
  /** `int (4 bytes)` */
  typeText?: string;
}

/** What a relocation designates. */
export type Target =
  | { k: 'name'; name: string; add: number }
  | { k: 'func'; name: string; add: number }
  | { k: 'var'; key: string; add: number }
  | { k: 'abs'; value: number }
  | { k: 'chunk'; sec: number; start: number; end: number; add: number }
  | { k: 'none' };

/**
 * Is `sec` writable data or TLS (state a reload must keep)? RELRO data
 * (`.data.rel.ro`: const tables holding addresses) is written only by the
 * linker, so it is read-only content like `.rodata`, not state.
 */
export function isStateSection(sec: { sh_flags: number; name: string }): boolean {
  const flags = sec.sh_flags;
  return (flags & SHF_ALLOC) !== 0 && (flags & (SHF_WRITE | SHF_TLS)) !== 0 && (flags & SHF_EXECINSTR) === 0 && !/^\.data\.rel\.ro(\.|$)/.test(sec.name);
}

export class ObjIndex {
  readonly obj: ElfObject;
  readonly arch: Arch;
  /** Per section index: defined non-section symbols sorted by st_value. */
  private readonly bySec = new Map<number, ElfSymbol[]>();
  /** Entry-eligible function definitions by name. */
  readonly funcs = new Map<string, ElfSymbol>();
  private readonly relas = new Map<number, { t: RelaTable; order: Uint32Array }>();
  private vars: Map<number, VarInfo> | undefined;
  private readonly starts = new Map<number, number[]>();

  constructor(obj: ElfObject, arch: Arch) {
    this.obj = obj;
    this.arch = arch;
    for (const s of obj.symbols) {
      if (s.index === 0 || s.type === STT_SECTION || s.type === STT_FILE) continue;
      if (s.shndx === SHN_UNDEF || s.shndx === SHN_ABS || s.shndx === SHN_COMMON || s.shndx >= obj.sections.length) continue;
      let list = this.bySec.get(s.shndx);
      if (!list) this.bySec.set(s.shndx, (list = []));
      list.push(s);
      if (entryEligible(s)) this.funcs.set(s.name, s);
    }
    for (const list of this.bySec.values()) list.sort((a, b) => a.st_value - b.st_value || b.st_size - a.st_size);
  }

  /** Defined symbols of section `sec`, by offset. */
  symbolsIn(sec: number): readonly ElfSymbol[] {
    return this.bySec.get(sec) ?? [];
  }

  /** The relocations that apply to section `sec` (decoded once), with their indices sorted by offset. */
  relocs(sec: number): { t: RelaTable; order: Uint32Array } | undefined {
    let r = this.relas.get(sec);
    if (r) return r;
    const s = this.obj.sections[sec]!;
    if (s.relaIndex < 0) return undefined;
    const t = this.obj.relocations(s.relaIndex);
    const order = new Uint32Array(t.count);
    let sorted = true;
    for (let i = 0; i < t.count; i++) {
      order[i] = i;
      if (i > 0 && t.r_offset[i]! < t.r_offset[i - 1]!) sorted = false;
    }
    if (!sorted) order.sort((a, b) => t.r_offset[a]! - t.r_offset[b]!);
    this.relas.set(sec, (r = { t, order }));
    return r;
  }

  /** Indices (into order) of the relocations with offsets in [start, end). */
  relocRange(sec: number, start: number, end: number): [number, number] {
    const r = this.relocs(sec);
    if (!r) return [0, 0];
    const lower = (v: number): number => {
      let lo = 0;
      let hi = r.order.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (r.t.r_offset[r.order[mid]!]! < v) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return [lower(start), lower(end)];
  }

  /** The definition of `sec` starting exactly at `off` that has an entry, if any. */
  functionAt(sec: number, off: number): ElfSymbol | undefined {
    for (const s of this.symbolsIn(sec)) {
      if (s.st_value === off && entryEligible(s)) return s;
      if (s.st_value > off) break;
    }
    return undefined;
  }

  /** The sized definition covering [lo, hi] of `sec` entirely, preferring data objects. */
  covering(sec: number, lo: number, hi: number): ElfSymbol | undefined {
    let best: ElfSymbol | undefined;
    for (const s of this.symbolsIn(sec)) {
      if (s.st_value > lo) break;
      if (s.st_size > 0 && hi < s.st_value + s.st_size && (!best || s.st_size < best.st_size)) best = s;
    }
    return best;
  }

  /**
   * The exact byte a relocation at `fieldOffset` of code section `fieldSec`
   * refers to, by decoding the instruction that holds the field (only when
   * the window leaves a doubt). Undefined when the arch cannot decode.
   */
  exactCodeRef(fieldSec: number, fieldOffset: number, addend: number): number | undefined {
    if (!this.arch.instructionStarts) return undefined;
    let starts = this.starts.get(fieldSec);
    if (!starts) {
      try {
        starts = this.arch.instructionStarts(this.obj.contents(this.obj.sections[fieldSec]!));
      } catch {
        starts = [];
      }
      this.starts.set(fieldSec, starts);
    }
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= fieldOffset) lo = mid + 1;
      else hi = mid;
    }
    const end = lo < starts.length ? starts[lo]! : this.obj.sections[fieldSec]!.sh_size;
    if (lo === 0 || end <= fieldOffset) return undefined;
    return addend + (end - fieldOffset);
  }

  private dies: DwarfInfo | null | undefined;
  private subs: Subprogram[] | undefined;

  /**
   * The object's DIEs (only the sections DIEs need), read once; addresses
   * encode (section index << 32) + offset for loaded sections, so a
   * DW_OP_addr names its symbol. Null without debug info.
   */
  dwarf(): DwarfInfo | null {
    if (this.dies !== undefined) return this.dies;
    const obj = this.obj;
    if (!obj.sections.some((s) => s.name === '.debug_info')) return (this.dies = null);
    return (this.dies = readDebugDies(obj, (i) => {
      const s = obj.symbols[i];
      if (!s || s.shndx === SHN_UNDEF || s.shndx === SHN_COMMON || s.shndx === SHN_ABS || s.shndx >= obj.sections.length) return 0;
      const value = s.type === STT_SECTION ? 0 : s.st_value;
      // Debug sections refer to each other by 32-bit offsets: only loaded sections get the (section, offset) encoding.
      return (obj.sections[s.shndx]!.sh_flags & SHF_ALLOC) !== 0 ? s.shndx * SECTION_SHIFT + value : value;
    }));
  }

  /** The functions with code that the DWARF describes (read once). */
  subprograms(): Subprogram[] {
    if (this.subs) return this.subs;
    const info = this.dwarf();
    return (this.subs = info ? subprograms(info, { withCode: true }) : []);
  }

  /** dwarf(), or null when the debug info cannot be read (identities then fall back to symbol names). */
  private dwarfOrNull(): DwarfInfo | null {
    try {
      return this.dwarf();
    } catch {
      return (this.dies = null);
    }
  }

  /** Identity and type of every data definition in writable or TLS sections (DWARF read once). */
  variables(): Map<number, VarInfo> {
    if (this.vars) return this.vars;
    const out = new Map<number, VarInfo>();
    const obj = this.obj;
    const SEC = SECTION_SHIFT;
    const byLocation = new Map<number, { scope: string; v: Variable }>();
    // DWARF gives statics their identity and every variable its type; an object without data skips reading it.
    const needDwarf = [...this.bySec].some(([sec, list]) => isStateSection(obj.sections[sec]!) && list.some((x) => x.type !== STT_FUNC));
    const info = needDwarf ? this.dwarfOrNull() : null;
    if (info) {
      try {
        const note = (scope: string, v: Variable): void => {
          const a = staticAddress(v);
          if (a !== undefined && !byLocation.has(a)) byLocation.set(a, { scope, v });
        };
        for (const v of globalVariables(info)) note('', v);
        for (const sub of this.subprograms()) {
          const fn = sub.name ?? '?';
          const seen = new Map<string, number>();
          const walk = (scope: Scope): void => {
            for (const v of scope.variables) {
              if (v.isParameter || !v.name) continue;
              const n = (seen.get(v.name) ?? 0) + 1;
              seen.set(v.name, n);
              note(`${fn}${n > 1 ? `#${n}` : ''}`, v);
            }
            for (const b of scope.blocks) walk(b);
          };
          walk(sub);
        }
      } catch {
        byLocation.clear(); // unreadable DWARF: identities fall back to symbol names
      }
    }
    for (const [sec, list] of this.bySec) {
      const s = obj.sections[sec]!;
      if (!isStateSection(s)) continue;
      for (const sym of list) {
        if (sym.type === STT_FUNC) continue;
        const d = byLocation.get(sec * SEC + sym.st_value);
        let info: VarInfo;
        if (sym.bind !== STB_LOCAL) info = { key: sym.name, display: sym.name };
        else if (d) info = { key: `${d.scope}::${d.v.name}`, display: d.scope ? `${d.scope}::${d.v.name}` : d.v.name! };
        else info = { key: `?${sym.name}`, display: sym.name };
        if (d) {
          info.layout = layoutOf(d.v.type);
          const size = sizeOf(d.v.type);
          info.typeText = `${typeName(d.v.type)}${size !== undefined ? ` (${size} bytes)` : ''}`;
        }
        out.set(sym.index, info);
      }
    }
    return (this.vars = out);
  }

  /** What relocation `i` (an index into the section's relocation table) of section `fieldSec` designates. */
  target(fieldSec: number, i: number): Target {
    const obj = this.obj;
    const t = this.relocs(fieldSec)!.t;
    const sym = obj.symbols[t.r_sym[i]!]!;
    const A = t.r_addend[i]!;
    if (sym.index === 0) return { k: 'none' };
    if (sym.shndx === SHN_UNDEF || sym.shndx === SHN_COMMON || (sym.bind !== STB_LOCAL && sym.type !== STT_SECTION)) return { k: 'name', name: sym.name, add: A };
    if (sym.shndx === SHN_ABS) return { k: 'abs', value: sym.st_value + A };
    const sec = obj.sections[sym.shndx];
    if (!sec) return { k: 'none' };
    if (sym.type !== STT_SECTION) {
      if (entryEligible(sym)) return { k: 'func', name: sym.name, add: A };
      if (isStateSection(sec) || sym.type === STT_TLS) return { k: 'var', key: this.variables().get(sym.index)?.key ?? `?${sym.name}`, add: A };
      const end = sym.st_size > 0 ? sym.st_value + sym.st_size : sec.sh_size;
      return { k: 'chunk', sec: sec.index, start: sym.st_value, end, add: A };
    }
    // A section symbol: find what S + A designates.
    const fromCode = (obj.sections[fieldSec]!.sh_flags & SHF_EXECINSTR) !== 0;
    const w = this.arch.refWindow(t.r_type[i]!, fromCode);
    if (sec.sh_flags & SHF_EXECINSTR) {
      if (w) {
        const f = this.functionAt(sec.index, A + w[0]);
        if (f && (w[0] === w[1] || fromCode)) return { k: 'func', name: f.name, add: A - f.st_value };
      }
      return { k: 'chunk', sec: sec.index, start: 0, end: sec.sh_size, add: A };
    }
    if (isStateSection(sec)) {
      const v = this.varAt(fieldSec, i);
      if (v) return { k: 'var', key: this.variables().get(v.index)?.key ?? `?${v.name}`, add: A - v.st_value };
      return { k: 'var', key: `?${sec.name}`, add: A }; // anonymous writable data: the section is the variable
    }
    // Read-only data: the smallest chunk that surely holds the referenced bytes.
    if (w) {
      const lo = A + w[0];
      const hi = A + w[1];
      if ((sec.sh_flags & (SHF_MERGE | SHF_STRINGS)) === (SHF_MERGE | SHF_STRINGS) && sec.sh_entsize <= 1) {
        const [start, end] = stringsAround(obj.contents(sec), lo, hi);
        return { k: 'chunk', sec: sec.index, start, end, add: A - start };
      }
      if (sec.sh_flags & SHF_MERGE && sec.sh_entsize > 0) {
        const start = Math.max(0, Math.floor(lo / sec.sh_entsize) * sec.sh_entsize);
        const end = Math.min(sec.sh_size, Math.ceil((hi + 1) / sec.sh_entsize) * sec.sh_entsize);
        return { k: 'chunk', sec: sec.index, start, end, add: A - start };
      }
      const c = this.covering(sec.index, lo, hi);
      if (c) return { k: 'chunk', sec: sec.index, start: c.st_value, end: c.st_value + c.st_size, add: A - c.st_value };
    }
    return { k: 'chunk', sec: sec.index, start: 0, end: sec.sh_size, add: A };
  }

  /**
   * The data definition that relocation `i` of `fieldSec` refers to when it
   * names a writable/TLS section symbol: the only one that can hold the
   * referenced byte, decoding the instruction when the window spans two.
   */
  varAt(fieldSec: number, i: number): ElfSymbol | undefined {
    const t = this.relocs(fieldSec)!.t;
    const sym = this.obj.symbols[t.r_sym[i]!]!;
    const A = t.r_addend[i]!;
    const inSec = this.symbolsIn(sym.shndx).filter((s) => s.type !== STT_FUNC);
    if (inSec.length === 0) return undefined;
    const fromCode = (this.obj.sections[fieldSec]!.sh_flags & SHF_EXECINSTR) !== 0;
    const w = this.arch.refWindow(t.r_type[i]!, fromCode);
    const holder = (off: number): ElfSymbol | undefined => {
      let best: ElfSymbol | undefined;
      for (const s of inSec) if (off >= s.st_value && off < s.st_value + Math.max(1, s.st_size) && (!best || s.st_size < best.st_size)) best = s;
      return best;
    };
    if (inSec.length === 1 && (!w || holder(A + w[0]) === inSec[0] || holder(A + w[1]) === inSec[0])) return inSec[0];
    if (!w) return undefined;
    const a = holder(A + w[0]);
    if (a && a === holder(A + w[1])) return a;
    const exact = fromCode ? this.exactCodeRef(fieldSec, t.r_offset[i]!, A) : undefined;
    return exact === undefined ? undefined : holder(exact);
  }
}

/** The NUL-terminated strings of `bytes` that intersect [lo, hi]: [start, end). */
function stringsAround(bytes: Uint8Array, lo: number, hi: number): [number, number] {
  let start = Math.max(0, Math.min(lo, bytes.length));
  while (start > 0 && bytes[start - 1] !== 0) start--;
  let end = Math.max(start, Math.min(hi, bytes.length - 1));
  while (end < bytes.length && bytes[end] !== 0) end++;
  return [start, Math.min(bytes.length, end + 1)];
}

/**
 * A static variable's address operand — DW_OP_addr, or DW_OP_addrx into the
 * unit's .debug_addr (DWARF 5, clang) — or for __thread data the DTPOFF
 * constant before DW_OP_form_tls_address. Undefined for anything else.
 */
function staticAddress(v: Variable): number | undefined {
  if (v.location?.kind !== 'expr') return undefined;
  const unit = v.die.unit;
  let ops;
  try {
    ops = decodeExpression(v.location.expr, { addressSize: unit.address_size });
  } catch {
    return undefined;
  }
  const first = ops[0];
  if (!first) return undefined;
  const tls = ops.length === 2 && (ops[1]!.op === DW_OP_GNU_push_tls_address || ops[1]!.op === DW_OP_form_tls_address);
  if (ops.length !== 1 && !tls) return undefined;
  switch (first.op) {
    case DW_OP_addr:
    case DW_OP_const4u:
    case DW_OP_const8u:
      return first.op === DW_OP_addr || tls ? operandNumber(first.operands[0]) : undefined;
    case DW_OP_addrx:
    case DW_OP_constx:
    case DW_OP_GNU_addr_index:
    case DW_OP_GNU_const_index:
      try {
        return unit.indexedAddress(Number(operandNumber(first.operands[0])), v.die.offset);
      } catch {
        return undefined;
      }
    default:
      return undefined;
  }
}

/** A type's memory layout as a comparable string: what must match for old code to read new data and back. */
export function layoutOf(t: CType, depth = 0): string {
  const u = stripTypedefs(t);
  const size = sizeOf(u);
  if (depth > 8) return `?${size}`;
  switch (u.kind) {
    case 'base':
      return `${u.name}:${size}`;
    case 'pointer':
      return `ptr:${size}`;
    case 'struct':
    case 'union':
    case 'class':
      return `${u.kind}{${u.members.map((m) => `${m.offset ?? 0}${m.bitSize ? `:${m.bitOffset ?? 0}/${m.bitSize}` : ''}=${layoutOf(m.type, depth + 1)}`).join(',')}}:${size}`;
    case 'array':
      return `[${u.dims.map((d) => d.count ?? '?').join('][')}]${layoutOf(u.element, depth + 1)}`;
    case 'enum':
      return `enum:${size}`;
    case 'qualified':
      return layoutOf(u.target, depth);
    default:
      return `${u.kind}:${size}`;
  }
}

/**
 * Content comparison of two chunks across two objects: same bytes and
 * relocations with the same targets, where a target by identity (global
 * name, function with an entry, variable) compares by that identity and a
 * chunk compares by its content, recursively. Cycles (a function and its
 * jump table) are assumed equal while being compared, which is sound: a
 * difference anywhere in the cycle is still found on the way.
 */
export class ContentComparer {
  private readonly memo = new Map<string, boolean>();
  constructor(readonly a: ObjIndex, readonly b: ObjIndex) {}

  sameChunk(aSec: number, aStart: number, aEnd: number, bSec: number, bStart: number, bEnd: number): boolean {
    if (aEnd - aStart !== bEnd - bStart) return false;
    const key = `${aSec}:${aStart}:${aEnd}|${bSec}:${bStart}:${bEnd}`;
    const m = this.memo.get(key);
    if (m !== undefined) return m;
    this.memo.set(key, true); // in progress: assume equal (cycle)
    const r = this.compare(aSec, aStart, aEnd, bSec, bStart, bEnd);
    this.memo.set(key, r);
    return r;
  }

  private compare(aSec: number, aStart: number, aEnd: number, bSec: number, bStart: number, bEnd: number): boolean {
    const as = this.a.obj.sections[aSec];
    const bs = this.b.obj.sections[bSec];
    // No section (SHN_COMMON, SHN_ABS, undefined): the same kind of definition of the same size is the same content.
    if (!as || !bs || aSec === 0 || bSec === 0) return aSec === bSec;
    if ((as.sh_flags & (SHF_WRITE | SHF_EXECINSTR | SHF_TLS)) !== (bs.sh_flags & (SHF_WRITE | SHF_EXECINSTR | SHF_TLS))) return false;
    const ab = this.a.obj.contents(as);
    const bb = this.b.obj.contents(bs);
    if (ab.length || bb.length) {
      if (Buffer.compare(ab.subarray(aStart, aEnd), bb.subarray(bStart, bEnd)) !== 0) return false;
    }
    const [ai, aj] = this.a.relocRange(aSec, aStart, aEnd);
    const [bi, bj] = this.b.relocRange(bSec, bStart, bEnd);
    if (aj - ai !== bj - bi) return false;
    if (aj === ai) return true;
    const ar = this.a.relocs(aSec)!;
    const br = this.b.relocs(bSec)!;
    for (let k = 0; k < aj - ai; k++) {
      const x = ar.order[ai + k]!;
      const y = br.order[bi + k]!;
      if (ar.t.r_offset[x]! - aStart !== br.t.r_offset[y]! - bStart || ar.t.r_type[x] !== br.t.r_type[y]) return false;
      if (!this.sameTarget(this.a.target(aSec, x), this.b.target(bSec, y))) return false;
    }
    return true;
  }

  sameTarget(x: Target, y: Target): boolean {
    if (x.k !== y.k) return false;
    switch (x.k) {
      case 'name':
      case 'func':
        return x.name === (y as typeof x).name && x.add === (y as typeof x).add;
      case 'var':
        return x.key === (y as typeof x).key && x.add === (y as typeof x).add;
      case 'abs':
        return x.value === (y as typeof x).value;
      case 'none':
        return true;
      case 'chunk': {
        const c = y as typeof x;
        return x.add === c.add && this.sameChunk(x.sec, x.start, x.end, c.sec, c.start, c.end);
      }
    }
  }
}

const digests = new WeakMap<ElfObject, string>();

/** A content digest of the object's bytes (computed once per object): results derived from an object's DWARF are cached by it, so an edit-undo loop reads each version's DWARF once. */
export function contentDigest(obj: ElfObject): string {
  let d = digests.get(obj);
  if (!d) digests.set(obj, (d = createHash('sha1').update(obj.reader.bytes).digest('hex')));
  return d;
}

/** DWARF addresses of loaded sections: section index × 2^32 + offset. */
const SECTION_SHIFT = 2 ** 32;

const indexes = new WeakMap<ElfObject, ObjIndex>();

/** The object's index (built once per object). */
export function objIndex(obj: ElfObject, arch: Arch): ObjIndex {
  let x = indexes.get(obj);
  if (!x) indexes.set(obj, (x = new ObjIndex(obj, arch)));
  return x;
}
