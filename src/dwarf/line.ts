// Line number programs (.debug_line, DWARF 5 §6.2): a header with the
// directory and file tables (v2-4 lists, v5 self-described entries) and a
// byte-coded program whose rows map addresses to file/line/column. Row
// fields keep the spec's register names; file numbers are as encoded
// (1-based before v5, 0-based in v5).

import { HotlinkError, hex } from '../errors.js';
import {
  DW_LNS_copy, DW_LNS_advance_pc, DW_LNS_advance_line, DW_LNS_set_file, DW_LNS_set_column, DW_LNS_negate_stmt,
  DW_LNS_set_basic_block, DW_LNS_const_add_pc, DW_LNS_fixed_advance_pc, DW_LNS_set_prologue_end,
  DW_LNS_set_epilogue_begin, DW_LNS_set_isa, DW_LNE_end_sequence, DW_LNE_set_address, DW_LNE_define_file,
  DW_LNE_set_discriminator, DW_LNCT_path, DW_LNCT_directory_index, DW_LNCT_timestamp, DW_LNCT_size, DW_LNCT_MD5,
  DW_FORM_string, DW_FORM_line_strp, DW_FORM_strp, DW_FORM_udata, DW_FORM_data1, DW_FORM_data2, DW_FORM_data4,
  DW_FORM_data8, DW_FORM_data16, DW_FORM_block, DW_FORM_strx, DW_FORM_strx1, DW_FORM_strx2, DW_FORM_strx3, DW_FORM_strx4,
} from './constants.js';
import { DwarfCursor, DwarfInt } from './cursor.js';
import { DwarfInfo, Unit } from './info.js';
import { formName } from './names.js';

export interface LineFileEntry {
  name: string;
  directory_index: number;
  mtime: number;
  size: number;
  md5?: Uint8Array;
}

/** One row of the line table: the state machine's registers when a row was emitted. */
export interface LineRow {
  address: number;
  op_index: number;
  file: number;
  line: number;
  column: number;
  is_stmt: boolean;
  basic_block: boolean;
  end_sequence: boolean;
  prologue_end: boolean;
  epilogue_begin: boolean;
  isa: number;
  discriminator: number;
}

/** A run of rows with ascending addresses, rows [first, last] of the table; `last` is the end_sequence row at address `end`. */
export interface LineSequence {
  start: number;
  end: number;
  first: number;
  last: number;
}

const F_IS_STMT = 1;
const F_BASIC_BLOCK = 2;
const F_END_SEQUENCE = 4;
const F_PROLOGUE_END = 8;
const F_EPILOGUE_BEGIN = 16;

/**
 * The rows of a line program as parallel arrays (a large object has
 * hundreds of thousands of rows; one object per row would cost more in
 * garbage collection than decoding does). row(i) gives one as a LineRow.
 */
export class LineTable {
  count = 0;
  address: Float64Array;
  file: Uint32Array;
  line: Uint32Array;
  column: Uint32Array;
  op_index: Uint32Array;
  isa: Uint32Array;
  discriminator: Uint32Array;
  /** is_stmt, basic_block, end_sequence, prologue_end, epilogue_begin as bits 0-4. */
  flags: Uint8Array;

