// x86-64 (System V psABI). Relocation formulas are the psABI's own, written
// beside each case with the range its field can hold. A fixup that does not
// fit returns an error text naming the formula's value and the range; the
// caller adds the file, section, offset and symbol.
//
// A stub is `jmp *0(%rip)` followed by the 8-byte target (ff 25 00000000,
// .quad target, int3 int3): self-contained, it doubles as the canonical
// address of a far host function. A reloadable function's entry is
// `jmp *disp32(%rip)` through its slot in writable memory.

import { EM_X86_64 } from '../elf/elf.js';
import { hex } from '../errors.js';
import { Arch, FixupValues, RelocInfo, RelocNeed } from './arch.js';
import { instructionStarts } from './x86_64-insn.js';

// Relocation type numbers (psABI table 4.9).
export const R_X86_64_NONE = 0;
export const R_X86_64_64 = 1;
export const R_X86_64_PC32 = 2;
export const R_X86_64_GOT32 = 3;
export const R_X86_64_PLT32 = 4;
export const R_X86_64_COPY = 5;
export const R_X86_64_GLOB_DAT = 6;
export const R_X86_64_JUMP_SLOT = 7;
export const R_X86_64_RELATIVE = 8;
export const R_X86_64_GOTPCREL = 9;
export const R_X86_64_32 = 10;
export const R_X86_64_32S = 11;
export const R_X86_64_16 = 12;
export const R_X86_64_PC16 = 13;
export const R_X86_64_8 = 14;
export const R_X86_64_PC8 = 15;
export const R_X86_64_DTPMOD64 = 16;
export const R_X86_64_DTPOFF64 = 17;
export const R_X86_64_TPOFF64 = 18;
export const R_X86_64_TLSGD = 19;
export const R_X86_64_TLSLD = 20;
export const R_X86_64_DTPOFF32 = 21;
export const R_X86_64_GOTTPOFF = 22;
export const R_X86_64_TPOFF32 = 23;
export const R_X86_64_PC64 = 24;
export const R_X86_64_GOTOFF64 = 25;
export const R_X86_64_GOTPC32 = 26;
export const R_X86_64_GOT64 = 27;
export const R_X86_64_GOTPCREL64 = 28;
export const R_X86_64_GOTPC64 = 29;
export const R_X86_64_GOTPLT64 = 30;
export const R_X86_64_PLTOFF64 = 31;
export const R_X86_64_SIZE32 = 32;
export const R_X86_64_SIZE64 = 33;
export const R_X86_64_GOTPC32_TLSDESC = 34;
export const R_X86_64_TLSDESC_CALL = 35;
export const R_X86_64_TLSDESC = 36;
export const R_X86_64_IRELATIVE = 37;
export const R_X86_64_GOTPCRELX = 41;
export const R_X86_64_REX_GOTPCRELX = 42;

