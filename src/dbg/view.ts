// The debug view of the live image (the seed's cfree_jit_view /
// CfreeDebugInfo): every input's DWARF relocated to image addresses, parsed
// once and lazily, answering PC → function/file:line, file:line → breakpoint
// addresses and function → address after its prologue. It is keyed by the
// image generation: refresh() after an append or reload adds only the new
// inputs and drops the merged indexes. Old inputs stay, so a PC inside an
// old body (foo$body$0) still renders its source line; name → address
// queries prefer the active body (HOT_RELOAD.md §14). Corrupt debug info in
// one input becomes a warning and that input simply has no debug info.

import { basename, normalize } from 'node:path';
import { DebugInfo, readDebugInfo } from '../dwarf/index.js';
import { LineProgram, allLinePrograms } from '../dwarf/line.js';
import { Subprogram, findSubprogram, subprograms, globalVariables, Variable } from '../dwarf/program.js';
import { SHN_ABS, SHN_COMMON, SHN_UNDEF, STT_SECTION } from '../elf/elf.js';
import { Jit } from '../jit.js';
import { LinkInput } from '../link/input.js';
import { SymKind } from '../link/symbols.js';
import { safeRead } from '../memory/native.js';

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** Address of the line-table row that covers the PC. */
  address: number;
  input: number;
}

export interface FunctionInfo {
  sub: Subprogram;
  input: number;
  name: string;
  lowPc: number;
  highPc: number;
}

interface InputDebug {
  input: LinkInput;
  dbg?: DebugInfo | null;
  programs?: LineProgram[];
  subs?: Subprogram[];
}

interface Sequence {
  start: number;
  end: number;
  input: number;
  program: LineProgram;
}

export class DebugView {
  readonly jit: Jit;
  generation = -1;
  readonly warnings: string[] = [];
  private readonly inputs: InputDebug[] = [];
  private sequences: Sequence[] | undefined;

  constructor(jit: Jit) {
    this.jit = jit;
    this.refresh();
  }

  /** Brings the view to the image's generation; true when something changed. */
  refresh(): boolean {
    if (this.generation === this.jit.generation) return false;
    const all = this.jit.session.inputs;
    for (let i = this.inputs.length; i < all.length; i++) this.inputs.push({ input: all[i]! });
    this.sequences = undefined;
    this.generation = this.jit.generation;
    return true;
  }

  /** The input's DWARF relocated to image addresses (parsed on first use; null when it has none or it is corrupt). */
  debugInfo(inputId: number): DebugInfo | null {
    const e = this.inputs[inputId];
    if (!e) return null;
    if (e.dbg !== undefined) return e.dbg;
    const input = e.input;
    const obj = input.obj;
    if (!obj.sections.some((s) => s.name === '.debug_info')) return (e.dbg = null);
    try {
      e.dbg = readImageDebugInfo(this.jit, input);
      for (const w of e.dbg.sections.warnings) this.warnings.push(`${input.file}: ${w.message}`);
    } catch (err) {
      this.warnings.push(`${input.file}: debug info ignored: ${(err as Error).message}`);
      e.dbg = null;
    }
    return e.dbg;
  }

  private programs(inputId: number): LineProgram[] {
    const e = this.inputs[inputId]!;
    if (e.programs) return e.programs;
    const d = this.debugInfo(inputId);
    try {
      e.programs = d ? allLinePrograms(d.info) : [];
    } catch (err) {
      this.warnings.push(`${e.input.file}: line table ignored: ${(err as Error).message}`);
      e.programs = [];
    }
    return e.programs;
  }

  /** Every function with code in the input (parsed once). */
  functions(inputId: number): Subprogram[] {
    const e = this.inputs[inputId]!;
    if (e.subs) return e.subs;
    const d = this.debugInfo(inputId);
    try {
      e.subs = d ? subprograms(d.info, { withCode: true }) : [];
    } catch (err) {
      this.warnings.push(`${e.input.file}: functions ignored: ${(err as Error).message}`);
      e.subs = [];
    }
    return e.subs;
  }

