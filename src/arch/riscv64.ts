// RISC-V RV64 (RISC-V ELF psABI). Relocation formulas are the psABI's own,
// written beside each case with the range its field can hold; instruction
// fields are patched in place (read the little-endian instruction, replace
// the immediate's scattered bits, write it back). A fixup that does not fit
// returns an error text naming the formula's value and the range.
//
// No linker relaxation: R_RISCV_RELAX is a hint we may ignore, but
// R_RISCV_ALIGN asks the linker to delete padding bytes, which a JIT image
// cannot do, so objects must be built with -mno-relax.
//
// %pcrel_lo pairing. R_RISCV_PCREL_LO12_I/S do not name the data symbol:
// their symbol is the *label of the auipc* carrying the matching hi20
// relocation (PCREL_HI20, GOT_HI20, TLS_GD_HI20), and the low 12 bits they
// need are those of the value that hi20 relocation computed (its
// S + A - P with *its* P, not the lo instruction's). So the generic linker
// must pair them before calling apply:
//   1. label = address of the lo relocation's symbol (its addend is ignored,
//      as lld does; assemblers emit 0);
//   2. find, in the same section's relocation table, the hi20 relocation at
//      label's offset (`findPcrelHi20`), or fail: "no hi20 relocation";
//   3. compute that relocation's value X with its own FixupValues (its S
//      after stub redirection, A, P = label, G) — `pcrelHi20Value`;
//   4. call apply(LO12 type, …) with v.S = X. apply takes the low 12 bits of
//      v.S and ignores v.A and v.P for these two types.
// apply cannot check that step 4 happened: an unpaired call silently writes
// the low bits of the label's address.
//
// A stub is `auipc t1, 0; ld t1, 16(t1); jr t1; nop; .quad target` (24
// bytes, the literal 8-aligned when the stub is): self-contained, it doubles
// as the canonical address of a far host function. An entry is `auipc t0,
// %pcrel_hi(slot); ld t0, %pcrel_lo(slot)(t0); jr t0` plus a nop, 16 bytes,
// jumping through its slot to the current body (HOT_RELOAD.md §5). t0 is
// also the alternate link register of -msave-restore millicode (`jal t0,
// __riscv_save_N`); entries are for C functions, which are called through ra.

import { EM_RISCV } from '../elf/elf.js';
import type { RelaTable } from '../elf/object.js';
import { HotlinkError, hex } from '../errors.js';
import { Arch, FixupValues, RelocInfo, RelocNeed } from './arch.js';

// Relocation type numbers (psABI "Relocations" table).
export const R_RISCV_NONE = 0;
export const R_RISCV_32 = 1;
export const R_RISCV_64 = 2;
export const R_RISCV_RELATIVE = 3;
export const R_RISCV_COPY = 4;
export const R_RISCV_JUMP_SLOT = 5;
export const R_RISCV_TLS_DTPMOD32 = 6;
export const R_RISCV_TLS_DTPMOD64 = 7;
export const R_RISCV_TLS_DTPREL32 = 8;
export const R_RISCV_TLS_DTPREL64 = 9;
export const R_RISCV_TLS_TPREL32 = 10;
export const R_RISCV_TLS_TPREL64 = 11;
export const R_RISCV_TLSDESC = 12;
export const R_RISCV_BRANCH = 16;
export const R_RISCV_JAL = 17;
export const R_RISCV_CALL = 18;
export const R_RISCV_CALL_PLT = 19;
export const R_RISCV_GOT_HI20 = 20;
export const R_RISCV_TLS_GOT_HI20 = 21;
export const R_RISCV_TLS_GD_HI20 = 22;
export const R_RISCV_PCREL_HI20 = 23;
export const R_RISCV_PCREL_LO12_I = 24;
export const R_RISCV_PCREL_LO12_S = 25;
export const R_RISCV_HI20 = 26;
export const R_RISCV_LO12_I = 27;
export const R_RISCV_LO12_S = 28;
export const R_RISCV_TPREL_HI20 = 29;
export const R_RISCV_TPREL_LO12_I = 30;
export const R_RISCV_TPREL_LO12_S = 31;
export const R_RISCV_TPREL_ADD = 32;
export const R_RISCV_ADD8 = 33;
export const R_RISCV_ADD16 = 34;
export const R_RISCV_ADD32 = 35;
export const R_RISCV_ADD64 = 36;
export const R_RISCV_SUB8 = 37;
export const R_RISCV_SUB16 = 38;
export const R_RISCV_SUB32 = 39;
export const R_RISCV_SUB64 = 40;
export const R_RISCV_ALIGN = 43;
export const R_RISCV_RVC_BRANCH = 44;
export const R_RISCV_RVC_JUMP = 45;
export const R_RISCV_RVC_LUI = 46;
export const R_RISCV_GPREL_I = 47;
export const R_RISCV_GPREL_S = 48;
export const R_RISCV_TPREL_I = 49;
export const R_RISCV_TPREL_S = 50;
export const R_RISCV_RELAX = 51;
export const R_RISCV_SUB6 = 52;
export const R_RISCV_SET6 = 53;
export const R_RISCV_SET8 = 54;
export const R_RISCV_SET16 = 55;
export const R_RISCV_SET32 = 56;
export const R_RISCV_32_PCREL = 57;
export const R_RISCV_IRELATIVE = 58;
export const R_RISCV_PLT32 = 59;
export const R_RISCV_SET_ULEB128 = 60;
export const R_RISCV_SUB_ULEB128 = 61;
export const R_RISCV_TLSDESC_HI20 = 62;
export const R_RISCV_TLSDESC_LOAD_LO12 = 63;
export const R_RISCV_TLSDESC_ADD_LO12 = 64;
export const R_RISCV_TLSDESC_CALL = 65;

