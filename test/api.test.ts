// The library API under misuse (issue 15, "Hardening"): every mistake is a
// HotlinkError that names the function and its prototype, and a crash in a
// called function comes back as a CrashError with the symbolized report —
// Node lives on. Real compiler, real memory.

import { spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { CrashError, HotlinkError, Jit } from '../src/index.js';

const SRC = `
#include <string.h>
struct pt { int x, y; };
struct box { struct pt lo, hi; double weight; char tag[4]; };
int counter = 7;
int one(int x) { return x + 1; }
int twice(int x) { return 2 * x; }
double half(double x) { return x / 2; }
struct pt mkpt(int x, int y) { struct pt p = { x, y }; return p; }
int ptsum(struct pt p) { return p.x + p.y; }
double boxarea(struct box b) { return (b.hi.x - b.lo.x) * (b.hi.y - b.lo.y) * b.weight + b.tag[0]; }
int apply(int (*f)(int), int v) { return f(v) + 1; }
size_t len(const char *s) { return strlen(s); }
int crash_here(int *p) {
  return *p;              /* line 15 */
}
int crash_caller(int v) { return crash_here((int *)0) + v; }
int divide(int a, int b) { return a / b; }
static int hidden(void) { return 5; }
int (*hidden_ptr(void))(void) { return hidden; }
int deep(int n) { volatile char pad[4096]; pad[0] = (char)n; return n ? deep(n - 1) + pad[0] : 0; }
`;

async function linked(t: TestContext, src = SRC): Promise<Jit> {
  const jit = new Jit({ cc: 'gcc', onDiagnostics: () => {} });
  jit.addSource(src, 'api.c');
  await jit.link();
  t.after(() => jit.free());
  return jit;
}

/** Asserts `fn` throws a HotlinkError whose message matches every pattern. */
function throwsUsage(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HotlinkError, `not a HotlinkError: ${e}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('argument count and types are checked against the prototype, naming the function', async (t) => {
  const jit = await linked(t);
  assert.equal(jit.call('one', 'int (int)', 41), 42);
  throwsUsage(() => jit.call('one', 'int (int)'), /one/, /'int \(int\)'/, /takes 1 argument, got 0/);
  throwsUsage(() => jit.call('one', 'int (int)', 1, 2), /one/, /takes 1 argument, got 2/);
  throwsUsage(() => jit.call('one', 'int (int)', 'x'), /one/, /argument 1 is a int, got string/);
  throwsUsage(() => jit.call('one', 'int (intx)', 1), /bad C prototype 'int \(intx\)'/, /intx/, /koffi's C syntax/);
  throwsUsage(() => jit.call('one', 'int', 1), /bad C prototype 'int'/);
  throwsUsage(() => jit.call('nowhere', 'int (int)', 1), /no symbol 'nowhere'/);
  assert.equal(jit.call('half', 'double (double)', 5), 2.5);
});

test('a crash inside a called function is a CrashError with the report; Node and the image live on', async (t) => {
  const jit = await linked(t);
  for (let round = 0; round < 3; round++) {
    assert.throws(() => jit.call('crash_caller', 'int (int)', 1), (e: any) => {
      assert.ok(e instanceof CrashError, `not a CrashError: ${e}`);
      assert.equal(e.kind, 'crash');
      assert.equal(e.signal, 11);
      assert.match(e.message, /^crash_caller \(prototype 'int \(int\)'\) crashed: SIGSEGV \(Segmentation fault\): invalid memory access at address 0x0/);
      assert.match(e.backtrace[0]!, /#0 0x[0-9a-f]+ in crash_here at .*api\.c:15$/);
      assert.match(e.backtrace[1]!, /#1 0x[0-9a-f]+ in crash_caller at .*api\.c:17$/);
      assert.equal(e.backtrace.length, 2, e.backtrace.join('\n'));
      return true;
    });
    assert.equal(jit.call('twice', 'int (int)', 21), 42, 'calls work after a crash');
  }
  assert.throws(() => jit.call('divide', 'int (int, int)', 1, 0), (e: any) => e instanceof CrashError && /SIGFPE.*integer divide by zero/.test(e.message) && /in divide at/.test(e.message));
  // A stack overflow: reported on the alternate signal stack.
  assert.throws(() => jit.call('deep', 'int (int)', 1 << 20), (e: any) => e instanceof CrashError && /SIGSEGV/.test(e.message) && /in deep at/.test(e.message));
  assert.equal(jit.call('twice', 'int (int)', 4), 8);
});

test('a crash in a call nested in a JS callback unwinds only the inner call', async (t) => {
  const jit = await linked(t);
  const inner: unknown[] = [];
  const r = jit.call('apply', 'int (int (*)(int), int)', (v: number) => {
    try {
      jit.call('crash_caller', 'int (int)', v);
    } catch (e) {
      inner.push(e);
    }
    return jit.call('twice', 'int (int)', v) as number;
  }, 10);
  assert.equal(r, 21);
  assert.equal(inner.length, 1);
  assert.ok(inner[0] instanceof CrashError);
});

test('calling data, a freed image, or adding inputs after link() is an error', async (t) => {
  const jit = await linked(t);
  throwsUsage(() => jit.call('counter', 'int (void)'), /cannot call 'counter'/, /data symbol/);
  throwsUsage(() => jit.call(jit.lookup('counter')!, 'int (void)'), /RW data, not its code/);
  throwsUsage(() => jit.addSource('int late(void) { return 1; }'), /already linked/, /append/);
  throwsUsage(() => jit.addFile('late.c'), /addFile\('late.c'\)/, /append/);
  const twice = jit.func('int twice(int)');
  jit.free();
  throwsUsage(() => jit.lookup('twice'), /freed/);
  throwsUsage(() => jit.call('twice', 'int (int)', 1), /freed/);
  throwsUsage(() => twice(1), /freed/);
  jit.free(); // twice is harmless
});

test('struct types come from the image\'s DWARF; JS callbacks; func() binds a declaration', async (t) => {
  const jit = await linked(t);
  assert.deepEqual(jit.call('mkpt', 'struct pt (int, int)', 3, 4), { x: 3, y: 4 });
  assert.equal(jit.call('ptsum', 'int (struct pt)', { x: 3, y: 4 }), 7);
  const box = { lo: { x: 1, y: 1 }, hi: { x: 4, y: 3 }, weight: 0.5, tag: [1, 0, 0, 0] };
  assert.equal(jit.call('boxarea', 'double (struct box p)', box), 4);
  assert.equal(jit.call('apply', 'int (int (*f)(int), int)', (v: number) => v * 3, 7), 22);
  assert.equal(jit.call('len', 'size_t (const char *)', 'hello'), 5);
  const twice = jit.func('int twice(int)');
  assert.equal(twice(21), 42);
  const one = jit.func('one', 'int (int x)');
  assert.equal(one(1), 2);
  throwsUsage(() => twice(), /twice/, /takes 1 argument, got 0/);
  throwsUsage(() => jit.func('int (int)'), /names no function/);
  throwsUsage(() => jit.call('mkpt', 'struct nothere (int, int)', 1, 2), /struct nothere is not defined/, /jit\.struct/);
  // A static function, by address.
  const hidden = jit.call('hidden_ptr', 'uintptr_t (void)') as number;
  assert.equal(jit.call(hidden, 'int (void)'), 5);
});

test('jit.struct declares a struct for images without DWARF', async (t) => {
  const jit = new Jit({ cc: 'gcc', cflags: ['-g0'], onDiagnostics: () => {} });
  jit.addSource('struct pt { int x, y; }; struct pt mkpt(int x, int y) { struct pt p = { x, y }; return p; }', 'nodwarf.c');
  await jit.link();
  t.after(() => jit.free());
  throwsUsage(() => jit.call('mkpt', 'struct pt (int, int)', 1, 2), /struct pt is not defined/);
  jit.struct('pt', { x: 'int', y: 'int' });
  assert.deepEqual(jit.call('mkpt', 'struct pt (int, int)', 1, 2), { x: 1, y: 2 });
});

test('symbols() hides hotlink\'s runtime and assembler labels unless asked', async (t) => {
  const jit = await linked(t, 'const char *greet(void) { return "hi"; } int main(void) { return 0; }');
  const names = [...jit.symbols()].map((s) => s.name);
  assert.ok(names.includes('greet') && names.includes('main'));
  assert.deepEqual(names.filter((n) => n.startsWith('__hotlink') || n.startsWith('.L') || n === 'on_fatal'), []);
  const all = [...jit.symbols({ internal: true })].map((s) => s.name);
  assert.ok(all.includes('__hotlink_start'), 'internal: true shows the runtime');
  // Assembler temporaries (.LC0 kept by gas in mergeable sections) never enter the image's symbol index, as ld drops them.
  assert.deepEqual(all.filter((n) => n.startsWith('.L')), [], 'assembler temporaries are not image symbols');
});

test('two images: crashes in each come back as CrashErrors, also after the other is freed; the freed one leaves no handler chain behind', () => {
  // In a child: a broken chain of signal handlers kills the process (a WebAssembly bounds trap is V8's SIGSEGV handler).
  const script = `
    import { Jit } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
    const mk = async (n) => { const j = new Jit({ cc: 'gcc', onDiagnostics: () => {} }); j.addSource('int bad' + n + '(int *p) { return *p; } int ok' + n + '(int x) { return x + ' + n + '; }', 'u' + n + '.c'); await j.link(); return j; };
    const crash = (j, n) => { try { j.call('bad' + n, 'int (int *)', null); return 'returned'; } catch (e) { return e.name; } };
    const A = await mk(1), B = await mk(2);
    console.log('both alive:', crash(A, 1), crash(B, 2), A.call('ok1', 'int (int)', 1), B.call('ok2', 'int (int)', 1));
    A.free();
    console.log('A freed:', B.call('ok2', 'int (int)', 1), crash(B, 2));
    const wasm = new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,127,3,2,1,0,5,3,1,0,1,7,5,1,1,102,0,0,10,12,1,10,0,65,128,128,128,8,40,2,0,11]);
    const { instance } = await WebAssembly.instantiate(wasm);
    try { instance.exports.f(); console.log('wasm: no trap'); } catch (e) { console.log('wasm:', e.message); }
    const C = await mk(3);
    B.free();
    console.log('B freed:', crash(C, 3), C.call('ok3', 'int (int)', 1));
    C.free();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'both alive: CrashError CrashError 2 3\nA freed: 3 CrashError\nwasm: memory access out of bounds\nB freed: CrashError 4\n');
});
