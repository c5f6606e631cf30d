// Indirect functions (STT_GNU_IFUNC) through the library API: the resolver
// runs once per definition, before the batch is published; calls, function
// pointers and lookups agree on one address in every unit and in later
// appends; a resolver that returns 0 or crashes fails the batch with an error
// naming the symbol and leaves the image as it was. (The programs themselves
// are checked against gcc- and clang-built binaries in the differential corpus:
// test/corpus/ifunc_dispatch.)

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HotlinkError, Jit } from '../src/index.js';
import { Debugger } from '../src/dbg/debugger.js';
import { tmpDir } from './helpers.js';

const SRC = `
int calls;
static int add_plain(int a, int b) { return a + b; }
static int add_fast(int a, int b) { return b + a + 0; }
static int (*pick_add(void))(int, int) {
  calls++;
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse2") ? add_fast : add_plain;
}
int add(int, int) __attribute__((ifunc("pick_add")));
__attribute__((target_clones("avx2", "default"))) int square(int x) { return x * x; }
void *add_addr(void) { return (void *)add; }
void *square_addr(void) { return (void *)square; }
void *fast_addr(void) { return (void *)add_fast; }
int resolver_calls(void) { return calls; }
`;

async function linked(t: TestContext, opts: ConstructorParameters<typeof Jit>[0] = {}): Promise<Jit> {
  const jit = new Jit({ cc: 'gcc', onDiagnostics: () => {}, ...opts });
  jit.addSource(SRC, 'disp.c');
  await jit.link();
  t.after(() => jit.free());
  return jit;
}

function assertHotlinkError(e: unknown, ...patterns: RegExp[]): true {
  assert.ok(e instanceof HotlinkError, `not a HotlinkError: ${e}`);
  for (const p of patterns) assert.match(e.message, p);
  return true;
}

test('an ifunc resolver runs once; calls, pointers and lookups in every unit and append agree', async (t) => {
  const jit = await linked(t);
  assert.equal(jit.call('resolver_calls', 'int (void)'), 1);
  assert.equal(jit.call('add', 'int (int, int)', 2, 40), 42);
  assert.equal(jit.call('square', 'int (int)', 7), 49);
  const add = jit.lookup('add')!;
  assert.equal(Number(jit.call('add_addr', 'uintptr_t (void)')), add);
  assert.equal(Number(jit.call('square_addr', 'uintptr_t (void)')), jit.lookup('square'));
  // The address is a stub that jumps to the implementation the resolver chose.
  assert.notEqual(add, Number(jit.call('fast_addr', 'uintptr_t (void)')));
  // A later batch calls it and takes its address: the same function, the resolver does not run again.
  await jit.append([{ source: 'int add(int, int); int square(int);\nvoid *add_seen(void) { return (void *)add; }\nint use(void) { return add(1, 2) + square(3); }', name: 'later.c' }]);
  assert.equal(jit.call('use', 'int (void)'), 12);
  assert.equal(Number(jit.call('add_seen', 'uintptr_t (void)')), add);
  assert.equal(jit.call('resolver_calls', 'int (void)'), 1);
});

test('an append may define indirect functions of its own', async (t) => {
  const jit = await linked(t);
  await jit.append([{ source: 'static int v1(void) { return 1; }\nstatic int v2(void) { return 2; }\nstatic void *which(void) { return __builtin_cpu_supports("sse2") ? (void *)v2 : (void *)v1; }\nint ver(void) __attribute__((ifunc("which")));\nint call_ver(void) { return ver() * 10; }', name: 'ver.c' }]);
  assert.equal(jit.call('call_ver', 'int (void)'), 20);
  assert.equal(jit.call('ver', 'int (void)'), 2);
});

test('a resolver that returns 0 or crashes is an error naming the symbol; the image is unchanged', async (t) => {
  const jit = await linked(t);
  const before = { gen: jit.generation, names: [...jit.symbols()].length };
  await assert.rejects(
    jit.append([{ source: 'static void *none(void) { return 0; }\nint nothing(void) __attribute__((ifunc("none")));\nint use_nothing(void) { return nothing(); }', name: 'zero.c' }]),
    (e) => assertHotlinkError(e, /zero\.[co]/, /indirect function 'nothing'/, /returned 0/),
  );
  await assert.rejects(
    jit.append([{ source: 'static void *boom(void) { return *(void *volatile *)0; }\nint broken(void) __attribute__((ifunc("boom")));', name: 'boom.c' }]),
    (e) => assertHotlinkError(e, /boom\.[co]/, /indirect function 'broken'/, /crashed: SIGSEGV/),
  );
  assert.equal(jit.generation, before.gen);
  assert.equal([...jit.symbols()].length, before.names);
  assert.equal(jit.lookup('nothing'), undefined);
  assert.equal(jit.lookup('broken'), undefined);
  // Node is alive and the image still works; the names can be defined properly now.
  assert.equal(jit.call('add', 'int (int, int)', 1, 1), 2);
  await jit.append([{ source: 'static int one(void) { return 1; }\nstatic void *ok(void) { return (void *)one; }\nint nothing(void) __attribute__((ifunc("ok")));', name: 'fixed.c' }]);
  assert.equal(jit.call('nothing', 'int (void)'), 1);
});

