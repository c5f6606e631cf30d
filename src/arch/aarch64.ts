// AArch64 (ELF for the Arm 64-bit Architecture, "aaelf64"). Relocation
// formulas are the ABI's own, written beside each case with the range the
// ABI requires the linker to check. Instruction relocations patch an
// immediate field in place: read the 32-bit little-endian instruction,
// replace the field's bits, write it back. A fixup that does not fit returns
// an error text naming the formula's value and the range; the caller adds
// the file, section, offset and symbol.
//
// A stub is `ldr x16, 8; br x16; .xword target` (16 bytes): self-contained,
// it doubles as the canonical address of a far host function. An entry is
// `adrp x16, slot; ldr x16, [x16, #:lo12:slot]; br x16` padded to 16 bytes
// with `brk #0` (never executed; a trap, like the int3 padding on x86-64),
// jumping through its slot to the current body (HOT_RELOAD.md §5). x16 (IP0)
// is the scratch register AAPCS64 lets veneers and PLT entries clobber.
//
// There is no relaxation: canRelax is always false.

import { EM_AARCH64 } from '../elf/elf.js';
import { HotlinkError, hex } from '../errors.js';
import { clearInstructionCache } from '../memory/native.js';
import { Arch, FixupValues, RelocInfo, RelocNeed } from './arch.js';

// Relocation type numbers (aaelf64, "Relocation codes"; glibc elf.h).
export const R_AARCH64_NONE = 0;
/** The withdrawn null relocation code (binutils' R_AARCH64_NULL); a no-op like NONE. */
export const R_AARCH64_NULL = 256;
export const R_AARCH64_ABS64 = 257;
export const R_AARCH64_ABS32 = 258;
export const R_AARCH64_ABS16 = 259;
export const R_AARCH64_PREL64 = 260;
export const R_AARCH64_PREL32 = 261;
export const R_AARCH64_PREL16 = 262;
export const R_AARCH64_MOVW_UABS_G0 = 263;
export const R_AARCH64_MOVW_UABS_G0_NC = 264;
export const R_AARCH64_MOVW_UABS_G1 = 265;
export const R_AARCH64_MOVW_UABS_G1_NC = 266;
export const R_AARCH64_MOVW_UABS_G2 = 267;
export const R_AARCH64_MOVW_UABS_G2_NC = 268;
export const R_AARCH64_MOVW_UABS_G3 = 269;
export const R_AARCH64_MOVW_SABS_G0 = 270;
export const R_AARCH64_MOVW_SABS_G1 = 271;
export const R_AARCH64_MOVW_SABS_G2 = 272;
export const R_AARCH64_LD_PREL_LO19 = 273;
export const R_AARCH64_ADR_PREL_LO21 = 274;
export const R_AARCH64_ADR_PREL_PG_HI21 = 275;
export const R_AARCH64_ADR_PREL_PG_HI21_NC = 276;
export const R_AARCH64_ADD_ABS_LO12_NC = 277;
export const R_AARCH64_LDST8_ABS_LO12_NC = 278;
export const R_AARCH64_TSTBR14 = 279;
export const R_AARCH64_CONDBR19 = 280;
export const R_AARCH64_JUMP26 = 282;
export const R_AARCH64_CALL26 = 283;
export const R_AARCH64_LDST16_ABS_LO12_NC = 284;
export const R_AARCH64_LDST32_ABS_LO12_NC = 285;
export const R_AARCH64_LDST64_ABS_LO12_NC = 286;
export const R_AARCH64_MOVW_PREL_G0 = 287;
export const R_AARCH64_MOVW_PREL_G3 = 293;
export const R_AARCH64_LDST128_ABS_LO12_NC = 299;
export const R_AARCH64_MOVW_GOTOFF_G0 = 300;
export const R_AARCH64_MOVW_GOTOFF_G3 = 306;
export const R_AARCH64_GOTREL64 = 307;
export const R_AARCH64_GOTREL32 = 308;
export const R_AARCH64_GOT_LD_PREL19 = 309;
export const R_AARCH64_LD64_GOTOFF_LO15 = 310;
export const R_AARCH64_ADR_GOT_PAGE = 311;
export const R_AARCH64_LD64_GOT_LO12_NC = 312;
export const R_AARCH64_LD64_GOTPAGE_LO15 = 313;
export const R_AARCH64_TLSGD_ADR_PREL21 = 512;
export const R_AARCH64_TLSGD_ADR_PAGE21 = 513;
export const R_AARCH64_TLSGD_ADD_LO12_NC = 514;
export const R_AARCH64_TLSGD_MOVW_G1 = 515;
export const R_AARCH64_TLSGD_MOVW_G0_NC = 516;
export const R_AARCH64_TLSLD_ADR_PREL21 = 517;
export const R_AARCH64_TLSLD_LDST128_DTPREL_LO12_NC = 573;
export const R_AARCH64_TLSIE_MOVW_GOTTPREL_G1 = 539;
export const R_AARCH64_TLSIE_LD_GOTTPREL_PREL19 = 543;
export const R_AARCH64_TLSLE_MOVW_TPREL_G2 = 544;
export const R_AARCH64_TLSLE_LDST64_TPREL_LO12_NC = 559;
export const R_AARCH64_TLSDESC_LD_PREL19 = 560;
export const R_AARCH64_TLSDESC_ADR_PAGE21 = 562;
export const R_AARCH64_TLSDESC_CALL = 569;
export const R_AARCH64_TLSLE_LDST128_TPREL_LO12 = 570;
export const R_AARCH64_TLSLE_LDST128_TPREL_LO12_NC = 571;
export const R_AARCH64_TLSLD_LDST128_DTPREL_LO12 = 572;
export const R_AARCH64_COPY = 1024;
export const R_AARCH64_IRELATIVE = 1032;
export const R_AARCH64_TLSDESC = 1031;

