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
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realworldPrograms, reloadUnchanged } from '../bench/reload.js';
import { hotlinkBin } from './helpers.js';

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

// Issue 9: an edit to one Lua library function, reloaded while a Lua script
// runs in `hotlink dbg`: the frame in flight finishes in the old body, the
// script's later calls see the new behaviour, and its state (a table built
// before the reload, a global counter) is intact.
const LUA_SCRIPT = `
local t = {}
for i = 1, 100 do t[i] = i * i end
count = 0
local function shout(s) count = count + 1; return string.upper(s) end
print(shout("first"))
print(shout("second"))
print(shout("third"))
print(#t, t[10], t[100], count)
`;

const luaSrc = programs?.find((x) => x.project === 'lua');

/** The environment for a child hotlink: node:test's own plumbing removed. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}
test('lua: str_upper (lstrlib.c) edited and reloaded while a script runs in hotlink dbg: new behaviour, state intact', { skip: luaSrc ? undefined : 'no real-world sources (run scripts/realworld.sh, or set HOTLINK_REALWORLD_DIR)', timeout: 10 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotlink-lua-reload-'));
  try {
    const srcDir = luaSrc!.dir;
    for (const f of readdirSync(srcDir)) if (/\.[ch]$/.test(f)) copyFileSync(join(srcDir, f), join(dir, f));
    writeFileSync(join(dir, 'script.lua'), LUA_SCRIPT);
    const lstrlib = join(dir, 'lstrlib.c');
    const original = readFileSync(lstrlib, 'utf8');
    const edited = original.replace('p[i] = toupper(uchar(s[i]));', 'p[i] = (i % 2) ? tolower(uchar(s[i])) : toupper(uchar(s[i]));');
    assert.notEqual(edited, original, 'the edit applies to this Lua version');
    const sources = readdirSync(dir).filter((f) => f.endsWith('.c') && f !== 'luac.c' && f !== 'onelua.c');
    // The debugger stops in the second call (the first one prints with the old code); the edit is saved then.
    const commands = ['break str_upper', 'run', 'continue', `shell cp lstrlib.edited lstrlib.c`, 'reload lstrlib.c', 'delete', 'continue'];
    writeFileSync(join(dir, 'lstrlib.edited'), edited);
    const r = spawnSync(process.execPath, [hotlinkBin, 'dbg', '-std=gnu99', '-DLUA_COMPAT_5_3', '-DLUA_USE_LINUX', ...sources, '-lm', '-ldl', '--', 'script.lua'], {
      cwd: dir, input: commands.join('\n') + '\n', encoding: 'utf8', timeout: 9 * 60_000, env: childEnv(),
    });
    const out = r.stdout + r.stderr;
    assert.match(out, /^FIRST$/m, `the first call ran the old code\n${out}`);
    assert.match(out, /Reloaded lstrlib\.c[^\n]*swapped[^\n]*str_upper/, `the reload swapped str_upper\n${out}`);
    assert.match(out, /^SECOND$/m, `the call in flight when the reload happened finishes in the old body\n${out}`);
    assert.match(out, /^ThIrD$/m, `a call after the reload runs the new str_upper\n${out}`);
    assert.doesNotMatch(out, /warning: reload is partial/, out);
    assert.match(out, /^100\t100\t10000\t3$/m, `the table and the counter built before the reload are intact\n${out}`);
  } finally {
    if (!process.env.HOTLINK_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  }
});
