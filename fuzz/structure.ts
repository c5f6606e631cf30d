// Where the fuzzer can aim: a map of an object's (or archive's) structures
// as typed fields — ELF header, section headers, symbols, relocations,
// groups, archive member headers and symbol index, and the DWARF/CFI tables
// (abbreviations, unit headers, DIE attribute values by form, line program
// headers and opcodes, location and range lists, CIEs, FDEs and their call
// frame instructions). This reader is independent of src/ and deliberately
// forgiving: it stops mapping a table at the first thing it cannot follow,
// so it maps even the corrupt inputs it is later asked to mutate again.

export type FieldKind = 'u8' | 'u16' | 'u32' | 'u64' | 'be32' | 'uleb' | 'sleb' | 'text' | 'bytes';

export interface Field {
  /** Absolute offset in the file. */
  at: number;
  size: number;
  kind: FieldKind;
  /** Structure family ('ehdr', 'shdr', 'sym', 'rela', 'group', 'ar-hdr', 'ar-index', 'abbrev', 'info', 'line', 'loclists', 'rnglists', 'loc', 'frame', 'zlib', ...). */
  group: string;
  /** What the field is, for the mutation's description: "shdr[3].sh_size". */
  name: string;
  /** The size of the record the field is part of (entsize), for off-by-one-entry values; 0 if none. */
  stride?: number;
}

export interface Region {
  at: number;
  size: number;
  group: string;
  name: string;
}

export interface StructureMap {
  fields: Field[];
  /** Byte ranges (section contents, string tables, instruction streams) for random-byte and truncation mutations. */
  regions: Region[];
  /** Compressed debug sections (contents offset, size), for zlib-bomb mutations. */
  compressed: Region[];
}

class Bytes {
  readonly dv: DataView;
  constructor(readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  ok(at: number, n: number): boolean {
    return at >= 0 && n >= 0 && at + n <= this.b.length;
  }
  u8(at: number): number {
    return this.b[at]!;
  }
  u16(at: number): number {
    return this.dv.getUint16(at, true);
  }
  u32(at: number): number {
    return this.dv.getUint32(at, true);
  }
  u64(at: number): number {
    return Number(this.dv.getBigUint64(at, true));
  }
  /** [value, length] of a LEB128 at `at`, or undefined past `end`. */
  leb(at: number, end: number, signed = false): [number, number] | undefined {
    let v = 0;
    let mul = 1;
    let n = 0;
    for (;;) {
      if (at + n >= end || n > 10) return undefined;
      const byte = this.b[at + n]!;
      v += (byte & 0x7f) * mul;
      mul *= 128;
      n++;
      if (!(byte & 0x80)) {
        if (signed && byte & 0x40) v -= mul;
        return [v, n];
      }
    }
  }
  cstr(at: number, end: number): number | undefined {
    for (let i = at; i < end; i++) if (this.b[i] === 0) return i - at + 1;
    return undefined;
  }
  name(at: number, end: number): string {
    const n = this.cstr(at, end);
    return n ? Buffer.from(this.b.subarray(at, at + n - 1)).toString('latin1') : '';
  }
}

/** Caps so that a large object (sqlite3.o, lvm.o) maps in milliseconds: fields beyond are not targets. */
const MAX_PER_TABLE = 4000;

export function mapStructure(bytes: Uint8Array): StructureMap {
  const m: StructureMap = { fields: [], regions: [], compressed: [] };
  if (bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).toString('latin1') === '!<arch>\n') mapArchive(new Bytes(bytes), m);
  else mapElf(new Bytes(bytes), 0, bytes.length, m, '');
  return m;
}