  constructor(capacity: number) {
    this.address = new Float64Array(capacity);
    this.file = new Uint32Array(capacity);
    this.line = new Uint32Array(capacity);
    this.column = new Uint32Array(capacity);
    this.op_index = new Uint32Array(capacity);
    this.isa = new Uint32Array(capacity);
    this.discriminator = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  /** Makes room for one more row. */
  grow(): void {
    const n = Math.max(64, this.address.length * 2);
    const copy = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.address = copy(this.address, new Float64Array(n));
    this.file = copy(this.file, new Uint32Array(n));
    this.line = copy(this.line, new Uint32Array(n));
    this.column = copy(this.column, new Uint32Array(n));
    this.op_index = copy(this.op_index, new Uint32Array(n));
    this.isa = copy(this.isa, new Uint32Array(n));
    this.discriminator = copy(this.discriminator, new Uint32Array(n));
    this.flags = copy(this.flags, new Uint8Array(n));
  }

  isStmt(i: number): boolean {
    return (this.flags[i]! & F_IS_STMT) !== 0;
  }
  isEndSequence(i: number): boolean {
    return (this.flags[i]! & F_END_SEQUENCE) !== 0;
  }

  row(i: number): LineRow {
    const f = this.flags[i]!;
    return {
      address: this.address[i]!,
      op_index: this.op_index[i]!,
      file: this.file[i]!,
      line: this.line[i]!,
      column: this.column[i]!,
      is_stmt: (f & F_IS_STMT) !== 0,
      basic_block: (f & F_BASIC_BLOCK) !== 0,
      end_sequence: (f & F_END_SEQUENCE) !== 0,
      prologue_end: (f & F_PROLOGUE_END) !== 0,
      epilogue_begin: (f & F_EPILOGUE_BEGIN) !== 0,
      isa: this.isa[i]!,
      discriminator: this.discriminator[i]!,
    };
  }
}

export interface LineProgramOptions {
  /** The unit's DW_AT_comp_dir: directory 0 before v5, and the base of relative directories. */
  compDir?: string;
  /** Address size for DW_LNE_set_address before v5 (default: the operand's length). */
  addressSize?: number;
  /** Resolves DW_FORM_strx* in v5 entry formats (the owning unit). */
  unit?: Unit;
}

export class LineProgram {
  readonly file: string;
  /** Offset of the program's header in .debug_line. */
  readonly offset: number;
  /** Offset just past the program. */
  readonly end: number;
  readonly version: number;
  readonly address_size: number;
  readonly minimum_instruction_length: number;
  readonly maximum_operations_per_instruction: number;
  readonly default_is_stmt: boolean;
  readonly line_base: number;
  readonly line_range: number;
  readonly opcode_base: number;
  readonly standard_opcode_lengths: number[];
  /** Directories as listed in the header (before v5, without the implicit directory 0). */
  readonly include_directories: string[];
  /** Files as listed in the header (before v5, file 1 is file_names[0]), plus any DW_LNE_define_file. */
  readonly file_names: LineFileEntry[];
  readonly compDir: string | undefined;
  private readonly programStart: number;
  private readonly bytes: Uint8Array;
  private decoded: LineTable | undefined;
  private readonly paths = new Map<number, string | undefined>();
  private seqs: LineSequence[] | undefined;

  constructor(bytes: Uint8Array, file: string, offset: number, info: DwarfInfo | undefined, opts: LineProgramOptions = {}) {
    this.bytes = bytes;
    this.file = file;
    this.offset = offset;
    this.compDir = opts.compDir;
    const c = new DwarfCursor(bytes, file, '.debug_line', offset);
    const unit_length = c.u32('unit_length');
    if (unit_length === 0xffffffff) {
      throw new HotlinkError('unsupported', `${file}: .debug_line at offset ${hex(offset)}: line program uses the 64-bit DWARF format; only 32-bit DWARF is supported`);
    }
    if (unit_length >= 0xfffffff0) c.fail(`unit_length ${hex(unit_length)} is a reserved value`, offset);
    this.end = c.pos + unit_length;
    if (this.end > bytes.length) c.fail(`unit_length ${hex(unit_length)} runs past the end of the section (${hex(bytes.length)})`, offset);
    c.end = this.end;
    this.version = c.u16('version');
    if (this.version < 2 || this.version > 5) {
      throw new HotlinkError('unsupported', `${file}: .debug_line at offset ${hex(offset)}: line program has version ${this.version}; versions 2 to 5 are supported`);
    }
    let addressSize = opts.addressSize ?? 0;
    if (this.version >= 5) {
      addressSize = c.u8('address_size');
      const seg = c.u8('segment_selector_size');
      if (seg !== 0) c.fail(`segment_selector_size ${seg} is not supported`, c.pos - 1);
    }
    this.address_size = addressSize;
    const header_length = c.u32('header_length');
    this.programStart = c.pos + header_length;
    if (this.programStart > this.end) c.fail(`header_length ${hex(header_length)} runs past the end of the program (${hex(this.end)})`, c.pos - 4);
    this.minimum_instruction_length = c.u8('minimum_instruction_length');
    this.maximum_operations_per_instruction = this.version >= 4 ? c.u8('maximum_operations_per_instruction') : 1;
    if (this.maximum_operations_per_instruction === 0) c.fail('maximum_operations_per_instruction is 0', c.pos - 1);
    this.default_is_stmt = c.u8('default_is_stmt') !== 0;
    this.line_base = c.i8('line_base');
    this.line_range = c.u8('line_range');
    if (this.line_range === 0) c.fail('line_range is 0', c.pos - 1);
    this.opcode_base = c.u8('opcode_base');
    if (this.opcode_base === 0) c.fail('opcode_base is 0', c.pos - 1);
    this.standard_opcode_lengths = [0];
    for (let i = 1; i < this.opcode_base; i++) this.standard_opcode_lengths.push(c.u8('standard_opcode_lengths'));
    this.include_directories = [];
    this.file_names = [];
    c.end = this.programStart;
    if (this.version >= 5) {
      const dirFormats = readEntryFormats(c, 'directory');
      const dirCount = c.uleb('directories_count');
      for (let i = 0; i < dirCount; i++) this.include_directories.push(readEntry(c, dirFormats, info, opts.unit).name);
      const fileFormats = readEntryFormats(c, 'file name');
      const fileCount = c.uleb('file_names_count');
      for (let i = 0; i < fileCount; i++) this.file_names.push(readEntry(c, fileFormats, info, opts.unit));
    } else {
      for (;;) {
        const d = c.cstring('include_directories entry');
        if (d === '') break;
        this.include_directories.push(d);
      }
      for (;;) {
        const name = c.cstring('file_names entry');
        if (name === '') break;
        this.file_names.push({
          name,
          directory_index: c.uleb('directory index'),
          mtime: c.uleb('modification time'),
          size: c.uleb('file length'),
        });
      }
    }
  }

