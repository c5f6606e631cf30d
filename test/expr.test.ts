// Expression evaluation for the debugger (src/dbg/expr.ts, src/dbg/cdecl.ts):
// `print EXPR` / `call EXPR` / breakpoint conditions over a C program with
// globals, a file-static, structs with pointers (a linked list), arrays, an
// enum, bit fields and a recursive function with locals, stopped inside the
// recursion three levels deep.
//
//   - the fast path (no compiler): locals and parameters of the selected
//     frame and of frame 2, globals, a static, functions, enumerators,
//     literals, &x, *p, p->f, s.f, a[i], bit fields, registers, unary minus;
//   - the compiled path (the expression wrapped in a generated function,
//     compiled with the system compiler, appended to the live image and
//     called on the worker): arithmetic over locals and globals, calls of
//     the program's functions (a static one too), sizeof, a string literal,
//     casts, an assignment that the program then sees, a void call;
//   - both paths agree on values and types where both apply;
//   - a call that reaches a breakpoint is a nested stop; continuing finishes it;
//   - a compile error is a HotlinkError carrying the compiler's message,
//     located in the expression, and leaves the image unchanged;
//   - compiled functions are reused: per frame through the frame-base
//     argument, and by breakpoint conditions at every hit;
//   - values agree with gdb on the natively built program.
//
// Run: npx tsc -p . && node --test dist/test/expr.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Debugger } from '../src/dbg/debugger.js';
import { EvalResult, conditionOf, evaluate, expressionSource, truthy } from '../src/dbg/expr.js';
import { formatValue } from '../src/dbg/format.js';
import { CType, sizeOf, stripTypedefs, typeName } from '../src/dwarf/types.js';
import { HotlinkError } from '../src/errors.js';

const PROGRAM = `#include <stddef.h>
#include <string.h>

enum color { RED, GREEN = 5, BLUE };
struct node { int value; struct node *next; };
typedef struct node node_t;
struct flags { unsigned ready : 1; int level : 4; };
struct point { int x, y; };

int counter = 7;
static int hidden = 42;
int arr[5] = {10, 20, 30, 40, 50};
const char *greeting = "hello";
enum color paint = BLUE;
double ratio = 2.5;
struct node nodes[3];
node_t *head;
int calls;
struct flags fl = { 1, -3 };
char buf[32];
volatile int sink;

int twice(int x) { return x * 2; }
void bump(void) { counter++; }
int probe(int x) { calls++; return x + 1; }
static int add3(int a) { return a + 3; }
struct point make_point(int x, int y) { struct point p = { x, y }; return p; }

int recurse(int n, node_t *node) {
  int local = n * 10;
  char tag = 'a' + n;
  int value = n * 3; /* named like a member of struct node */
  if (n == 0) {
    return local + node->value + tag; /* BREAK */
  }
  return recurse(n - 1, node->next) + local;
}

int main(void) {
  for (int i = 0; i < 3; i++) {
    nodes[i].value = i + 1;
    nodes[i].next = i < 2 ? &nodes[i + 1] : NULL;
  }
  head = &nodes[0];
  int r = recurse(2, head);
  sink = r + add3(1) + probe(0) + hidden + (int)strlen(greeting);
  bump();
  return 0;
}
`;

const BREAK_LINE = PROGRAM.split('\n').findIndex((l) => l.includes('/* BREAK */')) + 1;
const haveGdb = spawnSync('gdb', ['--version']).status === 0;
const haveClang = spawnSync('clang-19', ['--version']).status === 0;

