// The `hotlink dbg` command interpreter: GDB's command names,
// abbreviations and output formats over the Debugger engine, plus the
// commands that change a stopped program — `jit { ... }` (append C code),
// `reload FUNC from FILE`, `reload FILE`, `rollback FUNC [GEN]`. The same
// interpreter serves scripts (-x FILE, stdin that is not a terminal) and
// the interactive prompt (line editing, history, completion).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import { HotlinkError, hex } from '../errors.js';
import { CType, typeName, sizeOf } from '../dwarf/types.js';
import type { FileReloadReport } from '../jit.js';
import { Debugger, parseLocation } from './debugger.js';
import { disassembleCommand, examineInstructions, MachineCodeContext } from './disasm-cmd.js';
import { FrameCommandContext, jumpCommand, returnCommand } from './frames-cmd.js';
import { infoSharedLibrary, infoSource } from './info-cmd.js';
import { examineMemory, formatValue, FormatLetter, MemoryReader, UnitSize } from './format.js';
import { StopEvent, GREG_NAMES, RegisterName } from './session.js';
import { Frame } from './unwind.js';
import { formatReload } from '../live/watch.js';
import { Watchpoints, WatchKind } from './watch.js';
import { ProgramThreads } from './threads.js';
import { Displays } from './display.js';

export interface ReplOutput {
  write(text: string): void;
}

/** What expression evaluation returns (src/dbg/expr.ts). */
type EvalResult =
  | { kind: 'value'; type: CType; bytes: Uint8Array; address?: number }
  | { kind: 'void' }
  | { kind: 'stopped'; stop: StopEvent };
type Evaluator = (dbg: Debugger, text: string, opts?: { frame?: number; history?: readonly { type: CType; bytes: Uint8Array }[] }) => Promise<EvalResult>;

const COMMANDS = [
  'run', 'start', 'continue', 'next', 'step', 'stepi', 'nexti', 'finish', 'until', 'advance', 'break', 'tbreak', 'delete', 'disable', 'enable',
  'info', 'backtrace', 'bt', 'where', 'frame', 'up', 'down', 'print', 'call', 'output', 'x', 'list', 'kill', 'help', 'quit', 'jit', 'reload', 'rollback', 'condition', 'display',
  'shell', 'disassemble', 'return', 'jump', 'interrupt', 'restart', 'set', 'show', 'watch', 'rwatch', 'awatch', 'thread', 'undisplay',
];
const INFO_SUBCOMMANDS = ['breakpoints', 'functions', 'variables', 'locals', 'args', 'frame', 'registers', 'source', 'sharedlibrary', 'line', 'threads', 'watchpoints', 'display'];

const ALIASES: Record<string, string> = {
  r: 'run', c: 'continue', cont: 'continue', n: 'next', s: 'step', si: 'stepi', ni: 'nexti', fin: 'finish', u: 'until', b: 'break', br: 'break', tb: 'tbreak',
  j: 'jump', d: 'delete', dis: 'disable', disa: 'disable', en: 'enable', i: 'info', bt: 'backtrace', where: 'backtrace', f: 'frame', p: 'print', inspect: 'print', l: 'list', k: 'kill', h: 'help', q: 'quit', exit: 'quit', t: 'thread',
};

export class Repl {
  readonly dbg: Debugger;
  private readonly out: ReplOutput;
  private readonly programArgs: string[];
  private readonly argv0: string;
  private history: { type: CType; bytes: Uint8Array }[] = [];
  private jitLines: string[] | undefined;
  /** Brace depth inside an open `jit {` block (the block ends when it returns to 0). */
  private jitDepth = 0;
  private jitCount = 0;
  private lastFunction: string | undefined;
  private listNext: { file: string; line: number } | undefined;
  private lastExamine: { address: number; format: FormatLetter; size: UnitSize } | undefined;
  private evaluator: Evaluator | undefined;
  readonly pid = process.pid;
  /** Watchpoints, threads and auto-displays (src/dbg/watch.ts, threads.ts, display.ts). */
  readonly watches: Watchpoints;
  readonly threads: ProgramThreads;
  readonly displays: Displays;
  /** A stop was reported by the running command: the displays follow it. */
  private displayDue = false;
  /** The thread of the last stop or `thread N` (GDB announces a switch). */
  private lastThread: number | undefined;
  /** GDB's $_exitcode: the status of the last exit. */
  private exitCode: number | undefined;

  constructor(dbg: Debugger, out: ReplOutput, opts: { programArgs?: string[]; argv0?: string } = {}) {
    this.dbg = dbg;
    this.out = out;
    this.programArgs = opts.programArgs ?? [];
    this.argv0 = opts.argv0 ?? 'a.out';
    this.watches = new Watchpoints(dbg, (type, bytes) => this.fmt(type, bytes));
    this.threads = new ProgramThreads(dbg);
    this.displays = new Displays(dbg);
  }

  /** The prompt to show: `(hotlink) `, or `>` while a `jit {` block is open. */
  get prompt(): string {
    return this.jitLines ? '>' : '(hotlink) ';
  }

