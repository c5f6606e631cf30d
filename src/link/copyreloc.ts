// Data copies of the host executable, and the repair DEEPBIND-loaded
// libraries need.
//
// Node's non-PIE executable holds copies of the libc (and libstdc++) data
// it uses itself (stdout, environ, std::cout, ...: R_X86_64_COPY), and the
// loader bound every library's GOT entry for such a variable to that copy.
// A library opened with RTLD_DEEPBIND looks in its own tree first, so it
// binds its references to stdout, environ, ... to libc's own storage, which
// the process never uses (libc's own `environ` is NULL). `adoptLoadedObjects`
// repoints those cells of newly loaded objects at the executable's copies —
// where the loader would have bound them without DEEPBIND. Each object's
// dynamic relocations are read from its file; its load bias comes from the
// link map.

import { closeSync, existsSync, openSync, readFileSync, readSync, readlinkSync } from 'node:fs';
import { hex } from '../errors.js';
import { dlopenLoaded, dlsym, dynamicSymbolAt, loadedObjects, readWord, writeHostWord, PROT_EXEC, PROT_READ, PROT_WRITE } from '../memory/native.js';

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
    // Small string tables (a library's) are read whole; a large one (node's) string by string.
    const strs = strtab.size <= 1 << 20 ? read(strtab.offset, strtab.size) : undefined;
    const stringAt = (at: number): string => {
      if (strs) return strs.toString('latin1', at, strs.indexOf(0, at));
      let out = '';
      for (let o = strtab.offset + at; ; o += 128) {
        const chunk = readFileRange(path, o, Math.min(128, strtab.offset + strtab.size - o));
        const nul = chunk.indexOf(0);
        out += chunk.toString('latin1', 0, nul < 0 ? chunk.length : nul);
        if (nul >= 0 || chunk.length < 128) return out;
      }
    };
    const syms = symtab.size <= 1 << 20 ? read(symtab.offset, symtab.size) : undefined;
    const nameIndex = (i: number): number => (syms ? syms.readUInt32LE(i * 24) : readFileRange(path, symtab.offset + i * 24, 4).readUInt32LE(0));
    const names = new Map<number, string>();
    let relocs: Map<string, DynReloc[]> | undefined;
    const relocations = (): Map<string, DynReloc[]> => {
      if (relocs) return relocs;
      relocs = new Map();
      for (let i = 0; i < shnum; i++) {
        const s = sec(i);
        if (s.type !== 4 /* SHT_RELA */ || s.link !== dynsym) continue;
        const t = readFileRange(path, s.offset, s.size);
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
    const namesAt = (value: number): string[] => {
      if (!byValue) {
        byValue = new Map();
        const table = syms ?? readFileRange(path, symtab.offset, symtab.size);
        for (let e = 24; e + 24 <= table.length; e += 24) {
          if (table.readUInt16LE(e + 6) === 0) continue; // undefined
          const v = table.readUInt32LE(e + 8) + table.readUInt32LE(e + 12) * 2 ** 32;
          const list = byValue.get(v);
          if (!list) byValue.set(v, [table.readUInt32LE(e)]);
          else list.push(table.readUInt32LE(e));
        }
      }
      return [...new Set((byValue.get(value) ?? []).map(stringAt))];
    };
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

// ---- the executable's copies ------------------------------------------------------------

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
 * Applies Node's copies to objects loaded since the last call: a cell still
 * pointing at a variable's original storage (an object opened with
 * RTLD_DEEPBIND bound stdout, environ, ... to libc's own) is repointed at
 * the executable's copy. Returns the number of cells repointed.
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
  return n;
}

/** Before the first library is opened: everything loaded so far was bound by the loader itself. */
export function noteLoadedObjects(): void {
  if (adopted.size) return;
  for (const f of loadedFiles()) adopted.add(f.key);
}
