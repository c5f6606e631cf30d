// Regression tests for five defects an outside review found (issue 9):
//
//   1. alignment: an appended (or initially linked) section, common or TLS
//      module keeps its alignment beyond 16 (RX, R) / 64 (RW, TLS) bytes —
//      `_Alignas(32)` AVX constants, `_Alignas(4096)` data, `_Alignas(8192)`
//      in the initial link, a 128-aligned TLS module that must not overlap
//      the next batch's;
//   2. a failed append forgets everything it cached about the symbol ids it
//      allocated (a host function's "is code" answer must not reach the host
//      data symbol that reuses its id: C reading `optind` got 9727);
//   3. the runtime's TLS module table is finite: the batch that would not
//      fit is a `capacity` error, with the image unchanged;
//   4. a failed initial link() can be retried after fixing the input;
//   5. rollback restores the ABI signature of the body it re-activates.
//
// Every test links real gcc-compiled code into real memory and calls it.
//
// Run: npx tsc -p . && node --test dist/test/review-defects.test.js

import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource, ElfObject, HotlinkError, Jit } from '../src/index.js';
import type { JitOptions } from '../src/index.js';
import { tmpDir } from './helpers.js';

const CC = 'gcc';
const R = 1;
const TLS = 2;
const RW = 3;

// ---- helpers -------------------------------------------------------------------

const diagnostics: string[] = [];
const quiet: JitOptions = { cc: CC, onDiagnostics: (text) => void diagnostics.push(text) };

/** A Jit freed after the test (not linked yet). */
function fresh(t: TestContext, opts: JitOptions = {}): Jit {
  const jit = new Jit({ ...quiet, ...opts });
  t.after(() => jit.free());
  return jit;
}

/** A linked Jit over C source `init`, freed after the test. */
async function linked(t: TestContext, init: string, opts: JitOptions = {}): Promise<Jit> {
  const jit = fresh(t, opts);
  jit.addSource(init, 'init.c');
  await jit.link();
  return jit;
}

const addr = (jit: Jit, name: string): number => jit.lookup(name) ?? assert.fail(`symbol '${name}' is not in the image`);

const int0 = (jit: Jit, name: string): number => jit.call(name, 'int (void)') as number;
const ptr0 = (jit: Jit, name: string): number => Number(jit.call(name, 'uintptr_t (void)'));

function i32At(jit: Jit, at: number): number {
  const b = jit.read(at, 4);
  return new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
}

