// The debugger engine under `hotlink dbg`: a linked image, its DebugSession
// (execution control on the worker) and its DebugView (DWARF by
// generation), tied together into source-level operations — breakpoints by
// symbol and file:line, step/next/finish/until by line table and CFI,
// backtraces and frames, and the bookkeeping GDB users expect (hit counts,
// conditions, temporary breakpoints, stale breakpoints after a reload).
// Everything here is an API; the REPL only parses and prints.

import { HotlinkError, hex } from '../errors.js';
import { FileReloadReport, Jit, JitOptions, ReloadReport } from '../jit.js';
import { RegisterValues } from '../dwarf/cfi.js';
import { dladdr, safeRead } from '../memory/native.js';
import { Breakpoint, BreakpointSpec, DebugSession, GREG_NAMES, StopEvent } from './session.js';
import { DWARF_REGS, Frame, unwind } from './unwind.js';
import { DebugView, FunctionInfo, SourceLocation } from './view.js';
import { DebugLive } from './live.js';
import { EvalContext, Location } from '../dwarf/expr.js';
import { Subprogram, Variable, locateVariable, variablesInScope } from '../dwarf/program.js';
import { CType, sizeOf } from '../dwarf/types.js';

export interface FrameVariable {
  name: string;
  type: CType;
  bytes?: Uint8Array;
  /** Where it lives, when in memory. */
  address?: number;
  /** Why there is no value ('<optimized out>', a memory error). */
  error?: string;
}

export interface FrameDescription {
  level: number;
  pc: number;
  function: string;
  offset: number;
  file?: string;
  line?: number;
  /** A reloadable function's body generation, when the PC is in one. */
  body?: number;
  active?: boolean;
  /** The PC is in the image (not libc). */
  inImage: boolean;
  /** For host frames: the library. */
  library?: string;
}

export interface DebuggerOptions extends JitOptions {
  /** Sources and objects of the program. */
  inputs: string[];
}

/** A parsed breakpoint location: `*ADDR`, `FILE:LINE`, `LINE` (current file) or `FUNCTION`. */
export function parseLocation(text: string): BreakpointSpec {
  const t = text.trim();
  if (t.startsWith('*')) {
    const v = Number(t.slice(1).trim());
    if (!Number.isFinite(v)) throw new HotlinkError('usage', `bad address '${t.slice(1)}'`);
    return { address: v };
  }
  const m = /^(.+):(\d+)$/.exec(t);
  if (m) return { file: m[1]!, line: Number(m[2]) };
  if (/^\d+$/.test(t)) return { file: '', line: Number(t) };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) throw new HotlinkError('usage', `bad location '${t}': use FUNCTION, FILE:LINE, LINE or *ADDRESS`);
  return { symbol: t };
}

export class Debugger {
  readonly jit: Jit;
  readonly session: DebugSession;
  readonly view: DebugView;
  selectedFrame = 0;
  private frameCache: Frame[] | undefined;
  /** The file of the last stop, for `b LINE` and `list`. */
  currentFile: string | undefined;
  /** Where compiler diagnostics of `jit {}`, reloads and expressions go (the REPL's output). */
  diagnostics: ((text: string) => void) | undefined;
  /** The program's inputs (what auto-reload watches). */
  inputs: string[] = [];
  /** Reload while running (stop-the-world publication), crash rollback, `restart`, auto-reload. */
  readonly live: DebugLive;

  constructor(jit: Jit) {
    this.jit = jit;
    this.session = new DebugSession(jit);
    this.view = new DebugView(jit);
    this.insnStarts = jit.arch.instructionStarts?.bind(jit.arch);
    this.session.onStop = (ev) => this.afterStop(ev);
    this.live = new DebugLive(this);
  }

  /** Forgets the cached stack (after anything that moved the worker). */
  invalidateFrames(): void {
    this.frameCache = undefined;
  }

