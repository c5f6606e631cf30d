// Host libraries given with -l are real, separate libraries: their own
// internal references resolve inside themselves and their dependencies,
// never to the copies of zlib, OpenSSL, brotli and libuv that Node's
// executable exports (RTLD_DEEPBIND, host.ts). Every program is compared
// with its gcc-built binary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compileNative, compileObject, haveCommand, repoRoot, runHotlink, runNative, tmpDir } from './helpers.js';
import { dladdr, dlsym, RTLD_DEFAULT } from '../src/memory/native.js';

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
