// x86-64 instruction lengths, for the debugger: a breakpoint must sit on an
// instruction start (a linear sweep from the function's start finds them) and
// `stepi`/`next` need the next instruction and whether this one is a call.
// [prefixes] [REX | VEX | EVEX | XOP] opcode [ModRM [SIB] [disp]] [imm]: only
// lengths are decoded, from one table per opcode map (Intel SDM vol. 2, app. A).

/** The architectural limit: longer encodings raise #GP. */
export const MAX_INSTRUCTION_LENGTH: number = 15;

// What follows an opcode byte, one character per opcode, 16 per row:
//   -  nothing                       m  ModRM
//   b  imm8 or rel8                  i  ModRM + imm8
//   w  imm16                         Z  ModRM + imm16/imm32 (66 prefix => 16)
//   z  imm16/imm32 (66 => 16)        v  imm16/32/64 (mov r, imm: REX.W => 64)
//   o  moffs: 8 bytes, 4 with 67     d  rel32 (66 does not shorten it in 64-bit mode)
//   e  enter: imm16 + imm8           r  ModRM, register form whatever its mod (mov cr/dr)
//   x  escape or vector prefix (0f, 0f38, 0f3a, c4, c5, 62)
//   g  group decided by ModRM.reg (f6/f7 test imm, c6/c7 mov/xabort/xbegin, fe/ff, 8f/XOP)
//   s  special: 0f 78 (vmread; extrq/insertq with 66/f2 take imm8, imm8)
//   p  legacy prefix or REX (consumed before the table is read)
//   .  not an instruction in 64-bit mode
const ONE_BYTE_MAP: string =
  // 0123456789abcdef
  'mmmmbz..mmmmbz.x' + // 0_ add, or, (0f escape)
  'mmmmbz..mmmmbz..' + // 1_ adc, sbb
  'mmmmbzp.mmmmbzp.' + // 2_ and, sub, es/cs overrides
  'mmmmbzp.mmmmbzp.' + // 3_ xor, cmp, ss/ds overrides
  'pppppppppppppppp' + // 4_ REX
  '----------------' + // 5_ push/pop r64
  '..xmppppzZbi----' + // 6_ (EVEX) movsxd, fs/gs, 66, 67, push imm, imul imm, ins/outs
  'bbbbbbbbbbbbbbbb' + // 7_ jcc rel8
  'iZ.immmmmmmmmmmg' + // 8_ group 1, test, xchg, mov, lea, pop Ev/XOP
  '----------.-----' + // 9_ xchg/nop, cbw, cwd, fwait, pushf, popf, sahf, lahf
  'oooo----bz------' + // a_ mov moffs, movs, cmps, test imm, stos, lods, scas
  'bbbbbbbbvvvvvvvv' + // b_ mov r8, imm8; mov r, imm
  'iiw-xxgge-w--b.-' + // c_ shifts, ret imm16, (VEX), mov imm, enter, leave, retf, int3, int, iret
  'mmmm...-mmmmmmmm' + // d_ shifts by 1/cl, xlat, x87
  'bbbbbbbbdd.b----' + // e_ loop, jrcxz, in/out imm8, call, jmp rel32, jmp rel8, in/out dx
  'p-pp--gg------gg'; //  f_ lock, int1, rep, hlt, cmc, group 3, clc..std, group 4/5

const TWO_BYTE_MAP: string =
  // 0123456789abcdef
  'mmmm.-----.-.m-i' + // 0_ groups 6/7, lar, lsl, syscall, clts, sysret, invd, wbinvd, ud2, prefetch, femms, 3DNow!
  'mmmmmmmmmmmmmmmm' + // 1_ SSE moves, prefetch hints, nop Ev, endbr
  'rrrr....mmmmmmmm' + // 2_ mov cr/dr, SSE moves and conversions
  '------.-x.x.....' + // 3_ wrmsr, rdtsc, rdmsr, rdpmc, sysenter, sysexit, getsec, (0f38, 0f3a)
  'mmmmmmmmmmmmmmmm' + // 4_ cmovcc
  'mmmmmmmmmmmmmmmm' + // 5_ SSE arithmetic
  'mmmmmmmmmmmmmmmm' + // 6_ MMX/SSE2 unpack and pack
  'iiiimmm-sm..mmmm' + // 7_ pshuf, shift groups, pcmpeq, emms, vmread/vmwrite, movd/movq
  'dddddddddddddddd' + // 8_ jcc rel32
  'mmmmmmmmmmmmmmmm' + // 9_ setcc
  '---mimmm---mimmm' + // a_ push/pop fs, cpuid, bt, shld, VIA PadLock (a6, a7), push/pop gs, rsm, bts, shrd, group 15, imul
  'mmmmmmmmmmimmmmm' + // b_ cmpxchg, lss, btr, lfs, lgs, movzx, popcnt, ud1, group 8, btc, bsf/tzcnt, bsr/lzcnt, movsx
  'mmimiiim--------' + // c_ xadd, cmpps, movnti, pinsrw, pextrw, shufps, group 9, bswap
  'mmmmmmmmmmmmmmmm' + // d_ SSE2 integer
  'mmmmmmmmmmmmmmmm' + // e_ SSE2 integer
  'mmmmmmmmmmmmmmmm'; //  f_ SSE2 integer, ud0