  /** Compiles and links a program for debugging: -O0 -g, reloadable functions, the worker runtime. */
  static async create(opts: DebuggerOptions): Promise<Debugger> {
    let self: Debugger | undefined;
    const onDiagnostics = (t: string): void => (self?.diagnostics ? self.diagnostics(t) : void process.stderr.write(t));
    const jit = new Jit({ onDiagnostics, ...opts, cflags: ['-O0', ...(opts.cflags ?? [])], indirection: opts.indirection ?? 'exported-funcs', debugRuntime: true, liveRuntime: true });
    for (const f of opts.inputs) jit.addFile(f);
    await jit.link();
    self = new Debugger(jit);
    self.inputs = [...opts.inputs];
    return self;
  }

  // ---- Breakpoints -----------------------------------------------------------------------

  /** Addresses a location stands for now (empty when it does not resolve yet). */
  resolve(spec: BreakpointSpec): number[] {
    this.view.refresh();
    if ('address' in spec) return [spec.address];
    if ('symbol' in spec) {
      const a = this.view.functionAddress(spec.symbol);
      return a === undefined ? [] : [a];
    }
    const file = spec.file || this.currentFile;
    if (!file) throw new HotlinkError('usage', 'no current source file: give FILE:LINE');
    return this.view.addressesForLine(file, spec.line);
  }

  /**
   * Sets a breakpoint. A FILE:LINE or function that does not resolve yet
   * stays pending and is armed after each append (INCREMENTAL_LINK.md §12).
   */
  breakAt(location: string | BreakpointSpec, opts: { temporary?: boolean; condition?: Breakpoint['condition']; conditionText?: string } = {}): Breakpoint {
    const spec = typeof location === 'string' ? parseLocation(location) : location;
    if ('file' in spec && !spec.file) {
      // Before the program runs, GDB's default source file is main's.
      const file = this.currentFile ?? this.mainFile();
      if (!file) throw new HotlinkError('usage', 'no current source file: give FILE:LINE');
      spec.file = file;
    }
    const addresses = this.resolve(spec);
    if ('address' in spec && addresses.length) {
      const ok = this.instructionStart(spec.address);
      if (ok === false) throw new HotlinkError('usage', `cannot set a breakpoint at ${hex(spec.address)}: not the start of an instruction`);
    }
    return this.session.addBreakpoint(spec, addresses, opts);
  }

  /** The source file of main, GDB's default before the program runs. */
  mainFile(): string | undefined {
    const a = this.view.functionAddress('main', false);
    return a !== undefined ? this.view.lineAt(a)?.file : undefined;
  }

  /** Is `address` an instruction start in the image? undefined when it cannot be told. */
  private instructionStart(address: number): boolean | undefined {
    const sym = this.jit.addrToSym(address);
    if (!sym) return undefined;
    const start = address - sym.offset;
    const decoder = this.insnStarts;
    if (!decoder) return undefined;
    const code = safeRead(start, sym.offset + 16);
    return decoder(code).includes(sym.offset);
  }

  /** An instruction-start decoder (linear sweep), installed when available. */
  insnStarts: ((code: Uint8Array) => number[]) | undefined;

  /** Re-resolves every non-address breakpoint (after an append, reload or rollback). */
  rebindBreakpoints(): { moved: number[]; stale: number[]; armed: number[] } {
    const out = { moved: [] as number[], stale: [] as number[], armed: [] as number[] };
    for (const bp of this.session.breakpoints.values()) {
      if ('address' in bp.spec) continue;
      let now = this.resolve(bp.spec);
      if ('file' in bp.spec && bp.addresses.length && now.length) {
        // Re-resolving a bound file:line must find the same line again, not slide into another function.
        const bound = this.view.lineAt(bp.addresses[0]!)?.line ?? bp.spec.line;
        now = now.filter((a) => this.view.lineAt(a)?.line === bound);
      }
      const same = now.length === bp.addresses.length && now.every((a, i) => a === bp.addresses[i]);
      if (same) continue;
      if (!now.length) {
        if (bp.addresses.length && !bp.stale) {
          // Keep it on the old code, marked stale (HOT_RELOAD.md §13).
          this.session.rebind(bp.id, bp.addresses, true);
          out.stale.push(bp.id);
        }
        continue;
      }
      if (!bp.addresses.length) out.armed.push(bp.id);
      else out.moved.push(bp.id);
      this.session.rebind(bp.id, now, false);
    }
    return out;
  }

