// The program's threads under `hotlink dbg` (GDB's all-stop mode): the
// debug runtime (hotlink_dbg.c) numbers every thread the program creates
// (1 is the worker running main, then creation order, as GDB numbers them)
// and parks all of them, registers saved, whenever one stops. This module
// reads that registry while the program is stopped: `info threads`, and
// `thread N`, which makes the debugger's frames, `bt`, `print` and
// `info registers` read thread N's parked registers (the session's
// `viewed` context) until the program is resumed.

import { readFileSync } from 'node:fs';
import { HotlinkError } from '../errors.js';
import { memoryView } from '../memory/native.js';
import type { Debugger } from './debugger.js';
import type { Frame } from './unwind.js';

/** struct dbg_thread in hotlink_dbg.c. */
const SLOT_SIZE = 4 * 8 + 23 * 8 + 8;
const MAX_THREADS = 256;

export interface ProgramThread {
  /** GDB's thread number. */
  num: number;
  /** The kernel's thread id (GDB's LWP). */
  tid: number;
  /** Its pthread_t. */
  handle: bigint;
  /** Registers of a parked thread (ucontext gregs order); undefined for the thread that stopped. */
  gregs?: BigUint64Array;
  /** It did not park (it blocks the park signal): no registers. */
  running: boolean;
  /** The thread name (/proc/self/task/TID/comm). */
  name: string;
}

/** What the thread commands print through (the REPL's formatting). */
export interface ThreadOutput {
  say(text: string): void;
  /** `func (args) at file:line` of a frame 0, with GDB's `0x… in ` when the PC is inside a line. */
  frameText(f: Frame): string;
  /** The source line of a frame 0 as GDB prints it after `frame` (`11\t  while (...)`). */
  sourceText(f: Frame): string | undefined;
}

export class ProgramThreads {
  /** The thread `thread N` selected (undefined: the one that stopped). */
  private selected: number | undefined;

  constructor(private readonly dbg: Debugger) {}

  /** The program's threads now, by number (only while stopped). */
  list(): ProgramThread[] {
    const jit = this.dbg.jit;
    const table = jit.lookup('__hotlink_dbg_threads');
    const count = jit.lookup('__hotlink_dbg_nthreads');
    if (table === undefined || count === undefined || this.dbg.session.state !== 'stopped') return [];
    const n = Math.min(MAX_THREADS, Number(readInt64(count)));
    if (n <= 0) return [];
    const mem = Uint8Array.from(memoryView(table, n * SLOT_SIZE));
    const dv = new DataView(mem.buffer);
    const stopped = this.stoppedThread();
    const out: ProgramThread[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * SLOT_SIZE;
      const num = Number(dv.getBigInt64(o, true));
      const tid = Number(dv.getBigInt64(o + 8, true));
      if (!num || !tid) continue;
      const parked = dv.getBigInt64(o + 24, true) !== 0n;
      const gregs = new BigUint64Array(23);
      for (let r = 0; r < 23; r++) gregs[r] = dv.getBigUint64(o + 32 + r * 8, true);
      out.push({ num, tid, handle: dv.getBigUint64(o + 16, true), gregs: num === stopped ? undefined : parked ? gregs : undefined, running: num !== stopped && !parked, name: threadName(tid) });
    }
    return out.sort((a, b) => a.num - b.num);
  }

  /** The number of the thread the last stop happened on. */
  stoppedThread(): number {
    return this.dbg.session.lastStop?.thread ?? 1;
  }

  /** The thread the user looks at: `thread N`'s, or the one that stopped. */
  current(): number {
    const s = this.dbg.session;
    if (!s.viewed) this.selected = undefined;
    return this.selected ?? this.stoppedThread();
  }

  /** Has the program had more than one thread this run (GDB then names the thread in stop reports)? */
  multiThreaded(): boolean {
    const at = this.dbg.jit.lookup('__hotlink_dbg_highest_thread');
    return at !== undefined && readInt64(at) > 1n;
  }

