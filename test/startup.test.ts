// Start-up (docs/ARCHITECTURE.md, "Start-up"): the launcher's bundle and its
// V8 code cache change nothing a user sees, a stale bundle is never run, and
// what hotlink remembers about a compiler follows the compiler binary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hotlinkBin, needs, repoRoot, runCommand, runHotlink, tmpDir } from './helpers.js';
import { ElfObject } from '../src/elf/object.js';
import { loadDebugSections, sectionOffsetSymbolValue } from '../src/dwarf/sections.js';

const bundle = path.join(repoRoot, 'dist', 'hotlink.bundle.cjs');
const hello = path.join(repoRoot, 'examples', 'hello.c');

/** Why the bundle cannot be tested: missing, or older than tsc's output (the launcher then ignores it). */
function bundleMissing(): string | false {
  if (!existsSync(bundle)) return 'no dist/hotlink.bundle.cjs (esbuild not installed: npm run build makes it)';
  if (statSync(bundle).mtimeMs < statSync(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js')).mtimeMs) return 'dist/hotlink.bundle.cjs is older than dist/src (npm run build refreshes it)';
  return false;
}

test('hotlink run prints the same from the bundle (without and with its opt-in code cache) and from the modules', { skip: bundleMissing() }, () => {
  const args = ['run', hello, '--', 'startup'];
  const modules = runHotlink(args, { env: { HOTLINK_NO_BUNDLE: '1' } });
  assert.equal(modules.status, 0, modules.stderr);
  assert.equal(modules.stdout, 'Hello from hotlink, startup!\n');
  rmSync(`${bundle}.cache`, { force: true });
  const plain = runHotlink(args);
  assert.deepEqual([plain.status, plain.stdout, plain.stderr], [modules.status, modules.stdout, modules.stderr]);
  assert.ok(!existsSync(`${bundle}.cache`), 'without HOTLINK_CODE_CACHE=1 no code cache is written');
  const first = runHotlink(args, { env: { HOTLINK_CODE_CACHE: '1' } });
  assert.deepEqual([first.status, first.stdout, first.stderr], [modules.status, modules.stdout, modules.stderr]);
  assert.ok(existsSync(`${bundle}.cache`), 'the first run through the bundle writes its code cache');
  const cached = runHotlink(args, { env: { HOTLINK_CODE_CACHE: '1' } });
  assert.deepEqual([cached.status, cached.stdout, cached.stderr], [modules.status, modules.stdout, modules.stderr]);
  // An error is reported the same way too.
  const missing = ['run', path.join(repoRoot, 'no-such-file.c')];
  const a = runHotlink(missing, { env: { HOTLINK_NO_BUNDLE: '1' } });
  const b = runHotlink(missing);
  assert.equal(a.status, 1);
  assert.deepEqual([b.status, b.stderr], [a.status, a.stderr]);
});

test('the launcher runs a bundle only when it is not older than the compiled modules', (t) => {
  // A copy of the launcher beside a dist/ whose src/ is the real one and whose bundle is a stand-in that says so.
  const dir = tmpDir(t);
  mkdirSync(path.join(dir, 'bin'));
  mkdirSync(path.join(dir, 'dist'));
  copyFileSync(hotlinkBin, path.join(dir, 'bin', 'hotlink.js'));
  copyFileSync(path.join(repoRoot, 'bin', 'package.json'), path.join(dir, 'bin', 'package.json'));
  symlinkSync(path.join(repoRoot, 'dist', 'src'), path.join(dir, 'dist', 'src'));
  writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}\n');
  const standIn = path.join(dir, 'dist', 'hotlink.bundle.cjs');
  writeFileSync(standIn, "exports.main = () => { process.stdout.write('the bundle ran\\n'); };\n");
  const main = statSync(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js')).mtime;
  const run = () => runCommand(process.execPath, [path.join(dir, 'bin', 'hotlink.js'), 'run', hello], { env: { HOTLINK_CODE_CACHE: '1' } });

  utimesSync(standIn, main, new Date(main.getTime() - 60_000));
  const stale = run();
  assert.equal(stale.status, 0, stale.stderr);
  assert.equal(stale.stdout, 'Hello from hotlink, world!\n', 'a bundle older than dist/src is ignored');

  utimesSync(standIn, main, new Date(main.getTime() + 60_000));
  assert.equal(run().stdout, 'the bundle ran\n');
  assert.ok(existsSync(`${standIn}.cache`), 'its code cache was written');
  // A cache made for another bundle is not used, even for source text of the same length (all V8 checks), and is replaced.
  writeFileSync(standIn, "exports.main = () => { process.stdout.write('the BUNDLE ran\\n'); };\n");
  utimesSync(standIn, main, new Date(main.getTime() + 60_000));
  const before = readFileSync(`${standIn}.cache`);
  assert.equal(run().stdout, 'the BUNDLE ran\n');
  assert.notDeepEqual(readFileSync(`${standIn}.cache`), before);
});

test('the compiler family is remembered per compiler binary; a compiler replaced at the same path is asked again', (t) => {
  const other = ['tcc', 'clang-19'].find((c) => !needs(c));
  if (!other || needs('gcc')) return t.skip(`needs gcc and one of tcc, clang-19 (${needs('gcc') || 'neither tcc nor clang-19 is on PATH'})`);
  const dir = tmpDir(t);
  const cache = path.join(dir, 'cache');
  const cc = path.join(dir, 'mycc');
  const family = (): string => {
    const r = runCommand(process.execPath, ['--input-type=module', '-e', `import { compilerFamily } from ${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'cc', 'driver.js'))}; process.stdout.write(compilerFamily(${JSON.stringify(cc)}));`], { env: { XDG_CACHE_HOME: cache } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const binary = (name: string): string => realpathSync(runCommand('/bin/sh', ['-c', `command -v ${name}`]).stdout.trim());

  copyFileSync(binary('gcc'), cc);
  assert.equal(family(), 'gcc');
  const remembered = JSON.parse(readFileSync(path.join(cache, 'hotlink', 'compilers.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.values(remembered), ['gcc']);
  assert.match(Object.keys(remembered)[0]!, new RegExp(`^family ${cc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+:`));
  assert.equal(family(), 'gcc', 'asked again, remembered');

  rmSync(cc);
  copyFileSync(binary(other), cc);
  assert.equal(family(), other === 'tcc' ? 'tcc' : 'clang');
});

test('zlib-compressed debug sections read the same as uncompressed ones (zlib is loaded on first use)', { skip: needs('gcc') }, (t) => {
  const dir = tmpDir(t);
  const sections = (gz: string) => {
    const out = path.join(dir, `hello-${gz}.o`);
    const r = runCommand('gcc', ['-c', '-g', `-gz=${gz}`, '-fPIC', hello, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    const obj = new ElfObject(readFileSync(out), out);
    // Sections without relocations: a relocation into a compressed section is checked against its compressed size (not ours to fix here).
    return { obj, debug: loadDebugSections(obj, sectionOffsetSymbolValue(obj), () => 0, ['.debug_abbrev', '.debug_str', '.debug_line_str']) };
  };
  const plain = sections('none');
  const zlib = sections('zlib');
  assert.ok(zlib.obj.sections.some((s) => s.name === '.debug_abbrev' && s.sh_flags & 0x800), 'gcc -gz=zlib compressed .debug_abbrev');
  // (.debug_str differs: the producer string names -gz=.)
  for (const name of ['.debug_abbrev', '.debug_line_str'] as const) {
    assert.ok(plain.debug.get(name)?.length, `${name} present`);
    assert.deepEqual(zlib.debug.get(name), plain.debug.get(name), name);
  }
});
