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
  addr = new Float64Array(1024);
  size = new Float64Array(1024);
  kind = new Uint8Array(1024);
  /** STT_* of the definition (STT_NOTYPE for host symbols). */
  type = new Uint8Array(1024);
  /** STB_* of the definition. */
  bind = new Uint8Array(1024);
  /** Defining input id, or -1. */
  input = new Int32Array(1024);
  /** Generation that created the symbol. */
  generation = new Int32Array(1024);
  tlsModule = new Int32Array(1024);
  /** Global name -> LinkSymId of its definition (live, published names only). */
  readonly byName = new Map<string, LinkSymId>();
  /** GOT entry address per symbol (0 = none). Sparse: only symbols that have one. */
  readonly got = new Map<LinkSymId, number>();
  /** Jump stub address per host symbol. */
  readonly stub = new Map<LinkSymId, number>();
  /** TLS general-dynamic GOT pair per symbol. */
  readonly tlsPair = new Map<LinkSymId, number>();
  private n = 0;

  get count(): number {
    return this.n;
  }

  add(name: string, addr: number, size: number, kind: SymKind, type: number, bind: number, input: number, generation: number): LinkSymId {
    const id = this.n++;
    if (id === this.addr.length) this.grow();
    this.name.push(name);
    this.addr[id] = addr;
    this.size[id] = size;
    this.kind[id] = kind;
    this.type[id] = type;
    this.bind[id] = bind;
    this.input[id] = input;
    this.generation[id] = generation;
    this.tlsModule[id] = 0;
    return id;
  }

  private grow(): void {
    const cap = this.addr.length * 2;
    const g = <T extends Float64Array | Uint8Array | Int32Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(cap);
      b.set(a as never);
      return b;
    };
    this.addr = g(this.addr, Float64Array);
    this.size = g(this.size, Float64Array);
    this.kind = g(this.kind, Uint8Array);
    this.type = g(this.type, Uint8Array);
    this.bind = g(this.bind, Uint8Array);
    this.input = g(this.input, Int32Array);
    this.generation = g(this.generation, Int32Array);
    this.tlsModule = g(this.tlsModule, Int32Array);
  }

  /** Drops every symbol with id >= count (append rollback). */
  truncate(count: number): void {
    this.n = count;
    this.name.length = count;
  }
}
