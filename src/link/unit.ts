// Reload planning: the reload unit is a translation unit. Given the live
// unit (its versions so far) and a new object for it, decide — before
// anything is linked — what the reload will do:
//
//   functions  every function with an entry (global or static) whose code
//              changed *by content* — its bytes, or anything it reaches that
//              is not reached by identity (a helper without an entry, a
//              string literal, a jump table) — gets a new body; unchanged
//              ones bind to their live entries; new ones are added.
//              Functions that shared a section with a swapped one in the live
//              object may call it directly (the assembler resolves calls
//              inside a section), so they are swapped with it.
//   data       writable and __thread data binds to the live variables by
//              identity (ObjIndex.variables); a changed type refuses the
//              reload; a changed initializer keeps the live value and is
//              reported; a new variable is allocated and initialized once.
//   loading    only what the new bodies, new functions and new variables
//              reach is loaded (a GC from those roots), so reloading one
//              function of sqlite3.c links a few sections, not 8,000.
//   ctors      constructors that the unit ran before do not run again; new
//              ones run once after publication; new destructors are kept.
//
// The plan is then linked as one append batch (LinkSession.linkBatch with
// `units`), and the caller publishes every new body's slot.

import {
  SHF_ALLOC, SHF_EXECINSTR, SHF_TLS, SHN_COMMON, SHN_UNDEF, SHT_FINI_ARRAY, SHT_INIT_ARRAY, SHT_PREINIT_ARRAY,
  STB_LOCAL, STT_FILE, STT_FUNC, STT_GNU_IFUNC, STT_SECTION,
} from '../elf/elf.js';
import { ElfObject, ElfSymbol } from '../elf/object.js';
import { HotlinkError } from '../errors.js';
import { Scope } from '../dwarf/program.js';
import { DW_AT_producer } from '../dwarf/constants.js';
import { ContentComparer, ObjIndex, contentDigest, entryEligible, isStateSection, objIndex } from './objindex.js';
import { LinkReloadFunc, LinkSession, ReloadUnit, UnitBatchPlan } from './session.js';
import { LinkSymId, SymKind } from './symbols.js';

/** One function the reload replaces, and why. */
export interface PlannedSwap {
  f: LinkReloadFunc;
  /** Why it is swapped although its own content may be the same. */
  reason?: string;
}

export interface VariableChange {
  name: string;
  unit: string;
  change: 'added' | 'initializer-changed';
}

/** How old code stays reachable after the reload (apart from frames on a stack). */
export interface StaleCode {
  function: string;
  where: string;
  why: string;
}

export interface UnitReloadPlan {
  unit: ReloadUnit;
  obj: ElfObject;
  batch: UnitBatchPlan;
  swaps: PlannedSwap[];
  unchanged: string[];
  added: string[];
  removed: string[];
  variables: VariableChange[];
  /** Constructors in the new object: `ran` false for those the unit already ran. */
  constructors: { name: string; run: boolean }[];
  /** Destructors the unit did not have yet. */
  newDestructors: string[];
  stale: StaleCode[];
}

export interface PlanOptions {
  /** `reload FUNC`: replace only these functions (plus what must go with them); everything else binds to the live code. */
  only?: Set<string>;
  /** The unit as named to the user (its source file); default its key. */
  name?: string;
}

/** A live variable of a unit: its id and the definition that created it. */
interface LiveVar {
  id: LinkSymId;
  input: number;
  sym: number;
}

const CTOR_SECTION = /^\.(init_array|preinit_array|ctors)(\.|$)/;
const DTOR_SECTION = /^\.(fini_array|dtors)(\.|$)/;