/** The types `apply` has a formula for: the keys of RELOCS. The switch below is exhaustive over them. */
type AppliedType =
  | typeof R_RISCV_NONE | typeof R_RISCV_RELAX | typeof R_RISCV_32 | typeof R_RISCV_64
  | typeof R_RISCV_TLS_DTPREL32 | typeof R_RISCV_TLS_DTPREL64
  | typeof R_RISCV_BRANCH | typeof R_RISCV_JAL | typeof R_RISCV_CALL | typeof R_RISCV_CALL_PLT
  | typeof R_RISCV_GOT_HI20 | typeof R_RISCV_TLS_GD_HI20 | typeof R_RISCV_PCREL_HI20
  | typeof R_RISCV_PCREL_LO12_I | typeof R_RISCV_PCREL_LO12_S
  | typeof R_RISCV_HI20 | typeof R_RISCV_LO12_I | typeof R_RISCV_LO12_S
  | typeof R_RISCV_ADD8 | typeof R_RISCV_ADD16 | typeof R_RISCV_ADD32 | typeof R_RISCV_ADD64
  | typeof R_RISCV_SUB8 | typeof R_RISCV_SUB16 | typeof R_RISCV_SUB32 | typeof R_RISCV_SUB64
  | typeof R_RISCV_RVC_BRANCH | typeof R_RISCV_RVC_JUMP
  | typeof R_RISCV_SUB6 | typeof R_RISCV_SET6 | typeof R_RISCV_SET8 | typeof R_RISCV_SET16 | typeof R_RISCV_SET32
  | typeof R_RISCV_32_PCREL | typeof R_RISCV_PLT32
  | typeof R_RISCV_SET_ULEB128 | typeof R_RISCV_SUB_ULEB128;

/**
 * Policy table: what each relocation type needs and how wide its field is.
 * The ULEB128 pair has width 0: it rewrites the ULEB128 already at P, in
 * however many bytes that one occupies.
 */
