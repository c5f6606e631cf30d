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
// reads and writes.
//
// `-lNAME` is found like ld does: -L dirs, then the system dirs; a .so
// that is a GNU ld script (libc.so, libm.so) is followed to the real
// shared objects and archives it names (libc_nonshared.a is linked in as
// an archive).

import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HotlinkError } from '../errors.js';
import { dlopen, dlsym, dladdr, hostSymbolType, RTLD_DEFAULT } from '../memory/native.js';

export const SYSTEM_LIBRARY_DIRS = ['/usr/local/lib/x86_64-linux-gnu', '/usr/local/lib', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

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

/** Finds what -lNAME stands for: shared objects to dlopen and archives to link. */
export function findLibrary(name: string, searchDirs: string[]): LibrarySearchResult {
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

export class HostResolver {
  readonly libraries: HostLibrary[] = [];
  private readonly cache = new Map<string, number>();
  private exeBase: number | undefined;

  /** Loads a shared object (dlopen, RTLD_LOCAL: it joins only our search order). */
  addSharedObject(request: string, path: string): void {
    if (this.libraries.some((l) => l.path === path)) return;
    const { handle, error } = dlopen(path);
    if (!handle) throw new HotlinkError('library', `cannot load ${path} (for ${request}): ${error}`);
    this.libraries.push({ request, path, handle });
  }

  /** The host address of `name`, or 0 when no library and not the process defines it. */
  lookup(name: string): number {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    let addr = 0;
    for (const lib of this.libraries) {
      addr = dlsym(lib.handle, name);
      if (addr) break;
    }
    const global = dlsym(RTLD_DEFAULT, name);
    if (!addr) addr = global;
    else if (global && global !== addr && this.inExecutable(global)) addr = global; // copy-relocated data
    this.cache.set(name, addr);
    return addr;
  }

  /** Is the host symbol at `addr` a function (so a stub may stand in for it)? */
  isFunction(addr: number): boolean {
    const t = hostSymbolType(addr);
    return t === 2 || t === 10; // STT_FUNC, STT_GNU_IFUNC
  }

  /** Is `addr` inside the host executable's own image (not a shared library)? */
  private inExecutable(addr: number): boolean {
    if (this.exeBase === undefined) this.exeBase = executableBase();
    return dladdr(addr)?.fileBase === this.exeBase;
  }
}

/** Lowest address at which the host executable (/proc/self/exe) is mapped. */
function executableBase(): number {
  const exe = readlinkSync('/proc/self/exe');
  let base = -1;
  for (const line of readFileSync('/proc/self/maps', 'latin1').split('\n')) {
    if (!line.endsWith(' ' + exe)) continue;
    const lo = parseInt(line.slice(0, line.indexOf('-')), 16);
    if (base < 0 || lo < base) base = lo;
  }
  return base;
}
