// The session's symbol table. Every symbol the image knows gets a LinkSymId:
// definitions from inputs (global and local, section symbols included, so
// relocation records can name any target), host symbols found through
// dlsym, and linker-synthesized ones (_GLOBAL_OFFSET_TABLE_, entries).
// Columns are parallel arrays indexed by LinkSymId; `byName` maps global
// names to their current definition. Growth is append-only, so an append
// transaction rolls back by truncating to the old length.

export type LinkSymId = number;

export const enum SymKind {
  /** Defined in the image: addr is its runtime address. */
  Image = 0,
  /** Resolved in the host process (libc, -l libraries): addr is the host address. */
  Host = 1,
  /** SHN_ABS: addr is the value. */
  Absolute = 2,
  /** Weak undefined that nothing defines: addr 0. */
  Null = 3,
  /** __thread data: addr is the offset inside TLS module `tlsModule`'s block. */
  Tls = 4,
  /** A local symbol whose section was discarded (COMDAT loser): not a valid target. */
  Discarded = 5,
}

export class SymbolTable {
  readonly name: string[] = [];
  readonly addr: number[] = [];
  readonly size: number[] = [];
  readonly kind: SymKind[] = [];
  /** STT_* of the definition (STT_NOTYPE for host symbols). */
  readonly type: number[] = [];
  /** STB_* of the definition. */
  readonly bind: number[] = [];
  /** Defining input id, or -1. */
  readonly input: number[] = [];
  /** Generation that created the symbol. */
  readonly generation: number[] = [];
  readonly tlsModule: number[] = [];
  /** Global name -> LinkSymId of its definition (live, published names only). */
  readonly byName = new Map<string, LinkSymId>();
  /** GOT entry address per symbol (0 = none). Sparse: only symbols that have one. */
  readonly got = new Map<LinkSymId, number>();
  /** Jump stub address per host symbol. */
  readonly stub = new Map<LinkSymId, number>();
  /** TLS general-dynamic GOT pair per symbol. */
  readonly tlsPair = new Map<LinkSymId, number>();

  get count(): number {
    return this.name.length;
  }

  add(name: string, addr: number, size: number, kind: SymKind, type: number, bind: number, input: number, generation: number): LinkSymId {
    const id = this.name.length;
    this.name.push(name);
    this.addr.push(addr);
    this.size.push(size);
    this.kind.push(kind);
    this.type.push(type);
    this.bind.push(bind);
    this.input.push(input);
    this.generation.push(generation);
    this.tlsModule.push(0);
    return id;
  }

  /** Drops every symbol with id >= count (append rollback). */
  truncate(count: number): void {
    for (const col of [this.name, this.addr, this.size, this.kind, this.type, this.bind, this.input, this.generation, this.tlsModule] as unknown[][]) {
      col.length = count;
    }
  }
}
