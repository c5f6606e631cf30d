// The REPL's machine-code commands, printed as gdb prints them:
// `disassemble [/r] [/s] [FUNC | START,END | START,+LEN]` (the function
// around the selected frame's PC by default, `=>` at that PC) and
// `x/Ni ADDR`. Symbols come from the image (a reloadable function's entry
// is the function; a body is `foo` plus its offset; a stub, which plays the
// PLT's part, is `name@plt`) and from the host libraries (dladdr).

import { HotlinkError, hex } from '../errors.js';
import { SegClass } from '../link/input.js';
import { dladdr } from '../memory/native.js';
import type { Debugger } from './debugger.js';
import { decode, instructionText, Instruction, loadDisassembler, rawBytes } from './disasm.js';

/** What the commands need from the REPL. */
export interface MachineCodeContext {
  dbg: Debugger;
  say(text: string): void;
  /** The value of an address expression (`main`, `$pc`, `0x401000`, `&x`). */
  address(expr: string): Promise<number>;
  sourceLine(file: string, line: number): string | undefined;
  displayPath(file: string): string;
}

/** `name+off` (`name` at offset 0) for an address, gdb's `<...>` in disassembly; undefined when nothing is known. */
export function codeSymbol(dbg: Debugger, address: number): string | undefined {
  const s = dbg.jit.addrToSym(address);
  if (s && coveredBySymbol(dbg, address)) {
    const name = s.name.replace(/@stub$/, '@plt');
    return s.offset ? `${name}+${s.offset}` : name;
  }
  const fn = dbg.view.functionAt(address);
  if (fn) return address > fn.lowPc ? `${fn.name}+${address - fn.lowPc}` : fn.name;
  const host = dladdr(address);
  if (host?.name) return address > host.address ? `${host.name}+${address - host.address}` : host.name;
  return undefined;
}

/**
 * Is `address` inside the extent of the image code symbol before it? The
 * padding between functions belongs to none (gdb prints no `<sym+N>` there).
 */
function coveredBySymbol(dbg: Debugger, address: number): boolean {
  const s = dbg.jit.session;
  const rx = s.classes[SegClass.RX];
  if (!rx || address < rx.start || address >= rx.cursor) return true; // data: addrToSym checked the size
  const ids = s.addrIndex.find(SegClass.RX, address);
  return ids.some((id) => id < 0 || s.symbols.size[id] === 0 || address < s.symbols.addr[id]! + s.symbols.size[id]!);
}

/** The PC of the selected frame, when the program is stopped. */
function selectedPc(dbg: Debugger): number | undefined {
  if (dbg.session.state !== 'stopped') return undefined;
  return dbg.frames()[dbg.selectedFrame]?.pc;
}


/** The function containing `address`: its name and [low, high). */
function functionRange(dbg: Debugger, address: number): { name: string; low: number; high: number } {
  dbg.view.refresh();
  // A reloadable function's entry (`jmp *slot`, its public address) stands for its active body.
  const s = dbg.jit.session;
  for (const f of [...s.reloadFuncs.values(), ...[...s.units.values()].flatMap((u) => [...u.funcs.values()])]) {
    if (f.entryAddr === address) {
      address = s.symbols.addr[f.bodies[f.current]!]!;
      break;
    }
  }
  const fn = dbg.view.functionAt(address);
  if (fn) return { name: fn.name, low: fn.lowPc, high: fn.highPc };
  // Code without DWARF (the runtime, a host library): the ELF symbol's extent.
  const sym = dbg.jit.addrToSym(address);
  if (sym) {
    const low = address - sym.offset;
    for (const x of dbg.jit.symbols({ internal: true })) {
      if (x.address === low && x.size > 0 && address < low + x.size) return { name: sym.name, low, high: low + x.size };
    }
  }
  throw new HotlinkError('usage', `No function contains specified address.`);
}

