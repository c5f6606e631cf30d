// DebugSession: execution control over a program running on the worker
// thread (src/runtime/hotlink_dbg.c). The worker stops on traps and faults
// and waits; this side reads its saved registers, may rewrite them, and
// resumes it with "continue" or "step" (trap flag). Everything else is
// built from those two: breakpoints are int3 bytes written through the
// image's RW alias (never a writable code page) and stepped over by
// removing, single-stepping and re-inserting; calls made while stopped run
// on the worker through a dummy frame whose return address traps, so a
// breakpoint inside the called function is an ordinary (nested) stop.

import { read as fsRead, readSync, writeSync, closeSync } from 'node:fs';
import { constants } from 'node:os';
import { HotlinkError, hex } from '../errors.js';
import { Jit, signalName } from '../jit.js';
import { SegClass } from '../link/input.js';
import { createPipe, memoryView, nativeArgv, nativeArray, safeRead, safeWrite, callNative, restoreInheritedFds } from '../memory/native.js';

/** x86-64 general registers in the order of ucontext's gregs. */
export const GREG_NAMES = ['r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rdi', 'rsi', 'rbp', 'rbx', 'rdx', 'rax', 'rcx', 'rsp', 'rip', 'eflags'] as const;
export type RegisterName = (typeof GREG_NAMES)[number];
const REG = Object.fromEntries(GREG_NAMES.map((n, i) => [n, i])) as Record<RegisterName, number>;

// Layout of struct hotlink_dbg.
const OFF_STATE = 0;
const OFF_SIGNO = 8;
const OFF_CODE = 16;
const OFF_ADDR = 24;
const OFF_GREGS = 32;
const OFF_FPREGS = 32 + 23 * 8;
const OFF_EXIT = OFF_FPREGS + 512;
const OFF_THREAD = OFF_EXIT + 24;
const DBG_SIZE = OFF_THREAD + 8;

const STATE_EXITED = 2;
const SI_KERNEL = 0x80;
const TRAP_TRACE = 2;
const SI_TKILL = -6;
/** A perf event with sigtrap (a hardware watchpoint, src/dbg/watch.ts). */
const TRAP_PERF = 6;
const TRAP_FLAG = 0x100;

export type StopReason =
  | { kind: 'start' }
  | { kind: 'breakpoint'; id: number }
  | { kind: 'step' }
  | { kind: 'signal'; signal: string; signo: number; address: number }
  | { kind: 'interrupt' }
  /** A hardware watchpoint trapped at `address` (src/dbg/watch.ts turns it into a report, or resumes). */
  | { kind: 'watch-trap'; address: number }
  /** A watchpoint's value changed or was accessed (`report` is GDB's text), or it went out of scope. */
  | { kind: 'watchpoint'; id: number; report: string }
  | { kind: 'call-returned'; value?: number }
  | { kind: 'exited'; status: number }
  | { kind: 'killed'; signo: number };

export interface StopEvent {
  reason: StopReason;
  /** PC of the stop (undefined once the program ended). */
  pc?: number;
  /** Why a breakpoint stopped although its condition was not true: GDB's `Error in testing condition for breakpoint N:` and the error. */
  conditionError?: string;
  /** GDB's number of the thread that stopped (1: the worker). */
  thread?: number;
  /** A hardware watchpoint also trapped during this single step (its address). */
  watchTrap?: number;
}

export type BreakpointSpec = { address: number } | { symbol: string } | { file: string; line: number };

export interface Breakpoint {
  id: number;
  spec: BreakpointSpec;
  /** Addresses the breakpoint is inserted at (a file:line may map to several). */
  addresses: number[];
  enabled: boolean;
  temporary: boolean;
  hits: number;
  /** Evaluated on each hit; a false result resumes silently. */
  condition?: (s: DebugSession) => boolean | Promise<boolean>;
  conditionText?: string;
  /** Set when a reload left it on code that is no longer active. */
  stale?: boolean;
}

export type SessionState = 'not-started' | 'running' | 'stopped' | 'exited';

export interface Registers {
  get(name: RegisterName): number;
}