/** The types `apply` has a formula for: the keys of RELOCS. The switch below is exhaustive over them. */
type AppliedType =
  | typeof R_AARCH64_NONE | typeof R_AARCH64_NULL
  | typeof R_AARCH64_ABS64 | typeof R_AARCH64_ABS32 | typeof R_AARCH64_ABS16
  | typeof R_AARCH64_PREL64 | typeof R_AARCH64_PREL32 | typeof R_AARCH64_PREL16
  | typeof R_AARCH64_MOVW_UABS_G0 | typeof R_AARCH64_MOVW_UABS_G0_NC
  | typeof R_AARCH64_MOVW_UABS_G1 | typeof R_AARCH64_MOVW_UABS_G1_NC
  | typeof R_AARCH64_MOVW_UABS_G2 | typeof R_AARCH64_MOVW_UABS_G2_NC | typeof R_AARCH64_MOVW_UABS_G3
  | typeof R_AARCH64_LD_PREL_LO19 | typeof R_AARCH64_ADR_PREL_LO21
  | typeof R_AARCH64_ADR_PREL_PG_HI21 | typeof R_AARCH64_ADR_PREL_PG_HI21_NC
  | typeof R_AARCH64_ADD_ABS_LO12_NC
  | typeof R_AARCH64_LDST8_ABS_LO12_NC | typeof R_AARCH64_LDST16_ABS_LO12_NC | typeof R_AARCH64_LDST32_ABS_LO12_NC
  | typeof R_AARCH64_LDST64_ABS_LO12_NC | typeof R_AARCH64_LDST128_ABS_LO12_NC
  | typeof R_AARCH64_TSTBR14 | typeof R_AARCH64_CONDBR19 | typeof R_AARCH64_JUMP26 | typeof R_AARCH64_CALL26
  | typeof R_AARCH64_GOT_LD_PREL19 | typeof R_AARCH64_ADR_GOT_PAGE | typeof R_AARCH64_LD64_GOT_LO12_NC
  | typeof R_AARCH64_LD64_GOTPAGE_LO15
  | typeof R_AARCH64_TLSGD_ADR_PAGE21 | typeof R_AARCH64_TLSGD_ADD_LO12_NC;

