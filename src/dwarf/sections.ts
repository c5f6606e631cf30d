// An object's debug sections, copied out and relocated. In ET_REL every
// cross-section reference in DWARF (a string offset, a code address, an
// .eh_frame initial location) is a relocation; the caller says what each
// symbol is worth (image address, or 0-based section offsets before linking).
// Unknown or out-of-range debug relocations become warnings, not errors.

import { createRequire } from 'node:module';
import type { ElfObject, ElfSection } from '../elf/object.js';
import { SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_NOBITS, STT_SECTION } from '../elf/elf.js';
import { HotlinkError, hex } from '../errors.js';
import { DwarfCursor } from './cursor.js';
import { DEBUG_RELOCS } from './relocs.js';

/** zlib, loaded on the first compressed section (most objects have none; it would cost every start). */
const inflate = (bytes: Uint8Array, opts: import('node:zlib').ZlibOptions): Buffer => (createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib')).inflateSync(bytes, opts);

export const DEBUG_SECTION_NAMES = [
  '.debug_info', '.debug_abbrev', '.debug_str', '.debug_line', '.debug_line_str',
  '.debug_str_offsets', '.debug_addr', '.debug_rnglists', '.debug_ranges',
  '.debug_loclists', '.debug_loc', '.debug_frame', '.eh_frame',
] as const;

export type DebugSectionName = (typeof DEBUG_SECTION_NAMES)[number];

/** Something wrong in debug info that we skipped rather than failing the whole object. */
export interface DebugWarning {
  section: string;
  offset: number;
  message: string;
}

interface SectionEntry {
  bytes: Uint8Array;
  address: number;
  index: number;
}

/** Relocated copies of an object's debug sections, by name. */
export class DebugSections {
  readonly file: string;
  readonly warnings: DebugWarning[] = [];
  private readonly entries = new Map<DebugSectionName, SectionEntry>();

  constructor(file: string) {
    this.file = file;
  }

  /** Adds (or replaces) a section's bytes; `address` is the address P is measured from (for .eh_frame). */
  set(name: DebugSectionName, bytes: Uint8Array, address = 0, index = -1): void {
    this.entries.set(name, { bytes, address, index });
  }

  get(name: DebugSectionName): Uint8Array | undefined {
    return this.entries.get(name)?.bytes;
  }

  has(name: DebugSectionName): boolean {
    return this.entries.has(name);
  }

  /** The address the section was given when relocating (0 unless the caller placed it). */
  address(name: DebugSectionName): number {
    return this.entries.get(name)?.address ?? 0;
  }

  /** The ELF section index the bytes came from, or -1. */
  sectionIndex(name: DebugSectionName): number {
    return this.entries.get(name)?.index ?? -1;
  }

  names(): DebugSectionName[] {
    return [...this.entries.keys()];
  }

  /** A cursor over the named section; a missing section is a malformed-input error naming `needer` (what needs it). */
  cursor(name: DebugSectionName, needer: string | (() => string), pos = 0, end?: number): DwarfCursor {
    const bytes = this.get(name);
    if (!bytes) {
      const who = typeof needer === 'string' ? needer : needer();
      throw new HotlinkError('malformed-input', `${this.file}: ${who} needs section ${name}, which the object does not have`);
    }
    return new DwarfCursor(bytes, this.file, name, pos, end ?? bytes.length);
  }

  warn(section: string, offset: number, message: string): void {
    this.warnings.push({ section, offset, message });
  }
}

/**
 * The value S of each symbol for a read before linking: every section starts
 * at address 0, so a code address is its offset inside its section, and a
 * reference into a debug section is its offset there.
 */
export function sectionOffsetSymbolValue(obj: ElfObject): (symIndex: number) => number {
  return (i: number): number => {
    const s = obj.symbols[i];
    if (!s || s.type === STT_SECTION) return 0;
    if (s.shndx === SHN_UNDEF || s.shndx === SHN_COMMON) return 0;
    if (s.shndx === SHN_ABS) return s.st_value;
    return s.st_value;
  };
}

const SHF_COMPRESSED = 0x800;
const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;

/**
 * Copies the object's debug sections and applies their .rela.debug_*
 * relocations: S = symbolValue(r_sym), A = r_addend, P = the field's offset
 * in its section + sectionAddress(section index) (default 0).
 */
export function loadDebugSections(
  obj: ElfObject,
  symbolValue: (symIndex: number) => number,
  sectionAddress: (sectionIndex: number) => number = () => 0,
  only: readonly DebugSectionName[] = DEBUG_SECTION_NAMES,
): DebugSections {
  const out = new DebugSections(obj.file);
  const wanted = new Set<string>(only);
  for (const s of obj.sections) {
    let name = s.name;
    if (name.startsWith('.zdebug_')) name = '.debug_' + name.slice('.zdebug_'.length);
    if (!wanted.has(name) || s.sh_type === SHT_NOBITS) continue;
    const key = name as DebugSectionName;
    if (out.has(key)) {
      out.warn(name, 0, `second section named ${s.name} [${s.index}] ignored`);
      continue;
    }
    const bytes = sectionBytes(obj, s, out);
    if (!bytes) continue;
    const address = sectionAddress(s.index);
    out.set(key, bytes, address, s.index);
    if (s.relaIndex >= 0) applyDebugRelocations(obj, s, bytes, address, symbolValue, out);
  }
  return out;
}

/** A private copy of the section's contents, decompressed if need be (undefined after a warning). */
function sectionBytes(obj: ElfObject, s: ElfSection, out: DebugSections): Uint8Array | undefined {
  const raw = obj.contents(s);
  try {
    if (s.sh_flags & SHF_COMPRESSED) {
      const r = new DwarfCursor(raw, obj.file, s.name);
      const ch_type = r.u32('ch_type');
      r.u32('ch_reserved');
      const ch_size = r.u64('ch_size');
      r.u64('ch_addralign');
      if (ch_type === ELFCOMPRESS_ZSTD) {
        out.warn(s.name, 0, 'zstd-compressed debug section is not supported; compile with -gz=zlib or -gz=none');
        return undefined;
      }
      if (ch_type !== ELFCOMPRESS_ZLIB) r.fail(`unknown ch_type ${ch_type} in compressed section header`, 0);
      return checkSize(inflateBounded(raw.subarray(r.pos), ch_size, s, obj.file), ch_size, s, obj.file);
    }
    if (s.name.startsWith('.zdebug_')) {
      if (raw.length < 12 || Buffer.from(raw.subarray(0, 4)).toString('latin1') !== 'ZLIB') {
        return new Uint8Array(raw);
      }
      const size = Number(new DataView(raw.buffer, raw.byteOffset + 4, 8).getBigUint64(0, false));
      return checkSize(inflateBounded(raw.subarray(12), size, s, obj.file), size, s, obj.file);
    }
  } catch (e) {
    if (e instanceof HotlinkError) throw e;
    throw new HotlinkError('malformed-input', `${obj.file}: ${s.name} [${s.index}]: cannot decompress: ${(e as Error).message}`);
  }
  return new Uint8Array(raw);
}

/** No debug section is larger than this decompressed (the largest of a SQLite -O0 object is ~9 MiB). */
const MAX_DECOMPRESSED = 256 << 20;
/** zlib's deflate cannot compress better than about 1032:1, so a larger declared size is a lie. */
const MAX_ZLIB_RATIO = 1032;

/**
 * Inflates at most the declared size: a zlib bomb (a small stream that
 * inflates to gigabytes) stops at `expected` bytes instead of exhausting
 * memory. The declared size itself is checked against what the compressed
 * bytes could possibly hold and a sane cap.
 */
function inflateBounded(data: Uint8Array, expected: number, s: ElfSection, file: string): Uint8Array {
  const limit = Math.min(MAX_DECOMPRESSED, data.length * MAX_ZLIB_RATIO + 64);
  if (!(expected >= 0 && expected <= limit)) {
    throw new HotlinkError('malformed-input', `${file}: ${s.name} [${s.index}] declares a decompressed size of ${hex(expected)} bytes, more than its ${hex(data.length)} compressed bytes can hold (limit ${hex(limit)})`);
  }
  try {
    return inflate(data, { maxOutputLength: Math.max(1, expected) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HotlinkError('malformed-input', `${file}: ${s.name} [${s.index}] decompresses to more than the ${hex(expected)} bytes its header declares`);
    }
    throw e;
  }
}

function checkSize(bytes: Uint8Array, expected: number, s: ElfSection, file: string): Uint8Array {
  if (bytes.length !== expected) {
    throw new HotlinkError('malformed-input', `${file}: ${s.name} [${s.index}] decompresses to ${hex(bytes.length)} bytes, header says ${hex(expected)}`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function applyDebugRelocations(
  obj: ElfObject,
  s: ElfSection,
  bytes: Uint8Array,
  address: number,
  symbolValue: (symIndex: number) => number,
  out: DebugSections,
): void {
  const kinds = DEBUG_RELOCS.get(obj.e_machine);
  if (!kinds) {
    out.warn(s.name, 0, `relocations for e_machine ${obj.e_machine} are not known; ${s.name} left unrelocated`);
    return;
  }
  const t = obj.relocations(s.relaIndex);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < t.count; i++) {
    const type = t.r_type[i]!;
    const offset = t.r_offset[i]!;
    const kind = kinds.get(type);
    if (!kind) {
      out.warn(s.name, offset, `relocation ${i} has type ${type}, not a known debug relocation; field left as is`);
      continue;
    }
    if (kind.width === 0) continue;
    if (offset + kind.width > bytes.length) {
      out.warn(s.name, offset, `${kind.name} field (${kind.width} bytes) runs past the end of the section (${hex(bytes.length)})`);
      continue;
    }
    const S = symbolValue(t.r_sym[i]!);
    const A = t.r_addend[i]!;
    const P = address + offset;
    const value = kind.pcRelative ? S + A - P : S + A;
    if (kind.width === 4) {
      const lo = kind.signed ? -0x80000000 : 0;
      const hi = kind.signed ? 0x7fffffff : 0xffffffff;
      if (!(value >= lo && value <= hi)) {
        out.warn(s.name, offset, `${kind.name}: value ${hex(value)} is not in [${hex(lo)}, ${hex(hi)}]; truncated`);
      }
      view.setUint32(offset, value >>> 0, true); // ToUint32 is value mod 2^32
    } else {
      view.setUint32(offset, value >>> 0, true);
      view.setUint32(offset + 4, Math.floor(value / 0x100000000) >>> 0, true);
    }
  }
}