export class DebugSession {
  readonly jit: Jit;
  state: SessionState = 'not-started';
  lastStop: StopEvent | undefined;
  readonly breakpoints = new Map<number, Breakpoint>();
  /** Original byte under each inserted int3, by address. */
  private readonly inserted = new Map<number, number>();
  private nextBreakpointId = 1;
  private notifyFd = -1;
  private resumeFd = -1;
  private dbgAddr = 0;
  private gregs: BigUint64Array = new BigUint64Array(23);
  private fpregs: Uint8Array = new Uint8Array(512);
  private callReturn = 0;
  /** Saved register sets of calls in progress (innermost last). */
  private readonly callStack: { gregs: BigUint64Array; fpregs: Uint8Array }[] = [];
  /** Internal (not user) breakpoints that end a step/finish. */
  readonly internal = new Set<number>();
  /** Applied to a stop inside a called function (the Debugger's hit counts, conditions and caches). */
  onStop: ((ev: StopEvent) => Promise<StopEvent>) | undefined;
  /** The registers of the frames that made debugger calls still in progress (innermost last). */
  callContexts(): readonly BigUint64Array[] {
    return this.callStack.map((c) => c.gregs);
  }
  /** True while callFunction waits for its own call to return. */
  private awaitingCall = false;
  /**
   * Watchpoints (src/dbg/watch.ts): sees every stop of the worker and turns
   * it into a watchpoint report, lets it through, or asks to resume; with
   * software watchpoints, `continue` single-steps so it can compare values.
   */
  watcher: { prepare(): void; filter(ev: StopEvent, cmd: 'c' | 's'): StopEvent | 'resume'; singleStep(): boolean } | undefined;
  /** Registers of another stopped thread (`thread N`), read instead of the stopped thread's; undefined: the thread that stopped. */
  viewed: BigUint64Array | undefined;
  /** Decides whether an address starts an instruction (set by the debug view). */
  isInstructionStart: ((address: number) => boolean) | undefined;

  constructor(jit: Jit) {
    this.jit = jit;
  }

  // ---- Starting and ending ------------------------------------------------------------

  /** Starts main(args) on the worker; resolves at the first stop (the start itself with stopAtStart). */
  async start(args: string[], opts: { stopAtStart?: boolean } = {}): Promise<StopEvent> {
    if (this.state === 'running' || this.state === 'stopped') throw new HotlinkError('usage', 'the program is already running; kill it first');
    const launch = this.jit.lookup('__hotlink_dbg_launch');
    const main = this.jit.lookup('main');
    if (launch === undefined) throw new HotlinkError('usage', 'the image was linked without the debug runtime (debugRuntime: true)');
    if (main === undefined) throw new HotlinkError('unresolved', "undefined symbol 'main': the program has no main function");
    this.dbgAddr = this.jit.lookup('__hotlink_dbg')!;
    this.callReturn = this.jit.lookup('__hotlink_dbg_call_return')!;
    const [nr, nw] = createPipe();
    const [rr, rw] = createPipe();
    this.notifyFd = nr;
    this.resumeFd = rw;
    const argv = nativeArgv(args);
    restoreInheritedFds();
    const init = this.jit.takePendingInit();
    const fini = this.jit.session.fini;
    const rc = callNative(launch, 'int (uintptr_t, int, uintptr_t, uintptr_t, size_t, uintptr_t, size_t, int, int, int)',
      main, args.length, argv, nativeArray(init), init.length, nativeArray(fini), fini.length, nw, rr, opts.stopAtStart ? 1 : 0) as number;
    if (rc !== 0) throw new HotlinkError('memory', `cannot start the worker thread (pthread_create: ${rc})`);
    this.state = 'running';
    return this.waitStop(true);
  }

  /** Ends the program (if it runs) and the worker thread. */
  async kill(): Promise<void> {
    if (this.state === 'running') {
      callNative(this.jit.lookup('__hotlink_dbg_interrupt')!, 'int (void)');
      await this.waitStop();
    }
    if ((this.state as SessionState) === 'stopped') {
      writeSync(this.resumeFd, 'k');
      await this.waitStop();
    }
  }

  /** Stops the running program (Ctrl-C). The pending continue resolves with an 'interrupt' stop. */
  interrupt(): void {
    if (this.state !== 'running') return;
    callNative(this.jit.lookup('__hotlink_dbg_interrupt')!, 'int (void)');
  }

  // ---- Resuming -------------------------------------------------------------------------

  /** Continues until the next stop. */
  async continue(): Promise<StopEvent> {
    this.requireStopped();
    if (this.lastStop?.reason.kind === 'signal' && isFatal(this.lastStop.reason.signo)) {
      // Continuing into a fatal signal's default action: the program dies (the process does not).
      const signo = this.lastStop.reason.signo;
      writeSync(this.resumeFd, 'k');
      const ev = await this.waitStop();
      ev.reason = { kind: 'killed', signo };
      return ev;
    }
    const stepped = await this.stepOverBreakpoint();
    if (stepped && stepped.reason.kind !== 'step') return this.completeCall(stepped);
    return this.completeCall(await this.resume('c'));
  }

