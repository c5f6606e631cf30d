// GDB's JIT interface (src/gdbjit.ts): gdb running or attached to hotlink
// names JIT functions with file:line, backtraces through them, sets
// breakpoints in them before the image exists, and keeps resolving every
// body after appends and reloads. The reference is gdb's own output on the
// gcc-built program. Skipped with the reason when gdb is missing or cannot
// trace a process here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Jit } from '../src/index.js';
import { compileNative, haveCommand, hotlinkBin, needs, repoRoot, runCommand, tmpDir } from './helpers.js';

const PROGRAMS = join(repoRoot, 'test', 'programs');
const CRASH = join(PROGRAMS, 'gdbjit_crash.c');
/** hotlink's runtime signals Node's threads with realtime signals at start-up (ARCHITECTURE: the process the program finds). */
const QUIET = ['-ex', 'handle SIG63 SIG64 nostop noprint pass', '-ex', 'set pagination off', '-ex', 'set confirm off'];

function gdbUsable(): string | undefined {
  if (!haveCommand('gdb')) return 'gdb is not installed (Debian: apt-get install gdb)';
  const r = spawnSync('gdb', ['-batch', '-ex', 'run', '--args', '/bin/true'], { encoding: 'utf8', timeout: 30_000 });
  if (!/exited normally/.test(r.stdout)) return `gdb cannot run a program here (ptrace not allowed?): ${(r.stderr || r.stdout).trim().split('\n').pop()}`;
  return undefined;
}
const skip = gdbUsable();

/** gdb -batch over `node hotlink.js ARGS...`. */
function gdbHotlink(commands: string[], args: string[], env: Record<string, string> = {}): string {
  const ex = commands.flatMap((c) => ['-ex', c]);
  const r = runCommand('gdb', ['-batch', '-nx', ...QUIET, ...ex, '--args', process.execPath, hotlinkBin, ...args], { env, timeoutMs: 120_000 });
  assert.ok(!r.timedOut, 'gdb timed out');
  return r.stdout + r.stderr;
}

