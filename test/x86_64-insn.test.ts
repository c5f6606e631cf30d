// The x86-64 length decoder, specified one encoding rule at a time (bytes =>
// length, with the rule in the test name), then checked differentially:
// every instruction start of our linear sweep must be an instruction start in
// `objdump -d -z --no-show-raw-insn -w`, and the other way round, for C built
// by gcc and clang-19 at -O0..-O3 with -march=native, AVX2, AVX-512 and
// AVX512-FP16 code generation, for a hand-written assembly file of tricky
// encodings, and for the real-world sqlite/lua objects when they are built.
// Objdump restarts its sweep at every symbol, so we sweep the same ranges.
//
// Known, deliberate differences from objdump (specified below, never in the
// differential inputs): `9b` (fwait) is its own 1-byte instruction where
// objdump folds it into a following x87 opcode (`fstcw` = 9b d9 /7); a REX
// byte followed by a legacy prefix is ignored and stays part of the
// instruction, where objdump prints it as a lone `rex`; `66 e8/e9/0f 8x`
// keep their rel32 (Intel) where objdump's default decodes AMD's rel16; 14
// prefixes and a 1-byte opcode are one 15-byte instruction, where objdump
// gives up after 13 prefixes.
//
// Run: npx tsc -p . && node --test dist/test/x86_64-insn.test.js

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { instructionLength, instructionStarts, isCallInstruction, MAX_INSTRUCTION_LENGTH } from '../src/arch/x86_64-insn.js';
import { SHF_EXECINSTR, SHT_PROGBITS } from '../src/elf/elf.js';
import { ElfObject } from '../src/elf/object.js';
import { haveCommand, repoRoot, runCommandAsync, tmpDir } from './helpers.js';

/** Bytes from a hex string with optional spaces: '48 b8 ...'. */
function bytes(hexText: string): Uint8Array {
  const clean = hexText.replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(clean)) throw new Error(`bad hex in test: '${hexText}'`);
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

