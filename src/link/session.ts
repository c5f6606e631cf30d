// LinkSession: the link state that outlives one link. The initial link and
// every later append run the same pipeline over a *batch* of new inputs;
// the initial link only differs in that it reserves the arena once it knows
// the batch's size. Old inputs, old sections and old relocation records are
// never revisited: a batch reads the live symbol table, places its sections
// at the per-class append cursors, writes and relocates only its own bytes,
// and publishes. Any failure before publication rolls back to the exact
// previous state (the append transaction), so the image is never
// half-published.
//
// The pipeline, in order (each a method below):
//   select-comdat  keep the first COMDAT group per signature, discard the rest
//   define         enter the batch's definitions; duplicate and weak rules
//   pull-archives  load archive members that define still-undefined names
//   resolve        bind every undefined reference: live image, batch, host, weak 0
//   scan           read relocations; decide GOT entries, stubs, TLS pairs
//   layout         give sections and synthetic chunks addresses at the cursors
//   copy           commit pages; copy section bytes; write GOT, stubs, TLS pairs
//   fixup          apply relocations and keep each as a LinkRelocApply record
//   resolve-ifunc  run the resolvers of indirect functions (ifunc.ts)
//   publish        protect pages, publish names, bump the generation

import { Arch, RelocNeed, FixupValues } from '../arch/arch.js';
import { Archive } from '../elf/archive.js';
import {
  SHF_ALLOC, SHF_EXECINSTR, SHF_TLS, SHF_WRITE, SHF_EXCLUDE, SHN_ABS, SHN_COMMON, SHN_UNDEF,
  SHT_GROUP, SHT_NOBITS, SHT_NOTE, SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY,
  STB_LOCAL, STB_WEAK, STB_GLOBAL, STB_GNU_UNIQUE, STT_FILE, STT_SECTION, STT_TLS, STT_GNU_IFUNC, STT_FUNC, STT_OBJECT, STT_NOTYPE,
} from '../elf/elf.js';
import { ElfObject, ElfSection, RelaTable } from '../elf/object.js';
import { entryEligible } from './objindex.js';
import { HotlinkError, hex } from '../errors.js';
import { Arena, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, callNative, memoryView } from '../memory/native.js';
import { HostResolver } from './host.js';
import { LinkInput, newLinkInput, SegClass, SEG_CLASS_COUNT, SEG_CLASS_NAMES } from './input.js';
import { RelocRecords } from './relocs.js';
import { LinkSymId, SymbolTable, SymKind } from './symbols.js';
import { AddressIndex } from './addrindex.js';
import { PatchSiteIndex } from './patchsites.js';
import { CopyRelocs } from './copyreloc.js';
import { collectRuns, startStopSection, StartStopRun } from './startstop.js';
import { CallGuard, IndirectFunction, resolveIndirect, storeCell } from './ifunc.js';

export interface ReserveOptions {
  /** Append budget of each class in bytes, beyond the initial image. */
  rx?: number;
  r?: number;
  rw?: number;
  tls?: number;
}

export const DEFAULT_RESERVE: Required<ReserveOptions> = {
  rx: 64 << 20,
  r: 16 << 20,
  rw: 16 << 20,
  tls: 1 << 20,
};

/** Where the arena is tried first: low, so 32-bit absolute (-fno-pic) and PC32 references to the host executable's data reach. */
export const ARENA_HINTS = [0x40000000, 0x20000000, 0x60000000, 0x10000000];

export const PHASES = ['read', 'resolve', 'layout', 'fixup', 'publish'] as const;
export type Phase = (typeof PHASES)[number];

export interface BatchStats {
  phases: Record<Phase, number>;
  inputs: number;
  sections: number;
  symbols: number;
  relocations: number;
  gotEntries: number;
  stubs: number;
  /** Bytes placed per class by this batch. */
  bytes: Record<(typeof SEG_CLASS_NAMES)[number], number>;
}

export interface BatchResult {
  generation: number;
  inputs: LinkInput[];
  /** Global names the batch published. */
  defined: string[];
  /** Constructors to run, in order (.preinit_array first). */
  preinit: number[];
  init: number[];
  /** Destructors in array order (run them in reverse). */
  fini: number[];
  stats: BatchStats;
  /** For a unit-reload batch: the new body of each replaced function. */
  reloadBodies: Map<LinkReloadFunc, LinkSymId>;
  /** The first LinkSymId the batch created (its symbols are firstSymbol..symbols.count). */
  firstSymbol: LinkSymId;
  /** Host symbols that got a jump stub in this batch (syms.stub holds its address). */
  stubs: LinkSymId[];
}

interface ClassRange {
  start: number;
  limit: number;
  cursor: number;
  /** Highest address ever written (fresh pages above it are known to be zero). */
  dirty: number;
}

/** A definition competing for a global name inside the batch. */
interface PendingDef {
  id: LinkSymId;
  input: LinkInput;
  strong: boolean;
  common: boolean;
  commonSize: number;
  commonAlign: number;
}

interface Reference {
  input: LinkInput;
  symIndex: number;
  name: string;
  weak: boolean;
}

/** Everything a batch created in the session's tables, so a failure can undo it. */
interface Txn {
  symbolCount: number;
  inputCount: number;
  relocCount: number;
  cursors: number[];
  got: LinkSymId[];
  stubs: LinkSymId[];
  tlsPairs: LinkSymId[];
  tlsModules: number;
  addrIndexLength: number[];
  /** The batch reserved the arena (the initial link): a failure releases it, so link() can be retried. */
  reservedArena: boolean;
}

/**
 * Session state besides the tables the Txn restores. A batch never writes
 * it: it reads it through an `Overlay` each and adds to the overlays, and
 * the session takes the additions over only once the batch is published. A
 * failed batch thus leaves nothing behind (its symbol ids are reused).
 */
interface SessionMaps {
  /** COMDAT group signatures kept. */
  comdat: Map<string, true>;
  /** Host symbols by name. */
  hostIds: Map<string, LinkSymId>;
  /** Archive members loaded, as `file@offset`. */
  loadedMembers: Map<string, true>;
  /** TLS module -> address of its local-dynamic GOT pair. */
  tlsLdPair: Map<number, number>;
  /** Host symbol id -> is it a function (cached dladdr1 answers). */
  hostFunc: Map<LinkSymId, boolean>;
  /** `__start_X` / `__stop_X` -> the symbol of the most recent run of sections X (startstop.ts). */
  startStop: Map<string, LinkSymId>;
  /** Indirect function -> address of its cell (ifunc.ts). */
  ifuncCell: Map<LinkSymId, number>;
}

/** A batch's view of one session map: the published entries, then its own additions. */
class Overlay<K, V> {
  readonly added = new Map<K, V>();
  constructor(private readonly published: ReadonlyMap<K, V>) {}
  get(k: K): V | undefined {
    return this.published.get(k) ?? this.added.get(k);
  }
  has(k: K): boolean {
    return this.published.has(k) || this.added.has(k);
  }
  set(k: K, v: V): void {
    this.added.set(k, v);
  }
}

type BatchMaps = { [K in keyof SessionMaps]: SessionMaps[K] extends Map<infer A, infer B> ? Overlay<A, B> : never };

export interface SessionOptions {
  arch: Arch;
  host: HostResolver;
  archives?: Archive[];
  reserve?: ReserveOptions;
  /** Place the arena exactly here (a "virtual link" to a fixed base for byte-level tests); error if taken. */
  base?: number;
  /**
   * 'exported-funcs': every global C function of a user input gets a stable
   * entry and a slot (HOT_RELOAD.md §5–§8) so it can be reloaded; 'none'
   * (default): direct calls, zero cost.
   */
  indirection?: IndirectionMode;
  /** Undefined references to a key bind to the value's definition instead (the debugger routes exit() to its runtime). */
  aliases?: Map<string, string>;
  /**
   * Back code and read-only data with shared anonymous memory instead of a
   * memfd (Arena.reserve): profilers then see the image as anonymous memory
   * and name its code from /tmp/perf-PID.map (perf ignores the map for a
   * file-backed mapping such as `/memfd:hotlink-image`).
   */
  anonymousImage?: boolean;
  /**
   * Map the code view privately (MAP_PRIVATE of the memfd) and start each
   * batch's code on a fresh page, so an external debugger can write its
   * breakpoints (the kernel refuses ptrace writes to a read-only shared
   * mapping; a private page is copied on write) and no page it copied ever
   * receives code afterwards (the copy would hide it). Used with gdb's JIT
   * interface (src/gdbjit.ts).
   */
  privateCodeView?: boolean;
}

export type IndirectionMode = 'none' | 'exported-funcs';

/**
 * A reloadable function (HOT_RELOAD.md §4, the seed's LinkReloadFunc). The
 * public name resolves to `entry`, which jumps through `slot`; `bodies[n]`
 * is the LinkSymId of `name$body$n`. The slot holds the address of
 * `bodies[current]`.
 */
