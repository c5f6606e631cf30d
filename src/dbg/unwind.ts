// Stack unwinding for backtraces, `finish` and `up`/`down`. Each step uses
// the call frame information of whatever contains the PC: an image input's
// .eh_frame (relocated to image addresses by the debug view), or a host
// library's own .eh_frame read from its file (libc frames, e.g. inside
// qsort calling back into the program). Where no CFI covers a PC, the
// frame-pointer chain is the fallback. Registers are kept by DWARF number
// (0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15, 16 rip).

import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { CallFrameInfo, parseCallFrameInfo, RegisterValues } from '../dwarf/cfi.js';
import { DebugSections } from '../dwarf/sections.js';
import { HotlinkError, onlySystemError } from '../errors.js';
import { dladdr, safeRead } from '../memory/native.js';
import { DebugView } from './view.js';

export interface Frame {
  level: number;
  pc: number;
  /** Canonical frame address (the caller's RSP), when known. */
  cfa?: number;
  /** Registers by DWARF number, as far as they are known in this frame. */
  regs: RegisterValues;
  /** How this frame was found. */
  how: 'registers' | 'cfi' | 'frame-pointer';
  /** Why no caller of this frame could be found, when that is not the normal end of the stack (GDB's `Backtrace stopped: <reason>`). */
  stopped?: string;
}

/** The DWARF numbers of the session's named registers. */
export const DWARF_REGS: Record<string, number> = {
  rax: 0, rdx: 1, rcx: 2, rbx: 3, rsi: 4, rdi: 5, rbp: 6, rsp: 7,
  r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15, rip: 16,
};

const hostCfi = new Map<string, CallFrameInfo | null>();

/** The CFI of the host library mapped at `pc` (its .eh_frame at its load address), cached per file. */
export function hostCallFrameInfo(pc: number): CallFrameInfo | undefined {
  const info = dladdr(pc);
  if (!info || !info.file) return undefined;
  const key = `${info.file}@${info.fileBase}`;
  let cfi = hostCfi.get(key);
  if (cfi === undefined) {
    cfi = readSharedObjectCfi(info.file, info.fileBase);
    hostCfi.set(key, cfi);
  }
  return cfi ?? undefined;
}

/** Reads .eh_frame of an ET_DYN/ET_EXEC file by its section headers; null when absent or unreadable. */
function readSharedObjectCfi(path: string, base: number): CallFrameInfo | null {
  let fd = -1;
  try {
    fd = openSync(path === 'node' ? '/proc/self/exe' : path, 'r');
    const size = fstatSync(fd).size;
    const read = (off: number, len: number): Buffer => {
      const b = Buffer.alloc(len);
      readSync(fd, b, 0, len, off);
      return b;
    };
    const eh = read(0, 64);
    if (eh.readUInt32LE(0) !== 0x464c457f) return null;
    const etype = eh.readUInt16LE(16);
    const shoff = Number(eh.readBigUInt64LE(0x28));
    const shnum = eh.readUInt16LE(0x3c);
    const shstrndx = eh.readUInt16LE(0x3e);
    if (!shoff || shoff + shnum * 64 > size) return null;
    const sh = read(shoff, shnum * 64);
    const strOff = Number(sh.readBigUInt64LE(shstrndx * 64 + 24));
    const strSize = Number(sh.readBigUInt64LE(shstrndx * 64 + 32));
    const names = read(strOff, strSize);
    for (let i = 0; i < shnum; i++) {
      const o = i * 64;
      const nameOff = sh.readUInt32LE(o);
      const end = names.indexOf(0, nameOff);
      if (names.toString('latin1', nameOff, end) !== '.eh_frame') continue;
      const addr = Number(sh.readBigUInt64LE(o + 16));
      const off = Number(sh.readBigUInt64LE(o + 24));
      const len = Number(sh.readBigUInt64LE(o + 32));
      const bias = etype === 3 /* ET_DYN */ ? base : 0;
      const sections = new DebugSections(path);
      sections.set('.eh_frame', read(off, len), addr + bias);
      return parseCallFrameInfo(sections);
    }
    return null;
  } catch (e) {
    // An unreadable or truncated library file, or corrupt CFI: no CFI (the caller falls back to frame pointers).
    const code = (e as NodeJS.ErrnoException).code;
    if (!(e instanceof HotlinkError || code === 'ERR_OUT_OF_RANGE' || code === 'ERR_BUFFER_OUT_OF_BOUNDS')) onlySystemError(e);
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function readMemory(address: bigint, size: number): bigint | undefined {
  const b = safeRead(Number(address), size);
  if (b.length < size) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return size === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true));
}

