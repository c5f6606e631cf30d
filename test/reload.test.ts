// Function-only hot reload (../shared/spec/HOT_RELOAD.md; our names: Jit =
// CfreeJit, jit.reloadFunction = cfree_jit_reload_function, jit.rollback,
// jit.lookup, jit.addrToSym, jit.generation). Every test links real
// gcc/clang code with indirection 'exported-funcs' (stable entry → slot →
// current body), reloads functions and calls them.
//
//   - §19 JIT units: lookup('foo') is stable; old result before, new after;
//     function pointers saved in C data (statically and at run time) and
//     same-file callers reach the new body (gcc -O0/-O2, clang-19 -O0/-O2);
//     the old body stays mapped and addrToSym describes an old PC; a frame
//     inside the old body finishes there (§12);
//   - §10 input restrictions and §18 failures: every rejection leaves the
//     slot, all lookups, the symbol list, the symbol count, the generation
//     and the function's result exactly as they were;
//   - §11 ABI signature check: a changed signature is refused naming it, unless unchecked;
//   - rollback, the reload report, the §15 patch-site index (incremental:
//     after 1,000 reloads a query indexes only the newest reload's records);
//   - 10,000 reloads alternating two precompiled bodies; W^X after reloads;
//   - a reliability stress test in a child process: two pthreads call foo
//     in a loop while TypeScript reloads it 10,000 times.
//
// Run: npx tsc -p . && node --test dist/test/reload.test.js

import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource, HotlinkError, Jit } from '../src/index.js';
import { hex } from '../src/errors.js';
import type { JitOptions } from '../src/index.js';
import type { ReloadReport } from '../src/jit.js';
import { loadSlot } from '../src/link/reload.js';
import type { LinkReloadFunc } from '../src/link/session.js';
// Only for the §12 test: a native function pointer that calls back into this test while foo's old body is running.
import { registerCallback } from '../src/memory/native.js';
import { repoRoot } from './helpers.js';

