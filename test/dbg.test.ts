// Scenario tests of the debugger engine (src/dbg/debugger.ts and the
// session, view and formatter under it), with gdb 13 as the reference. Each
// fixture in test/dbg-fixtures/ is compiled once per configuration (gcc and
// clang-19, -O0 and -O2) with exactly the flags Debugger.create uses; the
// same object is then linked natively for gdb (`gdb -nx -batch -ex ...`) and
// given to Debugger.create as its input, so both debuggers look at the same
// machine code and the same DWARF. What gdb prints (stops, backtraces,
// `info args`/`info locals`, `finish` values) is parsed and compared with the
// engine's API results.
//
// A known engine bug is written as the test of the correct behaviour and
// marked `{ todo }` with the reason; the test still runs.

import { test, describe, before, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { Debugger, type FrameDescription } from '../src/dbg/debugger.js';
import type { StopEvent } from '../src/dbg/session.js';
import { formatValue, type MemoryReader } from '../src/dbg/format.js';
import { HotlinkError, hex } from '../src/errors.js';
import { repoRoot, gdbBatch, tmpDir, haveCommand, needs, compileObjectAsync, compileNativeAsync } from './helpers.js';

const FIXTURES = path.join(repoRoot, 'test', 'dbg-fixtures');
const fixture = (name: string): string => path.join(FIXTURES, name);

interface Config {
  cc: string;
  opt: '-O0' | '-O2';
  label: string;
}

// Every configuration's scenarios are tests; those of a missing compiler (or without gdb) are reported as skipped, naming it.
const ALL_CONFIGS: Config[] = (['gcc', 'clang-19'] as const).flatMap((cc) =>
  (['-O0', '-O2'] as const).map((opt) => ({ cc, opt, label: `${cc} ${opt}` })),
);
const CONFIGS = ALL_CONFIGS.filter((c) => haveCommand(c.cc));

const skip = needs('gdb') || (CONFIGS.length ? false : needs('gcc', 'clang-19'));

const PROGRAMS = ['recur', 'sort', 'foo', 'segv', 'loop', 'forever'] as const;
type Program = (typeof PROGRAMS)[number];

/**
 * The flags Debugger.create compiles with: Jit's defaults (-g -fPIC, and
 * -flive-patching=inline-only-static for gcc with reloadable functions),
 * then the debugger's -O0, then the cflags given (the configuration's -O).
 */
function objectFlags(cfg: Config): string[] {
  return ['-g', '-fPIC', ...(cfg.cc === 'gcc' ? ['-flive-patching=inline-only-static'] : []), '-O0', cfg.opt];
}

const builds = new Map<string, { obj: string; exe: string }>();
const built = (cfg: Config, prog: Program): { obj: string; exe: string } => builds.get(`${cfg.label}/${prog}`)!;

before(async () => {
  if (skip) return;
  const dir = tmpDir(undefined, 'hotlink-dbg-'); // removed at exit (an `after` registered inside `before` would run at once)
  const jobs = CONFIGS.flatMap((cfg) => PROGRAMS.map((prog) => ({ cfg, prog })));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const { cfg, prog } = jobs[next++]!;
      const base = path.join(dir, `${prog}-${cfg.cc}${cfg.opt}`);
      const obj = await compileObjectAsync({ cc: cfg.cc, file: fixture(`${prog}.c`), flags: objectFlags(cfg), out: `${base}.o` });
      const exe = await compileNativeAsync({ cc: cfg.cc, files: [obj], out: base });
      builds.set(`${cfg.label}/${prog}`, { obj, exe });
    }
  };
  await Promise.all([worker(), worker()]);
});

