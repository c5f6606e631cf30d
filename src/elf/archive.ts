// `ar` archives as produced by GNU ar: the "!<arch>\n" magic, 60-byte member
// headers, the GNU symbol index "/" (big-endian count, offsets, names) and
// the long-name table "//". Members are parsed into ElfObjects only when the
// linker pulls them in, so a large libc_nonshared.a or liblua.a costs one
// index read. Thin archives ("!<thin>\n") name files outside the archive
// and are rejected.

import { HotlinkError, hex } from '../errors.js';
import { latin1 } from '../binary/reader.js';
import { ElfObject } from './object.js';

const MAGIC = '!<arch>\n';
const THIN_MAGIC = '!<thin>\n';
const HEADER_SIZE = 60;

export interface ArchiveMember {
  name: string;
  /** Offset of the member header in the archive. */
  offset: number;
  dataOffset: number;
  size: number;
}

export function isArchive(bytes: Uint8Array): boolean {
  // "!<arch>\n" or "!<thin>\n"
  if (bytes.length < 8 || bytes[0] !== 0x21 || bytes[1] !== 0x3c || bytes[7] !== 0x0a) return false;
  const magic = latin1(bytes, 0, 8);
  return magic === MAGIC || magic === THIN_MAGIC;
}

export class Archive {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly members: ArchiveMember[] = [];
  /** Symbol name -> member header offsets that define it (GNU index). */
  readonly index = new Map<string, number>();
  private readonly parsed = new Map<number, ElfObject>();

  constructor(bytes: Uint8Array, file: string) {
    this.file = file;
    this.bytes = bytes;
    const magic = bytes.length >= 8 ? latin1(bytes, 0, 8) : '';
    if (magic === THIN_MAGIC) {
      throw new HotlinkError('unsupported', `${file}: thin archives are not supported (its members live in other files); rebuild it without 'T': ar rcs`);
    }
    if (magic !== MAGIC) throw new HotlinkError('malformed-input', `${file}: not an ar archive: bad magic at offset 0x0`);
    let longNames: Uint8Array | undefined;
    let symIndex: ArchiveMember | undefined;
    let off = 8;
    while (off < bytes.length) {
      if (off + HEADER_SIZE > bytes.length) {
        throw new HotlinkError('malformed-input', `${file}: member header at offset ${hex(off)} is truncated (file size ${hex(bytes.length)})`);
      }
      const rawName = latin1(bytes, off, off + 16).trimEnd();
      const sizeText = latin1(bytes, off + 48, off + 58).trim();
      const size = Number(sizeText);
      if (!/^\d+$/.test(sizeText) || latin1(bytes, off + 58, off + 60) !== '`\n') {
        throw new HotlinkError('malformed-input', `${file}: member header at offset ${hex(off)} is corrupt (size field '${sizeText}')`);
      }
      const dataOffset = off + HEADER_SIZE;
      if (dataOffset + size > bytes.length) {
        throw new HotlinkError('malformed-input', `${file}: member '${rawName}' at offset ${hex(off)} has size ${size}, past the end of the file (${hex(bytes.length)})`);
      }
      const m: ArchiveMember = { name: rawName, offset: off, dataOffset, size };
      if (rawName === '/' || rawName === '/SYM64/') symIndex = m;
      else if (rawName === '//') longNames = bytes.subarray(dataOffset, dataOffset + size);
      else {
        if (rawName.startsWith('/') && /^\/\d+$/.test(rawName)) {
          const at = Number(rawName.slice(1));
          if (!longNames || at >= longNames.length) {
            throw new HotlinkError('malformed-input', `${file}: member at offset ${hex(off)} names long-name offset ${at}, outside the '//' table`);
          }
          let end = at;
          while (end < longNames.length && longNames[end] !== 0x0a) end++;
          m.name = latin1(longNames, at, end).replace(/\/$/, '');
        } else {
          m.name = rawName.replace(/\/$/, '');
        }
        this.members.push(m);
      }
      off = dataOffset + size + (size & 1);
    }
    if (symIndex) this.readIndex(symIndex);
    else this.buildIndex();
  }

  /** Archives written without an index ('ar rcS'): index the members' global definitions ourselves. */
  private buildIndex(): void {
    for (const m of this.members) {
      if (m.size < 4 || this.bytes[m.dataOffset] !== 0x7f) continue;
      for (const sym of this.member(m.offset).symbols) {
        if (sym.bind !== 0 && sym.shndx !== 0 && !this.index.has(sym.name)) this.index.set(sym.name, m.offset);
      }
    }
  }

  private readIndex(m: ArchiveMember): void {
    const wide = m.name === '/SYM64/';
    const w = wide ? 8 : 4;
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + m.dataOffset, m.size);
    const readWord = (o: number): number => (wide ? Number(view.getBigUint64(o, false)) : view.getUint32(o, false));
    if (m.size < w) throw new HotlinkError('malformed-input', `${this.file}: symbol index at offset ${hex(m.offset)} is truncated`);
    const count = readWord(0);
    let strOff = w + count * w;
    if (strOff > m.size) {
      throw new HotlinkError('malformed-input', `${this.file}: symbol index at offset ${hex(m.offset)} claims ${count} entries, more than fit in ${m.size} bytes`);
    }
    const memberOffsets = new Set(this.members.map((x) => x.offset));
    for (let i = 0; i < count; i++) {
      const memberOff = readWord(w + i * w);
      const end = this.bytes.indexOf(0, m.dataOffset + strOff);
      if (end < 0 || end >= m.dataOffset + m.size) {
        throw new HotlinkError('malformed-input', `${this.file}: symbol index name ${i} is not NUL-terminated`);
      }
      const name = latin1(this.bytes, m.dataOffset + strOff, end);
      strOff = end + 1 - m.dataOffset;
      if (!memberOffsets.has(memberOff)) {
        throw new HotlinkError('malformed-input', `${this.file}: symbol index entry '${name}' points at offset ${hex(memberOff)}, which is not a member header`);
      }
      if (!this.index.has(name)) this.index.set(name, memberOff);
    }
  }

  /** The ElfObject of the member whose header is at `offset`, parsed once. */
  member(offset: number): ElfObject {
    let obj = this.parsed.get(offset);
    if (!obj) {
      const m = this.members.find((x) => x.offset === offset)!;
      obj = new ElfObject(this.bytes.subarray(m.dataOffset, m.dataOffset + m.size), `${this.file}(${m.name})`);
      this.parsed.set(offset, obj);
    }
    return obj;
  }
}