let dir = '';
let file = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hotlink-expr-'));
  file = join(dir, 'prog.c');
  writeFileSync(file, PROGRAM);
});
after(() => {
  if (dir && !process.env.HOTLINK_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

// ---- helpers -------------------------------------------------------------------

type Value = { type: CType; bytes: Uint8Array; address?: number };

function value(r: EvalResult | Value): Value {
  if ('kind' in r && r.kind !== 'value') assert.fail(`expected a value, got ${r.kind === 'stopped' ? `a stop (${r.stop.reason.kind})` : r.kind}`);
  return r as Value;
}

/** The value as a signed integer of its size. */
function int(r: EvalResult | Value): number {
  const v = value(r);
  const n = sizeOf(v.type) ?? v.bytes.length;
  let x = 0n;
  for (let i = Math.min(8, n) - 1; i >= 0; i--) x = (x << 8n) | BigInt(v.bytes[i]!);
  return Number(BigInt.asIntN(Math.min(8, n) * 8, x));
}

function float(r: EvalResult | Value): number {
  const v = value(r);
  const dv = new DataView(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength);
  return v.bytes.length === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true);
}

async function sessionAtBreak(opts: { cc?: string } = {}): Promise<Debugger> {
  const dbg = await Debugger.create({ inputs: [file], ...(opts.cc ? { cc: opts.cc } : {}) });
  dbg.breakAt(`prog.c:${BREAK_LINE}`);
  const ev = await dbg.run(['prog']);
  assert.equal(ev.reason.kind, 'breakpoint');
  return dbg;
}

async function finish(dbg: Debugger): Promise<void> {
  if (dbg.session.state === 'stopped' || dbg.session.state === 'running') await dbg.session.kill();
  dbg.jit.free();
}

/** Formats like gdb's print (src/dbg/format.ts). */
function show(dbg: Debugger, r: EvalResult): string {
  const v = value(r);
  return formatValue(v.type, v.bytes, { read: (a, n) => dbg.session.readMemory(a, n) }, { address: v.address ?? 0 });
}

async function rejects(p: Promise<unknown>): Promise<HotlinkError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HotlinkError, `expected a HotlinkError, got ${e}`);
    return e;
  }
  assert.fail('expected the evaluation to fail');
}

// ---- the main session --------------------------------------------------------------------

