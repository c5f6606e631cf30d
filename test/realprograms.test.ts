// Real programs that exercise the *process*: bzip2 1.0.8, mawk 1.3.4 and
// bc/dc 1.07.1, fetched from Debian with `apt-get source` and built the Debian way by
// scripts/realprograms.sh (dpkg-buildflags, the package's Makefile or
// configure) in two code models: pie (Debian's default flags; gcc defaults to
// -fPIE) and pic (+ -fPIC). For every variant and every case below, the
// gcc-linked native executable and `hotlink run <the same objects>` run in
// two fresh copies of the same work directory and must agree byte for byte
// on stdout, stderr, the exit status (or signal) and every file left in the
// work directory (created, changed or removed; content, mode, whether the
// modification time was copied from the input).
//
// The cases are the upstream test suites — bzip2's `make test` (compress and
// decompress sample1-3, compare with the shipped files), mawk's
// test/mawktest and test/fpe_test, bc's Test/*.b — plus cases for what those
// programs do with the process: pipes to and from `sh -c` children
// (`print | "sort"`, system(), `cmd | getline`, dc's `!`), errno in perror()
// messages, argv[0] (bzcat, bunzip2, mawk's messages and ARGV[0], getopt's
// messages), getopt's optind/optarg, environment variables, signals (SIGTERM
// while bzip2 writes a file, SIGPIPE, SIGXFSZ under `ulimit -f`, the ignored
// and blocked sets a program and its children start with), write errors
// (/dev/full) and output files. Our own scripts are in test/realprograms/.
//
// argv[0]: `hotlink run --argv0 NAME` is used when the CLI accepts it (probed
// once); otherwise the program runs under hotlink's default name (its first
// input's base name) and the cases that depend on argv[0] fail with cause
// argv0.
//
// A case that fails says why: the failure message names the known process
// defect its difference matches (see CAUSES), or says UNCLASSIFIED.
//
// Skipped (with a message) only when scripts/realprograms.sh reports that the
// sources cannot be fetched on this machine (exit 77) and CI is not set.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, closeSync, constants as fsConstants, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync,
  readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync,
} from 'node:fs';
import { constants as osConstants, homedir, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { declareBuildFailure, runBuildScript } from './realbuild.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OURS = join(ROOT, 'test', 'realprograms');
const HOTLINK = join(ROOT, 'bin', 'hotlink.js');
const BUILD = process.env.HOTLINK_REALPROGRAMS_DIR ?? join(ROOT, 'build', 'realprograms');

const RUN_TIMEOUT_MS = 2 * 60_000;
const BUILD_TIMEOUT_MS = 30 * 60_000; // first build: fetch + 4 variants (~40 s here)
/** The modification time given to every input file: bzip2 copies it to the files it writes. */
const INPUT_MTIME = new Date('2001-02-03T04:05:06Z');

interface Program { name: string; native: string; libs: string[]; objects: string[] }
interface Variant {
  name: string;
  project: 'bzip2' | 'mawk' | 'bc';
  model: 'pie' | 'pic';
  dir: string;
  /** The pristine source tree (test data is copied from here). */
  src: string;
  cflags: string;
  programs: Program[];
}

// ---------------------------------------------------------------------------
// known process-level defects of hotlink (issue 14), by the feature a case uses

type Cause = 'stdio' | 'errno' | 'argv0' | 'signals' | 'optind' | 'libs';
const CAUSES: Record<Cause, string> = {
  stdio: 'fds 0-2 are close-on-exec under hotlink, so the children of system()/popen() (sh -c ...) get no stdin/stdout/stderr',
  errno: 'errno is 25 (ENOTTY) instead of 0 when main starts under hotlink, so a perror() that natively says "Success" says "Inappropriate ioctl for device"',
  argv0: 'argv[0] under hotlink is the first input\'s base name unless `--argv0 NAME` is given (and the CLI accepts it)',
  signals: 'signal dispositions under hotlink differ from a fresh native process (what Node set up, e.g. SIG_IGN for SIGXFSZ, is inherited by the program and its children)',
  optind: 'PIE objects referencing getopt\'s optind/optarg (libc data the node executable has no copy of) fail to link: R_X86_64_PC32 out of reach',
  libs: '-l libraries bind internally to Node\'s copies',
};

// ---------------------------------------------------------------------------
// cases

interface Case {
  name: string;
  program: string;
  /** argv[0]; default: the program name. */
  argv0?: string;
  args: string[];
  /** Files copied from the project's source tree into the work dir (same relative path). */
  inputs?: string[];
  /** Files copied from test/realprograms/<project>/ into the run directory. */
  ours?: string[];
  /** Run directory, relative to the work dir (default: the work dir itself). */
  cwd?: string;
  /** Extra preparation of the work dir (after the inputs are copied). */
  setup?: (workDir: string) => void;
  /** stdin: text, or a file of the work dir ({ file }); default: empty. */
  stdin?: string | { file: string };
  /** stdout: captured (default), /dev/full, or piped into `head -c N` (the program then sees a closed pipe). */
  stdout?: 'capture' | '/dev/full' | { headBytes: number };
  /** Send a signal once stderr contains `after`, while the program blocks reading the FIFO `fifo`. */
  interrupt?: { fifo: string; after: string; signal: NodeJS.Signals };
  env?: Record<string, string>;
  /** Run under `ulimit -f N` (1024-byte blocks): writing past it raises SIGXFSZ. */
  fileSizeLimitBlocks?: number;
  /** The native exit status (or signal) this case expects — checks the case itself. */
  exit: number | NodeJS.Signals;
  /** The upstream test's own expectation: native stdout equals this file of the source tree. */
  stdoutIs?: string;
  /** Process features the case depends on (they name the suspects when it fails). */
  uses?: Cause[];
}

const truncated = (file: string, from: string, bytes: number) => (dir: string): void => {
  writeFileSync(join(dir, file), readFileSync(join(dir, from)).subarray(0, bytes));
};
const samples = ['sample1.ref', 'sample2.ref', 'sample3.ref', 'sample1.bz2', 'sample2.bz2', 'sample3.bz2'];

const BZIP2_CASES: Case[] = [
  // `make test` (Makefile): compress at -1/-2/-3, decompress (-s: small), cmp with the shipped files.
  ...[1, 2, 3].map((n): Case => ({
    name: `make-test: bzip2 -${n} < sample${n}.ref`, program: 'bzip2', args: [`-${n}`],
    inputs: [`sample${n}.ref`], stdin: { file: `sample${n}.ref` }, exit: 0, stdoutIs: `sample${n}.bz2`,
  })),
  ...[1, 2, 3].map((n): Case => ({
    name: `make-test: bzip2 -d${n === 3 ? 's' : ''} < sample${n}.bz2`, program: 'bzip2', args: [n === 3 ? '-ds' : '-d'],
    inputs: [`sample${n}.bz2`], stdin: { file: `sample${n}.bz2` }, exit: 0, stdoutIs: `sample${n}.ref`,
  })),
  // file to file: output names, removal of the input, permissions and mtime copied, -v statistics
  { name: 'compress files -k -9 -v', program: 'bzip2', args: ['-k', '-9', '-v', 'sample1.ref', 'sample2.ref'], inputs: samples.slice(0, 2), exit: 0 },
  { name: 'decompress a file in place (-d, input removed)', program: 'bzip2', args: ['-d', 'sample3.bz2'], inputs: ['sample3.bz2'],
    setup: (d) => chmodSync(join(d, 'sample3.bz2'), 0o640), exit: 0 },
  { name: 'test integrity -t (and -tvv)', program: 'bzip2', args: ['-tvv', 'sample1.bz2', 'sample2.bz2', 'sample3.bz2'], inputs: samples.slice(3), exit: 0 },
  { name: 'compress to stdout -c -5', program: 'bzip2', args: ['-c', '-5', 'sample2.ref'], inputs: ['sample2.ref'], exit: 0 },
  { name: 'options from $BZIP2', program: 'bzip2', args: ['-k', 'sample3.ref'], inputs: ['sample3.ref'], env: { BZIP2: '-v -1' }, exit: 0 },
  // errors
  { name: 'truncated input: perror after "Compressed file ends unexpectedly" (errno 0: Success)', program: 'bzip2', args: ['-dc', 'trunc.bz2'],
    inputs: ['sample1.bz2'], setup: truncated('trunc.bz2', 'sample1.bz2', 3000), exit: 2, uses: ['errno'] },
  { name: 'truncated input, file to file: the partial output is deleted', program: 'bzip2', args: ['-d', 'trunc.bz2'],
    inputs: ['sample1.bz2'], setup: truncated('trunc.bz2', 'sample1.bz2', 3000), exit: 2 },
  { name: 'not a bzip2 file on stdin', program: 'bzip2', args: ['-d'], stdin: 'this is not bzip2 data\n', exit: 2 },
  { name: 'missing input file', program: 'bzip2', args: ['-d', 'missing.bz2'], exit: 1 },
  { name: 'output file exists', program: 'bzip2', args: ['-k', 'sample1.ref'], inputs: ['sample1.ref'],
    setup: (d) => writeFileSync(join(d, 'sample1.ref.bz2'), 'in the way\n'), exit: 1 },
  { name: '--help', program: 'bzip2', args: ['--help'], exit: 0 },
  { name: 'bad option', program: 'bzip2', args: ['--frobnicate'], exit: 1 },
  // argv[0] selects the mode
  { name: 'argv[0]=bzcat decompresses to stdout', program: 'bzip2', argv0: 'bzcat', args: ['sample3.bz2'], inputs: ['sample3.bz2'],
    exit: 0, stdoutIs: 'sample3.ref', uses: ['argv0'] },
  { name: 'argv[0]=bunzip2 decompresses files', program: 'bzip2', argv0: 'bunzip2', args: ['-k', 'sample2.bz2'], inputs: ['sample2.bz2'],
    exit: 0, uses: ['argv0'] },
  // signals
  { name: 'SIGTERM while compressing a file: message, output file deleted, exit 1', program: 'bzip2', args: ['-f', '-k', '-v', 'in.fifo'],
    setup: (d) => execFileSync('mkfifo', [join(d, 'in.fifo')]), interrupt: { fifo: 'in.fifo', after: 'in.fifo: ', signal: 'SIGTERM' },
    exit: 1, uses: ['signals'] },
  { name: 'output file over ulimit -f: killed by SIGXFSZ', program: 'bzip2', args: ['-dk', 'sample2.bz2'], inputs: ['sample2.bz2'],
    fileSizeLimitBlocks: 100, exit: 'SIGXFSZ', uses: ['signals'] },
  { name: 'stdout closed early (| head -c 100): SIGPIPE', program: 'bzip2', args: ['-dc', 'sample2.bz2'], inputs: ['sample2.bz2'],
    stdout: { headBytes: 100 }, exit: 141, uses: ['signals'] },
  // bzip2recover
  // bzip2recover's bsGetBit: at getc() EOF, `if (errno != 0) readError()` — it relies on errno being 0 from the start
  { name: 'bzip2recover sample2.bz2', program: 'bzip2recover', args: ['sample2.bz2'], inputs: ['sample2.bz2'], exit: 0, uses: ['errno'] },
  { name: 'bzip2recover of a missing file', program: 'bzip2recover', args: ['missing.bz2'], exit: 1 },
];

const wc = ['test/wc.awk', 'test/mawktest.dat'];
const mawk = (name: string, args: string[], more: Partial<Case> = {}): Case =>
  ({ name, program: 'mawk', args, cwd: 'test', inputs: wc, env: { MAWKBINMODE: '7' }, exit: 0, ...more });
const own = (script: string, more: Partial<Case> = {}): Case =>
  mawk(`${script} (ours)`, ['-f', script], { ours: [script], inputs: [], ...more });

const MAWK_CASES: Case[] = [
  // test/mawktest
  mawk('mawktest: -W version', ['-W', 'version'], { inputs: [] }),
  mawk('mawktest: wc.awk', ['-f', 'wc.awk', 'mawktest.dat'], { stdoutIs: 'test/wc-awk.out' }),
  mawk('mawktest: null-rs.awk', ['-f', 'null-rs.awk', 'null-rs.dat'], { inputs: ['test/null-rs.awk', 'test/null-rs.dat'], stdoutIs: 'test/null-rs.out' }),
  ...['(a?)*b', 'a*b', '(a?)+b', '[^^]', '(.)', '[^]]', '[[#a-zA-Z0-9/*!=<>+,;.&_%(){}" -]', '[a[]', '[[a]', '(])', '[]]', '(^)?)', ')']
    .map((fs) => mawk(`mawktest: -F '${fs}' -f wc.awk`, ['-F', fs, '-f', 'wc.awk', 'mawktest.dat'])),
  mawk(`mawktest: -F '[\\' (bad regex, no program)`, ['-F', '[\\'], { inputs: [], uses: ['argv0'] }),
  mawk(`mawktest: echo baaab | -F 'a*+'`, ['-F', 'a*+', '{print NF}'], { inputs: [], stdin: 'baaab\n' }),
  mawk(`mawktest: -F '\\000' nulls0.awk`, ['-F', '\\000', '-f', 'nulls0.awk', 'mawknull.dat'], { inputs: ['test/nulls0.awk', 'test/mawknull.dat'] }),
  mawk(`mawktest: -F '[\\000 ]' nulls0.awk`, ['-F', '[\\000 ]', '-f', 'nulls0.awk', 'mawknull.dat'], { inputs: ['test/nulls0.awk', 'test/mawknull.dat'] }),
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => mawk(`mawktest: reg${n}.awk`, ['-f', `reg${n}.awk`, 'mawktest.dat'], { inputs: [`test/reg${n}.awk`, 'test/mawktest.dat'] })),
  mawk('mawktest: noloop.awk (1)', ['-f', 'noloop.awk'], { inputs: ['test/noloop.awk'], stdin: "''Italics with an apostrophe'' embedded''\n" }),
  mawk('mawktest: noloop.awk (2)', ['-f', 'noloop.awk'], { inputs: ['test/noloop.awk'], stdin: "''Italics with an apostrophe' embedded''\n" }),
  mawk(`mawktest: '/^[^^]*$/'`, ['/^[^^]*$/', 'mawktest.dat'], { stdoutIs: 'test/mawktest.dat' }),
  ...['!/^[^]]*$/', '/]/', '/[]]/', '/[a[]/', '/[[a]/'].map((re) => mawk(`mawktest: '${re}'`, [re, 'mawktest.dat'])),
  mawk(`mawktest: echo aaa | '/a*+/'`, ['/a*+/'], { inputs: [], stdin: 'aaa\n' }),
  mawk('mawktest: write error on close (> /dev/full)', ['{print}'], { inputs: ['test/full-awk.dat'], stdin: { file: 'test/full-awk.dat' }, stdout: '/dev/full', exit: 2, uses: ['argv0'] }),
  mawk('mawktest: write error while writing (../scan.c > /dev/full)', ['{print}'], { inputs: ['scan.c'], stdin: { file: 'scan.c' }, stdout: '/dev/full', exit: 2, uses: ['argv0'] }),
  mawk('mawktest: wfrq0.awk', ['-f', 'wfrq0.awk', 'mawktest.dat'], { inputs: ['test/wfrq0.awk', 'test/mawktest.dat'], stdoutIs: 'test/wfrq-awk.out' }),
  mawk('mawktest: nextfile.awk', ['-f', 'nextfile.awk', 'full-awk.dat', 'mawktest.dat'],
    { inputs: ['test/nextfile.awk', 'test/full-awk.dat', 'test/mawktest.dat'], stdoutIs: 'test/nextfile.out' }),
  mawk('mawktest: ../examples/decl.awk', ['-f', '../examples/decl.awk', 'mawktest.dat'], { inputs: ['examples/decl.awk', 'test/mawktest.dat'], stdoutIs: 'test/decl-awk.out' }),
  // test/fpe_test
  mawk('fpe_test: division by zero', ['BEGIN{ print 4/0 }'], { inputs: [] }),
  mawk('fpe_test: overflow', ['BEGIN {\n  x = 100\n  do { y = x ; x *= 1000 } while ( y != x )\n  print "loop terminated"\n}'], { inputs: [] }),
  mawk('fpe_test: domain error', ['BEGIN{ print sqrt(-8) }'], { inputs: [] }),
  // ours: the process
  own('pipes.awk', { uses: ['stdio'] }),
  own('system.awk', { uses: ['stdio'] }),
  own('getline-cmd.awk', { uses: ['stdio'] }),
  own('stdin-child.awk', { stdin: 'first line\nsecond line\n', uses: ['stdio'] }),
  own('fds.awk', { uses: ['stdio'] }),
  own('files.awk', { args: ['-f', 'files.awk', 'mawktest.dat'], inputs: ['test/mawktest.dat'],
    setup: (d) => writeFileSync(join(d, 'test', 'appended.txt'), '00000 was here\n') }),
  own('argv.awk', { args: ['-v', 'v=from -v', '-f', 'argv.awk', 'x=1', 'data.txt', 'x=2', 'data.txt'],
    setup: (d) => writeFileSync(join(d, 'test', 'data.txt'), 'a b\nc d\n'), env: { MAWKBINMODE: '7', HOTLINK_RP: 'environ works' }, uses: ['argv0'] }),
  own('formats.awk'),
  own('signals.awk', { uses: ['signals'] }),
  mawk('exit status from BEGIN', ['BEGIN { exit 3 }'], { inputs: [], exit: 3 }),
  mawk('exit in a rule, END still runs', ['{ exit 4 } END { print "END ran after", NR }'], { exit: 4, stdin: 'x\ny\n', inputs: [] }),
  mawk('syntax error', ['BEGIN { print ( }'], { inputs: [], exit: 2, uses: ['argv0'] }),
  mawk('run time error (printf arguments)', ['BEGIN { printf("%d %d\\n", 1) }'], { inputs: [], exit: 2, uses: ['argv0'] }),
  mawk('cannot open an input file', ['{ print }', 'no-such-file'], { inputs: [], exit: 2, uses: ['argv0'] }),
  mawk('stdout closed early (| head -c 10): SIGPIPE', ['BEGIN { while (1) print "y" }'], { inputs: [], stdout: { headBytes: 10 }, exit: 141, uses: ['signals'] }),
];

