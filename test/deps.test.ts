// Header dependencies for `reload HEADER` (src/cc/deps.ts, src/cc/driver.ts):
// every compile records the files it read (`-MD -MF`), as absolute paths, on
// the compiled object (`deps`); DependencyGraph answers which live units
// included a header, directly or through another header.
//
//   - the make-syntax parser: continuation lines, `\ ` in names, `$$`;
//   - gcc, clang-19 and tcc: nested includes, `#include "x.h"` found next to
//     the including file (a unit in a subdirectory, compiled from elsewhere)
//     and through -I; a file no unit read; recompiling replaces a unit's list;
//   - paths spelled differently (relative, `./`, `..`, a symlinked directory)
//     name the same header;
//   - Jit.link records every C input's dependencies.
//
// Run: npx tsc -p . && node --test dist/test/deps.test.js

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compileFiles, parseMakeDeps } from '../src/cc/driver.js';
import { canonicalPath, DependencyGraph } from '../src/cc/deps.js';
import { Jit } from '../src/index.js';
import { tmpDir } from './helpers.js';

const have = (cc: string): boolean => spawnSync(cc, ['--version']).status === 0;
const COMPILERS = [
  { cc: 'gcc', skip: have('gcc') ? undefined : 'gcc is not installed' },
  { cc: 'clang-19', skip: have('clang-19') ? undefined : 'clang-19 is not installed' },
  { cc: 'tcc', skip: have('tcc') ? undefined : 'tcc is not installed' },
];

describe('parseMakeDeps', () => {
  test('continuation lines, escaped spaces and $$, later rules add nothing new', () => {
    const text = 'out/m.o: m.c a.h \\\n  dir\\ with\\ space/b.h c$$.h \\\n  /usr/include/stdio.h\n\na.h:\n';
    assert.deepEqual(parseMakeDeps(text), ['m.c', 'a.h', 'dir with space/b.h', 'c$.h', '/usr/include/stdio.h']);
  });
  test("tcc's one-name-per-line form", () => {
    assert.deepEqual(parseMakeDeps('m.o: \\\n  m.c \\\n  a.h\n'), ['m.c', 'a.h']);
  });
  test('empty input', () => {
    assert.deepEqual(parseMakeDeps(''), []);
  });
});

/** A small tree: src/unit.c includes "local.h" (next to it) and <shared.h> (via -Iinclude); local.h includes "nested.h". */
function tree(dir: string): { unit: string; other: string; local: string; nested: string; shared: string; unused: string } {
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'include'), { recursive: true });
  const p = {
    unit: join(dir, 'src', 'unit.c'),
    other: join(dir, 'src', 'other.c'),
    local: join(dir, 'src', 'local.h'),
    nested: join(dir, 'src', 'nested.h'),
    shared: join(dir, 'include', 'shared.h'),
    unused: join(dir, 'include', 'unused.h'),
  };
  writeFileSync(p.unit, '#include "local.h"\n#include <shared.h>\nint unit_value(void) { return LOCAL + NESTED + SHARED; }\n');
  writeFileSync(p.other, '#include <shared.h>\nint other_value(void) { return SHARED; }\n');
  writeFileSync(p.local, '#include "nested.h"\n#define LOCAL 1\n');
  writeFileSync(p.nested, '#define NESTED 2\n');
  writeFileSync(p.shared, '#define SHARED 3\n');
  writeFileSync(p.unused, '#define UNUSED 4\n');
  return p;
}

describe('compileFiles records the headers each unit read', () => {
  for (const { cc, skip } of COMPILERS) {
    test(`${cc}: nested includes, "x.h" next to the file, <x.h> via -I; paths absolute`, { skip }, async (t) => {
      const dir = tmpDir(t, 'hotlink-deps-');
      const p = tree(dir);
      // Compiled from the tree's root with relative names: "local.h" must still be found (and reported) next to src/unit.c.
      const [unit, other] = await compileFiles(['src/unit.c', 'src/other.c'], { cc, cwd: dir, flags: ['-Iinclude'], onDiagnostics: () => {} });
      for (const d of [...unit!.deps, ...other!.deps]) assert.ok(d.startsWith('/'), `absolute: ${d}`);
      const canon = (xs: string[]): string[] => xs.map((x) => canonicalPath(x));
      const u = canon(unit!.deps);
      for (const h of [p.local, p.nested, p.shared]) assert.ok(u.includes(canonicalPath(h)), `${relative(dir, h)} in ${JSON.stringify(u)}`);
      assert.ok(!u.includes(canonicalPath(p.unit)), 'the source itself is not a dependency');
      assert.ok(!u.includes(canonicalPath(p.unused)));
      const o = canon(other!.deps);
      assert.ok(o.includes(canonicalPath(p.shared)));
      assert.ok(!o.includes(canonicalPath(p.local)));

      const g = new DependencyGraph();
      g.record('src/unit.c', unit!.deps, dir);
      g.record('src/other.c', other!.deps, dir);
      assert.deepEqual(g.unitsIncluding(p.shared), ['src/unit.c', 'src/other.c']);
      assert.deepEqual(g.unitsIncluding(p.nested), ['src/unit.c'], 'a header included through another header');
      assert.deepEqual(g.unitsIncluding('src/local.h', dir), ['src/unit.c'], 'relative to cwd');
      assert.deepEqual(g.unitsIncluding('./src/../include/shared.h', dir), ['src/unit.c', 'src/other.c']);
      assert.deepEqual(g.unitsIncluding(p.unused), []);
      assert.ok(g.isUnit(p.unit) && !g.isUnit(p.local));
    });
  }
});

describe('DependencyGraph', () => {
  test('a recompile replaces the unit\'s list; forget drops it', () => {
    const g = new DependencyGraph();
    g.record('/x/a.c', ['/x/one.h', '/x/two.h']);
    g.record('/x/b.c', ['/x/two.h']);
    assert.deepEqual(g.unitsIncluding('/x/one.h'), ['/x/a.c']);
    g.record('/x/a.c', ['/x/two.h']); // a.c no longer includes one.h
    assert.deepEqual(g.unitsIncluding('/x/one.h'), []);
    assert.deepEqual(g.unitsIncluding('/x/two.h'), ['/x/a.c', '/x/b.c']);
    g.forget('/x/a.c');
    assert.deepEqual(g.unitsIncluding('/x/two.h'), ['/x/b.c']);
  });

  test('a header reached through a symlinked directory is the same header', (t) => {
    const dir = tmpDir(t, 'hotlink-deps-');
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'h.h'), '');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const g = new DependencyGraph();
    g.record(join(dir, 'u.c'), [join(dir, 'link', 'h.h')]);
    assert.deepEqual(g.unitsIncluding(join(dir, 'real', 'h.h')), [join(dir, 'u.c')]);
  });
});

test('Jit.link records every C input\'s headers (gcc)', { skip: COMPILERS[0]!.skip }, async (t) => {
  const dir = tmpDir(t, 'hotlink-deps-');
  const p = tree(dir);
  writeFileSync(join(dir, 'src', 'main.c'), 'int main(void) { return 0; }\n');
  const jit = new Jit({ cc: 'gcc', cflags: [`-I${join(dir, 'include')}`], onDiagnostics: () => {}, indirection: 'exported-funcs' });
  t.after(() => jit.free());
  jit.addFile(p.unit).addFile(p.other).addFile(join(dir, 'src', 'main.c'));
  await jit.link();
  assert.deepEqual(jit.dependencies.unitsIncluding(p.shared), [p.unit, p.other]);
  assert.deepEqual(jit.dependencies.unitsIncluding(p.nested), [p.unit]);
});