for (const [name, map] of [['one-byte', ONE_BYTE_MAP], ['two-byte', TWO_BYTE_MAP]] as const) {
  if (map.length !== 256) throw new Error(`x86_64-insn: the ${name} map has ${map.length} entries, not 256`);
}

/** What follows the opcode of a VEX/EVEX/XOP-encoded instruction. */
interface VectorOperands {
  /** Bytes of immediate after ModRM/SIB/displacement. */
  imm: number;
  /** False only for VEX vzeroupper/vzeroall (0f 77). */
  modrm: boolean;
}

/** Opcodes of the VEX/EVEX 0f map that take an imm8: pshuf*, shift-by-imm groups, cmpps, pinsrw, pextrw, shufps. */
const MAP1_IMM8: ReadonlySet<number> = new Set([0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6]);

/** Decoding state carried from the prefixes to the opcode tables. */
interface Prefixes {
  /** 66: operand size 16 (unless REX.W). */
  opsize: boolean;
  /** 67: address size 32. */
  adsize: boolean;
  /** The last of f2/f3, or 0. */
  rep: number;
  /** f0 seen. */
  lock: boolean;
  /** The REX byte directly before the opcode, or 0. */
  rex: number;
  /** A REX byte was seen anywhere (an ignored one included). */
  anyRex: boolean;
}

/**
 * The length in bytes of the 64-bit-mode instruction starting at
 * `code[offset]`, or -1 when the bytes there are not an instruction (an
 * opcode undefined in 64-bit mode, a malformed vector prefix, more than 15
 * bytes) or the instruction runs past the end of `code`. Lengths are the
 * processor's where objdump differs: `9b` (fwait) is one byte on its own, a
 * REX byte before a legacy prefix is ignored but counted, and 66 does not
 * shorten rel32 in 64-bit mode (as on Intel; AMD and objdump take rel16).
 */
export function instructionLength(code: Uint8Array, offset: number): number {
  if (!Number.isInteger(offset) || offset < 0 || offset >= code.length) return -1;
  const length = decode(code, offset);
  if (length < 0 || length > MAX_INSTRUCTION_LENGTH || offset + length > code.length) return -1;
  return length;
}

/**
 * Offsets of the instructions found by a linear sweep of `code[start, end)`
 * (default: all of `code`). The sweep stops at the first offset that does not
 * decode, or whose instruction would cross `end`.
 */
export function instructionStarts(code: Uint8Array, start: number = 0, end: number = code.length): number[] {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > code.length || start > end) {
    throw new RangeError(`instructionStarts: range [${start}, ${end}) is not within the ${code.length}-byte code`);
  }
  const window = end === code.length ? code : code.subarray(0, end);
  const starts: number[] = [];
  for (let at = start; at < end; ) {
    const length = instructionLength(window, at);
    if (length < 0) break;
    starts.push(at);
    at += length;
  }
  return starts;
}

/**
 * True when the instruction at `code[offset]` is a near call: `e8 rel32` or
 * `ff /2` (call through a register or memory), whatever its prefixes
 * (notrack 3e, bnd f2, the data16/rex.W padding of TLS calls).
 */
export function isCallInstruction(code: Uint8Array, offset: number): boolean {
  if (instructionLength(code, offset) < 0) return false;
  let at = offset;
  while (isLegacyPrefix(code[at]) || isRex(code[at])) at++;
  if (code[at] === 0xe8) return true;
  return code[at] === 0xff && ((code[at + 1] >> 3) & 7) === 2;
}

function isLegacyPrefix(b: number): boolean {
  switch (b) {
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
    case 0x2e: case 0x36: case 0x3e: case 0x26: case 0x64: case 0x65:
      return true;
    default:
      return false;
  }
}