export function planUnitReload(s: LinkSession, unit: ReloadUnit, obj: ElfObject, opts: PlanOptions = {}): UnitReloadPlan {
  const arch = s.arch;
  const syms = s.symbols;
  const ni = objIndex(obj, arch);
  const unitName = opts.name ?? unit.key;
  const what = opts.only ? [...opts.only].map((n) => `'${n}'`).join(', ') : unitName;
  const refuse = (why: string): never => {
    throw new HotlinkError('usage', `cannot reload ${what}${opts.only ? ` from ${obj.file}` : ''}: ${why}; nothing was changed`);
  };
  const nsec = obj.sections.length;
  const skip = new Uint8Array(nsec).fill(1);
  const bind = new Map<number, LinkSymId>();
  const bodies = new Map<number, LinkReloadFunc>();
  const comparers = new Map<number, ContentComparer>();
  const comparer = (input: number): ContentComparer => {
    let c = comparers.get(input);
    if (!c) comparers.set(input, (c = new ContentComparer(objIndex(s.inputs[input]!.obj, arch), ni)));
    return c;
  };
  const range = (idx: ObjIndex, sym: ElfSymbol): [number, number] => {
    const sec = idx.obj.sections[sym.shndx]!;
    return [sym.st_value, sym.st_size > 0 ? sym.st_value + sym.st_size : sec.sh_size];
  };
  const liveFunc = (name: string, sym: ElfSymbol): LinkReloadFunc | undefined =>
    unit.funcs.get(name) ?? (sym.bind !== STB_LOCAL ? s.reloadFuncs.get(name) : undefined);
  const changed = (f: LinkReloadFunc, sym: ElfSymbol): boolean => {
    const src = f.sources[f.current]!;
    const old = objIndex(s.inputs[src.input]!.obj, arch);
    const osym = old.obj.symbols[src.sym]!;
    const [a0, a1] = range(old, osym);
    const [b0, b1] = range(ni, sym);
    return !comparer(src.input).sameChunk(osym.shndx, a0, a1, sym.shndx, b0, b1);
  };

  // ---- functions ----
  const fileOf = (o: ElfObject): string | undefined => o.symbols.find((x) => x.type === STT_FILE)?.name;
  const sameFile = unit.inputs.length > 0 && fileOf(s.inputs[unit.inputs[0]!]!.obj) === fileOf(obj);
  for (const name of opts.only ?? []) {
    const def = ni.funcs.get(name);
    const live = unit.funcs.get(name);
    if (!def) {
      const other = obj.symbols.find((x) => x.name === name && x.shndx !== SHN_UNDEF && x.type !== STT_SECTION);
      refuse(other ? `'${name}' is not a function in the replacement (symbol type ${other.type})` : `it does not define '${name}'`);
    }
    if (live && live.local !== (def!.bind === STB_LOCAL)) refuse(`it does not define '${name}' as a ${live.local ? 'static' : 'global'} function, as the live one is`);
  }
  const swap = new Map<string, { f: LinkReloadFunc; sym: ElfSymbol; reason?: string }>();
  const unchanged: string[] = [];
  const addedFuncs = new Map<string, ElfSymbol>();
  for (const [name, sym] of ni.funcs) {
    const f = liveFunc(name, sym);
    if (!f) {
      addedFuncs.set(name, sym);
      continue;
    }
    if (f.local !== (sym.bind === STB_LOCAL)) refuse(`function '${name}' changed linkage (${f.local ? 'static' : 'global'} → ${sym.bind === STB_LOCAL ? 'static' : 'global'})`);
    if (opts.only && !opts.only.has(name)) {
      // Not asked for, but in a new version of the unit's own file its code differs: it may hold an inlined
      // copy of what was asked for (clang drops DW_TAG_inlined_subroutine when the inlined code folds away),
      // so it goes too. A scratch file's other functions are private versions: they bind to the live ones.
      if (sameFile && changed(f, sym)) swap.set(name, { f, sym, reason: `changed in ${obj.file} (it may have inlined ${[...opts.only].join(', ')})` });
      continue;
    }
    if (changed(f, sym)) swap.set(name, { f, sym });
    else if (opts.only) swap.set(name, { f, sym, reason: 'requested' });
  }
  if (opts.only) {
    // What the requested functions need: changed static helpers they reach, and live callers that inlined them.
    for (const name of [...swap.keys()]) addReachableChangedStatics(name);
    const inliners = liveInliners(s, unit, new Set(swap.keys()));
    for (const [caller, callee] of inliners) {
      if (swap.has(caller)) continue;
      const sym = ni.funcs.get(caller);
      if (!sym) refuse(`'${caller}' inlined '${callee}' and the replacement does not define '${caller}'; reload the whole file instead`);
      swap.set(caller, { f: liveFunc(caller, sym!)!, sym: sym!, reason: `inlined ${callee}` });
    }
  }
  const stale: StaleCode[] = [];
  if (opts.only) {
    // A static function may be inlined anywhere in its unit, and the DWARF does not always say so (clang
    // drops DW_TAG_inlined_subroutine when the inlined code folds away): the unit's functions that this
    // object does not bring cannot be checked, so they are named.
    const missing = [...unit.funcs.keys()].filter((n) => !ni.funcs.has(n) && !opts.only!.has(n));
    // clang also inlines always_inline global functions (gcc refuses to, under -flive-patching and -fPIC).
    const byClang = /clang/i.test(producerOf(s.inputs[unit.inputs[0]!]!.obj, s) ?? '');
    for (const name of opts.only) {
      const f = unit.funcs.get(name);
      if (!f || !missing.length || (!f.local && !byClang)) continue;
      const what = f.local ? 'static' : 'a global compiled by clang (always_inline functions are inlined)';
      stale.push({ function: name, where: `${missing.slice(0, 8).join(', ')}${missing.length > 8 ? `, … (${missing.length})` : ''} in ${unitName}`, why: `${name} is ${what} and may be inlined there; those functions are not in ${obj.file}, so they cannot be compared — reload ${unitName} to be sure` });
    }
  }
  // Functions that shared a section with a swapped one in the live object may call it without a relocation.
  for (let grew = true; grew; ) {
    grew = false;
    for (const { f } of [...swap.values()]) {
      const src = f.sources[f.current]!;
      const old = objIndex(s.inputs[src.input]!.obj, arch);
      const oldSec = old.obj.symbols[src.sym]!.shndx;
      for (const mate of old.symbolsIn(oldSec)) {
        if (mate.index === src.sym || !entryEligible(mate) || swap.has(mate.name)) continue;
        const g = liveFunc(mate.name, mate);
        if (!g || g.sources[g.current]!.input !== src.input || g.sources[g.current]!.sym !== mate.index) continue;
        const sym = ni.funcs.get(mate.name);
        if (!sym) {
          stale.push({ function: f.name, where: `${mate.name} (${unitName})`, why: `${mate.name} shares a section with ${f.name} in the live code and may call its old body directly; it is not in the new object, so it cannot be swapped` });
          continue;
        }
        swap.set(mate.name, { f: g, sym, reason: `shares a section with ${f.name}` });
        grew = true;
      }
    }
    // The same in the new object: a new body calls its section mates' copies there directly, so those
    // copies must become the live bodies too (else a later reload of a mate would leave the call stale).
    for (const { sym } of [...swap.values()]) {
      for (const mate of ni.symbolsIn(sym.shndx)) {
        if (mate.index === sym.index || !entryEligible(mate) || swap.has(mate.name) || ni.funcs.get(mate.name) !== mate) continue;
        const g = liveFunc(mate.name, mate);
        if (!g) continue; // a new function: added, its entry is in this section's code anyway
        swap.set(mate.name, { f: g, sym: mate, reason: `shares a section with ${sym.name} in ${obj.file}` });
        grew = true;
      }
    }
  }
  for (const [name, sym] of ni.funcs) {
    const f = liveFunc(name, sym);
    if (!f) continue;
    const w = swap.get(name);
    if (w) {
      bodies.set(sym.index, f);
      skip[sym.shndx] = 0;
    } else {
      bind.set(sym.index, f.entryId);
      unchanged.push(name);
    }
  }
  for (const sym of addedFuncs.values()) if (!opts.only || sym.bind !== STB_LOCAL) skip[sym.shndx] = 0;
  const removed = opts.only ? [] : [...unit.funcs.keys()].filter((n) => !ni.funcs.has(n));

  // ---- data ----
  const state = unitState(s, unit);
  const liveVars = state.vars;
  const vars = ni.variables();
  const variables: VariableChange[] = [];
  const tlsModules = new Set<number>();
  let newTls: string | undefined;
  let oldTls: string | undefined;
  for (const [symIndex, info] of vars) {
    const sym = obj.symbols[symIndex]!;
    const tls = (obj.sections[sym.shndx]!.sh_flags & SHF_TLS) !== 0;
    const global = sym.bind !== STB_LOCAL;
    const liveId = global ? syms.byName.get(sym.name) : liveVars.get(info.key)?.id;
    if (liveId === undefined || syms.kind[liveId] === SymKind.Discarded) {
      skip[sym.shndx] = 0;
      variables.push({ name: info.display, unit: unitName, change: 'added' });
      if (tls) newTls ??= info.display;
      continue;
    }
    if ((syms.kind[liveId] === SymKind.Tls) !== tls) refuse(`variable '${info.display}' changed between __thread and ordinary storage`);
    const def = state.latest.get(info.key) ?? (global ? definitionOf(s, liveId) : liveVars.get(info.key));
    if (def) {
      const oldIdx = objIndex(s.inputs[def.input]!.obj, arch);
      const oldInfo = oldIdx.variables().get(def.sym);
      const osym = oldIdx.obj.symbols[def.sym]!;
      const layoutDiffers = oldInfo?.layout !== undefined && info.layout !== undefined ? oldInfo.layout !== info.layout : osym.st_size !== sym.st_size;
      if (layoutDiffers) {
        refuse(`variable '${info.display}' changed type: ${oldInfo?.typeText ?? `${osym.st_size} bytes`} → ${info.typeText ?? `${sym.st_size} bytes`}; live data cannot change layout`);
      }
      if (!comparer(def.input).sameChunk(osym.shndx, osym.st_value, osym.st_value + osym.st_size, sym.shndx, sym.st_value, sym.st_value + sym.st_size)) {
        variables.push({ name: info.display, unit: unitName, change: 'initializer-changed' });
      }
    } else if (syms.size[liveId] !== sym.st_size && syms.size[liveId]! > 0) {
      refuse(`variable '${info.display}' changed size: ${syms.size[liveId]} → ${sym.st_size} bytes`);
    }
    bind.set(symIndex, liveId);
    if (tls) {
      oldTls ??= info.display;
      tlsModules.add(syms.tlsModule[liveId]!);
    }
  }
  for (const sym of obj.symbols) {
    if (sym.shndx !== SHN_COMMON) continue;
    const liveId = syms.byName.get(sym.name);
    if (liveId === undefined) variables.push({ name: sym.name, unit: unitName, change: 'added' });
    else if (syms.size[liveId]! < sym.st_size) refuse(`variable '${sym.name}' grew from ${syms.size[liveId]} to ${sym.st_size} bytes`);
  }
  if (newTls && oldTls) refuse(`it adds the __thread variable '${newTls}' beside existing ones ('${oldTls}'); a unit's __thread data is one block that cannot grow`);
  if (tlsModules.size > 1) refuse(`its __thread variables live in ${tlsModules.size} different blocks`);
  // Anonymous writable data (no symbol): the live unit's section of the same name.
  const anonLive = new Map<number, LinkSymId>();
  for (const sec of obj.sections) {
    if (!isStateSection(sec) || ni.symbolsIn(sec.index).some((x) => x.type !== STT_FUNC)) continue;
    const live = state.anon.get(sec.name);
    if (live && live.size === sec.sh_size) anonLive.set(sec.index, live.id);
    else skip[sec.index] = 0;
  }
  const routeData = (fieldSec: number, i: number): [LinkSymId, number] | undefined => {
    const t = ni.relocs(fieldSec)!.t;
    const target = obj.symbols[t.r_sym[i]!]!;
    const tsec = obj.sections[target.shndx];
    if (!tsec || !isStateSection(tsec)) return undefined;
    const anon = anonLive.get(tsec.index);
    if (anon !== undefined) return [anon, t.r_addend[i]!];
    const v = ni.varAt(fieldSec, i);
    const id = v ? bind.get(v.index) : undefined;
    if (v && id !== undefined) return [id, t.r_addend[i]! - v.st_value];
    if (!v && skip[tsec.index]) {
      refuse(`${obj.sections[fieldSec]!.name}+0x${t.r_offset[i]!.toString(16)} refers to ${tsec.name}+0x${t.r_addend[i]!.toString(16)}, and which variable that is cannot be told; compile with -fdata-sections`);
    }
    return undefined;
  };

  // ---- constructors and destructors ----
  const oldCtors = state.ctors;
  const oldDtors = state.dtors;
  const constructors = ctorNames(ni, CTOR_SECTION, [SHT_INIT_ARRAY, SHT_PREINIT_ARRAY]).map((name) => ({ name, run: !oldCtors.has(name) }));
  const newDestructors = ctorNames(ni, DTOR_SECTION, [SHT_FINI_ARRAY]).filter((n) => !oldDtors.has(n));
  for (const c of [...constructors.filter((x) => x.run).map((x) => x.name), ...newDestructors]) {
    const sym = ni.funcs.get(c);
    if (sym && !bind.has(sym.index)) skip[sym.shndx] = 0;
  }
  for (const sec of obj.sections) {
    if (CTOR_SECTION.test(sec.name) || DTOR_SECTION.test(sec.name) || sec.sh_type === SHT_INIT_ARRAY || sec.sh_type === SHT_FINI_ARRAY || sec.sh_type === SHT_PREINIT_ARRAY) skip[sec.index] = 1;
  }

  // A live indirect function keeps its address (its stub); the new resolver is loaded and run, and its answer replaces the old one in the function's cell (ifunc.ts).
  const reresolve = new Map<number, LinkSymId>();
  for (const sym of obj.symbols) {
    if (sym.type !== STT_GNU_IFUNC || sym.bind === STB_LOCAL || sym.shndx === SHN_UNDEF || sym.shndx >= nsec || bind.has(sym.index)) continue;
    const live = syms.byName.get(sym.name);
    if (live === undefined) continue; // a new one is defined like any new global
    bind.set(sym.index, live);
    reresolve.set(sym.index, live);
    skip[sym.shndx] = 0;
  }

  // Global data and constants the image already has keep their live definitions (by name, like variables).
  for (const sym of obj.symbols) {
    if (sym.index === 0 || sym.bind === STB_LOCAL || sym.shndx === SHN_UNDEF || sym.shndx >= nsec || sym.type === STT_FUNC || sym.type === STT_SECTION || bind.has(sym.index)) continue;
    const live = syms.byName.get(sym.name);
    if (live === undefined) {
      if (obj.sections[sym.shndx]!.sh_flags & SHF_ALLOC) skip[sym.shndx] = 0; // a new global: published even if nothing here uses it
      continue;
    }
    const def = definitionOf(s, live);
    if (def) {
      const osym = s.inputs[def.input]!.obj.symbols[def.sym]!;
      if (osym.st_size !== sym.st_size) refuse(`'${sym.name}' changed size: ${osym.st_size} → ${sym.st_size} bytes; live data cannot change layout`);
      if (!comparer(def.input).sameChunk(osym.shndx, osym.st_value, osym.st_value + osym.st_size, sym.shndx, sym.st_value, sym.st_value + sym.st_size)) {
        if (isStateSection(obj.sections[sym.shndx]!)) variables.push({ name: sym.name, unit: unitName, change: 'initializer-changed' });
        else stale.push({ function: sym.name, where: `${sym.name} (${unitName})`, why: `the global constant '${sym.name}' changed, but code anywhere in the image refers to it by name, so it keeps its old contents; restart the program for the new ones (a static constant would be reloaded)` });
      }
    }
    bind.set(sym.index, live);
  }

  // ---- load what the roots reach ----
  const work: number[] = [];
  for (let i = 0; i < nsec; i++) if (!skip[i]) work.push(i);
  const load = (sec: number): void => {
    const x = obj.sections[sec];
    if (!x || (x.sh_flags & SHF_ALLOC) === 0 || !skip[sec] || x.name === '.eh_frame') return;
    if (CTOR_SECTION.test(x.name) || DTOR_SECTION.test(x.name)) return;
    skip[sec] = 0;
    work.push(sec);
  };
  while (work.length) {
    const sec = work.pop()!;
    const r = ni.relocs(sec);
    if (!r) continue;
    const fromCode = (obj.sections[sec]!.sh_flags & SHF_EXECINSTR) !== 0;
    for (let k = 0; k < r.t.count; k++) {
      const target = obj.symbols[r.t.r_sym[k]!]!;
      if (target.index === 0 || target.shndx === SHN_UNDEF || target.shndx === SHN_COMMON || target.shndx >= nsec || bind.has(target.index)) continue;
      if (target.type !== STT_SECTION) {
        load(target.shndx); // a definition of the object that is not live
        continue;
      }
      const tsec = obj.sections[target.shndx]!;
      if (tsec.sh_flags & SHF_EXECINSTR) {
        const w = arch.refWindow(r.t.r_type[k]!, fromCode);
        const f = w && (w[0] === w[1] || fromCode) ? ni.functionAt(tsec.index, r.t.r_addend[k]! + w[0]) : undefined;
        if (f && bind.has(f.index)) continue; // reaches the live entry
      } else if (isStateSection(tsec) && routeData(sec, k) !== undefined) continue;
      load(tsec.index);
    }
  }
  const added = [...addedFuncs.entries()].filter(([, sym]) => !skip[sym.shndx]).map(([n]) => n);
  for (const sym of obj.symbols) {
    // Definitions in sections that stay unloaded must not be defined anew: globals resolve by name to the live ones.
    if (sym.index === 0 || sym.shndx === SHN_UNDEF || sym.shndx >= nsec || sym.type === STT_SECTION || !skip[sym.shndx] || bind.has(sym.index)) continue;
    if (sym.bind !== STB_LOCAL) {
      const live = syms.byName.get(sym.name);
      if (live !== undefined) bind.set(sym.index, live);
    }
  }

  return {
    unit,
    obj,
    batch: { unit: unit.key, skip, bind, bodies, routeData, reresolve, tlsModule: tlsModules.size ? [...tlsModules][0]! : 0 },
    swaps: [...swap.values()].map(({ f, reason }) => ({ f, reason })),
    unchanged,
    added,
    removed,
    variables,
    constructors,
    newDestructors,
    stale,
  };

  /** reload FUNC: static helpers the function reaches that changed go with it. */
  function addReachableChangedStatics(name: string): void {
    const sym = ni.funcs.get(name)!;
    const [b0, b1] = range(ni, sym);
    const [i, j] = ni.relocRange(sym.shndx, b0, b1);
    const r = ni.relocs(sym.shndx);
    for (let k = i; k < j; k++) {
      const x = ni.target(sym.shndx, r!.order[k]!);
      if (x.k !== 'func' || swap.has(x.name)) continue;
      const hs = ni.funcs.get(x.name);
      if (!hs || hs.bind !== STB_LOCAL) continue;
      const f = liveFunc(x.name, hs);
      if (f && changed(f, hs)) {
        swap.set(x.name, { f, sym: hs, reason: `changed, and ${name} calls it` });
        addReachableChangedStatics(x.name);
      }
    }
  }
}