function mapArchive(r: Bytes, m: StructureMap): void {
  m.fields.push({ at: 0, size: 8, kind: 'text', group: 'ar-hdr', name: 'archive magic' });
  let off = 8;
  for (let k = 0; off + 60 <= r.b.length && k < 500; k++) {
    const name = Buffer.from(r.b.subarray(off, off + 16)).toString('latin1').trimEnd();
    const hdr = [['ar_name', 0, 16], ['ar_date', 16, 12], ['ar_uid', 28, 6], ['ar_gid', 34, 6], ['ar_mode', 40, 8], ['ar_size', 48, 10], ['ar_fmag', 58, 2]] as const;
    for (const [n, o, s] of hdr) m.fields.push({ at: off + o, size: s, kind: 'text', group: 'ar-hdr', name: `member@${off}.${n}` });
    const size = Number(Buffer.from(r.b.subarray(off + 48, off + 58)).toString('latin1').trim());
    const data = off + 60;
    if (!Number.isFinite(size) || data + size > r.b.length) break;
    if (name === '/' || name === '/SYM64/') {
      m.regions.push({ at: data, size, group: 'ar-index', name: 'symbol index' });
      if (size >= 4) {
        const count = r.dv.getUint32(data, false);
        m.fields.push({ at: data, size: 4, kind: 'be32', group: 'ar-index', name: 'index count' });
        for (let i = 0; i < count && 4 + 4 * i + 4 <= size && i < MAX_PER_TABLE; i++) {
          m.fields.push({ at: data + 4 + 4 * i, size: 4, kind: 'be32', group: 'ar-index', name: `index offset[${i}]`, stride: 4 });
        }
      }
    } else if (name === '//') {
      m.regions.push({ at: data, size, group: 'ar-hdr', name: 'long-name table' });
    } else if (size >= 64 && r.u32(data) === 0x464c457f) {
      mapElf(r, data, data + size, m, `member@${off}:`);
    }
    off = data + size + (size & 1);
  }
}