  // ---- Running -----------------------------------------------------------------------------

  /** Starts the program; with `stopAtMain`, stops at main after its prologue (GDB's `start`). */
  async run(args: string[], opts: { stopAtMain?: boolean } = {}): Promise<StopEvent> {
    let temp: Breakpoint | undefined;
    if (opts.stopAtMain) temp = this.breakAt('main', { temporary: true });
    const ev = await this.session.start(args);
    return this.afterStop(ev, temp);
  }

  async continue(): Promise<StopEvent> {
    return this.afterStop(await this.session.continue());
  }

  async stepi(): Promise<StopEvent> {
    return this.afterStop(await this.session.stepi());
  }

  /** Bookkeeping after every stop: hit counts, conditions, temporary breakpoints, frame cache. */
  private async afterStop(ev: StopEvent, alsoDelete?: Breakpoint): Promise<StopEvent> {
    for (;;) {
      this.frameCache = undefined;
      this.selectedFrame = 0;
      this.view.refresh();
      if (ev.reason.kind === 'breakpoint') {
        const bp = this.session.breakpoints.get(ev.reason.id);
        if (bp) {
          if (bp.condition) {
            let ok = false;
            try {
              ok = await bp.condition(this.session);
            } catch (e) {
              // GDB stops when a condition cannot be evaluated, and says why.
              ok = true;
              ev = { ...ev, conditionError: `Error in testing condition for breakpoint ${bp.id}:\n${(e as Error).message}` };
            }
            if (!ok) {
              ev = await this.session.continue();
              continue;
            }
          }
          bp.hits++;
          if (bp.temporary) this.session.deleteBreakpoint(bp.id);
        }
      }
      break;
    }
    if (alsoDelete && this.session.breakpoints.has(alsoDelete.id) && ev.reason.kind !== 'breakpoint') {
      // the temporary breakpoint was not reached (program ended first)
      this.session.deleteBreakpoint(alsoDelete.id);
    }
    if (ev.pc !== undefined) this.currentFile = this.view.lineAt(ev.pc)?.file ?? this.currentFile;
    return ev;
  }

  // ---- Frames ---------------------------------------------------------------------------------

  /** Registers by DWARF number from a ucontext gregs array (the session's, or a saved call context). */
  private dwarfRegs(gregs?: BigUint64Array): RegisterValues {
    const regs: RegisterValues = [];
    GREG_NAMES.forEach((name, i) => {
      const n = DWARF_REGS[name];
      if (n !== undefined) regs[n] = gregs ? gregs[i] : this.session.regBig(name);
    });
    return regs;
  }

  /**
   * The stack, innermost first, ending at main (like GDB). A debugger call
   * in progress shows as a `<function called from the debugger>` frame,
   * below which the stack of the frame that made the call continues.
   */
  frames(): Frame[] {
    if (this.frameCache) return this.frameCache;
    const mainLow = this.view.functionAddress('main', false);
    const mainFn = mainLow !== undefined ? this.view.functionAt(mainLow) : undefined;
    const dummy = this.jit.lookup('__hotlink_dbg_call_return');
    const inMain = (f: Frame): boolean => !!mainFn && f.pc >= mainFn.lowPc && f.pc < mainFn.highPc;
    const contexts = this.session.callContexts();
    let regs = this.dwarfRegs();
    let next = contexts.length - 1;
    const out: Frame[] = [];
    for (;;) {
      const part = unwind(this.view, regs, { stopAfter: (f) => inMain(f) || f.pc === dummy });
      for (const f of part) {
        // The wrapper of an expression being evaluated is an implementation detail (GDB shows only the dummy frame).
        if (this.inExpressionWrapper(f.level ? f.pc - 1 : f.pc)) continue;
        out.push({ ...f, level: out.length });
      }
      const last = out[out.length - 1];
      if (!last || last.pc !== dummy || next < 0) break;
      regs = this.dwarfRegs(contexts[next--]);
    }
    this.frameCache = out;
    return out;
  }

