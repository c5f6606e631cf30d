// The DWARF and CFI reader: one entry point per concern, re-exported here.
// readDebugInfo() is the usual start — relocate an object's debug sections,
// then read units, line programs, functions, types and unwind tables from
// them. Each input's corrupt debug info throws HotlinkError naming the file,
// section and offset, so a caller can skip that input and go on.

import type { ElfObject } from '../elf/object.js';
import { CallFrameInfo, parseCallFrameInfo } from './cfi.js';
import { DwarfInfo } from './info.js';
import { DebugSections, loadDebugSections } from './sections.js';

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
export function readDebugInfo(
  obj: ElfObject,
  symbolValue: (symIndex: number) => number,
  sectionAddress?: (sectionIndex: number) => number,
): DebugInfo {
  const sections = loadDebugSections(obj, symbolValue, sectionAddress);
  return { sections, info: new DwarfInfo(sections), cfi: parseCallFrameInfo(sections) };
}
