// REPL commands against gdb 13 on the natively built program:
//   1. `disassemble` (the current function, FUNC, /r, /s) and `x/Ni` with the
//      `=>` marker;
//   2. `return [EXPR]` (integer, pointer and floating-point values) and
//      `jump LOC`, and what the program then does;
//   3. `info source` and `info sharedlibrary` (the libraries' .text ranges
//      compared within their page: the load addresses differ).
// A fixture is compiled once per configuration
// (gcc and clang-19, -O0 and -O2) with the flags `hotlink dbg` uses; the
// same object is linked natively for gdb and given to `hotlink dbg`, so both
// look at the same function bytes. The image sits elsewhere than the
// native executable, so what depends on placement is normalized on both
// sides before comparing: instruction addresses, branch targets (their
// `<symbol+offset>` is kept), RIP-relative displacements and their
// `# 0x...` comments, and the raw bytes of instructions that hold such a
// displacement. Everything else — mnemonics, operands, immediates, offsets,
// symbols, markers, the byte columns of the rest — must be gdb's.
//
// gdb reads `return`/`jump` sessions from a pipe (so it prints the
// question it answers itself, and the frame, as hotlink does).
//
// The instruction printer is also checked on its own over all of libc's
// code against objdump (the libopcodes gdb prints with).

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decode, loadDisassembler } from '../src/dbg/disasm.js';
import { compileNativeAsync, compileObjectAsync, gdbBatch, gdbPiped, haveCommand, needs, repoRoot, runHotlinkAsync, tmpDir } from './helpers.js';

const FIXTURES = path.join(repoRoot, 'test', 'dbg-fixtures');

interface Config {
  cc: string;
  opt: '-O0' | '-O2';
  label: string;
}
const CONFIGS: Config[] = (['gcc', 'clang-19'] as const).flatMap((cc) => (['-O0', '-O2'] as const).map((opt) => ({ cc, opt, label: `${cc} ${opt}` })));

/** The flags `hotlink dbg` compiles with (Jit defaults, the debugger's -O0, then the configuration's -O). */
function objectFlags(cfg: Config): string[] {
  return ['-g', '-fPIC', ...(cfg.cc === 'gcc' ? ['-flive-patching=inline-only-static'] : []), '-O0', cfg.opt];
}

/** Places that depend on where the code sits, normalized (see the header). */
function normalize(line: string): string {
  let l = line
    .replace(/^(=> | {3})0x[0-9a-f]+( <[^>]*>)?:/, '$1ADDR$2:')
    .replace(/\b0x[0-9a-f]+( <[^>]*>)$/, 'TARGET$1')
    .replace(/-?0x[0-9a-f]+\(%rip\)/g, 'DISP(%rip)')
    .replace(/# 0x[0-9a-f]+( <[^>]*>)?$/, '# ADDR$1')
    .replace(/^\S*\/(\w+\.c):$/, '$1:');
  // The byte column of an instruction with a displacement or branch target that depends on placement.
  if (/\(%rip\)|TARGET/.test(l) && !/\bj\w+ +TARGET <[^>+]+\+\d+>$/.test(l)) l = l.replace(/:\t([0-9a-f]{2} )*[0-9a-f]{2} *\t/, ':\tBYTES\t');
  return l;
}

/** `(hotlink) CMD` blocks of a scripted session: the output lines of each command, in order. */
function blocks(out: string, commands: string[]): string[][] {
  const lines = out.split('\n');
  const res: string[][] = [];
  let at = 0;
  for (const c of commands) {
    const i = lines.indexOf(`(hotlink) ${c}`, at);
    if (i < 0) {
      res.push([`<no "(hotlink) ${c}" in the transcript>`]);
      continue;
    }
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith('(hotlink) ')) j++;
    let k = j;
    while (k > i + 1 && lines[k - 1] === '') k--; // the end of the transcript
    res.push(lines.slice(i + 1, k));
    at = j;
  }
  return res;
}

const gdbLines = (text: string): string[] => text.replace(/^\n+/, '').replace(/\n+$/, '').split('\n');

const skip = needs('gdb');
const builds = new Map<string, { obj: string; exe: string }>();