  /**
   * A debugger call that stopped inside (nested stop) ends when the worker
   * reaches the dummy return: restore the caller's registers and report
   * the value, as GDB does after `finish` out of a called function.
   */
  private completeCall(ev: StopEvent): StopEvent {
    if (ev.reason.kind !== 'call-returned' || this.awaitingCall) return ev;
    const { value } = this.finishCall();
    return { reason: { kind: 'call-returned', value }, pc: this.reg('rip') };
  }

  /** Executes one machine instruction. */
  async stepi(): Promise<StopEvent> {
    this.requireStopped();
    return this.completeCall((await this.stepOverBreakpoint()) ?? (await this.resume('s')));
  }

  /** Continues until `address` is reached (optionally only when RSP > minSp, i.e. the frame returned). */
  async runTo(address: number, minSp?: number): Promise<StopEvent> {
    const already = this.inserted.has(address);
    if (!already) this.insert(address);
    this.internal.add(address);
    try {
      for (;;) {
        const ev = await this.continue();
        if (ev.reason.kind !== 'breakpoint' || ev.pc !== address) return ev;
        if (minSp === undefined || this.reg('rsp') > minSp) return { ...ev, reason: { kind: 'step' } };
      }
    } finally {
      this.internal.delete(address);
      if (!already && this.state === 'stopped') this.remove(address);
      else if (!already) this.inserted.delete(address);
    }
  }

  /** Continues until one of `addresses` is reached (internal breakpoints, not numbered ones). */
  async runToAny(addresses: number[]): Promise<StopEvent> {
    const added = addresses.filter((a) => !this.inserted.has(a));
    for (const a of addresses) this.internal.add(a);
    for (const a of added) this.insert(a);
    try {
      const ev = await this.continue();
      if (ev.reason.kind === 'breakpoint' && ev.pc !== undefined && addresses.includes(ev.pc) && ev.reason.id === 0) return { ...ev, reason: { kind: 'step' } };
      return ev;
    } finally {
      for (const a of addresses) this.internal.delete(a);
      if (this.state === 'stopped') this.sync();
      else for (const a of added) this.inserted.delete(a);
    }
  }

  /**
   * Calls the function at `address` on the worker with integer/pointer
   * arguments, as GDB does with a dummy frame. Resolves with the return
   * value (RAX) — or with the stop event if the call stopped inside (a
   * breakpoint in the callee: a nested stop; continue/finish to complete it).
   */
  async callFunction(address: number, args: number[] = []): Promise<{ value: number; xmm0: Uint8Array } | { stop: StopEvent }> {
    this.requireStopped();
    if (args.length > 6) throw new HotlinkError('usage', 'calls take at most 6 integer arguments');
    this.callStack.push({ gregs: this.gregs.slice(), fpregs: this.fpregs.slice() });
    // Below the red zone, 16-byte aligned at the call, then the return address.
    let sp = this.reg('rsp') - 256;
    sp -= sp % 16;
    sp -= 8;
    const ret = new Uint8Array(8);
    new DataView(ret.buffer).setBigUint64(0, BigInt(this.callReturn), true);
    safeWrite(sp, ret);
    this.setReg('rsp', sp);
    this.setReg('rip', address);
    this.setReg('rax', 0);
    (['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'] as const).forEach((r, i) => {
      if (i < args.length) this.setReg(r, args[i]!);
    });
    this.awaitingCall = true;
    let ev: StopEvent;
    try {
      ev = await this.resume('c');
      // A breakpoint inside the callee gets the same bookkeeping as any stop (conditions, hit counts).
      if (ev.reason.kind !== 'call-returned' && this.onStop) ev = await this.onStop(ev);
    } finally {
      this.awaitingCall = false;
    }
    if (ev.reason.kind !== 'call-returned') return { stop: ev };
    return this.finishCall();
  }

  /** After a 'call-returned' stop: the value, and the registers of the frame that made the call restored. */
  private finishCall(): { value: number; xmm0: Uint8Array } {
    const value = this.reg('rax');
    const xmm0 = this.fpregs.slice(160, 176);
    const saved = this.callStack.pop()!;
    this.gregs = saved.gregs;
    this.fpregs = saved.fpregs;
    this.lastStop = { reason: { kind: 'step' }, pc: this.reg('rip') };
    return { value, xmm0 };
  }