// bc and dc read their options with getopt_long (optind, optarg: `uses: optind` on every case).
const bcCase = (name: string, args: string[], more: Partial<Case> = {}, program = 'bc'): Case =>
  ({ name: `${program} ${name}`, program, args, exit: 0, ...more, uses: ['optind', ...(more.uses ?? [])] });
const dcCase = (name: string, args: string[], more: Partial<Case> = {}): Case => bcCase(name, args, more, 'dc');
// Test/*.b of the bc source (its `timetest` runs each with bc -l), except checklib.b (20 s).
const BC_TESTS = ['array', 'arrayp', 'aryprm', 'atan', 'div', 'exp', 'fact', 'jn', 'ln', 'mul', 'raise', 'sine', 'sqrt', 'sqrt1', 'sqrt2', 'testfn'];

const BC_CASES: Case[] = [
  ...BC_TESTS.map((t) => bcCase(`-l Test/${t}.b`, ['-l', `${t}.b`], { cwd: 'Test', inputs: [`Test/${t}.b`] })),
  bcCase('math.b (ours): -l library, bases, functions', ['-l', 'math.b'], { ours: ['math.b'] }),
  bcCase('read.b (ours): read() from stdin', ['-q', 'read.b'], { ours: ['read.b'], stdin: '21\n2\n' }),
  bcCase('expressions on stdin', [], { stdin: 'scale=20\n1/3\n2^100\nsqrt(10)\n' }),
  bcCase('syntax error', [], { stdin: '1 +\n2\n' }),
  bcCase('divide by zero', ['-l'], { stdin: '1/0\n7\n' }),
  bcCase('-s: non-standard construct is an error', ['-s'], { stdin: 'a[1]=5; print a[1]\n' }),
  bcCase('missing file', ['missing.b'], { exit: 1 }),
  bcCase('--help (usage names argv[0])', ['--help'], { uses: ['argv0'] }),
  bcCase('--version', ['--version']),
  bcCase('invalid option (getopt names argv[0])', ['-z'], { exit: 1, uses: ['argv0'] }),
  bcCase('write error (> /dev/full)', [], { stdin: '1\n', stdout: '/dev/full', exit: 1 }),
  bcCase('stdout closed early (| head -c 10): SIGPIPE', [], { stdin: 'for (;;) 1234567890\n', stdout: { headBytes: 10 }, exit: 141, uses: ['signals'] }),
  dcCase('-e', ['-e', '2 3 + p', '-e', '10k 2v p 16o 255p']),
  dcCase('debian/dc_factor 123456789', ['-e', '123456789[p]s2[lip/dli%0=1dvsr]s12sid2%0=13sidvsr[dli%0=1lrli2+dsi!>.]ds.xd1<2']),
  dcCase('-f file', ['-f', 'prog.dc'], { setup: (d) => writeFileSync(join(d, 'prog.dc'), '[Hello from dc]p 1 2 3 f c 99 d * p\n') }),
  dcCase('! runs a shell command', ['-e', '1 p', '-e', '!echo from the shell; echo to stderr 1>&2', '-e', '2 p'], { uses: ['stdio'] }),
  dcCase('stack empty', ['-e', 'p']),
  dcCase('--help', ['--help']),
  dcCase('invalid option (getopt names argv[0])', ['-z'], { exit: 1, uses: ['argv0'] }),
  dcCase('write error (> /dev/full)', ['-e', '1 p'], { stdout: '/dev/full', exit: 1 }),
];

