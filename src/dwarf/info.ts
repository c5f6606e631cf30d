// .debug_info: units and their trees of DIEs. DwarfInfo reads every unit
// header up front; a unit's DIEs are parsed into a compact table the first
// time anything asks. Die objects are made on demand and decode attribute
// values from the bytes when read, resolving strx/addrx/rnglistx/loclistx
// against DW_AT_str_offsets_base / addr_base / rnglists_base / loclists_base.

import { HotlinkError, hex } from '../errors.js';
import { Abbrev, AbbrevTable, ValueKind, parseAbbrevTable, valueKind } from './abbrev.js';
import {
  DW_UT_compile, DW_UT_type, DW_UT_partial, DW_UT_skeleton, DW_UT_split_compile, DW_UT_split_type,
  DW_FORM_addr, DW_FORM_block2, DW_FORM_block4, DW_FORM_data2, DW_FORM_data4, DW_FORM_data8, DW_FORM_string,
  DW_FORM_block, DW_FORM_block1, DW_FORM_data1, DW_FORM_flag, DW_FORM_sdata, DW_FORM_strp, DW_FORM_udata,
  DW_FORM_ref_addr, DW_FORM_ref1, DW_FORM_ref2, DW_FORM_ref4, DW_FORM_ref8, DW_FORM_ref_udata, DW_FORM_indirect,
  DW_FORM_sec_offset, DW_FORM_exprloc, DW_FORM_flag_present, DW_FORM_strx, DW_FORM_addrx, DW_FORM_ref_sup4,
  DW_FORM_strp_sup, DW_FORM_data16, DW_FORM_line_strp, DW_FORM_ref_sig8, DW_FORM_implicit_const, DW_FORM_loclistx,
  DW_FORM_rnglistx, DW_FORM_ref_sup8, DW_FORM_strx1, DW_FORM_strx2, DW_FORM_strx3, DW_FORM_strx4, DW_FORM_addrx1,
  DW_FORM_addrx2, DW_FORM_addrx3, DW_FORM_addrx4, DW_FORM_GNU_addr_index, DW_FORM_GNU_str_index, DW_FORM_GNU_ref_alt,
  DW_FORM_GNU_strp_alt,
  DW_AT_name, DW_AT_str_offsets_base, DW_AT_addr_base, DW_AT_rnglists_base, DW_AT_loclists_base, DW_AT_low_pc,
  DW_AT_comp_dir, DW_AT_producer, DW_AT_language, DW_AT_stmt_list, DW_AT_abstract_origin, DW_AT_specification,
  DW_AT_GNU_addr_base, DW_AT_GNU_ranges_base,
} from './constants.js';
import { DwarfCursor, DwarfInt } from './cursor.js';
import { attrName, formName, tagName } from './names.js';
import { DebugSections } from './sections.js';

/** A resolved attribute value: addresses, offsets and constants as numbers (bigint past 53 bits), strings, flags, blocks. */
export type AttrValue = number | bigint | string | boolean | Uint8Array;

export interface Attribute {
  at: number;
  form: number;
  value: AttrValue;
}

/**
 * One debugging information entry. Die objects are made on demand from the
 * unit's compact DIE table (and then kept, so one offset is one object);
 * attribute values are decoded from the section bytes when asked for.
 */
export class Die {
  readonly unit: Unit;
  /** Position of the DIE in its unit (0 is the unit DIE). */
  readonly index: number;
  /** Offset of the DIE in .debug_info. */
  readonly offset: number;
  readonly abbrev: Abbrev;
  /** Offset of the first attribute value (just past the abbreviation code). */
  private readonly valuesStart: number;
  private kids: Die[] | undefined;

  constructor(unit: Unit, index: number, offset: number, abbrev: Abbrev, valuesStart: number) {
    this.unit = unit;
    this.index = index;
    this.offset = offset;
    this.abbrev = abbrev;
    this.valuesStart = valuesStart;
  }

  /** DW_TAG_* */
  get tag(): number {
    return this.abbrev.tag;
  }

  get parent(): Die | undefined {
    return this.unit.parentOf(this.index);
  }

  get children(): Die[] {
    return (this.kids ??= this.unit.childrenOf(this.index));
  }

  get hasChildren(): boolean {
    return this.unit.firstChildIndex(this.index) >= 0;
  }

  /** DW_AT_name, if present. */
  get name(): string | undefined {
    const v = this.get(DW_AT_name);
    return typeof v === 'string' ? v : undefined;
  }

  has(at: number): boolean {
    return this.abbrev.attrs.indexOf(at) >= 0;
  }

  /** The DW_FORM_* the attribute is encoded with (the actual form for DW_FORM_indirect). */
  form(at: number): number | undefined {
    const i = this.abbrev.attrs.indexOf(at);
    if (i < 0) return undefined;
    const form = this.abbrev.forms[i]!;
    return form === DW_FORM_indirect ? this.decode(i).form : form;
  }