/**
 * Policy table: what each relocation type needs and how wide its field is.
 *
 * The `:lo12:` halves of an adrp pair (ADD_ABS_LO12_NC, LDSTn_ABS_LO12_NC)
 * are classified PcRel like their ADR_PREL_PG_HI21, not Abs: the generic
 * linker then redirects both halves to the same stub when it sends a far host
 * function through one. Conditional branches (CONDBR19, TSTBR14) are Plt like
 * CALL26/JUMP26, as in lld: a conditional tail call may go through a stub
 * (which only clobbers x16), though a stub is rarely within their reach.
 */
const RELOCS: Record<number, RelocInfo> = {
  [R_AARCH64_NONE]: { name: 'R_AARCH64_NONE', need: RelocNeed.None, width: 0 },
  [R_AARCH64_NULL]: { name: 'R_AARCH64_NULL', need: RelocNeed.None, width: 0 },
  [R_AARCH64_ABS64]: { name: 'R_AARCH64_ABS64', need: RelocNeed.Abs, width: 8 },
  [R_AARCH64_ABS32]: { name: 'R_AARCH64_ABS32', need: RelocNeed.Abs, width: 4 },
  [R_AARCH64_ABS16]: { name: 'R_AARCH64_ABS16', need: RelocNeed.Abs, width: 2 },
  [R_AARCH64_PREL64]: { name: 'R_AARCH64_PREL64', need: RelocNeed.PcRel, width: 8 },
  [R_AARCH64_PREL32]: { name: 'R_AARCH64_PREL32', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_PREL16]: { name: 'R_AARCH64_PREL16', need: RelocNeed.PcRel, width: 2 },
  [R_AARCH64_MOVW_UABS_G0]: { name: 'R_AARCH64_MOVW_UABS_G0', need: RelocNeed.Abs, width: 4 },
  [R_AARCH64_MOVW_UABS_G0_NC]: { name: 'R_AARCH64_MOVW_UABS_G0_NC', need: RelocNeed.Abs, width: 4 },
  [R_AARCH64_MOVW_UABS_G1]: { name: 'R_AARCH64_MOVW_UABS_G1', need: RelocNeed.Abs, width: 4 },
  [R_AARCH64_MOVW_UABS_G1_NC]: { name: 'R_AARCH64_MOVW_UABS_G1_NC', need: RelocNeed.Abs, width: 4 },
  [R_AARCH64_MOVW_UABS_G2]: { name: 'R_AARCH64_MOVW_UABS_G2', need: RelocNeed.Abs, width: 4 },
  [R_AARCH64_MOVW_UABS_G2_NC]: { name: 'R_AARCH64_MOVW_UABS_G2_NC', need: RelocNeed.Abs, width: 4 },
  [R_AARCH64_MOVW_UABS_G3]: { name: 'R_AARCH64_MOVW_UABS_G3', need: RelocNeed.Abs, width: 4 },
  [R_AARCH64_LD_PREL_LO19]: { name: 'R_AARCH64_LD_PREL_LO19', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_ADR_PREL_LO21]: { name: 'R_AARCH64_ADR_PREL_LO21', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_ADR_PREL_PG_HI21]: { name: 'R_AARCH64_ADR_PREL_PG_HI21', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_ADR_PREL_PG_HI21_NC]: { name: 'R_AARCH64_ADR_PREL_PG_HI21_NC', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_ADD_ABS_LO12_NC]: { name: 'R_AARCH64_ADD_ABS_LO12_NC', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_LDST8_ABS_LO12_NC]: { name: 'R_AARCH64_LDST8_ABS_LO12_NC', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_LDST16_ABS_LO12_NC]: { name: 'R_AARCH64_LDST16_ABS_LO12_NC', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_LDST32_ABS_LO12_NC]: { name: 'R_AARCH64_LDST32_ABS_LO12_NC', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_LDST64_ABS_LO12_NC]: { name: 'R_AARCH64_LDST64_ABS_LO12_NC', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_LDST128_ABS_LO12_NC]: { name: 'R_AARCH64_LDST128_ABS_LO12_NC', need: RelocNeed.PcRel, width: 4 },
  [R_AARCH64_TSTBR14]: { name: 'R_AARCH64_TSTBR14', need: RelocNeed.Plt, width: 4 },
  [R_AARCH64_CONDBR19]: { name: 'R_AARCH64_CONDBR19', need: RelocNeed.Plt, width: 4 },
  [R_AARCH64_JUMP26]: { name: 'R_AARCH64_JUMP26', need: RelocNeed.Plt, width: 4 },
  [R_AARCH64_CALL26]: { name: 'R_AARCH64_CALL26', need: RelocNeed.Plt, width: 4 },
  [R_AARCH64_GOT_LD_PREL19]: { name: 'R_AARCH64_GOT_LD_PREL19', need: RelocNeed.Got, width: 4 },
  [R_AARCH64_ADR_GOT_PAGE]: { name: 'R_AARCH64_ADR_GOT_PAGE', need: RelocNeed.Got, width: 4 },
  [R_AARCH64_LD64_GOT_LO12_NC]: { name: 'R_AARCH64_LD64_GOT_LO12_NC', need: RelocNeed.Got, width: 4 },
  [R_AARCH64_LD64_GOTPAGE_LO15]: { name: 'R_AARCH64_LD64_GOTPAGE_LO15', need: RelocNeed.Got, width: 4 },
  [R_AARCH64_TLSGD_ADR_PAGE21]: { name: 'R_AARCH64_TLSGD_ADR_PAGE21', need: RelocNeed.TlsGd, width: 4 },
  [R_AARCH64_TLSGD_ADD_LO12_NC]: { name: 'R_AARCH64_TLSGD_ADD_LO12_NC', need: RelocNeed.TlsGd, width: 4 },
};

