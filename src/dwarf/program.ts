// The program as a debugger sees it: functions with code ranges, frame
// base, return type, parameters, locals, lexical blocks and inlined calls;
// and global variables. Optimized code splits a function into an abstract
// instance (names, types) and concrete ones (addresses, locations) joined by
// DW_AT_abstract_origin; these views merge them. Fields are read on demand.

import {
  DW_TAG_subprogram, DW_TAG_formal_parameter, DW_TAG_unspecified_parameters, DW_TAG_variable, DW_TAG_lexical_block,
  DW_TAG_inlined_subroutine,
  DW_AT_name, DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_external, DW_AT_declaration, DW_AT_inline,
  DW_AT_frame_base, DW_AT_prototyped, DW_AT_abstract_origin, DW_AT_specification, DW_AT_decl_file, DW_AT_decl_line,
  DW_AT_call_file, DW_AT_call_line, DW_AT_call_column, DW_AT_const_value, DW_AT_artificial, DW_AT_noreturn,
} from './constants.js';
import { EvalContext, Location, decodeExpression, evaluateLocation, evaluateValue } from './expr.js';
import { AttrValue, Die, DwarfInfo, Unit } from './info.js';
import { lineProgramOf } from './line.js';
import { AddressRange, LocationAttribute, dieEntryPc, dieLocation, dieRanges, locationAt, rangesContain } from './lists.js';
import { CType, typeOfDie } from './types.js';

export interface Variable {
  readonly die: Die;
  readonly name?: string | undefined;
  readonly type: CType;
  readonly isParameter: boolean;
  readonly external: boolean;
  readonly declaration: boolean;
  readonly artificial: boolean;
  /** Where the value lives (an expression or a location list); undefined when optimized out entirely. */
  readonly location?: LocationAttribute | undefined;
  /** DW_AT_const_value, for constants folded away. */
  readonly constValue?: AttrValue | undefined;
  readonly declFile?: string | undefined;
  readonly declLine?: number | undefined;
}

/** A region of code with its own variables: a function, a lexical block, an inlined call. Contents are read on first use. */
export interface Scope {
  readonly die: Die;
  readonly ranges: AddressRange[];
  readonly variables: Variable[];
  readonly blocks: LexicalBlock[];
  readonly inlined: InlinedCall[];
}

export type LexicalBlock = Scope;

export interface InlinedCall extends Scope {
  /** The abstract subprogram that was inlined. */
  readonly origin?: Die | undefined;
  readonly name?: string | undefined;
  readonly params: Variable[];
  readonly entryPc?: number | undefined;
  readonly callFile?: string | undefined;
  readonly callLine?: number | undefined;
  readonly callColumn?: number | undefined;
}

export interface Subprogram extends Scope {
  readonly name?: string | undefined;
  readonly linkageName?: string | undefined;
  readonly external: boolean;
  readonly declaration: boolean;
  /** DW_AT_inline (DW_INL_*) of the abstract instance, if any. */
  readonly inline?: number | undefined;
  /** Start of the code (DW_AT_low_pc or the first range). */
  readonly lowPc?: number | undefined;
  /** End of the code's first range (DW_AT_high_pc resolved to an address). */
  readonly highPc?: number | undefined;
  readonly frameBase?: LocationAttribute | undefined;
  readonly returnType: CType;
  /** Parameters in declaration order (from the abstract instance when there is one). */
  readonly params: Variable[];
  /** True when the prototype ends in `...` (DW_TAG_unspecified_parameters). */
  readonly variadic: boolean;
  readonly prototyped: boolean;
  readonly noreturn: boolean;
  /** The abstract instance this is a concrete (out-of-line) copy of. */
  readonly abstractOrigin?: Die | undefined;
  readonly declFile?: string | undefined;
  readonly declLine?: number | undefined;
}

/** The file a DW_AT_decl_file / DW_AT_call_file index names in the unit's line table. */
export function unitFileName(unit: Unit, index: number | undefined): string | undefined {
  if (index === undefined) return undefined;
  return lineProgramOf(unit)?.filePath(index);
}