const RELOCS: Record<number, RelocInfo> = {
  [R_RISCV_NONE]: { name: 'R_RISCV_NONE', need: RelocNeed.None, width: 0 },
  [R_RISCV_RELAX]: { name: 'R_RISCV_RELAX', need: RelocNeed.None, width: 0 },
  [R_RISCV_32]: { name: 'R_RISCV_32', need: RelocNeed.Abs, width: 4 },
  [R_RISCV_64]: { name: 'R_RISCV_64', need: RelocNeed.Abs, width: 8 },
  [R_RISCV_TLS_DTPREL32]: { name: 'R_RISCV_TLS_DTPREL32', need: RelocNeed.DtpOff, width: 4 },
  [R_RISCV_TLS_DTPREL64]: { name: 'R_RISCV_TLS_DTPREL64', need: RelocNeed.DtpOff, width: 8 },
  [R_RISCV_BRANCH]: { name: 'R_RISCV_BRANCH', need: RelocNeed.Plt, width: 4 },
  [R_RISCV_JAL]: { name: 'R_RISCV_JAL', need: RelocNeed.Plt, width: 4 },
  [R_RISCV_CALL]: { name: 'R_RISCV_CALL', need: RelocNeed.Plt, width: 8 },
  [R_RISCV_CALL_PLT]: { name: 'R_RISCV_CALL_PLT', need: RelocNeed.Plt, width: 8 },
  [R_RISCV_GOT_HI20]: { name: 'R_RISCV_GOT_HI20', need: RelocNeed.Got, width: 4 },
  [R_RISCV_TLS_GD_HI20]: { name: 'R_RISCV_TLS_GD_HI20', need: RelocNeed.TlsGd, width: 4 },
  [R_RISCV_PCREL_HI20]: { name: 'R_RISCV_PCREL_HI20', need: RelocNeed.PcRel, width: 4 },
  // Their symbol is an auipc label in the image; the value comes from pairing (see the file comment).
  [R_RISCV_PCREL_LO12_I]: { name: 'R_RISCV_PCREL_LO12_I', need: RelocNeed.PcRel, width: 4 },
  [R_RISCV_PCREL_LO12_S]: { name: 'R_RISCV_PCREL_LO12_S', need: RelocNeed.PcRel, width: 4 },
  [R_RISCV_HI20]: { name: 'R_RISCV_HI20', need: RelocNeed.Abs, width: 4 },
  [R_RISCV_LO12_I]: { name: 'R_RISCV_LO12_I', need: RelocNeed.Abs, width: 4 },
  [R_RISCV_LO12_S]: { name: 'R_RISCV_LO12_S', need: RelocNeed.Abs, width: 4 },
  [R_RISCV_ADD8]: { name: 'R_RISCV_ADD8', need: RelocNeed.Abs, width: 1 },
  [R_RISCV_ADD16]: { name: 'R_RISCV_ADD16', need: RelocNeed.Abs, width: 2 },
  [R_RISCV_ADD32]: { name: 'R_RISCV_ADD32', need: RelocNeed.Abs, width: 4 },
  [R_RISCV_ADD64]: { name: 'R_RISCV_ADD64', need: RelocNeed.Abs, width: 8 },
  [R_RISCV_SUB8]: { name: 'R_RISCV_SUB8', need: RelocNeed.Abs, width: 1 },
  [R_RISCV_SUB16]: { name: 'R_RISCV_SUB16', need: RelocNeed.Abs, width: 2 },
  [R_RISCV_SUB32]: { name: 'R_RISCV_SUB32', need: RelocNeed.Abs, width: 4 },
  [R_RISCV_SUB64]: { name: 'R_RISCV_SUB64', need: RelocNeed.Abs, width: 8 },
  [R_RISCV_RVC_BRANCH]: { name: 'R_RISCV_RVC_BRANCH', need: RelocNeed.Plt, width: 2 },
  [R_RISCV_RVC_JUMP]: { name: 'R_RISCV_RVC_JUMP', need: RelocNeed.Plt, width: 2 },
  [R_RISCV_SUB6]: { name: 'R_RISCV_SUB6', need: RelocNeed.Abs, width: 1 },
  [R_RISCV_SET6]: { name: 'R_RISCV_SET6', need: RelocNeed.Abs, width: 1 },
  [R_RISCV_SET8]: { name: 'R_RISCV_SET8', need: RelocNeed.Abs, width: 1 },
  [R_RISCV_SET16]: { name: 'R_RISCV_SET16', need: RelocNeed.Abs, width: 2 },
  [R_RISCV_SET32]: { name: 'R_RISCV_SET32', need: RelocNeed.Abs, width: 4 },
  [R_RISCV_32_PCREL]: { name: 'R_RISCV_32_PCREL', need: RelocNeed.PcRel, width: 4 },
  [R_RISCV_PLT32]: { name: 'R_RISCV_PLT32', need: RelocNeed.Plt, width: 4 },
  [R_RISCV_SET_ULEB128]: { name: 'R_RISCV_SET_ULEB128', need: RelocNeed.Abs, width: 0 },
  [R_RISCV_SUB_ULEB128]: { name: 'R_RISCV_SUB_ULEB128', need: RelocNeed.Abs, width: 0 },
};

const STATIC_TLS_HINT = 'needs static TLS space in the host process; compile with -fPIC';
const RELAXED_ONLY = 'is produced only by linker relaxation and cannot appear in an input object';
const DYNAMIC = 'is a dynamic relocation and cannot appear in a relocatable object';

