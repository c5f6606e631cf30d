// The REPL commands that move the stopped program by hand, as gdb does them:
// `return [EXPR]` pops the selected frame (and the frames below it) without
// running its code — the caller's registers come from the call frame
// information, the value goes where the SysV ABI returns it (RAX, or XMM0
// for float and double) — and `jump LOC` resumes at another line or
// address. gdb asks before both; like gdb reading commands that are not
// from a terminal, the question is printed and answered yes.

import { HotlinkError, hex } from '../errors.js';
import { CType, sizeOf, stripTypedefs, typeName } from '../dwarf/types.js';
import { Debugger, parseLocation } from './debugger.js';
import type { RegisterName, StopEvent } from './session.js';
import { DWARF_REGS, Frame, unwind } from './unwind.js';

/** What the commands need from the REPL. */
export interface FrameCommandContext {
  dbg: Debugger;
  say(text: string): void;
  /** A C expression's value (`print`'s evaluation). */
  evaluate(expr: string): Promise<{ type: CType; bytes: Uint8Array }>;
  /** `main (argc=1, argv=0x...) at prog.c:43` for a frame (the REPL's frame line). */
  frameLine(f: Frame): string;
  sourceLine(file: string, line: number): string | undefined;
  reportStop(ev: StopEvent): void;
}

/** gdb's answer to its own question when commands do not come from a terminal. */
function autoAnswered(question: string): string {
  return `${question}(y or n) [answered Y; input not from terminal]`;
}

function requireStopped(dbg: Debugger): void {
  if (dbg.session.state !== 'stopped') throw new HotlinkError('usage', 'The program is not being run.');
}

/** `return [EXPR]`. */
export async function returnCommand(ctx: FrameCommandContext, arg: string): Promise<void> {
  const { dbg } = ctx;
  requireStopped(dbg);
  const f = dbg.frames()[dbg.selectedFrame];
  if (!f) throw new HotlinkError('usage', 'No selected frame.');
  const fn = dbg.functionOf(f);
  const returnType = fn ? stripTypedefs(fn.sub.returnType) : undefined;
  // The value first (an error leaves the program as it was), converted to the function's return type.
  let value: { type: CType; bytes: Uint8Array } | undefined;
  if (arg) {
    const typed = returnType && returnType.kind !== 'void' && !(returnType.kind === 'base' && returnType.name === 'void');
    value = await ctx.evaluate(typed ? `(${typeName(fn!.sub.returnType)})(${arg})` : arg);
  }
  // The caller as the CFI restores it (frames() ends at main; a return from main goes back to the runtime).
  const [, caller] = unwind(dbg.view, f.regs, { limit: 2 });
  if (!caller) throw new HotlinkError('usage', 'Can not force return from the outermost frame.');
  const name = dbg.describe(f).function;
  ctx.say(autoAnswered(fn || name !== '??' ? `Make ${name} return now? ` : 'Make selected stack frame return now? '));
  const session = dbg.session;
  for (const [reg, n] of Object.entries(DWARF_REGS)) {
    const v = caller.regs[n];
    if (v !== undefined) session.setReg(reg as RegisterName, v);
  }
  if (value) setReturnValue(dbg, value);
  dbg.invalidateFrames();
  dbg.selectedFrame = 0;
  // gdb's frame print: with the address when the PC (a return address) does not start a statement's row.
  const top = dbg.frames()[0]!;
  const loc = dbg.lineShown(top.pc);
  const midLine = !loc || loc.address !== top.pc || !dbg.view.isStmtRowAt(top.pc);
  ctx.say(`#0  ${midLine ? `0x${top.pc.toString(16).padStart(16, '0')} in ` : ''}${ctx.frameLine(top)}`);
  if (loc) ctx.say(`${loc.line}\t${ctx.sourceLine(loc.file, loc.line) ?? ''}`);
}

/** Puts a return value where the SysV x86-64 ABI returns it. */
function setReturnValue(dbg: Debugger, v: { type: CType; bytes: Uint8Array }): void {
  const t = stripTypedefs(v.type);
  const size = sizeOf(t) ?? v.bytes.length;
  const float = t.kind === 'base' && (t.encoding === 0x04 /* DW_ATE_float */) && size <= 8;
  if (float) {
    const xmm = new Uint8Array(16);
    xmm.set(v.bytes.subarray(0, size));
    dbg.session.setXmm(0, xmm);
    return;
  }
  if (t.kind === 'struct' || t.kind === 'union' || t.kind === 'array' || size > 8) {
    throw new HotlinkError('usage', `returning a value of type '${typeName(v.type)}' is not supported (only scalars and pointers)`);
  }
  let n = 0n;
  for (let i = size - 1; i >= 0; i--) n = (n << 8n) | BigInt(v.bytes[i] ?? 0);
  const signed = t.kind === 'base' && (t.encoding === 0x05 || t.encoding === 0x06 || t.encoding === 0x0d);
  if (signed && size < 8) n = BigInt.asIntN(size * 8, n);
  dbg.session.setReg('rax', n);
}

/** `jump LOC`: resume at LOC (a line, `*ADDRESS` or a function). */
export async function jumpCommand(ctx: FrameCommandContext, arg: string): Promise<void> {
  const { dbg } = ctx;
  requireStopped(dbg);
  if (!arg) throw new HotlinkError('usage', 'Argument required (starting address).');
  const spec = parseLocation(arg);
  const addresses = dbg.resolve(spec);
  if (!addresses.length) throw new HotlinkError('usage', 'line' in spec ? `No line ${spec.line} in ${spec.file ? `file "${spec.file}"` : 'the current file'}.` : `Function "${arg}" not defined.`);
  if (addresses.length > 1) throw new HotlinkError('usage', `Unreasonable jump request: ${arg} has ${addresses.length} locations.`);
  const target = addresses[0]!;
  const here = dbg.functionOf(dbg.frames()[0]!);
  const there = dbg.view.functionAt(target);
  if (here && there?.lowPc !== here.lowPc) {
    ctx.say(autoAnswered(`Line ${dbg.view.lineAt(target)?.line ?? 0} is not in \`${here.name}'.  Jump anyway? `));
  }
  dbg.session.setReg('rip', target);
  dbg.invalidateFrames();
  ctx.say(`Continuing at ${hex(target)}.`);
  // A breakpoint at the target is hit at once, as in gdb (no instruction runs).
  const bp = [...dbg.session.breakpoints.values()].find((b) => b.enabled && b.addresses.includes(target));
  if (bp) {
    bp.hits++;
    if (bp.temporary) dbg.session.deleteBreakpoint(bp.id);
    const ev: StopEvent = { reason: { kind: 'breakpoint', id: bp.id }, pc: target };
    dbg.session.lastStop = ev;
    ctx.reportStop(ev);
    return;
  }
  ctx.reportStop(await dbg.continue());
}