function originOf(die: Die): Die | undefined {
  if (die.has(DW_AT_abstract_origin)) return die.ref(DW_AT_abstract_origin);
  if (die.has(DW_AT_specification)) return die.ref(DW_AT_specification);
  return undefined;
}

/** The DIE's own attribute or one inherited along abstract_origin / specification, as a string. */
function inheritedString(die: Die, at: number): string | undefined {
  const v = die.inherited(at);
  return typeof v === 'string' ? v : undefined;
}

/**
 * A variable or parameter DIE, its name and type taken from its abstract
 * origin if need be. Fields are computed when first read: a large object
 * has tens of thousands of variables, most of which nobody asks about.
 */
class VariableView implements Variable {
  readonly die: Die;
  readonly isParameter: boolean;
  private cached: { type?: CType; name?: string | null; location?: LocationAttribute | null; file?: string | null } = {};

  constructor(die: Die) {
    this.die = die;
    this.isParameter = die.tag === DW_TAG_formal_parameter;
  }

  get name(): string | undefined {
    if (this.cached.name === undefined) this.cached.name = inheritedString(this.die, DW_AT_name) ?? null;
    return this.cached.name ?? undefined;
  }
  get type(): CType {
    return (this.cached.type ??= typeOfDie(this.die));
  }
  get external(): boolean {
    return this.die.inherited(DW_AT_external) === true;
  }
  get declaration(): boolean {
    return this.die.flag(DW_AT_declaration);
  }
  get artificial(): boolean {
    return this.die.inherited(DW_AT_artificial) === true;
  }
  get location(): LocationAttribute | undefined {
    if (this.cached.location === undefined) this.cached.location = dieLocation(this.die) ?? null;
    return this.cached.location ?? undefined;
  }
  get constValue(): AttrValue | undefined {
    return this.die.get(DW_AT_const_value) ?? this.die.inherited(DW_AT_const_value);
  }
  get declFile(): string | undefined {
    if (this.cached.file === undefined) {
      const fileDie = this.die.inheritedDie(DW_AT_decl_file);
      this.cached.file = (fileDie ? unitFileName(fileDie.unit, fileDie.uint(DW_AT_decl_file)) : undefined) ?? null;
    }
    return this.cached.file ?? undefined;
  }
  get declLine(): number | undefined {
    const line = this.die.inherited(DW_AT_decl_line);
    return typeof line === 'number' ? line : undefined;
  }
}

/** A variable or parameter DIE as a Variable (fields read on demand). */
export function variableFromDie(die: Die): Variable {
  return new VariableView(die);
}

interface ScopeContents {
  params: Variable[];
  variables: Variable[];
  blocks: LexicalBlock[];
  inlined: InlinedCall[];
}

/** Reads a scope's parameters, variables, blocks and inlined calls from the DIE's children. */
function readScope(die: Die): ScopeContents {
  const out: ScopeContents = { params: [], variables: [], blocks: [], inlined: [] };
  for (const c of die.children) {
    switch (c.tag) {
      case DW_TAG_formal_parameter: out.params.push(variableFromDie(c)); break;
      case DW_TAG_variable: out.variables.push(variableFromDie(c)); break;
      case DW_TAG_lexical_block: out.blocks.push(new ScopeView(c)); break;
      case DW_TAG_inlined_subroutine: out.inlined.push(new InlinedCallView(c)); break;
      default: break;
    }
  }
  return out;
}

/**
 * Orders a concrete instance's parameters like its abstract instance's,
 * keeping parameters that were optimized out of the concrete one (without
 * a location): the ABI still passes them.
 */