const UNSUPPORTED: Record<number, string> = {
  [R_RISCV_ALIGN]:
    'R_RISCV_ALIGN asks the linker to delete alignment padding (linker relaxation), which hotlink does not do; compile with -mno-relax',
  [R_RISCV_TLS_GOT_HI20]: `R_RISCV_TLS_GOT_HI20 (initial-exec TLS) ${STATIC_TLS_HINT}`,
  [R_RISCV_TPREL_HI20]: `R_RISCV_TPREL_HI20 (local-exec TLS) ${STATIC_TLS_HINT}`,
  [R_RISCV_TPREL_LO12_I]: `R_RISCV_TPREL_LO12_I (local-exec TLS) ${STATIC_TLS_HINT}`,
  [R_RISCV_TPREL_LO12_S]: `R_RISCV_TPREL_LO12_S (local-exec TLS) ${STATIC_TLS_HINT}`,
  [R_RISCV_TPREL_ADD]: `R_RISCV_TPREL_ADD (local-exec TLS) ${STATIC_TLS_HINT}`,
  [R_RISCV_TLSDESC_HI20]: 'R_RISCV_TLSDESC_HI20 (TLS descriptors, -mtls-dialect=desc) is not supported; compile with -mtls-dialect=trad',
  [R_RISCV_TLSDESC_LOAD_LO12]: 'R_RISCV_TLSDESC_LOAD_LO12 (TLS descriptors, -mtls-dialect=desc) is not supported; compile with -mtls-dialect=trad',
  [R_RISCV_TLSDESC_ADD_LO12]: 'R_RISCV_TLSDESC_ADD_LO12 (TLS descriptors, -mtls-dialect=desc) is not supported; compile with -mtls-dialect=trad',
  [R_RISCV_TLSDESC_CALL]: 'R_RISCV_TLSDESC_CALL (TLS descriptors, -mtls-dialect=desc) is not supported; compile with -mtls-dialect=trad',
  [R_RISCV_RVC_LUI]: `R_RISCV_RVC_LUI ${RELAXED_ONLY}`,
  [R_RISCV_GPREL_I]: `R_RISCV_GPREL_I ${RELAXED_ONLY}`,
  [R_RISCV_GPREL_S]: `R_RISCV_GPREL_S ${RELAXED_ONLY}`,
  [R_RISCV_TPREL_I]: `R_RISCV_TPREL_I ${RELAXED_ONLY}`,
  [R_RISCV_TPREL_S]: `R_RISCV_TPREL_S ${RELAXED_ONLY}`,
  [R_RISCV_RELATIVE]: `R_RISCV_RELATIVE ${DYNAMIC}`,
  [R_RISCV_COPY]: `R_RISCV_COPY ${DYNAMIC}`,
  [R_RISCV_JUMP_SLOT]: `R_RISCV_JUMP_SLOT ${DYNAMIC}`,
  [R_RISCV_TLS_DTPMOD32]: `R_RISCV_TLS_DTPMOD32 ${DYNAMIC}`,
  [R_RISCV_TLS_DTPMOD64]: `R_RISCV_TLS_DTPMOD64 ${DYNAMIC}`,
  [R_RISCV_TLS_TPREL32]: `R_RISCV_TLS_TPREL32 ${DYNAMIC}`,
  [R_RISCV_TLS_TPREL64]: `R_RISCV_TLS_TPREL64 ${DYNAMIC}`,
  [R_RISCV_TLSDESC]: `R_RISCV_TLSDESC ${DYNAMIC}`,
  [R_RISCV_IRELATIVE]: `R_RISCV_IRELATIVE ${DYNAMIC}`,
};

// ---- %pcrel_lo pairing --------------------------------------------------------

/** The hi20 relocations a PCREL_LO12_I/S can pair with. */
export function isPcrelHi20(type: number): boolean {
  return type === R_RISCV_PCREL_HI20 || type === R_RISCV_GOT_HI20 || type === R_RISCV_TLS_GD_HI20 || type === R_RISCV_TLS_GOT_HI20;
}

export function isPcrelLo12(type: number): boolean {
  return type === R_RISCV_PCREL_LO12_I || type === R_RISCV_PCREL_LO12_S;
}

/**
 * Index in `t` of the hi20 relocation at section offset `labelOffset` (the
 * st_value of a PCREL_LO12 relocation's symbol), or -1 if there is none.
 */
export function findPcrelHi20(t: RelaTable, labelOffset: number): number {
  for (let i = 0; i < t.count; i++) {
    if (t.r_offset[i] === labelOffset && isPcrelHi20(t.r_type[i]!)) return i;
  }
  return -1;
}

/**
 * The full value X a hi20 relocation computes, whose low 12 bits its paired
 * PCREL_LO12 relocations take: pass it to apply(LO12 type) as v.S.
 */
export function pcrelHi20Value(type: number, v: FixupValues): number | undefined {
  switch (type) {
    case R_RISCV_PCREL_HI20: // S + A - P
      return v.S + v.A - v.P;
    case R_RISCV_GOT_HI20: // G + GOT + A - P (our G is the entry's address: it includes GOT)
    case R_RISCV_TLS_GD_HI20: // G + GOT + A - P (G: the (module, offset) GOT pair)
      return v.G + v.A - v.P;
    default:
      return undefined;
  }
}

// ---- bytes and fields ---------------------------------------------------------

function read16(mem: Uint8Array, o: number): number {
  return mem[o]! | (mem[o + 1]! << 8);
}