interface Shdr {
  i: number;
  hdr: number;
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

function mapElf(r: Bytes, base: number, end: number, m: StructureMap, prefix: string): void {
  const F = (at: number, size: number, kind: FieldKind, group: string, name: string, stride?: number): void => {
    if (at >= base && at + size <= end) m.fields.push({ at, size, kind, group, name: prefix + name, stride });
  };
  if (end - base < 64) return;
  const ehdr: [string, number, number][] = [
    ['EI_CLASS', 4, 1], ['EI_DATA', 5, 1], ['EI_VERSION', 6, 1], ['EI_OSABI', 7, 1], ['e_type', 16, 2], ['e_machine', 18, 2],
    ['e_version', 20, 4], ['e_entry', 24, 8], ['e_phoff', 32, 8], ['e_shoff', 40, 8], ['e_flags', 48, 4], ['e_ehsize', 52, 2],
    ['e_phentsize', 54, 2], ['e_phnum', 56, 2], ['e_shentsize', 58, 2], ['e_shnum', 60, 2], ['e_shstrndx', 62, 2],
  ];
  for (const [n, o, s] of ehdr) F(base + o, s, s === 1 ? 'u8' : s === 2 ? 'u16' : s === 4 ? 'u32' : 'u64', 'ehdr', n);
  F(base, 4, 'bytes', 'ehdr', 'magic');
  const shoff = r.u64(base + 40);
  const shnum = r.u16(base + 60);
  const shstrndx = r.u16(base + 62);
  if (!r.ok(base + shoff, shnum * 64) || base + shoff + shnum * 64 > end) return;
  const secs: Shdr[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = base + shoff + i * 64;
    const s: Shdr = { i, hdr: h, name: '', type: r.u32(h + 4), flags: r.u64(h + 8), offset: r.u64(h + 24), size: r.u64(h + 32), link: r.u32(h + 40), info: r.u32(h + 44), entsize: r.u64(h + 56) };
    secs.push(s);
    const fields: [string, number, FieldKind][] = [
      ['sh_name', 0, 'u32'], ['sh_type', 4, 'u32'], ['sh_flags', 8, 'u64'], ['sh_addr', 16, 'u64'], ['sh_offset', 24, 'u64'],
      ['sh_size', 32, 'u64'], ['sh_link', 40, 'u32'], ['sh_info', 44, 'u32'], ['sh_addralign', 48, 'u64'], ['sh_entsize', 56, 'u64'],
    ];
    for (const [n, o, k] of fields) F(h + o, k === 'u32' ? 4 : 8, k, 'shdr', `shdr[${i}].${n}`, 64);
  }
  const inFile = (s: Shdr): boolean => s.type !== 8 && base + s.offset + s.size <= end && s.offset + s.size >= s.offset;
  const strsec = secs[shstrndx];
  for (const s of secs) {
    if (strsec && inFile(strsec)) s.name = r.name(base + strsec.offset + r.u32(s.hdr), base + strsec.offset + strsec.size);
    if (inFile(s) && s.size > 0 && s.i > 0) m.regions.push({ at: base + s.offset, size: s.size, group: 'section', name: `${prefix}${s.name || `[${s.i}]`} contents` });
  }
  for (const s of secs) {
    if (!inFile(s) || s.i === 0) continue;
    const at = base + s.offset;
    const send = at + s.size;
    if (s.type === 2) {
      // symbols
      for (let k = 0; k * 24 + 24 <= s.size && k < MAX_PER_TABLE; k++) {
        const o = at + k * 24;
        F(o, 4, 'u32', 'sym', `sym[${k}].st_name`, 24);
        F(o + 4, 1, 'u8', 'sym', `sym[${k}].st_info`, 24);
        F(o + 5, 1, 'u8', 'sym', `sym[${k}].st_other`, 24);
        F(o + 6, 2, 'u16', 'sym', `sym[${k}].st_shndx`, 24);
        F(o + 8, 8, 'u64', 'sym', `sym[${k}].st_value`, 24);
        F(o + 16, 8, 'u64', 'sym', `sym[${k}].st_size`, 24);
      }
    } else if (s.type === 4) {
      const target = secs[s.info]?.name ?? '?';
      const group = target.startsWith('.debug') || target === '.eh_frame' ? 'rela-debug' : 'rela';
      for (let k = 0; k * 24 + 24 <= s.size && k < MAX_PER_TABLE; k++) {
        const o = at + k * 24;
        F(o, 8, 'u64', group, `${s.name}[${k}].r_offset`, 24);
        F(o + 8, 4, 'u32', group, `${s.name}[${k}].r_type`, 24);
        F(o + 12, 4, 'u32', group, `${s.name}[${k}].r_sym`, 24);
        F(o + 16, 8, 'u64', group, `${s.name}[${k}].r_addend`, 24);
      }
    } else if (s.type === 17) {
      for (let k = 0; k * 4 + 4 <= s.size; k++) F(at + k * 4, 4, 'u32', 'group', `${s.name}[${s.i}] word ${k}`, 4);
    } else if (s.type === 3) {
      m.regions.push({ at, size: s.size, group: 'strtab', name: `${prefix}${s.name}` });
    } else if (s.type === 14 || s.type === 15 || s.type === 16) {
      for (let k = 0; k * 8 + 8 <= s.size; k++) F(at + k * 8, 8, 'u64', 'initfini', `${s.name}[${k}]`, 8);
    }
    if (s.flags & 0x800 && s.size >= 24) {
      F(at, 4, 'u32', 'zlib', `${s.name}.ch_type`);
      F(at + 8, 8, 'u64', 'zlib', `${s.name}.ch_size`);
      F(at + 16, 8, 'u64', 'zlib', `${s.name}.ch_addralign`);
      m.compressed.push({ at, size: s.size, group: 'zlib', name: `${prefix}${s.name}` });
      continue;
    }
    try {
      const dwarf = new DwarfMapper(r, F, m, prefix);
      if (s.name === '.debug_abbrev') dwarf.abbrev(at, send);
      else if (s.name === '.debug_info') dwarf.info(at, send, secs, base, end);
      else if (s.name === '.debug_line') dwarf.line(at, send);
      else if (s.name === '.debug_loclists') dwarf.lists(at, send, true);
      else if (s.name === '.debug_rnglists') dwarf.lists(at, send, false);
      else if (s.name === '.debug_loc') dwarf.loc(at, send, true);
      else if (s.name === '.debug_ranges') dwarf.loc(at, send, false);
      else if (s.name === '.eh_frame') dwarf.frame(at, send, true);
      else if (s.name === '.debug_frame') dwarf.frame(at, send, false);
      else if (s.name === '.debug_str_offsets' || s.name === '.debug_addr') dwarf.header(at, send, s.name);
    } catch (e) {
      if (!(e instanceof StopMapping)) throw e;
    }
  }
}

class StopMapping extends Error {}

type FieldSink = (at: number, size: number, kind: FieldKind, group: string, name: string, stride?: number) => void;

/** Sizes of the fixed-size DWARF forms (32-bit DWARF, 8-byte addresses). */
const FIXED_FORM: Record<number, number> = {
  0x01: 8, 0x05: 2, 0x06: 4, 0x07: 8, 0x0b: 1, 0x0c: 1, 0x0e: 4, 0x10: 4, 0x11: 1, 0x12: 2, 0x13: 4, 0x14: 8,
  0x17: 4, 0x19: 0, 0x1e: 16, 0x1f: 4, 0x20: 8, 0x21: 0, 0x25: 1, 0x26: 2, 0x27: 3, 0x28: 4, 0x29: 1, 0x2a: 2, 0x2b: 3, 0x2c: 4,
  0x1c: 4, 0x1d: 4,
};

class DwarfMapper {
  private count = 0;
  constructor(private readonly r: Bytes, private readonly F: FieldSink, private readonly m: StructureMap, private readonly prefix: string) {}