  /** Is a debugger call in progress (we are stopped inside it)? */
  get callDepth(): number {
    return this.callStack.length;
  }

  // ---- Breakpoints ------------------------------------------------------------------------

  /** Adds a breakpoint at resolved addresses (the caller resolves symbols and lines). */
  addBreakpoint(spec: BreakpointSpec, addresses: number[], opts: { temporary?: boolean; condition?: Breakpoint['condition']; conditionText?: string } = {}): Breakpoint {
    for (const a of addresses) this.checkBreakpointAddress(a);
    const bp: Breakpoint = { id: this.nextBreakpointId++, spec, addresses, enabled: true, temporary: !!opts.temporary, hits: 0, condition: opts.condition, conditionText: opts.conditionText };
    this.breakpoints.set(bp.id, bp);
    this.sync();
    return bp;
  }

  /** The next breakpoint number (watchpoints share the numbering, as in GDB). */
  allocateId(): number {
    return this.nextBreakpointId++;
  }

  /** Addresses of internal breakpoints that outlive one command (a local watchpoint's scope end). */
  readonly scopeBreaks = new Set<number>();

  deleteBreakpoint(id: number): void {
    if (!this.breakpoints.delete(id)) throw new HotlinkError('usage', `No breakpoint number ${id}.`);
    this.sync();
  }

  enableBreakpoint(id: number, enabled: boolean): void {
    const bp = this.breakpoints.get(id);
    if (!bp) throw new HotlinkError('usage', `No breakpoint number ${id}.`);
    bp.enabled = enabled;
    this.sync();
  }

  /** Moves a breakpoint to new addresses (after a reload). */
  rebind(id: number, addresses: number[], stale = false): void {
    const bp = this.breakpoints.get(id)!;
    bp.addresses = addresses;
    bp.stale = stale;
    this.sync();
  }

  /** Only instruction starts inside the image's code can hold a breakpoint. */
  private checkBreakpointAddress(address: number): void {
    const rx = this.jit.session.classes[SegClass.RX];
    if (!rx || address < rx.start || address >= rx.cursor) {
      throw new HotlinkError('usage', `cannot set a breakpoint at ${hex(address)}: not in the image's code`);
    }
    if (this.isInstructionStart && !this.isInstructionStart(address)) {
      throw new HotlinkError('usage', `cannot set a breakpoint at ${hex(address)}: not the start of an instruction`);
    }
  }

  /** Makes the inserted int3 bytes match the enabled breakpoints. */
  sync(): void {
    const want = new Set<number>([...this.internal, ...this.scopeBreaks]);
    for (const bp of this.breakpoints.values()) if (bp.enabled) for (const a of bp.addresses) want.add(a);
    for (const a of [...this.inserted.keys()]) if (!want.has(a)) this.remove(a);
    for (const a of want) if (!this.inserted.has(a)) this.insert(a);
  }

  private insert(address: number): void {
    if (this.inserted.has(address)) return;
    const mem = this.jit.session.arena!.writable(address, 1);
    this.inserted.set(address, mem[0]!);
    mem[0] = 0xcc;
  }

  private remove(address: number): void {
    const orig = this.inserted.get(address);
    if (orig === undefined) return;
    this.jit.session.arena!.writable(address, 1)[0] = orig;
    this.inserted.delete(address);
  }

  /** The byte at `address` as the program sees it without our breakpoints. */
  originalByte(address: number): number | undefined {
    return this.inserted.get(address);
  }

  /** If stopped on an inserted breakpoint: lift it, single-step over it, put it back; returns that step's stop. */
  private async stepOverBreakpoint(): Promise<StopEvent | undefined> {
    const pc = this.reg('rip');
    if (!this.inserted.has(pc)) return undefined;
    const orig = this.inserted.get(pc)!;
    this.jit.session.arena!.writable(pc, 1)[0] = orig;
    this.inserted.delete(pc);
    const ev = await this.resume('s');
    if (this.state === 'stopped') this.sync();
    return ev;
  }

  // ---- Registers and memory ------------------------------------------------------------------

  /** A register as a number (exact for addresses; use regBig for full 64-bit values). */
  reg(name: RegisterName): number {
    return Number((this.viewed ?? this.gregs)[REG[name]]!);
  }

  regBig(name: RegisterName): bigint {
    return (this.viewed ?? this.gregs)[REG[name]]!;
  }