describe('expressions while stopped in a recursive function', () => {
  let dbg: Debugger;
  before(async () => {
    dbg = await sessionAtBreak();
  });
  after(async () => {
    if (dbg) await finish(dbg);
  });

  test('the stop is three recursion levels deep', () => {
    const names = dbg.backtrace().map((f) => f.function);
    assert.deepEqual(names, ['recurse', 'recurse', 'recurse', 'main']);
  });

  test('fast path: locals and parameters of the selected frame, without compiling', async () => {
    const gen = dbg.jit.generation;
    assert.equal(int(await evaluate(dbg, 'n')), 0);
    assert.equal(int(await evaluate(dbg, 'local')), 0);
    const tag = value(await evaluate(dbg, 'tag'));
    assert.equal(typeName(tag.type), 'char');
    assert.deepEqual([...tag.bytes], [97]);
    const node = value(await evaluate(dbg, 'node'));
    assert.equal(typeName(node.type), 'node_t *');
    assert.equal(int(await evaluate(dbg, 'node')), dbg.jit.lookup('nodes')! + 32);
    assert.equal(int(await evaluate(dbg, 'node->value')), 3);
    assert.equal(int(await evaluate(dbg, '(*node).value')), 3);
    // lvalues carry their address: a local's is in the frame
    const n = value(await evaluate(dbg, 'n'));
    assert.ok(n.address !== undefined && Math.abs(n.address - dbg.frames()[0]!.cfa!) < 256);
    assert.equal(dbg.jit.generation, gen, 'no code was appended');
  });

  test('fast path: locals of frame 2 via opts.frame', async () => {
    assert.equal(int(await evaluate(dbg, 'n', { frame: 2 })), 2);
    assert.equal(int(await evaluate(dbg, 'local', { frame: 2 })), 20);
    assert.equal(int(await evaluate(dbg, 'n', { frame: 1 })), 1);
    assert.equal(int(await evaluate(dbg, 'node->value', { frame: 2 })), 1);
    const next = value(await evaluate(dbg, '*node->next', { frame: 2 }));
    assert.equal(typeName(next.type), 'struct node');
    assert.equal(next.address, dbg.jit.lookup('nodes')! + 16);
    await assert.rejects(evaluate(dbg, 'n', { frame: 9 }), /No frame at level 9/);
  });

  test('fast path: globals, a static, arrays, structs, pointers, enums, bit fields', async () => {
    assert.equal(int(await evaluate(dbg, 'counter')), 7);
    assert.equal(int(await evaluate(dbg, 'hidden')), 42);
    assert.equal(int(await evaluate(dbg, 'arr[3]')), 40);
    const arr = value(await evaluate(dbg, 'arr'));
    assert.equal(typeName(arr.type), 'int [5]');
    assert.equal(arr.bytes.length, 20);
    assert.equal(arr.address, dbg.jit.lookup('arr'));
    const next = value(await evaluate(dbg, '*head->next'));
    assert.equal(typeName(next.type), 'struct node');
    assert.equal(new DataView(next.bytes.buffer, next.bytes.byteOffset).getInt32(0, true), 2);
    assert.equal(int(await evaluate(dbg, 'head->next->next->value')), 3);
    assert.equal(int(await evaluate(dbg, 'nodes[1].value')), 2);
    const addr = value(await evaluate(dbg, '&counter'));
    assert.equal(typeName(addr.type), 'int *');
    assert.equal(int(await evaluate(dbg, '&counter')), dbg.jit.lookup('counter'));
    assert.equal(int(await evaluate(dbg, '*&counter')), 7);
    assert.equal(int(await evaluate(dbg, '&arr[2]')), dbg.jit.lookup('arr')! + 8);
    const paint = value(await evaluate(dbg, 'paint'));
    assert.equal(typeName(paint.type), 'enum color');
    assert.equal(int(await evaluate(dbg, 'paint')), 6);
    const green = value(await evaluate(dbg, 'GREEN'));
    assert.equal(typeName(green.type), 'enum color');
    assert.equal(int(await evaluate(dbg, 'GREEN')), 5);
    assert.equal(int(await evaluate(dbg, 'fl.level')), -3);
    assert.equal(int(await evaluate(dbg, 'fl.ready')), 1);
    assert.equal(float(await evaluate(dbg, 'ratio')), 2.5);
    assert.equal(float(await evaluate(dbg, '-ratio')), -2.5);
    assert.equal(int(await evaluate(dbg, '-counter')), -7);
    assert.equal(int(await evaluate(dbg, '*greeting')), 'h'.charCodeAt(0));
    assert.equal(int(await evaluate(dbg, 'greeting[4]')), 'o'.charCodeAt(0));
  });

  test('fast path: functions, literals and registers', async () => {
    const fn = value(await evaluate(dbg, 'twice'));
    assert.equal(typeName(fn.type), 'int (int)');
    assert.equal(fn.address, dbg.jit.lookup('twice')); // the stable entry, as C code sees it
    const add3 = value(await evaluate(dbg, 'add3'));
    assert.equal(typeName(add3.type), 'int (int)');
    assert.equal(int(await evaluate(dbg, '42')), 42);
    assert.equal(typeName(value(await evaluate(dbg, '42')).type), 'int');
    assert.equal(typeName(value(await evaluate(dbg, '0x80000000')).type), 'unsigned int');
    assert.equal(typeName(value(await evaluate(dbg, '5000000000')).type), 'long');
    assert.equal(int(await evaluate(dbg, '-1')), -1);
    assert.equal(int(await evaluate(dbg, "'A'")), 65);
    assert.equal(int(await evaluate(dbg, "'\\n'")), 10);
    assert.equal(float(await evaluate(dbg, '1.5')), 1.5);
    assert.equal(float(await evaluate(dbg, '0.25f')), 0.25);
    const f0 = dbg.frames()[0]!;
    assert.equal(int(await evaluate(dbg, '$pc')), f0.pc);
    assert.equal(int(await evaluate(dbg, '$rip')), f0.pc);
    assert.equal(typeName(value(await evaluate(dbg, '$pc')).type), 'void (*)()');
    assert.equal(int(await evaluate(dbg, '$sp')), dbg.session.reg('rsp'));
    assert.equal(int(await evaluate(dbg, '$pc', { frame: 1 })), dbg.frames()[1]!.pc);
    assert.equal(int(await evaluate(dbg, '$eax')), Number(BigInt.asIntN(32, dbg.session.regBig('rax'))));
    // registers in compiled expressions too
    assert.equal(int(await evaluate(dbg, '$sp + 8 == (char *)$rsp + 8')), 1);
    assert.equal(int(await evaluate(dbg, '*(long *)$sp')), int(value({ type: value(await evaluate(dbg, '$rax')).type, bytes: dbg.session.readMemory(dbg.session.reg('rsp'), 8) })));
  });

  test('fast path: a memory error is an error, not a crash of the worker', async () => {
    const e = await rejects(evaluate(dbg, '*node->next'));
    assert.match(e.message, /Cannot access memory at address 0x0/);
    const e2 = await rejects(evaluate(dbg, 'node->next->value'));
    assert.match(e2.message, /Cannot access memory at address 0x0/);
  });

  test('compiled path: arithmetic over locals and globals', async () => {
    assert.equal(int(await evaluate(dbg, 'n * 2 + counter')), 7);
    assert.equal(int(await evaluate(dbg, 'n * 2 + counter', { frame: 2 })), 11);
    assert.equal(int(await evaluate(dbg, 'local + node->value + tag')), 0 + 3 + 97); // what recurse returns
    assert.equal(int(await evaluate(dbg, 'hidden + 1')), 43);
    assert.equal(float(await evaluate(dbg, 'ratio * counter')), 17.5);
    assert.equal(int(await evaluate(dbg, 'arr[1] + arr[4]')), 70);
    assert.equal(int(await evaluate(dbg, 'head->next == &nodes[1]')), 1);
    assert.equal(int(await evaluate(dbg, 'paint == BLUE')), 1);
  });

  test('compiled path: a local named like a member stays a member after -> and .', async () => {
    assert.equal(int(await evaluate(dbg, 'node->value + value')), 3 + 0);
    assert.equal(int(await evaluate(dbg, 'node->value + value', { frame: 2 })), 1 + 6);
    assert.equal(int(await evaluate(dbg, '(*node).value * 100 + value', { frame: 1 })), 200 + 3);
    assert.equal(int(await evaluate(dbg, 'arr[value] + nodes[value - 1].value', { frame: 1 })), 40 + 3);
  });

  test('compiled path: calls of the program\'s functions run on the worker', async () => {
    const r = value(await evaluate(dbg, 'twice(21)'));
    assert.equal(typeName(r.type), 'int');
    assert.equal(int(r), 42);
    assert.equal(int(await evaluate(dbg, 'twice(n + 4) + twice(local)', { frame: 2 })), 12 + 40);
    assert.equal(int(await evaluate(dbg, 'add3(4)')), 7); // a static function, through its address
    assert.equal(int(await evaluate(dbg, 'strlen(greeting)')), 5); // libc, declared from the program's DWARF
    const p = value(await evaluate(dbg, 'make_point(3, 4)'));
    assert.equal(typeName(p.type), 'struct point');
    assert.deepEqual([...p.bytes], [3, 0, 0, 0, 4, 0, 0, 0]);
    assert.equal(int(await evaluate(dbg, 'make_point(3, 4).y')), 4);
    assert.equal(dbg.session.state, 'stopped');
    assert.equal(dbg.backtrace().length, 4, 'the stack is as it was');
    assert.equal(int(await evaluate(dbg, 'n')), 0);
  });

  test('compiled path: sizeof, a string literal, casts', async () => {
    const s = value(await evaluate(dbg, 'sizeof(struct node)'));
    assert.equal(typeName(s.type), 'unsigned long');
    assert.equal(int(s), 16);
    assert.equal(int(await evaluate(dbg, 'sizeof(node_t) * 3 + sizeof arr')), 68);
    const str = value(await evaluate(dbg, '"hi"'));
    assert.equal(typeName(str.type), 'char [3]');
    assert.deepEqual([...str.bytes], [104, 105, 0]);
    const c = value(await evaluate(dbg, '(char)65'));
    assert.equal(typeName(c.type), 'char');
    assert.deepEqual([...c.bytes], [65]);
    const l = value(await evaluate(dbg, '(long)counter << 40'));
    assert.equal(typeName(l.type), 'long');
    assert.equal(int(l), 7 * 2 ** 40);
    const np = value(await evaluate(dbg, '(struct node *)head + 1'));
    assert.equal(typeName(np.type), 'struct node *');
    assert.equal(int(np), dbg.jit.lookup('nodes')! + 16);
    assert.equal(float(await evaluate(dbg, '(float)counter / 2')), 3.5);
    const arrayCast = value(await evaluate(dbg, '*(int (*)[3])arr'));
    assert.equal(typeName(arrayCast.type), 'int [3]');
    assert.equal(arrayCast.address, dbg.jit.lookup('arr'));
  });

  test('compiled path: an assignment changes the program\'s memory', async () => {
    const r = value(await evaluate(dbg, 'counter = 5'));
    assert.equal(int(r), 5);
    assert.equal(int(await evaluate(dbg, 'counter')), 5);
    const mem = dbg.session.readMemory(dbg.jit.lookup('counter')!, 4);
    assert.equal(new DataView(mem.buffer, mem.byteOffset).getInt32(0, true), 5);
    // a local of a caller frame, through the frame-base argument
    assert.equal(int(await evaluate(dbg, 'local = local + 1', { frame: 2 })), 21);
    assert.equal(int(await evaluate(dbg, 'local', { frame: 2 })), 21);
    assert.equal(int(await evaluate(dbg, 'local', { frame: 1 })), 10);
    await evaluate(dbg, 'local = 20', { frame: 2 });
    await evaluate(dbg, 'hidden += 0');
    assert.equal(int(await evaluate(dbg, 'hidden')), 42);
    await evaluate(dbg, 'counter = 7');
  });

  test('value history: $N, $, $$, $$N in both paths (the REPL passes its history)', async () => {
    const history: { type: CType; bytes: Uint8Array }[] = [];
    const record = async (text: string, frame = 0): Promise<void> => {
      const v = value(await evaluate(dbg, text, { frame, history }));
      history.push({ type: v.type, bytes: v.bytes });
    };
    await record('n', 2); // $1 = 2
    await record('local', 1); // $2 = 10
    await record('*head'); // $3 = {value = 1, next = &nodes[1]}
    assert.equal(int(await evaluate(dbg, '$1', { history })), 2);
    assert.equal(int(await evaluate(dbg, '$1 + $2 * 10', { history })), 102);
    assert.equal(int(await evaluate(dbg, '$3.value', { history })), 1);
    assert.equal(int(await evaluate(dbg, '$3.next->value + $1', { history })), 4);
    assert.equal(int(await evaluate(dbg, '$.value', { history })), 1); // $ is the last value, $3
    assert.equal(int(await evaluate(dbg, '$$', { history })), 10); // $$ the one before
    assert.equal(int(await evaluate(dbg, '$$2', { history })), 2);
    assert.equal(int(await evaluate(dbg, '$$1 * 3', { history })), 30);
    await assert.rejects(evaluate(dbg, '$9', { history }), /History has not yet reached \$9/);
  });

  test('a void function call returns void and runs', async () => {
    const r = await evaluate(dbg, 'bump()');
    assert.deepEqual(r, { kind: 'void' });
    assert.equal(int(await evaluate(dbg, 'counter')), 8);
    assert.deepEqual(await evaluate(dbg, '(void)twice(1)'), { kind: 'void' });
    await evaluate(dbg, 'counter = 7');
  });

  test('fast and compiled paths agree', async () => {
    for (const [text, frame] of [
      ['n', 0], ['local', 2], ['tag', 1], ['*node', 0], ['node', 2], ['*head->next', 0], ['arr[3]', 0], ['arr', 0], ['&counter', 0],
      ['nodes[2]', 0], ['paint', 0], ['ratio', 0], ['-ratio', 0], ['greeting', 0], ['hidden', 0], ['twice', 0], ['&arr[1]', 0],
      ['fl', 0], ['-counter', 0],
    ] as [string, number][]) {
      const fast = value(await evaluate(dbg, text, { frame }));
      const slow = value(await evaluate(dbg, text, { frame, compileOnly: true }));
      assert.equal(typeName(slow.type), typeName(fast.type), `type of ${text}`);
      assert.deepEqual([...slow.bytes], [...fast.bytes], `value of ${text}`);
      if (stripTypedefs(fast.type).kind === 'array' || stripTypedefs(fast.type).kind === 'function') assert.equal(slow.address, fast.address, `address of ${text}`);
    }
    // An enumerator is an int in C but typed by its enum in gdb (and the fast path): same value.
    assert.equal(int(await evaluate(dbg, 'GREEN', { compileOnly: true })), int(await evaluate(dbg, 'GREEN')));
  });

  test('compiled functions are cached by text and function; per frame through the frame base', async () => {
    const gen = dbg.jit.generation;
    assert.equal(int(await evaluate(dbg, 'n * 100 + local + 1', { frame: 2 })), 221);
    assert.equal(dbg.jit.generation, gen + 1, 'compiled and appended once');
    assert.equal(int(await evaluate(dbg, 'n * 100 + local + 1', { frame: 1 })), 111);
    assert.equal(int(await evaluate(dbg, 'n * 100 + local + 1', { frame: 0 })), 1);
    assert.equal(int(await evaluate(dbg, 'n * 100 + local + 1', { frame: 2 })), 221);
    assert.equal(dbg.jit.generation, gen + 1, 'the same function served every frame');
    const src = expressionSource(dbg, 'n * 100 + local + 1', { frame: 1 });
    assert.match(src, /__hotlink_fb/);
    assert.doesNotMatch(src, /^extern.*\bn\b/m);
  });

  test('a compile error carries the compiler\'s message and leaves the image unchanged', async () => {
    const gen = dbg.jit.generation;
    const symbols = [...dbg.jit.symbols()].length;
    const e = await rejects(evaluate(dbg, 'nosuch_var + 1'));
    assert.equal(e.kind, 'compile');
    assert.match(e.message, /nosuch_var/);
    assert.match(e.message, /undeclared/);
    assert.match(e.message, /^<expression>:1:1: error:/);
    const e2 = await rejects(evaluate(dbg, 'counter + head->nope'));
    assert.match(e2.message, /<expression>:1:\d+: error: .*has no member named .*nope/);
    const e3 = await rejects(evaluate(dbg, 'n +* 2'));
    assert.equal(e3.kind, 'compile');
    assert.match(e3.message, /error:/);
    const e4 = await rejects(evaluate(dbg, 'not_a_function(3)'));
    assert.match(e4.message, /No symbol "not_a_function" in current context/);
    assert.equal(dbg.jit.generation, gen);
    assert.equal([...dbg.jit.symbols()].length, symbols);
    // the session is intact
    assert.equal(int(await evaluate(dbg, 'twice(counter)')), 14);
  });

  test('a call that reaches a breakpoint is a nested stop; continuing completes it', async () => {
    const bp = dbg.breakAt('probe');
    const callsBefore = int(await evaluate(dbg, 'calls'));
    const r = await evaluate(dbg, 'probe(41) + 1');
    assert.equal(r.kind, 'stopped');
    const stop = (r as { kind: 'stopped'; stop: { reason: { kind: string; id?: number } } }).stop;
    assert.deepEqual(stop.reason, { kind: 'breakpoint', id: bp.id });
    // the innermost frame is the called function now
    assert.equal(dbg.backtrace()[0]!.function, 'probe');
    assert.equal(int(await evaluate(dbg, 'x')), 41);
    const done = await dbg.session.continue();
    assert.equal(done.reason.kind, 'call-returned');
    assert.equal(int(await evaluate(dbg, 'calls')), callsBefore + 1);
    dbg.session.deleteBreakpoint(bp.id);
    // back in the original frame (evaluate notices that the session moved under the Debugger's frame cache)
    assert.equal(int(await evaluate(dbg, 'n')), 0);
    assert.equal(int(await evaluate(dbg, 'n', { frame: 2 })), 2);
    assert.equal(dbg.backtrace()[0]!.function, 'recurse');
  });

  test('values agree with gdb on the natively built program', { skip: !haveGdb ? 'gdb is not installed' : gdbCannotCall() }, async () => {
    const exe = join(dir, 'prog');
    const cc = spawnSync('gcc', ['-g', '-O0', '-o', exe, file], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const exprs: [string, number][] = [
      ['n', 0], ['local', 0], ['tag', 0], ['n', 2], ['local', 2], ['n * 2 + counter', 2], ['twice(21)', 0], ['arr[3]', 0],
      ['sizeof(struct node)', 0], ['"hi"', 0], ['(char)65', 0], ['paint', 0], ['GREEN', 0], ['fl', 0], ['fl.level', 0], ['-ratio', 0],
      ['hidden + 1', 0], ['arr', 0], ['head->next->value', 0], ['add3(4)', 0], ['ratio * counter', 0], ['nodes[2].value * 10', 1],
    ];
    const args = ['-batch', '-nx', '-ex', `break prog.c:${BREAK_LINE}`, '-ex', 'run'];
    let level = 0;
    for (const [e, frame] of exprs) {
      if (frame !== level) args.push('-ex', `frame ${frame}`), (level = frame);
      args.push('-ex', `print ${e}`);
    }
    const g = spawnSync('gdb', [...args, exe], { encoding: 'utf8' });
    const want = [...g.stdout.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]!);
    assert.equal(want.length, exprs.length, g.stdout + g.stderr);
    for (let k = 0; k < exprs.length; k++) {
      const [e, frame] = exprs[k]!;
      assert.equal(show(dbg, await evaluate(dbg, e, { frame })), want[k], `print ${e} (frame ${frame})`);
    }
  });
});

