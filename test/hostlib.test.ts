// Host libraries given with -l are real, separate libraries: their own
// internal references resolve inside themselves and their dependencies,
// never to the copies of zlib, OpenSSL, brotli and libuv that Node's
// executable exports (RTLD_DEEPBIND, host.ts). And Debian-default PIE
// objects reach libc data Node has no copy of (optind, optarg, ...)
// through copy relocations in the image (copyreloc.ts), as a native
// executable does. Every program is compared with its gcc-built binary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compileNative, compileObject, haveCommand, repoRoot, runCommand, runHotlink, runNative, tmpDir } from './helpers.js';
import { Jit } from '../src/index.js';
import { dladdr, dlopen, dlsym, readWord, RTLD_DEFAULT } from '../src/memory/native.js';
import { hostGotCells } from '../src/link/copyreloc.js';

const programs = path.join(repoRoot, 'test', 'programs');

interface LibCase {
  name: string;
  file: string;
  libs: string[];
  /** Headers the program includes (the -dev package). */
  header: string;
  /** A symbol of the library that Node's executable exports too. */
  nodeExports: string;
  /** Files whose bindings must stay out of node. */
  sonames: RegExp;
}

const LIBS: LibCase[] = [
  { name: 'zlib', file: 'hostlib_zlib.c', libs: ['-lz'], header: '/usr/include/zlib.h', nodeExports: 'deflateReset', sonames: /libz\.so/ },
  { name: 'openssl', file: 'hostlib_ssl.c', libs: ['-lssl', '-lcrypto'], header: '/usr/include/openssl/ssl.h', nodeExports: 'SSL_CTX_new', sonames: /lib(ssl|crypto)\.so/ },
  { name: 'brotli', file: 'hostlib_brotli.c', libs: ['-lbrotlienc', '-lbrotlidec'], header: '/usr/include/brotli/encode.h', nodeExports: 'BrotliEncoderCompress', sonames: /libbrotli(enc|dec|common)\.so/ },
  { name: 'libuv', file: 'hostlib_uv.c', libs: ['-luv'], header: '/usr/include/uv.h', nodeExports: 'uv_run', sonames: /libuv\.so/ },
];