  /**
   * The attribute's value: strings for string forms, addresses for
   * DW_FORM_addr/addrx*, absolute .debug_info offsets for references,
   * absolute section offsets for sec_offset/rnglistx/loclistx, views of the
   * bytes for blocks and exprlocs, booleans for flags, numbers for constants
   * (unsigned as encoded except sdata and implicit_const; see sint()).
   */
  get(at: number): AttrValue | undefined {
    const i = this.abbrev.attrs.indexOf(at);
    if (i < 0) return undefined;
    return this.decode(i).value;
  }

  /** Every attribute with its resolved value, in encoding order. */
  attributes(): Attribute[] {
    const out: Attribute[] = [];
    for (let i = 0; i < this.abbrev.attrs.length; i++) {
      const { form, value } = this.decode(i);
      out.push({ at: this.abbrev.attrs[i]!, form, value });
    }
    return out;
  }

  /** Decodes attribute number `i` of the abbreviation. */
  private decode(i: number): { form: number; value: AttrValue } {
    const unit = this.unit;
    const ab = this.abbrev;
    const c = unit.cursor;
    const fixed = ab.fixedOffsets[i]!;
    if (fixed >= 0 && unit.fixedSizes) {
      c.pos = this.valuesStart + fixed;
    } else {
      c.pos = this.valuesStart;
      for (let j = 0; j < i; j++) skipValue(c, ab.forms[j]!, unit, ab, j, this.offset);
    }
    let form = ab.forms[i]!;
    if (form === DW_FORM_indirect) {
      form = c.uleb('DW_FORM_indirect form');
      if (form === DW_FORM_indirect || form === DW_FORM_implicit_const) {
        c.fail(`DW_FORM_indirect names form ${formName(form)} for ${attrName(ab.attrs[i]!)}`);
      }
    }
    const raw = readValue(c, form, unit, ab, i, this.offset);
    switch (valueKind(form)) {
      case ValueKind.Strp: return { form, value: unit.info.string(raw as number, this.offset) };
      case ValueKind.LineStrp: return { form, value: unit.info.lineString(raw as number, this.offset) };
      case ValueKind.Strx: return { form, value: unit.indexedString(raw as number, this.offset) };
      case ValueKind.Addrx: return { form, value: unit.indexedAddress(raw as number, this.offset) };
      case ValueKind.Rnglistx: return { form, value: unit.rnglistOffset(raw as number, this.offset) };
      case ValueKind.Loclistx: return { form, value: unit.loclistOffset(raw as number, this.offset) };
      default: return { form, value: raw };
    }
  }

  /** A string attribute. */
  string(at: number): string | undefined {
    const v = this.get(at);
    return typeof v === 'string' ? v : undefined;
  }

  /** An unsigned constant, address or offset that fits in a number. */
  uint(at: number): number | undefined {
    const v = this.get(at);
    return typeof v === 'number' ? v : undefined;
  }

  /**
   * A constant read as signed: DW_FORM_data1/2/4/8 are sign-extended from
   * their width (DWARF leaves their signedness to the consumer), sdata and
   * implicit_const are signed already. Undefined for non-constants.
   */
  sint(at: number): number | bigint | undefined {
    const i = this.abbrev.attrs.indexOf(at);
    if (i < 0) return undefined;
    const { form, value: v } = this.decode(i);
    if (typeof v !== 'number' && typeof v !== 'bigint') return undefined;
    switch (form) {
      case DW_FORM_data1: return (v as number) >= 0x80 ? (v as number) - 0x100 : v;
      case DW_FORM_data2: return (v as number) >= 0x8000 ? (v as number) - 0x10000 : v;
      case DW_FORM_data4: return (v as number) >= 0x80000000 ? (v as number) - 0x100000000 : v;
      case DW_FORM_data8: {
        const b = BigInt.asIntN(64, BigInt(v));
        return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
      }
      default: return v;
    }
  }

  /** A flag: DW_FORM_flag_present, or DW_FORM_flag's byte. */
  flag(at: number): boolean {
    return this.get(at) === true;
  }

  /** A block or exprloc value. */
  block(at: number): Uint8Array | undefined {
    const v = this.get(at);
    return v instanceof Uint8Array ? v : undefined;
  }

  /** The DIE a reference attribute points to (DW_FORM_ref*, ref_addr, ref_sig8 within this object). */
  ref(at: number): Die | undefined {
    const i = this.abbrev.attrs.indexOf(at);
    if (i < 0) return undefined;
    const { form, value: v } = this.decode(i);
    if (form === DW_FORM_ref_sig8) return this.unit.info.typeUnitDie(v as DwarfInt);
    if (typeof v !== 'number' || !isReferenceForm(form)) return undefined;
    const d = this.unit.info.dieAt(v);
    if (!d) {
      throw new HotlinkError('malformed-input', `${this.unit.info.file}: .debug_info at offset ${hex(this.offset)}: ${attrName(at)} refers to offset ${hex(v)}, which is not a DIE`);
    }
    return d;
  }

