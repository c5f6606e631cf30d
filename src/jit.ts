// The JIT object over a live image — the library API (the seed's CfreeJit).
// A Jit collects inputs (C sources, objects, archives, -l libraries), links
// them into one LinkSession, and then answers lookups, maps addresses back
// to symbols, calls into the image, or runs the program's main with native
// process semantics. The session stays alive after the link: the append and
// reload issues grow the same image.

import { closeSync, existsSync, fstatSync, openSync, readSync, readdirSync, statSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { extname, relative } from 'node:path';
import { Arch } from './arch/arch.js';
import { hostArch } from './arch/index.js';
import { compileFiles, compileSource, compilerFamily, CompileOptions } from './cc/driver.js';
import { DependencyGraph } from './cc/deps.js';
import { Archive, isArchive } from './elf/archive.js';
import { ElfObject } from './elf/object.js';
import { STB_LOCAL, STT_FUNC } from './elf/elf.js';
import { CrashError, HotlinkError, hex } from './errors.js';
import { CPrototype, parsePrototype } from './memory/proto.js';
import { CType, StructType, typeFromDie } from './dwarf/types.js';
import { DW_AT_declaration, DW_TAG_structure_type, DW_TAG_union_type, DW_ATE_boolean, DW_ATE_float, DW_ATE_signed, DW_ATE_signed_char } from './dwarf/constants.js';
import { findLibrary, HostResolver } from './link/host.js';
import { SEG_CLASS_NAMES } from './link/input.js';
import { BatchResult, BatchStats, IndirectionMode, LinkReloadFunc, LinkSession, ReserveOptions } from './link/session.js';
import { abiSignatureOf, checkAbi, reloadFuncOf, storeSlot } from './link/reload.js';
import { contentDigest, objIndex } from './link/objindex.js';
import { planUnitReload, StaleCode, UnitReloadPlan, VariableChange } from './link/unit.js';
import { ReloadUnit } from './link/session.js';
import { callNative, callPrototype, defineAggregate, ffiPrototype, dladdr, exitImmediately, initialStdioFlags, mapFile, memoryView, restoreInheritedFds, restoreStdio, nativeArgv, nativeArray, registerCallback } from './memory/native.js';
import { DebugView } from './dbg/view.js';
import { unwind } from './dbg/unwind.js';
import { runtimeObject } from './runtime/runtime.js';
import { perfMapFromEnv, writePerfMap } from './perfmap.js';
import { jitdumpFromEnv, writeJitdump } from './jitdump.js';
import { GdbJit, gdbJitFromEnv, tracedNow } from './gdbjit.js';
import { watch as watchFiles, WatchHandle, WatchOptions } from './live/watch.js';

export interface JitOptions {
  /** C compiler command (default $CC, else cc). */
  cc?: string;
  /** Compiler flags for C sources (-I -D -U -O -std -W -f -m …). */
  cflags?: string[];
  /** Libraries to link, as for -lNAME (searched like ld: libraryPaths, then the system dirs). */
  libraries?: string[];
  /** -L directories. */
  libraryPaths?: string[];
  /** Append budgets per segment class. */
  reserve?: ReserveOptions;
  /** Link hotlink's native runtime (program start, TLS, crash guard). Default true. */
  runtime?: boolean;
  /** Where compiler diagnostics go (default: stderr). */
  onDiagnostics?: (text: string) => void;
  /** Place the image at exactly this address (byte-level tests); default: a free low address. */
  base?: number;
  /** 'exported-funcs' makes every global C function reloadable through a stable entry (default 'none'). */
  indirection?: IndirectionMode;
  /**
   * Link the debugger's runtime too (the worker thread and its stop
   * protocol) and route the program's exit/_exit/atexit to it, so the
   * program ending ends the worker, not the process.
   */
  debugRuntime?: boolean;
  /**
   * Link live mode's runtime (hotlink_live.c: the program on a thread of its
   * own, its threads tracked, stop-the-world publication, crash stops) and
   * route the program's pthread_create to it. Used by src/live/.
   */
  liveRuntime?: boolean;
  /**
   * Append `START SIZE name` lines for every function of each published
   * batch (initial link, append, reload bodies `foo$body$N`, entries, stubs)
   * to /tmp/perf-PID.map, so perf names JIT code (src/perfmap.ts). Default:
   * the environment's HOTLINK_PERF_MAP (set and not '0').
   */
  perfMap?: boolean;
  /**
   * Write /tmp/jit-PID.dump (perf's jitdump: code and line tables of every
   * published function) for `perf inject --jit` (src/jitdump.ts). Default:
   * the environment's HOTLINK_JITDUMP.
   */
  jitdump?: boolean;
  /**
   * Register every published batch with gdb's JIT interface (src/gdbjit.ts).
   * Default: HOTLINK_GDB_JIT, or on when the process is being traced (run
   * under gdb) when the Jit is created.
   */
  gdb?: boolean;
}

/** In live mode, the program's pthread_create is the runtime's, so every program thread is known (hotlink_live.c). */
export const LIVE_ALIASES = new Map([['pthread_create', '__hotlink_live_pthread_create']]);

/** One slot store of a publication: the slot now points at `target`. */
export interface SlotStore {
  slot: number;
  target: number;
  /** The function whose slot it is. */
  name: string;
}

/** In a debug session, these libc entry points are the worker runtime's. */
export const DEBUG_ALIASES = new Map([
  ['exit', '__hotlink_dbg_exit'],
  ['_exit', '__hotlink_dbg__exit'],
  ['_Exit', '__hotlink_dbg__exit'],
  ['atexit', '__hotlink_dbg_atexit'],
  ['fork', '__hotlink_dbg_fork'],
  // Every program thread is known, so a stop parks them all (all-stop; hotlink_dbg.c).
  ['pthread_create', '__hotlink_dbg_pthread_create'],
]);

/**
 * The program's sigaction() and signal() are the runtime's: where a handler of
 * hotlink's (the crash guard, the debugger's stop handler) stands in for
 * SIG_DFL, the program sees SIG_DFL (hotlink_rt.c). A target the image does
 * not define falls back to the libc name.
 */
export const RUN_ALIASES = new Map([
  ['sigaction', '__hotlink_sigaction'],
  ['signal', '__hotlink_signal'],
  ['bsd_signal', '__hotlink_signal'],
]);

export interface ReloadOptions {
  /** Skip the ABI signature check (objects without usable DWARF). */
  unchecked?: boolean;
  /** reloadFile(s): aborting while the compiler runs kills it and fails the reload; nothing changes. */
  signal?: AbortSignal;
}

export interface BodyInfo {
  /** Body generation: n in `foo$body$n`. */
  body: number;
  address: number;
  size: number;
}

/** What a reload or rollback published. */
export interface ReloadReport {
  name: string;
  /** The stable entry address (unchanged by reloads). */
  entry: number;
  slot: number;
  old: BodyInfo;
  new: BodyInfo;
  /** Image generation after the change. */
  generation: number;
  /** The ABI signature compared (undefined when unchecked or not derivable). */
  abi?: string;
  /** Relocation sites in the image that reach the function through its entry. */
  callSites: number;
  /** The translation unit (reload unit) the function belongs to. */
  unit?: string;
  /** A static function. */
  local?: boolean;
  /** Why it was swapped although its own code may not have changed (shares a section with, inlined, requested). */
  reason?: string;
}

/** What a reload of one or more translation units did (one transaction). */
export interface FileReloadReport {
  /** The translation units reloaded. */
  units: string[];
  /** Functions whose new body was published. */
  swapped: ReloadReport[];
  /** Functions whose code did not change (their live bodies keep running). */
  unchanged: string[];
  /** Functions new to their unit. */
  added: string[];
  /** Functions no longer in their unit: the old code stays, callers are unaffected. */
  removed: string[];
  /** Variables added (allocated and initialized once) or whose initializer changed (the live value is kept). */
  variables: VariableChange[];
  /** Constructors of the new objects: ran (new ones) or not (the unit ran them before). */
  constructors: { name: string; unit: string; ran: boolean }[];
  /** How old code stays reachable apart from frames already on a stack. */
  stale: StaleCode[];
  /** The reload did not take full effect: `stale` names what stays old. */
  partial: boolean;
  generation: number;
  /** reloadFile: milliseconds compiling, and linking + publishing. */
  timing?: { compileMs: number; linkMs: number };
}

export interface SymbolInfo {
  name: string;
  address: number;
  size: number;
  /** 'function' | 'object' | 'other' */
  type: 'function' | 'object' | 'other';
  global: boolean;
  /** The input that defined it. */
  file: string;
  generation: number;
}

export interface AddrToSym {
  /** The public name (a reloadable function's body `foo$body$1` is reported as `foo`). */
  name: string;
  offset: number;
  file: string;
  /** Image generation that placed the symbol. */
  generation: number;
  /** For a reloadable function's code: which body generation the address is in. */
  body?: number;
  /** For a body: is it the one the slot points at now? */
  active?: boolean;
}

export interface LinkStats extends BatchStats {
  committed: Record<(typeof SEG_CLASS_NAMES)[number], number>;
  /** Milliseconds spent compiling C sources before the link (not part of the link phases). */
  compileMs: number;
}

/** One input of an append batch: a path (.c, .o, .a), C source text, or object bytes. */
export type AppendItem = string | { source: string; name?: string } | { bytes: Uint8Array; name?: string };

export interface AppendedSection {
  file: string;
  name: string;
  address: number;
  size: number;
}

export interface AppendResult {
  generation: number;
  /** Global symbols the batch published. */
  symbols: SymbolInfo[];
  /** Sections the batch placed. */
  sections: AppendedSection[];
  stats: LinkStats;
  /** Relocation records this append created and applied (old records are never touched). */
  relocationsTouched: number;
}

type Pending = { kind: 'c'; path: string } | { kind: 'object'; name: string; bytes: Uint8Array } | { kind: 'source'; name: string; text: string };

export class Jit {
  readonly arch: Arch = hostArch();
  readonly session: LinkSession;
  private readonly opts: JitOptions;
  private readonly pending: Pending[] = [];
  private readonly libraries: string[];
  private linked: BatchResult | undefined;
  private freed = false;
  private initDone = false;
  /** Constructors linked but not yet run (initial link, then each append). */
  private pendingInit: number[] = [];
  /** Which headers each live translation unit read (from the compiler's -MD output). */
  /** Which files each C unit of the image read (from the compiler's dependency output): `reloadFile` of a header. */
  readonly dependencies = new DependencyGraph();
  /**
   * Makes the slot stores of one reload or rollback (all of them, one call).
   * Default: each store is an atomic 8-byte store. Live mode installs one
   * that parks every program thread around them (src/live/).
   */
  publisher: ((stores: SlotStore[]) => void) | undefined;
  /** Writes each published batch to /tmp/perf-PID.map (JitOptions.perfMap). */
  readonly perfMap: boolean;
  /** Registers each published batch with gdb (JitOptions.gdb). */
  readonly gdbJit: GdbJit | undefined;
  /** Told about every published batch (initial link, append, reload): the perf map, jitdump, gdb. */
  readonly publishObservers: ((session: LinkSession, batch: BatchResult) => void)[] = [];

  constructor(opts: JitOptions = {}) {
    this.opts = opts;
    this.perfMap = opts.perfMap ?? perfMapFromEnv();
    const jitdump = opts.jitdump ?? jitdumpFromEnv();
    if (opts.gdb ?? (gdbJitFromEnv() || tracedNow())) this.gdbJit = new GdbJit(opts.cc);
    if (this.perfMap) this.publishObservers.push(writePerfMap);
    if (jitdump) this.publishObservers.push(writeJitdump);
    if (this.gdbJit) this.publishObservers.push(this.gdbJit.observe);
    this.libraries = [...(opts.libraries ?? [])];
    // Alias order: the debugger's pthread_create wins over live mode's; it adopts each thread into live's registry too.
    this.session = new LinkSession({ arch: this.arch, host: new HostResolver(), reserve: opts.reserve, base: opts.base, indirection: opts.indirection, anonymousImage: this.perfMap, privateCodeView: !!this.gdbJit, aliases: new Map([...RUN_ALIASES, ...(opts.liveRuntime ? LIVE_ALIASES : []), ...(opts.debugRuntime ? DEBUG_ALIASES : [])]) });
  }

  /**
   * Tells the publish observers about a batch just published. The batch is
   * live whatever they do: an observer that fails is reported once on
   * stderr and dropped.
   */
  private published(batch: BatchResult): void {
    for (const o of [...this.publishObservers]) {
      try {
        o(this.session, batch);
      } catch (e) {
        this.publishObservers.splice(this.publishObservers.indexOf(o), 1);
        process.stderr.write(`hotlink: warning: ${(e as Error).message} (no longer written)\n`);
      }
    }
  }

  /** Adds an input by path: .c (compiled at link), .o, .a. */
  addFile(path: string): this {
    this.requireUnlinked(`addFile('${path}')`);
    const ext = extname(path);
    if (ext === '.c' || ext === '.i') {
      this.pending.push({ kind: 'c', path });
      return this;
    }
    const bytes = readInput(path);
    if (isArchive(bytes)) this.session.archives.push(new Archive(bytes, path));
    else this.pending.push({ kind: 'object', name: path, bytes });
    return this;
  }

  /** Adds an object already in memory. */
  addObject(bytes: Uint8Array, name = '<object>'): this {
    this.requireUnlinked(`addObject(${name})`);
    if (isArchive(bytes)) this.session.archives.push(new Archive(bytes, name));
    else this.pending.push({ kind: 'object', name, bytes });
    return this;
  }

  /** Adds C source text, compiled at link time. */
  addSource(text: string, name = 'input.c'): this {
    this.requireUnlinked(`addSource(${name})`);
    this.pending.push({ kind: 'source', name, text });
    return this;
  }

  /** Adds -lNAME. */
  addLibrary(name: string): this {
    this.requireUnlinked(`addLibrary('${name}')`);
    this.libraries.push(name);
    return this;
  }

  get generation(): number {
    return this.session.generation;
  }

  /** Compiles pending sources, then links everything into the image. */
  async link(): Promise<LinkStats> {
    if (this.freed) throw new HotlinkError('usage', 'link(): this Jit was freed');
    if (this.linked) throw new HotlinkError('usage', 'this Jit is already linked; use append() to add code');
    const t0 = performance.now();
    const compileOpts = this.compileOptions();
    const cFiles = this.pending.filter((p): p is { kind: 'c'; path: string } => p.kind === 'c').map((p) => p.path);
    const [compiled, runtime, sourceObjs, dbgRuntime, liveRuntime] = await Promise.all([
      compileFiles(cFiles, compileOpts),
      this.opts.runtime === false ? undefined : runtimeObject(this.opts.cc),
      Promise.all(this.pending.filter((p) => p.kind === 'source').map((p) => compileSource((p as { text: string }).text, (p as { name: string }).name, compileOpts))),
      this.opts.debugRuntime ? runtimeObject(this.opts.cc, 'hotlink_dbg.c') : undefined,
      this.opts.liveRuntime ? runtimeObject(this.opts.cc, 'hotlink_live.c') : undefined,
    ]);
    const compileMs = performance.now() - t0;
    for (const c of compiled) this.noteSource(c);
    for (const c of sourceObjs) this.noteSource({ name: c.name, source: c.source });
    return this.linkCompiled(compiled, runtime, sourceObjs, compileMs, dbgRuntime, liveRuntime);
  }

  private linkCompiled(
    compiled: { name: string; bytes: Uint8Array }[],
    runtime: { name: string; bytes: Uint8Array } | undefined,
    sourceObjs: { name: string; bytes: Uint8Array }[],
    compileMs: number,
    dbgRuntime?: { name: string; bytes: Uint8Array },
    liveRuntime?: { name: string; bytes: Uint8Array },
  ): LinkStats {
    const t0 = performance.now();
    const objects: ElfObject[] = [];
    if (runtime) objects.push(new ElfObject(runtime.bytes, RUNTIME_INPUT));
    if (dbgRuntime) objects.push(new ElfObject(dbgRuntime.bytes, DEBUG_RUNTIME_INPUT));
    if (liveRuntime) objects.push(new ElfObject(liveRuntime.bytes, 'hotlink-live-runtime.o'));
    const systemObjects = new Set(objects);
    let ci = 0;
    let si = 0;
    for (const p of this.pending) {
      if (p.kind === 'c') {
        const c = compiled[ci++]!;
        objects.push(new ElfObject(c.bytes, c.name));
      } else if (p.kind === 'object') {
        objects.push(new ElfObject(p.bytes, p.name));
      } else {
        const c = sourceObjs[si++]!;
        objects.push(new ElfObject(c.bytes, c.name));
      }
    }
    // The inputs stay pending until the link succeeds, so a failed link() can be retried after fixing them.
    const archiveCount = this.session.archives.length;
    try {
      for (const lib of [...this.libraries, 'c']) {
        const found = findLibrary(lib, this.opts.libraryPaths ?? []);
        for (const so of found.sharedObjects) this.session.host.addSharedObject(`-l${lib}`, so);
        for (const a of found.archives) this.session.archives.push(systemArchive(a));
      }
      const libgcc = libgccArchive();
      if (libgcc && !this.session.lastResortArchives.length) this.session.lastResortArchives.push(systemArchive(libgcc));
      const readMs = performance.now() - t0;
      this.linked = this.session.linkBatch(objects, readMs, { reloadable: (o) => !systemObjects.has(o) });
      liveImages.add(this);
      this.published(this.linked);
    } catch (e) {
      this.session.archives.length = archiveCount; // the retry adds the libraries' archives again
      throw e;
    }
    this.pending.length = 0;
    const stdioFlags = this.lookup('__hotlink_stdio_flags');
    if (stdioFlags !== undefined) {
      const v = memoryView(stdioFlags, 24);
      initialStdioFlags.forEach((f, fd) => new DataView(v.buffer, v.byteOffset, 24).setBigInt64(fd * 8, BigInt(f), true));
    }
    this.pendingInit.push(...this.linked.preinit, ...this.linked.init);
    return { ...this.linked.stats, committed: this.session.committedBytes(), compileMs };
  }

  /**
   * Appends a batch of inputs to the live image (INCREMENTAL_LINK.md):
   * compiles sources, links the batch against the live globals, the batch
   * itself, archives and the host, places it at the segment cursors and
   * publishes it; then runs the batch's constructors once. Every earlier
   * address stays valid. Transactional: on any error the image is exactly
   * as before and the error is thrown.
   */
  async append(items: AppendItem[]): Promise<AppendResult> {
    this.requireLinked();
    const t0 = performance.now();
    const compileOpts = this.compileOptions();
    const objects: { bytes: Uint8Array; name: string }[] = [];
    const cFiles: { at: number; path: string }[] = [];
    const sources: { at: number; text: string; name: string }[] = [];
    items.forEach((item, at) => {
      if (typeof item === 'string') {
        if (/\.(c|i)$/.test(item)) cFiles.push({ at, path: item });
        else objects[at] = { bytes: readInput(item), name: item };
      } else if ('source' in item) sources.push({ at, text: item.source, name: item.name ?? `append-${this.generation + 1}.c` });
      else objects[at] = { bytes: item.bytes, name: item.name ?? `<object ${at}>` };
    });
    const [fromFiles, fromSources] = await Promise.all([
      compileFiles(cFiles.map((c) => c.path), compileOpts),
      Promise.all(sources.map((src) => compileSource(src.text, src.name, compileOpts))),
    ]);
    cFiles.forEach((c, k) => (objects[c.at] = fromFiles[k]!));
    for (const c of fromFiles) this.noteSource(c);
    for (const c of fromSources) this.noteSource({ name: c.name, source: c.source });
    sources.forEach((src, k) => (objects[src.at] = fromSources[k]!));
    const result = this.appendObjects(objects);
    result.stats.compileMs = performance.now() - t0 - Object.values(result.stats.phases).reduce((a, b) => a + b, 0);
    return result;
  }

  /** The link side of append: object bytes already in memory → published (then constructors run). */
  appendObjects(objects: { bytes: Uint8Array; name: string }[]): AppendResult {
    this.requireLinked();
    const t0 = performance.now();
    const elf: ElfObject[] = [];
    const archiveCount = this.session.archives.length;
    let batch: BatchResult;
    try {
      for (const o of objects) {
        if (isArchive(o.bytes)) this.session.archives.push(new Archive(o.bytes, o.name));
        else elf.push(new ElfObject(o.bytes, o.name));
      }
      batch = this.session.linkBatch(elf, performance.now() - t0);
      this.published(batch);
    } catch (e) {
      this.session.archives.length = archiveCount; // an archive of a failed batch is forgotten too
      throw e;
    }
    const syms = this.session.symbols;
    const symbols: SymbolInfo[] = batch.defined.map((name) => this.symbolInfo(syms.byName.get(name)!));
    const sections: AppendedSection[] = [];
    for (const input of batch.inputs) {
      input.sectionAddr.forEach((addr, i) => {
        if (addr >= 0) sections.push({ file: input.file, name: input.obj.sections[i]!.name, address: addr, size: input.obj.sections[i]!.sh_size });
      });
    }
    this.pendingInit.push(...batch.preinit, ...batch.init);
    if (this.initDone) this.runPendingInit();
    return {
      generation: batch.generation,
      symbols,
      sections,
      stats: { ...batch.stats, committed: this.session.committedBytes(), compileMs: 0 },
      relocationsTouched: this.session.relocs.touchedByLastBatch,
    };
  }

  /**
   * Replaces the body of reloadable function `name` (HOT_RELOAD.md §9): the
   * replacement (C source, object bytes or a path) must define exactly that
   * function plus private helpers and read-only data; its ABI signature must
   * match unless `unchecked`. The entry address never changes; calls through
   * it (including saved function pointers) reach the new body. Transactional.
   */
  async reloadFunction(name: string, replacement: AppendItem, opts: ReloadOptions = {}): Promise<ReloadReport & { alsoSwapped: ReloadReport[]; file: FileReloadReport }> {
    this.reloadableByName(name);
    let obj: { bytes: Uint8Array; name: string };
    if (typeof replacement === 'string') {
      obj = /\.(c|i)$/.test(replacement)
        ? (await compileFiles([replacement], this.compileOptions()))[0]!
        : { bytes: readInput(replacement), name: replacement };
    } else if ('source' in replacement) {
      obj = await compileSource(replacement.source, replacement.name ?? `${name}.reload.c`, this.compileOptions());
    } else obj = { bytes: replacement.bytes, name: replacement.name ?? `${name}.reload.o` };
    return this.reloadObject(name, obj, opts);
  }

  /**
   * The link side of reloadFunction: replacement object in memory → slot
   * published. The function's unit is reloaded from the object with only
   * `name` replaced — plus what must go with it: changed static helpers it
   * calls and live callers in its unit that inlined it (taken from the same
   * object, or the reload is refused naming them). Everything else in the
   * object binds to the live code and data. Returns the report of `name`;
   * `alsoSwapped` lists the others.
   */
  reloadObject(name: string, object: { bytes: Uint8Array; name: string }, opts: ReloadOptions = {}): ReloadReport & { alsoSwapped: ReloadReport[]; file: FileReloadReport } {
    this.requireLinked();
    const f = this.reloadableByName(name);
    const unit = this.session.units.get(f.unit)!;
    const file = this.reloadUnits([{ obj: new ElfObject(object.bytes, object.name), unit, only: new Set([name]) }], opts);
    const own = file.swapped.find((r) => r.name === name && r.unit === this.unitName(f.unit))!;
    return { ...own, alsoSwapped: file.swapped.filter((r) => r !== own), file };
  }

  /**
   * `reload FILE`, link side: `object` is the recompiled translation unit
   * (bytes in memory; `source`, or its name, identifies the live unit).
   * Every function whose code changed by content is swapped, data keeps its
   * live state, and the report says what stays old. One transaction.
   */
  reloadFileObject(object: { bytes: Uint8Array; name: string; source?: string }, opts: ReloadOptions = {}): FileReloadReport {
    this.requireLinked();
    const obj = new ElfObject(object.bytes, object.name);
    return this.reloadUnits([{ obj, unit: this.unitFor(object.source ?? object.name, obj) }], opts);
  }

  /**
   * Recompiles `path` and reloads what it affects, as one transaction: a
   * live translation unit's source, or a header — then every live unit that
   * included it (recorded from the compiler's dependency output) is
   * recompiled and reloaded together. Units that read a header which
   * changed since they were compiled, and are not part of this reload, are
   * named in `stale` (their code still has the old header in it).
   */
  async reloadFile(path: string, opts: ReloadOptions = {}): Promise<FileReloadReport> {
    return this.reloadFiles([path], opts);
  }

  /** reloadFile of several paths (sources and headers) as one transaction; each unit is compiled once. */
  async reloadFiles(paths: string[], opts: ReloadOptions = {}): Promise<FileReloadReport> {
    this.requireLinked();
    const deps = this.dependencies;
    const units: string[] = [];
    for (const path of paths) {
      const own = deps.isUnit(path) ? [path] : deps.unitsIncluding(path);
      if (!own.length) {
        if (!/\.(c|i)$/.test(path)) throw new HotlinkError('usage', `cannot reload ${path}: no translation unit of the image includes it`);
        own.push(path);
      }
      for (const u of own) if (!units.includes(u)) units.push(u);
    }
    const t0 = performance.now();
    const compiled = await compileFiles(units, { ...this.compileOptions(), signal: opts.signal });
    const t1 = performance.now();
    const items = compiled.map((c) => {
      const obj = new ElfObject(c.bytes, c.name);
      return { obj, unit: this.unitFor(c.name, obj) };
    });
    const report = this.reloadUnits(items, opts);
    report.timing = { compileMs: t1 - t0, linkMs: performance.now() - t1 };
    for (const c of compiled) this.noteSource(c);
    return report;
  }

  /** The live unit an object replaces: by name, then by the same source file. */
  private unitFor(key: string, obj: ElfObject): ReloadUnit {
    const s = this.session;
    const direct = s.units.get(key) ?? s.units.get(key.replace(/\.(c|i)$/, '.o'));
    if (direct) return direct;
    const file = obj.symbols.find((x) => x.type === 4 /* STT_FILE */)?.name;
    const byFile = file ? [...s.units.values()].filter((u) => s.inputs[u.inputs[0]!]!.obj.symbols.find((x) => x.type === 4)?.name === file) : [];
    if (byFile.length === 1) return byFile[0]!;
    // An object under another name (a copy of the file, a prebuilt object): the one unit its live global functions belong to.
    const owners = new Set<string>();
    for (const x of obj.symbols) if (x.type === STT_FUNC && x.bind !== STB_LOCAL && x.shndx > 0) {
      const f = s.reloadFuncs.get(x.name);
      if (f) owners.add(f.unit);
    }
    if (owners.size === 1) return s.units.get([...owners][0]!)!;
    if (owners.size > 1) throw new HotlinkError('usage', `cannot reload ${key}: its functions belong to several translation units of the image (${[...owners].map((u) => this.unitName(u)).join(', ')}); reload each file`);
    if (s.indirection === 'none') throw new HotlinkError('usage', `cannot reload ${key}: the image was linked without indirection (use indirection: 'exported-funcs', as hotlink dbg does)`);
    throw new HotlinkError('usage', `cannot reload ${key}: it is not a translation unit of the image (units: ${[...s.units.keys()].join(', ') || 'none'})`);
  }

  /** A reloadable function by name: a global one, else the only static one of that name. */
  private reloadableByName(name: string): LinkReloadFunc {
    const g = this.session.reloadFuncs.get(name);
    if (g) return g;
    const statics = [...this.session.units.values()].map((u) => u.funcs.get(name)).filter((f): f is LinkReloadFunc => !!f);
    if (statics.length === 1) return statics[0]!;
    if (statics.length > 1) throw new HotlinkError('usage', `cannot reload '${name}': several files define a static '${name}' (${statics.map((f) => f.unit).join(', ')}); reload the file instead`);
    return reloadFuncOf(this.session, name);
  }

  /** Plans, checks, links (one batch) and publishes a reload of one or more units. Nothing changes unless all of it succeeds. */
  private reloadUnits(items: { obj: ElfObject; unit: ReloadUnit; only?: Set<string> }[], opts: ReloadOptions): FileReloadReport {
    const s = this.session;
    const plans: UnitReloadPlan[] = items.map((it) => planUnitReload(s, it.unit, it.obj, { only: it.only, name: this.unitName(it.unit.key) }));
    const abis = new Map<LinkReloadFunc, { text?: string; next: ReturnType<typeof abiSignatureOf> }>();
    for (const p of plans) for (const w of p.swaps) abis.set(w.f, this.checkAbi(w.f, p.obj, opts));
    const olds = new Map<LinkReloadFunc, BodyInfo>();
    for (const p of plans) for (const w of p.swaps) olds.set(w.f, this.bodyInfo(w.f, w.f.current));
    const batch = s.linkBatch(plans.map((p) => p.obj), 0, { units: new Map(plans.map((p) => [p.obj, p.batch])) });
    this.published(batch);
    // Published: point every slot at its new body.
    const swapped: ReloadReport[] = [];
    const stores: SlotStore[] = [];
    for (const p of plans) {
      const input = batch.inputs.find((i) => i.obj === p.obj)!;
      const symOf = new Map<LinkReloadFunc, number>();
      for (const [sym, f] of p.batch.bodies) symOf.set(f, sym);
      for (const w of p.swaps) {
        const f = w.f;
        const body = batch.reloadBodies.get(f)!;
        f.bodies.push(body);
        f.sources.push({ input: input.id, sym: symOf.get(f)! });
        f.current = f.bodies.length - 1;
        this.bodyAbi.set(body, abis.get(f)!.next);
        stores.push({ slot: f.slotAddr, target: s.symbols.addr[body]!, name: f.name });
      }
      for (const w of p.swaps) {
        swapped.push({ ...this.reportOf(w.f, olds.get(w.f)!), abi: abis.get(w.f)!.text, reason: w.reason });
      }
    }
    this.publish(stores);
    // Constructors new to their unit run once; new destructors are kept for teardown.
    const constructors: FileReloadReport['constructors'] = [];
    for (const p of plans) {
      for (const c of p.constructors) {
        constructors.push({ name: c.name, unit: this.unitName(p.unit.key), ran: c.run });
        if (c.run) this.pendingInit.push(this.functionAddress(p.unit, c.name));
      }
      for (const d of p.newDestructors) s.fini.push(this.functionAddress(p.unit, d));
    }
    if (this.initDone) this.runPendingInit();
    const stale = plans.flatMap((p) => p.stale);
    // Every reload path (file, object, one function) names the other units still compiled against an older header.
    for (const [unit, headers] of this.dependencies.staleUnits(plans.map((p) => this.unitName(p.unit.key)))) {
      const names = headers.map((h) => relative(process.cwd(), h) || h);
      stale.push({ function: '*', where: unit, why: `${names.join(', ')} changed since ${unit} was compiled; its code still has the old ${names.length > 1 ? 'headers' : 'header'} (reload ${names[0]} to update every unit that includes it)` });
    }
    return {
      units: plans.map((p) => this.unitName(p.unit.key)),
      swapped,
      unchanged: plans.flatMap((p) => p.unchanged),
      added: plans.flatMap((p) => p.added),
      removed: plans.flatMap((p) => p.removed),
      variables: plans.flatMap((p) => p.variables),
      constructors,
      stale,
      partial: stale.length > 0,
      generation: s.generation,
    };
  }

  /** Source file of each compiled unit, by object name (the unit's key). */
  private readonly unitSources = new Map<string, string>();

  /** Records what a compiled C unit is and what it read. */
  private noteSource(c: { name: string; source: string; deps?: string[] }): void {
    this.unitSources.set(c.name, c.source);
    if (c.deps) this.dependencies.record(c.source, c.deps);
  }

  /** How a unit is named to the user: its source file when hotlink compiled it, else the object. */
  private unitName(key: string): string {
    return this.unitSources.get(key) ?? key;
  }

  /** The address code uses for function `name` of `unit` (its entry, or the host's definition). */
  private functionAddress(unit: ReloadUnit, name: string): number {
    const f = unit.funcs.get(name);
    const a = f ? f.entryAddr : this.lookup(name);
    if (a === undefined) throw new Error(`no address for constructor '${name}'`);
    return a;
  }

  private reportOf(f: LinkReloadFunc, old: BodyInfo): ReloadReport {
    return {
      name: f.name, entry: f.entryAddr, slot: f.slotAddr, old, new: this.bodyInfo(f, f.current), generation: this.session.generation,
      callSites: this.session.patchSites.sitesOf(f.entryId).length, unit: this.unitName(f.unit), local: f.local,
    };
  }

  /**
   * Re-points `name`'s slot at an earlier body (default: the previous one) —
   * instant undo. The generation still increments.
   */
  rollback(name: string | LinkReloadFunc, body?: number): ReloadReport {
    this.requireLinked();
    const f = typeof name === 'string' ? this.reloadableByName(name) : name;
    const target = body ?? f.current - 1;
    if (!Number.isInteger(target) || target < 0 || target >= f.bodies.length) {
      throw new HotlinkError('usage', `cannot roll '${f.name}' back to body ${target}: it has bodies 0..${f.bodies.length - 1} (current ${f.current})`);
    }
    const old = this.bodyInfo(f, f.current);
    f.current = target;
    // The live contract is now the re-activated body's own (checkAbi reads bodyAbi of the current body).
    this.publish([{ slot: f.slotAddr, target: this.session.symbols.addr[f.bodies[target]!]!, name: f.name }]);
    this.session.generation++;
    return this.reportOf(f, old);
  }

  /** Makes the slot stores of one publication (through `publisher` when one is installed). */
  private publish(stores: SlotStore[]): void {
    if (!stores.length) return;
    if (this.publisher) this.publisher(stores);
    else for (const st of stores) storeSlot(st.slot, st.target);
  }

  private bodyInfo(f: LinkReloadFunc, n: number): BodyInfo {
    const id = f.bodies[n]!;
    return { body: n, address: this.session.symbols.addr[id]!, size: this.session.symbols.size[id]! };
  }

  /**
   * The ABI contract of each body (by its LinkSymId): derived once from the
   * DWARF of the object it came from; an unchecked reload makes the new
   * body's own signature the contract, and a rollback brings the old one back.
   */
  private readonly bodyAbi = new Map<number, ReturnType<typeof abiSignatureOf>>();

  private checkAbi(f: LinkReloadFunc, elf: ElfObject, opts: ReloadOptions): { text?: string; next: ReturnType<typeof abiSignatureOf> } {
    const body = f.bodies[f.current]!;
    let live = this.bodyAbi.get(body);
    if (!live) {
      const src = f.sources[f.current]!;
      this.bodyAbi.set(body, (live = abiSignatureOf(objIndex(this.session.inputs[src.input]!.obj, this.arch), f.name)));
    }
    // Reloading the same bytes again (an edit-undo-redo loop) needs no second DWARF read.
    const key = `${f.name}\0${contentDigest(elf)}`;
    let next = this.replacementAbi.get(key);
    if (!next) this.replacementAbi.set(key, (next = abiSignatureOf(objIndex(elf, this.arch), f.name)));
    return { text: checkAbi(f.name, live, next, !!opts.unchecked), next };
  }

  /** Signatures of replacement objects already seen, by function and content digest. */
  private readonly replacementAbi = new Map<string, ReturnType<typeof abiSignatureOf>>();

  private symbolInfo(id: number): SymbolInfo {
    const s = this.session;
    const syms = s.symbols;
    const t = syms.type[id]!;
    const input = syms.input[id]!;
    return {
      name: syms.name[id]!,
      address: syms.addr[id]!,
      size: syms.size[id]!,
      type: t === STT_FUNC ? 'function' : t === 1 ? 'object' : 'other',
      global: syms.bind[id] !== STB_LOCAL,
      file: input >= 0 ? s.inputs[input]!.file : '<linker>',
      generation: syms.generation[id]!,
    };
  }

  /** Inputs are collected before link(); afterwards they would be silently ignored. */
  private requireUnlinked(what: string): void {
    if (this.freed) throw new HotlinkError('usage', `${what}: this Jit was freed`);
    if (this.linked) {
      throw new HotlinkError('usage', `${what}: this Jit is already linked, so the input would be ignored; use jit.append([...]) to add code to the live image${what.startsWith('addLibrary') ? ' (libraries are given before link())' : ''}`);
    }
  }

  private requireLinked(): BatchResult {
    if (this.freed) throw new HotlinkError('usage', 'this Jit was freed: its image is unmapped and its addresses are invalid');
    if (!this.linked) throw new HotlinkError('usage', 'link() has not been called');
    return this.linked;
  }

  /** Runtime address of a global symbol, or undefined. */
  lookup(name: string): number | undefined {
    if (this.freed) throw new HotlinkError('usage', `lookup('${name}'): this Jit was freed: its image is unmapped and its addresses are invalid`);
    return this.session.lookup(name);
  }

  /** The symbol containing `address` (any address inside the image), or undefined. */
  addrToSym(address: number): AddrToSym | undefined {
    const s = this.session;
    const syms = s.symbols;
    for (let c = 0; c < s.classes.length; c++) {
      const r = s.classes[c]!;
      if (address < r.start || address >= r.cursor) continue;
      const ids = s.addrIndex.find(c, address);
      if (!ids.length) return undefined;
      // Prefer a global function name over local aliases at the same address.
      let best = ids[0]!;
      for (const id of ids) if (id >= 0 && (best < 0 || (syms.bind[id] !== STB_LOCAL && syms.bind[best] === STB_LOCAL))) best = id;
      if (best < 0) {
        const target = -1 - best;
        return { name: `${syms.name[target]}@stub`, offset: address - syms.stub.get(target)!, file: '<stubs>', generation: syms.generation[target]! };
      }
      const start = syms.addr[best]!;
      const size = syms.size[best]!;
      if (size > 0 && address >= start + size && c !== 0) return undefined;
      const input = syms.input[best]!;
      const out: AddrToSym = { name: syms.name[best]!, offset: address - start, file: input >= 0 ? s.inputs[input]!.file : '<linker>', generation: syms.generation[best]! };
      const body = /^(.*)\$body\$(\d+)$/.exec(out.name);
      if (body) {
        out.name = body[1]!;
        out.body = Number(body[2]);
        const f = s.reloadFuncs.get(out.name);
        out.active = f ? f.current === out.body : undefined;
      }
      return out;
    }
    return undefined;
  }

  /**
   * Every symbol defined in the image, in address order per class (appended
   * ones included). Reloadable functions appear once, as their entry; the
   * generationed bodies (`foo$body$N`) and compiler aliases of them only with
   * `{ internal: true }` (HOT_RELOAD.md §6), as do hotlink's own runtime
   * symbols (`__hotlink_*`) and assembler-local labels (`.LC1`, `.L.str`).
   */
  *symbols(opts: { internal?: boolean } = {}): IterableIterator<SymbolInfo> {
    if (this.freed) throw new HotlinkError('usage', 'symbols(): this Jit was freed');
    const s = this.session;
    const runtime = new Set(s.inputs.filter((i) => RUNTIME_INPUTS.has(i.file)).map((i) => i.id));
    for (let c = 0; c < s.classes.length; c++) {
      for (const id of s.addrIndex.all(c)) {
        if (id < 0) continue;
        if (!opts.internal && (/\$body\$\d+$|\.localalias$|^__hotlink_|^\.L/.test(s.symbols.name[id]!) || runtime.has(s.symbols.input[id]!))) continue;
        yield this.symbolInfo(id);
      }
    }
  }

  /** Runs the image's constructors (.preinit_array, .init_array) that have not run yet; `call` does it implicitly. */
  runInit(): void {
    this.requireLinked();
    this.initDone = true;
    this.runPendingInit();
  }

  /** Compiles one C file with this image's compiler and flags. */
  async compile(file: string): Promise<{ bytes: Uint8Array; name: string }> {
    return (await compileFiles([file], this.compileOptions()))[0]!;
  }

  /**
   * Compiler options for this image. With reloadable functions, gcc must not
   * let a caller rely on the body it saw (IPA register allocation, cloning,
   * known return values): -flive-patching=inline-only-static keeps every
   * global function's callers valid for any replacement body.
   */
  private compileOptions(): CompileOptions {
    const defaults = ['-g', '-fPIC'];
    const family = compilerFamily(this.opts.cc);
    // Reload: one section per function and variable, so calls to static functions and references to
    // statics carry relocations (the assembler resolves references inside one section itself).
    if (this.session.indirection !== 'none' && (family === 'gcc' || family === 'clang')) defaults.push('-ffunction-sections', '-fdata-sections');
    // gcc -O0 puts string literals in plain .rodata; mergeable string sections let reload compare each literal on its own.
    if (this.session.indirection !== 'none' && family === 'gcc') defaults.push('-flive-patching=inline-only-static', '-fmerge-constants');
    if (this.session.indirection !== 'none' && family === 'clang') defaults.push('-fsemantic-interposition'); // docs/RELOAD_COMPILERS.md
    return { cc: this.opts.cc, flags: this.opts.cflags, onDiagnostics: this.opts.onDiagnostics, defaults };
  }

  /** Hands the constructors not yet run to a caller that runs them itself (the debugger's worker). */
  takePendingInit(): number[] {
    this.initDone = true;
    const fns = this.pendingInit;
    this.pendingInit = [];
    return fns;
  }

  private runPendingInit(): void {
    const fns = this.pendingInit;
    if (!fns.length) return;
    this.pendingInit = [];
    const start = this.lookup('__hotlink_run_init');
    if (start === undefined) {
      for (const f of fns) callNative(f, 'void (int, void *, void *)', 0, null, null);
      return;
    }
    callNative(start, 'void (uintptr_t, size_t, int, uintptr_t)', nativeArray(fns), fns.length, 0, 0);
  }

  /**
   * Calls a function of the image (by name or address) with a C prototype in
   * koffi's syntax, e.g. `jit.call('add', 'int (int, int)', 2, 3)` (README
   * "Library API"). Runs pending constructors first. The argument count and
   * numeric arguments are checked against the prototype; a fatal signal in
   * the call (x86-64) comes back as a `CrashError` with the symbolized report.
   */
  call(target: string | number, proto: string, ...args: unknown[]): unknown {
    return this.bind(target, parsePrototype(proto))(...args);
  }

  /**
   * A JS function bound to a function of the image, like koffi's `lib.func`:
   * `const twice = jit.func('int twice(int)')`, or `jit.func('twice', 'int (int)')`.
   * The address is resolved now (a reloadable function's entry, so reloads
   * are followed); the prototype is parsed once.
   */
  func(declaration: string): (...args: unknown[]) => unknown;
  func(target: string | number, proto: string): (...args: unknown[]) => unknown;
  func(a: string | number, proto?: string): (...args: unknown[]) => unknown {
    if (proto !== undefined) return this.bind(a, parsePrototype(proto));
    const p = parsePrototype(String(a));
    if (!p.name) throw new HotlinkError('usage', `func('${a}'): the declaration names no function (write 'int twice(int)', or func('twice', 'int (int)'))`);
    return this.bind(p.name, p);
  }

  /**
   * Declares a struct or union for prototypes by its koffi member types,
   * e.g. `jit.struct('pt', { x: 'int', y: 'int' })` — for images without
   * DWARF; otherwise `struct NAME` in a prototype is declared from the
   * image's debug information.
   */
  struct(name: string, members: Record<string, string>, kind: 'struct' | 'union' = 'struct'): this {
    const d = defineAggregate(kind, name, Object.entries(members).map(([n, type]) => ({ name: n, type })));
    this.aggregates.set(`${kind} ${name}`, d.name);
    return this;
  }

  /** `struct NAME` / `union NAME` → a koffi type name: declared by struct(), else from the image's DWARF. */
  private readonly aggregates = new Map<string, string>();

  private aggregateType(tag: 'struct' | 'union', name: string): string {
    const key = `${tag} ${name}`;
    let t = this.aggregates.get(key);
    if (t === undefined) {
      const found = findAggregate(new DebugView(this), tag, name);
      if (!found) throw new HotlinkError('usage', `${key} is not defined in the image's debug information (compile with -g, or declare it with jit.struct('${name}', { member: 'type', ... }))`);
      t = this.declareAggregate(found);
    }
    return t;
  }

  /** Declares a DWARF struct or union (and the ones it contains) for koffi, checking that koffi lays it out as the compiler did. */
  private declareAggregate(st: StructType): string {
    const key = `${st.kind === 'union' ? 'union' : 'struct'} ${st.name ?? '<anonymous>'}`;
    const known = st.name !== undefined ? this.aggregates.get(key) : undefined;
    if (known) return known;
    const unsupported = (why: string): HotlinkError => new HotlinkError('unsupported', `${key} cannot be passed by value: ${why}; declare it with jit.struct() or pass a pointer`);
    if (st.byteSize === undefined) throw unsupported('it is incomplete (declared, never defined)');
    const members = st.members.map((m, i) => {
      if (m.bitSize !== undefined) throw unsupported(`member ${m.name ?? i} is a bit field`);
      let t: CType = m.type;
      const dims: number[] = [];
      for (;;) {
        if (t.kind === 'typedef' || t.kind === 'qualified') t = t.target;
        else if (t.kind === 'array') {
          for (const d of t.dims) {
            if (d.count === undefined) throw unsupported(`member ${m.name ?? i} is an array of unknown size`);
            dims.push(d.count);
          }
          t = t.element;
        } else break;
      }
      return { name: m.name ?? `__anon${i}`, type: this.memberType(t, unsupported), dims };
    });
    const d = defineAggregate(st.kind === 'union' ? 'union' : 'struct', st.name ?? 'anon', members);
    st.members.forEach((m, i) => {
      if (d.offsets[i] !== m.offset) throw unsupported(`member ${m.name ?? i} is at offset ${m.offset}, where the natural layout puts it at ${d.offsets[i]} (packed or over-aligned)`);
    });
    if (d.size !== st.byteSize) throw unsupported(`its size is ${st.byteSize}, the natural layout's ${d.size}`);
    if (st.name !== undefined) this.aggregates.set(key, d.name);
    return d.name;
  }

  private memberType(t: CType, unsupported: (why: string) => HotlinkError): string {
    switch (t.kind) {
      case 'base': {
        if (t.encoding === DW_ATE_float) {
          if (t.byteSize === 4) return 'float';
          if (t.byteSize === 8) return 'double';
          throw unsupported(`${t.name} members are not supported`);
        }
        const signed = t.encoding === DW_ATE_signed || t.encoding === DW_ATE_signed_char;
        if (t.byteSize === 1 && t.encoding === DW_ATE_boolean) return 'bool';
        if (![1, 2, 4, 8].includes(t.byteSize)) throw unsupported(`${t.name} members are not supported`);
        return `${signed ? '' : 'u'}int${t.byteSize * 8}_t`;
      }
      case 'enum':
        return `int${(t.byteSize ?? 4) * 8}_t`;
      case 'pointer': {
        let target: CType = t.target;
        while (target.kind === 'typedef' || target.kind === 'qualified') target = target.target;
        return target.kind === 'base' && target.byteSize === 1 && target.name.endsWith('char') ? 'const char *' : 'void *';
      }
      case 'struct': case 'union': case 'class':
        return this.declareAggregate(t);
      default:
        throw unsupported(`a ${t.kind} member`);
    }
  }

  /** The function `target` names, as a checked, crash-guarded JS function. */
  private bind(target: string | number, proto: CPrototype): (...args: unknown[]) => unknown {
    this.requireLinked();
    const label = typeof target === 'number' ? hex(target) : target;
    const addr = typeof target === 'number' ? target : this.lookup(target);
    if (addr === undefined) {
      const local = typeof target === 'string' && [...this.symbols()].some((x) => x.name === target && !x.global);
      throw new HotlinkError('usage', local ? `'${target}' is a static symbol of the image: call it by address (jit.symbols())` : `no symbol '${target}' in the image`);
    }
    this.requireCode(label, addr);
    const ffi = ffiPrototype(proto, (tag, name) => this.aggregateType(tag, name));
    return (...args: unknown[]) => {
      this.requireLinked();
      this.runInit();
      const guard = this.opts.debugRuntime ? undefined : this.lookup('__hotlink_guarded_call');
      if (guard === undefined) return callPrototype(addr, ffi, label, args);
      const at = this.lookup('__hotlink_call_target')!;
      const crashed = this.lookup('__hotlink_call_crashed')!;
      const slot = memoryView(at, 8);
      const saved = Uint8Array.from(slot); // a call from a callback inside a guarded call
      new DataView(slot.buffer, slot.byteOffset, 8).setBigUint64(0, BigInt(addr), true);
      let result: unknown;
      try {
        result = callPrototype(guard, ffi, label, args);
      } finally {
        slot.set(saved);
      }
      const flag = new DataView(memoryView(crashed, 4).buffer, memoryView(crashed, 4).byteOffset, 4);
      if (flag.getInt32(0, true) !== 0) {
        flag.setInt32(0, 0, true);
        throw this.crashError(label, proto.text);
      }
      return result;
    };
  }

  /** Refuses to call data: a data symbol of the image, or an address outside its code. */
  private requireCode(label: string, addr: number): void {
    const id = typeof label === 'string' ? this.session.symbols.byName.get(label) : undefined;
    const t = id !== undefined ? this.session.symbols.type[id] : undefined;
    const kindName = t === 1 ? 'a data symbol (object)' : t === 6 ? 'a thread-local variable' : undefined;
    const cls = this.session.classes.findIndex((c) => addr >= c.start && addr < c.limit);
    if (kindName || cls > 0) {
      const what = kindName ?? `in the image's ${SEG_CLASS_NAMES[cls]} data, not its code`;
      throw new HotlinkError('usage', `cannot call '${label}' at ${hex(addr)}: it is ${what}`);
    }
  }

  /** Reads `length` bytes of image memory at `address`. */
  read(address: number, length: number): Uint8Array {
    return Uint8Array.from(memoryView(address, length));
  }

  /**
   * Runs main(argc, argv, envp) with native process semantics and never
   * returns: exit(main's value) with atexit handlers, .fini_array and stdio
   * flushing; a fatal signal prints a report and exits with 128+signal.
   */
  run(argv: string[], hooks: { atExit?: () => void } = {}): never {
    this.requireLinked();
    const main = this.lookup('main');
    if (main === undefined) throw new HotlinkError('unresolved', `undefined symbol 'main': the program has no main function`);
    const start = this.lookup('__hotlink_start');
    if (start === undefined) throw new HotlinkError('usage', 'run() needs the hotlink runtime (runtime: true)');
    const argvAddr = nativeArgv(argv);
    restoreInheritedFds();
    restoreStdio();
    const fini = this.session.fini;
    const hook = hooks.atExit ? registerCallback('void (void)', hooks.atExit) : undefined;
    const init = this.pendingInit; // preinit then init, per batch in link order
    this.initDone = true;
    this.pendingInit = [];
    const status = callNative(
      start,
      'int (uintptr_t, int, uintptr_t, uintptr_t, size_t, uintptr_t, size_t, uintptr_t, size_t, uintptr_t)',
      main, argv.length, argvAddr,
      0, 0,
      nativeArray(init), init.length,
      nativeArray(fini), fini.length,
      hook?.address ?? 0,
    ) as number;
    if (status !== 1) throw new Error(`__hotlink_start returned ${status}`);
    this.reportCrash();
  }

  /** Prints the report of the crash in `__hotlink_crash` (signal, symbolized backtrace) and exits with 128+signal. */
  reportCrash(): never {
    const c = this.crashRecord();
    const lines = [`hotlink: program terminated by ${signalName(c.signo)}${faultText(c.signo, c.code, c.addr)}`, ...this.crashFrames(c, 'main')];
    writeSync(2, lines.join('\n') + '\n');
    exitImmediately(128 + c.signo);
  }

  /** The runtime's record of the last fatal signal (__hotlink_crash). */
  private crashRecord(): { signo: number; code: number; addr: number; pc: number; gregs: bigint[] } {
    const at = this.lookup('__hotlink_crash')!;
    const v = new DataView(this.read(at, 48 + 23 * 8).buffer);
    const gregs: bigint[] = [];
    for (let i = 0; i < 23; i++) gregs.push(v.getBigUint64(48 + i * 8, true));
    return { signo: Number(v.getBigInt64(0, true)), code: Number(v.getBigInt64(8, true)), addr: Number(v.getBigUint64(16, true)), pc: Number(v.getBigUint64(24, true)), gregs };
  }

  /** The symbolized backtrace of a crash, up to and including function `outermost` (or the guarded-call trampoline, excluded). */
  private crashFrames(c: { pc: number; gregs: bigint[] }, outermost: string): string[] {
    try {
      // The runtime fills gregs (rip at 16) on x86-64 only: elsewhere the pc alone.
      if (c.gregs[16] !== BigInt(c.pc)) throw new Error(`the unwinder reads x86-64 register contexts only, not ${this.arch.name}`);
      return this.crashBacktrace(c.gregs, outermost);
    } catch (e) {
      return [`  #0 ${hex(c.pc)} in ${this.describePc(c.pc) ?? '?? (outside the image)'}   (no backtrace: ${(e as Error).message})`];
    }
  }

  /** A fatal signal in a guarded call, as an error carrying the report. */
  private crashError(label: string, proto: string): CrashError {
    const c = this.crashRecord();
    const frames = this.crashFrames(c, '__hotlink_guarded_call');
    const text = `${signalName(c.signo)}${faultText(c.signo, c.code, c.addr)}`;
    return new CrashError(`${label} (prototype '${proto}') crashed: ${text}\n${frames.join('\n')}`, c.signo, frames);
  }

  /** The crash's stack, symbolized like a debugger backtrace: function, file:line per frame. */
  crashBacktrace(gregs: bigint[], outermost = 'main'): string[] {
    // ucontext gregs -> DWARF register numbers.
    const order = [8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16];
    const regs: (bigint | undefined)[] = [];
    order.forEach((dw, i) => (regs[dw] = gregs[i]));
    const view = new DebugView(this);
    const frames = unwind(view, regs, { limit: 64, stopAfter: (f) => this.addrToSym(f.level ? f.pc - 1 : f.pc)?.name === outermost });
    if (outermost.startsWith('__hotlink') && frames.length > 1 && this.addrToSym(frames.at(-1)!.pc - 1)?.name === outermost) frames.pop();
    return frames.map((f) => {
      const pc = f.level ? f.pc - 1 : f.pc;
      const sym = this.addrToSym(pc);
      const loc = view.lineAt(pc);
      if (sym) {
        const name = sym.body !== undefined ? `${sym.name} (body ${sym.body}${sym.active === false ? ', inactive' : ''})` : sym.name;
        return `  #${f.level} ${hex(f.pc)} in ${name}${loc ? ` at ${loc.file}:${loc.line}` : ` (${sym.file})`}`;
      }
      const host = dladdr(pc);
      return `  #${f.level} ${hex(f.pc)} in ${host?.name ?? '??'}${host?.file ? ` from ${host.file}` : ''}`;
    });
  }

  private describePc(pc: number): string | undefined {
    const s = this.addrToSym(pc);
    if (!s) return undefined;
    return `${s.name}+${hex(s.offset)} (${s.file})`;
  }

  /**
   * Watches C sources of the image (and the headers they include) and
   * reloads what a change affects (src/live/watch.ts). Returns the handle
   * whose close() stops watching.
   */
  watch(paths: string[], opts: WatchOptions = {}): WatchHandle {
    this.requireLinked();
    return watchFiles(this, paths, opts);
  }

  /** Unmaps the image. Addresses from it must not be used afterwards. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    const release = this.linked ? this.session.lookup('__hotlink_release') : undefined;
    if (release !== undefined) callNative(release, 'void (void)'); // no signal handler may point into the unmapped image
    liveImages.delete(this);
    // Nor may another image's chain of saved handlers (it installed its own over ours).
    const saved = this.linked ? this.session.lookup('__hotlink_saved_handlers') : undefined;
    const classes = this.session.classes;
    if (saved !== undefined && classes.length) {
      const table = callNative(saved, 'uintptr_t (void)');
      for (const other of liveImages) {
        const forget = other.session.lookup('__hotlink_forget_image');
        if (forget !== undefined) callNative(forget, 'void (uintptr_t, uintptr_t, uintptr_t)', classes[0]!.start, classes[classes.length - 1]!.limit, table);
      }
    }
    this.session.free();
  }
}


/** A defined struct or union named `name` in the image's DWARF (the first input that defines it). */
function findAggregate(view: DebugView, tag: 'struct' | 'union', name: string): StructType | undefined {
  const want = tag === 'struct' ? DW_TAG_structure_type : DW_TAG_union_type;
  for (let i = 0; i < view.jit.session.inputs.length; i++) {
    const d = view.debugInfo(i);
    if (!d) continue;
    for (const unit of d.info.units) {
      for (const die of unit.root.children) {
        if (die.tag === want && die.name === name && !die.flag(DW_AT_declaration)) return typeFromDie(die) as StructType;
      }
    }
  }
  return undefined;
}

/** The input names of hotlink's own runtime objects (their symbols are hidden from symbols()). */
const RUNTIME_INPUT = 'hotlink-runtime.o';
const DEBUG_RUNTIME_INPUT = 'hotlink-debug-runtime.o';
const RUNTIME_INPUTS = new Set([RUNTIME_INPUT, DEBUG_RUNTIME_INPUT]);

/** Files at least this large are mmapped (their debug sections are then never paged in); smaller ones are read. */
const MAP_THRESHOLD = 1 << 20;

/** The bytes of an input file, or a usage error naming it. */
function readInput(path: string): Uint8Array {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (size >= MAP_THRESHOLD) return mapFile(path, size);
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buf, at, size - at, at);
      if (n <= 0) break;
      at += n;
    }
    return buf.subarray(0, at);
  } catch (e) {
    throw new HotlinkError('usage', `${path}: cannot read: ${(e as Error).message}`);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

const systemArchives = new Map<string, Archive>();

/** Linked images not yet freed (free() repairs the others' saved signal handlers). */
const liveImages = new Set<Jit>();

let libgccPath: string | null | undefined;

/**
 * gcc's libgcc.a (the driver's implicit -lgcc), newest gcc version: for what
 * the host's libgcc_s does not export, such as `__cpu_model` and
 * `__cpu_indicator_init` behind `__builtin_cpu_supports` (indirect
 * functions' resolvers). Found without running gcc.
 */
function libgccArchive(): string | undefined {
  if (libgccPath === undefined) {
    const dir = `/usr/lib/gcc/${process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : 'riscv64'}-linux-gnu`;
    const versions = existsSync(dir) ? readdirSync(dir).filter((v) => existsSync(`${dir}/${v}/libgcc.a`)).sort((a, b) => parseInt(b) - parseInt(a)) : [];
    libgccPath = versions.length ? `${dir}/${versions[0]}/libgcc.a` : null;
  }
  return libgccPath ?? undefined;
}

/** Archives named by library scripts (libc_nonshared.a) are read once per process. */
function systemArchive(path: string): Archive {
  let a = systemArchives.get(path);
  if (!a) systemArchives.set(path, (a = new Archive(mapFile(path, statSync(path).size), path)));
  return a;
}

const SIGNAL_TEXT: Record<string, string> = {
  SIGSEGV: 'Segmentation fault', SIGBUS: 'Bus error', SIGFPE: 'Floating point exception', SIGILL: 'Illegal instruction',
  SIGABRT: 'Aborted', SIGTRAP: 'Trace/breakpoint trap', SIGSYS: 'Bad system call',
};

export function signalName(signo: number): string {
  const name = Object.entries(constants.signals).find(([, n]) => n === signo)?.[0] ?? `signal ${signo}`;
  return SIGNAL_TEXT[name] ? `${name} (${SIGNAL_TEXT[name]})` : name;
}

function faultText(signo: number, code: number, addr: number): string {
  // si_code <= 0: sent by a process (kill, raise/abort, sigqueue), not raised by an instruction.
  if (code === -6) return ' (sent by raise, abort or tgkill)';
  if (code <= 0) return ' (sent by kill or sigqueue)';
  if (signo === constants.signals.SIGSEGV) return `: invalid memory access at address ${hex(addr)}${code === 2 ? ' (page protection)' : ''}`;
  if (signo === constants.signals.SIGBUS) return `: bus error at address ${hex(addr)}`;
  if (signo === constants.signals.SIGFPE) return code === 1 ? ': integer divide by zero' : '';
  return '';
}