for (const c of LIBS) {
  test(`${c.libs.join(' ')}: ${c.name} round trip equals the native binary, and the library binds nothing into node`, (t) => {
    if (!haveCommand('gcc')) return t.skip('gcc missing');
    if (!existsSync(c.header)) return t.skip(`${c.header} missing (install the -dev package listed in .ci/run)`);
    // The test means something only while node exports the same library.
    const inNode = dlsym(RTLD_DEFAULT, c.nodeExports);
    assert.ok(inNode, `node exports ${c.nodeExports}`);
    assert.match(dladdr(inNode)?.file ?? '', /node/);
    const dir = tmpDir(t);
    const src = path.join(programs, c.file);
    const exe = compileNative({ cc: 'gcc', files: [src], libs: c.libs, out: `${dir}/native` });
    const obj = compileObject({ cc: 'gcc', file: src, out: `${dir}/prog.o` });
    const want = runNative(exe, []);
    assert.equal(want.status, 0, want.stderr);
    // LD_DEBUG=bindings of the hotlink process: every symbol binding the loader makes, per object.
    const got = runHotlink(['run', obj, ...c.libs], { env: { LD_DEBUG: 'bindings', LD_DEBUG_OUTPUT: `${dir}/ld` } });
    assert.deepEqual([got.stdout, got.stderr, got.status], [want.stdout, want.stderr, want.status]);
    const log = readdirSync(dir).filter((f) => f.startsWith('ld.')).map((f) => readFileSync(path.join(dir, f), 'latin1')).join('');
    const lines = log.split('\n').filter((l) => /binding file /.test(l));
    const own = lines.filter((l) => c.sonames.test(l.slice(l.indexOf('binding file ') + 13).split(' ')[0]!));
    assert.ok(own.length > 0, `the loader log shows ${c.name}'s own bindings`);
    const intoNode = own.filter((l) => / to [^ ]*node \[/.test(l));
    assert.deepEqual(intoNode.slice(0, 5), [], `${c.name} bound ${intoNode.length} references into node`);
  });
}

test('a DEEPBIND library sees the environment the program set (environ is Node\'s copy, not libc\'s unused one)', (t) => {
  if (!haveCommand('gcc')) return t.skip('gcc missing');
  if (!existsSync('/usr/include/uv.h')) return t.skip('/usr/include/uv.h missing (libuv1-dev)');
  const dir = tmpDir(t);
  const src = path.join(programs, 'hostlib_env.c');
  const exe = compileNative({ cc: 'gcc', files: [src], libs: ['-luv', '-lz'], out: `${dir}/native` });
  const want = runNative(exe, []);
  assert.equal(want.status, 0, want.stderr);
  const got = runHotlink(['run', src, '-luv', '-lz']);
  assert.deepEqual([got.stdout, got.stderr, got.status], [want.stdout, want.stderr, want.status]);
});

const GETOPT_ARGV = [['-v', '-o', 'file', '-n', '42', 'a', 'b'], ['-x', '-v', '--', '-n', 'c'], ['-vvv'], [], ['-o']];

for (const flags of [[], ['-fPIE'], ['-fno-pic'], ['-O2']]) {
  test(`getopt with optind/optarg/opterr/optopt/program_invocation_short_name, stdout, environ, tzname (gcc -c ${flags.join(' ') || '(Debian default: PIE)'})`, (t) => {
    if (!haveCommand('gcc')) return t.skip('gcc missing');
    const dir = tmpDir(t);
    const src = path.join(programs, 'hostlib_getopt.c');
    const obj = compileObject({ cc: 'gcc', file: src, flags, out: `${dir}/getopt.o` });
    const exe = compileNative({ cc: 'gcc', files: [obj], flags: flags[0] === '-fno-pic' ? ['-no-pie'] : [], out: `${dir}/getopt` });
    const relocs = runCommand('readelf', ['-rW', obj]).stdout;
    if (flags[0] !== '-fno-pic') assert.match(relocs, /R_X86_64_PC32\s+\S+\s+optind/, 'optind is reached PC-relatively');
    for (const argv of GETOPT_ARGV) {
      const env = { TZ: 'EST5EDT', HOSTLIB_X: '1' };
      const want = runNative(exe, argv, { env });
      const got = runHotlink(['run', obj, '--', ...argv], { env });
      assert.deepEqual([got.stdout, got.stderr, got.status], [want.stdout, want.stderr, want.status], `argv ${JSON.stringify(argv)}`);
    }
  });
}

/** An object compiled from `source` with `flags`. */
function objectOf(dir: string, name: string, source: string, flags: string[]): { bytes: Uint8Array; name: string } {
  const file = path.join(dir, `${name}.c`);
  runCommand('sh', ['-c', `cat > ${file}`], { input: source });
  return { bytes: readFileSync(compileObject({ cc: 'gcc', file, flags, out: path.join(dir, `${name}.o`) })), name: `${name}.o` };
}

const libc = dlopen('libc.so.6').handle;

test('append: a PIE batch copies optind; libc\'s getopt, a -fPIC batch (GOT) and later batches all use the one copy; free restores libc', async (t) => {
  if (!haveCommand('gcc')) return t.skip('gcc missing');
  const dir = tmpDir(t);
  const original = dlsym(libc, 'optind');
  const cells = hostGotCells('optind', 'libc.so');
  assert.ok(cells.length >= 1, 'libc reaches optind through its GOT');
  assert.ok(cells.every((c) => readWord(c) === BigInt(original)));
  const jit = new Jit({ runtime: false });
  jit.addObject(objectOf(dir, 'got', 'extern int optind; int *got_optind(void) { return &optind; } int got_read(void) { return optind; }', ['-fPIC']).bytes, 'got.o');
  await jit.link();
  let freed = false;
  t.after(() => freed || jit.free());
  const gotAddr = Number(jit.call('got_optind', 'uintptr_t (void)'));
  assert.equal(gotAddr, original, 'a GOT reference alone needs no copy');
  await jit.append([objectOf(dir, 'pie', [
    '#include <unistd.h>',
    'extern int optind;',
    'int *pie_optind(void) { return &optind; }',
    'int scan(void) { static char *argv[] = { "p", "-a", "-b", "x", 0 }; optind = 1; int n = 0; while (getopt(4, argv, "ab") != -1) n++; return n * 100 + optind; }',
  ].join('\n'), ['-fPIE'])]);
  const copy = Number(jit.call('pie_optind', 'uintptr_t (void)'));
  assert.notEqual(copy, original);
  assert.ok(copy >= jit.session.arena!.base && copy < jit.session.arena!.base + jit.session.arena!.size, 'the copy is in the image');
  assert.equal(Number(jit.call('got_optind', 'uintptr_t (void)')), copy, 'the earlier batch\'s GOT entry follows the copy');
  assert.ok(cells.every((c) => readWord(c) === BigInt(copy)), 'libc\'s GOT entry points at the copy');
  assert.equal(jit.call('scan', 'int (void)'), 2 * 100 + 3, 'libc\'s getopt advanced the copy');
  assert.equal(jit.call('got_read', 'int (void)'), 3);
  await jit.append([objectOf(dir, 'later', 'extern int optind; int *later_optind(void) { return &optind; }', ['-fno-pic'])]);
  assert.equal(Number(jit.call('later_optind', 'uintptr_t (void)')), copy, 'a later batch uses the existing copy');
  jit.free();
  freed = true;
  assert.ok(cells.every((c) => readWord(c) === BigInt(original)), 'free points libc back at its own optind');
  assert.equal(readWord(original) & 0xffffffffn, 3n, 'and gives it the copy\'s value');
});

test('a failed append after a planned copy leaves libc\'s GOT and the symbol unchanged; the next append copies', async (t) => {
  if (!haveCommand('gcc')) return t.skip('gcc missing');
  const dir = tmpDir(t);
  const original = dlsym(libc, 'optopt');
  const cells = hostGotCells('optopt', 'libc.so');
  assert.ok(cells.length >= 1);
  const jit = new Jit({ runtime: false });
  // The initial batch binds optopt through its GOT (no copy): the failed batch must give that symbol back unchanged.
  jit.addObject(objectOf(dir, 'got', 'extern int optopt; int *got_optopt(void) { return &optopt; }', ['-fPIC']).bytes, 'got.o');
  await jit.link();
  t.after(() => jit.free());
  const before = jit.session.symbols.count;
  // Fails in copy (after scan planned the copy and layout placed it): __thread data without hotlink's runtime.
  const bad = objectOf(dir, 'bad', 'extern int optopt; int *bad_optopt(void) { return &optopt; }', ['-fPIE']);
  const tls = objectOf(dir, 'tls', '__thread int tv; int *bad_tv(void) { return &tv; }', ['-fPIC']);
  await assert.rejects(jit.append([bad, tls]), /__thread data needs hotlink's runtime/);
  assert.equal(jit.session.symbols.count, before);
  assert.ok(cells.every((c) => readWord(c) === BigInt(original)), 'libc\'s GOT still points at its own optopt');
  assert.equal(jit.lookup('bad_optopt'), undefined);
  assert.equal(Number(jit.call('got_optopt', 'uintptr_t (void)')), original);
  assert.equal(jit.session.symbols.addr[jit.session.symbols.name.indexOf('optopt')], original);
  await jit.append([objectOf(dir, 'good', 'extern int optopt; int *good_optopt(void) { return &optopt; }', ['-fPIE'])]);
  const copy = Number(jit.call('good_optopt', 'uintptr_t (void)'));
  assert.notEqual(copy, original);
  assert.ok(cells.every((c) => readWord(c) === BigInt(copy)));
  assert.equal(Number(jit.call('got_optopt', 'uintptr_t (void)')), copy);
});

test('far host data that cannot be copied is one clear error naming file, symbol, offset and why', async (t) => {
  if (!haveCommand('gcc')) return t.skip('gcc missing');
  const dir = tmpDir(t);
  const jit = new Jit({ runtime: false });
  jit.addSource('int base(void) { return 1; }', 'base.c');
  await jit.link();
  t.after(() => jit.free());
  // __nptl_nthreads is writable libc data that libc uses directly (no GOT entry): a copy could not be the same variable.
  const obj = objectOf(dir, 'direct', 'extern int __nptl_nthreads; int f(void) { return __nptl_nthreads; }', ['-fPIE']);
  const gen = jit.generation;
  await assert.rejects(jit.append([obj]), (e: Error) => {
    assert.match(e.message, /direct\.o: \.text\+0x[0-9a-f]+: relocation against '__nptl_nthreads': R_X86_64_PC32: host data symbol __nptl_nthreads \(0x[0-9a-f]+ in \S*libc\.so\.6\) is out of reach .* no loaded object reaches it through a GOT entry/);
    return true;
  });
  assert.equal(jit.generation, gen);
});
