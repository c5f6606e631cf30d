// Indirect functions (STT_GNU_IFUNC). The symbol's value is a *resolver*: a
// function that returns the address of the implementation to use (CPU
// dispatch: gcc's `target_clones`, `__attribute__((ifunc("resolver")))`).
// As glibc's loader does for R_X86_64_IRELATIVE, the resolver runs once the
// batch that defines it is relocated, before it is published (its own
// references — libgcc's `__cpu_model`, `__cpu_indicator_init` from the host —
// are bound by then). The image's address of the function is a stub,
// `jmp *cell`, like a canonical PLT entry in an executable; the cell (8
// aligned bytes in the R class) holds the resolver's answer. So calls, GOT
// entries and address-taking in every unit agree (`&f == &f`), later batches
// bind to the stub by name, and a reload that brings a new resolver
// re-resolves with one atomic store into the cell.

import { constants } from 'node:os';
import { HotlinkError, hex } from '../errors.js';
import { callNative, memoryView } from '../memory/native.js';

/** One indirect function a batch defines (or re-resolves). */
export interface IndirectFunction {
  name: string;
  file: string;
  /** Address of the resolver's code in the image. */
  resolver: number;
  /** Address of the cell the stub jumps through. */
  cell: number;
}

/** The runtime's guarded-call trampoline (hotlink_rt.c) and its records, when the image has the runtime. */
export interface CallGuard {
  call: number;
  target: number;
  crashed: number;
  crash: number;
}

/**
 * Runs `f`'s resolver and returns the implementation's address. Through the
 * runtime's call guard (none: an error), so a resolver that crashes is a HotlinkError
 * naming the symbol (Node lives on); `isCode` says whether an address is
 * executable code (the image's RX class or a host mapping).
 */
export function resolveIndirect(f: IndirectFunction, guard: CallGuard | undefined, isCode: (addr: number) => boolean): number {
  const what = `${f.file}: the resolver of indirect function '${f.name}' (at ${hex(f.resolver)})`;
  let result: bigint;
  if (!guard) {
    // The resolver is the program's code, run at link time: without the runtime's call guard a crash
    // in it would end Node (an image linked with `runtime: false`; the fuzzer's mutants do this).
    throw new HotlinkError('usage', `${what} cannot run: the image has no crash guard (it was linked with runtime: false); the batch is not linked`);
  } else {
    const slot = memoryView(guard.target, 8);
    const saved = Uint8Array.from(slot);
    new DataView(slot.buffer, slot.byteOffset, 8).setBigUint64(0, BigInt(f.resolver), true);
    try {
      result = BigInt(callNative(guard.call, 'uintptr_t (void)') as number | bigint);
    } finally {
      slot.set(saved);
    }
    const flag = new DataView(memoryView(guard.crashed, 4).buffer, memoryView(guard.crashed, 4).byteOffset, 4);
    const signo = flag.getInt32(0, true);
    if (signo !== 0) {
      flag.setInt32(0, 0, true);
      const c = new DataView(Uint8Array.from(memoryView(guard.crash, 32)).buffer);
      const addr = c.getBigUint64(16, true);
      const pc = c.getBigUint64(24, true);
      throw new HotlinkError('relocation', `${what} crashed: ${Object.entries(constants.signals).find(([, n]) => n === signo)?.[0] ?? `signal ${signo}`} at pc ${hex(pc)} (fault address ${hex(addr)}); the batch is not linked`);
    }
  }
  if (result === 0n) throw new HotlinkError('relocation', `${what} returned 0 (no implementation); the batch is not linked`);
  const addr = Number(result);
  if (!Number.isSafeInteger(addr) || !isCode(addr)) throw new HotlinkError('relocation', `${what} returned ${hex(result)}, which is not code; the batch is not linked`);
  return addr;
}

/** Publishes `target` in an indirect function's cell with one aligned 8-byte atomic store (`cell` is a writable view of it). */
export function storeCell(cell: Uint8Array, target: number): void {
  Atomics.store(new BigUint64Array(cell.buffer, cell.byteOffset, 1), 0, BigInt(target));
}