/** Policy table: what each relocation type needs and how wide its field is. */
const RELOCS: Record<number, RelocInfo> = {
  [R_X86_64_NONE]: { name: 'R_X86_64_NONE', need: RelocNeed.None, width: 0 },
  [R_X86_64_64]: { name: 'R_X86_64_64', need: RelocNeed.Abs, width: 8 },
  [R_X86_64_PC32]: { name: 'R_X86_64_PC32', need: RelocNeed.PcRel, width: 4 },
  [R_X86_64_PLT32]: { name: 'R_X86_64_PLT32', need: RelocNeed.Plt, width: 4 },
  [R_X86_64_GOTPCREL]: { name: 'R_X86_64_GOTPCREL', need: RelocNeed.Got, width: 4 },
  [R_X86_64_32]: { name: 'R_X86_64_32', need: RelocNeed.Abs, width: 4 },
  [R_X86_64_32S]: { name: 'R_X86_64_32S', need: RelocNeed.Abs, width: 4 },
  [R_X86_64_16]: { name: 'R_X86_64_16', need: RelocNeed.Abs, width: 2 },
  [R_X86_64_PC16]: { name: 'R_X86_64_PC16', need: RelocNeed.PcRel, width: 2 },
  [R_X86_64_8]: { name: 'R_X86_64_8', need: RelocNeed.Abs, width: 1 },
  [R_X86_64_PC8]: { name: 'R_X86_64_PC8', need: RelocNeed.PcRel, width: 1 },
  [R_X86_64_DTPOFF64]: { name: 'R_X86_64_DTPOFF64', need: RelocNeed.DtpOff, width: 8 },
  [R_X86_64_TLSGD]: { name: 'R_X86_64_TLSGD', need: RelocNeed.TlsGd, width: 4 },
  [R_X86_64_TLSLD]: { name: 'R_X86_64_TLSLD', need: RelocNeed.TlsLd, width: 4 },
  [R_X86_64_DTPOFF32]: { name: 'R_X86_64_DTPOFF32', need: RelocNeed.DtpOff, width: 4 },
  [R_X86_64_PC64]: { name: 'R_X86_64_PC64', need: RelocNeed.PcRel, width: 8 },
  [R_X86_64_GOTOFF64]: { name: 'R_X86_64_GOTOFF64', need: RelocNeed.GotBase, width: 8 },
  [R_X86_64_GOTPC32]: { name: 'R_X86_64_GOTPC32', need: RelocNeed.GotBase, width: 4 },
  [R_X86_64_GOT64]: { name: 'R_X86_64_GOT64', need: RelocNeed.Got, width: 8 },
  [R_X86_64_GOTPCREL64]: { name: 'R_X86_64_GOTPCREL64', need: RelocNeed.Got, width: 8 },
  [R_X86_64_GOTPC64]: { name: 'R_X86_64_GOTPC64', need: RelocNeed.GotBase, width: 8 },
  [R_X86_64_PLTOFF64]: { name: 'R_X86_64_PLTOFF64', need: RelocNeed.Plt, width: 8 },
  [R_X86_64_SIZE32]: { name: 'R_X86_64_SIZE32', need: RelocNeed.Size, width: 4 },
  [R_X86_64_SIZE64]: { name: 'R_X86_64_SIZE64', need: RelocNeed.Size, width: 8 },
  [R_X86_64_GOTPCRELX]: { name: 'R_X86_64_GOTPCRELX', need: RelocNeed.GotRelaxable, width: 4 },
  [R_X86_64_REX_GOTPCRELX]: { name: 'R_X86_64_REX_GOTPCRELX', need: RelocNeed.GotRelaxable, width: 4 },
};

const UNSUPPORTED: Record<number, string> = {
  [R_X86_64_GOTTPOFF]: 'R_X86_64_GOTTPOFF (initial-exec TLS) needs static TLS space in the host process; compile with -fPIC',
  [R_X86_64_TPOFF32]: 'R_X86_64_TPOFF32 (local-exec TLS) needs static TLS space in the host process; compile with -fPIC',
  [R_X86_64_TPOFF64]: 'R_X86_64_TPOFF64 (local-exec TLS) needs static TLS space in the host process; compile with -fPIC',
  [R_X86_64_GOTPC32_TLSDESC]: 'R_X86_64_GOTPC32_TLSDESC (TLS descriptors, -mtls-dialect=gnu2) is not supported; compile with -mtls-dialect=gnu',
  [R_X86_64_TLSDESC_CALL]: 'R_X86_64_TLSDESC_CALL (TLS descriptors, -mtls-dialect=gnu2) is not supported; compile with -mtls-dialect=gnu',
  [R_X86_64_GOT32]: 'R_X86_64_GOT32 (32-bit GOT offsets) is not supported in a JIT image',
  [R_X86_64_GOTPLT64]: 'R_X86_64_GOTPLT64 is not supported in a JIT image',
  [R_X86_64_COPY]: 'R_X86_64_COPY is a dynamic relocation and cannot appear in a relocatable object',
  [R_X86_64_GLOB_DAT]: 'R_X86_64_GLOB_DAT is a dynamic relocation and cannot appear in a relocatable object',
  [R_X86_64_JUMP_SLOT]: 'R_X86_64_JUMP_SLOT is a dynamic relocation and cannot appear in a relocatable object',
  [R_X86_64_RELATIVE]: 'R_X86_64_RELATIVE is a dynamic relocation and cannot appear in a relocatable object',
  [R_X86_64_IRELATIVE]: 'R_X86_64_IRELATIVE is a dynamic relocation and cannot appear in a relocatable object',
  [R_X86_64_DTPMOD64]: 'R_X86_64_DTPMOD64 in data is not supported; access __thread variables from code',
  [R_X86_64_TLSDESC]: 'R_X86_64_TLSDESC is a dynamic relocation and cannot appear in a relocatable object',
};

const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;
const U32_MAX = 0xffffffff;