const CASES: Record<Variant['project'], Case[]> = { bzip2: BZIP2_CASES, mawk: MAWK_CASES, bc: BC_CASES };

// ---------------------------------------------------------------------------
// running one side (native or hotlink) of a case

interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** Every file left in the work dir: relative path -> "mode sha256 [mtime copied]". */
  files: Map<string, string>;
  error?: string;
}

const fakeHome = mkdtempSync(join(tmpdir(), 'hotlink-realprograms-'));
after(() => {
  if (process.env.HOTLINK_KEEP_TMP) process.stderr.write(`realprograms: work dirs kept in ${fakeHome}\n`);
  else rmSync(fakeHome, { recursive: true, force: true });
});

function cleanEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(BZIP2?|MAWK.*|LC_.*|LANG|LANGUAGE|POSIXLY_CORRECT)$/.test(k)) env[k] = v;
  env.HOME = fakeHome;
  env.XDG_CACHE_HOME = process.env.XDG_CACHE_HOME || join(process.env.HOME || homedir() || tmpdir(), '.cache');
  env.LC_ALL = 'C';
  env.TZ = 'UTC';
  env.PATH = '/usr/bin:/bin';
  return { ...env, ...extra };
}

function prepareWorkDir(dir: string, v: Variant, c: Case): void {
  mkdirSync(join(dir, c.cwd ?? '.'), { recursive: true });
  for (const f of c.inputs ?? []) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(v.src, f), join(dir, f));
  }
  for (const f of c.ours ?? []) copyFileSync(join(OURS, v.project, f), join(dir, c.cwd ?? '.', f));
  c.setup?.(dir);
  for (const f of listFiles(dir)) if (!statSync(join(dir, f)).isFIFO()) utimesSync(join(dir, f), INPUT_MTIME, INPUT_MTIME);
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name))]).sort();
}

