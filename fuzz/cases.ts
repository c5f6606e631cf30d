// Case numbering: case N of campaign seed S is the same mutant of the same
// seed object with the same phases on every machine with the same corpus
// (Corpus.digest), in a worker or replayed alone.

import type { Corpus, Seed } from './corpus.js';
import { mutate, Rng } from './mutate.js';
import { mapStructure, type StructureMap } from './structure.js';
import type { CaseSpec, Phase } from './exec.js';

export interface CaseOptions {
  /** Fraction of linked mutants with a main whose program is run (fork + main). */
  runRate: number;
}

/** The sources a case draws its seed from, with weights. */
const SOURCE_WEIGHTS: Record<string, number> = { corpus: 70, archive: 15, lua: 15 };

export class CaseFactory {
  private readonly maps = new Map<Seed, StructureMap>();
  private readonly bySource: [Seed[], number][];
  private readonly total: number;

  constructor(readonly corpus: Corpus, readonly seed: number, readonly opts: CaseOptions) {
    const groups = new Map<string, Seed[]>();
    for (const s of corpus.seeds) groups.set(s.source, [...(groups.get(s.source) ?? []), s]);
    this.bySource = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [v, SOURCE_WEIGHTS[k] ?? 10]);
    this.total = this.bySource.reduce((a, [, w]) => a + w, 0);
  }

  make(caseNo: number): CaseSpec & { steps: string[]; source: string } {
    const rng = new Rng(this.seed, caseNo);
    let x = rng.int(this.total);
    let group = this.bySource[0]![0];
    for (const [g, w] of this.bySource) {
      if (x < w) {
        group = g;
        break;
      }
      x -= w;
    }
    const seed = group[rng.int(group.length)]!;
    let map = this.maps.get(seed);
    if (!map) this.maps.set(seed, (map = mapStructure(seed.target.bytes)));
    const m = mutate(rng, seed.target.bytes, map);
    const phases = new Set<Phase>(['read', 'dwarf', 'link', 'view', 'append']);
    const lua = seed.source === 'lua';
    // A Lua case links 33 objects: link, view and append one case in four, reload never (no per-seed image cache would hold).
    if (lua && rng.int(4) !== 0) (phases.delete('link'), phases.delete('view'), phases.delete('append'));
    if (!lua && seed.source !== 'archive') phases.add('reload');
    if (seed.hasMain && rng.chance(this.opts.runRate)) phases.add('run');
    return {
      seed: seed.name,
      source: seed.source,
      original: seed.target,
      mutant: { name: seed.target.name, bytes: m.bytes },
      companions: seed.companions,
      libs: seed.libs,
      hasMain: seed.hasMain,
      phases,
      // The readers at image addresses repeat the section-offset walk with other relocation values: every other case.
      viewWalk: rng.chance(0.5),
      steps: m.steps,
    };
  }
}