const TLSDESC_HINT = 'TLS descriptors (-mtls-dialect=desc, the AArch64 default) are not supported; compile with -mtls-dialect=trad';
const STATIC_TLS_HINT = 'needs static TLS space in the host process; compile with -fPIC -mtls-dialect=trad';

/** Reasons for known types we do not apply, by range of type numbers. */
function unsupported(type: number): string | undefined {
  if (type === R_AARCH64_TLSDESC || (type >= R_AARCH64_COPY && type <= R_AARCH64_IRELATIVE)) {
    return `relocation type ${type} (an R_AARCH64 dynamic relocation) cannot appear in a relocatable object`;
  }
  if (type >= R_AARCH64_TLSDESC_LD_PREL19 && type <= R_AARCH64_TLSDESC_CALL) return `R_AARCH64_TLSDESC_* (type ${type}): ${TLSDESC_HINT}`;
  if ((type >= R_AARCH64_TLSLE_MOVW_TPREL_G2 && type <= R_AARCH64_TLSLE_LDST64_TPREL_LO12_NC) ||
      type === R_AARCH64_TLSLE_LDST128_TPREL_LO12 || type === R_AARCH64_TLSLE_LDST128_TPREL_LO12_NC) {
    return `R_AARCH64_TLSLE_* (type ${type}, local-exec TLS) ${STATIC_TLS_HINT}`;
  }
  if (type >= R_AARCH64_TLSIE_MOVW_GOTTPREL_G1 && type <= R_AARCH64_TLSIE_LD_GOTTPREL_PREL19) {
    return `R_AARCH64_TLSIE_* (type ${type}, initial-exec TLS) ${STATIC_TLS_HINT}`;
  }
  if ((type >= R_AARCH64_TLSLD_ADR_PREL21 && type < R_AARCH64_TLSIE_MOVW_GOTTPREL_G1) ||
      type === R_AARCH64_TLSLD_LDST128_DTPREL_LO12 || type === R_AARCH64_TLSLD_LDST128_DTPREL_LO12_NC) {
    return `R_AARCH64_TLSLD_* (type ${type}, local-dynamic TLS) is not supported; compile with -mtls-dialect=trad, which uses general-dynamic`;
  }
  if (type === R_AARCH64_TLSGD_ADR_PREL21 || type === R_AARCH64_TLSGD_MOVW_G1 || type === R_AARCH64_TLSGD_MOVW_G0_NC) {
    return `R_AARCH64_TLSGD_* (type ${type}) of the tiny or large code model is not supported; compile with -mcmodel=small`;
  }
  if ((type >= R_AARCH64_MOVW_SABS_G0 && type <= R_AARCH64_MOVW_SABS_G2) ||
      (type >= R_AARCH64_MOVW_PREL_G0 && type <= R_AARCH64_MOVW_PREL_G3) ||
      (type >= R_AARCH64_MOVW_GOTOFF_G0 && type <= R_AARCH64_MOVW_GOTOFF_G3) ||
      type === R_AARCH64_GOTREL64 || type === R_AARCH64_GOTREL32 || type === R_AARCH64_LD64_GOTOFF_LO15) {
    return `relocation type ${type} (signed, PC-relative or GOT-relative MOVW/GOTREL) is not supported; C compilers emit it only for unusual code models`;
  }
  return undefined;
}