/** What the unit's versions so far define, folded in once per version (a reload looks only at what is new). */
interface UnitState {
  seen: number;
  /** Live variables by identity key (a later version's new variables included). */
  vars: Map<string, LiveVar>;
  /** The newest version's definition of each variable: what a changed initializer is compared with. */
  latest: Map<string, { input: number; sym: number }>;
  ctors: Set<string>;
  dtors: Set<string>;
  /** Anonymous writable sections by name: size and the LinkSymId of the section symbol. */
  anon: Map<string, { size: number; id: LinkSymId }>;
}

const unitStates = new WeakMap<ReloadUnit, UnitState>();

function unitState(s: LinkSession, unit: ReloadUnit): UnitState {
  let st = unitStates.get(unit);
  if (!st) unitStates.set(unit, (st = { seen: 0, vars: new Map(), latest: new Map(), ctors: new Set(), dtors: new Set(), anon: new Map() }));
  for (; st.seen < unit.inputs.length; st.seen++) {
    const inputId = unit.inputs[st.seen]!;
    const input = s.inputs[inputId]!;
    const idx = objIndex(input.obj, s.arch);
    for (const [symIndex, info] of idx.variables()) {
      const id = input.symIds[symIndex]!;
      if (id < 0 || s.symbols.kind[id] === SymKind.Discarded) continue;
      st.latest.set(info.key, { input: inputId, sym: symIndex });
      if (st.vars.has(info.key)) continue;
      if (s.symbols.input[id] !== inputId) continue; // bound to an older version's variable: already listed
      st.vars.set(info.key, { id, input: inputId, sym: symIndex });
    }
    for (const n of ctorNames(idx, CTOR_SECTION, [SHT_INIT_ARRAY, SHT_PREINIT_ARRAY])) st.ctors.add(n);
    for (const n of ctorNames(idx, DTOR_SECTION, [SHT_FINI_ARRAY])) st.dtors.add(n);
    for (const sec of input.obj.sections) {
      if (!isStateSection(sec) || input.sectionAddr[sec.index]! < 0 || st.anon.has(sec.name)) continue;
      if (idx.symbolsIn(sec.index).some((x) => x.type !== STT_FUNC)) continue;
      const sym = input.obj.symbols.find((x) => x.type === STT_SECTION && x.shndx === sec.index);
      if (sym && input.symIds[sym.index]! >= 0) st.anon.set(sec.name, { size: sec.sh_size, id: input.symIds[sym.index]! });
    }
  }
  return st;
}