function mergeParams(concrete: Variable[], origin: Die | undefined): Variable[] {
  if (!origin) return concrete;
  const declared = origin.children.filter((c) => c.tag === DW_TAG_formal_parameter);
  if (declared.length === 0) return concrete;
  const byOrigin = new Map<number, Variable>();
  const rest: Variable[] = [];
  for (const p of concrete) {
    const o = p.die.has(DW_AT_abstract_origin) ? p.die.ref(DW_AT_abstract_origin) : undefined;
    if (o) byOrigin.set(o.offset, p);
    else rest.push(p);
  }
  const out = declared.map((d) => byOrigin.get(d.offset) ?? variableFromDie(d));
  return [...out, ...rest];
}

class ScopeView implements Scope {
  readonly die: Die;
  private rangesCache: AddressRange[] | undefined;
  protected contentsCache: ScopeContents | undefined;

  constructor(die: Die) {
    this.die = die;
  }
  get ranges(): AddressRange[] {
    return (this.rangesCache ??= dieRanges(this.die));
  }
  protected get contents(): ScopeContents {
    return (this.contentsCache ??= readScope(this.die));
  }
  get variables(): Variable[] {
    return this.contents.variables;
  }
  get blocks(): LexicalBlock[] {
    return this.contents.blocks;
  }
  get inlined(): InlinedCall[] {
    return this.contents.inlined;
  }
}

class InlinedCallView extends ScopeView implements InlinedCall {
  readonly origin: Die | undefined;
  private paramsCache: Variable[] | undefined;

  constructor(die: Die) {
    super(die);
    this.origin = originOf(die);
  }
  get name(): string | undefined {
    return inheritedString(this.die, DW_AT_name);
  }
  get params(): Variable[] {
    return (this.paramsCache ??= mergeParams(this.contents.params, this.origin));
  }
  get entryPc(): number | undefined {
    return dieEntryPc(this.die);
  }
  get callFile(): string | undefined {
    return unitFileName(this.die.unit, this.die.uint(DW_AT_call_file));
  }
  get callLine(): number | undefined {
    return this.die.uint(DW_AT_call_line);
  }
  get callColumn(): number | undefined {
    return this.die.uint(DW_AT_call_column);
  }
}

class SubprogramView extends ScopeView implements Subprogram {
  readonly abstractOrigin: Die | undefined;
  private paramsCache: Variable[] | undefined;
  private typeCache: CType | undefined;

  constructor(die: Die) {
    super(die);
    this.abstractOrigin = originOf(die);
  }
  get name(): string | undefined {
    return inheritedString(this.die, DW_AT_name);
  }
  get linkageName(): string | undefined {
    return inheritedString(this.die, DW_AT_linkage_name) ?? inheritedString(this.die, DW_AT_MIPS_linkage_name);
  }
  get external(): boolean {
    return this.die.inherited(DW_AT_external) === true;
  }
  get declaration(): boolean {
    return this.die.flag(DW_AT_declaration);
  }
  get inline(): number | undefined {
    const v = this.die.inherited(DW_AT_inline);
    return typeof v === 'number' ? v : undefined;
  }
  get lowPc(): number | undefined {
    const r = this.ranges;
    return r.length ? Math.min(...r.map((x) => x.start)) : undefined;
  }
  get highPc(): number | undefined {
    const low = this.lowPc;
    return low === undefined ? undefined : this.ranges.find((r) => r.start === low)!.end;
  }
  get frameBase(): LocationAttribute | undefined {
    return dieLocation(this.die, DW_AT_frame_base);
  }
  get returnType(): CType {
    return (this.typeCache ??= typeOfDie(this.die));
  }
  get params(): Variable[] {
    return (this.paramsCache ??= mergeParams(this.contents.params, this.abstractOrigin));
  }
  get variadic(): boolean {
    // From the declaration that lists the parameters: the abstract instance, if any.
    const has = (d: Die): boolean => d.children.some((c) => c.tag === DW_TAG_unspecified_parameters);
    return has(this.die) || (this.abstractOrigin !== undefined && has(this.abstractOrigin));
  }
  get prototyped(): boolean {
    return this.die.inherited(DW_AT_prototyped) === true;
  }
  get noreturn(): boolean {
    return this.die.inherited(DW_AT_noreturn) === true;
  }
  get declFile(): string | undefined {
    const fileDie = this.die.inheritedDie(DW_AT_decl_file);
    return fileDie ? unitFileName(fileDie.unit, fileDie.uint(DW_AT_decl_file)) : undefined;
  }
  get declLine(): number | undefined {
    const line = this.die.inherited(DW_AT_decl_line);
    return typeof line === 'number' ? line : undefined;
  }
}

