// The patch-site index (HOT_RELOAD.md §15) over the durable relocation
// records: target LinkSymId → record ids, owner input → ids, written
// section → ids. Records of one input and of one section are contiguous
// (a batch applies them input by input, section by section), so the last
// two are ranges noted at fixup time. The target index is built
// incrementally: a query first indexes only the records added since the
// previous query — never a scan of all relocations. `scanned` counts the
// records indexed so tests can prove it.

import { RelocRecords } from './relocs.js';
import { LinkSymId } from './symbols.js';

export class PatchSiteIndex {
  private readonly relocs: RelocRecords;
  private readonly byTarget = new Map<LinkSymId, number[]>();
  private readonly inputRanges = new Map<number, [number, number]>();
  private readonly sectionRanges = new Map<string, [number, number]>();
  private indexed = 0;
  /** Records indexed by the most recent query (0 when nothing was new). */
  lastScanned = 0;
  /** Records indexed in total. */
  scanned = 0;

  constructor(relocs: RelocRecords) {
    this.relocs = relocs;
  }

  /** Notes that records [start, end) belong to `input`'s section `section` (called by fixup). */
  noteSection(input: number, section: number, start: number, end: number): void {
    if (end <= start) return;
    this.sectionRanges.set(`${input}:${section}`, [start, end]);
    const r = this.inputRanges.get(input);
    if (r) r[1] = end;
    else this.inputRanges.set(input, [start, end]);
  }

  /** Forgets inputs >= firstInput (an append rollback); records past `count` were never indexed. */
  rollback(firstInput: number, count: number): void {
    for (const k of [...this.inputRanges.keys()]) if (k >= firstInput) this.inputRanges.delete(k);
    for (const k of [...this.sectionRanges.keys()]) if (Number(k.slice(0, k.indexOf(':'))) >= firstInput) this.sectionRanges.delete(k);
    if (this.indexed > count) throw new Error('PatchSiteIndex: rolled back past indexed records');
  }

  private catchUp(): void {
    const n = this.relocs.count;
    this.lastScanned = n - this.indexed;
    this.scanned += this.lastScanned;
    for (let id = this.indexed; id < n; id++) {
      const t = this.relocs.target(id);
      let list = this.byTarget.get(t);
      if (!list) this.byTarget.set(t, (list = []));
      list.push(id);
    }
    this.indexed = n;
  }

  /** Record ids whose target is `target`. */
  sitesOf(target: LinkSymId): readonly number[] {
    if (this.indexed !== this.relocs.count) this.catchUp();
    else this.lastScanned = 0;
    return this.byTarget.get(target)?.slice() ?? [];
  }

  /** Record ids owned by `input`. */
  sitesOfInput(input: number): number[] {
    const r = this.inputRanges.get(input);
    return r ? range(r[0], r[1]) : [];
  }

  /** Record ids that write into `input`'s section `section`. */
  sitesInSection(input: number, section: number): number[] {
    const r = this.sectionRanges.get(`${input}:${section}`);
    return r ? range(r[0], r[1]) : [];
  }
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, k) => a + k);
}
