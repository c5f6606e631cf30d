// Copy relocations, done the way the dynamic loader does them for an
// executable — and the repair DEEPBIND-loaded libraries need.
//
// A position-dependent or PIE object reaches an extern variable with a
// 32-bit PC-relative (or absolute) field: `movl optind(%rip), %eax`. Node's
// non-PIE executable holds copies of the libc data it uses itself (stdout,
// environ, ...), low enough to reach; everything else (optind, optarg,
// program_invocation_short_name, timezone, ...) lives in libc at 0x7f...,
// out of reach of the image. Natively, ld gives the executable a copy of
// such a variable (R_X86_64_COPY) and the loader binds every library's GOT
// entry for it to that copy, so the library itself reads and writes it.
// `CopyRelocs` does the same for the image:
//
//   scan     `want`: a 32-bit PC-relative/absolute reference to far host
//            data asks for a copy (size from the dynamic symbol table);
//            GOTPCREL references never do. Refused, with the reason, when
//            the size is unknown, the variable is thread-local, or it is
//            writable and no loaded object reaches it through its GOT (the
//            library would keep using its own storage).
//   layout   `place`: the copies get RW space at the batch's RW cursor; the
//            host symbol's address becomes the copy's.
//   publish  `commit`: the current bytes are copied in, and every GOT cell
//            (R_X86_64_GLOB_DAT, R_X86_64_64) of every loaded object that
//            points at the variable is repointed at the copy — RELRO pages
//            are made RW for the store and put back (never W+X). Earlier
//            batches' own GOT cells and 64-bit pointers to it follow.
//   failure  `rollback`: nothing outside the image was touched yet.
//
// Copies are process-wide, like an executable's: a later batch or another
// image referencing the same variable uses the existing copy. When the
// image owning copies is freed, the current values go back to the
// libraries' own storage and their GOT cells are restored (the image's
// memory stays mapped while another image still uses one of its copies).
//
// `adoptLoadedObjects` applies the copies — Node's (its COPY relocations)
// and ours — to objects loaded later. A library opened with RTLD_DEEPBIND
// binds its references to stdout/environ/... to libc's own (stale, never
// initialized) storage instead of Node's copies; natively the loader would
// have bound them to the executable's copy, so they are repointed there.

import { closeSync, existsSync, openSync, readFileSync, readSync, readlinkSync } from 'node:fs';
import { hex } from '../errors.js';
import { Arena, dlopenLoaded, dlsym, dynamicSymbolAt, loadedObjects, readWord, safeRead, safeWrite, writeHostWord, PROT_EXEC, PROT_READ, PROT_WRITE } from '../memory/native.js';
import { LinkSymId, SymbolTable, SymKind } from './symbols.js';
import { RelocRecords } from './relocs.js';
import { PatchSiteIndex } from './patchsites.js';

const STT_TLS = 6;

/** Dynamic relocation types per e_machine: data-pointer cells (GLOB_DAT, ABS64) and COPY. */
const RELOC_KINDS: Record<number, { globDat: number; abs64: number; copy: number }> = {
  62: { globDat: 6, abs64: 1, copy: 5 }, // x86-64
  183: { globDat: 1025, abs64: 257, copy: 1024 }, // AArch64
  243: { globDat: -1, abs64: 2, copy: 4 }, // RISC-V
};

// ---- dynamic symbols and relocations of a loaded file ------------------------

interface DynReloc {
  offset: number;
  type: number;
  addend: number;
}

interface DynFile {
  kinds: { globDat: number; abs64: number; copy: number };
  /** Data-pointer (GLOB_DAT / ABS64) and COPY relocations, by symbol name (read on first use). */
  relocs(): Map<string, DynReloc[]>;
  /** Every defined dynamic symbol name at st_value `value` (aliases: environ, __environ, _environ). */
  namesAt(value: number): string[];
}

const dynFiles = new Map<string, DynFile | null>();

/** The dynamic relocations and symbols of an ELF file (from its section headers), cached per path; null when it has none. */
function dynFile(path: string): DynFile | null {
  let d = dynFiles.get(path);
  if (d === undefined) dynFiles.set(path, (d = readDynFile(path)));
  return d;
}