/** A DW_TAG_inlined_subroutine DIE as an inlined call (fields read on demand). */
export function inlinedCallFromDie(die: Die): InlinedCall {
  return new InlinedCallView(die);
}

const subprogramViews = new WeakMap<Die, Subprogram>();

/** A DW_TAG_subprogram DIE as a function, abstract-instance facts merged in (fields read on demand; one view per DIE). */
export function subprogramFromDie(die: Die): Subprogram {
  let s = subprogramViews.get(die);
  if (!s) {
    s = new SubprogramView(die);
    subprogramViews.set(die, s);
  }
  return s;
}

export interface SubprogramFilter {
  /** Only functions with code in this object (not declarations, not abstract-only instances). */
  withCode?: boolean;
}

/** Every DW_TAG_subprogram in the object, in .debug_info order. */
export function subprograms(info: DwarfInfo, filter: SubprogramFilter = {}): Subprogram[] {
  const out: Subprogram[] = [];
  for (const u of info.units) {
    u.forEachDie([DW_TAG_subprogram], (d) => {
      if (filter.withCode && dieRanges(d).length === 0) return;
      out.push(subprogramFromDie(d));
    });
  }
  return out;
}

interface FunctionIndex {
  /** Code ranges of every subprogram, sorted by start. */
  starts: Float64Array;
  ends: Float64Array;
  dies: Die[];
  /** The longest range: how far back from pc a containing range can start. */
  maxLength: number;
}

const functionIndexes = new WeakMap<DwarfInfo, FunctionIndex>();

function functionIndex(info: DwarfInfo): FunctionIndex {
  let idx = functionIndexes.get(info);
  if (!idx) {
    const entries: { start: number; end: number; die: Die }[] = [];
    for (const u of info.units) {
      u.forEachDie([DW_TAG_subprogram], (d) => {
        for (const r of dieRanges(d)) entries.push({ start: r.start, end: r.end, die: d });
      });
    }
    entries.sort((a, b) => a.start - b.start);
    idx = {
      starts: Float64Array.from(entries, (e) => e.start),
      ends: Float64Array.from(entries, (e) => e.end),
      dies: entries.map((e) => e.die),
      maxLength: entries.reduce((m, e) => Math.max(m, e.end - e.start), 0),
    };
    functionIndexes.set(info, idx);
  }
  return idx;
}

/**
 * The function whose code contains `pc`: the innermost (shortest range) for
 * GNU C nested functions. The address index is built on the first call.
 */
export function findSubprogram(info: DwarfInfo, pc: number): Subprogram | undefined {
  const { starts, ends, dies, maxLength } = functionIndex(info);
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= pc) lo = mid + 1;
    else hi = mid;
  }
  let best = -1;
  for (let i = lo - 1; i >= 0 && starts[i]! >= pc - maxLength; i--) {
    if (pc < ends[i]! && (best < 0 || ends[i]! - starts[i]! < ends[best]! - starts[best]!)) best = i;
  }
  return best < 0 ? undefined : subprogramFromDie(dies[best]!);
}

/**
 * Global variables: DW_TAG_variable DIEs at unit level. A definition that
 * completes a declaration (DW_AT_specification) stands for both; a
 * declaration with no definition here (`extern int x;`) is listed with
 * declaration set.
 */