  private field(at: number, size: number, kind: FieldKind, group: string, name: string): void {
    if (++this.count > MAX_PER_TABLE) throw new StopMapping();
    this.F(at, size, kind, group, name);
  }
  private leb(at: number, end: number, group: string, name: string, signed = false): [number, number] {
    const v = this.r.leb(at, end, signed);
    if (!v) throw new StopMapping();
    this.field(at, v[1], signed ? 'sleb' : 'uleb', group, name);
    return v;
  }
  private fixed(at: number, size: number, end: number, group: string, name: string): number {
    if (at + size > end) throw new StopMapping();
    if (size > 0) this.field(at, size, size === 1 ? 'u8' : size === 2 ? 'u16' : size === 4 ? 'u32' : size === 8 ? 'u64' : 'bytes', group, name);
    return size;
  }

  abbrev(at: number, end: number): void {
    let p = at;
    while (p < end) {
      const [code, n] = this.leb(p, end, 'abbrev', `abbrev@${p - at}.code`);
      p += n;
      if (code === 0) continue;
      p += this.leb(p, end, 'abbrev', `abbrev ${code}.tag`)[1];
      p += this.fixed(p, 1, end, 'abbrev', `abbrev ${code}.children`);
      for (;;) {
        const [attr, an] = this.leb(p, end, 'abbrev', `abbrev ${code}.attr`);
        p += an;
        const [form, fn] = this.leb(p, end, 'abbrev', `abbrev ${code}.form`);
        p += fn;
        if (form === 0x21) p += this.leb(p, end, 'abbrev', `abbrev ${code}.implicit_const`, true)[1];
        if (attr === 0 && form === 0) break;
      }
    }
  }

  /** Abbreviation tables as [code → [children, (attr, form, implicit)[]]], read leniently from .debug_abbrev. */
  private abbrevTable(secs: Shdr[], base: number, end: number, offset: number): Map<number, [number, number[]]> | undefined {
    const s = secs.find((x) => x.name === '.debug_abbrev');
    if (!s || base + s.offset + s.size > end) return undefined;
    const r = this.r;
    const lim = base + s.offset + s.size;
    let p = base + s.offset + offset;
    const t = new Map<number, [number, number[]]>();
    for (;;) {
      const c = r.leb(p, lim);
      if (!c || c[0] === 0) return t;
      p += c[1];
      const tag = r.leb(p, lim);
      if (!tag) return t;
      p += tag[1];
      if (p >= lim) return t;
      const children = r.u8(p++);
      const forms: number[] = [];
      for (;;) {
        const a = r.leb(p, lim);
        if (!a) return t;
        p += a[1];
        const f = r.leb(p, lim);
        if (!f) return t;
        p += f[1];
        if (f[0] === 0x21) {
          const k = r.leb(p, lim, true);
          if (!k) return t;
          p += k[1];
        }
        if (a[0] === 0 && f[0] === 0) break;
        forms.push(f[0]);
      }
      t.set(c[0], [children, forms]);
    }
  }

