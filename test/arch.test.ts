// The architecture back ends, checked against the cross binutils in the LLVM
// JITLink style. Entries and stubs are written at chosen addresses and
// disassembled with `objdump -b binary --adjust-vma`, so each instruction's
// target is objdump's reading of our bytes. For relocations, one small
// assembly input per type is assembled with the cross assembler, read with
// ElfObject, its relocations applied with the Arch at a fixed section address
// and chosen symbol values, and the patched bytes disassembled the same way:
//
//   bl fn+8   at 0x7f0000400000, fn = 0x7f00043f0000   =>   "bl 0x7f00043f0008"
//
// with an expected-error case beside each range-checked type. AArch64 and
// RISC-V tests skip (saying which package is missing) when the cross tools
// are not installed.
//
// Run: npx tsc -p . && node --test dist/test/arch.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Arch, FixupValues } from '../src/arch/arch.js';
import { aarch64 } from '../src/arch/aarch64.js';
import { archForMachine, ARCHES } from '../src/arch/index.js';
import {
  findPcrelHi20, isPcrelLo12, pcrelHi20Value, riscv64,
  R_RISCV_ALIGN, R_RISCV_PLT32, R_RISCV_SET8, R_RISCV_SET_ULEB128, R_RISCV_SUB8, R_RISCV_SUB_ULEB128,
} from '../src/arch/riscv64.js';
import { x86_64 } from '../src/arch/x86_64.js';
import { EM_AARCH64, EM_RISCV, EM_X86_64, RELA_SIZE, SHN_UNDEF } from '../src/elf/elf.js';
import { ElfObject } from '../src/elf/object.js';
import { HotlinkError } from '../src/errors.js';

// ---- tools ------------------------------------------------------------------------

interface Toolchain {
  as: string;
  asFlags: string[];
  objdump: string;
  machine: string;
  pkg: string;
}

const AARCH64: Toolchain = { as: 'aarch64-linux-gnu-as', asFlags: [], objdump: 'aarch64-linux-gnu-objdump', machine: 'aarch64', pkg: 'binutils-aarch64-linux-gnu' };
const RISCV64: Toolchain = { as: 'riscv64-linux-gnu-as', asFlags: ['-march=rv64gc', '-mno-relax'], objdump: 'riscv64-linux-gnu-objdump', machine: 'riscv:rv64', pkg: 'binutils-riscv64-linux-gnu' };
const X86_64: Toolchain = { as: 'as', asFlags: [], objdump: 'objdump', machine: 'i386:x86-64', pkg: 'binutils' };