  private say(text: string): void {
    this.out.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** Runs one input line; resolves true when the session should end. */
  async line(raw: string): Promise<boolean> {
    if (this.jitLines) {
      this.jitDepth += braceDelta(raw);
      if (this.jitDepth <= 0) {
        // The closing brace of the block; anything before it on the line is code.
        const close = raw.lastIndexOf('}');
        this.jitLines.push(raw.slice(0, close));
        const src = this.jitLines.join('\n') + '\n';
        this.jitLines = undefined;
        await this.guard(() => this.jitAppend(src));
      } else this.jitLines.push(raw);
      return false;
    }
    const text = raw.trim();
    if (!text || text.startsWith('#')) return false;
    let quit = false;
    await this.guard(async () => {
      quit = await this.command(text);
      await this.showDisplays();
    });
    return quit;
  }

  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (e instanceof HotlinkError) this.say(e.message);
      else this.say(`internal error: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  private async command(text: string): Promise<boolean> {
    if (text.startsWith('!')) text = `shell ${text.slice(1)}`; // GDB's `!cmd`
    // `print/x expr`, `x/4xw addr`: the format sticks to the command word.
    const m = /^([A-Za-z_]+)(\/\S*)?\s*(.*)$/s.exec(text);
    if (!m) throw new HotlinkError('usage', `Undefined command: "${text}".  Try "help".`);
    const word = m[1]!;
    const fmt = m[2]?.slice(1);
    const arg = m[3]!.trim();
    const cmd = ALIASES[word] ?? COMMANDS.find((c) => c === word) ?? uniquePrefix(word, COMMANDS);
    if (!cmd) throw new HotlinkError('usage', `Undefined command: "${word}".  Try "help".`);
    refuseWhileRunning(this.running, cmd, arg);
    switch (cmd) {
      case 'quit':
        await this.stopBackground();
        if (this.dbg.session.state === 'running' || this.dbg.session.state === 'stopped') await this.dbg.session.kill();
        return true;
      case 'help':
        this.say(HELP);
        return false;
      case 'shell': {
        // GDB's `shell CMD`: run a command (edit a file, build) while the program stays stopped.
        const r = spawnSync('/bin/sh', ['-c', arg || 'exec ${SHELL:-/bin/sh}'], { stdio: ['inherit', 'pipe', 'pipe'], encoding: 'utf8' });
        if (r.stdout) this.say(r.stdout.replace(/\n$/, ''));
        if (r.stderr) this.say(r.stderr.replace(/\n$/, ''));
        return false;
      }
      case 'run':
      case 'start':
        await this.run(arg.replace(/\s*&$/, ''), cmd === 'start', arg.endsWith('&'));
        return false;
      case 'continue': {
        if (this.dbg.session.state !== 'stopped') throw new HotlinkError('usage', 'The program is not being run.');
        const background = arg.endsWith('&');
        const count = background ? arg.slice(0, -1).trim() : arg;
        const n = count ? Number(count) : 1;
        const bpId = this.lastStopBreakpoint();
        if (n > 1 && bpId !== undefined) this.say(`Will ignore next ${n - 1} crossings of breakpoint ${bpId}.  Continuing.`);
        else this.say('Continuing.');
        const go = async (): Promise<StopEvent> => {
          let ev = await this.dbg.continue();
          for (let i = 1; i < n && ev.reason.kind === 'breakpoint'; i++) ev = await this.dbg.continue();
          return ev;
        };
        if (background) this.inBackground(go());
        else this.reportStop(await go());
        return false;
      }
      case 'interrupt':
        // GDB's `interrupt`: nothing now; the stop is reported when it happens.
        if (this.running) this.dbg.session.interrupt();
        return false;
      case 'restart': {
        const p = this.dbg.live.restart();
        this.lastFunction = undefined;
        this.say(`Restarting the statement of ${p.where} (it runs the code active now).`);
        this.showLocation(true, false);
        return false;
      }
      case 'show':
        this.setShow(cmd, arg);
        return false;
      case 'set':
        if (/^auto-reload\b/.test(arg)) this.setShow(cmd, arg);
        else await this.setCommand(arg);
        return false;
      case 'next':
      case 'step':
      case 'stepi':
      case 'nexti': {
        const n = arg ? Number(arg) : 1;
        let ev: StopEvent | undefined;
        for (let i = 0; i < n; i++) {
          ev = cmd === 'next' ? await this.dbg.next() : cmd === 'step' ? await this.dbg.step() : await this.dbg.stepi();
          if (ev.reason.kind !== 'step') break;
        }
        this.reportStop(ev!, cmd === 'stepi' || cmd === 'nexti');
        return false;
      }
      case 'finish':
        await this.finish();
        return false;
      case 'until':
      case 'advance': {
        const ev = await this.dbg.until(arg || undefined);
        // With a location GDB names the frame it stopped in; a bare `until` acts like `next`.
        if (arg && ev.reason.kind === 'step') this.showLocation(true, false);
        else this.reportStop(ev);
        return false;
      }
      case 'break':
      case 'tbreak':
        await this.breakCommand(arg, cmd === 'tbreak');
        return false;
      case 'condition': {
        const [num, ...rest] = arg.split(/\s+/);
        const bp = this.dbg.session.breakpoints.get(Number(num));
        if (!bp) throw new HotlinkError('usage', `No breakpoint number ${num}.`);
        const cond = rest.join(' ');
        bp.conditionText = cond || undefined;
        bp.condition = cond ? await this.conditionOf(cond) : undefined;
        if (!cond) this.say(`Breakpoint ${bp.id} now unconditional.`);
        return false;
      }
      case 'delete':
        if (/^display\b/.test(arg)) return this.displays.remove(arg.slice(7)), false;
        if (!arg) for (const id of [...this.dbg.session.breakpoints.keys(), ...this.watches.list.keys()]) this.watches.delete(id) || this.dbg.session.deleteBreakpoint(id);
        else for (const id of arg.replace(/^breakpoints?\s*/, '').split(/\s+/)) this.watches.delete(Number(id)) || this.dbg.session.deleteBreakpoint(Number(id));
        return false;
      case 'disable':
      case 'enable': {
        const ids = arg ? arg.split(/\s+/).map(Number) : [...this.dbg.session.breakpoints.keys(), ...this.watches.list.keys()];
        for (const id of ids) this.watches.enable(id, cmd === 'enable') || this.dbg.session.enableBreakpoint(id, cmd === 'enable');
        return false;
      }
      case 'watch':
      case 'rwatch':
      case 'awatch':
        await this.watchCommand(cmd, arg);
        return false;
      case 'thread':
        this.threads.select(arg, this.threadOutput());
        this.lastThread = this.threads.current();
        return false;
      case 'undisplay':
        this.displays.remove(arg);
        return false;
      case 'info':
        await this.info(arg);
        return false;
      case 'backtrace':
        this.backtrace(arg);
        return false;
      case 'frame':
      case 'up':
      case 'down':
        this.frameCommand(cmd, arg);
        return false;
      case 'print':
      case 'call':
      case 'output':
        await this.print(arg, fmt as FormatLetter | undefined, cmd);
        return false;
      case 'x':
        await this.examine(arg, fmt);
        return false;
      case 'return': {
        await returnCommand(this.frameControl(), arg);
        const frames = this.dbg.frames(); // the frame was just shown: the next stop there names no function
        this.lastFunction = `${this.dbg.describe(frames[0]!).function}@${frames.length}`;
        return false;
      }
      case 'jump':
        await jumpCommand(this.frameControl(), arg);
        return false;
      case 'disassemble': {
        const mods = /^\/(\w*)\s*/.exec(arg); // `disassemble /r main` as well as `disassemble/r main`
        await disassembleCommand(this.machineCode(), (fmt ?? '') + (mods?.[1] ?? ''), mods ? arg.slice(mods[0].length) : arg);
        return false;
      }
      case 'list':
        this.list(arg);
        return false;
      case 'kill':
        if (this.dbg.session.state === 'not-started' || this.dbg.session.state === 'exited') throw new HotlinkError('usage', 'The program is not being run.');
        await this.stopBackground();
        await this.dbg.session.kill();
        this.say(`[Inferior 1 (process ${this.pid}) killed]`);
        return false;
      case 'jit':
        if (!/^\{/.test(arg)) throw new HotlinkError('usage', 'usage: jit { C declarations and definitions ... }');
        {
          const rest = arg.slice(1);
          this.jitDepth = 1 + braceDelta(rest);
          if (this.jitDepth <= 0) {
            await this.jitAppend(rest.slice(0, rest.lastIndexOf('}')) + '\n');
          } else this.jitLines = rest.trim() ? [rest] : [];
        }
        return false;
      case 'reload':
        await this.reload(arg);
        return false;
      case 'rollback': {
        const [fn, gen] = arg.split(/\s+/);
        if (!fn) throw new HotlinkError('usage', 'usage: rollback FUNCTION [BODY]');
        const r = await this.dbg.rollback(fn, gen === undefined ? undefined : Number(gen));
        this.sources.clear();
        this.say(`Rolled back ${fn}: body ${r.report.old.body} -> body ${r.report.new.body} at ${hex(r.report.new.address)} (generation ${r.report.generation}).`);
        this.reportRebind(r.breakpoints);
        return false;
      }
      case 'display':
        if (!arg) this.displayDue = true;
        else {
          const now = await this.displays.add(arg, fmt, this.displayPrinter());
          if (now !== undefined) this.say(now);
        }
        return false;
      default:
        throw new HotlinkError('usage', `Undefined command: "${word}".  Try "help".`);
    }
  }

  private lastStopBreakpoint(): number | undefined {
    const r = this.dbg.session.lastStop?.reason;
    return r?.kind === 'breakpoint' ? r.id : undefined;
  }

  // ---- Running and stops ------------------------------------------------------------------

  /** The execution `continue &` / `run &` started, until its stop is reported. */
  private background: Promise<void> | undefined;
  /** Set while `kill`/`run`/`quit` end a background execution: its stop is not reported. */
  private quietBackground = false;

  /** Is the program running (in the background, or under a command that waits)? */
  get running(): boolean {
    return this.background !== undefined || this.dbg.session.state === 'running';
  }

  /** GDB's asynchronous execution: the prompt is back now, the stop is reported when it arrives. */
  private inBackground(stop: Promise<StopEvent>): void {
    const bg = stop.then(
      (ev) => {
        this.background = undefined;
        if (!this.quietBackground) this.reportStop(ev);
      },
      (e: unknown) => {
        this.background = undefined;
        if (!this.quietBackground) this.say(e instanceof HotlinkError ? e.message : `internal error: ${(e as Error)?.stack ?? String(e)}`);
      },
    );
    this.background = bg;
  }

  /** Stops a background execution without reporting it (before kill, run, quit). */
  private async stopBackground(): Promise<void> {
    if (!this.background) return;
    this.quietBackground = true;
    try {
      while (this.background) {
        this.dbg.session.interrupt();
        await Promise.race([this.background, new Promise((r) => setTimeout(r, 100))]);
      }
    } finally {
      this.quietBackground = false;
    }
  }

  /** `set auto-reload on|off`, `show auto-reload`. */
  private setShow(cmd: 'set' | 'show', arg: string): void {
    const m = /^auto-reload(?:\s+(\S+))?$/.exec(arg);
    if (!m) throw new HotlinkError('usage', `Undefined ${cmd} command: "${arg}".  Try "help ${cmd}".`);
    const live = this.dbg.live;
    if (cmd === 'show') return this.say(`Reloading the program's files when they change is ${live.autoReload ? 'on' : 'off'}.`);
    const v = m[1] ?? 'on';
    if (!['on', 'off', '1', '0', 'enable', 'disable'].includes(v)) throw new HotlinkError('usage', '"on" or "off" expected.');
    live.setAutoReload(['on', '1', 'enable'].includes(v), {
      onReload: (report, changed) => {
        this.sources.clear();
        this.dbg.view.refresh();
        this.dbg.invalidateFrames();
        this.out.write(formatReload(report, changed));
        this.reportRebind(this.dbg.rebindBreakpoints());
      },
      onError: (e, changed) => {
        this.say(`hotlink: reload of ${changed.join(', ')} failed: ${e instanceof HotlinkError ? e.message : String(e)}\nhotlink:   the program keeps the code it had`);
      },
    });
  }

  private async run(arg: string, start: boolean, background = false): Promise<void> {
    await this.stopBackground();
    const state = this.dbg.session.state;
    if (state === 'running' || state === 'stopped') await this.dbg.session.kill();
    const args = arg ? splitArgs(arg) : this.programArgs;
    if (start) {
      const bp = this.dbg.breakAt('main', { temporary: true });
      this.say(`Temporary breakpoint ${bp.id} at ${hex(bp.addresses[0] ?? 0)}${this.fileLineSuffix(bp.addresses[0])}.`);
    }
    this.say(`Starting program: ${[this.argv0, ...args].join(' ')}`);
    this.lastFunction = undefined;
    this.lastThread = 1;
    const ev = this.dbg.run([this.argv0, ...args]);
    if (background) this.inBackground(ev);
    else this.reportStop(await ev);
  }

  private async finish(): Promise<void> {
    if (this.dbg.session.state !== 'stopped') throw new HotlinkError('usage', 'The program is not being run.');
    const frames = this.dbg.frames();
    const f = frames[this.dbg.selectedFrame];
    if (!f) throw new HotlinkError('usage', 'The program is not being run.');
    if (!frames[this.dbg.selectedFrame + 1]) throw new HotlinkError('usage', '"finish" not meaningful in the outermost frame.');
    this.say(`Run till exit from #${f.level}  ${this.frameLine(f, true)}`);
    const r = await this.dbg.finish();
    this.reportStop(r.stop);
    await this.showDisplays();
    if (r.value && r.function) {
      const type = this.returnTypeOf(f);
      if (type && typeName(type) !== 'void') {
        const bytes = isFloatType(type) ? r.value.xmm0 : leBytes(r.value.rax, 8);
        this.say(`Value returned is ${this.record(type, bytes)}`);
      }
    }
  }

  private returnTypeOf(f: Frame): CType | undefined {
    return this.dbg.functionOf(f)?.sub.returnType;
  }

  /** Prints a stop like GDB does. */
  reportStop(ev: StopEvent, instruction = false): void {
    const r = ev.reason;
    if (ev.conditionError) this.say(ev.conditionError);
    this.displayDue = r.kind !== 'exited' && r.kind !== 'killed';
    const notice = r.kind !== 'exited' && r.kind !== 'killed' ? this.threads.switchNotice(this.lastThread) : undefined;
    if (notice) this.say(notice);
    if (ev.thread) this.lastThread = ev.thread;
    switch (r.kind) {
      case 'exited':
        this.exitCode = r.status;
        this.say(r.status === 0 ? `[Inferior 1 (process ${this.pid}) exited normally]` : `[Inferior 1 (process ${this.pid}) exited with code 0${r.status.toString(8)}]`); // gdb's "0%o"
        this.lastFunction = undefined;
        return;
      case 'killed':
        this.say(`\nProgram terminated with signal ${signalShort(r.signo)}.\nThe program no longer exists.`);
        return;
      case 'signal': {
        this.say(`\n${this.threads.multiThreaded() ? this.threads.hitPrefix().replace(/hit $/, 'received') : 'Program received'} signal ${signalShort(r.signo)}.`);
        this.showLocation(true, false);
        // A crash in code the last reload published: rolled back, the caller's statement runs again on `continue`.
        const rb = this.dbg.live.rollbackCrash();
        if (rb) {
          this.say(`Rolled back ${rb.units.join(', ')} to generation ${rb.generation} (${rb.functions.join(', ')} ${rb.functions.length === 1 ? 'runs its' : 'run their'} previous code); "continue" re-executes the statement of ${rb.resume.where}:`);
          this.reportRebind(this.dbg.rebindBreakpoints());
          this.lastFunction = undefined;
          this.showLocation(true, false);
        }
        return;
      }
      case 'interrupt':
        this.say(`\nProgram received signal SIGINT, Interrupt.`);
        this.showLocation(true, false);
        return;
      case 'breakpoint': {
        const bp = this.dbg.session.breakpoints.get(r.id);
        const temp = bp ? bp.temporary : !this.dbg.session.breakpoints.has(r.id);
        this.say('');
        this.showLocation(true, false, `${this.threads.hitPrefix()}${temp ? 'Temporary breakpoint' : 'Breakpoint'} ${r.id}, `);
        return;
      }
      case 'watchpoint':
        this.say(r.report.replace(/^\n/, `\n${this.threads.hitPrefix()}`));
        this.showLocation(true, false);
        return;
      case 'watch-trap':
        this.say(`\nProgram received signal SIGTRAP, Trace/breakpoint trap.`);
        this.showLocation(true, false);
        return;
      case 'call-returned':
        // The call the debugger made has finished; we are back where the program stopped.
        this.showLocation(true, false);
        return;
      case 'start':
      case 'step':
        this.showLocation(false, instruction);
        return;
    }
  }

  /** `func (args) at file:line` and the source line; the header only when the function changed or `always`. */
  private showLocation(always: boolean, instruction: boolean, prefix = ''): void {
    const frames = this.dbg.frames();
    const f = frames[0];
    if (!f) return;
    const d = this.dbg.describe(f);
    const loc = this.dbg.view.lineAt(f.pc);
    const midLine = loc && !this.atLineStart(f.pc);
    const fnKey = `${d.function}@${frames.length}`;
    if (always || fnKey !== this.lastFunction || !loc) {
      this.say(`${prefix}${midLine || !loc ? `${hex16(f.pc)} in ` : ''}${this.frameLine(f, false)}`);
    }
    this.lastFunction = fnKey;
    if (loc) {
      const src = this.sourceLine(loc.file, loc.line);
      this.say(`${instruction && midLine ? `${hex16(f.pc)}\t` : ''}${loc.line}\t${src ?? `in ${this.displayPath(loc.file)}`}`);
      this.listNext = { file: loc.file, line: Math.max(1, loc.line - 5) };
    }
  }

  /** `twice (x=0) at prog.c:2` for a frame. */
  private frameLine(f: Frame, withAddress: boolean): string {
    const d = this.dbg.describe(f);
    if (d.function.startsWith('<function called')) return d.function;
    // A frame restored from a debugger call's saved registers is where the program stopped, not a return address.
    withAddress &&= f.how !== 'registers';
    const args = d.inImage ? this.argsText(f.level) : '';
    const where = d.file ? ` at ${this.displayPath(d.file)}:${d.line}` : d.library ? ` from ${d.library}` : '';
    const body = d.body !== undefined && d.active === false ? ` [body ${d.body}, replaced]` : '';
    // GDB shows the PC of frame 0 too when it is inside a line (after stepi, in a parked thread).
    const inLine = f.level === 0 && !this.atLineStart(f.pc);
    return `${withAddress && (f.level > 0 || inLine) ? `${hex16(f.pc)} in ` : ''}${d.function} (${args})${body}${where}`;
  }

  /** GDB prints a frame's PC when it is not where a statement (an is_stmt row of the line table) starts. */
  private atLineStart(pc: number): boolean {
    return this.dbg.view.lineAt(pc)?.address === pc && this.dbg.view.isStmtRowAt(pc);
  }

  private argsText(level: number): string {
    return this.dbg.variablesOf(level, 'args').map((v) => `${v.name}=${v.bytes ? this.fmt(v.type, v.bytes, { typePrefix: false }) : v.error}`).join(', ');
  }

  private fmt(type: CType, bytes: Uint8Array, opts: { format?: FormatLetter; typePrefix?: boolean; address?: number } = {}): string {
    try {
      return formatValue(type, bytes, this.memory(), { ...opts, symbolize: (a) => this.symbolize(a) });
    } catch (e) {
      return `<error: ${(e as Error).message}>`;
    }
  }

  private memory(): MemoryReader {
    return { read: (a, n) => this.dbg.session.readMemory(a, n) };
  }

  private symbolize(address: number): string | undefined {
    const s = this.dbg.jit.addrToSym(address);
    if (!s || s.name.endsWith('@stub')) return undefined;
    return s.offset ? `${s.name}+${s.offset}` : s.name;
  }

  private record(type: CType, bytes: Uint8Array, format?: FormatLetter, address?: number): string {
    this.history.push({ type, bytes });
    return `$${this.history.length} = ${this.fmt(type, bytes, { format, address })}`;
  }

  private fileLineSuffix(address: number | undefined, wantedLine?: number): string {
    if (address === undefined) return '';
    const loc = this.dbg.view.lineAt(address);
    return loc ? `: file ${this.displayPath(loc.file)}, line ${this.dbg.view.lineForBreakpoint(address, wantedLine) ?? loc.line}` : '';
  }

  private displayPath(file: string): string {
    if (!isAbsolute(file)) return file;
    const rel = relative(process.cwd(), file);
    return rel.startsWith('..') ? file : rel;
  }

  private readonly sources = new Map<string, string[] | null>();

  /** Lines in a source file (a trailing newline does not start another line). */
  private lineCount(file: string): number {
    this.sourceLine(file, 1);
    const snippet = this.snippets.get(file) ?? this.snippets.get(file.replace(/^.*\//, ''));
    const lines = snippet !== undefined ? snippet.split('\n') : this.sources.get(file) ?? [];
    return lines.length && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  }

  /** Source text of `jit { }` snippets, by the name their debug info gives. */
  readonly snippets = new Map<string, string>();

  private sourceLine(file: string, line: number): string | undefined {
    const snippet = this.snippets.get(file) ?? this.snippets.get(file.replace(/^.*\//, ''));
    if (snippet !== undefined) return snippet.split('\n')[line - 1];
    let lines = this.sources.get(file);
    if (lines === undefined) {
      lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : null;
      this.sources.set(file, lines);
    }
    return lines?.[line - 1];
  }

  // ---- Breakpoints ---------------------------------------------------------------------------

  private async breakCommand(arg: string, temporary: boolean): Promise<void> {
    const m = /^(.*?)(?:\s+if\s+(.+))?$/s.exec(arg)!;
    let location = m[1]!.trim();
    const cond = m[2]?.trim();
    if (!location) {
      const f = this.dbg.frames()[this.dbg.selectedFrame];
      if (!f) throw new HotlinkError('usage', 'No default breakpoint location: the program is not running.');
      location = `*${f.pc}`;
    }
    const bp = this.dbg.breakAt(location, { temporary, conditionText: cond });
    if (cond) bp.condition = await this.conditionOf(cond); // before the next command can run the program
    const kind = temporary ? 'Temporary breakpoint' : 'Breakpoint';
    if (!bp.addresses.length) {
      this.say(`No source file or function named "${location}" in the image yet.\n${kind} ${bp.id} (${location}) pending.`);
      return;
    }
    if (bp.addresses.length > 1) this.say(`${kind} ${bp.id} at ${bp.addresses.map(hex).join(', ')}: ${location}. (${bp.addresses.length} locations)`);
    else this.say(`${kind} ${bp.id} at ${hex(bp.addresses[0]!)}${this.fileLineSuffix(bp.addresses[0], 'line' in bp.spec ? bp.spec.line : undefined)}.`);
  }

  private async conditionOf(text: string): Promise<(s: unknown) => Promise<boolean>> {
    const ev = await this.getEvaluator();
    return async () => {
      if (!ev) return true;
      const r = await ev(this.dbg, text, { frame: 0 });
      if (r.kind === 'value') return r.bytes.some((b) => b !== 0);
      // The breakpoint stops, and afterStop reports why (GDB's "Error in testing condition").
      if (r.kind === 'stopped') throw new HotlinkError('usage', `The program being debugged stopped while in a function called from the condition '${text}'.`);
      throw new HotlinkError('usage', `the condition '${text}' has no value (${r.kind})`);
    };
  }

  private reportRebind(r: { moved: number[]; stale: number[]; armed: number[] }): void {
    for (const id of r.moved) {
      const bp = this.dbg.session.breakpoints.get(id)!;
      this.say(`Breakpoint ${id} moved to ${hex(bp.addresses[0]!)}${this.fileLineSuffix(bp.addresses[0])}.`);
    }
    for (const id of r.stale) this.say(`Breakpoint ${id} no longer resolves in the active code; it stays on the old code (stale).`);
    for (const id of r.armed) {
      const bp = this.dbg.session.breakpoints.get(id)!;
      this.say(`Breakpoint ${id} armed at ${hex(bp.addresses[0]!)}${this.fileLineSuffix(bp.addresses[0])}.`);
    }
  }

  // ---- info ------------------------------------------------------------------------------------

  private async info(arg: string): Promise<void> {
    const [sub0, ...rest] = arg.split(/\s+/);
    const sub = INFO_SUBCOMMANDS.find((c) => c === sub0) ?? uniquePrefix(sub0 ?? '', INFO_SUBCOMMANDS) ?? (sub0 === 'b' || sub0 === 'br' ? 'breakpoints' : undefined);
    const re = rest.join(' ');
    switch (sub) {
      case 'breakpoints': {
        const bps = [...this.dbg.session.breakpoints.values()];
        if (!bps.length && !this.watches.list.size) return this.say('No breakpoints or watchpoints.');
        if (!bps.length) return this.say(this.watches.table(this.addressWidth())!.join('\n'));
        const typeWidth = this.watches.typeWidth(); // GDB widens the column for `read watchpoint`
        this.say(`Num     ${'Type'.padEnd(typeWidth)} Disp Enb Address            What`);
        for (const bp of bps) {
          const what = bp.addresses.length ? this.whatText(bp.addresses[0]!) : specText(bp.spec);
          const addr = bp.addresses.length ? hex16(bp.addresses[0]!) : '<PENDING>         ';
          this.say(`${String(bp.id).padEnd(8)}${'breakpoint'.padEnd(typeWidth)} ${bp.temporary ? 'del ' : 'keep'} ${bp.enabled ? 'y' : 'n'}   ${addr} ${what}${bp.stale ? '  (stale: the code was replaced)' : ''}`);
          if (bp.conditionText) this.say(`\tstop only if ${bp.conditionText}`);
          if (bp.hits) this.say(`\tbreakpoint already hit ${bp.hits} time${bp.hits === 1 ? '' : 's'}`);
        }
        for (const l of this.watches.rows(typeWidth, 18)) this.say(l);
        return;
      }
      case 'watchpoints':
        this.say(this.watches.table(this.addressWidth())?.join('\n') ?? 'No watchpoints.');
        return;
      case 'threads':
        this.threads.info(this.threadOutput());
        return;
      case 'display':
        this.say(this.displays.info().join('\n'));
        return;
      case 'functions': {
        const rx = re ? new RegExp(re) : undefined;
        const names = new Set<string>();
        for (const s of this.dbg.jit.symbols()) if (s.type === 'function' && (!rx || rx.test(s.name)) && !s.name.startsWith('__hotlink')) names.add(s.name);
        this.say(`All ${re ? `functions matching regular expression "${re}"` : 'defined functions'}:`);
        for (const n of [...names].sort()) this.say(`${hex16(this.dbg.jit.lookup(n) ?? this.dbg.view.functionAddress(n, false) ?? 0)}  ${n}`);
        return;
      }
      case 'variables': {
        const rx = re ? new RegExp(re) : undefined;
        this.say(`All ${re ? `variables matching regular expression "${re}"` : 'defined variables'}:`);
        const seen = new Set<string>();
        for (const s of this.dbg.jit.symbols()) {
          if (s.type !== 'object' || (rx && !rx.test(s.name)) || s.name.startsWith('__hotlink') || seen.has(s.name)) continue;
          seen.add(s.name);
          this.say(`${hex16(s.address)}  ${s.name}`);
        }
        return;
      }
      case 'locals':
      case 'args': {
        const vars = this.dbg.variablesOf(this.dbg.selectedFrame, sub === 'args' ? 'args' : 'locals');
        if (!vars.length) return this.say(sub === 'args' ? 'No arguments.' : 'No locals.');
        for (const v of vars) this.say(`${v.name} = ${v.bytes ? this.fmt(v.type, v.bytes, { typePrefix: false }) : v.error}`);
        return;
      }
      case 'frame': {
        const f = this.dbg.frames()[this.dbg.selectedFrame];
        if (!f) throw new HotlinkError('usage', 'No stack.');
        const d = this.dbg.describe(f);
        this.say(`Stack level ${f.level}, frame at ${hex(f.cfa ?? 0)}:`);
        this.say(` rip = ${hex(f.pc)} in ${d.function}${d.file ? ` (${this.displayPath(d.file)}:${d.line})` : ''}; saved rip = ${hex(Number(this.dbg.frames()[f.level + 1]?.pc ?? 0))}`);
        if (d.body !== undefined) this.say(` body ${d.body} of ${d.function} (${d.active ? 'active' : 'replaced'})`);
        return;
      }
      case 'registers': {
        const names = re ? re.split(/\s+/).map((r) => r.replace(/^\$/, '')) : [...GREG_NAMES];
        for (const n of names) {
          if (!(GREG_NAMES as readonly string[]).includes(n)) throw new HotlinkError('usage', `Invalid register \`${n}'`);
          const v = this.frameRegister(n as RegisterName);
          this.say(`${n.padEnd(15)}${('0x' + v.toString(16)).padEnd(19)}${n === 'rip' ? `${hex(Number(v))}${this.symbolize(Number(v)) ? ` <${this.symbolize(Number(v))}>` : ''}` : BigInt.asIntN(64, v).toString()}`);
        }
        return;
      }
      case 'source':
        return infoSource(this.dbg, (t) => this.say(t), (f) => this.lineCount(f));
      case 'line': {
        const f = this.dbg.frames()[this.dbg.selectedFrame];
        const loc = f && this.dbg.view.lineAt(f.pc);
        this.say(loc ? `Line ${loc.line} of "${this.displayPath(loc.file)}" starts at address ${hex(loc.address)}.` : 'No line number information available.');
        return;
      }
      case 'sharedlibrary':
        return infoSharedLibrary(this.dbg, (t) => this.say(t));
      default:
        throw new HotlinkError('usage', `Undefined info command: "${arg}".  Try "help info".`);
    }
  }

  private frameRegister(name: RegisterName): bigint {
    const f = this.dbg.frames()[this.dbg.selectedFrame];
    const dw: Record<string, number> = { rax: 0, rdx: 1, rcx: 2, rbx: 3, rsi: 4, rdi: 5, rbp: 6, rsp: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15, rip: 16 };
    if (f && this.dbg.selectedFrame > 0 && dw[name] !== undefined) return f.regs[dw[name]!] ?? 0n;
    return this.dbg.session.regBig(name);
  }

  private whatText(address: number): string {
    const loc = this.dbg.view.lineAt(address);
    const fn = this.dbg.view.functionAt(address);
    return `in ${fn?.name ?? this.symbolize(address) ?? '??'}${loc ? ` at ${this.displayPath(loc.file)}:${loc.line}` : ''}`;
  }

  // ---- Frames ------------------------------------------------------------------------------------

  private backtrace(arg: string): void {
    const frames = this.dbg.frames();
    if (!frames.length || this.dbg.session.state !== 'stopped') throw new HotlinkError('usage', 'No stack.');
    const limit = arg && /^-?\d+$/.test(arg) ? Number(arg) : frames.length;
    for (const f of frames.slice(0, limit)) this.say(`#${f.level}  ${this.frameLine(f, true)}`);
    if (limit < frames.length) this.say('(More stack frames follow...)');
    else if (frames[frames.length - 1]!.stopped) this.say(`Backtrace stopped: ${frames[frames.length - 1]!.stopped}`);
  }

  private frameCommand(cmd: 'frame' | 'up' | 'down', arg: string): void {
    const frames = this.dbg.frames();
    if (!frames.length || this.dbg.session.state !== 'stopped') throw new HotlinkError('usage', 'No stack.');
    let level = this.dbg.selectedFrame;
    const n = arg ? Number(arg) : cmd === 'frame' ? level : 1;
    if (cmd === 'frame') level = n;
    else if (cmd === 'up') level += n;
    else level -= n;
    if (level < 0) throw new HotlinkError('usage', 'Bottom (innermost) frame selected; you cannot go down.');
    if (level >= frames.length) throw new HotlinkError('usage', 'Initial frame selected; you cannot go up.');
    this.dbg.selectedFrame = level;
    const f = frames[level]!;
    this.say(`#${level}  ${this.frameLine(f, true)}`);
    const loc = this.dbg.view.lineAt(level ? f.pc - 1 : f.pc);
    if (loc) this.say(`${loc.line}\t${this.sourceLine(loc.file, loc.line) ?? ''}`);
  }

  // ---- Expressions -----------------------------------------------------------------------------

  private async getEvaluator(): Promise<Evaluator | undefined> {
    if (this.evaluator) return this.evaluator;
    // Loaded on first use; a failure to load is a defect and is reported as the command's error.
    const mod = (await import('./expr.js' as string)) as { evaluate?: Evaluator };
    this.evaluator = mod.evaluate;
    return this.evaluator;
  }

  private async print(arg: string, format: FormatLetter | undefined, cmd: 'print' | 'call' | 'output'): Promise<void> {
    if (!arg) {
      const last = this.history[this.history.length - 1];
      if (!last) throw new HotlinkError('usage', 'History is empty.');
      this.say(this.record(last.type, last.bytes, format));
      return;
    }
    if (arg === '$_exitcode') {
      if (this.exitCode === undefined) return void this.say(`$${this.history.length + 1} = void`), void this.history.push({ type: { kind: 'void' } as CType, bytes: new Uint8Array(0) });
      return this.say(this.record(INT_TYPE, leBytes(BigInt(this.exitCode), 4), format));
    }
    const hist = /^\$(\d+)$/.exec(arg);
    if (hist) {
      const h = this.history[Number(hist[1]) - 1];
      if (!h) throw new HotlinkError('usage', `History has not yet reached $${hist[1]}.`);
      this.say(this.record(h.type, h.bytes, format));
      return;
    }
    const ev = await this.getEvaluator();
    if (!ev) throw new HotlinkError('usage', 'expression evaluation is not available');
    const r = await ev(this.dbg, arg, { frame: this.dbg.selectedFrame, history: this.history });
    if (r.kind === 'stopped') {
      this.reportStop(r.stop);
      this.say(`The program being debugged stopped while in a function called from the debugger.\nEvaluation of the expression containing the function\n(${arg}) will be abandoned.\nWhen the function is done executing, GDB will silently stop it.`);
      return;
    }
    if (r.kind === 'void') {
      if (cmd === 'print') this.say(`$${this.history.length + 1} = void`), this.history.push({ type: { kind: 'void' } as CType, bytes: new Uint8Array(0) });
      return;
    }
    if (cmd === 'output') this.out.write(this.fmt(r.type, r.bytes, { format, address: r.address }));
    else this.say(this.record(r.type, r.bytes, format, r.address));
  }

  private async examine(arg: string, fmt: string | undefined): Promise<void> {
    const m = /^(\d*)([xduotacfsiz]?)([bhwg]?)$/.exec(fmt ?? '');
    if (!m) throw new HotlinkError('usage', `Invalid number "${fmt}".`);
    const count = m[1] ? Number(m[1]) : 1;
    if (m[2] === 'i' || (!m[2] && (this.lastExamine?.format as string) === 'i')) {
      const start = arg ? await this.addressOf(arg) : this.lastExamine?.address;
      if (start === undefined) throw new HotlinkError('usage', 'Argument required (starting display address).');
      this.lastExamine = { address: await examineInstructions(this.machineCode(), start, count), format: 'i' as FormatLetter, size: 'b' };
      return;
    }
    const format = (m[2] || this.lastExamine?.format || 'x') as FormatLetter;
    const size = (m[3] || (m[2] ? undefined : this.lastExamine?.size)) as UnitSize | undefined;
    let address: number;
    if (!arg) {
      if (!this.lastExamine) throw new HotlinkError('usage', 'Argument required (starting display address).');
      address = this.lastExamine.address;
    } else address = await this.addressOf(arg);
    const res = examineMemory(address, this.memory(), { format, size, count, symbolize: (a) => this.symbolize(a) });
    for (const l of res.lines) this.say(l);
    if (res.error) this.say(res.error);
    this.lastExamine = { address: res.next, format, size: size ?? (format === 'a' || format === 'f' ? 'g' : format === 'c' || format === 's' ? 'b' : 'w') };
  }

  /** The address an expression designates (`x ADDR`, `disassemble ADDR`): its value, or an array's or function's location. */
  private async addressOf(arg: string): Promise<number> {
    const ev = await this.getEvaluator();
    const r = ev ? await ev(this.dbg, arg, { frame: this.dbg.selectedFrame }) : undefined;
    if (!r || r.kind !== 'value') throw new HotlinkError('usage', `cannot evaluate '${arg}'`);
    const t = r.type as { kind?: string };
    if ((t.kind === 'array' || t.kind === 'function') && r.address !== undefined) return r.address;
    return Number(leValue(r.bytes.subarray(0, Math.min(8, r.bytes.length))));
  }

  private machineCode(): MachineCodeContext {
    return { dbg: this.dbg, say: (t) => this.say(t), address: (e) => this.addressOf(e), sourceLine: (f, l) => this.sourceLine(f, l), displayPath: (f) => this.displayPath(f) };
  }

  private frameControl(): FrameCommandContext {
    const evaluate = async (e: string): Promise<{ type: CType; bytes: Uint8Array }> => {
      const ev = await this.getEvaluator();
      const r = ev ? await ev(this.dbg, e, { frame: this.dbg.selectedFrame }) : undefined;
      if (!r || r.kind !== 'value') throw new HotlinkError('usage', `cannot evaluate '${e}'`);
      return r;
    };
    return { dbg: this.dbg, say: (t) => this.say(t), evaluate, frameLine: (f) => this.frameLine(f, false), sourceLine: (f, l) => this.sourceLine(f, l), reportStop: (ev) => this.reportStop(ev) };
  }

  private list(arg: string): void {
    let file: string | undefined;
    let center: number | undefined;
    if (arg) {
      const spec = parseLocation(arg);
      if ('symbol' in spec) {
        const a = this.dbg.view.functionAddress(spec.symbol, false);
        const loc = a !== undefined ? this.dbg.view.lineAt(a) : undefined;
        if (!loc) throw new HotlinkError('usage', `Function "${spec.symbol}" not defined.`);
        file = loc.file;
        center = loc.line;
      } else if ('file' in spec) {
        file = spec.file ? this.dbg.view.sourceFiles().find((f) => f === spec.file || f.endsWith('/' + spec.file)) ?? spec.file : this.dbg.currentFile;
        center = spec.line;
      }
    }
    let start: number;
    if (file && center !== undefined) start = Math.max(1, center - 5);
    else if (this.listNext) ({ file, line: start } = this.listNext);
    else {
      const a = this.dbg.view.functionAddress('main', false);
      const loc = a !== undefined ? this.dbg.view.lineAt(a) : undefined;
      if (!loc) throw new HotlinkError('usage', 'No symbol table is loaded.');
      file = loc.file;
      start = Math.max(1, loc.line - 4);
    }
    if (!file) throw new HotlinkError('usage', 'No default source file.');
    const total = this.lineCount(file);
    for (let l = start; l < start + 10; l++) {
      const text = this.sourceLine(file, l);
      if (text === undefined || l > total) break;
      this.say(`${l}\t${text}`);
    }
    this.listNext = { file, line: start + 10 };
  }

  // ---- set, watch, thread, display (src/dbg/watch.ts, threads.ts, display.ts) -----------------

  /** `set var X = V`, `set variable X = V`, `set X = V` (GDB's assignment), `set can-use-hw-watchpoints N`. */
  private async setCommand(arg: string): Promise<void> {
    const hw = /^can-use-hw-watchpoints\s+(\d+)$/.exec(arg);
    if (hw) return void (this.watches.canUseHardware = Number(hw[1]) !== 0);
    const m = /^var(?:iable)?\b\s*(.*)$/s.exec(arg);
    const expr = m ? m[1]!.trim() : arg;
    if (!m && (!/=/.test(arg) || GDB_SETTINGS.test(arg))) throw new HotlinkError('usage', `Undefined set command: "${arg}".  Try "help set".`);
    if (!expr) throw new HotlinkError('usage', 'Argument required (expression to compute).');
    const ev = await this.getEvaluator();
    if (!ev) throw new HotlinkError('usage', 'expression evaluation is not available');
    const r = await ev(this.dbg, expr, { frame: this.dbg.selectedFrame, history: this.history });
    if (r.kind === 'stopped') this.reportStop(r.stop);
  }

  private async watchCommand(kind: WatchKind, arg: string): Promise<void> {
    if (!arg) throw new HotlinkError('usage', 'Argument required (expression to compute).');
    const ev = await this.getEvaluator();
    if (!ev) throw new HotlinkError('usage', 'expression evaluation is not available');
    const r = await ev(this.dbg, arg, { frame: this.dbg.selectedFrame });
    if (r.kind === 'stopped') return this.reportStop(r.stop); // a breakpoint in a function the expression calls
    if (r.kind !== 'value') throw new HotlinkError('usage', `cannot watch '${arg}': it has no value`);
    const stopped = this.dbg.session.state === 'stopped';
    const names = new Set((stopped ? ['args', 'locals'] : []).flatMap((w) => this.dbg.variablesOf(this.dbg.selectedFrame, w as 'args' | 'locals').map((v) => v.name)));
    const local = (arg.match(/(?<![.\w$]|->)[A-Za-z_]\w*/g) ?? []).some((n) => names.has(n));
    this.say(this.watches.add(kind, arg, r, local));
  }

  private threadOutput(): import('./threads.js').ThreadOutput {
    return {
      say: (t) => this.say(t),
      frameText: (f) => this.frameLine(f, true),
      sourceText: (f) => {
        const loc = this.dbg.view.lineAt(f.pc);
        return loc ? `${loc.line}\t${this.sourceLine(loc.file, loc.line) ?? ''}` : undefined;
      },
    };
  }

  private displayPrinter(): (expr: string, format: string | undefined) => Promise<string> {
    return async (expr, format) => {
      const ev = await this.getEvaluator();
      if (!ev) throw new HotlinkError('usage', 'expression evaluation is not available');
      const r = await ev(this.dbg, expr, { frame: this.dbg.selectedFrame, history: this.history });
      if (r.kind !== 'value') throw new HotlinkError('usage', `'${expr}' has no value`);
      return this.fmt(r.type, r.bytes, { format: format as FormatLetter | undefined, address: r.address });
    };
  }

  /** The auto-displays after a stop (once per stop). */
  private async showDisplays(): Promise<void> {
    if (!this.displayDue) return;
    this.displayDue = false;
    for (const l of await this.displays.show(this.displayPrinter())) this.say(l);
  }

  /** GDB's Address column: 18 wide while a program runs, else 10. */
  private addressWidth(): number {
    const st = this.dbg.session.state;
    return st === 'stopped' || st === 'running' ? 18 : 10;
  }

  // ---- Changing the program --------------------------------------------------------------------

  private async jitAppend(source: string): Promise<void> {
    this.sources.clear();
    const name = `jit-${++this.jitCount}.c`;
    this.snippets.set(name, source);
    const r = await this.dbg.append(source, name);
    this.say(`Added ${r.symbols.length ? r.symbols.join(', ') : 'no global symbols'} (generation ${this.dbg.jit.generation}).`);
    this.reportRebind({ moved: [], stale: [], armed: r.armed });
  }

  private async reload(arg: string): Promise<void> {
    this.sources.clear(); // the file may have been edited
    const unchecked = /\s--unchecked$|^--unchecked\s/.test(arg);
    arg = arg.replace(/(^|\s)--unchecked(\s|$)/, ' ').trim();
    const m = /^(\S+)\s+from\s+(\S+)$/.exec(arg);
    if (m) {
      const r = await this.dbg.reload(m[1]!, m[2]!, { unchecked });
      const rep = r.report;
      this.say(`Reloaded ${rep.name}: body ${rep.old.body} -> body ${rep.new.body} at ${hex(rep.new.address)} (${rep.new.size} bytes, was ${rep.old.size}); entry ${hex(rep.entry)} unchanged; generation ${rep.generation}${rep.abi ? `; ABI ${rep.abi}` : ''}.`);
      this.reportRebind(r.breakpoints);
      return;
    }
    if (!arg || /\s/.test(arg)) throw new HotlinkError('usage', 'usage: reload FUNCTION from FILE | reload FILE');
    await this.reloadFile(arg, unchecked);
  }

  /** `reload FILE` (a unit or a header): recompile every affected unit and reload them as one transaction. */
  private async reloadFile(file: string, unchecked: boolean): Promise<void> {
    const r = await this.dbg.reloadFile(file, { unchecked });
    for (const line of describeFileReload(file, r.result, (name) => this.dbg.jit.lookup(name))) this.say(line);
    this.reportRebind(r.breakpoints);
  }
}

/**
 * The REPL's account of a file reload, GDB-like: one summary line, then a
 * warning when the reload is partial. `lookup` tells a static function (its
 * entry is not the global of that name) so it can be marked `[static]`.
 */
export function describeFileReload(file: string, r: FileReloadReport, lookup: (name: string) => number | undefined): string[] {
  const short = (u: string): string => (isAbsolute(u) ? relative(process.cwd(), u) || u : u);
  const units = r.units.map(short);
  const what = units.length === 1 && units[0] === short(file) ? short(file) : `${short(file)} (units ${units.join(', ')})`;
  const parts: string[] = [];
  const several = units.length > 1;
  const swapped = r.swapped.map((x) => {
    const local = x.local ?? lookup(x.name) !== x.entry;
    const tags = [local ? 'static' : '', several && x.unit ? short(x.unit) : ''].filter(Boolean);
    return tags.length ? `${x.name} [${tags.join(', ')}]` : x.name;
  });
  parts.push(swapped.length ? `swapped ${swapped.join(', ')}` : 'no function changed');
  if (r.unchanged.length) parts.push(`unchanged ${r.unchanged.length}`);
  if (r.added.length) parts.push(`added ${r.added.join(', ')}`);
  if (r.removed.length) parts.push(`removed ${r.removed.join(', ')} (old code kept for its callers)`);
  if (r.variables.length) {
    const v = r.variables.map((x) => (x.change === 'added' ? `${x.name} added (initialized once)` : `${x.name} kept (initializer changed: live value kept)`));
    parts.push(`variables: ${v.join(', ')}`);
  }
  if (r.constructors.length) parts.push(`constructors: ${r.constructors.map((c) => `${c.name} ${c.ran ? 'ran' : 'not re-run'}`).join(', ')}`);
  const lines = [`Reloaded ${what} (generation ${r.generation}): ${parts.join('; ')}.`];
  // stale: `where` old code stays reachable and `why` (which says what to reload to fix it).
  for (const st of r.stale) lines.push(`warning: reload is partial: old code still runs in ${short(st.where)}: ${st.why}`);
  return lines;
}

/**
 * GDB's refusals while the program runs (all-stop mode after `continue &`):
 * execution commands, and what needs the registers or the stack. Memory,
 * breakpoints, reloads and the rest work while it runs.
 */
function refuseWhileRunning(running: boolean, cmd: string, arg: string): void {
  if (!running) return;
  const no = (m: string): never => {
    throw new HotlinkError('usage', m);
  };
  if (['continue', 'next', 'step', 'stepi', 'nexti', 'finish', 'until', 'advance', 'restart'].includes(cmd)) no('Cannot execute this command while the selected thread is running.');
  if (['backtrace', 'print', 'call', 'output', 'x', 'display'].includes(cmd)) no('Selected thread is running.');
  if (cmd === 'frame' || cmd === 'up' || cmd === 'down') no('No stack.');
  if ((cmd === 'break' || cmd === 'tbreak') && (!arg || /^if\b/.test(arg))) no('No default breakpoint address now.');
  if (cmd === 'jit') no('Selected thread is running.'); // as GDB's `compile code`
  if (cmd === 'info') {
    const sub = arg.split(/\s+/)[0] ?? '';
    if (sub && 'registers'.startsWith(sub)) no('Selected thread is running.');
    if (sub.length >= 2 && 'frame'.startsWith(sub)) no('No stack.');
    if (sub.length >= 2 && ('locals'.startsWith(sub) || 'args'.startsWith(sub))) no('No frame selected.');
    if (sub.length >= 2 && 'line'.startsWith(sub)) no('No line number information available.');
  }
}

/** Net `{` minus `}` on a line of C, ignoring strings, character constants and comments. */
function braceDelta(line: string): number {
  let d = 0;
  const code = line.replace(/\/\/.*$/, '').replace(/\/\*.*?\*\//g, '').replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '');
  for (const ch of code) {
    if (ch === '{') d++;
    else if (ch === '}') d--;
  }
  return d;
}

function uniquePrefix(word: string, list: readonly string[]): string | undefined {
  const m = list.filter((c) => c.startsWith(word));
  return m.length === 1 ? m[0] : undefined;
}

function splitArgs(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\.|[^"])*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** GDB settings `set NAME ...` must not be read as an assignment to a variable NAME. */
const GDB_SETTINGS = /^(confirm|width|height|pagination|style|print|listsize|logging|args|environment|language|disassembly-flavor|scheduler-locking|non-stop|debuginfod)\b/;

const INT_TYPE = { kind: 'base', name: 'int', byteSize: 4, encoding: 5 /* DW_ATE_signed */ } as CType;

function hex16(v: number): string {
  return '0x' + v.toString(16).padStart(16, '0');
}

function leBytes(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

function leValue(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

function isFloatType(t: CType): boolean {
  const name = typeName(t);
  return /\b(float|double)\b/.test(name) && !name.includes('*') && (sizeOf(t) ?? 0) <= 16;
}

const SIGNAL_DESCRIPTIONS: Record<number, string> = {
  4: 'SIGILL, Illegal instruction', 5: 'SIGTRAP, Trace/breakpoint trap', 6: 'SIGABRT, Aborted', 7: 'SIGBUS, Bus error',
  8: 'SIGFPE, Arithmetic exception', 11: 'SIGSEGV, Segmentation fault',
};

function signalShort(signo: number): string {
  return SIGNAL_DESCRIPTIONS[signo] ?? `signal ${signo}`;
}

function specText(spec: import('./session.js').BreakpointSpec): string {
  if ('address' in spec) return `*${hex(spec.address)}`;
  if ('symbol' in spec) return spec.symbol;
  return `${spec.file}:${spec.line}`;
}

export const HELP = `List of commands (GDB's names and abbreviations):

run [ARGS] (r), start          start the program (start stops at main)
continue [N] (c)               continue; N: ignore the current breakpoint N-1 times
next [N] (n), step [N] (s)     next line (over calls) / (into calls)
stepi (si), nexti (ni)         one instruction
finish (fin)                   run until the selected frame returns; print the value
return [EXPR]                  pop the selected frame now (returning EXPR)
jump LOC (j)                   resume at LOC (a line, *ADDRESS or a function)
until [LOC] (u), advance LOC   run to LOC (or the next line)
break LOC [if COND] (b)        LOC: FUNCTION, FILE:LINE, LINE, *ADDRESS; pending until the code exists
tbreak LOC                     temporary breakpoint
condition N [COND]             set or clear a breakpoint's condition
delete [N...] (d), disable [N...], enable [N...]
info breakpoints|watchpoints|threads|display|functions [RE]|variables [RE]|locals|args|frame|registers [REG]|line|source|sharedlibrary
backtrace [N] (bt), frame N (f), up [N], down [N]
print[/FMT] EXPR (p), call EXPR, output EXPR     any C expression over the program's names
set var X = V                  assign (also set variable X = V, set X = V)
watch EXPR, rwatch, awatch     stop when EXPR changes / is read / is accessed (hardware, else software)
set can-use-hw-watchpoints 0   software watchpoints only
thread [N] (t)                 show or select a thread (bt, frame, print then read it)
display[/FMT] EXPR, undisplay [N...]   print EXPR at every stop
x/NFU ADDR                     examine memory (F: x d u o t a c f s i; U: b h w g)
disassemble [/r|/s] [FUNC|START,END|START,+LEN]   machine code (AT&T, as gdb prints it)
list [LOC] (l)                 show source
jit { C code }                 compile C code and append it to the running image
reload FUNCTION from FILE      replace a function's body (also: reload FILE|HEADER, --unchecked); also while running
rollback FUNCTION [BODY]       point a function back at an earlier body
continue &, run &              run in the background: the prompt returns, the stop is reported when it happens
interrupt                      stop the program running in the background (Ctrl-C, SIGINT do the same)
restart                        re-execute the statement that called the selected frame, on the code active now
set auto-reload on|off         reload the program's files when they are saved (show auto-reload)
shell CMD (!CMD)               run a shell command (e.g. edit a file before reload)
kill (k), quit (q), help (h)`;