  info(at: number, end: number, secs: Shdr[], base: number, fileEnd: number): void {
    let u = at;
    while (u + 11 <= end) {
      const len = this.r.u32(u);
      const uend = u + 4 + len;
      this.fixed(u, 4, end, 'info', `CU@${u - at}.unit_length`);
      if (len === 0xffffffff || uend > end) return;
      const version = this.r.u16(u + 4);
      this.fixed(u + 4, 2, end, 'info', `CU@${u - at}.version`);
      let p = u + 6;
      let abbrevOff: number;
      if (version >= 5) {
        this.fixed(p, 1, uend, 'info', `CU@${u - at}.unit_type`);
        this.fixed(p + 1, 1, uend, 'info', `CU@${u - at}.address_size`);
        abbrevOff = this.r.u32(p + 2);
        this.fixed(p + 2, 4, uend, 'info', `CU@${u - at}.debug_abbrev_offset`);
        p += 6;
        const ut = this.r.u8(u + 6);
        if (ut === 2 || ut === 6) p += 16;
        else if (ut === 4 || ut === 5) p += 8;
      } else {
        abbrevOff = this.r.u32(p);
        this.fixed(p, 4, uend, 'info', `CU@${u - at}.debug_abbrev_offset`);
        this.fixed(p + 4, 1, uend, 'info', `CU@${u - at}.address_size`);
        p += 5;
      }
      const table = this.abbrevTable(secs, base, fileEnd, abbrevOff);
      if (table) this.dies(p, uend, table, version, u - at);
      u = uend;
    }
  }

  private dies(p: number, end: number, table: Map<number, [number, number[]]>, version: number, cu: number): void {
    while (p < end) {
      const [code, n] = this.leb(p, end, 'info', `CU@${cu} DIE@${p}.abbrev_code`);
      p += n;
      if (code === 0) continue;
      const a = table.get(code);
      if (!a) return;
      for (const form0 of a[1]) {
        let form = form0;
        if (form === 0x16) {
          const [f, fn] = this.leb(p, end, 'info', `CU@${cu} DIE indirect form`);
          p += fn;
          form = f;
        }
        const what = `CU@${cu} DIE value form ${form}`;
        const fixed = form === 0x10 && version <= 2 ? 8 : FIXED_FORM[form];
        if (fixed !== undefined) p += this.fixed(p, fixed, end, 'info', what);
        else if (form === 0x08) {
          const n2 = this.r.cstr(p, end);
          if (!n2) return;
          this.field(p, n2, 'text', 'info', what);
          p += n2;
        } else if (form === 0x0d) p += this.leb(p, end, 'info', what, true)[1];
        else if (form === 0x0f || form === 0x15 || form === 0x1a || form === 0x1b || form === 0x22 || form === 0x23) p += this.leb(p, end, 'info', what)[1];
        else if (form === 0x18 || form === 0x09) {
          const [len, ln] = this.leb(p, end, 'info', `${what} length`);
          p += ln;
          if (len > end - p) return;
          this.expr(p, p + len, 'info', what);
          p += len;
        } else if (form === 0x0a || form === 0x03 || form === 0x04) {
          const w = form === 0x0a ? 1 : form === 0x03 ? 2 : 4;
          if (p + w > end) return;
          const len = w === 1 ? this.r.u8(p) : w === 2 ? this.r.u16(p) : this.r.u32(p);
          this.fixed(p, w, end, 'info', `${what} length`);
          p += w;
          if (len > end - p) return;
          p += len;
        } else return; // unknown form: stop mapping this unit
      }
    }
  }