before(async () => {
  if (skip) return;
  const dir = tmpDir(undefined, 'hotlink-disasm-');
  for (const cfg of CONFIGS.filter((c) => haveCommand(c.cc))) {
    for (const prog of ['recur', 'retval']) {
      const base = path.join(dir, `${prog}-${cfg.cc}${cfg.opt}`);
      const obj = await compileObjectAsync({ cc: cfg.cc, file: path.join(FIXTURES, `${prog}.c`), flags: objectFlags(cfg), out: `${base}.o` });
      builds.set(`${cfg.label}/${prog}`, { obj, exe: await compileNativeAsync({ cc: cfg.cc, files: [obj], out: base }) });
    }
  }
});

describe('disassemble and x/i print what gdb prints', { skip }, () => {
  for (const cfg of CONFIGS) {
    test(cfg.label, { skip: needs(cfg.cc) }, async () => {
      const { obj, exe } = builds.get(`${cfg.label}/recur`)!;
      // Stopped in twice (called from main), then main's frame: the marker on the return address.
      const commands = ['break twice', 'run', 'disassemble', 'x/4i $pc', 'x/2i', 'disassemble /r factorial', 'x/2i 0', 'disassemble 0,4', 'up', 'disassemble', 'disassemble fib'];
      if (cfg.opt === '-O0') commands.push('disassemble /s factorial');
      const compared = commands.map((c, i) => i).filter((i) => commands[i]!.startsWith('disassemble') || commands[i]!.startsWith('x/'));
      const [theirs, ours] = await Promise.all([
        gdbBatch(exe, commands),
        runHotlinkAsync(['dbg', obj], { input: [...commands, 'kill'].map((c) => c + '\n').join(''), env: { LC_ALL: 'C' }, mergeStderr: true, cwd: path.dirname(obj) }),
      ]);
      assert.equal(ours.status, 0, ours.stdout);
      const mine = blocks(ours.stdout, commands);
      for (const i of compared) {
        const want = gdbLines(theirs[i]!).map(normalize);
        const got = mine[i]!.map(normalize);
        assert.ok(want.length > 1 || commands[i] === 'x/2i 0', `gdb printed no disassembly for '${commands[i]}': ${theirs[i]}`);
        assert.deepEqual(got, want, `'${commands[i]}' (${cfg.label})\n--- hotlink ---\n${mine[i]!.join('\n')}\n--- gdb ---\n${theirs[i]}`);
      }
    });
  }
});

/** A stop or frame line with what differs between the two processes normalized: addresses, pointers, paths, pids. */
function normalizeStop(line: string): string {
  return line
    .replace(/0x[0-9a-f]+/g, 'ADDR')
    .replace(/ at \S*\/(\w+\.c):/g, ' at $1:')
    .replace(/process \d+/, 'process PID');
}

