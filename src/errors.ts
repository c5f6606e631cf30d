// Typed errors. Every failure caused by user input (a corrupt object, an
// unresolved symbol, a compile error) is a HotlinkError whose message names
// the file, the section or symbol, the offset and the offending value, so a
// user can find the cause without a debugger. Internal invariant breaks are
// plain Errors (assertions), never HotlinkErrors.

export type ErrorKind =
  | 'malformed-input' // truncated or corrupt ELF / archive
  | 'unsupported' // valid input we do not handle (machine, relocation type, thin archive)
  | 'unresolved' // undefined symbols nobody defines
  | 'duplicate' // two strong definitions of one symbol
  | 'relocation' // fixup value out of range, bad relocation target
  | 'compile' // the C compiler failed
  | 'capacity' // the reserved arena has no room left
  | 'library' // -lNAME could not be found or loaded
  | 'memory' // the operating system refused a mapping
  | 'usage' // bad command-line or API arguments
  | 'crash'; // a function called with Jit.call took a fatal signal (a CrashError)

export class HotlinkError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string) {
    super(message);
    this.name = 'HotlinkError';
    this.kind = kind;
  }
}

/**
 * A fatal signal in a function called through `Jit.call`/`Jit.func`: the
 * call was abandoned, Node lives on. The message is the symbolized report
 * (signal, fault, backtrace with file:line); `signal` is its number.
 */
export class CrashError extends HotlinkError {
  readonly signal: number;
  /** The backtrace lines, innermost first (`  #0 0x... in f at f.c:3`). */
  readonly backtrace: string[];
  constructor(message: string, signal: number, backtrace: string[]) {
    super('crash', message);
    this.name = 'CrashError';
    this.signal = signal;
    this.backtrace = backtrace;
  }
}

/** Formats a number as 0x-prefixed hex, the way every message shows offsets and values. */
export function hex(value: number | bigint): string {
  if (typeof value === 'number' && value < 0) return '-0x' + (-value).toString(16);
  if (typeof value === 'bigint' && value < 0n) return '-0x' + (-value).toString(16);
  return '0x' + value.toString(16);
}

/**
 * For a `catch` that handles unreadable input (a corrupt DWARF DIE, an
 * expression the decoder rejects) by leaving that item out: returns when `e`
 * is a HotlinkError, rethrows anything else (a bug must not vanish).
 */
export function onlyInputError(e: unknown): void {
  if (!(e instanceof HotlinkError)) throw e;
}

/**
 * For a `catch` around file-system calls whose failure has a fallback (no
 * history file, not a directory, an unreadable library): returns when `e`
 * is an operating-system error (ENOENT, EACCES, ENOTDIR, ...), rethrows
 * anything else.
 */
export function onlySystemError(e: unknown): void {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (!(e instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code))) throw e;
}
