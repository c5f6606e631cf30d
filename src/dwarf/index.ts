// The DWARF and CFI reader: one entry point per concern, re-exported here.
// readDebugInfo() is the usual start — relocate an object's debug sections,
// then read units, line programs, functions, types and unwind tables from
// them. Each input's corrupt debug info throws HotlinkError naming the file,
// section and offset, so a caller can skip that input and go on.

import type { ElfObject } from '../elf/object.js';
import { CallFrameInfo, parseCallFrameInfo } from './cfi.js';
import { DwarfInfo } from './info.js';
import { DebugSections, loadDebugSections, type DebugSectionName } from './sections.js';

export * from './constants.js';
export * from './names.js';
export { DwarfCursor, type DwarfInt } from './cursor.js';
export { DEBUG_SECTION_NAMES, DebugSections, loadDebugSections, sectionOffsetSymbolValue, type DebugSectionName, type DebugWarning } from './sections.js';
export { DEBUG_RELOCS, type DebugRelocKind } from './relocs.js';
export { AbbrevTable, parseAbbrevTable, type Abbrev } from './abbrev.js';
export { Die, Unit, DwarfInfo, isReferenceForm, isConstantForm, type AttrValue, type Attribute, type UnitHeader } from './info.js';
export { LineProgram, LineTable, lineProgramOf, allLinePrograms, type LineRow, type LineFileEntry, type LineSequence, type LineProgramOptions } from './line.js';
export { rangeList, locationList, locationAt, dieRanges, dieEntryPc, dieLocation, rangesContain, type AddressRange, type LocationListEntry, type LocationAttribute } from './lists.js';
export { decodeExpression, formatExpression, evaluateLocation, evaluateValue, operandNumber, type DwarfOp, type DwarfOperand, type ExpressionOptions, type Location, type LocationPiece, type EvalContext, type EvaluateOptions } from './expr.js';
export * from './types.js';
export * from './program.js';
export { CallFrameInfo, parseCallFrameInfo, applyRow, formatCfaRule, formatRegisterRule, X86_64_UNWIND, X86_64_REGISTER_NAMES, type Cie, type Fde, type CfaRule, type RegisterRule, type UnwindRow, type RegisterValues, type ReadMemory, type UnwindResult, type UnwindArch, type FrameSection } from './cfi.js';
export { abiSignature, sameAbi, formatAbiSignature, classifyType, type AbiClass, type AbiValue, type AbiSignature, type AbiFunction } from './abi.js';

export interface DebugInfo {
  sections: DebugSections;
  info: DwarfInfo;
  cfi: CallFrameInfo;
}

/**
 * Relocates `obj`'s debug sections (S from `symbolValue`, P from
 * `sectionAddress`) and opens them: unit headers and CFI are read now, DIEs
 * and line programs when first asked for.
 */
/** The sections DIEs need (names, types, ranges, static locations): no line programs, location lists or CFI. */
const DIE_SECTIONS: readonly DebugSectionName[] = ['.debug_info', '.debug_abbrev', '.debug_str', '.debug_line_str', '.debug_str_offsets', '.debug_addr', '.debug_rnglists', '.debug_ranges'];

/** Only the DIEs of `obj` (cheaper than readDebugInfo when no line table, location list or CFI is needed). */
export function readDebugDies(obj: ElfObject, symbolValue: (symIndex: number) => number): DwarfInfo {
  return new DwarfInfo(loadDebugSections(obj, symbolValue, undefined, DIE_SECTIONS));
}

export function readDebugInfo(
  obj: ElfObject,
  symbolValue: (symIndex: number) => number,
  sectionAddress?: (sectionIndex: number) => number,
): DebugInfo {
  const sections = loadDebugSections(obj, symbolValue, sectionAddress);
  return { sections, info: new DwarfInfo(sections), cfi: parseCallFrameInfo(sections) };
}