describe('return and jump do what gdb does', { skip }, () => {
  for (const cfg of CONFIGS) {
    test(cfg.label, { skip: needs(cfg.cc) }, async () => {
      const { obj, exe } = builds.get(`${cfg.label}/recur`)!;
      // Out of twice with another value; on to the next line; back over a line to a breakpoint; the program ends with that value.
      const commands = ['break twice', 'run', 'return 100', 'next', 'print t', 'break 45', 'jump 300', 'jump 44', 'continue'];
      const [theirs, ours] = await Promise.all([
        gdbPiped(exe, commands),
        runHotlinkAsync(['dbg', obj], { input: commands.map((c) => c + '\n').join(''), env: { LC_ALL: 'C' }, mergeStderr: true, cwd: path.dirname(obj) }),
      ]);
      assert.equal(ours.status, 0, ours.stdout);
      const mine = blocks(ours.stdout, commands);
      for (const i of [2, 3, 4, 6, 7, 8]) {
        // gdb's libthread_db lines are not the program's.
        const want = gdbLines(theirs[i]!).filter((l) => !/thread_db|^\[Thread debugging/.test(l)).map(normalizeStop);
        const got = mine[i]!.map(normalizeStop);
        assert.deepEqual(got, want, `'${commands[i]}' (${cfg.label})\n--- hotlink ---\n${ours.stdout}\n--- gdb ---\n${theirs.join('(gdb) ')}`);
      }
    });
  }
});

describe('return EXPR puts the value where the ABI returns it (RAX, XMM0), converted to the return type', { skip }, () => {
  for (const cfg of CONFIGS) {
    test(cfg.label, { skip: needs(cfg.cc) }, async () => {
      const { obj, exe } = builds.get(`${cfg.label}/retval`)!;
      const commands = ['break scale', 'break half', 'break big', 'break narrow', 'run', 'return 7.25', 'continue', 'return -1.5', 'continue', 'return -5', 'continue', 'return 70000', 'continue'];
      const [theirs, ours] = await Promise.all([
        gdbPiped(exe, commands),
        runHotlinkAsync(['dbg', obj], { input: commands.map((c) => c + '\n').join(''), env: { LC_ALL: 'C' }, mergeStderr: true, cwd: path.dirname(obj) }),
      ]);
      assert.equal(ours.status, 0, ours.stdout);
      const mine = blocks(ours.stdout, commands);
      for (let i = 5; i < commands.length; i++) {
        // gdb's `x=x@entry=41` (DW_OP_entry_value) is an engine gap of its own: compared as `x=41`.
        const want = gdbLines(theirs[i]!).map((l) => l.replace(/\b(\w+)=\1@entry=/g, '$1=')).filter((l) => !/thread_db|^\[Thread debugging/.test(l)).map(normalizeStop);
        assert.deepEqual(mine[i]!.map(normalizeStop), want, `'${commands[i]}' (${cfg.label})\n--- hotlink ---\n${ours.stdout}\n--- gdb ---\n${theirs.join('(gdb) ')}`);
      }
      assert.match(ours.stdout, /^7\.25 -1\.5 -5 4464 ok$/m);
    });
  }
});

describe('info source and info sharedlibrary print what gdb prints', { skip }, () => {
  for (const cfg of CONFIGS) {
    test(cfg.label, { skip: needs(cfg.cc) }, async () => {
      const { obj, exe } = builds.get(`${cfg.label}/recur`)!;
      const commands = ['break twice', 'run', 'info source', 'info sharedlibrary'];
      const [theirs, ours] = await Promise.all([
        gdbBatch(exe, commands),
        runHotlinkAsync(['dbg', obj], { input: [...commands, 'kill'].map((c) => c + '\n').join(''), env: { LC_ALL: 'C' }, mergeStderr: true, cwd: path.dirname(obj) }),
      ]);
      assert.equal(ours.status, 0, ours.stdout);
      const mine = blocks(ours.stdout, commands);
      const inPage = (l: string): string => l.replace(/0x[0-9a-f]{13}([0-9a-f]{3})\b/g, '0x.............$1');
      for (const i of [2, 3]) {
        const want = gdbLines(theirs[i]!).map(inPage);
        assert.ok(want.length > 2, `gdb printed: ${theirs[i]}`);
        assert.deepEqual(mine[i]!.map(inPage), want, `'${commands[i]}' (${cfg.label})`);
      }
    });
  }
});

test('every instruction of libc prints as objdump prints it', { skip: needs('objdump') }, async () => {
  await loadDisassembler();
  const lib = '/lib/x86_64-linux-gnu/libc.so.6';
  const headers = execFileSync('objdump', ['-h', lib], { encoding: 'utf8' });
  const m = /\s\.text\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(headers);
  assert.ok(m, `no .text in ${lib}`);
  const [size, vma, off] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
  const text = readFileSync(lib).subarray(off, off + size);
  const dump = execFileSync('objdump', ['-d', '--no-show-raw-insn', '-j', '.text', lib], { encoding: 'utf8', maxBuffer: 1 << 30 });
  let count = 0;
  const differ: string[] = [];
  for (const line of dump.split('\n')) {
    const lm = /^\s+([0-9a-f]+):\t(.*)$/.exec(line);
    if (!lm) continue;
    const address = parseInt(lm[1]!, 16);
    // objdump's `# 1234 <sym>` comments and `<sym>` after targets are the symbolizer's business; its targets lack gdb's 0x.
    const want = lm[2]!.trimEnd().replace(/\s+# [0-9a-f]+.*$/, '').replace(/ <[^>]*>$/, '').replace(/^(\S+(?: \S+)?\s+)([0-9a-f]+)$/, (all, a: string, t: string) => (/^(call|j\w+|loop\w*|xbegin)\s/.test(a) ? `${a}0x${t}` : all));
    const [insn] = decode(text.subarray(address - vma, address - vma + 15), address, 1);
    count++;
    if (insn?.text !== want && differ.length < 20) differ.push(`${address.toString(16)}: objdump '${want}', hotlink '${insn?.text}'`);
  }
  assert.ok(count > 100_000, `objdump listed ${count} instructions`);
  assert.deepEqual(differ, []);
});