function write16(mem: Uint8Array, o: number, v: number): void {
  mem[o] = v & 0xff;
  mem[o + 1] = (v >>> 8) & 0xff;
}

function read32(mem: Uint8Array, o: number): number {
  return (mem[o]! | (mem[o + 1]! << 8) | (mem[o + 2]! << 16) | (mem[o + 3]! << 24)) >>> 0;
}

function write32(mem: Uint8Array, o: number, v: number): void {
  mem[o] = v & 0xff;
  mem[o + 1] = (v >>> 8) & 0xff;
  mem[o + 2] = (v >>> 16) & 0xff;
  mem[o + 3] = (v >>> 24) & 0xff;
}

/** Reads `width` bytes at o as an unsigned little-endian integer. */
function readData(mem: Uint8Array, o: number, width: number): bigint {
  let x = 0n;
  for (let i = width - 1; i >= 0; i--) x = (x << 8n) | BigInt(mem[o + i]!);
  return x;
}

/** Writes the low `width` bytes of a two's-complement value, wrapping. */
function writeData(mem: Uint8Array, o: number, v: bigint | number, width: number): undefined {
  let x = BigInt.asUintN(64, BigInt(v));
  for (let i = 0; i < width; i++, x >>= 8n) mem[o + i] = Number(x & 0xffn);
  return undefined;
}

/** V + delta (ADDn) or V - delta (SUBn) on the `width`-byte word already at P, wrapping like the psABI's word arithmetic. */
function addInPlace(mem: Uint8Array, o: number, width: number, delta: number): undefined {
  return writeData(mem, o, BigInt.asUintN(width * 8, readData(mem, o, width) + BigInt(delta)), width);
}

function range(formula: string, x: number, lo: number, hi: number, kind: string): string | undefined {
  if (x < lo || x > hi) return `${formula} = ${hex(x)} does not fit in ${/^(unsigned|8-)/.test(kind) ? 'an' : 'a'} ${kind} field [${hex(lo)}, ${hex(hi)}]`;
  return undefined;
}

function signed(formula: string, x: number, bits: number): string | undefined {
  return range(formula, x, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1, `signed ${bits}-bit`);
}

function aligned(formula: string, x: number, n: number): string | undefined {
  if ((x & (n - 1)) !== 0) return `${formula} = ${hex(x)} is not a multiple of ${n}`;
  return undefined;
}

/** The hi20/lo12 split: hi = (X + 0x800) >> 12 so that (hi << 12) + sext(lo12) = X. */
function hi20(x: number): number {
  return Math.floor((x + 0x800) / 4096);
}

/** The sign-extended low 12 bits of X. */
function lo12(x: number): number {
  return ((x & 0xfff) ^ 0x800) - 0x800;
}

/** An auipc/lui pair reaches [-2^31 - 2^11, 2^31 - 2^11): hi20 must fit in a signed 20-bit field. */
function checkHi20(formula: string, x: number): string | undefined {
  return range(formula, x, -0x80000800, 0x7ffff7ff, 'signed 32-bit hi20 + lo12');
}

/** U-type (lui, auipc): imm[31:12] at bits 31:12. */
function putU(mem: Uint8Array, o: number, hi: number): undefined {
  write32(mem, o, ((read32(mem, o) & 0xfff) | ((hi & 0xfffff) << 12)) >>> 0);
  return undefined;
}

/** I-type (addi, ld, jalr): imm[11:0] at bits 31:20. */
function putI(mem: Uint8Array, o: number, lo: number): undefined {
  write32(mem, o, ((read32(mem, o) & 0x000fffff) | ((lo & 0xfff) << 20)) >>> 0);
  return undefined;
}

/** S-type (sd, sw, fsd): imm[11:5] at bits 31:25, imm[4:0] at bits 11:7. */
function putS(mem: Uint8Array, o: number, lo: number): undefined {
  write32(mem, o, ((read32(mem, o) & 0x01fff07f) | (((lo >> 5) & 0x7f) << 25) | ((lo & 0x1f) << 7)) >>> 0);
  return undefined;
}

/** B-type (beq, …): imm[12|10:5] at bits 31:25, imm[4:1|11] at bits 11:7. */
function putB(mem: Uint8Array, o: number, x: number): undefined {
  const bits = (((x >> 12) & 1) << 31) | (((x >> 5) & 0x3f) << 25) | (((x >> 1) & 0xf) << 8) | (((x >> 11) & 1) << 7);
  write32(mem, o, ((read32(mem, o) & 0x01fff07f) | bits) >>> 0);
  return undefined;
}

