// The process a program run by hotlink observes, compared with the same
// program built natively by gcc (issue 14, "A native process, exactly").
//
//   1. test/programs/fingerprint.c prints what a program can see of its
//      process (errno at entry, argv and glibc's program names, fd flags of
//      0-2, signal mask and every disposition, umask, locale, environment,
//      rlimits, what system()/fork()/popen() children see and their
//      statuses); its stdout, stderr and status under `hotlink run` must
//      equal the native binary's byte for byte, with pipes, with /dev/null
//      stdin and in a terminal (script(1)), and under `hotlink dbg` apart
//      from the debugger's own lines;
//   2. argv[0]: --argv0 NAME, and the default (the first input's path
//      without its extension);
//   3. raise() of each catchable signal exits with the native status, and
//      the process itself dies of the signal where the native one does
//      (hotlink's crash guard turns SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
//      SIGTRAP and SIGSYS into a report and exit 128+N instead);
//   4. signals sent from outside: SIGTERM kills, a handler the program
//      installs runs on the program's thread;
//   5. the crash guard is invisible to sigaction()/signal() queries;
//   6. --stats still reports after the program closed its stderr.
//
// Run: npx tsc -p . && node --test dist/test/process.test.js

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { compileNative, haveCommand, hotlinkBin, repoRoot, runHotlinkAsync, runNativeAsync, shellQuote, tmpDir } from './helpers.js';

const FINGERPRINT = path.join(repoRoot, 'test', 'programs', 'fingerprint.c');
const skip = haveCommand('gcc') ? false : 'needs gcc (the native reference build)';

/** One explicit environment for both runs: nothing inherited from the test process. */
const ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C.UTF-8', FP_VAR: 'a b=c', FP_EXIT: '3' };

interface Outcome {
  stdout: string;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
}

function spawnWith(file: string, args: string[], stdio: StdioOptions, env: NodeJS.ProcessEnv = ENV): Outcome {
  const r = spawnSync(file, args, { env, stdio, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  if (r.error) throw new Error(`cannot run ${file}: ${r.error.message}`);
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status, signal: r.signal };
}

function hotlink(args: string[], stdio: StdioOptions = 'pipe', env?: NodeJS.ProcessEnv): Outcome {
  return spawnWith(process.execPath, [hotlinkBin, ...args], stdio, env);
}

function diffHint(want: string, got: string): string {
  const a = want.split('\n');
  const b = got.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `first difference at line ${i + 1}:\n  native:  ${JSON.stringify(a[i])}\n  hotlink: ${JSON.stringify(b[i])}`;
  }
  return 'identical';
}

function assertSame(got: Outcome, want: Outcome, what: string): void {
  assert.equal(got.stdout, want.stdout, `${what}: stdout differs; ${diffHint(want.stdout, got.stdout)}`);
  assert.equal(got.stderr, want.stderr, `${what}: stderr differs; ${diffHint(want.stderr, got.stderr)}`);
  assert.equal(got.status, want.status, `${what}: status`);
  assert.equal(got.signal, want.signal, `${what}: signal`);
}

describe('the process a program starts in', { skip, timeout: 300_000 }, () => {
  let dir = '';
  let native = '';
  const exe = () => {
    if (!native) {
      dir = tmpDir();
      native = compileNative({ cc: 'gcc', files: [FINGERPRINT], flags: ['-g'], out: path.join(dir, 'fingerprint') });
    }
    return native;
  };

  for (const [label, stdio] of [
    ['pipes', 'pipe'],
    ['/dev/null stdin', ['ignore', 'pipe', 'pipe']],
  ] as [string, StdioOptions][]) {
    test(`hotlink run: the fingerprint equals the native binary's (${label})`, () => {
      const want = spawnWith(exe(), ['one', 'two words'], stdio);
      assert.equal(want.status, 3, `the native run itself failed:\n${want.stderr}`);
      const got = hotlink(['run', '--argv0', exe(), FINGERPRINT, '--', 'one', 'two words'], stdio);
      assertSame(got, want, `hotlink run (${label})\n  reproduce: ${shellQuote(['node', hotlinkBin, 'run', '--argv0', exe(), FINGERPRINT, '--', 'one', 'two words'])}`);
    });
  }

  test('hotlink run: the fingerprint equals the native binary\'s in a terminal (script)', { skip: haveCommand('script') ? false : 'needs script(1) for a pseudo-terminal' }, () => {
    // script runs the command on a new pty (stdin, stdout, stderr); stdout and stderr arrive merged, as \r\n lines.
    const inPty = (cmd: string[]) => spawnWith('script', ['-qec', shellQuote(cmd), '/dev/null'], ['ignore', 'pipe', 'pipe'], { ...ENV, TERM: 'dumb' });
    const want = inPty([exe(), 'tty']);
    assert.equal(want.status, 3, `the native run itself failed:\n${want.stdout}${want.stderr}`);
    const got = inPty([process.execPath, hotlinkBin, 'run', '--argv0', exe(), FINGERPRINT, '--', 'tty']);
    assert.match(want.stdout, /fd 1: inherit RDWR\r\n/);
    assertSame(got, want, 'hotlink run in a terminal');
  });

  test('hotlink dbg: the fingerprint equals the native binary\'s apart from the debugger\'s lines', () => {
    const want = spawnWith(exe(), ['one'], ['ignore', 'pipe', 'pipe']);
    const got = hotlink(['dbg', '--argv0', exe(), FINGERPRINT, '--batch', '-ex', 'run', '--', 'one'], ['ignore', 'pipe', 'pipe']);
    const lines = got.stdout.split('\n');
    assert.equal(lines[0], `Starting program: ${exe()} one`);
    const end = lines.findIndex((l) => /^\[Inferior 1 \(process \d+\) exited with code 03\]$/.test(l));
    assert.ok(end > 0, `the program's end is not reported:\n${got.stdout}`);
    const program = [...lines.slice(1, end), ...lines.slice(end + 1)].join('\n');
    assert.equal(program, want.stdout, `hotlink dbg: the program's output differs; ${diffHint(want.stdout, program)}`);
    assert.equal(got.stderr, want.stderr);
  });
});

