// The program of `hotlink run --watch`: started on a native thread of its
// own (hotlink_live.c), so Node's main thread keeps its event loop for
// watching, compiling and reloading while the program runs.
//
// - Publication: installs the Jit's `publisher`, which makes the slot stores
//   of one reload (or rollback) in one native call while every program
//   thread is parked in a signal handler (stop the world); Node's threads are
//   never stopped.
// - Crashes: a fatal signal on a program thread stops that thread and wakes
//   us (notify pipe). A PC in a body the last reload published rolls that
//   reload back and resumes the thread on the old code (rollback.ts);
//   anything else is reported like `hotlink run` reports it and ends the
//   process with 128+signal.

import { read as fsRead, writeSync } from 'node:fs';
import type { FileReloadReport, Jit, SlotStore } from '../jit.js';
import { HotlinkError } from '../errors.js';
import { callNative, createPipe, mallocNative, memoryView, nativeArgv, nativeArray, restoreInheritedFds, restoreStdio } from '../memory/native.js';
import { tryRollback } from './rollback.js';

export interface PublishStats {
  /** Nanoseconds the program's threads were stopped (signal → parked → stores → released), last publication. */
  lastPauseNs: number;
  /** Program threads at the last publication. */
  threads: number;
}

export class LiveProgram {
  private notifyFd = -1;
  private resumeFd = -1;
  private pairs = 0;
  private pairsCap = 0;
  /** Stores collected while `batch` runs: published together. */
  private batched: SlotStore[] | undefined;
  /** The last reload that swapped code (what a crash in its bodies rolls back), and the generation before it. */
  lastReload: { report: FileReloadReport; before: number } | undefined;
  /** Where crash and rollback reports go. */
  write: (text: string) => void = (t) => void writeSync(2, t);

  constructor(readonly jit: Jit) {}

  /**
   * Starts main(argv) on the program's thread with the process state `run`
   * gives it; resolves once the program has set up its process (its
   * constructors run after). The program's exit ends the process.
   */
  start(argv: string[]): void {
    const jit = this.jit;
    const start = jit.lookup('__hotlink_live_start');
    const main = jit.lookup('main');
    if (start === undefined) throw new HotlinkError('usage', 'the image was linked without the live runtime (liveRuntime: true)');
    if (main === undefined) throw new HotlinkError('unresolved', "undefined symbol 'main': the program has no main function");
    const [nr, nw] = createPipe();
    const [rr, rw] = createPipe();
    this.notifyFd = nr;
    this.resumeFd = rw;
    const argvAddr = nativeArgv(argv);
    restoreInheritedFds();
    restoreStdio();
    const init = jit.takePendingInit();
    const fini = jit.session.fini;
    this.installPublisher();
    const rc = callNative(
      start,
      'int (uintptr_t, int, uintptr_t, uintptr_t, size_t, uintptr_t, size_t, uintptr_t, size_t, uintptr_t, int, int)',
      main, argv.length, argvAddr, 0, 0, nativeArray(init), init.length, nativeArray(fini), fini.length, 0, nw, rr,
    ) as number;
    if (rc !== 0) throw new HotlinkError('memory', `cannot start the program's thread (error ${rc})`);
    this.waitCrash();
  }

  /** Makes every publication of the Jit stop the world (program threads parked around the slot stores). */
  installPublisher(): void {
    this.jit.publisher = (stores) => this.publish(stores);
  }

  /** Records a published reload: a crash in its new bodies rolls it back. */
  noteReload(report: FileReloadReport, before: number): void {
    if (report.swapped.length) this.lastReload = { report, before };
  }

  /** Runs `fn` with every publication it makes collected into one stop of the world. */
  batch<T>(fn: () => T): T {
    if (this.batched) return fn();
    this.batched = [];
    try {
      return fn();
    } finally {
      const stores = this.batched;
      this.batched = undefined;
      if (stores.length) this.publishNow(stores);
    }
  }

  private publish(stores: SlotStore[]): void {
    if (this.batched) this.batched.push(...stores);
    else this.publishNow(stores);
  }

  /** The stores, made while every program thread is parked. */
  private publishNow(stores: SlotStore[]): void {
    const fn = this.jit.lookup('__hotlink_live_publish')!;
    if (this.pairsCap < stores.length) {
      this.pairsCap = Math.max(64, stores.length * 2);
      this.pairs = mallocNative(this.pairsCap * 16);
    }
    const mem = memoryView(this.pairs, stores.length * 16);
    const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    stores.forEach((st, i) => {
      dv.setBigUint64(i * 16, BigInt(st.slot), true);
      dv.setBigUint64(i * 16 + 8, BigInt(st.target), true);
    });
    const missing = callNative(fn, 'int (uintptr_t, size_t, int)', this.pairs, stores.length, 500) as number;
    if (missing > 0) this.write(`hotlink: warning: ${missing} program thread(s) did not stop for the publication (they block signal ${'SIGRTMAX-1'}); published anyway\n`);
  }

  /** Pause of the last publication and the number of program threads. */
  stats(): PublishStats {
    const at = this.jit.lookup('__hotlink_live_last_pause_ns')!;
    const v = memoryView(at, 8);
    const threads = callNative(this.jit.lookup('__hotlink_live_threads')!, 'int (void)') as number;
    return { lastPauseNs: Number(new DataView(v.buffer, v.byteOffset, 8).getBigInt64(0, true)), threads };
  }

  /** Waits for the next crash stop of a program thread. */
  private waitCrash(): void {
    const buf = Buffer.alloc(1);
    fsRead(this.notifyFd, buf, 0, 1, null, (err, n) => {
      if (err || n === 0) return;
      this.onCrash();
    });
  }

  private onCrash(): void {
    let resumed = false;
    try {
      resumed = tryRollback(this);
    } catch (e) {
      this.write(`hotlink: cannot roll back: ${(e as Error).message}\n`);
    }
    if (!resumed) this.jit.reportCrash(); // exits with 128+signal
    writeSync(this.resumeFd, 'r');
    this.waitCrash();
  }
}