  /** The file entry a row's `file` register names (index as encoded for this version). */
  fileEntry(index: number): LineFileEntry | undefined {
    return this.file_names[this.version >= 5 ? index : index - 1];
  }

  /** Directory `index` as file entries number them (before v5, 0 is the compilation directory). */
  directory(index: number): string | undefined {
    if (this.version >= 5) return this.include_directories[index];
    return index === 0 ? this.compDir : this.include_directories[index - 1];
  }

  /** The full path of file `index`: its directory (made absolute with comp_dir) joined with its name. */
  filePath(index: number): string | undefined {
    let p = this.paths.get(index);
    if (p === undefined && !this.paths.has(index)) {
      p = this.joinPath(index);
      this.paths.set(index, p);
    }
    return p;
  }

  private joinPath(index: number): string | undefined {
    const f = this.fileEntry(index);
    if (!f) return undefined;
    if (f.name.startsWith('/')) return f.name;
    let dir = this.directory(f.directory_index) ?? '';
    if (!dir.startsWith('/') && this.compDir) dir = dir === '' ? this.compDir : `${this.compDir}/${dir}`;
    return dir === '' ? f.name : `${dir}/${f.name}`;
  }

  /** The decoded rows, as parallel arrays (decoded on first use). */
  get table(): LineTable {
    return (this.decoded ??= this.run());
  }

  /** Every row the program emits, in program order, as objects. */
  get rows(): LineRow[] {
    const t = this.table;
    const out: LineRow[] = new Array<LineRow>(t.count);
    for (let i = 0; i < t.count; i++) out[i] = t.row(i);
    return out;
  }

  /** Rows grouped by sequence, sorted by start address. */
  get sequences(): LineSequence[] {
    if (!this.seqs) {
      const t = this.table;
      const seqs: LineSequence[] = [];
      let first = 0;
      for (let i = 0; i < t.count; i++) {
        if (!t.isEndSequence(i)) continue;
        if (i > first) seqs.push({ start: t.address[first]!, end: t.address[i]!, first, last: i });
        first = i + 1;
      }
      seqs.sort((a, b) => a.start - b.start);
      this.seqs = seqs;
    }
    return this.seqs;
  }

  /** Index of the row describing `address` (the last row at or before it in its sequence), or -1. */
  rowIndexFor(address: number): number {
    const t = this.table;
    for (const s of this.sequences) {
      if (address < s.start || address >= s.end) continue;
      let lo = s.first;
      let hi = s.last - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (t.address[mid]! <= address) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    }
    return -1;
  }

  /** The row describing `address`, or undefined. */
  rowFor(address: number): LineRow | undefined {
    const i = this.rowIndexFor(address);
    return i < 0 ? undefined : this.table.row(i);
  }

