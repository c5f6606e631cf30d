// Call frame information (.eh_frame, .debug_frame; DWARF 5 §6.4, LSB §10.6).
// CIEs hold the rules every function starts with, FDEs the DW_CFA_* program
// that changes them address by address. Running it up to a PC gives the
// unwind row there: how to compute the CFA (the caller's stack pointer) and
// where the caller's registers were saved. unwindStep() applies one (x86-64).

import { HotlinkError, hex } from '../errors.js';
import {
  DW_CFA_advance_loc, DW_CFA_offset, DW_CFA_restore, DW_CFA_nop, DW_CFA_set_loc, DW_CFA_advance_loc1,
  DW_CFA_advance_loc2, DW_CFA_advance_loc4, DW_CFA_offset_extended, DW_CFA_restore_extended, DW_CFA_undefined,
  DW_CFA_same_value, DW_CFA_register, DW_CFA_remember_state, DW_CFA_restore_state, DW_CFA_def_cfa,
  DW_CFA_def_cfa_register, DW_CFA_def_cfa_offset, DW_CFA_def_cfa_expression, DW_CFA_expression,
  DW_CFA_offset_extended_sf, DW_CFA_def_cfa_sf, DW_CFA_def_cfa_offset_sf, DW_CFA_val_offset, DW_CFA_val_offset_sf,
  DW_CFA_val_expression, DW_CFA_MIPS_advance_loc8, DW_CFA_GNU_window_save, DW_CFA_GNU_args_size,
  DW_CFA_GNU_negative_offset_extended,
  DW_EH_PE_absptr, DW_EH_PE_uleb128, DW_EH_PE_udata2, DW_EH_PE_udata4, DW_EH_PE_udata8, DW_EH_PE_sleb128,
  DW_EH_PE_sdata2, DW_EH_PE_sdata4, DW_EH_PE_sdata8, DW_EH_PE_pcrel, DW_EH_PE_textrel, DW_EH_PE_datarel,
  DW_EH_PE_funcrel, DW_EH_PE_aligned, DW_EH_PE_indirect, DW_EH_PE_omit,
} from './constants.js';
import { DwarfCursor } from './cursor.js';
import { EvalContext, decodeExpression, evaluateValue } from './expr.js';
import { cfaName } from './names.js';
import { DebugSections } from './sections.js';

export type FrameSection = '.eh_frame' | '.debug_frame';

export interface Cie {
  section: FrameSection;
  /** Offset of the CIE's length field in its section. */
  offset: number;
  version: number;
  augmentation: string;
  address_size: number;
  code_alignment_factor: number;
  data_alignment_factor: number;
  return_address_register: number;
  /** 'R': encoding of FDE addresses (DW_EH_PE_*). */
  fdeEncoding: number;
  /** 'L': encoding of the LSDA pointer in FDEs, or DW_EH_PE_omit. */
  lsdaEncoding: number;
  /** 'P': the personality routine's address; with personalityIndirect, the address of a pointer to it (DW.ref.__gcc_personality_v0). */
  personality?: number;
  personalityIndirect?: boolean;
  /** 'S': a signal frame (the PC is not a return address). */
  signalFrame: boolean;
  initial_instructions: Uint8Array;
  /** Offset of initial_instructions in the section, for messages. */
  instructionsOffset: number;
}

export interface Fde {
  section: FrameSection;
  offset: number;
  cie: Cie;
  pc_begin: number;
  /** pc_begin + address_range. */
  pc_end: number;
  lsda?: number;
  instructions: Uint8Array;
  instructionsOffset: number;
}

/** How to compute the CFA. */
export type CfaRule =
  | { kind: 'register-offset'; register: number; offset: number }
  | { kind: 'expression'; expr: Uint8Array };

