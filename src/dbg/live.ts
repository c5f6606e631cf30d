// Live debugging (issue 10): what `hotlink dbg` borrows from live mode so
// that code can change while the program runs, not only while it is stopped.
//
// - Publication: the program's threads (the worker and every thread it
//   creates, tracked by hotlink_live.c's pthread_create wrapper) are parked
//   around the slot stores of each reload or rollback — live mode's
//   stop-the-world publisher (src/live/program.ts), installed on the Jit.
// - Crash rollback: a fatal signal whose PC is in a body the last reload
//   published rolls that reload back and moves the stopped program to the
//   start of the caller's statement, so `continue` re-executes it on the old
//   code (src/live/rollback.ts finds the statement).
// - `restart`: the same move without a crash — the caller of the selected
//   frame re-executes its statement, now on whatever code is active.
// - Auto-reload: live mode's file watcher (src/live/watch.ts) on the
//   program's C sources and their headers.

import { HotlinkError } from '../errors.js';
import type { FileReloadReport } from '../jit.js';
import { callNative } from '../memory/native.js';
import { LiveProgram } from '../live/program.js';
import { inBodiesOf, resumePoint, rollBackReload, ResumePoint } from '../live/rollback.js';
import { displayPath, watch, WatchHandle } from '../live/watch.js';
import type { Debugger } from './debugger.js';
import { GREG_NAMES } from './session.js';
import { DWARF_REGS } from './unwind.js';

const FATAL = new Set([4, 6, 7, 8, 11]); // SIGILL SIGABRT SIGBUS SIGFPE SIGSEGV

/** What a crash rollback did: the units and functions rolled back, and where the program resumes. */
export interface CrashRollback {
  units: string[];
  functions: string[];
  /** The generation the program's code is back at (the one before the reload). */
  generation: number;
  resume: ResumePoint;
}

export class DebugLive {
  /** Live mode's publisher; undefined when the image was linked without the live runtime. */
  private readonly world: LiveProgram | undefined;
  private watcher: WatchHandle | undefined;

  constructor(private readonly dbg: Debugger) {
    const jit = dbg.jit;
    const track = jit.lookup('__hotlink_live_track');
    if (track === undefined) return;
    const rc = callNative(track, 'int (void)') as number;
    if (rc !== 0) throw new HotlinkError('memory', `cannot track the program's threads (error ${rc})`);
    this.world = new LiveProgram(jit);
    this.world.write = (t) => (dbg.diagnostics ?? ((x: string) => void process.stderr.write(x)))(t);
    this.world.installPublisher();
  }

  /** Records a published reload: a crash in its new bodies rolls it back. */
  noteReload(report: FileReloadReport): void {
    this.world?.noteReload(report, report.generation - 1);
  }

  /** A manual rollback: a later crash no longer undoes the last reload. */
  forgetReload(): void {
    if (this.world) this.world.lastReload = undefined;
  }

  /**
   * After a stop on a fatal signal: when the PC is in a body the last reload
   * published, roll that reload back and move the program to the start of
   * the statement of the nearest caller outside those bodies. Undefined when
   * this does not apply (the stop stays a fatal one: `continue` ends the program).
   */
  rollbackCrash(): CrashRollback | undefined {
    const s = this.dbg.session;
    const last = this.world?.lastReload;
    const r = s.lastStop?.reason;
    if (!last || s.state !== 'stopped' || r?.kind !== 'signal' || !FATAL.has(r.signo) || s.callDepth > 0) return undefined;
    const inNew = inBodiesOf(last.report);
    if (!inNew(s.reg('rip'))) return undefined;
    const found = resumePoint(this.dbg.view, this.dbg.frames(), inNew);
    if (!('start' in found)) return undefined;
    const functions = rollBackReload(this.dbg.jit, last.report, (fn) => this.world!.batch(fn));
    this.world!.lastReload = undefined;
    this.moveTo(found);
    return { units: last.report.units.map(displayPath), functions, generation: last.before, resume: found };
  }

  /**
   * `restart`: the caller of the selected frame re-executes the statement
   * that called it (on the code active now). The frames from the selected
   * one in are abandoned.
   */
  restart(): ResumePoint {
    const s = this.dbg.session;
    if (s.state !== 'stopped') throw new HotlinkError('usage', 'The program is not being run.');
    if (s.callDepth > 0) throw new HotlinkError('usage', 'cannot restart inside a function called from the debugger; finish the call first');
    const frames = this.dbg.frames().slice(this.dbg.selectedFrame);
    if (frames.length < 2) throw new HotlinkError('usage', '"restart" not meaningful in the outermost frame.');
    const found = resumePoint(this.dbg.view, frames.slice(0, 2));
    if (!('start' in found)) throw new HotlinkError('usage', `cannot restart ${this.dbg.describe(frames[0]!).function}: ${found.why}`);
    this.moveTo(found);
    return found;
  }

  /** The stopped program continues at `p`: the frame's registers as unwound, its PC at the statement's start. */
  private moveTo(p: ResumePoint): void {
    const s = this.dbg.session;
    for (const name of GREG_NAMES) {
      const v = p.frame.regs[DWARF_REGS[name] ?? -1];
      if (v !== undefined) s.setReg(name, v);
    }
    s.setReg('rip', p.start);
    s.lastStop = { reason: { kind: 'step' }, pc: p.start };
    this.dbg.invalidateFrames();
    this.dbg.selectedFrame = 0;
    this.dbg.view.refresh();
  }

  /** Is the program's code reloaded when its files change? */
  get autoReload(): boolean {
    return this.watcher !== undefined;
  }

  /**
   * `set auto-reload on|off`: live mode's watcher on the program's C sources
   * and the headers they include. Each reload is reported through `onReload`.
   */
  setAutoReload(on: boolean, events: { onReload: (report: FileReloadReport, changed: string[]) => void; onError: (e: Error, changed: string[]) => void }): void {
    if (!on) {
      this.watcher?.close();
      this.watcher = undefined;
      return;
    }
    if (this.watcher) return;
    const sources = this.dbg.inputs.filter((f) => /\.(c|i)$/.test(f));
    if (!sources.length) throw new HotlinkError('usage', 'auto-reload: the program has no .c inputs to watch (objects and archives are fixed)');
    this.watcher = watch(this.dbg.jit, sources, {
      onReload: (report, changed) => {
        this.noteReload(report);
        events.onReload(report, changed);
      },
      onError: events.onError,
    });
  }
}
