// Live-mode benchmark (issue 10).
//
//  (a) Publication pause: a program with 8 threads that call a reloadable
//      function in a loop (busy; and a second run where they mostly sleep),
//      started by LiveProgram on its own thread; the Jit republishes a slot
//      (rollback to the current body, i.e. one stop-the-world publication)
//      SAMPLES times. The pause is measured inside the runtime: first signal
//      sent → every program thread parked → stores → released. p50/p99/max.
//      Target: p50 ≤ 100 µs with 8 threads.
//  (b) Save → new output: `hotlink run --watch` on a program that prints its
//      version every millisecond; the file is rewritten with the next version
//      and the time until the first line of the new version is read from
//      its stdout (debounce 50 ms, compile, link, publish, output).
//      Compared with the bare compile of the same file (gcc -c with the
//      flags live mode uses), median of EDITS.
//
// Usage: node dist/bench/live.js [--pause-only]   (prints a table; also exported as benchLive())

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Jit, LiveProgram } from '../src/index.js';

const SAMPLES = 300;
const EDITS = 10;
const THREADS = 8;

const PAUSE_PROGRAM = (sleepUs: number) => `
#include <pthread.h>
#include <unistd.h>
volatile long sink;
__attribute__((noinline)) long work(long x) { return x * 3 + 1; }
static void *loop(void *arg) {
  (void)arg;
  for (long i = 0;; i++) {
    sink += work(i);
    ${sleepUs ? `if ((i & 255) == 0) usleep(${sleepUs});` : ''}
  }
  return 0;
}
int main(void) {
  pthread_t t[${THREADS - 1}];
  for (int i = 0; i < ${THREADS - 1}; i++) pthread_create(&t[i], 0, loop, 0);
  loop(0); /* the main program thread is the 8th */
  return 0;
}
`;

function quantiles(xs: number[]): { p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: q(0.5), p99: q(0.99), max: s[s.length - 1]! };
}

/** (a): pause per publication, in µs. Runs in a child process per variant (the program never ends). */
async function pauseChild(sleepUs: number): Promise<void> {
  const jit = new Jit({ cc: 'gcc', cflags: ['-O2', '-pthread'], indirection: 'exported-funcs', liveRuntime: true });
  jit.addSource(PAUSE_PROGRAM(sleepUs), 'pause.c');
  await jit.link();
  const program = new LiveProgram(jit);
  program.start(['pause']);
  const f = jit.session.reloadFuncs.get('work')!;
  while (program.stats().threads < THREADS) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 100));
  const us: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    jit.rollback(f, f.current);
    us.push(program.stats().lastPauseNs / 1000);
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  process.stdout.write(JSON.stringify({ threads: program.stats().threads, ...quantiles(us) }) + '\n');
  process.kill(process.pid, 'SIGKILL');
}

function runChild(arg: string): { threads: number; p50: number; p99: number; max: number } {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', arg], { encoding: 'utf8', timeout: 120000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`pause child failed: ${r.stderr}`);
  }
}

const COUNTER = (v: number) => `#include <stdio.h>
#include <unistd.h>
int version(void) { return ${v}; }
void tick(long i) { printf("v%d %ld\\n", version(), i); fflush(stdout); }
int main(void) { for (long i = 0;; i++) { tick(i); usleep(1000); } }
`;

/** (b): save → first line of the new version, vs the bare compile. */
async function saveToOutput(cc: string, opt: string): Promise<{ latency: number[]; compile: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'hotlink-bench-live-'));
  const src = join(dir, 'counter.c');
  writeFileSync(src, COUNTER(1));
  const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
  const child = spawn(process.execPath, [join(root, 'bin', 'hotlink.js'), 'run', '--watch', '--cc', cc, opt, 'counter.c'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let want = 1;
  let seen: (() => void) | undefined;
  let partial = '';
  child.stdout.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    if (lines.some((l) => l.startsWith(`v${want} `))) seen?.();
  });
  const waitVersion = (v: number) => new Promise<void>((r) => {
    want = v;
    seen = r;
  });
  await waitVersion(1);
  const latency: number[] = [];
  for (let v = 2; v <= EDITS + 1; v++) {
    await new Promise((r) => setTimeout(r, 150));
    const done = waitVersion(v);
    const t0 = performance.now();
    writeFileSync(src, COUNTER(v));
    await done;
    latency.push(performance.now() - t0);
  }
  child.kill('SIGKILL');
  const flags = ['-c', '-g', '-fPIC', '-ffunction-sections', '-fdata-sections', opt, '-o', join(dir, 'x.o'), src];
  if (cc === 'gcc') flags.push('-flive-patching=inline-only-static', '-fmerge-constants');
  const compile: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const t0 = performance.now();
    spawnSync(cc, flags);
    compile.push(performance.now() - t0);
  }
  rmSync(dir, { recursive: true, force: true });
  return { latency, compile };
}

export async function benchLive(opts: { pauseOnly?: boolean } = {}): Promise<string> {
  const lines = [`live mode (${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)})`];
  lines.push(`  (a) publication pause, ${THREADS} program threads, ${SAMPLES} publications (target p50 <= 100 us)`);
  for (const [name, arg] of [['busy threads', '0'], ['threads sleeping 200 us every 256 calls', '200']] as const) {
    const r = runChild(arg);
    lines.push(`      ${name.padEnd(42)} threads ${r.threads}  p50 ${r.p50.toFixed(1)} us  p99 ${r.p99.toFixed(1)} us  max ${r.max.toFixed(1)} us`);
  }
  if (!opts.pauseOnly) {
    lines.push(`  (b) save -> first line of the new version (hotlink run --watch), vs the bare compile, median of ${EDITS}`);
    for (const [cc, opt] of [['gcc', '-O0'], ['gcc', '-O2']] as const) {
      const r = await saveToOutput(cc, opt);
      const med = (xs: number[]) => quantiles(xs).p50;
      lines.push(`      ${`${cc} ${opt}`.padEnd(10)} save->output ${med(r.latency).toFixed(0)} ms (max ${Math.max(...r.latency).toFixed(0)})   bare compile ${med(r.compile).toFixed(0)} ms   overhead ${(med(r.latency) - med(r.compile)).toFixed(0)} ms (debounce 50 ms included)`);
    }
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--child') await pauseChild(Number(process.argv[3]));
  else process.stdout.write((await benchLive({ pauseOnly: process.argv.includes('--pause-only') })) + '\n');
}
