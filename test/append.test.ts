// Append-only incremental linking (../shared/spec/INCREMENTAL_LINK.md, our
// names: Jit = CfreeJit, jit.append = cfree_jit_append). Every test links
// real gcc-compiled code into a live image, appends more, and calls it.
//
//   - §15 link/JIT units: appended code calls initial code; lookup sees new
//     symbols and old addresses never move; addrToSym maps PCs of both;
//   - §9 resolution: host libc, weak/strong rules, duplicates, archives;
//   - §10 relocation records: per-append work is the new object's own
//     relocations, independent of history (100 and 10,000 appends);
//   - §11 generation; constructors of a batch run once, after publication;
//   - §14 failures (compile, unresolved, duplicate, capacity, relocation)
//     leave a byte-identical snapshot, and the next append lands exactly
//     where the failed one would have.
//
// Run: npx tsc -p . && node --test dist/test/append.test.js

import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource, ElfObject, HotlinkError, Jit } from '../src/index.js';
import type { JitOptions, SymbolInfo } from '../src/index.js';
// Only for the constructor test: a native function pointer that calls back into this test.
import { registerCallback } from '../src/memory/native.js';

const CC = 'gcc';
const SHF_ALLOC = 0x2;
const RX = 0;
const R = 1;
const TLS = 2;
const RW = 3;

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hotlink-append-'));
});
after(() => {
  if (dir && !process.env.HOTLINK_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

// ---- helpers -------------------------------------------------------------------

/** Compiler diagnostics are collected here instead of cluttering the test output. */
const diagnostics: string[] = [];
const quiet: JitOptions = { cc: CC, onDiagnostics: (text) => void diagnostics.push(text) };

const freed = new WeakSet<Jit>();
function release(jit: Jit): void {
  if (freed.has(jit)) return;
  freed.add(jit);
  jit.free();
}

/** A linked Jit over C source `init` (plus extra objects / archive files), freed after the test. */
async function linked(t: TestContext, init: string, opts: JitOptions = {}, extra: (jit: Jit) => void = () => {}): Promise<Jit> {
  const jit = new Jit({ ...quiet, ...opts });
  t.after(() => release(jit));
  jit.addSource(init, 'init.c');
  extra(jit);
  await jit.link();
  return jit;
}

function addr(jit: Jit, name: string): number {
  const a = jit.lookup(name);
  assert.ok(a !== undefined, `symbol '${name}' is not in the image`);
  return a;
}

const int0 = (jit: Jit, name: string): number => jit.call(name, 'int (void)') as number;
const int1 = (jit: Jit, name: string, x: number): number => jit.call(name, 'int (int)', x) as number;

function i32At(jit: Jit, at: number): number {
  const b = jit.read(at, 4);
  return new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
}

function cString(jit: Jit, at: number, max = 256): string {
  const b = jit.read(at, max);
  const end = b.indexOf(0);
  return Buffer.from(b.subarray(0, end < 0 ? max : end)).toString('latin1');
}

/** Writes a file into the test directory and runs `gcc -c` (C or assembly by extension) on it. */
function gccObject(name: string, text: string, flags: string[] = []): string {
  const srcPath = join(dir, name);
  const out = srcPath.replace(/\.[cs]$/, '.o');
  writeFileSync(srcPath, text);
  const r = spawnSync(CC, ['-c', '-fPIC', ...flags, srcPath, '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${CC} -c ${srcPath} failed (${r.status}):\n${r.stderr}`);
  return out;
}

function gccBytes(name: string, text: string, flags: string[] = []): Uint8Array {
  return readFileSync(gccObject(name, text, flags));
}

function arArchive(name: string, objects: string[]): string {
  const out = join(dir, name);
  rmSync(out, { force: true });
  const r = spawnSync('ar', ['rcs', out, ...objects], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ar rcs ${out} failed:\n${r.stderr}`);
  return out;
}

/** Relocation entries the linker applies for an object: those of its allocated sections. */
function relocCount(bytes: Uint8Array): number {
  const obj = new ElfObject(bytes, 'count');
  let n = 0;
  for (const sec of obj.sections) {
    if (sec.relaIndex >= 0 && (sec.sh_flags & SHF_ALLOC) !== 0) n += obj.relocations(sec.relaIndex).count;
  }
  return n;
}

/**
 * One compiled template object, many distinct objects: the global symbol
 * `placeholder` is renamed by patching its string in .strtab (the new name
 * must have the same length), so 10,000 appends need one compile.
 */
function renamer(bytes: Uint8Array, placeholder: string): (name: string) => Uint8Array {
  const obj = new ElfObject(bytes, 'template');
  assert.ok(obj.symbols.some((s) => s.name === placeholder), `template has no symbol ${placeholder}`);
  const strtab = obj.sections[obj.sections[obj.symtabIndex]!.sh_link]!;
  const table = Buffer.from(bytes.buffer, bytes.byteOffset + strtab.sh_offset, strtab.sh_size);
  const at = table.indexOf(Buffer.from(`\0${placeholder}\0`, 'latin1'));
  assert.ok(at >= 0, `${placeholder} not found in .strtab`);
  assert.equal(table.indexOf(Buffer.from(`\0${placeholder}\0`, 'latin1'), at + 1), -1, 'placeholder occurs twice in .strtab');
  const off = strtab.sh_offset + at + 1;
  return (name) => {
    assert.equal(name.length, placeholder.length, `renamed symbol ${name} must have ${placeholder.length} characters`);
    const out = Uint8Array.from(bytes);
    out.set(Buffer.from(name, 'latin1'), off);
    return out;
  };
}

const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;

/** Segment class of an image address, or -1. */
function classOf(jit: Jit, a: number): number {
  return jit.session.classes.findIndex((c) => a >= c.start && a < c.limit);
}

/** Everything a user (and the debugger) can observe about the image, for byte-identical comparison. */
function snapshot(jit: Jit) {
  const s = jit.session;
  const symbols: SymbolInfo[] = [...jit.symbols()];
  const names = [...new Set(symbols.map((x) => x.name))].sort();
  const samples: number[] = [];
  for (const x of symbols) samples.push(x.address, x.address + 1, x.address + Math.max(0, x.size - 1));
  for (const c of s.classes) samples.push(c.start, c.cursor - 1, c.cursor, alignUp(c.cursor, 64), alignUp(c.cursor, 64) + 8, c.limit - 1);
  const memory = s.classes.map((c) =>
    c.cursor > c.start ? createHash('sha256').update(jit.read(c.start, c.cursor - c.start)).digest('hex') : '',
  );
  const lastRelocs: number[][] = [];
  for (let i = Math.max(0, s.relocs.count - 16); i < s.relocs.count; i++) {
    lastRelocs.push([s.relocs.where(i), s.relocs.type(i), s.relocs.target(i), s.relocs.addend(i), s.relocs.input(i)]);
  }
  return {
    generation: jit.generation,
    symbols,
    lookups: names.map((n) => [n, jit.lookup(n)] as const),
    symbolCount: s.symbols.count,
    publishedNames: s.symbols.byName.size,
    inputs: s.inputs.length,
    cursors: s.classes.map((c) => c.cursor),
    relocs: s.relocs.count,
    lastRelocs,
    addrToSym: samples.map((a) => [a, jit.addrToSym(a)] as const),
    committed: s.committedBytes(),
    memory,
  };
}

async function expectFailure(kind: string, fn: () => unknown): Promise<HotlinkError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof HotlinkError, `expected a HotlinkError(${kind}), got ${(e as Error)?.stack ?? String(e)}`);
    assert.equal(e.kind, kind, `expected kind '${kind}', got '${e.kind}': ${e.message}`);
    return e;
  }
  assert.fail(`the append succeeded but a '${kind}' error was expected`);
}

/**
 * Runs a failing append, asserts the observable state is exactly as before,
 * then appends `good` and asserts it lands at the rolled-back cursors (where
 * the failed batch would have gone) and works.
 */
async function transactional(
  jit: Jit,
  kind: string,
  fail: () => unknown,
  good: { source: string; name: string; check: (jit: Jit) => void },
): Promise<HotlinkError> {
  const before = snapshot(jit);
  const err = await expectFailure(kind, fail);
  assert.deepStrictEqual(snapshot(jit), before, `a failed append (${kind}) changed the observable state`);
  const r = await jit.append([{ source: good.source, name: good.name }]);
  assert.equal(r.generation, before.generation + 1);
  assert.equal(jit.generation, before.generation + 1);
  const firstPerClass = [Infinity, Infinity, Infinity, Infinity];
  for (const sec of r.sections) {
    const c = classOf(jit, sec.address);
    assert.ok(c >= 0, `section ${sec.name} at ${sec.address.toString(16)} is outside the arena`);
    firstPerClass[c] = Math.min(firstPerClass[c]!, sec.address);
  }
  assert.ok(firstPerClass[RX]! < Infinity, 'the good batch placed no code');
  for (const c of [RX, R, TLS, RW]) {
    if (firstPerClass[c] === Infinity) continue;
    const want = alignUp(before.cursors[c]!, c === RX || c === R ? 16 : 64);
    assert.equal(firstPerClass[c], want, `class ${c}: the next batch starts at ${firstPerClass[c]!.toString(16)}, not at the rolled-back cursor ${want.toString(16)}`);
  }
  for (const [name, a] of before.lookups) assert.equal(jit.lookup(name), a, `lookup('${name}') moved after a failed + a good append`);
  good.check(jit);
  return err;
}

// ---- shared sources ------------------------------------------------------------

const INIT = `
#include <stdint.h>
int base(int x) { return x + 1; }
int triple_base(int x) { return base(x) * 3; }
int counter_init = 40;
int (*user_cb)(int);
void set_cb(int (*f)(int)) { user_cb = f; }
int run_cb(int x) { return user_cb ? user_cb(x) : -1; }
int (*ctor_slot)(int);
int run_ctor_slot(int x) { return ctor_slot ? ctor_slot(x) : -1; }
__attribute__((noinline)) uintptr_t get_ra(void) { return (uintptr_t)__builtin_return_address(0); }
uintptr_t init_pc(void) { uintptr_t r = get_ra(); return r; }
static int init_static(int x) { return x - 1; }
int use_static(int x) { return init_static(x); }
`;

// ---- §15 link and JIT units ------------------------------------------------------

describe('append: new code over the live image', () => {
  test('appended code calls a function of the initial object (§15 link unit)', async (t) => {
    const jit = await linked(t, INIT);
    assert.equal(int1(jit, 'base', 1), 2);
    const r = await jit.append([{ source: 'extern int base(int);\nint probe(int x) { return base(x) + 1; }\n', name: 'probe.c' }]);
    assert.equal(r.generation, 2);
    assert.deepEqual(r.symbols.map((s) => s.name), ['probe']);
    assert.equal(r.symbols[0]!.generation, 2);
    assert.equal(r.symbols[0]!.address, addr(jit, 'probe'));
    assert.equal(int1(jit, 'probe', 41), 43);
    assert.equal(int1(jit, 'base', 41), 42);
  });

  test('appended code calls host libc (snprintf, strlen) and initial-image functions', async (t) => {
    const jit = await linked(t, INIT);
    await jit.append([
      {
        name: 'fmt.c',
        source: `
#include <stdio.h>
#include <string.h>
extern int base(int);
extern int triple_base(int);
char out_buf[64];
int fmt(int x) {
  int n = snprintf(out_buf, sizeof out_buf, "v=%d b=%d t=%d", x, base(x), triple_base(x));
  return n == (int)strlen(out_buf) ? n : -1;
}
`,
      },
    ]);
    const n = int1(jit, 'fmt', 7);
    assert.equal(cString(jit, addr(jit, 'out_buf')), 'v=7 b=8 t=24');
    assert.equal(n, 'v=7 b=8 t=24'.length);
  });

  test('appended data is read and written by appended code and by TS', async (t) => {
    const jit = await linked(t, INIT);
    await jit.append([
      {
        name: 'data.c',
        source: `
extern int counter_init;
int counter = 5;
char msg[16] = "hello";
int zeros[8];
static int hidden = 3;
int bump(int by) { counter += by; hidden++; return counter; }
void set_counter(int v) { counter = v; }
int get_counter(void) { return counter; }
int get_hidden(void) { return hidden; }
int *counter_addr(void) { return &counter; }
int sum_zeros(void) { int s = 0; for (int i = 0; i < 8; i++) s += zeros[i]; return s; }
int read_init_counter(void) { return counter_init; }
void shout(void) { msg[0] = 'H'; }
`,
      },
    ]);
    const counter = addr(jit, 'counter');
    assert.equal(i32At(jit, counter), 5, 'initial value, read by TS');
    assert.equal(int1(jit, 'bump', 2), 7);
    assert.equal(i32At(jit, counter), 7, 'written by appended code, read by TS');
    jit.call('set_counter', 'void (int)', 123);
    assert.equal(i32At(jit, counter), 123, 'written through a C accessor, read by TS');
    assert.equal(int0(jit, 'get_counter'), 123);
    assert.equal(jit.call('counter_addr', 'uintptr_t (void)'), counter, "code's &counter is lookup('counter')");
    assert.equal(int0(jit, 'get_hidden'), 4, 'static data is linked and writable');
    assert.equal(cString(jit, addr(jit, 'msg')), 'hello');
    jit.call('shout', 'void (void)');
    assert.equal(cString(jit, addr(jit, 'msg')), 'Hello');
    assert.deepEqual([...jit.read(addr(jit, 'zeros'), 32)], new Array(32).fill(0));
    assert.equal(int0(jit, 'sum_zeros'), 0);
    assert.equal(int0(jit, 'read_init_counter'), 40, 'appended code reads initial data');
  });

  test('old code calls an appended function through a user data slot (setter and constructor)', async (t) => {
    const jit = await linked(t, INIT);
    assert.equal(int1(jit, 'run_cb', 5), -1);
    assert.equal(int1(jit, 'run_ctor_slot', 5), -1);
    await jit.append([
      {
        name: 'slots.c',
        source: `
extern int (*ctor_slot)(int);
int triple(int x) { return 3 * x; }
static int square(int x) { return x * x; }
__attribute__((constructor)) static void install(void) { ctor_slot = square; }
`,
      },
    ]);
    // By a setter of the initial image, handed the appended function's address from TS.
    jit.call('set_cb', 'void (uintptr_t)', addr(jit, 'triple'));
    assert.equal(int1(jit, 'run_cb', 5), 15);
    // By the appended batch's constructor, storing a static (unnamed to the old code) function.
    assert.equal(int1(jit, 'run_ctor_slot', 9), 81);
    const slot = jit.read(addr(jit, 'ctor_slot'), 8);
    const target = Number(new DataView(slot.buffer, slot.byteOffset, 8).getBigUint64(0, true));
    const sym = jit.addrToSym(target);
    assert.equal(sym?.name, 'square');
    assert.equal(sym?.offset, 0);
    assert.equal(sym?.generation, 2);
  });

  test('lookup sees appended functions and every old address is unchanged (§15 JIT unit)', async (t) => {
    const jit = await linked(t, INIT);
    const names = [...new Set([...jit.symbols()].map((s) => s.name))];
    const old = new Map(names.map((n) => [n, jit.lookup(n)]));
    const oldSyms = [...jit.symbols()];
    assert.equal(jit.lookup('twice'), undefined);
    for (let k = 0; k < 3; k++) {
      await jit.append([{ source: `int twice${k}(int x) { return x * 2 + ${k}; }\nint value${k} = ${k};\n`, name: `twice${k}.c` }]);
      assert.ok(jit.lookup(`twice${k}`) !== undefined);
      assert.ok(jit.lookup(`value${k}`) !== undefined);
      assert.equal(int1(jit, `twice${k}`, 21), 42 + k);
      for (const [n, a] of old) assert.equal(jit.lookup(n), a, `lookup('${n}') changed after append ${k}`);
    }
    // The SymbolInfo of every old symbol is unchanged too (address, size, file, generation).
    const now = [...jit.symbols()];
    for (const s of oldSyms) assert.ok(now.some((x) => JSON.stringify(x) === JSON.stringify(s)), `old symbol ${s.name} changed`);
    // Old code still runs from its old addresses.
    assert.equal(int1(jit, 'triple_base', 1), 6);
    assert.equal(int1(jit, 'use_static', 1), 0);
  });

  test('addrToSym maps PCs in initial and appended code (name, offset, generation)', async (t) => {
    const jit = await linked(t, INIT);
    await jit.append([
      {
        name: 'pcs.c',
        source: `
#include <stdint.h>
extern uintptr_t get_ra(void);
uintptr_t app_pc(void) { uintptr_t r = get_ra(); return r; }
static int app_static(int x) { return x ^ 5; }
int use_app_static(int x) { return app_static(x); }
int app_data[4] = {1, 2, 3, 4};
`,
      },
    ]);
    // Real return addresses, taken by running code.
    const initPc = jit.call('init_pc', 'uintptr_t (void)') as number;
    const appPc = jit.call('app_pc', 'uintptr_t (void)') as number;
    const a = jit.addrToSym(initPc);
    assert.equal(a?.name, 'init_pc');
    assert.equal(a?.generation, 1);
    assert.equal(a?.offset, initPc - addr(jit, 'init_pc'));
    assert.ok(a!.offset > 0);
    assert.match(a!.file, /init/);
    const b = jit.addrToSym(appPc);
    assert.equal(b?.name, 'app_pc');
    assert.equal(b?.generation, 2);
    assert.equal(b?.offset, appPc - addr(jit, 'app_pc'));
    assert.ok(b!.offset > 0);
    assert.match(b!.file, /pcs/);
    // Function starts, interior points, statics and data of both generations.
    assert.deepEqual(jit.addrToSym(addr(jit, 'base') + 2), { name: 'base', offset: 2, file: a!.file, generation: 1 });
    assert.deepEqual(jit.addrToSym(addr(jit, 'use_app_static')), { name: 'use_app_static', offset: 0, file: b!.file, generation: 2 });
    const st = [...jit.symbols()].find((s) => s.name === 'app_static')!;
    assert.ok(st && !st.global);
    assert.deepEqual(jit.addrToSym(st.address + 1), { name: 'app_static', offset: 1, file: b!.file, generation: 2 });
    assert.deepEqual(jit.addrToSym(addr(jit, 'app_data') + 8), { name: 'app_data', offset: 8, file: b!.file, generation: 2 });
    assert.equal(jit.addrToSym(addr(jit, 'counter_init'))?.generation, 1);
  });

  test('symbols() iteration includes appended symbols', async (t) => {
    const jit = await linked(t, INIT);
    const before = [...jit.symbols()];
    assert.ok(before.every((s) => s.generation === 1));
    await jit.append([{ source: 'int it_fn(void) { return 1; }\nint it_data = 3;\nstatic int it_local(void) { return 2; }\nint it_use(void) { return it_local(); }\n', name: 'iter.c' }]);
    const after = [...jit.symbols()];
    const get = (n: string) => after.find((s) => s.name === n);
    assert.equal(after.length, before.length + 4);
    assert.deepEqual(get('it_fn'), { ...get('it_fn')!, type: 'function', global: true, generation: 2, address: addr(jit, 'it_fn') });
    assert.deepEqual(get('it_data'), { ...get('it_data')!, type: 'object', global: true, generation: 2, address: addr(jit, 'it_data'), size: 4 });
    assert.equal(get('it_local')?.global, false);
    assert.equal(get('it_use')?.generation, 2);
    for (const s of before) assert.ok(after.some((x) => JSON.stringify(x) === JSON.stringify(s)), `old ${s.name} missing or changed`);
  });
});

// ---- §11 generation ---------------------------------------------------------------

test('generation increments on each successful append and on nothing else', async (t) => {
  const jit = await linked(t, INIT);
  assert.equal(jit.generation, 1, 'the initial link is generation 1');
  let want = 1;
  const ok = async (src: string) => {
    const r = await jit.append([{ source: src }]);
    want++;
    assert.equal(r.generation, want);
    assert.equal(jit.generation, want);
  };
  const unchanged = () => assert.equal(jit.generation, want);
  await ok('int gen_a(void) { return 1; }');
  // Reading never bumps it.
  jit.lookup('gen_a');
  jit.addrToSym(addr(jit, 'gen_a'));
  [...jit.symbols()];
  jit.read(addr(jit, 'gen_a'), 4);
  int0(jit, 'gen_a');
  jit.runInit();
  unchanged();
  // Failures never bump it.
  await expectFailure('compile', () => jit.append([{ source: 'int gen_bad( {' }]));
  unchanged();
  await expectFailure('unresolved', () => jit.append([{ source: 'extern int gen_nowhere(void); int gen_b(void) { return gen_nowhere(); }' }]));
  unchanged();
  await expectFailure('duplicate', () => jit.append([{ source: 'int gen_a(void) { return 2; }' }]));
  unchanged();
  await expectFailure('capacity', () => jit.append([{ source: 'char gen_huge[64 << 20];' }]));
  unchanged();
  await ok('int gen_b(void) { return 2; }');
  await ok('int gen_c(void) { return 3; }');
  assert.equal(jit.symbols().next().value?.generation, 1);
  assert.equal([...jit.symbols()].find((s) => s.name === 'gen_c')?.generation, 4);
});

// ---- §9 resolution rules ---------------------------------------------------------

describe('append: symbol resolution (§9)', () => {
  test('a new weak definition of an existing global is ignored; the batch binds to the old one', async (t) => {
    const jit = await linked(t, 'int wfun(void) { return 1; }\nint wdata = 5;\n');
    const oldFun = addr(jit, 'wfun');
    const oldData = addr(jit, 'wdata');
    await jit.append([
      {
        name: 'weak.c',
        source: `
__attribute__((weak)) int wfun(void) { return 2; }
__attribute__((weak)) int wdata = 99;
int use_wfun(void) { return wfun(); }
int use_wdata(void) { return wdata; }
int *wdata_addr(void) { return &wdata; }
`,
      },
    ]);
    assert.equal(jit.lookup('wfun'), oldFun);
    assert.equal(jit.lookup('wdata'), oldData);
    assert.equal(int0(jit, 'use_wfun'), 1, 'the batch calls the old definition');
    assert.equal(int0(jit, 'use_wdata'), 5, 'the batch reads the old data');
    assert.equal(jit.call('wdata_addr', 'uintptr_t (void)'), oldData);
    assert.equal(int0(jit, 'wfun'), 1);
  });

  test(
    'an ignored weak definition stays present as an object-local symbol (§9), not as a second global',
    async (t) => {
      const jit = await linked(t, 'int wfun(void) { return 1; }\n');
      await jit.append([{ name: 'weak2.c', source: '__attribute__((weak)) int wfun(void) { return 2; }\nint use_wfun2(void) { return wfun(); }\n' }]);
      const defs = [...jit.symbols()].filter((s) => s.name === 'wfun');
      assert.equal(defs.length, 2, 'the ignored weak body is still in the image');
      const ignored = defs.find((s) => s.generation === 2)!;
      assert.equal(jit.addrToSym(ignored.address)?.name, 'wfun', 'addrToSym still names its body');
      assert.equal(jit.call(ignored.address, 'int (void)'), 2);
      assert.deepEqual(defs.filter((s) => s.global).map((s) => s.address), [addr(jit, 'wfun')], 'exactly one global wfun: the one lookup returns');
    },
  );

  test("a new strong definition satisfies the batch's own weak references (old code is not repatched)", async (t) => {
    const jit = await linked(t, `
extern int late(void) __attribute__((weak));
int old_probe(void) { return late ? late() : -1; }
`);
    assert.equal(int0(jit, 'old_probe'), -1);
    assert.equal(jit.lookup('late'), undefined);
    await jit.append([
      { name: 'user.c', source: 'extern int late(void) __attribute__((weak));\nint new_probe(void) { return late ? late() : -1; }\n' },
      { name: 'def.c', source: 'int late(void) { return 42; }\n' },
      { name: 'wdef.c', source: '__attribute__((weak)) int pick(void) { return 1; }\nint use_pick(void) { return pick(); }\n' },
      { name: 'sdef.c', source: 'int pick(void) { return 2; }\n' },
    ]);
    assert.equal(int0(jit, 'new_probe'), 42, 'the weak reference in the batch binds to the new strong definition');
    assert.equal(int0(jit, 'old_probe'), -1, 'old code does not learn about the new definition (§9: no repatching)');
    assert.equal(int0(jit, 'use_pick'), 2, "a strong definition beats the batch's own weak one");
    assert.equal(jit.addrToSym(addr(jit, 'pick'))?.file, 'sdef.o');
    assert.equal(jit.addrToSym(addr(jit, 'late'))?.generation, 2);
  });

  test('an appended duplicate strong definition fails without changing lookups (§15 link unit)', async (t) => {
    const jit = await linked(t, INIT);
    const err = await transactional(jit, 'duplicate', () => jit.append([{ source: 'int base(int x) { return 0; }\nint dup_new(void) { return 1; }\n', name: 'dup.c' }]), {
      name: 'after-dup.c',
      source: 'extern int base(int);\nint after_dup(int x) { return base(x) * 10; }\n',
      check: (j) => {
        assert.equal(int1(j, 'after_dup', 1), 20);
        assert.equal(int1(j, 'base', 1), 2);
        assert.equal(j.lookup('dup_new'), undefined);
      },
    });
    assert.match(err.message, /base/);
    // Two strong definitions inside one batch fail too.
    await transactional(jit, 'duplicate', () => jit.append([{ source: 'int twin(void) { return 1; }' }, { source: 'int twin(void) { return 2; }' }]), {
      name: 'after-twin.c',
      source: 'int after_twin(void) { return 7; }\n',
      check: (j) => {
        assert.equal(int0(j, 'after_twin'), 7);
        assert.equal(j.lookup('twin'), undefined);
      },
    });
  });

  test('an appended object needing an archive member pulls it in', async (t) => {
    const m1 = gccObject('arc_m1.c', 'int arc_one(int x) { return x + 100; }\nint arc_shared = 7;\n');
    const m2 = gccObject('arc_m2.c', 'extern int arc_one(int);\nint arc_two(int x) { return arc_one(x) * 2; }\n');
    const m3 = gccObject('arc_m3.c', 'int arc_three(void) { return 3; }\n');
    const lib = arArchive('libarc.a', [m1, m2, m3]);
    const jit = await linked(t, INIT, {}, (j) => j.addFile(lib));
    for (const n of ['arc_one', 'arc_two', 'arc_three', 'arc_shared']) assert.equal(jit.lookup(n), undefined, `${n} was pulled by the initial link`);
    const r = await jit.append([{ source: 'extern int arc_two(int);\nint use_arc(int x) { return arc_two(x); }\n', name: 'use_arc.c' }]);
    assert.equal(int1(jit, 'use_arc', 1), 202);
    assert.deepEqual(r.symbols.map((s) => s.name).sort(), ['arc_one', 'arc_shared', 'arc_two', 'use_arc']);
    assert.equal(jit.addrToSym(addr(jit, 'arc_two'))?.generation, 2);
    assert.match(jit.addrToSym(addr(jit, 'arc_one'))!.file, /libarc\.a.*arc_m1/);
    assert.equal(jit.lookup('arc_three'), undefined, 'an unneeded member stays out');
    // Members already in the image are not pulled again (no duplicate).
    await jit.append([{ source: 'extern int arc_one(int); extern int arc_shared;\nint use_one(int x) { return arc_one(x) + arc_shared; }\n' }]);
    assert.equal(int1(jit, 'use_one', 1), 108);
    // A failed append that pulled a member forgets it, and a later one pulls it again.
    await transactional(jit, 'unresolved', () => jit.append([{ source: 'extern int arc_three(void); extern int arc_missing(void);\nint f3(void) { return arc_three() + arc_missing(); }\n' }]), {
      name: 'use_three.c',
      source: 'extern int arc_three(void);\nint use_three(void) { return arc_three() * 5; }\n',
      check: (j) => {
        assert.equal(int0(j, 'use_three'), 15);
        assert.equal(j.addrToSym(addr(j, 'arc_three'))?.generation, 4);
      },
    });
  });

  test('an archive appended in a failed batch is not left registered (§14)', async (t) => {
    const m = gccObject('late_arc.c', 'int late_arc_fn(int x) { return x + 1000; }\n');
    const lib = readFileSync(arArchive('liblate.a', [m]));
    const jit = await linked(t, INIT);
    const archives = jit.session.archives.length;
    await expectFailure('unresolved', () =>
      jit.append([{ bytes: lib, name: 'liblate.a' }, { source: 'extern int nowhere_zz(void);\nint uu(void) { return nowhere_zz(); }\n' }]),
    );
    // With the JIT unchanged, nothing can define late_arc_fn.
    await expectFailure('unresolved', () => jit.append([{ source: 'extern int late_arc_fn(int);\nint ul(int x) { return late_arc_fn(x); }\n' }]));
    assert.equal(jit.session.archives.length, archives, 'the failed batch left its archive in the session');
  });
});

// ---- §14 failures are transactional --------------------------------------------------

// GNU ld's __start_X / __stop_X (src/link/startstop.ts): each batch's sections X are one run.
const REGS_H = `struct reg { const char *name; int value; };
#define REGISTER(id, nm, v) __attribute__((section("myregs"), used, aligned(8))) static const struct reg id = {nm, v}
extern const struct reg __start_myregs[], __stop_myregs[];
`;
const regsFn = (fn: string): string => `int ${fn}(void) { int s = 0; for (const struct reg *p = __start_myregs; p < __stop_myregs; p++) s = s * 10 + p->value; return s; }\n`;

describe('append: __start_X / __stop_X', () => {
  test("an appended batch's sections X form their own run; a batch without X binds to the latest run", async (t) => {
    const jit = await linked(t, REGS_H + 'REGISTER(a, "a", 1);\nint pad_init[5] = {9};\nREGISTER(b, "b", 2);\n' + regsFn('sum_init'));
    assert.equal(int0(jit, 'sum_init'), 12);
    assert.equal(jit.lookup('__start_myregs'), undefined, 'the run symbols are local to the image');
    await jit.append([
      { source: REGS_H + 'REGISTER(c, "c", 3);\nint pad_one = 7;\n' + regsFn('sum_one'), name: 'one.c' },
      { source: REGS_H + 'REGISTER(d, "d", 4);\nREGISTER(e, "e", 5);\n', name: 'two.c' },
    ]);
    assert.equal(int0(jit, 'sum_one'), 345, "the batch's run: both of its objects, in link order");
    assert.equal(int0(jit, 'sum_init'), 12, 'the initial run is unchanged');
    await jit.append([{ source: REGS_H + regsFn('sum_later'), name: 'later.c' }]);
    assert.equal(int0(jit, 'sum_later'), 345, 'no section myregs in the batch: the image\'s latest run');
  });

  test('no section X anywhere: an undefined symbol, or 0 when weak', async (t) => {
    const jit = await linked(t, 'int base(int x) { return x + 1; }\n');
    const err = await expectFailure('unresolved', () =>
      jit.append([{ source: 'extern const char __start_nothere[];\nconst char *where(void) { return __start_nothere; }\n', name: 'strong.c' }]),
    );
    assert.match(err.message, /__start_nothere/);
    await jit.append([{ source: 'extern const char __stop_nothere[] __attribute__((weak));\nint is_null(void) { return __stop_nothere == 0; }\n', name: 'weak.c' }]);
    assert.equal(int0(jit, 'is_null'), 1);
  });
});

describe('append: failures leave the image unchanged (§14)', () => {
  // The failing batches below also reference strcspn, a libc function the image has not used yet,
  // so a failure must forget the host binding (and its GOT entry and stub) it created.
  const USES_HOST = '#include <string.h>\nchar fail_s[] = "ab:c";\nint fail_host(void) { return (int)strcspn(fail_s, ":"); }\n';
  const good = (tag: string) => ({
    name: `good_${tag}.c`,
    source: `#include <string.h>
extern int base(int);
int good_${tag}(int x) { return base(x) * 2; }
int good_${tag}_data = 17;
char good_${tag}_s[] = "abc:def";
int good_${tag}_host(void) { return (int)strcspn(good_${tag}_s, ":"); }
`,
    check: (j: Jit) => {
      assert.equal(int1(j, `good_${tag}`, 4), 10);
      assert.equal(i32At(j, addr(j, `good_${tag}_data`)), 17);
      assert.equal(int0(j, `good_${tag}_host`), 3);
      assert.equal(int1(j, 'triple_base', 1), 6);
    },
  });

  test('compile error (C syntax error)', async (t) => {
    const jit = await linked(t, INIT);
    const n = diagnostics.length;
    const err = await transactional(jit, 'compile', () => jit.append([{ source: 'int fine(void) { return 1; }', name: 'fine.c' }, { source: 'int broken( {\n', name: 'broken.c' }]), good('compile'));
    assert.match(err.message, /broken/);
    assert.ok(diagnostics.length > n, 'the compiler diagnostics were reported');
    assert.equal(jit.lookup('fine'), undefined);
  });

  test('unresolved symbol (§15 link unit)', async (t) => {
    const jit = await linked(t, INIT);
    const err = await transactional(
      jit,
      'unresolved',
      () => jit.append([{ source: USES_HOST + 'extern int no_such_symbol_xyz(int);\nint needs_it(const char *s) { return no_such_symbol_xyz((int)strlen(s)); }\nint partial = 3;\n', name: 'unres.c' }]),
      good('unres'),
    );
    assert.match(err.message, /no_such_symbol_xyz/);
    assert.equal(jit.lookup('needs_it'), undefined);
    assert.equal(jit.lookup('partial'), undefined);
  });

  test('duplicate strong definition', async (t) => {
    const jit = await linked(t, INIT);
    await transactional(jit, 'duplicate', () => jit.append([{ source: USES_HOST + 'int counter_init = 1;\nint dup_fn(void) { return 9; }\n', name: 'dupdata.c' }]), good('dup'));
    assert.equal(jit.lookup('dup_fn'), undefined);
  });

  for (const [cls, source] of [
    ['RX', 'int big_fn(void) { __asm__ volatile(".fill 65536, 1, 0x90"); return 1; }\n'],
    ['R', 'const char big_ro[65536] = {1};\nconst char *big_ro_at(void) { return big_ro; }\n'],
    ['RW', '#include <stdio.h>\nchar big_rw[65536] = {1};\nint big_rw_use(void) { return puts(big_rw); }\n'],
    ['RW (.bss)', 'char big_bss[1 << 20];\n'],
    ['TLS', '__thread char big_tls[65536] = {1};\n'],
  ] as const) {
    test(`capacity exhausted: ${cls}`, async (t) => {
      const jit = await linked(t, INIT, { reserve: { rx: 4096, r: 4096, rw: 4096, tls: 4096 } });
      const err = await transactional(jit, 'capacity', () => jit.append([{ source: USES_HOST + source, name: 'big.c' }]), good('cap'));
      assert.match(err.message, new RegExp(`the ${cls.split(' ')[0]} segment class is full`));
      // The image keeps working and keeps accepting small appends until full.
      await jit.append([{ source: 'int small_after(void) { return 11; }\n' }]);
      assert.equal(int0(jit, 'small_after'), 11);
    });
  }

  // A relocation that cannot fit: R_X86_64_32 against an absolute 0x100000000.
  // The batch fails in fixup, after its bytes were copied into the arena and after
  // its .text relocations (a new host function's stub, a host data GOT entry, an
  // initial function) were applied. `fixed` is the same object with the field widened to
  // 64 bits: identical symbols and layout, so it is "the failed batch, repaired".
  // Both also carry a COMDAT group (a failed batch must not keep its signature).
  const ABS = '\t.globl huge_abs\n\t.set huge_abs, 0x100000000\n';
  const relocAsm = (fixed: boolean) => `
	.text
	.globl reloc_fn
	.type reloc_fn, @function
reloc_fn:
	movq optind@GOTPCREL(%rip), %rax
	subq $8, %rsp
	leaq reloc_junk(%rip), %rdi
	leaq colon(%rip), %rsi
	call strcspn@PLT
	movl %eax, %edi
	call base@PLT
	addq $8, %rsp
	ret
	.size reloc_fn, .-reloc_fn
	.section .text.cd_fn,"axG",@progbits,cd_fn,comdat
	.globl cd_fn
	.type cd_fn, @function
cd_fn:
	movl $77, %eax
	ret
	.size cd_fn, .-cd_fn
	.section .rodata
colon:
	.string ":"
	.data
	.balign 64
	.globl reloc_junk
reloc_junk:
	.fill 128, 1, 0xab
	${fixed ? '.quad huge_abs' : '.long huge_abs\n\t.long 0'}
`;

  test('relocation failure (R_X86_64_32 overflow)', async (t) => {
    const jit = await linked(t, INIT);
    const abs = gccBytes('huge_abs.s', ABS);
    const bad = gccBytes('reloc_bad.s', relocAsm(false));
    const err = await transactional(jit, 'relocation', () => jit.appendObjects([{ bytes: abs, name: 'huge_abs.o' }, { bytes: bad, name: 'reloc_bad.o' }]), {
      // Its .bss lands on the failed batch's 0xab bytes: they must read as zero.
      name: 'after_reloc.c',
      source: 'int after_zeros[32];\nint after_sum(void) { int s = 0; for (int i = 0; i < 32; i++) s |= after_zeros[i]; return s; }\n',
      check: (j) => {
        assert.deepEqual([...j.read(addr(j, 'after_zeros'), 128)], new Array(128).fill(0), '.bss of the next batch is not zero');
        assert.equal(int0(j, 'after_sum'), 0);
      },
    });
    assert.match(err.message, /R_X86_64_32/);
    assert.match(err.message, /huge_abs/);
    for (const n of ['huge_abs', 'reloc_fn', 'reloc_junk', 'cd_fn']) assert.equal(jit.lookup(n), undefined, `${n} was published by a failed append`);
  });

  test('after a failed append the next batch lands exactly where the failed one would have', async () => {
    // Twin images at the same fixed base: one appends the repaired batch directly, the
    // other first fails with the broken batch (in fixup, the latest failure point).
    const base = 0x68000000;
    const init = (await compileSource(INIT, 'init.c', { cc: CC })).bytes;
    const abs = gccBytes('huge_abs2.s', ABS);
    const bad = gccBytes('reloc_bad2.s', relocAsm(false));
    const fixed = gccBytes('reloc_fixed.s', relocAsm(true));
    const run = async (fail: boolean) => {
      const jit = new Jit({ ...quiet, base, reserve: { rx: 1 << 16, r: 1 << 16, rw: 1 << 16, tls: 1 << 12 } });
      try {
        jit.addObject(init, 'init.o');
        await jit.link();
        int1(jit, 'base', 0);
        if (fail) await expectFailure('relocation', () => jit.appendObjects([{ bytes: abs, name: 'huge_abs.o' }, { bytes: bad, name: 'reloc.o' }]));
        const rwFrom = jit.session.classes[RW]!.cursor;
        const r = jit.appendObjects([{ bytes: abs, name: 'huge_abs.o' }, { bytes: fixed, name: 'reloc.o' }]);
        // Code and read-only data of the whole image; writable data of the new batch only (the runtime's own may hold pointers).
        const image = jit.session.classes.map((c, k) => (k === RW ? [...jit.read(rwFrom, c.cursor - rwFrom)] : [...jit.read(c.start, c.cursor - c.start)]));
        return {
          generation: r.generation,
          sections: r.sections,
          symbols: r.symbols,
          relocationsTouched: r.relocationsTouched,
          cursors: jit.session.classes.map((c) => c.cursor),
          relocs: jit.session.relocs.count,
          symbolCount: jit.session.symbols.count,
          listing: [...jit.symbols()],
          lookups: ['huge_abs', 'reloc_fn', 'reloc_junk', 'cd_fn', 'base'].map((n) => jit.lookup(n)),
          image,
          reloc_fn: int0(jit, 'reloc_fn'),
          cd_fn: int0(jit, 'cd_fn'),
        };
      } finally {
        jit.free();
      }
    };
    const clean = await run(false);
    const afterFailure = await run(true);
    assert.equal(clean.reloc_fn, 129, 'strcspn(reloc_junk, ":") + 1');
    assert.equal(clean.cd_fn, 77);
    assert.equal(clean.lookups[0], 0x100000000);
    assert.deepStrictEqual(afterFailure, clean);
  });

  test('a failed batch does not run its constructors', async (t) => {
    const jit = await linked(t, 'int ctor_hits;\nint get_hits(void) { return ctor_hits; }\n');
    jit.runInit();
    await expectFailure('unresolved', () =>
      jit.append([{ source: 'extern int ctor_hits; extern int ctor_missing(void);\n__attribute__((constructor)) static void c(void) { ctor_hits++; }\nint cm(void) { return ctor_missing(); }\n' }]),
    );
    assert.equal(int0(jit, 'get_hits'), 0);
    await jit.append([{ source: 'extern int ctor_hits;\n__attribute__((constructor)) static void c(void) { ctor_hits += 10; }\n' }]);
    assert.equal(int0(jit, 'get_hits'), 10);
  });
});

// ---- constructors ------------------------------------------------------------------

test('a constructor in an appended batch runs exactly once, after publication', async (t) => {
  const jit = await linked(t, `
int ctor_runs;
void (*hook)(void);
void set_hook(void (*h)(void)) { hook = h; }
int get_ctor_runs(void) { return ctor_runs; }
`);
  const seen: { generation: number; tag: number | undefined; runs: number }[] = [];
  const cb = registerCallback('void (void)', () => {
    seen.push({ generation: jit.generation, tag: jit.lookup('ctor_tag'), runs: i32At(jit, addr(jit, 'ctor_runs')) });
  });
  t.after(() => cb.unregister());
  jit.call('set_hook', 'void (uintptr_t)', cb.address); // runs the initial constructors (none) too
  const r = await jit.append([
    {
      name: 'ctor.c',
      source: `
extern int ctor_runs;
extern void (*hook)(void);
int ctor_tag = 11;
__attribute__((constructor)) static void on_load(void) { ctor_runs++; if (hook) hook(); }
`,
    },
  ]);
  assert.equal(int0(jit, 'get_ctor_runs'), 1);
  assert.equal(seen.length, 1);
  // When it ran, the batch was already published: its generation and its symbols were visible.
  assert.deepEqual(seen[0], { generation: r.generation, tag: addr(jit, 'ctor_tag'), runs: 1 });
  // Later calls, runInit and appends do not run it again.
  jit.runInit();
  int0(jit, 'get_ctor_runs');
  await jit.append([{ source: 'int unrelated(void) { return 0; }\n' }]);
  await jit.append([{ source: 'extern int ctor_runs;\n__attribute__((constructor)) static void second(void) { ctor_runs += 100; }\n' }]);
  assert.equal(int0(jit, 'get_ctor_runs'), 101);
  assert.equal(seen.length, 1);
});

test('constructors of a batch appended before the first call run once, at the first call', async (t) => {
  const jit = await linked(t, 'int early_runs;\nint get_early(void) { return early_runs; }\n');
  await jit.append([{ source: 'extern int early_runs;\n__attribute__((constructor)) static void e(void) { early_runs++; }\n' }]);
  assert.equal(i32At(jit, addr(jit, 'early_runs')), 0, 'constructors wait for the image to be initialized');
  assert.equal(int0(jit, 'get_early'), 1);
  assert.equal(int0(jit, 'get_early'), 1);
  await jit.append([{ source: 'int later(void) { return 1; }\n' }]);
  assert.equal(int0(jit, 'get_early'), 1);
});

// ---- §10 relocation records ------------------------------------------------------------

test('relocations touched per append = the new object\'s relocations, constant across 100 appends', async (t) => {
  const jit = await linked(t, INIT + 'int shared_counter;\n');
  const template = (
    await compileSource(
      `
#include <string.h>
extern int base(int);
extern int shared_counter;
static const char *tag = "relocation-template";
static int helper(int x) { return x * 3; }
int r00000(int x) { shared_counter++; return base(helper(x)) + (int)strlen(tag); }
`,
      'rtemplate.c',
      { cc: CC },
    )
  ).bytes;
  const perObject = relocCount(template);
  assert.ok(perObject >= 5, `template has only ${perObject} relocations`);
  const make = renamer(template, 'r00000');
  const relocs = jit.session.relocs;
  const oldCount = relocs.count;
  const oldRecords = Array.from({ length: oldCount }, (_, i) => [relocs.where(i), relocs.type(i), relocs.width(i), relocs.target(i), relocs.addend(i), relocs.input(i), relocs.section(i)]);
  const touched: number[] = [];
  for (let i = 0; i < 100; i++) {
    const before = relocs.count;
    const r = jit.appendObjects([{ bytes: make(`r${String(i).padStart(5, '0')}`), name: `r${i}.o` }]);
    touched.push(r.relocationsTouched);
    assert.equal(relocs.count - before, r.relocationsTouched, 'relocationsTouched is the number of records the append created');
  }
  assert.deepEqual(touched, new Array(100).fill(perObject), 'every append touched exactly its own relocations');
  assert.equal(relocs.count, oldCount + 100 * perObject);
  for (let i = 0; i < oldCount; i++) {
    assert.deepEqual([relocs.where(i), relocs.type(i), relocs.width(i), relocs.target(i), relocs.addend(i), relocs.input(i), relocs.section(i)], oldRecords[i], `old relocation record ${i} changed`);
  }
  assert.equal(int1(jit, 'r00000', 1), 4 + 'relocation-template'.length);
  assert.equal(int1(jit, 'r00099', 2), 7 + 'relocation-template'.length);
  assert.equal(i32At(jit, addr(jit, 'shared_counter')), 2);
});

// ---- scale -----------------------------------------------------------------------------------

test('10,000 sequential appends keep every earlier lookup unchanged', { timeout: 120_000 }, async (t) => {
  const jit = await linked(t, INIT);
  const template = (
    await compileSource('extern int base(int);\nstatic int helper(int x) { return x * 3; }\nint f00000(int x) { return base(helper(x)); }\n', 'ftemplate.c', { cc: CC, flags: ['-g0'] })
  ).bytes;
  const make = renamer(template, 'f00000');
  const perObject = relocCount(template);
  const initial = new Map([...jit.symbols()].filter((s) => s.global).map((s) => [s.name, s.address]));
  const N = 10_000;
  const sampleEvery = N / 100;
  const sampled = new Map<string, number>();
  const t0 = performance.now();
  let touchedMax = 0;
  for (let i = 0; i < N; i++) {
    const name = `f${String(i).padStart(5, '0')}`;
    const r = jit.appendObjects([{ bytes: make(name), name: `${name}.o` }]);
    touchedMax = Math.max(touchedMax, r.relocationsTouched);
    if (i % sampleEvery === 0) {
      assert.equal(r.symbols.length, 1);
      sampled.set(name, r.symbols[0]!.address);
    }
  }
  const ms = performance.now() - t0;
  t.diagnostic(`${N} appends in ${ms.toFixed(0)} ms (${((ms * 1000) / N).toFixed(1)} µs each)`);
  assert.equal(jit.generation, 1 + N);
  assert.equal(touchedMax, perObject);
  assert.equal(sampled.size, 100);
  for (const [name, a] of sampled) {
    assert.equal(jit.lookup(name), a, `lookup('${name}') moved`);
    const s = jit.addrToSym(a + 1);
    assert.equal(s?.name, name);
    assert.equal(s?.offset, 1);
    assert.equal(s?.generation, 2 + Number(name.slice(1)));
  }
  for (const [name, a] of initial) assert.equal(jit.lookup(name), a, `initial lookup('${name}') moved`);
  for (const name of ['f00000', 'f04321', 'f09999']) assert.equal(int1(jit, name, 2), 7);
  assert.equal(int1(jit, 'triple_base', 1), 6);
});

// The §15 debug smoke tests (a breakpoint on an appended function, DWARF refresh) are REPL
// transcripts: test/repl.test.ts, "INCREMENTAL_LINK §15 smoke: jit { } appends to the live image".
