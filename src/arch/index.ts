// The architecture registry: every back end behind the `Arch` interface,
// looked up by an object's e_machine. Generic link code asks here and never
// names an architecture. x86-64 links and runs in this process; AArch64 and
// RISC-V are encoded and tested byte for byte against the cross binutils.

import { aarch64 } from './aarch64.js';
import type { Arch } from './arch.js';
import { riscv64 } from './riscv64.js';
import { x86_64 } from './x86_64.js';

/** Every architecture hotlink can encode, in a fixed order. */
export const ARCHES: readonly Arch[] = [x86_64, aarch64, riscv64];

/** The Arch for an ELF e_machine (EM_X86_64, EM_AARCH64, EM_RISCV), or undefined for any other machine. */
export function archForMachine(e_machine: number): Arch | undefined {
  return ARCHES.find((a) => a.e_machine === e_machine);
}
