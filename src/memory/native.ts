// The only module that touches the FFI (koffi). It owns raw memory —
// reserving the contiguous arena, committing and protecting pages, the
// memfd-backed dual mapping that gives every code page an RX view and a
// separate RW alias (W^X: no page is ever writable and executable at once) —
// and the host's dynamic loader (dlopen/dlsym/dladdr), plus calls into native
// code by address. Everything above this module speaks in plain numbers
// (addresses) and Uint8Arrays.

import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import koffi from 'koffi';
import { HotlinkError, hex } from '../errors.js';
import { aggregateTags, callbackParam, CPrototype, isNumericType, paramType } from './proto.js';

const libc = koffi.load('libc.so.6');

export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_NORESERVE = 0x4000;
const MAP_FIXED_NOREPLACE = 0x100000;
const MAP_FAILED = 2 ** 64 - 1;
const MFD_CLOEXEC = 1;
const MREMAP_MAYMOVE = 1;
const RLIMIT_FSIZE = 1;
const RTLD_NOW = 0x2;
const RTLD_GLOBAL = 0x100;
const RTLD_DEEPBIND = 0x8;
const RTLD_NOLOAD = 0x4;
const RTLD_DI_LINKMAP = 2;
const RTLD_DL_SYMENT = 1;

export const PAGE_SIZE = 4096;

const mmapAddr = libc.func('uintptr_t mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, int64_t off)');
const mmapPtr = libc.func('void *mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, int64_t off)');
const munmap = libc.func('int munmap(uintptr_t addr, size_t len)');
const mprotect = libc.func('int mprotect(uintptr_t addr, size_t len, int prot)');
const memfdCreate = libc.func('int memfd_create(const char *name, unsigned int flags)');
const ftruncate = libc.func('int ftruncate(int fd, int64_t len)');
const mremap = libc.func('uintptr_t mremap(uintptr_t old_address, size_t old_size, size_t new_size, int flags)');
koffi.struct('hotlink_rlimit', { rlim_cur: 'uint64_t', rlim_max: 'uint64_t' });
const getrlimit = libc.func('int getrlimit(int resource, _Out_ hotlink_rlimit *rlim)');
const closeFd = libc.func('int close(int fd)');
const openFn = libc.func('int open(const char *path, int flags)');
const strerror = libc.func('const char *strerror(int errnum)');
const dlopenFn = libc.func('uintptr_t dlopen(const char *file, int mode)');
const dlsymFn = libc.func('uintptr_t dlsym(uintptr_t handle, const char *name)');
const dlerrorFn = libc.func('const char *dlerror(void)');
// Declared for dladdr's prototype below (koffi resolves 'Dl_info' by name).
koffi.struct('Dl_info', { dli_fname: 'const char *', dli_fbase: 'uintptr_t', dli_sname: 'const char *', dli_saddr: 'uintptr_t' });
const dladdrFn = libc.func('int dladdr(uintptr_t addr, _Out_ Dl_info *info)');
const dladdr1Fn = libc.func('int dladdr1(uintptr_t addr, _Out_ Dl_info *info, _Out_ uintptr_t *extra, int flags)');
const dlinfoFn = libc.func('int dlinfo(uintptr_t handle, int request, _Out_ uintptr_t *out)');
const exitNow = libc.func('void _exit(int status)');
const mallocFn = libc.func('uintptr_t malloc(size_t size)');
const IoVec = koffi.struct('hotlink_iovec', { iov_base: 'uintptr_t', iov_len: 'size_t' });
const processVmReadv = libc.func('intptr_t process_vm_readv(int pid, hotlink_iovec *local, unsigned long liovcnt, hotlink_iovec *remote, unsigned long riovcnt, unsigned long flags)');
const getpidFn = libc.func('int getpid(void)');
const pipe2Fn = libc.func('int pipe2(_Out_ int *fds, int flags)');
const processVmWritev = libc.func('intptr_t process_vm_writev(int pid, hotlink_iovec *local, unsigned long liovcnt, hotlink_iovec *remote, unsigned long riovcnt, unsigned long flags)');
void IoVec;
let scratch = { address: 0, size: 0 };

