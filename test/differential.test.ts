// Differential tests: every program in test/corpus/ is built natively with
// gcc (and clang-19 when installed) and run through hotlink, in each
// configuration
//
//   compiler   gcc | clang-19
//   opt        -O0 | -O2
//   model      -fPIC   hotlink gets the .c files and compiles them itself
//                      (run -O2 [cflags] a.c b.c ..., CC=<compiler>);
//                      native: cc -g -fPIC -O2 a.c b.c (default PIE link)
//              pie     objects from plain `cc -c -O2` (Debian's default is
//                      PIE), the same .o files go to hotlink and to the
//                      native link (cc a.o b.o)
//              no-pic  objects from `cc -c -fno-pic -O2`; native link -no-pie
//
// and the two runs (same args, environment, stdin) must agree on stdout,
// stderr and exit status. A program that dies from a signal natively must
// make hotlink *exit* with 128+signal.
//
// Corpus layout: test/corpus/NAME.c (+ optional NAME.json) is a one-file
// program; test/corpus/NAME/ holds several .c files (linked in name order)
// and an optional spec.json. The spec (all keys optional):
//   args        string[]   program arguments (after `--`)
//   env         {}         extra environment variables
//   stdin       string     standard input
//   cflags      string[]   compiler flags for every compile and for hotlink (-fcommon, -pthread)
//   libs        string[]   libraries after the inputs (-lm)
//   archive     { name: "libx.a", members: ["m1.c", ...], link: "path" | "search" }
//               these sources become objects in a static archive (ar rcs, in
//               the listed order), passed as a path or as -L<dir> -lx
//   expectStatus number    the native exit status (default 0): a sanity check of the program
//   compareStderr boolean  default true (false where hotlink adds a crash report)
//   mergeStderr boolean    capture 2>&1 in one pipe so the interleaving is compared
//   picOnly     string     in the pie and no-pic models hotlink must refuse
//                          (non-zero status) with this text in its stderr
//   timeoutMs   number     per-run timeout (default 60 s)
//   comment     string     ignored
//
// Filter with node's --test-name-pattern (e.g. 'tls' or 'gcc -O2 no-pic').
// HOTLINK_TEST_JOBS sets how many configurations build and run at once
// (default 2 x CPUs); HOTLINK_KEEP_TMP=1 keeps the build directories.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  compileNativeArgs,
  compileNativeAsync,
  compileObjectArgs,
  compileObjectAsync,
  corpusDir,
  createArchiveAsync,
  needs,
  hotlinkBin,
  repoRoot,
  runHotlinkAsync,
  runNativeAsync,
  shellQuote,
  tmpDir,
  type RunOptions,
  type RunResult,
} from './helpers.js';

// ---------------------------------------------------------------- corpus

interface Spec {
  args?: string[];
  env?: Record<string, string>;
  stdin?: string;
  cflags?: string[];
  libs?: string[];
  archive?: { name: string; members: string[]; link: 'path' | 'search' };
  expectStatus?: number;
  compareStderr?: boolean;
  mergeStderr?: boolean;
  picOnly?: string;
  timeoutMs?: number;
  comment?: string;
}

const SPEC_KEYS = new Set([
  'args', 'env', 'stdin', 'cflags', 'libs', 'archive', 'expectStatus',
  'compareStderr', 'mergeStderr', 'picOnly', 'timeoutMs', 'comment',
]);

interface Program {
  name: string;
  /** Program sources (absolute), in link order. */
  sources: string[];
  /** Archive member sources (absolute), in archive order. */
  members: string[];
  spec: Spec;
}

function readSpec(file: string): Spec {
  if (!existsSync(file)) return {};
  const spec = JSON.parse(readFileSync(file, 'utf8')) as Spec;
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key)) throw new Error(`${file}: unknown key '${key}'`);
  }
  if (spec.archive && !['path', 'search'].includes(spec.archive.link)) {
    throw new Error(`${file}: archive.link must be "path" or "search"`);
  }
  return spec;
}

