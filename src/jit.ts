// The JIT object over a live image — the library API (the seed's CfreeJit).
// A Jit collects inputs (C sources, objects, archives, -l libraries), links
// them into one LinkSession, and then answers lookups, maps addresses back
// to symbols, calls into the image, or runs the program's main with native
// process semantics. The session stays alive after the link: the append and
// reload issues grow the same image.

import { closeSync, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { Arch } from './arch/arch.js';
import { x86_64 } from './arch/x86_64.js';
import { compileFiles, compileSource, compilerFamily, CompileOptions } from './cc/driver.js';
import { DependencyGraph } from './cc/deps.js'; // LEAD: header dependencies (src/cc/deps.ts)
import { Archive, isArchive } from './elf/archive.js';
import { ElfObject } from './elf/object.js';
import { STB_LOCAL, STT_FUNC } from './elf/elf.js';
import { HotlinkError, hex } from './errors.js';
import { findLibrary, HostResolver } from './link/host.js';
import { SEG_CLASS_NAMES } from './link/input.js';
import { BatchResult, BatchStats, IndirectionMode, LinkReloadFunc, LinkSession, ReserveOptions } from './link/session.js';
import { abiSignatureOf, checkAbi, reloadFuncOf, storeSlot, validateReplacement } from './link/reload.js';
import { callNative, dladdr, exitImmediately, mapFile, memoryView, nativeArgv, nativeArray, registerCallback } from './memory/native.js';
import { DebugView } from './dbg/view.js';
import { unwind } from './dbg/unwind.js';
import { runtimeObject } from './runtime/runtime.js';

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
}

/** In a debug session, these libc entry points are the worker runtime's. */
export const DEBUG_ALIASES = new Map([
  ['exit', '__hotlink_dbg_exit'],
  ['_exit', '__hotlink_dbg__exit'],
  ['_Exit', '__hotlink_dbg__exit'],
  ['atexit', '__hotlink_dbg_atexit'],
]);

export interface ReloadOptions {
  /** Skip the ABI signature check (objects without usable DWARF). */
  unchecked?: boolean;
}

// LEAD: the translation-unit reload report (issue 9) as specified; replace with the real definition.
export interface FileReloadReport {
  units: string[];
  swapped: ReloadReport[];
  unchanged: string[];
  added: string[];
  removed: string[];
  variables: { name: string; unit: string; change: 'added' | 'initializer-changed' }[];
  constructors: { name: string; unit: string; ran: boolean }[];
  stale: { function: string; where: string; why: string }[];
  partial: boolean;
  generation: number;
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
  readonly arch: Arch = x86_64;
  readonly session: LinkSession;
  private readonly opts: JitOptions;
  private readonly pending: Pending[] = [];
  private readonly libraries: string[];
  private linked: BatchResult | undefined;
  private initDone = false;
  /** Constructors linked but not yet run (initial link, then each append). */
  private pendingInit: number[] = [];
  /** Which headers each live translation unit read (from the compiler's -MD output). */
  readonly dependencies = new DependencyGraph(); // LEAD: fed by link(); append/reload should record too

  constructor(opts: JitOptions = {}) {
    this.opts = opts;
    this.libraries = [...(opts.libraries ?? [])];
    this.session = new LinkSession({ arch: this.arch, host: new HostResolver(), reserve: opts.reserve, base: opts.base, indirection: opts.indirection, aliases: opts.debugRuntime ? DEBUG_ALIASES : undefined });
  }

  /** Adds an input by path: .c (compiled at link), .o, .a. */
  addFile(path: string): this {
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
    if (isArchive(bytes)) this.session.archives.push(new Archive(bytes, name));
    else this.pending.push({ kind: 'object', name, bytes });
    return this;
  }

  /** Adds C source text, compiled at link time. */
  addSource(text: string, name = 'input.c'): this {
    this.pending.push({ kind: 'source', name, text });
    return this;
  }