  /** What a frame shows in `bt` and on stops. */
  describe(f: Frame): FrameDescription {
    if (f.pc === this.jit.lookup('__hotlink_dbg_call_return')) {
      return { level: f.level, pc: f.pc, function: '<function called from the debugger>', offset: 0, inImage: false };
    }
    const lookupPc = f.how !== 'registers' ? f.pc - 1 : f.pc; // a caller's PC is a return address
    const sym = this.jit.addrToSym(lookupPc);
    const loc = this.lineShown(lookupPc);
    const fn = this.view.functionAt(lookupPc);
    if (sym || fn) {
      const name = fn?.name ?? sym!.name;
      const offset = fn ? f.pc - fn.lowPc : f.pc - (lookupPc - sym!.offset);
      return { level: f.level, pc: f.pc, function: name, offset, file: loc?.file, line: loc?.line, body: sym?.body, active: sym?.active, inImage: true };
    }
    const host = dladdr(lookupPc);
    return { level: f.level, pc: f.pc, function: host?.name ?? '??', offset: host?.name ? f.pc - host.address : 0, inImage: false, library: host?.file };
  }

  /**
   * The line gdb shows for `pc`: the row covering it, except that a line-0
   * row (clang's code without a source line, e.g. after a call) shows the
   * line of the row before it.
   */
  lineShown(pc: number): SourceLocation | undefined {
    const loc = this.view.lineAt(pc);
    return loc?.line === 0 ? this.view.lineAt(pc - 1) ?? loc : loc;
  }

  backtrace(): FrameDescription[] {
    return this.frames().map((f) => this.describe(f));
  }

  // ---- Variables of a frame -----------------------------------------------------------------

  /** The evaluation context of frame `level`: its registers, CFA and memory. */
  evalContext(f: Frame): EvalContext {
    return {
      readRegister: (r) => f.regs[r],
      readMemory: (address, size) => {
        const b = this.session.readMemory(Number(address), size);
        if (b.length < size) return undefined;
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        return v;
      },
      cfa: () => (f.cfa !== undefined ? BigInt(f.cfa) : undefined),
      addressSize: 8,
    };
  }

  /** The function (DWARF) of a frame. */
  functionOf(f: Frame): FunctionInfo | undefined {
    return this.view.functionAt(f.level > 0 ? f.pc - 1 : f.pc);
  }

  /**
   * The values of a frame's parameters or locals (innermost blocks included):
   * name, type and bytes, or why the value is not available.
   */
  variablesOf(level: number, which: 'args' | 'locals'): FrameVariable[] {
    const f = this.frames()[level];
    if (!f) return [];
    const fn = this.functionOf(f);
    if (!fn) return [];
    const pc = f.level > 0 ? f.pc - 1 : f.pc;
    const vars = which === 'args' ? fn.sub.params : variablesInScope(fn.sub, pc).filter((v) => !v.isParameter);
    const ctx = this.evalContext(f);
    return vars.map((v) => this.readVariable(v, pc, ctx, fn.sub));
  }

