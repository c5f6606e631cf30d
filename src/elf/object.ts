// An ELF64 little-endian relocatable object (ET_REL), read without trusting
// a byte of it. Sections and symbols are decoded eagerly (they are small and
// every pass needs them); relocation tables are decoded on demand by
// `relocations()`, so .rela.debug_* costs nothing until the DWARF reader asks.
// The reader is machine-agnostic: `e_machine` picks the Arch later.

import { ByteReader } from '../binary/reader.js';
import { HotlinkError, hex } from '../errors.js';
import {
  ELFCLASS64, ELFDATA2LSB, ET_REL, ELF_HEADER_SIZE, SHDR_SIZE, SYM_SIZE, RELA_SIZE,
  SHN_UNDEF, SHN_LORESERVE, SHN_ABS, SHN_COMMON, SHN_XINDEX,
  SHT_NULL, SHT_SYMTAB, SHT_RELA, SHT_REL, SHT_NOBITS, SHT_GROUP, SHT_SYMTAB_SHNDX, STT_SECTION, GRP_COMDAT,
} from './elf.js';

export interface ElfSection {
  index: number;
  name: string;
  sh_type: number;
  sh_flags: number;
  sh_addr: number;
  sh_offset: number;
  sh_size: number;
  sh_link: number;
  sh_info: number;
  sh_addralign: number;
  sh_entsize: number;
  /** Index of the SHT_RELA section that applies to this one, or -1. */
  relaIndex: number;
  /** COMDAT group section index this section belongs to, or -1. */
  group: number;
}

export interface ElfSymbol {
  index: number;
  name: string;
  st_value: number;
  st_size: number;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  /** STV_* */
  visibility: number;
  /** Section index after SHN_XINDEX is expanded; SHN_UNDEF/ABS/COMMON kept as-is. */
  shndx: number;
}

export interface ElfGroup {
  index: number;
  signature: string;
  comdat: boolean;
  members: number[];
}

/** Decoded relocation entries of one SHT_RELA section, as parallel arrays. */
export interface RelaTable {
  count: number;
  r_offset: Float64Array;
  r_type: Uint32Array;
  r_sym: Uint32Array;
  r_addend: Float64Array;
}

export class ElfObject {
  readonly file: string;
  readonly reader: ByteReader;
  readonly e_machine: number;
  readonly sections: ElfSection[] = [];
  readonly symbols: ElfSymbol[] = [];
  readonly groups: ElfGroup[] = [];
  /** Index of the first non-local symbol (the symtab's sh_info). */
  firstGlobal = 0;
  symtabIndex = -1;