export interface LinkReloadFunc {
  name: string;
  entryId: LinkSymId;
  entryAddr: number;
  slotAddr: number;
  bodies: LinkSymId[];
  current: number;
  /** The reload unit (translation unit) the function belongs to. */
  unit: string;
  /** A static function (its name is unique only within its unit). */
  local: boolean;
  /** Per body: the input and ELF symbol index it was linked from (what change detection compares against). */
  sources: { input: number; sym: number }[];
}

/**
 * A reload unit: one translation unit of the image. Its first input and
 * every reload of it, and its functions (static and global) by name.
 */
export interface ReloadUnit {
  key: string;
  inputs: number[];
  funcs: Map<string, LinkReloadFunc>;
}

/**
 * How a batch links one object as the new version of a live unit (decided
 * by the reload planner, src/link/unit.ts): which sections are not loaded,
 * which symbols bind to live definitions (unchanged functions to their
 * entries, variables to their live storage), which definitions become new
 * bodies, and how references through section symbols reach live variables.
 */
export interface UnitBatchPlan {
  unit: string;
  /** Per section index: 1 = not loaded. */
  skip: Uint8Array;
  /** ELF symbol index -> live LinkSymId. */
  bind: Map<number, LinkSymId>;
  /** ELF symbol index -> the reloadable function it becomes the next body of. */
  bodies: Map<number, LinkReloadFunc>;
  /** A reference through a section symbol to live data: relocation i of section fieldSec -> [target, addend]. */
  routeData?: (fieldSec: number, i: number) => [LinkSymId, number] | undefined;
  /** TLS module of the live __thread data the object's local-dynamic references reach (0: its own). */
  tlsModule: number;
  /** ELF symbol index of a live indirect function -> its LinkSymId: the object's resolver runs and its answer is published in the live cell. */
  reresolve?: Map<number, LinkSymId>;
}

export interface BatchOptions {
  /** Which of the batch's objects may get reloadable entries (default: all). Archive members never do. */
  reloadable?: (obj: ElfObject) => boolean;
  /** Objects linked as new versions of live units (reload), with their plans. */
  units?: Map<ElfObject, UnitBatchPlan>;
}

export class LinkSession {
  readonly arch: Arch;
  readonly host: HostResolver;
  readonly archives: Archive[];
  /** Searched only for names no archive and no host library defines (gcc's own libgcc.a: __cpu_model, __cpu_indicator_init). */
  readonly lastResortArchives: Archive[] = [];
  readonly symbols = new SymbolTable();
  readonly inputs: LinkInput[] = [];
  readonly relocs = new RelocRecords();
  readonly patchSites = new PatchSiteIndex(this.relocs);
  readonly reserve: Required<ReserveOptions>;
  readonly base: number | undefined;
  readonly anonymousImage: boolean;
  readonly privateCodeView: boolean;
  readonly indirection: IndirectionMode;
  readonly aliases: Map<string, string>;
  /** Reloadable global functions by public name. */
  readonly reloadFuncs = new Map<string, LinkReloadFunc>();
  /** Reload units (translation units with reloadable functions) by key (the input's file). */
  readonly units = new Map<string, ReloadUnit>();
  readonly addrIndex = new AddressIndex();
  /** Copies of far host data in the image (copy relocations, copyreloc.ts). */
  readonly copies = new CopyRelocs();
  arena: Arena | undefined;
  /** Per SegClass: [start, limit) and the append cursor (absolute addresses once reserved). */
  readonly classes: ClassRange[] = [];
  generation = 0;
  /** Inputs [0, placed) are in the image. */
  placed = 0;
  tlsModuleCount = 0;
  /** All destructors of published batches, in the order they were added. */
  readonly fini: number[] = [];
  private readonly maps: SessionMaps = { comdat: new Map(), hostIds: new Map(), loadedMembers: new Map(), tlsLdPair: new Map(), hostFunc: new Map(), startStop: new Map(), ifuncCell: new Map() };

  constructor(opts: SessionOptions) {
    this.arch = opts.arch;
    this.host = opts.host;
    this.archives = opts.archives ?? [];
    this.reserve = { ...DEFAULT_RESERVE, ...(opts.reserve ?? {}) };
    this.base = opts.base;
    this.anonymousImage = !!opts.anonymousImage;
    this.privateCodeView = !!opts.privateCodeView && !this.anonymousImage;
    this.indirection = opts.indirection ?? 'none';
    this.aliases = opts.aliases ?? new Map();
  }

  /** Image address of a published global, or undefined. */
  lookup(name: string): number | undefined {
    const id = this.symbols.byName.get(name);
    if (id === undefined) return undefined;
    const k = this.symbols.kind[id];
    if (k === SymKind.Tls || k === SymKind.Discarded) return undefined;
    return this.symbols.addr[id];
  }

  /** Where indirect function `id`'s resolver sent it (the contents of its cell, ifunc.ts), or undefined when `id` is not one. */
  indirectTarget(id: LinkSymId): number | undefined {
    const cell = this.maps.ifuncCell.get(id);
    return cell === undefined ? undefined : Number(new DataView(memoryView(cell, 8).buffer, memoryView(cell, 8).byteOffset, 8).getBigUint64(0, true));
  }

  /** True while a batch is being linked (no reentrancy). */
  private busy = false;

  /**
   * Links a batch of objects into the image: the initial link when the
   * image is empty, an append otherwise. Transactional: throws with the
   * image unchanged, or returns with everything published.
   */
  linkBatch(objects: ElfObject[], readMs = 0, opts: BatchOptions = {}): BatchResult {
    if (this.busy) throw new Error('LinkSession.linkBatch is not reentrant');
    this.busy = true;
    const txn: Txn = {
      symbolCount: this.symbols.count,
      inputCount: this.inputs.length,
      relocCount: this.relocs.count,
      cursors: this.classes.map((c) => c.cursor),
      got: [], stubs: [], tlsPairs: [],
      tlsModules: this.tlsModuleCount,
      addrIndexLength: this.addrIndex.lengths(),
      reservedArena: false,
    };
    try {
      const maps = Object.fromEntries(Object.entries(this.maps).map(([k, m]) => [k, new Overlay(m)])) as BatchMaps;
      const result = new Batch(this, txn, objects, readMs, opts, maps).run();
      // Published: the batch's additions become the session's.
      for (const k of Object.keys(maps) as (keyof SessionMaps)[]) for (const [key, v] of maps[k].added) (this.maps[k] as Map<unknown, unknown>).set(key, v);
      return result;
    } catch (e) {
      this.rollback(txn);
      throw e;
    } finally {
      this.busy = false;
    }
  }

  private rollback(t: Txn): void {
    this.copies.rollback(this.symbols, t.symbolCount);
    this.symbols.truncate(t.symbolCount);
    this.inputs.length = t.inputCount;
    this.relocs.truncate(t.relocCount);
    t.cursors.forEach((c, i) => (this.classes[i]!.cursor = c));
    for (const id of t.got) this.symbols.got.delete(id);
    for (const id of t.stubs) this.symbols.stub.delete(id);
    for (const id of t.tlsPairs) this.symbols.tlsPair.delete(id);
    this.tlsModuleCount = t.tlsModules;
    this.addrIndex.truncate(t.addrIndexLength);
    this.patchSites.rollback(t.inputCount, t.relocCount);
    if (t.reservedArena) {
      this.free();
      this.classes.length = 0;
    }
  }

  /** Committed bytes per class (page-rounded cursor distance from class start). */
  committedBytes(): Record<(typeof SEG_CLASS_NAMES)[number], number> {
    const out = { RX: 0, R: 0, TLS: 0, RW: 0 };
    this.classes.forEach((c, i) => {
      out[SEG_CLASS_NAMES[i]!] = Math.ceil((c.cursor - c.start) / PAGE_SIZE) * PAGE_SIZE;
    });
    return out;
  }

  free(): void {
    // A copy in this image that another image still uses keeps the memory mapped.
    if (this.copies.release()) this.arena = undefined;
    this.arena?.free();
    this.arena = undefined;
  }
}

const CLASS_PROT = [PROT_READ | PROT_EXEC, PROT_READ, PROT_READ, PROT_READ | PROT_WRITE];

function alignUp(v: number, a: number): number {
  return a > 1 ? Math.ceil(v / a) * a : v;
}

/** A valid sh_addralign: 0 or a power of two (the runtime's posix_memalign needs one for a TLS module). */
function isAlignment(a: number): boolean {
  return a === 0 || (Number.isSafeInteger(a) && a > 0 && 2 ** Math.round(Math.log2(a)) === a);
}

function sectionClass(s: ElfSection): number {
  if ((s.sh_flags & SHF_ALLOC) === 0 || (s.sh_flags & SHF_EXCLUDE) !== 0) return -1;
  if (s.sh_type === SHT_GROUP || s.sh_type === SHT_NOTE) return -1;
  if (s.sh_flags & SHF_TLS) return SegClass.TLS;
  if (s.sh_flags & SHF_EXECINSTR) return SegClass.RX;
  // RELRO: written only by relocation, then read-only (the R view; we write through the alias).
  if (s.name === '.data.rel.ro' || s.name.startsWith('.data.rel.ro.')) return SegClass.R;
  if (s.sh_flags & SHF_WRITE) return SegClass.RW;
  return SegClass.R;
}