  /** Reads a variable through its DWARF location. */
  readVariable(v: Variable, pc: number, ctx: EvalContext, sub?: Subprogram): FrameVariable {
    const name = v.name ?? '?';
    const size = sizeOf(v.type) ?? 8;
    let loc: Location;
    try {
      loc = locateVariable(v, pc, ctx, sub);
    } catch (e) {
      return { name, type: v.type, error: (e as Error).message };
    }
    const bytes = this.locationBytes(loc, size, ctx);
    return typeof bytes === 'string' ? { name, type: v.type, error: bytes } : { name, type: v.type, bytes: bytes.bytes, address: bytes.address };
  }

  private locationBytes(loc: Location, size: number, ctx: EvalContext): { bytes: Uint8Array; address?: number } | string {
    const le = (v: bigint): Uint8Array => {
      const out = new Uint8Array(size);
      for (let i = 0; i < size; i++) out[i] = Number((BigInt.asUintN(64, v) >> BigInt(8 * Math.min(i, 7))) & 0xffn) * (i < 8 ? 1 : 0);
      return out;
    };
    switch (loc.kind) {
      case 'memory': {
        const address = Number(loc.address);
        const b = this.session.readMemory(address, size);
        return b.length === size ? { bytes: b, address } : `<error: Cannot access memory at address ${hex(address)}>`;
      }
      case 'register': {
        // XMM0-15 (DWARF 17-32) are not in the unwound register sets: the stopped context's (gdb's same-value rule).
        if (loc.register >= 17 && loc.register <= 32) return { bytes: this.session.xmm(loc.register - 17).slice(0, size) };
        const v = ctx.readRegister(loc.register);
        if (v === undefined) return '<optimized out>';
        return { bytes: le(v) };
      }
      case 'value':
        return { bytes: le(loc.value) };
      case 'implicit':
        return { bytes: loc.bytes.slice(0, size) };
      case 'pieces': {
        const out = new Uint8Array(size);
        let at = 0;
        for (const p of loc.pieces) {
          const n = Math.ceil(p.sizeBits / 8);
          const part = this.locationBytes(p.location, n, ctx);
          if (typeof part === 'string') return part;
          out.set(part.bytes.subarray(0, Math.min(n, size - at)), at);
          at += n;
        }
        return { bytes: out };
      }
      default:
        return '<optimized out>';
    }
  }

  // ---- Source-level stepping -------------------------------------------------------------------

  private rsp(): number {
    return this.session.reg('rsp');
  }