function readDynFile(path: string): DynFile | null {
  // Positioned reads of just the headers, the .rela.* sections and the symbols they name: node's own .dynsym is 1.8 MB.
  let fd = -1;
  const read = (off: number, len: number): Buffer => {
    const b = Buffer.alloc(len);
    if (readSync(fd, b, 0, len, off) !== len) throw new Error(`${path}: short read at ${hex(off)}`);
    return b;
  };
  try {
    fd = openSync(path, 'r');
    const eh = read(0, 64);
    if (eh.readUInt32LE(0) !== 0x464c457f || eh[4] !== 2) return null;
    const kinds = RELOC_KINDS[eh.readUInt16LE(18)];
    const shoff = Number(eh.readBigUInt64LE(0x28));
    const shnum = eh.readUInt16LE(0x3c);
    if (!kinds || !shoff || !shnum) return null;
    const sh = read(shoff, shnum * 64);
    const sec = (i: number) => ({ type: sh.readUInt32LE(i * 64 + 4), offset: Number(sh.readBigUInt64LE(i * 64 + 24)), size: Number(sh.readBigUInt64LE(i * 64 + 32)), link: sh.readUInt32LE(i * 64 + 40) });
    let dynsym = -1;
    for (let i = 0; i < shnum; i++) if (sec(i).type === 11 /* SHT_DYNSYM */) dynsym = i;
    if (dynsym < 0) return null;
    const symtab = sec(dynsym);
    const strtab = sec(symtab.link);
    // Small tables (a library's) are read whole; large ones (node's) entry by entry, the file held open
    // while a lazy reader below runs.
    const strs = strtab.size <= 1 << 20 ? read(strtab.offset, strtab.size) : undefined;
    const syms = symtab.size <= 1 << 20 ? read(symtab.offset, symtab.size) : undefined;
    let held = -1;
    const range = (off: number, len: number): Buffer => {
      if (held < 0) return readFileRange(path, off, len);
      const b = Buffer.alloc(len);
      readSync(held, b, 0, len, off);
      return b;
    };
    const holding = <T>(f: () => T): T => {
      if (strs && syms) return f();
      held = openSync(path, 'r');
      try {
        return f();
      } finally {
        closeSync(held);
        held = -1;
      }
    };
    const stringAt = (at: number): string => {
      if (strs) return strs.toString('latin1', at, strs.indexOf(0, at));
      let out = '';
      for (let o = strtab.offset + at; ; o += 128) {
        const chunk = range(o, Math.min(128, strtab.offset + strtab.size - o));
        const nul = chunk.indexOf(0);
        out += chunk.toString('latin1', 0, nul < 0 ? chunk.length : nul);
        if (nul >= 0 || chunk.length < 128) return out;
      }
    };
    const nameIndex = (i: number): number => (syms ? syms.readUInt32LE(i * 24) : range(symtab.offset + i * 24, 4).readUInt32LE(0));
    const names = new Map<number, string>();
    let relocs: Map<string, DynReloc[]> | undefined;
    const relocations = (): Map<string, DynReloc[]> => (relocs ??= holding(readRelocations));
    const readRelocations = (): Map<string, DynReloc[]> => {
      const relocs = new Map<string, DynReloc[]>();
      for (let i = 0; i < shnum; i++) {
        const s = sec(i);
        if (s.type !== 4 /* SHT_RELA */ || s.link !== dynsym) continue;
        const t = range(s.offset, s.size);
        for (let o = 0; o + 24 <= t.length; o += 24) {
          const type = t.readUInt32LE(o + 8);
          const symIndex = t.readUInt32LE(o + 12);
          if (!symIndex || (type !== kinds.globDat && type !== kinds.abs64 && type !== kinds.copy)) continue;
          let name = names.get(symIndex);
          if (name === undefined) names.set(symIndex, (name = stringAt(nameIndex(symIndex))));
          let list = relocs.get(name);
          if (!list) relocs.set(name, (list = []));
          list.push({ offset: Number(t.readBigUInt64LE(o)), type, addend: Number(t.readBigInt64LE(o + 16)) });
        }
      }
      return relocs;
    };
    // Aliases are looked up in the defining libraries only (libc, libstdc++, ...): their tables are read once, on first use.
    let byValue: Map<number, number[]> | undefined;
    const namesAt = (value: number): string[] => holding(() => {
      if (!byValue) {
        byValue = new Map();
        const table = syms ?? range(symtab.offset, symtab.size);
        // 32-bit words (Elf64_Sym: name, info/other/shndx, value lo, value hi, size): fast even before V8 optimizes the loop.
        const w = new Uint32Array(table.buffer, table.byteOffset, table.length >> 2);
        for (let e = 6; e + 6 <= w.length; e += 6) {
          if (w[e + 1]! >>> 16 === 0) continue; // undefined
          const v = w[e + 2]! + w[e + 3]! * 2 ** 32;
          const list = byValue.get(v);
          if (!list) byValue.set(v, [w[e]!]);
          else list.push(w[e]!);
        }
      }
      return [...new Set((byValue.get(value) ?? []).map(stringAt))];
    });
    return { kinds, relocs: relocations, namesAt };
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function readFileRange(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

/** Loaded objects with a readable file: path (the executable as /proc/self/exe's target) and load bias. */
function loadedFiles(): { path: string; base: number; key: string }[] {
  const exe = readlinkSync('/proc/self/exe');
  return loadedObjects()
    .map((o, k) => ({ path: k === 0 && o.name === '' ? exe : o.name, base: o.base, key: `${o.base}:${o.name}` }))
    .filter((o) => o.path.startsWith('/') && existsSync(o.path));
}

/** Protection of the page holding each address (from /proc/self/maps, read on the first question). */
function protections(): (addr: number) => number {
  let maps: [number, number, number][] | undefined;
  return (addr) => {
    if (!maps) {
      maps = [];
      for (const line of readFileSync('/proc/self/maps', 'latin1').split('\n')) {
        const m = /^([0-9a-f]+)-([0-9a-f]+) (.)(.)(.)/.exec(line);
        if (m) maps.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16), (m[3] === 'r' ? PROT_READ : 0) | (m[4] === 'w' ? PROT_WRITE : 0) | (m[5] === 'x' ? PROT_EXEC : 0)]);
      }
    }
    return maps.find(([lo, hi]) => addr >= lo && addr < hi)?.[2] ?? -1;
  };
}