/** Init/fini array priority from the section name (.init_array.00101 → 101); default 65536 sorts last. */
function arrayPriority(name: string): number {
  const m = /^\.(init_array|fini_array|ctors|dtors)\.(\d+)$/.exec(name);
  if (!m) return 65536;
  const n = Number(m[2]);
  return m[1] === 'ctors' || m[1] === 'dtors' ? 65535 - n : n;
}


/** One run of the pipeline over one batch. */
class Batch {
  private readonly s: LinkSession;
  private readonly txn: Txn;
  private readonly objects: ElfObject[];
  private readonly inputs: LinkInput[] = [];
  private readonly pending = new Map<string, PendingDef>();
  private readonly refs: Reference[] = [];
  /** Global-symbol indices of batch definitions, patched to the winning id in `resolve`. */
  private readonly globalDefs: { input: LinkInput; symIndex: number; name: string; weakIgnored: boolean }[] = [];
  /** New ids whose address is computed in layout: [id, input, symIndex]. */
  private readonly placedSyms: number[] = [];
  private readonly commons: PendingDef[] = [];
  /** This batch's runs of sections named X for __start_X / __stop_X references (startstop.ts). */
  private runs = new Map<string, StartStopRun>();
  private gotIds: LinkSymId[] = [];
  private stubIds: LinkSymId[] = [];
  private tlsPairIds: LinkSymId[] = [];
  private tlsLdModules: number[] = [];
  /** Indirect functions this batch defines (each gets a stub and a cell), then their resolvers once laid out. */
  private readonly ifuncIds: LinkSymId[] = [];
  private readonly ifuncs: (IndirectFunction & { id: LinkSymId; live?: boolean })[] = [];
  /** Answers of re-run resolvers for live cells, stored at the end of publish: [cell, target]. */
  private readonly liveCells: [number, number][] = [];
  private gotBase = 0;
  private gotSymId = -1;
  private tlsModule = 0;
  private tlsStart = 0;
  private tlsSize = 0;
  private tlsAlign = 1;
  private discardedId = -1;
  private readonly phaseMs: Record<Phase, number>;
  private t0 = performance.now();
  private relocTotal = 0;
  private readonly placedBytes = [0, 0, 0, 0];
  private readonly batchStart: number[] = [];

  private readonly opts: BatchOptions;
  /** Reloadable functions this batch defines: public entry id and body id. */
  private readonly entries: { name: string; entry: LinkSymId; body: LinkSymId; input: number; sym: number; local: boolean }[] = [];
  private entryStart = 0;
  private slotStart = 0;
  readonly reloadBodies = new Map<LinkReloadFunc, LinkSymId>();
  /** Inputs that are (versions of) reload units: the reloadable user inputs and unit reloads. */
  private readonly unitInputs: LinkInput[] = [];
  /** Per input id: section index -> function start offset -> entry id (references through section symbols reach entries). */
  private readonly entryRoutes = new Map<number, Map<number, Map<number, LinkSymId>>>();

  /** The session's maps, seen through overlays that collect this batch's additions. */
  private readonly maps: BatchMaps;

  constructor(s: LinkSession, txn: Txn, objects: ElfObject[], readMs: number, opts: BatchOptions, maps: BatchMaps) {
    this.s = s;
    this.maps = maps;
    this.opts = opts;
    this.txn = txn;
    this.objects = objects;
    this.phaseMs = { read: readMs, resolve: 0, layout: 0, fixup: 0, publish: 0 };
  }

  private lap(p: Phase): void {
    const t = performance.now();
    this.phaseMs[p] += t - this.t0;
    this.t0 = t;
  }

  run(): BatchResult {
    const generation = this.s.generation + 1;
    for (const obj of this.objects) this.addInput(obj, generation, this.s.indirection === 'exported-funcs' && (this.opts.reloadable?.(obj) ?? true));
    this.pullArchives(generation);
    this.resolve();
    this.lap('resolve');
    this.scan();
    this.layout();
    this.lap('layout');
    this.copy();
    this.fixup();
    this.resolveIndirect();
    this.lap('fixup');
    const result = this.publish(generation);
    this.lap('publish');
    result.stats.phases = this.phaseMs;
    return result;
  }

  // ---- select-comdat + define ----------------------------------------------

  private addInput(obj: ElfObject, generation: number, reloadable = false): void {
    if (obj.e_machine !== this.s.arch.e_machine) {
      throw new HotlinkError('unsupported', `${obj.file}: e_machine ${obj.e_machine} does not match the image's architecture ${this.s.arch.name} (${this.s.arch.e_machine})`);
    }
    const input = newLinkInput(this.s.inputs.length, obj, generation);
    const plan = this.opts.units?.get(obj);
    if (plan) {
      input.unit = plan.unit;
      input.discarded.set(plan.skip);
      input.tlsModule = plan.tlsModule;
    }
    this.s.inputs.push(input);
    this.inputs.push(input);
    if (reloadable || plan) this.unitInputs.push(input);
    this.selectComdat(input);
    this.define(input, reloadable, plan);
  }

  private selectComdat(input: LinkInput): void {
    const { comdat } = this.maps;
    for (const g of input.obj.groups) {
      if (!g.comdat) continue;
      if (comdat.has(g.signature)) {
        for (const m of g.members) input.discarded[m] = 1;
      } else {
        comdat.set(g.signature, true);
      }
    }
  }

  private define(input: LinkInput, reloadable: boolean, plan?: UnitBatchPlan): void {
    const { obj } = input;
    const syms = this.s.symbols;
    const gen = input.generation;
    for (let i = 1; i < obj.symbols.length; i++) {
      const sym = obj.symbols[i]!;
      if (sym.type === STT_FILE) continue;
      const bound = plan?.bind.get(i);
      if (bound !== undefined) {
        // The live definition (an unchanged function's entry, a variable's live storage).
        input.symIds[i] = bound;
        if (syms.type[bound] === STT_FUNC && sym.shndx > 0 && sym.shndx < obj.sections.length) this.routeToEntry(input, sym.shndx, sym.st_value, bound);
        continue;
      }
      const next = plan?.bodies.get(i);
      if (next) {
        // The next body of a live reloadable function; references to it keep going through the entry.
        const body = this.newDefinition(input, i);
        syms.name[body] = `${next.name}$body$${next.bodies.length}`;
        input.symIds[i] = next.entryId;
        this.routeToEntry(input, sym.shndx, sym.st_value, next.entryId);
        this.reloadBodies.set(next, body);
        continue;
      }
      const inDiscarded = sym.shndx > 0 && sym.shndx < obj.sections.length && input.discarded[sym.shndx] === 1;
      if (sym.bind === STB_LOCAL) {
        if (inDiscarded) {
          if (this.discardedId < 0) this.discardedId = syms.add('<discarded>', 0, 0, SymKind.Discarded, STT_NOTYPE, STB_LOCAL, -1, gen);
          input.symIds[i] = this.discardedId;
          continue;
        }
        if (sym.shndx === SHN_UNDEF) continue;
        input.symIds[i] = reloadable && entryEligible(sym) ? this.newEntry(input, i) : this.newDefinition(input, i);
        if (sym.type === STT_GNU_IFUNC) this.ifuncIds.push(input.symIds[i]!);
        continue;
      }
      if (sym.bind !== STB_GLOBAL && sym.bind !== STB_WEAK && sym.bind !== STB_GNU_UNIQUE) {
        throw new HotlinkError('malformed-input', `${obj.file}: symbol '${sym.name}' (${i}) has unknown binding ${sym.bind}`);
      }
      if (sym.shndx === SHN_UNDEF || inDiscarded) {
        this.refs.push({ input, symIndex: i, name: sym.name, weak: sym.bind === STB_WEAK && !inDiscarded });
        continue;
      }
      const common = sym.shndx === SHN_COMMON;
      const strong = sym.bind !== STB_WEAK && !common;
      const live = syms.byName.get(sym.name);
      if (live !== undefined) {
        if (common) {
          // A tentative definition of a name the image already defines is a reference to it.
          this.refs.push({ input, symIndex: i, name: sym.name, weak: false });
          continue;
        }
        const id = this.newDefinition(input, i);
        input.symIds[i] = id;
        if (!strong) {
          // §9: a new weak definition is ignored for global resolution; it stays as an object-local symbol.
          syms.bind[id] = STB_LOCAL;
          this.globalDefs.push({ input, symIndex: i, name: sym.name, weakIgnored: true });
          continue;
        }
        const where = syms.input[live]! >= 0 ? this.s.inputs[syms.input[live]!]!.file : 'the host';
        throw new HotlinkError('duplicate', `duplicate symbol '${sym.name}': defined in ${obj.file} and already in the image (from ${where}${syms.bind[live] === STB_WEAK ? ', weak' : ''}); an append cannot replace a definition (use reload for functions)`);
      }
      let id: LinkSymId;
      if (common) id = syms.add(sym.name, 0, sym.st_size, SymKind.Image, STT_OBJECT, STB_GLOBAL, input.id, gen);
      else if (reloadable && sym.bind === STB_GLOBAL && entryEligible(sym)) id = this.newEntry(input, i);
      else id = this.newDefinition(input, i);
      input.symIds[i] = id;
      if (sym.type === STT_GNU_IFUNC) this.ifuncIds.push(id);
      this.globalDefs.push({ input, symIndex: i, name: sym.name, weakIgnored: false });
      const def: PendingDef = { id, input, strong, common, commonSize: common ? sym.st_size : 0, commonAlign: common ? Math.max(1, sym.st_value) : 0 };
      const prev = this.pending.get(sym.name);
      if (!prev) {
        this.pending.set(sym.name, def);
      } else if (prev.strong && strong) {
        throw new HotlinkError('duplicate', `duplicate symbol '${sym.name}': defined in ${prev.input.file} and in ${obj.file}`);
      } else if (prev.common && common) {
        prev.commonSize = Math.max(prev.commonSize, def.commonSize);
        prev.commonAlign = Math.max(prev.commonAlign, def.commonAlign);
      } else if (strong || (prev.common && !common && !prev.strong && sym.bind !== STB_WEAK)) {
        this.pending.set(sym.name, def);
      } else if (prev.common && sym.bind === STB_WEAK) {
        // A tentative definition beats a weak one (like ld): keep prev.
      } else if (common && !prev.strong && !prev.common) {
        // Tentative beats weak.
        def.commonSize = Math.max(def.commonSize, 0);
        this.pending.set(sym.name, def);
      }
    }
  }