function snapshot(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of listFiles(dir)) {
    const st = statSync(join(dir, f));
    if (st.isFIFO()) { m.set(f, `fifo mode ${(st.mode & 0o7777).toString(8)}`); continue; }
    const sha = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex').slice(0, 16);
    const copied = Math.abs(st.mtimeMs - INPUT_MTIME.getTime()) < 1000 ? ' mtime=input' : '';
    m.set(f, `mode ${(st.mode & 0o7777).toString(8)} size ${st.size} sha256 ${sha}${copied}`);
  }
  return m;
}

/** argv for a side: [command, ...args] and the argv[0] the OS should give it. */
interface Command { cmd: string; args: string[]; argv0?: string }

/**
 * Resolves once a thread of `pid` sleeps reading a pipe or FIFO (wchan
 * pipe_read / anon_pipe_read), or after 5 s. bzip2 prints the file name a
 * moment before it arms its delete-the-output-on-interrupt flag and reads.
 */
async function blockedReadingPipe(pid: number): Promise<void> {
  for (const end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
    try {
      if (readdirSync(`/proc/${pid}/task`).some((t) => /pipe_read|pipe_wait/.test(readFileSync(`/proc/${pid}/task/${t}/wchan`, 'latin1')))) return;
    } catch {
      return; // gone
    }
  }
}

