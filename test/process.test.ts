// The process a program run by hotlink observes, compared with the same
// program built natively by gcc (issue 14, "A native process, exactly").
//
//   1. argv[0]: --argv0 NAME, and the default (the first input's path
//      without its extension);
//   2. --stats still reports after the program closed its stderr.
//
// Run: npx tsc -p . && node --test dist/test/process.test.js

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { haveCommand, repoRoot, runHotlinkAsync, tmpDir } from './helpers.js';

const FINGERPRINT = path.join(repoRoot, 'test', 'programs', 'fingerprint.c');

describe('argv[0]', { skip: haveCommand('cc') || haveCommand('gcc') ? false : 'needs a C compiler', timeout: 120_000 }, () => {
  const names = (out: string) => out.split('\n').filter((l) => /^argv\[0\]/.test(l));

  test('--argv0 sets argv[0]', async () => {
    const r = await runHotlinkAsync(['run', '--argv0', 'some/dir/custom-name', FINGERPRINT]);
    assert.deepEqual(names(r.stdout), ['argv[0] = some/dir/custom-name'], r.stderr);
    const eq = await runHotlinkAsync(['run', '--argv0=-sh', FINGERPRINT]);
    assert.equal(names(eq.stdout)[0], 'argv[0] = -sh');
  });

  test('the default argv[0] is the first input\'s path as given, without its extension', async () => {
    const r = await runHotlinkAsync(['run', 'test/programs/fingerprint.c'], { cwd: repoRoot });
    assert.deepEqual(names(r.stdout), ['argv[0] = test/programs/fingerprint'], r.stderr);
  });

  test('hotlink dbg takes --argv0 and the same default', async () => {
    const def = await runHotlinkAsync(['dbg', 'test/programs/fingerprint.c', '--batch', '-ex', 'run'], { cwd: repoRoot });
    assert.match(def.stdout, /^Starting program: test\/programs\/fingerprint\n/);
    assert.match(def.stdout, /\nargv\[0\] = test\/programs\/fingerprint\n/);
    const set = await runHotlinkAsync(['dbg', '--argv0', 'x/y', 'test/programs/fingerprint.c', '--batch', '-ex', 'run'], { cwd: repoRoot });
    assert.match(set.stdout, /^Starting program: x\/y\n/);
    assert.match(set.stdout, /\nargv\[0\] = x\/y\n/);
  });
});

describe('--stats', { skip: haveCommand('cc') || haveCommand('gcc') ? false : 'needs a C compiler', timeout: 60_000 }, () => {
  test('reports after the program closed its stderr (on a copy taken before it started)', async (t) => {
    const dir = tmpDir(t);
    const src = path.join(dir, 'closes.c');
    writeFileSync(src, '#include <stdio.h>\nint main(void) { puts("out"); fclose(stderr); fclose(stdout); return 4; }\n');
    const r = await runHotlinkAsync(['run', '--stats', src]);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.status, 4);
    assert.match(r.stderr, /^hotlink: link statistics\n/);
  });
});