  /**
   * The attribute from this DIE or, failing that, from the DIE it is a
   * concrete instance of (DW_AT_abstract_origin) or completes
   * (DW_AT_specification), following the chain.
   */
  inherited(at: number): AttrValue | undefined {
    return this.inheritedDie(at)?.get(at);
  }

  /** The DIE holding `at` along the abstract_origin / specification chain. */
  inheritedDie(at: number): Die | undefined {
    let d: Die | undefined = this;
    for (let depth = 0; d && depth < 8; depth++) {
      if (d.has(at)) return d;
      d = d.has(DW_AT_abstract_origin) ? d.ref(DW_AT_abstract_origin) : d.has(DW_AT_specification) ? d.ref(DW_AT_specification) : undefined;
    }
    return undefined;
  }

  /** Children with the given tag. */
  childrenWithTag(tag: number): Die[] {
    return this.children.filter((c) => c.tag === tag);
  }

  toString(): string {
    return `${tagName(this.tag)} at ${hex(this.offset)}${this.name !== undefined ? ` '${this.name}'` : ''}`;
  }
}

export function isReferenceForm(form: number): boolean {
  switch (form) {
    case DW_FORM_ref1: case DW_FORM_ref2: case DW_FORM_ref4: case DW_FORM_ref8: case DW_FORM_ref_udata:
    case DW_FORM_ref_addr: case DW_FORM_ref_sig8:
      return true;
    default:
      return false;
  }
}

/** True for forms whose value is a constant (DWARF's "constant" class). */
export function isConstantForm(form: number): boolean {
  switch (form) {
    case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_data4: case DW_FORM_data8: case DW_FORM_data16:
    case DW_FORM_sdata: case DW_FORM_udata: case DW_FORM_implicit_const:
      return true;
    default:
      return false;
  }
}

export interface UnitHeader {
  /** Offset of the unit header in .debug_info. */
  offset: number;
  /** Offset just past the unit (where the next one starts). */
  end: number;
  version: number;
  /** DW_UT_* (v5), or DW_UT_compile for v2-4 compile units. */
  unit_type: number;
  address_size: number;
  debug_abbrev_offset: number;
  /** Offset of the first DIE. */
  firstDie: number;
  type_signature?: DwarfInt;
  type_offset?: number;
  dwo_id?: DwarfInt;
}

/** One unit of .debug_info: its header, and its DIEs once parsed. */
export class Unit implements UnitHeader {
  readonly info: DwarfInfo;
  readonly offset: number;
  readonly end: number;
  readonly version: number;
  readonly unit_type: number;
  readonly address_size: number;
  readonly debug_abbrev_offset: number;
  readonly firstDie: number;
  readonly type_signature?: DwarfInt;
  readonly type_offset?: number;
  readonly dwo_id?: DwarfInt;
  private table: DieTable | undefined;
  private objects: (Die | undefined)[] = [];
  private bases: { str: number; addr: number; rng: number; loc: number } | undefined;
  private scratch: DwarfCursor | undefined;
  /** True when abbreviations' fixed value offsets hold for this unit (8-byte addresses, DWARF 3+). */
  readonly fixedSizes: boolean;

  constructor(info: DwarfInfo, h: UnitHeader) {
    this.info = info;
    this.offset = h.offset;
    this.end = h.end;
    this.version = h.version;
    this.unit_type = h.unit_type;
    this.address_size = h.address_size;
    this.debug_abbrev_offset = h.debug_abbrev_offset;
    this.firstDie = h.firstDie;
    if (h.type_signature !== undefined) this.type_signature = h.type_signature;
    if (h.type_offset !== undefined) this.type_offset = h.type_offset;
    if (h.dwo_id !== undefined) this.dwo_id = h.dwo_id;
    this.fixedSizes = h.address_size === 8 && h.version >= 3;
  }

  /** A cursor over this unit, shared by attribute decoding (which never nests). */
  get cursor(): DwarfCursor {
    return (this.scratch ??= this.info.sections.cursor('.debug_info', 'a unit', this.firstDie, this.end));
  }

  /** The compact DIE table (parsed on first use). */
  private get dieTable(): DieTable {
    return (this.table ??= parseDies(this));
  }

  /** Parses the unit's DIEs if not done yet; returns how many there are. */
  parse(): number {
    return this.dieTable.count;
  }

  get dieCount(): number {
    return this.dieTable.count;
  }