  /** A DWARF expression's opcodes (location expressions), as u8 fields; operands are not decoded. */
  private expr(p: number, end: number, group: string, what: string): void {
    if (end > p) this.field(p, 1, 'u8', group, `${what} expr op`);
    if (end - p > 1) this.m.regions.push({ at: p, size: end - p, group, name: `${this.prefix}${what} expression` });
  }

  line(at: number, end: number): void {
    let u = at;
    const r = this.r;
    while (u + 4 <= end) {
      const len = r.u32(u);
      const uend = u + 4 + len;
      const L = (o: number, s: number, n: string): number => this.fixed(o, s, uend, 'line', `line@${u - at}.${n}`);
      L(u, 4, 'unit_length');
      if (len === 0xffffffff || uend > end) return;
      const version = r.u16(u + 4);
      L(u + 4, 2, 'version');
      let p = u + 6;
      if (version >= 5) {
        L(p, 1, 'address_size');
        L(p + 1, 1, 'segment_selector_size');
        p += 2;
      }
      const hlen = r.u32(p);
      L(p, 4, 'header_length');
      p += 4;
      const progStart = p + hlen;
      L(p, 1, 'minimum_instruction_length');
      p++;
      if (version >= 4) L(p++, 1, 'maximum_operations_per_instruction');
      L(p++, 1, 'default_is_stmt');
      L(p++, 1, 'line_base');
      const lineRange = r.u8(p);
      L(p++, 1, 'line_range');
      const opcodeBase = r.u8(p);
      L(p++, 1, 'opcode_base');
      const stdLens: number[] = [];
      for (let i = 1; i < opcodeBase && p < uend; i++) {
        stdLens.push(r.u8(p));
        L(p++, 1, `standard_opcode_lengths[${i}]`);
      }
      if (version >= 5) {
        for (const which of ['directory', 'file_name']) {
          const nfmt = r.u8(p);
          L(p++, 1, `${which}_entry_format_count`);
          const fmts: number[] = [];
          for (let i = 0; i < nfmt; i++) {
            p += this.leb(p, uend, 'line', `${which} format content type`)[1];
            const [f, fn] = this.leb(p, uend, 'line', `${which} format form`);
            fmts.push(f);
            p += fn;
          }
          const [count, cn] = this.leb(p, uend, 'line', `${which}s_count`);
          p += cn;
          for (let i = 0; i < count && i < 1000; i++) {
            for (const f of fmts) {
              const fixed = FIXED_FORM[f];
              if (fixed !== undefined) p += this.fixed(p, fixed, uend, 'line', `${which}[${i}] value`);
              else if (f === 0x08) {
                const n = r.cstr(p, uend);
                if (!n) throw new StopMapping();
                p += n;
              } else if (f === 0x0f) p += this.leb(p, uend, 'line', `${which}[${i}] value`)[1];
              else if (f === 0x09) {
                const [n, nn] = this.leb(p, uend, 'line', `${which}[${i}] block length`);
                p += nn + n;
              } else throw new StopMapping();
            }
          }
        }
      } else {
        while (p < uend && r.u8(p) !== 0) p += r.cstr(p, uend) ?? uend;
        p++;
        while (p < uend && r.u8(p) !== 0) {
          p += r.cstr(p, uend) ?? uend;
          for (const n of ['dir', 'mtime', 'length']) p += this.leb(p, uend, 'line', `file ${n}`)[1];
        }
      }
      // The program: opcodes and operands.
      p = progStart;
      if (lineRange === 0) return;
      while (p < uend) {
        const op = r.u8(p);
        this.field(p, 1, 'u8', 'line', `line@${u - at} opcode@${p - progStart}`);
        p++;
        if (op >= opcodeBase) continue;
        if (op === 0) {
          const [len, ln] = this.leb(p, uend, 'line', 'extended length');
          p += ln;
          if (len === 0 || p + len > uend) return;
          this.field(p, 1, 'u8', 'line', 'extended opcode');
          if (len > 1) this.fixed(p + 1, Math.min(len - 1, 8), uend, 'line', 'extended operand');
          p += len;
        } else if (op === 2 || op === 4 || op === 5 || op === 12) p += this.leb(p, uend, 'line', `op ${op} operand`)[1];
        else if (op === 3) p += this.leb(p, uend, 'line', 'advance_line', true)[1];
        else if (op === 9) p += this.fixed(p, 2, uend, 'line', 'fixed_advance_pc');
        else for (let i = 0; i < (stdLens[op - 1] ?? 0); i++) p += this.leb(p, uend, 'line', `op ${op} operand`)[1];
      }
      u = uend;
    }
  }

