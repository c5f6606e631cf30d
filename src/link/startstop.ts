// GNU ld's __start_SECNAME / __stop_SECNAME (ld's "orphan section" rule):
// for a section name that is a valid C identifier, a reference to
// `__start_NAME` / `__stop_NAME` that nothing else defines binds to the start
// and the end of the concatenation of every input section NAME. Registries
// rely on it (`__attribute__((section("myregs"), used))` entries iterated
// from __start_myregs to __stop_myregs).
//
// hotlink's semantics, per batch (session.ts resolve + layout):
//  - A batch whose references need __start_X/__stop_X and whose inputs
//    (archive members it pulls in included) have loaded sections named X
//    places those sections as one contiguous run, in link order, each at its
//    own alignment, at the position of the first of them; the two symbols
//    are local to the image (never published by name, so they cannot clash
//    with a later batch's) and point at the run's start and end.
//  - In an append, the new batch's sections X form their own run: its
//    references see only the new entries (an image is never re-laid-out, so
//    the old run cannot grow). A batch with references but no section X binds
//    to the most recent run already in the image.
//  - With no section X anywhere, the reference stays undefined: an
//    undefined-symbol error, or 0 when it is weak.
//  - A definition of the name (in the batch or the image) wins, as in ld.

import { ElfSection } from '../elf/object.js';
import { LinkInput, SegClass } from './input.js';

/** The section name a `__start_X` / `__stop_X` reference is about, or undefined. */
export function startStopSection(name: string): { section: string; stop: boolean } | undefined {
  const m = /^__(start|stop)_([A-Za-z_][A-Za-z0-9_]*)$/.exec(name);
  return m ? { section: m[2]!, stop: m[1] === 'stop' } : undefined;
}

/** The sections named `section` a batch places together, and where the run landed. */
export interface StartStopRun {
  section: string;
  members: { input: LinkInput; sec: ElfSection }[];
  /** The class the whole run goes to (the most permissive of its members'). */
  cls: number;
  /** Every member is NOBITS (the run is placed with the batch's NOBITS sections). */
  nobits: boolean;
  /** Start and end offsets relative to the batch start of `cls`, once placed. */
  start: number;
  end: number;
  placed: boolean;
  /** LinkSymIds of the two symbols (-1 until a reference asks for it). */
  startId: number;
  stopId: number;
}

/**
 * The runs for `wanted` section names: every loaded (allocated, not
 * discarded) section of `inputs` with such a name, in link order. Names with
 * no section are left out. `classOf` is the section's class (-1: not loaded).
 */
export function collectRuns(
  inputs: LinkInput[],
  wanted: Set<string>,
  classOf: (s: ElfSection) => number,
  nobitsOf: (s: ElfSection) => boolean,
): Map<string, StartStopRun> {
  const runs = new Map<string, StartStopRun>();
  if (wanted.size === 0) return runs;
  for (const input of inputs) {
    for (const sec of input.obj.sections) {
      if (!wanted.has(sec.name) || input.discarded[sec.index]) continue;
      const cls = classOf(sec);
      if (cls < 0) continue;
      let run = runs.get(sec.name);
      if (!run) runs.set(sec.name, (run = { section: sec.name, members: [], cls, nobits: true, start: 0, end: 0, placed: false, startId: -1, stopId: -1 }));
      run.members.push({ input, sec });
      run.nobits &&= nobitsOf(sec);
      run.cls = mergeClass(run.cls, cls);
    }
  }
  return runs;
}

/** Like ld's one output section for all inputs X: writable if any is, else executable if any is. */
function mergeClass(a: number, b: number): number {
  if (a === b) return a;
  if (a === SegClass.TLS || b === SegClass.TLS) return SegClass.TLS; // reported by the caller
  if (a === SegClass.RW || b === SegClass.RW) return SegClass.RW;
  if (a === SegClass.RX || b === SegClass.RX) return SegClass.RX;
  return SegClass.R;
}