/** Where the caller's value of a register is. */
export type RegisterRule =
  | { kind: 'undefined' }
  | { kind: 'same-value' }
  /** Saved at CFA + offset. */
  | { kind: 'offset'; offset: number }
  /** The value is CFA + offset. */
  | { kind: 'val-offset'; offset: number }
  /** In another register of this frame. */
  | { kind: 'register'; register: number }
  /** Saved at the address the expression computes (CFA pushed first). */
  | { kind: 'expression'; expr: Uint8Array }
  /** The value the expression computes (CFA pushed first). */
  | { kind: 'val-expression'; expr: Uint8Array };

/** The unwind rules in force over [location, end). */
export interface UnwindRow {
  location: number;
  end: number;
  cfa: CfaRule;
  /** Rules for registers that have one; a register not here is unspecified (treated as same value). */
  registers: Map<number, RegisterRule>;
  /** DW_CFA_GNU_args_size: bytes of outgoing arguments on the stack. */
  argsSize: number;
}

interface RuleState {
  cfa: CfaRule;
  registers: Map<number, RegisterRule>;
}

/** The call frame information of one object. */
export class CallFrameInfo {
  readonly file: string;
  readonly cies: Cie[] = [];
  /** All FDEs, sorted by pc_begin. */
  readonly fdes: Fde[] = [];

  constructor(file: string) {
    this.file = file;
  }

  /** The FDE covering `pc`, preferring .eh_frame over .debug_frame. */
  findFde(pc: number): Fde | undefined {
    // The last FDE starting at or before pc, then back over any that overlap it.
    const fdes = this.fdes;
    let lo = 0;
    let hi = fdes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (fdes[mid]!.pc_begin <= pc) lo = mid + 1;
      else hi = mid;
    }
    let found: Fde | undefined;
    for (let i = lo - 1; i >= 0; i--) {
      const f = fdes[i]!;
      if (pc < f.pc_end) {
        if (f.section === '.eh_frame') return f;
        found ??= f;
      }
    }
    return found;
  }

  /** The full unwind table of an FDE, one row per address range where the rules differ. */
  rows(fde: Fde): UnwindRow[] {
    return executeFde(fde, this.file, Infinity);
  }

  /** The unwind row in force at `pc`, or undefined when no FDE covers it. */
  rowAt(pc: number): UnwindRow | undefined {
    const fde = this.findFde(pc);
    if (!fde) return undefined;
    const rows = executeFde(fde, this.file, pc);
    for (let i = rows.length - 1; i >= 0; i--) if (rows[i]!.location <= pc) return rows[i];
    return undefined;
  }

  /**
   * One step of unwinding on x86-64. `regs` holds this frame's register
   * values by DWARF number (7 = rsp; `pc` is where the frame is executing).
   * Returns the caller's registers — rsp is the CFA, 16 (the return-address
   * column, rip) the return address — or undefined when no FDE covers the
   * PC or the return address is undefined (the outermost frame).
   * For frames other than the innermost, pass `callerFrame: true` so the
   * FDE is looked up at pc - 1 (a call's return address can be the first
   * byte after the function).
   */
  unwindStep(pc: number | bigint, regs: RegisterValues, readMemory: ReadMemory, opts: { callerFrame?: boolean } = {}): UnwindResult | undefined {
    const at = Number(pc);
    const row = this.rowAt(opts.callerFrame ? at - 1 : at);
    if (!row) return undefined;
    return applyRow(row, regs, readMemory, X86_64_UNWIND, this.file);
  }
}

/** Register values by DWARF number (bigint; undefined when unknown). */
export type RegisterValues = (bigint | undefined)[];
export type ReadMemory = (address: bigint, size: number) => bigint | undefined;

export interface UnwindResult {
  /** The caller's registers. */
  regs: RegisterValues;
  cfa: bigint;
  /** The caller's PC (the return address). */
  pc: bigint;
  row: UnwindRow;
}

/** What unwinding needs to know about an architecture's DWARF registers. */
export interface UnwindArch {
  /** The stack pointer's DWARF number: the caller's value is the CFA. */
  stackPointer: number;
  /** The column holding the return address. */
  returnAddress: number;
  addressSize: number;
}

