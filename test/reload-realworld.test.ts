// Reload that never lies, on real programs: every Lua and SQLite source file,
// recompiled unchanged and reloaded (Jit.reloadFileObject), must swap
// nothing — at -O0 and -O2 with gcc (and clang-19 with HOTLINK_RELOAD_CLANG=1:
// SQLite at -O2 takes minutes per compile). A refused reload fails the test
// too: an unchanged file must reload.
//
// Needs the real-world sources (scripts/realworld.sh; HOTLINK_REALWORLD_DIR);
// skipped without them. Not timed: bench/reload.ts (d) reports the counts.
//
// Run: npx tsc -p . && HOTLINK_REALWORLD_DIR=/work/main/build/realworld node --test dist/test/reload-realworld.test.js

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { realworldPrograms, reloadUnchanged } from '../bench/reload.js';

const programs = realworldPrograms();
const compilers = ['gcc', ...(process.env.HOTLINK_RELOAD_CLANG ? ['clang-19'] : [])];

for (const cc of compilers) {
  const noCc = spawnSync(cc, ['--version']).status === 0 ? undefined : `${cc} is not installed`;
  for (const level of ['O0', 'O2']) {
    for (const project of ['lua', 'sqlite'] as const) {
      const p = programs?.find((x) => x.project === project);
      const skip = noCc ?? (p ? undefined : 'no real-world sources (run scripts/realworld.sh, or set HOTLINK_REALWORLD_DIR)');
      test(`${project} ${cc} -${level}: every source file reloaded unchanged swaps nothing`, { skip, timeout: 40 * 60_000 }, async () => {
        const r = await reloadUnchanged(p!, cc, level);
        assert.equal(r.units, p!.sources.length);
        assert.deepEqual(r.refused, [], 'an unchanged file reloads');
        assert.deepEqual(r.swapped, [], 'false positives: functions swapped although nothing changed');
      });
    }
  }
}