function loadCorpus(): Program[] {
  const programs: Program[] = [];
  for (const entry of readdirSync(corpusDir).sort()) {
    const full = path.join(corpusDir, entry);
    if (statSync(full).isDirectory()) {
      const spec = readSpec(path.join(full, 'spec.json'));
      const memberNames = spec.archive?.members ?? [];
      const cFiles = readdirSync(full).filter((f) => f.endsWith('.c')).sort();
      for (const m of memberNames) {
        if (!cFiles.includes(m)) throw new Error(`${full}: archive member ${m} does not exist`);
      }
      programs.push({
        name: entry,
        sources: cFiles.filter((f) => !memberNames.includes(f)).map((f) => path.join(full, f)),
        members: memberNames.map((m) => path.join(full, m)),
        spec,
      });
    } else if (entry.endsWith('.c')) {
      const name = entry.slice(0, -2);
      const spec = readSpec(path.join(corpusDir, `${name}.json`));
      if (spec.archive) throw new Error(`${name}: an archive needs a directory program`);
      programs.push({ name, sources: [full], members: [], spec });
    } else if (!entry.endsWith('.json')) {
      throw new Error(`unexpected file in the corpus: ${full}`);
    }
  }
  return programs;
}

const programs = loadCorpus();

// ---------------------------------------------------------------- configurations

type Model = 'fpic' | 'pie' | 'nopic';

interface Config {
  cc: string;
  opt: '-O0' | '-O2';
  model: Model;
  label: string;
}

const MODEL_LABEL: Record<Model, string> = { fpic: '-fPIC', pie: 'pie', nopic: 'no-pic' };
/** Flags for compiling objects ourselves. */
const MODEL_CFLAGS: Record<Model, string[]> = { fpic: ['-fPIC'], pie: [], nopic: ['-fno-pic'] };
/** Flags for the native link. */
const MODEL_LDFLAGS: Record<Model, string[]> = { fpic: [], pie: [], nopic: ['-no-pie'] };

// Every configuration is a test; one whose compiler is missing is reported as skipped, naming it.
const compilers = ['gcc', 'clang-19'];
const configs: Config[] = [];
for (const cc of compilers) {
  for (const opt of ['-O0', '-O2'] as const) {
    for (const model of ['fpic', 'pie', 'nopic'] as const) {
      configs.push({ cc, opt, model, label: `${cc} ${opt} ${MODEL_LABEL[model]}` });
    }
  }
}

// ---------------------------------------------------------------- comparison

/** What a hotlink run must match: the native run's stdout, stderr (optionally) and status. */
function compareRuns(got: RunResult, want: RunResult, compareStderr: boolean): void {
  assert.equal(got.timedOut, false, 'hotlink timed out');
  assert.equal(got.signal, null, `hotlink itself was killed by ${got.signal} (it must exit with 128+N instead)`);
  const pick = (r: RunResult) => (compareStderr ? { stdout: r.stdout, stderr: r.stderr, status: r.status } : { stdout: r.stdout, status: r.status });
  assert.deepStrictEqual(pick(got), pick(want));
}

/** How many configurations of one program build and run at once. */
const JOBS = Number(process.env.HOTLINK_TEST_JOBS) || Math.max(2, availableParallelism() * 2);

// ---------------------------------------------------------------- one configuration

