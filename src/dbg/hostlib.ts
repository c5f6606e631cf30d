// A host shared library as the debugger sees it: the file the dynamic
// loader mapped, its `.text` range at its load address, and its separate
// debug information — the file the distribution installs under
// /usr/lib/debug/.build-id/xx/yyyy.debug (Debian's `libc6-dbg` for libc and
// ld.so), found by the library's NT_GNU_BUILD_ID note, as gdb finds it.

import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

/** Where a distribution installs separate debug files. */
export const DEBUG_FILE_DIRECTORY = '/usr/lib/debug';

export interface SectionHeader {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
}

export interface SharedObjectFile {
  path: string;
  etype: number;
  sections: SectionHeader[];
  /** The NT_GNU_BUILD_ID note's bytes, as hex. */
  buildId?: string;
}

const SHT_NOTE = 7;
const NT_GNU_BUILD_ID = 3;
const files = new Map<string, SharedObjectFile | null>();

/** The section headers and build id of an ELF file (cached; null when it is not a readable 64-bit ELF file). */
export function sharedObjectFile(path: string): SharedObjectFile | null {
  let f = files.get(path);
  if (f === undefined) {
    f = readSharedObjectFile(path);
    files.set(path, f);
  }
  return f;
}

function readSharedObjectFile(path: string): SharedObjectFile | null {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const read = (off: number, len: number): Buffer => {
      if (off < 0 || len < 0 || off + len > size) throw new RangeError(`${path}: ${len} bytes at ${off} are past the end`);
      const b = Buffer.alloc(len);
      readSync(fd, b, 0, len, off);
      return b;
    };
    const eh = read(0, 64);
    if (eh.readUInt32LE(0) !== 0x464c457f || eh[4] !== 2) return null;
    const shoff = Number(eh.readBigUInt64LE(0x28));
    const shnum = eh.readUInt16LE(0x3c);
    const shstrndx = eh.readUInt16LE(0x3e);
    const sh = read(shoff, shnum * 64);
    const field = (i: number, at: number): number => Number(sh.readBigUInt64LE(i * 64 + at));
    const names = read(field(shstrndx, 24), field(shstrndx, 32));
    const sections: SectionHeader[] = [];
    for (let i = 0; i < shnum; i++) {
      const nameOff = sh.readUInt32LE(i * 64);
      const end = names.indexOf(0, nameOff);
      sections.push({ name: names.toString('latin1', nameOff, end < 0 ? names.length : end), type: sh.readUInt32LE(i * 64 + 4), addr: field(i, 16), offset: field(i, 24), size: field(i, 32) });
    }
    const out: SharedObjectFile = { path, etype: eh.readUInt16LE(16), sections };
    for (const s of sections) {
      if (s.type !== SHT_NOTE || out.buildId) continue;
      const notes = read(s.offset, s.size);
      for (let at = 0; at + 12 <= notes.length; ) {
        const [namesz, descsz, type] = [notes.readUInt32LE(at), notes.readUInt32LE(at + 4), notes.readUInt32LE(at + 8)];
        const desc = at + 12 + align4(namesz);
        if (type === NT_GNU_BUILD_ID && notes.toString('latin1', at + 12, at + 12 + namesz).startsWith('GNU')) {
          out.buildId = notes.subarray(desc, desc + descsz).toString('hex');
          break;
        }
        at = desc + align4(descsz);
      }
    }
    return out;
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The separate debug file of a library (by build id), or undefined when none is installed. */
export function separateDebugFile(path: string): string | undefined {
  const id = sharedObjectFile(path)?.buildId;
  if (!id || id.length < 4) return undefined;
  const file = `${DEBUG_FILE_DIRECTORY}/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`;
  return existsSync(file) ? file : undefined;
}

/** Does the library have debug information (its own `.debug_info`, or a separate debug file)? */
export function hasDebugInfo(path: string): boolean {
  return !!sharedObjectFile(path)?.sections.some((s) => s.name === '.debug_info') || separateDebugFile(path) !== undefined;
}

/** The library's `.text` at load address `base`: [from, to), or undefined. */
export function textRange(path: string, base: number): { from: number; to: number } | undefined {
  const f = sharedObjectFile(path);
  const text = f?.sections.find((s) => s.name === '.text');
  if (!f || !text) return undefined;
  const bias = f.etype === 3 /* ET_DYN */ ? base : 0;
  return { from: text.addr + bias, to: text.addr + bias + text.size };
}
