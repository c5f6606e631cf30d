// Abbreviation tables (.debug_abbrev, DWARF 5 §7.5.3). Each DIE in
// .debug_info starts with an abbreviation code; the unit's table maps it to
// the DIE's tag, whether it has children, and the (attribute, form) list its
// values are encoded with. DW_FORM_implicit_const keeps its value here, not
// in the DIE.

import {
  DW_FORM_flag_present, DW_FORM_data1, DW_FORM_ref1, DW_FORM_flag, DW_FORM_data2, DW_FORM_ref2, DW_FORM_data4, DW_FORM_ref4,
  DW_FORM_sec_offset, DW_FORM_ref_addr, DW_FORM_ref_sup4, DW_FORM_strp_sup, DW_FORM_GNU_ref_alt, DW_FORM_GNU_strp_alt,
  DW_FORM_addr, DW_FORM_data8, DW_FORM_ref8, DW_FORM_ref_sig8, DW_FORM_ref_sup8, DW_FORM_data16,
  DW_FORM_implicit_const, DW_FORM_strp, DW_FORM_line_strp, DW_FORM_strx, DW_FORM_strx1, DW_FORM_strx2, DW_FORM_strx3, DW_FORM_strx4, DW_FORM_GNU_str_index, DW_FORM_addrx, DW_FORM_addrx1, DW_FORM_addrx2, DW_FORM_addrx3, DW_FORM_addrx4, DW_FORM_GNU_addr_index, DW_FORM_rnglistx, DW_FORM_loclistx, DW_FORM_indirect } from './constants.js';
import { DwarfCursor, DwarfInt } from './cursor.js';
import { hex } from '../errors.js';

/** How a stored attribute value is turned into its meaning when read (see Die.get). */
export const enum ValueKind {
  Plain = 0,
  Strp = 1,
  LineStrp = 2,
  Strx = 3,
  Addrx = 4,
  Rnglistx = 5,
  Loclistx = 6,
  Implicit = 7,
  Indirect = 8,
}

export interface Abbrev {
  /** Offset of this declaration in .debug_abbrev. */
  offset: number;
  code: number;
  tag: number;
  hasChildren: boolean;
  /** DW_AT_* of each attribute, in encoding order. */
  attrs: number[];
  /** DW_FORM_* of each attribute. */
  forms: number[];
  /** How each value is resolved when read. */
  kinds: ValueKind[];
  /** DW_FORM_implicit_const values (0 for other forms). */
  implicit: DwarfInt[];
  /**
   * Byte offset of each attribute's value from the end of the abbreviation
   * code, when every value before it has a fixed size (8-byte addresses,
   * DWARF 3+ ref_addr); -1 past the first variable-size value.
   */
  fixedOffsets: number[];
  /** Total size of the values when all are fixed-size, else -1. */
  fixedSize: number;
}

export class AbbrevTable {
  readonly offset: number;
  private readonly dense: (Abbrev | undefined)[] = [];
  private readonly sparse = new Map<number, Abbrev>();

  constructor(offset: number) {
    this.offset = offset;
  }

  get(code: number): Abbrev | undefined {
    return code < 4096 ? this.dense[code] : this.sparse.get(code);
  }

  add(a: Abbrev): boolean {
    if (this.get(a.code)) return false;
    if (a.code < 4096) this.dense[a.code] = a;
    else this.sparse.set(a.code, a);
    return true;
  }
}

export function valueKind(form: number): ValueKind {
  switch (form) {
    case DW_FORM_strp: return ValueKind.Strp;
    case DW_FORM_line_strp: return ValueKind.LineStrp;
    case DW_FORM_strx: case DW_FORM_strx1: case DW_FORM_strx2: case DW_FORM_strx3: case DW_FORM_strx4: case DW_FORM_GNU_str_index:
      return ValueKind.Strx;
    case DW_FORM_addrx: case DW_FORM_addrx1: case DW_FORM_addrx2: case DW_FORM_addrx3: case DW_FORM_addrx4: case DW_FORM_GNU_addr_index:
      return ValueKind.Addrx;
    case DW_FORM_rnglistx: return ValueKind.Rnglistx;
    case DW_FORM_loclistx: return ValueKind.Loclistx;
    case DW_FORM_implicit_const: return ValueKind.Implicit;
    case DW_FORM_indirect: return ValueKind.Indirect;
    default: return ValueKind.Plain;
  }
}

/**
 * The encoded size of a value of `form` when it does not depend on the
 * value (for 8-byte addresses and DWARF 3+), else -1.
 */
export function fixedFormSize(form: number): number {
  switch (form) {
    case DW_FORM_flag_present: case DW_FORM_implicit_const:
      return 0;
    case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1:
      return 1;
    case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2:
      return 2;
    case DW_FORM_strx3: case DW_FORM_addrx3:
      return 3;
    case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset:
    case DW_FORM_ref_addr: case DW_FORM_strx4: case DW_FORM_addrx4: case DW_FORM_ref_sup4: case DW_FORM_strp_sup:
    case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt:
      return 4;
    case DW_FORM_addr: case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8:
      return 8;
    case DW_FORM_data16:
      return 16;
    default:
      return -1;
  }
}

/** Reads the abbreviation table starting at `c.pos` (up to its terminating 0 code). */
export function parseAbbrevTable(c: DwarfCursor): AbbrevTable {
  const table = new AbbrevTable(c.pos);
  for (;;) {
    const at = c.pos;
    const code = c.uleb('abbreviation code');
    if (code === 0) break;
    const tag = c.uleb('abbreviation tag');
    const children = c.u8('DW_CHILDREN flag');
    if (children > 1) c.fail(`abbreviation ${code} has DW_CHILDREN value ${hex(children)} (must be 0 or 1)`, c.pos - 1);
    const a: Abbrev = { offset: at, code, tag, hasChildren: children === 1, attrs: [], forms: [], kinds: [], implicit: [], fixedOffsets: [], fixedSize: 0 };
    for (;;) {
      const name = c.uleb('attribute name');
      const form = c.uleb('attribute form');
      if (name === 0 && form === 0) break;
      if (name === 0 || form === 0) c.fail(`abbreviation ${code} has an attribute with name ${hex(name)} and form ${hex(form)}`);
      a.attrs.push(name);
      a.forms.push(form);
      a.kinds.push(valueKind(form));
      a.implicit.push(form === DW_FORM_implicit_const ? c.slebValue('DW_FORM_implicit_const value') : 0);
      a.fixedOffsets.push(a.fixedSize);
      const size = fixedFormSize(form);
      a.fixedSize = a.fixedSize < 0 || size < 0 ? -1 : a.fixedSize + size;
    }
    if (!table.add(a)) c.fail(`abbreviation code ${code} is declared twice in the table at ${hex(table.offset)}`, at);
  }
  return table;
}
