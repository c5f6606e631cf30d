// `hotlink dbg` while the program runs (issue 10): GDB's asynchronous
// commands (`run &`, `continue &`, `interrupt`, the refusals of commands that
// need a stopped program), `reload` while running (stop-the-world
// publication), `set auto-reload on`, SIGINT in scripted mode, crash rollback
// and `restart`. A long-running program prints its version and its kept
// state every few ms; the tests edit its source and assert what a user sees:
// the transcript (GDB's wording, checked against gdb 13 with `continue &`)
// and the program's lines (each version in order, the state continuing).
//
// gcc and clang-19 at -O0 and -O2 (clang-19 skipped with the reason when it
// is missing); one interactive session under tmux (skipped without tmux).

import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { childEnv, DbgDriver, hotlinkBin, needs, shellQuote, tmpDir } from './helpers.js';

const CONFIGS: { cc: string; opt: string; skip: string | false }[] = [
  { cc: 'gcc', opt: '-O0', skip: false },
  { cc: 'gcc', opt: '-O2', skip: false },
  { cc: 'clang-19', opt: '-O0', skip: needs('clang-19') },
  { cc: 'clang-19', opt: '-O2', skip: needs('clang-19') },
];

/** The program: `vN state=S` every few ms; bump() computes the next state (line 7), tick() stores it (line 9). */
function counter(o: { version: number; bump?: string }): string {
  return `#include <stdio.h>
#include <unistd.h>
static long state;
int version(void) { return ${o.version}; }
long bump(long s) {
  long next = s;
  ${o.bump ?? 'next = s + 1;'} return next;
}
void tick(void) {
  state = bump(state);
  printf("v%d state=%ld\\n", version(), state);
  fflush(stdout);
}
int main(void) {
  for (;;) {
    tick();
    usleep(3000);
  }
}
`;
}

function rows(out: string): { v: number; state: number }[] {
  return out.split('\n').flatMap((l) => {
    const m = /^v(\d+) state=(-?\d+)$/.exec(l);
    return m ? [{ v: Number(m[1]), state: Number(m[2]) }] : [];
  });
}

