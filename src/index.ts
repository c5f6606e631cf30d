// hotlink's library API. See README.md for a tour.
export { Jit } from './jit.js';
export type { JitOptions, SymbolInfo, AddrToSym, LinkStats } from './jit.js';
export { HotlinkError } from './errors.js';
export type { ErrorKind } from './errors.js';
export { LinkSession, DEFAULT_RESERVE, PHASES } from './link/session.js';
export type { ReserveOptions, BatchResult, BatchStats } from './link/session.js';
export { compileFiles, compileSource } from './cc/driver.js';
export { ElfObject } from './elf/object.js';
export { Archive } from './elf/archive.js';
export { watch, formatReload, LiveProgram } from './live/index.js';
export type { WatchOptions, WatchHandle, PublishStats } from './live/index.js';