/**
 * The command line for a side, through bash when the case needs a shell:
 * `ulimit -f N` first, and/or `<program> | head -c N` (the status is then the
 * program's, 128+signal when a signal ended it).
 */
function shellWrap(side: Command, c: Case): Command {
  const head = typeof c.stdout === 'object' ? c.stdout.headBytes : undefined;
  if (head === undefined && c.fileSizeLimitBlocks === undefined) return side;
  const limit = c.fileSizeLimitBlocks === undefined ? '' : `ulimit -f ${c.fileSizeLimitBlocks}; `;
  const a0 = side.argv0 ?? side.cmd;
  const script = head === undefined ? `${limit}exec -a "$0" "$@"` : `${limit}bash -c 'exec -a "$0" "$@"' "$0" "$@" | head -c ${head}; exit "\${PIPESTATUS[0]}"`;
  return { cmd: '/bin/bash', args: ['-c', script, a0, side.cmd, ...side.args] };
}

async function runSide(side: Command, c: Case, workDir: string): Promise<Result> {
  const cwd = join(workDir, c.cwd ?? '.');
  const { cmd, args, argv0 } = shellWrap(side, c);
  const stdin = c.stdin === undefined ? Buffer.alloc(0) : typeof c.stdin === 'string' ? Buffer.from(c.stdin) : readFileSync(join(workDir, c.stdin.file));
  const fullFd = c.stdout === '/dev/full' ? openSync('/dev/full', 'w') : undefined;
  try {
    const child = spawn(cmd, args, {
      cwd, argv0, env: cleanEnv(c.env), stdio: ['pipe', fullFd ?? 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stderrText = '';
    let signalled = false;
    let error: string | undefined;
    const timer = setTimeout(() => { error = `timed out after ${RUN_TIMEOUT_MS} ms`; child.kill('SIGKILL'); }, RUN_TIMEOUT_MS);
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => {
      err.push(b);
      stderrText += b.toString('latin1');
      if (c.interrupt && !signalled && stderrText.includes(c.interrupt.after)) {
        signalled = true;
        void blockedReadingPipe(child.pid!).then(() => child.kill(c.interrupt!.signal));
      }
    });
    child.stdin!.on('error', () => {}); // EPIPE when the program does not read its input
    child.stdin!.end(stdin);
    let fifoFd: number | undefined;
    let exited = false;
    const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((res) => {
      child.on('error', (e) => { error = e.message; });
      child.on('close', (status, signal) => { exited = true; res({ status, signal }); });
    });
    if (c.interrupt) { // be the FIFO's writer once the program opens it for reading (and keep it open, writing nothing)
      const fifo = join(workDir, c.interrupt.fifo);
      while (!exited && fifoFd === undefined) {
        try { fifoFd = openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK); } catch { await new Promise((r) => setTimeout(r, 20)); }
      }
    }
    const { status, signal } = await done;
    clearTimeout(timer);
    if (fifoFd !== undefined) closeSync(fifoFd);
    if (c.interrupt && !signalled) error = (error ? error + '; ' : '') + `never saw ${JSON.stringify(c.interrupt.after)} on stderr, so ${c.interrupt.signal} was not sent`;
    return { status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), files: snapshot(workDir), error };
  } finally {
    if (fullFd !== undefined) closeSync(fullFd);
  }
}