/** The functions an object's constructor (or destructor) arrays name. */
function ctorNames(idx: ObjIndex, re: RegExp, types: number[]): string[] {
  const out: string[] = [];
  for (const sec of idx.obj.sections) {
    if ((sec.sh_flags & SHF_ALLOC) === 0 || !(types.includes(sec.sh_type) || re.test(sec.name))) continue;
    const r = idx.relocs(sec.index);
    if (!r) continue;
    for (let k = 0; k < r.t.count; k++) {
      const x = idx.target(sec.index, r.order[k]!);
      if (x.k === 'func' || x.k === 'name') out.push(x.name);
    }
  }
  return out;
}

/** Where a live global variable was defined (input and ELF symbol index), if in the image. */
function definitionOf(s: LinkSession, id: LinkSymId): LiveVar | undefined {
  const inputId = s.symbols.input[id]!;
  if (inputId < 0) return undefined;
  const input = s.inputs[inputId]!;
  let defs = definitions.get(input.obj);
  if (!defs) {
    definitions.set(input.obj, (defs = new Map()));
    input.obj.symbols.forEach((x, i) => {
      if (i > 0 && x.shndx !== SHN_UNDEF && input.symIds[i]! >= 0 && !defs!.has(input.symIds[i]!)) defs!.set(input.symIds[i]!, i);
    });
  }
  const sym = defs.get(id);
  return sym !== undefined ? { id, input: inputId, sym } : undefined;
}