  /** Adds -lNAME. */
  addLibrary(name: string): this {
    this.libraries.push(name);
    return this;
  }

  get generation(): number {
    return this.session.generation;
  }

  /** Compiles pending sources, then links everything into the image. */
  async link(): Promise<LinkStats> {
    if (this.linked) throw new HotlinkError('usage', 'this Jit is already linked; use append() to add code');
    const t0 = performance.now();
    const compileOpts = this.compileOptions();
    const cFiles = this.pending.filter((p): p is { kind: 'c'; path: string } => p.kind === 'c').map((p) => p.path);
    const [compiled, runtime, sourceObjs, dbgRuntime] = await Promise.all([
      compileFiles(cFiles, compileOpts),
      this.opts.runtime === false ? undefined : runtimeObject(this.opts.cc),
      Promise.all(this.pending.filter((p) => p.kind === 'source').map((p) => compileSource((p as { text: string }).text, (p as { name: string }).name, compileOpts))),
      this.opts.debugRuntime ? runtimeObject(this.opts.cc, 'hotlink_dbg.c') : undefined,
    ]);
    const compileMs = performance.now() - t0;
    for (const c of compiled) this.dependencies.record(c.source, c.deps); // LEAD: header dependencies
    return this.linkCompiled(compiled, runtime, sourceObjs, compileMs, dbgRuntime);
  }