/** J-type (jal): imm[20|10:1|11|19:12] at bits 31:12. */
function putJ(mem: Uint8Array, o: number, x: number): undefined {
  const bits = (((x >> 20) & 1) << 31) | (((x >> 1) & 0x3ff) << 21) | (((x >> 11) & 1) << 20) | (((x >> 12) & 0xff) << 12);
  write32(mem, o, ((read32(mem, o) & 0xfff) | bits) >>> 0);
  return undefined;
}

/** CB-type (c.beqz, c.bnez): offset[8|4:3] at bits 12:10, offset[7:6|2:1|5] at bits 6:2. */
function putCB(mem: Uint8Array, o: number, x: number): undefined {
  const bits =
    (((x >> 8) & 1) << 12) | (((x >> 3) & 3) << 10) | (((x >> 6) & 3) << 5) | (((x >> 1) & 3) << 3) | (((x >> 5) & 1) << 2);
  write16(mem, o, (read16(mem, o) & 0xe383) | bits);
  return undefined;
}

/** CJ-type (c.j, c.jal): offset[11|4|9:8|10|6|7|3:1|5] at bits 12:2. */
function putCJ(mem: Uint8Array, o: number, x: number): undefined {
  const bits =
    (((x >> 11) & 1) << 12) | (((x >> 4) & 1) << 11) | (((x >> 8) & 3) << 9) | (((x >> 10) & 1) << 8) |
    (((x >> 6) & 1) << 7) | (((x >> 7) & 1) << 6) | (((x >> 1) & 7) << 3) | (((x >> 5) & 1) << 2);
  write16(mem, o, (read16(mem, o) & 0xe003) | bits);
  return undefined;
}

/** A PC-relative branch offset: even, in a signed `bits`-bit field. */
function branch(formula: string, x: number, bits: number): string | undefined {
  return aligned(formula, x, 2) ?? signed(formula, x, bits);
}

/**
 * Rewrites the ULEB128 at o with f(old value), keeping its length (fixed by
 * its continuation bits), modulo 2^(7 * length) like the ADD/SUB words. The
 * SET/SUB pair is exact whenever the final label difference fits, and it
 * does: assemblers emit the pair for same-section differences sized as
 * assembled, and with no relaxation those distances never change. (The
 * intermediate S + A after SET alone is an address and would not fit.)
 */
function uleb(mem: Uint8Array, o: number, f: (old: bigint) => bigint): string | undefined {
  let len = 0;
  let old = 0n;
  for (;;) {
    if (o + len >= mem.length) return `the ULEB128 at offset ${hex(o)} runs past the end of the section (${hex(mem.length)} bytes)`;
    const b = mem[o + len]!;
    old |= BigInt(b & 0x7f) << BigInt(7 * len);
    len++;
    if ((b & 0x80) === 0) break;
  }
  let x = BigInt.asUintN(7 * len, f(old));
  for (let i = 0; i < len; i++, x >>= 7n) mem[o + i] = Number(x & 0x7fn) | (i < len - 1 ? 0x80 : 0);
  return undefined;
}

// ---- stubs and entries ----------------------------------------------------------

const T0 = 5;
const T1 = 6;
const NOP = 0x00000013; // addi x0, x0, 0

function auipc(rd: number, hi: number): number {
  return (0x17 | (rd << 7) | ((hi & 0xfffff) << 12)) >>> 0;
}

function ld(rd: number, rs1: number, lo: number): number {
  return (0x03 | (rd << 7) | (3 << 12) | (rs1 << 15) | ((lo & 0xfff) << 20)) >>> 0;
}

/** jalr x0, 0(rs1) */
function jr(rs1: number): number {
  return (0x67 | (rs1 << 15)) >>> 0;
}

/** auipc t0, %pcrel_hi(slot); ld t0, %pcrel_lo(slot)(t0); jr t0; nop — at `at`, bytes at mem[offset]. */
function writeSlotJump(mem: Uint8Array, offset: number, at: number, slot: number): void {
  const x = slot - at;
  const err = aligned('entry address', at, 4) ?? aligned('slot address', slot, 8) ?? checkHi20('slot - P', x);
  if (err) throw new HotlinkError('relocation', `riscv64 entry at ${hex(at)} cannot reach its slot at ${hex(slot)}: ${err}`);
  write32(mem, offset, auipc(T0, hi20(x)));
  write32(mem, offset + 4, ld(T0, T0, lo12(x)));
  write32(mem, offset + 8, jr(T0));
  write32(mem, offset + 12, NOP);
}