function isRex(b: number): boolean {
  return (b & 0xf0) === 0x40;
}

/** Length of the instruction at `at`, possibly longer than the code or 15 bytes (the caller checks); -1 if undecodable. */
function decode(code: Uint8Array, at: number): number {
  const start = at;
  const px: Prefixes = { opsize: false, adsize: false, rep: 0, lock: false, rex: 0, anyRex: false };
  for (;;) {
    if (at >= code.length || at - start >= MAX_INSTRUCTION_LENGTH) return -1;
    const b = code[at];
    if (isRex(b)) {
      px.rex = b;
      px.anyRex = true;
    } else if (isLegacyPrefix(b)) {
      // A REX prefix followed by a legacy prefix is ignored by the processor.
      px.rex = 0;
      if (b === 0x66) px.opsize = true;
      else if (b === 0x67) px.adsize = true;
      else if (b === 0xf2 || b === 0xf3) px.rep = b;
      else if (b === 0xf0) px.lock = true;
    } else {
      break;
    }
    at++;
  }

  const op = code[at++];
  const kind = ONE_BYTE_MAP[op];
  switch (kind) {
    case '-': return at - start;
    case 'b': return at - start + 1;
    case 'w': return at - start + 2;
    case 'e': return at - start + 3;
    case 'd': return at - start + 4;
    case 'z': return at - start + immZ(px);
    case 'v': return at - start + ((px.rex & 8) !== 0 ? 8 : px.opsize ? 2 : 4);
    case 'o': return at - start + (px.adsize ? 4 : 8);
    case 'm': return modrmEnd(code, at, start);
    case 'i': return plus(modrmEnd(code, at, start), 1);
    case 'Z': return plus(modrmEnd(code, at, start), immZ(px));
    case 'g': return group(code, op, at, start, px);
    case 'x': return escape(code, op, at, start, px);
    case '.': return -1;
    default: throw new Error(`x86_64-insn: one-byte map entry '${kind}' for ${op.toString(16)} has no decoder`);
  }
}

/** Size of a z-sized immediate: 16 bits with a 66 prefix, unless REX.W makes the operand 64-bit (imm32 sign-extended). */
function immZ(px: Prefixes): number {
  return px.opsize && (px.rex & 8) === 0 ? 2 : 4;
}

function plus(length: number, more: number): number {
  return length < 0 ? -1 : length + more;
}

/**
 * Length up to the end of the ModRM byte at `at` and its SIB and
 * displacement, counted from `start`. In 64-bit mode the 67 prefix selects
 * 32-bit addressing, whose ModRM/SIB form is the same as 64-bit's.
 */
function modrmEnd(code: Uint8Array, at: number, start: number): number {
  if (at >= code.length) return -1;
  const modrm = code[at++];
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3) return at - start;
  if (rm === 4) {
    if (at >= code.length) return -1;
    const sib = code[at++];
    // SIB base 101 with mod 00: no base register, disp32.
    if (mod === 0 && (sib & 7) === 5) return at - start + 4;
  } else if (mod === 0 && rm === 5) {
    return at - start + 4; // RIP-relative disp32
  }
  return at - start + (mod === 1 ? 1 : mod === 2 ? 4 : 0);
}

/** The one-byte opcodes whose operands depend on ModRM.reg. */
function group(code: Uint8Array, op: number, at: number, start: number, px: Prefixes): number {
  if (at >= code.length) return -1;
  const modrm = code[at];
  const reg = (modrm >> 3) & 7;
  switch (op) {
    case 0x8f: // pop Ev is /0; other reg values make it the XOP prefix (AMD)
      return reg === 0 ? modrmEnd(code, at, start) : vector(code, op, at, start, px);
    case 0xc6: // mov Eb, imm8 (/0); xabort imm8 (c6 f8)
      return reg === 0 || modrm === 0xf8 ? plus(modrmEnd(code, at, start), 1) : -1;
    case 0xc7: // mov Ev, imm32 (/0); xbegin rel32 (c7 f8)
      return reg === 0 || modrm === 0xf8 ? plus(modrmEnd(code, at, start), immZ(px)) : -1;
    case 0xf6: // test Eb, imm8 is /0 and /1; not, neg, mul, imul, div, idiv have no immediate
      return plus(modrmEnd(code, at, start), reg <= 1 ? 1 : 0);
    case 0xf7:
      return plus(modrmEnd(code, at, start), reg <= 1 ? immZ(px) : 0);
    case 0xfe: // inc/dec Eb
      return reg <= 1 ? modrmEnd(code, at, start) : -1;
    case 0xff: // inc, dec, call, callf, jmp, jmpf, push Ev; /7 is undefined
      return reg <= 6 ? modrmEnd(code, at, start) : -1;
    default:
      throw new Error(`x86_64-insn: opcode ${op.toString(16)} is not a group`);
  }
}

