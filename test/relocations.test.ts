// Relocation tests in the LLVM JITLink style: one small assembly input per
// relocation kind, assembled with `gcc -c` into a temporary directory at
// test time, linked at a fixed base without running, and checked byte by
// byte at the fixup site against the psABI formula computed from lookup()
// and the session's GOT/stub tables. A check reads like a jitlink-check line:
//
//   *{4}(site_pc32 + 3) = var + 12 - (site_pc32 + 7)
//
// The TLS cases link hotlink's runtime (the module table lives there) and,
// like the last test, also run the linked code.
//
// Run: npx tsc -p . && node --test dist/test/relocations.test.js

import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HotlinkError, Jit } from '../src/index.js';
import type { JitOptions } from '../src/jit.js';
import { dlsym, readWord, RTLD_DEFAULT } from '../src/memory/native.js';
import { hostGotCells } from '../src/link/copyreloc.js';

const BASE = 0x50000000;
const SMALL_RESERVE = { rx: 0, r: 0, rw: 0, tls: 0 };

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hotlink-reloc-'));
});
after(() => {
  if (dir && !process.env.HOTLINK_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

/** Assembles `src` with `gcc -c [flags]` and returns the object's bytes. */
function assemble(name: string, src: string, flags: string[] = []): Uint8Array {
  const s = join(dir, `${name}.s`);
  const o = join(dir, `${name}.o`);
  writeFileSync(s, src);
  const r = spawnSync('gcc', ['-c', ...flags, s, '-o', o], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc -c ${flags.join(' ')} ${s} failed (${r.status}):\n${r.stderr}`);
  return readFileSync(o);
}

/** Compiles C source with gcc -c (flags) and returns the object's bytes. */
function compileC(name: string, src: string, flags: string[]): Uint8Array {
  const c = join(dir, `${name}.c`);
  const o = join(dir, `${name}.o`);
  writeFileSync(c, src);
  const r = spawnSync('gcc', ['-c', ...flags, c, '-o', o], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc -c ${flags.join(' ')} ${c} failed (${r.status}):\n${r.stderr}`);
  return readFileSync(o);
}

type Input = [name: string, bytes: Uint8Array];

const freed = new WeakSet<Jit>();

/** Unmaps an image now (at most once: a second munmap could hit someone else's mapping). */
function release(jit: Jit): void {
  if (freed.has(jit)) return;
  freed.add(jit);
  jit.free();
}

function newJit(t: TestContext, inputs: Input[], opts: JitOptions = {}): Jit {
  const jit = new Jit({ runtime: false, base: BASE, reserve: SMALL_RESERVE, ...opts });
  t.after(() => release(jit));
  for (const [name, bytes] of inputs) jit.addObject(bytes, name);
  return jit;
}

/** Links the inputs at BASE (no runtime unless asked) and frees the image after the test. */
async function linkAt(t: TestContext, inputs: Input[], opts: JitOptions = {}): Promise<Jit> {
  const jit = newJit(t, inputs, opts);
  await jit.link();
  return jit;
}

/** Links and expects a HotlinkError; returns it. */
async function linkFails(t: TestContext, inputs: Input[], opts: JitOptions = {}): Promise<HotlinkError> {
  const jit = newJit(t, inputs, opts);
  try {
    await jit.link();
  } catch (e) {
    assert.ok(e instanceof HotlinkError, `expected a HotlinkError, got ${(e as Error)?.stack ?? String(e)}`);
    return e;
  }
  assert.fail('the link succeeded but an error was expected');
}

function addr(jit: Jit, name: string): number {
  const a = jit.lookup(name);
  assert.ok(a !== undefined, `symbol '${name}' is not in the image`);
  return a;
}

function view(jit: Jit, at: number, len: number): DataView {
  const b = jit.read(at, len);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
const i32 = (jit: Jit, at: number): number => view(jit, at, 4).getInt32(0, true);
const u32 = (jit: Jit, at: number): number => view(jit, at, 4).getUint32(0, true);
const i64 = (jit: Jit, at: number): bigint => view(jit, at, 8).getBigInt64(0, true);
const u64 = (jit: Jit, at: number): bigint => view(jit, at, 8).getBigUint64(0, true);
const bytes = (jit: Jit, at: number, len: number): number[] => [...jit.read(at, len)];

/** The session's symbol id of a published global. */
function symId(jit: Jit, name: string): number {
  const id = jit.session.symbols.byName.get(name);
  assert.ok(id !== undefined, `no published symbol '${name}'`);
  return id;
}

/** The id of a host (dlsym-resolved) symbol: not published under byName, so search the table. */
function hostId(jit: Jit, name: string): number {
  const syms = jit.session.symbols;
  for (let id = 0; id < syms.count; id++) if (syms.name[id] === name && syms.input[id] === -1 && syms.addr[id] !== 0) return id;
  assert.fail(`no host symbol '${name}' in the session`);
}

function gotEntry(jit: Jit, id: number): number {
  const g = jit.session.symbols.got.get(id);
  assert.ok(g !== undefined, `symbol ${jit.session.symbols.name[id]} has no GOT entry`);
  return g;
}

/** Address of the linker-defined _GLOBAL_OFFSET_TABLE_ (a local symbol of the session). */
function gotSymbol(jit: Jit): number {
  const syms = jit.session.symbols;
  const id = syms.name.lastIndexOf('_GLOBAL_OFFSET_TABLE_');
  assert.ok(id >= 0, '_GLOBAL_OFFSET_TABLE_ was not defined by the linker');
  return syms.addr[id]!;
}

/** The real address of a libc function, independent of the linker. */
function libcAddress(name: string): number {
  const a = dlsym(RTLD_DEFAULT, name);
  assert.ok(a, `dlsym(${name}) failed`);
  return a;
}

/** Asserts that the stub at `stub` is `ff 25 00000000 <target:8> cc cc`: jmp *0(%rip) through the address it holds. */
function assertStubTo(jit: Jit, stub: number, target: number): void {
  const b = bytes(jit, stub, 16);
  assert.deepEqual([b[0], b[1], b[14], b[15]], [0xff, 0x25, 0xcc, 0xcc], `stub at 0x${stub.toString(16)} is not 'jmp *0(%rip); .quad; int3; int3': ${b}`);
  assert.equal(i32(jit, stub + 2), 0, 'the stub jumps through the quad that follows it');
  assert.equal(u64(jit, stub + 6), BigInt(target), `the stub at 0x${stub.toString(16)} does not hold the target`);
}

const hex = (v: number | bigint): string => (v < 0 ? '-0x' + (-BigInt(v)).toString(16) : '0x' + v.toString(16));

// ---------------------------------------------------------------------------------------------

describe('absolute relocations', () => {
  test('R_X86_64_64: *{8}(site_64) = target + 5; a libc function gets its stub (its canonical address)', async (t) => {
    const obj = assemble('abs64', `
      .text
      .globl target
target: ret
      .data
      .globl site_64, site_64_libc
site_64: .quad target + 5
site_64_libc: .quad puts
`);
    const jit = await linkAt(t, [['abs64.o', obj]]);
    assert.equal(u64(jit, addr(jit, 'site_64')), BigInt(addr(jit, 'target') + 5));
    // Like a native canonical PLT entry, the stub is the image's address of a far host function, in data as in code.
    const stub = jit.session.symbols.stub.get(hostId(jit, 'puts'));
    assert.ok(stub !== undefined, 'no stub for puts');
    assert.equal(u64(jit, addr(jit, 'site_64_libc')), BigInt(stub));
    assertStubTo(jit, stub, libcAddress('puts'));
  });

  test('R_X86_64_32: *{4}(site_32) = target + 8 (zero-extended)', async (t) => {
    const obj = assemble('abs32', `
      .text
      .globl target
      nop
target: ret
      .data
      .globl site_32
      .long 0
site_32: .long target + 8
`);
    const jit = await linkAt(t, [['abs32.o', obj]]);
    const target = addr(jit, 'target');
    assert.ok(target > 0 && target + 8 <= 0xffffffff);
    assert.equal(u32(jit, addr(jit, 'site_32')), target + 8);
  });

  test('R_X86_64_32S: *{4}(site_32s + 3) = var + 4 (sign-extended imm32 of movq $var+4, %rax)', async (t) => {
    const obj = assemble('abs32s', `
      .text
      .globl site_32s
site_32s: movq $var+4, %rax
      ret
      .data
      .globl var
      .quad 0
var:  .quad 0
`);
    const jit = await linkAt(t, [['abs32s.o', obj]]);
    const site = addr(jit, 'site_32s');
    assert.deepEqual(bytes(jit, site, 3), [0x48, 0xc7, 0xc0]);
    assert.equal(i32(jit, site + 3), addr(jit, 'var') + 4);
  });

  test('R_X86_64_SIZE32 / R_X86_64_SIZE64: the symbol size plus the addend, across objects', async (t) => {
    const def = assemble('size_def', `
      .data
      .globl var
      .type var, @object
      .size var, 24
var:  .zero 24
`);
    const use = assemble('size_use', `
      .data
      .globl site_size32, site_size64
site_size32: .long var@SIZE - 4
      .long 0
site_size64: .quad var@SIZE + 8
`);
    const jit = await linkAt(t, [['size_def.o', def], ['size_use.o', use]]);
    assert.equal(jit.session.symbols.size[symId(jit, 'var')], 24);
    assert.equal(u32(jit, addr(jit, 'site_size32')), 20);
    assert.equal(u64(jit, addr(jit, 'site_size64')), 32n);
  });
});

describe('PC-relative relocations', () => {
  test('R_X86_64_PC32: *{4}(site_pc32 + 3) = var + 12 - (site_pc32 + 7), and .long target - . in data', async (t) => {
    const obj = assemble('pc32', `
      .text
      .globl site_pc32, target
target: ret
site_pc32: leaq var+16(%rip), %rax
      ret
      .data
      .globl var, site_pc32_data
var:  .quad 0
site_pc32_data: .long target - .
`);
    const jit = await linkAt(t, [['pc32.o', obj]]);
    const site = addr(jit, 'site_pc32');
    assert.deepEqual(bytes(jit, site, 3), [0x48, 0x8d, 0x05]);
    // leaq var+16(%rip): the field's addend is 16 - 4, P = site + 3, so the displacement is var + 16 - next_pc.
    assert.equal(i32(jit, site + 3), addr(jit, 'var') + 16 - (site + 7));
    const d = addr(jit, 'site_pc32_data');
    assert.equal(i32(jit, d), addr(jit, 'target') - d);
  });

  test('R_X86_64_PC32 to a far libc function goes through a stub (canonical PLT)', async (t) => {
    const fn = libcAddress('puts');
    if (Math.abs(fn - BASE) <= 0x7fffffff) {
      t.skip('libc is within ±2 GiB of the test base: no stub is needed');
      return;
    }
    const obj = assemble('pc32libc', `
      .text
      .globl site_pc32_libc
site_pc32_libc: leaq puts(%rip), %rax
      ret
`);
    const jit = await linkAt(t, [['pc32libc.o', obj]]);
    const site = addr(jit, 'site_pc32_libc');
    const stub = jit.session.symbols.stub.get(hostId(jit, 'puts'));
    assert.ok(stub !== undefined, 'no stub for puts');
    assert.equal(i32(jit, site + 3), stub - (site + 7));
    assertStubTo(jit, stub, fn);
  });

  test('R_X86_64_PC64: *{8}(site_pc64) = target - site_pc64', async (t) => {
    const obj = assemble('pc64', `
      .text
      .globl target
      .zero 32
target: ret
      .data
      .globl site_pc64
      .quad 0
site_pc64: .quad target - .
`);
    const jit = await linkAt(t, [['pc64.o', obj]]);
    const site = addr(jit, 'site_pc64');
    assert.equal(i64(jit, site), BigInt(addr(jit, 'target') - site));
  });

  // Regression: only PC-relative fields narrower than 64 bits are range-checked against arch.pcRelReach
  // (±2 GiB); a 64-bit R_X86_64_PC64 to a far host data object holds any distance (it was once refused).
  test('R_X86_64_PC64 to a far libc data object: the 64-bit field reaches it directly', async (t) => {
    const data = libcAddress('opterr');
    if (Math.abs(data - BASE) <= 0x7fffffff) return t.skip('libc is within ±2 GiB of the test base');
    const obj = assemble('pc64far', `
      .data
      .globl site_pc64_far
site_pc64_far: .quad opterr - .
`);
    const jit = await linkAt(t, [['pc64far.o', obj]]);
    const site = addr(jit, 'site_pc64_far');
    assert.equal(BigInt(site) + i64(jit, site), BigInt(data));
  });

  test('R_X86_64_PLT32 to an image function in another object: a direct call', async (t) => {
    const callee = assemble('plt_callee', `
      .text
      .globl callee
      .type callee, @function
      nop
callee: ret
`);
    const caller = assemble('plt_caller', `
      .text
      .globl site_plt32
site_plt32: call callee@PLT
      ret
`);
    const jit = await linkAt(t, [['plt_caller.o', caller], ['plt_callee.o', callee]]);
    const site = addr(jit, 'site_plt32');
    assert.equal(bytes(jit, site, 1)[0], 0xe8);
    assert.equal(i32(jit, site + 1), addr(jit, 'callee') - (site + 5));
    assert.equal(jit.session.symbols.stub.size, 0, 'a call to an image function must not get a stub');
  });

  test('R_X86_64_PLT32 to libc puts: through a stub holding dlsym(puts)', async (t) => {
    const obj = assemble('plt_libc', `
      .text
      .globl site_plt32_libc
site_plt32_libc: call puts@PLT
      ret
`);
    const jit = await linkAt(t, [['plt_libc.o', obj]]);
    const site = addr(jit, 'site_plt32_libc');
    const id = hostId(jit, 'puts');
    const stub = jit.session.symbols.stub.get(id);
    assert.ok(stub !== undefined, 'no stub for puts');
    assert.equal(bytes(jit, site, 1)[0], 0xe8);
    assert.equal(i32(jit, site + 1), stub - (site + 5), 'the call must land on the stub');
    assertStubTo(jit, stub, libcAddress('puts'));
    assert.equal(jit.session.symbols.got.has(id), false, 'a call needs no GOT entry');
    assert.deepEqual(jit.addrToSym(stub), { name: 'puts@stub', offset: 0, file: '<stubs>', generation: 1 });
  });
});

describe('GOT relocations', () => {
  test('R_X86_64_GOTPCREL (plain, addend -4): disp = G - next_pc, and the GOT entry holds the target', async (t) => {
    const obj = assemble('gotpcrel', `
      .text
      .globl site_gotpcrel
site_gotpcrel: movq var@GOTPCREL(%rip), %rax
      ret
      .data
      .globl var
      .quad 0
var:  .quad 0
`, ['-Wa,-mrelax-relocations=no']);
    const jit = await linkAt(t, [['gotpcrel.o', obj]]);
    const site = addr(jit, 'site_gotpcrel');
    const g = gotEntry(jit, symId(jit, 'var'));
    assert.deepEqual(bytes(jit, site, 3), [0x48, 0x8b, 0x05], 'plain GOTPCREL is never relaxed');
    assert.equal(i32(jit, site + 3), g - (site + 7));
    assert.equal(u64(jit, g), BigInt(addr(jit, 'var')));
  });

  test('R_X86_64_GOTPCREL in data (addend 0): *{4}(site) = G - site', async (t) => {
    const obj = assemble('gotpcrel_data', `
      .data
      .globl site_gotpcrel_data, var
var:  .quad 0
site_gotpcrel_data: .long var@GOTPCREL
`);
    const jit = await linkAt(t, [['gotpcrel_data.o', obj]]);
    const site = addr(jit, 'site_gotpcrel_data');
    const g = gotEntry(jit, symId(jit, 'var'));
    assert.equal(i32(jit, site), g - site);
    assert.equal(u64(jit, g), BigInt(addr(jit, 'var')));
  });

  test('R_X86_64_REX_GOTPCRELX to image data: movq -> leaq, disp = var - next_pc, no GOT entry', async (t) => {
    const obj = assemble('rexgotpcrelx', `
      .text
      .globl site_rex
site_rex: movq var@GOTPCREL(%rip), %rax
      ret
      .data
      .globl var
      .quad 0
var:  .quad 0
`);
    const jit = await linkAt(t, [['rexgotpcrelx.o', obj]]);
    const site = addr(jit, 'site_rex');
    assert.deepEqual(bytes(jit, site, 3), [0x48, 0x8d, 0x05], 'mov (48 8b 05) must be relaxed to lea (48 8d 05)');
    assert.equal(i32(jit, site + 3), addr(jit, 'var') - (site + 7));
    assert.equal(jit.session.symbols.got.has(symId(jit, 'var')), false, 'a relaxed reference needs no GOT entry');
  });

  test('R_X86_64_GOTPCRELX to an image function: call *GOT -> addr32 call, jmp *GOT -> jmp; nop, movl -> leal', async (t) => {
    const obj = assemble('gotpcrelx', `
      .text
      .globl target, site_call, site_jmp, site_movl, var
      .type target, @function
target: ret
site_call: call *target@GOTPCREL(%rip)
site_jmp: jmp *target@GOTPCREL(%rip)
site_movl: movl var@GOTPCREL(%rip), %eax
      ret
      .data
var:  .quad 0
`);
    const jit = await linkAt(t, [['gotpcrelx.o', obj]]);
    const target = addr(jit, 'target');
    const call = addr(jit, 'site_call');
    assert.deepEqual(bytes(jit, call, 2), [0x67, 0xe8], 'call *disp(%rip) (ff 15) must become addr32 call (67 e8)');
    assert.equal(i32(jit, call + 2), target - (call + 6));
    const jmp = addr(jit, 'site_jmp');
    const jb = bytes(jit, jmp, 6);
    assert.deepEqual([jb[0], jb[5]], [0xe9, 0x90], 'jmp *disp(%rip) (ff 25) must become jmp rel32; nop (e9 .. 90)');
    assert.equal(i32(jit, jmp + 1), target - (jmp + 5));
    const movl = addr(jit, 'site_movl');
    assert.deepEqual(bytes(jit, movl, 2), [0x8d, 0x05], 'movl (8b 05) must become leal (8d 05)');
    assert.equal(i32(jit, movl + 2), addr(jit, 'var') - (movl + 6));
    assert.equal(jit.session.symbols.got.size, 0, 'no GOT entry is needed once every load is relaxed');
  });

  test('GOTPCRELX / REX_GOTPCRELX to libc: not relaxed, the GOT load is kept and the entry holds the canonical stub', async (t) => {
    const obj = assemble('gotpcrelx_libc', `
      .text
      .globl site_rex_libc, site_call_libc
site_rex_libc: movq puts@GOTPCREL(%rip), %rax
site_call_libc: call *puts@GOTPCREL(%rip)
      ret
`);
    const jit = await linkAt(t, [['gotpcrelx_libc.o', obj]]);
    const g = gotEntry(jit, hostId(jit, 'puts'));
    const stub = jit.session.symbols.stub.get(hostId(jit, 'puts'));
    assert.ok(stub !== undefined, 'no stub for puts');
    assert.equal(u64(jit, g), BigInt(stub));
    assertStubTo(jit, stub, libcAddress('puts'));
    const rex = addr(jit, 'site_rex_libc');
    assert.deepEqual(bytes(jit, rex, 3), [0x48, 0x8b, 0x05], 'the GOT load (mov) must be kept for a host symbol');
    assert.equal(i32(jit, rex + 3), g - (rex + 7));
    const call = addr(jit, 'site_call_libc');
    assert.deepEqual(bytes(jit, call, 2), [0xff, 0x15], 'call *GOT must be kept for a host symbol');
    assert.equal(i32(jit, call + 2), g - (call + 6));
  });

  test('REX_GOTPCRELX on an instruction that cannot become lea (addq) keeps the GOT load', async (t) => {
    const obj = assemble('rex_add', `
      .text
      .globl site_add
site_add: addq var@GOTPCREL(%rip), %rax
      ret
      .data
      .globl var
var:  .quad 0
`);
    const jit = await linkAt(t, [['rex_add.o', obj]]);
    const site = addr(jit, 'site_add');
    const g = gotEntry(jit, symId(jit, 'var'));
    assert.deepEqual(bytes(jit, site, 3), [0x48, 0x03, 0x05]);
    assert.equal(i32(jit, site + 3), g - (site + 7));
    assert.equal(u64(jit, g), BigInt(addr(jit, 'var')));
  });

  test('large-model GOT64 / GOTPCREL64 / PLTOFF64: offsets from the GOT and from P', async (t) => {
    const obj = assemble('large', `
      .text
      .globl site_got64, site_pltoff64
site_got64: movabsq $var@GOT, %rax
site_pltoff64: movabsq $puts@PLTOFF, %rax
      ret
      .data
      .globl var, site_gotpcrel64
var:  .quad 0
site_gotpcrel64: .quad var@GOTPCREL
`);
    const jit = await linkAt(t, [['large.o', obj]]);
    const GOT = gotSymbol(jit);
    const g = gotEntry(jit, symId(jit, 'var'));
    assert.equal(u64(jit, g), BigInt(addr(jit, 'var')));
    // GOT64 = G + A, G being the entry's offset from the GOT.
    const got64 = addr(jit, 'site_got64');
    assert.deepEqual(bytes(jit, got64, 2), [0x48, 0xb8]);
    assert.equal(i64(jit, got64 + 2), BigInt(g - GOT));
    // GOTPCREL64 = G + GOT + A - P (G + GOT being the entry's address).
    const pcrel64 = addr(jit, 'site_gotpcrel64');
    assert.equal(i64(jit, pcrel64), BigInt(g - pcrel64));
    // PLTOFF64 = L - GOT + A, L being puts's stub.
    const stub = jit.session.symbols.stub.get(hostId(jit, 'puts'));
    assert.ok(stub !== undefined, 'no stub for puts');
    assert.equal(i64(jit, addr(jit, 'site_pltoff64') + 2), BigInt(stub - GOT));
    assertStubTo(jit, stub, libcAddress('puts'));
  });

  test('a weak undefined symbol: REX_GOTPCRELX is not relaxed, its GOT entry and R_X86_64_64 are 0', async (t) => {
    const obj = assemble('weakundef', `
      .text
      .weak weakfn
      .globl site_weak
site_weak: movq weakfn@GOTPCREL(%rip), %rax
      ret
      .data
      .globl site_weak64
      .quad 1
site_weak64: .quad weakfn
`);
    const jit = await linkAt(t, [['weakundef.o', obj]]);
    const site = addr(jit, 'site_weak');
    // lea weakfn(%rip) would give the address of the image, not 0: the load must stay.
    assert.deepEqual(bytes(jit, site, 3), [0x48, 0x8b, 0x05]);
    const g = site + 7 + i32(jit, site + 3);
    assert.equal(u64(jit, g), 0n, 'the GOT entry of an undefined weak symbol holds 0');
    assert.equal(u64(jit, addr(jit, 'site_weak64')), 0n);
  });

  test('R_X86_64_GOTPC32 / GOTPC64 / GOTOFF64: the large-model GOT idiom reaches var', async (t) => {
    const obj = assemble('gotoff', `
      .text
      .globl site_gotpc32, L1, site_gotpc64
site_gotpc32: leaq _GLOBAL_OFFSET_TABLE_(%rip), %rbx
L1:   leaq L1(%rip), %rbx
site_gotpc64: movabsq $_GLOBAL_OFFSET_TABLE_-L1, %r11
      ret
      .data
      .globl var, site_gotoff64
      .quad 0
var:  .quad 0
site_gotoff64: .quad var@GOTOFF
`);
    const jit = await linkAt(t, [['gotoff.o', obj]]);
    const GOT = gotSymbol(jit);
    const pc32 = addr(jit, 'site_gotpc32');
    // GOTPC32 = GOT + A - P, A = -4, P = site + 3.
    assert.equal(i32(jit, pc32 + 3), GOT - (pc32 + 7));
    // GOTPC64 = GOT + A - P: the imm64 is at P = L1 + 9 (after the 7-byte lea and 49 bb) and A = 9, so it is GOT - L1.
    const pc64 = addr(jit, 'site_gotpc64');
    assert.deepEqual(bytes(jit, pc64, 2), [0x49, 0xbb]);
    assert.equal(i64(jit, pc64 + 2), BigInt(GOT - addr(jit, 'L1')));
    // GOTOFF64 = S + A - GOT.
    const off = i64(jit, addr(jit, 'site_gotoff64'));
    assert.equal(off, BigInt(addr(jit, 'var') - GOT));
    // Together: (pc32 + 7 + disp) + gotoff = var, as the code computes it.
    assert.equal(BigInt(pc32 + 7 + i32(jit, pc32 + 3)) + off, BigInt(addr(jit, 'var')));
  });
});

describe('TLS relocations', () => {
  const tlsSource = `
      .text
      .globl get_x, site_gd, get_y, site_ld, site_dtpoff32
      .type get_x, @function
get_x:
      subq $8, %rsp
site_gd:
      .byte 0x66
      leaq x@tlsgd(%rip), %rdi
      .value 0x6666
      rex64
      call __tls_get_addr@PLT
      movl (%rax), %eax
      addq $8, %rsp
      ret
      .type get_y, @function
get_y:
      subq $8, %rsp
site_ld:
      leaq y@tlsld(%rip), %rdi
      call __tls_get_addr@PLT
site_dtpoff32:
      movl y@dtpoff(%rax), %eax
      addq $8, %rsp
      ret
      .section .tdata,"awT",@progbits
      .align 8
      .globl x, y
      .type x, @object
      .size x, 4
pad:  .long 7, 8
x:    .long 1234
      .type y, @object
      .size y, 4
y:    .long 5678
      .data
      .globl site_dtpoff64
      .align 8
site_dtpoff64: .quad y@dtpoff
`;

  test('TLSGD / TLSLD / DTPOFF32 / DTPOFF64: GOT pairs hold (module, offset) and the code reads the variables', async (t) => {
    const obj = assemble('tls', tlsSource);
    const jit = await linkAt(t, [['tls.o', obj]], { runtime: true });
    const syms = jit.session.symbols;
    const xId = symId(jit, 'x');
    const yId = symId(jit, 'y');
    const module = syms.tlsModule[xId]!;
    assert.ok(module >= 1, 'x must belong to a TLS module');
    assert.equal(syms.tlsModule[yId], module);
    const xOff = syms.addr[xId]!;
    const yOff = syms.addr[yId]!;
    assert.equal(yOff, xOff + 4, 'y follows x inside the TLS block');
    assert.equal(jit.lookup('x'), undefined, 'a __thread variable has no single address');

    // The module descriptor {image, size, align} in the runtime's table; x and y read their initial values from the image.
    const table = addr(jit, '__hotlink_tls_modules');
    const image = Number(u64(jit, table + module * 24));
    assert.ok(image > 0, 'the TLS module descriptor has no image');
    assert.equal(u32(jit, image + xOff), 1234);
    assert.equal(u32(jit, image + yOff), 5678);

    // TLSGD: 66 48 8d 3d disp32 — disp = pair - next_pc; pair = (module, offset of x).
    const gd = addr(jit, 'site_gd');
    assert.deepEqual(bytes(jit, gd, 4), [0x66, 0x48, 0x8d, 0x3d]);
    const pair = gd + 8 + i32(jit, gd + 4);
    assert.equal(pair, syms.tlsPair.get(xId));
    assert.equal(u64(jit, pair), BigInt(module), 'GD pair: module id');
    assert.equal(u64(jit, pair + 8), BigInt(xOff), 'GD pair: offset of x');

    // TLSLD: 48 8d 3d disp32 — the pair is (module, 0).
    const ld = addr(jit, 'site_ld');
    assert.deepEqual(bytes(jit, ld, 3), [0x48, 0x8d, 0x3d]);
    const ldPair = ld + 7 + i32(jit, ld + 3);
    assert.equal(u64(jit, ldPair), BigInt(module), 'LD pair: module id');
    assert.equal(u64(jit, ldPair + 8), 0n, 'LD pair: offset 0');

    // DTPOFF32 (movl y@dtpoff(%rax), %eax = 8b 80 imm32) and DTPOFF64: y's offset in the block.
    const d32 = addr(jit, 'site_dtpoff32');
    assert.deepEqual(bytes(jit, d32, 2), [0x8b, 0x80]);
    assert.equal(i32(jit, d32 + 2), yOff);
    assert.equal(u64(jit, addr(jit, 'site_dtpoff64')), BigInt(yOff));

    // And the code works: __tls_get_addr(pair) + offset reaches this thread's copy.
    assert.equal(jit.call('get_x', 'int (void)'), 1234);
    assert.equal(jit.call('get_y', 'int (void)'), 5678);
  });

  test('TLS without the runtime: one clear error (the module table lives in the runtime)', async (t) => {
    const obj = assemble('tls_nort', tlsSource);
    const e = await linkFails(t, [['tls_nort.o', obj]]);
    assert.equal(e.kind, 'unsupported');
    assert.match(e.message, /__thread data needs hotlink's runtime/);
    assert.match(e.message, /__hotlink_tls_modules/);
  });

  test('R_X86_64_GOTTPOFF (initial-exec) is rejected with a hint to compile with -fPIC', async (t) => {
    const obj = assemble('gottpoff', `
      .text
      .globl f
f:    movq x@gottpoff(%rip), %rax
      movl %fs:(%rax), %eax
      ret
      .section .tbss,"awT",@nobits
      .globl x
x:    .zero 4
`);
    const e = await linkFails(t, [['gottpoff.o', obj]]);
    assert.equal(e.kind, 'relocation');
    assert.match(e.message, /gottpoff\.o/);
    assert.match(e.message, /\.text\+0x3\b/);
    assert.match(e.message, /R_X86_64_GOTTPOFF/);
    assert.match(e.message, /'x'/);
    assert.match(e.message, /-fPIC/);
  });

  test('R_X86_64_TPOFF32 (local-exec) is rejected with a hint to compile with -fPIC', async (t) => {
    const obj = assemble('tpoff', `
      .text
      .globl f
f:    movl %fs:x@tpoff, %eax
      ret
      .section .tbss,"awT",@nobits
      .globl x
x:    .zero 4
`);
    const e = await linkFails(t, [['tpoff.o', obj]]);
    assert.equal(e.kind, 'relocation');
    assert.match(e.message, /tpoff\.o: \.text\+0x[0-9a-f]+:/);
    assert.match(e.message, /R_X86_64_TPOFF32/);
    assert.match(e.message, /-fPIC/);
  });
});

describe('range errors', () => {
  /** An object defining absolute symbols with `.set`, so references to them are real relocations in another object. */
  const absolutes = (name: string, defs: Record<string, string>): Input => [
    `${name}.o`,
    assemble(name, Object.entries(defs).map(([k, v]) => `  .globl ${k}\n  .set ${k}, ${v}\n`).join('')),
  ];

  test('R_X86_64_32 against .set big, 0x100000000: the formula, the value, the file and section+offset', async (t) => {
    const use = assemble('use32', `
      .data
      .long 0
      .long big
`);
    const e = await linkFails(t, [absolutes('abs_big', { big: '0x100000000' }), ['use32.o', use]]);
    assert.equal(e.kind, 'relocation');
    assert.match(e.message, /^use32\.o: \.data\+0x4: /);
    assert.match(e.message, /'big'/);
    assert.match(e.message, /R_X86_64_32\b/);
    assert.match(e.message, /S \+ A = 0x100000000\b/);
    assert.match(e.message, /unsigned 32-bit/);
  });

  test('R_X86_64_32 just in range (0xffffffff) links', async (t) => {
    const use = assemble('use32ok', `
      .data
      .globl site
site: .long edge
`);
    const jit = await linkAt(t, [absolutes('abs_edge', { edge: '0xffffffff' }), ['use32ok.o', use]]);
    assert.equal(u32(jit, addr(jit, 'site')), 0xffffffff);
  });

  test('R_X86_64_32S against 0x80000000 does not fit a signed field', async (t) => {
    const use = assemble('use32s', `
      .text
      nop
      movq $big32s, %rax
      ret
`);
    const e = await linkFails(t, [absolutes('abs_32s', { big32s: '0x80000000' }), ['use32s.o', use]]);
    assert.equal(e.kind, 'relocation');
    assert.match(e.message, /^use32s\.o: \.text\+0x4: /);
    assert.match(e.message, /R_X86_64_32S/);
    assert.match(e.message, /S \+ A = 0x80000000\b/);
    assert.match(e.message, /signed 32-bit/);
  });

  // Regression: an SHN_ABS symbol's st_value is an arbitrary 64-bit number, read signed (readSymbols);
  // `.set neg, -0x80000000` (st_value 0xffffffff80000000) is valid input that GNU ld links.
  test('R_X86_64_32S against -0x80000000 (the minimum) links, sign-extended', async (t) => {
    const use = assemble('use32s_ok', `
      .text
      .globl site
site: movq $neg, %rax
      ret
`);
    const jit = await linkAt(t, [absolutes('abs_neg', { neg: '-0x80000000' }), ['use32s_ok.o', use]]);
    assert.equal(i32(jit, addr(jit, 'site') + 3), -0x80000000);
  });

  test('R_X86_64_PC32 to an absolute address 128 TiB away: the message has S + A - P and its value', async (t) => {
    const far = 0x7fff00000000;
    const use = assemble('usepc32', `
      .text
      .globl site_far
      nop
site_far: leaq far(%rip), %rax
      ret
`);
    // Link once with the symbol in reach to learn where the site lands, then with the far one.
    const near = await linkAt(t, [absolutes('abs_near', { far: String(BASE) }), ['usepc32.o', use]]);
    const site = addr(near, 'site_far');
    assert.equal(i32(near, site + 3), BASE - (site + 7));
    release(near);
    const e = await linkFails(t, [absolutes('abs_far', { far: hex(far) }), ['usepc32.o', use]]);
    assert.equal(e.kind, 'relocation');
    assert.match(e.message, /^usepc32\.o: \.text\+0x4: /);
    assert.match(e.message, /R_X86_64_PC32/);
    const value = far - 4 - (site + 3);
    assert.ok(e.message.includes(`S + A - P = ${hex(value)}`), `message lacks 'S + A - P = ${hex(value)}': ${e.message}`);
  });
  test('R_X86_64_PC32 to a far libc data object: a copy in the image (copy relocation) that libc itself uses', async (t) => {
    const data = libcAddress('opterr');
    if (Math.abs(data - BASE) <= 0x7fffffff) return t.skip('libc is within ±2 GiB of the test base');
    const use = assemble('pc32data', `
      .text
      .globl f
f:    movl opterr(%rip), %eax
      ret
`);
    const jit = await linkAt(t, [['pc32data.o', use]]);
    const f = addr(jit, 'f');
    const copy = f + 6 + i32(jit, f + 2);
    assert.notEqual(copy, data);
    assert.ok(copy >= BASE && copy < BASE + 0x7fffffff, `the copy ${hex(copy)} is in the image`);
    const cells = hostGotCells('opterr', 'libc.so');
    assert.ok(cells.length > 0 && cells.every((c) => readWord(c) === BigInt(copy)), "libc's GOT entry for opterr points at the copy");
  });
});

describe('linked code runs', () => {
  test("jit.call('entry', 'int (int)', 41) === 42 (GOTPCRELX, PLT to libc, data pointers, at the default base)", async (t) => {
    const obj = compileC('runs', `
#include <string.h>
static const char *msg = "x";           /* R_X86_64_64 in .data.rel.local */
int counter;                             /* REX_GOTPCRELX -> lea */
int add_len(int v) { return v + (int)strlen(msg); }   /* PLT32 -> stub -> libc */
int (*volatile fp)(int) = add_len;      /* R_X86_64_64 to an image function */
int entry(int v) { counter++; return fp(v) + counter - 1; }
`, ['-O1', '-fPIC']);
    const jit = new Jit({ runtime: true });
    t.after(() => release(jit));
    jit.addObject(obj, 'runs.o');
    await jit.link();
    assert.equal(jit.call('entry', 'int (int)', 41), 42);
    assert.equal(u32(jit, addr(jit, 'counter')), 1);
    assert.equal(jit.call('entry', 'int (int)', 41), 43);
    assert.equal(u64(jit, addr(jit, 'fp')), BigInt(addr(jit, 'add_len')));
  });
});