  constructor(bytes: Uint8Array, file: string) {
    this.file = file;
    const r = (this.reader = new ByteReader(bytes, file));
    if (bytes.length < ELF_HEADER_SIZE) {
      throw new HotlinkError('malformed-input', `${file}: not an ELF object: ${bytes.length} bytes is shorter than an ELF header (64)`);
    }
    if (r.u32(0) !== 0x464c457f) {
      throw new HotlinkError('malformed-input', `${file}: not an ELF object: bad magic ${hex(r.u32(0))} at offset 0x0`);
    }
    if (r.u8(4) !== ELFCLASS64) throw new HotlinkError('unsupported', `${file}: EI_CLASS ${r.u8(4)} at offset 0x4 is not ELFCLASS64 (2)`);
    if (r.u8(5) !== ELFDATA2LSB) throw new HotlinkError('unsupported', `${file}: EI_DATA ${r.u8(5)} at offset 0x5 is not little-endian (1)`);
    const e_type = r.u16(16);
    if (e_type !== ET_REL) {
      throw new HotlinkError('unsupported', `${file}: e_type ${e_type} at offset 0x10 is not ET_REL (1): only relocatable objects can be linked`);
    }
    this.e_machine = r.u16(18);
    const e_shoff = r.u64(0x28, 'e_shoff');
    const e_shentsize = r.u16(0x3a);
    let e_shnum = r.u16(0x3c);
    let e_shstrndx = r.u16(0x3e);
    if (e_shoff === 0) throw new HotlinkError('malformed-input', `${file}: e_shoff is 0: the object has no section header table`);
    if (e_shentsize !== SHDR_SIZE) {
      throw new HotlinkError('malformed-input', `${file}: e_shentsize ${e_shentsize} at offset 0x3a is not ${SHDR_SIZE}`);
    }
    if (e_shnum === 0) e_shnum = r.u64(e_shoff + 0x20, 'section 0 sh_size (extended e_shnum)');
    if (e_shstrndx === SHN_XINDEX) e_shstrndx = r.u32(e_shoff + 0x28, 'section 0 sh_link (extended e_shstrndx)');
    r.check(e_shoff, e_shnum * SHDR_SIZE, `section header table (${e_shnum} entries)`);
    if (e_shstrndx >= e_shnum) {
      throw new HotlinkError('malformed-input', `${file}: e_shstrndx ${e_shstrndx} is not a section index (there are ${e_shnum})`);
    }

    // Pass 1: raw headers.
    const nameOffs: number[] = [];
    for (let i = 0; i < e_shnum; i++) {
      const o = e_shoff + i * SHDR_SIZE;
      const s: ElfSection = {
        index: i,
        name: '',
        sh_type: r.u32(o + 4),
        sh_flags: r.u64(o + 8, 'sh_flags'),
        sh_addr: r.u64(o + 16, 'sh_addr'),
        sh_offset: r.u64(o + 24, 'sh_offset'),
        sh_size: r.u64(o + 32, 'sh_size'),
        sh_link: r.u32(o + 40),
        sh_info: r.u32(o + 44),
        sh_addralign: r.u64(o + 48, 'sh_addralign'),
        sh_entsize: r.u64(o + 56, 'sh_entsize'),
        relaIndex: -1,
        group: -1,
      };
      nameOffs.push(r.u32(o));
      // Section 0 is the null entry; its sh_size/sh_link may hold the extended e_shnum/e_shstrndx, never contents.
      if (i === 0 && s.sh_type !== SHT_NULL) {
        throw new HotlinkError('malformed-input', `${file}: section header 0 at offset ${hex(o)} has sh_type ${hex(s.sh_type)}; it must be SHT_NULL (0)`);
      }
      if (i !== 0 && s.sh_type !== SHT_NOBITS) r.check(s.sh_offset, s.sh_size, `contents of section [${i}]`);
      this.sections.push(s);
    }
    const shstr = this.sections[e_shstrndx]!;
    const shstrEnd = shstr.sh_offset + shstr.sh_size;
    for (const s of this.sections) s.name = r.cstring(shstr.sh_offset + nameOffs[s.index]!, shstrEnd, `name of section [${s.index}]`);

    // Pass 2: symbol table, relocation links, groups.
    let shndxTable = -1;
    for (const s of this.sections) {
      if (s.sh_type === SHT_SYMTAB) {
        if (this.symtabIndex >= 0) throw new HotlinkError('malformed-input', `${file}: more than one SHT_SYMTAB section ([${this.symtabIndex}] and [${s.index}])`);
        this.symtabIndex = s.index;
      } else if (s.sh_type === SHT_SYMTAB_SHNDX) {
        shndxTable = s.index;
      }
    }
    if (this.symtabIndex >= 0) this.readSymbols(shndxTable);
    for (const s of this.sections) {
      if (s.sh_type === SHT_REL) {
        throw new HotlinkError('unsupported', `${file}: section ${s.name} [${s.index}] is SHT_REL; only SHT_RELA relocations exist on ELF64 targets`);
      }
      if (s.sh_type === SHT_RELA) {
        const target = this.sectionAt(s.sh_info, `sh_info of relocation section ${s.name} [${s.index}]`);
        if (s.sh_link !== this.symtabIndex) {
          throw new HotlinkError('malformed-input', `${file}: relocation section ${s.name} [${s.index}] links to section ${s.sh_link}, not the symbol table [${this.symtabIndex}]`);
        }
        if (s.sh_size % RELA_SIZE !== 0) {
          throw new HotlinkError('malformed-input', `${file}: relocation section ${s.name} [${s.index}] size ${hex(s.sh_size)} is not a multiple of ${RELA_SIZE}`);
        }
        target.relaIndex = s.index;
      } else if (s.sh_type === SHT_GROUP) {
        this.readGroup(s);
      }
    }
  }

  /** The section at `index`, or a malformed-input error naming `what`. */
  sectionAt(index: number, what: string): ElfSection {
    const s = this.sections[index];
    if (index <= 0 || !s) {
      throw new HotlinkError('malformed-input', `${this.file}: ${what}: section index ${index} is out of range (1..${this.sections.length - 1})`);
    }
    return s;
  }

  /** Contents of a PROGBITS section (empty for NOBITS). */
  contents(s: ElfSection): Uint8Array {
    if (s.sh_type === SHT_NOBITS) return new Uint8Array(0);
    return this.reader.bytes.subarray(s.sh_offset, s.sh_offset + s.sh_size);
  }

