// Crash rollback (live mode): a fatal signal whose PC is in a body the last
// reload published — or raised by the host on behalf of such a body:
// abort() from a failed assert(), a libc routine handed a bad pointer (the
// frames above the new body are all the host's) — rolls that reload back
// and resumes the crashing thread on the old code, by re-executing the
// statement of the nearest caller frame outside the rolled-back bodies:
//
// 1. unwind from the crash registers with the image's CFI, and the host
//    libraries' for libc frames (src/dbg/unwind.ts);
// 2. past the innermost frame in a new body, the first frame whose call site
//    (return address - 1) is not in a body of that reload is the frame to
//    resume; it must be image code with a line table (a libc frame, e.g.
//    qsort calling back, cannot be re-executed);
// 3. its registers are the CFI-restored ones (callee-saved registers, RSP =
//    the callee's CFA); caller-saved registers keep the crash values, which
//    the statement recomputes from memory (at -O0 always; with optimization a
//    statement can rely on a value computed before it in a call-clobbered
//    register — then re-execution is best effort);
// 4. its PC becomes the start of the line-table statement containing the
//    call: the rows of that line contiguous before the call site (DebugView);
// 5. the slots of every function the reload swapped point at their previous
//    bodies again (one stop-the-world publication), and the thread returns
//    from its signal handler into the rewritten context.
//
// Anything that does not fit (no reload, PC elsewhere, no such frame, the
// unwind fails) returns false: the crash is reported and ends the process.

import { DebugView } from '../dbg/view.js';
import { Frame, unwind } from '../dbg/unwind.js';
import { hex } from '../errors.js';
import { signalName } from '../jit.js';
import type { FileReloadReport, Jit } from '../jit.js';
import type { LinkReloadFunc } from '../link/session.js';
import { memoryView } from '../memory/native.js';
import type { LiveProgram } from './program.js';
import { displayPath } from './watch.js';

/** ucontext gregs index → DWARF register number (r8..r15 rdi rsi rbp rbx rdx rax rcx rsp rip). */
const GREG_DWARF = [8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16];
const OFF_GREGS = 48;

export function tryRollback(p: LiveProgram): boolean {
  const jit = p.jit;
  const last = p.lastReload;
  if (!last) return false;
  const at = jit.lookup('__hotlink_crash')!;
  const mem = memoryView(at, OFF_GREGS + 23 * 8);
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  const signo = Number(dv.getBigInt64(0, true));
  const addr = Number(dv.getBigUint64(16, true));
  const gregs: bigint[] = [];
  for (let i = 0; i < 23; i++) gregs.push(dv.getBigUint64(OFF_GREGS + i * 8, true));
  const pc = Number(gregs[16]);
  const inNew = inBodiesOf(last.report);

  const view = new DebugView(jit);
  const frames = unwind(view, dwarfRegs(gregs), { limit: 256 });
  // The innermost frame in a new body: the crash itself, or a call out of it (abort() from assert(), a libc
  // routine given a bad pointer) whose frames above it are the host's.
  const first = frames.findIndex((f) => inNew(f.level === 0 ? f.pc : f.pc - 1));
  if (first < 0 || frames.slice(0, first).some((f) => view.inputAt(f.level === 0 ? f.pc : f.pc - 1) !== undefined)) return false;
  const raised = first > 0 ? view.functionAt(frames[first]!.pc - 1)?.name : undefined;
  const found = resumePoint(view, frames.slice(first), inNew);
  if (!('start' in found)) return false;
  const resume = found;

  // The report: the crash in the new code, then what was undone.
  const where = raised ? `raised from ${raised}, code published by the last reload` : 'in code published by the last reload';
  const lines = [`hotlink: ${signalName(signo)}${signo === 11 || signo === 7 ? ` at address ${hex(addr)}` : ''} ${where}`];
  try {
    lines.push(...jit.crashBacktrace(gregs));
  } catch {
    lines.push(`  #0 ${hex(pc)}`);
  }
  const names = rollBackReload(jit, last.report, (fn) => p.batch(fn));
  p.lastReload = undefined;
  lines.push(`hotlink: rolled back ${last.report.units.map(displayPath).join(', ')} to generation ${last.before} (${names.join(', ')} ${names.length === 1 ? 'runs its' : 'run their'} previous code); re-executing ${resume.where}`);
  p.write(lines.join('\n') + '\n');

  // The resumed frame's registers, its PC at the statement's start.
  const out = new DataView(mem.buffer, mem.byteOffset + OFF_GREGS, 23 * 8);
  GREG_DWARF.forEach((d, i) => {
    const v = resume.frame.regs[d];
    if (v !== undefined) out.setBigUint64(i * 8, v, true);
  });
  out.setBigUint64(16 * 8, BigInt(resume.start), true);
  return true;
}