  private run(): LineTable {
    const c = new DwarfCursor(this.bytes, this.file, '.debug_line', this.programStart, this.end);
    // About one row per 2.5 bytes of program in gcc and clang output.
    const t = new LineTable(Math.max(16, ((this.end - this.programStart) >>> 1) + 1));
    const minLen = this.minimum_instruction_length;
    const maxOps = this.maximum_operations_per_instruction;
    const lineBase = this.line_base;
    const lineRange = this.line_range;
    const opcodeBase = this.opcode_base;
    const stdLengths = this.standard_opcode_lengths;
    let address = 0, op_index = 0, file = 1, line = 1, column = 0, isa = 0, discriminator = 0;
    let is_stmt = this.default_is_stmt, basic_block = false, prologue_end = false, epilogue_begin = false;

    const advance = (operationAdvance: number): void => {
      if (maxOps === 1) {
        address += minLen * operationAdvance;
      } else {
        address += minLen * Math.floor((op_index + operationAdvance) / maxOps);
        op_index = (op_index + operationAdvance) % maxOps;
      }
    };
    const emit = (end_sequence: boolean): void => {
      const i = t.count;
      if (i === t.address.length) t.grow();
      t.address[i] = address;
      t.op_index[i] = op_index;
      t.file[i] = file;
      t.line[i] = line;
      t.column[i] = column;
      t.isa[i] = isa;
      t.discriminator[i] = discriminator;
      t.flags[i] = (is_stmt ? F_IS_STMT : 0) | (basic_block ? F_BASIC_BLOCK : 0) | (end_sequence ? F_END_SEQUENCE : 0) |
        (prologue_end ? F_PROLOGUE_END : 0) | (epilogue_begin ? F_EPILOGUE_BEGIN : 0);
      t.count = i + 1;
      basic_block = prologue_end = epilogue_begin = false;
      discriminator = 0;
    };

    while (c.pos < c.end) {
      const opcode = c.u8('line program opcode');
      if (opcode >= opcodeBase) {
        const adjusted = opcode - opcodeBase;
        advance(Math.floor(adjusted / lineRange));
        line += lineBase + (adjusted % lineRange);
        emit(false);
        continue;
      }
      switch (opcode) {
        case 0: {
          const at = c.pos - 1;
          const len = c.uleb('extended opcode length');
          if (len === 0) c.fail('extended opcode has length 0', at);
          const end = c.pos + len;
          if (end > c.end) c.fail(`extended opcode length ${len} runs past the end of the program (${hex(c.end)})`, at);
          const sub = c.u8('extended opcode');
          switch (sub) {
            case DW_LNE_end_sequence:
              emit(true);
              address = 0; op_index = 0; file = 1; line = 1; column = 0; isa = 0; discriminator = 0;
              is_stmt = this.default_is_stmt; basic_block = prologue_end = epilogue_begin = false;
              break;
            case DW_LNE_set_address: {
              const size = len - 1;
              if (size !== 8 && size !== 4) c.fail(`DW_LNE_set_address operand has ${size} bytes`, at);
              address = c.address(size, 'DW_LNE_set_address operand');
              op_index = 0;
              break;
            }
            case DW_LNE_define_file:
              this.file_names.push({
                name: c.cstring('DW_LNE_define_file name'),
                directory_index: c.uleb('directory index'),
                mtime: c.uleb('modification time'),
                size: c.uleb('file length'),
              });
              break;
            case DW_LNE_set_discriminator:
              discriminator = c.uleb('discriminator');
              break;
            default:
              break; // unknown extended opcodes are skipped by their length
          }
          c.pos = end;
          break;
        }
        case DW_LNS_copy:
          emit(false);
          break;
        case DW_LNS_advance_pc:
          advance(c.uleb('DW_LNS_advance_pc operand'));
          break;
        case DW_LNS_advance_line:
          line += c.sleb('DW_LNS_advance_line operand');
          break;
        case DW_LNS_set_file:
          file = c.uleb('DW_LNS_set_file operand');
          break;
        case DW_LNS_set_column:
          column = c.uleb('DW_LNS_set_column operand');
          break;
        case DW_LNS_negate_stmt:
          is_stmt = !is_stmt;
          break;
        case DW_LNS_set_basic_block:
          basic_block = true;
          break;
        case DW_LNS_const_add_pc:
          advance(Math.floor((255 - opcodeBase) / lineRange));
          break;
        case DW_LNS_fixed_advance_pc:
          address += c.u16('DW_LNS_fixed_advance_pc operand');
          op_index = 0;
          break;
        case DW_LNS_set_prologue_end:
          prologue_end = true;
          break;
        case DW_LNS_set_epilogue_begin:
          epilogue_begin = true;
          break;
        case DW_LNS_set_isa:
          isa = c.uleb('DW_LNS_set_isa operand');
          break;
        default:
          // A standard opcode this reader does not know: skip its ULEB128 operands.
          for (let i = 0; i < stdLengths[opcode]!; i++) c.uleb('operand of an unknown standard opcode');
      }
    }
    return t;
  }
}

interface EntryFormat {
  type: number;
  form: number;
}

function readEntryFormats(c: DwarfCursor, what: string): EntryFormat[] {
  const count = c.u8(`${what} entry format count`);
  const out: EntryFormat[] = [];
  for (let i = 0; i < count; i++) out.push({ type: c.uleb(`${what} entry content type`), form: c.uleb(`${what} entry form`) });
  return out;
}

function readEntry(c: DwarfCursor, formats: EntryFormat[], info: DwarfInfo | undefined, unit: Unit | undefined): LineFileEntry {
  const e: LineFileEntry = { name: '', directory_index: 0, mtime: 0, size: 0 };
  for (const f of formats) {
    const at = c.pos;
    let v: DwarfInt | string | Uint8Array;
    switch (f.form) {
      case DW_FORM_string: v = c.cstring(); break;
      case DW_FORM_line_strp:
      case DW_FORM_strp: {
        const off = c.u32(formName(f.form));
        if (!info) c.fail(`${formName(f.form)} in a line table header needs the string sections`, at);
        v = f.form === DW_FORM_line_strp ? info.lineString(off) : info.string(off);
        break;
      }
      case DW_FORM_strx: case DW_FORM_strx1: case DW_FORM_strx2: case DW_FORM_strx3: case DW_FORM_strx4: {
        const index = f.form === DW_FORM_strx ? c.uleb() : f.form === DW_FORM_strx1 ? c.u8() : f.form === DW_FORM_strx2 ? c.u16() : f.form === DW_FORM_strx3 ? c.u24() : c.u32();
        if (!unit) c.fail(`${formName(f.form)} in a line table header needs its unit`, at);
        v = unit.indexedString(index, unit.offset);
        break;
      }
      case DW_FORM_udata: v = c.ulebValue(); break;
      case DW_FORM_data1: v = c.u8(); break;
      case DW_FORM_data2: v = c.u16(); break;
      case DW_FORM_data4: v = c.u32(); break;
      case DW_FORM_data8: v = c.u64Value(); break;
      case DW_FORM_data16: v = c.block(16); break;
      case DW_FORM_block: v = c.block(c.uleb('block length')); break;
      default:
        return c.fail(`line table entry uses form ${formName(f.form)}, which is not allowed there`, at);
    }
    switch (f.type) {
      case DW_LNCT_path: if (typeof v === 'string') e.name = v; break;
      case DW_LNCT_directory_index: if (typeof v === 'number') e.directory_index = v; break;
      case DW_LNCT_timestamp: if (typeof v === 'number') e.mtime = v; break;
      case DW_LNCT_size: if (typeof v === 'number') e.size = v; break;
      case DW_LNCT_MD5: if (v instanceof Uint8Array) e.md5 = v; break;
      default: break; // vendor content (DW_LNCT_LLVM_source) is skipped
    }
  }
  return e;
}

const programs = new WeakMap<Unit, LineProgram | null>();

/** The line program of a unit (its DW_AT_stmt_list), or undefined when it has none. */
export function lineProgramOf(unit: Unit): LineProgram | undefined {
  let p = programs.get(unit);
  if (p === undefined) {
    const off = unit.stmtList;
    const bytes = unit.info.sections.get('.debug_line');
    if (off === undefined || !bytes) {
      p = null;
    } else {
      if (off >= bytes.length) {
        throw new HotlinkError('malformed-input', `${unit.info.file}: .debug_info at offset ${hex(unit.root.offset)}: DW_AT_stmt_list ${hex(off)} is past the end of .debug_line (${hex(bytes.length)})`);
      }
      const opts: LineProgramOptions = { addressSize: unit.address_size, unit };
      const compDir = unit.compDir;
      if (compDir !== undefined) opts.compDir = compDir;
      p = new LineProgram(bytes, unit.info.file, off, unit.info, opts);
    }
    programs.set(unit, p);
  }
  return p ?? undefined;
}

/** Every line program in .debug_line, in section order (what objdump --dwarf=decodedline walks). */
export function allLinePrograms(info: DwarfInfo): LineProgram[] {
  const bytes = info.sections.get('.debug_line');
  if (!bytes) return [];
  const byOffset = new Map<number, Unit>();
  for (const u of info.units) {
    const off = u.stmtList;
    if (off !== undefined) byOffset.set(off, u);
  }
  const out: LineProgram[] = [];
  let off = 0;
  while (off < bytes.length) {
    const unit = byOffset.get(off);
    const p = unit ? lineProgramOf(unit)! : new LineProgram(bytes, info.file, off, info);
    out.push(p);
    off = p.end;
  }
  return out;
}
