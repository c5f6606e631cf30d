// Host symbol resolution order: the -l libraries and libc come before the
// process's global scope. Node exports its bundled zlib, OpenSSL and libuv;
// they must never shadow a library the program asked for.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { compileNative, haveCommand, repoRoot, runHotlink, runNative, tmpDir } from './helpers.js';
import { Jit } from '../src/index.js';
import { dlsym, RTLD_DEFAULT, dladdr } from '../src/memory/native.js';

const prog = path.join(repoRoot, 'test', 'programs', 'zlib_version.c');

test('-lz binds zlibVersion to the system libz, not to the copy inside node', (t) => {
  if (!haveCommand('gcc')) return t.skip('gcc missing');
  const dir = tmpDir(t);
  const exe = compileNative({ cc: 'gcc', files: [prog], libs: ['-lz'], out: `${dir}/zv` });
  const want = runNative(exe, []);
  assert.equal(want.status, 0, want.stderr);
  const got = runHotlink(['run', prog, '-lz']);
  assert.deepEqual([got.stdout, got.stderr, got.status], [want.stdout, want.stderr, want.status]);
  // Both lines agree: the library's version is the header's.
  const m = /zlibVersion=(\S+) ZLIB_VERSION=(\S+)/.exec(got.stdout)!;
  assert.equal(m[1], m[2]);
});

test('the process itself does export a different zlib (so the test above can fail)', () => {
  const inNode = dlsym(RTLD_DEFAULT, 'zlibVersion');
  assert.ok(inNode, 'node exports zlibVersion');
  assert.match(dladdr(inNode)?.file ?? '', /node/);
});

test('an image resolves zlibVersion into libz.so.1 with -lz and into node without it', async (t) => {
  const withLib = new Jit({ libraries: ['z'], runtime: false });
  withLib.addSource('extern const char *zlibVersion(void); const char *(*p)(void) = zlibVersion; const char *(*get(void))(void) { return p; }', 'a.c');
  await withLib.link();
  t.after(() => withLib.free());
  const id = withLib.session.symbols.name.indexOf('zlibVersion');
  assert.match(dladdr(withLib.session.symbols.addr[id]!)?.file ?? '', /libz\.so/);
  const without = new Jit({ runtime: false });
  without.addSource('extern const char *zlibVersion(void); const char *(*p)(void) = zlibVersion;', 'b.c');
  await without.link();
  t.after(() => without.free());
  const id2 = without.session.symbols.name.indexOf('zlibVersion');
  assert.match(dladdr(without.session.symbols.addr[id2]!)?.file ?? '', /node/);
});