/** x86-64 (psABI figure 3.36): 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15, 16 return address (rip). */
export const X86_64_UNWIND: UnwindArch = { stackPointer: 7, returnAddress: 16, addressSize: 8 };

export const X86_64_REGISTER_NAMES: readonly string[] = [
  'rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip',
];

/** Computes the caller's registers from a row (exported for other architectures' tables). */
export function applyRow(row: UnwindRow, regs: RegisterValues, readMemory: ReadMemory, arch: UnwindArch, file: string): UnwindResult | undefined {
  const ctx: EvalContext = {
    readRegister: (r) => regs[r],
    readMemory,
    addressSize: arch.addressSize,
  };
  let cfa: bigint | undefined;
  if (row.cfa.kind === 'register-offset') {
    const base = regs[row.cfa.register];
    if (base === undefined) return undefined;
    cfa = BigInt.asUintN(64, base + BigInt(row.cfa.offset));
  } else {
    cfa = evaluateValue(decodeExpression(row.cfa.expr, { addressSize: arch.addressSize, file, section: 'CFA expression' }), ctx, { file, what: 'DW_CFA_def_cfa_expression' });
    if (cfa === undefined) return undefined;
  }
  const out: RegisterValues = regs.slice();
  for (const [r, rule] of row.registers) {
    switch (rule.kind) {
      case 'undefined': out[r] = undefined; break;
      case 'same-value': break;
      case 'offset': out[r] = readMemory(BigInt.asUintN(64, cfa + BigInt(rule.offset)), arch.addressSize); break;
      case 'val-offset': out[r] = BigInt.asUintN(64, cfa + BigInt(rule.offset)); break;
      case 'register': out[r] = regs[rule.register]; break;
      case 'expression':
      case 'val-expression': {
        const ops = decodeExpression(rule.expr, { addressSize: arch.addressSize, file, section: 'CFI register rule' });
        const v = evaluateValue(ops, ctx, { initialStack: [cfa], file, what: `DW_CFA_${rule.kind === 'expression' ? 'expression' : 'val_expression'} for register ${r}` });
        out[r] = v === undefined ? undefined : rule.kind === 'expression' ? readMemory(v, arch.addressSize) : v;
        break;
      }
    }
  }
  out[arch.stackPointer] = cfa;
  const ra = row.registers.get(arch.returnAddress);
  if (!ra || ra.kind === 'undefined') return undefined;
  const pc = out[arch.returnAddress];
  if (pc === undefined) return undefined;
  return { regs: out, cfa, pc, row };
}

// ---- Parsing ---------------------------------------------------------------

/** Parses .eh_frame and .debug_frame of `sections` (either may be absent). */
export function parseCallFrameInfo(sections: DebugSections): CallFrameInfo {
  const cfi = new CallFrameInfo(sections.file);
  for (const name of ['.eh_frame', '.debug_frame'] as const) {
    const bytes = sections.get(name);
    if (bytes) parseFrameSection(cfi, bytes, name, sections.address(name));
  }
  cfi.fdes.sort((a, b) => a.pc_begin - b.pc_begin || a.offset - b.offset);
  return cfi;
}

function parseFrameSection(cfi: CallFrameInfo, bytes: Uint8Array, section: FrameSection, sectionAddress: number): void {
  const eh = section === '.eh_frame';
  const c: DwarfCursor = new DwarfCursor(bytes, cfi.file, section);
  const cies = new Map<number, Cie>();
  const pending: { offset: number; cieOffset: number; start: number; end: number }[] = [];
  while (c.pos < c.end) {
    const offset = c.pos;
    const length = c.u32('length');
    if (length === 0) {
      if (eh) break; // the .eh_frame terminator
      continue;
    }
    if (length === 0xffffffff) {
      throw new HotlinkError('unsupported', `${cfi.file}: ${section} at offset ${hex(offset)}: entry uses the 64-bit DWARF format; only 32-bit is supported`);
    }
    const end = c.pos + length;
    if (end > c.end) c.fail(`entry length ${hex(length)} runs past the end of the section (${hex(c.end)})`, offset);
    const idPos = c.pos;
    const id = c.u32('CIE id / CIE pointer');
    const isCie = eh ? id === 0 : id === 0xffffffff;
    if (isCie) {
      const cie = parseCie(c.window(c.pos, end), offset, section, sectionAddress);
      cies.set(offset, cie);
      cfi.cies.push(cie);
    } else {
      const cieOffset = eh ? idPos - id : id;
      pending.push({ offset, cieOffset, start: c.pos, end });
    }
    c.pos = end;
  }
  for (const p of pending) {
    const cie = cies.get(p.cieOffset);
    if (!cie) c.fail(`FDE points to a CIE at ${hex(p.cieOffset)}, but there is none there`, p.offset);
    cfi.fdes.push(parseFde(c.window(p.start, p.end), p.offset, cie, section, sectionAddress));
  }
}