  /** DIE number `index` of the unit, in offset order. */
  dieAtIndex(index: number): Die {
    let d = this.objects[index];
    if (!d) {
      const t = this.dieTable;
      if (!(index >= 0 && index < t.count)) throw new RangeError(`DIE index ${index} is out of range (0..${t.count - 1})`);
      const offset = t.offset[index]!;
      const abbrev = this.info.abbrevTable(this.debug_abbrev_offset).get(t.code[index]!)!;
      d = new Die(this, index, offset, abbrev, offset + t.codeLength[index]!);
      this.objects[index] = d;
    }
    return d;
  }

  /** All DIEs of the unit in offset order. Makes a Die object for each: prefer walking from root. */
  get dies(): Die[] {
    const out: Die[] = [];
    for (let i = 0; i < this.dieCount; i++) out.push(this.dieAtIndex(i));
    return out;
  }

  /** Calls `fn` on each DIE with one of `tags` (all DIEs when tags is empty), in offset order. */
  forEachDie(tags: readonly number[], fn: (die: Die) => void): void {
    const t = this.dieTable;
    const table = this.info.abbrevTable(this.debug_abbrev_offset);
    for (let i = 0; i < t.count; i++) {
      if (tags.length === 0 || tags.includes(table.get(t.code[i]!)!.tag)) fn(this.dieAtIndex(i));
    }
  }

  parentOf(index: number): Die | undefined {
    const p = this.dieTable.parent[index]!;
    return p < 0 ? undefined : this.dieAtIndex(p);
  }

  firstChildIndex(index: number): number {
    return this.dieTable.firstChild[index]!;
  }

  childrenOf(index: number): Die[] {
    const t = this.dieTable;
    const out: Die[] = [];
    for (let c = t.firstChild[index]!; c >= 0; c = t.nextSibling[c]!) out.push(this.dieAtIndex(c));
    return out;
  }

  /** The unit DIE (DW_TAG_compile_unit, DW_TAG_type_unit, ...). */
  get root(): Die {
    if (this.dieTable.count === 0) throw new HotlinkError('malformed-input', `${this.info.file}: .debug_info at offset ${hex(this.offset)}: unit has no DIEs`);
    return this.dieAtIndex(0);
  }

  get name(): string | undefined {
    return this.root.string(DW_AT_name);
  }
  get compDir(): string | undefined {
    return this.root.string(DW_AT_comp_dir);
  }
  get producer(): string | undefined {
    return this.root.string(DW_AT_producer);
  }
  get language(): number | undefined {
    return this.root.uint(DW_AT_language);
  }
  /** DW_AT_stmt_list: offset of the unit's line program in .debug_line. */
  get stmtList(): number | undefined {
    return this.root.uint(DW_AT_stmt_list);
  }
  /** The base address for location and range lists: the unit DIE's DW_AT_low_pc, else 0. */
  get baseAddress(): number {
    return this.root.uint(DW_AT_low_pc) ?? 0;
  }

