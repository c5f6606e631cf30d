// Function-only hot reload (HOT_RELOAD.md). A replacement object is checked
// against §10 — exactly one definition of the target, private helpers and
// read-only data allowed; writable data, TLS, constructors, other public
// definitions and COMDAT replacement rejected — then linked as an ordinary
// append batch whose target definition becomes the internal body
// `foo$body$N`. Publication is one aligned 8-byte store of the new body's
// address into the function's slot. Old bodies stay mapped forever (§12),
// so frames inside them return safely and `rollback` can re-point the slot.

import { ElfObject } from '../elf/object.js';
import {
  SHF_ALLOC, SHF_TLS, SHF_WRITE, SHN_COMMON, SHN_UNDEF, STB_LOCAL, STT_FILE, STT_SECTION, STT_FUNC,
  SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY,
} from '../elf/elf.js';
import { HotlinkError, hex } from '../errors.js';
import { memoryView } from '../memory/native.js';
import { readDebugInfo, sectionOffsetSymbolValue } from '../dwarf/index.js';
import { subprograms } from '../dwarf/program.js';
import { abiSignature, AbiSignature, formatAbiSignature, sameAbi } from '../dwarf/abi.js';
import { LinkReloadFunc, LinkSession } from './session.js';

/** Rejects a replacement object that is not function-only (§10), with a message naming the offending part. */
export function validateReplacement(obj: ElfObject, name: string, session: LinkSession): void {
  const reject = (why: string): never => {
    throw new HotlinkError('usage', `cannot reload '${name}' from ${obj.file}: ${why}`);
  };
  const defs = obj.symbols.filter((s) => s.name === name && s.bind !== STB_LOCAL && s.shndx !== SHN_UNDEF);
  if (defs.length === 0) reject(`it does not define '${name}' (a global function definition is required)`);
  if (defs.length > 1) reject(`it defines '${name}' ${defs.length} times`);
  if (defs[0]!.type !== STT_FUNC) reject(`'${name}' is not a function in the replacement (symbol type ${defs[0]!.type})`);
  for (const sec of obj.sections) {
    if ((sec.sh_flags & SHF_ALLOC) === 0) continue;
    if (sec.sh_flags & SHF_TLS) reject(`section ${sec.name} holds __thread data; reload replaces functions only`);
    if (sec.sh_type === SHT_INIT_ARRAY || sec.sh_type === SHT_FINI_ARRAY || sec.sh_type === SHT_PREINIT_ARRAY || /^\.(ctors|dtors)/.test(sec.name)) {
      reject(`section ${sec.name} holds constructors or destructors; reload replaces functions only`);
    }
    if (sec.sh_flags & SHF_WRITE && sec.sh_size > 0 && !/^\.data\.rel\.ro(\.|$)/.test(sec.name)) {
      const syms = obj.symbols.filter((s) => s.shndx === sec.index && s.type !== STT_SECTION).map((s) => `'${s.name}'`);
      reject(`section ${sec.name} holds writable data${syms.length ? ' (' + syms.join(', ') + ')' : ''}; reload replaces functions only`);
    }
  }
  for (const s of obj.symbols) {
    if (s.bind === STB_LOCAL || s.shndx === SHN_UNDEF || s.type === STT_FILE || s.name === name) continue;
    if (s.shndx === SHN_COMMON) reject(`it defines writable global data '${s.name}' (a tentative definition); reload replaces functions only`);
    const what = s.type === STT_FUNC ? 'function' : 'symbol';
    const live = session.symbols.byName.has(s.name) ? ` (it would collide with the live '${s.name}')` : '';
    reject(`it defines another public ${what} '${s.name}'${live}; only '${name}' and private (static) helpers may be defined`);
  }
  for (const g of obj.groups) {
    if (g.comdat && session.symbols.byName.has(g.signature)) reject(`COMDAT group '${g.signature}' is already selected in the image; replacing group members is not supported`);
  }
}

/** Stores `address` into the slot with one aligned 8-byte atomic store. */
export function storeSlot(slotAddr: number, address: number): void {
  if (slotAddr % 8 !== 0) throw new Error(`slot ${hex(slotAddr)} is not 8-byte aligned`);
  const cell = memoryView(slotAddr, 8);
  Atomics.store(new BigUint64Array(cell.buffer, cell.byteOffset, 1), 0, BigInt(address));
}

/** Reads the slot's current target. */
export function loadSlot(slotAddr: number): number {
  const cell = memoryView(slotAddr, 8);
  return Number(Atomics.load(new BigUint64Array(cell.buffer, cell.byteOffset, 1), 0));
}

/** The reloadable function `name`, or a usage error explaining why there is none. */
export function reloadFuncOf(session: LinkSession, name: string): LinkReloadFunc {
  const f = session.reloadFuncs.get(name);
  if (f) return f;
  if (session.indirection === 'none') {
    throw new HotlinkError('usage', `cannot reload '${name}': the image was linked without indirection (use indirection: 'exported-funcs', as hotlink dbg does)`);
  }
  if (session.symbols.byName.has(name)) throw new HotlinkError('usage', `cannot reload '${name}': it is not a reloadable function (only global C functions of your own inputs are)`);
  throw new HotlinkError('usage', `cannot reload '${name}': no such function in the image`);
}

/** A function's ABI signature from an object's DWARF, or why there is none. */
export function abiSignatureOf(obj: ElfObject, name: string): { sig?: AbiSignature; reason?: string } {
  try {
    const dbg = readDebugInfo(obj, sectionOffsetSymbolValue(obj));
    const def = subprograms(dbg.info, { withCode: true }).find((s) => s.name === name && !s.declaration);
    if (!def) return { reason: `${obj.file} has no DWARF description of '${name}' (compile with -g)` };
    const why: { reason?: string } = {};
    const sig = abiSignature(def, why);
    return sig ? { sig } : { reason: `the signature of '${name}' in ${obj.file} is unbounded: ${why.reason}` };
  } catch (e) {
    return { reason: `the debug info of ${obj.file} is unreadable: ${(e as Error).message}` };
  }
}

/**
 * HOT_RELOAD.md §11: the replacement must be callable through the old
 * entry. Returns the formatted signature; throws naming both signatures on
 * a mismatch, or when either is missing (unless `unchecked`).
 */
export function checkAbi(name: string, live: { sig?: AbiSignature; reason?: string }, next: { sig?: AbiSignature; reason?: string }, unchecked: boolean): string | undefined {
  if (unchecked) return next.sig ? formatAbiSignature(next.sig) : undefined;
  if (!live.sig) throw new HotlinkError('usage', `cannot check the ABI of '${name}': ${live.reason}; reload with unchecked to replace it anyway`);
  if (!next.sig) throw new HotlinkError('usage', `cannot check the ABI of the replacement of '${name}': ${next.reason}; reload with unchecked to replace it anyway`);
  if (!sameAbi(live.sig, next.sig)) {
    throw new HotlinkError('usage', `ABI mismatch for '${name}': the live function is ${formatAbiSignature(live.sig)}, the replacement is ${formatAbiSignature(next.sig)}; callers would pass arguments or take the result differently`);
  }
  return formatAbiSignature(next.sig);
}