  private word(address: number): number | undefined {
    const b = safeRead(address, 8);
    return b.length === 8 ? Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)) : undefined;
  }

  /** Did the last instruction (at prevPc with stack prevSp) call something? Then the return address is at [rsp]. */
  private justCalled(prevPc: number, prevSp: number): number | undefined {
    if (this.rsp() !== prevSp - 8) return undefined;
    const ra = this.word(this.rsp());
    return ra !== undefined && ra > prevPc && ra <= prevPc + 16 ? ra : undefined;
  }

  /**
   * `step` (into calls that have line info) and `next` (over calls): single
   * steps until the PC reaches the start of a different source line in this
   * frame or a caller; calls are run to their return.
   */
  async stepLine(into: boolean): Promise<StopEvent> {
    let start = this.view.lineAt(this.session.reg('rip'));
    if (!start) return this.finishOutOfUnknown();
    let startCfa = this.frames()[0]?.cfa ?? this.rsp();
    let ev: StopEvent;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const prevPc = this.session.reg('rip');
      const prevSp = this.rsp();
      ev = await this.session.stepi();
      if (ev.reason.kind !== 'step') return this.afterStop(ev);
      const pc = this.session.reg('rip');
      if (this.inExpressionWrapper(pc)) {
        // Stepped out of a function the debugger called: complete the call, back where the program stopped.
        const done = await this.afterStop(await this.session.continue());
        return done.reason.kind === 'call-returned' ? { reason: { kind: 'step' }, pc: done.pc } : done;
      }
      const ra = this.justCalled(prevPc, prevSp);
      if (ra !== undefined) {
        // Through a reloadable function's entry (jmp *slot) to its body.
        if (into) {
          for (let hop = 0; hop < 4 && this.isTrampoline(this.session.reg('rip')); hop++) {
            ev = await this.session.stepi();
            if (ev.reason.kind !== 'step') return this.afterStop(ev);
          }
        }
        const pcIn = this.session.reg('rip');
        const target = this.view.lineAt(pcIn);
        if (into && target && this.jit.addrToSym(pcIn)) {
          // Step into a function with line info: stop after its prologue.
          const fn = this.view.functionAt(pcIn);
          const stopAt = fn ? this.view.afterPrologue(fn.lowPc, fn.highPc) : pcIn;
          if (stopAt !== pcIn) {
            ev = await this.session.runTo(stopAt);
            if (ev.reason.kind !== 'step') return this.afterStop(ev);
          }
          return this.afterStop({ reason: { kind: 'step' }, pc: this.session.reg('rip') });
        }
        ev = await this.session.runTo(ra, this.rsp());
        if (ev.reason.kind !== 'step') return this.afterStop(ev);
        const back = this.view.lineAt(this.session.reg('rip'));
        if (back && back.address === ra && (back.line !== start.line || back.file !== start.file) && this.isStmtStart(ra)) break;
        continue;
      }
      const loc = this.view.lineAt(pc);
      if (!loc) {
        // Left the code with line info (returned into the runtime or a library): finish out.
        return this.finishOutOfUnknown();
      }
      const returned = this.rsp() > startCfa - 8;
      if (returned) {
        // Back in the caller: stop if the return address starts a line-table row (even of the call's own line,
        // as GDB does); in the middle of a row, step on to the next line.
        this.frameCache = undefined;
        const callLine = this.view.lineAt(pc - 1);
        if (loc.address === pc && this.isStmtStart(pc)) break;
        start = callLine ?? loc;
        startCfa = this.frames()[0]?.cfa ?? this.rsp();
        continue;
      }
      if (loc.address === pc && (loc.line !== start.line || loc.file !== start.file) && this.isStmtStart(pc)) break;
    }
    return this.afterStop({ reason: { kind: 'step' }, pc: this.session.reg('rip') });
  }

  /** Is `pc` inside the generated wrapper of an expression being evaluated (src/dbg/expr.ts)? */
  private inExpressionWrapper(pc: number): boolean {
    return this.jit.addrToSym(pc)?.name.startsWith('__hotlink_expr') ?? false;
  }

  /** Does an is_stmt line-table row start at `pc`? */
  private isStmtStart(pc: number): boolean {
    return this.view.isStmtRowAt(pc);
  }

  /** Is `pc` a reloadable function's entry or a stub (code that only jumps on)? */
  private isTrampoline(pc: number): boolean {
    const s = this.jit.session;
    for (const f of s.reloadFuncs.values()) if (pc === f.entryAddr) return true;
    return this.jit.addrToSym(pc)?.name.endsWith('@stub') ?? false;
  }

  /** Without line info here, `step` acts like `finish` (GDB steps out of such functions). */
  private async finishOutOfUnknown(): Promise<StopEvent> {
    const frames = this.frames();
    if (frames.length < 2) return this.afterStop(await this.session.continue());
    return this.afterStop(await this.session.runTo(frames[1]!.pc, frames[0]!.cfa !== undefined ? frames[0]!.cfa - 8 : this.rsp()));
  }

  async step(): Promise<StopEvent> {
    return this.stepLine(true);
  }

  async next(): Promise<StopEvent> {
    return this.stepLine(false);
  }

  /**
   * Runs until the selected frame returns; reports the value it returned
   * (RAX, or XMM0 for floating-point results) with the function's return type.
   */
  async finish(): Promise<{ stop: StopEvent; function?: string; value?: { rax: bigint; xmm0: Uint8Array } }> {
    const frames = this.frames();
    const f = frames[this.selectedFrame];
    if (!f || !frames[this.selectedFrame + 1]) throw new HotlinkError('usage', '"finish" not meaningful in the outermost frame.');
    const fnName = this.describe(f).function;
    // The real return address (frames() hides the wrapper of an expression being evaluated).
    const raw = unwind(this.view, f.regs, { limit: 2 });
    const cfa = raw[0]?.cfa ?? f.cfa ?? this.rsp();
    const ret = raw[1]?.pc ?? frames[this.selectedFrame + 1]!.pc;
    const stop = await this.session.runTo(ret, cfa - 8);
    if (stop.reason.kind !== 'step' || stop.pc !== ret) return { stop: await this.afterStop(stop) };
    const value = { rax: this.session.regBig('rax'), xmm0: this.session.xmm(0) };
    if (this.inExpressionWrapper(ret)) {
      // Finishing out of a function the debugger called: complete that call and return to where the program stopped.
      const done = await this.afterStop(await this.session.continue());
      return { stop: done.reason.kind === 'call-returned' ? { reason: { kind: 'step' }, pc: done.pc } : done, function: fnName, value };
    }
    const ev = await this.afterStop(stop);
    return { stop: { reason: { kind: 'step' }, pc: ev.pc }, function: fnName, value };
  }

  /** `until LOCATION` / `advance`: run to a location (or the frame's return). */
  async until(location?: string): Promise<StopEvent> {
    if (!location) return this.next();
    const addresses = this.resolve(parseLocation(location));
    if (!addresses.length) throw new HotlinkError('usage', `no code at ${location}`);
    const caller = this.frames()[1];
    // Internal breakpoints: the location, or the current frame's return (GDB stops at whichever comes first).
    const ev = await this.session.runToAny(caller ? [...addresses, caller.pc] : addresses);
    return this.afterStop(ev);
  }

  // ---- Code changes while stopped ------------------------------------------------------------

  /** Reload a function while stopped (HOT_RELOAD.md §9, §13): then rebind symbol and line breakpoints. */
  async reload(name: string, file: string, opts: { unchecked?: boolean } = {}): Promise<{ report: ReloadReport; breakpoints: ReturnType<Debugger['rebindBreakpoints']> }> {
    const report = await this.jit.reloadFunction(name, file, opts);
    this.live.noteReload(report.file);
    this.view.refresh();
    this.frameCache = undefined;
    return { report, breakpoints: this.rebindBreakpoints() };
  }

  /**
   * `reload FILE` while stopped: FILE is a live translation unit or a header
   * of live units; every affected unit is recompiled and reloaded as one
   * transaction (Jit.reloadFile), then breakpoints are rebound.
   */
  async reloadFile(file: string, opts: { unchecked?: boolean } = {}): Promise<{ result: FileReloadReport; breakpoints: ReturnType<Debugger['rebindBreakpoints']> }> {
    const result = await this.jit.reloadFile(file, opts);
    this.live.noteReload(result);
    this.view.refresh();
    this.frameCache = undefined;
    return { result, breakpoints: this.rebindBreakpoints() };
  }

  async rollback(name: string, body?: number): Promise<{ report: ReloadReport; breakpoints: ReturnType<Debugger['rebindBreakpoints']> }> {
    const report = this.jit.rollback(name, body);
    this.live.forgetReload();
    this.view.refresh();
    this.frameCache = undefined;
    return { report, breakpoints: this.rebindBreakpoints() };
  }

  /** Appends C code to the live image (the REPL's `jit { ... }`), then arms pending breakpoints. */
  async append(source: string, name: string): Promise<{ symbols: string[]; armed: number[] }> {
    const r = await this.jit.append([{ source, name }]);
    this.view.refresh();
    const rebound = this.rebindBreakpoints();
    return { symbols: r.symbols.map((s) => s.name), armed: rebound.armed };
  }
}