const CC = 'gcc';
const CLANG = 'clang-19';
const haveClang = spawnSync(CLANG, ['--version']).status === 0;

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hotlink-reload-'));
});
after(() => {
  if (dir && !process.env.HOTLINK_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

// ---- helpers -------------------------------------------------------------------

/** Compiler diagnostics are collected here instead of cluttering the test output. */
const diagnostics: string[] = [];
const quiet = (cc = CC): JitOptions => ({ cc, onDiagnostics: (text) => void diagnostics.push(text) });

const freed = new WeakSet<Jit>();
function release(jit: Jit): void {
  if (freed.has(jit)) return;
  freed.add(jit);
  jit.free();
}

/** A linked Jit (indirection 'exported-funcs') over C source `init`, freed after the test. */
async function linked(t: TestContext, init: string, opts: JitOptions = {}, extra: (jit: Jit) => void = () => {}): Promise<Jit> {
  const jit = new Jit({ ...quiet(opts.cc), indirection: 'exported-funcs', ...opts });
  t.after(() => release(jit));
  jit.addSource(init, 'init.c');
  extra(jit);
  await jit.link();
  return jit;
}

/** Compiles a replacement once (to reload its bytes many times with reloadObject). */
async function compiled(source: string, name: string, cc = CC, flags: string[] = []): Promise<{ bytes: Uint8Array; name: string }> {
  const o = await compileSource(source, name, { cc, flags, onDiagnostics: (text) => void diagnostics.push(text) });
  return { bytes: o.bytes, name: o.name };
}

function addr(jit: Jit, name: string): number {
  const a = jit.lookup(name);
  assert.ok(a !== undefined, `symbol '${name}' is not in the image`);
  return a;
}

function rf(jit: Jit, name: string): LinkReloadFunc {
  const f = jit.session.reloadFuncs.get(name);
  assert.ok(f, `'${name}' is not a reloadable function`);
  return f;
}

const int1 = (jit: Jit, target: string | number, x: number): number => jit.call(target, 'int (int)', x) as number;

/** The address of body n of reloadable `name`. */
function bodyAddr(jit: Jit, name: string, n: number): number {
  return jit.session.symbols.addr[rf(jit, name).bodies[n]!]!;
}

/** Everything a failed reload must leave untouched (§18: "old body remains active"). */
interface Snapshot {
  slot: number;
  bodies: number;
  current: number;
  lookups: [string, number | undefined][];
  symbols: string;
  count: number;
  generation: number;
  result: unknown;
}

function snapshot(jit: Jit, name: string, result: () => unknown): Snapshot {
  const f = rf(jit, name);
  return {
    slot: loadSlot(f.slotAddr),
    bodies: f.bodies.length,
    current: f.current,
    lookups: [...jit.session.symbols.byName.keys()].sort().map((n) => [n, jit.lookup(n)]),
    symbols: JSON.stringify([...jit.symbols()]),
    count: jit.session.symbols.count,
    generation: jit.generation,
    result: result(),
  };
}

function assertUnchanged(jit: Jit, name: string, before: Snapshot, result: () => unknown): void {
  const now = snapshot(jit, name, result);
  assert.equal(now.slot, before.slot, 'the slot still points at the old body');
  assert.equal(now.bodies, before.bodies, 'no body was added');
  assert.equal(now.current, before.current);
  assert.deepEqual(now.lookups, before.lookups, 'every lookup is unchanged');
  assert.equal(now.symbols, before.symbols, 'symbols() is unchanged');
  assert.equal(now.count, before.count, 'session.symbols.count is unchanged');
  assert.equal(now.generation, before.generation, 'the generation is unchanged');
  assert.deepEqual(now.result, before.result, 'the function still returns the old result');
}

/** Runs a reload that must fail; returns the error (a HotlinkError whose message matches `pattern`). */
async function rejects(p: () => Promise<unknown> | unknown, pattern: RegExp): Promise<HotlinkError> {
  let err: unknown;
  try {
    await p();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected the reload to be rejected (${pattern})`);
  assert.ok(err instanceof HotlinkError, `expected a HotlinkError, got ${(err as Error)?.stack ?? err}`);
  assert.match(err.message, pattern);
  return err;
}

/** Mappings of this process inside [lo, hi) that are writable and executable at once. */
function wxMappingsIn(lo: number, hi: number): { wx: string[]; rx: number } {
  const wx: string[] = [];
  let rx = 0;
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4})/.exec(line);
    if (!m) continue;
    const a = parseInt(m[1]!, 16);
    const b = parseInt(m[2]!, 16);
    if (b <= lo || a >= hi) continue;
    const perms = m[3]!;
    if (perms[1] === 'w' && perms[2] === 'x') wx.push(line);
    if (perms[0] === 'r' && perms[2] === 'x') rx++;
  }
  return { wx, rx };
}

function imageRange(jit: Jit): [number, number] {
  const c = jit.session.classes;
  return [c[0]!.start, c[3]!.limit];
}

// The program most tests start from. foo is noinline: at -O2 the compiler
// may otherwise inline foo into its same-file callers, and an inlined copy
// is not reloadable (HOT_RELOAD.md §2 non-goal: "Replacing inline copies
// already compiled into other functions").
const BASE = `
__attribute__((noinline)) int foo(int x) { return x + 1; }
int call_foo(int x) { return foo(x) * 10; }
int (*saved)(int) = foo;                 /* saved in C data at link time */
static int (*saved_runtime)(int);        /* saved by C code at run time */
void save_now(void) { saved_runtime = foo; }
int call_saved(int x) { return saved(x); }
int call_saved_runtime(int x) { return saved_runtime(x); }
int same_pointer(void) { return saved == foo && saved_runtime == foo; }
int shared_counter = 3;
const int table[4] = { 1, 2, 3, 4 };
int bar(int x) { return x * 7; }
`;
const FOO_NEW = 'int foo(int x) { return x + 100; }';

// ---- §19 JIT units ---------------------------------------------------------------

describe('§19 JIT units', () => {
  const variants: { cc: string; opt: string }[] = [
    { cc: CC, opt: '-O0' },
    { cc: CC, opt: '-O2' },
    { cc: CLANG, opt: '-O0' },
    { cc: CLANG, opt: '-O2' },
  ];
  for (const { cc, opt } of variants) {
    test(`${cc} ${opt}: stable lookup, old → new result, saved pointers and same-file callers reach the new body, old body stays mapped`, { skip: cc === CLANG && !haveClang ? `${CLANG} not installed` : false }, async (t) => {
      const jit = await linked(t, BASE, { cc, cflags: [opt] });
      const entry = addr(jit, 'foo');
      jit.call('save_now', 'void (void)');
      const f = rf(jit, 'foo');
      assert.equal(f.entryAddr, entry, 'lookup(foo) is the entry');
      assert.equal(loadSlot(f.slotAddr), bodyAddr(jit, 'foo', 0), 'the slot holds body 0');
      // Before: the old result everywhere.
      assert.equal(int1(jit, 'foo', 1), 2);
      assert.equal(int1(jit, 'call_foo', 1), 20, 'same-file caller, before');
      assert.equal(int1(jit, 'call_saved', 1), 2);
      assert.equal(int1(jit, 'call_saved_runtime', 1), 2);
      const oldAddr = bodyAddr(jit, 'foo', 0);
      const oldSize = jit.session.symbols.size[f.bodies[0]!]!;
      assert.ok(oldSize > 0);
      const oldBytes = jit.read(oldAddr, oldSize);
      const gen0 = jit.generation;

      const r = await jit.reloadFunction('foo', { source: FOO_NEW, name: 'foo_v1.c' });

      assert.equal(jit.lookup('foo'), entry, 'lookup(foo) is identical after the reload');
      assert.equal(r.entry, entry);
      assert.equal(jit.generation, gen0 + 1);
      // After: the new result everywhere.
      assert.equal(int1(jit, 'foo', 1), 101, 'call by name');
      assert.equal(int1(jit, entry, 1), 101, 'call through the entry address saved before the reload');
      assert.equal(int1(jit, 'call_foo', 1), 1010, `same-file caller (${cc} ${opt}) sees the new body`);
      assert.equal(int1(jit, 'call_saved', 1), 101, 'a pointer saved in C data at link time calls the new body');
      assert.equal(int1(jit, 'call_saved_runtime', 1), 101, 'a pointer saved by C code before the reload calls the new body');
      assert.equal(jit.call('same_pointer', 'int (void)'), 1, '&foo is the same value before and after');
      // The old body stays mapped, unchanged and callable (§12) ...
      assert.deepEqual(jit.read(oldAddr, oldSize), oldBytes, 'old body bytes unchanged');
      assert.equal(int1(jit, oldAddr, 1), 2, 'the old body still runs (a frame inside it could return)');
      // ... and addrToSym describes a PC inside it.
      const old = jit.addrToSym(oldAddr + Math.min(1, oldSize - 1));
      assert.ok(old);
      assert.equal(old.name, 'foo');
      assert.equal(old.body, 0);
      assert.equal(old.active, false);
      assert.equal(old.offset, Math.min(1, oldSize - 1));
      assert.equal(old.file, 'init.o');
      const cur = jit.addrToSym(r.new.address);
      assert.ok(cur);
      assert.deepEqual([cur.name, cur.body, cur.active, cur.offset], ['foo', 1, true, 0]);
      assert.equal(cur.generation, jit.generation);
      assert.equal(jit.addrToSym(entry)?.name, 'foo', 'the entry is presented as foo');
    });
  }

  test('callers in another file and in an append batch reach the new body; appended functions are reloadable', async (t) => {
    const jit = await linked(t, BASE, {}, (j) => j.addSource('extern int foo(int);\nint other_file(int x) { return foo(x) + 5; }\n', 'other.c'));
    await jit.append([{ name: 'appended.c', source: 'extern int foo(int);\n__attribute__((noinline)) int baz(int x) { return x * 2; }\nint use_both(int x) { return foo(x) + baz(x); }\n' }]);
    assert.deepEqual([int1(jit, 'other_file', 1), int1(jit, 'use_both', 1)], [7, 4]);
    await jit.reloadFunction('foo', { source: FOO_NEW });
    assert.deepEqual([int1(jit, 'other_file', 1), int1(jit, 'use_both', 1)], [106, 103]);
    const r = await jit.reloadFunction('baz', { source: 'int baz(int x) { return x * 50; }' });
    assert.equal(r.new.body, 1);
    assert.equal(int1(jit, 'use_both', 1), 151);
    assert.equal(jit.addrToSym(r.old.address)?.file, 'appended.o');
  });

  test('inside a replacement, &foo is the stable entry and recursion works', async (t) => {
    const jit = await linked(t, BASE);
    await jit.reloadFunction('foo', { source: 'extern int (*saved)(int);\nint foo(int x) { int (*self)(int) = foo; return self == saved ? x + 100 : -1; }' });
    assert.equal(int1(jit, 'call_foo', 1), 1010, 'the replacement\'s &foo equals the pointer saved at link time');
    await jit.reloadFunction('foo', { source: 'int foo(int x) { return x <= 0 ? 0 : 3 + foo(x - 1); }' });
    assert.equal(int1(jit, 'foo', 4), 12);
    assert.equal(int1(jit, 'call_saved', 2), 6);
  });

  test('a frame inside the old body finishes in the old body; the next call enters the new one (§12)', async (t) => {
    const jit = await linked(t, `
static void (*hook)(void);
void set_hook(void (*h)(void)) { hook = h; }
__attribute__((noinline)) int foo(int x) { if (hook) hook(); return x + 1; }
`);
    const replacement = await compiled(FOO_NEW, 'foo_v1.c');
    let reloadedInside: ReloadReport | undefined;
    const cb = registerCallback('void (void)', () => {
      if (!reloadedInside) reloadedInside = jit.reloadObject('foo', replacement);
    });
    t.after(() => cb.unregister());
    jit.call('set_hook', 'void (uintptr_t)', cb.address);
    assert.equal(int1(jit, 'foo', 1), 2, 'the running (old) frame returned the old result');
    assert.ok(reloadedInside, 'foo was reloaded while its old body was on the stack');
    assert.equal(int1(jit, 'foo', 1), 101, 'the next call enters the new body');
  });
});

// ---- §10 input restrictions, §18 failures ---------------------------------------

describe('§10/§18 rejected replacements leave everything unchanged', () => {
  const cases: { what: string; source: string; pattern: RegExp }[] = [
    { what: 'no definition of the target', source: 'int foo(int x);\nint unrelated_decl(void);\n', pattern: /does not define 'foo'/ },
    { what: 'only a static (local) definition of the target', source: '__attribute__((used)) static int foo(int x) { return x + 2; }\n', pattern: /does not define 'foo' as a global function/ },
    { what: 'the target defined as data', source: 'const int foo = 3;\n', pattern: /'foo' is not a function in the replacement/ },
    { what: 'an unresolved symbol', source: 'extern int nowhere_xyz(int);\nint foo(int x) { return nowhere_xyz(x); }', pattern: /undefined symbol[\s\S]*nowhere_xyz, referenced by foo_bad\.o/ },
    { what: 'a live variable whose type changed', source: 'long shared_counter = 3;\nint foo(int x) { return x + (int)shared_counter; }', pattern: /variable 'shared_counter' changed type: int \(4 bytes\) → long \(8 bytes\)/ },
    { what: 'a live constant whose size changed', source: 'const int table[5] = { 1, 2, 3, 4, 5 };\nint foo(int x) { return x + table[4]; }', pattern: /'table' changed size: 16 → 20 bytes/ },
  ];
  for (const c of cases) {
    test(`rejects ${c.what}`, async (t) => {
      const jit = await linked(t, BASE);
      const result = () => [int1(jit, 'foo', 1), int1(jit, 'call_foo', 1), int1(jit, 'call_saved', 1)];
      const before = snapshot(jit, 'foo', result);
      assert.deepEqual(before.result, [2, 20, 2]);
      const err = await rejects(() => jit.reloadFunction('foo', { source: c.source, name: 'foo_bad.c' }), c.pattern);
      if (!/undefined symbol/.test(err.message)) assert.match(err.message, /cannot reload 'foo' from foo_bad\.o/);
      assertUnchanged(jit, 'foo', before, result);
      // The session is still usable: a good reload lands as body 1.
      const r = await jit.reloadFunction('foo', { source: FOO_NEW });
      assert.equal(r.new.body, 1);
      assert.deepEqual(result(), [101, 1010, 101]);
    });
  }

  // A replacement is a version of foo's translation unit: what it brings that the unit lacks is added once,
  // what the unit has binds to the live definition (issue 9: state is kept).
  const accepted: { what: string; source: string; want: number; stateful?: boolean; variables?: string[]; ctors?: { name: string; ran: boolean }[] }[] = [
    { what: 'new writable global data (allocated and initialized once)', source: 'int fresh_global = 7;\nint foo(int x) { return x + fresh_global++; }', want: 8, stateful: true, variables: ['fresh_global:added'] },
    { what: 'a new .bss static', source: 'static int hits;\nint foo(int x) { return x + ++hits; }', want: 2, stateful: true, variables: ['hits:added'] },
    { what: 'a new tentative/common global', source: 'int pool[16];\nint foo(int x) { return x + pool[0]; }', want: 1, variables: ['pool:added'] },
    { what: 'new TLS', source: 'static __thread int t;\nint foo(int x) { return x + ++t; }', want: 2, stateful: true, variables: ['t:added'] },
    { what: 'new initialized TLS', source: '__thread int tcount = 1;\nint foo(int x) { return x + tcount++; }', want: 2, stateful: true, variables: ['tcount:added'] },
    { what: 'a new constructor (runs once)', source: 'static int loaded;\n__attribute__((constructor)) static void on_load(void) { loaded += 5; }\nint foo(int x) { return x + loaded; }', want: 6, ctors: [{ name: 'on_load', ran: true }], variables: ['loaded:added'] },
    { what: 'a new destructor (kept for teardown)', source: '__attribute__((destructor)) static void on_unload(void) {}\nint foo(int x) { return x + 2; }', want: 3 },
    { what: 'a new public helper function', source: 'int helper2(int x) { return x * 2; }\nint foo(int x) { return helper2(x); }', want: 2 },
    { what: 'a definition of the live bar (binds to the live bar: only foo was asked for)', source: 'int bar(int x) { return x; }\nint foo(int x) { return bar(x) + 2; }', want: 9 },
    { what: 'the live counter (binds to it: its value is kept)', source: 'int shared_counter = 3;\nint foo(int x) { return x + shared_counter++; }', want: 4, stateful: true },
    { what: 'the live counter with another initializer (value kept, reported)', source: 'int shared_counter = 99;\nint foo(int x) { return x + shared_counter; }', want: 4, variables: ['shared_counter:initializer-changed'] },
    { what: 'new public read-only data', source: 'const int newconst = 5;\nint foo(int x) { return x + newconst; }', want: 6 },
  ];
  for (const c of accepted) {
    test(`accepts ${c.what}`, async (t) => {
      const jit = await linked(t, BASE);
      const r = await jit.reloadFunction('foo', { source: c.source, name: 'foo_next.c' });
      assert.equal(r.new.body, 1);
      assert.equal(int1(jit, 'foo', 1), c.want);
      assert.equal(int1(jit, 'call_foo', 1), (c.want + (c.stateful ? 1 : 0)) * 10, 'callers in the image reach the new body');
      assert.deepEqual(r.file.variables.map((v) => `${v.name}:${v.change}`).sort(), (c.variables ?? []).sort());
      if (c.ctors) assert.deepEqual(r.file.constructors.map(({ name, ran }) => ({ name, ran })), c.ctors);
    });
  }

  test('rejects a replacement that does not fit the append capacity', async (t) => {
    // A tiny RX budget and a replacement with a 200,000-byte body.
    const jit = await linked(t, BASE, { reserve: { rx: 4096, r: 4096, rw: 4096, tls: 4096 } });
    const result = () => [int1(jit, 'foo', 1), int1(jit, 'call_foo', 1)];
    const before = snapshot(jit, 'foo', result);
    const cursors = jit.session.classes.map((c) => c.cursor);
    const err = await rejects(
      () => jit.reloadFunction('foo', { source: 'int foo(int x) { __asm__ volatile(".fill 200000, 1, 0x90"); return x + 2; }', name: 'big.c' }),
      /the RX segment class is full/,
    );
    assert.equal(err.kind, 'capacity');
    assertUnchanged(jit, 'foo', before, result);
    assert.deepEqual(jit.session.classes.map((c) => c.cursor), cursors, 'no cursor moved');
    // A replacement that fits still works.
    assert.equal((await jit.reloadFunction('foo', { source: FOO_NEW })).new.body, 1);
    assert.deepEqual(result(), [101, 1010]);
  });

  test('rejects a replacement whose relocation fails (R_X86_64_32 overflow against an absolute symbol)', async (t) => {
    // big_abs = 0x123456789 is an absolute symbol of the image; the assembled
    // replacement loads it with `movl $big_abs, %eax` (R_X86_64_32), which cannot hold it.
    writeFileSync(join(dir, 'big_abs.s'), '\t.globl big_abs\n\t.set big_abs, 0x123456789\n');
    writeFileSync(join(dir, 'reloc_fail.s'), '\t.text\n\t.globl foo\n\t.type foo, @function\nfoo:\n\tmovl $big_abs, %eax\n\tret\n\t.size foo, .-foo\n');
    for (const f of ['big_abs', 'reloc_fail']) {
      const r = spawnSync(CC, ['-c', join(dir, `${f}.s`), '-o', join(dir, `${f}.o`)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    const jit = await linked(t, BASE, {}, (j) => j.addFile(join(dir, 'big_abs.o')));
    assert.equal(jit.lookup('big_abs'), 0x123456789);
    const result = () => [int1(jit, 'foo', 1), int1(jit, 'call_foo', 1)];
    const before = snapshot(jit, 'foo', result);
    const cursors = jit.session.classes.map((c) => c.cursor);
    const relocs = jit.session.relocs.count;
    // unchecked: an assembled object has no ABI signature (§11); the point here is the relocation.
    const err = await rejects(
      () => jit.reloadFunction('foo', join(dir, 'reloc_fail.o'), { unchecked: true }),
      /reloc_fail\.o: \.text\+0x1: relocation against 'big_abs': R_X86_64_32: .*0x123456789 does not fit/,
    );
    assert.equal(err.kind, 'relocation');
    assertUnchanged(jit, 'foo', before, result);
    assert.deepEqual(jit.session.classes.map((c) => c.cursor), cursors, 'no cursor moved');
    assert.equal(jit.session.relocs.count, relocs, 'no relocation record was kept');
    assert.equal((await jit.reloadFunction('foo', { source: FOO_NEW })).new.body, 1);
    assert.deepEqual(result(), [101, 1010]);
  });

  test('usage errors: no indirection, unknown name, non-function, static function', async (t) => {
    const plain = new Jit({ ...quiet() });
    t.after(() => release(plain));
    plain.addSource(BASE, 'init.c');
    await plain.link();
    await rejects(() => plain.reloadFunction('foo', { source: FOO_NEW }), /cannot reload 'foo': the image was linked without indirection/);
    assert.equal(int1(plain, 'foo', 1), 2);
    const jit = await linked(t, BASE + 'static int local_fn(int x) { return x; }\nint use_local(int x) { return local_fn(x); }\n');
    const before = snapshot(jit, 'foo', () => int1(jit, 'foo', 1));
    await rejects(() => jit.reloadFunction('no_such_fn', { source: FOO_NEW }), /cannot reload 'no_such_fn': no such function in the image/);
    await rejects(() => jit.reloadFunction('shared_counter', { source: 'int shared_counter = 4;' }), /cannot reload 'shared_counter': it is not a reloadable function/);
    await rejects(() => jit.reloadFunction('local_fn', { source: 'int local_fn(int x) { return x + 1; }' }), /cannot reload 'local_fn' from local_fn\.reload\.o: it does not define 'local_fn' as a static function/);
    assertUnchanged(jit, 'foo', before, () => int1(jit, 'foo', 1));
    // A static function is reloadable from a static definition (issue 9); its callers reach the new body through its entry.
    await jit.reloadFunction('local_fn', { source: 'static int local_fn(int x) { return x + 1; }' });
    assert.equal(int1(jit, 'use_local', 1), 2);
  });

  test('a replacement can be given as a .c path, a .o path, C source or object bytes', async (t) => {
    const jit = await linked(t, BASE);
    writeFileSync(join(dir, 'foo_path.c'), 'int foo(int x) { return x + 300; }\n');
    const cc = spawnSync(CC, ['-c', '-g', '-fPIC', join(dir, 'foo_path.c'), '-o', join(dir, 'foo_path.o')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const bytes = await compiled('int foo(int x) { return x + 500; }', 'foo_bytes.c');
    assert.equal((await jit.reloadFunction('foo', join(dir, 'foo_path.c'))).new.body, 1);
    assert.equal(int1(jit, 'call_foo', 1), 3010);
    assert.equal((await jit.reloadFunction('foo', join(dir, 'foo_path.o'))).new.body, 2);
    assert.equal(int1(jit, 'call_foo', 2), 3020);
    assert.equal((await jit.reloadFunction('foo', { source: 'int foo(int x) { return x + 400; }' })).new.body, 3);
    assert.equal(int1(jit, 'call_foo', 1), 4010);
    assert.equal((await jit.reloadFunction('foo', bytes)).new.body, 4);
    assert.equal(int1(jit, 'call_foo', 1), 5010);
  });

  test('a replacement may bring private helpers, read-only data, call libc and other image functions', async (t) => {
    const jit = await linked(t, BASE);
    const r = await jit.reloadFunction('foo', {
      source: `
#include <string.h>
static const int k[3] = { 10, 20, 30 };
static const char *const names[] = { "zero", "one!" };   /* .data.rel.ro under -fPIC (constant pointers, relocated) */
extern const int table[4];
extern int bar(int);
__attribute__((noinline)) static int helper(int x) { return x + k[x % 3] + (int)strlen(names[x & 1]); }
int foo(int x) { return helper(x) + table[3] + bar(1); }
`,
    });
    assert.equal(r.new.body, 1);
    // helper(1) = 1 + 20 + 4; + table[3] (4) + bar(1) (7)
    assert.equal(int1(jit, 'foo', 1), 36);
    assert.equal(int1(jit, 'call_foo', 1), 360);
  });
});

// ---- compiler interprocedural assumptions -------------------------------------------------

describe('same-file callers under flags that let gcc assume calls bind locally', () => {
  // With -fPIC (the driver's default) gcc treats a global function as
  // interposable and assumes nothing about its body at same-file call sites.
  // With -fno-pic or -fvisibility=hidden it assumes the call binds to the
  // body it sees: IPA register allocation keeps values in caller-saved
  // registers across `call foo` that this body happens not to clobber, and
  // IPA constant propagation specializes callers. A reload then breaks the
  // callers. gcc's -flive-patching=inline-only-static turns exactly these
  // assumptions off, and the driver adds it whenever functions are reloadable.
  const SRC = `
__attribute__((noinline)) int foo(int x) { return x + 1; }
int caller(int a, int b, int c) { int r = foo(a); return r + b * c + a; }
__attribute__((noinline)) int scale(int x, int k) { return x * k; }
int call_scale(int x) { return scale(x, 7) + scale(x + 1, 7); }
`;
  for (const flags of [['-O2', '-fno-pic'], ['-O2', '-fvisibility=hidden']]) {
    test(`gcc ${flags.join(' ')}: same-file callers stay correct after reloads`, async (t) => {
      const jit = await linked(t, SRC, { cflags: flags });
      assert.equal(jit.call('caller', 'int (int, int, int)', 1, 2, 3), 9);
      assert.equal(int1(jit, 'call_scale', 1), 21);
      // The new foo clobbers %rsi and %rdx — caller-saved, so any callee may.
      await jit.reloadFunction('foo', { source: 'int foo(int x) { __asm__ volatile("movl $12345, %%esi; movl $6789, %%edx" ::: "rsi", "rdx"); return x + 100; }' });
      await jit.reloadFunction('scale', { source: 'int scale(int x, int k) { return x * k * 100; }' });
      assert.equal(jit.call('caller', 'int (int, int, int)', 1, 2, 3), 101 + 6 + 1);
      assert.equal(int1(jit, 'call_scale', 1), 700 + 1400);
    });
  }
});

// ---- §11 ABI signature check --------------------------------------------------------

describe('§11 ABI signature check', () => {
  const INT_FOO = '__attribute__((noinline)) int foo(int x) { return x + 1; }\nint call_foo(int x) { return foo(x) * 10; }\n';
  const STRUCT_MK = `
struct s8 { int a, b; };
__attribute__((noinline)) struct s8 mk(int x) { struct s8 s = { x, x + 1 }; return s; }
int mk_a(int x) { return mk(x).a; }
`;

  /** The ABI signature string a checked reload reports for `name`: link `base`, reload `same` (a same-signature definition). */
  async function signatureOf(t: TestContext, base: string, name: string, same: string): Promise<string> {
    const jit = await linked(t, base);
    const r = await jit.reloadFunction(name, { source: same, name: `${name}_same.c` });
    assert.equal(typeof r.abi, 'string', 'the report names the compared ABI signature');
    return r.abi!;
  }

  const INT_SAME = 'int foo(int x) { return x + 2; }';
  const mismatches: { what: string; base: string; same: string; name: string; replacement: string; result: (jit: Jit) => unknown }[] = [
    { what: 'int → double parameter', base: INT_FOO, same: INT_SAME, name: 'foo', replacement: 'int foo(double x) { return (int)x + 2; }', result: (jit) => int1(jit, 'call_foo', 1) },
    { what: 'an extra parameter', base: INT_FOO, same: INT_SAME, name: 'foo', replacement: 'int foo(int x, int y) { return x + y; }', result: (jit) => int1(jit, 'call_foo', 1) },
    { what: 'a variadic change', base: INT_FOO, same: INT_SAME, name: 'foo', replacement: 'int foo(int x, ...) { return x + 2; }', result: (jit) => int1(jit, 'call_foo', 1) },
    {
      what: 'a struct return size change (8 → 24 bytes)',
      base: STRUCT_MK,
      same: 'struct s8 { int a, b; };\nstruct s8 mk(int x) { struct s8 s = { x, 0 }; return s; }',
      name: 'mk',
      replacement: 'struct s24 { long a, b, c; };\nstruct s24 mk(int x) { struct s24 s = { x, x, x }; return s; }',
      result: (jit) => int1(jit, 'mk_a', 5),
    },
  ];
  for (const m of mismatches) {
    test(`rejects ${m.what}, naming both signatures`, async (t) => {
      const jit = await linked(t, m.base);
      const result = () => m.result(jit);
      const before = snapshot(jit, m.name, result);
      const err = await rejects(() => jit.reloadFunction(m.name, { source: m.replacement, name: 'abi_bad.c' }), new RegExp(`'${m.name}'`));
      assertUnchanged(jit, m.name, before, result);
      // Both signatures appear in the message, spelled as the reports of matching reloads spell them.
      const oldSig = await signatureOf(t, m.base, m.name, m.same);
      const newSig = await signatureOf(t, m.replacement, m.name, m.replacement);
      assert.notEqual(oldSig, newSig);
      assert.ok(err.message.includes(oldSig), `message names the old signature ${oldSig}: ${err.message}`);
      assert.ok(err.message.includes(newSig), `message names the new signature ${newSig}: ${err.message}`);
    });
  }

  test('accepts the same signature', async (t) => {
    const jit = await linked(t, INT_FOO);
    const r = await jit.reloadFunction('foo', { source: 'int foo(int x) { return x * 2; }' });
    assert.equal(r.new.body, 1);
    assert.equal(int1(jit, 'call_foo', 4), 80);
    const s = await linked(t, STRUCT_MK);
    await s.reloadFunction('mk', { source: 'struct s8 { int a, b; };\nstruct s8 mk(int x) { struct s8 s = { x * 3, 0 }; return s; }' });
    assert.equal(int1(s, 'mk_a', 5), 15);
  });

  test('the report of a checked reload names the ABI signature (a string)', async (t) => {
    const jit = await linked(t, INT_FOO);
    const r = await jit.reloadFunction('foo', { source: 'int foo(int x) { return x * 2; }' });
    assert.equal(typeof r.abi, 'string');
    assert.ok(r.abi!.length > 0);
  });

  test('accepts any mismatch with { unchecked: true } (report.abi is the replacement\'s signature)', async (t) => {
    const jit = await linked(t, INT_FOO);
    const r = await jit.reloadFunction('foo', { source: 'int foo(int x, int y) { return x + y; }' }, { unchecked: true });
    assert.equal(r.new.body, 1);
    assert.equal(r.abi, '(INTEGER:4, INTEGER:4) -> INTEGER:4');
    assert.equal(jit.call('foo', 'int (int, int)', 3, 4), 7);
    const r2 = await jit.reloadFunction('foo', { source: 'int foo(double x) { return (int)(x * 2); }' }, { unchecked: true });
    assert.equal(r2.new.body, 2);
    assert.equal(jit.call('foo', 'int (double)', 2.5), 5);
  });

  test('rejects a replacement without a signature (no DWARF) unless unchecked', async (t) => {
    writeFileSync(join(dir, 'nodwarf.s'), '\t.text\n\t.globl foo\n\t.type foo, @function\nfoo:\n\tleal 7(%rdi), %eax\n\tret\n\t.size foo, .-foo\n');
    const as = spawnSync(CC, ['-c', join(dir, 'nodwarf.s'), '-o', join(dir, 'nodwarf.o')], { encoding: 'utf8' });
    assert.equal(as.status, 0, as.stderr);
    const jit = await linked(t, INT_FOO);
    const result = () => int1(jit, 'call_foo', 1);
    const before = snapshot(jit, 'foo', result);
    await rejects(() => jit.reloadFunction('foo', join(dir, 'nodwarf.o')), /'foo'/);
    assertUnchanged(jit, 'foo', before, result);
    await jit.reloadFunction('foo', join(dir, 'nodwarf.o'), { unchecked: true });
    assert.equal(result(), 80);
  });
});

// ---- rollback, report, patch sites -------------------------------------------------------

describe('rollback and the reload report', () => {
  test('rollback to the previous body, to a specific body; out of range is an error; generation increments', async (t) => {
    const jit = await linked(t, BASE);
    const f = rf(jit, 'foo');
    const g0 = jit.generation;
    await jit.reloadFunction('foo', { source: 'int foo(int x) { return x + 100; }' });
    await jit.reloadFunction('foo', { source: 'int foo(int x) { return x + 200; }' });
    assert.equal(jit.generation, g0 + 2);
    assert.equal(int1(jit, 'call_foo', 1), 2010);
    const entry = addr(jit, 'foo');

    const back = jit.rollback('foo');
    assert.deepEqual([back.old.body, back.new.body], [2, 1]);
    assert.equal(back.generation, g0 + 3);
    assert.equal(jit.generation, g0 + 3, 'rollback increments the generation');
    assert.equal(back.entry, entry);
    assert.equal(back.new.address, bodyAddr(jit, 'foo', 1));
    assert.equal(loadSlot(f.slotAddr), back.new.address);
    assert.equal(int1(jit, 'call_foo', 1), 1010);
    assert.equal(int1(jit, 'call_saved', 1), 101);
    assert.equal(jit.addrToSym(bodyAddr(jit, 'foo', 1))?.active, true);
    assert.equal(jit.addrToSym(bodyAddr(jit, 'foo', 2))?.active, false);

    const to0 = jit.rollback('foo', 0);
    assert.deepEqual([to0.old.body, to0.new.body], [1, 0]);
    assert.equal(jit.generation, g0 + 4);
    assert.equal(int1(jit, 'call_foo', 1), 20);
    assert.equal(jit.addrToSym(bodyAddr(jit, 'foo', 0))?.active, true);

    // Forward again to a specific (newer) body.
    assert.equal(jit.rollback('foo', 2).new.body, 2);
    assert.equal(int1(jit, 'foo', 1), 201);
    assert.equal(jit.generation, g0 + 5);

    const before = snapshot(jit, 'foo', () => int1(jit, 'call_foo', 1));
    for (const bad of [3, 99, -1, 1.5, Number.NaN]) {
      assert.throws(() => jit.rollback('foo', bad), (e: unknown) => e instanceof HotlinkError && /cannot roll 'foo' back to body .*: it has bodies 0\.\.2 \(current 2\)/.test(e.message));
    }
    assertUnchanged(jit, 'foo', before, () => int1(jit, 'call_foo', 1));
    // Rollback from body 0 with no argument: there is no previous body.
    jit.rollback('foo', 0);
    const atZero = snapshot(jit, 'foo', () => int1(jit, 'call_foo', 1));
    assert.throws(() => jit.rollback('foo'), HotlinkError);
    assertUnchanged(jit, 'foo', atZero, () => int1(jit, 'call_foo', 1));
    assert.throws(() => jit.rollback('no_such_fn'), /cannot reload 'no_such_fn'/);
    // A reload after rollbacks appends body 3 (bodies are never reused).
    const r = await jit.reloadFunction('foo', { source: 'int foo(int x) { return x + 300; }' });
    assert.deepEqual([r.old.body, r.new.body], [0, 3]);
    assert.equal(int1(jit, 'call_foo', 1), 3010);
  });

  test('report fields: name, entry, slot, old/new body, generation, abi, callSites', async (t) => {
    const jit = await linked(t, BASE);
    const f = rf(jit, 'foo');
    const g0 = jit.generation;
    const old0 = bodyAddr(jit, 'foo', 0);
    const r = await jit.reloadFunction('foo', { source: FOO_NEW });
    assert.equal(r.name, 'foo');
    assert.equal(r.entry, jit.lookup('foo'));
    assert.equal(r.slot, f.slotAddr);
    assert.equal(r.slot % 8, 0, 'the slot is 8-byte aligned (atomic publication)');
    assert.deepEqual(r.old, { body: 0, address: old0, size: jit.session.symbols.size[f.bodies[0]!] });
    assert.equal(r.new.body, 1);
    assert.equal(r.new.address, loadSlot(f.slotAddr), 'the slot holds the new body');
    assert.equal(r.new.size, jit.session.symbols.size[f.bodies[1]!]);
    assert.ok(r.new.size > 0);
    assert.ok(r.new.address > r.old.address, 'the new body is appended');
    assert.equal(r.generation, g0 + 1);
    assert.equal(r.generation, jit.generation);
    assert.ok(r.abi === undefined || typeof r.abi === 'string');
    assert.equal(r.callSites, jit.session.patchSites.sitesOf(f.entryId).length);
    assert.ok(r.callSites >= 3, 'call_foo, saved and save_now reach foo through its entry');
    // The entry's page is code, the slot's page is data.
    const [lo] = imageRange(jit);
    assert.ok(r.entry >= lo && r.entry < jit.session.classes[0]!.limit, 'entry in the RX class');
    assert.ok(r.slot >= jit.session.classes[3]!.start && r.slot < jit.session.classes[3]!.limit, 'slot in the RW class');
  });
});

describe('§15 patch-site index', () => {
  const SITES = `
__attribute__((noinline)) int foo(int x) { return x + 1; }
__attribute__((noinline)) int helper(int x) { return x * 3; }
int c1(int x) { return foo(x); }
int c2(int x) { return foo(x) + foo(x + 1); }
int (*fp)(int) = foo;
`;

  test('sitesOf(entry) lists the call sites and the address-taking site; reloads add theirs', async (t) => {
    const jit = await linked(t, SITES);
    const s = jit.session;
    const f = rf(jit, 'foo');
    // sitesOf returns the index's own (growing) list: copy it to compare with later queries.
    const sites = [...s.patchSites.sitesOf(f.entryId)];
    const where = (ids: readonly number[]) => ids.map((id) => jit.addrToSym(s.relocs.where(id))?.name).sort();
    assert.deepEqual(where(sites), ['c1', 'c2', 'c2', 'fp'], 'gcc -O0: one call in c1, two in c2, one pointer in fp');
    for (const id of sites) assert.equal(s.relocs.target(id), f.entryId);
    // No site targets a body directly (§6: only linker-synthesized records may).
    for (const b of f.bodies) assert.equal(s.patchSites.sitesOf(b).length, 0);
    // Reloading c1 with a body that calls foo twice adds two sites, inside c1's new body.
    await jit.reloadFunction('c1', { source: 'extern int foo(int);\nint c1(int x) { return foo(x) + foo(x); }' });
    const after1 = s.patchSites.sitesOf(f.entryId);
    assert.equal(after1.length, 6);
    const added = after1.filter((id) => !sites.includes(id));
    assert.equal(added.length, 2);
    for (const id of added) assert.deepEqual([jit.addrToSym(s.relocs.where(id))?.name, jit.addrToSym(s.relocs.where(id))?.body], ['c1', 1]);
    assert.equal(int1(jit, 'c1', 1), 4);
    // The report of a reload of foo counts the sites reaching its entry.
    assert.equal((await jit.reloadFunction('foo', { source: FOO_NEW })).callSites, 6);
  });

  test('after 1,000 reloads a query indexes only the newest reload\'s records (lastScanned = its count, not the total)', async (t) => {
    const jit = await linked(t, SITES);
    const s = jit.session;
    const ps = s.patchSites;
    const helper = rf(jit, 'helper');
    // Each reload adds a call to helper (through helper's entry): one new site per reload.
    const bodies = await Promise.all([
      compiled('extern int helper(int);\nint foo(int x) { return helper(x) + 1; }', 'foo_h1.c'),
      compiled('extern int helper(int);\nint foo(int x) { return helper(x) + 2; }', 'foo_h2.c'),
    ]);
    assert.equal(ps.sitesOf(helper.entryId).length, 0);
    for (let i = 1; i < 1000; i++) jit.reloadObject('foo', bodies[i % 2]!);
    ps.sitesOf(helper.entryId);
    assert.equal(ps.scanned, s.relocs.count, 'caught up: every record indexed exactly once');
    const scannedBefore = ps.scanned;
    const before = s.relocs.count;
    const r = jit.reloadObject('foo', bodies[0]!); // reload #1000
    const own = s.relocs.count - before;
    assert.equal(own, s.relocs.touchedByLastBatch);
    assert.ok(own > 0 && own < 20, `reload #1000 made ${own} records`);
    assert.ok(s.relocs.count > 1000, `${s.relocs.count} records in total`);
    // reloadObject counts callSites with a sitesOf query: the first query after the reload.
    assert.equal(ps.lastScanned, own, `that query indexed the newest reload's ${own} records, not the ${s.relocs.count} total`);
    assert.equal(r.callSites, ps.sitesOf(rf(jit, 'foo').entryId).length);
    const sites = ps.sitesOf(helper.entryId);
    assert.equal(ps.scanned - scannedBefore, own, 'all queries since reload #1000 indexed exactly its records');
    assert.equal(ps.lastScanned, 0, 'a query with nothing new indexes nothing');
    assert.equal(sites.length, 1000, 'each reload added one call to helper');
    const newest = sites[sites.length - 1]!;
    assert.deepEqual([jit.addrToSym(s.relocs.where(newest))?.name, jit.addrToSym(s.relocs.where(newest))?.body], ['foo', 1000]);
    assert.equal(int1(jit, 'c1', 1), 3 + 1);
  });
});

describe('many reloads', () => {
  test('10,000 reloads alternating two precompiled bodies: sampled results right, entry unchanged', async (t) => {
    const jit = await linked(t, BASE, { cflags: ['-O2'] });
    const entry = addr(jit, 'foo');
    const f = rf(jit, 'foo');
    const g0 = jit.generation;
    // Each body is compiled once; the loop reloads the same bytes over and over.
    const bodies = await Promise.all([
      compiled('int foo(int x) { return x + 1000; }', 'foo_a.c', CC, ['-O2']),
      compiled('int foo(int x) { return x + 2000; }', 'foo_b.c', CC, ['-O2']),
    ]);
    const N = 10_000;
    const t0 = performance.now();
    let slowest = 0;
    for (let i = 0; i < N; i++) {
      const t1 = performance.now();
      const r = jit.reloadObject('foo', bodies[i % 2]!);
      slowest = Math.max(slowest, performance.now() - t1);
      if (r.entry !== entry || r.new.body !== i + 1 || r.generation !== g0 + i + 1) {
        assert.fail(`reload #${i + 1}: entry ${r.entry} (want ${entry}), body ${r.new.body}, generation ${r.generation}`);
      }
      if (i % 97 === 0 || i === N - 1) {
        const want = i % 2 ? 2000 : 1000;
        assert.equal(int1(jit, 'foo', i), i + want, `reload #${i + 1}: foo`);
        assert.equal(int1(jit, 'call_foo', 3), (3 + want) * 10, `reload #${i + 1}: same-file caller`);
        assert.equal(int1(jit, 'call_saved', 5), 5 + want, `reload #${i + 1}: saved pointer`);
        assert.equal(jit.lookup('foo'), entry);
      }
    }
    const ms = performance.now() - t0;
    t.diagnostic(`10,000 reloads in ${ms.toFixed(0)} ms (${((ms / N) * 1000).toFixed(1)} µs each, slowest ${slowest.toFixed(2)} ms)`);
    assert.equal(f.bodies.length, N + 1);
    assert.equal(f.current, N);
    assert.equal(loadSlot(f.slotAddr), bodyAddr(jit, 'foo', N));
    assert.equal(jit.generation, g0 + N);
    assert.deepEqual([jit.addrToSym(bodyAddr(jit, 'foo', 1))?.body, jit.addrToSym(bodyAddr(jit, 'foo', 1))?.active], [1, false]);
    assert.deepEqual([jit.addrToSym(bodyAddr(jit, 'foo', N))?.body, jit.addrToSym(bodyAddr(jit, 'foo', N))?.active], [N, true]);
    assert.equal(int1(jit, bodyAddr(jit, 'foo', 1), 1), 1001, 'an old body from 10,000 reloads ago still runs');
    const [lo, hi] = imageRange(jit);
    assert.deepEqual(wxMappingsIn(lo, hi).wx, [], 'W^X after 10,000 reloads');
  });

  test('W^X holds after reloads: no mapping inside the image is both writable and executable', async (t) => {
    const jit = await linked(t, BASE);
    const [lo, hi] = imageRange(jit);
    const initial = wxMappingsIn(lo, hi);
    assert.deepEqual(initial.wx, []);
    assert.ok(initial.rx > 0, 'the image has r-x code');
    const body = await compiled(FOO_NEW, 'foo_v1.c');
    for (let i = 0; i < 100; i++) {
      jit.reloadObject('foo', body);
      if (i % 10 === 0) assert.deepEqual(wxMappingsIn(lo, hi).wx, [], `after reload #${i + 1}`);
    }
    // A replacement with private helpers and read-only data (more classes touched), then a rollback.
    await jit.reloadFunction('foo', { source: 'static const int k[2] = { 5, 6 };\n__attribute__((noinline)) static int h(int x) { return x + k[x & 1]; }\nint foo(int x) { return h(x); }' });
    jit.rollback('foo', 0);
    const end = wxMappingsIn(lo, hi);
    assert.deepEqual(end.wx, []);
    assert.ok(end.rx > 0);
    assert.equal(int1(jit, 'call_foo', 1), 20);
  });
});

// ---- reliability stress: pthreads call foo while TypeScript reloads it ------------------------

describe('stress', () => {
  // A child process, so that a crash (a torn slot, a half-published body) cannot take the test runner down.
  const CHILD = (indexUrl: string) => `
import { Jit, compileSource } from ${JSON.stringify(indexUrl)};
const [fixture, reloadsArg, baseArg] = process.argv.slice(2);
const reloads = Number(reloadsArg);
const quiet = { cc: 'gcc', flags: ['-O2'], onDiagnostics: (d) => process.stderr.write(d) };
const jit = new Jit({ indirection: 'exported-funcs', cc: 'gcc', cflags: ['-O2', '-pthread'], onDiagnostics: quiet.onDiagnostics, base: baseArg ? Number(baseArg) : undefined });
jit.addFile(fixture);
await jit.link();
// Each body compiled once.
const bodies = await Promise.all([compileSource('int foo(void) { return 1; }', 'one.c', quiet), compileSource('int foo(void) { return 2; }', 'two.c', quiet)]);
const entry = jit.lookup('foo');
const n = (v) => Number(v);
if (jit.call('start_threads', 'int (int)', 2) !== 0) throw new Error('pthread_create failed');
const t0 = Date.now();
while (n(jit.call('stress_calls', 'int64_t (void)')) === 0 && Date.now() - t0 < 10000) {}
let mainErrors = 0;
const t1 = performance.now();
for (let i = 0; i < reloads; i++) {
  const r = jit.reloadObject('foo', bodies[(i + 1) % 2]);
  if (r.entry !== entry || jit.lookup('foo') !== entry) mainErrors++;
  if (i % 500 === 0 && jit.call('foo', 'int (void)') !== ((i + 1) % 2) + 1) mainErrors++;
}
const reloadMs = performance.now() - t1;
const callsDuring = n(jit.call('stress_calls', 'int64_t (void)'));
const errors = n(jit.call('stop_threads', 'int64_t (void)'));
const out = {
  errors, mainErrors, reloadMs,
  calls: n(jit.call('stress_calls', 'int64_t (void)')), callsDuring,
  seen1: n(jit.call('stress_seen', 'int64_t (int)', 1)),
  seen2: n(jit.call('stress_seen', 'int64_t (int)', 2)),
  badValue: n(jit.call('stress_seen', 'int64_t (int)', 0)),
  bodies: jit.session.reloadFuncs.get('foo').bodies.length,
  final: jit.call('foo', 'int (void)'),
  entry,
};
process.stdout.write(JSON.stringify(out) + '\\n');
process.exitCode = errors === 0 && mainErrors === 0 ? 0 : 1;
`;

  // The default arena is low, so every body address has a zero upper half and a store split in two 4-byte
  // halves could not be seen; above 4 GiB (a fixed base) both halves of the slot change at every reload.
  for (const base of [undefined, 0x2000_0000_0000]) {
  test(`two pthreads call foo (directly and through a saved pointer) while TypeScript reloads it 10,000 times${base ? `, arena at ${hex(base)} (above 4 GiB)` : ''}`, { timeout: 120_000 }, async (t) => {
    const script = join(dir, 'reload-stress-child.mjs');
    writeFileSync(script, CHILD(new URL('../src/index.js', import.meta.url).href));
    const fixture = join(repoRoot, 'test', 'programs', 'reload_stress.c');
    const child = spawn(process.execPath, [script, fixture, '10000', ...(base ? [String(base)] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    clearTimeout(killer);
    assert.equal(signal, null, `the child died of ${signal}:\n${stderr}`);
    assert.equal(code, 0, `child exit ${code}\nstdout: ${stdout}\nstderr: ${stderr}`);
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
    t.diagnostic(`stress: ${JSON.stringify(r)}`);
    assert.equal(r.errors, 0, 'no worker saw a value other than 1 or 2');
    assert.equal(r.mainErrors, 0);
    assert.ok(r.calls! > 0, 'the workers called foo');
    assert.ok(r.seen1! > 0 && r.seen2! > 0, 'the workers saw both bodies');
    assert.equal(r.bodies, 10_001);
    assert.equal(r.final, 1, 'after 10,000 reloads (the last one publishes body "one") foo returns 1');
    if (base) assert.ok(r.entry! >= 2 ** 32, `the image is above 4 GiB (foo at ${hex(r.entry!)})`);
  });
  }
});

// ---- issue 9: reloadFunction and inlined copies ---------------------------------------------

describe('reloadFunction and callers that inlined the function', () => {
  const BASE_INL = '__attribute__((always_inline)) int step(int x) { return x + 1; }\nint caller(int x) { return step(x) * 10; }\n';
  test('clang-19 -O2: from the unit\'s own file, the caller that inlined step is swapped too', { skip: haveClang ? false : `${CLANG} not installed` }, async (t) => {
    const jit = await linked(t, BASE_INL, { cc: CLANG, cflags: ['-O2'] });
    assert.equal(int1(jit, 'caller', 1), 20);
    const r = await jit.reloadFunction('step', { source: BASE_INL.replace('x + 1', 'x + 2'), name: 'init.c' });
    assert.deepEqual(r.alsoSwapped.map((x) => x.name), ['caller']);
    assert.match(r.alsoSwapped[0]!.reason ?? '', /may have inlined step/);
    assert.equal(int1(jit, 'caller', 1), 30, 'the caller runs the new inlined step');
    assert.equal(r.file.partial, false);
  });
  test('clang-19 -O2: from a scratch file, the functions it cannot check are named and the reload is partial', { skip: haveClang ? false : `${CLANG} not installed` }, async (t) => {
    const jit = await linked(t, BASE_INL, { cc: CLANG, cflags: ['-O2'] });
    const r = await jit.reloadFunction('step', { source: '__attribute__((always_inline)) int step(int x) { return x + 2; }\n', name: 'step_only.c' });
    assert.equal(int1(jit, 'step', 1), 3);
    assert.equal(r.file.partial, true);
    assert.deepEqual(r.file.stale.map((x) => x.where), ['caller in init.c']);
  });
  test('gcc -O2: a static helper that the DWARF says was inlined, reloaded from a scratch file without its caller, is refused naming the caller', async (t) => {
    const src = 'static int helper(int x) { return x * 3; }\nint user(int x) { return helper(x) + 1; }\nint (*keep)(int) = helper;\n';
    const jit = await linked(t, src, { cflags: ['-O2'] });
    await rejects(() => jit.reloadFunction('helper', { source: 'static int helper(int x) { return x * 4; }\nint (*use_it)(int) = helper;\n', name: 'helper_only.c' }), /'user' inlined 'helper' and the replacement does not define 'user'/);
    assert.equal(int1(jit, 'user', 1), 4, 'nothing changed');
    // With the caller in the replacement, both are swapped.
    const r = await jit.reloadFunction('helper', { source: 'static int helper(int x) { return x * 4; }\nint user(int x) { return helper(x) + 1; }\nint (*use_it)(int) = helper;\n', name: 'helper_user.c' });
    assert.deepEqual(r.alsoSwapped.map((x) => x.name), ['user']);
    assert.equal(int1(jit, 'user', 1), 5);
  });
});

describe('constants on reload', () => {
  test('a static const table (RELRO, with function pointers) is reloaded with its users; a changed global constant is named as stale', async (t) => {
    const v1 = 'static int one(void){return 1;}\nstatic int two(void){return 2;}\nstruct op { const char *n; int (*f)(void); };\nstatic const struct op ops[] = { {"one", one}, {"two", two} };\nconst int gtab[3] = {1,2,3};\nint count(void){ return sizeof ops / sizeof ops[0]; }\nint run(int i){ return ops[i].f(); }\nint g(int i){ return gtab[i]; }\n';
    const file = join(dir, 'consts.c');
    writeFileSync(file, v1);
    const jit = new Jit({ ...quiet(), indirection: 'exported-funcs' });
    t.after(() => release(jit));
    jit.addFile(file);
    await jit.link();
    writeFileSync(file, v1.replace('{"two", two} }', '{"two", two}, {"one", one} }').replace('{1,2,3}', '{1,2,30}'));
    const r = await jit.reloadFile(file);
    assert.deepEqual(r.swapped.map((x) => x.name).sort(), ['count', 'run']);
    assert.equal(jit.call('count', 'int (void)'), 3, 'the new table');
    assert.equal(jit.call('run', 'int (int)', 2), 1, 'its new entry reaches the static function');
    assert.equal(jit.call('g', 'int (int)', 2), 3, 'the global constant keeps its old contents');
    assert.equal(r.partial, true);
    assert.deepEqual(r.stale.map((x) => x.where), [`gtab (${file})`]);
    assert.match(r.stale[0]!.why, /global constant 'gtab' changed/);
  });
});

describe('objects without function sections (prebuilt, tcc)', () => {
  test('functions sharing a live section go together, so a later reload of a static callee is seen by its caller', async (t) => {
    const v1 = 'static int h(int x) { return x + 1; }\nint f(int x) { return h(x) * 10; }\nint (*keep)(int) = h;\n';
    const obj = (src: string, name: string) => compiled(src, name, CC, ['-O0']); // no -ffunction-sections: f calls h inside one .text, no relocation
    const jit = new Jit({ ...quiet(), indirection: 'exported-funcs' });
    t.after(() => release(jit));
    const first = await obj(v1, 'ns.c');
    jit.addObject(first.bytes, 'ns.o');
    await jit.link();
    assert.equal(int1(jit, 'f', 1), 20);
    const v2 = v1.replace('* 10', '* 100');
    let r = jit.reloadFileObject({ ...(await obj(v2, 'ns.c')), name: 'ns.o' });
    assert.deepEqual(r.swapped.map((x) => x.name).sort(), ['f', 'h'], 'h shares the new f\'s section: its copy there becomes the live body');
    assert.equal(int1(jit, 'f', 1), 200);
    r = jit.reloadFileObject({ ...(await obj(v2.replace('x + 1', 'x + 2'), 'ns.c')), name: 'ns.o' });
    assert.ok(r.swapped.some((x) => x.name === 'f'), 'f calls h directly inside their section: it is swapped with h');
    assert.equal(int1(jit, 'f', 1), 300, 'f runs the new h');
  });
  test('a replacement without function sections: the section mates of a swapped function become live too', async (t) => {
    const v1 = 'static int h(int x) { return x + 1; }\nint f(int x) { return h(x) * 10; }\nint (*keep)(int) = h;\n';
    const jit = new Jit({ ...quiet(), indirection: 'exported-funcs' });
    t.after(() => release(jit));
    const file = join(dir, 'mates.c');
    writeFileSync(file, v1);
    jit.addFile(file); // compiled by hotlink: one section per function
    await jit.link();
    const prebuilt = await compiled(v1.replace('* 10', '* 100'), 'mates.c', CC, ['-O0']); // one .text: the new f calls its h copy directly
    let r = jit.reloadFileObject({ ...prebuilt, source: file });
    assert.deepEqual(r.swapped.map((x) => x.name).sort(), ['f', 'h']);
    assert.equal(int1(jit, 'f', 1), 200);
    writeFileSync(file, v1.replace('* 10', '* 100').replace('x + 1', 'x + 2'));
    r = await jit.reloadFile(file);
    assert.ok(r.swapped.some((x) => x.name === 'f'), 'f, which calls h inside its section, is swapped with h');
    assert.equal(int1(jit, 'f', 1), 300, 'f runs the new h');
  });
});

describe('units compiled against an older header', () => {
  test('reloadFunction and reloadFileObject name them too, not only reloadFile', async (t) => {
    const hdr = join(dir, 'stale_h.h');
    const a = join(dir, 'stale_a.c');
    const b = join(dir, 'stale_b.c');
    writeFileSync(hdr, 'static inline int lim(int x) { return x > 10 ? 10 : x; }\n');
    writeFileSync(a, '#include "stale_h.h"\nint fa(int x) { return lim(x); }\n');
    writeFileSync(b, '#include "stale_h.h"\nint fb(int x) { return lim(x) + 1; }\n');
    const jit = new Jit({ ...quiet(), indirection: 'exported-funcs' });
    t.after(() => release(jit));
    jit.addFile(a).addFile(b);
    await jit.link();
    writeFileSync(hdr, 'static inline int lim(int x) { return x > 5 ? 5 : x; }\n');
    const r = await jit.reloadFunction('fa', a);
    assert.equal(int1(jit, 'fa', 8), 5);
    assert.equal(r.file.partial, true);
    assert.deepEqual(r.file.stale.map((x) => x.where), [b]);
    assert.match(r.file.stale[0]!.why, /stale_h\.h changed since .*stale_b\.c was compiled/);
  });
});
