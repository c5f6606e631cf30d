// The relocation types found in an ET_REL object's debug sections, one
// small table per architecture: field width, S + A or S + A - P, range.
// To add RISC-V, add a table (R_RISCV_32/64 with their ADD/SUB pairs) to
// DEBUG_RELOCS under e_machine.

import { EM_AARCH64, EM_X86_64 } from '../elf/elf.js';
import { R_AARCH64_ABS32, R_AARCH64_ABS64, R_AARCH64_NONE, R_AARCH64_PREL32, R_AARCH64_PREL64 } from '../arch/aarch64.js';
import {
  R_X86_64_NONE, R_X86_64_64, R_X86_64_32, R_X86_64_32S, R_X86_64_PC32, R_X86_64_PC64,
  R_X86_64_DTPOFF32, R_X86_64_DTPOFF64,
} from '../arch/x86_64.js';

export interface DebugRelocKind {
  name: string;
  /** Bytes written at P; 0 for a no-op (R_*_NONE). */
  width: 0 | 4 | 8;
  /** S + A - P when true, else S + A. */
  pcRelative: boolean;
  /** The field is signed (range [-2^31, 2^31) for width 4) rather than unsigned ([0, 2^32)). */
  signed: boolean;
}

/**
 * x86-64 debug relocations (psABI table 4.9):
 *   R_X86_64_32        S + A      u32  offsets into other debug sections (section symbol + addend)
 *   R_X86_64_32S       S + A      s32
 *   R_X86_64_64        S + A      u64  code and data addresses (DW_AT_low_pc, DW_OP_addr, set_address)
 *   R_X86_64_PC32      S + A - P  s32  .eh_frame initial locations
 *   R_X86_64_PC64      S + A - P  s64
 *   R_X86_64_DTPOFF32  S + A      s32  offset of a __thread variable in its TLS block (DW_OP_const4u ... form_tls_address)
 *   R_X86_64_DTPOFF64  S + A      s64  same, DW_OP_const8u
 */
const X86_64_DEBUG_RELOCS: ReadonlyMap<number, DebugRelocKind> = new Map([
  [R_X86_64_NONE, { name: 'R_X86_64_NONE', width: 0, pcRelative: false, signed: false }],
  [R_X86_64_32, { name: 'R_X86_64_32', width: 4, pcRelative: false, signed: false }],
  [R_X86_64_32S, { name: 'R_X86_64_32S', width: 4, pcRelative: false, signed: true }],
  [R_X86_64_64, { name: 'R_X86_64_64', width: 8, pcRelative: false, signed: false }],
  [R_X86_64_PC32, { name: 'R_X86_64_PC32', width: 4, pcRelative: true, signed: true }],
  [R_X86_64_PC64, { name: 'R_X86_64_PC64', width: 8, pcRelative: true, signed: true }],
  [R_X86_64_DTPOFF32, { name: 'R_X86_64_DTPOFF32', width: 4, pcRelative: false, signed: true }],
  [R_X86_64_DTPOFF64, { name: 'R_X86_64_DTPOFF64', width: 8, pcRelative: false, signed: true }],
] as const);

/**
 * AArch64 debug relocations (aaelf64, "Static Data relocations"):
 *   R_AARCH64_ABS64   S + A      u64  code and data addresses
 *   R_AARCH64_ABS32   S + A      u32  offsets into other debug sections
 *   R_AARCH64_PREL32  S + A - P  s32  .eh_frame initial locations
 *   R_AARCH64_PREL64  S + A - P  s64
 */
const AARCH64_DEBUG_RELOCS: ReadonlyMap<number, DebugRelocKind> = new Map([
  [R_AARCH64_NONE, { name: 'R_AARCH64_NONE', width: 0, pcRelative: false, signed: false }],
  [R_AARCH64_ABS64, { name: 'R_AARCH64_ABS64', width: 8, pcRelative: false, signed: false }],
  [R_AARCH64_ABS32, { name: 'R_AARCH64_ABS32', width: 4, pcRelative: false, signed: false }],
  [R_AARCH64_PREL32, { name: 'R_AARCH64_PREL32', width: 4, pcRelative: true, signed: true }],
  [R_AARCH64_PREL64, { name: 'R_AARCH64_PREL64', width: 8, pcRelative: true, signed: true }],
] as const);

/** Debug relocation tables by e_machine. */
export const DEBUG_RELOCS: ReadonlyMap<number, ReadonlyMap<number, DebugRelocKind>> = new Map([
  [EM_X86_64, X86_64_DEBUG_RELOCS],
  [EM_AARCH64, AARCH64_DEBUG_RELOCS],
]);