function parseCie(c: DwarfCursor, offset: number, section: FrameSection, sectionAddress: number): Cie {
  const version = c.u8('CIE version');
  if (version !== 1 && version !== 3 && version !== 4) c.fail(`CIE version ${version} is not 1, 3 or 4`, c.pos - 1);
  const augmentation = c.cstring('CIE augmentation');
  let address_size = 8;
  if (version >= 4) {
    address_size = c.u8('address_size');
    const seg = c.u8('segment_selector_size');
    if (seg !== 0) c.fail(`segment_selector_size ${seg} is not supported`, c.pos - 1);
  }
  if (augmentation.includes('eh')) c.skip(address_size, 'eh_ptr'); // gcc 2.x
  const cie: Cie = {
    section,
    offset,
    version,
    augmentation,
    address_size,
    code_alignment_factor: c.uleb('code_alignment_factor'),
    data_alignment_factor: c.sleb('data_alignment_factor'),
    return_address_register: version === 1 ? c.u8('return_address_register') : c.uleb('return_address_register'),
    fdeEncoding: DW_EH_PE_absptr,
    lsdaEncoding: DW_EH_PE_omit,
    signalFrame: false,
    initial_instructions: new Uint8Array(0),
    instructionsOffset: 0,
  };
  if (augmentation.startsWith('z')) {
    const len = c.uleb('augmentation data length');
    const end = c.pos + len;
    if (end > c.end) c.fail(`augmentation data length ${len} runs past the end of the CIE`);
    for (const ch of augmentation.slice(1)) {
      switch (ch) {
        case 'R': cie.fdeEncoding = c.u8('FDE pointer encoding'); break;
        case 'L': cie.lsdaEncoding = c.u8('LSDA pointer encoding'); break;
        case 'P': {
          const enc = c.u8('personality encoding');
          cie.personality = readEncoded(c, enc, address_size, sectionAddress, 0, 'personality routine');
          if (enc & DW_EH_PE_indirect) cie.personalityIndirect = true;
          break;
        }
        case 'S': cie.signalFrame = true; break;
        case 'B': case 'G': break; // AArch64 BTI / MTE markers, no data
        default:
          c.pos = end; // unknown letters: the rest of the data is skipped by its length
      }
      if (c.pos >= end) break;
    }
    c.pos = end;
  } else if (augmentation !== '' && augmentation !== 'eh') {
    c.fail(`CIE augmentation '${augmentation}' is not understood`, offset);
  }
  cie.instructionsOffset = c.pos;
  cie.initial_instructions = c.block(c.end - c.pos, 'initial instructions');
  return cie;
}