/** auipc t1, 0; ld t1, 16(t1); jr t1; nop; .quad target — at `at` (8-aligned, so the literal is), bytes at mem[offset]. */
function writeLiteralJump(mem: Uint8Array, offset: number, at: number, target: number): void {
  const err = aligned('stub address', at, 8);
  if (err) throw new HotlinkError('relocation', `riscv64 stub for ${hex(target)}: ${err}`);
  write32(mem, offset, auipc(T1, 0));
  write32(mem, offset + 4, ld(T1, T1, 16));
  write32(mem, offset + 8, jr(T1));
  write32(mem, offset + 12, NOP);
  writeData(mem, offset + 16, target, 8);
}

export const riscv64: Arch = {
  name: 'riscv64',
  e_machine: EM_RISCV,
  multiarch: 'riscv64-linux-gnu',
  stubSize: 24,
  entrySize: 16,
  // auipc + 12-bit reaches [-2^31 - 2^11, 2^31 - 2^11): the symmetric part of that.
  pcRelReach: 0x7ffff7ff,

  relocInfo(type: number): RelocInfo | undefined {
    return RELOCS[type];
  },

  unsupportedReason(type: number): string | undefined {
    return UNSUPPORTED[type];
  },

  canRelax(): boolean {
    return false;
  },

  applyRelaxed(type: number): string | undefined {
    return `relocation type ${type} cannot be relaxed on riscv64`;
  },

  apply(type: number, mem: Uint8Array, o: number, v: FixupValues): string | undefined {
    const info = RELOCS[type];
    if (info && (o < 0 || o + info.width > mem.length)) {
      return `the ${info.width}-byte field at offset ${hex(o)} runs past the end of the section (${hex(mem.length)} bytes)`;
    }
    const { S, A, P, G } = v;
    const t = type as AppliedType;
    switch (t) {
      case R_RISCV_NONE:
      case R_RISCV_RELAX: // a hint that the previous relocation may be relaxed; we never relax
        return undefined;

      // Data.
      case R_RISCV_32: // S + A : word32 (-2^31 <= X < 2^32)
        return range('S + A', S + A, -0x80000000, 0xffffffff, '32-bit') ?? writeData(mem, o, S + A, 4);
      case R_RISCV_64: // S + A : word64
        return writeData(mem, o, S + A, 8);
      // S + A - TLS_DTV_OFFSET. glibc biases RISC-V DTP offsets by 0x800, but
      // hotlink's TLS blocks are addressed by its own runtime, unbiased, as
      // the DtpOff offsets of the other architectures: TLS_DTV_OFFSET = 0.
      case R_RISCV_TLS_DTPREL32: // S + A : word32
        return range('S + A', S + A, -0x80000000, 0xffffffff, '32-bit') ?? writeData(mem, o, S + A, 4);
      case R_RISCV_TLS_DTPREL64: // S + A : word64
        return writeData(mem, o, S + A, 8);
      case R_RISCV_32_PCREL: // S + A - P : word32, signed
        return signed('S + A - P', S + A - P, 32) ?? writeData(mem, o, S + A - P, 4);
      case R_RISCV_PLT32: // S + A - P : word32, signed (S = stub if far)
        return signed('S + A - P', S + A - P, 32) ?? writeData(mem, o, S + A - P, 4);

      // Label arithmetic (.eh_frame, DWARF, jump tables): modular, no range check.
      case R_RISCV_ADD8: // V + S + A : word8
        return addInPlace(mem, o, 1, S + A);
      case R_RISCV_ADD16: // V + S + A : word16
        return addInPlace(mem, o, 2, S + A);
      case R_RISCV_ADD32: // V + S + A : word32
        return addInPlace(mem, o, 4, S + A);
      case R_RISCV_ADD64: // V + S + A : word64
        return addInPlace(mem, o, 8, S + A);
      case R_RISCV_SUB8: // V - S - A : word8
        return addInPlace(mem, o, 1, -(S + A));
      case R_RISCV_SUB16: // V - S - A : word16
        return addInPlace(mem, o, 2, -(S + A));
      case R_RISCV_SUB32: // V - S - A : word32
        return addInPlace(mem, o, 4, -(S + A));
      case R_RISCV_SUB64: // V - S - A : word64
        return addInPlace(mem, o, 8, -(S + A));
      case R_RISCV_SUB6: // V - S - A : the low 6 bits of the byte (DW_CFA_advance_loc)
        mem[o] = (mem[o]! & 0xc0) | ((mem[o]! - (S + A)) & 0x3f);
        return undefined;
      case R_RISCV_SET6: // S + A : the low 6 bits of the byte
        mem[o] = (mem[o]! & 0xc0) | ((S + A) & 0x3f);
        return undefined;
      case R_RISCV_SET8: // S + A : word8
        return writeData(mem, o, S + A, 1);
      case R_RISCV_SET16: // S + A : word16
        return writeData(mem, o, S + A, 2);
      case R_RISCV_SET32: // S + A : word32
        return writeData(mem, o, S + A, 4);
      case R_RISCV_SET_ULEB128: // S + A : the ULEB128 at P, same length, modular
        return uleb(mem, o, () => BigInt(S + A));
      case R_RISCV_SUB_ULEB128: // V - S - A : the ULEB128 at P, same length, modular (follows its SET_ULEB128)
        return uleb(mem, o, (old) => old - BigInt(S + A));

      // Branches and calls (S = the stub when a host function is far).
      case R_RISCV_BRANCH: // S + A - P : B-type, signed 13-bit, even
        return branch('S + A - P', S + A - P, 13) ?? putB(mem, o, S + A - P);
      case R_RISCV_JAL: // S + A - P : J-type, signed 21-bit, even
        return branch('S + A - P', S + A - P, 21) ?? putJ(mem, o, S + A - P);
      case R_RISCV_RVC_BRANCH: // S + A - P : CB-type, signed 9-bit, even
        return branch('S + A - P', S + A - P, 9) ?? putCB(mem, o, S + A - P);
      case R_RISCV_RVC_JUMP: // S + A - P : CJ-type, signed 12-bit, even
        return branch('S + A - P', S + A - P, 12) ?? putCJ(mem, o, S + A - P);
      case R_RISCV_CALL: // S + A - P : auipc (U-type hi20) + jalr (I-type lo12) at P and P + 4
      case R_RISCV_CALL_PLT: {
        const x = S + A - P;
        const err = aligned('S + A - P', x, 2) ?? checkHi20('S + A - P', x);
        if (err) return err;
        putU(mem, o, hi20(x));
        return putI(mem, o + 4, lo12(x));
      }

      // PC-relative hi20 (auipc); the paired lo12 takes its low bits from the same X.
      case R_RISCV_PCREL_HI20: // S + A - P : U-type hi20
        return checkHi20('S + A - P', S + A - P) ?? putU(mem, o, hi20(S + A - P));
      case R_RISCV_GOT_HI20: // G + GOT + A - P : U-type hi20 (G already includes GOT)
        return checkHi20('G + GOT + A - P', G + A - P) ?? putU(mem, o, hi20(G + A - P));
      case R_RISCV_TLS_GD_HI20: // G + GOT + A - P : U-type hi20 (G = the TLS GOT pair)
        return checkHi20('G + GOT + A - P', G + A - P) ?? putU(mem, o, hi20(G + A - P));
      case R_RISCV_PCREL_LO12_I: // lo12(X) : I-type, X = the paired hi20's value, passed as v.S
        return putI(mem, o, lo12(S));
      case R_RISCV_PCREL_LO12_S: // lo12(X) : S-type, X = the paired hi20's value, passed as v.S
        return putS(mem, o, lo12(S));

      // Absolute hi20/lo12 (lui; -mcmodel=medlow without -fPIC): the image must lie below 2 GiB.
      case R_RISCV_HI20: {
        // S + A : U-type hi20, X in [-2^31 - 2^11, 2^31 - 2^11)
        const err = checkHi20('S + A', S + A);
        if (err) return `${err}; lui reaches only the low 2 GiB: compile with -fPIC`;
        return putU(mem, o, hi20(S + A));
      }
      case R_RISCV_LO12_I: // S + A : I-type lo12, no check
        return putI(mem, o, lo12(S + A));
      case R_RISCV_LO12_S: // S + A : S-type lo12, no check
        return putS(mem, o, lo12(S + A));

      default: {
        const unknown: never = t;
        return `relocation type ${unknown} has no fixup formula on riscv64`;
      }
    }
  },

  writeStub(mem: Uint8Array, offset: number, stubAddr: number, target: number): void {
    writeLiteralJump(mem, offset, stubAddr, target);
  },

  writeEntry(mem: Uint8Array, offset: number, entryAddr: number, slotAddr: number): void {
    writeSlotJump(mem, offset, entryAddr, slotAddr);
  },

  refWindow(type: number): readonly [number, number] | undefined {
    // %pcrel_lo names the auipc's label, not the data: no target byte.
    return type === R_RISCV_PCREL_LO12_I || type === R_RISCV_PCREL_LO12_S ? undefined : [0, 0];
  },

  flushICache(): void {
    // A no-op only because this process never executes RISC-V code: the back
    // end is encoded and tested byte for byte. On a real RISC-V host, stores
    // are not visible to instruction fetch until a fence.i on the executing
    // hart (and, for other harts, the riscv_flush_icache syscall):
    // __builtin___clear_cache(address, address + length), through the memory
    // module's native hook, does both.
  },
};
