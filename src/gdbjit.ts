// GDB's JIT compilation interface (`--gdb`, HOTLINK_GDB_JIT=1,
// JitOptions.gdb): every published batch — the initial link, each append,
// each reload batch — is registered with gdb as one in-memory ELF *symbol
// file*: ET_EXEC, its code and data ranges as SHT_NOBITS sections at their
// image addresses (gdb reads the bytes from the process), a .symtab of the
// batch's functions and variables (bodies as `foo$body$N`, a reloadable
// function's entry as `foo$entry`, host-call stubs as `name@plt`), and the batch's DWARF and .eh_frame relocated to
// image addresses, each debug section the concatenation of the inputs' ones
// (as ld concatenates them). The registration symbols live in a tiny shared
// library of ours (src/runtime/hotlink_gdbjit.c, built once with the host
// compiler into the cache dir and dlopen'ed): Node does not export them.
// Nothing is ever unregistered: old bodies stay mapped and a frame may still
// be in one. One symbol file per batch keeps gdb's per-objfile cost down.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { imageSymbolValue } from './dbg/view.js';
import { DEBUG_SECTION_NAMES, DebugSectionName, loadDebugSections } from './dwarf/sections.js';
import { SHT_NOBITS, STB_LOCAL, STT_FUNC, STT_OBJECT } from './elf/elf.js';
import type { ElfObject, ElfSection } from './elf/object.js';
import { HotlinkError } from './errors.js';
import { SEG_CLASS_COUNT } from './link/input.js';
import type { BatchResult, LinkSession } from './link/session.js';
import { SymKind } from './link/symbols.js';
import { callNative, dlopen, dlsym, mallocNative, memoryView } from './memory/native.js';
import { hotlinkCacheDir as cacheDir } from './cc/identity.js';
import { runtimeSourcePath } from './runtime/runtime.js';
import { defaultCompiler } from './cc/driver.js';

/** Whether the environment asks for GDB JIT registration (HOTLINK_GDB_JIT=1, or any value but '' and '0'). */
export function gdbJitFromEnv(): boolean {
  const v = process.env.HOTLINK_GDB_JIT;
  return v !== undefined && v !== '' && v !== '0';
}

/** Whether a debugger is attached to this process now (/proc/self/status TracerPid). */
export function tracedNow(): boolean {
  try {
    return /^TracerPid:\s*[1-9]/m.test(readFileSync('/proc/self/status', 'latin1'));
  } catch {
    return false;
  }
}

interface Registrar {
  register: number;
  count: number;
}

let registrar: Registrar | undefined;

