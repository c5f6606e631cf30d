// Address → symbol index for addrToSym. One sorted column pair per segment
// class. Because each class only grows at its cursor, a batch's symbols all
// sort after the class's existing ones: a batch appends its slice unsorted
// and the first query after it sorts just that slice — O(new log new),
// never a rebuild, and nothing at all on the link path.

import { SEG_CLASS_COUNT } from './input.js';

export class AddressIndex {
  private readonly addrs: number[][] = [];
  private readonly ids: number[][] = [];
  /** Per class: entries [0, sorted) are in address order. */
  private readonly sorted: number[] = [];

  constructor() {
    for (let c = 0; c < SEG_CLASS_COUNT; c++) {
      this.addrs.push([]);
      this.ids.push([]);
      this.sorted.push(0);
    }
  }

  lengths(): number[] {
    return this.addrs.map((a) => a.length);
  }

  truncate(lengths: number[]): void {
    lengths.forEach((n, c) => {
      this.addrs[c]!.length = n;
      this.ids[c]!.length = n;
      this.sorted[c] = Math.min(this.sorted[c]!, n);
    });
  }

  add(cls: number, addr: number, id: number): void {
    this.addrs[cls]!.push(addr);
    this.ids[cls]!.push(id);
  }

  /** Sorts the unsorted tail of class `c`. */
  private sortTail(c: number): void {
    const a = this.addrs[c]!;
    const ids = this.ids[c]!;
    const start = this.sorted[c]!;
    this.sorted[c] = a.length;
    if (a.length - start < 2) return;
    {
      const order = Array.from({ length: a.length - start }, (_, k) => start + k);
      order.sort((x, y) => a[x]! - a[y]! || ids[x]! - ids[y]!);
      const na = order.map((k) => a[k]!);
      const ni = order.map((k) => ids[k]!);
      for (let k = 0; k < na.length; k++) {
        a[start + k] = na[k]!;
        ids[start + k] = ni[k]!;
      }
    }
  }

  /** Ids of the entries at the greatest address <= addr in class `cls` (all aliases at that address), or []. */
  find(cls: number, addr: number): number[] {
    if (this.sorted[cls] !== this.addrs[cls]!.length) this.sortTail(cls);
    const a = this.addrs[cls]!;
    let lo = 0;
    let hi = a.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! <= addr) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return [];
    const at = a[best]!;
    const out: number[] = [];
    for (let k = best; k >= 0 && a[k] === at; k--) out.push(this.ids[cls]![k]!);
    return out;
  }

  /** Every id in class `cls`, in address order. */
  all(cls: number): readonly number[] {
    if (this.sorted[cls] !== this.addrs[cls]!.length) this.sortTail(cls);
    return this.ids[cls]!;
  }
}