/** The 0f escape and the VEX (c4, c5) and EVEX (62) prefixes. */
function escape(code: Uint8Array, op: number, at: number, start: number, px: Prefixes): number {
  if (op !== 0x0f) return vector(code, op, at, start, px);
  if (at >= code.length) return -1;
  const op2 = code[at++];
  const kind = TWO_BYTE_MAP[op2];
  switch (kind) {
    case '-': return at - start;
    case 'd': return at - start + 4;
    case 'm': return modrmEnd(code, at, start);
    case 'i': return plus(modrmEnd(code, at, start), 1);
    case 'r': return at < code.length ? at - start + 1 : -1;
    case 's': // 0f 78: vmread Ey, Gy; 66 0f 78 /0 ib ib extrq; f2 0f 78 ib ib insertq
      return plus(modrmEnd(code, at, start), px.rep === 0xf2 || (px.rep === 0 && px.opsize) ? 2 : 0);
    case 'x': {
      // 0f 38 and 0f 3a: every opcode takes ModRM; every 0f 3a opcode also takes an imm8.
      if (at >= code.length) return -1;
      at++; // the third opcode byte
      return plus(modrmEnd(code, at, start), op2 === 0x3a ? 1 : 0);
    }
    case '.': return -1;
    default: throw new Error(`x86_64-insn: two-byte map entry '${kind}' for 0f ${op2.toString(16)} has no decoder`);
  }
}

/**
 * VEX (c5: 1 payload byte, map 0f; c4: 2 payload bytes), XOP (8f: 2 payload
 * bytes, maps 8-10) and EVEX (62: 3 payload bytes), then the opcode. Map
 * select: 1 = 0f, 2 = 0f38, 3 = 0f3a (imm8); EVEX 5 and 6 are the
 * AVX512-FP16 maps. A 66, f2, f3, f0 or REX prefix before any of them is #UD.
 */
function vector(code: Uint8Array, op: number, at: number, start: number, px: Prefixes): number {
  if (px.opsize || px.rep !== 0 || px.lock || px.anyRex) return -1;
  const payload = op === 0xc5 ? 1 : op === 0x62 ? 3 : 2;
  if (at + payload >= code.length) return -1; // payload and opcode
  const p0 = code[at];
  let operands: VectorOperands | null;
  if (op === 0xc5) {
    operands = vexOperands(1, code[at + 1]);
  } else if (op === 0xc4) {
    operands = vexOperands(p0 & 0x1f, code[at + 2]);
  } else if (op === 0x8f) {
    operands = xopOperands(p0 & 0x1f);
  } else {
    // EVEX: P0 bit 3 and P1 bit 2 are fixed (0 and 1) before APX.
    if ((p0 & 0x08) !== 0 || (code[at + 1] & 0x04) === 0) return -1;
    operands = evexOperands(p0 & 0x07, code[at + 3]);
  }
  if (operands === null) return -1;
  at += payload + 1;
  if (!operands.modrm) return at - start;
  return plus(modrmEnd(code, at, start), operands.imm);
}

function vexOperands(map: number, opcode: number): VectorOperands | null {
  switch (map) {
    case 1: return opcode === 0x77 ? { imm: 0, modrm: false } : { imm: MAP1_IMM8.has(opcode) ? 1 : 0, modrm: true };
    case 2: return { imm: 0, modrm: true };
    case 3: return { imm: 1, modrm: true };
    default: return null;
  }
}

function evexOperands(map: number, opcode: number): VectorOperands | null {
  switch (map) {
    case 1: return { imm: MAP1_IMM8.has(opcode) ? 1 : 0, modrm: true };
    case 2: case 5: case 6: return { imm: 0, modrm: true };
    case 3: return { imm: 1, modrm: true };
    default: return null; // map 4 (APX) and 7 are not decoded
  }
}

function xopOperands(map: number): VectorOperands | null {
  switch (map) {
    case 8: return { imm: 1, modrm: true }; // vpcmov, vpperm, vprot*i, vpcom*, ...
    case 9: return { imm: 0, modrm: true };
    case 10: return { imm: 4, modrm: true }; // bextr, lwpins/lwpval: imm32
    default: return null;
  }
}