export function globalVariables(info: DwarfInfo): Variable[] {
  const out: Variable[] = [];
  for (const u of info.units) {
    const top = u.root.children.filter((c) => c.tag === DW_TAG_variable);
    const completed = new Set<number>();
    for (const d of top) {
      // A specification that is not a reference to a DIE (a corrupt form) completes nothing.
      const spec = d.has(DW_AT_specification) ? d.ref(DW_AT_specification) : undefined;
      if (spec) completed.add(spec.offset);
    }
    for (const d of top) if (!completed.has(d.offset)) out.push(variableFromDie(d));
  }
  return out;
}

/** The innermost inlined calls at `pc`, outermost first (what a debugger shows as inline frames). */
export function inlinedCallsAt(scope: Scope, pc: number): InlinedCall[] {
  const chain: InlinedCall[] = [];
  const visit = (s: Scope): void => {
    for (const c of s.inlined) {
      if (rangesContain(c.ranges, pc)) {
        chain.push(c);
        visit(c);
        return;
      }
    }
    for (const b of s.blocks) {
      if (rangesContain(b.ranges, pc)) {
        visit(b);
        return;
      }
    }
  };
  visit(scope);
  return chain;
}

/** Variables visible at `pc` in a function: parameters, then locals of every enclosing block, innermost last. */
export function variablesInScope(sub: Subprogram, pc: number): Variable[] {
  const out: Variable[] = [...sub.params, ...sub.variables];
  const visit = (s: Scope): void => {
    for (const b of s.blocks) {
      if (rangesContain(b.ranges, pc)) {
        out.push(...b.variables);
        visit(b);
      }
    }
  };
  visit(sub);
  return out;
}

/** The location expression that applies at `pc`, or undefined when the variable has none there. */
export function locationExprAt(loc: LocationAttribute | undefined, pc: number): Uint8Array | undefined {
  if (!loc) return undefined;
  if (loc.kind === 'expr') return loc.expr;
  return locationAt(loc.entries, pc)?.expr;
}

/** The frame base of `sub` at `pc` (DW_OP_call_frame_cfa, a register, ...), for DW_OP_fbreg. */
export function frameBaseAt(sub: Subprogram, pc: number, ctx: EvalContext): bigint | undefined {
  const expr = locationExprAt(sub.frameBase, pc);
  if (!expr) return undefined;
  const ops = decodeExpression(expr, { addressSize: sub.die.unit.address_size, file: sub.die.unit.info.file, section: '.debug_info' });
  return evaluateValue(ops, ctx, { file: sub.die.unit.info.file, what: `DW_AT_frame_base of ${sub.name ?? 'function'}` });
}

/**
 * Where a variable lives at `pc`. `ctx.frameBase` defaults to the frame base
 * of `sub`, and DW_OP_addrx to the unit's .debug_addr.
 */
export function locateVariable(v: Variable, pc: number, ctx: EvalContext, sub?: Subprogram): Location {
  if (v.constValue !== undefined && !v.location) {
    const cv = v.constValue;
    if (typeof cv === 'number' || typeof cv === 'bigint') return { kind: 'value', value: BigInt.asUintN(64, BigInt(cv)) };
    if (cv instanceof Uint8Array) return { kind: 'implicit', bytes: cv };
  }
  const expr = locationExprAt(v.location, pc);
  if (!expr) return { kind: 'unavailable', reason: 'optimized out' };
  const unit = v.die.unit;
  const full: EvalContext = { ...ctx };
  if (!full.frameBase && sub) full.frameBase = () => frameBaseAt(sub, pc, ctx);
  if (!full.indexedAddress) full.indexedAddress = (i: number) => unit.indexedAddress(i, v.die.offset);
  const ops = decodeExpression(expr, { addressSize: unit.address_size, file: unit.info.file, section: v.location?.kind === 'list' ? (unit.version >= 5 ? '.debug_loclists' : '.debug_loc') : '.debug_info' });
  return evaluateLocation(ops, full, { file: unit.info.file, what: `location of ${v.name ?? 'variable'}` });
}