/** The 1-based line of the first line of a fixture containing `text`. */
function lineOf(file: string, text: string): number {
  const i = readFileSync(fixture(file), 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${file} has no line with '${text}'`);
  return i + 1;
}

// ---- gdb --------------------------------------------------------------------------------------

/**
 * Runs gdb in batch mode on `exe` with `cmds`; returns each command's output
 * (stdout and stderr merged, so errors land in their command's section).
 */
async function gdb(exe: string, cmds: string[], args: string[] = []): Promise<string[]> {
  return gdbBatch(exe, cmds, args);
}

interface GdbFrame {
  level: number;
  function: string;
  args: string;
  file?: string;
  line?: number;
}

/** `#1  0x... in f (a=1) at /x/f.c:12` (also `from LIB` and frames without source). */
function parseFrames(text: string): GdbFrame[] {
  const out: GdbFrame[] = [];
  for (const l of text.split('\n')) {
    const m = /^#(\d+)\s+(?:0x[0-9a-f]+ in )?(\S+) \((.*)\)(?: at (.+):(\d+))?(?: from (.+))?$/.exec(l);
    if (m) out.push({ level: Number(m[1]), function: m[2]!, args: m[3]!, file: m[4], line: m[5] ? Number(m[5]) : undefined });
  }
  return out;
}

/** Stops gdb announced: `Breakpoint 2, f (x=1) at /x/f.c:12` → {id, where: 'f:12'}. */
function parseBreakpointStops(text: string): { id: number; where: string }[] {
  const out: { id: number; where: string }[] = [];
  for (const l of text.split('\n')) {
    const m = /^(?:Temporary breakpoint|Breakpoint) (\d+), (?:0x[0-9a-f]+ in )?(\S+) \(.*\) at .+:(\d+)$/.exec(l);
    if (m) out.push({ id: Number(m[1]), where: `${m[2]}:${m[3]}` });
  }
  return out;
}

/** gdb's `info args` / `info locals` text as lines ([] for "No arguments." / "No locals."). */
function gdbVariables(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => / = /.test(l) && !/^(No |#\d)/.test(l))
    .map(normalize);
}

/**
 * Stack and heap addresses differ between the native run and ours: compare
 * pointers by shape only. gdb 13 prints a member that no DW_OP_piece
 * describes as `<synthetic pointer>` (a gdb quirk); it is `<optimized out>`.
 */
function normalize(s: string): string {
  return s.replace(/0x[0-9a-f]{5,}/g, '0xADDR').replace(/<synthetic pointer>/g, '<optimized out>');
}

/** gdb's `exited normally` / `exited with code 035` (octal) → the status. */
function gdbExitStatus(text: string): number | undefined {
  if (/\[Inferior \d+ \(process \d+\) exited normally\]/.test(text)) return 0;
  const m = /\[Inferior \d+ \(process \d+\) exited with code ([0-7]+)\]/.exec(text);
  return m ? parseInt(m[1]!, 8) : undefined;
}

// ---- the engine --------------------------------------------------------------------------------

/** A Debugger on the configuration's object of `prog`; killed and freed after the test. */
async function open(t: TestContext, cfg: Config, prog: Program): Promise<Debugger> {
  const diagnostics: string[] = [];
  const dbg = await Debugger.create({ inputs: [built(cfg, prog).obj], cc: cfg.cc, cflags: [cfg.opt], onDiagnostics: (d) => void diagnostics.push(d) });
  dbg.diagnostics = (d) => void diagnostics.push(d);
  t.after(() => close(dbg));
  return dbg;
}

const closed = new WeakSet<Debugger>();

/** Ends the program and unmaps the image (tests free what they open; several images can be alive at once: see "five debuggers"). */
async function close(dbg: Debugger): Promise<void> {
  if (closed.has(dbg)) return;
  closed.add(dbg);
  await dbg.session.kill();
  dbg.jit.free();
}

function top(dbg: Debugger): FrameDescription {
  const f = dbg.frames()[0];
  assert.ok(f, 'no frame 0');
  return dbg.describe(f);
}

const where = (d: FrameDescription | undefined): string => (d ? `${d.function}:${d.line}` : '<no frame>');

const memory = (dbg: Debugger): MemoryReader => ({ read: (a, n) => dbg.session.readMemory(a, n) });

/** `name = value` lines as gdb's `info args` / `info locals` print them. */
function variables(dbg: Debugger, level: number, which: 'args' | 'locals'): string[] {
  return dbg.variablesOf(level, which).map((v) => normalize(`${v.name} = ${v.bytes ? formatValue(v.type, v.bytes, memory(dbg), { typePrefix: false, address: v.address }) : v.error}`));
}

/** An int argument of frame 0, by name. */
function intArg(dbg: Debugger, name: string): number {
  const v = dbg.variablesOf(0, 'args').find((x) => x.name === name);
  assert.ok(v?.bytes, `no value for argument ${name}`);
  return new DataView(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength).getInt32(0, true);
}

function assertStop(ev: StopEvent, kind: StopEvent['reason']['kind'], what = ''): void {
  assert.equal(ev.reason.kind, kind, `${what}: expected a '${kind}' stop, got ${JSON.stringify(ev.reason)}`);
}

/** Runs to the end, collecting each breakpoint stop as `id function:line`. */
async function collectStops(dbg: Debugger, first: StopEvent, limit = 500): Promise<{ stops: { id: number; where: string }[]; end: StopEvent }> {
  const stops: { id: number; where: string }[] = [];
  let ev = first;
  for (let i = 0; i < limit && ev.reason.kind === 'breakpoint'; i++) {
    stops.push({ id: ev.reason.id, where: where(top(dbg)) });
    ev = await dbg.continue();
  }
  return { stops, end: ev };
}

const SIGSEGV = osConstants.signals.SIGSEGV;

// Known engine bugs (todo reasons; each has a minimal reproduction in the test that shows it).
const BUG_PARTIAL_PIECES =
  'bug: Debugger.locationBytes zero-fills the bytes no DW_OP_piece describes (a piece with no location, or pieces ' +
  'shorter than the object), so clang -O2 sum_point\'s p (`DW_OP_reg5 RDI, DW_OP_piece 0x4`) prints {x = 3, y = 0} and ' +
  'gcc -O2\'s q (`..., DW_OP_piece 0x4, DW_OP_piece 0x4`) {x = 6, y = 0}; gdb prints y = <optimized out> ' +
  '(<synthetic pointer> in the first case, a gdb 13 quirk)';

/** `*FUNCTION+OFFSET` for gdb: the same instruction as `address` in our image (the code is the same object). */
function sameAddress(dbg: Debugger, address: number): string {
  const fn = dbg.view.functionAt(address);
  assert.ok(fn, `no function at ${hex(address)}`);
  return `*${fn.name}+${address - fn.lowPc}`;
}

/** Two sequences side by side (ours | gdb's), the first difference marked. */
function sideBySide(ours: string[], theirs: string[]): string {
  const rows = ['ours'.padEnd(36) + '| gdb'];
  let marked = false;
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    const differs = ours[i] !== theirs[i] && !marked;
    if (differs) marked = true;
    rows.push(`${(ours[i] ?? '').padEnd(36)}| ${theirs[i] ?? ''}${differs ? '   <==' : ''}`);
  }
  return rows.join('\n');
}

type StepCmd = 'step' | 'next' | 'finish' | 'up+finish';

/**
 * From `tbreak factorial` in recur, runs `seq` in gdb and in the engine;
 * returns `cmd function:line[ = value]` after each command, both sides.
 */
async function stepSequence(t: TestContext, cfg: Config, seq: StepCmd[]): Promise<{ ours: string[]; theirs: string[] }> {
  const dbg = await open(t, cfg, 'recur');
  const cmds = ['tbreak factorial', 'run', 'frame'];
  for (const c of seq) cmds.push(...(c === 'up+finish' ? ['up', 'finish'] : [c]), 'frame');
  const ref = gdb(built(cfg, 'recur').exe, cmds);

  const tb = dbg.breakAt('factorial', { temporary: true });
  assertStop(await dbg.run(['recur']), 'breakpoint', 'run');
  assert.equal(dbg.session.breakpoints.has(tb.id), false, 'the temporary breakpoint is gone');
  const ours: string[] = [`start ${where(top(dbg))}`];
  for (const c of seq) {
    let value = '';
    try {
      if (c === 'step') await dbg.step();
      else if (c === 'next') await dbg.next();
      else {
        if (c === 'up+finish') dbg.selectedFrame = 1;
        const r = await dbg.finish();
        value = r.value ? ` = ${BigInt.asIntN(32, r.value.rax)}` : ` = <${JSON.stringify(r.stop.reason)}>`;
      }
    } catch (e) {
      // Keep going with gdb's side so the comparison shows where the sequences parted.
      ours.push(`${c} <error: ${(e as Error).message}>`);
      break;
    }
    ours.push(`${c} ${where(top(dbg))}${value}`);
  }
  const out = await ref;

  const theirs: string[] = [];
  let at = 2;
  const frameAt = (i: number): string => {
    const f = parseFrames(out[i]!)[0];
    return f ? `${f.function}:${f.line}` : `<${out[i]!.trim()}>`;
  };
  theirs.push(`start ${frameAt(at++)}`);
  for (const c of seq) {
    let value = '';
    if (c === 'up+finish') at++;
    if (c === 'finish' || c === 'up+finish') {
      const m = /^Value returned is \$\d+ = (-?\d+)$/m.exec(out[at]!);
      value = m ? ` = ${m[1]}` : ' = <none>';
    }
    at++;
    theirs.push(`${c} ${frameAt(at++)}${value}`);
  }
  return { ours, theirs };
}

// ---- the scenarios ----------------------------------------------------------------------------

test(
  'five debuggers can be alive in one process',
  {
    skip,
  },
  async (t) => {
    const cfg = CONFIGS[0]!;
    const all: Debugger[] = [];
    t.after(async () => {
      for (const d of all) await close(d);
    });
    for (let i = 0; i < 5; i++) all.push(await open(t, cfg, 'foo'));
    const ev = await all[4]!.run(['foo']);
    assertStop(ev, 'exited');
    assert.equal((ev.reason as { status: number }).status, 0);
  },
);

for (const cfg of ALL_CONFIGS) {
  const O0 = cfg.opt === '-O0';

  describe(`dbg scenarios, ${cfg.label}`, { skip: skip || needs(cfg.cc), timeout: 120_000 }, () => {
    // 1.
    test('breakpoints by function, file:line (a line without code moves on) and *address stop where gdb stops', {}, async (t) => {
      const dbg = await open(t, cfg, 'recur');
      // *twice+K: the second instruction of twice (an instruction start that is not a line's breakpoint address).
      const twiceAt = dbg.view.functionAddress('twice', false)!;
      const starts = dbg.insnStarts!(dbg.jit.read(twiceAt, 32));
      const k = starts[1]!;
      const blank = lineOf('recur.c', 'r = n * factorial') - 1;
      assert.equal(readFileSync(fixture('recur.c'), 'utf8').split('\n')[blank - 1]!.trim(), '', 'the line before `r = n * factorial` is blank');
      const sumLine = lineOf('recur.c', 'int s = q.x + q.y;');
      const specs: [string, string][] = [
        ['factorial', 'factorial'],
        [`recur.c:${blank}`, `recur.c:${blank}`],
        ['twice', 'twice'],
        ['sum_point', 'sum_point'],
        [`recur.c:${sumLine}`, `recur.c:${sumLine}`],
        [`*${hex(dbg.view.functionAddress('fib', false)!)}`, '*fib'],
        [`*${hex(twiceAt + k)}`, `*twice+${k}`],
        ['main', 'main'],
      ];
      const cmds = [...specs.map(([, g]) => `break ${g}`), 'run', ...Array.from({ length: 80 }, () => 'continue')];
      const ref = gdb(built(cfg, 'recur').exe, cmds);

      const bps = specs.map(([ours]) => dbg.breakAt(ours));
      const first = await dbg.run(['recur']);
      const { stops, end } = await collectStops(dbg, first);
      const out = await ref;

      // Where each breakpoint went (gdb: "Breakpoint 2 at 0x115f: file /x/recur.c, line 20.").
      bps.forEach((bp, i) => {
        const m = /^Breakpoint \d+ at 0x[0-9a-f]+: file .+, line (\d+)\.$/m.exec(out[i]!);
        assert.ok(m, `gdb did not place 'break ${specs[i]![1]}': ${out[i]}`);
        assert.equal(bp.addresses.length, 1, `break ${specs[i]![0]}: one location`);
        const spec = bp.spec;
        assert.equal(dbg.view.lineForBreakpoint(bp.addresses[0]!, 'line' in spec ? spec.line : undefined), Number(m[1]), `break ${specs[i]![1]}: line`);
      });
      assert.equal(dbg.view.lineAt(bps[1]!.addresses[0]!)?.line, blank + 1, 'the blank line moves to the next line with code');
      // The stops, in order.
      const want = parseBreakpointStops(out.slice(specs.length).join('\n'));
      assert.ok(want.length >= 4, `gdb stopped ${want.length} times`);
      assert.deepEqual(stops.map((s) => `${s.id} ${s.where}`), want.map((s) => `${s.id} ${s.where}`));
      // Hit counts follow the stops.
      bps.forEach((bp) => assert.equal(bp.hits, stops.filter((s) => s.id === bp.id).length, `hits of breakpoint ${bp.id}`));
      assertStop(end, 'exited');
      assert.equal((end.reason as { status: number }).status, gdbExitStatus(out.join('\n')));
    });

    test("break FUNCTION goes where gdb puts it, in every fixture's functions", {}, async (t) => {
      const functions: [Program, string[]][] = [
        ['recur', ['twice', 'factorial', 'fib', 'sum_point', 'main']],
        ['sort', ['cmp_ints', 'sort_them', 'main']],
        ['foo', ['foo', 'main']],
        ['segv', ['poke', 'main']],
        ['loop', ['tick', 'main']],
      ];
      const ours: string[] = [];
      const theirs: string[] = [];
      for (const [prog, names] of functions) {
        const out = await gdb(built(cfg, prog).exe, names.flatMap((n) => [`break ${n}`, `print/x &${n}`]));
        const dbg = await open(t, cfg, prog);
        names.forEach((n, i) => {
          const m = /^Breakpoint \d+ at (0x[0-9a-f]+): file .+, line (\d+)\.$/m.exec(out[2 * i]!);
          const p = /^\$\d+ = (0x[0-9a-f]+)$/m.exec(out[2 * i + 1]!);
          theirs.push(m && p ? `${prog}: ${n}+${Number(m[1]) - Number(p[1])} line ${m[2]}` : `${prog}: ${n} <${out[2 * i]}>`);
          const bp = dbg.breakAt(n);
          const a = bp.addresses[0]!;
          ours.push(`${prog}: ${n}+${a - dbg.view.functionAddress(n, false)!} line ${dbg.view.lineAt(a)?.line}`);
        });
        await close(dbg);
      }
      assert.deepEqual(ours, theirs, sideBySide(ours, theirs));
    });

    test("the line of each function's entry address is gdb's", {}, async (t) => {
      const functions: [Program, string[]][] = [
        ['recur', ['twice', 'factorial', 'fib', 'sum_point', 'main']],
        ['sort', ['cmp_ints', 'sort_them', 'main']],
        ['foo', ['foo', 'main']],
        ['segv', ['poke', 'main']],
      ];
      const ours: string[] = [];
      const theirs: string[] = [];
      for (const [prog, names] of functions) {
        const out = await gdb(built(cfg, prog).exe, names.map((n) => `break *${n}`));
        const dbg = await open(t, cfg, prog);
        names.forEach((n, i) => {
          theirs.push(`${prog}: *${n} line ${/: file .+, line (\d+)\.$/m.exec(out[i]!)?.[1]}`);
          ours.push(`${prog}: *${n} line ${dbg.view.lineAt(dbg.view.functionAddress(n, false)!)?.line}`);
        });
        await close(dbg);
      }
      assert.deepEqual(ours, theirs, sideBySide(ours, theirs));
    });

    test("break FILE:LINE on a function's first line (or blank lines before it) goes past the prologue, as in gdb", {}, async (t) => {
      const dbg = await open(t, cfg, 'recur');
      const fibSig = lineOf('recur.c', 'NOINLINE int fib(');
      const mainSig = lineOf('recur.c', 'int main(');
      const twiceSig = lineOf('recur.c', 'NOINLINE int twice(');
      const lines = [fibSig, fibSig + 1, fibSig - 1, mainSig + 1, twiceSig - 1];
      // Compared by address (FUNCTION+OFFSET): `info symbol $_` after `info breakpoints N`.
      const out = await gdb(built(cfg, 'recur').exe, lines.flatMap((l) => [`break recur.c:${l}`, 'info breakpoints $bpnum', 'info symbol $_']));
      const theirs = lines.map((l, i) => {
        const m = /^(\w+)(?: \+ (\d+))? in section /m.exec(out[3 * i + 2]!);
        return `recur.c:${l} -> ${m ? `${m[1]}+${m[2] ?? 0}` : `<${out[3 * i + 2]!.trim()}>`}`;
      });
      const ours = lines.map((l) => {
        const a = dbg.breakAt(`recur.c:${l}`).addresses[0]!;
        const fn = dbg.view.functionAt(a);
        return `recur.c:${l} -> ${fn?.name}+${a - (fn?.lowPc ?? 0)}`;
      });
      assert.deepEqual(ours, theirs, sideBySide(ours, theirs));
    });

    // 2.
    if (O0) {
      test('step / next / finish through recursion (no step out of a callee) follow gdb; finish returns the right values', async (t) => {
        // Every return is a `finish`, so no step/next lands in a caller mid-statement (see the todo test below).
        const seq: StepCmd[] = [
          'next', 'next', 'step', 'next', 'next', 'step', 'finish', 'next', 'next', 'finish', 'next', 'next', 'finish',
          'next', 'step', 'next', 'step', 'next', 'step', 'up+finish', 'step', 'finish', 'next', 'finish', 'next', 'step',
          'finish', 'next', 'step', 'next', 'next', 'finish', 'next', 'next',
        ];
        const { ours, theirs } = await stepSequence(t, cfg, seq);
        assert.deepEqual(ours, theirs, sideBySide(ours, theirs));
        const [fLine, fibLine] = [lineOf('recur.c', 'int f = factorial(5);'), lineOf('recur.c', 'return fib(n - 1)')];
        assert.ok(theirs.includes(`finish main:${fLine} = 120`) && theirs.includes(`up+finish fib:${fibLine} = 5`), 'the sequence went where it was meant to');
      });

      test(
        'step / next out of a callee land where gdb lands (a return into the middle of a line keeps stepping)',
        {
          todo:
            'gap: gdb here has line info for glibc and `step` enters printf (__printf:28); hotlink reads no debug info of ' +
            'host libraries, so its `step` runs printf to its return like a function without line info (the sequences agree up to there)',
        },
        async (t) => {
          const seq: StepCmd[] = [
            'next', 'next', 'step', 'next', 'next', 'step', 'finish', 'step', 'step', 'step', 'step', 'next', 'next', 'next',
            'step', 'next', 'step', 'next', 'step', 'up+finish', 'step', 'finish', 'next', 'next', 'next', 'step', 'finish',
            'next', 'step', 'next', 'next', 'next', 'next', 'next', 'next',
          ];
          const { ours, theirs } = await stepSequence(t, cfg, seq);
          assert.deepEqual(ours, theirs, sideBySide(ours, theirs));
        },
      );
    }

    test('stepi moves one instruction and until LOCATION runs to it, as in gdb', async (t) => {
      const dbg = await open(t, cfg, 'recur');
      const printfLine = lineOf('recur.c', 'printf(');
      const bp = dbg.breakAt('twice');
      const untilPrintf = `until recur.c:${printfLine}`;
      const out = await gdb(built(cfg, 'recur').exe, [`break ${sameAddress(dbg, bp.addresses[0]!)}`, 'run', 'stepi', 'info symbol $pc', 'stepi', 'info symbol $pc', 'delete', untilPrintf, 'frame', untilPrintf, 'frame']);
      assertStop(await dbg.run(['recur']), 'breakpoint');
      const sym = (): string => {
        const fn = dbg.view.functionAt(dbg.session.reg('rip'));
        return fn ? `${fn.name}+${dbg.session.reg('rip') - fn.lowPc}` : '??';
      };
      const gsym = (text: string): string => {
        const m = /^(\w+)(?: \+ (\d+))? in section /m.exec(text);
        return m ? `${m[1]}+${m[2] ?? 0}` : `<${text.trim()}>`;
      };
      assertStop(await dbg.stepi(), 'step');
      assert.equal(sym(), gsym(out[3]!), 'after the first stepi (over the breakpoint)');
      assertStop(await dbg.stepi(), 'step');
      assert.equal(sym(), gsym(out[5]!), 'after the second stepi');
      dbg.session.deleteBreakpoint(bp.id);
      // From inside twice (at -O0), `until` stops where twice returns to main (the frame's return ends it, as in
      // gdb); a second `until` then reaches the line. At -O2 the two stepi already left twice.
      const gdbWhere = (text: string): string => {
        const g = parseFrames(text)[0];
        return g ? `${g.function}:${g.line}` : `<${text.trim()}>`;
      };
      const first = await dbg.until(`recur.c:${printfLine}`);
      assert.equal(where(top(dbg)), gdbWhere(out[8]!), `until (stop ${JSON.stringify(first.reason)})`);
      if (gdbWhere(out[8]!) !== `main:${printfLine}`) {
        const second = await dbg.until(`recur.c:${printfLine}`);
        assert.equal(where(top(dbg)), gdbWhere(out[10]!), `second until (stop ${JSON.stringify(second.reason)})`);
      }
      assert.equal(where(top(dbg)), `main:${printfLine}`);
      assert.equal([...dbg.session.breakpoints.values()].length, 0, 'until leaves no breakpoints behind');
    });

    // 3.
    test("backtrace through qsort's comparator: cmp, libc frames, then the program's frames as gdb shows them", async (t) => {
      const dbg = await open(t, cfg, 'sort');
      // gdb breaks at the very address we do (where `break cmp_ints` goes is test 1's business).
      const bp = dbg.breakAt('cmp_ints');
      const ref = gdb(built(cfg, 'sort').exe, [`break ${sameAddress(dbg, bp.addresses[0]!)}`, 'run', 'bt']);
      assertStop(await dbg.run(['sort']), 'breakpoint');
      const bt = dbg.backtrace();
      const out = await ref;
      const gframes = parseFrames(out[2]!);
      const program = (file?: string): boolean => !!file && file.startsWith(FIXTURES + '/');
      assert.deepEqual(
        bt.filter((f) => f.inImage).map(where),
        gframes.filter((f) => program(f.file)).map((f) => `${f.function}:${f.line}`),
        'program frames',
      );
      assert.equal(bt[0]!.function, 'cmp_ints');
      assert.equal(bt[0]!.inImage, true);
      const callerAt = bt.findIndex((f) => f.function === 'sort_them');
      assert.ok(callerAt >= 2, `sort_them is frame ${callerAt}: ${bt.map((f) => f.function).join(' < ')}`);
      for (const f of bt.slice(1, callerAt)) {
        assert.equal(f.inImage, false, `frame ${f.level} (${f.function}) is libc's`);
        assert.match(f.library ?? '', /libc\.so/, `frame ${f.level} library`);
      }
      assert.equal(bt.at(-1)!.function, 'main');
      bt.forEach((f, i) => assert.equal(f.level, i));
    });

    // 4.
    test('reload foo while stopped in foo: the frame stays in body 0, finish returns the old result, a call the new one', async (t) => {
      const dbg = await open(t, cfg, 'foo');
      const bp = dbg.breakAt('foo');
      const ref = gdb(built(cfg, 'foo').exe, [`break ${sameAddress(dbg, bp.addresses[0]!)}`, 'run', 'finish']);
      assertStop(await dbg.run(['foo']), 'breakpoint');
      const before = top(dbg);
      assert.equal(before.body, 0);
      assert.equal(before.active, true);

      const { report, breakpoints } = await dbg.reload('foo', fixture('foo2.c'));
      assert.equal(report.old.body, 0);
      assert.equal(report.new.body, 1);
      assert.deepEqual(breakpoints.moved, [bp.id], 'the function breakpoint moves to the new body');
      const after = top(dbg);
      assert.equal(after.body, 0, 'still in body 0');
      assert.equal(after.active, false, 'body 0 is no longer active');
      assert.equal(after.function, 'foo');
      assert.equal(path.basename(after.file ?? ''), 'foo.c');
      assert.equal(after.line, before.line);
      assert.equal(after.pc, before.pc);

      const out = await ref;
      const stop = parseBreakpointStops(out[1]!)[0];
      assert.equal(`${bp.id} ${where(before)}`, stop && `${stop.id} ${stop.where}`, "gdb's stop in foo");
      const r = await dbg.finish();
      assert.ok(r.value, `finish: ${JSON.stringify(r.stop.reason)}`);
      assert.equal(r.function, 'foo');
      assert.equal(BigInt.asIntN(32, r.value.rax), BigInt(/^Value returned is \$\d+ = (-?\d+)$/m.exec(out[2]!)![1]!), 'the old body finishes with the old result');
      assert.equal(BigInt.asIntN(32, r.value.rax), 50n);
      assert.equal(top(dbg).function, 'main');

      // A call of foo now runs the new body (foo2.c: x * 100 + 7).
      dbg.session.enableBreakpoint(bp.id, false);
      const foo = dbg.jit.lookup('foo')!;
      const call = await dbg.session.callFunction(foo, [4]);
      assert.ok('value' in call, 'the call returns');
      assert.equal(call.value, 407);
      assert.equal(dbg.session.reg('rip'), r.stop.pc, 'the registers of the stop are back');
      assert.equal(top(dbg).function, 'main');
      const end = await dbg.continue();
      assertStop(end, 'exited');
      assert.equal((end.reason as { status: number }).status, 0, 'main got the old result (50)');
    });

    test(
      'a breakpoint stop inside a called function (the moved breakpoint, in the new body) shows that frame and counts the hit',
      {},
      async (t) => {
        const dbg = await open(t, cfg, 'foo');
        const bp = dbg.breakAt('foo');
        assertStop(await dbg.run(['foo']), 'breakpoint');
        await dbg.reload('foo', fixture('foo2.c'));
        assert.ok((await dbg.finish()).value);
        assert.equal(top(dbg).function, 'main');
        const call = await dbg.session.callFunction(dbg.jit.lookup('foo')!, [4]);
        assert.ok('stop' in call, 'the call stops at the breakpoint, now in the new body');
        assertStop(call.stop, 'breakpoint');
        assert.equal(dbg.view.functionAt(call.stop.pc!)?.name, 'foo');
        assert.equal(path.basename(dbg.view.lineAt(call.stop.pc!)?.file ?? ''), 'foo2.c');
        const inNew = top(dbg);
        assert.equal(inNew.function, 'foo', 'frame 0 is the called function (not the cached main of the previous stop)');
        assert.equal(path.basename(inNew.file ?? ''), 'foo2.c');
        assert.equal(inNew.body, 1);
        assert.equal(inNew.active, true);
        assert.equal(bp.hits, 2, 'the hit in the call counts');
        const done = await dbg.continue();
        assertStop(done, 'call-returned');
        assert.equal((done.reason as { value?: number }).value, 407);
        assert.equal(top(dbg).function, 'main', 'back where the call was made');
      },
    );

    test(
      'a breakpoint whose condition is false does not stop a called function',
      {},
      async (t) => {
        const dbg = await open(t, cfg, 'foo');
        const atMain = dbg.breakAt('main');
        assertStop(await dbg.run(['foo']), 'breakpoint');
        dbg.session.deleteBreakpoint(atMain.id);
        let evaluated = 0;
        const cond = dbg.breakAt('foo', { condition: () => (evaluated++, false) });
        const call = await dbg.session.callFunction(dbg.jit.lookup('foo')!, [4]);
        assert.equal(evaluated, 1);
        assert.ok('value' in call, `the call returns (got ${JSON.stringify(call)})`);
        assert.equal(call.value, 50);
        assert.equal(cond.hits, 0);
      },
    );

    // 5.
    test('a NULL store stops with SIGSEGV at the faulting line; variables stay readable; continue kills only the program', async (t) => {
      const dbg = await open(t, cfg, 'segv');
      const ref = gdb(built(cfg, 'segv').exe, ['run', 'frame', 'info args', 'info locals', 'p $_siginfo._sifields._sigfault.si_addr', 'continue']);
      const ev = await dbg.run(['segv']);
      assertStop(ev, 'signal');
      const reason = ev.reason as { signal: string; signo: number; address: number };
      assert.equal(reason.signo, SIGSEGV);
      assert.match(reason.signal, /^SIGSEGV/);
      assert.equal(reason.address, 0, 'si_addr of a store to n->value with n == NULL');
      const out = await ref;
      assert.match(out[0]!, /Program received signal SIGSEGV, Segmentation fault\./);
      assert.match(out[4]!, /= \(void \*\) 0x0$/m);
      const g = parseFrames(out[1]!)[0]!;
      const f0 = top(dbg);
      assert.equal(where(f0), `${g.function}:${g.line}`);
      assert.equal(f0.line, lineOf('segv.c', 'n->value = before;'));
      assert.equal(ev.pc, f0.pc);
      assert.deepEqual(variables(dbg, 0, 'args'), gdbVariables(out[2]!));
      assert.deepEqual(variables(dbg, 0, 'locals'), gdbVariables(out[3]!));

      const end = await dbg.continue();
      assertStop(end, 'killed');
      assert.equal((end.reason as { signo: number }).signo, SIGSEGV);
      assert.match(out[5]!, /Program terminated with signal SIGSEGV/);
      assert.equal(dbg.session.state, 'exited');
      // Node survived, and the image still runs code (a second session on a new worker).
      await assert.rejects(dbg.continue(), HotlinkError);
      const again = await dbg.run(['segv']);
      assertStop(again, 'signal', 'second run');
      assert.equal(where(top(dbg)), where(f0));
    });

    // 6.
    test("an appended function's debug info is live after the generation changes", async (t) => {
      const dbg = await open(t, cfg, 'foo');
      const source = ['int extra(int a)', '{', '  volatile int b = a * 3;', '  b += 1;', '  return b;', '}', ''].join('\n');
      dbg.breakAt('main');
      assertStop(await dbg.run(['foo']), 'breakpoint');
      const pending = dbg.breakAt('extra.c:4');
      assert.deepEqual(pending.addresses, [], 'no extra.c yet: pending');
      const gen = dbg.jit.generation;
      const r = await dbg.append(source, 'extra.c');
      assert.ok(dbg.jit.generation > gen);
      assert.deepEqual(r.symbols, ['extra']);
      assert.deepEqual(r.armed, [pending.id], 'the pending breakpoint is armed');
      assert.equal(pending.addresses.length, 1);
      const bp = dbg.breakAt('extra.c:3');
      assert.equal(bp.addresses.length, 1);

      const extra = dbg.jit.lookup('extra')!;
      const fn = dbg.view.functionAt(bp.addresses[0]!);
      assert.equal(fn?.name, 'extra');
      assert.equal(dbg.view.functionAt(dbg.view.functionAddress('extra', false)!)?.name, 'extra');
      const loc = dbg.view.lineAt(bp.addresses[0]!);
      assert.equal(path.basename(loc?.file ?? ''), 'extra.c');
      assert.equal(loc?.line, 3);
      assert.deepEqual(dbg.view.addressesForLine('extra.c', 3), bp.addresses);

      const call = await dbg.session.callFunction(extra, [5]);
      assert.ok('stop' in call, 'the call stops in extra');
      assertStop(call.stop, 'breakpoint');
      assert.equal((call.stop.reason as { id: number }).id, bp.id);
      assert.equal(call.stop.pc, bp.addresses[0]);
      assert.equal(dbg.view.functionAt(call.stop.pc!)?.name, 'extra');
      assert.equal(dbg.view.lineAt(call.stop.pc!)?.line, 3);
      // (No frames() since the last Debugger stop, so none is cached: see the nested-stop todo test.)
      assert.equal(where(top(dbg)), 'extra:3');
      assert.deepEqual(variables(dbg, 0, 'args'), ['a = 5']);
      const second = await dbg.continue();
      assertStop(second, 'breakpoint');
      assert.equal((second.reason as { id: number }).id, pending.id);
      assert.equal(where(top(dbg)), 'extra:4');
      const done = await dbg.continue();
      assertStop(done, 'call-returned');
      assert.equal((done.reason as { value?: number }).value, 16);
      assert.equal(top(dbg).function, 'main');
      assert.equal(pending.hits, 1);
      assertStop(await dbg.continue(), 'exited');
    });

    // 7.
    test('variables of recursive frames print as gdb prints them (info args / info locals, frame by frame)', {}, async (t) => {
      const dbg = await open(t, cfg, 'recur');
      const retLine = lineOf('recur.c', 'return r;');
      // gdb breaks at the very address we do (where FILE:LINE goes is test 1's business): `return r;`
      // in factorial (at -O2 gcc makes factorial a loop without that line: then factorial after its prologue).
      const fact = dbg.view.functionAt(dbg.view.functionAddress('factorial')!)!;
      const inFact = dbg.view.addressesForLine('recur.c', retLine).find((a) => a >= fact.lowPc && a < fact.highPc && dbg.view.lineAt(a)?.line === retLine);
      const bp = dbg.breakAt(`*${hex(inFact ?? dbg.view.functionAddress('factorial')!)}`);
      const up = ['info args', 'info locals', 'up'];
      const out = await gdb(built(cfg, 'recur').exe, [`break ${sameAddress(dbg, bp.addresses[0]!)}`, 'run', ...up, ...up, ...up, ...up, 'info args']);

      assertStop(await dbg.run(['recur']), 'breakpoint');
      const gstop = parseBreakpointStops(out[1]!)[0];
      assert.equal(where(top(dbg)), gstop?.where);
      // factorial frames, innermost first (as deep as gdb shows them), then main's arguments.
      let level = 0;
      let gfn = gstop?.where.split(':')[0];
      for (; level < 4 && gfn !== 'main'; level++) {
        const at = 2 + level * 3;
        const f = dbg.backtrace()[level];
        assert.deepEqual(variables(dbg, level, 'args'), gdbVariables(out[at]!), `info args of frame ${level} (${where(f)})`);
        assert.deepEqual(variables(dbg, level, 'locals'), gdbVariables(out[at + 1]!), `info locals of frame ${level} (${where(f)})`);
        const g = parseFrames(out[at + 2]!)[0];
        assert.ok(g, `gdb's up from frame ${level}: ${out[at + 2]}`);
        assert.equal(where(dbg.backtrace()[level + 1]), `${g.function}:${g.line}`, `frame ${level + 1}`);
        gfn = g.function;
      }
      assert.ok(level >= 1);
      if (gfn === 'main') assert.deepEqual(variables(dbg, level, 'args'), gdbVariables(out[2 + level * 3]!), 'info args of main');
      if (O0) assert.equal(level, 4, 'four factorial frames at -O0');
    });

    test('a struct argument and struct locals print as gdb prints them (callee, then the caller after finish/next)', { todo: O0 ? undefined : BUG_PARTIAL_PIECES }, async (t) => {
      const dbg = await open(t, cfg, 'recur');
      const sumRet = lineOf('recur.c', 'return s;');
      const atSum = dbg.view.addressesForLine('recur.c', sumRet)[0]!;
      const out = await gdb(built(cfg, 'recur').exe, [`break ${sameAddress(dbg, atSum)}`, 'run', 'info args', 'info locals', 'finish', 'next', 'info locals']);
      dbg.breakAt(`*${hex(atSum)}`);
      assertStop(await dbg.run(['recur']), 'breakpoint');
      assert.equal(where(top(dbg)), parseBreakpointStops(out[1]!)[0]?.where);
      assert.deepEqual(variables(dbg, 0, 'args'), gdbVariables(out[2]!), 'sum_point args (a struct by value)');
      assert.deepEqual(variables(dbg, 0, 'locals'), gdbVariables(out[3]!), 'sum_point locals (a struct local)');
      const fin = await dbg.finish();
      assert.equal(BigInt.asIntN(32, fin.value!.rax), BigInt(/^Value returned is \$\d+ = (-?\d+)$/m.exec(out[4]!)![1]!));
      await dbg.next();
      const g = parseFrames(`#0  ${out[5]!.split('\n').find((l) => / at .+:\d+$/.test(l)) ?? ''}`)[0];
      if (g) assert.equal(where(top(dbg)), `${g.function}:${g.line}`, 'after next');
      assert.deepEqual(variables(dbg, 0, 'locals'), gdbVariables(out[6]!), "main's locals (a struct local)");
    });

    // 8.
    test('the worker survives 1,000 breakpoint hits, then the program exits with its status', async (t) => {
      const dbg = await open(t, cfg, 'loop');
      const bp = dbg.breakAt('tick');
      let ev = await dbg.run(['loop']);
      let stops = 0;
      const seen: number[] = [];
      while (ev.reason.kind === 'breakpoint') {
        stops++;
        if (stops % 250 === 1) seen.push(intArg(dbg, 'i'));
        ev = await dbg.continue();
      }
      assert.equal(stops, 1000);
      assert.equal(bp.hits, 1000);
      assert.deepEqual(seen, [0, 250, 500, 750]);
      assertStop(ev, 'exited');
      assert.equal((ev.reason as { status: number }).status, 42);
      assert.equal(dbg.session.state, 'exited');
    });

    // 9.
    test('conditions skip stops, temporary breakpoints go after one hit, disabled breakpoints do not stop', async (t) => {
      const dbg = await open(t, cfg, 'loop');
      const callLine = lineOf('loop.c', 'tick(i);');
      const ref = gdb(built(cfg, 'loop').exe, [`tbreak loop.c:${callLine}`, 'break tick if i % 250 == 0', 'run', 'continue', 'continue', 'continue', 'continue', 'continue', 'info breakpoints']);
      const tmp = dbg.breakAt(`loop.c:${callLine}`, { temporary: true });
      let evaluated = 0;
      const cond = dbg.breakAt('tick', {
        condition: () => {
          evaluated++;
          return intArg(dbg, 'i') % 250 === 0;
        },
      });
      const out = await ref;
      let ev = await dbg.run(['loop']);
      assertStop(ev, 'breakpoint', 'run');
      assert.equal((ev.reason as { id: number }).id, tmp.id);
      assert.equal(tmp.hits, 1);
      assert.equal(dbg.session.breakpoints.has(tmp.id), false, 'the temporary breakpoint is deleted');
      assert.equal(where(top(dbg)), parseBreakpointStops(out[2]!)[0]?.where, "gdb's temporary stop");
      const hitAt: number[] = [];
      for (let k = 0; k < 2; k++) {
        ev = await dbg.continue();
        assertStop(ev, 'breakpoint');
        assert.equal((ev.reason as { id: number }).id, cond.id);
        hitAt.push(intArg(dbg, 'i'));
      }
      assert.deepEqual(hitAt, [0, 250]);
      assert.equal(cond.hits, 2);
      assert.equal(evaluated, 251);

      // Disabled: another breakpoint at the same place stops at the next call; cond is not evaluated.
      dbg.session.enableBreakpoint(cond.id, false);
      const plain = dbg.breakAt('tick');
      ev = await dbg.continue();
      assert.equal((ev.reason as { id: number }).id, plain.id);
      assert.equal(intArg(dbg, 'i'), 251);
      assert.equal(evaluated, 251);
      dbg.session.deleteBreakpoint(plain.id);
      dbg.session.enableBreakpoint(cond.id, true);
      for (const i of [500, 750]) {
        ev = await dbg.continue();
        assert.equal((ev.reason as { id: number }).id, cond.id);
        assert.equal(intArg(dbg, 'i'), i);
      }
      ev = await dbg.continue();
      assertStop(ev, 'exited');
      assert.equal((ev.reason as { status: number }).status, 42);
      assert.equal(cond.hits, 4);
      assert.equal(evaluated, 251 + 748, 'evaluated once per call while enabled (not again at the call it was re-enabled at)');
      // gdb agrees on the conditional stops and counts them as hits.
      assert.deepEqual(parseBreakpointStops(out.slice(3, 7).join('\n')).map((s) => s.id), [2, 2, 2, 2]);
      assert.match(out[8]!, /breakpoint already hit 4 times/);
    });

    // 10.
    test('interrupt stops a program that loops forever; kill ends it', async (t) => {
      const dbg = await open(t, cfg, 'forever');
      const atMain = dbg.breakAt('main');
      assertStop(await dbg.run(['forever']), 'breakpoint');
      dbg.session.deleteBreakpoint(atMain.id);
      const running = dbg.continue();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(dbg.session.state, 'running');
      dbg.session.interrupt();
      const ev = await running;
      assertStop(ev, 'interrupt');
      assert.equal(dbg.session.state, 'stopped');
      const f = top(dbg);
      assert.equal(f.function, 'main');
      assert.equal(f.inImage, true);
      const spins = dbg.view.globalVariable('spins');
      assert.ok(spins);
      // It really ran: the counter moved (read through the stop).
      const addr = dbg.jit.lookup('spins')!;
      const n = new DataView(dbg.session.readMemory(addr, 8).buffer).getBigUint64(0, true);
      assert.ok(n > 1000n, `spins = ${n}`);
      await dbg.session.kill();
      assert.equal(dbg.session.state, 'exited');
    });

    // 11.
    test('breakpoint addresses outside the code or inside an instruction are rejected', async (t) => {
      const dbg = await open(t, cfg, 'recur');
      const count = (): number => dbg.session.breakpoints.size;
      const notCode = (e: unknown): boolean => e instanceof HotlinkError && /not in the image's code/.test(e.message);
      assert.throws(() => dbg.breakAt('*0x10'), notCode);
      const main = dbg.jit.lookup('main')!;
      const rx = dbg.jit.session.classes.find((c) => c && c.start <= main && main < c.cursor)!;
      assert.throws(() => dbg.breakAt(`*${hex(rx.cursor + 64)}`), notCode, 'past the end of the code');
      assert.throws(() => dbg.breakAt(`*${hex(rx.start - 1)}`), notCode, 'before the code');
      // Data of the image is not code.
      assert.throws(() => dbg.breakAt(`*${hex(dbg.jit.lookup('__hotlink_dbg')!)}`), notCode, 'a data address');
      // The first instruction longer than one byte in twice, plus one.
      const start = dbg.view.functionAddress('twice', false)!;
      const starts = dbg.insnStarts!(dbg.jit.read(start, 32));
      const i = starts.findIndex((s, k) => k + 1 < starts.length && starts[k + 1]! - s > 1);
      assert.ok(i >= 0);
      const mid = start + starts[i]! + 1;
      assert.throws(() => dbg.breakAt(`*${hex(mid)}`), (e: unknown) => e instanceof HotlinkError && /not the start of an instruction/.test(e.message));
      assert.throws(() => dbg.breakAt({ address: mid }), HotlinkError);
      assert.equal(count(), 0, 'nothing was added');
      // The instruction's own start is fine, and is where the program stops.
      const ok = dbg.breakAt(`*${hex(start + starts[i]!)}`);
      assertStop(await dbg.run(['recur']), 'breakpoint');
      assert.equal(dbg.session.reg('rip'), start + starts[i]!);
      assert.equal(ok.hits, 1);
    });
  });
}