/** `disassemble [/MODS] [SPEC]`. */
export async function disassembleCommand(ctx: MachineCodeContext, mods: string, arg: string): Promise<void> {
  for (const m of mods) if (!'rsmb'.includes(m)) throw new HotlinkError('usage', 'Invalid disassembly modifier.');
  await loadDisassembler();
  const { dbg } = ctx;
  const pc = selectedPc(dbg);
  let name: string | undefined;
  let low: number;
  let high: number;
  if (!arg) {
    if (pc === undefined) throw new HotlinkError('usage', 'No frame selected.');
    // An outer frame's PC is a return address: its function is the one holding the call.
    const f = dbg.frames()[dbg.selectedFrame]!;
    ({ name, low, high } = functionRange(dbg, f.level > 0 ? f.pc - 1 : f.pc));
  } else {
    const comma = splitRange(arg);
    if (comma) {
      low = await ctx.address(comma[0]);
      high = comma[1].startsWith('+') ? low + (await ctx.address(comma[1].slice(1))) : await ctx.address(comma[1]);
    } else ({ name, low, high } = functionRange(dbg, await ctx.address(arg)));
  }
  ctx.say(name !== undefined ? `Dump of assembler code for function ${name}:` : `Dump of assembler code from ${hex(low)} to ${hex(high)}:`);
  const bytes = dbg.session.readMemory(low, high - low);
  const insns = decode(bytes, low);
  const raw = mods.includes('r') || mods.includes('b');
  const line = (i: Instruction): string => {
    const where = name !== undefined ? `<+${i.address - low}>` : `<${withZeroOffset(codeSymbol(dbg, i.address))}>`;
    const bytes = raw ? `${rawBytes(i).padEnd(19)}\t` : '';
    return `${i.address === pc ? '=> ' : '   '}0x${i.address.toString(16).padStart(16, '0')} ${where}:\t${bytes}${instructionText(i, (a) => codeSymbol(dbg, a))}`;
  };
  if (mods.includes('s') || mods.includes('m')) sourceCentric(ctx, insns, line);
  else for (const i of insns) ctx.say(line(i));
  const end = low + bytes.length;
  if (end < high) {
    // gdb's dump stops at the first unreadable byte with the address and the error.
    const sym = name !== undefined ? ` <+${end - low}>` : codeSymbol(dbg, end) ? ` <${withZeroOffset(codeSymbol(dbg, end))}>` : '';
    ctx.say(`   0x${end.toString(16).padStart(16, '0')}${sym}:\t`);
    throw new HotlinkError('usage', `Cannot access memory at address ${hex(end)}`);
  }
  ctx.say('End of assembler dump.');
}

/** `<main+0>` in a range dump (gdb spells the zero offset there). */
function withZeroOffset(sym: string | undefined): string {
  if (!sym) return '??';
  return /\+\d+$/.test(sym) ? sym : `${sym}+0`;
}

/** `A,B` → [A, B] at the top-level comma (not inside parentheses); undefined without one. */
function splitRange(arg: string): [string, string] | undefined {
  let depth = 0;
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) return [arg.slice(0, i).trim(), arg.slice(i + 1).trim()];
  }
  return undefined;
}

/**
 * `/s`: the source lines each run of instructions came from, in address
 * order — the file name before the first line, a blank line between groups,
 * and the skipped lines between two groups of one file when the code moves
 * forward (as gdb prints them).
 */
function sourceCentric(ctx: MachineCodeContext, insns: Instruction[], line: (i: Instruction) => string): void {
  const { dbg } = ctx;
  let lastFile: string | undefined;
  let lastLine = 0;
  let maxLine = 0;
  let first = true;
  for (const i of insns) {
    const loc = dbg.view.lineAt(i.address);
    const starts = loc && (loc.file !== lastFile || loc.line !== lastLine) && (loc.address === i.address || first);
    if (starts) {
      if (!first) ctx.say('');
      if (loc.file !== lastFile) {
        ctx.say(`${ctx.displayPath(loc.file)}:`);
        maxLine = 0;
      }
      // Forward in the file: also the lines in between that were not printed yet (declarations, blank lines).
      const from = loc.file === lastFile && loc.line > maxLine ? maxLine + 1 : loc.line;
      for (let l = from; l <= loc.line; l++) ctx.say(`${l}\t${ctx.sourceLine(loc.file, l) ?? ''}`);
      lastFile = loc.file;
      lastLine = loc.line;
      maxLine = Math.max(maxLine, loc.line);
      first = false;
    }
    ctx.say(line(i));
  }
}

/**
 * `x/Ni ADDR`: N instructions from ADDR as gdb's `x/i` prints them
 * (`=> 0x401136 <main+4>:\tmov ...`). Returns the address after the last.
 */
export async function examineInstructions(ctx: MachineCodeContext, address: number, count: number): Promise<number> {
  await loadDisassembler();
  const { dbg } = ctx;
  const pc = selectedPc(dbg);
  // At most 15 bytes an instruction.
  const bytes = dbg.session.readMemory(address, count * 15);
  const insns = decode(bytes, address, count);
  const prefix = (a: number): string => {
    const sym = codeSymbol(dbg, a);
    return `${a === pc ? '=> ' : '   '}${hex(a)}${sym ? ` <${sym}>` : ''}:\t`;
  };
  for (const i of insns) ctx.say(prefix(i.address) + instructionText(i, (a) => codeSymbol(dbg, a)));
  const next = insns.length ? insns[insns.length - 1]!.address + insns[insns.length - 1]!.bytes.length : address;
  // As gdb: the address that cannot be read, and why.
  if (insns.length < count) ctx.say(`${prefix(next)}Cannot access memory at address ${hex(next)}`);
  return next;
}
