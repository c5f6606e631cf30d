// `npm run fuzz`: the structure-aware mutation campaign over hotlink's own
// corpus (fuzz/corpus.ts), in worker processes (fuzz/worker.ts).
//
//   npm run fuzz -- [--seed N] [--cases N] [--time SECONDS] [--workers N]
//                   [--realworld DIR] [--run-rate F] [--save] [--case K]
//
// Case K of seed S is reproducible alone: `--seed S --case K` replays it in
// one worker and prints every phase. A failure is: an exception that is not
// a HotlinkError, an image changed by a failed append or reload (or old
// bytes changed by a successful one), the worker dying (a signal while
// hotlink reads, links, appends, reloads or reads DWARF; the mutant's own
// program runs in a fork()ed child, whose fate is only counted), or a phase
// stalled for more than 5 s of CPU time. With --save each failure is written
// to test/fuzz-regressions/ (the mutant, the unmutated objects its link
// needs, case.json), which test/fuzz-regressions.test.ts replays.

import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaseFactory } from './cases.js';
import { loadCorpus } from './corpus.js';
import type { Phase, Problem } from './exec.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

interface Options {
  seed: number;
  cases: number;
  first: number;
  timeS: number;
  workers: number;
  realworld: string;
  runRate: number;
  runLimitMs: number;
  hangMs: number;
  save: boolean;
  chunk: number;
}