  setReg(name: RegisterName, value: number | bigint): void {
    this.requireStopped();
    if (this.viewed) throw new HotlinkError('usage', "cannot change another thread's registers: select the thread that stopped first");
    this.gregs[REG[name]] = BigInt.asUintN(64, BigInt(value));
  }

  /** All general registers. */
  registers(): Record<RegisterName, number> {
    return Object.fromEntries(GREG_NAMES.map((n) => [n, this.reg(n)])) as Record<RegisterName, number>;
  }

  /** xmm register n (16 bytes) of the stopped context. */
  xmm(n: number): Uint8Array {
    return this.fpregs.slice(160 + n * 16, 176 + n * 16);
  }

  setXmm(n: number, bytes: Uint8Array): void {
    this.fpregs.set(bytes.subarray(0, 16), 160 + n * 16);
  }

  /** Reads debuggee memory (short on unmapped memory); breakpoint bytes show their original value. */
  readMemory(address: number, length: number): Uint8Array {
    const out = safeRead(address, length);
    for (const [a, orig] of this.inserted) if (a >= address && a < address + out.length) out[a - address] = orig;
    return out;
  }

  /** Writes debuggee memory; code in the image is written through the RW alias. */
  writeMemory(address: number, bytes: Uint8Array): void {
    const s = this.jit.session;
    const shared = s.arena && address >= s.arena.base && address + bytes.length <= s.arena.base + s.arena.sharedSize;
    if (shared) {
      s.arena!.writable(address, bytes.length).set(bytes);
      for (const [a] of this.inserted) if (a >= address && a < address + bytes.length) {
        this.inserted.set(a, bytes[a - address]!);
        s.arena!.writable(a, 1)[0] = 0xcc;
      }
      return;
    }
    if (safeWrite(address, bytes) !== bytes.length) throw new HotlinkError('usage', `cannot write ${bytes.length} bytes at ${hex(address)}: not writable memory`);
  }

  // ---- The stop protocol ---------------------------------------------------------------------

  private requireStopped(): void {
    if (this.state === 'not-started' || this.state === 'exited') throw new HotlinkError('usage', 'The program is not being run.');
    if (this.state === 'running') throw new HotlinkError('usage', 'Cannot execute this command while the selected thread is running.');
  }

  /** Resumes the worker; resolves at the next stop the watchpoints (if any) let through. */
  private async resume(cmd: 'c' | 's'): Promise<StopEvent> {
    if (this.viewed) {
      if (cmd === 's') throw new HotlinkError('usage', 'stepping works on the thread that stopped: select it first (thread N)');
      this.viewed = undefined;
    }
    const w = this.watcher;
    if (!w) return this.resumeOnce(cmd);
    w.prepare();
    for (;;) {
      const step = cmd === 's' || w.singleStep();
      const ev = await this.resumeOnce(step ? 's' : 'c');
      const out = this.state === 'stopped' || ev.reason.kind === 'exited' || ev.reason.kind === 'killed' ? w.filter(ev, cmd) : ev;
      if (out !== 'resume') return out;
      if (cmd === 's' && ev.reason.kind === 'step') return ev;
      if (this.inserted.has(this.reg('rip'))) {
        const stepped = await this.stepOverBreakpoint();
        if (stepped && stepped.reason.kind !== 'step') return stepped;
      }
    }
  }