// ---- bytes and fields --------------------------------------------------------

function read32(mem: Uint8Array, o: number): number {
  return (mem[o]! | (mem[o + 1]! << 8) | (mem[o + 2]! << 16) | (mem[o + 3]! << 24)) >>> 0;
}

function write32(mem: Uint8Array, o: number, v: number): void {
  mem[o] = v & 0xff;
  mem[o + 1] = (v >>> 8) & 0xff;
  mem[o + 2] = (v >>> 16) & 0xff;
  mem[o + 3] = (v >>> 24) & 0xff;
}

/** Writes the low `width` bytes of a two's-complement value (v is a safe integer). */
function writeData(mem: Uint8Array, o: number, v: number, width: number): undefined {
  let x = BigInt.asUintN(64, BigInt(v));
  for (let i = 0; i < width; i++, x >>= 8n) mem[o + i] = Number(x & 0xffn);
  return undefined;
}

/** Replaces the bits of `mask` in the instruction at `o` with those of `bits`. */
function patch(mem: Uint8Array, o: number, mask: number, bits: number): undefined {
  write32(mem, o, ((read32(mem, o) & ~mask) | (bits & mask)) >>> 0);
  return undefined;
}

/** Range check [lo, hi] for the value of `formula`; `kind` says how the field is read ("signed 28-bit"). */
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

/** Page(x) = x & ~0xfff, for any safe integer. */
function page(x: number): number {
  return x - (x & 0xfff);
}

/** ADR/ADRP immediate: immlo = imm[1:0] at bits 30:29, immhi = imm[20:2] at bits 23:5. */
function adrImm(imm: number): number {
  return ((imm & 3) << 29) | (((imm >> 2) & 0x7ffff) << 5);
}
const ADR_MASK = (3 << 29) | (0x7ffff << 5);

/** ADRP: the page delta Page(target) - Page(P), checked to fit (unless `nc`), into the 21-bit page immediate. */
function adrp(mem: Uint8Array, o: number, delta: number, formula: string, nc: boolean): string | undefined {
  const err = nc ? undefined : range(formula, delta, -0x100000000, 0xffffffff, 'signed 33-bit');
  if (err) return err;
  patch(mem, o, ADR_MASK, adrImm(Math.floor(delta / 4096)));
  return undefined;
}

/** imm12 of ADD (immediate) or LDR/STR (unsigned offset), scaled by 2^shift; the low `shift` bits must be zero. */
function lo12(mem: Uint8Array, o: number, x: number, shift: number, formula: string): string | undefined {
  const err = aligned(formula, x, 1 << shift);
  if (err) return err;
  patch(mem, o, 0xfff << 10, ((x & 0xfff) >> shift) << 10);
  return undefined;
}

/** A PC-relative word offset (branch or literal load) in a `bits`-bit byte range, stored as imm at bit `at`. */
function pcWord(mem: Uint8Array, o: number, x: number, bits: number, at: number, formula: string): string | undefined {
  const err = aligned(formula, x, 4) ?? signed(formula, x, bits);
  if (err) return err;
  const mask = (2 ** (bits - 2) - 1) * 2 ** at;
  return patch(mem, o, mask | 0, (x >> 2) << at);
}

/** MOVZ/MOVK imm16 (bits 20:5) taken from bits [shift+15:shift] of the 64-bit value x; unchecked when max is undefined. */
function movw(mem: Uint8Array, o: number, x: number, shift: number, max: number | undefined): string | undefined {
  if (max !== undefined) {
    const err = range('S + A', x, 0, max, `unsigned ${Math.log2(max + 1)}-bit`);
    if (err) return err;
  }
  const chunk = Number((BigInt.asUintN(64, BigInt(x)) >> BigInt(shift)) & 0xffffn);
  patch(mem, o, 0xffff << 5, chunk << 5);
  return undefined;
}