  /**
   * HOT_RELOAD.md §6, for global and static functions alike: the name is the
   * stable entry (`jmp *slot`), the code is the internal `foo$body$0`.
   */
  private newEntry(input: LinkInput, i: number): LinkSymId {
    const sym = input.obj.symbols[i]!;
    const syms = this.s.symbols;
    const body = this.newDefinition(input, i);
    syms.name[body] = `${sym.name}$body$0`;
    const id = syms.add(sym.name, 0, this.s.arch.entrySize, SymKind.Image, STT_FUNC, sym.bind, input.id, input.generation);
    this.entries.push({ name: sym.name, entry: id, body, input: input.id, sym: i, local: sym.bind === STB_LOCAL });
    this.routeToEntry(input, sym.shndx, sym.st_value, id);
    return id;
  }

  /** References to (section, offset) through the section symbol reach `entry` (GAS turns references to static functions into section-relative ones). */
  private routeToEntry(input: LinkInput, sec: number, off: number, entry: LinkSymId): void {
    let bySec = this.entryRoutes.get(input.id);
    if (!bySec) this.entryRoutes.set(input.id, (bySec = new Map()));
    let m = bySec.get(sec);
    if (!m) bySec.set(sec, (m = new Map()));
    m.set(off, entry);
  }

  /**
   * The target and addend of relocation r of `t` (in section `secIndex`)
   * when it names a section symbol but means a function with an entry or a
   * live variable; undefined to keep it as it is.
   */
  private route(input: LinkInput, secIndex: number, t: RelaTable, r: number): [LinkSymId, number] | undefined {
    const sym = input.obj.symbols[t.r_sym[r]!]!;
    if (sym.type !== STT_SECTION) return undefined;
    const m = this.entryRoutes.get(input.id)?.get(sym.shndx);
    if (m) {
      const fromCode = (input.obj.sections[secIndex]!.sh_flags & SHF_EXECINSTR) !== 0;
      const w = this.s.arch.refWindow(t.r_type[r]!, fromCode);
      if (w && (w[0] === w[1] || fromCode)) {
        const A = t.r_addend[r]!;
        const entry = m.get(A + w[0]);
        if (entry !== undefined) return [entry, -w[0]]; // S + A - P with S = the entry, A relative to it
      }
    }
    return this.opts.units?.get(input.obj)?.routeData?.(secIndex, r);
  }

  /** Does any relocation of `input` need `route`? */
  private routes(input: LinkInput): boolean {
    return this.entryRoutes.has(input.id) || this.opts.units?.get(input.obj)?.routeData !== undefined;
  }

  /** A new id for a definition in `input`; its address is filled in by layout. */
  private newDefinition(input: LinkInput, i: number): LinkSymId {
    const sym = input.obj.symbols[i]!;
    const kind = sym.shndx === SHN_ABS ? SymKind.Absolute : sym.type === STT_TLS ? SymKind.Tls : SymKind.Image;
    const id = this.s.symbols.add(sym.name, kind === SymKind.Absolute ? sym.st_value : 0, sym.st_size, kind, sym.type, sym.bind, input.id, input.generation);
    if (kind !== SymKind.Absolute) this.placedSyms.push(id, input.id, i);
    return id;
  }

  // ---- pull-archives ---------------------------------------------------------

  private pullArchives(generation: number): void {
    const { loadedMembers } = this.maps;
    let changed = this.s.archives.length + this.s.lastResortArchives.length > 0;
    let scanned = 0;
    while (changed) {
      changed = false;
      for (; scanned < this.refs.length; scanned++) {
        const ref = this.refs[scanned]!;
        if (ref.weak || this.pending.has(ref.name) || this.s.symbols.byName.has(ref.name) || this.s.aliases.has(ref.name)) continue;
        const inArchive = this.s.archives.some((ar) => ar.index.has(ref.name));
        const archives = inArchive || !this.s.lastResortArchives.some((ar) => ar.index.has(ref.name)) || this.s.host.lookup(ref.name) ? this.s.archives : this.s.lastResortArchives;
        for (const ar of archives) {
          const off = ar.index.get(ref.name);
          if (off === undefined) continue;
          const key = `${ar.file}@${off}`;
          if (!loadedMembers.has(key)) {
            loadedMembers.set(key, true);
            this.addInput(ar.member(off), generation);
            changed = true;
          }
          break;
        }
      }
    }
  }

  // ---- resolve ---------------------------------------------------------------

  private resolve(): void {
    const syms = this.s.symbols;
    const { hostIds } = this.maps;
    // Each batch definition's symbol index points at the winning definition of its name.
    // gcc's `foo.localalias` (-fno-semantic-interposition) must reach foo's entry too, or its callers would never see a reload.
    const entriesByInput = new Map<number, Map<string, LinkSymId>>();
    for (const e of this.entries) {
      let m = entriesByInput.get(e.input);
      if (!m) entriesByInput.set(e.input, (m = new Map()));
      m.set(`${e.name}.localalias`, e.entry);
    }
    for (const [inputId, aliases] of entriesByInput) {
      const input = this.s.inputs[inputId]!;
      input.obj.symbols.forEach((sym, i) => {
        if (sym.bind === STB_LOCAL && sym.name.endsWith('.localalias')) {
          const entry = aliases.get(sym.name);
          if (entry !== undefined) input.symIds[i] = entry;
        }
      });
    }
    for (const d of this.globalDefs) {
      if (d.weakIgnored) {
        d.input.symIds[d.symIndex] = syms.byName.get(d.name)!;
        continue;
      }
      const win = this.pending.get(d.name)!;
      d.input.symIds[d.symIndex] = win.id;
    }
    for (const def of this.pending.values()) if (def.common) this.commons.push(def);

    const wantedRuns = new Set<string>();
    for (const ref of this.refs) {
      const ss = startStopSection(ref.name);
      if (ss && !this.pending.has(ref.name) && !syms.byName.has(ref.name) && !this.s.aliases.has(ref.name)) wantedRuns.add(ss.section);
    }
    this.runs = collectRuns(this.inputs, wantedRuns, sectionClass, (sec) => sec.sh_type === SHT_NOBITS);

    const missing = new Map<string, Set<string>>();
    for (const ref of this.refs) {
      const alias = this.s.aliases.get(ref.name);
      let id = alias !== undefined ? this.pending.get(alias)?.id ?? syms.byName.get(alias) : undefined;
      id ??= this.pending.get(ref.name)?.id ?? syms.byName.get(ref.name);
      if (id === undefined) id = this.startStopSymbol(ref);
      if (id === undefined && ref.name === '_GLOBAL_OFFSET_TABLE_') {
        if (this.gotSymId < 0) this.gotSymId = syms.add('_GLOBAL_OFFSET_TABLE_', 0, 0, SymKind.Image, STT_OBJECT, STB_LOCAL, -1, ref.input.generation);
        id = this.gotSymId;
      }
      if (id === undefined) id = hostIds.get(ref.name);
      if (id === undefined) {
        const addr = this.s.host.lookup(ref.name);
        if (addr) {
          id = syms.add(ref.name, addr, 0, SymKind.Host, STT_NOTYPE, STB_GLOBAL, -1, ref.input.generation);
          hostIds.set(ref.name, id);
        }
      }
      if (id === undefined && ref.weak) {
        // A weak undefined symbol that nothing defines is 0 (for this reference only: a later batch may define it).
        id = syms.add(ref.name, 0, 0, SymKind.Null, STT_NOTYPE, STB_WEAK, -1, ref.input.generation);
      }
      if (id === undefined) {
        let set = missing.get(ref.name);
        if (!set) missing.set(ref.name, (set = new Set()));
        set.add(ref.input.file);
        continue;
      }
      ref.input.symIds[ref.symIndex] = id;
    }
    if (missing.size) {
      const lines = [...missing].map(([name, files]) => `  ${name}, referenced by ${[...files].join(', ')}`);
      throw new HotlinkError('unresolved', `undefined symbol${missing.size > 1 ? 's' : ''} (not in the image, the -l libraries, libc or the process):\n${lines.join('\n')}`);
    }
  }