  private sequenceIndex(): Sequence[] {
    if (this.sequences) return this.sequences;
    const out: Sequence[] = [];
    for (let i = 0; i < this.inputs.length; i++) {
      for (const program of this.programs(i)) {
        let seqs;
        try {
          seqs = program.sequences;
        } catch (err) {
          this.warnings.push(`${this.inputs[i]!.input.file}: line program ignored: ${(err as Error).message}`);
          continue;
        }
        for (const s of seqs) if (s.start > 0 && s.end > s.start) out.push({ start: s.start, end: s.end, input: i, program });
      }
    }
    out.sort((a, b) => a.start - b.start);
    return (this.sequences = out);
  }

  /** The input whose loaded code contains `pc`. */
  inputAt(pc: number): number | undefined {
    const seqs = this.sequenceIndex();
    const s = findSequence(seqs, pc);
    if (s) return s.input;
    const sym = this.jit.addrToSym(pc);
    if (!sym) return undefined;
    const idx = this.inputs.findIndex((e) => e.input.file === sym.file);
    return idx >= 0 ? idx : undefined;
  }

  /** file:line of `pc` (the row covering it). */
  lineAt(pc: number): SourceLocation | undefined {
    const s = findSequence(this.sequenceIndex(), pc);
    if (!s) return undefined;
    const t = s.program.table;
    let i = s.program.rowIndexFor(pc);
    if (i < 0) return undefined;
    // Several rows at one address: the last is_stmt one is the line (GDB's choice).
    if (!t.isStmt(i)) {
      for (let k = i - 1; k >= 0 && t.address[k] === t.address[i] && !t.isEndSequence(k); k--) {
        if (t.isStmt(k)) {
          i = k;
          break;
        }
      }
    }
    const file = normalize(s.program.filePath(t.file[i]!) ?? '??');
    return { file, line: t.line[i]!, column: t.column[i]!, address: t.address[i]!, input: s.input };
  }

  /**
   * The line a breakpoint at `address` reports: `wanted` when a row of that
   * line starts there (several lines can share one address in optimized
   * code, and GDB names the one you asked for), else the line at `address`.
   */
  lineForBreakpoint(address: number, wanted?: number): number | undefined {
    const s = findSequence(this.sequenceIndex(), address);
    if (s && wanted !== undefined) {
      const t = s.program.table;
      for (let i = s.program.rowIndexFor(address); i >= 0 && t.address[i] === address && !t.isEndSequence(i); i--) if (t.line[i] === wanted) return wanted;
    }
    return this.lineAt(address)?.line;
  }

  /** Does an is_stmt line-table row start exactly at `pc`? */
  isStmtRowAt(pc: number): boolean {
    const s = findSequence(this.sequenceIndex(), pc);
    if (!s) return false;
    const t = s.program.table;
    for (let i = s.program.rowIndexFor(pc); i >= 0 && t.address[i] === pc && !t.isEndSequence(i); i--) if (t.isStmt(i)) return true;
    return false;
  }

  /** The function whose code contains `pc`. */
  functionAt(pc: number): FunctionInfo | undefined {
    const input = this.inputAt(pc);
    if (input === undefined) return undefined;
    const d = this.debugInfo(input);
    if (!d) return undefined;
    const sub = findSubprogram(d.info, pc);
    if (!sub || sub.lowPc === undefined) return undefined;
    const range = sub.ranges.find((r) => pc >= r.start && pc < r.end) ?? sub.ranges[0];
    return { sub, input, name: sub.name ?? '??', lowPc: range?.start ?? sub.lowPc, highPc: range?.end ?? sub.highPc ?? sub.lowPc };
  }

  /** Is `pc` in a body that is no longer the active one of its reloadable function? */
  private inactive(pc: number): boolean {
    return this.jit.addrToSym(pc)?.active === false;
  }