function parseFde(c: DwarfCursor, offset: number, cie: Cie, section: FrameSection, sectionAddress: number): Fde {
  const enc = cie.fdeEncoding;
  const pc_begin = readEncoded(c, enc, cie.address_size, sectionAddress, 0, 'FDE pc_begin');
  // The range is a size: only the format of the encoding applies.
  const range = readEncoded(c, enc & 0x0f, cie.address_size, sectionAddress, 0, 'FDE address_range');
  const fde: Fde = { section, offset, cie, pc_begin, pc_end: pc_begin + range, instructions: new Uint8Array(0), instructionsOffset: 0 };
  if (cie.augmentation.startsWith('z')) {
    const len = c.uleb('augmentation data length');
    const end = c.pos + len;
    if (end > c.end) c.fail(`augmentation data length ${len} runs past the end of the FDE`);
    if (cie.lsdaEncoding !== DW_EH_PE_omit && len > 0) {
      fde.lsda = readEncoded(c, cie.lsdaEncoding, cie.address_size, sectionAddress, pc_begin, 'LSDA pointer');
    }
    c.pos = end;
  }
  fde.instructionsOffset = c.pos;
  fde.instructions = c.block(c.end - c.pos, 'FDE instructions');
  return fde;
}

/**
 * Reads a DW_EH_PE_* encoded pointer. pcrel is relative to the field's own
 * address (the section's address + its offset, matching how R_X86_64_PC32
 * was applied); funcrel to `funcBase`. For DW_EH_PE_indirect the result is
 * the address of the pointer (reading it needs the loaded image).
 * textrel/datarel need segment bases an object file does not have.
 */
function readEncoded(c: DwarfCursor, enc: number, addressSize: number, sectionAddress: number, funcBase: number, what: string): number {
  if (enc === DW_EH_PE_omit) return 0;
  const at = c.pos;
  let v: number;
  switch (enc & 0x0f) {
    case DW_EH_PE_absptr: v = c.address(addressSize, what); break;
    case DW_EH_PE_uleb128: v = c.uleb(what); break;
    case DW_EH_PE_udata2: v = c.u16(what); break;
    case DW_EH_PE_udata4: v = c.u32(what); break;
    case DW_EH_PE_udata8: v = c.u64(what); break;
    case DW_EH_PE_sleb128: v = c.sleb(what); break;
    case DW_EH_PE_sdata2: v = c.i16(what); break;
    case DW_EH_PE_sdata4: v = c.i32(what); break;
    case DW_EH_PE_sdata8: {
      const x = c.i64Value(what);
      if (typeof x === 'bigint') c.fail(`${what} ${x} is out of range`, at);
      v = x as number;
      break;
    }
    default:
      return c.fail(`${what} has unknown pointer encoding ${hex(enc)}`, at);
  }
  switch (enc & 0x70) {
    case 0: break;
    case DW_EH_PE_pcrel: v += sectionAddress + c.base + at; break;
    case DW_EH_PE_funcrel: v += funcBase; break;
    case DW_EH_PE_aligned: break;
    case DW_EH_PE_textrel:
    case DW_EH_PE_datarel:
      return c.fail(`${what} uses ${(enc & 0x70) === DW_EH_PE_textrel ? 'DW_EH_PE_textrel' : 'DW_EH_PE_datarel'}, which needs a segment base`, at);
    default:
      return c.fail(`${what} has unknown pointer application ${hex(enc & 0x70)}`, at);
  }
  return v;
}

// ---- Executing CFA programs --------------------------------------------------