function errnoText(): string {
  const e = koffi.errno();
  return `${strerror(e)} (errno ${e})`;
}

/** A koffi pointer object for a numeric address. */
export function pointerTo(address: number): unknown {
  // Two 32-bit halves into one reused word: no BigInt, no allocation (a cold start makes thousands of these).
  // Not an address (negative, fractional, 2^64 or more): the RangeError BigInt and writeBigUInt64LE gave, which callers rely on.
  if (!(Number.isInteger(address) && address >= 0 && address < 2 ** 64)) throw new RangeError(`not an address: ${address}`);
  pointerWords[0] = address >>> 0;
  pointerWords[1] = Math.floor(address / 0x100000000);
  return koffi.decode(pointerWord, 'void *');
}
const pointerWord = Buffer.alloc(8);
const pointerWords = new Uint32Array(pointerWord.buffer, pointerWord.byteOffset, 2);

/** A byte view of live memory at [address, address+length). The range must be mapped and readable. */
export function memoryView(address: number, length: number): Uint8Array {
  return new Uint8Array(koffi.view(pointerTo(address), length));
}

/**
 * Copies up to `length` bytes at `address` without faulting: unmapped or
 * unreadable memory just ends the copy early (process_vm_readv on our own
 * pid). For reading stacks and debuggee memory at addresses we do not own.
 */
export function safeRead(address: number, length: number): Uint8Array {
  if (length === 0) return new Uint8Array(0);
  if (scratch.size < length) scratch = { address: mallocFn(Math.max(length, 65536)), size: Math.max(length, 65536) };
  const n = Number(processVmReadv(getpidFn(), [{ iov_base: scratch.address, iov_len: length }], 1, [{ iov_base: address, iov_len: length }], 1, 0));
  return n > 0 ? Uint8Array.from(memoryView(scratch.address, n)) : new Uint8Array(0);
}

/** Writes bytes at `address` without faulting; returns how many were written (0 for unmapped or read-only memory). */
export function safeWrite(address: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  if (scratch.size < bytes.length) scratch = { address: mallocFn(Math.max(bytes.length, 65536)), size: Math.max(bytes.length, 65536) };
  memoryView(scratch.address, bytes.length).set(bytes);
  return Math.max(0, Number(processVmWritev(getpidFn(), [{ iov_base: scratch.address, iov_len: bytes.length }], 1, [{ iov_base: address, iov_len: bytes.length }], 1, 0)));
}

/** A pipe (O_CLOEXEC): [read end, write end]. */
export function createPipe(): [number, number] {
  const fds = [0, 0];
  if (pipe2Fn(fds, 0x80000) !== 0) throw new HotlinkError('memory', `pipe2 failed: ${errnoText()}`);
  return [fds[0]!, fds[1]!];
}

let clearCache: ((begin: number, end: number) => void) | undefined;

/**
 * Makes code written through the RW alias visible to instruction fetch at
 * [address, address+length) of the executable view: gcc's
 * __builtin___clear_cache, i.e. libgcc's __clear_cache (exported by
 * libgcc_s.so.1 on AArch64: dc cvau over the range, dsb ish, ic ivau, dsb ish,
 * isb; it works on the R-X view since dc cvau only needs read access). x86-64
 * keeps instruction fetch coherent with stores, so only an arm64 host calls it.
 */
export function clearInstructionCache(address: number, length: number): void {
  if (process.arch !== 'arm64' || length <= 0) return;
  clearCache ??= koffi.load('libgcc_s.so.1').func('void __clear_cache(uintptr_t begin, uintptr_t end)') as (b: number, e: number) => void;
  clearCache(address, address + length);
}

export function protect(address: number, length: number, prot: number): void {
  if (mprotect(address, length, prot) !== 0) {
    throw new HotlinkError('memory', `mprotect(${hex(address)}, ${hex(length)}, ${prot}) failed: ${errnoText()}`);
  }
}