  /** The symbol for a __start_X / __stop_X reference: this batch's run of sections X, else the image's latest run (startstop.ts). */
  private startStopSymbol(ref: Reference): LinkSymId | undefined {
    const ss = startStopSection(ref.name);
    if (!ss) return undefined;
    const run = this.runs.get(ss.section);
    if (!run) return this.maps.startStop.added.get(ref.name) ?? this.maps.startStop.get(ref.name);
    if (run.cls === SegClass.TLS) {
      const m = run.members.find((x) => x.input.obj.sections[x.sec.index]!.sh_flags & SHF_TLS) ?? run.members[0]!;
      throw new HotlinkError('unsupported', `${m.input.file}: section ${ss.section} holds __thread data; __start_${ss.section} / __stop_${ss.section} over TLS sections are not supported`);
    }
    const syms = this.s.symbols;
    if (run.startId < 0) {
      run.startId = syms.add(`__start_${ss.section}`, 0, 0, SymKind.Image, STT_NOTYPE, STB_LOCAL, -1, ref.input.generation);
      run.stopId = syms.add(`__stop_${ss.section}`, 0, 0, SymKind.Image, STT_NOTYPE, STB_LOCAL, -1, ref.input.generation);
      this.maps.startStop.set(`__start_${ss.section}`, run.startId);
      this.maps.startStop.set(`__stop_${ss.section}`, run.stopId);
    }
    return ss.stop ? run.stopId : run.startId;
  }

  // ---- scan ----------------------------------------------------------------------

  private scan(): void {
    const arch = this.s.arch;
    const syms = this.s.symbols;
    const wantGot = new Set<LinkSymId>();
    const wantStub = new Set<LinkSymId>();
    const wantPair = new Set<LinkSymId>();
    const wantLd = new Set<number>();
    this.s.copies.begin();
    const imageRef = this.s.arena?.base ?? this.s.base ?? ARENA_HINTS[0]!;
    for (const input of this.inputs) {
      const { obj } = input;
      input.relas = new Map();
      const routing = this.routes(input);
      for (const sec of obj.sections) {
        if (sec.relaIndex < 0 || input.discarded[sec.index] || sectionClass(sec) < 0) continue;
        const t = obj.relocations(sec.relaIndex);
        input.relas.set(sec.index, t);
        this.relocTotal += t.count;
        const code = obj.contents(sec);
        for (let r = 0; r < t.count; r++) {
          const type = t.r_type[r]!;
          const info = arch.relocInfo(type);
          if (!info) throw this.relocError(input, sec, t.r_offset[r]!, t.r_sym[r]!, arch.unsupportedReason(type) ?? `unknown relocation type ${type} (${hex(type)}) for ${arch.name}`);
          if (t.r_offset[r]! + info.width > sec.sh_size) {
            throw this.relocError(input, sec, t.r_offset[r]!, t.r_sym[r]!, `${info.name}: the ${info.width}-byte field at ${hex(t.r_offset[r]!)} runs past the end of the section (size ${hex(sec.sh_size)})`, 'malformed-input');
          }
          const id = (routing ? this.route(input, sec.index, t, r)?.[0] : undefined) ?? input.symIds[t.r_sym[r]!]!;
          if (id < 0 || syms.kind[id] === SymKind.Discarded) {
            if (info.need === RelocNeed.None) continue;
            throw this.relocError(input, sec, t.r_offset[r]!, t.r_sym[r]!, 'the target symbol is undefined or lives in a discarded section');
          }
          switch (info.need) {
            case RelocNeed.Got:
              if (!syms.got.has(id)) wantGot.add(id);
              if (syms.kind[id] === SymKind.Host && !syms.stub.has(id) && this.hostFunction(id)) wantStub.add(id);
              break;
            case RelocNeed.GotRelaxable:
              if (syms.kind[id] === SymKind.Image && arch.canRelax(type, code, t.r_offset[r]!)) break;
              if (!syms.got.has(id)) wantGot.add(id);
              if (syms.kind[id] === SymKind.Host && !syms.stub.has(id) && this.hostFunction(id)) wantStub.add(id);
              break;
            case RelocNeed.Plt:
              if (syms.kind[id] === SymKind.Host && !syms.stub.has(id)) wantStub.add(id);
              break;
            case RelocNeed.PcRel:
            case RelocNeed.Abs:
              // Like a native canonical PLT entry, a far host function's stub is its address in the image.
              if (syms.kind[id] === SymKind.Host && !syms.stub.has(id) && this.hostFunction(id)) wantStub.add(id);
              else if (syms.kind[id] === SymKind.Host && !this.hostFunction(id)) {
                // Far host data reached by a 32-bit field: a copy in the image, as ld makes for an executable.
                const why = this.s.copies.want(syms, id, info.width, info.need === RelocNeed.PcRel, imageRef, arch.pcRelReach);
                if (why) throw this.relocError(input, sec, t.r_offset[r]!, t.r_sym[r]!, `${info.name}: ${why}`);
              }
              break;
            case RelocNeed.TlsGd:
              if (syms.kind[id] !== SymKind.Tls) throw this.relocError(input, sec, t.r_offset[r]!, t.r_sym[r]!, `${info.name} against a symbol that is not __thread data in the image`);
              if (!syms.tlsPair.has(id)) wantPair.add(id);
              break;
            case RelocNeed.TlsLd:
              wantLd.add(input.id);
              break;
            default:
              break;
          }
        }
      }
    }
    for (const id of this.ifuncIds) wantStub.add(id); // an indirect function's address is its stub
    this.gotIds = [...wantGot];
    this.stubIds = [...wantStub];
    this.tlsPairIds = [...wantPair];
    this.tlsLdModules = [...wantLd];
  }

  /** Is host symbol `id` a function (so its stub stands for its address)? Data in the host executable never is. */
  private hostFunction(id: LinkSymId): boolean {
    const { hostFunc } = this.maps;
    let f = hostFunc.get(id);
    if (f === undefined) hostFunc.set(id, (f = this.s.host.isFunction(this.s.symbols.addr[id]!)));
    return f;
  }

  private relocError(input: LinkInput, sec: ElfSection, offset: number, symIndex: number, why: string, kind: 'relocation' | 'malformed-input' = 'relocation'): HotlinkError {
    const sym = input.obj.symbols[symIndex];
    const name = sym ? (sym.name || `symbol ${symIndex}`) : `symbol ${symIndex}`;
    return new HotlinkError(kind, `${input.file}: ${sec.name}+${hex(offset)}: relocation against '${name}': ${why}`);
  }

  // ---- layout --------------------------------------------------------------------