/** The frames of a gdb backtrace as `NAME FILE:LINE` (basename), up to main. */
function frames(out: string): string[] {
  const got: string[] = [];
  for (const m of out.matchAll(/^#\d+\s+(?:0x[0-9a-f]+ in )?(\S+) \(.*\) at (\S+):(\d+)$/gm)) {
    got.push(`${m[1]} ${m[2]!.split('/').pop()}:${m[3]}`);
    if (m[1] === 'main') break;
  }
  return got;
}

test('gdb runs hotlink run: the crash stops in JIT code and bt names every JIT frame with file:line, as for the gcc-built program', { skip }, (t) => {
  const dir = tmpDir(t);
  const exe = compileNative({ cc: 'gcc', files: [CRASH], out: join(dir, 'crash'), flags: ['-g', '-O0'] });
  const native = runCommand('gdb', ['-batch', '-nx', '-ex', 'run', '-ex', 'bt', exe], { timeoutMs: 60_000 }).stdout;
  const want = frames(native);
  assert.deepEqual(want.map((f) => f.split(' ')[0]), ['gdbjit_leaf', 'gdbjit_leaf', 'gdbjit_leaf', 'gdbjit_outer', 'main'], native);
  // No --gdb: running under a debugger turns the interface on by itself.
  const out = gdbHotlink(['run', 'bt'], ['run', CRASH]);
  assert.match(out, /received signal SIGSEGV/, out);
  assert.match(out, /^0x[0-9a-f]+ in gdbjit_leaf \(p=0x0, n=0\) at \S*gdbjit_crash\.c:5$/m, out);
  assert.deepEqual(frames(out), want, out);
});

test('gdb: `break` on a JIT function and on FILE:LINE, pending before the image exists, stops there', { skip }, () => {
  const out = gdbHotlink(['set breakpoint pending on', 'break gdbjit_outer', 'break gdbjit_crash.c:5', 'run', 'bt', 'continue', 'info symbol $pc'], ['run', '--gdb', CRASH]);
  assert.match(out, /Breakpoint 1 \(gdbjit_outer\) pending\./, out);
  assert.match(out, /Breakpoint 1, gdbjit_outer \(p=0x0\) at \S*gdbjit_crash\.c:10\n10\t/, out);
  assert.match(out, /^#1\s+0x[0-9a-f]+ in main \(argc=1, argv=0x[0-9a-f]+\) at \S*gdbjit_crash\.c:17$/m, out);
  assert.match(out, /Breakpoint 2, gdbjit_leaf \(p=0x0, n=2\) at \S*gdbjit_crash\.c:5/, out);
  // The minimal symbols name the code too (gdb's `info symbol`).
  assert.match(out, /^gdbjit_leaf \+ \d+ in section \.text of <in-memory@0x[0-9a-f]+>$/m, out);
});

test('gdb -p attached to a running hotlink run --gdb: bt shows the JIT function the program waits in', { skip }, async (t) => {
  const child = spawn(process.execPath, [hotlinkBin, 'run', '--gdb', join(PROGRAMS, 'gdbjit_wait.c')], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const pid = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (b: Buffer) => {
      text += b.toString();
      const m = /ready (\d+)/.exec(text);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`hotlink exited (${code}) before the program was ready: ${text}`)));
  });
  const r = runCommand('gdb', ['-batch', '-nx', ...QUIET, '-p', pid, '-ex', 'thread 1', '-ex', 'bt', '-ex', 'info line gdbjit_waiting', '-ex', 'detach'], { timeoutMs: 120_000 });
  const out = r.stdout + r.stderr;
  assert.match(out, /^#\d+\s+0x[0-9a-f]+ in gdbjit_waiting \(rounds=1000000\) at \S*gdbjit_wait\.c:6$/m, out);
  assert.match(out, /^#\d+\s+0x[0-9a-f]+ in main \(\) at \S*gdbjit_wait\.c:12$/m, out);
  assert.match(out, /Line 5 of "\S*gdbjit_wait\.c" starts at address 0x[0-9a-f]+ <gdbjit_waiting>/, out);
});

test('gdb after 100 appends and 100 reloads: one symbol file per publish, every body and function still resolves to its file:line', { skip }, (t) => {
  const dir = tmpDir(t);
  const script = join(dir, 'many.mjs');
  const cmds = join(dir, 'check.gdb');
  // The program: link, 100 appends, 100 reloads of one function, then a trap in JIT code; it writes gdb's commands first.
  writeFileSync(script, `
import { writeFileSync } from 'node:fs';
import { Jit } from ${JSON.stringify(join(repoRoot, 'dist', 'src', 'index.js'))};
const dir = ${JSON.stringify(dir)};
const jit = new Jit({ gdb: true, indirection: 'exported-funcs', cflags: ['-O0', '-g'] });
jit.addSource('int gj_base(int x)\\n{\\n  return x + 1;\\n}\\n', dir + '/base.c');
await jit.link();
const cmds = [];
const bodies = [];
for (let i = 0; i < 100; i++) {
  const r = await jit.append([{ source: '\\n'.repeat(i % 7) + 'int gj_app' + i + '(int x)\\n{\\n  return x * ' + i + ';\\n}\\n', name: dir + '/app' + i + '.c' }]);
  cmds.push('info line gj_app' + i);
}
for (let i = 0; i < 100; i++) {
  const r = await jit.reloadFunction('gj_base', { source: '\\n'.repeat(i % 5) + 'int gj_base(int x)\\n{\\n  return x + ' + (i + 2) + ';\\n}\\n', name: dir + '/base.c' });
  cmds.push('info line *' + r.new.address);
  bodies.push(r.new.address);
}
writeFileSync(dir + '/bodies.json', JSON.stringify(bodies));
cmds.push('maint info jit');
writeFileSync(${JSON.stringify(cmds)}, cmds.join('\\n') + '\\n');
await jit.append([{ source: 'void gj_stop(void)\\n{\\n  __builtin_trap();\\n}\\n', name: dir + '/stop.c' }]);
jit.call('gj_stop', 'void(void)');
`);
  const r = runCommand('gdb', ['-batch', '-nx', ...QUIET, '-ex', 'run', '-ex', 'bt 1', '-ex', `source ${cmds}`, '--args', process.execPath, script], { timeoutMs: 300_000 });
  const out = r.stdout + r.stderr;
  assert.match(out, /received signal SIGILL/, out.slice(-3000));
  assert.match(out, /^#0\s+(0x[0-9a-f]+ in )?gj_stop \(\) at \S*stop\.c:3$/m, out.slice(-3000));
  for (let i = 0; i < 100; i++) {
    // `info line FUNC`: the row of the function's first line ('{' after the blank lines and the declarator).
    assert.match(out, new RegExp(`^Line ${2 + (i % 7)} of "\\S*/app${i}\\.c" starts at address 0x[0-9a-f]+ <gj_app${i}> `, 'm'), `gj_app${i}`);
  }
  assert.doesNotMatch(out, /No line number information/, 'a name resolved to code without lines (an entry?)');
  const bodies = JSON.parse(readFileSync(join(dir, 'bodies.json'), 'utf8')) as number[];
  assert.equal(new Set(bodies).size, 100);
  for (let i = 0; i < 100; i++) {
    // Each body starts at the '{' line of its own version of base.c, named `gj_base` as DWARF names it.
    assert.match(out, new RegExp(`^Line ${2 + (i % 5)} of "\\S*/base\\.c" starts at address 0x${bodies[i]!.toString(16)} <gj_base> `, 'm'), `gj_base body ${i + 1}`);
  }
  // Link + 100 appends + 100 reloads + the last append: 202 symbol files.
  const entries = out.slice(out.indexOf('jit_code_entry address')).split('\n').filter((l) => /^0x[0-9a-f]+\s+0x[0-9a-f]+\s+\d+/.test(l));
  assert.equal(entries.length, 202, out.slice(-2000));
});

test('without --gdb, HOTLINK_GDB_JIT or a debugger, nothing is registered; the symbol file of a batch is a valid ELF', async (t) => {
  delete process.env.HOTLINK_GDB_JIT;
  const plain = new Jit();
  t.after(() => plain.free());
  assert.equal(plain.gdbJit, undefined);
  const jit = new Jit({ gdb: true });
  t.after(() => jit.free());
  jit.addSource('int gj_f(int x) { return x + 1; }\nint gj_data = 5;\n', 'f.c');
  await jit.link();
  assert.equal(jit.gdbJit!.batches, 1);
  const dir = tmpDir(t);
  // readelf reads the symbol file the way gdb's BFD does: sections at image addresses, the batch's symbols.
  const { GdbJit } = await import('../src/gdbjit.js');
  const again = new GdbJit().symbolFile(jit.session, jit['linked']!);
  writeFileSync(join(dir, 'sym.elf'), again);
  if (!haveCommand('readelf')) return t.skip('readelf not found');
  const sections = runCommand('readelf', ['-SW', join(dir, 'sym.elf')]).stdout;
  const text = /\.text\s+NOBITS\s+([0-9a-f]+)/.exec(sections);
  assert.ok(text, sections);
  assert.match(sections, /\.debug_info\s+PROGBITS/);
  assert.match(sections, /\.eh_frame\s+PROGBITS/);
  const syms = runCommand('readelf', ['-sW', join(dir, 'sym.elf')]).stdout;
  const f = new RegExp(`^\\s*\\d+: 0*${jit.lookup('gj_f')!.toString(16)}\\s+\\d+ FUNC\\s+GLOBAL\\s+DEFAULT\\s+\\d+ gj_f$`, 'm');
  assert.match(syms, f, syms);
  assert.match(syms, new RegExp(`^\\s*\\d+: 0*${jit.lookup('gj_data')!.toString(16)}\\s+4 OBJECT\\s+GLOBAL\\s+DEFAULT\\s+\\d+ gj_data$`, 'm'), syms);
  if (haveCommand('llvm-dwarfdump-19')) {
    const d = runCommand('llvm-dwarfdump-19', ['--debug-info', join(dir, 'sym.elf')]).stdout;
    assert.match(d, new RegExp(`DW_AT_low_pc\\s+\\(0x0*${jit.lookup('gj_f')!.toString(16)}\\)`), d);
  }
});

test('lldb reads the same registrations: a breakpoint in JIT code and bt with file:line', { skip: skip ?? needs('lldb-19') }, () => {
  const r = runCommand('lldb-19', ['-b', '-o', 'settings set plugin.jit-loader.gdb.enable on', '-o', 'process handle SIGRTMAX SIGRTMAX-1 -s false -n false -p true', '-o', 'breakpoint set -n gdbjit_leaf', '-o', 'run', '-o', 'bt', '-o', 'kill', '--', process.execPath, hotlinkBin, 'run', '--gdb', CRASH], { timeoutMs: 180_000 });
  const out = r.stdout + r.stderr;
  assert.match(out, /stop reason = breakpoint 1\.1/, out);
  assert.match(out, /frame #0: 0x[0-9a-f]+ JIT\(0x[0-9a-f]+\)`gdbjit_leaf\(p=0x0+, n=2\) at gdbjit_crash\.c:5:\d+/, out);
  assert.match(out, /frame #1: 0x[0-9a-f]+ JIT\(0x[0-9a-f]+\)`gdbjit_outer\(p=0x0+\) at gdbjit_crash\.c:10:\d+/, out);
  assert.match(out, /frame #2: 0x[0-9a-f]+ JIT\(0x[0-9a-f]+\)`main\(argc=1, argv=0x[0-9a-f]+\) at gdbjit_crash\.c:17:\d+/, out);
});