// ---- GOT cells --------------------------------------------------------------------

interface Cell {
  at: number;
  /** What the cell held before we wrote it. */
  was: bigint;
  /** What it holds relative to the variable (the ABS64 addend; 0 for GLOB_DAT). */
  addend: number;
  prot: number;
}

/**
 * Cells of the given objects that point at the variable at `original`
 * (found by its names, confirmed by value): GLOB_DAT cells holding
 * `original`, ABS64 words holding `original + addend`.
 */
function cellsPointingAt(original: number, names: string[], objects: { path: string; base: number }[], prot: (a: number) => number): Cell[] {
  const cells: Cell[] = [];
  for (const o of objects) {
    const d = dynFile(o.path);
    if (!d) continue;
    for (const name of names) {
      for (const r of d.relocs().get(name) ?? []) {
        if (r.type === d.kinds.copy) continue;
        const at = o.base + r.offset;
        const addend = r.type === d.kinds.abs64 ? r.addend : 0;
        const p = prot(at);
        if (p < 0 || !(p & PROT_READ)) continue;
        const was = readWord(at);
        if (was === BigInt(original + addend)) cells.push({ at, was, addend, prot: p });
      }
    }
  }
  return cells;
}

/** The names the defining object gives the variable at `original` (it and its aliases). */
function variableNames(original: number, fallback: string): string[] {
  const sym = dynamicSymbolAt(original);
  if (!sym) return [fallback];
  const names = dynFile(sym.file)?.namesAt(sym.value) ?? [];
  return names.includes(fallback) ? names : [fallback, ...names];
}

// ---- process-wide copies ------------------------------------------------------------

