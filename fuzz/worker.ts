// A campaign worker (a child process of fuzz/run.ts): loads the corpus,
// executes the case ranges the parent sends, and reports the phase before
// each one (so a signal or a stall is attributed to it) and every result.

import { openSync, writeSync } from 'node:fs';
import { CaseExecutor } from './exec.js';
import { CaseFactory } from './cases.js';
import { loadCorpus } from './corpus.js';

interface Init {
  t: 'init';
  repoRoot: string;
  realworld?: string;
  seed: number;
  runRate: number;
  runLimitMs: number;
  /** Where the current case and phase are written (a pwrite per phase, read by the parent only when the worker dies or stalls). */
  phaseFile: string;
}

let factory: CaseFactory | undefined;
let exec: CaseExecutor | undefined;
let current = -1;
let phaseFd = -1;

/** `case phase wall-ms cpu-µs`, padded so every write replaces the whole line. */
function notePhase(phase: string): void {
  const u = process.cpuUsage();
  writeSync(phaseFd, `${current} ${phase} ${Date.now()} ${u.user + u.system}`.padEnd(63) + '\n', 0);
}

const send = (m: unknown): void => {
  process.send!(m);
};

process.on('message', async (msg: Init | { t: 'cases'; from: number; to: number } | { t: 'exit' }) => {
  if (msg.t === 'init') {
    const corpus = loadCorpus(msg.repoRoot, msg.realworld);
    factory = new CaseFactory(corpus, msg.seed, { runRate: msg.runRate });
    phaseFd = openSync(msg.phaseFile, 'w');
    exec = new CaseExecutor(corpus.runner, { runLimitMs: msg.runLimitMs, onPhase: notePhase });
    send({ t: 'ready', digest: corpus.digest });
  } else if (msg.t === 'cases') {
    for (let n = msg.from; n < msg.to; n++) {
      current = n;
      notePhase('mutate');
      const c = factory!.make(n);
      const out = await exec!.execute(c);
      notePhase('between cases');
      send({ t: 'result', case: n, seed: c.seed, source: c.source, phases: out.phases, run: out.run, problems: out.problems });
    }
    send({ t: 'idle' });
  } else if (msg.t === 'exit') {
    exec?.free();
    process.exit(0);
  }
});