  private layout(): void {
    const s = this.s;
    const arch = s.arch;
    // Relative offsets from the current cursor of each class.
    const used = [0, 0, 0, 0];
    // The batch start of each class is aligned to the largest alignment placed in it (offsets are relative to it).
    const maxAlign = [16, 16, 64, 64];
    const place = (cls: number, size: number, align: number): number => {
      const off = alignUp(used[cls]!, Math.max(1, align));
      used[cls] = off + size;
      maxAlign[cls] = Math.max(maxAlign[cls]!, align);
      return off;
    };
    const relOff: { input: LinkInput; sec: ElfSection; cls: number; off: number }[] = [];
    const tlsSecs: { input: LinkInput; sec: ElfSection }[] = [];
    // Sections named X of a __start_X/__stop_X run are placed together, where the first of them would be.
    const runOf = new Map<ElfSection, StartStopRun>();
    for (const run of this.runs.values()) if (run.startId >= 0) for (const m of run.members) runOf.set(m.sec, run);
    for (const nobits of [false, true]) {
      for (const input of this.inputs) {
        for (const sec of input.obj.sections) {
          const cls = sectionClass(sec);
          if (cls < 0 || input.discarded[sec.index]) continue;
          const run = runOf.get(sec);
          if (run) {
            if (run.placed || run.nobits !== nobits) continue;
            run.placed = true;
            run.members.forEach((m, k) => {
              if (!isAlignment(m.sec.sh_addralign)) throw new HotlinkError('malformed-input', `${m.input.file}: section ${m.sec.name} [${m.sec.index}] has alignment ${m.sec.sh_addralign}, not a power of two`);
              const off = place(run.cls, m.sec.sh_size, m.sec.sh_addralign);
              relOff.push({ input: m.input, sec: m.sec, cls: run.cls, off });
              if (k === 0) run.start = off;
              run.end = off + m.sec.sh_size;
            });
            continue;
          }
          if ((sec.sh_type === SHT_NOBITS) !== nobits) continue;
          if (!isAlignment(sec.sh_addralign)) throw new HotlinkError('malformed-input', `${input.file}: section ${sec.name} [${sec.index}] has alignment ${sec.sh_addralign}, not a power of two`);
          if (cls === SegClass.TLS) {
            tlsSecs.push({ input, sec });
            continue;
          }
          relOff.push({ input, sec, cls, off: place(cls, sec.sh_size, sec.sh_addralign) });
        }
      }
    }
    // TLS: this batch's .tdata then .tbss form one module image.
    let tlsRel = 0;
    const tlsOffsets: number[] = [];
    if (tlsSecs.length) {
      let size = 0;
      for (const { sec } of tlsSecs) {
        this.tlsAlign = Math.max(this.tlsAlign, sec.sh_addralign || 1);
        size = alignUp(size, sec.sh_addralign || 1);
        tlsOffsets.push(size);
        size += sec.sh_size;
      }
      this.tlsSize = size;
      tlsRel = place(SegClass.TLS, size, this.tlsAlign);
    }
    const commonOffs = this.commons.map((c) => place(SegClass.RW, c.commonSize, c.commonAlign));
    const stubOff = place(SegClass.RX, this.stubIds.length * arch.stubSize, 16);
    const entryOff = place(SegClass.RX, this.entries.length * arch.entrySize, 16);
    const slotOff = place(SegClass.RW, this.entries.length * 8, 8);
    const gotOff = place(SegClass.R, this.gotIds.length * 8 + (this.tlsPairIds.length + this.tlsLdModules.length) * 16, 16);
    const copyOff = place(SegClass.RW, s.copies.size, s.copies.align);
    const cellOff = place(SegClass.R, this.ifuncIds.length * 8, 8);

    if (!s.arena) this.reserveArena(used, maxAlign);
    for (let c = 0; c < SEG_CLASS_COUNT; c++) {
      const range = s.classes[c]!;
      const start = alignUp(range.cursor, c === SegClass.RX && s.privateCodeView ? Math.max(maxAlign[c]!, PAGE_SIZE) : maxAlign[c]!);
      this.batchStart[c] = start;
      if (start + used[c]! > range.limit) {
        const name = SEG_CLASS_NAMES[c];
        throw new HotlinkError('capacity', `the ${name} segment class is full: this link needs ${hex(used[c]!)} bytes aligned to ${hex(maxAlign[c]!)} at cursor ${hex(range.cursor)}, but the class ends at ${hex(range.limit)} (${hex(range.limit - range.start)} reserved); reserve more with --reserve-${name.toLowerCase()}`);
      }
      this.placedBytes[c] = used[c]!;
    }
    // Addresses.
    for (const p of relOff) {
      p.input.sectionAddr[p.sec.index] = this.batchStart[p.cls]! + p.off;
      p.input.sectionClass[p.sec.index] = p.cls;
    }
    if (tlsSecs.length) {
      this.checkTlsModuleRoom(s.tlsModuleCount + 1, tlsSecs.map((t) => t.input));
      this.tlsModule = ++s.tlsModuleCount;
      this.tlsStart = alignUp(this.batchStart[SegClass.TLS]! + tlsRel, this.tlsAlign);
      tlsSecs.forEach(({ input, sec }, k) => {
        input.sectionAddr[sec.index] = this.tlsStart + tlsOffsets[k]!;
        input.sectionClass[sec.index] = SegClass.TLS;
        input.tlsModule = this.tlsModule;
      });
    }
    const syms = s.symbols;
    for (const run of this.runs.values()) {
      if (run.startId < 0) continue;
      syms.addr[run.startId] = this.batchStart[run.cls]! + run.start;
      syms.addr[run.stopId] = this.batchStart[run.cls]! + run.end;
    }
    this.commons.forEach((c, k) => (syms.addr[c.id] = this.batchStart[SegClass.RW]! + commonOffs[k]!));
    s.copies.place(this.batchStart[SegClass.RW]! + copyOff, syms);
    for (let k = 0; k < this.placedSyms.length; k += 3) {
      const id = this.placedSyms[k]!;
      const input = s.inputs[this.placedSyms[k + 1]!]!;
      const sym = input.obj.symbols[this.placedSyms[k + 2]!]!;
      if (sym.shndx === SHN_COMMON) continue;
      const secAddr = input.sectionAddr[sym.shndx]!;
      if (secAddr < 0) {
        // A symbol in a section we do not load (debug info, notes): keep it out of the image.
        syms.kind[id] = SymKind.Discarded;
        continue;
      }
      if (syms.kind[id] === SymKind.Tls) {
        syms.addr[id] = secAddr - this.tlsStart + sym.st_value;
        syms.tlsModule[id] = this.tlsModule;
      } else if (sym.type === STT_TLS || input.sectionClass[sym.shndx] === SegClass.TLS) {
        syms.kind[id] = SymKind.Tls;
        syms.addr[id] = secAddr - this.tlsStart + sym.st_value;
        syms.tlsModule[id] = this.tlsModule;
      } else {
        syms.addr[id] = secAddr + sym.st_value;
      }
    }
    const stubStart = this.batchStart[SegClass.RX]! + stubOff;
    this.stubIds.forEach((id, k) => {
      syms.stub.set(id, stubStart + k * arch.stubSize);
      this.txn.stubs.push(id);
    });
    this.gotBase = this.batchStart[SegClass.R]! + gotOff;
    this.gotIds.forEach((id, k) => {
      syms.got.set(id, this.gotBase + k * 8);
      this.txn.got.push(id);
    });
    const pairStart = this.gotBase + this.gotIds.length * 8;
    this.tlsPairIds.forEach((id, k) => {
      syms.tlsPair.set(id, pairStart + k * 16);
      this.txn.tlsPairs.push(id);
    });
    const { tlsLdPair } = this.maps;
    this.tlsLdModules.forEach((inputId, k) => {
      const mod = s.inputs[inputId]!.tlsModule;
      if (!tlsLdPair.has(mod)) tlsLdPair.set(mod, pairStart + (this.tlsPairIds.length + k) * 16);
    });
    if (this.gotSymId >= 0) syms.addr[this.gotSymId] = this.gotBase;
    // An indirect function: its value was the resolver; its address is now the stub (`jmp *cell`).
    for (const id of this.ifuncIds) {
      if (syms.kind[id] !== SymKind.Image) continue; // in a section that is not loaded
      const input = s.inputs[syms.input[id]!]!;
      this.ifuncs.push({ id, name: syms.name[id]!, file: input.file, resolver: syms.addr[id]!, cell: this.batchStart[SegClass.R]! + cellOff + this.ifuncs.length * 8 });
      this.maps.ifuncCell.set(id, this.ifuncs[this.ifuncs.length - 1]!.cell);
      syms.addr[id] = syms.stub.get(id)!;
    }
    for (const input of this.inputs) {
      for (const [i, live] of this.opts.units?.get(input.obj)?.reresolve ?? []) {
        const sym = input.obj.symbols[i]!;
        const base = input.sectionAddr[sym.shndx]!;
        const cell = this.maps.ifuncCell.get(live);
        if (base >= 0 && cell !== undefined) this.ifuncs.push({ id: live, name: sym.name, file: input.file, resolver: base + sym.st_value, cell, live: true });
      }
    }
    this.entryStart = this.batchStart[SegClass.RX]! + entryOff;
    this.slotStart = this.batchStart[SegClass.RW]! + slotOff;
    this.entries.forEach((e, k) => (syms.addr[e.entry] = this.entryStart + k * arch.entrySize));
    for (let c = 0; c < SEG_CLASS_COUNT; c++) s.classes[c]!.cursor = this.batchStart[c]! + used[c]!;
  }

  /** The runtime's descriptor table (`__hotlink_tls_modules`, 24-byte entries) is fixed-size; module ids start at 1. */
  private checkTlsModuleRoom(module: number, inputs: LinkInput[]): void {
    const name = '__hotlink_tls_modules';
    const table = this.s.symbols.byName.get(name) ?? this.pending.get(name)?.id;
    if (table === undefined) return; // copy() reports the missing runtime
    const entries = Math.floor(this.s.symbols.size[table]! / 24);
    if (module < entries) return;
    let what = 'its __thread data';
    for (const input of inputs) {
      const tls = input.obj.symbols.filter((x) => x.type === STT_TLS && x.name !== '');
      const sym = tls.find((x) => x.bind !== STB_LOCAL) ?? tls[0];
      if (sym) {
        what = `${input.file}: __thread symbol '${sym.name}'`;
        break;
      }
    }
    throw new HotlinkError('capacity', `${what} would be TLS module ${module}, but the runtime's module table ${name} has ${entries} entries (modules 1..${entries - 1}): at most ${entries - 1} linked batches can define __thread data`);
  }

