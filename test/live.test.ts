// Live mode (issue 10): `hotlink run --watch` runs a long-running program,
// the test edits its sources while it runs, and asserts what a user sees:
// the program's output lines (each version in order, state continuing),
// hotlink's one line per reload on stderr, and the exit status.
//
// gcc at -O0 and -O2; clang-19 at -O0 and -O2 (skipped with a reason when
// it is not installed). Then the issue's bad input (files deleted, renamed,
// half written, saved 100 times a second; main edited; an edit while the
// program exits) and two threads through 1,000 stop-the-world publications.

import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hotlinkBin, repoRoot, tmpDir } from './helpers.js';

const haveClang = spawnSync('clang-19', ['--version']).status === 0;
const CONFIGS: { cc: string; opt: string; skip?: string }[] = [
  { cc: 'gcc', opt: '-O0' },
  { cc: 'gcc', opt: '-O2' },
  { cc: 'clang-19', opt: '-O0', skip: haveClang ? undefined : 'clang-19 is not installed' },
  { cc: 'clang-19', opt: '-O2', skip: haveClang ? undefined : 'clang-19 is not installed' },
];

/** A running `hotlink run --watch`, its output collected line by line. */
class Live {
  readonly out: string[] = [];
  readonly err: string[] = [];
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];
  readonly exited: Promise<{ status: number | null; signal: string | null }>;

  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [hotlinkBin, 'run', '--watch', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (into: string[]) => {
      let partial = '';
      return (chunk: Buffer) => {
        const text = partial + chunk.toString();
        const lines = text.split('\n');
        partial = lines.pop()!;
        into.push(...lines);
        for (const w of this.waiters.splice(0)) w();
      };
    };
    this.child.stdout!.on('data', collect(this.out));
    this.child.stderr!.on('data', collect(this.err));
    this.exited = new Promise((resolve) => this.child.on('exit', (status, signal) => {
      for (const w of this.waiters.splice(0)) w();
      resolve({ status, signal });
    }));
  }

  /** Waits until `pred` holds (checked on every new line), or fails after `ms` with the output so far. */
  async waitFor(what: string, pred: () => boolean, ms = 20000): Promise<void> {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms || this.child.exitCode !== null) {
        assert.fail(`timed out waiting for ${what}\n--- stdout (last 10) ---\n${this.out.slice(-10).join('\n')}\n--- stderr ---\n${this.err.join('\n')}`);
      }
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  reloads(): number {
    return this.err.filter((l) => l.startsWith('hotlink: reloaded')).length;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Writes a file the way an editor may: in place, or a new file renamed over the old one. */
function save(path: string, text: string, viaRename = false): void {
  if (viaRename) {
    writeFileSync(path + '.swp', text);
    renameSync(path + '.swp', path);
  } else writeFileSync(path, text);
}

const HEADER = (scale: number) => `#define SCALE ${scale}\n`;

/** The long-running program: prints its version and its kept state every few ms. */
function counter(o: { version: number; stateType?: string; bump?: string; exitAt?: number }): string {
  return `#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "config.h"
static ${o.stateType ?? 'long'} state;
int version(void) { return ${o.version}; }
long bump(long s) { ${o.bump ?? 'return s + 1;'} }
void tick(void) {
  state = bump(state);
  printf("v%d state=%ld scaled=%ld\\n", version(), (long)state, (long)state * SCALE);
  fflush(stdout);
  ${o.exitAt !== undefined ? `if (state >= ${o.exitAt}) exit(7);` : ''}
}
int main(void) {
  for (;;) {
    tick();
    usleep(3000);
  }
}
`;
}

/** Parses `vN state=S scaled=T` lines. */
function parsed(lines: string[]): { v: number; state: number; scaled: number }[] {
  return lines.flatMap((l) => {
    const m = /^v(\d+) state=(-?\d+) scaled=(-?\d+)$/.exec(l);
    return m ? [{ v: Number(m[1]), state: Number(m[2]), scaled: Number(m[3]) }] : [];
  });
}

for (const cfg of CONFIGS) {
  describe(`hotlink run --watch (${cfg.cc} ${cfg.opt})`, { skip: cfg.skip }, () => {
    test('edits take effect in order while the state continues; compile errors, refused reloads, a header edit and a crash keep it running', async (t) => {
      const dir = tmpDir(t, 'hotlink-live-');
      const src = join(dir, 'counter.c');
      save(join(dir, 'config.h'), HEADER(1));
      save(src, counter({ version: 1 }));
      const live = new Live(['--cc', cfg.cc, cfg.opt, 'counter.c'], dir);
      t.after(() => live.kill());
      const lastV = () => parsed(live.out).at(-1)?.v;
      await live.waitFor('the first version', () => lastV() === 1);

      // N edits, alternately written in place and renamed over (as editors do).
      for (let v = 2; v <= 5; v++) {
        save(src, counter({ version: v }), v % 2 === 1);
        await live.waitFor(`version ${v}`, () => lastV() === v);
      }

      // A compile error: diagnostics, the program keeps running version 5.
      save(src, counter({ version: 6 }).replace('return 6;', 'return 6 +;'));
      await live.waitFor('the compile error report', () => live.err.some((l) => /reload of counter\.c failed/.test(l)));
      const n0 = live.out.length;
      await live.waitFor('output after the compile error', () => live.out.length > n0 + 5);
      assert.equal(lastV(), 5);
      assert.ok(live.err.some((l) => /error/.test(l) && /counter\.c/.test(l)), 'the compiler diagnostics are shown');

      // A refused reload (a variable's type changed): it keeps running version 5.
      const refusals = () => live.err.filter((l) => /reload of counter\.c failed/.test(l)).length;
      save(src, counter({ version: 6, stateType: 'int' }));
      await live.waitFor('the refusal', () => refusals() === 2);
      assert.match(live.err.join('\n'), /state/);
      const n1 = live.out.length;
      await live.waitFor('output after the refusal', () => live.out.length > n1 + 5);
      assert.equal(lastV(), 5);

      // The fixed file reloads.
      save(src, counter({ version: 6 }));
      await live.waitFor('version 6', () => lastV() === 6);

      // A header edit reloads the unit that includes it.
      save(join(dir, 'config.h'), HEADER(10));
      await live.waitFor('the header edit', () => { const l = parsed(live.out).at(-1); return !!l && l.scaled === l.state * 10; });
      await live.waitFor('the header reload line', () => live.err.some((l) => /^hotlink: reloaded config\.h \(counter\.c\): swapped tick/.test(l)));

      // A crash in the new code (null dereference) rolls the reload back: version 6 continues.
      save(src, counter({ version: 6, bump: 'long *volatile p = 0; return s + *p;' }));
      await live.waitFor('the rollback report', () => live.err.some((l) => /rolled back counter\.c to generation/.test(l)));
      const n2 = live.out.length;
      await live.waitFor('output after the rollback', () => live.out.length > n2 + 5);
      assert.equal(lastV(), 6);
      assert.ok(live.err.some((l) => /SIGSEGV/.test(l)), live.err.join('\n'));
      assert.ok(live.err.some((l) => /in bump .*at .*counter\.c:7/.test(l)), `the report names bump at counter.c:7\n${live.err.join('\n')}`);

      // The next good edit takes effect, and its exit ends hotlink with the program's status.
      const before = parsed(live.out).at(-1)!.state;
      save(src, counter({ version: 7, exitAt: before + 300 }));
      await live.waitFor('version 7', () => lastV() === 7);
      const { status } = await live.exited;
      assert.equal(status, 7);

      // Every version appeared in order and the state never restarted.
      const rows = parsed(live.out);
      const versions = rows.map((r) => r.v).filter((v, i, a) => i === 0 || a[i - 1] !== v);
      assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7]);
      for (let i = 1; i < rows.length; i++) {
        assert.ok(rows[i]!.state === rows[i - 1]!.state + 1, `state continues: ${rows[i - 1]!.state} then ${rows[i]!.state} (line ${i})`);
      }
      // The new tick exits at its first state >= before + 300 (exactly there unless the reload took longer).
      assert.equal(rows.at(-1)!.v, 7);
      assert.ok(rows.at(-1)!.state >= before + 300 && rows.filter((r) => r.v === 7 && r.state > before + 300).length <= 1);
      assert.ok(live.err.filter((l) => /^hotlink: reloaded counter\.c: swapped/.test(l)).length >= 6);
    });

    test('abort() from a failed assert() in new code rolls the reload back; the state continues on the old code', async (t) => {
      const dir = tmpDir(t, 'hotlink-live-');
      const src = join(dir, 'counter.c');
      save(join(dir, 'config.h'), HEADER(1));
      save(src, counter({ version: 1 }).replace('#include <stdio.h>', '#include <assert.h>\n#include <stdio.h>'));
      const live = new Live(['--cc', cfg.cc, cfg.opt, 'counter.c'], dir);
      t.after(() => live.kill());
      await live.waitFor('the first version', () => parsed(live.out).length > 3);
      save(src, counter({ version: 2, bump: 'assert(s < 0); return s + 1;' }).replace('#include <stdio.h>', '#include <assert.h>\n#include <stdio.h>'));
      await live.waitFor('the rollback report', () => live.err.some((l) => /rolled back counter\.c to generation/.test(l)));
      const err = live.err.join('\n');
      assert.match(err, /Assertion `s < 0' failed/);
      assert.match(err, /^hotlink: SIGABRT \(Aborted\) raised from bump, code published by the last reload$/m);
      assert.match(err, /in bump \(body 1\) at .*counter\.c:8\n.* in tick \(body 0\) at .*counter\.c:10\n/);
      assert.match(err, /\(version, bump run their previous code\); re-executing tick at counter\.c:10$/m);
      const n = live.out.length;
      await live.waitFor('output after the rollback', () => live.out.length > n + 5);
      save(src, counter({ version: 3, exitAt: parsed(live.out).at(-1)!.state + 50 }));
      const { status } = await live.exited;
      assert.equal(status, 7, live.err.join('\n'));
      const rows = parsed(live.out);
      assert.deepEqual([...new Set(rows.map((r) => r.v))], [1, 3]);
      for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.state, rows[i - 1]!.state + 1, `state continues at line ${i}`);
    });

    test('two threads call the changed functions through 200 reloads: no crash, no wrong result', async (t) => {
      const dir = tmpDir(t, 'hotlink-live-');
      const src = join(dir, 'threads.c');
      const FINAL = 200;
      // calc(x) of version N returns N * 1000000 + x, computed differently in each version.
      const program = (n: number) => `#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static long mix(long x) { long a = 0; for (int i = 0; i < ${(n % 7) + 1}; i++) a += x; return a / ${(n % 7) + 1}; }
long calc(long x) { return ${n}L * 1000000 + mix(x); }
int version_of(long r) { return (int)(r / 1000000); }
static long wrong, calls;
static void *worker(void *arg) {
  long id = (long)arg, seen = 0, mine = 0, bad = 0;
  for (long i = 1;; i++) {
    long x = (i * 7 + id) % 1000000;
    long r = calc(x);
    int v = version_of(r);
    if (r % 1000000 != x || v < seen) bad++;
    seen = v;
    mine++;
    if (v == ${FINAL}) break;
    if ((i & 4095) == 0) usleep(50); /* leave the compiler some of the 2 cores */
  }
  __atomic_add_fetch(&wrong, bad, __ATOMIC_SEQ_CST);
  __atomic_add_fetch(&calls, mine, __ATOMIC_SEQ_CST);
  return 0;
}
int main(void) {
  pthread_t t[2];
  printf("started\\n");
  fflush(stdout);
  for (long i = 0; i < 2; i++) pthread_create(&t[i], 0, worker, (void *)i);
  for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
  printf("done wrong=%ld calls=%ld\\n", wrong, calls);
  return wrong ? 1 : 0;
}
`;
      save(src, program(1));
      const live = new Live(['--cc', cfg.cc, cfg.opt, '-pthread', 'threads.c'], dir);
      t.after(() => live.kill());
      await live.waitFor('the start', () => live.out.includes('started'));
      for (let n = 2; n <= FINAL; n++) {
        save(src, program(n), n % 3 === 0);
        // The last version ends the program, possibly before hotlink prints its reload line.
        if (n < FINAL) await live.waitFor(`reload ${n - 1}`, () => live.reloads() >= n - 1);
      }
      const { status, signal } = await live.exited;
      assert.equal(signal, null, live.err.join('\n'));
      const done = live.out.find((l) => l.startsWith('done'));
      assert.ok(done, `the program finished\n${live.err.slice(-5).join('\n')}`);
      assert.match(done!, /^done wrong=0 calls=\d+$/);
      assert.equal(status, 0);
      assert.equal(live.err.filter((l) => /SIG|fatal|failed/.test(l)).length, 0, live.err.join('\n'));
    });
  });
}

describe('hotlink run --watch: bad input (gcc -O0)', () => {
  /** A counter under --watch in a fresh directory; `lastV` is the version of its last line. */
  async function started(t: { after(fn: () => void): void }, src = counter({ version: 1 })) {
    const dir = tmpDir(t, 'hotlink-live-');
    save(join(dir, 'config.h'), HEADER(1));
    save(join(dir, 'counter.c'), src);
    const live = new Live(['counter.c'], dir);
    t.after(() => live.kill());
    const lastV = () => parsed(live.out).at(-1)?.v;
    await live.waitFor('the first version', () => lastV() === 1);
    /** Waits for `n` more lines of output. */
    const more = async (n: number) => {
      const k = live.out.length;
      await live.waitFor(`${n} more lines`, () => live.out.length >= k + n);
    };
    return { dir, src: join(dir, 'counter.c'), live, lastV, more };
  }

  /** The state went up by one on every line: it was never lost. */
  function stateContinues(live: Live): void {
    const rows = parsed(live.out);
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.state, rows[i - 1]!.state + 1, `state continues at line ${i}`);
  }

  test('a source deleted or renamed away is reported, the program runs on, and the file is watched again when it comes back', async (t) => {
    const { dir, src, live, lastV, more } = await started(t);
    renameSync(src, join(dir, 'moved.c'));
    await live.waitFor('the report', () => live.err.some((l) => l === 'hotlink: reload of counter.c failed: counter.c was deleted or renamed away; watching for it to come back'));
    await more(5);
    assert.equal(lastV(), 1);
    save(join(dir, 'moved.c'), counter({ version: 2 }));
    renameSync(join(dir, 'moved.c'), src);
    await live.waitFor('version 2', () => lastV() === 2);
    unlinkSync(src);
    await live.waitFor('the second report', () => live.err.filter((l) => /counter\.c was deleted or renamed away/.test(l)).length === 2);
    save(src, counter({ version: 3 }));
    await live.waitFor('version 3', () => lastV() === 3);
    stateContinues(live);
  });

  test('a header that no longer exists: reported; the unit that still includes it fails to compile; without it, it reloads', async (t) => {
    const { dir, src, live, lastV, more } = await started(t);
    unlinkSync(join(dir, 'config.h'));
    await live.waitFor('the report', () => live.err.some((l) => /config\.h was deleted or renamed away/.test(l)));
    save(src, counter({ version: 2 }));
    await live.waitFor('the compile error', () => live.err.some((l) => /reload of counter\.c failed: counter\.c: compilation failed/.test(l)));
    assert.ok(live.err.some((l) => /config\.h/.test(l) && /No such file|not found/.test(l)), live.err.join('\n'));
    await more(5);
    assert.equal(lastV(), 1);
    save(src, counter({ version: 3 }).replace('#include "config.h"', '#define SCALE 2'));
    await live.waitFor('version 3', () => lastV() === 3);
    const last = parsed(live.out).at(-1)!;
    assert.equal(last.scaled, last.state * 2);
    stateContinues(live);
  });

  test('a burst of 100 saves in one second ends on the last version, versions only go forward, no crash', async (t) => {
    const { src, live, lastV } = await started(t);
    for (let v = 2; v <= 101; v++) {
      save(src, counter({ version: v }), v % 2 === 0);
      await new Promise((r) => setTimeout(r, 10));
    }
    await live.waitFor('version 101', () => lastV() === 101);
    const versions = parsed(live.out).map((r) => r.v);
    for (let i = 1; i < versions.length; i++) assert.ok(versions[i]! >= versions[i - 1]!, `versions go forward: ${versions[i - 1]} then ${versions[i]}`);
    assert.ok(live.reloads() < 100, `the burst was coalesced (${live.reloads()} reloads)`);
    assert.equal(live.err.filter((l) => /SIG|internal error|failed/.test(l)).length, 0, live.err.join('\n'));
    stateContinues(live);
  });

  test('a save written halfway fails to compile and the program runs on; the complete save then reloads', async (t) => {
    const { src, live, lastV, more } = await started(t);
    const text = counter({ version: 2 });
    save(src, text.slice(0, text.indexOf('void tick') + 20));
    await live.waitFor('the compile error', () => live.err.some((l) => /reload of counter\.c failed: counter\.c: compilation failed/.test(l)));
    await more(5);
    assert.equal(lastV(), 1);
    save(src, text);
    await live.waitFor('version 2', () => lastV() === 2);
    stateContinues(live);
  });

  test('an edit of main is reported: its running frame keeps the old body, the functions it calls change', async (t) => {
    const { src, live, lastV } = await started(t);
    save(src, counter({ version: 2 }).replace('usleep(3000);', 'usleep(3001);'));
    await live.waitFor('version 2', () => lastV() === 2);
    await live.waitFor('the reload line', () => live.err.some((l) => /^hotlink: reloaded counter\.c: swapped .*\bmain\b.* \(compile \d+ ms, link [\d.]+ ms, publish \d+ µs\)$/.test(l)));
    await live.waitFor('the note on main', () => live.err.includes('hotlink:   main changed: its running frame keeps the old body (the new main would run only if called again)'));
    stateContinues(live);
  });

  test('an edit while the program is exiting: the program ends with its own status, hotlink adds no error', async (t) => {
    // The program exits at state 30; its atexit handler says so and takes 400 ms.
    const slowExit = (v: number) => counter({ version: v, exitAt: 30 })
      .replace('static long state;', 'static long state;\nstatic void bye(void) { printf("exiting\\n"); fflush(stdout); usleep(400000); printf("bye\\n"); }')
      .replace('int main(void) {', 'int main(void) {\n  atexit(bye);');
    const { src, live } = await started(t, slowExit(1));
    await live.waitFor('the exit', () => live.out.includes('exiting'));
    save(src, slowExit(2));
    const { status, signal } = await live.exited;
    assert.equal(signal, null);
    assert.equal(status, 7, live.err.join('\n'));
    assert.equal(live.out.at(-1), 'bye');
    assert.equal(live.err.filter((l) => /SIG|internal error|warning/.test(l)).length, 0, live.err.join('\n'));
  });
});

describe('stop-the-world publication under load', () => {
  test('two threads call the changed functions through 1,000 publications (two bodies alternated, then a last one): no crash, no wrong result', async (t) => {
    const dir = tmpDir(t, 'hotlink-live-');
    const RELOADS = 1000;
    // calc(x) of version N returns N * 1000000 + x, through a static helper that differs per version.
    const program = (n: number) => `#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static long mix(long x) { long a = 0; for (int i = 0; i < ${n}; i++) a += x; return a / ${n}; }
long calc(long x) { return ${n}L * 1000000 + mix(x); }
static long wrong, calls;
static void *worker(void *arg) {
  long id = (long)arg, mine = 0, bad = 0;
  for (long i = 1;; i++) {
    long x = (i * 7 + id) % 1000000;
    long r = calc(x);
    long v = r / 1000000;
    if (r % 1000000 != x || v < 1 || v > 4) bad++;
    mine++;
    if (v == 4) break;
  }
  __atomic_add_fetch(&wrong, bad, __ATOMIC_SEQ_CST);
  __atomic_add_fetch(&calls, mine, __ATOMIC_SEQ_CST);
  return 0;
}
int main(void) {
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], 0, worker, (void *)i);
  for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
  printf("done wrong=%ld calls=%ld\\n", wrong, calls);
  return wrong ? 1 : 0;
}
`;
    for (const n of [1, 2, 3, 4]) save(join(dir, `v${n}.c`), program(n));
    save(join(dir, 'threads.c'), program(1));
    // The driver: links v1 with the live runtime, starts it, compiles v2..v4 once, then publishes v2/v3
    // alternately RELOADS times (each a full file reload: plan, link, stop-the-world publication) and v4 last.
    const driver = `
import { Jit, LiveProgram } from ${JSON.stringify(join(repoRoot, 'dist', 'src', 'index.js'))};
const jit = new Jit({ cflags: ['-O2', '-pthread'], indirection: 'exported-funcs', liveRuntime: true });
jit.addFile('threads.c');
await jit.link();
const objs = {};
for (const n of [2, 3, 4]) objs[n] = await jit.compile('v' + n + '.c');
const program = new LiveProgram(jit);
program.start(['threads']);
let swaps = 0;
for (let i = 0; i < ${RELOADS}; i++) {
  const r = jit.reloadFileObject({ bytes: objs[2 + (i % 2)].bytes, name: 'threads.o', source: 'threads.c' });
  swaps += r.swapped.some((s) => s.name === 'calc');
}
process.stderr.write('swaps ' + swaps + ' threads ' + program.stats().threads + '\\n');
jit.reloadFileObject({ bytes: objs[4].bytes, name: 'threads.o', source: 'threads.c' });
await new Promise(() => {});
`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', driver], { cwd: dir, encoding: 'utf8', timeout: 240000 });
    assert.equal(r.signal, null, r.stderr);
    assert.match(r.stderr, new RegExp(`^swaps ${RELOADS} threads 3$`, 'm'));
    assert.match(r.stdout, /^done wrong=0 calls=\d+$/m, r.stderr);
    assert.equal(r.status, 0, r.stderr);
  });
});