  lists(at: number, end: number, loc: boolean): void {
    const group = loc ? 'loclists' : 'rnglists';
    let u = at;
    const r = this.r;
    while (u + 12 <= end) {
      const len = r.u32(u);
      const uend = u + 4 + len;
      this.fixed(u, 4, end, group, 'unit_length');
      if (len === 0xffffffff || uend > end) return;
      this.fixed(u + 4, 2, uend, group, 'version');
      this.fixed(u + 6, 1, uend, group, 'address_size');
      this.fixed(u + 7, 1, uend, group, 'segment_selector_size');
      const count = r.u32(u + 8);
      this.fixed(u + 8, 4, uend, group, 'offset_entry_count');
      let p = u + 12;
      for (let i = 0; i < count && p + 4 <= uend; i++, p += 4) this.fixed(p, 4, uend, group, `offsets[${i}]`);
      while (p < uend) {
        const kind = r.u8(p);
        this.field(p, 1, 'u8', group, `entry kind@${p - u}`);
        p++;
        const uleb = (n: string): void => {
          p += this.leb(p, uend, group, n)[1];
        };
        const addr = (n: string): void => {
          p += this.fixed(p, 8, uend, group, n);
        };
        const expr = (): void => {
          if (!loc) return;
          const [n, nn] = this.leb(p, uend, group, 'expression length');
          p += nn;
          if (n > uend - p) throw new StopMapping();
          this.expr(p, p + n, group, 'location');
          p += n;
        };
        if (loc) {
          if (kind === 0) continue;
          else if (kind === 1) uleb('base_addressx');
          else if (kind === 2 || kind === 3 || kind === 4) (uleb('operand 1'), uleb('operand 2'), expr());
          else if (kind === 5) expr();
          else if (kind === 6) addr('base_address');
          else if (kind === 7) (addr('start'), addr('end'), expr());
          else if (kind === 8) (addr('start'), uleb('length'), expr());
          else return;
        } else {
          if (kind === 0) continue;
          else if (kind === 1) uleb('base_addressx');
          else if (kind === 2 || kind === 3 || kind === 4) (uleb('operand 1'), uleb('operand 2'));
          else if (kind === 5) addr('base_address');
          else if (kind === 6) (addr('start'), addr('end'));
          else if (kind === 7) (addr('start'), uleb('length'));
          else return;
        }
      }
      u = uend;
    }
  }

  /** DWARF 4 .debug_loc / .debug_ranges: (begin, end) pairs, location entries with a 2-byte expression length. */
  loc(at: number, end: number, loc: boolean): void {
    const group = loc ? 'loc' : 'ranges';
    const r = this.r;
    let p = at;
    while (p + 16 <= end) {
      const b = r.dv.getBigUint64(p, true);
      const e = r.dv.getBigUint64(p + 8, true);
      this.fixed(p, 8, end, group, 'begin');
      this.fixed(p + 8, 8, end, group, 'end');
      p += 16;
      if ((b === 0n && e === 0n) || b === 0xffffffffffffffffn || !loc) continue;
      if (p + 2 > end) return;
      const n = r.u16(p);
      this.fixed(p, 2, end, group, 'expression length');
      p += 2;
      if (p + n > end) return;
      this.expr(p, p + n, group, 'location');
      p += n;
    }
  }