// ---------------------------------------------------------------------------
// comparison and diagnosis

const shq = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const clip = (s: string, n = 1500): string => (s.length <= n ? s : s.slice(0, n) + `... (${s.length - n} more chars)`);
const exitOf = (r: Result): string => (r.signal ? r.signal : String(r.status));

function firstLineDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: native ${JSON.stringify(clip(la[i] ?? '<EOF>', 300))}, hotlink ${JSON.stringify(clip(lb[i] ?? '<EOF>', 300))}`;
  }
  return 'same lines (trailing bytes?)';
}

function fileDifferences(a: Map<string, string>, b: Map<string, string>): string[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.filter((n) => a.get(n) !== b.get(n)).map((n) => `${n}: native ${a.get(n) ?? '<absent>'}, hotlink ${b.get(n) ?? '<absent>'}`);
}

/** The signal names of a /proc/<pid>/status signal mask (hex). */
function signalNames(mask: string): string {
  const bits = BigInt(`0x${mask}`);
  const names = Object.entries(osConstants.signals).filter(([, n]) => (bits >> BigInt(n - 1)) & 1n).map(([name]) => name);
  return names.length ? names.join(',') : 'none';
}

/** Which known defect (or what else) explains the difference between the native and the hotlink run. */
function diagnose(c: Case, native: Result, hot: Result, argv0: string, hotArgv0: string): string[] {
  const found: string[] = [];
  const uses = new Set(c.uses ?? []);
  const link = /^hotlink: error: .*$/m.exec(hot.stderr);
  if (link) { // the program never ran: nothing else can be told
    const pc32 = /relocation against '([^']+)': R_X86_64_PC32: host data symbol .* out of reach/.exec(link[0]);
    return [pc32 ? `optind: ${CAUSES.optind} (here: '${pc32[1]}')` : `NEW (link/load error): ${link[0]}`];
  }
  const crash = /^hotlink: program terminated by .*$/m.exec(hot.stderr);
  if (crash && !native.signal) found.push(`NEW (crash under hotlink): ${crash[0]}`);
  if (/: Success$/m.test(native.stderr) && /: Inappropriate ioctl for device$/m.test(hot.stderr)) found.push(`errno: ${CAUSES.errno}`);
  else if (!/Inappropriate ioctl for device/.test(native.stderr) && /Inappropriate ioctl for device/.test(hot.stderr)) {
    found.push(`errno: ${CAUSES.errno} (here the program tests errno != 0 and reports ENOTTY that only the hotlink run has)`);
  }
  const renamed = (r: Result, out: 'stdout' | 'stderr'): string => r[out].toString().replaceAll(hotArgv0, argv0);
  if (hotArgv0 !== argv0 && (uses.has('argv0') || (renamed(hot, 'stdout') === native.stdout.toString() && renamed(hot, 'stderr') === native.stderr))) {
    found.push(`argv0: ${CAUSES.argv0} — the program wants argv[0] ${JSON.stringify(argv0)}; hotlink gave it ${JSON.stringify(hotArgv0)} (this CLI has no --argv0)`);
  }
  if (uses.has('stdio') && (hot.stdout.length < native.stdout.length || hot.stderr.length < native.stderr.length)) {
    found.push(`stdio: ${CAUSES.stdio} (hotlink's output lacks what the children wrote)`);
  }
  if (uses.has('signals')) {
    const ign = (r: Result): string => [...new Set([...r.stdout.toString().matchAll(/SigIgn:\s*([0-9a-f]+)/g)].map((m) => signalNames(m[1]!)))].join(' / ');
    if (ign(hot) !== ign(native)) found.push(`signals: ${CAUSES.signals} (ignored signals: native ${ign(native) || '-'}, hotlink ${ign(hot) || '-'})`);
    else if (exitOf(hot) !== exitOf(native)) found.push(`signals: ${CAUSES.signals} (native ends by ${exitOf(native)}, hotlink by ${exitOf(hot)})`);
  }
  if (found.length === 0) found.push(`UNCLASSIFIED: none of the known defects (${Object.keys(CAUSES).join(', ')}) explains this difference — investigate`);
  return found;
}