interface ImageCopy {
  name: string;
  original: number;
  copy: number;
  size: number;
  names: string[];
  /** Host GOT cells repointed at the copy (restored when the copy goes away). */
  cells: Cell[];
  /** Whether the original storage is writable (the value is copied back on release). */
  writable: boolean;
  owner: CopyRelocs;
  ownerFreed: boolean;
  /** Images whose references bind to this copy. */
  users: Set<CopyRelocs>;
}

/** Copies in images, by the original variable's address. */
const imageCopies = new Map<number, ImageCopy>();

/** The image copy that stands for the host variable at `original` (so new references bind to it), or undefined. */
export function imageCopyOf(original: number): number | undefined {
  return imageCopies.get(original)?.copy;
}

/** Node's own copies: original variable address -> the executable's copy, with the variable's names. */
let exeCopies: { original: number; copy: number; names: string[] }[] | undefined;

function executableCopies(files: { path: string; base: number }[]): { original: number; copy: number; names: string[] }[] {
  if (exeCopies) return exeCopies;
  exeCopies = [];
  const [exe, ...libs] = files;
  const d = exe ? dynFile(exe.path) : null;
  if (!d) return exeCopies;
  const handles = libs.map((l) => dlopenLoaded(l.path)).filter((h) => h);
  for (const [name, list] of d.relocs()) {
    for (const r of list) {
      if (r.type !== d.kinds.copy) continue;
      // The original is the definition the executable's copy replaced: the libraries' own, found from their handles.
      const copy = exe!.base + r.offset;
      const original = handles.map((h) => dlsym(h, name)).find((a) => a && a !== copy);
      if (original) exeCopies.push({ original, copy, names: variableNames(original, name) });
    }
  }
  return exeCopies;
}

/** Objects already checked by adoptLoadedObjects. */
const adopted = new Set<string>();

/**
 * Applies the process's copies to objects loaded since the last call: a
 * cell still pointing at a variable's original storage is repointed at the
 * copy — Node's (an object opened with RTLD_DEEPBIND bound stdout, environ,
 * ... to libc's own storage) or an image's. Returns the number of cells
 * repointed.
 */
export function adoptLoadedObjects(): number {
  const files = loadedFiles();
  const todo = files.filter((f, k) => k > 0 && !adopted.has(f.key));
  for (const f of todo) adopted.add(f.key);
  if (!todo.length) return 0;
  const prot = protections();
  let n = 0;
  for (const c of executableCopies(files)) {
    for (const cell of cellsPointingAt(c.original, c.names, todo, prot)) {
      writeHostWord(cell.at, BigInt(c.copy + cell.addend), cell.prot);
      n++;
    }
  }
  for (const c of imageCopies.values()) {
    for (const cell of cellsPointingAt(c.original, c.names, todo, prot)) {
      writeHostWord(cell.at, BigInt(c.copy + cell.addend), cell.prot);
      c.cells.push(cell);
      n++;
    }
  }
  return n;
}

/** Before the first library is opened: everything loaded so far was bound by the loader itself. */
export function noteLoadedObjects(): void {
  if (adopted.size) return;
  for (const f of loadedFiles()) adopted.add(f.key);
}

// ---- per image ------------------------------------------------------------------------

interface Planned {
  id: LinkSymId;
  name: string;
  original: number;
  size: number;
  align: number;
  /** An existing copy (another batch or image made it): only this image's references move. */
  existing: ImageCopy | undefined;
  names: string[];
  cells: Cell[];
  writable: boolean;
  /** Offset in the batch's copy chunk; then the copy's address. */
  offset: number;
  copy: number;
  oldAddr: number;
}

/** One image's part in the copies: what the current batch plans, and release on free. */
export class CopyRelocs {
  private planned: Planned[] = [];
  private readonly ids = new Set<LinkSymId>();
  private byOriginal = new Map<number, Planned>();
  private prot: ((a: number) => number) | undefined;
  private files: { path: string; base: number }[] | undefined;
  /** Bytes and alignment of the current batch's copy chunk. */
  size = 0;
  align = 1;