/** Writes `text` into `dir` and runs `gcc -c -fPIC` (C or assembly by extension) on it. */
function gccBytes(dir: string, name: string, text: string, flags: string[] = []): Uint8Array {
  const src = join(dir, name);
  const out = src.replace(/\.[cs]$/, '.o');
  writeFileSync(src, text);
  const r = spawnSync(CC, ['-c', '-fPIC', ...flags, src, '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${CC} -c ${src} failed (${r.status}):\n${r.stderr}`);
  return readFileSync(out);
}

/** Runs `fn`, which must fail with a HotlinkError of `kind`; returns the error. */
async function expectFailure(kind: string, fn: () => unknown): Promise<HotlinkError> {
  let err: HotlinkError | undefined;
  await assert.rejects(async () => void (await fn()), (e) => {
    assert.ok(e instanceof HotlinkError && e.kind === kind, `expected a HotlinkError(${kind}), got ${(e as Error)?.stack ?? String(e)}`);
    return !!(err = e);
  });
  return err!;
}

/** What a failed batch must leave exactly as it was. */
function state(jit: Jit) {
  const s = jit.session;
  return {
    generation: jit.generation,
    symbolCount: s.symbols.count,
    names: [...s.symbols.byName.keys()].sort().map((n) => [n, jit.lookup(n)]),
    inputs: s.inputs.length,
    cursors: s.classes.map((c) => c.cursor),
    relocs: s.relocs.count,
    tlsModules: s.tlsModuleCount,
  };
}

const cpuHasAvx = / avx /.test(readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) + ' ');

// ---- 1. alignment ------------------------------------------------------------------------

describe('review defect 1: sections keep their alignment', () => {
  const INIT = 'int base(int x) { return x + 1; }\nconst char init_ro[17] = {1};\nchar init_rw[100] = {1};\n';

  /** Appends small pads into class `cls` until the next batch's 16/64-aligned start is *not* a multiple of `align`. */
  async function misalignCursor(jit: Jit, cls: number, align: number): Promise<void> {
    const step = cls === R ? 16 : 64;
    const decl = cls === R ? 'const char' : cls === TLS ? '__thread char' : 'char';
    for (let k = 0; Math.ceil(jit.session.classes[cls]!.cursor / step) * step % align === 0; k++) {
      assert.ok(k < 4, 'could not move the cursor off the alignment');
      await jit.append([{ source: `${decl} pad_${cls}_${k}[1] = {1};\n`, name: `pad_${cls}_${k}.c` }]);
    }
  }

  test('an appended _Alignas(32) constant is 32-aligned and AVX code can _mm256_load_ps it', async (t) => {
    const jit = await linked(t, INIT);
    await misalignCursor(jit, R, 32);
    await jit.append([{
      name: 'avx.c',
      source: `#include <immintrin.h>
_Alignas(32) const float k32[8] = {1, 2, 3, 4, 5, 6, 7, 8};
__attribute__((target("avx"))) int avx_sum(void) {
  __m256 v = _mm256_load_ps(k32);
  float out[8];
  _mm256_storeu_ps(out, v);
  float s = 0;
  for (int i = 0; i < 8; i++) s += out[i];
  return (int)s;
}
`,
    }]);
    assert.equal(addr(jit, 'k32') % 32, 0, `k32 at ${addr(jit, 'k32').toString(16)} is not 32-aligned`);
    if (cpuHasAvx) assert.equal(int0(jit, 'avx_sum'), 36);
  });

  test('appended _Alignas(4096) data and .bss are page-aligned; _Alignas(8192) too', async (t) => {
    const jit = await linked(t, INIT);
    await misalignCursor(jit, RW, 4096);
    await jit.append([{
      name: 'pages.c',
      source: `_Alignas(4096) int page_data[4] = {1, 2, 3, 4};
_Alignas(4096) char page_bss[8192];
_Alignas(8192) const int ro8k[4] = {8};
int page_sum(void) { return page_data[0] + page_data[3] + page_bss[4095] + ro8k[0]; }
`,
    }]);
    for (const [name, a] of [['page_data', 4096], ['page_bss', 4096], ['ro8k', 8192]] as const) {
      assert.equal(addr(jit, name) % a, 0, `${name} at ${addr(jit, name).toString(16)} is not ${a}-aligned`);
    }
    assert.equal(int0(jit, 'page_sum'), 13);
    // The next batch still lands after them and works.
    await jit.append([{ source: 'int after_pages = 5;\nint after_pages_get(void) { return after_pages; }\n', name: 'after.c' }]);
    assert.ok(addr(jit, 'after_pages') >= addr(jit, 'page_bss') + 8192);
    assert.equal(int0(jit, 'after_pages_get'), 5);
  });

  test('a common symbol with a large alignment keeps it', async (t) => {
    const jit = await linked(t, INIT);
    await misalignCursor(jit, RW, 256);
    // A tentative definition (-fcommon): its alignment is in st_value, not a section.
    const obj = gccBytes(tmpDir(t), 'common.c', '__attribute__((aligned(256))) int com256[3];\nint *com256_at(void) { return com256; }\n', ['-fcommon']);
    assert.ok(new ElfObject(obj, 'common.o').symbols.some((s) => s.name === 'com256' && s.shndx === 0xfff2), 'com256 is not a common symbol');
    jit.appendObjects([{ bytes: obj, name: 'common.o' }]);
    assert.equal(addr(jit, 'com256') % 256, 0);
    assert.equal(ptr0(jit, 'com256_at'), addr(jit, 'com256'));
  });

  test('a TLS module aligned above 64 is aligned and does not overlap the next batch\'s', async (t) => {
    const jit = await linked(t, INIT);
    await misalignCursor(jit, TLS, 128);
    await jit.append([{
      name: 'tls128.c',
      source: `#include <stdint.h>
_Alignas(128) __thread unsigned char tls_a[200] = { [0] = 41, [199] = 42 };
int tls_a_last(void) { return tls_a[0] + tls_a[199]; }
uintptr_t tls_a_at(void) { return (uintptr_t)tls_a; }
`,
    }]);
    // A second TLS batch right after it; the first module's image must be intact.
    await jit.append([{ name: 'tls_next.c', source: '__thread unsigned char tls_b[64] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };\nint tls_b_first(void) { return tls_b[0]; }\n' }]);
    assert.equal(ptr0(jit, 'tls_a_at') % 128, 0, 'the per-thread block honours the module alignment');
    assert.equal(int0(jit, 'tls_a_last'), 83, 'the first TLS module\'s image was overwritten by the next batch');
    assert.equal(int0(jit, 'tls_b_first'), 7);
  });

  test('an alignment the class cannot honour is a capacity error naming it, image unchanged', async (t) => {
    const jit = await linked(t, INIT);
    // An alignment with no multiple inside what is left of the RW class (16 MiB budget).
    const rw = jit.session.classes[RW]!;
    let align = 1 << 25;
    while (Math.ceil(rw.cursor / align) * align < rw.limit) align *= 2;
    assert.ok(align <= 1 << 28, 'no usable alignment');
    const before = state(jit);
    const err = await expectFailure('capacity', () => jit.append([{ source: `_Alignas(${align}) char huge_align[1] = {1};\n`, name: 'huge_align.c' }]));
    assert.match(err.message, /RW segment class is full/);
    assert.match(err.message, new RegExp(`aligned to 0x${align.toString(16)}\\b`));
    assert.deepEqual(state(jit), before);
  });

  for (const shift of [0, 4096]) {
    test(`the initial link places _Alignas(8192) code, constants, data and TLS aligned (class starts shifted by ${shift})`, async (t) => {
      const jit = await linked(t, `#include <stdint.h>
__attribute__((aligned(8192))) int fn8k(void) { return 8; }
_Alignas(8192) const int ro8k[4] = {1};
_Alignas(8192) int rw8k[4] = {2};
_Alignas(8192) __thread int tls8k[4] = {3};
uintptr_t tls8k_at(void) { return (uintptr_t)tls8k; }
int sum8k(void) { return fn8k() + ro8k[0] + rw8k[0] + tls8k[0]; }
`, { reserve: { rx: (64 << 10) + shift, r: (64 << 10) + shift, tls: (64 << 10) + shift } });
      for (const name of ['fn8k', 'ro8k', 'rw8k']) assert.equal(addr(jit, name) % 8192, 0, `${name} at ${addr(jit, name).toString(16)} is not 8192-aligned`);
      assert.equal(ptr0(jit, 'tls8k_at') % 8192, 0);
      assert.equal(int0(jit, 'sum8k'), 14);
    });
  }
});

// ---- 2. a failed append forgets its symbol ids ------------------------------------------

describe('review defect 2: a failed append leaves no state keyed by its ids', () => {
  test('a host data symbol that reuses the id of a failed batch\'s host function is read as data', async (t) => {
    const dir = tmpDir(t);
    const jit = await linked(t, 'int base(int x) { return x + 1; }\n');
    // Two objects with the same shape: `getpid` (a host function, reached through the GOT)
    // and `optind` (host data) have names of the same length, so the host symbol gets the
    // same id in both batches. The first batch fails late (an R_X86_64_32 overflow in
    // fixup), after scan decided that its host symbol is a function.
    const hostRef = (name: string) => gccBytes(dir, `ref_${name}.c`, `extern int ${name};\nint host_value(void) { return ${name}; }\n`);
    const abs = gccBytes(dir, 'huge_abs.s', '\t.globl huge_abs\n\t.set huge_abs, 0x100000000\n');
    const field = (fixed: boolean) => gccBytes(dir, `field_${fixed}.s`, `\t.data\n\t.globl abs_field\nabs_field:\n\t${fixed ? '.quad huge_abs' : '.long huge_abs\n\t.long 0'}\n`);
    const before = state(jit);
    await expectFailure('relocation', () => jit.appendObjects([{ bytes: hostRef('getpid'), name: 'ref.o' }, { bytes: abs, name: 'abs.o' }, { bytes: field(false), name: 'field.o' }]));
    assert.deepEqual(state(jit), before);
    jit.appendObjects([{ bytes: hostRef('optind'), name: 'ref.o' }, { bytes: abs, name: 'abs.o' }, { bytes: field(true), name: 'field.o' }]);
    const native = jit.session.host.lookup('optind');
    assert.ok(native, 'optind is not in the process');
    assert.equal(jit.call('host_value', 'int (void)'), i32At(jit, native), 'C reads optind as the process sees it');
  });
});

// ---- 3. TLS module table capacity ------------------------------------------------------

describe('review defect 3: the TLS module table is finite', () => {
  test('the batch whose TLS module does not fit in the runtime\'s table is a capacity error, image unchanged', async (t) => {
    const dir = tmpDir(t);
    const jit = await linked(t, 'int base(int x) { return x + 1; }\n');
    // One compiled object renamed per append (patched in .strtab): XXXX → 0000, 0001, …
    const template = gccBytes(dir, 'tls_tpl.c', '__thread int tv_XXXX = 7;\nint tg_XXXX(void) { return tv_XXXX + 1; }\n', ['-O1']);
    const obj = new ElfObject(template, 'tls_tpl.o');
    const strtab = obj.sections[obj.sections[obj.symtabIndex]!.sh_link]!;
    const at: number[] = [];
    const table = Buffer.from(template.buffer, template.byteOffset + strtab.sh_offset, strtab.sh_size);
    for (let i = table.indexOf('XXXX'); i >= 0; i = table.indexOf('XXXX', i + 1)) at.push(strtab.sh_offset + i);
    assert.equal(at.length, 2);
    const named = (n: number): Uint8Array => {
      const out = Uint8Array.from(template);
      for (const o of at) out.set(Buffer.from(String(n).padStart(4, '0'), 'latin1'), o);
      return out;
    };
    const t0 = performance.now();
    let n = 0;
    let err: HotlinkError | undefined;
    let before = state(jit);
    for (; n < 1100; n++) {
      before = state(jit);
      try {
        jit.appendObjects([{ bytes: named(n), name: `tls_${n}.o` }]);
      } catch (e) {
        assert.ok(e instanceof HotlinkError, String(e));
        err = e;
        break;
      }
    }
    t.diagnostic(`${n} TLS appends in ${Math.round(performance.now() - t0)} ms`);
    assert.ok(err, 'every append succeeded: the table has no limit');
    assert.equal(err.kind, 'capacity', err.message);
    assert.equal(n, 1023, 'modules 1..1023 fit the 1,024-entry table');
    assert.match(err.message, /1024/);
    assert.match(err.message, /__hotlink_tls_modules/);
    assert.match(err.message, new RegExp(`tv_${String(n).padStart(4, '0')}`));
    assert.deepEqual(state(jit), before, 'the failed batch changed the image');
    // The last module that fit works; so does the runtime's data after the table, and non-TLS appends.
    assert.equal(int0(jit, `tg_${String(n - 1).padStart(4, '0')}`), 8);
    assert.equal(int0(jit, 'tg_0000'), 8);
    await jit.append([{ source: 'int no_tls_after(void) { return 3; }\n', name: 'no_tls.c' }]);
    assert.equal(int0(jit, 'no_tls_after'), 3);
  });
});

// ---- 4. a failed initial link can be retried ----------------------------------------------

describe('review defect 4: link() can be retried after a failure', () => {
  test('unresolved symbol, then addSource of the missing definition', async (t) => {
    const jit = fresh(t);
    jit.addSource('extern int missing_fn(int);\nint uses_missing(int x) { return missing_fn(x) + 1; }\n', 'uses.c');
    const err = await expectFailure('unresolved', () => jit.link());
    assert.match(err.message, /missing_fn/);
    assert.equal(jit.lookup('uses_missing'), undefined);
    jit.addSource('int missing_fn(int x) { return x * 2; }\n', 'missing.c');
    await jit.link();
    assert.equal(jit.call('uses_missing', 'int (int)', 3), 7);
  });

  /** A Jit over `source` plus a file holding `broken`: link() fails with `kind`; with the file fixed, the retry links. */
  async function fixAndRetry(t: TestContext, kind: string, source: string, broken: string, fixed: string): Promise<Jit> {
    const file = join(tmpDir(t), 'file.c');
    writeFileSync(file, broken);
    const jit = fresh(t);
    jit.addSource(source, 'other.c');
    jit.addFile(file);
    await expectFailure(kind, () => jit.link());
    assert.equal(jit.session.arena, undefined, 'the failed initial link kept its arena');
    assert.equal(jit.session.classes.length, 0);
    writeFileSync(file, fixed);
    await jit.link();
    return jit;
  }

  test('compile error, then the file is fixed', async (t) => {
    const jit = await fixAndRetry(t, 'compile', 'int other(void) { return 4; }\n', 'int broken( {\n', 'int broken(void) { return 5; }\n');
    assert.equal(int0(jit, 'broken') + int0(jit, 'other'), 9);
  });

  test('duplicate symbol, then the file is fixed', async (t) => {
    const jit = await fixAndRetry(t, 'duplicate', 'int twice(void) { return 2; }\n', 'int twice(void) { return 1; }\n', 'int once(void) { return 1; }\n');
    assert.equal(int0(jit, 'twice') + int0(jit, 'once'), 3);
  });

  test('a failure after the arena was reserved (relocation overflow) frees it; the retry links', async (t) => {
    const field = (directive: string) => `__asm__(".data\\n.globl abs_field\\nabs_field:\\n${directive}\\n.text\\n");\nint field_fn(void) { return 6; }\n`;
    const jit = await fixAndRetry(t, 'relocation', '__asm__(".globl huge_abs\\n.set huge_abs, 0x100000000\\n");\n', field('.long huge_abs\\n.long 0'), field('.quad huge_abs'));
    assert.equal(int0(jit, 'field_fn'), 6);
    assert.equal(Number(new DataView(jit.read(addr(jit, 'abs_field'), 8).buffer).getBigUint64(0, true)), 0x100000000);
  });
});

// ---- 5. rollback restores the live ABI signature ------------------------------------------

describe('review defect 5: rollback restores the ABI contract of the body it activates', () => {
  test('reload unchecked to a new signature, rollback, then a checked reload takes the original signature', async (t) => {
    const jit = await linked(t, 'int foo(int x) { return x + 1; }\n', { indirection: 'exported-funcs' });
    const ORIGINAL = (k: number) => ({ source: `int foo(int x) { return x + ${k}; }\n`, name: `foo_int_${k}.c` });
    const OTHER = { source: 'double foo(double x, double y) { return x * y; }\n', name: 'foo_double.c' };
    await jit.reloadFunction('foo', OTHER, { unchecked: true });
    jit.rollback('foo');
    assert.equal(jit.call('foo', 'int (int)', 1), 2);
    const r = await jit.reloadFunction('foo', ORIGINAL(10));
    assert.equal(jit.call('foo', 'int (int)', 1), 11);
    assert.match(r.abi ?? '', /INTEGER:4/);
    const err = await expectFailure('usage', () => jit.reloadFunction('foo', OTHER));
    assert.match(err.message, /ABI mismatch for 'foo'/);
    // Rolling forward to the unchecked body makes its signature the contract again.
    jit.rollback('foo', 1);
    await jit.reloadFunction('foo', { ...OTHER, source: OTHER.source.replace('x * y', 'x + y'), name: 'foo_double2.c' });
    await expectFailure('usage', () => jit.reloadFunction('foo', ORIGINAL(20)));
    // And back to body 0: the original again.
    jit.rollback('foo', 0);
    await jit.reloadFunction('foo', ORIGINAL(30));
    assert.equal(jit.call('foo', 'int (int)', 1), 31);
  });

  test('the same after `reload FILE` unchecked: each body keeps its own signature', async (t) => {
    const FILE = (foo: string) => `int bar(int x) { return x * 3; }\n${foo}\n`;
    const jit = await linked(t, FILE('int foo(int x) { return x + 1; }'), { indirection: 'exported-funcs' });
    const object = async (foo: string, name: string) => {
      const o = await compileSource(FILE(foo), name, { cc: CC, flags: ['-g', '-fPIC', '-ffunction-sections'] }); // as the image compiles (else bar, sharing foo's section, is swapped with it)
      return { bytes: o.bytes, name };
    };
    const r = jit.reloadFileObject(await object('double foo(double x) { return x / 2; }', 'file_double.c'), { unchecked: true });
    assert.deepEqual(r.swapped.map((x) => x.name), ['foo']);
    assert.deepEqual(r.unchanged, ['bar']);
    jit.rollback('foo');
    await jit.reloadFunction('foo', { source: 'int foo(int x) { return x + 5; }\n', name: 'foo_int.c' });
    assert.equal(jit.call('foo', 'int (int)', 1), 6);
    // bar did not change: it got no new body (issue 9: only changed functions are swapped), and its contract is its own.
    assert.throws(() => jit.rollback('bar', 1), /it has bodies 0\.\.0/);
    await jit.reloadFunction('bar', { source: 'int bar(int x) { return x * 4; }\n', name: 'bar_int.c' });
    assert.equal(jit.call('bar', 'int (int)', 2), 8);
  });
});
