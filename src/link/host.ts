// Resolution of undefined symbols against the host process. The order is
// explicit and matches what a natively linked program would see:
//
//   1. the -l libraries, in command-line order (dlopen'ed real .so files);
//   2. libc (the implicit -lc);
//   3. the process's global scope (RTLD_DEFAULT) — last, because Node
//      exports its bundled zlib, OpenSSL and libuv, which must never shadow
//      a library the program asked for.
//
// One exception keeps data identity right: a libc data object that the
// host executable copy-relocated (stdout, stderr, stdin, environ in Node's
// non-PIE binary) is the executable's copy — that is the one libc itself
// reads and writes; likewise a variable an image holds a copy of
// (copyreloc.ts) is that copy.
//
// The -l libraries are opened with RTLD_DEEPBIND: a library's references
// to its own symbols and its dependencies' bind inside its own tree first.
// Without it the global scope comes first, and Node's executable exports
// its own zlib, OpenSSL, libuv, brotli, nghttp2, c-ares, ICU, ...: libz's
// deflateInit2 called Node's deflateReset on a system-libz stream and
// crashed. DEEPBIND also binds the library's references to stdout,
// environ, ... to libc's own storage instead of Node's copies; those cells
// are repointed at the copies right after the open (adoptLoadedObjects),
// which is where the loader would have bound them. (dlmopen into a new
// namespace was measured too and rejected: a second libc has its own
// environ, errno, stdio and malloc, so setenv, errno and FILE* stop
// crossing between the program and the library — docs/ARCHITECTURE.md.)
//
// `-lNAME` is found like ld does: -L dirs, then the system dirs; a .so
// that is a GNU ld script (libc.so, libm.so) is followed to the real
// shared objects and archives it names (libc_nonshared.a is linked in as
// an archive).

import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hostArch } from '../arch/index.js';
import { HotlinkError } from '../errors.js';
import { dlopen, dlsym, RTLD_DEFAULT } from '../memory/native.js';
import { adoptLoadedObjects, imageCopyOf, noteLoadedObjects } from './copyreloc.js';

const TRIPLET = hostArch().multiarch;
// /usr/TRIPLET/lib: Debian's cross libraries (libc6-dev-arm64-cross), which are the
// system libraries when an arm64 Node runs under qemu-user (scripts/aarch64.sh).
export const SYSTEM_LIBRARY_DIRS = [`/usr/local/lib/${TRIPLET}`, '/usr/local/lib', `/lib/${TRIPLET}`, `/usr/lib/${TRIPLET}`, `/usr/${TRIPLET}/lib`, '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

export interface HostLibrary {
  /** What the user wrote: `m` for -lm, or a path. */
  request: string;
  path: string;
  handle: number;
}

export interface LibrarySearchResult {
  sharedObjects: string[];
  archives: string[];
}

const libraryCache = new Map<string, LibrarySearchResult>();

/** Finds what -lNAME stands for: shared objects to dlopen and archives to link (cached per process). */
export function findLibrary(name: string, searchDirs: string[]): LibrarySearchResult {
  const key = name + '\0' + searchDirs.join('\0');
  let r = libraryCache.get(key);
  if (!r) libraryCache.set(key, (r = searchLibrary(name, searchDirs)));
  return r;
}

function searchLibrary(name: string, searchDirs: string[]): LibrarySearchResult {
  const dirs = [...searchDirs, ...SYSTEM_LIBRARY_DIRS];
  for (const dir of dirs) {
    const so = join(dir, `lib${name}.so`);
    if (existsSync(so)) return followSharedObject(so);
    const a = join(dir, `lib${name}.a`);
    if (existsSync(a)) return { sharedObjects: [], archives: [a] };
  }
  // No development symlink: accept the runtime library (libNAME.so.N).
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    const versioned = entries.filter((e) => e.startsWith(`lib${name}.so.`)).sort((a, b) => a.length - b.length);
    if (versioned.length) return { sharedObjects: [join(dir, versioned[0]!)], archives: [] };
  }
  throw new HotlinkError('library', `cannot find -l${name}: no lib${name}.so or lib${name}.a in ${dirs.join(', ')}`);
}

/** A .so file, or the files named by the GNU ld script it really is. */
function followSharedObject(path: string): LibrarySearchResult {
  const head = Buffer.alloc(4);
  const fd = readFileSync(path);
  fd.copy(head, 0, 0, 4);
  if (head[0] === 0x7f && head[1] === 0x45) return { sharedObjects: [path], archives: [] };
  if (statSync(path).size > 65536) throw new HotlinkError('library', `${path}: neither an ELF shared object nor a linker script`);
  const text = fd.toString('latin1').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const result: LibrarySearchResult = { sharedObjects: [], archives: [] };
  const m = /\b(?:GROUP|INPUT)\s*\(([\s\S]*?)\)\s*(?:$|\n|[A-Z])/.exec(text);
  if (!m) throw new HotlinkError('library', `${path}: linker script has no GROUP or INPUT command`);
  const body = m[1]!.replace(/AS_NEEDED\s*\(([^)]*)\)?/g, ' $1 ');
  for (const item of body.split(/[\s,()]+/).filter(Boolean)) {
    if (item.endsWith('.a')) result.archives.push(item);
    else if (/\.so(\.\d+)*$/.test(item)) result.sharedObjects.push(item);
  }
  return result;
}