describe('argv[0]', { skip: haveCommand('cc') || haveCommand('gcc') ? false : 'needs a C compiler', timeout: 120_000 }, () => {
  const names = (out: string) => out.split('\n').filter((l) => /^(argv\[0\]|__progname|program_invocation)/.test(l));

  test('--argv0 sets argv[0] and glibc\'s program names', async () => {
    const r = await runHotlinkAsync(['run', '--argv0', 'some/dir/custom-name', FINGERPRINT]);
    assert.deepEqual(names(r.stdout), [
      'argv[0] = some/dir/custom-name',
      '__progname = custom-name',
      'program_invocation_name = some/dir/custom-name',
      'program_invocation_short_name = custom-name',
    ], r.stderr);
    const eq = await runHotlinkAsync(['run', '--argv0=-sh', FINGERPRINT]);
    assert.equal(names(eq.stdout)[0], 'argv[0] = -sh');
  });

  test('the default argv[0] is the first input\'s path as given, without its extension', async () => {
    const r = await runHotlinkAsync(['run', 'test/programs/fingerprint.c'], { cwd: repoRoot });
    assert.deepEqual(names(r.stdout), [
      'argv[0] = test/programs/fingerprint',
      '__progname = fingerprint',
      'program_invocation_name = test/programs/fingerprint',
      'program_invocation_short_name = fingerprint',
    ], r.stderr);
  });

  test('hotlink dbg takes --argv0 and the same default', async () => {
    const def = await runHotlinkAsync(['dbg', 'test/programs/fingerprint.c', '--batch', '-ex', 'run'], { cwd: repoRoot });
    assert.match(def.stdout, /^Starting program: test\/programs\/fingerprint\n/);
    assert.match(def.stdout, /\nprogram_invocation_name = test\/programs\/fingerprint\n/);
    const set = await runHotlinkAsync(['dbg', '--argv0', 'x/y', 'test/programs/fingerprint.c', '--batch', '-ex', 'run'], { cwd: repoRoot });
    assert.match(set.stdout, /^Starting program: x\/y\n/);
    assert.match(set.stdout, /\n__progname = y\n/);
  });
});

const RAISE_C = `
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int s = atoi(argv[1]);
    printf("raising %d\\n", s);
    fflush(stdout);
    int r = raise(s);
    printf("raise returned %d\\n", r);
    return 0;
}
`;

/** hotlink's crash guard: these end in a report and exit(128+N), not in a death by the signal (README). */
const GUARDED = new Set(['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGABRT', 'SIGTRAP', 'SIGSYS'].map((n) => constants.signals[n as keyof typeof constants.signals]));
/** Their default action stops the process: a native run would hang stopped. */
const STOPPING = new Set([constants.signals.SIGTSTP, constants.signals.SIGTTIN, constants.signals.SIGTTOU]);

