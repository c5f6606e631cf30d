// The architecture registry: every back end behind the `Arch` interface,
// looked up by an object's e_machine. Generic link code asks here and never
// names an architecture. The host's architecture (process.arch) is the one
// that links and runs in this process: x86-64 natively, AArch64 natively or
// under qemu-user (scripts/aarch64.sh); RISC-V is encoded and tested byte for
// byte against the cross binutils only, until a riscv64 Node exists.

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

/** Node's process.arch names for the architectures hotlink can run code on. */
const HOST_ARCHES: Record<string, Arch> = { x64: x86_64, arm64: aarch64 };

/** The Arch of this process (what objects must be compiled for and what the image runs as). */
export function hostArch(): Arch {
  const a = HOST_ARCHES[process.arch];
  if (!a) throw new Error(`hotlink runs on x86-64 and AArch64 hosts; this Node is ${process.arch}`);
  return a;
}