/** Polls until `pred` holds (generous: the machine may be loaded); fails with the transcript. */
async function until(d: DbgDriver, what: string, pred: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) {
      d.signal('SIGKILL');
      assert.fail(`timed out waiting for ${what}\n${transcript(d.out)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the transcript (the program's lines left out: they interleave with it) matches `re`. */
async function seen(d: DbgDriver, re: RegExp): Promise<void> {
  await until(d, String(re), () => re.test(transcript(d.out)));
}

/** The transcript without the program's lines. */
function transcript(out: string): string {
  return out.split('\n').filter((l) => !/^v\d+ state=/.test(l)).join('\n');
}

/** `n` more program lines than now. */
function more(d: DbgDriver, n: number): () => boolean {
  const have = rows(d.out).length;
  return () => rows(d.out).length >= have + n;
}

const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;

for (const cfg of CONFIGS) {
  describe(`hotlink dbg while the program runs (${cfg.cc} ${cfg.opt})`, { skip: cfg.skip }, () => {
    test('run &, refusals, reload while running, interrupt, SIGINT, auto-reload, crash rollback, restart', async (t) => {
      const dir = tmpDir(t, 'hotlink-dbg-async-');
      const src = join(dir, 'counter.c');
      writeFileSync(src, counter({ version: 1 }));
      const d = new DbgDriver(['--cc', cfg.cc, cfg.opt, 'counter.c'], dir);
      t.after(() => d.signal('SIGKILL'));
      const lastV = (): number | undefined => rows(d.out).at(-1)?.v;

      // `run &`: the prompt comes back while the program runs; GDB's refusals of what needs it stopped.
      d.send('run &');
      await until(d, 'the first version', () => lastV() === 1 && rows(d.out).length >= 5);
      d.send('bt', 'next', 'continue', 'print state', 'info registers rip', 'frame', 'info locals', 'break', 'jit { int z; }', 'info breakpoints');
      await seen(d, /\(hotlink\) info breakpoints\nNo breakpoints or watchpoints\.\n/);
      assert.deepEqual(d.block('bt').filter((l) => !/^v\d/.test(l)), ['Selected thread is running.']);
      assert.deepEqual(d.block('next').filter((l) => !/^v\d/.test(l)), ['Cannot execute this command while the selected thread is running.']);
      assert.deepEqual(d.block('continue').filter((l) => !/^v\d/.test(l)), ['Cannot execute this command while the selected thread is running.']);
      assert.deepEqual(d.block('print state').filter((l) => !/^v\d/.test(l)), ['Selected thread is running.']);
      assert.deepEqual(d.block('info registers rip').filter((l) => !/^v\d/.test(l)), ['Selected thread is running.']);
      assert.deepEqual(d.block('frame').filter((l) => !/^v\d/.test(l)), ['No stack.']);
      assert.deepEqual(d.block('info locals').filter((l) => !/^v\d/.test(l)), ['No frame selected.']);
      assert.deepEqual(d.block('break').filter((l) => !/^v\d/.test(l)), ['No default breakpoint address now.']);
      assert.deepEqual(d.block('jit { int z; }').filter((l) => !/^v\d/.test(l)), ['Selected thread is running.']);

      // `reload FILE` while it runs: the new version's lines follow, the state goes on.
      writeFileSync(src, counter({ version: 2 }));
      d.send('reload counter.c');
      await seen(d, /Reloaded counter\.c \(generation \d+\): swapped version; unchanged \d+\.\n/);
      await until(d, 'version 2', () => lastV() === 2);
      assert.doesNotMatch(d.out, /did not stop for the publication/);

      // `interrupt`: nothing at once; the stop is reported when it arrives.
      d.send('interrupt');
      await seen(d, /\(hotlink\) interrupt\n\nProgram received signal SIGINT, Interrupt\.\n/);
      // Stopped in libc's sleep: `restart` has no statement to go back to there.
      d.send('restart');
      await seen(d, /\(hotlink\) restart\ncannot restart \S+: its caller at 0x[0-9a-f]+ has no line information\n/);

      // SIGINT sent to hotlink in scripted mode stops the program (it does not end hotlink).
      d.send('continue');
      const n0 = rows(d.out).length;
      await until(d, 'output after continue', () => rows(d.out).length > n0 + 5);
      d.signal('SIGINT');
      await until(d, 'the SIGINT stop', () => count(d.out, /Program received signal SIGINT, Interrupt\./) === 2);

      // Auto-reload: a save reloads while the program runs, one line per reload.
      d.send('set auto-reload on', 'show auto-reload', 'continue &');
      await seen(d, /\(hotlink\) show auto-reload\nReloading the program's files when they change is on\.\n/);
      await seen(d, /\(hotlink\) continue &\nContinuing\.\n/);
      writeFileSync(src, counter({ version: 3 }));
      await until(d, 'version 3', () => lastV() === 3);
      await seen(d, /\nhotlink: reloaded counter\.c: swapped version \(compile \d+ ms, link [\d.]+ ms\)\n/);

      // A crash in the new code: the program stops with the report and the reload is rolled back…
      const beforeCrash = rows(d.out).length;
      writeFileSync(src, counter({ version: 3, bump: 'long *volatile p = 0; next = s + *p;' }));
      await seen(d, /Rolled back counter\.c to generation \d+ \(bump runs its previous code\); "continue" re-executes the statement of tick at counter\.c:10:\n/);
      await seen(d, /\nProgram received signal SIGSEGV, Segmentation fault\.\n(0x[0-9a-f]+ in )?bump \(s=[^)]*\) at counter\.c:7\n7\t  long \*volatile p = 0; next = s \+ \*p; return next;\n/);
      await seen(d, /re-executes the statement of tick at counter\.c:10:\n(0x[0-9a-f]+ in )?tick \(\) at counter\.c:10\n10\t  state = bump\(state\);\n/);
      // … and `continue` resumes on the old code: the state goes on from where it was.
      d.send('set auto-reload off', 'continue &');
      await until(d, 'output after the rollback', more(d, 10));
      assert.equal(lastV(), 3);

      // `restart`: stopped in bump, reload it, re-execute tick's statement with the new code.
      d.send('interrupt');
      await until(d, 'the third interrupt', () => count(d.out, /Program received signal SIGINT, Interrupt\./) === 3);
      d.send('break bump', 'continue');
      await seen(d, /\nBreakpoint 1, bump \(s=[^)]*\) at counter\.c:[67]\n/);
      d.send('frame 2', 'restart', 'frame 0');
      await seen(d, /\(hotlink\) restart\n"restart" not meaningful in the outermost frame\.\n/);
      writeFileSync(src, counter({ version: 3, bump: 'next = s + 1000;' }));
      d.send('reload bump from counter.c', 'restart');
      await seen(d, /\(hotlink\) restart\nRestarting the statement of tick at counter\.c:10 \(it runs the code active now\)\.\n(0x[0-9a-f]+ in )?tick \(\) at counter\.c:10\n10\t  state = bump\(state\);\n/);
      d.send('delete', 'continue &');
      await until(d, 'output after the restart', more(d, 10));
      d.send('quit');
      const { status, out } = await d.end();
      assert.equal(status, 0, transcript(out));

      // The program's lines: versions in order; the state +1 each line, then +1000 from the restart on
      // (the abandoned call to the old bump never stored its result); nothing lost at the crash.
      const r = rows(out);
      const versions = r.map((x) => x.v).filter((v, i, a) => i === 0 || a[i - 1] !== v);
      assert.deepEqual(versions, [1, 2, 3]);
      const deltas = r.slice(1).map((x, i) => x.state - r[i]!.state);
      const firstBig = deltas.indexOf(1000);
      assert.ok(firstBig > beforeCrash, `the jump comes after the crash: ${firstBig}`);
      assert.ok(deltas.slice(0, firstBig).every((x) => x === 1), `+1 until the restart: ${deltas.slice(0, firstBig).filter((x) => x !== 1)}`);
      assert.ok(deltas.slice(firstBig).every((x) => x === 1000), `+1000 from the restart on: ${deltas.slice(firstBig).filter((x) => x !== 1000)}`);
      assert.equal(r[0]!.state, 1);
    });
  });
}

const tmuxSkip = needs('tmux');
test('interactive (tmux): continue &, interrupt, Ctrl-C, refusals, quit', { skip: tmuxSkip }, async (t) => {
  const dir = tmpDir(t, 'hotlink-dbg-async-tty-');
  writeFileSync(join(dir, 'counter.c'), counter({ version: 1 }));
  // Our own tmux server (socket), ended by its name at the end; the program's lines go to a file.
  const sock = `hotlink-dbg-async-${process.pid}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', sock, ...args], { encoding: 'utf8' });
  t.after(() => tmux('kill-server'));
  const cmd = `cd ${shellQuote([dir])} && HOME=${shellQuote([dir])} LC_ALL=C ${shellQuote([process.execPath, hotlinkBin, 'dbg', 'counter.c'])} 2>&1`;
  assert.equal(tmux('new-session', '-d', '-x', '200', '-y', '50', 'sh', '-c', cmd).status, 0);
  const screen = () => tmux('capture-pane', '-p', '-S', '-2000').stdout;
  const waitScreen = async (re: RegExp, what: string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!re.test(screen())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n${screen()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const type = (line: string) => tmux('send-keys', '-t', '0', '-l', line + '\r');
  await waitScreen(/^\(hotlink\)/m, 'the prompt');
  type('run &');
  await waitScreen(/v1 state=20\b/, 'the program running');
  type('bt');
  await waitScreen(/Selected thread is running\./, 'the refusal of bt');
  type('interrupt');
  await waitScreen(/\nProgram received signal SIGINT, Interrupt\.\n/, 'the interrupt stop');
  type('continue &');
  await waitScreen(/continue &\nContinuing\.\n/, 'continue &');
  const before = count(screen(), /Program received signal SIGINT, Interrupt\./);
  await new Promise((r) => setTimeout(r, 300));
  tmux('send-keys', '-t', '0', 'C-c');
  await waitScreen(new RegExp(`(Program received signal SIGINT, Interrupt\\.[^]*){${before + 1}}`), 'the Ctrl-C stop');
  type('quit');
  const deadline = Date.now() + 60_000;
  while (tmux('has-session', '-t', '0').status === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.notEqual(tmux('has-session', '-t', '0').status, 0, `hotlink did not end\n${screen()}`);
});

test('reload while running parks the threads the program created too: both threads switch, none is left behind', async (t) => {
  const dir = tmpDir(t, 'hotlink-dbg-async-threads-');
  // A parked thread's sleep ends early (EINTR): the visible trace that the publication stopped it.
  const program = (v: number) => `#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
int version(void) { return ${v}; }
static void loop(const char *who) {
  int woken = 0;
  for (;;) {
    printf("%s v%d woken=%d\\n", who, version(), woken);
    fflush(stdout);
    if (usleep(3000) != 0) woken++;
  }
}
static void *other(void *unused) {
  (void)unused;
  loop("thread");
  return 0;
}
int main(void) {
  pthread_t th;
  pthread_create(&th, 0, other, 0);
  loop("main");
}
`;
  writeFileSync(join(dir, 'threads.c'), program(1));
  const d = new DbgDriver(['threads.c', '-lpthread'], dir);
  t.after(() => d.signal('SIGKILL'));
  const lines = (who: string): { v: number; woken: number }[] =>
    d.out.split('\n').flatMap((l) => {
      const m = new RegExp(`^${who} v(\\d+) woken=(\\d+)$`).exec(l);
      return m ? [{ v: Number(m[1]), woken: Number(m[2]) }] : [];
    });
  const last = (who: string): string | undefined => {
    const l = lines(who).at(-1);
    return l && `${who} v${l.v}`;
  };
  d.send('run &');
  await until(d, 'both threads', () => last('main') === 'main v1' && last('thread') === 'thread v1');
  for (let v = 2; v <= 4; v++) {
    writeFileSync(join(dir, 'threads.c'), program(v));
    d.send('reload threads.c');
    await until(d, `version ${v} in both threads`, () => last('main') === `main v${v}` && last('thread') === `thread v${v}`);
  }
  d.send('quit');
  const { status, out } = await d.end();
  assert.equal(status, 0, out);
  assert.equal(count(out, /Reloaded threads\.c \(generation \d+\): swapped version; unchanged \d+\./), 3);
  assert.doesNotMatch(out, /did not stop for the publication/);
  // Both threads were parked by the publications (nothing else signals them here), the worker and the one it created.
  assert.ok(lines('main').at(-1)!.woken >= 1, `main was parked: ${JSON.stringify(lines('main').at(-1))}`);
  assert.ok(lines('thread').at(-1)!.woken >= 1, `the created thread was parked: ${JSON.stringify(lines('thread').at(-1))}`);
});

test('--batch: SIGINT stops the program like Ctrl-C, the remaining commands run, hotlink ends with 0 (was killed: 130)', async (t) => {
  const dir = tmpDir(t, 'hotlink-dbg-async-batch-');
  writeFileSync(join(dir, 'counter.c'), counter({ version: 1 }));
  writeFileSync(join(dir, 'cmds'), 'run\nshow auto-reload\n');
  const child = spawn(process.execPath, [hotlinkBin, 'dbg', '--batch', '-x', 'cmds', '-ex', 'info breakpoints', 'counter.c'], { cwd: dir, env: childEnv({ LC_ALL: 'C' }), stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (rows(out).length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(rows(out).length >= 20, `the program runs\n${out}`);
  child.kill('SIGINT');
  const status = await done;
  assert.equal(status, 0, out);
  assert.match(transcript(out), /\(hotlink\) run\nStarting program: counter\n\nProgram received signal SIGINT, Interrupt\.\n.*\n\(hotlink\) show auto-reload\nReloading the program's files when they change is off\.\nNo breakpoints or watchpoints\.\n$/);
});