  /** Initial link: one contiguous arena, each class sized to its initial bytes plus its append budget. */
  private reserveArena(used: number[], maxAlign: number[]): void {
    const s = this.s;
    const budget = [s.reserve.rx, s.reserve.r, s.reserve.tls, s.reserve.rw];
    // Class starts are page-aligned; a larger alignment needs room to move the batch start up.
    const sizes = used.map((u, c) => alignUp(u + 64 + Math.max(0, maxAlign[c]! - PAGE_SIZE), PAGE_SIZE) + alignUp(budget[c]!, PAGE_SIZE));
    const shared = sizes[0]! + sizes[1]! + sizes[2]!;
    const total = shared + sizes[3]!;
    if (total >= 0x7fff0000) {
      throw new HotlinkError('capacity', `the image needs ${hex(total)} bytes of address space, more than the 2 GiB that PC-relative references can span; reserve less`);
    }
    const arena = Arena.reserve(total, shared, s.base !== undefined ? [s.base] : ARENA_HINTS, s.base === undefined, s.anonymousImage, s.privateCodeView);
    if (s.base !== undefined && arena.base !== s.base) throw new HotlinkError('memory', `cannot place the image at ${hex(s.base)}: the range is in use`);
    s.arena = arena;
    let at = arena.base;
    for (let c = 0; c < SEG_CLASS_COUNT; c++) {
      s.classes.push({ start: at, limit: at + sizes[c]!, cursor: at, dirty: at });
      at += sizes[c]!;
    }
    this.txn.cursors = s.classes.map((c) => c.cursor);
    this.txn.reservedArena = true;
  }

  // ---- copy ------------------------------------------------------------------------

  private copy(): void {
    const s = this.s;
    const arena = s.arena!;
    const arch = s.arch;
    const syms = s.symbols;
    // Commit the private (RW) pages this batch reaches; shared pages are written through the alias.
    const rwStart = this.batchStart[SegClass.RW]!;
    if (this.placedBytes[SegClass.RW]) arena.protect(rwStart, this.placedBytes[SegClass.RW]!, PROT_READ | PROT_WRITE);
    // Zero what a rolled-back batch may have left below the dirty mark (fresh pages are zero already), then copy.
    for (let c = 0; c < SEG_CLASS_COUNT; c++) {
      const range = s.classes[c]!;
      const start = this.batchStart[c]!;
      const end = Math.min(range.dirty, start + this.placedBytes[c]!);
      if (end > start) arena.writable(start, end - start).fill(0);
      range.dirty = Math.max(range.dirty, start + this.placedBytes[c]!);
    }
    for (const input of this.inputs) {
      const { obj } = input;
      for (const sec of obj.sections) {
        const addr = input.sectionAddr[sec.index]!;
        if (addr < 0 || sec.sh_type === SHT_NOBITS || sec.sh_size === 0) continue;
        arena.writable(addr, sec.sh_size).set(obj.contents(sec));
      }
    }
    if (this.tlsModule) {
      // The descriptor lives in the runtime's table; a TLS batch needs the runtime in the image.
      const table = s.lookup('__hotlink_tls_modules') ?? this.pendingAddr('__hotlink_tls_modules');
      if (table === undefined) throw new HotlinkError('unsupported', `__thread data needs hotlink's runtime in the image (symbol __hotlink_tls_modules is missing)`);
      const v = new DataView(new ArrayBuffer(24));
      v.setBigUint64(0, BigInt(this.tlsStart), true);
      v.setBigUint64(8, BigInt(this.tlsSize), true);
      v.setBigUint64(16, BigInt(this.tlsAlign), true);
      this.tlsDescriptor = { at: table + this.tlsModule * 24, bytes: new Uint8Array(v.buffer) };
    }
    // GOT entries, TLS pairs, stubs.
    const got = this.gotIds;
    if (got.length || this.tlsPairIds.length || this.tlsLdModules.length) {
      const mem = arena.writable(this.gotBase, got.length * 8 + (this.tlsPairIds.length + this.tlsLdModules.length) * 16);
      const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
      got.forEach((id, k) => dv.setBigUint64(k * 8, BigInt((syms.kind[id] === SymKind.Host ? syms.stub.get(id) : undefined) ?? syms.addr[id]!), true));
      let o = got.length * 8;
      for (const id of this.tlsPairIds) {
        dv.setBigUint64(o, BigInt(syms.tlsModule[id]!), true);
        dv.setBigUint64(o + 8, BigInt(syms.addr[id]!), true);
        o += 16;
      }
      for (const inputId of this.tlsLdModules) {
        dv.setBigUint64(o, BigInt(s.inputs[inputId]!.tlsModule), true);
        dv.setBigUint64(o + 8, 0n, true);
        o += 16;
      }
    }
    const cellOf = new Map(this.ifuncs.map((f) => [f.id, f.cell]));
    for (const id of this.stubIds) {
      const at = syms.stub.get(id)!;
      const cell = cellOf.get(id);
      if (cell !== undefined) arch.writeEntry(arena.writable(at, arch.stubSize), 0, at, cell); // jmp *cell, the cell 0 until resolved
      else arch.writeStub(arena.writable(at, arch.stubSize), 0, at, syms.addr[id]!);
    }
    this.entries.forEach((e, k) => {
      const entry = this.entryStart + k * arch.entrySize;
      const slot = this.slotStart + k * 8;
      arch.writeEntry(arena.writable(entry, arch.entrySize), 0, entry, slot);
      const cell = arena.writable(slot, 8);
      new DataView(cell.buffer, cell.byteOffset, 8).setBigUint64(0, BigInt(syms.addr[e.body]!), true);
    });
  }

  private tlsDescriptor: { at: number; bytes: Uint8Array } | undefined;

  private pendingAddr(name: string): number | undefined {
    const d = this.pending.get(name);
    return d ? this.s.symbols.addr[d.id] : undefined;
  }

  // ---- fixup ---------------------------------------------------------------------

  private fixup(): void {
    const s = this.s;
    const arena = s.arena!;
    const arch = s.arch;
    const syms = s.symbols;
    const { addr, kind, size } = syms;
    const relocs = s.relocs;
    relocs.reserve(this.relocTotal);
    const { tlsLdPair } = this.maps;
    const v: FixupValues = { S: 0, A: 0, P: 0, G: 0, GOT: this.gotBase, Z: 0 };
    for (const input of this.inputs) {
      const { obj, symIds } = input;
      const routing = this.routes(input);
      for (const [secIndex, t] of input.relas!) {
        const sec = obj.sections[secIndex]!;
        const base = input.sectionAddr[secIndex]!;
        const mem = sec.sh_type === SHT_NOBITS ? undefined : arena.writable(base, sec.sh_size);
        if (!mem) throw this.relocError(input, sec, 0, 0, 'relocations against a NOBITS section');
        const first = relocs.count;
        for (let r = 0; r < t.count; r++) {
          const type = t.r_type[r]!;
          const off = t.r_offset[r]!;
          const info = arch.relocInfo(type)!;
          if (info.need === RelocNeed.None) continue;
          const routed = routing ? this.route(input, secIndex, t, r) : undefined;
          const id = routed ? routed[0] : symIds[t.r_sym[r]!]!;
          const P = base + off;
          let S = addr[id]!;
          v.A = routed ? routed[1] : t.r_addend[r]!;
          v.P = P;
          v.G = 0;
          v.Z = size[id]!;
          const k = kind[id]!;
          let err: string | undefined;
          if (k === SymKind.Host) S = syms.stub.get(id) ?? S; // a host function's address in the image is its stub
          switch (info.need) {
            case RelocNeed.PcRel:
              if (k === SymKind.Host && info.width < 8 && Math.abs(S + v.A - P) > arch.pcRelReach) {
                throw this.relocError(input, sec, off, t.r_sym[r]!, `${info.name}: host data symbol at ${hex(S)} is out of reach of the image at ${hex(P)} (±2 GiB); only a copy in the host executable can be reached PC-relatively — compile with -fPIC`);
              }
              break;
            case RelocNeed.Abs:
              if (k === SymKind.Host && info.width === 4) {
                const err4 = arch.apply(type, mem, off, { ...v, S });
                if (err4) throw this.relocError(input, sec, off, t.r_sym[r]!, `${info.name}: ${err4}; a 32-bit absolute reference (-fno-pic code) cannot reach host data — compile with -fPIC`);
                relocs.push(P, type, info.width, id, v.A, input.id, secIndex);
                continue;
              }
              break;
            case RelocNeed.Got:
              v.G = syms.got.get(id)!;
              break;
            case RelocNeed.GotRelaxable: {
              const g = syms.got.get(id);
              if (g === undefined || (k === SymKind.Image && arch.canRelax(type, mem, off))) {
                v.S = S;
                err = arch.applyRelaxed(type, mem, off, v);
                if (err) throw this.relocError(input, sec, off, t.r_sym[r]!, `${info.name}: ${err}`);
                relocs.push(P, type, info.width, id, v.A, input.id, secIndex);
                continue;
              }
              v.G = g;
              break;
            }
            case RelocNeed.TlsGd:
              v.G = syms.tlsPair.get(id)!;
              break;
            case RelocNeed.TlsLd:
              v.G = tlsLdPair.get(input.tlsModule)!;
              break;
            case RelocNeed.DtpOff:
              if (k !== SymKind.Tls) throw this.relocError(input, sec, off, t.r_sym[r]!, `${info.name} against a symbol that is not __thread data`);
              break;
            default:
              break;
          }
          if (k === SymKind.Tls && info.need !== RelocNeed.DtpOff && info.need !== RelocNeed.TlsGd && info.need !== RelocNeed.TlsLd && info.need !== RelocNeed.Size) {
            throw this.relocError(input, sec, off, t.r_sym[r]!, `${info.name} against __thread data; only TLS relocations may reference it`);
          }
          v.S = S;
          err = arch.apply(type, mem, off, v);
          if (err) throw this.relocError(input, sec, off, t.r_sym[r]!, `${info.name}: ${err}`);
          relocs.push(P, type, info.width, id, v.A, input.id, secIndex);
        }
        s.patchSites.noteSection(input.id, secIndex, first, relocs.count);
      }
      input.relas = undefined;
    }
    relocs.touchedByLastBatch = relocs.count - this.txn.relocCount;
  }