  /** The DIE at `offset` inside this unit. */
  dieAt(offset: number): Die | undefined {
    const t = this.dieTable;
    let lo = 0;
    let hi = t.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = t.offset[mid]!;
      if (o === offset) return this.dieAtIndex(mid);
      if (o < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  private getBases(): { str: number; addr: number; rng: number; loc: number } {
    if (!this.bases) {
      const r = this.root;
      // Without the attribute, each base is the first contribution past its
      // section header (8 bytes for str_offsets/addr, 12 for the list tables).
      this.bases = {
        str: r.uint(DW_AT_str_offsets_base) ?? 8,
        addr: r.uint(DW_AT_addr_base) ?? r.uint(DW_AT_GNU_addr_base) ?? 8,
        rng: r.uint(DW_AT_rnglists_base) ?? r.uint(DW_AT_GNU_ranges_base) ?? 12,
        loc: r.uint(DW_AT_loclists_base) ?? 12,
      };
    }
    return this.bases;
  }

  /** DW_AT_str_offsets_base of the unit. */
  get strOffsetsBase(): number {
    return this.getBases().str;
  }
  get addrBase(): number {
    return this.getBases().addr;
  }
  get rnglistsBase(): number {
    return this.getBases().rng;
  }
  get loclistsBase(): number {
    return this.getBases().loc;
  }

  /** String number `index` of the unit's .debug_str_offsets contribution (DW_FORM_strx*). */
  indexedString(index: number, dieOffset: number): string {
    const c = this.info.sections.cursor('.debug_str_offsets', () => `DW_FORM_strx in the DIE at ${hex(dieOffset)}`);
    c.pos = this.strOffsetsBase + index * 4;
    if (c.pos + 4 > c.end) c.fail(`string index ${index} (DIE at .debug_info ${hex(dieOffset)}) is past the end of the section`);
    return this.info.string(c.u32(), dieOffset);
  }

  /** Address number `index` of the unit's .debug_addr contribution (DW_FORM_addrx*, DW_OP_addrx, DW_LLE_startx_*). */
  indexedAddress(index: number, dieOffset: number): number {
    const c = this.info.sections.cursor('.debug_addr', () => `an address index in the DIE at ${hex(dieOffset)}`);
    c.pos = this.addrBase + index * this.address_size;
    if (c.pos + this.address_size > c.end) c.fail(`address index ${index} (DIE at .debug_info ${hex(dieOffset)}) is past the end of the section`);
    return c.address(this.address_size);
  }

  /** Absolute .debug_rnglists offset of range list `index` (DW_FORM_rnglistx). */
  rnglistOffset(index: number, dieOffset: number): number {
    const c = this.info.sections.cursor('.debug_rnglists', () => `DW_FORM_rnglistx in the DIE at ${hex(dieOffset)}`);
    c.pos = this.rnglistsBase + index * 4;
    if (c.pos + 4 > c.end) c.fail(`range list index ${index} (DIE at .debug_info ${hex(dieOffset)}) is past the end of the section`);
    return this.rnglistsBase + c.u32();
  }

  /** Absolute .debug_loclists offset of location list `index` (DW_FORM_loclistx). */
  loclistOffset(index: number, dieOffset: number): number {
    const c = this.info.sections.cursor('.debug_loclists', () => `DW_FORM_loclistx in the DIE at ${hex(dieOffset)}`);
    c.pos = this.loclistsBase + index * 4;
    if (c.pos + 4 > c.end) c.fail(`location list index ${index} (DIE at .debug_info ${hex(dieOffset)}) is past the end of the section`);
    return this.loclistsBase + c.u32();
  }
}

/** The debug information of one object: units, DIEs, strings. */
export class DwarfInfo {
  readonly sections: DebugSections;
  readonly file: string;
  readonly units: Unit[] = [];
  private readonly abbrevTables = new Map<number, AbbrevTable>();
  private readonly strings = new Map<number, string>();
  private readonly lineStrings = new Map<number, string>();
  private typeUnits: Map<bigint, Unit> | undefined;

  constructor(sections: DebugSections) {
    this.sections = sections;
    this.file = sections.file;
    const bytes = sections.get('.debug_info');
    if (!bytes) return;
    const c = new DwarfCursor(bytes, this.file, '.debug_info');
    while (c.pos < c.end) {
      const h = readUnitHeader(c);
      this.units.push(new Unit(this, h));
      c.pos = h.end;
    }
  }

  /** The unit containing .debug_info offset `offset`. */
  unitAt(offset: number): Unit | undefined {
    const us = this.units;
    let lo = 0;
    let hi = us.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const u = us[mid]!;
      if (offset < u.offset) hi = mid - 1;
      else if (offset >= u.end) lo = mid + 1;
      else return u;
    }
    return undefined;
  }

  /** The DIE at .debug_info offset `offset`. */
  dieAt(offset: number): Die | undefined {
    return this.unitAt(offset)?.dieAt(offset);
  }

  /** The type DIE of the DW_UT_type unit with this signature (DW_FORM_ref_sig8). */
  typeUnitDie(signature: DwarfInt): Die | undefined {
    if (!this.typeUnits) {
      this.typeUnits = new Map();
      for (const u of this.units) {
        if (u.type_signature !== undefined) this.typeUnits.set(BigInt.asUintN(64, BigInt(u.type_signature)), u);
      }
    }
    const u = this.typeUnits.get(BigInt.asUintN(64, BigInt(signature)));
    return u && u.type_offset !== undefined ? u.dieAt(u.offset + u.type_offset) : undefined;
  }

  /** Parses every unit's DIEs; returns the number of DIEs. */
  parseAll(): number {
    let n = 0;
    for (const u of this.units) n += u.parse();
    return n;
  }

  abbrevTable(offset: number): AbbrevTable {
    let t = this.abbrevTables.get(offset);
    if (!t) {
      const c = this.sections.cursor('.debug_abbrev', () => `the unit's abbreviation table at ${hex(offset)}`);
      if (offset >= c.end) c.fail(`abbreviation table offset ${hex(offset)} is past the end of the section`, offset);
      c.pos = offset;
      t = parseAbbrevTable(c);
      this.abbrevTables.set(offset, t);
    }
    return t;
  }

  /** The .debug_str string at `offset` (DW_FORM_strp, or strx through str_offsets). */
  string(offset: number, dieOffset = -1): string {
    let s = this.strings.get(offset);
    if (s === undefined) {
      s = this.readString('.debug_str', offset, dieOffset);
      this.strings.set(offset, s);
    }
    return s;
  }

  /** The .debug_line_str string at `offset` (DW_FORM_line_strp). */
  lineString(offset: number, dieOffset = -1): string {
    let s = this.lineStrings.get(offset);
    if (s === undefined) {
      s = this.readString('.debug_line_str', offset, dieOffset);
      this.lineStrings.set(offset, s);
    }
    return s;
  }

  private readString(section: '.debug_str' | '.debug_line_str', offset: number, dieOffset: number): string {
    const who = (): string => (dieOffset >= 0 ? `a string in the DIE at .debug_info ${hex(dieOffset)}` : 'a string');
    const c = this.sections.cursor(section, who);
    if (offset >= c.end) c.fail(`string offset ${hex(offset)} (${who()}) is past the end of the section (${hex(c.end)})`, offset);
    c.pos = offset;
    return c.cstring(`string at ${hex(offset)}`);
  }
}

/** Reads one unit header at c.pos (32-bit DWARF, versions 2 to 5). */
function readUnitHeader(c: DwarfCursor): UnitHeader {
  const offset = c.pos;
  const unit_length = c.u32('unit_length');
  if (unit_length === 0xffffffff) {
    throw new HotlinkError('unsupported', `${c.file}: .debug_info at offset ${hex(offset)}: unit uses the 64-bit DWARF format (unit_length 0xffffffff); only 32-bit DWARF is supported`);
  }
  if (unit_length >= 0xfffffff0) c.fail(`unit_length ${hex(unit_length)} is a reserved value`, offset);
  const end = c.pos + unit_length;
  if (end > c.end) c.fail(`unit_length ${hex(unit_length)} runs past the end of the section (${hex(c.end)})`, offset);
  const u = c.window(c.pos, end);
  const version = u.u16('version');
  if (version < 2 || version > 5) {
    throw new HotlinkError('unsupported', `${c.file}: .debug_info at offset ${hex(offset)}: unit has DWARF version ${version}; versions 2 to 5 are supported`);
  }
  let unit_type = DW_UT_compile;
  let address_size: number;
  let debug_abbrev_offset: number;
  const h: Partial<UnitHeader> = {};
  if (version >= 5) {
    unit_type = u.u8('unit_type');
    address_size = u.u8('address_size');
    debug_abbrev_offset = u.offset('debug_abbrev_offset');
    switch (unit_type) {
      case DW_UT_compile:
      case DW_UT_partial:
        break;
      case DW_UT_skeleton:
      case DW_UT_split_compile:
        h.dwo_id = u.u64Value('dwo_id');
        break;
      case DW_UT_type:
      case DW_UT_split_type:
        h.type_signature = u.u64Value('type_signature');
        h.type_offset = u.offset('type_offset');
        break;
      default:
        u.fail(`unknown unit_type ${hex(unit_type)}`, offset + 6);
    }
  } else {
    debug_abbrev_offset = u.offset('debug_abbrev_offset');
    address_size = u.u8('address_size');
  }
  if (address_size !== 4 && address_size !== 8) u.fail(`unit has address_size ${address_size} (must be 4 or 8)`, offset);
  return { ...h, offset, end, version, unit_type, address_size, debug_abbrev_offset, firstDie: u.pos };
}

/** A unit's DIEs as parallel arrays, in offset order; index 0 is the unit DIE. */
interface DieTable {
  count: number;
  offset: Uint32Array;
  code: Uint32Array;
  codeLength: Uint8Array;
  parent: Int32Array;
  firstChild: Int32Array;
  nextSibling: Int32Array;
}

function growTable(t: DieTable, size: number): DieTable {
  const grow = <T extends Uint32Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
    const b = make(size);
    b.set(a.subarray(0, t.count));
    return b;
  };
  return {
    count: t.count,
    offset: grow(t.offset, (n) => new Uint32Array(n)),
    code: grow(t.code, (n) => new Uint32Array(n)),
    codeLength: grow(t.codeLength, (n) => new Uint8Array(n)),
    parent: grow(t.parent, (n) => new Int32Array(n)),
    firstChild: grow(t.firstChild, (n) => new Int32Array(n)),
    nextSibling: grow(t.nextSibling, (n) => new Int32Array(n)),
  };
}