async function runConfig(p: Program, c: Config, root: string): Promise<void> {
  const dir = mkdtempSync(path.join(root, `${p.name}-`));
  const spec = p.spec;
  const cflags = spec.cflags ?? [];
  const libs = spec.libs ?? [];
  const rel = (f: string) => path.relative(repoRoot, f);
  /** Reproduction commands, with the build directory spelled $T. */
  const repro: string[] = [];
  const note = (argv: string[], prefix = '') => repro.push(prefix + shellQuote(argv).split(dir).join('$T'));

  // Static archive, when the program has one: objects compiled in this configuration's model.
  let archiveInputs: string[] = [];
  if (spec.archive) {
    const objects = p.members.map((m) => path.join(dir, path.basename(m, '.c') + '.o'));
    await Promise.all(p.members.map((m, i) => {
      const o = { cc: c.cc, file: rel(m), flags: [c.opt, ...MODEL_CFLAGS[c.model], ...cflags], out: objects[i]!, cwd: repoRoot };
      note([c.cc, ...compileObjectArgs(o)]);
      return compileObjectAsync(o);
    }));
    const archive = path.join(dir, spec.archive.name);
    note(['ar', 'rcs', archive, ...objects]);
    await createArchiveAsync(archive, objects);
    const stem = spec.archive.name.replace(/^lib/, '').replace(/\.a$/, '');
    archiveInputs = spec.archive.link === 'path' ? [archive] : [`-L${dir}`, `-l${stem}`];
  }

  const exe = path.join(dir, 'native');
  let hotlinkArgs: string[];
  if (c.model === 'fpic') {
    const sources = p.sources.map(rel);
    const o = { cc: c.cc, files: sources, flags: ['-g', '-fPIC', c.opt, ...cflags], libs: [...archiveInputs, ...libs], out: exe, cwd: repoRoot };
    note([c.cc, ...compileNativeArgs(o)]);
    await compileNativeAsync(o);
    hotlinkArgs = ['run', c.opt, ...cflags, ...sources, ...archiveInputs, ...libs];
  } else {
    const objects = p.sources.map((s) => path.join(dir, path.basename(s, '.c') + '.o'));
    await Promise.all(p.sources.map((s, i) => {
      const o = { cc: c.cc, file: rel(s), flags: [c.opt, ...MODEL_CFLAGS[c.model], ...cflags], out: objects[i]!, cwd: repoRoot };
      note([c.cc, ...compileObjectArgs(o)]);
      return compileObjectAsync(o);
    }));
    const o = { cc: c.cc, files: objects, flags: [...MODEL_LDFLAGS[c.model], ...cflags], libs: [...archiveInputs, ...libs], out: exe, cwd: repoRoot };
    note([c.cc, ...compileNativeArgs(o)]);
    await compileNativeAsync(o);
    hotlinkArgs = ['run', ...cflags, ...objects, ...archiveInputs, ...libs];
  }
  const args = spec.args ?? [];
  if (args.length > 0) hotlinkArgs.push('--', ...args);

  const runOpts: RunOptions = { input: spec.stdin, env: spec.env, cwd: repoRoot, mergeStderr: spec.mergeStderr, timeoutMs: spec.timeoutMs };
  const hotlinkOpts: RunOptions = { ...runOpts, env: { ...spec.env, CC: c.cc } };
  const envPrefix = Object.entries(hotlinkOpts.env ?? {}).map(([k, v]) => `${k}=${shellQuote([v])} `).join('');
  note(['node', rel(hotlinkBin), ...hotlinkArgs], envPrefix);
  if (spec.mergeStderr) repro[repro.length - 1] += ' 2>&1';

  const [native, native2, got] = await Promise.all([
    runNativeAsync(exe, args, runOpts),
    runNativeAsync(exe, args, runOpts),
    runHotlinkAsync(hotlinkArgs, hotlinkOpts),
  ]);

  const context = () =>
    `${p.name} [${c.label}]\nreproduce from the repository root:\n  T=$(mktemp -d)\n  ${repro.join('\n  ')}\n` +
    `hotlink: status ${got.status}${got.signal ? ` (killed by ${got.signal})` : ''}${got.timedOut ? ' (timed out)' : ''}\n` +
    `hotlink stderr:\n${clip(got.stderr)}\n`;

  // The native run must be meaningful and deterministic, or the comparison proves nothing.
  assert.equal(native.timedOut, false, `native run timed out\n${context()}`);
  assert.equal(native.status, spec.expectStatus ?? 0, `native status (corpus sanity)\n${context()}native stderr:\n${clip(native.stderr)}`);
  assert.notEqual(native.stdout, '', `native stdout is empty (corpus sanity)\n${context()}`);
  assert.deepStrictEqual([native2.stdout, native2.stderr, native2.status], [native.stdout, native.stderr, native.status],
    `the corpus program is not deterministic\n${context()}`);

  if (spec.picOnly !== undefined && c.model !== 'fpic') {
    assert.equal(got.signal, null, `hotlink was killed by ${got.signal}\n${context()}`);
    assert.notEqual(got.status, 0, `hotlink must refuse this non-PIC build\n${context()}hotlink stdout:\n${clip(got.stdout)}`);
    assert.ok(got.stderr.includes(spec.picOnly), `hotlink's error must mention ${spec.picOnly}\n${context()}`);
    return;
  }

  try {
    compareRuns(got, native, spec.compareStderr ?? true);
  } catch (e) {
    if (e instanceof Error) e.message = `${context()}${e.message}`;
    throw e;
  }
}