/** GDAT(S + A) / GTLSIDX(S, A) are entries for S + A; the generic linker's entries are per symbol, so A must be 0. */
function gotAddend(A: number): string | undefined {
  if (A !== 0) return `GOT-indirect reference with addend A = ${hex(A)}: the GOT entry is for S alone, so A must be 0`;
  return undefined;
}

// ---- stubs and entries -------------------------------------------------------

const X16 = 16;
const BRK_0 = 0xd4200000;
const BR_X16 = 0xd61f0000 | (X16 << 5);
const LDR_LITERAL_X = 0x58000000; // ldr Xt, label: imm19 (words from P) at bits 23:5

/** adrp x16, slot; ldr x16, [x16, #:lo12:slot]; br x16; brk #0 — at `at`, bytes at mem[offset]. */
function writeSlotJump(mem: Uint8Array, offset: number, at: number, slot: number): void {
  const delta = page(slot) - page(at);
  const err =
    aligned('entry address', at, 4) ??
    aligned('slot address', slot, 8) ??
    range('Page(slot) - Page(P)', delta, -0x100000000, 0xffffffff, 'signed 33-bit');
  if (err) throw new HotlinkError('relocation', `aarch64 entry at ${hex(at)} cannot reach its slot at ${hex(slot)}: ${err}`);
  write32(mem, offset, (0x90000000 | adrImm(delta / 4096) | X16) >>> 0);
  write32(mem, offset + 4, (0xf9400000 | (((slot & 0xfff) >> 3) << 10) | (X16 << 5) | X16) >>> 0);
  write32(mem, offset + 8, BR_X16 >>> 0);
  write32(mem, offset + 12, BRK_0);
}

/** ldr x16, 8; br x16; .xword target — at `at` (8-aligned, so the literal is), bytes at mem[offset]. */
function writeLiteralJump(mem: Uint8Array, offset: number, at: number, target: number): void {
  const err = aligned('stub address', at, 8);
  if (err) throw new HotlinkError('relocation', `aarch64 stub for ${hex(target)}: ${err}`);
  write32(mem, offset, (LDR_LITERAL_X | ((8 >> 2) << 5) | X16) >>> 0);
  write32(mem, offset + 4, BR_X16 >>> 0);
  writeData(mem, offset + 8, target, 8);
}