test('an initial link whose resolver returns 0 or crashes throws and leaves no image; Node lives on', async () => {
  const jit = new Jit({ cc: 'gcc', onDiagnostics: () => {} });
  try {
    jit.addSource('static void *none(void) { return 0; }\nint nothing(void) __attribute__((ifunc("none")));\nint main(void) { return nothing(); }', 'first.c');
    await assert.rejects(jit.link(), (e) => assertHotlinkError(e, /first\.[co]/, /indirect function 'nothing'/, /returned 0/));
    assert.equal(jit.lookup('main'), undefined);
  } finally {
    jit.free();
  }
  const crashing = new Jit({ cc: 'gcc', onDiagnostics: () => {} });
  try {
    crashing.addSource('static void *boom(void) { return *(void *volatile *)8; }\nint broken(void) __attribute__((ifunc("boom")));\nint main(void) { return broken(); }', 'crash.c');
    await assert.rejects(crashing.link(), (e) => assertHotlinkError(e, /crash\.[co]/, /indirect function 'broken'/, /crashed: SIGSEGV/));
  } finally {
    crashing.free();
  }
  // The failed images' signal handlers were released with them: a crash in another image's call is still caught.
  const other = new Jit({ cc: 'gcc', onDiagnostics: () => {} });
  try {
    other.addSource('int bad(int *p) { return *p; }', 'other.c');
    await other.link();
    assert.throws(() => other.call('bad', 'int (int *)', null), (e) => assertHotlinkError(e, /SIGSEGV/));
  } finally {
    other.free();
  }
});

test('with reloadable functions (hotlink dbg), ifuncs resolve and a reloaded unit re-resolves', async (t) => {
  const file = path.join(tmpDir(t), 'disp.c');
  writeFileSync(file, SRC);
  const jit = new Jit({ cc: 'gcc', onDiagnostics: () => {}, indirection: 'exported-funcs' });
  t.after(() => jit.free());
  jit.addFile(file);
  await jit.link();
  assert.equal(jit.call('add', 'int (int, int)', 20, 22), 42);
  assert.equal(jit.call('square', 'int (int)', 5), 25);
  const add = jit.lookup('add')!;
  // The new version's resolver picks another implementation: calls and saved pointers follow, the address stays.
  writeFileSync(file, SRC.replace('return __builtin_cpu_supports("sse2") ? add_fast : add_plain;', 'return add_plain;').replace('return a + b;', 'return a + b + 1000;'));
  await jit.reloadFile(file);
  assert.equal(jit.lookup('add'), add);
  assert.equal(jit.call('add', 'int (int, int)', 1, 2), 1003);
  assert.equal(Number(jit.call('add_addr', 'uintptr_t (void)')), add);
  assert.equal(jit.call('resolver_calls', 'int (void)'), 2);
});

test('the debugger breaks on an indirect function in the implementation its resolver chose, as gdb does', async (t) => {
  const file = path.join(tmpDir(t), 'disp.c');
  writeFileSync(file, SRC + 'int main(void) { return add(1, 2) == 3 ? 0 : 1; }\n');
  const dbg = await Debugger.create({ inputs: [file], cc: 'gcc' });
  try {
    const bp = dbg.breakAt('add');
    const ev = await dbg.run(['disp']);
    assert.deepEqual(ev.reason, { kind: 'breakpoint', id: bp.id });
    const frames = dbg.frames();
    assert.equal(dbg.view.functionAt(frames[0]!.pc)?.name, 'add_fast');
    assert.equal(dbg.view.functionAt(frames[1]!.pc)?.name, 'main');
  } finally {
    if (dbg.session.state === 'stopped' || dbg.session.state === 'running') await dbg.session.kill();
    dbg.jit.free();
  }
});

test('without the runtime (runtime: false) an ifunc resolver is not run: an error naming it, Node alive', async () => {
  const jit = new Jit({ cc: 'gcc', runtime: false, onDiagnostics: () => {} });
  jit.addSource(SRC, 'disp.c');
  await assert.rejects(jit.link(), (e) => assertHotlinkError(e, /disp\.o: the resolver of indirect function '(add|square)'/, /no crash guard/, /runtime: false/));
});