  /** Starts a batch (forgets a previous batch's plan). */
  begin(): void {
    this.planned = [];
    this.ids.clear();
    this.byOriginal.clear();
    this.prot = undefined;
    this.files = undefined;
    this.size = 0;
    this.align = 1;
  }

  /**
   * A `width`-byte PC-relative (`pcRel`) or absolute field references host
   * data symbol `id`. When it cannot reach the symbol from an image near
   * `imageRef`, asks for a copy; returns why that cannot be done, or
   * undefined (reachable, planned, or already there).
   */
  want(syms: SymbolTable, id: LinkSymId, width: number, pcRel: boolean, imageRef: number, reach: number): string | undefined {
    if (width !== 4 || this.ids.has(id)) return undefined;
    const name = syms.name[id]!;
    const addr = syms.addr[id]!;
    // 2 GiB minus a margin for the image's own extent; an absolute field must fit in 31 bits.
    if (pcRel ? Math.abs(addr - imageRef) < reach - 0x10000000 : addr < 0x80000000) return undefined;
    const have = imageCopies.get(addr);
    const sym = dynamicSymbolAt(addr);
    const where = sym ? `${name} (${hex(addr)} in ${sym.file})` : `${name} (${hex(addr)})`;
    if (!have && !this.byOriginal.has(addr)) {
      if (!sym) return `host data symbol ${where} is out of reach of the image (±2 GiB), and no dynamic symbol table entry defines exactly that address, so its size is unknown and it cannot be copied into the image — compile with -fPIC`;
      if ((sym.info & 0xf) === STT_TLS) return `host symbol ${where} is thread-local; it cannot be copied into the image`;
      if (sym.size <= 0) return `host data symbol ${where} is out of reach of the image (±2 GiB) and its size is unknown (st_size 0 in ${sym.file}'s dynamic symbol table), so it cannot be copied into the image — compile with -fPIC`;
    }
    const p = this.plan(name, addr, id, have, sym?.size ?? 0);
    if (!have && p === this.byOriginal.get(addr) && !p.cells.length && p.writable) {
      this.drop(p);
      return `host data symbol ${where} is out of reach of the image (±2 GiB), and no loaded object reaches it through a GOT entry (R_X86_64_GLOB_DAT), so its library reads and writes its own storage directly and a copy in the image would not stay the same variable — compile with -fPIC`;
    }
    return undefined;
  }

  private plan(name: string, original: number, id: LinkSymId, existing: ImageCopy | undefined, size: number): Planned {
    const same = this.byOriginal.get(original);
    this.files ??= loadedFiles();
    this.prot ??= protections();
    let p: Planned;
    this.ids.add(id);
    if (same) {
      p = { ...same, id, cells: [] };
      this.planned.push(p);
      return p;
    }
    const names = existing?.names ?? variableNames(original, name);
    const cells = existing ? [] : cellsPointingAt(original, names, this.files, this.prot);
    const writable = existing?.writable ?? (this.prot(original) & PROT_WRITE) !== 0;
    let align = 1;
    while (align < 64 && original % (align * 2) === 0) align *= 2;
    p = { id, name, original, size, align, existing, names, cells, writable, offset: 0, copy: existing?.copy ?? 0, oldAddr: 0 };
    if (!existing) {
      p.offset = Math.ceil(this.size / align) * align;
      this.size = p.offset + size;
      this.align = Math.max(this.align, align);
      this.byOriginal.set(original, p);
    }
    this.planned.push(p);
    return p;
  }

  private drop(p: Planned): void {
    this.planned = this.planned.filter((q) => q !== p);
    this.ids.delete(p.id);
    this.byOriginal.delete(p.original);
    this.size = p.offset;
  }

  /** Layout: the chunk is at `start`; each planned symbol now means its copy. */
  place(start: number, syms: SymbolTable): void {
    for (const p of this.planned) {
      if (!p.existing) p.copy = start + this.byOriginal.get(p.original)!.offset;
      p.oldAddr = syms.addr[p.id]!;
      syms.addr[p.id] = p.copy;
    }
  }

