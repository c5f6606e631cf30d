// Shared by the real-world tests (realworld.test.ts, realprograms.test.ts):
// run a scripts/*.sh that fetches Debian source packages and builds them into
// a directory with a manifest.json, and turn its outcome into tests.
//
// The script's exit status 77 means "the sources cannot be fetched on this
// machine": that is a skip outside CI and a failure in CI (CI=true).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const IN_CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

export type BuildOutcome<M> = { ok: true; manifest: M; summary: string } | { ok: false; skip: boolean; message: string };

const clip = (s: string, n: number): string => (s.length <= n ? s : s.slice(0, n) + `\n... (${s.length - n} more chars)`);

/**
 * Runs `bash <root>/<script>` with `<dirVar>=<dir>` (synchronously: the tests
 * are declared from the manifest). `summary` is the script's last line that
 * contains "variants ready", plus the time it took.
 */
export function runBuildScript<M>(root: string, script: string, dirVar: string, dir: string, timeoutMs: number): BuildOutcome<M> {
  const t0 = Date.now();
  const r = spawnSync('bash', [join(root, script)], {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, [dirVar]: dir },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error) return { ok: false, skip: false, message: `${script} could not run: ${r.error.message}\n${clip(out, 4000)}` };
  if (r.status === 77) return { ok: false, skip: !IN_CI, message: `sources unavailable: ${out.trim().split('\n').pop()}` };
  if (r.status !== 0) return { ok: false, skip: false, message: `${script} failed (status ${r.status}, signal ${r.signal}):\n${clip(out.slice(-6000), 6000)}` };
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as M;
  const summary = (out.trim().split('\n').filter((l) => l.includes('variants ready')).pop() ?? '') + ` [${((Date.now() - t0) / 1000).toFixed(1)}s]`;
  return { ok: true, manifest, summary };
}

/** Declares the one test that stands for a build that did not succeed: skipped (sources unavailable outside CI) or failed. */
export function declareBuildFailure(outcome: { skip: boolean; message: string }, skipName: string, failName: string): void {
  if (outcome.skip) {
    test(skipName, { skip: `${outcome.message} — apt-get source is impossible here; set CI=true to make this a failure` }, () => {});
  } else {
    test(failName, () => {
      assert.fail(outcome.message);
    });
  }
}