/**
 * Walks the unit's DIEs, checking every value's encoding (so truncation and
 * unknown forms are found here) and recording the tree: offset, abbreviation
 * code, parent, first child and next sibling of each DIE.
 */
function parseDies(unit: Unit): DieTable {
  const info = unit.info;
  const c: DwarfCursor = info.sections.cursor('.debug_info', 'a unit', unit.firstDie, unit.end);
  const abbrevs = info.abbrevTable(unit.debug_abbrev_offset);
  const fixedOk = unit.fixedSizes;
  const bytes = c.bytes;
  const initial = Math.max(16, ((unit.end - unit.firstDie) >>> 3) + 1);
  let t: DieTable = {
    count: 0,
    offset: new Uint32Array(initial),
    code: new Uint32Array(initial),
    codeLength: new Uint8Array(initial),
    parent: new Int32Array(initial),
    firstChild: new Int32Array(initial),
    nextSibling: new Int32Array(initial),
  };
  // lastChild[depth]: the most recent DIE at that depth, to link its next sibling.
  const parents: number[] = [];
  const lastChild: number[] = [-1];
  let parent = -1;
  while (c.pos < c.end) {
    const at = c.pos;
    let code = bytes[at]!;
    if (code < 0x80) c.pos++;
    else code = c.uleb('abbreviation code');
    const codeLength = c.pos - at;
    if (code === 0) {
      // A null entry ends a sibling chain; at the top level it is padding.
      if (parents.length > 0) {
        parent = parents.pop()!;
        lastChild.pop();
      }
      continue;
    }
    const abbrev = abbrevs.get(code);
    if (!abbrev) {
      c.fail(`DIE has abbreviation code ${code}, which is not in the abbreviation table at .debug_abbrev offset ${hex(abbrevs.offset)}`, at);
    }
    if (fixedOk && abbrev.fixedSize >= 0) {
      if (c.pos + abbrev.fixedSize > c.end) c.need(abbrev.fixedSize, `values of the DIE at ${hex(at)} (${tagName(abbrev.tag)})`);
      c.pos += abbrev.fixedSize;
    } else {
      const forms = abbrev.forms;
      for (let i = 0; i < forms.length; i++) skipValue(c, forms[i]!, unit, abbrev, i, at);
    }
    const index = t.count;
    if (index === t.offset.length) t = growTable(t, index * 2);
    if (parent < 0 && index > 0) c.fail(`second top-level DIE (${tagName(abbrev.tag)}) in the unit at ${hex(unit.offset)}`, at);
    t.offset[index] = at;
    t.code[index] = code;
    t.codeLength[index] = codeLength;
    t.parent[index] = parent;
    t.firstChild[index] = -1;
    t.nextSibling[index] = -1;
    const depth = lastChild.length - 1;
    const prev = lastChild[depth]!;
    if (prev >= 0) t.nextSibling[prev] = index;
    else if (parent >= 0) t.firstChild[parent] = index;
    lastChild[depth] = index;
    t.count = index + 1;
    if (abbrev.hasChildren) {
      parents.push(parent);
      parent = index;
      lastChild.push(-1);
    }
  }
  return t;
}