  /** A failed batch: symbols get their host addresses back (nothing outside the image was written). */
  rollback(syms: SymbolTable, symbolCount: number): void {
    for (const p of this.planned) if (p.id < symbolCount && p.oldAddr) syms.addr[p.id] = p.oldAddr;
    this.begin();
  }

  /**
   * Publish: fill the copies with the variables' current bytes, repoint the
   * host GOT cells, and move this image's earlier references (GOT cells,
   * 64-bit pointers of published batches) to the copies. All or nothing.
   */
  commit(arena: Arena, syms: SymbolTable, relocs: RelocRecords, sites: PatchSiteIndex, relocCount: number, symbolCount: number, isAbs64: (type: number, width: number) => boolean): void {
    const written: Cell[] = [];
    try {
      for (const p of this.planned) {
        if (p.existing || this.byOriginal.get(p.original) !== p) continue;
        arena.writable(p.copy, p.size).set(safeRead(p.original, p.size));
        for (const c of p.cells) {
          if (readWord(c.at) !== c.was) throw new Error(`host GOT cell ${hex(c.at)} for '${p.name}' changed between scan and publish`);
          writeHostWord(c.at, BigInt(p.copy + c.addend), c.prot);
          written.push(c);
        }
      }
    } catch (e) {
      for (const c of written.reverse()) writeHostWord(c.at, c.was, c.prot);
      throw e;
    }
    for (const p of this.planned) {
      if (p.id < symbolCount) {
        // An earlier batch bound this host symbol to the library's storage: its GOT cell and pointers follow the copy.
        const g = syms.got.get(p.id);
        if (g !== undefined) {
          const w = arena.writable(g, 8);
          new DataView(w.buffer, w.byteOffset, 8).setBigUint64(0, BigInt(p.copy), true);
        }
        for (const r of sites.sitesOf(p.id)) {
          if (r >= relocCount || !isAbs64(relocs.type(r), relocs.width(r))) continue;
          const w = arena.writable(relocs.where(r), 8);
          new DataView(w.buffer, w.byteOffset, 8).setBigUint64(0, BigInt(p.copy + relocs.addend(r)), true);
        }
      }
      let c = imageCopies.get(p.original);
      if (!c) {
        c = { name: p.name, original: p.original, copy: p.copy, size: p.size, names: p.names, cells: p.cells, writable: p.writable, owner: this, ownerFreed: false, users: new Set() };
        imageCopies.set(p.original, c);
      }
      c.users.add(this);
    }
    // Host symbols this batch bound to a copy some image already made (through HostResolver) use it too.
    for (let id = symbolCount; id < syms.count; id++) {
      if (syms.kind[id] !== SymKind.Host) continue;
      for (const c of imageCopies.values()) if (syms.addr[id] === c.copy) c.users.add(this);
    }
    this.begin();
  }

  /**
   * The image is being freed. Copies it owns that no other image uses go
   * away: their values return to the libraries' storage and the GOT cells
   * are restored. Returns true when the image's memory must stay mapped
   * (another image still uses a copy in it).
   */
  release(): boolean {
    let keep = false;
    for (const [original, c] of [...imageCopies]) {
      c.users.delete(this);
      if (c.owner === this) c.ownerFreed = true;
      if (c.ownerFreed && c.users.size === 0) {
        const prot = protections();
        if (c.writable) safeWrite(c.original, safeRead(c.copy, c.size));
        for (const cell of c.cells) if (readWord(cell.at) === BigInt(c.copy + cell.addend)) writeHostWord(cell.at, cell.was, prot(cell.at));
        imageCopies.delete(original);
      } else if (c.owner === this) keep = true;
    }
    return keep;
  }
}

/** Addresses of the GOT cells (GLOB_DAT / ABS64) for `name` in the loaded objects whose path contains `fileMatch` (for tests and diagnostics). */
export function hostGotCells(name: string, fileMatch: string): number[] {
  const out: number[] = [];
  for (const o of loadedFiles()) {
    if (!o.path.includes(fileMatch)) continue;
    const d = dynFile(o.path);
    for (const r of d?.relocs().get(name) ?? []) if (r.type !== d!.kinds.copy) out.push(o.base + r.offset);
  }
  return out;
}