  frame(at: number, end: number, eh: boolean): void {
    const group = 'frame';
    const r = this.r;
    let p = at;
    while (p + 4 <= end) {
      const len = r.u32(p);
      this.fixed(p, 4, end, group, `record@${p - at}.length`);
      if (len === 0 || len === 0xffffffff) return;
      const rend = p + 4 + len;
      if (rend > end) return;
      const id = r.u32(p + 4);
      this.fixed(p + 4, 4, rend, group, `record@${p - at}.CIE_id/pointer`);
      const isCie = eh ? id === 0 : id === 0xffffffff;
      let q = p + 8;
      if (isCie) {
        const version = r.u8(q);
        this.fixed(q, 1, rend, group, 'CIE.version');
        q++;
        const an = r.cstr(q, rend);
        if (!an) return;
        const aug = Buffer.from(r.b.subarray(q, q + an - 1)).toString('latin1');
        this.field(q, an, 'text', group, 'CIE.augmentation');
        q += an;
        if (version >= 4) (this.fixed(q, 1, rend, group, 'CIE.address_size'), this.fixed(q + 1, 1, rend, group, 'CIE.segment_size'), (q += 2));
        q += this.leb(q, rend, group, 'CIE.code_alignment_factor')[1];
        q += this.leb(q, rend, group, 'CIE.data_alignment_factor', true)[1];
        if (version === 1) q += this.fixed(q, 1, rend, group, 'CIE.return_address_register');
        else q += this.leb(q, rend, group, 'CIE.return_address_register')[1];
        if (aug.startsWith('z')) {
          const [n, nn] = this.leb(q, rend, group, 'CIE.augmentation_length');
          q += nn;
          for (let i = 0; i < n && q + i < rend; i++) this.fixed(q + i, 1, rend, group, 'CIE.augmentation_data');
          q += n;
        }
      } else {
        const w = eh ? 4 : 8;
        this.fixed(q, w, rend, group, 'FDE.initial_location');
        this.fixed(q + w, w, rend, group, 'FDE.address_range');
        q += 2 * w;
        if (eh) {
          const [n, nn] = this.leb(q, rend, group, 'FDE.augmentation_length');
          q += nn + n;
        }
      }
      this.cfa(q, rend);
      p = rend;
    }
  }

  private cfa(p: number, end: number): void {
    const group = 'frame';
    if (end > p) this.m.regions.push({ at: p, size: end - p, group, name: `${this.prefix}call frame instructions` });
    while (p < end) {
      const op = this.r.u8(p);
      this.field(p, 1, 'u8', group, 'CFA opcode');
      p++;
      const hi = op & 0xc0;
      const lo = op & 0x3f;
      const u = (n: string): void => {
        p += this.leb(p, end, group, n)[1];
      };
      const s = (n: string): void => {
        p += this.leb(p, end, group, n, true)[1];
      };
      if (hi === 0x40 || hi === 0xc0) continue;
      if (hi === 0x80) {
        u('offset');
        continue;
      }
      if (lo === 0x01) p += this.fixed(p, 8, end, group, 'set_loc');
      else if (lo === 0x02) p += this.fixed(p, 1, end, group, 'advance_loc1');
      else if (lo === 0x03) p += this.fixed(p, 2, end, group, 'advance_loc2');
      else if (lo === 0x04) p += this.fixed(p, 4, end, group, 'advance_loc4');
      else if (lo === 0x05 || lo === 0x09 || lo === 0x0c || lo === 0x14 || lo === 0x2f) (u('register'), u('operand'));
      else if (lo === 0x06 || lo === 0x07 || lo === 0x08 || lo === 0x0d || lo === 0x0e || lo === 0x2e) u('operand');
      else if (lo === 0x11 || lo === 0x12 || lo === 0x15) (u('register'), s('offset'));
      else if (lo === 0x13) s('offset');
      else if (lo === 0x0f || lo === 0x10 || lo === 0x16) {
        if (lo !== 0x0f) u('register');
        const [n, nn] = this.leb(p, end, group, 'block length');
        p += nn + n;
      } else if (lo !== 0x00 && lo !== 0x0a && lo !== 0x0b) return;
    }
  }

  header(at: number, end: number, name: string): void {
    this.fixed(at, 4, end, 'info', `${name}.unit_length`);
    this.fixed(at + 4, 2, end, 'info', `${name}.version`);
    this.fixed(at + 6, 2, end, 'info', `${name}.padding`);
  }
}