export const aarch64: Arch = {
  name: 'aarch64',
  e_machine: EM_AARCH64,
  multiarch: 'aarch64-linux-gnu',
  stubSize: 16,
  entrySize: 16,
  // adrp reaches ±4 GiB, but PREL32 data only ±2 GiB; the generic linker uses
  // this to decide when a host function must be reached through a stub, so we
  // give the smaller, safe figure.
  pcRelReach: 0x7fffffff,

  relocInfo(type: number): RelocInfo | undefined {
    return RELOCS[type];
  },

  unsupportedReason(type: number): string | undefined {
    return unsupported(type);
  },

  canRelax(): boolean {
    return false;
  },

  applyRelaxed(type: number): string | undefined {
    return `relocation type ${type} cannot be relaxed on aarch64`;
  },

  apply(type: number, mem: Uint8Array, o: number, v: FixupValues): string | undefined {
    const info = RELOCS[type];
    if (info && (o < 0 || o + info.width > mem.length)) {
      return `the ${info.width}-byte field at offset ${hex(o)} runs past the end of the section (${hex(mem.length)} bytes)`;
    }
    const { S, A, P, G, GOT } = v;
    const t = type as AppliedType;
    switch (t) {
      case R_AARCH64_NONE:
      case R_AARCH64_NULL:
        return undefined;

      // Data.
      case R_AARCH64_ABS64: // S + A : 64, no check
        writeData(mem, o, S + A, 8);
        return undefined;
      case R_AARCH64_ABS32: // S + A : -2^31 <= X < 2^32
        return range('S + A', S + A, -0x80000000, 0xffffffff, '32-bit') ?? writeData(mem, o, S + A, 4);
      case R_AARCH64_ABS16: // S + A : -2^15 <= X < 2^16
        return range('S + A', S + A, -0x8000, 0xffff, '16-bit') ?? writeData(mem, o, S + A, 2);
      case R_AARCH64_PREL64: // S + A - P : 64, no check
        writeData(mem, o, S + A - P, 8);
        return undefined;
      case R_AARCH64_PREL32: // S + A - P : -2^31 <= X < 2^32
        return range('S + A - P', S + A - P, -0x80000000, 0xffffffff, '32-bit') ?? writeData(mem, o, S + A - P, 4);
      case R_AARCH64_PREL16: // S + A - P : -2^15 <= X < 2^16
        return range('S + A - P', S + A - P, -0x8000, 0xffff, '16-bit') ?? writeData(mem, o, S + A - P, 2);

      // MOVZ/MOVK of an absolute address, 16 bits at a time (the large code model).
      case R_AARCH64_MOVW_UABS_G0: // S + A [15:0] : 0 <= X < 2^16
        return movw(mem, o, S + A, 0, 0xffff);
      case R_AARCH64_MOVW_UABS_G0_NC: // S + A [15:0], no check
        return movw(mem, o, S + A, 0, undefined);
      case R_AARCH64_MOVW_UABS_G1: // S + A [31:16] : 0 <= X < 2^32
        return movw(mem, o, S + A, 16, 0xffffffff);
      case R_AARCH64_MOVW_UABS_G1_NC: // S + A [31:16], no check
        return movw(mem, o, S + A, 16, undefined);
      case R_AARCH64_MOVW_UABS_G2: // S + A [47:32] : 0 <= X < 2^48
        return movw(mem, o, S + A, 32, 0xffffffffffff);
      case R_AARCH64_MOVW_UABS_G2_NC: // S + A [47:32], no check
        return movw(mem, o, S + A, 32, undefined);
      case R_AARCH64_MOVW_UABS_G3: // S + A [63:48], no check (all 64 bits are covered)
        return movw(mem, o, S + A, 48, undefined);

      // PC-relative addresses.
      case R_AARCH64_LD_PREL_LO19: // S + A - P [20:2] of LDR (literal) : -2^20 <= X < 2^20, X % 4 = 0
        return pcWord(mem, o, S + A - P, 21, 5, 'S + A - P');
      case R_AARCH64_ADR_PREL_LO21: // S + A - P [20:0] of ADR : -2^20 <= X < 2^20
        return signed('S + A - P', S + A - P, 21) ?? patch(mem, o, ADR_MASK, adrImm(S + A - P));
      case R_AARCH64_ADR_PREL_PG_HI21: // Page(S + A) - Page(P) [32:12] of ADRP : -2^32 <= X < 2^32
        return adrp(mem, o, page(S + A) - page(P), 'Page(S + A) - Page(P)', false);
      case R_AARCH64_ADR_PREL_PG_HI21_NC: // Page(S + A) - Page(P) [32:12], no check
        return adrp(mem, o, page(S + A) - page(P), 'Page(S + A) - Page(P)', true);

      // The low 12 bits of S + A, the second half of an adrp pair; LDST scales by the access size.
      case R_AARCH64_ADD_ABS_LO12_NC: // S + A [11:0] of ADD
      case R_AARCH64_LDST8_ABS_LO12_NC: // S + A [11:0] of LDRB/STRB
        return lo12(mem, o, S + A, 0, 'S + A');
      case R_AARCH64_LDST16_ABS_LO12_NC: // S + A [11:1], X % 2 = 0
        return lo12(mem, o, S + A, 1, 'S + A');
      case R_AARCH64_LDST32_ABS_LO12_NC: // S + A [11:2], X % 4 = 0
        return lo12(mem, o, S + A, 2, 'S + A');
      case R_AARCH64_LDST64_ABS_LO12_NC: // S + A [11:3], X % 8 = 0
        return lo12(mem, o, S + A, 3, 'S + A');
      case R_AARCH64_LDST128_ABS_LO12_NC: // S + A [11:4], X % 16 = 0
        return lo12(mem, o, S + A, 4, 'S + A');

      // Branches.
      case R_AARCH64_TSTBR14: // S + A - P [15:2] of TBZ/TBNZ : -2^15 <= X < 2^15, X % 4 = 0
        return pcWord(mem, o, S + A - P, 16, 5, 'S + A - P');
      case R_AARCH64_CONDBR19: // S + A - P [20:2] of B.cond/CBZ/CBNZ : -2^20 <= X < 2^20, X % 4 = 0
        return pcWord(mem, o, S + A - P, 21, 5, 'S + A - P');
      case R_AARCH64_JUMP26: // S + A - P [27:2] of B : -2^27 <= X < 2^27, X % 4 = 0 (S = stub if far)
      case R_AARCH64_CALL26: // S + A - P [27:2] of BL : -2^27 <= X < 2^27, X % 4 = 0 (S = stub if far)
        // A call to an undefined weak function (S = 0, nothing else lives at
        // address 0) goes to the next instruction, as lld and ld.bfd make it:
        // `if (f) f();` never executes it, and 0 - P is out of reach.
        if (S === 0) return pcWord(mem, o, 4, 28, 0, 'undefined weak: P + 4 - P');
        return pcWord(mem, o, S + A - P, 28, 0, 'S + A - P');

      // Through the GOT (G is the address of the target's GOT entry).
      case R_AARCH64_GOT_LD_PREL19: // G(GDAT(S + A)) - P [20:2] of LDR (literal) : -2^20 <= X < 2^20
        return gotAddend(A) ?? pcWord(mem, o, G - P, 21, 5, 'G(GDAT(S + A)) - P');
      case R_AARCH64_ADR_GOT_PAGE: // Page(G(GDAT(S + A))) - Page(P) [32:12] of ADRP : -2^32 <= X < 2^32
        return gotAddend(A) ?? adrp(mem, o, page(G) - page(P), 'Page(G(GDAT(S + A))) - Page(P)', false);
      case R_AARCH64_LD64_GOT_LO12_NC: // G(GDAT(S + A)) [11:3] of LDR, X % 8 = 0
        return gotAddend(A) ?? lo12(mem, o, G, 3, 'G(GDAT(S + A))');
      case R_AARCH64_LD64_GOTPAGE_LO15: {
        // G(GDAT(S + A)) - Page(GOT) [14:3] of LDR : 0 <= X < 2^15, X % 8 = 0 (the -fpic GOT access)
        const x = G - page(GOT);
        const f = 'G(GDAT(S + A)) - Page(GOT)';
        return gotAddend(A) ?? aligned(f, x, 8) ?? range(f, x, 0, 0x7fff, 'unsigned 15-bit') ?? patch(mem, o, 0xfff << 10, (x >> 3) << 10);
      }

      // TLS general-dynamic, -mtls-dialect=trad (G is the address of the (module, offset) GOT pair).
      case R_AARCH64_TLSGD_ADR_PAGE21: // Page(G(GTLSIDX(S, A))) - Page(P) [32:12] : -2^32 <= X < 2^32
        return gotAddend(A) ?? adrp(mem, o, page(G) - page(P), 'Page(G(GTLSIDX(S, A))) - Page(P)', false);
      case R_AARCH64_TLSGD_ADD_LO12_NC: // G(GTLSIDX(S, A)) [11:0] of ADD
        return gotAddend(A) ?? lo12(mem, o, G, 0, 'G(GTLSIDX(S, A))');

      default: {
        const unknown: never = t;
        return `relocation type ${unknown} has no fixup formula on aarch64`;
      }
    }
  },

  writeStub(mem: Uint8Array, offset: number, stubAddr: number, target: number): void {
    writeLiteralJump(mem, offset, stubAddr, target);
  },

  writeEntry(mem: Uint8Array, offset: number, entryAddr: number, slotAddr: number): void {
    writeSlotJump(mem, offset, entryAddr, slotAddr);
  },

  refWindow(): readonly [number, number] | undefined {
    return [0, 0]; // ADRP/ADD/LDR/CALL26 and data relocations all name S + A itself
  },

  flushICache(address: number, length: number): void {
    // Instruction fetch is not coherent with the stores made through the RW
    // alias: clean the data cache and invalidate the instruction cache over
    // the range before the code runs (a no-op unless the host is arm64).
    clearInstructionCache(address, length);
  },

};