  /** Is `pc` code or data of the image (a reload's DWARF also describes functions it did not load, at section offsets)? */
  private inImage(pc: number): boolean {
    return this.jit.session.classes.some((c) => pc >= c.start && pc < c.cursor);
  }

  /**
   * Breakpoint addresses for file:line, as GDB chooses them: the first
   * is_stmt row of the line in each function (or, when the line has no
   * code, of the nearest following line that has), skipping old bodies.
   */
  addressesForLine(file: string, line: number): number[] {
    const matches = (path: string | undefined): boolean => !!path && (path === file || path.endsWith('/' + file) || basename(path) === file);
    const candidates: { line: number; address: number }[] = [];
    for (let i = 0; i < this.inputs.length; i++) {
      for (const p of this.programs(i)) {
        const files = new Set<number>();
        for (let f = 0; f < p.file_names.length + 1; f++) if (matches(p.filePath(f))) files.add(f);
        if (!files.size) continue;
        const t = p.table;
        for (let r = 0; r < t.count; r++) {
          if (!t.isStmt(r) || t.isEndSequence(r) || !files.has(t.file[r]!) || t.line[r]! < line) continue;
          candidates.push({ line: t.line[r]!, address: t.address[r]! });
        }
      }
    }
    const live = candidates.filter((c) => this.inImage(c.address) && !this.inactive(c.address));
    if (!live.length) return [];
    const best = Math.min(...live.map((c) => c.line));
    // One address per function: the lowest address of the line inside it.
    const byFunction = new Map<string, number>();
    for (const c of live) {
      if (c.line !== best) continue;
      const f = this.functionAt(c.address);
      const key = f ? `${f.input}:${f.lowPc}` : `${c.address}`;
      const prev = byFunction.get(key);
      if (prev === undefined || c.address < prev) byFunction.set(key, c.address);
    }
    // A line whose code starts a function (its `{`) stops after the prologue, as GDB does.
    return [...byFunction.values()]
      .map((a) => {
        const f = this.functionAt(a);
        return f && f.lowPc === a ? this.afterPrologue(f.lowPc, f.highPc) : a;
      })
      .sort((a, b) => a - b);
  }

  /** The line actually chosen by addressesForLine (GDB moves a breakpoint on a line without code to the next one). */
  lineOfAddress(address: number): number | undefined {
    return this.lineAt(address)?.line;
  }

  /**
   * Where `b func` stops, as GDB chooses: the first row marked prologue_end
   * (clang; it may be the entry itself); else, when the code sets up a frame
   * (`push %rbp`, possibly after endbr64), the second line-table row of the
   * function (gcc -O0); else the entry (optimized code has no prologue).
   */
  afterPrologue(lowPc: number, highPc: number): number {
    const s = findSequence(this.sequenceIndex(), lowPc);
    if (!s) return lowPc;
    const t = s.program.table;
    let first = s.program.rowIndexFor(lowPc);
    if (first < 0) return lowPc;
    while (first > 0 && t.address[first - 1] === lowPc && !t.isEndSequence(first - 1)) first--;
    for (let r = first; r < t.count && t.address[r]! < highPc && !t.isEndSequence(r); r++) {
      if ((t.flags[r]! & 8) !== 0 && t.address[r]! >= lowPc) return t.address[r]!; // prologue_end
    }
    if (!this.setsUpFrame(lowPc)) return lowPc;
    for (let r = first + 1; r < t.count && t.address[r]! < highPc && !t.isEndSequence(r); r++) {
      if (t.address[r]! > lowPc) return t.address[r]!;
    }
    return lowPc;
  }

  /** Does the code at `pc` start with a frame setup (`push %rbp`, after an optional endbr64)? */
  private setsUpFrame(pc: number): boolean {
    const b = safeRead(pc, 8);
    let at = 0;
    if (b[0] === 0xf3 && b[1] === 0x0f && b[2] === 0x1e && b[3] === 0xfa) at = 4;
    return b[at] === 0x55;
  }

