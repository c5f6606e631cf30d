// Watchpoints (GDB's `watch`, `rwatch`, `awatch`): stop when the value of an
// lvalue changes (or, for rwatch/awatch, when it is accessed).
//
// Hardware: one perf_event_open(PERF_TYPE_BREAKPOINT) per aligned 1/2/4/8
// byte piece and program thread, with sigtrap (hotlink_dbg.c
// __hotlink_dbg_watch): the CPU's debug registers trap after the access,
// the kernel delivers SIGTRAP (si_code TRAP_PERF) on the thread that made it,
// and that is an ordinary stop of the worker protocol. x86 has no read-only
// breakpoints, so rwatch and awatch use read/write ones and tell a read
// from a write by the value, as GDB does there.
// Software (when perf_event_open fails, or `set can-use-hw-watchpoints 0`):
// `continue` single-steps and compares the value after every instruction.
// A watchpoint on a local ends with its frame: an internal breakpoint at
// the frame's return address deletes it with GDB's message.
// Either way `watch` reports only a change (a write of the same value goes
// on silently), with GDB's "Old value = … / New value = …".

import { closeSync } from 'node:fs';
import { HotlinkError } from '../errors.js';
import { callNative } from '../memory/native.js';
import { CType, sizeOf } from '../dwarf/types.js';
import type { Debugger } from './debugger.js';
import type { StopEvent } from './session.js';
import { ProgramThreads } from './threads.js';

export type WatchKind = 'watch' | 'rwatch' | 'awatch';

export interface Watchpoint {
  id: number;
  kind: WatchKind;
  /** The expression as the user wrote it. */
  expr: string;
  address: number;
  size: number;
  type: CType;
  /** The value last seen. */
  old: Uint8Array;
  hardware: boolean;
  enabled: boolean;
  hits: number;
  /** perf event descriptors while armed, and the worker thread they were opened for. */
  fds: number[];
  armedFor?: number;
  /** A local's frame: the watchpoint ends when the frame at `cfa` returns to `returnPc`. */
  scope?: { cfa: number; returnPc: number };
}

const HW_BREAKPOINT_W = 2;
const HW_BREAKPOINT_RW = 3;

/** GDB's names: in reports and `info watchpoints`. */
function title(w: Watchpoint): string {
  if (w.kind === 'rwatch') return 'Hardware read watchpoint';
  if (w.kind === 'awatch') return 'Hardware access (read/write) watchpoint';
  return w.hardware ? 'Hardware watchpoint' : 'Watchpoint';
}

function typeColumn(w: Watchpoint): string {
  if (w.kind === 'rwatch') return 'read watchpoint';
  if (w.kind === 'awatch') return 'acc watchpoint';
  return w.hardware ? 'hw watchpoint' : 'watchpoint';
}