describe('signals', { skip, timeout: 300_000 }, () => {
  test('raise() of each catchable signal ends the process as natively', async (t) => {
    const dir = tmpDir(t);
    const src = path.join(dir, 'raise.c');
    writeFileSync(src, RAISE_C);
    const exe = compileNative({ cc: 'gcc', files: [src], out: path.join(dir, 'raise') });
    const obj = path.join(dir, 'raise.o');
    assert.equal(spawnSync('gcc', ['-c', '-g', '-fPIC', src, '-o', obj]).status, 0);
    const signals: number[] = [];
    for (let s = 1; s <= 31; s++) if (s !== constants.signals.SIGKILL && s !== constants.signals.SIGSTOP && !STOPPING.has(s)) signals.push(s);
    signals.push(34, 40, 64); // realtime: SIGRTMIN, one in the middle, SIGRTMAX
    t.diagnostic(`not raised: SIGTSTP, SIGTTIN, SIGTTOU (their default action stops the process; the native run would hang)`);
    const failures: string[] = [];
    const one = async (s: number) => {
      const [want, got] = await Promise.all([runNativeAsync(exe, [String(s)]), runHotlinkAsync(['run', obj, '--', String(s)])]);
      const what = `signal ${s}: native status ${want.status} (${want.signal}) stdout ${JSON.stringify(want.stdout)}; hotlink status ${got.status} (${got.signal}) stdout ${JSON.stringify(got.stdout)} stderr ${JSON.stringify(got.stderr.slice(0, 200))}`;
      if (got.status !== want.status || got.stdout !== want.stdout) failures.push(what);
      else if (GUARDED.has(s) ? got.signal !== null : got.signal !== want.signal) failures.push(`${what} (death by the signal expected ${GUARDED.has(s) ? 'not ' : ''}to match)`);
    };
    for (let i = 0; i < signals.length; i += 2) await Promise.all(signals.slice(i, i + 2).map(one));
    assert.deepEqual(failures, []);
  });

  const WAIT_C = `
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static volatile sig_atomic_t got, on_main;
static void handler(int s) { got = s; on_main = gettid() == getpid(); }
int main(int argc, char **argv) {
    if (argc > 1) { signal(SIGUSR1, handler); signal(SIGINT, handler); }
    printf("ready\\n");
    fflush(stdout);
    for (int i = 0; i < 3; i++) {
        pause();
        printf("signal %d on %s thread\\n", (int)got, on_main ? "the program's" : "another");
        fflush(stdout);
    }
    return 0;
}
`;

  /** Starts `hotlink run src args`, waits for "ready", sends `signals` (spaced), collects the outcome. */
  function sendSignals(src: string, args: string[], signals: NodeJS.Signals[]): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [hotlinkBin, 'run', src, '--', ...args], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let sent = false;
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (!sent && out.includes('ready\n')) {
          sent = true;
          signals.forEach((s, i) => setTimeout(() => child.kill(s), 200 * (i + 1)));
        }
      });
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('error', reject);
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve({ stdout: out, stderr: err, status, signal });
      });
    });
  }

  test('SIGTERM sent from outside kills the program as natively', async (t) => {
    const dir = tmpDir(t);
    const src = path.join(dir, 'wait.c');
    writeFileSync(src, WAIT_C);
    const r = await sendSignals(src, [], ['SIGTERM']);
    assert.deepEqual([r.stdout, r.signal, r.status], ['ready\n', 'SIGTERM', null], r.stderr);
  });

  test('a handler the program installs runs on the program\'s thread (Node\'s threads do not take its signals)', async (t) => {
    const dir = tmpDir(t);
    const src = path.join(dir, 'wait.c');
    writeFileSync(src, WAIT_C);
    const r = await sendSignals(src, ['handle'], ['SIGUSR1', 'SIGINT', 'SIGUSR1']);
    assert.deepEqual([r.stdout, r.status], [
      "ready\nsignal 10 on the program's thread\nsignal 2 on the program's thread\nsignal 10 on the program's thread\n", 0,
    ], r.stderr);
  });

  test('the crash guard is invisible to sigaction() and signal(), and SIG_DFL brings it back', async (t) => {
    const dir = tmpDir(t);
    const src = path.join(dir, 'guard.c');
    writeFileSync(src, `
#include <signal.h>
#include <stdio.h>
#include <string.h>
static void h(int s) { (void)s; }
int main(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigaction(SIGSEGV, &sa, &old);
    printf("SIGSEGV was %s\\n", old.sa_handler == SIG_DFL && !(old.sa_flags & SA_SIGINFO) ? "SIG_DFL" : "something else");
    printf("signal(SIGSEGV, SIG_DFL) returned %s\\n", signal(SIGSEGV, SIG_DFL) == h ? "the handler" : "something else");
    printf("signal(SIGFPE, SIG_IGN) returned %s\\n", signal(SIGFPE, SIG_IGN) == SIG_DFL ? "SIG_DFL" : "something else");
    sigaction(SIGSEGV, NULL, &old);
    printf("SIGSEGV is %s\\n", old.sa_handler == SIG_DFL ? "SIG_DFL" : "something else");
    fflush(stdout);
    *(volatile int *)0 = 1;
    return 0;
}
`);
    const exe = compileNative({ cc: 'gcc', files: [src], out: path.join(dir, 'guard') });
    const [want, got] = await Promise.all([runNativeAsync(exe), runHotlinkAsync(['run', src])]);
    assert.equal(want.status, 139);
    assert.deepEqual([got.stdout, got.status], [want.stdout, want.status]);
    assert.match(got.stderr, /^hotlink: program terminated by SIGSEGV/, 'the guard reports the crash');
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