/** ucontext gregs (x86-64 order) → registers by DWARF number. */
export function dwarfRegs(gregs: readonly bigint[]): (bigint | undefined)[] {
  const regs: (bigint | undefined)[] = [];
  GREG_DWARF.forEach((d, i) => (regs[d] = gregs[i]));
  return regs;
}

/** Is an address inside one of the bodies a reload published? */
export function inBodiesOf(report: FileReloadReport): (a: number) => boolean {
  const bodies = report.swapped.map((r) => [r.new.address, r.new.address + Math.max(r.new.size, 1)] as const);
  return (a) => bodies.some(([lo, hi]) => a >= lo && a < hi);
}

/** Where re-execution resumes: a caller frame, its statement's first instruction, and `func at file:line`. */
export interface ResumePoint {
  frame: Frame;
  start: number;
  where: string;
}

/**
 * The statement to re-execute: in the first frame after `frames[0]` whose
 * call site is not `skipped`, the start of the line-table statement that
 * contains the call (the rows of the call's line that run contiguously up to
 * it while the CFA rule stays the call site's: never back into a prologue).
 * Otherwise why not, in words.
 */
export function resumePoint(view: DebugView, frames: readonly Frame[], skipped: (a: number) => boolean = () => false): ResumePoint | { why: string } {
  for (const f of frames.slice(1)) {
    const call = f.pc - 1;
    if (skipped(call)) continue;
    const loc = view.lineAt(call);
    const fn = view.functionAt(call);
    if (!loc || !fn) return { why: `its caller at ${hex(f.pc)} has no line information` };
    if (f.regs[7] === undefined) return { why: `the stack pointer of its caller ${fn.name} is not known` };
    const cfi = view.debugInfo(view.inputAt(call)!)?.cfi;
    const ruleAt = (a: number): string => {
      const rule = cfi?.rowAt(a)?.cfa;
      return rule?.kind === 'register-offset' ? `${rule.register}+${rule.offset}` : '?';
    };
    const frameRule = ruleAt(call);
    if (frameRule === '?' || ruleAt(loc.address) !== frameRule) return { why: `the statement of ${fn.name} at ${displayPath(loc.file)}:${loc.line} that made the call does not start in the same frame layout` };
    let start = loc.address;
    for (;;) {
      const prev = view.lineAt(start - 1);
      if (!prev || prev.line !== loc.line || prev.file !== loc.file || prev.address >= start || prev.address < fn.lowPc) break;
      if (ruleAt(prev.address) !== frameRule) break;
      start = prev.address;
    }
    return { frame: f, start, where: `${fn.name} at ${displayPath(loc.file)}:${loc.line}` };
  }
  return { why: 'it is the outermost frame' };
}

/**
 * Points every function a reload swapped (and that still runs that body)
 * back at its previous body, in one publication (`batch`). The names rolled back.
 */
export function rollBackReload(jit: Jit, report: FileReloadReport, batch: (fn: () => void) => void): string[] {
  const funcs: { f: LinkReloadFunc; body: number }[] = [];
  const all = [...jit.session.units.values()].flatMap((u) => [...u.funcs.values()]);
  for (const r of report.swapped) {
    const f = all.find((x) => x.slotAddr === r.slot);
    if (f && f.current === r.new.body) funcs.push({ f, body: r.old.body });
  }
  batch(() => {
    for (const { f, body } of funcs) jit.rollback(f, body);
  });
  return funcs.map(({ f }) => f.name);
}
