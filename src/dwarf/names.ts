// Spellings of DWARF constants, for messages and dumps: tagName(0x2e) is
// 'DW_TAG_subprogram'. The tables are built once from constants.ts, so a
// constant added there is named here without a second list. Unknown values
// print as the family prefix plus hex ('DW_FORM_0x7f').

import * as C from './constants.js';

type Family = 'DW_TAG_' | 'DW_AT_' | 'DW_FORM_' | 'DW_OP_' | 'DW_ATE_' | 'DW_LNS_' | 'DW_LNE_' | 'DW_LLE_' | 'DW_RLE_' | 'DW_CFA_' | 'DW_UT_' | 'DW_LANG_' | 'DW_LNCT_';

const tables = new Map<Family, Map<number, string>>();

function table(prefix: Family): Map<number, string> {
  let t = tables.get(prefix);
  if (!t) {
    t = new Map();
    for (const [name, value] of Object.entries(C)) {
      // The first spelling wins (DW_AT_MIPS_linkage_name comes after DW_AT_linkage_name).
      if (name.startsWith(prefix) && typeof value === 'number' && !t.has(value)) t.set(value, name);
    }
    tables.set(prefix, t);
  }
  return t;
}

function nameIn(prefix: Family, value: number): string {
  return table(prefix).get(value) ?? `${prefix}0x${value.toString(16)}`;
}

export function tagName(tag: number): string {
  return nameIn('DW_TAG_', tag);
}
export function attrName(at: number): string {
  return nameIn('DW_AT_', at);
}
export function formName(form: number): string {
  return nameIn('DW_FORM_', form);
}
export function encodingName(ate: number): string {
  return nameIn('DW_ATE_', ate);
}
export function unitTypeName(ut: number): string {
  return nameIn('DW_UT_', ut);
}
export function languageName(lang: number): string {
  return nameIn('DW_LANG_', lang);
}

/** DW_OP_* name, with the ranged families spelled out (DW_OP_lit7, DW_OP_breg6). */
export function opName(op: number): string {
  if (op >= C.DW_OP_lit0 && op <= C.DW_OP_lit31) return `DW_OP_lit${op - C.DW_OP_lit0}`;
  if (op >= C.DW_OP_reg0 && op <= C.DW_OP_reg31) return `DW_OP_reg${op - C.DW_OP_reg0}`;
  if (op >= C.DW_OP_breg0 && op <= C.DW_OP_breg31) return `DW_OP_breg${op - C.DW_OP_breg0}`;
  return nameIn('DW_OP_', op);
}

/** DW_CFA_* name; the three high-bit opcodes are named by their top two bits. */
export function cfaName(op: number): string {
  switch (op & 0xc0) {
    case C.DW_CFA_advance_loc: return 'DW_CFA_advance_loc';
    case C.DW_CFA_offset: return 'DW_CFA_offset';
    case C.DW_CFA_restore: return 'DW_CFA_restore';
  }
  return nameIn('DW_CFA_', op);
}

export function lleName(kind: number): string {
  return nameIn('DW_LLE_', kind);
}
export function rleName(kind: number): string {
  return nameIn('DW_RLE_', kind);
}
export function lnsName(op: number): string {
  return nameIn('DW_LNS_', op);
}
export function lneName(op: number): string {
  return nameIn('DW_LNE_', op);
}