  /** The code address of function `name` (the active body of a reloadable function), before or after its prologue. */
  functionAddress(name: string, afterPrologue = true): number | undefined {
    const s = this.jit.session;
    // A global reloadable function, else a static one if only one unit has that name.
    const statics = [...s.units.values()].map((u) => u.funcs.get(name)).filter((x) => x?.local);
    const f = s.reloadFuncs.get(name) ?? (statics.length === 1 ? statics[0] : undefined);
    let low: number | undefined;
    let size = 0;
    if (f) {
      const body = f.bodies[f.current]!;
      low = s.symbols.addr[body];
      size = s.symbols.size[body]!;
    } else {
      const id = s.symbols.byName.get(name);
      if (id !== undefined && s.symbols.kind[id] === SymKind.Image) {
        low = s.symbols.addr[id];
        size = s.symbols.size[id]!;
      } else {
        // A static function: search the debug info.
        for (let i = 0; i < this.inputs.length && low === undefined; i++) {
          const sub = this.functions(i).find((x) => x.name === name && x.lowPc !== undefined && this.inImage(x.lowPc) && !this.inactive(x.lowPc));
          if (sub) {
            low = sub.lowPc!;
            size = (sub.highPc ?? low) - low;
          }
        }
      }
    }
    if (low === undefined) return undefined;
    if (!afterPrologue) return low;
    const fn = this.functionAt(low);
    return this.afterPrologue(low, fn ? fn.highPc : low + Math.max(size, 1));
  }

  /** A global (or file-static) variable by name. */
  globalVariable(name: string): { variable: Variable; input: number } | undefined {
    for (let i = 0; i < this.inputs.length; i++) {
      const d = this.debugInfo(i);
      if (!d) continue;
      let vars: Variable[];
      try {
        vars = globalVariables(d.info);
      } catch {
        continue;
      }
      const v = vars.find((x) => x.name === name && !x.declaration);
      if (v) return { variable: v, input: i };
    }
    return undefined;
  }

  /** Source file names known to the view (for completion and `list`). */
  sourceFiles(): string[] {
    const out = new Set<string>();
    for (let i = 0; i < this.inputs.length; i++) {
      for (const p of this.programs(i)) {
        for (let f = 0; f < p.file_names.length + 1; f++) {
          const path = p.filePath(f);
          if (path && !path.startsWith('/usr/')) out.add(path);
        }
      }
    }
    return [...out];
  }
}

/** The input's DWARF relocated to its image addresses (S of each symbol as linked, P at its section's address). */
export function readImageDebugInfo(jit: Jit, input: LinkInput): DebugInfo {
  const syms = jit.session.symbols;
  const obj = input.obj;
  const symbolValue = (i: number): number => {
    const s = obj.symbols[i];
    if (!s) return 0;
    if (s.shndx === SHN_ABS) return s.st_value;
    if (s.shndx === SHN_UNDEF || s.shndx === SHN_COMMON) {
      const id = input.symIds[i]!;
      return id >= 0 && syms.kind[id] !== SymKind.Discarded ? syms.addr[id]! : 0;
    }
    const base = input.sectionAddr[s.shndx]!;
    if (base < 0) return 0; // debug sections and others we do not load: offsets are section-relative
    if (s.type === STT_SECTION) return base;
    const id = input.symIds[i]!;
    if (id >= 0 && syms.kind[id] === SymKind.Tls) return syms.addr[id]!;
    return base + s.st_value;
  };
  return readDebugInfo(obj, symbolValue, (sec) => Math.max(0, input.sectionAddr[sec]!));
}

function findSequence(seqs: Sequence[], pc: number): Sequence | undefined {
  let lo = 0;
  let hi = seqs.length - 1;
  let best: Sequence | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (seqs[mid]!.start <= pc) {
      best = seqs[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best && pc < best.end) return best;
  // Overlapping sequences (rare): scan back a little.
  for (let k = Math.min(seqs.length - 1, lo); k >= 0 && k > lo - 8; k--) {
    const s = seqs[k]!;
    if (pc >= s.start && pc < s.end) return s;
  }
  return undefined;
}
