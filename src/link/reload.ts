// Hot reload's primitives (HOT_RELOAD.md): slot publication (one aligned
// 8-byte atomic store of the new body's address), the reloadable function
// of a name, and the §11 ABI check from both objects' DWARF. What a reload
// replaces is planned by unit.ts. Old bodies stay mapped forever (§12), so
// frames inside them return safely and `rollback` can re-point the slot.

import { ObjIndex } from './objindex.js';
import { HotlinkError, hex } from '../errors.js';
import { memoryView } from '../memory/native.js';
import { abiSignature, AbiSignature, formatAbiSignature, sameAbi } from '../dwarf/abi.js';
import { LinkReloadFunc, LinkSession } from './session.js';

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

/** A function's ABI signature from an object's DWARF (its ObjIndex's DIEs, read once per object), or why there is none. */
export function abiSignatureOf(idx: ObjIndex, name: string): { sig?: AbiSignature; reason?: string } {
  const obj = idx.obj;
  try {
    const def = idx.subprograms().find((s) => s.name === name && !s.declaration);
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
