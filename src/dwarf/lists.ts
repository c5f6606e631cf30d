// Address ranges and location lists. A DIE's code lives in [DW_AT_low_pc,
// DW_AT_high_pc) or in the list DW_AT_ranges names (.debug_rnglists in v5,
// .debug_ranges before); a variable's DW_AT_location is one expression or a
// list of (range, expression) entries (.debug_loclists in v5, .debug_loc
// before). Lists are decoded into absolute, half-open [start, end) ranges.

import { hex } from '../errors.js';
import {
  DW_AT_low_pc, DW_AT_high_pc, DW_AT_ranges, DW_AT_location, DW_AT_entry_pc,
  DW_FORM_data4, DW_FORM_data8, DW_FORM_sec_offset, DW_FORM_loclistx, DW_FORM_exprloc,
  DW_FORM_block, DW_FORM_block1, DW_FORM_block2, DW_FORM_block4,
  DW_LLE_end_of_list, DW_LLE_base_addressx, DW_LLE_startx_endx, DW_LLE_startx_length, DW_LLE_offset_pair,
  DW_LLE_default_location, DW_LLE_base_address, DW_LLE_start_end, DW_LLE_start_length, DW_LLE_GNU_view_pair,
  DW_RLE_end_of_list, DW_RLE_base_addressx, DW_RLE_startx_endx, DW_RLE_startx_length, DW_RLE_offset_pair,
  DW_RLE_base_address, DW_RLE_start_end, DW_RLE_start_length,
} from './constants.js';
import { DwarfCursor } from './cursor.js';
import { Die, Unit, isConstantForm } from './info.js';
import { attrName, formName, lleName, rleName } from './names.js';

/** A half-open address range [start, end). */
export interface AddressRange {
  start: number;
  end: number;
}

/** One entry of a location list: where the expression holds, and the expression. */
export interface LocationListEntry {
  /** [start, end) of the entry; for DW_LLE_default_location, 0 and Infinity. */
  start: number;
  end: number;
  /** True for DW_LLE_default_location: applies where no other entry does. */
  isDefault: boolean;
  /** The location description (DW_OP_* bytes). */
  expr: Uint8Array;
}

/** A variable's DW_AT_location (or any location-class attribute), decoded. */
export type LocationAttribute =
  | { kind: 'expr'; expr: Uint8Array }
  | { kind: 'list'; offset: number; entries: LocationListEntry[] };

/** True when two 8-byte (or 4-byte) fields read as all ones (the base-address-selection marker). */
function isMaxAddress(c: DwarfCursor, at: number, size: number): boolean {
  for (let i = 0; i < size; i++) if (c.bytes[at + i] !== 0xff) return false;
  return true;
}

/**
 * The range list at absolute offset `offset`: in .debug_rnglists for
 * DWARF 5 units, .debug_ranges before. Entries relative to a base address
 * start from the unit's base (DW_AT_low_pc of the unit DIE).
 */
