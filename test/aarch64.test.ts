// AArch64 executing under qemu-user: a few corpus programs are linked and run
// by hotlink inside an arm64 Node (scripts/aarch64.sh: qemu-aarch64 with the
// Debian cross libraries, CC=aarch64-linux-gnu-gcc) and must print the same
// output and exit with the same status as the program cross-built by
// aarch64-linux-gnu-gcc and run under qemu-aarch64. Each run pays the
// emulated Node's start-up (seconds), so the set is small and covers the
// relocations gcc emits at -O2 and -O0 with -fPIC: adrp/add/ldr :lo12: pairs,
// GOT loads, calls to host functions (CALL26 through stubs), jump tables
// (PREL32 in .rodata), function pointers, varargs, setjmp, argv and status,
// a call to an undefined weak function (CALL26 to 0); a crash; and an
// append + reload script, whose output must be the one it prints on x86-64.
//
// Skipped with the reason when qemu-aarch64, the cross compiler or the arm64
// Node (fetched by `scripts/aarch64.sh --install` into build/aarch64) is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

test('aarch64 under qemu: append and reloadFile through the API print what they print on this host', { skip }, (t) => {
  // The same script runs in this Node (x86-64) and in the emulated arm64 one.
  const dir = tmpDir(t);
  const c = path.join(dir, 't.c');
  const script = path.join(dir, 'reload.mjs');
  writeFileSync(script, `import { writeFileSync } from 'node:fs';
import { Jit } from ${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'index.js'))};
const c = ${JSON.stringify(c)};
writeFileSync(c, 'int twice(int x) { return 2 * x; }\\nint use(int x) { return twice(x) + 1; }\\n');
const jit = new Jit({ cflags: ['-O2'], indirection: 'exported-funcs' });
jit.addFile(c);
await jit.link();
await jit.append([{ source: 'int twice(int); int quad(int x) { return twice(twice(x)); }' }]);
console.log('append: quad(5) =', jit.call('quad', 'int (int)', 5));
writeFileSync(c, 'int twice(int x) { return 3 * x; }\\nint use(int x) { return twice(x) + 1; }\\n');
const r = await jit.reloadFile(c);
console.log('reload: swapped', r.swapped.map((s) => s.name).join(','), 'use(5) =', jit.call('use', 'int (int)', 5), 'quad(5) =', jit.call('quad', 'int (int)', 5));
`);
  const here = runCommand(process.execPath, [script], { env: { CC: 'cc' } });
  assert.equal(here.status, 0, here.stderr);
  assert.equal(here.stdout, 'append: quad(5) = 20\nreload: swapped twice use(5) = 16 quad(5) = 45\n');
  const hot = runCommand(SCRIPT, ['node', script], { cwd: repoRoot, timeoutMs: 300_000 });
  assert.equal(hot.stderr, '');
  assert.equal(hot.stdout, here.stdout);
  assert.equal(hot.status, 0);
});
