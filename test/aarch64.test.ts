// AArch64 executing under qemu-user: a few corpus programs are linked and run
// by hotlink inside an arm64 Node (scripts/aarch64.sh: qemu-aarch64 with the
// Debian cross libraries, CC=aarch64-linux-gnu-gcc) and must print the same
// output and exit with the same status as the program cross-built by
// aarch64-linux-gnu-gcc and run under qemu-aarch64. Each run pays the
// emulated Node's start-up (seconds), so the set is small and covers the
// relocations gcc emits at -O2 and -O0 with -fPIC: adrp/add/ldr :lo12: pairs,
// GOT loads, calls to host functions (CALL26 through stubs), jump tables
// (PREL32 in .rodata), function pointers, varargs, setjmp, argv and status,
// a call to an undefined weak function (CALL26 to 0).
//
// Skipped with the reason when qemu-aarch64, the cross compiler or the arm64
// Node (fetched by `scripts/aarch64.sh --install` into build/aarch64) is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { corpusDir, needs, repoRoot, runCommand, tmpDir } from './helpers.js';

const SCRIPT = path.join(repoRoot, 'scripts', 'aarch64.sh');
const ARM64_NODE = path.join(repoRoot, 'build', 'aarch64', 'node', 'bin', 'node');
const SYSROOT = '/usr/aarch64-linux-gnu';

/** Corpus programs (NAME.c, or the directory NAME/ of .c files) and the optimisation level each is checked at. */
const PROGRAMS: [string, string][] = [
  ['hello', '-O2'],
  ['argv_exit', '-O2'],
  ['switch_table', '-O2'],
  ['varargs', '-O2'],
  ['setjmp', '-O2'],
  ['recursion', '-O0'],
  ['weak', '-O2'],
];

function skipReason(): string | false {
  const tools = needs('qemu-aarch64', 'aarch64-linux-gnu-gcc');
  if (tools) return tools;
  if (!existsSync(path.join(SYSROOT, 'lib', 'libc.so.6'))) return `needs the arm64 cross libraries in ${SYSROOT} (libc6-arm64-cross)`;
  if (!existsSync(ARM64_NODE)) return `needs the arm64 Node in ${path.relative(repoRoot, ARM64_NODE)} (run scripts/aarch64.sh --install)`;
  return false;
}

const skip = skipReason();

for (const [name, opt] of PROGRAMS) {
  test(`aarch64 under qemu: ${name} ${opt} -fPIC matches the cross-built binary`, { skip }, (t) => {
    const dir = path.join(corpusDir, name);
    const multi = existsSync(dir) && statSync(dir).isDirectory();
    const srcs = multi ? readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => path.join(dir, f)) : [path.join(corpusDir, `${name}.c`)];
    const specPath = multi ? path.join(dir, 'spec.json') : path.join(corpusDir, `${name}.json`);
    const spec = existsSync(specPath) ? (JSON.parse(readFileSync(specPath, 'utf8')) as { args?: string[]; expectStatus?: number }) : {};
    const args = spec.args ?? [];
    const exe = path.join(tmpDir(t), name);
    const cc = runCommand('aarch64-linux-gnu-gcc', ['-g', '-fPIC', opt, ...srcs, '-o', exe]);
    assert.equal(cc.status, 0, cc.stderr);
    const native = runCommand('qemu-aarch64', ['-L', SYSROOT, exe, ...args], { timeoutMs: 120_000 });
    assert.equal(native.status, spec.expectStatus ?? 0, `the cross-built ${name} itself: ${native.stderr}`);
    const hot = runCommand(SCRIPT, ['node', 'bin/hotlink.js', 'run', opt, ...srcs, '--', ...args], { cwd: repoRoot, timeoutMs: 300_000 });
    assert.equal(hot.stdout, native.stdout);
    assert.equal(hot.stderr, native.stderr);
    assert.equal(hot.status, native.status);
  });
}

test('aarch64 under qemu: segfault.c -O2 dies like the cross-built binary, the report names the faulting function', { skip }, (t) => {
  const src = path.join(corpusDir, 'segfault.c');
  const exe = path.join(tmpDir(t), 'segfault');
  const cc = runCommand('aarch64-linux-gnu-gcc', ['-g', '-fPIC', '-O2', src, '-o', exe]);
  assert.equal(cc.status, 0, cc.stderr);
  const native = runCommand('qemu-aarch64', ['-L', SYSROOT, exe], { timeoutMs: 120_000 });
  assert.equal(native.status, 139);
  const hot = runCommand(SCRIPT, ['node', 'bin/hotlink.js', 'run', '-O2', src], { cwd: repoRoot, timeoutMs: 300_000 });
  assert.equal(hot.stdout, native.stdout);
  assert.equal(hot.status, 139);
  assert.match(hot.stderr, /^hotlink: program terminated by SIGSEGV \(Segmentation fault\): invalid memory access at address 0x0\n  #0 0x[0-9a-f]+ in crash\.constprop\.0\+0x[0-9a-f]+ /);
});