/**
 * Unwinds from the innermost frame's registers. Stops after `limit` frames,
 * at a zero return address, or after `stopAfter` says so (backtraces end at
 * main, as GDB's do); where a caller cannot be found otherwise (unreadable
 * memory, corrupt CFI, a stack pointer that does not grow) the last frame's
 * `stopped` says why.
 */
export function unwind(view: DebugView, regs: RegisterValues, opts: { limit?: number; stopAfter?: (f: Frame) => boolean } = {}): Frame[] {
  const limit = opts.limit ?? 256;
  const frames: Frame[] = [{ level: 0, pc: Number(regs[16] ?? 0n), regs, how: 'registers' }];
  while (frames.length < limit) {
    const f = frames[frames.length - 1]!;
    // The first address the CFI step could not read, and why the CFI could not be used: the reason if the fallback fails too.
    let unreadable: bigint | undefined;
    const read = (address: bigint, size: number): bigint | undefined => {
      const v = readMemory(address, size);
      if (v === undefined) unreadable ??= address;
      return v;
    };
    let cfiError: string | undefined;
    let next: Frame | undefined;
    const input = view.inputAt(f.level === 0 ? f.pc : f.pc - 1);
    const cfi = input !== undefined ? view.debugInfo(input)?.cfi : hostCallFrameInfo(f.pc);
    try {
      const r = cfi?.unwindStep(f.pc, f.regs, read, { callerFrame: f.level > 0 });
      if (r) {
        f.cfa = Number(r.cfa);
        next = { level: f.level + 1, pc: Number(r.pc), regs: r.regs, how: 'cfi' };
      }
    } catch (e) {
      // Corrupt call frame information: say so if the frame-pointer chain cannot stand in.
      cfiError = e instanceof Error ? e.message : String(e);
    }
    const cannotAccess = (a: bigint): string => `Cannot access memory at address 0x${a.toString(16)}`;
    // A frame where the backtrace ends anyway (main) has no reason to report.
    const stop = (reason: string | undefined): void => {
      if (reason !== undefined && !opts.stopAfter?.(f)) f.stopped = reason;
    };
    if (!next) {
      // Frame-pointer chain: [rbp] = caller's rbp, [rbp+8] = return address.
      const rbp = f.regs[6];
      if (rbp === undefined || rbp === 0n) {
        stop(cfiError ?? (unreadable !== undefined ? cannotAccess(unreadable) : undefined));
        break;
      }
      const savedRbp = readMemory(rbp, 8);
      const ra = readMemory(rbp + 8n, 8);
      if (savedRbp === undefined || ra === undefined) {
        stop(cfiError ?? cannotAccess(unreadable ?? (savedRbp === undefined ? rbp : rbp + 8n)));
        break;
      }
      if (savedRbp <= rbp) {
        stop(cfiError ?? 'previous frame inner to this frame (corrupt stack?)');
        break;
      }
      const regs2 = f.regs.slice();
      regs2[6] = savedRbp;
      regs2[7] = rbp + 16n;
      regs2[16] = ra;
      f.cfa = Number(rbp + 16n);
      next = { level: f.level + 1, pc: Number(ra), regs: regs2, how: 'frame-pointer' };
    }
    if (opts.stopAfter?.(f)) break;
    if (next.pc === 0) break; // the outermost frame (_start's caller)
    if (safeRead(next.pc, 1).length === 0) {
      f.stopped = cannotAccess(BigInt(next.pc));
      break;
    }
    if (f.cfa !== undefined && next.regs[7] !== undefined && Number(next.regs[7]) <= Number(f.regs[7] ?? 0n) && f.level > 0) {
      f.stopped = 'previous frame inner to this frame (corrupt stack?)';
      break;
    }
    frames.push(next);
  }
  return frames;
}