function have(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

/** false when the toolchain is usable, else the reason to skip. */
function missing(tc: Toolchain, needAs: boolean): string | false {
  for (const cmd of needAs ? [tc.objdump, tc.as] : [tc.objdump]) {
    if (!have(cmd)) return `${cmd} not found: install ${tc.pkg}`;
  }
  return false;
}

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hotlink-arch-'));
});
after(() => {
  if (dir && !process.env.HOTLINK_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

let fileCounter = 0;

/** Disassembles raw bytes placed at `vma`: address -> instruction text with runs of blanks collapsed. */
function disassemble(tc: Toolchain, bytes: Uint8Array, vma: number): Map<number, string> {
  const file = join(dir, `blob${fileCounter++}.bin`);
  writeFileSync(file, bytes);
  const r = spawnSync(tc.objdump, ['-D', '-b', 'binary', '-m', tc.machine, `--adjust-vma=0x${vma.toString(16)}`, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tc.objdump} failed (${r.status}):\n${r.stderr}`);
  const out = new Map<number, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t[0-9a-f ]+\t(.*)$/.exec(line);
    if (m) out.set(parseInt(m[1]!, 16), m[2]!.replace(/\s+/g, ' ').trim());
  }
  return out;
}

/** Asserts the instruction at each address (vma + offset) reads as expected. */
function assertInsns(tc: Toolchain, bytes: Uint8Array, vma: number, want: Array<[offset: number, text: string]>): void {
  const dis = disassemble(tc, bytes, vma);
  const got = want.map(([off]) => [off, dis.get(vma + off) ?? `<no instruction at ${hex(vma + off)}>`]);
  assert.deepEqual(got, want);
}

let addiName: string | undefined;

/** How this objdump prints `addi rd, rs, imm` (binutils 2.40 says `add`, others `addi`). */
function addi(): string {
  if (addiName === undefined) {
    const dis = disassemble(RISCV64, Uint8Array.of(0x93, 0x05, 0x85, 0x67), 0); // addi a1, a0, 1656
    addiName = dis.get(0)!.split(' ')[0]!;
  }
  return addiName;
}

function hex(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/** Page(x) = x & ~0xfff */
function page(x: number): number {
  return x - (x & 0xfff);
}

function readLE(bytes: Uint8Array, off: number, width: number): bigint {
  let x = 0n;
  for (let i = width - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[off + i]!);
  return x;
}

/** Assembles `src` and reads the object. */
function assemble(tc: Toolchain, src: string, extraFlags: string[] = [], flags: string[] = tc.asFlags): ElfObject {
  const n = fileCounter++;
  const s = join(dir, `in${n}.s`);
  const o = join(dir, `in${n}.o`);
  writeFileSync(s, src);
  const r = spawnSync(tc.as, [...flags, ...extraFlags, s, '-o', o], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tc.as} ${s} failed (${r.status}):\n${r.stderr}\n--- input:\n${src}`);
  return new ElfObject(readFileSync(o), `in${n}.o`);
}

/**
 * Rewrites the type of relocation `index` of `section`'s table (for types
 * the assembler cannot name, e.g. R_RISCV_SET_ULEB128 in binutils 2.40).
 */
function retype(obj: ElfObject, section: string, index: number, type: number): ElfObject {
  const sec = obj.sections.find((s) => s.name === section)!;
  const rela = obj.sections[sec.relaIndex]!;
  const bytes = new Uint8Array(obj.reader.bytes);
  new DataView(bytes.buffer).setUint32(rela.sh_offset + index * RELA_SIZE + 8, type, true);
  return new ElfObject(bytes, obj.file);
}

interface LinkOptions {
  /** Section to relocate (default .text). */
  section?: string;
  /** Its address. */
  base: number;
  /** Values of undefined symbols, by name. */
  symbols?: Record<string, number>;
  /** Addresses of other sections of the object that symbols may live in. */
  sections?: Record<string, number>;
  /** GOT entry (or TLS GOT pair) addresses, by symbol name. */
  got?: Record<string, number>;
  gotBase?: number;
}

interface Linked {
  code: Uint8Array;
  errors: string[];
}

/**
 * Applies every relocation of one section with `arch`, as the generic linker
 * would, to a copy of its bytes. Errors are collected as "NAME: text". For
 * RISC-V, a PCREL_LO12 is first paired with its hi20 relocation (the steps
 * riscv64.ts documents for the generic linker).
 */
function link(arch: Arch, obj: ElfObject, opts: LinkOptions): Linked {
  const sec = obj.sections.find((s) => s.name === (opts.section ?? '.text'));
  assert.ok(sec, `no section ${opts.section ?? '.text'} in ${obj.file}`);
  const code = obj.contents(sec).slice();
  const errors: string[] = [];
  if (sec.relaIndex < 0) return { code, errors };
  const t = obj.relocations(sec.relaIndex);
  const sectionAddr = (shndx: number): number => {
    if (shndx === sec.index) return opts.base;
    const name = obj.sections[shndx]!.name;
    const a = opts.sections?.[name];
    assert.ok(a !== undefined, `test gives no address for section ${name}`);
    return a;
  };
  const valuesOf = (i: number): FixupValues => {
    const sym = obj.symbols[t.r_sym[i]!]!;
    let S = 0;
    if (t.r_sym[i] !== 0) {
      if (sym.shndx === SHN_UNDEF) {
        const s = opts.symbols?.[sym.name];
        assert.ok(s !== undefined, `test gives no value for symbol ${sym.name}`);
        S = s;
      } else {
        S = sectionAddr(sym.shndx) + sym.st_value;
      }
    }
    return { S, A: t.r_addend[i]!, P: opts.base + t.r_offset[i]!, G: opts.got?.[sym.name] ?? 0, GOT: opts.gotBase ?? 0, Z: sym.st_size };
  };
  for (let i = 0; i < t.count; i++) {
    const type = t.r_type[i]!;
    const info = arch.relocInfo(type);
    if (!info) {
      errors.push(arch.unsupportedReason(type) ?? `unknown relocation type ${type}`);
      continue;
    }
    const v = valuesOf(i);
    if (arch === riscv64 && isPcrelLo12(type)) {
      const label = obj.symbols[t.r_sym[i]!]!;
      const hi = label.shndx === sec.index ? findPcrelHi20(t, label.st_value) : -1;
      if (hi < 0) {
        errors.push(`${info.name}: label ${label.name} has no hi20 relocation`);
        continue;
      }
      v.S = pcrelHi20Value(t.r_type[hi]!, valuesOf(hi))!;
    }
    const err = arch.apply(type, code, t.r_offset[i]!, v);
    if (err) errors.push(`${info.name}: ${err}`);
  }
  return { code, errors };
}

/** Links and expects no errors. */
function linkOk(arch: Arch, obj: ElfObject, opts: LinkOptions): Uint8Array {
  const r = link(arch, obj, opts);
  assert.deepEqual(r.errors, []);
  return r.code;
}

/** Links and returns the errors, expecting at least one. */
function linkErrors(arch: Arch, obj: ElfObject, opts: LinkOptions): string[] {
  const r = link(arch, obj, opts);
  assert.notDeepEqual(r.errors, [], 'expected a relocation error');
  return r.errors;
}

// ---- registry ---------------------------------------------------------------------

describe('archForMachine', () => {
  test('maps each supported e_machine to its Arch', () => {
    assert.equal(archForMachine(EM_X86_64), x86_64);
    assert.equal(archForMachine(EM_AARCH64), aarch64);
    assert.equal(archForMachine(EM_RISCV), riscv64);
    assert.deepEqual(ARCHES.map((a) => a.name), ['x86-64', 'aarch64', 'riscv64']);
  });

  test('returns undefined for other machines (EM_386 = 3, EM_ARM = 40)', () => {
    assert.equal(archForMachine(3), undefined);
    assert.equal(archForMachine(40), undefined);
  });
});

describe('every relocation type in a policy table has a fixup formula', () => {
  for (const arch of [aarch64, riscv64]) {
    test(arch.name, () => {
      let known = 0;
      for (let type = 0; type < 2048; type++) {
        const info = arch.relocInfo(type);
        if (!info) continue;
        known++;
        assert.equal(arch.unsupportedReason(type), undefined, `${info.name} is both supported and unsupported`);
        const mem = new Uint8Array(32);
        const err = arch.apply(type, mem, 8, { S: 0x1000, A: 0, P: 0x1000, G: 0x2000, GOT: 0x2000, Z: 0 });
        assert.doesNotMatch(err ?? '', /no fixup formula/, info.name);
      }
      assert.ok(known > 30, `${arch.name} knows ${known} types`);
    });
  }
});

// ---- x86-64 entries and stubs (for symmetry) ---------------------------------------------

describe('x86-64 entries and stubs', { skip: missing(X86_64, false) }, () => {
  test('an entry is jmp *slot(%rip) padded with int3', () => {
    const entry = 0x7f0000401000;
    for (const slot of [0x7f0000523458, 0x7f0000300ff8]) {
      const mem = new Uint8Array(x86_64.entrySize);
      x86_64.writeEntry(mem, 0, entry, slot);
      assertInsns(X86_64, mem, entry, [
        [0, `jmp *${hex(slot - entry - 6)}(%rip) # ${hex(slot)}`],
        [6, 'int3'],
        [7, 'int3'],
      ]);
    }
  });

  test('a stub jumps through the address it holds', () => {
    const stub = 0x7f0000402000;
    const target = 0x7fff12345678;
    const mem = new Uint8Array(x86_64.stubSize);
    x86_64.writeStub(mem, 0, stub, target);
    assertInsns(X86_64, mem, stub, [[0, `jmp *0x0(%rip) # ${hex(stub + 6)}`]]);
    assert.equal(readLE(mem, 6, 8), BigInt(target));
  });
});

// ---- AArch64 entries and stubs -----------------------------------------------------------

describe('aarch64 entries', { skip: missing(AARCH64, false) }, () => {
  const entryInsns = (entry: number, slot: number): Array<[number, string]> => [
    [0, `adrp x16, ${hex(page(slot))}`],
    [4, (slot & 0xfff) === 0 ? 'ldr x16, [x16]' : `ldr x16, [x16, #${slot & 0xfff}]`],
    [8, 'br x16'],
    [12, 'brk #0x0'],
  ];

  const cases: Array<[what: string, entry: number, slot: number]> = [
    ['slot after the entry', 0x40001000, 0x40123458],
    ['slot before the entry (negative page delta)', 0x7f0000100000, 0x7f0000000ff8],
    ['slot in the entry\'s page', 0x7f0000100000, 0x7f0000100ff8],
    ['farthest slot forward: Page delta 0xfffff000', 0x7f0000000010, 0x7f0000000000 + 0xfffff000 + 0xff8],
    ['farthest slot backward: Page delta -0x100000000', 0x7f0100000ff0, 0x7f0000000008],
  ];
  for (const [what, entry, slot] of cases) {
    test(`adrp/ldr/br reaches the slot: ${what}`, () => {
      const mem = new Uint8Array(aarch64.entrySize);
      aarch64.writeEntry(mem, 0, entry, slot);
      assertInsns(AARCH64, mem, entry, entryInsns(entry, slot));
    });
  }

  test('a slot 4 GiB away is out of adrp range', () => {
    const mem = new Uint8Array(16);
    assert.throws(() => aarch64.writeEntry(mem, 0, 0x7f0000000000, 0x7f0100000000), (e: unknown) =>
      e instanceof HotlinkError && e.kind === 'relocation' &&
      e.message === 'aarch64 entry at 0x7f0000000000 cannot reach its slot at 0x7f0100000000: Page(slot) - Page(P) = 0x100000000 does not fit in a signed 33-bit field [-0x100000000, 0xffffffff]');
    assert.throws(() => aarch64.writeEntry(mem, 0, 0x7f0100001000, 0x7f0000000ff8), /Page\(slot\) - Page\(P\) = -0x100001000 does not fit in a signed 33-bit field/);
  });

  test('a slot that is not 8-byte aligned is rejected (ldr scales its offset by 8)', () => {
    assert.throws(() => aarch64.writeEntry(new Uint8Array(16), 0, 0x40001000, 0x40002004), /slot address = 0x40002004 is not a multiple of 8/);
  });
});

describe('aarch64 stubs', { skip: missing(AARCH64, false) }, () => {
  test('a stub loads the target it holds (ldr x16, literal; br x16) from anywhere', () => {
    for (const [stub, target] of [[0x40001010, 0x7fff12345678], [0x7fff00000000, 0x400000]] as const) {
      const mem = new Uint8Array(aarch64.stubSize);
      aarch64.writeStub(mem, 0, stub, target);
      assertInsns(AARCH64, mem, stub, [[0, `ldr x16, ${hex(stub + 8)}`], [4, 'br x16']]);
      assert.equal(readLE(mem, 8, 8), BigInt(target));
    }
  });

  test('a stub must be 8-byte aligned so that its literal is', () => {
    assert.throws(() => aarch64.writeStub(new Uint8Array(16), 0, 0x40001004, 0x1234), /stub address = 0x40001004 is not a multiple of 8/);
  });
});

// ---- RISC-V entries and stubs ------------------------------------------------------------

describe('riscv64 entries', { skip: missing(RISCV64, false) }, () => {
  /** The hi20/lo12 split the assembler would choose. */
  const split = (x: number): [hi: number, lo: number] => {
    const hi = Math.floor((x + 0x800) / 4096);
    return [hi, x - hi * 4096];
  };
  const entryInsns = (entry: number, slot: number): Array<[number, string]> => {
    const [hi, lo] = split(slot - entry);
    return [
      [0, `auipc t0,${hex(hi & 0xfffff)}`],
      [4, `ld t0,${lo}(t0) # ${hex(slot)}`],
      [8, 'jr t0'],
      [12, 'nop'],
    ];
  };

  const cases: Array<[what: string, entry: number, slot: number]> = [
    ['slot after the entry', 0x40001000, 0x40123458],
    ['slot before the entry', 0x7f0000100000, 0x7f0000000ff8],
    ['lo12 negative (slot - entry = 0x1800)', 0x40001000, 0x40002800],
    ['farthest slot forward: slot - P = 0x7ffff7f8', 0x7f0000000000, 0x7f0000000000 + 0x7ffff7f8],
    ['farthest slot backward: slot - P = -0x80000800', 0x7f0080000800, 0x7f0000000000],
  ];
  for (const [what, entry, slot] of cases) {
    test(`auipc/ld/jr reaches the slot: ${what}`, () => {
      const mem = new Uint8Array(riscv64.entrySize);
      riscv64.writeEntry(mem, 0, entry, slot);
      assertInsns(RISCV64, mem, entry, entryInsns(entry, slot));
    });
  }

  test('a slot just past ±2 GiB is out of auipc range', () => {
    const mem = new Uint8Array(16);
    assert.throws(() => riscv64.writeEntry(mem, 0, 0x7f0000000000, 0x7f0000000000 + 0x7ffff800), (e: unknown) =>
      e instanceof HotlinkError && e.kind === 'relocation' &&
      e.message === 'riscv64 entry at 0x7f0000000000 cannot reach its slot at 0x7f007ffff800: slot - P = 0x7ffff800 does not fit in a signed 32-bit hi20 + lo12 field [-0x80000800, 0x7ffff7ff]');
    assert.throws(() => riscv64.writeEntry(mem, 0, 0x7f0080000808, 0x7f0000000000), /slot - P = -0x80000808 does not fit/);
  });
});

describe('riscv64 stubs', { skip: missing(RISCV64, false) }, () => {
  test('a stub loads the target it holds (auipc t1, 0; ld t1, 16(t1); jr t1)', () => {
    for (const [stub, target] of [[0x40001010, 0x7fff12345678], [0x7fff00000008, 0x10000]] as const) {
      const mem = new Uint8Array(riscv64.stubSize);
      riscv64.writeStub(mem, 0, stub, target);
      assertInsns(RISCV64, mem, stub, [
        [0, 'auipc t1,0x0'],
        [4, `ld t1,16(t1) # ${hex(stub + 16)}`],
        [8, 'jr t1'],
        [12, 'nop'],
      ]);
      assert.equal(readLE(mem, 16, 8), BigInt(target));
    }
  });

  test('a stub must be 8-byte aligned so that its literal is', () => {
    assert.throws(() => riscv64.writeStub(new Uint8Array(24), 0, 0x40001004, 0x1234), /stub address = 0x40001004 is not a multiple of 8/);
  });
});

// ---- AArch64 relocations ---------------------------------------------------------------

describe('aarch64 relocations', { skip: missing(AARCH64, true) }, () => {
  const BASE = 0x7f0000400000; // the section's address
  const A64 = aarch64;

  /** Assembles `src`, links .text at BASE with `symbols`, and checks the instruction at offset 0 (and more). */
  const check = (src: string, symbols: Record<string, number>, want: Array<[number, string]>, extra: Partial<LinkOptions> = {}): void => {
    const code = linkOk(A64, assemble(AARCH64, src), { base: BASE, symbols, ...extra });
    assertInsns(AARCH64, code, BASE, want);
  };
  const errorsOf = (src: string, symbols: Record<string, number>, extra: Partial<LinkOptions> = {}): string[] =>
    linkErrors(A64, assemble(AARCH64, src), { base: BASE, symbols, ...extra });

  test('R_AARCH64_NONE changes nothing', () => {
    const obj = assemble(AARCH64, '.reloc ., R_AARCH64_NONE, fn\nnop\n');
    const code = linkOk(A64, obj, { base: BASE, symbols: { fn: 0 } });
    assertInsns(AARCH64, code, BASE, [[0, 'nop']]);
  });

  describe('R_AARCH64_CALL26', () => {
    const src = 'bl fn+8\n';
    test('bl reaches S + A forward and backward, up to ±128 MiB', () => {
      check(src, { fn: BASE + 0x3ff0000 }, [[0, `bl ${hex(BASE + 0x3ff0008)}`]]);
      check(src, { fn: BASE - 0x8000008 }, [[0, `bl ${hex(BASE - 0x8000000)}`]]);
      check(src, { fn: BASE + 0x7fffff4 }, [[0, `bl ${hex(BASE + 0x7fffffc)}`]]);
    });
    test('error: S + A - P = 0x8000000 is out of range', () => {
      assert.deepEqual(errorsOf(src, { fn: BASE + 0x7fffff8 }), [
        'R_AARCH64_CALL26: S + A - P = 0x8000000 does not fit in a signed 28-bit field [-0x8000000, 0x7ffffff]',
      ]);
      assert.deepEqual(errorsOf(src, { fn: BASE - 0x800000c }), [
        'R_AARCH64_CALL26: S + A - P = -0x8000004 does not fit in a signed 28-bit field [-0x8000000, 0x7ffffff]',
      ]);
    });
    test('error: a target that is not 4-byte aligned', () => {
      assert.deepEqual(errorsOf(src, { fn: BASE + 0x102 }), ['R_AARCH64_CALL26: S + A - P = 0x10a is not a multiple of 4']);
    });
  });

  describe('R_AARCH64_JUMP26', () => {
    test('b reaches S + A (a tail call)', () => {
      check('nop\nb fn\n', { fn: BASE - 0x1000 }, [[4, `b ${hex(BASE - 0x1000)}`]]);
    });
    test('error: 128 MiB away', () => {
      assert.deepEqual(errorsOf('b fn\n', { fn: BASE + 0x8000000 }), [
        'R_AARCH64_JUMP26: S + A - P = 0x8000000 does not fit in a signed 28-bit field [-0x8000000, 0x7ffffff]',
      ]);
    });
  });

  describe('R_AARCH64_ADR_PREL_PG_HI21', () => {
    const src = 'adrp x0, var+0x10\n';
    test('adrp gives Page(S + A), up to ±4 GiB of pages', () => {
      check(src, { var: 0x7f0012345ff0 }, [[0, `adrp x0, ${hex(0x7f0012346000)}`]]);
      check(src, { var: BASE - 0x12345678 }, [[0, `adrp x0, ${hex(page(BASE - 0x12345668))}`]]);
      check(src, { var: BASE + 0xfffff000 + 0xfe0 }, [[0, `adrp x0, ${hex(BASE + 0xfffff000)}`]]);
      check(src, { var: BASE - 0x100000000 - 0x10 }, [[0, `adrp x0, ${hex(BASE - 0x100000000)}`]]);
    });
    test('error: Page(S + A) - Page(P) = 0x100000000', () => {
      assert.deepEqual(errorsOf(src, { var: BASE + 0x100000000 }), [
        'R_AARCH64_ADR_PREL_PG_HI21: Page(S + A) - Page(P) = 0x100000000 does not fit in a signed 33-bit field [-0x100000000, 0xffffffff]',
      ]);
    });
  });

  test('R_AARCH64_ADR_PREL_PG_HI21_NC: no range check, the page delta wraps at 33 bits', () => {
    check('adrp x0, :pg_hi21_nc:var\n', { var: BASE + 0x200000000 + 0x5000 }, [[0, `adrp x0, ${hex(BASE + 0x5000)}`]]);
  });

  describe('R_AARCH64_ADR_PREL_LO21', () => {
    const src = 'adr x0, var\n';
    test('adr reaches S + A within ±1 MiB', () => {
      check(src, { var: BASE + 0xfffff }, [[0, `adr x0, ${hex(BASE + 0xfffff)}`]]);
      check(src, { var: BASE - 0x100000 }, [[0, `adr x0, ${hex(BASE - 0x100000)}`]]);
    });
    test('error: 1 MiB forward', () => {
      assert.deepEqual(errorsOf(src, { var: BASE + 0x100000 }), [
        'R_AARCH64_ADR_PREL_LO21: S + A - P = 0x100000 does not fit in a signed 21-bit field [-0x100000, 0xfffff]',
      ]);
    });
  });

  test('R_AARCH64_ADD_ABS_LO12_NC: add takes the low 12 bits of S + A', () => {
    check('add x0, x0, :lo12:var+4\n', { var: 0x7f0012345ab8 }, [[0, 'add x0, x0, #0xabc']]);
  });

  const ldst: Array<[type: string, insn: string, lo: number, shown: string, size: number]> = [
    ['R_AARCH64_LDST8_ABS_LO12_NC', 'ldrb w0, [x1, :lo12:var]', 0xfff, 'ldrb w0, [x1, #4095]', 1],
    ['R_AARCH64_LDST16_ABS_LO12_NC', 'ldrh w0, [x1, :lo12:var]', 0xffe, 'ldrh w0, [x1, #4094]', 2],
    ['R_AARCH64_LDST32_ABS_LO12_NC', 'str w0, [x1, :lo12:var]', 0x7fc, 'str w0, [x1, #2044]', 4],
    ['R_AARCH64_LDST64_ABS_LO12_NC', 'ldr x0, [x1, :lo12:var]', 0xff8, 'ldr x0, [x1, #4088]', 8],
    ['R_AARCH64_LDST128_ABS_LO12_NC', 'ldr q0, [x1, :lo12:var]', 0xff0, 'ldr q0, [x1, #4080]', 16],
  ];
  for (const [type, insn, lo, shown, size] of ldst) {
    describe(type, () => {
      test(`${insn.split(' ')[0]} takes the low 12 bits of S + A, scaled by ${size}`, () => {
        check(`${insn}\n`, { var: 0x7f0012345000 + lo }, [[0, shown]]);
      });
      if (size > 1) {
        test(`error: S + A not ${size}-byte aligned`, () => {
          assert.deepEqual(errorsOf(`${insn}\n`, { var: 0x7f0012345001 }), [`${type}: S + A = 0x7f0012345001 is not a multiple of ${size}`]);
        });
      }
    });
  }

  describe('R_AARCH64_MOVW_UABS_G0..G3', () => {
    test('movz/movk build a 64-bit absolute address 16 bits at a time', () => {
      const src = [
        'movz x0, #:abs_g3:var', 'movk x0, #:abs_g2_nc:var', 'movk x0, #:abs_g1_nc:var', 'movk x0, #:abs_g0_nc:var',
        'movz x1, #:abs_g2:mid', 'movz x2, #:abs_g1:small', 'movz x3, #:abs_g0:tiny', '',
      ].join('\n');
      check(src, { var: 0x0012_3456_789a_bcde, mid: 0x3456_789a_bcde, small: 0xfedc_ba98, tiny: 0xffff }, [
        // objdump shows movz as `mov` with the shifted value, and that value in decimal.
        [0, `mov x0, #0x12000000000000 // #${0x12000000000000}`],
        [4, 'movk x0, #0x3456, lsl #32'],
        [8, 'movk x0, #0x789a, lsl #16'],
        [12, 'movk x0, #0xbcde'],
        [16, `mov x1, #0x345600000000 // #${0x345600000000}`],
        [20, `mov x2, #0xfedc0000 // #${0xfedc0000}`],
        [24, `mov x3, #0xffff // #${0xffff}`],
      ]);
    });
    test('errors: the checked forms must hold all of S + A', () => {
      assert.deepEqual(errorsOf('movz x0, #:abs_g0:v\nmovz x0, #:abs_g1:v\nmovz x0, #:abs_g2:v\n', { v: 0x1000000000000 }), [
        'R_AARCH64_MOVW_UABS_G0: S + A = 0x1000000000000 does not fit in an unsigned 16-bit field [0x0, 0xffff]',
        'R_AARCH64_MOVW_UABS_G1: S + A = 0x1000000000000 does not fit in an unsigned 32-bit field [0x0, 0xffffffff]',
        'R_AARCH64_MOVW_UABS_G2: S + A = 0x1000000000000 does not fit in an unsigned 48-bit field [0x0, 0xffffffffffff]',
      ]);
    });
  });

  describe('R_AARCH64_CONDBR19', () => {
    const src = 'b.ne fn\ncbz x1, fn\n';
    test('b.cond and cbz reach S + A within ±1 MiB', () => {
      check(src, { fn: BASE + 0xffffc }, [[0, `b.ne ${hex(BASE + 0xffffc)} // b.any`], [4, `cbz x1, ${hex(BASE + 0xffffc)}`]]);
      check(src, { fn: BASE - 0xffffc }, [[0, `b.ne ${hex(BASE - 0xffffc)} // b.any`], [4, `cbz x1, ${hex(BASE - 0xffffc)}`]]);
    });
    test('error: 1 MiB away', () => {
      assert.deepEqual(errorsOf('cbz x1, fn\n', { fn: BASE + 0x100000 }), [
        'R_AARCH64_CONDBR19: S + A - P = 0x100000 does not fit in a signed 21-bit field [-0x100000, 0xfffff]',
      ]);
    });
  });

  describe('R_AARCH64_TSTBR14', () => {
    const src = 'tbnz w3, #5, fn\n';
    test('tbnz reaches S + A within ±32 KiB', () => {
      check(src, { fn: BASE + 0x7ffc }, [[0, `tbnz w3, #5, ${hex(BASE + 0x7ffc)}`]]);
      check(src, { fn: BASE - 0x8000 }, [[0, `tbnz w3, #5, ${hex(BASE - 0x8000)}`]]);
    });
    test('error: 32 KiB forward', () => {
      assert.deepEqual(errorsOf(src, { fn: BASE + 0x8000 }), [
        'R_AARCH64_TSTBR14: S + A - P = 0x8000 does not fit in a signed 16-bit field [-0x8000, 0x7fff]',
      ]);
    });
  });

  describe('R_AARCH64_LD_PREL_LO19', () => {
    test('ldr (literal) loads from S + A within ±1 MiB', () => {
      check('ldr x0, lit\n', { lit: BASE - 0x100000 }, [[0, `ldr x0, ${hex(BASE - 0x100000)}`]]);
    });
    test('error: 1 MiB forward', () => {
      assert.deepEqual(errorsOf('ldr x0, lit\n', { lit: BASE + 0x100000 }), [
        'R_AARCH64_LD_PREL_LO19: S + A - P = 0x100000 does not fit in a signed 21-bit field [-0x100000, 0xfffff]',
      ]);
    });
  });

  describe('R_AARCH64_ADR_GOT_PAGE + R_AARCH64_LD64_GOT_LO12_NC', () => {
    const src = 'adrp x0, :got:var\nldr x0, [x0, :got_lo12:var]\n';
    test('adrp/ldr load the GOT entry G, not the symbol', () => {
      const G = BASE - 0x7ff0008;
      check(src, { var: 0x7fff00001234 }, [[0, `adrp x0, ${hex(page(G))}`], [4, `ldr x0, [x0, #${G & 0xfff}]`]], { got: { var: G } });
    });
    test('error: the GOT entry 4 GiB away', () => {
      assert.deepEqual(errorsOf(src, { var: 0 }, { got: { var: BASE + 0x100000000 } }), [
        'R_AARCH64_ADR_GOT_PAGE: Page(G(GDAT(S + A))) - Page(P) = 0x100000000 does not fit in a signed 33-bit field [-0x100000000, 0xffffffff]',
      ]);
    });
    test('error: a GOT entry that is not 8-byte aligned', () => {
      assert.deepEqual(errorsOf(src, { var: 0 }, { got: { var: BASE + 0x1004 } }), [
        'R_AARCH64_LD64_GOT_LO12_NC: G(GDAT(S + A)) = 0x7f0000401004 is not a multiple of 8',
      ]);
    });
  });

  describe('R_AARCH64_LD64_GOTPAGE_LO15', () => {
    const src = 'ldr x0, [x0, #:gotpage_lo15:var]\n';
    const GOT = BASE + 0x10000;
    test('ldr offset is G - Page(GOT), up to 32 KiB', () => {
      check(src, { var: 0 }, [[0, 'ldr x0, [x0, #32760]']], { got: { var: GOT + 0x7ff8 }, gotBase: GOT });
    });
    test('error: G - Page(GOT) = 0x8000', () => {
      assert.deepEqual(errorsOf(src, { var: 0 }, { got: { var: GOT + 0x8000 }, gotBase: GOT }), [
        'R_AARCH64_LD64_GOTPAGE_LO15: G(GDAT(S + A)) - Page(GOT) = 0x8000 does not fit in an unsigned 15-bit field [0x0, 0x7fff]',
      ]);
    });
  });

  describe('R_AARCH64_GOT_LD_PREL19', () => {
    test('ldr (literal) loads the GOT entry', () => {
      check('ldr x0, :got:var\n', { var: 0 }, [[0, `ldr x0, ${hex(BASE + 0x8000)}`]], { got: { var: BASE + 0x8000 } });
    });
    test('error: a nonzero addend (the GOT entry holds S alone)', () => {
      assert.deepEqual(errorsOf('ldr x0, :got:var+8\n', { var: 0 }, { got: { var: BASE + 0x8000 } }), [
        'R_AARCH64_GOT_LD_PREL19: GOT-indirect reference with addend A = 0x8: the GOT entry is for S alone, so A must be 0',
      ]);
    });
  });

  test('R_AARCH64_TLSGD_ADR_PAGE21 + R_AARCH64_TLSGD_ADD_LO12_NC address the TLS GOT pair', () => {
    const pair = BASE + 0x12340;
    check('adrp x0, :tlsgd:tv\nadd x0, x0, :tlsgd_lo12:tv\n', { tv: 0 }, [[0, `adrp x0, ${hex(page(pair))}`], [4, `add x0, x0, #${hex(pair & 0xfff)}`]], { got: { tv: pair } });
  });

  test('R_AARCH64_TLSDESC_*: unsupported, with the flag to use instead', () => {
    const errors = errorsOf('adrp x0, :tlsdesc:tv\nldr x1, [x0, :tlsdesc_lo12:tv]\nadd x0, x0, :tlsdesc_lo12:tv\n.tlsdesccall tv\nblr x1\n', { tv: 0 });
    assert.equal(errors.length, 4);
    for (const e of errors) assert.match(e, /^R_AARCH64_TLSDESC_\* \(type 5\d\d\): TLS descriptors .* compile with -mtls-dialect=trad$/);
  });

  test('initial-exec and local-exec TLS: unsupported, compile with -fPIC', () => {
    const errors = errorsOf('adrp x0, :gottprel:tv\nadd x0, x0, #:tprel_lo12_nc:tv\n', { tv: 0 });
    assert.match(errors[0]!, /initial-exec TLS\) needs static TLS space in the host process; compile with -fPIC/);
    assert.match(errors[1]!, /local-exec TLS\) needs static TLS space in the host process; compile with -fPIC/);
  });

  describe('data', () => {
    const data = (src: string, symbols: Record<string, number>): Linked =>
      link(A64, assemble(AARCH64, `.data\n${src}\n`), { section: '.data', base: BASE, symbols });

    test('R_AARCH64_ABS64: S + A', () => {
      const r = data('.xword var+8', { var: 0x7fff12345678 });
      assert.deepEqual(r.errors, []);
      assert.equal(readLE(r.code, 0, 8), 0x7fff12345680n);
    });
    test('R_AARCH64_ABS32: S + A, and an error past 2^32', () => {
      const r = data('.word var', { var: 0xfffffffc });
      assert.deepEqual([r.errors, readLE(r.code, 0, 4)], [[], 0xfffffffcn]);
      assert.deepEqual(data('.word var', { var: 0x100000000 }).errors, [
        'R_AARCH64_ABS32: S + A = 0x100000000 does not fit in a 32-bit field [-0x80000000, 0xffffffff]',
      ]);
    });
    test('R_AARCH64_ABS16: S + A, and an error past 2^16', () => {
      const r = data('.hword var', { var: 0xfffe });
      assert.deepEqual([r.errors, readLE(r.code, 0, 2)], [[], 0xfffen]);
      assert.deepEqual(data('.hword var', { var: 0x10000 }).errors, [
        'R_AARCH64_ABS16: S + A = 0x10000 does not fit in a 16-bit field [-0x8000, 0xffff]',
      ]);
    });
    test('R_AARCH64_PREL64: S + A - P, negative', () => {
      const r = data('.xword 0\n.xword var - .', { var: BASE - 0x100000000 });
      assert.deepEqual([r.errors, readLE(r.code, 8, 8)], [[], BigInt.asUintN(64, BigInt(-0x100000008))]);
    });
    test('R_AARCH64_PREL32: S + A - P, and an error past -2^31', () => {
      const r = data('.word var - .', { var: BASE - 0x80000000 });
      assert.deepEqual([r.errors, readLE(r.code, 0, 4)], [[], 0x80000000n]);
      assert.deepEqual(data('.word var - .', { var: BASE - 0x80000001 }).errors, [
        'R_AARCH64_PREL32: S + A - P = -0x80000001 does not fit in a 32-bit field [-0x80000000, 0xffffffff]',
      ]);
    });
    test('R_AARCH64_PREL16: S + A - P, and an error past -2^15', () => {
      const r = data('.hword var - .', { var: BASE - 0x8000 });
      assert.deepEqual([r.errors, readLE(r.code, 0, 2)], [[], 0x8000n]);
      assert.deepEqual(data('.hword var - .', { var: BASE - 0x8001 }).errors, [
        'R_AARCH64_PREL16: S + A - P = -0x8001 does not fit in a 16-bit field [-0x8000, 0xffff]',
      ]);
    });
  });

  test('a field that runs past the end of the section is an error, not a silent partial write', () => {
    const mem = new Uint8Array(6);
    assert.equal(A64.apply(283 /* CALL26 */, mem, 4, { S: 0, A: 0, P: 0, G: 0, GOT: 0, Z: 0 }), 'the 4-byte field at offset 0x4 runs past the end of the section (0x6 bytes)');
  });

  test('nothing is relaxed', () => {
    assert.equal(A64.canRelax(311, new Uint8Array(8), 0), false);
  });
});

// ---- RISC-V relocations ----------------------------------------------------------------

describe('riscv64 relocations', { skip: missing(RISCV64, true) }, () => {
  const BASE = 0x7f0000400000;
  const RV = riscv64;

  const check = (src: string, symbols: Record<string, number>, want: Array<[number, string]>, extra: Partial<LinkOptions> = {}): void => {
    const code = linkOk(RV, assemble(RISCV64, src), { base: BASE, symbols, ...extra });
    assertInsns(RISCV64, code, BASE, want);
  };
  const errorsOf = (src: string, symbols: Record<string, number>, extra: Partial<LinkOptions> = {}): string[] =>
    linkErrors(RV, assemble(RISCV64, src), { base: BASE, symbols, ...extra });
  const split = (x: number): [hi: number, lo: number] => {
    const hi = Math.floor((x + 0x800) / 4096);
    return [hi & 0xfffff, x - hi * 4096];
  };

  describe('R_RISCV_BRANCH', () => {
    // gas turns `beq` to an undefined symbol into bne+j; .reloc over a raw `beq a0, a1, .` keeps the B-type.
    const src = '.reloc ., R_RISCV_BRANCH, fn\n.4byte 0x00b50063\n';
    test('beq reaches S + A within ±4 KiB', () => {
      check(src, { fn: BASE + 0xffe }, [[0, `beq a0,a1,${hex(BASE + 0xffe)}`]]);
      check(src, { fn: BASE - 0x1000 }, [[0, `beq a0,a1,${hex(BASE - 0x1000)}`]]);
    });
    test('error: 4 KiB forward, and an odd offset', () => {
      assert.deepEqual(errorsOf(src, { fn: BASE + 0x1000 }), ['R_RISCV_BRANCH: S + A - P = 0x1000 does not fit in a signed 13-bit field [-0x1000, 0xfff]']);
      assert.deepEqual(errorsOf(src, { fn: BASE + 0x11 }), ['R_RISCV_BRANCH: S + A - P = 0x11 is not a multiple of 2']);
    });
  });

  describe('R_RISCV_JAL', () => {
    const src = 'jal fn\n';
    test('jal reaches S + A within ±1 MiB', () => {
      check(src, { fn: BASE + 0xffffe }, [[0, `jal ${hex(BASE + 0xffffe)}`]]);
      check(src, { fn: BASE - 0x100000 }, [[0, `jal ${hex(BASE - 0x100000)}`]]);
    });
    test('error: 1 MiB forward', () => {
      assert.deepEqual(errorsOf(src, { fn: BASE + 0x100000 }), ['R_RISCV_JAL: S + A - P = 0x100000 does not fit in a signed 21-bit field [-0x100000, 0xfffff]']);
    });
  });

  describe('R_RISCV_CALL_PLT', () => {
    const src = 'call fn\n';
    const want = (fn: number): Array<[number, string]> => {
      const [hi, lo] = split(fn - BASE);
      return [[0, `auipc ra,${hex(hi)}`], [4, `jalr ${lo}(ra) # ${hex(fn)}`]];
    };
    test('auipc+jalr reach S + A within [-2 GiB - 2 KiB, 2 GiB - 2 KiB)', () => {
      for (const fn of [BASE + 0x12345678, BASE + 0x7fe, BASE + 0x800, BASE - 0x1234, BASE + 0x7ffff7fe, BASE - 0x80000800]) {
        const code = linkOk(RV, assemble(RISCV64, src), { base: BASE, symbols: { fn } });
        const dis = disassemble(RISCV64, code, BASE);
        // objdump prints `jalr ra` for offset 0 and `jalr N(ra)` otherwise.
        const w = want(fn).map(([o, s]) => [o, s.replace(/^jalr 0\(ra\)/, 'jalr ra')]);
        assert.deepEqual([[0, dis.get(BASE)], [4, dis.get(BASE + 4)]], w, hex(fn));
      }
    });
    test('error: just past 2 GiB - 2 KiB', () => {
      assert.deepEqual(errorsOf(src, { fn: BASE + 0x7ffff800 }), [
        'R_RISCV_CALL_PLT: S + A - P = 0x7ffff800 does not fit in a signed 32-bit hi20 + lo12 field [-0x80000800, 0x7ffff7ff]',
      ]);
      assert.deepEqual(errorsOf(src, { fn: BASE - 0x80000802 }), [
        'R_RISCV_CALL_PLT: S + A - P = -0x80000802 does not fit in a signed 32-bit hi20 + lo12 field [-0x80000800, 0x7ffff7ff]',
      ]);
    });
  });

  test('R_RISCV_CALL (the deprecated name) patches the same pair', () => {
    const fn = BASE - 0x12345678;
    const [hi, lo] = split(fn - BASE);
    check('.reloc ., R_RISCV_CALL, fn\n.4byte 0x00000097\n.4byte 0x000080e7\n', { fn }, [[0, `auipc ra,${hex(hi)}`], [4, `jalr ${lo}(ra) # ${hex(fn)}`]]);
  });

  describe('R_RISCV_PCREL_HI20 + R_RISCV_PCREL_LO12_I/S (paired through the auipc label)', () => {
    const src = [
      '.Lp1: auipc a0, %pcrel_hi(var+4)', 'addi a1, a0, %pcrel_lo(.Lp1)',
      '.Lp2: auipc a3, %pcrel_hi(var+4)', 'sd a2, %pcrel_lo(.Lp2)(a3)', '',
    ].join('\n');
    test('each lo12 takes the low bits of the hi20 value S + A - P computed at its auipc', () => {
      for (const target of [BASE + 0x12345678, BASE - 0x800, BASE + 0x7ffff7ff, BASE - 0x80000800 + 8, BASE + 0x1000]) {
        const [hi1, lo1] = split(target - BASE);
        const [hi2, lo2] = split(target - (BASE + 8));
        check(src, { var: target - 4 }, [
          [0, `auipc a0,${hex(hi1)}`],
          [4, lo1 === 0 ? 'mv a1,a0' : `${addi()} a1,a0,${lo1} # ${hex(target)}`], // objdump shows no target for mv
          [8, `auipc a3,${hex(hi2)}`],
          [12, `sd a2,${lo2}(a3) # ${hex(target)}`],
        ]);
      }
    });
    test('error: the hi20 out of auipc range', () => {
      assert.deepEqual(errorsOf(src, { var: BASE + 0x7ffff800 - 4 }), [
        'R_RISCV_PCREL_HI20: S + A - P = 0x7ffff800 does not fit in a signed 32-bit hi20 + lo12 field [-0x80000800, 0x7ffff7ff]',
      ]);
      assert.deepEqual(errorsOf(src, { var: BASE - 0x80000808 }), [
        'R_RISCV_PCREL_HI20: S + A - P = -0x80000804 does not fit in a signed 32-bit hi20 + lo12 field [-0x80000800, 0x7ffff7ff]',
        'R_RISCV_PCREL_HI20: S + A - P = -0x8000080c does not fit in a signed 32-bit hi20 + lo12 field [-0x80000800, 0x7ffff7ff]',
      ]);
    });
    test('error: a lo12 whose label has no hi20 relocation cannot be paired', () => {
      assert.deepEqual(errorsOf('.Lx: nop\naddi a0, a0, %pcrel_lo(.Lx)\n', {}), ['R_RISCV_PCREL_LO12_I: label .Lx has no hi20 relocation']);
    });
  });

  describe('R_RISCV_HI20 + R_RISCV_LO12_I/S (absolute, lui)', () => {
    const src = 'lui a0, %hi(var)\naddi a0, a0, %lo(var)\nsw a1, %lo(var)(a0)\n';
    test('lui/addi/sw build S + A below 2 GiB', () => {
      check(src, { var: 0x12345fff }, [[0, 'lui a0,0x12346'], [4, `${addi()} a0,a0,-1 # 0x12345fff`], [8, 'sw a1,-1(a0)']]);
      check(src, { var: 0x7ffff7ff }, [[0, 'lui a0,0x7ffff'], [4, `${addi()} a0,a0,2047 # 0x7ffff7ff`], [8, 'sw a1,2047(a0)']]);
    });
    test('error: an address at 2 GiB - 2 KiB or above; compile with -fPIC', () => {
      assert.deepEqual(errorsOf(src, { var: 0x7ffff800 }), [
        'R_RISCV_HI20: S + A = 0x7ffff800 does not fit in a signed 32-bit hi20 + lo12 field [-0x80000800, 0x7ffff7ff]; lui reaches only the low 2 GiB: compile with -fPIC',
      ]);
    });
  });

  describe('R_RISCV_GOT_HI20 (+ its PCREL_LO12_I)', () => {
    const src = '.Lg: auipc a0, %got_pcrel_hi(var)\nld a0, %pcrel_lo(.Lg)(a0)\n';
    test('auipc/ld load the GOT entry G, not the symbol', () => {
      const G = BASE - 0x345678;
      const [hi, lo] = split(G - BASE);
      check(src, { var: 0x7fff00001234 }, [[0, `auipc a0,${hex(hi)}`], [4, `ld a0,${lo}(a0) # ${hex(G)}`]], { got: { var: G } });
    });
    test('error: the GOT entry out of auipc range', () => {
      assert.deepEqual(errorsOf(src, { var: 0 }, { got: { var: BASE + 0x80000000 } }), [
        'R_RISCV_GOT_HI20: G + GOT + A - P = 0x80000000 does not fit in a signed 32-bit hi20 + lo12 field [-0x80000800, 0x7ffff7ff]',
      ]);
    });
  });

  test('R_RISCV_TLS_GD_HI20 (+ its PCREL_LO12_I) address the TLS GOT pair', () => {
    const pair = BASE + 0x1ff0;
    const [hi, lo] = split(pair - BASE);
    check('.Lt: auipc a0, %tls_gd_pcrel_hi(tv)\naddi a0, a0, %pcrel_lo(.Lt)\n', { tv: 0 }, [[0, `auipc a0,${hex(hi)}`], [4, `${addi()} a0,a0,${lo} # ${hex(pair)}`]], { got: { tv: pair } });
  });

  describe('R_RISCV_RVC_JUMP', () => {
    const src = '.reloc ., R_RISCV_RVC_JUMP, fn\n.2byte 0xa001\n'; // c.j .
    test('c.j reaches S + A within ±2 KiB', () => {
      check(src, { fn: BASE + 0x7fe }, [[0, `j ${hex(BASE + 0x7fe)}`]]);
      check(src, { fn: BASE - 0x800 }, [[0, `j ${hex(BASE - 0x800)}`]]);
    });
    test('error: 2 KiB forward', () => {
      assert.deepEqual(errorsOf(src, { fn: BASE + 0x800 }), ['R_RISCV_RVC_JUMP: S + A - P = 0x800 does not fit in a signed 12-bit field [-0x800, 0x7ff]']);
    });
  });

  describe('R_RISCV_RVC_BRANCH', () => {
    const src = '.reloc ., R_RISCV_RVC_BRANCH, fn\n.2byte 0xc101\n'; // c.beqz a0, .
    test('c.beqz reaches S + A within ±256 bytes', () => {
      check(src, { fn: BASE + 0xfe }, [[0, `beqz a0,${hex(BASE + 0xfe)}`]]);
      check(src, { fn: BASE - 0x100 }, [[0, `beqz a0,${hex(BASE - 0x100)}`]]);
    });
    test('error: 256 bytes forward', () => {
      assert.deepEqual(errorsOf(src, { fn: BASE + 0x100 }), ['R_RISCV_RVC_BRANCH: S + A - P = 0x100 does not fit in a signed 9-bit field [-0x100, 0xff]']);
    });
  });

  describe('data', () => {
    const TEXT = 0x7f0000100000;
    const data = (src: string, symbols: Record<string, number> = {}, obj?: ElfObject): Linked =>
      link(RV, obj ?? assemble(RISCV64, `.text\n.La: nop\n.Lb: nop\nnop\n.data\n${src}\n`), { section: '.data', base: BASE, symbols, sections: { '.text': TEXT } });

    test('R_RISCV_64: S + A', () => {
      const r = data('.quad var+8', { var: 0x7fff12345678 });
      assert.deepEqual([r.errors, readLE(r.code, 0, 8)], [[], 0x7fff12345680n]);
    });
    test('R_RISCV_32: S + A, and an error past 2^32', () => {
      const r = data('.word var', { var: 0xfffffffc });
      assert.deepEqual([r.errors, readLE(r.code, 0, 4)], [[], 0xfffffffcn]);
      assert.deepEqual(data('.word var', { var: 0x100000000 }).errors, ['R_RISCV_32: S + A = 0x100000000 does not fit in a 32-bit field [-0x80000000, 0xffffffff]']);
    });
    test('R_RISCV_32_PCREL: S + A - P, and an error past 2^31', () => {
      const src = '.word 0\n.reloc ., R_RISCV_32_PCREL, var\n.word 0';
      const r = data(src, { var: BASE - 0x7ffffffc });
      assert.deepEqual([r.errors, readLE(r.code, 4, 4)], [[], 0x80000000n]);
      assert.deepEqual(data(src, { var: BASE + 0x80000004 }).errors, ['R_RISCV_32_PCREL: S + A - P = 0x80000000 does not fit in a signed 32-bit field [-0x80000000, 0x7fffffff]']);
    });
    test('R_RISCV_PLT32: S + A - P (retyped from R_RISCV_32_PCREL: binutils 2.40 has no name for it)', () => {
      const obj = retype(assemble(RISCV64, '.data\n.reloc ., R_RISCV_32_PCREL, fn\n.word 0\n'), '.data', 0, R_RISCV_PLT32);
      assert.equal(obj.relocations(obj.sections.find((s) => s.name === '.data')!.relaIndex).r_type[0], R_RISCV_PLT32);
      const r = link(RV, obj, { section: '.data', base: BASE, symbols: { fn: BASE - 0x1000 } });
      assert.deepEqual([r.errors, readLE(r.code, 0, 4)], [[], 0xfffff000n]);
    });
    test('R_RISCV_ADD8/16/32/64 + R_RISCV_SUB8/16/32/64: label differences', () => {
      // .La: nop is a 2-byte c.nop under rv64gc.
      const r = data('.byte .Lb - .La\n.2byte .Lb - .La\n.4byte .Lb - .La\n.8byte .La - .Lb');
      assert.deepEqual(r.errors, []);
      assert.deepEqual([readLE(r.code, 0, 1), readLE(r.code, 1, 2), readLE(r.code, 3, 4), readLE(r.code, 7, 8)], [2n, 2n, 2n, 0xfffffffffffffffen]);
    });
    test('R_RISCV_ADD32 + R_RISCV_SUB32 to an undefined symbol: S - P, wrapping without a check', () => {
      const r = data('.word 0\n.word var - .', { var: BASE + 4 - 0x80000004 });
      assert.deepEqual([r.errors, readLE(r.code, 4, 4)], [[], 0x7ffffffcn]);
    });
    test('R_RISCV_SET6/SUB6/SET8/SET16/SET32: set or subtract bit fields', () => {
      const src = [
        '.reloc ., R_RISCV_SET6, v6\n.byte 0xc0',
        '.reloc ., R_RISCV_SUB6, v6\n.byte 0xc5',
        '.reloc ., R_RISCV_SET8, v8\n.byte 0',
        '.reloc ., R_RISCV_SET16, v16\n.2byte 0',
        '.reloc ., R_RISCV_SET32, v32\n.4byte 0',
      ].join('\n');
      const r = data(src, { v6: 0x47, v8: 0x1ff, v16: 0x12345, v32: 0x123456789 });
      assert.deepEqual(r.errors, []);
      // SET6: 0xc0 | (0x47 & 0x3f) = 0xc7; SUB6: 0xc0 | ((5 - 0x47) & 0x3f) = 0xfe; SETn truncate.
      assert.deepEqual([r.code[0], r.code[1], r.code[2], readLE(r.code, 3, 2), readLE(r.code, 5, 4)], [0xc7, 0xfe, 0xff, 0x2345n, 0x23456789n]);
    });
    test('R_RISCV_SET_ULEB128 + R_RISCV_SUB_ULEB128 rewrite a ULEB128 in place, keeping its length', () => {
      // binutils 2.40 cannot emit them: assemble SET8/SUB8 on a padded 3-byte ULEB128 and retype.
      let obj = assemble(RISCV64, '.data\n.reloc ., R_RISCV_SET8, a\n.reloc ., R_RISCV_SUB8, b\n.byte 0x80, 0x80, 0x00\n');
      const rel = obj.relocations(obj.sections.find((s) => s.name === '.data')!.relaIndex);
      assert.deepEqual([...rel.r_type], [R_RISCV_SET8, R_RISCV_SUB8]);
      obj = retype(retype(obj, '.data', 0, R_RISCV_SET_ULEB128), '.data', 1, R_RISCV_SUB_ULEB128);
      const r = data('', { a: BASE + 0x1234f, b: BASE }, obj);
      assert.deepEqual(r.errors, []);
      // 0x1234f = ULEB128 cf c6 04
      assert.deepEqual([...r.code.subarray(0, 3)], [0xcf, 0xc6, 0x04]);
      // The difference wraps in the ULEB128's 21 bits like any ADD/SUB word.
      assert.deepEqual([...data('', { a: BASE + 0x200005, b: BASE }, obj).code.subarray(0, 3)], [0x85, 0x80, 0x00]);
    });
    test('error: a ULEB128 that runs past the end of the section', () => {
      const obj = retype(assemble(RISCV64, '.data\n.reloc ., R_RISCV_SET8, a\n.byte 0x80\n'), '.data', 0, R_RISCV_SET_ULEB128);
      assert.deepEqual(data('', { a: 1 }, obj).errors, ['R_RISCV_SET_ULEB128: the ULEB128 at offset 0x0 runs past the end of the section (0x1 bytes)']);
    });
    test('R_RISCV_TLS_DTPREL64 (.dtpreldword, as in DWARF for __thread): S + A, the offset in the TLS block', () => {
      const r = data('.dtpreldword tv+8', { tv: 0x40 });
      assert.deepEqual([r.errors, readLE(r.code, 0, 8)], [[], 0x48n]);
    });
  });

  describe('linker relaxation', () => {
    test('R_RISCV_ALIGN: unsupported, the reason says to compile with -mno-relax', () => {
      const relaxed = assemble(RISCV64, 'nop\n.balign 16\nnop\n', [], ['-march=rv64gc']);
      const t = relaxed.relocations(relaxed.sections.find((s) => s.name === '.text')!.relaIndex);
      assert.ok([...t.r_type].includes(R_RISCV_ALIGN), 'gas without -mno-relax emits R_RISCV_ALIGN for .balign');
      assert.equal(RV.relocInfo(R_RISCV_ALIGN), undefined);
      assert.match(RV.unsupportedReason(R_RISCV_ALIGN)!, /compile with -mno-relax$/);
      assert.deepEqual(link(RV, relaxed, { base: BASE }).errors, [RV.unsupportedReason(R_RISCV_ALIGN)]);
      const plain = assemble(RISCV64, 'nop\n.balign 16\nnop\n');
      assert.equal(plain.sections.find((s) => s.name === '.text')!.relaIndex, -1, 'with -mno-relax, no relocations at all');
    });
    test('R_RISCV_RELAX is a hint we may ignore: the call still reaches its target unrelaxed', () => {
      const obj = assemble(RISCV64, 'call fn\n', [], ['-march=rv64gc']);
      const fn = BASE + 0x1234;
      const [hi, lo] = split(fn - BASE);
      const code = linkOk(RV, obj, { base: BASE, symbols: { fn } });
      assertInsns(RISCV64, code, BASE, [[0, `auipc ra,${hex(hi)}`], [4, `jalr ${lo}(ra) # ${hex(fn)}`]]);
    });
  });

  test('TLS descriptors, initial-exec and local-exec TLS: unsupported with the flag to use', () => {
    assert.match(RV.unsupportedReason(62)!, /compile with -mtls-dialect=trad/);
    const errors = errorsOf('.Li: auipc a0, %tls_ie_pcrel_hi(tv)\nlui a1, %tprel_hi(tv)\n', { tv: 0 });
    assert.deepEqual(errors, [
      'R_RISCV_TLS_GOT_HI20 (initial-exec TLS) needs static TLS space in the host process; compile with -fPIC',
      'R_RISCV_TPREL_HI20 (local-exec TLS) needs static TLS space in the host process; compile with -fPIC',
    ]);
  });

  test('a field that runs past the end of the section is an error', () => {
    assert.equal(RV.apply(19 /* CALL_PLT */, new Uint8Array(8), 4, { S: 0, A: 0, P: 0, G: 0, GOT: 0, Z: 0 }), 'the 8-byte field at offset 0x4 runs past the end of the section (0x8 bytes)');
  });
});