  /** GDB's `Thread 0x7ffff7a00640 (LWP 123)`. */
  static targetId(t: ProgramThread): string {
    return `Thread 0x${t.handle.toString(16)} (LWP ${t.tid})`;
  }

  /** Runs `fn` with thread `t`'s registers as the debugger's (frames recomputed), then puts the selection back. */
  private withThread<T>(t: ProgramThread, fn: () => T): T {
    const s = this.dbg.session;
    const saved = s.viewed;
    s.viewed = t.gregs;
    this.dbg.invalidateFrames();
    try {
      return fn();
    } finally {
      s.viewed = saved;
      this.dbg.invalidateFrames();
    }
  }

  /** GDB's `info threads`. */
  info(out: ThreadOutput): void {
    if (this.dbg.session.state !== 'stopped') return out.say('No threads.');
    const threads = this.list();
    const cur = this.current();
    const ids = threads.map((t) => `${ProgramThreads.targetId(t)} "${t.name}"`);
    const width = Math.max('Target Id'.length, ...ids.map((s) => s.length));
    out.say(`  ${'Id'.padEnd(4)} ${'Target Id'.padEnd(width)} Frame `);
    threads.forEach((t, i) => {
      const frame = t.running ? '(running)' : this.withThread(t, () => {
        const f = this.dbg.frames()[0];
        return f ? out.frameText(f) : '(running)';
      });
      out.say(`${t.num === cur ? '*' : ' '} ${String(t.num).padEnd(4)} ${ids[i]!.padEnd(width)} ${frame}`);
    });
  }

  /** GDB's `thread [N]`: select thread N and show its frame 0. */
  select(arg: string, out: ThreadOutput): void {
    if (this.dbg.session.state !== 'stopped') throw new HotlinkError('usage', 'No thread selected.');
    const threads = this.list();
    if (!arg) {
      const t = threads.find((x) => x.num === this.current());
      if (t) out.say(`[Current thread is ${t.num} (${ProgramThreads.targetId(t)})]`);
      return;
    }
    const num = Number(arg);
    const t = threads.find((x) => x.num === num);
    if (!Number.isInteger(num) || !t) throw new HotlinkError('usage', `Invalid thread ID: ${arg}`);
    if (t.running) throw new HotlinkError('usage', `Thread ${num} did not stop (it blocks the park signal)`);
    this.selected = t.num === this.stoppedThread() ? undefined : t.num;
    this.dbg.session.viewed = t.gregs;
    this.dbg.invalidateFrames();
    this.dbg.selectedFrame = 0;
    out.say(`[Switching to thread ${t.num} (${ProgramThreads.targetId(t)})]`);
    const f = this.dbg.frames()[0];
    if (!f) return;
    out.say(`#0  ${out.frameText(f)}`);
    const src = out.sourceText(f);
    if (src !== undefined) out.say(src);
  }

  /**
   * GDB's line before a stop on another thread than the one looked at last
   * (`[Switching to Thread 0x… (LWP n)]`), or undefined. Call once per stop.
   */
  switchNotice(previous: number | undefined): string | undefined {
    const now = this.stoppedThread();
    if (previous === undefined || previous === now) return undefined;
    const t = this.list().find((x) => x.num === now);
    return t ? `[Switching to ${ProgramThreads.targetId(t)}]` : undefined;
  }

  /** `Thread 2 "name" hit ` for a stop report once the program has had several threads, else ''. */
  hitPrefix(): string {
    if (!this.multiThreaded()) return '';
    const t = this.list().find((x) => x.num === this.stoppedThread());
    return t ? `Thread ${t.num} "${t.name}" hit ` : '';
  }
}

function readInt64(address: number): bigint {
  return new DataView(Uint8Array.from(memoryView(address, 8)).buffer).getBigInt64(0, true);
}

function threadName(tid: number): string {
  try {
    return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').replace(/\n$/, '');
  } catch {
    return '';
  }
}