function skipN(c: DwarfCursor, n: number, form: number): void {
  if (c.pos + n > c.end) c.need(n, formName(form));
  c.pos += n;
}

/** Moves past one value of `form`, checking it lies inside the unit. */
function skipValue(c: DwarfCursor, form: number, unit: Unit, abbrev: Abbrev, i: number, dieOffset: number): void {
  switch (form) {
    case DW_FORM_flag_present: case DW_FORM_implicit_const:
      return;
    case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1:
      skipN(c, 1, form);
      return;
    case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2:
      skipN(c, 2, form);
      return;
    case DW_FORM_strx3: case DW_FORM_addrx3:
      skipN(c, 3, form);
      return;
    case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset:
    case DW_FORM_strx4: case DW_FORM_addrx4: case DW_FORM_ref_sup4: case DW_FORM_strp_sup:
    case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt:
      skipN(c, 4, form);
      return;
    case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8:
      skipN(c, 8, form);
      return;
    case DW_FORM_data16:
      skipN(c, 16, form);
      return;
    case DW_FORM_addr:
      skipN(c, unit.address_size, form);
      return;
    case DW_FORM_ref_addr:
      skipN(c, unit.version <= 2 ? unit.address_size : 4, form);
      return;
    case DW_FORM_string: {
      const nul = c.bytes.indexOf(0, c.pos);
      if (nul < 0 || nul >= c.end) c.fail(`DW_FORM_string is not NUL-terminated before ${hex(c.end)}`);
      c.pos = nul + 1;
      return;
    }
    case DW_FORM_exprloc: case DW_FORM_block:
      c.skip(c.uleb('block length'), formName(form));
      return;
    case DW_FORM_block1:
      c.skip(c.u8('DW_FORM_block1 length'), 'DW_FORM_block1');
      return;
    case DW_FORM_block2:
      c.skip(c.u16('DW_FORM_block2 length'), 'DW_FORM_block2');
      return;
    case DW_FORM_block4:
      c.skip(c.u32('DW_FORM_block4 length'), 'DW_FORM_block4');
      return;
    case DW_FORM_sdata: case DW_FORM_udata: case DW_FORM_ref_udata: case DW_FORM_strx: case DW_FORM_addrx:
    case DW_FORM_GNU_str_index: case DW_FORM_GNU_addr_index: case DW_FORM_rnglistx: case DW_FORM_loclistx: {
      const b = c.bytes;
      let p = c.pos;
      while (p < c.end && b[p]! >= 0x80) p++;
      if (p >= c.end) c.fail(`${formName(form)} runs past the end of the unit at ${hex(c.end)}`);
      c.pos = p + 1;
      return;
    }
    case DW_FORM_indirect: {
      const actual = c.uleb('DW_FORM_indirect form');
      if (actual === DW_FORM_indirect || actual === DW_FORM_implicit_const) {
        c.fail(`DW_FORM_indirect names form ${formName(actual)} for ${attrName(abbrev.attrs[i]!)}`);
      }
      skipValue(c, actual, unit, abbrev, i, dieOffset);
      return;
    }
    default:
      c.fail(`DIE at ${hex(dieOffset)} (${tagName(abbrev.tag)}, abbreviation ${abbrev.code}) uses unknown form ${formName(form)} for ${attrName(abbrev.attrs[i]!)}`);
  }
}