function parseArgs(argv: string[]): Options & { only?: number } {
  const o: Options & { only?: number } = {
    seed: Date.now() % 1000000, cases: 100000, first: 0, timeS: Infinity, workers: Math.max(1, Math.min(2, cpus().length)),
    realworld: join(repoRoot, 'build', 'realworld'), runRate: 0.2, runLimitMs: 1000, hangMs: 5000, save: false, chunk: 50,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--seed') o.seed = Number(v());
    else if (a === '--cases') o.cases = Number(v());
    else if (a === '--first') o.first = Number(v());
    else if (a === '--time') o.timeS = Number(v());
    else if (a === '--workers') o.workers = Number(v());
    else if (a === '--realworld') o.realworld = resolve(v());
    else if (a === '--run-rate') o.runRate = Number(v());
    else if (a === '--save') o.save = true;
    else if (a === '--case') o.only = Number(v());
    else if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  return o;
}

interface Failure {
  case: number;
  seed: string;
  steps: string[];
  phase: string;
  kind: string;
  message: string;
}

interface WorkerState {
  proc: ChildProcess;
  ready: boolean;
  range?: { next: number; to: number };
  current: number;
  phase: string;
  /** The worker's pwrite target: `case phase wall-ms cpu-µs` of the phase it is in. */
  phaseFile: string;
  stderr: string;
}

/** The case and phase a worker is in, when it started (wall ms) and the worker's CPU seconds then. */
function readPhase(w: WorkerState): { case: number; phase: string; at: number; cpu: number } | undefined {
  try {
    const [c, phase, at, cpu] = readFileSync(w.phaseFile, 'utf8').trim().split(' ');
    return { case: Number(c), phase: phase!, at: Number(at), cpu: Number(cpu) / 1e6 };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) the process has used, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const corpus = loadCorpus(repoRoot, o.realworld, (l) => process.stderr.write(l + '\n'));
  const factory = new CaseFactory(corpus, o.seed, { runRate: o.runRate });
  const bySource = new Map<string, number>();
  for (const s of corpus.seeds) bySource.set(s.source, (bySource.get(s.source) ?? 0) + 1);
  process.stdout.write(`hotlink fuzz: seed ${o.seed}, corpus ${corpus.digest} (${[...bySource].map(([k, v]) => `${v} ${k}`).join(', ')} seeds)\n`);
  for (const n of corpus.notes) process.stdout.write(`  note: ${n}\n`);
  if (o.only !== undefined) {
    o.first = o.only;
    o.cases = 1;
    o.workers = 1;
    const c = factory.make(o.only);
    process.stdout.write(`case ${o.only}: ${c.seed} (${[...c.phases].join(' ')})\n${c.steps.map((s) => '  ' + s).join('\n')}\n`);
  }

  const failures: Failure[] = [];
  const stats = { done: 0, byPhase: {} as Record<string, Record<string, number>>, runs: {} as Record<string, number>, bySource: {} as Record<string, number> };
  let next = o.first;
  const end = o.first + o.cases;
  const deadline = Date.now() + o.timeS * 1000; // the campaign's time, after the corpus is built
  const workers: WorkerState[] = [];
  let finished!: () => void;
  const allDone = new Promise<void>((r) => (finished = r));

  const fail = (c: number, phase: string, kind: string, message: string): void => {
    const info = factory.make(c);
    failures.push({ case: c, seed: info.seed, steps: info.steps, phase, kind, message });
    process.stdout.write(`FAILURE case ${c} (${info.seed}) in ${phase}: ${kind}: ${message.split('\n')[0]}\n`);
  };
  let workerNo = 0;

  const dispatch = (w: WorkerState): void => {
    if (next >= end || Date.now() > deadline) {
      w.range = undefined;
      if (workers.every((x) => !x.range)) finished();
      return;
    }
    const to = Math.min(end, next + o.chunk);
    w.range = { next, to };
    w.proc.send({ t: 'cases', from: next, to });
    next = to;
  };

  const spawnWorker = (resume?: { next: number; to: number }): WorkerState => {
    const proc = fork(join(here, 'worker.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=2048', ...(process.env.HOTLINK_FUZZ_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HOTLINK_FUZZ_PROF}`] : [])] });
    const w: WorkerState = { proc, ready: false, current: -1, phase: 'start', phaseFile: join(tmpdir(), `hotlink-fuzz-${process.pid}-${workerNo++}.phase`), stderr: '' };
    proc.stderr!.on('data', (d: Buffer) => (w.stderr = (w.stderr + d.toString()).slice(-4000)));
    proc.on('message', (m: { t: string; case: number; phase: Phase; seed: string; source: string; steps: string[]; phases: Record<string, string>; run?: string; problems: Problem[]; digest: string }) => {
      if (m.t === 'ready') {
        if (m.digest !== corpus.digest) throw new Error(`worker corpus ${m.digest} differs from ${corpus.digest}`);
        w.ready = true;
        if (resume && resume.next < resume.to) {
          w.range = resume;
          proc.send({ t: 'cases', from: resume.next, to: resume.to });
        } else dispatch(w);
      } else if (m.t === 'result') {
        w.current = m.case;
        stats.done++;
        stats.bySource[m.source] = (stats.bySource[m.source] ?? 0) + 1;
        for (const [p, r] of Object.entries(m.phases)) ((stats.byPhase[p] ??= {})[r] = (stats.byPhase[p]![r] ?? 0) + 1);
        if (m.run) {
          const k = m.run.replace(/ \d+$/, (x) => (m.run!.startsWith('exit') ? (x === ' 0' ? ' 0' : ' non-zero') : x));
          stats.runs[k] = (stats.runs[k] ?? 0) + 1;
        }
        for (const p of m.problems) fail(m.case, p.phase, p.kind, p.message);
        if (w.range) w.range.next = m.case + 1;
        if (o.only !== undefined) process.stdout.write(`phases: ${JSON.stringify(m.phases)}${m.run ? `, program: ${m.run}` : ''}\n`);
        if (stats.done % 1000 === 0) process.stderr.write(`  ${stats.done} cases, ${failures.length} failures, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      } else if (m.t === 'idle') dispatch(w);
    });
    proc.on('exit', (code, signal) => {
      const i = workers.indexOf(w);
      if (i < 0) return; // retired by us
      if (w.range && w.range.next < w.range.to) {
        const at = readPhase(w) ?? { case: w.range.next, phase: 'start' };
        fail(at.case, at.phase, signal ? `signal ${signal}` : `exit ${code}`, `the worker died in phase ${at.phase}${w.stderr ? `; stderr: ${w.stderr.trim().split('\n').slice(-6).join(' | ')}` : ''}`);
        const rest = { next: at.case + 1, to: w.range.to };
        workers[i] = spawnWorker(rest);
      } else {
        workers.splice(i, 1);
        if (workers.every((x) => !x.range)) finished();
      }
    });
    proc.send({ t: 'init', repoRoot, realworld: o.realworld, seed: o.seed, runRate: o.runRate, runLimitMs: o.runLimitMs, phaseFile: w.phaseFile });
    return w;
  };

  for (let i = 0; i < o.workers; i++) workers.push(spawnWorker());
  const watchdog = setInterval(() => {
    for (const w of workers) {
      if (!w.range || !w.ready) continue;
      const at = readPhase(w);
      if (!at || at.phase === 'between' || at.case < w.range.next) continue;
      const wall = Date.now() - at.at;
      if (wall < o.hangMs) continue;
      const cpu = cpuSeconds(w.proc.pid!) - at.cpu;
      // A loaded machine stretches wall time; a hang burns CPU. The run phase waits for its child (limit runLimitMs).
      const limit = at.phase === 'run' ? o.runLimitMs + o.hangMs : o.hangMs;
      if (cpu * 1000 > limit || wall > 12 * limit) {
        fail(at.case, at.phase, 'hang', `phase ${at.phase} ran ${(wall / 1000).toFixed(1)} s (${cpu.toFixed(1)} s CPU)`);
        const i = workers.indexOf(w);
        const rest = { next: at.case + 1, to: w.range.to };
        workers.splice(i, 1);
        w.proc.kill('SIGKILL');
        workers.push(spawnWorker(rest));
      }
    }
  }, 250);
  await allDone;
  clearInterval(watchdog);
  for (const w of workers) w.proc.send({ t: 'exit' });
  for (let i = 0; i < workerNo; i++) rmSync(join(tmpdir(), `hotlink-fuzz-${process.pid}-${i}.phase`), { force: true });

  const secs = (Date.now() - t0) / 1000;
  const kinds = new Map<string, number>();
  for (const f of failures) kinds.set(`${f.phase}/${f.kind.split(' ')[0]}`, (kinds.get(`${f.phase}/${f.kind.split(' ')[0]}`) ?? 0) + 1);
  process.stdout.write(`\n${stats.done} cases in ${secs.toFixed(0)} s (${o.workers} workers, seed ${o.seed}): ${failures.length} failures${kinds.size ? ' (' + [...kinds].map(([k, v]) => `${v} ${k}`).join(', ') + ')' : ''}\n`);
  process.stdout.write(`  cases by source: ${Object.entries(stats.bySource).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  for (const [p, r] of Object.entries(stats.byPhase)) process.stdout.write(`  ${p.padEnd(7)} ${Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  if (Object.keys(stats.runs).length) process.stdout.write(`  program runs: ${Object.entries(stats.runs).map(([k, v]) => `${k}: ${v}`).join(', ')}\n`);
  if (failures.length) {
    const seen = new Set<string>();
    for (const f of failures) {
      const key = `${f.phase} ${f.kind} ${f.message.split('\n').slice(0, 2).join(' ')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      process.stdout.write(`\ncase ${f.case} (${f.seed}) ${f.phase}: ${f.kind}\n  ${f.steps.join('\n  ')}\n  ${f.message.split('\n').join('\n  ')}\n`);
    }
  }
  if (o.save) for (const f of failures) saveRegression(factory, o.seed, f);
  process.exitCode = failures.length ? 1 : 0;
}

/** Writes a failure as test/fuzz-regressions/<id>/: the mutant, the unmutated objects its link needs (corpus seeds only), case.json. */
function saveRegression(factory: CaseFactory, seed: number, f: Failure): void {
  const c = factory.make(f.case);
  const id = `${f.phase}-${f.kind.replace(/\W+/g, '_')}-s${seed}-c${f.case}`;
  const dir = join(repoRoot, 'test', 'fuzz-regressions', id);
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true });
  const file = (n: string): string => n.replace(/[/\\]/g, '__');
  writeFileSync(join(dir, 'mutant.bin'), c.mutant.bytes);
  const small = c.source !== 'lua';
  if (small) {
    writeFileSync(join(dir, 'original.bin'), c.original.bytes);
    for (const x of c.companions) writeFileSync(join(dir, file(x.name) + '.bin'), x.bytes);
  }
  writeFileSync(join(dir, 'case.json'), JSON.stringify({
    seed, case: f.case, seedObject: c.seed, name: c.mutant.name, steps: c.steps, phase: f.phase, kind: f.kind, message: f.message.split('\n')[0],
    libs: c.libs, hasMain: c.hasMain, companions: small ? c.companions.map((x) => ({ name: x.name, file: file(x.name) + '.bin' })) : [],
    phases: small ? [...c.phases] : [...c.phases].filter((p) => p === 'read' || p === 'dwarf'),
  }, null, 2) + '\n');
  process.stdout.write(`saved ${dir}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(2);
});