  /** Writes the registers back and resumes the worker; resolves at the next stop. */
  private resumeOnce(cmd: 'c' | 's'): Promise<StopEvent> {
    const efl = this.gregs[REG.eflags]!;
    this.gregs[REG.eflags] = cmd === 's' ? efl | BigInt(TRAP_FLAG) : efl & ~BigInt(TRAP_FLAG);
    const mem = memoryView(this.dbgAddr + OFF_GREGS, 23 * 8);
    const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    for (let i = 0; i < 23; i++) dv.setBigUint64(i * 8, this.gregs[i]!, true);
    memoryView(this.dbgAddr + OFF_FPREGS, 512).set(this.fpregs);
    this.state = 'running';
    writeSync(this.resumeFd, cmd);
    // A single step stops within microseconds: read it at once (the event loop's round trip cost ~0.4 ms a step,
    // which software watchpoints and line stepping pay per instruction). A step into a blocking call goes async.
    if (cmd === 's' && callNative(this.jit.lookup('__hotlink_dbg_poll')!, 'int (int, int)', this.notifyFd, 20)) {
      const buf = Buffer.alloc(1);
      try {
        if (readSync(this.notifyFd, buf, 0, 1, null) !== 1) return Promise.reject(new Error('the worker closed its notify pipe'));
        return Promise.resolve(this.decodeStop(buf[0] === 0x78, false, true));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.waitStop(false, cmd === 's');
  }

  /** The read of the next notification in flight: a second waiter (kill while `continue &` runs) shares it. */
  private inflight: Promise<StopEvent> | undefined;

  /** Waits for the worker's next notification and decodes the stop. */
  private waitStop(first = false, stepping = false): Promise<StopEvent> {
    if (this.inflight) return this.inflight;
    const p = new Promise<StopEvent>((resolve, reject) => {
      const buf = Buffer.alloc(1);
      fsRead(this.notifyFd, buf, 0, 1, null, (err, n) => {
        if (err) return reject(err);
        if (n === 0) return reject(new Error('the worker closed its notify pipe'));
        try {
          resolve(this.decodeStop(buf[0] === 0x78 /* 'x' */, first, stepping));
        } catch (e) {
          reject(e);
        }
      });
    });
    this.inflight = p;
    const done = (): void => {
      if (this.inflight === p) this.inflight = undefined;
    };
    p.then(done, done);
    return p;
  }

  private decodeStop(ended: boolean, first: boolean, stepping: boolean): StopEvent {
    const mem = memoryView(this.dbgAddr, DBG_SIZE);
    const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    if (ended) {
      this.state = 'exited';
      const state = Number(dv.getBigInt64(OFF_STATE, true));
      const status = Number(dv.getBigInt64(OFF_EXIT, true));
      callNative(this.jit.lookup('__hotlink_dbg_join')!, 'int (void)');
      closeSync(this.notifyFd);
      closeSync(this.resumeFd);
      this.callStack.length = 0;
      const ev: StopEvent = { reason: state === STATE_EXITED ? { kind: 'exited', status } : { kind: 'killed', signo: status } };
      this.lastStop = ev;
      return ev;
    }
    for (let i = 0; i < 23; i++) this.gregs[i] = dv.getBigUint64(OFF_GREGS + i * 8, true);
    this.fpregs = Uint8Array.from(mem.subarray(OFF_FPREGS, OFF_FPREGS + 512));
    this.state = 'stopped';
    const signo = Number(dv.getBigInt64(OFF_SIGNO, true));
    const code = Number(dv.getBigInt64(OFF_CODE, true));
    const addr = Number(dv.getBigUint64(OFF_ADDR, true));
    let pc = this.reg('rip');
    const thread = Number(dv.getBigInt64(OFF_THREAD, true));
    let reason: StopReason;
    let watchTrap: number | undefined;
    if (signo === constants.signals.SIGTRAP) {
      if (first && code === SI_KERNEL && !this.inserted.has(pc - 1)) reason = { kind: 'start' };
      else if (code === SI_KERNEL && pc - 1 === this.callReturn) {
        pc -= 1;
        this.gregs[REG.rip] = BigInt(pc);
        reason = { kind: 'call-returned' };
      } else if (code === SI_KERNEL && this.inserted.has(pc - 1)) {
        pc -= 1;
        this.gregs[REG.rip] = BigInt(pc);
        const bp = [...this.breakpoints.values()].find((b) => b.enabled && b.addresses.includes(pc));
        reason = bp ? { kind: 'breakpoint', id: bp.id } : { kind: 'breakpoint', id: 0 };
      } else if (code === TRAP_PERF && !stepping) reason = { kind: 'watch-trap', address: addr };
      else if (code === TRAP_TRACE || stepping) {
        reason = { kind: 'step' };
        if (code === TRAP_PERF) watchTrap = addr;
      }
      else if (code === SI_TKILL) reason = { kind: 'interrupt' };
      else reason = { kind: 'signal', signal: signalName(signo), signo, address: addr };
    } else {
      reason = { kind: 'signal', signal: signalName(signo), signo, address: addr };
    }
    const ev: StopEvent = { reason, pc, thread };
    if (watchTrap !== undefined) ev.watchTrap = watchTrap;
    this.lastStop = ev;
    return ev;
  }
}

function isFatal(signo: number): boolean {
  const s = constants.signals;
  return [s.SIGSEGV, s.SIGBUS, s.SIGFPE, s.SIGILL, s.SIGABRT, s.SIGPIPE, s.SIGXFSZ].includes(signo);
}