  private readSymbols(shndxTable: number): void {
    const r = this.reader;
    const symtab = this.sections[this.symtabIndex]!;
    if (symtab.sh_entsize !== SYM_SIZE) {
      throw new HotlinkError('malformed-input', `${this.file}: symbol table sh_entsize ${symtab.sh_entsize} is not ${SYM_SIZE}`);
    }
    const strtab = this.sectionAt(symtab.sh_link, 'sh_link of the symbol table');
    const strStart = strtab.sh_offset;
    const strEnd = strStart + strtab.sh_size;
    const count = Math.floor(symtab.sh_size / SYM_SIZE);
    this.firstGlobal = symtab.sh_info;
    const xindex = shndxTable >= 0 ? this.sections[shndxTable]! : undefined;
    const bytes = r.bytes;
    const view = r.view;
    for (let i = 0; i < count; i++) {
      const o = symtab.sh_offset + i * SYM_SIZE;
      const st_name = view.getUint32(o, true);
      const st_info = bytes[o + 4]!;
      const st_other = bytes[o + 5]!;
      let shndx = view.getUint16(o + 6, true);
      if (shndx === SHN_XINDEX) {
        if (!xindex) throw new HotlinkError('malformed-input', `${this.file}: symbol ${i} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX section`);
        shndx = r.u32(xindex.sh_offset + i * 4, `SHT_SYMTAB_SHNDX entry ${i}`);
      } else if (shndx >= SHN_LORESERVE && shndx !== SHN_ABS && shndx !== SHN_COMMON) {
        throw new HotlinkError('malformed-input', `${this.file}: symbol ${i} has reserved section index ${hex(shndx)}`);
      }
      const type = st_info & 0xf;
      const name = st_name === 0 ? '' : r.cstring(strStart + st_name, strEnd, `name of symbol ${i}`);
      if (shndx !== SHN_UNDEF && shndx !== SHN_ABS && shndx !== SHN_COMMON && shndx >= this.sections.length) {
        throw new HotlinkError('malformed-input', `${this.file}: symbol '${name}' (${i}) has section index ${shndx}, out of range (${this.sections.length} sections)`);
      }
      this.symbols.push({
        index: i,
        name: type === STT_SECTION && name === '' && shndx < this.sections.length ? this.sections[shndx]!.name : name,
        // SHN_ABS values are any 64-bit number (two's complement); others are offsets.
        st_value: shndx === SHN_ABS ? r.i64(o + 8, `st_value of absolute symbol ${i}`) : r.u64(o + 8, `st_value of symbol ${i}`),
        st_size: r.u64(o + 16, `st_size of symbol ${i}`),
        type,
        bind: st_info >> 4,
        visibility: st_other & 3,
        shndx,
      });
    }
  }

  private readGroup(s: ElfSection): void {
    const r = this.reader;
    if (s.sh_size < 4 || s.sh_size % 4 !== 0) {
      throw new HotlinkError('malformed-input', `${this.file}: group section ${s.name} [${s.index}] has size ${hex(s.sh_size)}, not a positive multiple of 4`);
    }
    const sym = this.symbols[s.sh_info];
    if (!sym) throw new HotlinkError('malformed-input', `${this.file}: group section [${s.index}] names signature symbol ${s.sh_info}, out of range`);
    const flags = r.u32(s.sh_offset);
    const members: number[] = [];
    for (let o = 4; o < s.sh_size; o += 4) {
      const m = r.u32(s.sh_offset + o);
      this.sectionAt(m, `member of group ${sym.name} [${s.index}]`).group = s.index;
      members.push(m);
    }
    this.groups.push({ index: s.index, signature: sym.name, comdat: (flags & GRP_COMDAT) !== 0, members });
  }

  /** Decodes the SHT_RELA section at `relaIndex`, checking every entry's symbol index and offset. */
  relocations(relaIndex: number): RelaTable {
    const rs = this.sections[relaIndex]!;
    const target = this.sections[rs.sh_info]!;
    const count = rs.sh_size / RELA_SIZE;
    const t: RelaTable = {
      count,
      r_offset: new Float64Array(count),
      r_type: new Uint32Array(count),
      r_sym: new Uint32Array(count),
      r_addend: new Float64Array(count),
    };
    const view = this.reader.view;
    const nsyms = this.symbols.length;
    const limit = target.sh_size;
    for (let i = 0, o = rs.sh_offset; i < count; i++, o += RELA_SIZE) {
      const offLo = view.getUint32(o, true);
      const offHi = view.getUint32(o + 4, true);
      const type = view.getUint32(o + 8, true);
      const sym = view.getUint32(o + 12, true);
      const addLo = view.getUint32(o + 16, true);
      const addHi = view.getInt32(o + 20, true);
      const offset = offHi * 0x100000000 + offLo;
      if (offHi !== 0 || offset >= limit) {
        throw new HotlinkError('malformed-input', `${this.file}: relocation ${i} in ${rs.name}: r_offset ${hex(offset)} is outside section ${target.name} (size ${hex(limit)})`);
      }
      if (sym >= nsyms) {
        throw new HotlinkError('malformed-input', `${this.file}: relocation ${i} in ${rs.name} at offset ${hex(offset)}: symbol index ${sym} is out of range (${nsyms} symbols)`);
      }
      t.r_offset[i] = offset;
      t.r_type[i] = type;
      t.r_sym[i] = sym;
      t.r_addend[i] = addHi * 0x100000000 + addLo;
    }
    return t;
  }
}