/**
 * One contiguous reservation: [base, base+size). The part below `sharedSize`
 * is backed by a memfd mapped twice — at `base` (PROT_NONE until committed
 * with the class's protection) and at an RW alias elsewhere, through which the
 * linker writes code and read-only data (shared anonymous memory instead when
 * `ulimit -f` is too small for the memfd). The rest is private anonymous
 * memory, committed RW in place (program data; a fork()ed child gets its own
 * copy, as with a native executable).
 *
 * Byte views are made per 1 MiB window on first use: one view over the whole
 * reservation would count as external memory for V8 and trigger collections.
 */
export class Arena {
  readonly base: number;
  readonly size: number;
  readonly sharedSize: number;
  readonly aliasBase: number;
  /** The memfd behind the shared part; -1 when it is shared anonymous memory. */
  private readonly fd: number;
  private readonly windows = new Map<number, Uint8Array>();

  private constructor(base: number, size: number, sharedSize: number, fd: number, aliasBase: number) {
    this.base = base;
    this.size = size;
    this.sharedSize = sharedSize;
    this.fd = fd;
    this.aliasBase = aliasBase;
  }

  /**
   * Reserves `size` bytes (page multiple). Tries each hint in order with
   * MAP_FIXED_NOREPLACE (low hints keep 32-bit absolute and PC32 references
   * to the host executable's data in reach), then, if `anywhere`, lets the
   * kernel choose. `anonymous`: shared anonymous memory, never a memfd (the
   * kernel names it `/dev/zero (deleted)`, which perf treats as JIT memory).
   * `privateView`: the view maps the memfd MAP_PRIVATE (pages not written
   * through the view still show the alias's writes; a ptrace write — a
   * debugger's breakpoint — makes the page a private copy).
   */
  static reserve(size: number, sharedSize: number, hints: number[], anywhere = true, anonymous = false, privateView = false): Arena {
    let base = MAP_FAILED;
    for (const hint of hints) {
      const got = mmapAddr(hint, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
      if (got === hint) { base = got; break; }
      if (got !== MAP_FAILED) munmap(got, size);
    }
    if (base === MAP_FAILED && !anywhere) throw new HotlinkError('memory', `cannot reserve ${hex(size)} bytes at ${hints.map((h) => hex(h)).join(', ')}: the range is in use`);
    if (base === MAP_FAILED) base = mmapAddr(0, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base === MAP_FAILED) throw new HotlinkError('memory', `cannot reserve ${hex(size)} bytes for the image: ${errnoText()}`);
    if (anonymous || sharedSize > fileSizeLimit()) {
      // `ulimit -f` below the image size: a memfd cannot grow that large (the
      // limit applies to it; a native program's memory is not a file). A
      // shared anonymous mapping is not limited, and mremap with old_size 0
      // maps its pages a second time for the alias.
      if (mmapAddr(base, sharedSize, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) !== base) {
        throw new HotlinkError('memory', `cannot map the image view at ${hex(base)}: ${errnoText()}`);
      }
      const aliasBase = mremap(base, 0, sharedSize, MREMAP_MAYMOVE);
      if (aliasBase === MAP_FAILED) throw new HotlinkError('memory', `cannot map the RW alias: ${errnoText()}`);
      protect(aliasBase, sharedSize, PROT_READ | PROT_WRITE);
      return new Arena(base, size, sharedSize, -1, aliasBase);
    }
    const fd = memfdCreate('hotlink-image', MFD_CLOEXEC);
    if (fd < 0) throw new HotlinkError('memory', `memfd_create failed: ${errnoText()}`);
    if (ftruncate(fd, sharedSize) !== 0) throw new HotlinkError('memory', `ftruncate(memfd, ${hex(sharedSize)}) failed: ${errnoText()}`);
    if (mmapAddr(base, sharedSize, PROT_NONE, (privateView ? MAP_PRIVATE : MAP_SHARED) | MAP_FIXED, fd, 0) !== base) {
      throw new HotlinkError('memory', `cannot map the image view at ${hex(base)}: ${errnoText()}`);
    }
    const aliasBase = mmapAddr(0, sharedSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (aliasBase === MAP_FAILED) throw new HotlinkError('memory', `cannot map the RW alias: ${errnoText()}`);
    return new Arena(base, size, sharedSize, fd, aliasBase);
  }

  /** Sets the protection of the view pages covering [address, address+length). */
  protect(address: number, length: number, prot: number): void {
    const start = Math.floor(address / PAGE_SIZE) * PAGE_SIZE; // not `&`: addresses exceed 32 bits
    const end = Math.ceil((address + length) / PAGE_SIZE) * PAGE_SIZE;
    if (end > start) protect(start, end - start, prot);
  }

  /**
   * Writable bytes at image address [address, address+length): through the
   * alias for shared (code, read-only) pages, in place for private (data)
   * pages, which must be committed.
   */
  writable(address: number, length: number): Uint8Array {
    let off = address - this.base;
    if (off < 0 || off + length > this.size) throw new Error(`Arena.writable: ${hex(address)}+${hex(length)} is outside the arena`);
    if (length === 0) return new Uint8Array(0);
    const shared = off < this.sharedSize;
    // Shared bytes are reached through the alias; private ones in place. Windows are per part.
    const partBase = shared ? this.aliasBase : this.base + this.sharedSize;
    const partSize = shared ? this.sharedSize : this.size - this.sharedSize;
    if (!shared) off -= this.sharedSize;
    const win = Math.floor(off / WINDOW);
    if (Math.floor((off + length - 1) / WINDOW) !== win) return memoryView(partBase + off, length);
    const key = shared ? win : -1 - win;
    let view = this.windows.get(key);
    if (!view) {
      const start = win * WINDOW;
      view = memoryView(partBase + start, Math.min(WINDOW, partSize - start));
      this.windows.set(key, view);
    }
    const at = off - win * WINDOW;
    return view.subarray(at, at + length);
  }

  free(): void {
    this.windows.clear();
    munmap(this.aliasBase, this.sharedSize);
    munmap(this.base, this.size);
    if (this.fd >= 0) closeFd(this.fd);
  }
}

/** The soft RLIMIT_FSIZE (`ulimit -f`) in bytes; Infinity when unlimited. */
function fileSizeLimit(): number {
  const rl = { rlim_cur: 0, rlim_max: 0 };
  if (getrlimit(RLIMIT_FSIZE, rl) !== 0) return Infinity;
  const cur = Number(rl.rlim_cur);
  return cur >= 2 ** 63 ? Infinity : cur;
}

/** Size of one cached byte-view window (sharedSize is a page multiple, so windows never straddle it unless it is unaligned). */
const WINDOW = 1 << 20;

/**
 * Maps a file read-only (MAP_PRIVATE) and returns its bytes. Pages are read
 * on first touch, so the .debug_* sections of a large object cost nothing
 * until the DWARF reader looks at them. The mapping lives as long as the
 * process (inputs are history the debugger keeps reading).
 */
export function mapFile(path: string, size: number): Uint8Array {
  if (size === 0) return new Uint8Array(0);
  const fd = openFn(path, 0 /* O_RDONLY */ | 0x80000 /* O_CLOEXEC */);
  if (fd < 0) throw new HotlinkError('usage', `${path}: cannot open: ${errnoText()}`);
  const p = mmapPtr(0, size, PROT_READ, MAP_PRIVATE, fd, 0);
  closeFd(fd);
  if (Number(koffi.address(p)) === MAP_FAILED) throw new HotlinkError('memory', `${path}: cannot map: ${errnoText()}`);
  return new Uint8Array(koffi.view(p, size));
}

/**
 * Maps the first page of open file `fd` read + execute (never written), so
 * that perf records an executable mapping of the file: how `perf inject
 * --jit` finds a jitdump. The mapping stays for the life of the process.
 */
export function mapExecutableMarker(fd: number, path: string): void {
  if (mmapAddr(0, PAGE_SIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) === MAP_FAILED) throw new HotlinkError('memory', `${path}: cannot map: ${errnoText()}`);
}

// ---- The host's dynamic loader ---------------------------------------------

export const RTLD_DEFAULT = 0;

/**
 * dlopen; returns 0 and the dlerror() text on failure. `deepbind`
 * (RTLD_DEEPBIND): the object and its dependencies resolve their own
 * references in their own scope before the global one (Node's bundled
 * zlib/OpenSSL/libuv/... must not win over the library's own definitions).
 */
export function dlopen(file: string | null, global = false, deepbind = false): { handle: number; error?: string } {
  const handle = dlopenFn(file, RTLD_NOW | (global ? RTLD_GLOBAL : 0) | (deepbind ? RTLD_DEEPBIND : 0));
  if (handle === 0) return { handle: 0, error: String(dlerrorFn() ?? 'unknown error') };
  return { handle };
}

/** The handle of an object that is already loaded (RTLD_NOLOAD), or 0. */
export function dlopenLoaded(file: string): number {
  return dlopenFn(file, RTLD_NOW | RTLD_NOLOAD);
}

export function dlsym(handle: number, name: string): number {
  return dlsymFn(handle, name);
}

export interface HostSymbolInfo {
  file: string;
  fileBase: number;
  name: string | null;
  address: number;
}

export function dladdr(address: number): HostSymbolInfo | null {
  const info: { dli_fname: string | null; dli_fbase: number; dli_sname: string | null; dli_saddr: number } = {
    dli_fname: null, dli_fbase: 0, dli_sname: null, dli_saddr: 0,
  };
  if (dladdrFn(address, info) === 0) return null;
  return { file: info.dli_fname ?? '', fileBase: info.dli_fbase, name: info.dli_sname, address: info.dli_saddr };
}

/** The dynamic symbol table entry that defines exactly `address` (dladdr1 RTLD_DL_SYMENT), or null. */
export function dynamicSymbolAt(address: number): { file: string; fileBase: number; name: string; value: number; size: number; info: number } | null {
  const info: { dli_fname: string | null; dli_fbase: number; dli_sname: string | null; dli_saddr: number } = {
    dli_fname: null, dli_fbase: 0, dli_sname: null, dli_saddr: 0,
  };
  const extra = [0];
  if (dladdr1Fn(address, info, extra, RTLD_DL_SYMENT) === 0 || info.dli_saddr !== address || !extra[0]) return null;
  const sym = memoryView(extra[0], 24);
  const dv = new DataView(sym.buffer, sym.byteOffset, 24);
  return { file: info.dli_fname ?? '', fileBase: info.dli_fbase, name: info.dli_sname ?? '', value: Number(dv.getBigUint64(8, true)), size: Number(dv.getBigUint64(16, true)), info: sym[4]! };
}

/** The objects the dynamic loader has loaded (main namespace), in link-map order: file name ('' for the executable) and load bias. */
export function loadedObjects(): { name: string; base: number }[] {
  const self = dlopenFn(null, RTLD_NOW);
  const out = [0];
  if (!self || dlinfoFn(self, RTLD_DI_LINKMAP, out) !== 0) throw new HotlinkError('memory', `dlinfo(RTLD_DI_LINKMAP) failed: ${String(dlerrorFn() ?? '')}`);
  const list: { name: string; base: number }[] = [];
  for (let lm = out[0]!; lm; ) {
    const v = memoryView(lm, 40);
    const dv = new DataView(v.buffer, v.byteOffset, 40);
    const namePtr = Number(dv.getBigUint64(8, true));
    list.push({ name: namePtr ? cString(namePtr) : '', base: Number(dv.getBigUint64(0, true)) });
    lm = Number(dv.getBigUint64(24, true));
  }
  return list;
}

function cString(address: number): string {
  const bytes: number[] = [];
  for (let at = address; ; at += 64) {
    const chunk = safeRead(at, 64);
    const nul = chunk.indexOf(0);
    bytes.push(...(nul < 0 ? chunk : chunk.subarray(0, nul)));
    if (nul >= 0 || chunk.length < 64) break;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The 8 bytes at `address` (mapped and readable). */
export function readWord(address: number): bigint {
  const v = memoryView(address, 8);
  return new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, true);
}

/**
 * Stores an aligned 8-byte word into a host library's data (a GOT cell)
 * whose page currently has protection `prot`. A read-only (RELRO) page is
 * made RW for the store and put back to `prot`; an executable page is never
 * made writable.
 */
export function writeHostWord(address: number, value: bigint, prot: number): void {
  if (address % 8 !== 0) throw new HotlinkError('memory', `host word at ${hex(address)} is not 8-byte aligned`);
  if (prot & PROT_EXEC) throw new HotlinkError('memory', `refusing to write the host word at ${hex(address)}: its page is executable (W^X)`);
  const page = Math.floor(address / PAGE_SIZE) * PAGE_SIZE;
  if (!(prot & PROT_WRITE)) protect(page, PAGE_SIZE, PROT_READ | PROT_WRITE);
  try {
    const v = memoryView(address, 8);
    new DataView(v.buffer, v.byteOffset, 8).setBigUint64(0, value, true);
  } finally {
    if (!(prot & PROT_WRITE)) protect(page, PAGE_SIZE, prot);
  }
}

/** Allocates `size` bytes with the host's malloc (never freed by us: handed to the program). */
export function mallocNative(size: number): number {
  const p = mallocFn(size);
  if (!p) throw new HotlinkError('memory', `malloc(${size}) failed`);
  return p;
}

/** A malloc'ed array of 64-bit values (0 for an empty list); handed to native code, never freed. */
export function nativeArray(values: number[]): number {
  if (!values.length) return 0;
  const p = mallocNative(values.length * 8);
  const mem = memoryView(p, values.length * 8);
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  values.forEach((x, k) => dv.setBigUint64(k * 8, BigInt(x), true));
  return p;
}

/** A malloc'ed, NULL-terminated argv block (pointers, then the strings). */
export function nativeArgv(argv: string[]): number {
  const strings = argv.map((a) => Buffer.from(a + '\0', 'utf8'));
  const total = strings.reduce((n, b) => n + b.length, 0);
  const size = (argv.length + 1) * 8 + total;
  const block = mallocNative(size);
  const mem = memoryView(block, size);
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  let at = (argv.length + 1) * 8;
  strings.forEach((b, k) => {
    dv.setBigUint64(k * 8, BigInt(block + at), true);
    mem.set(b, at);
    at += b.length;
  });
  dv.setBigUint64(argv.length * 8, 0n, true);
  return block;
}

// ---- Calls into native code --------------------------------------------------

const protoCache = new Map<string, unknown>();
let callbackCount = 0;

/**
 * Calls the native function at `address` with the C prototype `proto`, e.g.
 * `callNative(addr, 'int (int, int)', 2, 3)`. Arguments and the result are
 * converted by koffi (numbers, strings, BigInts, pointers).
 */
export function callNative(address: number, proto: string, ...args: unknown[]): unknown {
  let type = protoCache.get(proto);
  if (!type) {
    const m = /^(.*?)\s*\((.*)\)\s*$/.exec(proto);
    if (!m) throw new HotlinkError('usage', `bad C prototype '${proto}': expected 'RET (ARGS)'`);
    type = koffi.proto(`${m[1]} hotlink_fn_${protoCache.size}(${m[2]})`);
    protoCache.set(proto, type);
  }
  return koffi.call(pointerTo(address), type as koffi.IKoffiCType, ...args);
}

/** A native function pointer that calls `fn` (kept alive until `unregister`). */
export function registerCallback(proto: string, fn: (...args: never[]) => unknown): { address: number; unregister(): void } {
  const m = /^(.*?)\s*\((.*)\)\s*$/.exec(proto)!;
  const type = koffi.proto(`${m[1]} hotlink_cb_${callbackCount++}(${m[2]})`);
  const cb = koffi.register(fn as (...args: unknown[]) => unknown, koffi.pointer(type));
  return { address: Number(koffi.address(cb)), unregister: () => koffi.unregister(cb) };
}

// ---- Calls with a checked prototype (Jit.call, Jit.func) ---------------------

/** A prototype ready to call: the koffi type, and what the arguments are checked against. */
export interface FfiPrototype {
  proto: CPrototype;
  type: unknown;
  /** Per fixed parameter: its type text (struct names translated). */
  params: string[];
}

let ffiCount = 0;

/** koffi's message for a prototype, said as a hotlink usage error. */
function prototypeError(text: string, e: unknown): HotlinkError {
  if (e instanceof HotlinkError) return e;
  return new HotlinkError('usage', `bad C prototype '${text}': ${(e as Error).message} (prototypes use koffi's C syntax: C type names, '*', 'struct NAME' for the image's structs, 'RET (*)(ARGS)' for a callback; see README "Library API")`);
}

/**
 * Makes a koffi prototype of `proto`. `aggregate` gives the koffi type name
 * for each `struct NAME`/`union NAME` (declared from the image's DWARF or
 * by the user); callback parameters become koffi callback types, so a JS
 * function can be passed for them.
 */
export function ffiPrototype(proto: CPrototype, aggregate: (tag: 'struct' | 'union', name: string) => string): FfiPrototype {
  try {
    const tr = (type: string): string => {
      let out = type;
      for (const a of aggregateTags(type)) out = out.replace(a.text, aggregate(a.tag, a.name));
      return out;
    };
    const params = proto.params.map((p) => {
      const cb = callbackParam(p);
      if (!cb) return tr(paramType(p));
      const name = `hotlink_cb_${callbackCount++}`;
      koffi.proto(`${tr(cb.ret)} ${name}(${cb.args === '' ? 'void' : tr(cb.args)})`);
      return `${name} *`;
    });
    const type = koffi.proto(`${tr(proto.ret)} hotlink_ffi_${ffiCount++}(${[...params, ...(proto.variadic ? ['...'] : [])].join(', ') || 'void'})`);
    return { proto, type, params };
  } catch (e) {
    throw prototypeError(proto.text, e);
  }
}

/**
 * Calls `address` through prototype `p`, checking the arguments first: their
 * count, and numbers for numeric parameters. `label` names the function in
 * errors (with its prototype).
 */
export function callPrototype(address: number, p: FfiPrototype, label: string, args: unknown[]): unknown {
  const what = `${label} (prototype '${p.proto.text}')`;
  const fixed = p.params.length;
  if (p.proto.variadic ? args.length < fixed : args.length !== fixed) {
    throw new HotlinkError('usage', `${what} takes ${p.proto.variadic ? 'at least ' : ''}${fixed} argument${fixed === 1 ? '' : 's'}, got ${args.length}`);
  }
  if (p.proto.variadic && (args.length - fixed) % 2 !== 0) {
    throw new HotlinkError('usage', `${what}: variadic arguments go in (type, value) pairs, e.g. 'int', 42, 'const char *', 'text'`);
  }
  p.params.forEach((t, i) => {
    const a = args[i];
    if (isNumericType(t) && typeof a !== 'number' && typeof a !== 'bigint' && typeof a !== 'boolean') {
      throw new HotlinkError('usage', `${what}: argument ${i + 1} is a ${t}, got ${a === null ? 'null' : typeof a}`);
    }
  });
  try {
    return koffi.call(pointerTo(address), p.type as koffi.IKoffiCType, ...args);
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) throw new HotlinkError('usage', `${what}: ${e.message}`);
    throw e;
  }
}

/** One member of a struct or union declared for calls: a koffi type name, or an array of one. */
export interface FfiMember {
  name: string;
  type: string;
  /** Array dimensions, outermost first. */
  dims?: number[];
}

/**
 * Declares a struct or union for prototypes under a process-unique koffi
 * name; returns that name, its size and the members' offsets (to check
 * against the layout the compiler chose).
 */
export function defineAggregate(kind: 'struct' | 'union', label: string, members: FfiMember[]): { name: string; size: number; offsets: number[] } {
  const name = `hotlink_${kind}_${ffiCount++}_${label.replace(/\W/g, '_')}`;
  const def: Record<string, koffi.TypeSpecWithAlignment> = {};
  for (const m of members) {
    let t: koffi.TypeSpecWithAlignment = m.type;
    for (const n of [...(m.dims ?? [])].reverse()) t = koffi.array(t as koffi.TypeSpec, n);
    def[m.name] = t;
  }
  const type = kind === 'struct' ? koffi.struct(name, def) : koffi.union(name, def);
  return { name, size: koffi.sizeof(type), offsets: members.map((m) => koffi.offsetof(type, m.name)) };
}

/**
 * The file status flags (F_GETFL) of fds 0-2 as hotlink found them: read when
 * this module loads, before a Node stream can switch a pipe or terminal to
 * O_NONBLOCK, so the program can be started with the flags its parent gave
 * (-1: closed or unknown). From /proc/self/fdinfo, without a native call.
 */
export const initialStdioFlags: readonly number[] = [0, 1, 2].map((fd) => {
  try {
    const m = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return m ? parseInt(m[1]!, 8) & ~0o2000000 /* O_CLOEXEC: a descriptor flag, shown here too */ : -1;
  } catch {
    return -1;
  }
});

const fcntlFn = libc.func('int fcntl(int fd, int cmd, ...)');
const F_DUPFD_CLOEXEC = 1030;
const F_GETFD = 1;
const F_SETFD = 2;

/**
 * Descriptors above 2 that hotlink inherited from its parent. Node marks every
 * inherited descriptor close-on-exec at start-up (libuv's
 * uv_disable_stdio_inheritance), so the program's children would lose them;
 * a native program passes them on. Everything open when this module loads
 * was inherited, except Node's own: its anon inodes (epoll, eventfd) and
 * pipes whose both ends are open here (libuv's wake-up pipes).
 */
const inheritedFds: { fd: number; link: string }[] = (() => {
  const out: { fd: number; link: string }[] = [];
  try {
    const links = new Map<number, string>();
    for (const name of readdirSync('/proc/self/fd')) {
      const fd = Number(name);
      if (fd <= 2) continue;
      try {
        links.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
      } catch {
        // the directory listing's own descriptor, closed by now
      }
    }
    const count = new Map<string, number>();
    for (const l of links.values()) count.set(l, (count.get(l) ?? 0) + 1);
    for (const [fd, link] of links) {
      if (link.startsWith('anon_inode:')) continue;
      if (link.startsWith('pipe:') && count.get(link)! > 1) continue;
      out.push({ fd, link });
    }
  } catch {
    // no /proc: nothing to restore
  }
  return out;
})();

/** Makes the descriptors hotlink inherited inheritable again (the program's children get them, as natively). */
export function restoreInheritedFds(): void {
  for (const { fd, link } of inheritedFds) {
    let now: string;
    try {
      now = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed since
    }
    if (now !== link) continue;
    const fl = fcntlFn(fd, F_GETFD) as number;
    if (fl >= 0 && fl & 1) fcntlFn(fd, F_SETFD, 'int', fl & ~1);
  }
}

const dup2Fn = libc.func('int dup2(int oldfd, int newfd)');
let savedStdio: number[] = [];

/**
 * Keeps close-on-exec copies of fds 0-2 as hotlink was started with them.
 * Node may later replace one: a terminal is reopened (a new open file
 * description, non-blocking) when its tty stream is created, which Node's
 * own net code does for stderr as a side effect. Call this first thing.
 */
export function preserveStdio(): void {
  if (!savedStdio.length) savedStdio = [0, 1, 2].map((fd) => dupCloexec(fd, 200));
}

/** Puts the preserved descriptions back on fds 0-2 (not close-on-exec), for a program that owns the process. */
export function restoreStdio(): void {
  savedStdio.forEach((saved, fd) => {
    if (saved < 0) return;
    dup2Fn(saved, fd);
    closeFd(saved);
  });
  savedStdio = [];
}

/** A close-on-exec duplicate of `fd` numbered at least `min` (so the program's own numbering is not disturbed), or -1. */
export function dupCloexec(fd: number, min = 100): number {
  return fcntlFn(fd, F_DUPFD_CLOEXEC, 'int', min) as number;
}

/** Ends the process at once, without running atexit handlers or flushing stdio (like a fatal signal would). */
export function exitImmediately(status: number): never {
  exitNow(status);
  throw new Error('unreachable');
}