export function rangeList(unit: Unit, offset: number): AddressRange[] {
  const out: AddressRange[] = [];
  const size = unit.address_size;
  let base = unit.baseAddress;
  if (unit.version >= 5) {
    const c = unit.info.sections.cursor('.debug_rnglists', () => `the range list at ${hex(offset)}`);
    if (offset >= c.end) c.fail(`range list offset ${hex(offset)} is past the end of the section`, offset);
    c.pos = offset;
    for (;;) {
      const at = c.pos;
      const kind = c.u8('range list entry kind');
      switch (kind) {
        case DW_RLE_end_of_list:
          return out;
        case DW_RLE_base_addressx:
          base = unit.indexedAddress(c.uleb(), at);
          break;
        case DW_RLE_startx_endx: {
          const s = unit.indexedAddress(c.uleb(), at);
          const e = unit.indexedAddress(c.uleb(), at);
          out.push({ start: s, end: e });
          break;
        }
        case DW_RLE_startx_length: {
          const s = unit.indexedAddress(c.uleb(), at);
          out.push({ start: s, end: s + c.uleb() });
          break;
        }
        case DW_RLE_offset_pair: {
          const s = c.uleb();
          const e = c.uleb();
          out.push({ start: base + s, end: base + e });
          break;
        }
        case DW_RLE_base_address:
          base = c.address(size);
          break;
        case DW_RLE_start_end: {
          const s = c.address(size);
          out.push({ start: s, end: c.address(size) });
          break;
        }
        case DW_RLE_start_length: {
          const s = c.address(size);
          out.push({ start: s, end: s + c.uleb() });
          break;
        }
        default:
          c.fail(`unknown range list entry kind ${rleName(kind)}`, at);
      }
    }
  }
  const c = unit.info.sections.cursor('.debug_ranges', () => `the range list at ${hex(offset)}`);
  if (offset >= c.end) c.fail(`range list offset ${hex(offset)} is past the end of the section`, offset);
  c.pos = offset;
  for (;;) {
    const at = c.pos;
    const s = c.address(size, 'range start');
    const e = c.address(size, 'range end');
    if (s === 0 && e === 0) return out;
    if (isMaxAddress(c, at, size)) base = e;
    else out.push({ start: base + s, end: base + e });
  }
}

/**
 * The location list at absolute offset `offset`: in .debug_loclists for
 * DWARF 5 units, .debug_loc before.
 */
export function locationList(unit: Unit, offset: number): LocationListEntry[] {
  const out: LocationListEntry[] = [];
  const size = unit.address_size;
  let base = unit.baseAddress;
  if (unit.version >= 5) {
    const c = unit.info.sections.cursor('.debug_loclists', () => `the location list at ${hex(offset)}`);
    if (offset >= c.end) c.fail(`location list offset ${hex(offset)} is past the end of the section`, offset);
    c.pos = offset;
    const expr = (): Uint8Array => c.block(c.uleb('location description length'), 'location description');
    for (;;) {
      const at = c.pos;
      const kind = c.u8('location list entry kind');
      switch (kind) {
        case DW_LLE_end_of_list:
          return out;
        case DW_LLE_base_addressx:
          base = unit.indexedAddress(c.uleb(), at);
          break;
        case DW_LLE_startx_endx: {
          const s = unit.indexedAddress(c.uleb(), at);
          const e = unit.indexedAddress(c.uleb(), at);
          out.push({ start: s, end: e, isDefault: false, expr: expr() });
          break;
        }
        case DW_LLE_startx_length: {
          const s = unit.indexedAddress(c.uleb(), at);
          const e = s + c.uleb();
          out.push({ start: s, end: e, isDefault: false, expr: expr() });
          break;
        }
        case DW_LLE_offset_pair: {
          const s = c.uleb();
          const e = c.uleb();
          out.push({ start: base + s, end: base + e, isDefault: false, expr: expr() });
          break;
        }
        case DW_LLE_default_location:
          out.push({ start: 0, end: Infinity, isDefault: true, expr: expr() });
          break;
        case DW_LLE_base_address:
          base = c.address(size);
          break;
        case DW_LLE_start_end: {
          const s = c.address(size);
          const e = c.address(size);
          out.push({ start: s, end: e, isDefault: false, expr: expr() });
          break;
        }
        case DW_LLE_start_length: {
          const s = c.address(size);
          const e = s + c.uleb();
          out.push({ start: s, end: e, isDefault: false, expr: expr() });
          break;
        }
        case DW_LLE_GNU_view_pair:
          c.uleb();
          c.uleb();
          break;
        default:
          c.fail(`unknown location list entry kind ${lleName(kind)}`, at);
      }
    }
  }
  const c = unit.info.sections.cursor('.debug_loc', () => `the location list at ${hex(offset)}`);
  if (offset >= c.end) c.fail(`location list offset ${hex(offset)} is past the end of the section`, offset);
  c.pos = offset;
  for (;;) {
    const at = c.pos;
    const s = c.address(size, 'location range start');
    const e = c.address(size, 'location range end');
    if (s === 0 && e === 0) return out;
    if (isMaxAddress(c, at, size)) {
      base = e;
      continue;
    }
    const len = c.u16('location description length');
    out.push({ start: base + s, end: base + e, isDefault: false, expr: c.block(len, 'location description') });
  }
}

