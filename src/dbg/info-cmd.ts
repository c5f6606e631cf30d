// `info sharedlibrary` and `info source` as gdb prints them. The shared
// libraries of a hotlink program are the host libraries its image bound (a
// symbol the image resolved lies in them, or it was given as `-l`), with the
// dynamic loader first, as gdb lists the natively linked program's. The
// source facts come from the current unit's DWARF: its name, compilation
// directory, language, producer and version.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SymKind } from '../link/symbols.js';
import { dladdr, loadedObjects } from '../memory/native.js';
import { DW_AT_GNU_macros, DW_AT_macro_info, DW_AT_macros } from '../dwarf/constants.js';
import type { Debugger } from './debugger.js';
import { hasDebugInfo, sharedObjectFile, textRange } from './hostlib.js';

/** The process's program interpreter (PT_INTERP of the executable, i.e. Node's). */
function interpreter(): string | undefined {
  const exe = sharedObjectFile('/proc/self/exe');
  const interp = exe?.sections.find((s) => s.name === '.interp');
  if (!interp) return undefined;
  const fd = readFileSync('/proc/self/exe').subarray(interp.offset, interp.offset + interp.size);
  return fd.toString('latin1').replace(/\0.*$/s, '');
}

/** The host libraries the image uses, in gdb's order: the dynamic loader, then the link map's order. */
export function imageLibraries(dbg: Debugger): { path: string; base: number }[] {
  const s = dbg.jit.session;
  const used = new Set<string>(s.host.libraries.map((l) => l.path));
  for (let id = 0; id < s.symbols.count; id++) {
    if (s.symbols.kind[id] !== SymKind.Host || !s.symbols.addr[id]) continue;
    const file = dladdr(s.symbols.addr[id]!)?.file;
    if (file) used.add(file);
  }
  const ld = interpreter();
  const loaded = loadedObjects().filter((o) => o.name && (used.has(o.name) || o.name === ld));
  loaded.sort((a, b) => Number(b.name === ld) - Number(a.name === ld));
  return loaded.map((o) => ({ path: o.name, base: o.base }));
}

/** `info sharedlibrary`. */
export function infoSharedLibrary(dbg: Debugger, say: (text: string) => void): void {
  const libs = imageLibraries(dbg);
  if (!libs.length) return say('No shared libraries loaded at this time.');
  const addr = (a: number | undefined): string => (a === undefined ? '' : `0x${a.toString(16).padStart(16, '0')}`).padEnd(18);
  say(`${'From'.padEnd(18)}  ${'To'.padEnd(18)}  Syms Read   Shared Object Library`);
  let missing = false;
  for (const l of libs) {
    const range = textRange(l.path, l.base);
    const syms = hasDebugInfo(l.path) ? 'Yes' : 'Yes (*)';
    missing ||= syms !== 'Yes';
    say(`${addr(range?.from)}  ${addr(range?.to)}  ${syms.padEnd(12)}${l.path}`);
  }
  if (missing) say('(*): Shared library is missing debugging information.');
}

const LANGUAGES: Record<number, string> = { 0x01: 'c', 0x02: 'c', 0x0c: 'c', 0x1d: 'c', 0x2c: 'c', 0x04: 'c++', 0x1a: 'c++', 0x21: 'c++', 0x2b: 'c++', 0x8001: 'asm' };

/** `info source`: the unit of the current source file. */
export function infoSource(dbg: Debugger, say: (text: string) => void, lineCount: (file: string) => number | undefined): void {
  const file = dbg.currentFile;
  const f = dbg.frames()[dbg.selectedFrame];
  const pc = f ? (f.level > 0 ? f.pc - 1 : f.pc) : undefined;
  const input = pc !== undefined ? dbg.view.inputAt(pc) : undefined;
  const info = input !== undefined ? dbg.view.debugInfo(input)?.info : undefined;
  const unit = info?.units.find((u) => u.name && file && resolve(u.compDir ?? '', u.name) === resolve(file)) ?? info?.units[0];
  if (!file || !unit?.name) return say('No current source file.');
  const full = resolve(unit.compDir ?? '', unit.name);
  say(`Current source file is ${unit.name}`);
  if (unit.compDir) say(`Compilation directory is ${unit.compDir}`);
  say(`Located in ${full}`);
  const n = lineCount(full);
  if (n) say(`Contains ${n} lines.`);
  say(`Source language is ${LANGUAGES[unit.language ?? 0] ?? 'unknown'}.`);
  if (unit.producer) say(`Producer is ${unit.producer}.`);
  say(`Compiled with DWARF ${unit.version} debugging format.`);
  const macros = [DW_AT_macros, DW_AT_GNU_macros, DW_AT_macro_info].some((a) => unit.root.uint(a) !== undefined);
  say(macros ? 'Includes preprocessor macro info.' : 'Does not include preprocessor macro info.');
}