/** Reads one value of `form`; see Die.get for what each form yields. */
function readValue(c: DwarfCursor, form: number, unit: Unit, abbrev: Abbrev, i: number, dieOffset: number): AttrValue {
  switch (form) {
    case DW_FORM_addr: return c.address(unit.address_size, 'DW_FORM_addr');
    case DW_FORM_data1: return c.u8('DW_FORM_data1');
    case DW_FORM_data2: return c.u16('DW_FORM_data2');
    case DW_FORM_data4: return c.u32('DW_FORM_data4');
    case DW_FORM_data8: return c.u64Value('DW_FORM_data8');
    case DW_FORM_data16: return c.block(16, 'DW_FORM_data16');
    case DW_FORM_sdata: return c.slebValue('DW_FORM_sdata');
    case DW_FORM_udata: return c.ulebValue('DW_FORM_udata');
    case DW_FORM_string: return c.cstring('DW_FORM_string');
    case DW_FORM_strp:
    case DW_FORM_line_strp:
    case DW_FORM_sec_offset:
    case DW_FORM_strp_sup:
    case DW_FORM_GNU_strp_alt:
    case DW_FORM_GNU_ref_alt:
    case DW_FORM_ref_sup4:
      return c.u32('offset-sized value');
    case DW_FORM_ref_sup8: return c.u64('DW_FORM_ref_sup8');
    case DW_FORM_flag: return c.u8('DW_FORM_flag') !== 0;
    case DW_FORM_flag_present: return true;
    case DW_FORM_implicit_const: return abbrev.implicit[i]!;
    case DW_FORM_ref1: return unit.offset + c.u8('DW_FORM_ref1');
    case DW_FORM_ref2: return unit.offset + c.u16('DW_FORM_ref2');
    case DW_FORM_ref4: return unit.offset + c.u32('DW_FORM_ref4');
    case DW_FORM_ref8: return unit.offset + c.u64('DW_FORM_ref8');
    case DW_FORM_ref_udata: return unit.offset + c.uleb('DW_FORM_ref_udata');
    case DW_FORM_ref_addr: return unit.version <= 2 ? c.address(unit.address_size, 'DW_FORM_ref_addr') : c.u32('DW_FORM_ref_addr');
    case DW_FORM_ref_sig8: return c.u64Value('DW_FORM_ref_sig8');
    case DW_FORM_exprloc: return c.block(c.uleb('DW_FORM_exprloc length'), 'DW_FORM_exprloc');
    case DW_FORM_block1: return c.block(c.u8('DW_FORM_block1 length'), 'DW_FORM_block1');
    case DW_FORM_block2: return c.block(c.u16('DW_FORM_block2 length'), 'DW_FORM_block2');
    case DW_FORM_block4: return c.block(c.u32('DW_FORM_block4 length'), 'DW_FORM_block4');
    case DW_FORM_block: return c.block(c.uleb('DW_FORM_block length'), 'DW_FORM_block');
    case DW_FORM_strx:
    case DW_FORM_addrx:
    case DW_FORM_GNU_str_index:
    case DW_FORM_GNU_addr_index:
    case DW_FORM_rnglistx:
    case DW_FORM_loclistx:
      return c.uleb('index');
    case DW_FORM_strx1: case DW_FORM_addrx1: return c.u8('index');
    case DW_FORM_strx2: case DW_FORM_addrx2: return c.u16('index');
    case DW_FORM_strx3: case DW_FORM_addrx3: return c.u24('index');
    case DW_FORM_strx4: case DW_FORM_addrx4: return c.u32('index');
    default:
      return c.fail(`DIE at ${hex(dieOffset)} (${tagName(abbrev.tag)}, abbreviation ${abbrev.code}) uses unknown form ${formName(form)} for ${attrName(abbrev.attrs[i]!)}`);
  }
}