  // ---- resolve-ifunc -------------------------------------------------------------

  /**
   * Runs each indirect function's resolver (ifunc.ts) on the relocated,
   * protected batch, as the loader does for IRELATIVE before constructors,
   * and stores the answer in the function's cell. A resolver that crashes,
   * returns 0 or returns something that is not code fails the batch.
   */
  private resolveIndirect(): void {
    if (!this.ifuncs.length) return;
    const s = this.s;
    const arena = s.arena!;
    this.protect();
    const at = (n: string): number | undefined => s.lookup(n) ?? this.pendingAddr(n);
    const call = at('__hotlink_guarded_call');
    const guard: CallGuard | undefined = call === undefined ? undefined : { call, target: at('__hotlink_call_target')!, crashed: at('__hotlink_call_crashed')!, crash: at('__hotlink_crash')! };
    const rx = s.classes[SegClass.RX]!;
    const isCode = (a: number): boolean => (a >= rx.start && a < rx.cursor) || (this.classOf(a) < 0 && s.host.isFunction(a));
    try {
      for (const f of this.ifuncs) {
        const target = resolveIndirect(f, guard, isCode);
        if (f.live) this.liveCells.push([f.cell, target]);
        else storeCell(arena.writable(f.cell, 8), target);
      }
    } catch (e) {
      // The guard's first call installed signal handlers from this image: an initial link that fails unmaps it.
      const release = this.txn.reservedArena && guard ? at('__hotlink_release') : undefined;
      if (release !== undefined) callNative(release, 'void (void)');
      throw e;
    }
  }

  /** Protect the batch: code RX, read-only data R, TLS image R. Data pages are already RW. */
  private protect(): void {
    const s = this.s;
    for (const c of [SegClass.RX, SegClass.R, SegClass.TLS]) {
      const start = this.batchStart[c]!;
      const end = s.classes[c]!.cursor;
      if (end > start) {
        s.arena!.protect(start, end - start, CLASS_PROT[c]!);
        if (c === SegClass.RX) s.arch.flushICache(start, end - start);
      }
    }
  }

  // ---- publish ---------------------------------------------------------------------

  private publish(generation: number): BatchResult {
    const s = this.s;
    const arena = s.arena!;
    const syms = s.symbols;
    s.copies.commit(arena, syms, s.relocs, s.patchSites, this.txn.relocCount, this.txn.symbolCount, (type, width) => width === 8 && s.arch.relocInfo(type)?.need === RelocNeed.Abs);
    if (this.tlsDescriptor) arena.writable(this.tlsDescriptor.at, 24).set(this.tlsDescriptor.bytes);
    // Init/fini arrays, read back after relocation, in link order.
    const arrays: { kind: number; prio: number; order: number; addr: number; size: number; reverse: boolean }[] = [];
    let order = 0;
    for (const input of this.inputs) {
      for (const sec of input.obj.sections) {
        const addr = input.sectionAddr[sec.index]!;
        if (addr < 0) continue;
        const ctors = /^\.(ctors|dtors)(\.\d+)?$/.exec(sec.name);
        let kind = -1;
        if (sec.sh_type === SHT_PREINIT_ARRAY || sec.name === '.preinit_array') kind = 0;
        else if (sec.sh_type === SHT_INIT_ARRAY || /^\.init_array(\.\d+)?$/.test(sec.name) || ctors?.[1] === 'ctors') kind = 1;
        else if (sec.sh_type === SHT_FINI_ARRAY || /^\.fini_array(\.\d+)?$/.test(sec.name) || ctors?.[1] === 'dtors') kind = 2;
        if (kind < 0) continue;
        arrays.push({ kind, prio: arrayPriority(sec.name), order: order++, addr, size: sec.sh_size, reverse: !!ctors });
      }
    }
    arrays.sort((a, b) => a.kind - b.kind || a.prio - b.prio || a.order - b.order);
    const lists: number[][] = [[], [], []];
    for (const a of arrays) {
      const mem = arena.writable(a.addr, a.size);
      const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
      const fns: number[] = [];
      for (let o = 0; o + 8 <= a.size; o += 8) {
        const f = Number(dv.getBigUint64(o, true));
        if (f !== 0 && f !== 2 ** 64 - 1) fns.push(f);
      }
      if (a.reverse) fns.reverse();
      lists[a.kind]!.push(...fns);
    }
    this.protect();
    // Publish names and the address index.
    const defined: string[] = [];
    for (const [name, def] of this.pending) {
      syms.byName.set(name, def.id);
      defined.push(name);
    }
    for (let id = this.txn.symbolCount; id < syms.count; id++) {
      const k = syms.kind[id];
      if (k !== SymKind.Image) continue;
      const t = syms.type[id];
      if (t === STT_SECTION || syms.name[id] === '' || syms.input[id]! < 0) continue;
      if (syms.bind[id] === STB_LOCAL && syms.name[id]!.startsWith('.L')) continue; // assembler temporaries (.LC0 in mergeable sections): ld drops them too
      if (t !== STT_FUNC && t !== STT_OBJECT && t !== STT_NOTYPE) continue;
      const a = syms.addr[id]!;
      const cls = this.classOf(a);
      if (cls >= 0) this.addrIndex().add(cls, a, id);
    }
    for (const id of this.stubIds) this.addrIndex().add(SegClass.RX, syms.stub.get(id)!, -1 - id);
    this.entries.forEach((e, k) => {
      const input = s.inputs[e.input]!;
      const key = input.unit ?? input.file;
      const f: LinkReloadFunc = {
        name: e.name,
        entryId: e.entry,
        entryAddr: this.entryStart + k * s.arch.entrySize,
        slotAddr: this.slotStart + k * 8,
        bodies: [e.body],
        current: 0,
        unit: key,
        local: e.local,
        sources: [{ input: e.input, sym: e.sym }],
      };
      if (!e.local) s.reloadFuncs.set(e.name, f);
      this.unitOf(key, e.input).funcs.set(e.name, f);
    });
    for (const input of this.unitInputs) this.unitOf(input.unit ?? input.file, input.id); // data-only units too
    for (const [cell, target] of this.liveCells) storeCell(arena.writable(cell, 8), target); // live callers switch here
    s.fini.push(...lists[2]!);
    s.placed = s.inputs.length;
    s.generation = generation;
    let sections = 0;
    for (const input of this.inputs) for (let i = 0; i < input.sectionAddr.length; i++) if (input.sectionAddr[i]! >= 0) sections++;
    return {
      generation,
      inputs: this.inputs,
      defined,
      preinit: lists[0]!,
      init: lists[1]!,
      fini: lists[2]!,
      reloadBodies: this.reloadBodies,
      firstSymbol: this.txn.symbolCount,
      stubs: this.stubIds,
      stats: {
        phases: this.phaseMs,
        inputs: this.inputs.length,
        sections,
        symbols: syms.count - this.txn.symbolCount,
        relocations: this.relocTotal,
        gotEntries: this.gotIds.length,
        stubs: this.stubIds.length,
        bytes: { RX: this.placedBytes[0]!, R: this.placedBytes[1]!, TLS: this.placedBytes[2]!, RW: this.placedBytes[3]! },
      },
    };
  }

  /** The reload unit `key`, created on first use; `input` becomes one of its versions. */
  private unitOf(key: string, input: number): ReloadUnit {
    let u = this.s.units.get(key);
    if (!u) this.s.units.set(key, (u = { key, inputs: [], funcs: new Map() }));
    if (!u.inputs.length || u.inputs[u.inputs.length - 1]! < input) u.inputs.push(input); // input ids only grow
    return u;
  }

  private addrIndex(): AddressIndex {
    return this.s.addrIndex;
  }

  private classOf(a: number): number {
    for (let c = 0; c < SEG_CLASS_COUNT; c++) {
      const r = this.s.classes[c]!;
      if (a >= r.start && a < r.limit) return c;
    }
    return -1;
  }
}

