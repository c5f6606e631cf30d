// A LinkInput is one object placed (or about to be placed) into the live
// image: the parsed ELF plus its InputMap — where each of its sections
// landed and which LinkSymId each of its symbols resolved to. Inputs are
// never re-laid-out: once placed, their maps are read-only history that
// the debug view and the patch-site index consult.

import { ElfObject, RelaTable } from '../elf/object.js';

/** Segment classes, in the order their ranges sit in the arena. */
export const enum SegClass {
  RX = 0,
  R = 1,
  TLS = 2,
  RW = 3,
}
export const SEG_CLASS_NAMES = ['RX', 'R', 'TLS', 'RW'] as const;
export const SEG_CLASS_COUNT = 4;

export interface LinkInput {
  id: number;
  /** Display name: the file, or archive(member). */
  file: string;
  obj: ElfObject;
  /** Batch (generation) that placed it. */
  generation: number;
  /** Per section index: image address, or -1 when the section is not loaded. */
  sectionAddr: Float64Array;
  /** Per section index: SegClass, or -1. */
  sectionClass: Int8Array;
  /** Per section index: true when a COMDAT group of another input won. */
  discarded: Uint8Array;
  /** Per ELF symbol index: the LinkSymId it refers to, or -1. */
  symIds: Int32Array;
  /** TLS module id of this input's .tdata/.tbss, or 0. */
  tlsModule: number;
  /** The reload unit this input is a version of (set for reloads; the unit of a first version is its file). */
  unit?: string;
  /** Decoded relocation tables for loaded sections, kept only while the batch is being linked. */
  relas?: Map<number, RelaTable>;
}

export function newLinkInput(id: number, obj: ElfObject, generation: number): LinkInput {
  const nsec = obj.sections.length;
  return {
    id,
    file: obj.file,
    obj,
    generation,
    sectionAddr: new Float64Array(nsec).fill(-1),
    sectionClass: new Int8Array(nsec).fill(-1),
    discarded: new Uint8Array(nsec),
    symIds: new Int32Array(obj.symbols.length).fill(-1),
    tlsModule: 0,
  };
}
