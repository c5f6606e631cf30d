// Durable relocation records — the seed's LinkRelocApply. Every relocation
// applied to image memory is kept as data: where it wrote (image address),
// how wide, which kind, against which LinkSymId, with which addend, and
// which input and section own the site. Records are columns in growable
// typed arrays (one Float64/Int32 per field, no per-record objects), so
// SQLite's ~100k records cost a few MiB and appends never touch old rows.

export type LinkRelocId = number;

class Column<T extends Float64Array | Int32Array | Uint16Array | Uint8Array> {
  data: T;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  ensure(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < n) cap *= 2;
    const next = this.make(cap);
    next.set(this.data as never);
    this.data = next;
  }
}

export class RelocRecords {
  count = 0;
  private readonly whereCol = new Column((n) => new Float64Array(n));
  private readonly addendCol = new Column((n) => new Float64Array(n));
  private readonly targetCol = new Column((n) => new Int32Array(n));
  private readonly inputCol = new Column((n) => new Int32Array(n));
  private readonly sectionCol = new Column((n) => new Int32Array(n));
  private readonly typeCol = new Column((n) => new Uint16Array(n));
  private readonly widthCol = new Column((n) => new Uint8Array(n));
  /** How many records the last batch created (the per-append "touched" counter the tests assert). */
  touchedByLastBatch = 0;

  reserve(extra: number): void {
    const n = this.count + extra;
    this.whereCol.ensure(n);
    this.addendCol.ensure(n);
    this.targetCol.ensure(n);
    this.inputCol.ensure(n);
    this.sectionCol.ensure(n);
    this.typeCol.ensure(n);
    this.widthCol.ensure(n);
  }

  /** Appends one record; call reserve() first for the batch. */
  push(where: number, type: number, width: number, target: number, addend: number, input: number, section: number): LinkRelocId {
    const i = this.count++;
    this.whereCol.data[i] = where;
    this.typeCol.data[i] = type;
    this.widthCol.data[i] = width;
    this.targetCol.data[i] = target;
    this.addendCol.data[i] = addend;
    this.inputCol.data[i] = input;
    this.sectionCol.data[i] = section;
    return i;
  }

  truncate(count: number): void {
    this.count = count;
  }

  where(id: LinkRelocId): number { return this.whereCol.data[id]!; }
  type(id: LinkRelocId): number { return this.typeCol.data[id]!; }
  width(id: LinkRelocId): number { return this.widthCol.data[id]!; }
  target(id: LinkRelocId): number { return this.targetCol.data[id]!; }
  addend(id: LinkRelocId): number { return this.addendCol.data[id]!; }
  input(id: LinkRelocId): number { return this.inputCol.data[id]!; }
  section(id: LinkRelocId): number { return this.sectionCol.data[id]!; }

  /** Bytes held by the columns (for the memory report). */
  get byteSize(): number {
    return this.whereCol.data.byteLength * 2 + this.targetCol.data.byteLength * 3 + this.typeCol.data.byteLength + this.widthCol.data.byteLength;
  }
}