function clip(s: string, max = 4000): string {
  return s.length <= max ? s : `${s.slice(0, max)}\n... (${s.length - max} more characters)`;
}

// ---------------------------------------------------------------- tests

// Programs one after another; the configurations of one program in parallel.
describe('differential', () => {
  const root = tmpDir({ after }, 'hotlink-diff-');
  for (const p of programs) {
    describe(p.name, { concurrency: JOBS }, () => {
      for (const c of configs) {
        test(`${p.name} [${c.label}]`, { skip: needs(c.cc) }, () => runConfig(p, c, root));
      }
    });
  }
});

// Checks of the harness itself, independent of hotlink.
describe('harness', () => {
  test('corpus is non-trivial and every program has sources', () => {
    assert.ok(programs.length >= 25, `only ${programs.length} corpus programs`);
    for (const p of programs) {
      assert.ok(p.sources.length > 0, `${p.name} has no sources`);
      assert.ok(p.sources.some((s) => /\bint\s+main\s*\(/.test(readFileSync(s, 'utf8'))), `${p.name} has no main()`);
    }
  });

  test('native signal deaths are reported as 128+N, and a mismatch fails the comparison', async (t) => {
    const dir = tmpDir(t);
    const segv = await compileNativeAsync({ cc: 'gcc', files: [path.join(corpusDir, 'segfault.c')], out: path.join(dir, 'segv') });
    const crashed = await runNativeAsync(segv);
    assert.equal(crashed.status, 139);
    assert.equal(crashed.signal, 'SIGSEGV');
    assert.equal(crashed.stdout, 'about to crash\n');

    const argv = await compileNativeAsync({ cc: 'gcc', files: [path.join(corpusDir, 'argv_exit.c')], out: path.join(dir, 'argv') });
    const a = await runNativeAsync(argv, ['x']);
    const b = await runNativeAsync(argv, ['y']);
    assert.equal(a.status, 3);
    compareRuns(a, a, true);
    assert.throws(() => compareRuns(a, b, true), 'different stdout must fail');
    assert.throws(() => compareRuns({ ...a, status: 0 }, a, true), 'different status must fail');
    assert.throws(() => compareRuns({ ...a, stderr: 'x' }, a, true), 'different stderr must fail');
    compareRuns({ ...a, stderr: 'crash report' }, a, false);
    assert.throws(() => compareRuns({ ...crashed, signal: 'SIGSEGV' }, { ...crashed, signal: null }, false), 'a hotlink killed by a signal must fail');
  });

  test('mergeStderr captures both streams in order', async () => {
    const r = await runNativeAsync('/bin/sh', ['-c', 'echo one; echo two >&2; echo three'], { mergeStderr: true });
    assert.deepStrictEqual([r.stdout, r.stderr, r.status], ['one\ntwo\nthree\n', '', 0]);
  });
});