/** The entry of a location list that applies at `pc` (a default entry when none other does). */
export function locationAt(entries: readonly LocationListEntry[], pc: number): LocationListEntry | undefined {
  let fallback: LocationListEntry | undefined;
  for (const e of entries) {
    if (e.isDefault) fallback ??= e;
    else if (pc >= e.start && pc < e.end) return e;
  }
  return fallback;
}

/**
 * The code ranges of a DIE: [DW_AT_low_pc, DW_AT_high_pc) (high_pc an
 * address, or with a constant form an offset from low_pc), else the list
 * DW_AT_ranges names, else none. Empty ranges are dropped.
 */
export function dieRanges(die: Die): AddressRange[] {
  if (die.has(DW_AT_ranges)) {
    const off = die.uint(DW_AT_ranges);
    if (off === undefined) {
      return die.unit.cursor.fail(`${attrName(DW_AT_ranges)} of the DIE at ${hex(die.offset)} has form ${formName(die.form(DW_AT_ranges)!)}, not a range list offset`, die.offset);
    }
    return rangeList(die.unit, off).filter((r) => r.end > r.start);
  }
  const low = die.uint(DW_AT_low_pc);
  if (low === undefined) return [];
  const highForm = die.form(DW_AT_high_pc);
  const high = die.uint(DW_AT_high_pc);
  if (highForm === undefined || high === undefined) return [{ start: low, end: low + 1 }];
  const end = isConstantForm(highForm) ? low + high : high;
  return end > low ? [{ start: low, end }] : [];
}

/** The entry address of a DIE's code: DW_AT_entry_pc, else DW_AT_low_pc, else its first range's start. */
export function dieEntryPc(die: Die): number | undefined {
  const entry = die.uint(DW_AT_entry_pc);
  if (entry !== undefined) {
    const form = die.form(DW_AT_entry_pc)!;
    // DWARF 5 allows a constant: an offset from the DIE's base (its low_pc / first range).
    if (!isConstantForm(form)) return entry;
    const r = dieRanges(die)[0];
    return r ? r.start + entry : undefined;
  }
  return die.uint(DW_AT_low_pc) ?? dieRanges(die)[0]?.start;
}

/**
 * A location-class attribute (DW_AT_location by default): an expression
 * (exprloc or block), or a location list (sec_offset, loclistx, or data4 /
 * data8 in DWARF 2-3). Undefined when the DIE has no such attribute.
 */
export function dieLocation(die: Die, at: number = DW_AT_location): LocationAttribute | undefined {
  const form = die.form(at);
  if (form === undefined) return undefined;
  switch (form) {
    case DW_FORM_exprloc:
    case DW_FORM_block:
    case DW_FORM_block1:
    case DW_FORM_block2:
    case DW_FORM_block4:
      return { kind: 'expr', expr: die.block(at)! };
    case DW_FORM_sec_offset:
    case DW_FORM_loclistx:
    case DW_FORM_data4:
    case DW_FORM_data8: {
      const offset = die.uint(at)!;
      return { kind: 'list', offset, entries: locationList(die.unit, offset) };
    }
    default:
      return die.unit.cursor.fail(`${attrName(at)} of the DIE at ${hex(die.offset)} has form ${formName(form)}, which is not a location`, die.offset);
  }
}

/** True when `pc` lies in one of the ranges. */
export function rangesContain(ranges: readonly AddressRange[], pc: number): boolean {
  for (const r of ranges) if (pc >= r.start && pc < r.end) return true;
  return false;
}