/** Aligned pieces of 1, 2, 4 or 8 bytes covering [address, address+size) (what one debug register can watch). */
function pieces(address: number, size: number): { address: number; len: number }[] {
  const out: { address: number; len: number }[] = [];
  let a = address;
  const end = address + size;
  while (a < end) {
    let len = 8;
    while (len > 1 && (a % len !== 0 || a + len > end)) len >>= 1;
    out.push({ address: a, len });
    a += len;
  }
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export class Watchpoints {
  readonly list = new Map<number, Watchpoint>();
  /** `set can-use-hw-watchpoints`. */
  canUseHardware = true;

  /** `format` prints a value as `print` does (without a history number). */
  constructor(
    private readonly dbg: Debugger,
    private readonly format: (type: CType, bytes: Uint8Array) => string,
  ) {}

  /**
   * Sets a watchpoint on an evaluated lvalue; returns GDB's announcement
   * (`Hardware watchpoint 2: counter`). `local`: the expression names a
   * local of the selected frame (the watchpoint ends with that frame).
   */
  add(kind: WatchKind, expr: string, value: { type: CType; address?: number }, local: boolean): string {
    const s = this.dbg.session;
    if (value.address === undefined) {
      // GDB's message for a literal; a variable the compiler keeps in a register has no address to watch.
      if (!/[A-Za-z_$]/.test(expr)) throw new HotlinkError('usage', `Cannot watch constant value \`${expr}'.`);
      throw new HotlinkError('usage', `cannot watch '${expr}': its value is not in memory here (a register or a computed value); hotlink watches memory only`);
    }
    const size = sizeOf(value.type) ?? 0;
    if (size <= 0) throw new HotlinkError('usage', `cannot watch '${expr}': its type has no size`);
    if (kind !== 'watch' && !this.canUseHardware) throw new HotlinkError('usage', "Can't set read/access watchpoint when hardware watchpoints are disabled.");
    const w: Watchpoint = {
      id: 0, kind, expr, address: value.address, size, type: value.type, old: s.readMemory(value.address, size),
      hardware: this.canUseHardware, enabled: true, hits: 0, fds: [],
    };
    if (local) {
      const frames = this.dbg.frames();
      const f = frames[this.dbg.selectedFrame];
      const caller = frames[this.dbg.selectedFrame + 1];
      if (f?.cfa !== undefined && caller) w.scope = { cfa: f.cfa, returnPc: caller.pc };
    }
    // Without a running program the perf events wait for its next stop (see armPending).
    if (w.hardware && s.state === 'stopped') {
      const err = this.arm(w);
      if (err) {
        if (kind !== 'watch') throw new HotlinkError('usage', `cannot set a hardware ${kind === 'rwatch' ? 'read' : 'access'} watchpoint on '${expr}': ${err}`);
        w.hardware = false; // GDB's software watchpoint
      }
    }
    w.id = s.allocateId();
    this.list.set(w.id, w);
    this.update();
    return `${title(w)} ${w.id}: ${expr}`;
  }

  /** Opens the perf events of `w` on every program thread; an error text when the hardware cannot do it. */
  private arm(w: Watchpoint): string | undefined {
    const fn = this.dbg.jit.lookup('__hotlink_dbg_watch');
    if (fn === undefined) return 'the image has no debug runtime';
    const list = new ProgramThreads(this.dbg).list();
    const threads = list.map((t) => t.tid);
    if (!threads.length) return 'no program thread';
    w.armedFor = list[0]!.tid;
    const type = w.kind === 'watch' ? HW_BREAKPOINT_W : HW_BREAKPOINT_RW;
    for (const tid of threads) {
      for (const p of pieces(w.address, w.size)) {
        const fd = callNative(fn, 'int (int64_t, uint64_t, int, int)', tid, p.address, p.len, type) as number;
        if (fd < 0) {
          this.disarm(w);
          return `perf_event_open: errno ${-fd}`;
        }
        w.fds.push(fd);
      }
    }
    return undefined;
  }

  /**
   * Hardware watchpoints made while no program ran (or kept from an earlier
   * run) are armed at the program's first stop; `watch` falls back to software.
   */
  private armPending(): void {
    const worker = new ProgramThreads(this.dbg).list()[0]?.tid;
    for (const w of this.list.values()) {
      if (!w.enabled || !w.hardware || (w.fds.length && w.armedFor === worker)) continue;
      this.disarm(w); // a killed run's events
      w.old = this.dbg.session.readMemory(w.address, w.size);
      if (this.arm(w) && w.kind === 'watch') w.hardware = false;
    }
  }

  private disarm(w: Watchpoint): void {
    for (const fd of w.fds) closeSync(fd);
    w.fds = [];
  }

  has(id: number): boolean {
    return this.list.has(id);
  }

  delete(id: number): boolean {
    const w = this.list.get(id);
    if (!w) return false;
    this.disarm(w);
    this.list.delete(id);
    this.update();
    return true;
  }

  enable(id: number, on: boolean): boolean {
    const w = this.list.get(id);
    if (!w) return false;
    if (w.enabled === on) return true;
    w.enabled = on;
    if (!on) this.disarm(w);
    else {
      w.old = this.dbg.session.readMemory(w.address, w.size);
      if (w.hardware && this.dbg.session.state === 'stopped' && this.arm(w)) w.hardware = w.kind !== 'watch';
    }
    this.update();
    return true;
  }

  /** Installs the session's stop filter and the scope breakpoints while watchpoints exist. */
  private update(): void {
    const s = this.dbg.session;
    s.scopeBreaks.clear();
    for (const w of this.list.values()) if (w.enabled && w.scope) s.scopeBreaks.add(w.scope.returnPc);
    if (s.state === 'stopped') s.sync();
    s.watcher = this.list.size ? { prepare: () => this.armPending(), filter: (ev, cmd) => this.filter(ev, cmd), singleStep: () => this.software() } : undefined;
  }

  /** Does `continue` have to single-step (an enabled software watchpoint)? */
  private software(): boolean {
    for (const w of this.list.values()) if (w.enabled && !w.hardware) return true;
    return false;
  }

  /** A stop of the worker, seen before anyone else: a watchpoint report, the stop itself, or 'resume'. */
  private filter(ev: StopEvent, cmd: 'c' | 's'): StopEvent | 'resume' {
    const s = this.dbg.session;
    const r = ev.reason;
    if (r.kind === 'exited' || r.kind === 'killed') {
      // The program is gone: its threads' events go; a local's watchpoint goes with its frame.
      for (const w of [...this.list.values()]) {
        this.disarm(w);
        if (w.scope) this.list.delete(w.id);
      }
      this.update();
      return ev;
    }
    const pc = s.reg('rip');
    const scopeEnd = r.kind === 'step' || (r.kind === 'breakpoint' && r.id === 0);
    for (const w of [...this.list.values()]) {
      if (!scopeEnd || !w.enabled || !w.scope || pc !== w.scope.returnPc || s.reg('rsp') < w.scope.cfa) continue;
      // The frame of the local returned.
      this.delete(w.id);
      const report = `\nWatchpoint ${w.id} deleted because the program has left the block in\nwhich its expression is valid.`;
      return { ...ev, reason: { kind: 'watchpoint', id: w.id, report } };
    }
    const trapped = r.kind === 'watch-trap' ? r.address : ev.watchTrap;
    const reports: string[] = [];
    let hitId = 0;
    for (const w of this.list.values()) {
      if (!w.enabled) continue;
      const covers = trapped !== undefined && trapped >= w.address && trapped < w.address + w.size;
      // A write watchpoint compares after every trap and step (a trap during a single step can be lost); read/access ones only on their trap.
      if (w.kind === 'watch' ? r.kind !== 'watch-trap' && r.kind !== 'step' : !covers) continue;
      const now = s.readMemory(w.address, w.size);
      const changed = !same(now, w.old);
      const old = w.old;
      w.old = now;
      let text: string | undefined;
      if (changed && w.kind !== 'rwatch') text = `Old value = ${this.format(w.type, old)}\nNew value = ${this.format(w.type, now)}`;
      else if (!changed && w.kind !== 'watch') text = `Value = ${this.format(w.type, now)}`;
      if (text === undefined) continue;
      w.hits++;
      hitId ||= w.id;
      reports.push(`\n${title(w)} ${w.id}: ${w.expr}\n\n${text}`);
    }
    if (reports.length) return { ...ev, reason: { kind: 'watchpoint', id: hitId, report: reports.join('\n') } };
    if (r.kind === 'watch-trap') return 'resume'; // the same value written, or a trap of a deleted watchpoint
    if (r.kind === 'step' && cmd === 'c') return 'resume'; // software watchpoints step `continue`
    // A scope end reached by a deeper frame of the same function (recursion): go on, unless a command runs to it.
    if (r.kind === 'breakpoint' && r.id === 0 && s.scopeBreaks.has(pc) && !s.internal.has(pc)) return 'resume';
    return ev;
  }

  /** GDB's `info watchpoints` rows (with the header), or undefined when there are none. */
  table(addressWidth: number): string[] | undefined {
    const ws = [...this.list.values()];
    if (!ws.length) return undefined;
    const width = this.typeWidth();
    const out = [`Num     ${'Type'.padEnd(width)} Disp Enb ${'Address'.padEnd(addressWidth)} What`];
    out.push(...this.rows(width, addressWidth));
    return out;
  }

  /** GDB's Type column: 14 wide, or the longest watchpoint type. */
  typeWidth(): number {
    return Math.max(14, ...[...this.list.values()].map((w) => typeColumn(w).length));
  }

  /** The rows alone (for `info breakpoints`, after the breakpoints). */
  rows(typeWidth: number, addressWidth: number): string[] {
    const out: string[] = [];
    for (const w of this.list.values()) {
      out.push(`${String(w.id).padEnd(8)}${typeColumn(w).padEnd(typeWidth)} keep ${w.enabled ? 'y' : 'n'}   ${''.padEnd(addressWidth)} ${w.expr}`);
      if (w.hits) out.push(`\tbreakpoint already hit ${w.hits} time${w.hits === 1 ? '' : 's'}`);
    }
    return out;
  }
}