/** Runs `instructions` (a CIE's or FDE's) starting at `loc`, updating `state`; emits rows into `rows` when set. */
function execute(
  c: DwarfCursor,
  cie: Cie,
  state: RuleState,
  initial: RuleState | undefined,
  startLoc: number,
  stopAt: number,
  rows: UnwindRow[] | undefined,
  argsSize: { value: number },
): void {
  const caf = cie.code_alignment_factor;
  const daf = cie.data_alignment_factor;
  const stack: RuleState[] = [];
  let loc = startLoc;
  const advance = (delta: number): boolean => {
    const next = loc + delta * caf;
    if (rows) {
      const last = rows[rows.length - 1]!;
      if (next > last.location) {
        last.end = next;
        rows.push({ location: next, end: Infinity, cfa: state.cfa, registers: new Map(state.registers), argsSize: argsSize.value });
      }
    }
    loc = next;
    return loc > stopAt;
  };
  const setRule = (r: number, rule: RegisterRule): void => {
    state.registers.set(r, rule);
    if (rows) rows[rows.length - 1]!.registers = new Map(state.registers);
  };
  const setCfa = (cfa: CfaRule): void => {
    state.cfa = cfa;
    if (rows) rows[rows.length - 1]!.cfa = cfa;
  };
  const restore = (r: number): void => {
    const rule = initial?.registers.get(r);
    if (rule) setRule(r, rule);
    else {
      state.registers.delete(r);
      if (rows) rows[rows.length - 1]!.registers = new Map(state.registers);
    }
  };
  const regOffsetCfa = (): { register: number; offset: number } => {
    if (state.cfa.kind !== 'register-offset') c.fail('CFA offset changed while the CFA is an expression');
    return state.cfa as { register: number; offset: number };
  };
  while (c.pos < c.end) {
    const at = c.pos;
    const byte = c.u8('DW_CFA opcode');
    const high = byte & 0xc0;
    const low = byte & 0x3f;
    if (high === DW_CFA_advance_loc) {
      if (advance(low)) return;
      continue;
    }
    if (high === DW_CFA_offset) {
      setRule(low, { kind: 'offset', offset: c.uleb() * daf });
      continue;
    }
    if (high === DW_CFA_restore) {
      restore(low);
      continue;
    }
    switch (byte) {
      case DW_CFA_nop: break;
      case DW_CFA_set_loc: {
        const target = readEncoded(c, cie.fdeEncoding, cie.address_size, 0, 0, 'DW_CFA_set_loc address');
        if (advance((target - loc) / caf)) return;
        break;
      }
      case DW_CFA_advance_loc1: if (advance(c.u8())) return; break;
      case DW_CFA_advance_loc2: if (advance(c.u16())) return; break;
      case DW_CFA_advance_loc4: if (advance(c.u32())) return; break;
      case DW_CFA_MIPS_advance_loc8: if (advance(c.u64())) return; break;
      case DW_CFA_offset_extended: { const r = c.uleb(); setRule(r, { kind: 'offset', offset: c.uleb() * daf }); break; }
      case DW_CFA_offset_extended_sf: { const r = c.uleb(); setRule(r, { kind: 'offset', offset: c.sleb() * daf }); break; }
      case DW_CFA_GNU_negative_offset_extended: { const r = c.uleb(); setRule(r, { kind: 'offset', offset: -c.uleb() * daf }); break; }
      case DW_CFA_val_offset: { const r = c.uleb(); setRule(r, { kind: 'val-offset', offset: c.uleb() * daf }); break; }
      case DW_CFA_val_offset_sf: { const r = c.uleb(); setRule(r, { kind: 'val-offset', offset: c.sleb() * daf }); break; }
      case DW_CFA_restore_extended: restore(c.uleb()); break;
      case DW_CFA_undefined: setRule(c.uleb(), { kind: 'undefined' }); break;
      case DW_CFA_same_value: setRule(c.uleb(), { kind: 'same-value' }); break;
      case DW_CFA_register: { const r = c.uleb(); setRule(r, { kind: 'register', register: c.uleb() }); break; }
      case DW_CFA_remember_state:
        stack.push({ cfa: state.cfa, registers: new Map(state.registers) });
        break;
      case DW_CFA_restore_state: {
        const s = stack.pop();
        if (!s) c.fail('DW_CFA_restore_state without a matching DW_CFA_remember_state', at);
        state.registers = s!.registers;
        setCfa(s!.cfa);
        if (rows) rows[rows.length - 1]!.registers = new Map(state.registers);
        break;
      }
      case DW_CFA_def_cfa: { const r = c.uleb(); setCfa({ kind: 'register-offset', register: r, offset: c.uleb() }); break; }
      case DW_CFA_def_cfa_sf: { const r = c.uleb(); setCfa({ kind: 'register-offset', register: r, offset: c.sleb() * daf }); break; }
      case DW_CFA_def_cfa_register: {
        const r = c.uleb();
        setCfa({ kind: 'register-offset', register: r, offset: state.cfa.kind === 'register-offset' ? state.cfa.offset : 0 });
        break;
      }
      case DW_CFA_def_cfa_offset: setCfa({ kind: 'register-offset', register: regOffsetCfa().register, offset: c.uleb() }); break;
      case DW_CFA_def_cfa_offset_sf: setCfa({ kind: 'register-offset', register: regOffsetCfa().register, offset: c.sleb() * daf }); break;
      case DW_CFA_def_cfa_expression: setCfa({ kind: 'expression', expr: c.block(c.uleb('expression length'), 'CFA expression') }); break;
      case DW_CFA_expression: { const r = c.uleb(); setRule(r, { kind: 'expression', expr: c.block(c.uleb('expression length'), 'register rule expression') }); break; }
      case DW_CFA_val_expression: { const r = c.uleb(); setRule(r, { kind: 'val-expression', expr: c.block(c.uleb('expression length'), 'register rule expression') }); break; }
      case DW_CFA_GNU_args_size:
        argsSize.value = c.uleb();
        if (rows) rows[rows.length - 1]!.argsSize = argsSize.value;
        break;
      case DW_CFA_GNU_window_save:
        break; // SPARC register windows / AArch64 return-address signing: nothing to track on x86-64
      default:
        c.fail(`unknown call frame instruction ${hex(byte)} (${cfaName(byte)})`, at);
    }
  }
}

