// The per-architecture interface. Generic link code never names an
// architecture: it asks the Arch what a relocation type needs (a GOT entry,
// a stub for far targets, a TLS GOT pair), hands it the resolved values of
// the psABI formula (S, A, P, G, GOT, Z) and lets it write the field; and
// it asks the Arch for the bytes of jump stubs and reloadable-function
// entries. One file per architecture implements this.

/** What the linker must provide for a relocation before it can be applied. */
export const enum RelocNeed {
  None = 0,
  /** A GOT entry holding the target's address (G). */
  Got = 1,
  /** A call/jump that may go through a stub when the target is out of reach (PLT). */
  Plt = 2,
  /** A TLS general-dynamic GOT pair (module, offset) for the target. */
  TlsGd = 3,
  /** A TLS local-dynamic GOT pair (module, 0) for the target's module. */
  TlsLd = 4,
  /** The target's offset inside its TLS block (DTPOFF). */
  DtpOff = 5,
  /** A reference to the GOT base (GOTOFF, GOTPC). */
  GotBase = 6,
  /** A GOT-relative load that may be relaxed to a direct reference (GOTPCRELX). */
  GotRelaxable = 7,
  /** PC-relative data reference: the target itself must be in reach. */
  PcRel = 8,
  /** Absolute reference. */
  Abs = 9,
  /** Symbol size (Z). */
  Size = 10,
}

export interface RelocInfo {
  name: string;
  need: RelocNeed;
  /** Bytes written at P. */
  width: number;
}

/**
 * The values a fixup formula may use. All are image/runtime addresses as JS
 * numbers; S for TLS offsets is the offset inside the module's block.
 */
export interface FixupValues {
  S: number;
  A: number;
  P: number;
  G: number;
  GOT: number;
  Z: number;
}

export interface Arch {
  readonly name: string;
  readonly e_machine: number;
  /** The Debian multiarch triplet: the system library directories are /lib/TRIPLET, /usr/lib/TRIPLET. */
  readonly multiarch: string;
  /** Size of one jump stub in bytes (a self-contained jump to an absolute address). */
  readonly stubSize: number;
  /** Size of one reloadable-function entry (jumps through its slot). */
  readonly entrySize: number;
  /** Largest displacement a PC-relative reference can reach, in bytes, either way. */
  readonly pcRelReach: number;
  /** Describes a relocation type, or returns undefined for types we do not know. */
  relocInfo(type: number): RelocInfo | undefined;
  /** The error to give for a known but unsupported type (e.g. initial-exec TLS), or undefined. */
  unsupportedReason(type: number): string | undefined;
  /**
   * For a GotRelaxable relocation at `offset` in `code`: may the GOT load be
   * rewritten into a direct PC-relative reference? Checks the opcode only.
   */
  canRelax(type: number, code: Uint8Array, offset: number): boolean;
  /** Rewrites the instruction at `offset` for a relaxed GOT load and writes the fixup. */
  applyRelaxed(type: number, code: Uint8Array, offset: number, v: FixupValues): string | undefined;
  /**
   * Applies relocation `type` at `offset` of `mem` (whose byte 0 is image
   * address v.P - offset). Returns an error text (formula, value, range)
   * when the value does not fit, else undefined.
   */
  apply(type: number, mem: Uint8Array, offset: number, v: FixupValues): string | undefined;
  /**
   * Writes a stub at `stubAddr` (bytes in `mem` at `offset`) that jumps to
   * the absolute address `target`, holding the address itself (no GOT cell:
   * the stub is also the canonical address of a far host function).
   */
  writeStub(mem: Uint8Array, offset: number, stubAddr: number, target: number): void;
  /** Writes a reloadable entry at `entryAddr` that jumps through the slot at `slotAddr`. */
  writeEntry(mem: Uint8Array, offset: number, entryAddr: number, slotAddr: number): void;
  /** Makes freshly written code at [address, address+length) visible to instruction fetch. */
  flushICache(address: number, length: number): void;
  /** Instruction start offsets in `code` by linear sweep (the debugger's breakpoint check), when the arch can decode. */
  instructionStarts?(code: Uint8Array): number[];
  /**
   * Which byte of its target a relocation designates, relative to S + A:
   * the range [lo, hi] the referenced byte lies in (x86-64 PC32 in code:
   * the displacement is followed by 0–4 immediate bytes, so [4, 8]; an
   * absolute reference: [0, 0]). Undefined when S + A does not name the
   * referenced byte (a jump-table entry `.long L - table`, a %pcrel_lo that
   * names its %pcrel_hi). Reload uses it to route references made through
   * section symbols to functions' entries and to live variables.
   */
  refWindow(type: number, fromCode: boolean): readonly [number, number] | undefined;
}