  private linkCompiled(
    compiled: { name: string; bytes: Uint8Array }[],
    runtime: { name: string; bytes: Uint8Array } | undefined,
    sourceObjs: { name: string; bytes: Uint8Array }[],
    compileMs: number,
    dbgRuntime?: { name: string; bytes: Uint8Array },
  ): LinkStats {
    const t0 = performance.now();
    const objects: ElfObject[] = [];
    if (runtime) objects.push(new ElfObject(runtime.bytes, 'hotlink-runtime.o'));
    if (dbgRuntime) objects.push(new ElfObject(dbgRuntime.bytes, 'hotlink-debug-runtime.o'));
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
    this.pending.length = 0;
    for (const lib of [...this.libraries, 'c']) {
      const found = findLibrary(lib, this.opts.libraryPaths ?? []);
      for (const so of found.sharedObjects) this.session.host.addSharedObject(`-l${lib}`, so);
      for (const a of found.archives) this.session.archives.push(systemArchive(a));
    }
    const readMs = performance.now() - t0;
    this.linked = this.session.linkBatch(objects, readMs, { reloadable: (o) => !systemObjects.has(o) });
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
  async reloadFunction(name: string, replacement: AppendItem, opts: ReloadOptions = {}): Promise<ReloadReport> {
    reloadFuncOf(this.session, name);
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

  /** The link side of reloadFunction: replacement object in memory → slot published. */
  reloadObject(name: string, object: { bytes: Uint8Array; name: string }, opts: ReloadOptions = {}): ReloadReport {
    this.requireLinked();
    const f = reloadFuncOf(this.session, name);
    const elf = new ElfObject(object.bytes, object.name);
    validateReplacement(elf, name, this.session);
    const abi = this.checkAbi(f, elf, opts);
    const old = this.bodyInfo(f, f.current);
    const batch = this.session.linkBatch([elf], 0, { reloadOf: f });
    if (opts.unchecked) this.liveAbi.set(name, abi.next); // an unchecked replacement becomes the live contract
    f.bodies.push(batch.reloadBody);
    f.current = f.bodies.length - 1;
    storeSlot(f.slotAddr, this.session.symbols.addr[batch.reloadBody]!);
    return { name, entry: f.entryAddr, slot: f.slotAddr, old, new: this.bodyInfo(f, f.current), generation: this.session.generation, abi: abi.text, callSites: this.session.patchSites.sitesOf(f.entryId).length };
  }

  /**
   * `reload FILE`: the recompiled file's object replaces every reloadable
   * function whose code changed (bytes or relocations differ from the live
   * body); its global data binds to the live data. One transaction: any
   * failure (ABI mismatch, unresolved symbol, writable static data, …)
   * swaps nothing.
   */
  reloadFileObject(object: { bytes: Uint8Array; name: string }, opts: ReloadOptions = {}): { swapped: ReloadReport[]; unchanged: string[]; added: string[] } {
    this.requireLinked();
    const elf = new ElfObject(object.bytes, object.name);
    const s = this.session;
    for (const sec of elf.sections) {
      if ((sec.sh_flags & 2) === 0) continue;
      if (sec.sh_type === 14 || sec.sh_type === 15 || sec.sh_type === 16) throw new HotlinkError('usage', `cannot reload ${object.name}: section ${sec.name} holds constructors or destructors`);
    }
    const writableStatic = elf.symbols.filter((x) => x.bind === STB_LOCAL && x.type === 1 && x.shndx > 0 && x.shndx < elf.sections.length && (elf.sections[x.shndx]!.sh_flags & 1) !== 0 && !/^\.data\.rel\.ro/.test(elf.sections[x.shndx]!.name));
    if (writableStatic.length) throw new HotlinkError('usage', `cannot reload ${object.name}: it has writable static data (${writableStatic.map((x) => `'${x.name}'`).join(', ')}), which a reload would duplicate; reload its functions one by one`);
    const targets = new Map<string, LinkReloadFunc>();
    for (const x of elf.symbols) if (x.type === STT_FUNC && x.bind !== STB_LOCAL && x.shndx > 0 && s.reloadFuncs.has(x.name)) targets.set(x.name, s.reloadFuncs.get(x.name)!);
    const changed = [...targets.keys()].filter((n) => functionChanged(elf, n, s));
    const unchanged = [...targets.keys()].filter((n) => !changed.includes(n));
    const abis = new Map(changed.map((n) => [n, this.checkAbi(targets.get(n)!, elf, opts)]));
    const olds = new Map(changed.map((n) => [n, this.bodyInfo(targets.get(n)!, targets.get(n)!.current)]));
    const batch = s.linkBatch([elf], 0, { reloadFile: targets });
    const swapped: ReloadReport[] = [];
    for (const [name, f] of targets) {
      f.bodies.push(batch.reloadBodies.get(name)!);
      if (!changed.includes(name)) continue;
      f.current = f.bodies.length - 1;
      storeSlot(f.slotAddr, s.symbols.addr[batch.reloadBodies.get(name)!]!);
      if (opts.unchecked) this.liveAbi.set(name, abis.get(name)!.next);
      swapped.push({ name, entry: f.entryAddr, slot: f.slotAddr, old: olds.get(name)!, new: this.bodyInfo(f, f.current), generation: s.generation, abi: abis.get(name)!.text, callSites: s.patchSites.sitesOf(f.entryId).length });
    }
    return { swapped, unchanged, added: batch.defined };
  }

  // LEAD: a stub of the issue-9 reloadFile over the old global-function reloadFileObject
  // (not one transaction across units, no statics), so the REPL and the scenario harness
  // compile and run until the translation-unit reload lands. Replace wholesale.
  async reloadFile(path: string, opts: ReloadOptions = {}): Promise<FileReloadReport> {
    this.requireLinked();
    const units = this.dependencies.isUnit(path) ? [path] : this.dependencies.unitsIncluding(path);
    if (!units.length) throw new HotlinkError('usage', `cannot reload ${path}: it is not a live translation unit and no live unit includes it`);
    const objs = await compileFiles(units, this.compileOptions());
    const out: FileReloadReport = { units, swapped: [], unchanged: [], added: [], removed: [], variables: [], constructors: [], stale: [], partial: false, generation: 0 };
    for (const o of objs) {
      const r = this.reloadFileObject(o, opts);
      out.swapped.push(...r.swapped), out.unchanged.push(...r.unchanged), out.added.push(...r.added);
      this.dependencies.record(o.source, o.deps);
    }
    out.generation = this.generation;
    return out;
  }

  /**
   * Re-points `name`'s slot at an earlier body (default: the previous one) —
   * instant undo. The generation still increments.
   */
  rollback(name: string, body?: number): ReloadReport {
    this.requireLinked();
    const f = reloadFuncOf(this.session, name);
    const target = body ?? f.current - 1;
    if (!Number.isInteger(target) || target < 0 || target >= f.bodies.length) {
      throw new HotlinkError('usage', `cannot roll '${name}' back to body ${target}: it has bodies 0..${f.bodies.length - 1} (current ${f.current})`);
    }
    const old = this.bodyInfo(f, f.current);
    f.current = target;
    storeSlot(f.slotAddr, this.session.symbols.addr[f.bodies[target]!]!);
    this.session.generation++;
    return { name, entry: f.entryAddr, slot: f.slotAddr, old, new: this.bodyInfo(f, target), generation: this.session.generation, callSites: this.session.patchSites.sitesOf(f.entryId).length };
  }

  private bodyInfo(f: LinkReloadFunc, n: number): BodyInfo {
    const id = f.bodies[n]!;
    return { body: n, address: this.session.symbols.addr[id]!, size: this.session.symbols.size[id]! };
  }

  /** Signatures of replacement objects already seen, by function and content hash. */
  private readonly replacementAbi = new Map<string, ReturnType<typeof abiSignatureOf>>();
  /** Live ABI signatures by function name (derived once from the defining input's DWARF). */
  private readonly liveAbi = new Map<string, ReturnType<typeof abiSignatureOf>>();

  private checkAbi(f: LinkReloadFunc, elf: ElfObject, opts: ReloadOptions): { text?: string; next: ReturnType<typeof abiSignatureOf> } {
    let live = this.liveAbi.get(f.name);
    if (!live) this.liveAbi.set(f.name, (live = abiSignatureOf(this.session.inputs[f.input]!.obj, f.name)));
    // Reloading the same replacement again (an edit-undo-redo loop) needs no second DWARF read.
    const key = `${f.name}\0${createHash('sha1').update(elf.reader.bytes).digest('hex')}`;
    let next = this.replacementAbi.get(key);
    if (!next) this.replacementAbi.set(key, (next = abiSignatureOf(elf, f.name)));
    return { text: checkAbi(f.name, live, next, !!opts.unchecked), next };
  }

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

  private requireLinked(): BatchResult {
    if (!this.linked) throw new HotlinkError('usage', 'link() has not been called');
    return this.linked;
  }

  /** Runtime address of a global symbol, or undefined. */
  lookup(name: string): number | undefined {
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
   * `{ internal: true }` (HOT_RELOAD.md §6).
   */
  *symbols(opts: { internal?: boolean } = {}): IterableIterator<SymbolInfo> {
    const s = this.session;
    for (let c = 0; c < s.classes.length; c++) {
      for (const id of s.addrIndex.all(c)) {
        if (id < 0) continue;
        if (!opts.internal && /\$body\$\d+$|\.localalias$/.test(s.symbols.name[id]!)) continue;
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
    if (this.session.indirection !== 'none' && compilerFamily(this.opts.cc) === 'gcc') defaults.push('-flive-patching=inline-only-static');
    if (this.session.indirection !== 'none' && compilerFamily(this.opts.cc) === 'clang') defaults.push('-fsemantic-interposition'); // docs/RELOAD_COMPILERS.md
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
   * Calls a function of the image (by name or address) with a C prototype,
   * e.g. `jit.call('add', 'int (int, int)', 2, 3)`.
   */
  call(target: string | number, proto: string, ...args: unknown[]): unknown {
    this.requireLinked();
    this.runInit();
    const addr = typeof target === 'number' ? target : this.lookup(target);
    if (addr === undefined) throw new HotlinkError('usage', `no symbol '${target}' in the image`);
    return callNative(addr, proto, ...args);
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

  private reportCrash(): never {
    const at = this.lookup('__hotlink_crash')!;
    const v = new DataView(this.read(at, 48 + 23 * 8).buffer);
    const signo = Number(v.getBigInt64(0, true));
    const code = Number(v.getBigInt64(8, true));
    const addr = Number(v.getBigUint64(16, true));
    const gregs: bigint[] = [];
    for (let i = 0; i < 23; i++) gregs.push(v.getBigUint64(48 + i * 8, true));
    const lines = [`hotlink: program terminated by ${signalName(signo)}${faultText(signo, code, addr)}`];
    try {
      lines.push(...this.crashBacktrace(gregs));
    } catch (e) {
      const pc = Number(v.getBigUint64(24, true));
      lines.push(`  #0 ${hex(pc)} in ${this.describePc(pc) ?? '?? (outside the image)'}   (no backtrace: ${(e as Error).message})`);
    }
    writeSync(2, lines.join('\n') + '\n');
    exitImmediately(128 + signo);
  }

  /** The crash's stack, symbolized like a debugger backtrace: function, file:line per frame. */
  private crashBacktrace(gregs: bigint[]): string[] {
    // ucontext gregs -> DWARF register numbers.
    const order = [8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16];
    const regs: (bigint | undefined)[] = [];
    order.forEach((dw, i) => (regs[dw] = gregs[i]));
    const view = new DebugView(this);
    const frames = unwind(view, regs, { limit: 64, stopAfter: (f) => this.addrToSym(f.level ? f.pc - 1 : f.pc)?.name === 'main' });
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

  /** Unmaps the image. Addresses from it must not be used afterwards. */
  free(): void {
    this.session.free();
  }
}


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

/** Does function `name` in `elf` differ from its live body: code bytes, or relocations (offset, type, target, addend)? */
export function functionChanged(elf: ElfObject, name: string, s: LinkSession): boolean {
  const f = s.reloadFuncs.get(name)!;
  const bodyId = f.bodies[f.current]!;
  const old = s.inputs[s.symbols.input[bodyId]!]!.obj;
  const pick = (o: ElfObject) => o.symbols.find((x) => x.name === name && x.shndx > 0 && x.bind !== STB_LOCAL);
  const a = pick(old);
  const b = pick(elf);
  if (!a || !b) return true;
  const code = (o: ElfObject, x: NonNullable<ReturnType<typeof pick>>) => o.contents(o.sections[x.shndx]!).subarray(x.st_value, x.st_value + x.st_size);
  const ca = code(old, a);
  const cb = code(elf, b);
  if (ca.length !== cb.length || ca.some((v, i) => v !== cb[i])) return true;
  const relocs = (o: ElfObject, x: NonNullable<ReturnType<typeof pick>>): string => {
    const sec = o.sections[x.shndx]!;
    if (sec.relaIndex < 0) return '';
    const t = o.relocations(sec.relaIndex);
    const out: string[] = [];
    for (let i = 0; i < t.count; i++) {
      const off = t.r_offset[i]!;
      if (off < x.st_value || off >= x.st_value + x.st_size) continue;
      const target = o.symbols[t.r_sym[i]!]!;
      const targetName = target.type === 3 ? `section ${o.sections[target.shndx]?.name}` : target.name;
      out.push(`${off - x.st_value}:${t.r_type[i]}:${targetName}:${t.r_addend[i]}`);
    }
    return out.join(',');
  };
  return relocs(old, a) !== relocs(elf, b);
}

const systemArchives = new Map<string, Archive>();

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
  if (signo === constants.signals.SIGSEGV) return `: invalid memory access at address ${hex(addr)}${code === 2 ? ' (page protection)' : ''}`;
  if (signo === constants.signals.SIGBUS) return `: bus error at address ${hex(addr)}`;
  if (signo === constants.signals.SIGFPE) return code === 1 ? ': integer divide by zero' : '';
  return '';
}