// ---------------------------------------------------------------------------
// build (synchronously, before the tests are declared: they come from the manifest)

/** Does `hotlink run` accept --argv0 NAME? (An unknown option is a usage error naming it.) */
function cliHasArgv0(): boolean {
  const r = spawnSync(process.execPath, [HOTLINK, 'run', '--argv0', 'probe'], { encoding: 'utf8', timeout: 60_000 });
  return !/unknown option '--argv0'/.test(r.stderr ?? '');
}

const built = runBuildScript<{ variants: Variant[] }>(ROOT, 'scripts/realprograms.sh', 'HOTLINK_REALPROGRAMS_DIR', BUILD, BUILD_TIMEOUT_MS);

if (!built.ok) {
  declareBuildFailure(built, 'realprograms (bzip2, mawk, bc via apt-get source)', 'realprograms: scripts/realprograms.sh builds the variants');
} else {
  const variants = built.manifest.variants;
  const hasArgv0 = cliHasArgv0();

  test('realprograms: build summary and manifest', (t) => {
    t.diagnostic(built.summary);
    t.diagnostic(hasArgv0 ? 'hotlink run accepts --argv0: cases run under the native argv[0]'
      : 'hotlink run has no --argv0 option: argv[0] is the first input\'s base name (cases depending on argv[0] fail with cause argv0)');
    assert.deepEqual(variants.map((v) => v.name).sort(), ['bc-pic', 'bc-pie', 'bzip2-pic', 'bzip2-pie', 'mawk-pic', 'mawk-pie']);
    for (const v of variants) {
      for (const p of v.programs) {
        assert.ok(existsSync(p.native), `${p.native} missing`);
        for (const o of p.objects) assert.ok(existsSync(o), `${o} missing`);
      }
      for (const c of CASES[v.project]) assert.ok(v.programs.some((p) => p.name === c.program), `${v.name}: no program ${c.program} for case ${c.name}`);
    }
  });

  for (const v of variants) {
    describe(`realprograms ${v.name}`, () => {
      CASES[v.project].forEach((c, i) => {
        test(`${v.name} ${c.name}`, { timeout: 2 * RUN_TIMEOUT_MS + 30_000 }, async (t) => {
          const p = v.programs.find((x) => x.name === c.program)!;
          const argv0 = c.argv0 ?? c.program;
          // without --argv0, hotlink names the program after its first input (src/cli/main.ts)
          const hotArgv0 = hasArgv0 ? argv0 : p.objects[0]!.replace(/^.*\//, '').replace(/\.[^.]*$/, '');
          const base = join(fakeHome, v.name, String(i).padStart(2, '0'));
          const nativeDir = join(base, 'native');
          const hotDir = join(base, 'hotlink');
          prepareWorkDir(nativeDir, v, c);
          prepareWorkDir(hotDir, v, c);

          const native = await runSide({ cmd: p.native, args: c.args, argv0 }, c, nativeDir);
          const expectExit = typeof c.exit === 'number' ? String(c.exit) : c.exit;
          assert.ok(!native.error && exitOf(native) === expectExit,
            `the NATIVE ${p.name} exits with ${exitOf(native)}, not the expected ${expectExit} (a problem of the case?)${native.error ? `; ${native.error}` : ''}\n` +
            `  stderr: ${clip(native.stderr)}`);
          if (c.stdoutIs) {
            assert.ok(native.stdout.equals(readFileSync(join(v.src, c.stdoutIs))),
              `the NATIVE ${p.name} stdout differs from ${c.stdoutIs}, as the upstream test requires (a problem of the build?)`);
          }

          const hotArgs = ['run', ...(hasArgv0 ? ['--argv0', argv0] : []), ...p.objects, ...p.libs.map((l) => `-l${l}`), '--', ...c.args];
          const t0 = process.hrtime.bigint();
          const hot = await runSide({ cmd: process.execPath, args: [HOTLINK, ...hotArgs] }, c, hotDir);
          t.diagnostic(`hotlink run ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);

          const parts: string[] = [];
          if (hot.error) parts.push(`hotlink run: ${hot.error}`);
          if (exitOf(hot) !== exitOf(native)) parts.push(`exit: native ${exitOf(native)}, hotlink ${exitOf(hot)}`);
          if (!hot.stdout.equals(native.stdout)) {
            parts.push(`stdout differs (native ${native.stdout.length} bytes, hotlink ${hot.stdout.length}); ${firstLineDifference(native.stdout.toString('latin1'), hot.stdout.toString('latin1'))}`);
          }
          if (hot.stderr !== native.stderr) parts.push(`stderr differs; ${firstLineDifference(native.stderr, hot.stderr)}\n  hotlink stderr: ${clip(hot.stderr)}`);
          const fd = fileDifferences(native.files, hot.files);
          if (fd.length) parts.push(`files differ:\n    ${fd.join('\n    ')}`);
          if (parts.length === 0) return;

          const causes = diagnose(c, native, hot, argv0, hotArgv0);
          const cwd = join(hotDir, c.cwd ?? '.');
          const stdinDesc = c.stdin === undefined ? ' </dev/null' : typeof c.stdin === 'string' ? ` <<< ${shq(c.stdin.replace(/\n$/, ''))}` : ` < ${shq(relative(cwd, join(hotDir, c.stdin.file)))}`;
          const outDesc = c.stdout === '/dev/full' ? ' >/dev/full' : typeof c.stdout === 'object' ? ` | head -c ${c.stdout.headBytes}` : '';
          assert.fail([
            `${v.name} ${c.name}: hotlink differs from the native ${p.name}`,
            `cause: ${causes.join('\n       ')}`,
            ...parts,
            `reproduce (HOTLINK_KEEP_TMP=1 keeps the work dirs): cd ${shq(cwd)} && ${c.fileSizeLimitBlocks === undefined ? '' : `ulimit -f ${c.fileSizeLimitBlocks}; `}` +
              `${Object.entries(c.env ?? {}).map(([k, val]) => `${k}=${shq(val)} `).join('')}node ${HOTLINK} ${hotArgs.map(shq).join(' ')}${stdinDesc}${outDesc}`,
          ].join('\n'));
        });
      });
    });
  }
}