/** DW_AT_producer of the object's first compile unit (which compiler made it), if it has DWARF. */
function producerOf(obj: ElfObject, s: LinkSession): string | undefined {
  try {
    return objIndex(obj, s.arch).dwarf()?.units[0]?.root.string(DW_AT_producer);
  } catch {
    return undefined;
  }
}

/** Per live object: LinkSymId -> the ELF symbol index that defines it (built on first use; a placed input's ids never change). */
const definitions = new WeakMap<ElfObject, Map<LinkSymId, number>>();

/**
 * Live functions of the unit whose current body holds an inlined copy of
 * one of `callees` (DW_TAG_inlined_subroutine, from the live DWARF):
 * caller name → callee name.
 */
export function liveInliners(s: LinkSession, unit: ReloadUnit, callees: Set<string>): Map<string, string> {
  const out = new Map<string, string>();
  const inputs = new Set<number>();
  for (const f of unit.funcs.values()) inputs.add(f.sources[f.current]!.input);
  for (const inputId of inputs) {
    for (const [caller, inlined] of inlinedCalls(s, s.inputs[inputId]!.obj)) {
      const f = unit.funcs.get(caller);
      if (!f || f.sources[f.current]!.input !== inputId) continue;
      const hit = [...inlined].find((n) => callees.has(n) && n !== caller);
      if (hit) out.set(caller, hit);
    }
  }
  return out;
}

const inlinedCache = new Map<string, Map<string, Set<string>>>();

/** Per function of the object: the names of the functions inlined into it (DW_TAG_inlined_subroutine; the object's DIEs are read once, by its ObjIndex). */
function inlinedCalls(s: LinkSession, obj: ElfObject): Map<string, Set<string>> {
  const key = contentDigest(obj);
  let m = inlinedCache.get(key);
  if (m) return m;
  m = new Map();
  inlinedCache.set(key, m);
  try {
    for (const sub of objIndex(obj, s.arch).subprograms()) {
      if (!sub.name) continue;
      const names = new Set<string>();
      const walk = (scope: Scope): void => {
        for (const c of scope.inlined) {
          if (c.name) names.add(c.name);
          walk(c);
        }
        for (const b of scope.blocks) walk(b);
      };
      walk(sub);
      if (names.size) m.set(sub.name, names);
    }
  } catch {
    // unreadable DWARF: no inlining known
  }
  return m;
}