function hexOf(code: Uint8Array, from: number, to: number): string {
  return Array.from(code.subarray(Math.max(0, from), Math.min(code.length, to)), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

// ---- instructionLength(): one encoding rule per line ------------------------------------
//
// [what it is, its bytes, its length]. The expected lengths agree with
// `objdump -b binary -m i386:x86-64` except where a comment says otherwise.

const LENGTHS: ReadonlyArray<readonly [string, string, number]> = [
  // one-byte opcodes without operands
  ['ret', 'c3', 1],
  ['nop', '90', 1],
  ['int3', 'cc', 1],
  ['push %rbp', '55', 1],
  ['push %r15 (REX.B)', '41 57', 2],
  ['leave', 'c9', 1],
  ['hlt', 'f4', 1],
  ['int1 (icebp)', 'f1', 1],
  ['cltq (REX.W cwde)', '48 98', 2],
  ['xchg %eax,%ebx (short form)', '93', 1],
  ['xchg %rax,%r8 (REX.B 90 is not nop)', '49 90', 2],
  ['pause (f3 90)', 'f3 90', 2],
  ['rep movsb', 'f3 a4', 2],
  ['rep stos %rax', 'f3 48 ab', 3],
  ['fwait is an instruction of its own (objdump folds it into a following x87 opcode)', '9b', 1],
  ['in (%dx),%al', 'ec', 1],
  // immediates: imm8, imm16/32 (z), imm16/32/64 (v)
  ['add $imm8,%al', '04 7f', 2],
  ['add $imm32,%eax', '05 78 56 34 12', 5],
  ['66: add $imm16,%ax', '66 05 34 12', 4],
  ['REX.W: add $imm32,%rax (sign-extended)', '48 05 78 56 34 12', 6],
  ['REX.W wins over 66 for imm size', '66 48 05 78 56 34 12', 7],
  ['mov $imm32,%eax', 'b8 78 56 34 12', 5],
  ['66: mov $imm16,%ax', '66 b8 34 12', 4],
  ['REX.W: movabs $imm64,%rax', '48 b8 88 77 66 55 44 33 22 11', 10],
  ['REX.W wins over 66 for mov imm64', '66 48 b8 88 77 66 55 44 33 22 11', 11],
  ['REX.B: mov $imm32,%r8d', '41 b8 78 56 34 12', 6],
  ['mov $imm8,%r8b', '41 b0 12', 3],
  ['push $imm32', '68 78 56 34 12', 5],
  ['66: push $imm16', '66 68 34 12', 4],
  ['push $imm8', '6a 01', 2],
  ['imul $imm32,%eax,%eax', '69 c0 78 56 34 12', 6],
  ['66: imul $imm16,%ax,%bx', '66 69 d8 34 12', 5],
  ['imul $imm8,%eax,%eax', '6b c0 01', 3],
  ['group 1: addl $imm32,(%rax)', '81 00 78 56 34 12', 6],
  ['group 1: addw $imm16,(%rax)', '66 81 00 34 12', 5],
  ['group 1: addl $imm8,(%rax)', '83 00 01', 3],
  ['test $imm8,%al', 'a8 01', 2],
  ['66: test $imm16,%ax', '66 a9 34 12', 4],
  ['in $imm8,%al', 'e4 80', 2],
  ['int $0x80', 'cd 80', 2],
  ['shl $3,%eax', 'c1 e0 03', 3],
  ['ret $imm16', 'c2 08 00', 3],
  ['lret $imm16', 'ca 10 00', 3],
  ['enter $imm16,$imm8', 'c8 10 00 00', 4],
  ['66: enter still takes imm16 + imm8', '66 c8 10 00 00', 5],
  // moffs (a0-a3): 8 bytes of address in 64-bit mode, 4 with 67
  ['movabs 0x1122334455667788,%al', 'a0 88 77 66 55 44 33 22 11', 9],
  ['movabs %rax,moffs64', '48 a3 88 77 66 55 44 33 22 11', 10],
  ['66 does not change moffs size', '66 a1 88 77 66 55 44 33 22 11', 10],
  ['67: moffs32', '67 a1 44 33 22 11', 6],
  ['fs: movabs moffs64,%eax', '64 a1 88 77 66 55 44 33 22 11', 10],
  // relative branches
  ['call rel32', 'e8 00 00 00 00', 5],
  ['jmp rel32', 'e9 00 00 00 00', 5],
  ['jmp rel8', 'eb fe', 2],
  ['je rel8', '74 00', 2],
  ['jrcxz rel8', 'e3 00', 2],
  ['loop rel8', 'e2 fe', 2],
  ['je rel32', '0f 84 00 00 00 00', 6],
  ['66 keeps rel32 on call in 64-bit mode (Intel; objdump default decodes AMD rel16)', '66 e8 00 00 00 00', 6],
  ['66 keeps rel32 on jcc in 64-bit mode', '66 0f 85 00 00 00 00', 7],
  ['TLS call padding: data16 data16 rex.W call', '66 66 48 e8 00 00 00 00', 8],
  ['bnd call', 'f2 e8 00 00 00 00', 6],
  ['xbegin rel32 (c7 f8)', 'c7 f8 00 00 00 00', 6],
  ['xabort $imm8 (c6 f8)', 'c6 f8 01', 3],
  // groups decided by ModRM.reg
  ['test $imm8,%cl (f6 /0)', 'f6 c1 01', 3],
  ['test $imm8,%cl (f6 /1, the undocumented alias)', 'f6 c9 01', 3],
  ['test $imm32,%ecx (f7 /1, the undocumented alias)', 'f7 c9 78 56 34 12', 6],
  ['not %cl (f6 /2) has no immediate', 'f6 d1', 2],
  ['test $imm32,%ecx (f7 /0)', 'f7 c1 78 56 34 12', 6],
  ['66: test $imm16,%cx', '66 f7 c1 34 12', 5],
  ['test $imm32,0x10(%rsp)', 'f7 44 24 10 78 56 34 12', 8],
  ['neg %eax (f7 /3) has no immediate', 'f7 d8', 2],
  ['idivq 0x1000(%rsp)', '48 f7 bc 24 00 10 00 00', 8],
  ['movb $imm8,(%rax)', 'c6 00 01', 3],
  ['movl $imm32,(%rax)', 'c7 00 78 56 34 12', 6],
  ['66: movw $imm16,(%rax)', '66 c7 00 34 12', 5],
  ['REX.W: movq $imm32,%rax', '48 c7 c0 ff ff ff ff', 7],
  ['movl $imm32,disp32(%rip): displacement then immediate', 'c7 05 00 00 00 00 78 56 34 12', 10],
  ['movw $imm16,disp32(%rip)', '66 c7 05 00 00 00 00 34 12', 9],
  ['call *%rax (ff /2)', 'ff d0', 2],
  ['jmp *disp32(%rip) (ff /4)', 'ff 25 00 00 00 00', 6],
  ['push (%rax) (ff /6)', 'ff 30', 2],
  ['inc %al (fe /0)', 'fe c0', 2],
  ['pop (%rax) (8f /0)', '8f 00', 2],
  // ModRM, SIB, displacements
  ['mov (%rax),%eax', '8b 00', 2],
  ['mov %eax,%eax (mod 11)', '8b c0', 2],
  ['mov 8(%rax),%eax (disp8)', '8b 40 08', 3],
  ['mov 0x12345678(%rax),%eax (disp32)', '8b 80 78 56 34 12', 6],
  ['mov (%rsp),%eax (SIB)', '8b 04 24', 3],
  ['mov 8(%rsp),%eax (SIB disp8)', '8b 44 24 08', 4],
  ['mov disp32(%rsp),%eax (SIB disp32)', '8b 84 24 78 56 34 12', 7],
  ['mov disp32,%eax (SIB, no base: disp32)', '8b 04 25 78 56 34 12', 7],
  ['mov disp32(,%rax,8),%eax (SIB, index, no base)', '8b 04 c5 78 56 34 12', 7],
  ['mov disp8(%rbp,%rax,1),%eax (SIB base rbp needs mod 01)', '8b 44 05 00', 4],
  ['mov disp32(%rip),%eax (mod 00 rm 101)', '8b 05 78 56 34 12', 6],
  ['mov (%rbp),%eax is disp8 0', '8b 45 00', 3],
  ['mov (%r13),%eax is disp8 0 too (REX.B does not change the ModRM form)', '41 8b 45 00', 4],
  ['mov disp32(%r12),%eax needs a SIB like rsp', '41 8b 84 24 78 56 34 12', 8],
  ['67: mov disp32(%eip),%eax', '67 8b 05 78 56 34 12', 7],
  ['67: lea (%eax),%ecx', '67 8d 08', 3],
  ['lock cmpxchg %rcx,(%rdx)', 'f0 48 0f b1 0a', 5],
  ['lock xadd %ax,%fs:(%r8): four prefixes', '64 66 f0 41 0f c1 00', 7],
  ['x87: fld1', 'd9 e8', 2],
  ['x87: fldt 0x10(%rsp)', 'db 6c 24 10', 4],
  ['x87: fnstcw (%rax)', 'd9 38', 2],
  ['x87: fistpll disp32(%rip)', 'df 3d 00 00 00 00', 6],
  // prefixes
  ['segment overrides, 66 and nop', '2e 3e 64 65 26 36 66 90', 8],
  ['a REX byte followed by a legacy prefix is ignored but belongs to the instruction (objdump splits it off)', '48 66 90', 3],
  ['14 prefixes and an opcode: 15 bytes (objdump gives up on 14 prefixes)', '66 66 66 66 66 66 66 66 66 66 66 66 66 66 90', 15],
  ['gcc padding: data16 cs nopw 0x0(%rax,%rax,1)', '66 66 2e 0f 1f 84 00 00 00 00 00', 11],
  // 0f map
  ['endbr64', 'f3 0f 1e fa', 4],
  ['nopl (%rax)', '0f 1f 00', 3],
  ['nopl 0x0(%rax,%rax,1)', '0f 1f 44 00 00', 5],
  ['nopw 0x0(%rax,%rax,1)', '66 0f 1f 84 00 00 00 00 00', 9],
  ['ud2', '0f 0b', 2],
  ['ud1 (%rax),%eax', '0f b9 00', 3],
  ['ud0 (%rax),%eax', '0f ff 00', 3],
  ['syscall', '0f 05', 2],
  ['cpuid', '0f a2', 2],
  ['rdtsc', '0f 31', 2],
  ['rdtscp (0f 01 f9)', '0f 01 f9', 3],
  ['xgetbv (0f 01 d0)', '0f 01 d0', 3],
  ['lfence (0f ae e8)', '0f ae e8', 3],
  ['rdrand %eax (0f c7 /6)', '0f c7 f0', 3],
  ['cmpxchg16b (%rdi)', 'f0 48 0f c7 0f', 5],
  ['bswap %r12', '49 0f cc', 3],
  ['movbe (%rdi),%eax', '0f 38 f0 07', 4],
  ['movbe %r8w,2(%rsi)', '66 44 0f 38 f1 46 02', 7],
  ['crc32q (%rdi),%rax', 'f2 48 0f 38 f1 07', 6],
  ['popcnt %rdi,%rax', 'f3 48 0f b8 c7', 5],
  ['lzcnt %edi,%eax', 'f3 0f bd c7', 4],
  ['tzcnt disp32(%rip),%r9', 'f3 4c 0f bc 0d 00 10 00 00', 9],
  ['cmovne %eax,%ebx', '0f 45 d8', 3],
  ['setne %al', '0f 95 c0', 3],
  ['movzbl %al,%eax', '0f b6 c0', 3],
  ['bt $5,%eax (0f ba /4 ib)', '0f ba e0 05', 4],
  ['shld $3,%eax,%ebx', '0f a4 c3 03', 4],
  ['shld %cl,%eax,%ebx', '0f a5 c3', 3],
  ['mov %cr0,%rax', '0f 20 c0', 3],
  ['mov to/from cr ignores mod: no displacement follows', '0f 20 40', 3],
  ['movaps %xmm0,%xmm1', '0f 28 c8', 3],
  ['cmpps $1,%xmm1,%xmm0', '0f c2 c1 01', 4],
  ['pshufd $0x1b,%xmm0,%xmm1', '66 0f 70 c8 1b', 5],
  ['psrldq $4,%xmm0 (0f 73 /3 ib)', '66 0f 73 d8 04', 5],
  ['pextrw $1,%xmm0,%eax', '66 0f c5 c0 01', 5],
  ['shufps $0x44,%xmm1,%xmm0', '0f c6 c1 44', 4],
  ['emms', '0f 77', 2],
  ['0f 38: pshufb %xmm1,%xmm0', '66 0f 38 00 c1', 5],
  ['0f 38: sha256rnds2', '0f 38 cb d1', 4],
  ['0f 3a always has imm8: palignr $3,%xmm1,%xmm0', '66 0f 3a 0f c1 03', 6],
  ['0f 3a: roundps $9,(%rax),%xmm2', '66 0f 3a 08 10 09', 6],
  ['0f 3a: pextrq $1,%xmm0,%rax', '66 48 0f 3a 16 c0 01', 7],
  ['SSE4a: extrq $4,$8,%xmm0 (66 0f 78 /0 ib ib)', '66 0f 78 c0 08 04', 6],
  ['SSE4a: insertq $4,$8,%xmm1,%xmm0 (f2 0f 78 ib ib)', 'f2 0f 78 c1 08 04', 6],
  ['SSE4a: extrq %xmm1,%xmm0 (66 0f 79)', '66 0f 79 c1', 4],
  ['vmread %rax,%rbx (0f 78 without prefix)', '0f 78 c3', 3],
  ['3DNow! pfadd %mm1,%mm0 (opcode after ModRM)', '0f 0f c1 9e', 4],
  ['VIA PadLock: rep xcrypt-ecb (0f a7 /1)', 'f3 0f a7 c8', 4],
  ['VIA PadLock: rep xsha256 (0f a6 /2)', 'f3 0f a6 d0', 4],
  // VEX
  ['vzeroupper (VEX 0f 77 has no ModRM)', 'c5 f8 77', 3],
  ['vzeroall', 'c5 fc 77', 3],
  ['vaddps %ymm1,%ymm2,%ymm3 (2-byte VEX)', 'c5 ec 58 d9', 4],
  ['vaddps %ymm9,%ymm10,%ymm11 (3-byte VEX, map 0f)', 'c4 41 2c 58 d9', 5],
  ['vmovdqu disp32(%rip),%ymm0', 'c5 fe 6f 05 78 56 34 12', 8],
  ['vpshufd $1,%ymm0,%ymm1 (VEX 0f 70 ib)', 'c5 fd 70 c8 01', 5],
  ['vpsrld $3,%ymm1,%ymm2 (VEX 0f 72 /2 ib)', 'c5 ed 72 d1 03', 5],
  ['vcmpps $1,%ymm1,%ymm2,%ymm3 (VEX 0f c2 ib)', 'c5 ec c2 d9 01', 5],
  ['vpbroadcastb %xmm0,%ymm1 (VEX map 0f38)', 'c4 e2 7d 78 c8', 5],
  ['vgatherdps %ymm2,(%rax,%ymm1,4),%ymm0 (VSIB)', 'c4 e2 6d 92 04 88', 6],
  ['vpermq $0x4e,%ymm1,%ymm2 (VEX map 0f3a: imm8)', 'c4 e3 fd 00 d1 4e', 6],
  ['vpblendvb %ymm4,%ymm1,%ymm2,%ymm3 (register in imm8)', 'c4 e3 6d 4c d9 40', 6],
  ['rorx $5,%rax,%rbx', 'c4 e3 fb f0 d8 05', 6],
  ['kmovw %k1,%eax (VEX map 0f)', 'c5 f8 93 c1', 4],
  ['segment prefix before VEX', '64 c5 f8 10 00', 5],
  // EVEX
  ['vaddps %zmm1,%zmm2,%zmm3', '62 f1 6c 48 58 d9', 6],
  ['vmovups 0x40(%rax),%zmm0: disp8*N is still one byte', '62 f1 7c 48 10 40 01', 7],
  ['vmovups 0x44(%rax),%zmm0: disp32', '62 f1 7c 48 10 80 44 00 00 00', 10],
  ['vpshufd $1,%zmm0,%zmm1 (EVEX 0f 70 ib)', '62 f1 7d 48 70 c8 01', 7],
  ['vcmpps $1,%zmm1,%zmm2,%k1 (EVEX 0f c2 ib)', '62 f1 6c 48 c2 c9 01', 7],
  ['vpternlogd $0x96,%zmm1,%zmm2,%zmm3 (EVEX map 0f3a)', '62 f3 6d 48 25 d9 96', 7],
  ['vpermt2d %zmm1,%zmm2,%zmm3 (EVEX map 0f38)', '62 f2 6d 48 7e d9', 6],
  ['vgatherdps (%rax,%zmm1,4),%zmm0{%k1}', '62 f2 7d 49 92 04 88', 7],
  ['vaddph %zmm1,%zmm2,%zmm3 (EVEX map 5)', '62 f5 6c 48 58 d9', 6],
  ['vfmadd132ph %zmm1,%zmm2,%zmm3 (EVEX map 6)', '62 f6 6d 48 98 d9', 6],
  // XOP (AMD)
  ['vprotd $3,%xmm1,%xmm2 (XOP map 8: imm8)', '8f e8 78 c2 d1 03', 6],
  ['vprotq %xmm1,%xmm2,%xmm3 (XOP map 9)', '8f e9 f0 93 da', 5],
  ['bextr $0x1234,%eax,%ebx (XOP map 10: imm32)', '8f ea 78 10 d8 34 12 00 00', 9],
];

describe('instructionLength()', () => {
  for (const [what, hexText, length] of LENGTHS) {
    test(`${what}: ${hexText} => ${length}`, () => {
      assert.equal(instructionLength(bytes(hexText), 0), length);
    });
  }

  test('decodes at an offset inside the code', () => {
    const code = bytes('90 48 b8 88 77 66 55 44 33 22 11 c3');
    assert.deepEqual([instructionLength(code, 0), instructionLength(code, 1), instructionLength(code, 11)], [1, 10, 1]);
  });
});

// [what is wrong, the bytes]: each is -1.
const NOT_INSTRUCTIONS: ReadonlyArray<readonly [string, string]> = [
  // truncated
  ['call rel32 cut short', 'e8 00 00'],
  ['a lone REX prefix', '48'],
  ['a lone 66 prefix', '66'],
  ['a lone 0f escape', '0f'],
  ['0f 38 without its opcode', '0f 38'],
  ['0f 3a without its imm8', '66 0f 3a 0f c1'],
  ['ModRM missing', '8b'],
  ['SIB missing', '8b 04'],
  ['disp32 cut short', '8b 80 00 00'],
  ['imm64 cut short', '48 b8 88 77 66 55 44 33 22'],
  ['moffs cut short', 'a1 88 77 66 55'],
  ['enter without its imm8', 'c8 10 00'],
  ['VEX prefix cut short', 'c4 e2'],
  ['VEX without ModRM', 'c5 f8 58'],
  ['EVEX prefix cut short', '62 f1 74'],
  ['EVEX without its imm8', '62 f1 7d 48 70 c8'],
  // undefined in 64-bit mode
  ['push %es (06)', '06'],
  ['daa (27)', '27'],
  ['pusha (60)', '60'],
  ['82 (alias of 80)', '82 c0 01'],
  ['far call (9a)', '9a 00 00 00 00 00 00'],
  ['into (ce)', 'ce'],
  ['aam (d4)', 'd4 0a'],
  ['salc (d6)', 'd6'],
  ['far jmp (ea)', 'ea 00 00 00 00 00 00'],
  ['0f 04', '0f 04'],
  ['0f 0a', '0f 0a'],
  ['0f 24 (mov from test register)', '0f 24 c0'],
  ['0f 39', '0f 39'],
  ['0f 7a', '0f 7a'],
  // undefined ModRM.reg in a group
  ['fe /2', 'fe d0'],
  ['ff /7', 'ff f8'],
  ['c6 /1', 'c6 c8 01'],
  ['c7 /1', 'c7 c8 00 00 00 00'],
  // malformed vector prefixes
  ['66 before VEX', '66 c5 f8 77'],
  ['f3 before VEX', 'f3 c5 f8 77'],
  ['lock before VEX', 'f0 c4 e2 7d 78 c8'],
  ['REX before VEX', '48 c5 f8 77'],
  ['REX before EVEX', '48 62 f1 6c 48 58 d9'],
  ['VEX map 0', 'c4 e0 7d 78 c8'],
  ['VEX map 4', 'c4 e4 7d 78 c8'],
  ['EVEX map 4 (APX, not decoded)', '62 f4 6c 48 58 d9'],
  ['EVEX with P0 bit 3 set', '62 f9 6c 48 58 d9'],
  ['EVEX with P1 bit 2 clear', '62 f1 68 48 58 d9'],
  ['XOP map 11', '8f eb 78 10 d8'],
  // too long
  ['15 prefixes and an opcode: 16 bytes', '66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90'],
  ['14 prefixes and a 2-byte instruction: 16 bytes', '66 66 66 66 66 66 66 66 66 66 66 66 66 66 8b c0'],
];

describe('instructionLength() returns -1', () => {
  for (const [what, hexText] of NOT_INSTRUCTIONS) {
    test(`for ${what}: ${hexText}`, () => {
      assert.equal(instructionLength(bytes(hexText), 0), -1);
    });
  }

  test('for an offset outside the code', () => {
    const code = bytes('90 90');
    assert.deepEqual([instructionLength(code, 2), instructionLength(code, -1), instructionLength(code, 0.5)], [-1, -1, -1]);
  });

  test('for every proper prefix of a valid instruction', () => {
    for (const [what, hexText, length] of LENGTHS) {
      const code = bytes(hexText);
      for (let cut = 1; cut < length; cut++) {
        assert.equal(instructionLength(code.subarray(0, cut), 0), -1, `${what} cut to ${cut} bytes`);
      }
    }
  });

  test('never for more than 15 bytes', () => {
    assert.equal(MAX_INSTRUCTION_LENGTH, 15);
    for (const [, hexText] of LENGTHS) assert.ok(instructionLength(bytes(hexText), 0) <= 15);
  });
});

describe('instructionStarts()', () => {
  test('sweeps from the start: nop; movabs $imm64,%rax; ret => [0, 1, 11]', () => {
    assert.deepEqual(instructionStarts(bytes('90 48 b8 88 77 66 55 44 33 22 11 c3')), [0, 1, 11]);
  });

  test('a mid-instruction offset is not an instruction start', () => {
    const code = bytes('55 48 89 e5 c7 45 fc 78 56 34 12 e8 00 00 00 00 c9 c3');
    const starts = instructionStarts(code);
    assert.deepEqual(starts, [0, 1, 4, 11, 16, 17]);
    for (const inside of [2, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15]) assert.ok(!starts.includes(inside), `offset ${inside}`);
  });

  test('stops at the first undecodable byte: nop; push %es; nop => [0]', () => {
    assert.deepEqual(instructionStarts(bytes('90 06 90')), [0]);
  });

  test('honours start and end; an instruction crossing end is not included', () => {
    const code = bytes('90 90 e8 00 00 00 00 90');
    assert.deepEqual(instructionStarts(code, 1), [1, 2, 7]);
    assert.deepEqual(instructionStarts(code, 0, 4), [0, 1]);
    assert.deepEqual(instructionStarts(code, 2, 7), [2]);
    assert.deepEqual(instructionStarts(code, 8), []);
  });

  test('rejects a range outside the code', () => {
    const code = bytes('90 90');
    assert.throws(() => instructionStarts(code, 0, 3), RangeError);
    assert.throws(() => instructionStarts(code, 2, 1), RangeError);
    assert.throws(() => instructionStarts(code, -1), RangeError);
  });
});

// [what it is, its bytes, is it a call].
const CALLS: ReadonlyArray<readonly [string, string, boolean]> = [
  ['call rel32', 'e8 00 00 00 00', true],
  ['call *%rax', 'ff d0', true],
  ['call *(%rax)', 'ff 10', true],
  ['call *disp32(%rip)', 'ff 15 00 00 00 00', true],
  ['call *%r11 (REX.B)', '41 ff d3', true],
  ['call *0x10(%rax,%rbx,8) (SIB)', 'ff 54 d8 10', true],
  ['notrack call *%rax', '3e ff d0', true],
  ['bnd call rel32', 'f2 e8 00 00 00 00', true],
  ['data16 data16 rex.W call (TLS)', '66 66 48 e8 00 00 00 00', true],
  ['jmp rel32', 'e9 00 00 00 00', false],
  ['jmp *%rax (ff /4)', 'ff e0', false],
  ['jmp *disp32(%rip)', 'ff 25 00 00 00 00', false],
  ['inc (%rax) (ff /0)', 'ff 00', false],
  ['lcall *(%rax) (ff /3)', 'ff 18', false],
  ['push (%rax) (ff /6)', 'ff 30', false],
  ['ret', 'c3', false],
  ['syscall', '0f 05', false],
  ['a mov whose ModRM byte is d0', '89 d0', false],
  ['truncated call rel32', 'e8 00 00', false],
  ['far call (invalid in 64-bit mode)', '9a 00 00 00 00 00 00', false],
];

describe('isCallInstruction()', () => {
  for (const [what, hexText, isCall] of CALLS) {
    test(`${what}: ${hexText} => ${isCall}`, () => {
      assert.equal(isCallInstruction(bytes(hexText), 0), isCall);
    });
  }

  test('looks at the instruction at the offset', () => {
    const code = bytes('90 e8 00 00 00 00 c3');
    assert.deepEqual([isCallInstruction(code, 0), isCallInstruction(code, 1), isCallInstruction(code, 6)], [false, true, false]);
  });
});

// ---- differential: our sweep against objdump ---------------------------------------------

interface ObjdumpSection {
  name: string;
  /** Offsets where objdump restarts its sweep (symbols), ascending; always includes 0. */
  syncs: number[];
  /** Instruction starts, ascending, and objdump's text for each. */
  starts: number[];
  texts: string[];
}

/** Splits `objdump -d -z --no-show-raw-insn -w` output into sections, symbols and instruction starts. */
function parseObjdump(out: string): ObjdumpSection[] {
  const sections: ObjdumpSection[] = [];
  let current: ObjdumpSection | undefined;
  for (const line of out.split('\n')) {
    let m = /^Disassembly of section (.*):$/.exec(line);
    if (m) {
      current = { name: m[1]!, syncs: [0], starts: [], texts: [] };
      sections.push(current);
      continue;
    }
    if (!current) continue;
    m = /^([0-9a-f]+) <.*>:$/.exec(line);
    if (m) {
      const at = parseInt(m[1]!, 16);
      if (at !== current.syncs[current.syncs.length - 1]) current.syncs.push(at);
      continue;
    }
    m = /^ *([0-9a-f]+):\t(.*)$/.exec(line);
    if (m) {
      current.starts.push(parseInt(m[1]!, 16));
      current.texts.push(m[2]!);
    }
  }
  return sections;
}

interface Tally {
  objects: number;
  sections: number;
  instructions: number;
  /** Sweeps (one per objdump symbol range) that disagree; the first MAX_REPORTED are described in `mismatches`. */
  mismatchCount: number;
  mismatches: string[];
}

function newTally(): Tally {
  return { objects: 0, sections: 0, instructions: 0, mismatchCount: 0, mismatches: [] };
}

const MAX_REPORTED = 20;

/** Compares our sweep with objdump's for every code section of one object, adding to `tally`. */
async function compareWithObjdump(file: string, tally: Tally): Promise<void> {
  const r = await runCommandAsync('objdump', ['-d', '-z', '--no-show-raw-insn', '-w', file]);
  assert.equal(r.status, 0, `objdump ${file}: ${r.stderr}`);
  const dumped = parseObjdump(r.stdout);
  const elf = new ElfObject(new Uint8Array(readFileSync(file)), file);
  const code = elf.sections.filter((s) => s.sh_type === SHT_PROGBITS && (s.sh_flags & SHF_EXECINSTR) !== 0 && s.sh_size > 0);
  assert.deepEqual(dumped.map((d) => d.name), code.map((s) => s.name), `${file}: objdump's code sections`);
  tally.objects++;
  for (let i = 0; i < code.length; i++) {
    const bytesOf = elf.contents(code[i]!);
    const d = dumped[i]!;
    tally.sections++;
    const report = (what: string): void => {
      tally.mismatchCount++;
      if (tally.mismatches.length < MAX_REPORTED) tally.mismatches.push(`${file} ${d.name}: ${what}`);
      else if (tally.mismatches.length === MAX_REPORTED) tally.mismatches.push('... (more mismatches not shown)');
    };
    let k = 0; // index into objdump's starts
    for (let s = 0; s < d.syncs.length; s++) {
      const from = d.syncs[s]!;
      const to = s + 1 < d.syncs.length ? d.syncs[s + 1]! : bytesOf.length;
      const ours = instructionStarts(bytesOf, from, to);
      const theirs: number[] = [];
      const texts: string[] = [];
      while (k < d.starts.length && d.starts[k]! < to) {
        theirs.push(d.starts[k]!);
        texts.push(d.texts[k]!);
        k++;
      }
      tally.instructions += theirs.length;
      let j = 0;
      while (j < ours.length && j < theirs.length && ours[j] === theirs[j]) j++;
      if (j === ours.length && j === theirs.length) continue;
      const at = j < theirs.length ? theirs[j]! : ours[j]!;
      const prev = j > 0 ? theirs[j - 1]! : from;
      report(
        `at ${hex(at)} (sweep from ${hex(from)}): we say ${j < ours.length ? hex(ours[j]!) : 'end of sweep'}, ` +
          `objdump says ${j < theirs.length ? `${hex(theirs[j]!)} '${texts[j]}'` : 'no more instructions'}; ` +
          `bytes from the previous instruction '${j > 0 ? texts[j - 1] : ''}': [${hexOf(bytesOf, prev, prev + 16)}]`,
      );
    }
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

/** Runs `jobs` with at most `limit` at a time. */
async function pool<T>(jobs: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

function assertNoMismatch(t: { diagnostic(message: string): void }, tally: Tally): void {
  t.diagnostic(`${tally.objects} objects, ${tally.sections} code sections, ${tally.instructions} instructions compared, ${tally.mismatchCount} mismatches`);
  assert.deepEqual(tally.mismatches, []);
  assert.ok(tally.instructions > 0, 'nothing was compared');
}

const HAVE_OBJDUMP = haveCommand('objdump');
const PARALLEL = Math.max(2, availableParallelism());

// C that makes the compilers reach for many encodings: 8/16-bit operands,
// x87 long double, __int128, atomics, TLS, varargs, switch and computed goto,
// large displacements, then vectorizable loops and intrinsics under target
// attributes (compiled whatever -march says).
const C_SOURCES: Readonly<Record<string, string>> = {
  'scalar.c': `
#include <stdarg.h>
#include <setjmp.h>
#include <string.h>
#include <stdint.h>
#include <stdatomic.h>
#include <alloca.h>
typedef struct { short a; char b; long long c; unsigned char d[300]; } rec;
static __thread int tls_counter;
_Thread_local long tls_big[4];
short add16(short a, short b) { return (short)(a * 3 + b - 0x1234); }
unsigned short mix16(unsigned short *p, int n) { unsigned short s = 0; for (int i = 0; i < n; i++) s ^= (unsigned short)(p[i] << 3) | 0x1234; return s; }
signed char add8(signed char a, signed char b) { return a + b * 7; }
long long muldiv(long long a, long long b) { return a / (b | 1) + a % 1000003 + a * 0x123456789LL; }
unsigned __int128 mul128(unsigned __int128 a, unsigned __int128 b) { return a * b + (a >> 7); }
__int128 div128(__int128 a, __int128 b) { return b ? a / b : 0; }
long double ld(long double x, long double y) { return x * y + (x < y ? x : -y) / 3.0L; }
long double ldcvt(long long v) { return (long double)v * 1.5L; }
long long ld2ll(long double x) { return (long long)x; }
double dbl(double x, float y) { return x * y + (double)(long)x; }
int bits(unsigned long x, unsigned y) { return __builtin_popcountl(x) + __builtin_clzl(x | 1) + __builtin_ctz(y | 1) + __builtin_parity(y); }
unsigned long swap(unsigned long x, unsigned y, unsigned short z) { return __builtin_bswap64(x) ^ __builtin_bswap32(y) ^ __builtin_bswap16(z); }
unsigned long rot(unsigned long x, int n) { return (x << (n & 63)) | (x >> (-n & 63)); }
int sw(int x) { switch (x) { case 0: return 11; case 1: return 23; case 2: return 35; case 3: return 47; case 4: return 59; case 5: return 61; case 7: return 83; case 9: return 97; default: return -1; } }
long big_offsets(rec *r, long i) { return r[i].d[299] + r[i + 1000].c + r->a; }
static rec table[64];
long globals(int i) { table[i].c = 0x1122334455667788LL; table[3].a = 0x1234; table[5].b = 1; return table[i & 63].c; }
int atom(atomic_int *p, atomic_long *q, int v) { atomic_fetch_add(p, v); atomic_fetch_or(q, 0x100); long e = 5; atomic_compare_exchange_strong(q, &e, 7); return atomic_exchange(p, 3) + (int)atomic_load(q); }
unsigned __int128 cas16(unsigned __int128 *p, unsigned __int128 o, unsigned __int128 n) { return __sync_val_compare_and_swap(p, o, n); }
int tls(int v) { tls_counter += v; tls_big[v & 3] = v; return tls_counter; }
int sum(int n, ...) { va_list ap; va_start(ap, n); int s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, int); double d = va_arg(ap, double); va_end(ap); return s + (int)d; }
int callsum(void) { return sum(3, 1, 2, 3, 4.5); }
static jmp_buf jb;
int jumper(int x) { if (setjmp(jb)) return 1; if (x) longjmp(jb, 1); return 0; }
int stack(int n) { char *p = alloca(n); memset(p, n, n); return p[n / 2]; }
int gotos(const int *ops, int n) { static void *t[] = { &&a, &&b, &&c }; int acc = 0, i = 0; goto *t[ops[0]]; a: acc++; if (++i < n) goto *t[ops[i]]; return acc; b: acc *= 2; if (++i < n) goto *t[ops[i]]; return acc; c: acc -= 3; if (++i < n) goto *t[ops[i]]; return acc; }
void copy(char *d, const char *s, unsigned long n) { memcpy(d, s, n); memset(d + n, 0, 64); }
int (*fnptr)(int);
int indirect(int x) { return fnptr(x) + fnptr(x + 1); }
unsigned long long tsc(void) { return __builtin_ia32_rdtsc(); }
void fence(void) { __sync_synchronize(); __builtin_ia32_pause(); }
int trap(int x) { if (x < 0) __builtin_trap(); return x; }
float fsel(float a, float b) { return a > b ? a : b; }
int cmp(double a, double b) { return (a < b) + (a == b) * 2 + __builtin_isnan(a) * 4; }
unsigned char u8div(unsigned char a, unsigned char b) { return a / b + a % b; }
short s16mul(short a, short b) { return a * b; }
`,
  'vector.c': `
#include <stdint.h>
#include <math.h>
#define N 1024
float fa[N], fb[N], fc[N]; double da[N], db[N]; int ia[N], ib[N]; short sa[N], sb[N];
unsigned char ca[N], cb[N]; int64_t la[N]; int idx[N];
void saxpy(float a) { for (int i = 0; i < N; i++) fa[i] = a * fb[i] + fc[i]; }
double dot(void) { double s = 0; for (int i = 0; i < N; i++) s += da[i] * db[i]; return s; }
int isum(void) { int s = 0; for (int i = 0; i < N; i++) s += ia[i]; return s; }
void imul(void) { for (int i = 0; i < N; i++) ia[i] = ia[i] * ib[i] + (ib[i] >> 3) - (ia[i] << 5); }
void sel(void) { for (int i = 0; i < N; i++) ia[i] = ia[i] > ib[i] ? ia[i] : ib[i] * 2; }
void gather(void) { for (int i = 0; i < N; i++) fa[i] = fb[idx[i]]; }
void shorts(void) { for (int i = 0; i < N; i++) sa[i] = (short)((sa[i] * sb[i]) >> 8) + 0x1234; }
void bytes(void) { for (int i = 0; i < N; i++) ca[i] = ca[i] > cb[i] ? ca[i] - cb[i] : cb[i] - ca[i]; }
void reverse(void) { for (int i = 0; i < N; i++) fa[i] = fb[N - 1 - i]; }
void conv(void) { for (int i = 0; i < N; i++) { fa[i] = (float)ia[i]; da[i] = (double)fb[i]; la[i] = (int64_t)db[i]; } }
void absq(void) { for (int i = 0; i < N; i++) la[i] = la[i] < 0 ? -la[i] : la[i] * 3; }
void minmaxf(void) { for (int i = 0; i < N; i++) fa[i] = fminf(fb[i], fc[i]) + fmaxf(fb[i], 0.5f); }
void sqrts(void) { for (int i = 0; i < N; i++) da[i] = sqrt(db[i]); }
void masked(int n) { for (int i = 0; i < n; i++) if (ia[i] & 1) fa[i] = fb[i] * 2.0f; }
void interleave(float *restrict out, const float *restrict re, const float *restrict im, int n) { for (int i = 0; i < n; i++) { out[2*i] = re[i] * 0.5f; out[2*i+1] = im[i] - re[i]; } }
void matmul(int n, double (*restrict c)[64], double (*restrict a)[64], double (*restrict b)[64]) { for (int i = 0; i < n; i++) for (int k = 0; k < 64; k++) for (int j = 0; j < 64; j++) c[i][j] += a[i][k] * b[k][j]; }
int count(const char *s, char c, int n) { int k = 0; for (int i = 0; i < n; i++) k += s[i] == c; return k; }
void popcnts(void) { for (int i = 0; i < N; i++) ia[i] = __builtin_popcount(ib[i]); }
void complexmul(_Complex double *restrict a, const _Complex double *restrict b, int n) { for (int i = 0; i < n; i++) a[i] *= b[i]; }
void halfs(_Float16 *restrict a, const _Float16 *restrict b, int n) { for (int i = 0; i < n; i++) a[i] = a[i] * b[i] + (_Float16)1.5; }
void rotates(unsigned *restrict a, int n) { for (int i = 0; i < n; i++) a[i] = (a[i] >> 7) | (a[i] << 25); }
void i64mul(int64_t *restrict a, const int64_t *restrict b, int n) { for (int i = 0; i < n; i++) a[i] = a[i] * b[i]; }
float hsum(const float *a, int n) { float s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }
`,
  'intrinsics.c': `
#include <immintrin.h>
#include <x86intrin.h>
#include <cpuid.h>
__attribute__((target("avx2"))) __m256i shuf(__m256i a, __m256i b) { return _mm256_add_epi32(_mm256_shuffle_epi32(a, 0x1b), _mm256_permute4x64_epi64(b, 0x4e)); }
__attribute__((target("avx2"))) __m256 gath(const float *p, __m256i i) { return _mm256_i32gather_ps(p, i, 4); }
__attribute__((target("avx2"))) __m256 blend(__m256 a, __m256 b) { return _mm256_blend_ps(a, b, 0xa5); }
__attribute__((target("avx2"))) int ext(__m128i a) { return _mm_extract_epi16(a, 3) + _mm256_movemask_epi8(_mm256_castsi128_si256(a)); }
__attribute__((target("sse4.2"))) unsigned crc(unsigned c, unsigned long long v) { return (unsigned)_mm_crc32_u64(c, v) + _mm_crc32_u8(c, 7); }
__attribute__((target("bmi2"))) unsigned long long bm(unsigned long long a, unsigned long long m) { return _pdep_u64(a, m) ^ _pext_u64(a, m) ^ _bzhi_u64(a, 7); }
__attribute__((target("bmi"))) unsigned bm1(unsigned a) { return _bextr_u32(a, 3, 5) + _blsr_u32(a) + _tzcnt_u32(a); }
__attribute__((target("lzcnt,popcnt"))) unsigned lz(unsigned a) { return _lzcnt_u32(a) + _mm_popcnt_u32(a); }
__attribute__((target("aes,pclmul"))) __m128i aes(__m128i a, __m128i k) { return _mm_clmulepi64_si128(_mm_aesenc_si128(a, k), k, 0x11); }
__attribute__((target("sha"))) __m128i sha(__m128i a, __m128i b, __m128i c) { return _mm_sha256rnds2_epu32(a, b, c); }
__attribute__((target("avx512f"))) __m512i tern(__m512i a, __m512i b, __m512i c) { return _mm512_ternarylogic_epi32(a, b, c, 0x96); }
__attribute__((target("avx512f"))) __mmask16 cmpm(__m512 a, __m512 b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
__attribute__((target("avx512f"))) void compress(int *out, __m512i v, __mmask16 m) { _mm512_mask_compressstoreu_epi32(out, m, v); }
__attribute__((target("avx512f"))) __m512 perm(__m512 a) { return _mm512_permute_ps(a, 0x1b); }
__attribute__((target("avx512bw"))) __m512i shift(__m512i a) { return _mm512_srli_epi16(a, 3); }
__attribute__((target("avx512f"))) __m256i ex(__m512i a) { return _mm512_extracti64x4_epi64(a, 1); }
unsigned long long tsc(void) { unsigned aux; return __rdtsc() + __rdtscp(&aux); }
int cpu(void) { unsigned a, b, c, d; __cpuid(1, a, b, c, d); return a ^ b ^ c ^ d; }
__attribute__((target("xsave"))) unsigned long long xgb(void) { return _xgetbv(0); }
__attribute__((target("rdrnd"))) int rnd(unsigned long long *p) { return _rdrand64_step(p); }
__attribute__((target("rdseed"))) int seed(unsigned *p) { return _rdseed32_step(p); }
__attribute__((target("sse4a"))) __m128i sse4a(__m128i a) { return _mm_extracti_si64(a, 8, 4); }
__attribute__((target("fsgsbase"))) unsigned long long fsb(void) { return _readfsbase_u64(); }
__attribute__((target("clflushopt"))) void flush(void *p) { _mm_clflushopt(p); _mm_lfence(); _mm_mfence(); _mm_sfence(); _mm_pause(); _mm_prefetch(p, _MM_HINT_T0); }
__attribute__((target("avx"))) void zu(void) { _mm256_zeroupper(); _mm256_zeroall(); }
__attribute__((target("movbe"))) unsigned be(const unsigned *p) { return __builtin_bswap32(*p); }
__attribute__((target("f16c"))) __m128 f16(__m128i a) { return _mm_cvtph_ps(a); }
__attribute__((target("f16c,avx"))) __m128i f16b(__m256 a) { return _mm256_cvtps_ph(a, 0); }
__attribute__((target("fma"))) __m256d fm(__m256d a, __m256d b, __m256d c) { return _mm256_fmadd_pd(a, b, c); }
__attribute__((target("vaes,vpclmulqdq,avx2"))) __m256i vaes(__m256i a, __m256i k) { return _mm256_clmulepi64_epi128(_mm256_aesenc_epi128(a, k), k, 1); }
__attribute__((target("avx512fp16"))) __m512h fp16(__m512h a, __m512h b) { return _mm512_fmadd_ph(a, b, a); }
__attribute__((target("rtm"))) int tx(int *p) { unsigned s = _xbegin(); if (s == _XBEGIN_STARTED) { if (*p) _xabort(3); _xend(); return 1; } return _xtest(); }
`,
};

/** Built only with the first two C_FLAGS (-O0, -O2): their target attributes make -march moot, and immintrin.h is slow to parse. */
const TARGET_ATTRIBUTE_SOURCES: ReadonlySet<string> = new Set(['intrinsics.c']);

/** Code generation options, each used with gcc and with clang-19. */
const C_FLAGS: ReadonlyArray<readonly string[]> = [
  ['-O0'],
  ['-O2', '-fcf-protection=full'],
  ['-O3', '-march=native', '-ffast-math'],
  ['-O2', '-mavx2', '-mfma', '-fPIC'],
  ['-O3', '-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-ffast-math'],
  ['-O3', '-march=sapphirerapids', '-ffast-math'],
  ['-Os', '-fPIC', '-mcmodel=large'],
];

// Encodings compilers rarely pick: every operand size, prefix combination,
// moffs, imm64, enter, x87, system instructions, SSE4a, 3DNow!, VEX, EVEX
// (masking, broadcast, rounding, disp8*N), AVX512-FP16 and XOP. Assembled by
// GNU as only (the integrated assembler lacks some of these mnemonics).
const TRICKY_ASM = String.raw`
	.text
	.globl	tricky
	.type	tricky, @function
tricky:
	endbr64
	enter	$0x10, $0
	enter	$0x1234, $3
	leave
	ret	$8
	lretq	$0x10
	lretq
	iretq
	int3
	int	$0x80
	int1
	hlt
	cmc
	ud2
	ud1	(%rax), %eax
	ud0	(%rax), %eax
	syscall
	sysretq
	cpuid
	rdtsc
	rdtscp
	rdpmc
	rdmsr
	wrmsr
	pause
	nop
	xchg	%ax, %ax
	xchg	%eax, %ebx
	xchg	%rax, %r8
	xchg	%r9, (%r10)
	bswap	%eax
	bswap	%r12
	movbe	(%rdi), %eax
	movbe	%r8w, 2(%rsi)
	movbe	%rax, (%rdi,%rcx,8)
	popcnt	%rdi, %rax
	popcntw	(%rdi), %ax
	lzcnt	%edi, %eax
	tzcnt	0x1000(%rip), %r9
	crc32b	%dl, %eax
	crc32q	(%rdi), %rax
	crc32w	%dx, %eax
	adcx	%rax, %rbx
	adox	(%rcx), %edx
	movw	$0x1234, %ax
	movw	$0x1234, (%rax)
	movw	$0x1234, 0x12345678(%rip)
	movw	$-1, %r9w
	addw	$0x1234, %bx
	addw	$0x12, %bx
	addw	$0x1234, %ax
	subw	$0x1234, 8(%rsp)
	cmpw	$0x7fff, (%rdi,%rsi,2)
	testw	$0x1234, %cx
	testw	$0x1234, %ax
	testb	$1, (%rax)
	testb	$1, %al
	testl	$0x12345678, 0x10(%rsp)
	testq	$-8, %rdi
	notl	%eax
	negq	(%rax)
	mulw	%cx
	imulw	%bx
	divb	3(%rsi)
	idivq	0x1000(%rsp)
	imulw	$0x1234, %ax, %bx
	imulw	$12, %ax, %bx
	imull	$0x12345678, (%rdi), %ecx
	imulq	$-3, %rax, %rdx
	pushw	$0x1234
	pushq	$0x12345678
	pushq	$1
	pushw	%ax
	popw	%ax
	push	%r15
	pop	%r12
	pushfq
	popfq
	pushw	(%rax)
	pop	8(%rsp)
	mov	$0x12345678, %eax
	mov	$0x1234, %ax
	mov	$0x12, %r8b
	mov	$0x12, %sil
	movabs	$0x123456789, %r8
	movabs	$0x1122334455667788, %rax
	movq	$-1, %rax
	movq	$-1, 0x12345678(%rip)
	movb	$1, 0x12345678(%rip)
	movl	$1, 0x12345678(%rbx,%rcx,4)
	movabs	0x1122334455667788, %al
	movabs	0x1122334455667788, %ax
	movabs	0x1122334455667788, %eax
	movabs	0x1122334455667788, %rax
	movabs	%al, 0x1122334455667788
	movabs	%rax, 0x1122334455667788
	movabs	%fs:0x10, %eax
	.byte	0x67, 0xa1, 0x44, 0x33, 0x22, 0x11
	.byte	0x67, 0x66, 0xa3, 0x44, 0x33, 0x22, 0x11
	fld1
	fldz
	fldl	(%rax)
	flds	4(%rsp)
	fldt	0x10(%rsp)
	fstpt	0x20(%rsp)
	fnstcw	(%rsp)
	fldcw	(%rsp)
	fnstsw	%ax
	fxch	%st(2)
	faddp	%st, %st(1)
	fmul	%st(3), %st
	fucomip	%st(1), %st
	fcomi	%st(2), %st
	fistpll	(%rdi)
	fildl	8(%rdi)
	fisttpl	(%rdi)
	fsqrt
	fsin
	fchs
	fabs
	fnclex
	fninit
	fnsave	(%rax)
	frstor	(%rax)
	fcmovne	%st(1), %st
	ffree	%st(3)
	lea	(%rip), %rax
	lea	0x12345678(%rip), %rax
	lea	0x0(,%rax,8), %rcx
	lea	(%r13), %rax
	lea	(%rbp), %rax
	lea	(%r12), %rax
	lea	(%rsp), %rax
	lea	-8(%rbp,%r14,2), %rax
	lea	0x80(%rsp,%rbx,1), %rax
	lea	0x12345678, %rax
	lea	(%eax), %ecx
	lea	(%eip), %ecx
	lea	4(%r13d,%eax,4), %ecx
	mov	0x12345678(%rsp,%rbx,4), %eax
	mov	(,%r12,4), %eax
	{disp32} mov (%rax), %eax
	{disp8} mov (%rbp), %eax
	{store} mov %eax, %ebx
	{load} mov %eax, %ebx
	mov	%fs:0x28, %rax
	mov	%gs:0, %rax
	mov	%fs:(%rax), %rax
	mov	%es:(%rax), %eax
	mov	%cs:(%rax), %eax
	mov	%ss:(%rax), %eax
	mov	%ds:(%rax), %eax
	.byte	0x2e, 0x3e, 0x64, 0x65, 0x66, 0x90
	.byte	0xf3, 0xf2, 0x90
	.byte	0xf0, 0xf0, 0x48, 0x01, 0x07
	jmp	1f
	jmp	tricky
	je	1f
	jne	tricky
	jrcxz	1f
	jecxz	1f
	loop	1f
	loope	1f
	loopne	1f
	call	tricky
	call	*%rax
	call	*(%rax)
	call	*0x10(%rax,%rbx,8)
	call	*tricky@GOTPCREL(%rip)
	notrack call	*%rax
	notrack jmp	*%rcx
	bnd call	tricky
	bnd ret
	bnd jmp	*%rdx
	jmp	*%rax
	jmp	*(%rsp)
	lcall	*(%rax)
	ljmp	*(%rax)
	rex64 call	tricky
	ret
1:	nop
	rep movsb
	rep stosq
	repne scasb
	repe cmpsw
	lodsl
	movsq
	stosw
	insb	(%dx), %es:(%rdi)
	outsl	%ds:(%rsi), (%dx)
	inb	$0x80, %al
	outb	%al, $0x80
	inl	$0x71, %eax
	inb	%dx, %al
	outw	%ax, %dx
	xlat
	lock cmpxchg	%rcx, (%rdx)
	lock cmpxchg16b	(%rdi)
	lock cmpxchg8b	(%rdi)
	lock xaddw	%ax, %fs:(%r8)
	lock incl	(%rax)
	lock decq	8(%rax)
	lock addq	$1, (%rdi)
	lock orl	$0x12345678, (%rdi)
	lock btsq	$63, (%rdi)
	lock notb	(%rax)
	xacquire lock incl (%rax)
	xrelease lock decl (%rax)
	shl	%eax
	shl	$3, %eax
	sar	%cl, %rdx
	rolw	$1, (%rax)
	rorb	$7, (%rax)
	rclq	%rax
	shld	$3, %eax, %ebx
	shrd	%cl, %rax, (%rdx)
	bt	$5, %eax
	btcl	$5, (%rax)
	btr	%rax, (%rcx)
	bsf	%eax, %ecx
	bsr	(%rax), %rcx
	sahf
	lahf
	cwtl
	cltq
	cqto
	cwtd
	cbtw
	cltd
	clc
	stc
	cld
	std
	cli
	sti
	cmovne	%eax, %ebx
	cmovg	(%rax), %r8
	setne	%al
	seta	(%rax)
	setg	%r9b
	movzbl	%al, %eax
	movsbw	%al, %ax
	movzwq	(%rax), %rax
	movslq	%eax, %rax
	movslq	(%rdi), %r8
	inc	%r8b
	decw	%ax
	negb	%ah
	andn	%eax, %ebx, %ecx
	bextr	%eax, (%rbx), %ecx
	blsr	%rax, %rbx
	blsi	(%rax), %ecx
	blsmsk	%eax, %ecx
	bzhi	%rax, %rbx, %rcx
	pdep	%rax, %rbx, %rcx
	pext	(%rax), %ebx, %ecx
	shlx	%eax, %ebx, %ecx
	sarx	%rax, (%rbx), %rcx
	shrx	%eax, %ebx, %ecx
	rorx	$5, %rax, %rbx
	rorx	$31, (%rax), %ebx
	mulx	%rax, %rbx, %rcx
	xgetbv
	xsetbv
	rdrand	%eax
	rdseed	%rax
	rdpid	%rax
	rdfsbase	%rax
	wrgsbase	%rcx
	rdgsbase	%eax
	lfence
	mfence
	sfence
	clflush	(%rax)
	clflushopt	(%rax)
	clwb	(%rax)
	prefetchnta	(%rax)
	prefetcht0	0x40(%rax)
	prefetcht1	(%rax)
	prefetcht2	(%rax)
	prefetchw	(%rax)
	prefetch	(%rax)
	xsave	(%rax)
	xsave64	(%rax)
	xrstor	(%rax)
	xsavec	(%rax)
	xsaveopt	(%rax)
	fxsave64	(%rax)
	fxrstor	(%rax)
	ldmxcsr	(%rsp)
	stmxcsr	4(%rsp)
	swapgs
	clac
	stac
	monitor
	mwait
	invlpg	(%rax)
	lgdt	(%rax)
	sidt	(%rax)
	sldt	%eax
	str	%ax
	lar	%ax, %bx
	lsl	%eax, %ebx
	mov	%cr0, %rax
	mov	%rax, %cr4
	mov	%cr8, %r9
	mov	%dr7, %rax
	mov	%rax, %dr0
	clts
	invd
	wbinvd
	sysenter
	sysexitq
	getsec
	rsm
	push	%fs
	pop	%gs
	xbegin	1f
	xabort	$1
	xend
	xtest
1:	nop
	.byte	0x66
	leaq	x@tlsgd(%rip), %rdi
	.value	0x6666
	rex64
	call	__tls_get_addr@PLT
	.p2align 6
	ret
	.size	tricky, .-tricky

	.globl	simd
	.type	simd, @function
simd:
	movq	%mm0, %mm1
	paddb	(%rax), %mm2
	psrlw	$3, %mm0
	pslld	$31, %mm7
	psraw	$1, %mm1
	pshufw	$0x1b, %mm0, %mm1
	pinsrw	$2, %eax, %mm0
	pextrw	$1, %mm0, %eax
	palignr	$3, %mm0, %mm1
	emms
	femms
	pfadd	%mm1, %mm0
	pfmul	(%rax), %mm2
	movaps	%xmm0, %xmm1
	movups	(%rax), %xmm15
	movapd	%xmm8, 0x10(%rsp)
	movsd	0x12345678(%rip), %xmm3
	movss	%xmm1, (%rax,%rbx,4)
	movdqa	(%rdi), %xmm0
	movdqu	%xmm1, (%rsi)
	movq	%rax, %xmm0
	movd	%xmm0, %eax
	movq	%xmm1, %xmm2
	movq	%xmm1, (%rax)
	movnti	%eax, (%rdi)
	movntdq	%xmm0, (%rdi)
	addps	%xmm1, %xmm0
	mulsd	(%rax), %xmm2
	divss	%xmm3, %xmm4
	sqrtpd	%xmm1, %xmm0
	cvtsi2sd	%rax, %xmm0
	cvtsi2ssl	(%rax), %xmm0
	cvttsd2si	%xmm0, %eax
	cvtps2pd	%xmm1, %xmm2
	ucomisd	%xmm1, %xmm0
	comiss	(%rax), %xmm1
	pshufd	$0x1b, %xmm0, %xmm1
	pshuflw	$0, (%rax), %xmm1
	pshufhw	$0xe4, %xmm2, %xmm3
	psrldq	$4, %xmm0
	pslldq	$8, %xmm9
	psrlq	$1, %xmm2
	psrad	$3, %xmm3
	pextrw	$1, %xmm0, %eax
	pinsrw	$2, (%rax), %xmm0
	shufps	$0x44, %xmm1, %xmm0
	shufpd	$1, (%rax), %xmm1
	cmpps	$1, %xmm1, %xmm0
	cmpltsd	%xmm1, %xmm0
	cmpneqss	(%rax), %xmm2
	roundsd	$4, %xmm1, %xmm0
	roundps	$9, (%rax), %xmm2
	pshufb	%xmm1, %xmm0
	pshufb	(%rax), %mm0
	pblendvb	%xmm0, %xmm1, %xmm2
	blendvps	%xmm0, (%rax), %xmm2
	ptest	%xmm1, %xmm0
	pcmpistri	$0, %xmm1, %xmm0
	pcmpestrm	$0x44, (%rax), %xmm0
	pclmulqdq	$0x11, %xmm1, %xmm0
	aesenc	%xmm1, %xmm0
	aesdeclast	(%rax), %xmm0
	aeskeygenassist	$1, %xmm1, %xmm0
	sha256rnds2	%xmm0, %xmm1, %xmm2
	sha1rnds4	$3, %xmm1, %xmm2
	sha256msg1	%xmm1, %xmm2
	extractps	$1, %xmm0, %eax
	insertps	$0x10, %xmm1, %xmm0
	blendps	$5, %xmm1, %xmm0
	dpps	$0xff, %xmm1, %xmm0
	mpsadbw	$0, %xmm1, %xmm0
	palignr	$3, %xmm1, %xmm0
	pextrq	$1, %xmm0, %rax
	pinsrq	$1, %rax, %xmm0
	pextrb	$15, %xmm0, (%rax)
	pinsrd	$3, (%rax), %xmm15
	pmovzxbw	%xmm0, %xmm1
	pmulld	%xmm1, %xmm0
	pminsd	(%rax), %xmm2
	phaddw	%xmm1, %xmm0
	pabsb	%xmm1, %xmm0
	pmaddubsw	%xmm1, %xmm0
	lddqu	(%rax), %xmm0
	movddup	%xmm1, %xmm0
	haddps	%xmm1, %xmm0
	addsubpd	%xmm1, %xmm0
	movmskps	%xmm0, %eax
	pmovmskb	%xmm1, %ecx
	maskmovdqu	%xmm1, %xmm0
	packuswb	%xmm1, %xmm0
	punpcklbw	%xmm1, %xmm0
	pcmpeqb	%xmm1, %xmm0
	pcmpgtq	%xmm1, %xmm0
	pxor	%xmm0, %xmm0
	andnps	%xmm1, %xmm0
	extrq	$4, $8, %xmm0
	insertq	$4, $8, %xmm1, %xmm0
	extrq	%xmm1, %xmm0
	insertq	%xmm1, %xmm0
	movntss	%xmm0, (%rax)
	movntsd	%xmm0, (%rax)
	vzeroupper
	vzeroall
	vaddps	%ymm1, %ymm2, %ymm3
	vaddps	%ymm9, %ymm10, %ymm11
	vaddsd	(%rax), %xmm1, %xmm2
	vmulpd	0x20(%rsp), %ymm1, %ymm2
	vmovdqu	0x12345678(%rip), %ymm0
	vmovdqa	%ymm0, (%rdi,%rcx)
	vmovups	%ymm8, (%r9)
	{vex3} vmovaps %xmm0, %xmm1
	{vex2} vmovaps %xmm0, %xmm1
	vpshufd	$1, %ymm0, %ymm1
	vpshuflw	$1, %xmm0, %xmm1
	vpsrld	$3, %ymm1, %ymm2
	vpsllq	$3, %xmm1, %xmm2
	vpsrldq	$4, %ymm1, %ymm2
	vpsraw	$2, %ymm1, %ymm2
	vcmpps	$1, %ymm1, %ymm2, %ymm3
	vcmpeqsd	%xmm1, %xmm2, %xmm3
	vpinsrw	$2, %eax, %xmm1, %xmm2
	vpextrw	$1, %xmm1, %eax
	vshufps	$0x44, %ymm1, %ymm2, %ymm3
	vpermq	$0x4e, %ymm1, %ymm2
	vpermpd	$0x1b, (%rax), %ymm2
	vperm2i128	$0x21, %ymm1, %ymm2, %ymm3
	vbroadcastss	(%rax), %ymm0
	vpbroadcastb	%xmm0, %ymm1
	vpbroadcastq	8(%rax), %ymm1
	vgatherdps	%ymm2, (%rax,%ymm1,4), %ymm0
	vpgatherqq	%ymm2, 8(%rax,%ymm1,8), %ymm0
	vfmadd231ps	%ymm1, %ymm2, %ymm3
	vfmadd213sd	(%rax), %xmm1, %xmm2
	vfnmsub132pd	%ymm1, %ymm2, %ymm3
	vinsertf128	$1, %xmm1, %ymm2, %ymm3
	vextracti128	$1, %ymm1, %xmm2
	vextractf128	$1, %ymm1, (%rax)
	vpblendvb	%ymm4, %ymm1, %ymm2, %ymm3
	vblendvpd	%ymm4, (%rax), %ymm2, %ymm3
	vpblendd	$0xaa, %ymm1, %ymm2, %ymm3
	vpmaskmovd	(%rax), %ymm1, %ymm2
	vmaskmovps	%ymm1, %ymm2, (%rax)
	vpsllvd	%ymm1, %ymm2, %ymm3
	vpsravd	%xmm1, %xmm2, %xmm3
	vcvtph2ps	%xmm1, %ymm2
	vcvtps2ph	$4, %ymm1, %xmm2
	vroundpd	$9, %ymm1, %ymm2
	vptest	%ymm1, %ymm2
	vtestps	%ymm1, %ymm2
	vpcmpeqq	%ymm1, %ymm2, %ymm3
	vpmovmskb	%ymm1, %eax
	vmovmskpd	%ymm1, %eax
	vpalignr	$3, %ymm1, %ymm2, %ymm3
	vpclmulqdq	$0x11, %ymm1, %ymm2, %ymm3
	vaesenc	%ymm1, %ymm2, %ymm3
	vcvtsi2sdq	%rax, %xmm1, %xmm2
	vcvttss2si	%xmm1, %r8
	vmovq	%xmm1, %rax
	vmovd	%eax, %xmm1
	vpextrq	$1, %xmm1, %rax
	vpinsrd	$1, %eax, %xmm1, %xmm2
	vpermilps	$0x1b, %ymm1, %ymm2
	vpermilpd	%ymm1, %ymm2, %ymm3
	vldmxcsr	(%rax)
	vstmxcsr	(%rax)
	vmovaps	%fs:(%rax), %xmm0
	addr32 vmovaps (%eax), %xmm0
	vaddps	%zmm1, %zmm2, %zmm3
	vaddps	%zmm17, %zmm18, %zmm19{%k1}{z}
	vaddpd	(%rax){1to8}, %zmm1, %zmm2
	vaddps	{rn-sae}, %zmm1, %zmm2, %zmm3
	vmovups	0x40(%rax), %zmm0
	vmovups	0x44(%rax), %zmm0
	vmovups	-0x2000(%rax), %zmm0
	vmovups	0x12345678(%rip), %zmm30
	vmovdqu64	%zmm0, (%rdi){%k2}
	vmovdqu8	%zmm1, %zmm2{%k3}{z}
	{evex} vmovaps %xmm0, %xmm1
	{evex} vpaddd 0x10(%rsp), %xmm1, %xmm2
	vpaddd	%xmm16, %xmm17, %xmm18
	vpternlogd	$0x96, %zmm1, %zmm2, %zmm3
	vpternlogq	$0xff, (%rax){1to8}, %zmm2, %zmm3
	vpermt2d	%zmm1, %zmm2, %zmm3
	vpermi2ps	(%rax), %zmm2, %zmm3
	kmovw	%k1, %eax
	kmovq	%rax, %k2
	kmovb	(%rax), %k3
	kmovd	%k1, %k2
	kandw	%k1, %k2, %k3
	kortestw	%k1, %k2
	kshiftrq	$3, %k1, %k2
	kunpckbw	%k1, %k2, %k3
	knotq	%k1, %k2
	vcmpps	$1, %zmm1, %zmm2, %k1
	vcmppd	$2, (%rax){1to8}, %zmm2, %k1{%k2}
	vpcmpd	$4, %zmm1, %zmm2, %k1
	vpcmpeqb	%zmm1, %zmm2, %k1
	vptestmd	%zmm1, %zmm2, %k1
	vpshufd	$1, %zmm0, %zmm1
	vpsrld	$3, %zmm1, %zmm2
	vpslldq	$4, %zmm1, %zmm2
	vprold	$3, %zmm1, %zmm2
	vpsraq	$3, (%rax), %zmm2
	vpinsrw	$1, %eax, %xmm17, %xmm18
	vpextrw	$1, %xmm17, %eax
	vshufps	$1, %zmm1, %zmm2, %zmm3
	vgatherdps	(%rax,%zmm1,4), %zmm0{%k1}
	vpscatterdd	%zmm0, 0x40(%rax,%zmm1,4){%k1}
	vpcompressd	%zmm1, (%rax){%k1}
	vpexpandq	(%rax), %zmm1{%k1}{z}
	vextracti64x4	$1, %zmm1, %ymm2
	vextractf32x4	$3, %zmm1, (%rax)
	vinserti32x8	$1, %ymm1, %zmm2, %zmm3
	vshufi64x2	$0x4e, %zmm1, %zmm2, %zmm3
	vbroadcastsd	%xmm0, %zmm1
	vpbroadcastd	%eax, %zmm1
	vpmovqd	%zmm1, %ymm2
	vpmovzxbd	%xmm1, %zmm2
	vcvtdq2ps	%zmm1, %zmm2
	vcvtusi2sd	%rax, %xmm1, %xmm2
	vcvttpd2uqq	%zmm1, %zmm2
	vfixupimmps	$1, %zmm1, %zmm2, %zmm3
	vgetmantpd	$2, %zmm1, %zmm2
	vrndscaleps	$4, %zmm1, %zmm2
	vreducepd	$1, %zmm1, %zmm2
	vfpclassps	$0x22, %zmm1, %k1
	vrangeps	$1, %zmm1, %zmm2, %zmm3
	valignd	$3, %zmm1, %zmm2, %zmm3
	vdbpsadbw	$1, %zmm1, %zmm2, %zmm3
	vpconflictd	%zmm1, %zmm2
	vplzcntq	%zmm1, %zmm2
	vpopcntd	%zmm1, %zmm2
	vpdpbusd	%zmm1, %zmm2, %zmm3
	{vex} vpdpbusd	%ymm1, %ymm2, %ymm3
	vpmadd52luq	%zmm1, %zmm2, %zmm3
	vpermb	%zmm1, %zmm2, %zmm3
	vpshldd	$3, %zmm1, %zmm2, %zmm3
	vgf2p8affineqb	$1, %zmm1, %zmm2, %zmm3
	vgf2p8mulb	%zmm1, %zmm2, %zmm3
	vcvtne2ps2bf16	%zmm1, %zmm2, %zmm3
	vdpbf16ps	%zmm1, %zmm2, %zmm3
	vp2intersectd	%zmm1, %zmm2, %k2
	vaddph	%zmm1, %zmm2, %zmm3
	vaddsh	(%rax), %xmm1, %xmm2
	vfmadd132ph	%zmm1, %zmm2, %zmm3
	vfcmaddcph	%zmm1, %zmm2, %zmm3
	vcmpph	$1, %zmm1, %zmm2, %k1
	vcvtph2pd	%xmm1, %zmm2
	vgetmantph	$1, %zmm1, %zmm2
	vmovw	%eax, %xmm1
	vmovsh	(%rax), %xmm1
	vrcpph	%zmm1, %zmm2
	vpmovm2d	%k1, %zmm1
	vpmovd2m	%zmm1, %k1
	vpcmov	%xmm1, %xmm2, %xmm3, %xmm4
	vprotd	$3, %xmm1, %xmm2
	vprotq	%xmm1, %xmm2, %xmm3
	vpcomltb	%xmm1, %xmm2, %xmm3
	vfrczps	%xmm1, %xmm2
	vphaddbw	%xmm1, %xmm2
	bextr	$0x1234, %eax, %ebx
	bextr	$0x1234, (%rax), %rbx
	blcfill	%eax, %ebx
	lwpins	$0x12345678, %eax, %ebx
	ret
	.size	simd, .-simd

	.section .tbss,"awT",@nobits
x:	.zero 4
`;

describe('instruction starts agree with objdump', { skip: HAVE_OBJDUMP ? false : 'objdump (binutils) is not installed' }, () => {
  test('hand-written assembly: prefixes, moffs, imm64, enter, 16-bit operands, x87, VEX, EVEX, XOP', async (t) => {
    if (!haveCommand('as')) return t.skip('GNU as is not installed');
    const dir = tmpDir(t, 'hotlink-insn-');
    writeFileSync(join(dir, 'tricky.s'), TRICKY_ASM);
    const obj = join(dir, 'tricky.o');
    const r = await runCommandAsync('as', ['--64', join(dir, 'tricky.s'), '-o', obj]);
    assert.equal(r.status, 0, r.stderr);
    const tally = newTally();
    await compareWithObjdump(obj, tally);
    assertNoMismatch(t, tally);
  });

  test('C from gcc and clang-19 at -O0..-O3, -march=native, AVX2, AVX-512, AVX512-FP16', async (t) => {
    const compilers = ['gcc', 'clang-19'].filter(haveCommand);
    if (compilers.length === 0) return t.skip('neither gcc nor clang-19 is installed');
    const dir = tmpDir(t, 'hotlink-insn-');
    for (const [name, text] of Object.entries(C_SOURCES)) writeFileSync(join(dir, name), text);
    const builds: Array<{ cc: string; flags: readonly string[]; source: string; out: string }> = [];
    for (const cc of compilers) {
      C_FLAGS.forEach((flags, i) => {
        for (const source of Object.keys(C_SOURCES)) {
          if (i >= 2 && TARGET_ATTRIBUTE_SOURCES.has(source)) continue;
          builds.push({ cc, flags, source, out: join(dir, `${cc}-${i}-${source}.o`) });
        }
      });
    }
    const tally = newTally();
    const skipped: string[] = [];
    await pool(
      builds.map((b) => async () => {
        const r = await runCommandAsync(b.cc, ['-c', '-w', ...b.flags, join(dir, b.source), '-o', b.out]);
        // An option this compiler does not know (an old gcc and -march=sapphirerapids) skips that build, not the test.
        if (r.status !== 0) {
          skipped.push(`${b.cc} ${b.flags.join(' ')} ${b.source}: ${r.stderr.split('\n')[0]}`);
          return;
        }
        await compareWithObjdump(b.out, tally);
      }),
      PARALLEL,
    );
    for (const s of skipped) t.diagnostic(`not built: ${s}`);
    assert.ok(skipped.length < builds.length / 4, `too many builds failed:\n${skipped.join('\n')}`);
    assertNoMismatch(t, tally);
  });

  const realworld = join(repoRoot, 'build', 'realworld');
  const sqlite = join(realworld, 'sqlite-pic-O2', 'sqlite3.o');
  const luaDir = join(realworld, 'lua-pic-O2');
  const realObjects = [
    ...(existsSync(sqlite) ? [sqlite] : []),
    ...(existsSync(luaDir) ? readdirSync(luaDir).filter((f) => f.endsWith('.o')).sort().map((f) => join(luaDir, f)) : []),
  ];
  test(
    'real-world objects: sqlite3.o and lua (pic, -O2)',
    { skip: realObjects.length > 0 ? false : 'build/realworld is not built (scripts/realworld.sh)' },
    async (t) => {
      const tally = newTally();
      await pool(realObjects.map((f) => () => compareWithObjdump(f, tally)), PARALLEL);
      assertNoMismatch(t, tally);
    },
  );
});
