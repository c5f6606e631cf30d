// `hotlink run --watch`: link with reloadable functions and the live
// runtime, start the program on its own thread, watch its C sources and
// their headers, and reload on save. The program's exit ends hotlink with its
// status; a failed reload leaves the program running the code it had.

import { writeSync } from 'node:fs';
import type { RunArgs } from '../cli/main.js';
import { compilerFamily } from '../cc/driver.js';
import { HotlinkError } from '../errors.js';
import { Jit } from '../jit.js';
import { LiveProgram } from './program.js';
import { displayPath, formatReload, watch } from './watch.js';

export async function runWatch(a: RunArgs, argv0: string): Promise<never> {
  const jit = new Jit({ cc: a.cc, cflags: a.cflags, libraries: a.libraries, libraryPaths: a.libraryPaths, reserve: a.reserve, indirection: 'exported-funcs', liveRuntime: true, perfMap: a.perfMap, jitdump: a.jitdump, gdb: a.gdb });
  for (const f of a.inputs) jit.addFile(f);
  await jit.link();
  const sources = a.inputs.filter((f) => /\.(c|i)$/.test(f));
  const err = (text: string): void => void writeSync(2, text);
  const program = new LiveProgram(jit);
  if (!sources.length) err('hotlink: --watch: no .c inputs to watch (objects and archives are fixed)\n');
  // tcc writes no DWARF: nothing to check a new body's signature against, and no line table to resume on after a crash.
  const noDwarf = compilerFamily(a.cc) === 'tcc';
  if (noDwarf && sources.length) err('hotlink: --watch with tcc: its objects carry no DWARF, so reloads are not ABI-checked and a crash in new code ends the program\n');
  // Watching starts before the program does: an edit made as soon as its first output appears is seen.
  watch(jit, sources, {
    reload: { unchecked: noDwarf },
    onReload: (report, changed) => {
      program.noteReload(report, report.generation - 1);
      err(formatReload(report, changed, report.swapped.length ? program.stats().lastPauseNs / 1000 : undefined));
      if (report.swapped.some((r) => r.name === 'main' && !r.local)) err("hotlink:   main changed: its running frame keeps the old body (the new main would run only if called again)\n");
    },
    onError: (e, changed) => {
      const why = e instanceof HotlinkError ? e.message : (e as Error).stack ?? String(e);
      err(`hotlink: reload of ${changed.map(displayPath).join(', ')} failed: ${why}\nhotlink:   the program keeps running the code it had\n`);
    },
  });
  program.start([argv0, ...a.programArgs]);
  // The program's exit (on its thread) ends the process; until then the event loop watches.
  return new Promise<never>(() => {});
}