/** The registration library, built on first use (cached by content hash and compiler) and loaded. */
function loadRegistrar(cc: string): Registrar {
  if (registrar) return registrar;
  const src = runtimeSourcePath('hotlink_gdbjit.c');
  const text = readFileSync(src);
  const key = createHash('sha256').update(text).update('\0' + cc).digest('hex').slice(0, 20);
  const dir = cacheDir();
  const so = join(dir, `hotlink_gdbjit-${key}.so`);
  if (!existsSync(so)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${so}.${process.pid}.tmp`;
    try {
      execFileSync(cc, ['-shared', '-fPIC', '-O1', '-g', '-o', tmp, src], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new HotlinkError('usage', `gdb JIT interface: cannot build ${src} with ${cc}: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`);
    }
    renameSync(tmp, so);
  }
  const { handle, error } = dlopen(so);
  if (!handle) throw new HotlinkError('usage', `gdb JIT interface: cannot load ${so}: ${error}`);
  registrar = { register: dlsym(handle, 'hotlink_gdb_jit_register'), count: dlsym(handle, 'hotlink_gdb_jit_count') };
  return registrar;
}

/** How many symbol files this process has registered with gdb (0 before the first). */
export function gdbJitEntryCount(): number {
  return registrar ? Number(callNative(registrar.count, 'uint64_t (void)')) : 0;
}

/** Registers ELF bytes with gdb: copied to malloc'ed memory that is never freed (gdb may read it at any attach). */
function registerSymbolFile(r: Registrar, elf: Uint8Array): void {
  const p = mallocNative(elf.length);
  memoryView(p, elf.length).set(elf);
  if (!callNative(r.register, 'uintptr_t (uintptr_t, uint64_t)', p, elf.length)) throw new HotlinkError('memory', 'gdb JIT interface: out of memory for a code entry');
}

const SECTION_OF_CLASS: readonly ({ name: string; flags: number } | undefined)[] = [
  { name: '.text', flags: 0x6 }, // RX: SHF_ALLOC | SHF_EXECINSTR
  { name: '.rodata', flags: 0x2 }, // R
  undefined, // TLS: offsets, not addresses
  { name: '.data', flags: 0x3 }, // RW: SHF_WRITE | SHF_ALLOC
];

/** Registers each published batch with gdb; one per Jit (it tracks where the previous batch ended in each class). */
export class GdbJit {
  private readonly cc: string;
  private readonly ends: number[] = [];
  /** Batches registered, and their total symbol file bytes. */
  batches = 0;
  bytes = 0;

  constructor(cc?: string) {
    this.cc = cc && !/tcc/.test(cc) ? cc : defaultCompiler();
  }

  /** The publish observer: builds the batch's symbol file and registers it. */
  readonly observe = (session: LinkSession, batch: BatchResult): void => {
    const r = loadRegistrar(this.cc);
    const elf = this.symbolFile(session, batch);
    registerSymbolFile(r, elf);
    this.batches++;
    this.bytes += elf.length;
  };

  /** The ELF symbol file of one batch. */
  symbolFile(session: LinkSession, batch: BatchResult): Uint8Array {
    const w = new SymbolFileWriter(session.arch.e_machine);
    // The batch's range in each class: from where the last batch ended to the class cursor.
    const shndxOfClass: number[] = [];
    const ranges: { start: number; end: number; shndx: number }[] = [];
    for (let c = 0; c < SEG_CLASS_COUNT; c++) {
      const cls = session.classes[c]!;
      const start = this.ends[c] ?? cls.start;
      this.ends[c] = cls.cursor;
      const sec = SECTION_OF_CLASS[c];
      if (!sec || (c !== 0 && cls.cursor <= start)) continue; // .text always: gdb wants one
      shndxOfClass[c] = w.section({ name: sec.name, type: SHT_NOBITS, flags: sec.flags, addr: start, size: Math.max(0, cls.cursor - start), align: 16 });
      ranges.push({ start, end: cls.cursor, shndx: shndxOfClass[c]! });
    }
    const sectionAt = (a: number): number => ranges.find((r) => a >= r.start && a < r.end)?.shndx ?? 0;
    // Symbols: the batch's functions and variables, then its stubs.
    // A reloadable function's entry (`jmp *slot`) is `foo$entry`: its DWARF name `foo` is the body's, and a
    // minimal symbol `foo` at the entry would give `break foo` a second location there.
    const syms = session.symbols;
    const entries = new Set<number>();
    for (const unit of session.units.values()) for (const f of unit.funcs.values()) if (f.entryId >= batch.firstSymbol) entries.add(f.entryId);
    for (let id = batch.firstSymbol; id < syms.count; id++) {
      const type = syms.type[id];
      if (syms.kind[id] !== SymKind.Image || (type !== STT_FUNC && type !== STT_OBJECT)) continue;
      const shndx = sectionAt(syms.addr[id]!);
      const name = entries.has(id) ? `${syms.name[id]}$entry` : syms.name[id]!;
      if (shndx) w.symbol(name, syms.addr[id]!, syms.size[id]!, type, syms.bind[id]!, shndx);
    }
    for (const id of batch.stubs) {
      const a = syms.stub.get(id);
      if (a !== undefined && sectionAt(a)) w.symbol(`${syms.name[id]}@plt`, a, session.arch.stubSize, STT_FUNC, STB_LOCAL, sectionAt(a));
    }
    this.addDebugSections(session, batch, w, ranges.find((r) => r.shndx === shndxOfClass[0])!.start);
    return w.finish();
  }

  /**
   * Each debug section of the symbol file is the inputs' ones back to back;
   * a reference into a debug section (a section symbol + addend) becomes the
   * piece's offset in the concatenation. .eh_frame is not allocated here:
   * it sits at `ehBase` (inside the batch's code range, so its PC-relative
   * fields reach the code) and each piece is relocated at its place there.
   */
  private addDebugSections(session: LinkSession, batch: BatchResult, w: SymbolFileWriter, ehBase: number): void {
    const pieces = new Map<DebugSectionName, Uint8Array[]>();
    const sizes = new Map<DebugSectionName, number>();
    for (const input of batch.inputs) {
      const obj = input.obj;
      const layout = debugLayout(obj);
      if (!layout.size) continue;
      const at = new Map<number, number>(); // section index -> offset of its piece
      for (const [index, name] of layout) at.set(index, sizes.get(name) ?? 0);
      const base = (sec: number): number => (layout.get(sec) === '.eh_frame' ? ehBase : 0) + at.get(sec)!;
      const image = imageSymbolValue(session, input);
      const value = (i: number): number => {
        const s = obj.symbols[i];
        if (!s || !at.has(s.shndx)) return image(i);
        return base(s.shndx) + (s.type === 3 /* STT_SECTION */ ? 0 : s.st_value);
      };
      const d = loadDebugSections(obj, value, base);
      // A piece that did not come out at its predicted size (an unsupported compression) would shift the ones after it: the input then has no debug info here.
      if ([...layout].some(([index, name]) => d.get(name)?.length !== debugSectionSize(obj, obj.sections[index]!))) continue;
      for (const [, name] of layout) {
        const bytes = d.get(name)!;
        (pieces.get(name) ?? pieces.set(name, []).get(name)!).push(bytes);
        sizes.set(name, (sizes.get(name) ?? 0) + bytes.length);
      }
    }
    for (const [name, list] of pieces) {
      const bytes = concat(list, sizes.get(name)!);
      w.section({ name, type: 1 /* SHT_PROGBITS */, flags: 0, addr: name === '.eh_frame' ? ehBase : 0, size: bytes.length, align: name === '.eh_frame' ? 8 : 1, bytes });
    }
  }
}

/** The object's debug sections that loadDebugSections copies: section index -> name (first of each name, with contents). */
function debugLayout(obj: ElfObject): Map<number, DebugSectionName> {
  const wanted = new Set<string>(DEBUG_SECTION_NAMES);
  const out = new Map<number, DebugSectionName>();
  const seen = new Set<string>();
  for (const s of obj.sections) {
    const name = s.name.startsWith('.zdebug_') ? '.debug_' + s.name.slice(8) : s.name;
    if (!wanted.has(name) || s.sh_type === SHT_NOBITS || seen.has(name)) continue;
    seen.add(name);
    out.set(s.index, name as DebugSectionName);
  }
  return out;
}

/** A debug section's size once decompressed (SHF_COMPRESSED: ch_size; .zdebug_: the big-endian size after "ZLIB"). */
function debugSectionSize(obj: ElfObject, s: ElfSection): number {
  if (s.sh_flags & 0x800 || s.name.startsWith('.zdebug_')) {
    const raw = obj.contents(s);
    if (raw.length < 16) return s.sh_size;
    const dv = new DataView(raw.buffer, raw.byteOffset, 16);
    if (s.sh_flags & 0x800) return Number(dv.getBigUint64(8, true));
    return raw[0] === 0x5a && raw[1] === 0x4c ? Number(dv.getBigUint64(4, false)) : s.sh_size;
  }
  return s.sh_size;
}

function concat(list: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const b of list) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

interface SectionSpec {
  name: string;
  type: number;
  flags: number;
  addr: number;
  size: number;
  align: number;
  bytes?: Uint8Array;
}

/** A minimal ELF64 little-endian ET_EXEC writer: sections, then .symtab/.strtab/.shstrtab, then the section headers. */
class SymbolFileWriter {
  private readonly machine: number;
  private readonly sections: SectionSpec[] = [];
  private readonly locals: number[][] = [];
  private readonly globals: number[][] = [];
  private readonly strtab: string[] = ['\0'];
  private strtabSize = 1;

  constructor(machine: number) {
    this.machine = machine;
  }

  /** Adds a section; returns its index (0 is the null section). */
  section(s: SectionSpec): number {
    this.sections.push(s);
    return this.sections.length;
  }

  symbol(name: string, addr: number, size: number, type: number, bind: number, shndx: number): void {
    const nameOff = this.strtabSize;
    const b = Buffer.byteLength(name) + 1;
    this.strtab.push(name + '\0');
    this.strtabSize += b;
    (bind === STB_LOCAL ? this.locals : this.globals).push([nameOff, (bind << 4) | type, shndx, addr, size]);
  }

  finish(): Uint8Array {
    const all = [...this.locals, ...this.globals];
    const symtab = new Uint8Array((all.length + 1) * 24);
    const sv = new DataView(symtab.buffer);
    all.forEach(([name, info, shndx, addr, size], k) => {
      const o = (k + 1) * 24;
      sv.setUint32(o, name!, true);
      sv.setUint8(o + 4, info!);
      sv.setUint16(o + 6, shndx!, true);
      sv.setBigUint64(o + 8, BigInt(addr!), true);
      sv.setBigUint64(o + 16, BigInt(size!), true);
    });
    const symIndex = this.sections.length + 1;
    this.section({ name: '.symtab', type: 2, flags: 0, addr: 0, size: symtab.length, align: 8, bytes: symtab });
    const strtab = Buffer.from(this.strtab.join(''), 'utf8');
    this.section({ name: '.strtab', type: 3, flags: 0, addr: 0, size: strtab.length, align: 1, bytes: strtab });
    const names: string[] = ['\0'];
    let namesSize = 1;
    const nameOffsets = this.sections.map((s) => {
      const o = namesSize;
      names.push(s.name + '\0');
      namesSize += s.name.length + 1;
      return o;
    });
    const shstrOff = namesSize;
    names.push('.shstrtab\0');
    const shstrtab = Buffer.from(names.join(''), 'latin1');
    this.section({ name: '.shstrtab', type: 3, flags: 0, addr: 0, size: shstrtab.length, align: 1, bytes: shstrtab });
    nameOffsets.push(shstrOff);
    // Layout: header, section contents (aligned), section headers.
    let at = 64;
    const offsets = this.sections.map((s) => {
      if (!s.bytes) return 0;
      at = align(at, s.align);
      const o = at;
      at += s.bytes.length;
      return o;
    });
    const shoff = align(at, 8);
    const shnum = this.sections.length + 1;
    const out = new Uint8Array(shoff + shnum * 64);
    const v = new DataView(out.buffer);
    out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
    v.setUint16(16, 2, true); // ET_EXEC
    v.setUint16(18, this.machine, true);
    v.setUint32(20, 1, true);
    v.setBigUint64(40, BigInt(shoff), true);
    v.setUint16(52, 64, true);
    v.setUint16(58, 64, true);
    v.setUint16(60, shnum, true);
    v.setUint16(62, shnum - 1, true); // .shstrtab is last
    this.sections.forEach((s, k) => {
      if (s.bytes) out.set(s.bytes, offsets[k]!);
      const h = shoff + (k + 1) * 64;
      v.setUint32(h, nameOffsets[k]!, true);
      v.setUint32(h + 4, s.type, true);
      v.setBigUint64(h + 8, BigInt(s.flags), true);
      v.setBigUint64(h + 16, BigInt(s.addr), true);
      v.setBigUint64(h + 24, BigInt(offsets[k]!), true);
      v.setBigUint64(h + 32, BigInt(s.size), true);
      if (s.name === '.symtab') {
        v.setUint32(h + 40, symIndex + 1, true); // sh_link: .strtab
        v.setUint32(h + 44, this.locals.length + 1, true); // sh_info: first global
        v.setBigUint64(h + 56, 24n, true);
      }
      v.setBigUint64(h + 48, BigInt(s.align), true);
    });
    return out;
  }
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