/** dlsym results per handle, for the life of the process (libraries are never unloaded). */
const dlsymCache = new Map<number, Map<string, number>>();

function cachedDlsym(handle: number, name: string): number {
  let m = dlsymCache.get(handle);
  if (!m) dlsymCache.set(handle, (m = new Map()));
  let a = m.get(name);
  if (a === undefined) m.set(name, (a = dlsym(handle, name)));
  return a;
}

export class HostResolver {
  readonly libraries: HostLibrary[] = [];

  /**
   * Loads a shared object (dlopen, RTLD_LOCAL: it joins only our search
   * order; RTLD_DEEPBIND: its own references resolve in its own tree before
   * Node's exports), then repoints what DEEPBIND bound past the process's
   * data copies.
   */
  addSharedObject(request: string, path: string): void {
    if (this.libraries.some((l) => l.path === path)) return;
    noteLoadedObjects();
    const { handle, error } = dlopen(path, false, true);
    if (!handle) throw new HotlinkError('library', `cannot load ${path} (for ${request}): ${error}`);
    adoptLoadedObjects();
    this.libraries.push({ request, path, handle });
  }

  /** The host address of `name`, or 0 when no library and not the process defines it. */
  lookup(name: string): number {
    let addr = 0;
    for (const lib of this.libraries) {
      addr = cachedDlsym(lib.handle, name);
      if (addr) break;
    }
    const global = cachedDlsym(RTLD_DEFAULT, name);
    if (!addr) return imageCopyOf(global) ?? global;
    // A data object the executable copy-relocated: that copy is the live one.
    if (global && global !== addr && inExecutableData(global)) return global;
    return imageCopyOf(addr) ?? addr;
  }

  /**
   * Is the host symbol at `addr` code (so a stub may stand in for it)? Decided
   * by the protection of the mapping it lies in: symbol types would mislead
   * for IFUNC-selected implementations such as strlen's __strlen_avx2.
   */
  isFunction(addr: number): boolean {
    let f = codeAddresses.get(addr);
    if (f === undefined) codeAddresses.set(addr, (f = executableMappings(addr).some(([lo, hi]) => addr >= lo && addr < hi)));
    return f;
  }
}

/** Host address -> lies in executable memory (libraries are never unloaded, so answers stay true). */
const codeAddresses = new Map<number, boolean>();
/** The process's mappings as [start, end, executable], sorted; re-read when an address is in none of them. */
let mappings: [number, number, boolean][] = [];

function executableMappings(addr: number): [number, number][] {
  if (!mappings.some(([lo, hi]) => addr >= lo && addr < hi)) {
    mappings = [];
    for (const line of readFileSync('/proc/self/maps', 'latin1').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) ..(.)/.exec(line);
      if (m) mappings.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16), m[3] === 'x']);
    }
  }
  return mappings.filter((m) => m[2]).map(([lo, hi]) => [lo, hi]);
}

let exeData: [number, number][] | undefined;

/** Is `addr` inside a writable PT_LOAD segment (data, .bss) of the host executable? */
function inExecutableData(addr: number): boolean {
  if (!exeData) exeData = executableDataRanges();
  return exeData.some(([lo, hi]) => addr >= lo && addr < hi);
}

/** The writable PT_LOAD ranges of /proc/self/exe, at their runtime addresses. */
function executableDataRanges(): [number, number][] {
  const exe = readlinkSync('/proc/self/exe');
  let base = -1;
  for (const line of readFileSync('/proc/self/maps', 'latin1').split('\n')) {
    if (!line.endsWith(' ' + exe)) continue;
    const lo = parseInt(line.slice(0, line.indexOf('-')), 16);
    if (base < 0 || lo < base) base = lo;
  }
  const fd = openSync('/proc/self/exe', 'r');
  try {
    const eh = Buffer.alloc(64);
    readSync(fd, eh, 0, 64, 0);
    const phoff = Number(eh.readBigUInt64LE(0x20));
    const phnum = eh.readUInt16LE(0x38);
    const ph = Buffer.alloc(phnum * 56);
    readSync(fd, ph, 0, ph.length, phoff);
    const loads: { vaddr: number; memsz: number; flags: number }[] = [];
    for (let i = 0; i < phnum; i++) {
      if (ph.readUInt32LE(i * 56) !== 1) continue; // PT_LOAD
      loads.push({ flags: ph.readUInt32LE(i * 56 + 4), vaddr: Number(ph.readBigUInt64LE(i * 56 + 16)), memsz: Number(ph.readBigUInt64LE(i * 56 + 40)) });
    }
    const firstPage = Math.floor(Math.min(...loads.map((l) => l.vaddr)) / 4096) * 4096;
    const bias = base - firstPage;
    return loads.filter((l) => l.flags & 2).map((l) => [l.vaddr + bias, l.vaddr + bias + l.memsz]);
  } finally {
    closeSync(fd);
  }
}
