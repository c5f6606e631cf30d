// hotlink's library API: everything a user of `Jit` names, values and types.
// See README.md for a tour; test/types.test.ts checks this surface compiles.
export { Jit, signalName, DEBUG_ALIASES, RUN_ALIASES } from './jit.js';
export type {
  JitOptions,
  SymbolInfo,
  AddrToSym,
  LinkStats,
  AppendItem,
  AppendResult,
  AppendedSection,
  ReloadOptions,
  ReloadReport,
  FileReloadReport,
  BodyInfo,
} from './jit.js';
export type { StaleCode, VariableChange } from './link/unit.js';
export { HotlinkError, CrashError } from './errors.js';
export type { ErrorKind } from './errors.js';
export { LinkSession, DEFAULT_RESERVE, PHASES } from './link/session.js';
export type { ReserveOptions, BatchResult, BatchStats, IndirectionMode } from './link/session.js';
export { parsePrototype } from './memory/proto.js';
export type { CPrototype } from './memory/proto.js';
export { compileFiles, compileSource } from './cc/driver.js';
export type { CompileOptions } from './cc/driver.js';
export { ElfObject } from './elf/object.js';
export { Archive } from './elf/archive.js';
export { watch, formatReload, LiveProgram } from './live/index.js';
export type { WatchOptions, WatchHandle, PublishStats } from './live/index.js';