function put32(mem: Uint8Array, o: number, v: number): void {
  mem[o] = v & 0xff;
  mem[o + 1] = (v >>> 8) & 0xff;
  mem[o + 2] = (v >>> 16) & 0xff;
  mem[o + 3] = (v >>> 24) & 0xff;
}

/** Writes a 64-bit two's-complement value (v is a safe integer). */
function put64(mem: Uint8Array, o: number, v: number): void {
  const lo = v % 0x100000000;
  const loU = lo < 0 ? lo + 0x100000000 : lo;
  const hi = Math.floor(v / 0x100000000);
  put32(mem, o, loU);
  put32(mem, o + 4, hi < 0 ? hi + 0x100000000 : hi);
}

function s32(mem: Uint8Array, o: number, v: number, formula: string): string | undefined {
  if (v < I32_MIN || v > I32_MAX) return `${formula} = ${hex(v)} does not fit in a signed 32-bit field [-0x80000000, 0x7fffffff]`;
  put32(mem, o, v);
  return undefined;
}

function u32(mem: Uint8Array, o: number, v: number, formula: string): string | undefined {
  if (v < 0 || v > U32_MAX) return `${formula} = ${hex(v)} does not fit in an unsigned 32-bit field [0, 0xffffffff]`;
  put32(mem, o, v);
  return undefined;
}

function small(mem: Uint8Array, o: number, v: number, bits: number, signed: boolean, formula: string): string | undefined {
  const lo = signed ? -(2 ** (bits - 1)) : -(2 ** (bits - 1));
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (v < lo || v > hi) return `${formula} = ${hex(v)} does not fit in a ${bits}-bit field [${hex(lo)}, ${hex(hi)}]`;
  mem[o] = v & 0xff;
  if (bits === 16) mem[o + 1] = (v >> 8) & 0xff;
  return undefined;
}