/**
 * Why gdb cannot call a function in its inferior here, or false when it can:
 * probed once with a tiny program (where ptrace cannot write the extended
 * register state, gdb says `Couldn't write extended state status: Bad address`).
 */
function gdbCannotCall(): string | false {
  const d = mkdtempSync(join(tmpdir(), 'hotlink-gdbprobe-'));
  try {
    writeFileSync(join(d, 'probe.c'), 'int f(int x) { return x + 1; }\nint main(void) { return f(0); }\n');
    const cc = spawnSync('gcc', ['-g', '-O0', '-o', join(d, 'probe'), join(d, 'probe.c')], { encoding: 'utf8' });
    if (cc.status !== 0) return `the gdb probe did not compile: ${cc.stderr.trim()}`;
    const g = spawnSync('gdb', ['-batch', '-nx', '-ex', 'break main', '-ex', 'run', '-ex', 'print f(1)', join(d, 'probe')], { encoding: 'utf8', timeout: 60_000 });
    if (/^\$1 = 2$/m.test(g.stdout ?? '')) return false;
    const why = `${g.stdout ?? ''}\n${g.stderr ?? ''}`.split('\n').filter((l) => /error|cannot|couldn't|warning/i.test(l)).join('; ').trim();
    return `gdb cannot call functions in the inferior on this machine (${why || 'print f(1) gave no value'})`;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

// ---- breakpoint conditions -------------------------------------------------------------------

test('a breakpoint condition compiles once and is evaluated at every hit', async () => {
  const dbg = await Debugger.create({ inputs: [file] });
  try {
    const cond = conditionOf(dbg, 'n == 1 && node->value == 2');
    const bp = dbg.breakAt('recurse', { condition: cond, conditionText: 'n == 1 && node->value == 2' });
    const gen = dbg.jit.generation;
    const ev = await dbg.run(['prog']);
    assert.deepEqual(ev.reason, { kind: 'breakpoint', id: bp.id });
    assert.equal(int(await evaluate(dbg, 'n')), 1);
    assert.equal(bp.hits, 1);
    // the first hit (n == 2) compiled the condition, the second (n == 1) reused it
    assert.equal(dbg.jit.generation, gen + 1);
    const end = await dbg.continue();
    assert.equal(end.reason.kind, 'exited');
    assert.equal(dbg.jit.generation, gen + 1, 'the hit with n == 0 reused it too');
  } finally {
    await finish(dbg);
  }
});

test('conditions and truth', () => {
  const int32 = { kind: 'base', name: 'int', byteSize: 4, encoding: 5 } as unknown as CType;
  const dbl = { kind: 'base', name: 'double', byteSize: 8, encoding: 4 } as unknown as CType;
  assert.equal(truthy(int32, Uint8Array.of(0, 0, 0, 0)), false);
  assert.equal(truthy(int32, Uint8Array.of(0, 1, 0, 0)), true);
  const negZero = new Uint8Array(8);
  new DataView(negZero.buffer).setFloat64(0, -0, true);
  assert.equal(truthy(dbl, negZero), false);
  assert.throws(() => truthy({ kind: 'struct', members: [], declaration: false } as unknown as CType, new Uint8Array(4)));
});

test('globals are readable before the program runs; compiled expressions need a process', async () => {
  const dbg = await Debugger.create({ inputs: [file] });
  try {
    assert.equal(int(await evaluate(dbg, 'counter')), 7);
    assert.equal(int(await evaluate(dbg, 'arr[4]')), 50);
    assert.equal(show(dbg, await evaluate(dbg, 'greeting')).endsWith('"hello"'), true);
    const e = await rejects(evaluate(dbg, 'counter + 1'));
    assert.match(e.message, /without a process/);
  } finally {
    await finish(dbg);
  }
});

test('clang-built images evaluate with clang', { skip: !haveClang && 'clang-19 is not installed' }, async () => {
  const dbg = await sessionAtBreak({ cc: 'clang-19' });
  try {
    assert.equal(int(await evaluate(dbg, 'n * 2 + counter', { frame: 2 })), 11);
    assert.equal(int(await evaluate(dbg, 'twice(21)')), 42);
    assert.equal(int(await evaluate(dbg, 'local', { frame: 2 })), 20);
    assert.equal(int(await evaluate(dbg, 'sizeof(struct node)')), 16);
    const e = await rejects(evaluate(dbg, 'nosuch_var + 1'));
    assert.match(e.message, /<expression>:1:1: error: .*nosuch_var/);
  } finally {
    await finish(dbg);
  }
});

// ---- declarations synthesized from DWARF ---------------------------------------------------------

const UNIT_A = `#include <stdint.h>
struct state { int a; int b; };            /* b.c has a different struct state */
typedef struct { int kind; union { int i; double d; }; struct { short lo, hi; } half; } variant_t;
enum { MODE_A = 1, MODE_B = 2 } mode = MODE_B;
struct __attribute__((packed)) pk { char c; int x; short s; };
struct pk packed = { 'z', 1234567, -5 };
struct list { struct list *next; int (*cb)(int); const char *const names[2]; };
struct state st_a = { 1, 2 };
variant_t var = { 3, { .d = 1.25 }, { 7, 8 } };
long double ld = 3.5L;
int grid[3][4];
int next = 100;                            /* a global named like a member */
int bfunc(int);
int sq(int x) { return x * x; }
int use(int value) {
  static int hits;
  int total = value;
  struct list l = { 0, sq, { "x", "y" } };
  hits++;
  for (int i = 0; i < 2; i++) {
    int total = i * 1000 + 1;              /* shadows the outer total */
    grid[i][i] = total + hits; /* INNER */
  }
  return total + l.cb(2) + bfunc(1);
}
int main(void) { return use(5) & 0; }
`;

const UNIT_B = `struct state { double x; char name[8]; };
static struct state st_b = { 2.5, "bee" };
static int counter_b = 17;
static int hidden_fn(int x) { return x + counter_b; }
int bfunc(int x) { return hidden_fn(x) + (int)st_b.x; }
`;

test('declarations from two units: conflicting tags, anonymous members, packed layout, shadowing', async () => {
  const a = join(dir, 'unit_a.c');
  const b = join(dir, 'unit_b.c');
  writeFileSync(a, UNIT_A);
  writeFileSync(b, UNIT_B);
  const inner = UNIT_A.split('\n').findIndex((l) => l.includes('/* INNER */')) + 1;
  const dbg = await Debugger.create({ inputs: [a, b] });
  try {
    const innerBp = dbg.breakAt(`unit_a.c:${inner}`);
    assert.equal((await dbg.run(['prog'])).reason.kind, 'breakpoint');
    const both = async (text: string): Promise<string> => {
      const fast = show(dbg, await evaluate(dbg, text));
      const compiled = show(dbg, await evaluate(dbg, text, { compileOnly: true }));
      assert.equal(compiled, fast, `both paths for ${text}`);
      return compiled;
    };
    // block scope: the inner total shadows the outer one
    assert.equal(await both('total'), '1');
    assert.equal(show(dbg, await evaluate(dbg, 'total + value * 10 + hits')), '52');
    assert.equal(await both('l.names[1]').then((t) => t.endsWith('"y"')), true);
    assert.equal(show(dbg, await evaluate(dbg, 'l.cb(7) + next')), '149');
    // anonymous union and struct members
    assert.equal(await both('var'), '{kind = 3, {i = 0, d = 1.25}, half = {lo = 7, hi = 8}}');
    assert.equal(show(dbg, await evaluate(dbg, 'var.d * 2 + var.half.hi')), '10.5');
    // an anonymous enum keeps its anonymous type
    assert.equal(await both('mode'), 'MODE_B');
    assert.equal(typeName(value(await evaluate(dbg, 'mode', { compileOnly: true })).type), 'enum {...}');
    // packed: the members where the program has them
    assert.equal(await both('packed'), "{c = 122 'z', x = 1234567, s = -5}");
    assert.equal(show(dbg, await evaluate(dbg, 'sizeof(struct pk) * 100 + packed.s')), '695');
    assert.equal(await both('ld'), '3.5');
    assert.equal(await both('grid[0]'), '{0, 0, 0, 0}'); // the breakpoint is before the first store
    // the other unit: its own struct state (declared under a renamed tag), a static, a static function
    assert.equal(await both('st_b'), '{x = 2.5, name = "bee\\000\\000\\000\\000"}');
    assert.equal(typeName(value(await evaluate(dbg, 'st_b', { compileOnly: true })).type), 'struct state');
    assert.equal(await both('st_a'), '{a = 1, b = 2}');
    assert.equal(show(dbg, await evaluate(dbg, 'st_b.x + st_a.b + counter_b')), '21.5');
    assert.equal(show(dbg, await evaluate(dbg, 'hidden_fn(3)')), '20');
    assert.equal(show(dbg, await evaluate(dbg, 'sizeof(struct state)')), '8'); // this frame's unit wins

    // from a frame in the other unit, its definitions win
    dbg.session.deleteBreakpoint(innerBp.id);
    dbg.breakAt('hidden_fn');
    assert.equal((await dbg.continue()).reason.kind, 'breakpoint');
    assert.equal(dbg.backtrace()[0]!.function, 'hidden_fn');
    assert.equal(show(dbg, await evaluate(dbg, 'sizeof(struct state)')), '16');
    assert.equal(show(dbg, await evaluate(dbg, 'st_a.b + x + counter_b')), '20');
  } finally {
    await finish(dbg);
  }
});