/** Rows of an FDE up to (and including) the row in force at `stopAt` (Infinity: all). */
function executeFde(fde: Fde, file: string, stopAt: number): UnwindRow[] {
  const cie = fde.cie;
  const state: RuleState = { cfa: { kind: 'register-offset', register: X86_64_UNWIND.stackPointer, offset: 0 }, registers: new Map() };
  const argsSize = { value: 0 };
  const cieCursor = new DwarfCursor(cie.initial_instructions, file, cie.section, 0, cie.initial_instructions.length, cie.instructionsOffset);
  execute(cieCursor, cie, state, undefined, fde.pc_begin, Infinity, undefined, argsSize);
  const initial: RuleState = { cfa: state.cfa, registers: new Map(state.registers) };
  const rows: UnwindRow[] = [{ location: fde.pc_begin, end: fde.pc_end, cfa: state.cfa, registers: new Map(state.registers), argsSize: 0 }];
  const fdeCursor = new DwarfCursor(fde.instructions, file, fde.section, 0, fde.instructions.length, fde.instructionsOffset);
  execute(fdeCursor, cie, state, initial, fde.pc_begin, stopAt, rows, argsSize);
  // A row that starts at or past the end of the FDE covers nothing.
  while (rows.length > 1 && rows[rows.length - 1]!.location >= fde.pc_end) rows.pop();
  rows[rows.length - 1]!.end = fde.pc_end;
  return rows;
}

/** Spells a CFA rule like readelf's frames-interp: 'rsp+8', 'rbp+16', 'exp'. */
export function formatCfaRule(rule: CfaRule, names: readonly string[] = X86_64_REGISTER_NAMES): string {
  if (rule.kind === 'expression') return 'exp';
  return `${names[rule.register] ?? `r${rule.register}`}${rule.offset >= 0 ? '+' : ''}${rule.offset}`;
}

/** Spells a register rule like readelf's frames-interp: 'c-16', 'u', 's', 'r6', 'exp', 'vexp', 'v+8'. */
export function formatRegisterRule(rule: RegisterRule | undefined, names: readonly string[] = X86_64_REGISTER_NAMES): string {
  if (!rule) return 'u';
  switch (rule.kind) {
    case 'undefined': return 'u';
    case 'same-value': return 's';
    case 'offset': return `c${rule.offset >= 0 ? '+' : ''}${rule.offset}`;
    case 'val-offset': return `v${rule.offset >= 0 ? '+' : ''}${rule.offset}`;
    case 'register': return names[rule.register] ?? `r${rule.register}`;
    case 'expression': return 'exp';
    case 'val-expression': return 'vexp';
  }
}