export const x86_64: Arch = {
  name: 'x86-64',
  e_machine: EM_X86_64,
  multiarch: 'x86_64-linux-gnu',
  stubSize: 16,
  entrySize: 8,
  pcRelReach: 0x7fffffff,

  relocInfo(type: number): RelocInfo | undefined {
    return RELOCS[type];
  },

  unsupportedReason(type: number): string | undefined {
    return UNSUPPORTED[type];
  },

  canRelax(type: number, code: Uint8Array, offset: number): boolean {
    if (offset < 2) return false;
    const op = code[offset - 2];
    const modrm = code[offset - 1]!;
    if (type === R_X86_64_REX_GOTPCRELX) {
      // rex mov disp(%rip), %reg  ->  rex lea disp(%rip), %reg
      return offset >= 3 && op === 0x8b && (modrm & 0xc7) === 0x05;
    }
    // mov disp(%rip),%reg / call *disp(%rip) / jmp *disp(%rip)
    if (op === 0x8b) return (modrm & 0xc7) === 0x05;
    return op === 0xff && (modrm === 0x15 || modrm === 0x25);
  },

  applyRelaxed(type: number, code: Uint8Array, offset: number, v: FixupValues): string | undefined {
    const op = code[offset - 2];
    if (op === 0x8b) {
      code[offset - 2] = 0x8d; // mov -> lea
    } else if (code[offset - 1] === 0x15) {
      code[offset - 2] = 0x67; // addr32 prefix
      code[offset - 1] = 0xe8; // call rel32
    } else {
      // jmp rel32; nop — the jump now ends at P + 3, one byte before the original.
      code[offset - 2] = 0xe9;
      code[offset + 3] = 0x90;
      return s32(code, offset - 1, v.S + v.A - v.P + 1, 'S + A - P (relaxed jmp)');
    }
    void type;
    return s32(code, offset, v.S + v.A - v.P, 'S + A - P (relaxed GOTPCRELX)');
  },

  apply(type: number, mem: Uint8Array, o: number, v: FixupValues): string | undefined {
    const { S, A, P, G, GOT, Z } = v;
    switch (type) {
      case R_X86_64_NONE:
        return undefined;
      case R_X86_64_64: // S + A : 64
        put64(mem, o, S + A);
        return undefined;
      case R_X86_64_PC32: // S + A - P : int32
      case R_X86_64_PLT32: // L + A - P : int32 (L = S or its stub)
        return s32(mem, o, S + A - P, type === R_X86_64_PC32 ? 'S + A - P' : 'L + A - P');
      case R_X86_64_GOTPCREL: // G + GOT + A - P : int32 (G already includes GOT)
      case R_X86_64_GOTPCRELX:
      case R_X86_64_REX_GOTPCRELX:
        return s32(mem, o, G + A - P, 'G + GOT + A - P');
      case R_X86_64_32: // S + A : uint32
        return u32(mem, o, S + A, 'S + A');
      case R_X86_64_32S: // S + A : int32
        return s32(mem, o, S + A, 'S + A');
      case R_X86_64_16:
        return small(mem, o, S + A, 16, false, 'S + A');
      case R_X86_64_PC16:
        return small(mem, o, S + A - P, 16, true, 'S + A - P');
      case R_X86_64_8:
        return small(mem, o, S + A, 8, false, 'S + A');
      case R_X86_64_PC8:
        return small(mem, o, S + A - P, 8, true, 'S + A - P');
      case R_X86_64_TLSGD: // G + A - P : int32 (G = the GOT pair)
      case R_X86_64_TLSLD:
        return s32(mem, o, G + A - P, 'G + A - P (TLS GOT pair)');
      case R_X86_64_DTPOFF32: // S + A (offset in the TLS block) : int32
        return s32(mem, o, S + A, 'S + A (DTPOFF)');
      case R_X86_64_DTPOFF64:
        put64(mem, o, S + A);
        return undefined;
      case R_X86_64_PC64: // S + A - P : 64
        put64(mem, o, S + A - P);
        return undefined;
      case R_X86_64_GOTOFF64: // S + A - GOT : 64
        put64(mem, o, S + A - GOT);
        return undefined;
      case R_X86_64_GOTPC32: // GOT + A - P : int32
        return s32(mem, o, GOT + A - P, 'GOT + A - P');
      case R_X86_64_GOTPC64: // GOT + A - P : 64
        put64(mem, o, GOT + A - P);
        return undefined;
      case R_X86_64_GOT64: // G + A : 64 (offset of the entry from the GOT)
        put64(mem, o, G - GOT + A);
        return undefined;
      case R_X86_64_GOTPCREL64: // G + GOT + A - P : 64
        put64(mem, o, G + A - P);
        return undefined;
      case R_X86_64_PLTOFF64: // L - GOT + A : 64
        put64(mem, o, S - GOT + A);
        return undefined;
      case R_X86_64_SIZE32: // Z + A : uint32
        return u32(mem, o, Z + A, 'Z + A');
      case R_X86_64_SIZE64: // Z + A : 64
        put64(mem, o, Z + A);
        return undefined;
      default:
        return `relocation type ${type} has no fixup formula`;
    }
  },

  writeStub(mem: Uint8Array, offset: number, _stubAddr: number, target: number): void {
    // jmp *0(%rip); .quad target; int3; int3
    mem[offset] = 0xff;
    mem[offset + 1] = 0x25;
    put32(mem, offset + 2, 0);
    put64(mem, offset + 6, target);
    mem[offset + 14] = 0xcc;
    mem[offset + 15] = 0xcc;
  },

  writeEntry(mem: Uint8Array, offset: number, entryAddr: number, slotAddr: number): void {
    // jmp *disp32(%rip) through the slot; int3; int3   (disp relative to the end of the 6-byte jmp)
    mem[offset] = 0xff;
    mem[offset + 1] = 0x25;
    put32(mem, offset + 2, slotAddr - (entryAddr + 6));
    mem[offset + 6] = 0xcc;
    mem[offset + 7] = 0xcc;
  },

  flushICache(): void {
    // x86 keeps instruction fetch coherent with stores.
  },

  instructionStarts(code: Uint8Array): number[] {
    return instructionStarts(code);
  },

  refWindow(type: number, fromCode: boolean): readonly [number, number] | undefined {
    if (type === R_X86_64_64 || type === R_X86_64_32 || type === R_X86_64_32S) return ABS_WINDOW;
    if (!fromCode) return undefined;
    if (type === R_X86_64_PLT32) return CALL_WINDOW; // call/jmp rel32: the field ends the instruction
    if (type === R_X86_64_PC32) return RIP_WINDOW; // disp32, then up to 4 immediate bytes
    return undefined;
  },
};

const ABS_WINDOW = [0, 0] as const;
const CALL_WINDOW = [4, 4] as const;
const RIP_WINDOW = [4, 8] as const;

/** Exposed for the byte-level tests. */
export const x86_64Internals = { put64 };
