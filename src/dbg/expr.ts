// Expression evaluation for `print EXPR`, `call EXPR` and breakpoint
// conditions, the way GDB's `compile` command works (INCREMENTAL_LINK.md §3):
// the user's C expression is wrapped in a generated function, compiled by
// the real C compiler against declarations synthesized from the program's
// DWARF (src/dbg/cdecl.ts), appended to the live image and called on the
// stopped worker through a dummy frame. The C compiler decides what the
// expression means — its types, conversions, calls, assignments — so every
// C expression works, and calls into the program can stop at breakpoints
// (a nested stop).
//
// Simple forms need no compiler: names (locals, parameters, globals,
// functions, enumerators), literals, &x, *p, p->f, s.f, a[i], (x), -x and
// $registers are read straight from memory and registers with DWARF
// locations. Everything else goes to the compiled path.
//
// Compiled functions are cached by their source text. Locals at a fixed
// offset from the frame base (DW_OP_fbreg, what -O0 code uses) are written
// relative to a frame-base argument, so `print x` in a loop or a condition
// hit in every recursion level compiles once per function.

import { createHash } from 'node:crypto';
import { compileSource, compilerFamily, defaultCompiler } from '../cc/driver.js';
import {
  DW_ATE_boolean, DW_ATE_float, DW_ATE_signed, DW_ATE_signed_char, DW_ATE_unsigned, DW_ATE_unsigned_char, DW_ATE_UTF,
  DW_OP_addr, DW_OP_fbreg, DW_TAG_enumeration_type, DW_TAG_subprogram, DW_TAG_variable,
} from '../dwarf/constants.js';
import { EvalContext, Location, decodeExpression } from '../dwarf/expr.js';
import { readDebugInfo, sectionOffsetSymbolValue } from '../dwarf/index.js';
import { Die } from '../dwarf/info.js';
import { Variable, frameBaseAt, globalVariables, locateVariable, locationExprAt, variablesInScope } from '../dwarf/program.js';
import { ArrayType, BaseType, CType, EnumType, Member, PointerType, StructType, sizeOf, stripTypedefs, typeFromDie, typeOfDie } from '../dwarf/types.js';
import { ElfObject } from '../elf/object.js';
import { HotlinkError, hex, onlyInputError } from '../errors.js';
import { mallocNative, memoryView } from '../memory/native.js';
import { C_KEYWORDS, DeclBuilder, ProgramDeclarations, UnitSource, hexAddr, programDeclarations, restoreTagNames, usableName } from './cdecl.js';
import type { Debugger } from './debugger.js';
import type { DebugSession, StopEvent } from './session.js';
import { DWARF_REGS, Frame } from './unwind.js';
import type { FunctionInfo } from './view.js';

export type EvalResult =
  | { kind: 'value'; type: CType; bytes: Uint8Array; address?: number /* lvalue address when known */ }
  | { kind: 'void' }
  | { kind: 'stopped'; stop: StopEvent }; // a breakpoint inside a called function stopped the call (nested stop)

export interface EvaluateOptions {
  /** Frame level whose locals are visible (default: the debugger's selected frame). */
  frame?: number;
  /** Skip the no-compiler path (tests, or to force C semantics). */
  compileOnly?: boolean;
  /**
   * The value history (`print`'s $1, $2, …, oldest first), for `$N`, `$`,
   * `$$` and `$$N` in expressions. The REPL owns it.
   */
  history?: readonly HistoryValue[];
}

export interface HistoryValue {
  type: CType;
  bytes: Uint8Array;
}

/** Evaluates a C expression in the context of a frame of the stopped program. */
export async function evaluate(dbg: Debugger, text: string, opts: EvaluateOptions = {}): Promise<EvalResult> {
  const source = text.trim();
  if (!source) throw new HotlinkError('usage', 'Argument required (expression to compute).');
  const scope = scopeOf(dbg, opts.frame ?? dbg.selectedFrame);
  scope.history = opts.history;
  if (!opts.compileOnly) {
    const fast = fastEvaluate(dbg, scope, source);
    if (fast) return fast;
  }
  return compiledEvaluate(dbg, scope, source);
}

/** The C translation unit the compiled path would build for `text` (for inspection and tests). */
export function expressionSource(dbg: Debugger, text: string, opts: { frame?: number } = {}): string {
  const scope = scopeOf(dbg, opts.frame ?? dbg.selectedFrame);
  const prep = prepare(dbg, scope, text.trim());
  return functionSource(prep.header, prep.expr).replace(FN_PLACEHOLDER, '__hotlink_expr');
}

/**
 * A breakpoint condition: evaluates `text` in the innermost frame at each
 * hit; true (stop) when the value is non-zero — or when a call in it
 * stopped at a breakpoint of its own.
 */
export function conditionOf(dbg: Debugger, text: string): (s: DebugSession) => Promise<boolean> {
  return async () => {
    const r = await evaluate(dbg, text, { frame: 0 });
    if (r.kind === 'stopped') {
      // The breakpoint stops (as GDB's does), and says why the condition has no value.
      const why = r.stop.reason.kind === 'signal' ? `received signal ${r.stop.reason.signal}` : r.stop.reason.kind === 'breakpoint' ? `hit breakpoint ${r.stop.reason.id}` : `stopped (${r.stop.reason.kind})`;
      throw new HotlinkError('usage', `The program being debugged ${why} while in a function called from the condition '${text}'.`);
    }
    if (r.kind === 'void') throw new HotlinkError('usage', `the condition '${text}' has type void`);
    return truthy(r.type, r.bytes);
  };
}

/** C truth of a scalar value. */
export function truthy(type: CType, bytes: Uint8Array): boolean {
  const t = stripTypedefs(type);
  if (t.kind === 'struct' || t.kind === 'union' || t.kind === 'class' || t.kind === 'void') {
    throw new HotlinkError('usage', 'the condition is not a scalar value');
  }
  if (t.kind === 'base' && t.encoding === DW_ATE_float) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (t.byteSize === 4) return dv.getFloat32(0, true) !== 0;
    if (t.byteSize === 8) return dv.getFloat64(0, true) !== 0;
    // x87 extended (10 bytes used) or binary128: any bit other than the sign bit.
    const n = x87(t) ? 10 : t.byteSize;
    for (let i = 0; i < n; i++) if ((i === n - 1 ? bytes[i]! & 0x7f : bytes[i]!) !== 0) return true;
    return false;
  }
  const size = sizeOf(t) ?? bytes.length;
  for (let i = 0; i < Math.min(size, bytes.length); i++) if (bytes[i] !== 0) return true;
  return t.kind === 'function' || t.kind === 'array';
}

/** `long double` on x86-64: the x87 80-bit format in 16 bytes. */
function x87(t: BaseType): boolean {
  return t.byteSize >= 10 && /long double/.test(t.name);
}

// ---- The frame an expression sees ------------------------------------------------------------

interface Scope {
  level: number;
  frame?: Frame;
  /** The PC for scope and location lookups (pc-1 in callers: inside the call instruction). */
  pc: number;
  fn?: FunctionInfo;
  /** Visible parameters and locals, innermost last. */
  vars: Variable[];
  ctx: EvalContext;
  frameBase?: bigint;
  history?: readonly HistoryValue[];
}

function scopeOf(dbg: Debugger, level: number): Scope {
  const staticCtx: EvalContext = { readRegister: () => undefined, readMemory: (a, n) => readUint(dbg, a, n), addressSize: 8 };
  if (dbg.session.state !== 'stopped') return { level, pc: 0, vars: [], ctx: staticCtx };
  let frames = dbg.frames();
  const top = frames[0];
  if (!top || top.pc !== dbg.session.reg('rip') || top.regs[7] !== dbg.session.regBig('rsp')) {
    // The session moved on behind the Debugger's back (a call completed by session.continue()).
    forgetFrames(dbg);
    frames = dbg.frames();
  }
  const frame = frames[level];
  if (!frame) throw new HotlinkError('usage', `No frame at level ${level}.`);
  const pc = level > 0 ? frame.pc - 1 : frame.pc;
  const ctx: EvalContext = {
    readRegister: (r) => frame.regs[r],
    readMemory: (a, n) => readUint(dbg, a, n),
    cfa: () => (frame.cfa === undefined ? undefined : BigInt(frame.cfa)),
    addressSize: 8,
  };
  const scope: Scope = { level, frame, pc, vars: [], ctx };
  dbg.view.refresh();
  const fn = dbg.view.functionAt(pc);
  if (fn) {
    scope.fn = fn;
    try {
      scope.vars = variablesInScope(fn.sub, pc);
    } catch (e) {
      onlyInputError(e); // corrupt scope DIEs: no locals
      scope.vars = [];
    }
    try {
      scope.frameBase = frameBaseAt(fn.sub, pc, ctx);
    } catch (e) {
      onlyInputError(e); // an undecodable DW_AT_frame_base: locals via the frame base are unavailable
      scope.frameBase = undefined;
    }
    if (scope.frameBase !== undefined) {
      const fb = scope.frameBase;
      ctx.frameBase = () => fb;
    }
  }
  return scope;
}

function readUint(dbg: Debugger, address: bigint, size: number): bigint | undefined {
  const b = dbg.session.readMemory(Number(address), size);
  if (b.length < size) return undefined;
  return leToBig(b);
}

function leToBig(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

function bigToLe(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

// ---- Synthesized types -------------------------------------------------------------------------

// Literals and registers have no DIE; these types carry a placeholder that nothing reads.
const NO_DIE = undefined as unknown as Die;
const baseTypes = new Map<string, BaseType>();
function base(name: string, byteSize: number, encoding: number): BaseType {
  const key = `${name}/${byteSize}/${encoding}`;
  let t = baseTypes.get(key);
  if (!t) baseTypes.set(key, (t = { kind: 'base', name, byteSize, encoding, die: NO_DIE }));
  return t;
}
const INT = (): BaseType => base('int', 4, DW_ATE_signed);
const UINT = (): BaseType => base('unsigned int', 4, DW_ATE_unsigned);
const LONG = (): BaseType => base('long int', 8, DW_ATE_signed);
const ULONG = (): BaseType => base('long unsigned int', 8, DW_ATE_unsigned);
const CHAR = (): BaseType => base('char', 1, DW_ATE_signed_char);
const DOUBLE = (): BaseType => base('double', 8, DW_ATE_float);
const FLOAT = (): BaseType => base('float', 4, DW_ATE_float);

function pointerTo(target: CType): PointerType {
  return { kind: 'pointer', target, byteSize: 8, die: (target as { die?: Die }).die ?? NO_DIE };
}

const CODE_POINTER: PointerType = pointerTo({ kind: 'function', returnType: { kind: 'void' }, params: [], variadic: false, prototyped: false, die: NO_DIE });
const DATA_POINTER: PointerType = pointerTo({ kind: 'void' });

function isIntegral(t: CType): boolean {
  const s = stripTypedefs(t);
  if (s.kind === 'enum') return true;
  if (s.kind !== 'base') return false;
  return [DW_ATE_signed, DW_ATE_unsigned, DW_ATE_signed_char, DW_ATE_unsigned_char, DW_ATE_boolean, DW_ATE_UTF].includes(s.encoding);
}

function isSigned(t: CType): boolean {
  const s = stripTypedefs(t);
  if (s.kind === 'enum') {
    if (s.underlying) return isSigned(s.underlying);
    return s.enumerators.some((e) => BigInt(e.value) < 0n);
  }
  return s.kind === 'base' && (s.encoding === DW_ATE_signed || s.encoding === DW_ATE_signed_char);
}

// ---- Tokens ----------------------------------------------------------------------------------

interface Token {
  kind: 'id' | 'num' | 'char' | 'str' | 'reg' | 'punct';
  text: string;
  pos: number;
}

const PUNCT = /^(?:->|\+\+|--|&&|\|\||<<=?|>>=?|[<>=!+\-*/%&|^]=|\.\.\.|[()[\]{}.,;:?~!+\-*/%&|^<>=#@\\`])/;

/** C tokens of an expression (enough for the fast path and for finding names). */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^(?:[uUL]|u8)?'(?:[^'\\\n]|\\.)*'/.exec(rest))) out.push({ kind: 'char', text: m[0], pos: i });
    else if ((m = /^(?:[uUL]|u8)?"(?:[^"\\\n]|\\.)*"/.exec(rest))) out.push({ kind: 'str', text: m[0], pos: i });
    else if ((m = /^\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*/.exec(rest))) out.push({ kind: 'num', text: m[0], pos: i });
    else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) out.push({ kind: 'id', text: m[0], pos: i });
    else if ((m = /^\$\$?[A-Za-z0-9_]*/.exec(rest))) out.push({ kind: 'reg', text: m[0], pos: i });
    else if ((m = PUNCT.exec(rest))) out.push({ kind: 'punct', text: m[0], pos: i });
    else m = [c] as unknown as RegExpExecArray, out.push({ kind: 'punct', text: c, pos: i });
    i += m[0].length;
  }
  return out;
}

// ---- The fast path -----------------------------------------------------------------------------

/** The expression is not one of the simple forms: use the compiler. */
class NotSimple extends Error {}

interface Val {
  type: CType;
  address?: number;
  bytes?: Uint8Array;
}

function fastEvaluate(dbg: Debugger, scope: Scope, text: string): EvalResult | undefined {
  const toks = tokenize(text);
  // Quick reject: operators and forms the fast path does not do.
  for (const t of toks) {
    if (t.kind === 'str') return undefined;
    if (t.kind === 'punct' && !['(', ')', '[', ']', '.', '->', '&', '*', '-'].includes(t.text)) return undefined;
    if (t.kind === 'id' && (t.text === 'sizeof' || t.text === '_Alignof' || t.text === '__typeof__')) return undefined;
  }
  const p = new FastParser(dbg, scope, toks);
  try {
    const v = p.parse();
    const t = stripTypedefs(v.type);
    if (t.kind === 'function') {
      if (v.address === undefined) throw new NotSimple();
      return { kind: 'value', type: v.type, bytes: bigToLe(BigInt(v.address), 8), address: v.address };
    }
    const bytes = load(dbg, v);
    return v.address !== undefined ? { kind: 'value', type: v.type, bytes, address: v.address } : { kind: 'value', type: v.type, bytes };
  } catch (e) {
    if (e instanceof NotSimple) return undefined;
    throw e;
  }
}

function cannotAccess(address: number): HotlinkError {
  return new HotlinkError('usage', `Cannot access memory at address ${hex(address)}`);
}

/** The bytes of a value, read from memory for an lvalue. */
function load(dbg: Debugger, v: Val): Uint8Array {
  if (v.bytes) return v.bytes;
  const size = sizeOf(v.type);
  if (v.address === undefined) throw new NotSimple();
  if (size === undefined) {
    const t = stripTypedefs(v.type);
    if (t.kind === 'array') return new Uint8Array(0); // unknown length (a flexible array member)
    throw new NotSimple();
  }
  const b = dbg.session.readMemory(v.address, size);
  if (b.length < size) throw cannotAccess(v.address + b.length);
  return b;
}

function intOf(dbg: Debugger, v: Val): bigint {
  const bytes = load(dbg, v);
  const raw = leToBig(bytes.subarray(0, Math.min(8, bytes.length)));
  const bits = Math.min(8, bytes.length) * 8;
  return isSigned(v.type) ? BigInt.asIntN(bits, raw) : raw;
}

class FastParser {
  private i = 0;

  constructor(private readonly dbg: Debugger, private readonly scope: Scope, private readonly toks: Token[]) {}

  parse(): Val {
    if (!this.toks.length) throw new NotSimple();
    const v = this.unary();
    if (this.i !== this.toks.length) throw new NotSimple();
    return v;
  }

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private take(text: string): boolean {
    const t = this.toks[this.i];
    if (t && t.kind === 'punct' && t.text === text) {
      this.i++;
      return true;
    }
    return false;
  }

  private unary(): Val {
    if (this.take('&')) return this.addressOf(this.unary());
    if (this.take('*')) return this.deref(this.unary());
    if (this.take('-')) return this.negate(this.unary());
    return this.postfix();
  }

  private postfix(): Val {
    let v = this.primary();
    for (;;) {
      if (this.take('[')) {
        const idx = this.unary();
        if (!this.take(']')) throw new NotSimple();
        v = this.index(v, idx);
      } else if (this.take('.')) {
        v = this.member(v, this.ident(), false);
      } else if (this.take('->')) {
        v = this.member(v, this.ident(), true);
      } else return v;
    }
  }

  private ident(): string {
    const t = this.toks[this.i];
    if (!t || t.kind !== 'id') throw new NotSimple();
    this.i++;
    return t.text;
  }

  private primary(): Val {
    const t = this.peek();
    if (!t) throw new NotSimple();
    if (t.kind === 'punct' && t.text === '(') {
      this.i++;
      const v = this.unary();
      if (!this.take(')')) throw new NotSimple();
      return v;
    }
    this.i++;
    switch (t.kind) {
      case 'id': return this.name(t.text);
      case 'num': return numberLiteral(t.text);
      case 'char': return charLiteral(t.text);
      case 'reg': return this.register(t.text.slice(1));
      default: throw new NotSimple();
    }
  }

  /** A name: local or parameter of the frame, then a global or static, a function, an enumerator. */
  private name(name: string): Val {
    if (C_KEYWORDS.has(name)) throw new NotSimple(); // a cast or sizeof: the compiler's business
    const { dbg, scope } = this;
    for (let k = scope.vars.length - 1; k >= 0; k--) {
      const v = scope.vars[k]!;
      if (v.name !== name) continue;
      const loc = locateVariable(v, scope.pc, scope.ctx, scope.fn?.sub);
      return this.fromLocation(loc, v.type, name);
    }
    const global = globalNamed(dbg, scope.fn?.input, name);
    if (global) {
      const loc = locateVariable(global, 0, { readRegister: () => undefined, readMemory: scope.ctx.readMemory, addressSize: 8 });
      if (loc.kind !== 'memory') throw new NotSimple(); // thread-local and the like: let the compiler find it
      return { type: global.type, address: Number(loc.address) };
    }
    const body = dbg.view.functionAddress(name, false);
    if (body !== undefined) {
      const fn = dbg.view.functionAt(body);
      // The value of a function designator is what C code gets for it: a
      // reloadable function's stable entry (what the program's own function
      // pointers hold), else its code.
      const entry = dbg.jit.session.reloadFuncs.get(name)?.entryAddr;
      if (fn) return { type: typeFromDie(fn.sub.die), address: entry ?? body };
    }
    const en = enumeratorNamed(dbg, scope.fn?.input, name);
    if (en) return { type: en.type, bytes: bigToLe(BigInt(en.value), sizeOf(en.type) ?? 4) };
    throw new NotSimple();
  }

  private fromLocation(loc: Location, type: CType, name: string): Val {
    const size = sizeOf(type);
    switch (loc.kind) {
      case 'memory': return { type, address: Number(loc.address) };
      case 'value': return { type, bytes: bigToLe(loc.value, size ?? 8) };
      case 'implicit': {
        const b = new Uint8Array(size ?? loc.bytes.length);
        b.set(loc.bytes.subarray(0, b.length));
        return { type, bytes: b };
      }
      case 'register': return { type, bytes: this.registerBytes(loc.register, size ?? 8, name) };
      case 'pieces': {
        const out: number[] = [];
        for (const p of loc.pieces) {
          if (p.sizeBits % 8 || p.offsetBits) throw new NotSimple();
          const n = p.sizeBits / 8;
          const l = p.location;
          let b: Uint8Array;
          if (l.kind === 'memory') {
            b = this.dbg.session.readMemory(Number(l.address), n);
            if (b.length < n) throw cannotAccess(Number(l.address));
          } else if (l.kind === 'register') b = this.registerBytes(l.register, n, name);
          else if (l.kind === 'value') b = bigToLe(l.value, n);
          else if (l.kind === 'implicit') b = l.bytes.subarray(0, n);
          else throw new HotlinkError('usage', `value of '${name}' is not available (optimized out)`);
          out.push(...b);
        }
        return { type, bytes: Uint8Array.from(out) };
      }
      case 'unavailable':
        throw new HotlinkError('usage', `value of '${name}' is not available (${loc.reason})`);
      default:
        throw new NotSimple();
    }
  }

  /** Bytes of DWARF register `r` in the frame: general registers, or xmm0-15 (17-32) in the innermost frame. */
  private registerBytes(r: number, size: number, name: string): Uint8Array {
    const { frame } = this.scope;
    if (r <= 16) {
      const v = frame?.regs[r];
      if (v === undefined) throw new HotlinkError('usage', `value of '${name}' is not available (register not saved)`);
      return bigToLe(v, Math.min(size, 8));
    }
    if (r >= 17 && r <= 32 && this.scope.level === 0 && frame) return this.dbg.session.xmm(r - 17).slice(0, size);
    throw new HotlinkError('usage', `value of '${name}' is not available (register ${r})`);
  }

  /** `$pc`, `$sp`, `$fp`, `$rip`, `$rax`, `$eax`…: the selected frame's registers, typed like GDB's. */
  private register(name: string): Val {
    const h = historyValue(this.scope, name);
    if (h) return { type: h.type, bytes: h.bytes };
    const r = registerValue(this.dbg, this.scope, name);
    if (!r) throw new NotSimple();
    return { type: r.type, bytes: bigToLe(r.value, sizeOf(r.type) ?? 8) };
  }

  private addressOf(v: Val): Val {
    if (v.address === undefined) throw new HotlinkError('usage', 'Attempt to take address of value not located in memory.');
    return { type: pointerTo(v.type), bytes: bigToLe(BigInt(v.address), 8) };
  }

  private deref(v: Val): Val {
    const t = stripTypedefs(v.type);
    if (t.kind === 'pointer') {
      const target = stripTypedefs(t.target);
      if (target.kind === 'void') throw new HotlinkError('usage', 'Attempt to take contents of a non-pointer value.');
      return { type: t.target, address: Number(BigInt.asUintN(64, intOf(this.dbg, v))) };
    }
    if (t.kind === 'array') return this.index(v, { type: INT(), bytes: bigToLe(0n, 4) });
    if (t.kind === 'function') return v;
    throw new NotSimple();
  }

  private negate(v: Val): Val {
    const t = stripTypedefs(v.type);
    if (t.kind === 'base' && t.encoding === DW_ATE_float) {
      const b = Uint8Array.from(load(this.dbg, v));
      const signByte = x87(t) ? 9 : t.byteSize - 1;
      b[signByte]! ^= 0x80;
      return { type: v.type, bytes: b };
    }
    if (!isIntegral(v.type)) throw new NotSimple();
    const size = sizeOf(v.type) ?? 4;
    // Integer promotion: narrower than int (and enums) become int.
    const type: CType = size < 4 || t.kind === 'enum' ? INT() : v.type;
    const outSize = sizeOf(type) ?? 4;
    return { type, bytes: bigToLe(-intOf(this.dbg, v), outSize) };
  }

  private index(v: Val, idx: Val): Val {
    if (!isIntegral(idx.type)) throw new NotSimple();
    const i = Number(intOf(this.dbg, idx));
    const t = stripTypedefs(v.type);
    if (t.kind === 'array') {
      if (t.vector) throw new NotSimple();
      const element: CType = t.dims.length > 1 ? ({ ...t, dims: t.dims.slice(1) } as ArrayType) : t.element;
      const size = sizeOf(element);
      if (!size) throw new NotSimple();
      if (v.address !== undefined) return { type: element, address: v.address + i * size };
      const bytes = load(this.dbg, v);
      if (i < 0 || (i + 1) * size > bytes.length) throw new HotlinkError('usage', `no such vector element`);
      return { type: element, bytes: bytes.slice(i * size, (i + 1) * size) };
    }
    if (t.kind === 'pointer') {
      const size = sizeOf(t.target);
      if (!size) throw new NotSimple();
      return { type: t.target, address: Number(BigInt.asUintN(64, intOf(this.dbg, v) + BigInt(i * size))) };
    }
    throw new NotSimple();
  }

  private member(v: Val, name: string, arrow: boolean): Val {
    let obj = v;
    if (arrow) {
      const t = stripTypedefs(v.type);
      if (t.kind !== 'pointer') throw new NotSimple();
      obj = { type: t.target, address: Number(BigInt.asUintN(64, intOf(this.dbg, v))) };
    }
    const st = stripTypedefs(obj.type);
    if (st.kind !== 'struct' && st.kind !== 'union') throw new NotSimple();
    const found = findMember(st, name);
    if (!found) throw new NotSimple(); // the compiler says "has no member named"
    const { member: m, offset } = found;
    if (m.bitSize !== undefined) {
      const bitStart = found.bitBase + (m.bitOffset ?? m.offset * 8);
      const first = Math.floor(bitStart / 8);
      const last = Math.ceil((bitStart + m.bitSize) / 8);
      let raw: Uint8Array;
      if (obj.address !== undefined) {
        raw = this.dbg.session.readMemory(obj.address + first, last - first);
        if (raw.length < last - first) throw cannotAccess(obj.address + first);
      } else raw = load(this.dbg, obj).slice(first, last);
      let x = (leToBig(raw) >> BigInt(bitStart - first * 8)) & ((1n << BigInt(m.bitSize)) - 1n);
      if (isSigned(m.type)) x = BigInt.asIntN(m.bitSize, x);
      return { type: m.type, bytes: bigToLe(x, sizeOf(m.type) ?? 4) };
    }
    if (obj.address !== undefined) return { type: m.type, address: obj.address + offset };
    const size = sizeOf(m.type);
    if (size === undefined) throw new NotSimple();
    return { type: m.type, bytes: load(this.dbg, obj).slice(offset, offset + size) };
  }
}

/** `$N` (absolute), `$` (the last), `$$` (the one before) and `$$N` (N back) of the value history; undefined for other names. */
function historyValue(scope: Scope, name: string): HistoryValue | undefined {
  const h = scope.history;
  let index: number;
  if (/^\d+$/.test(name)) index = Number(name) - 1;
  else if (name === '') index = (h?.length ?? 0) - 1;
  else if (/^\$\d*$/.test(name)) index = (h?.length ?? 0) - 1 - (name.length > 1 ? Number(name.slice(1)) : 1);
  else return undefined;
  if (!h) throw new NotSimple();
  const v = h[index];
  if (!v) throw new HotlinkError('usage', h.length === 0 ? 'History is empty.' : `History has not yet reached $${index + 1}.`);
  if (stripTypedefs(v.type).kind === 'void') throw new HotlinkError('usage', `$${index + 1} is void`);
  return v;
}

/** History values copied to native memory once each (so a compiled expression over $N stays the same source). */
const historyCopies = new WeakMap<HistoryValue, number>();
function historyAddress(v: HistoryValue): number {
  let a = historyCopies.get(v);
  if (a === undefined) {
    a = mallocNative(Math.max(1, v.bytes.length));
    memoryView(a, Math.max(1, v.bytes.length)).set(v.bytes);
    historyCopies.set(v, a);
  }
  return a;
}

const REGISTER_ALIASES: Record<string, string> = { pc: 'rip', sp: 'rsp', fp: 'rbp' };
const LOW32: Record<string, string> = {
  eax: 'rax', ebx: 'rbx', ecx: 'rcx', edx: 'rdx', esi: 'rsi', edi: 'rdi', ebp: 'rbp', esp: 'rsp',
  r8d: 'r8', r9d: 'r9', r10d: 'r10', r11d: 'r11', r12d: 'r12', r13d: 'r13', r14d: 'r14', r15d: 'r15',
};

/**
 * A register of the scope's frame by GDB name, with GDB's type: $pc/$rip
 * `void (*)()`, $sp/$fp/$rsp/$rbp `void *`, other 64-bit registers `long`,
 * $eax… and $eflags `int`. undefined for a name that is no register.
 */
function registerValue(dbg: Debugger, scope: Scope, name: string): { value: bigint; type: CType } | undefined {
  const reg = REGISTER_ALIASES[name] ?? name;
  const wide = LOW32[reg] ?? reg;
  if (reg !== 'eflags' && DWARF_REGS[wide] === undefined) return undefined;
  const { frame, level } = scope;
  if (!frame) throw new HotlinkError('usage', 'No registers.');
  if (reg === 'eflags') {
    if (level !== 0) throw new HotlinkError('usage', `value of '$${name}' is not available in frame ${level}`);
    return { value: dbg.session.regBig('eflags'), type: INT() };
  }
  const n = DWARF_REGS[wide]!;
  const v = n === 16 ? BigInt(frame.pc) : n === 7 && frame.regs[7] === undefined && frame.cfa !== undefined && level > 0 ? BigInt(frame.cfa) : frame.regs[n];
  if (v === undefined) throw new HotlinkError('usage', `value of '$${name}' is not available in frame ${level} (not saved)`);
  if (wide !== reg) return { value: BigInt.asIntN(32, v), type: INT() };
  return { value: v, type: reg === 'rip' ? CODE_POINTER : reg === 'rsp' || reg === 'rbp' ? DATA_POINTER : LONG() };
}

/** A member by name, looking into anonymous struct/union members; offset from the outer object. */
function findMember(t: StructType, name: string): { member: Member; offset: number; bitBase: number } | undefined {
  for (const m of t.members) {
    if (m.name === name) return { member: m, offset: m.offset, bitBase: 0 };
    if (m.name === undefined) {
      const inner = stripTypedefs(m.type);
      if (inner.kind === 'struct' || inner.kind === 'union') {
        const r = findMember(inner, name);
        if (r) return { member: r.member, offset: m.offset + r.offset, bitBase: m.offset * 8 + r.bitBase };
      }
    }
  }
  return undefined;
}

function numberLiteral(text: string): Val {
  const int = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uU]?(?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU])$/.exec(text);
  if (int) {
    const digits = int[1]!;
    const value = /^0[0-7]+$/.test(digits) ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
    const suffix = int[2]!.toLowerCase();
    const unsigned = suffix.includes('u');
    const long = suffix.includes('l');
    const decimal = /^[1-9]/.test(digits) || digits === '0';
    const candidates: BaseType[] = [];
    if (!long) {
      if (!unsigned) candidates.push(INT());
      if (unsigned || !decimal) candidates.push(UINT());
    }
    if (!unsigned) candidates.push(LONG());
    if (unsigned || !decimal) candidates.push(ULONG());
    for (const t of candidates) {
      const bits = BigInt(t.byteSize * 8);
      const max = t.encoding === DW_ATE_signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
      if (value <= max) return { type: t, bytes: bigToLe(value, t.byteSize) };
    }
    throw new NotSimple();
  }
  const fl = /^((?:[0-9]*\.[0-9]+|[0-9]+\.?)(?:[eE][+-]?[0-9]+)?)([fF]?)$/.exec(text);
  if (fl && /[.eE]/.test(fl[1]!)) {
    const x = Number(fl[1]);
    if (fl[2]) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, x, true);
      return { type: FLOAT(), bytes: b };
    }
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, true);
    return { type: DOUBLE(), bytes: b };
  }
  throw new NotSimple();
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, e: 27, '\\': 92, "'": 39, '"': 34, '?': 63 };

/** 'a', '\n', '\0', '\x41', '\101' → char (as GDB types C character literals). */
function charLiteral(text: string): Val {
  const m = /^'(.*)'$/.exec(text);
  if (!m) throw new NotSimple();
  const body = m[1]!;
  let code: number;
  if (body.length === 1 && body !== '\\') code = body.charCodeAt(0);
  else if (body[0] === '\\' && body.length === 2 && ESCAPES[body[1]!] !== undefined) code = ESCAPES[body[1]!]!;
  else if (/^\\[0-7]{1,3}$/.test(body)) code = parseInt(body.slice(1), 8);
  else if (/^\\x[0-9a-fA-F]{1,2}$/.test(body)) code = parseInt(body.slice(2), 16);
  else throw new NotSimple();
  if (code > 255) throw new NotSimple();
  return { type: CHAR(), bytes: Uint8Array.of(code) };
}

const globalsByInfo = new WeakMap<object, Map<string, Variable>>();

/** A global or file-static variable definition: the frame's own unit first, then any. */
function globalNamed(dbg: Debugger, input: number | undefined, name: string): Variable | undefined {
  if (input !== undefined) {
    const d = dbg.view.debugInfo(input);
    if (d) {
      let m = globalsByInfo.get(d.info);
      if (!m) {
        m = new Map();
        try {
          for (const v of globalVariables(d.info)) if (v.name && !v.declaration && !m.has(v.name)) m.set(v.name, v);
        } catch (e) {
          onlyInputError(e); // unreadable: fall through to the view's search
        }
        globalsByInfo.set(d.info, m);
      }
      const v = m.get(name);
      if (v) return v;
    }
  }
  return dbg.view.globalVariable(name)?.variable;
}

const enumeratorsByInfo = new WeakMap<object, Map<string, { type: EnumType; value: number | bigint }>>();

/** An enumeration constant (typed by its enum, as GDB does): the frame's unit first. */
function enumeratorNamed(dbg: Debugger, input: number | undefined, name: string): { type: EnumType; value: number | bigint } | undefined {
  const order = programInputs(dbg, input);
  for (const i of order) {
    const d = dbg.view.debugInfo(i);
    if (!d) continue;
    let m = enumeratorsByInfo.get(d.info);
    if (!m) {
      const map = new Map<string, { type: EnumType; value: number | bigint }>();
      try {
        for (const u of d.info.units) {
          u.forEachDie([DW_TAG_enumeration_type], (die) => {
            const t = typeFromDie(die);
            if (t.kind !== 'enum') return;
            for (const e of t.enumerators) if (!map.has(e.name)) map.set(e.name, { type: t, value: e.value });
          });
        }
      } catch (e) {
        onlyInputError(e); // unreadable unit: its enumerators are left out
      }
      enumeratorsByInfo.set(d.info, (m = map));
    }
    const hit = m.get(name);
    if (hit) return hit;
  }
  return undefined;
}

// ---- The compiled path -------------------------------------------------------------------------

interface CompiledExpr {
  name: string;
  address: number;
  /** The expression's type (void for a void expression). */
  type: CType;
}

interface ExprState {
  /** Compiled functions by a hash of their source text (with the function name left out). */
  compiled: Map<string, CompiledExpr>;
  /** Program-wide declarations by the unit that goes first (the selected frame's), for one image generation. */
  headers: Map<number | undefined, ProgramDeclarations>;
  headerGeneration: number;
  /** Prepared sources by image generation, unit, PC and text (only those that do not depend on the frame). */
  prepared: Map<string, Prepared>;
  scratch?: { address: number; size: number };
}

const states = new WeakMap<Debugger, ExprState>();
let exprCount = 0;

function stateOf(dbg: Debugger): ExprState {
  let s = states.get(dbg);
  if (!s) states.set(dbg, (s = { compiled: new Map(), headers: new Map(), headerGeneration: -1, prepared: new Map() }));
  return s;
}

const EXPR_FILE_PREFIX = '__hotlink_expr_';

/** Inputs whose DWARF describes the program (not the runtimes, not our own expressions), `first` first. */
function programInputs(dbg: Debugger, first: number | undefined): number[] {
  const inputs = dbg.jit.session.inputs;
  const out: number[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const file = inputs[i]!.file;
    if (/^hotlink-(debug-)?runtime\.o$/.test(file) || file.startsWith(EXPR_FILE_PREFIX)) continue;
    if (i === first) out.unshift(i);
    else out.push(i);
  }
  return out;
}

/** The program-wide declarations for the current image, cached until the image changes (our own appends aside). */
function programHeader(dbg: Debugger, first: number | undefined): ProgramDeclarations {
  const st = stateOf(dbg);
  const gen = dbg.jit.generation;
  if (st.headerGeneration !== gen) {
    st.headers.clear();
    st.headerGeneration = gen;
  }
  const cached = st.headers.get(first);
  if (cached) return cached;
  dbg.view.refresh();
  const units: UnitSource[] = [];
  for (const i of programInputs(dbg, first)) {
    const d = dbg.view.debugInfo(i);
    if (!d) continue;
    units.push({ info: d.info, inactive: (a) => dbg.jit.addrToSym(a)?.active === false });
  }
  const decls = programDeclarations(units);
  st.headers.set(first, decls);
  return decls;
}

interface Prepared {
  /** Declarations (program-wide plus the frame's local types). */
  header: string;
  /** The user's expression with bound names replaced. */
  expr: string;
  /** Column in `expr` (0-based) → column in the user's text. */
  columnMap: number[];
  /** The user's text. */
  text: string;
}

/**
 * Bindings for the frame's locals: frame-base relative where DWARF says
 * DW_OP_fbreg, by address for static locals (DW_OP_addr), else by the value
 * or address they have in this frame now (then `frameSpecific` is set).
 */
function localBindings(b: DeclBuilder, scope: Scope): { bindings: Map<string, string>; frameSpecific: boolean } {
  const out = new Map<string, string>();
  let frameSpecific = false;
  for (const v of scope.vars) {
    const name = v.name;
    if (!usableName(name)) continue;
    let text: string | undefined;
    try {
      const expr = locationExprAt(v.location, scope.pc);
      const ops = expr ? decodeExpression(expr, { addressSize: v.die.unit.address_size }) : [];
      if (ops.length === 1 && ops[0]!.op === DW_OP_fbreg && scope.frameBase !== undefined) {
        const ptr = b.pointerTo(v.type);
        const off = Number(ops[0]!.operands[0]);
        if (ptr) text = `(*(${ptr})(__hotlink_fb ${off < 0 ? '-' : '+'} ${Math.abs(off)}))`;
      } else {
        if (!(ops.length === 1 && ops[0]!.op === DW_OP_addr)) frameSpecific = true;
        const loc = locateVariable(v, scope.pc, scope.ctx, scope.fn?.sub);
        if (loc.kind === 'memory') {
          const ptr = b.pointerTo(v.type);
          if (ptr) text = `(*(${ptr})${hexAddr(loc.address)})`;
        } else if (loc.kind === 'value' || loc.kind === 'register') {
          const t = stripTypedefs(v.type);
          const scalar = t.kind === 'pointer' || isIntegral(t);
          const value = loc.kind === 'value' ? loc.value : scope.frame?.regs[loc.register];
          const cast = scalar ? b.typeText(v.type) : undefined;
          if (cast && value !== undefined) text = `((${cast})${hexAddr(BigInt.asUintN(64, value))}L)`;
        }
      }
    } catch (e) {
      onlyInputError(e); // an undecodable location: the name stays unavailable
      text = undefined;
    }
    // An inner variable that cannot be reached still hides outer ones (as in C).
    out.set(name, text ?? `__hotlink_unavailable_${name}`);
  }
  return { bindings: out, frameSpecific };
}

/** Replaces bound identifiers in the user's expression (not member names, not tags). */
function substitute(text: string, bindings: Map<string, string>): { expr: string; columnMap: number[] } {
  const toks = tokenize(text);
  let expr = '';
  const columnMap: number[] = [];
  let at = 0;
  const copy = (upto: number): void => {
    for (; at < upto; at++) {
      columnMap.push(at);
      expr += text[at]!;
    }
  };
  toks.forEach((t, k) => {
    if (t.kind !== 'id' && t.kind !== 'reg') return;
    const rep = bindings.get(t.text);
    if (rep === undefined) return;
    const prev = toks[k - 1];
    if (prev && ((prev.kind === 'punct' && (prev.text === '.' || prev.text === '->')) || (prev.kind === 'id' && ['struct', 'union', 'enum'].includes(prev.text)))) return;
    copy(t.pos);
    for (let j = 0; j < rep.length; j++) columnMap.push(t.pos);
    expr += rep;
    at = t.pos + t.text.length;
  });
  copy(text.length);
  columnMap.push(text.length);
  return { expr, columnMap };
}

function prepare(dbg: Debugger, scope: Scope, text: string): Prepared {
  // The same text at the same PC of the same image prepares the same way, unless a local was bound by its value now.
  const st = stateOf(dbg);
  const key = `${dbg.jit.generation}\0${scope.fn?.input ?? ''}\0${scope.fn ? scope.pc : ''}\0${text}`;
  const hit = st.prepared.get(key);
  if (hit) return hit;
  const program = programHeader(dbg, scope.fn?.input);
  const b = program.builder.fork();
  const { bindings: locals, frameSpecific } = localBindings(b, scope);
  const bindings = new Map(program.bindings);
  for (const [k, v] of locals) bindings.set(k, v);
  let usesRegisters = false;
  for (const t of tokenize(text)) {
    if (t.kind !== 'reg') continue;
    let h: HistoryValue | undefined;
    try {
      h = historyValue(scope, t.text.slice(1));
    } catch (e) {
      if (!(e instanceof NotSimple)) throw e;
    }
    if (h) {
      // A copy in native memory, read as an object of its type (the type spelled with the program's declarations).
      const ptr = b.pointerTo(h.type);
      if (ptr) {
        bindings.set(t.text, `(*(${ptr})${hexAddr(historyAddress(h))})`);
        usesRegisters = true;
      }
      continue;
    }
    const r = registerValue(dbg, scope, t.text.slice(1));
    if (!r) continue;
    const cast = r.type === CODE_POINTER ? 'void (*)()' : r.type === DATA_POINTER ? 'void *' : r.type === INT() ? 'int' : 'long';
    bindings.set(t.text, `((${cast})${hexAddr(BigInt.asUintN(64, r.value))}L)`);
    usesRegisters = true;
  }
  if (/\b(NULL|offsetof|size_t|ptrdiff_t|wchar_t|max_align_t)\b/.test(text)) b.raw('#include <stddef.h>');
  if (/\b(bool|true|false)\b/.test(text) && !b.declares('bool')) b.raw('#include <stdbool.h>');
  if (/\berrno\b/.test(text) && !b.declares('errno') && !bindings.has('errno')) b.raw('#include <errno.h>');
  const { expr, columnMap } = substitute(text, bindings);
  const prep: Prepared = { header: b.text(), expr, columnMap, text };
  if (!frameSpecific && !usesRegisters) {
    if (st.prepared.size >= 256) st.prepared.clear();
    st.prepared.set(key, prep);
  }
  return prep;
}

const FN_PLACEHOLDER = '@FN@';

/** The generated function: typeof gives the type (read back from DWARF), the value goes to __hotlink_out. */
function functionSource(header: string, expr: string): string {
  const headerLines = header.split('\n').length;
  let line = headerLines + 1;
  const lines: string[] = [];
  const code = (s: string): void => {
    lines.push(s);
    line++;
  };
  const user = (before: string, after: string): void => {
    code(before);
    lines.push('#line 1 "<expression>"', expr, `#line ${line + 3} "<hotlink>"`);
    line += 3;
    code(after);
  };
  code(`void ${FN_PLACEHOLDER}(void *__hotlink_out, char *__hotlink_fb, void **__hotlink_addr, unsigned long __hotlink_cap) {`);
  code('  (void)__hotlink_fb;');
  user('  __typeof__(', '  ) *__hotlink_type = 0;');
  code('  __auto_type __hotlink_v = __builtin_choose_expr(__builtin_types_compatible_p(__typeof__(*__hotlink_type), void),');
  user('    ((', '    ), 0),');
  user('    (', '    ));');
  code('  if (__builtin_types_compatible_p(__typeof__(*__hotlink_type), void)) return;');
  code('  if (__builtin_types_compatible_p(__typeof__(*__hotlink_type), __typeof__(__hotlink_v))) {');
  code('    if (sizeof __hotlink_v <= __hotlink_cap) __builtin_memcpy(__hotlink_out, &__hotlink_v, sizeof __hotlink_v);');
  code('  }');
  code('  else /* an array or a function: where it is */');
  code('    __builtin_memcpy(__hotlink_addr, &__hotlink_v, sizeof(void *));');
  code('}');
  return `${header}\n${lines.join('\n')}\n`;
}

/**
 * The compiler's messages about the user's expression, located in it
 * (`<expression>:1:COL: error: …`). Follow-on errors in the generated
 * wrapper are dropped; when the expression itself is incomplete (`x =`) the
 * first wrapper error is reported at the expression's end.
 */
function expressionDiagnostics(text: string, columnMap: number[], shift: number, userText: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  const wrapper: string[] = [];
  const other: string[] = [];
  const add = (msg: string): void => {
    msg = msg.replace(/(\S)__hotlink_unavailable_(\w+)(\S) undeclared.*$/, '$1$2$3 is not available in this frame (optimized out)');
    if (!seen.has(msg)) {
      seen.add(msg);
      out.push(msg);
    }
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    let m: RegExpExecArray | null;
    if ((m = /^<expression>:(\d+):(\d+): (.*)$/.exec(line))) {
      const col = Number(m[2]) - 1 - shift;
      const orig = (columnMap[Math.max(0, Math.min(col, columnMap.length - 1))] ?? 0) + 1;
      add(`<expression>:1:${orig}: ${m[3]}`);
    } else if ((m = /^<hotlink>:\d+:\d+: (error: .*)$/.exec(line))) {
      if (!/__hotlink_/.test(m[1]!)) wrapper.push(m[1]!);
    } else if ((m = /^[^<][^:]*:\d+:\d+: (note: .*)$/.exec(line))) {
      add(m[1]!); // a note about a declaration of the program (`declared here`)
    } else if (/\berror\b/.test(line)) other.push(line);
  }
  if (out.some((l) => /^<expression>.*\berror\b/.test(l))) return out.join('\n');
  if (wrapper.length) return `<expression>:1:${userText.length + 1}: ${wrapper[0]}`;
  return [...out, ...other.slice(0, 20)].join('\n') || text.trim();
}

function compileFlags(cc: string): string[] {
  // Lenient like gdb: a call of a function nobody declared is an int-returning call (newer compilers make that an error).
  const flags = ['-O0', '-w', '-Wno-error=implicit-function-declaration', '-Wno-error=int-conversion', '-Wno-error=incompatible-pointer-types'];
  const family = compilerFamily(cc);
  if (family === 'gcc') flags.push('-fpermissive', '-fno-diagnostics-show-caret', '-fdiagnostics-color=never');
  else if (family === 'clang') flags.push('-fno-caret-diagnostics', '-fno-color-diagnostics');
  return flags;
}

/** The compiler the image was built with (the Jit's `cc` option), else the default. */
function compilerOf(dbg: Debugger): string {
  // Jit keeps its options private; read the one field we need without widening its API.
  const opts = (dbg.jit as unknown as { opts?: { cc?: string } }).opts;
  return opts?.cc ?? defaultCompiler();
}

/** Compiles, checks and appends the expression's function; cached by source text. */
async function compileExpression(dbg: Debugger, prep: Prepared): Promise<CompiledExpr> {
  const st = stateOf(dbg);
  let shift = 0;
  let expr = prep.expr;
  for (let attempt = 0; ; attempt++) {
    const text = functionSource(prep.header, expr);
    const key = createHash('sha256').update(text).digest('hex');
    const hit = st.compiled.get(key);
    if (hit) return hit;
    let name: string;
    do name = `${EXPR_FILE_PREFIX}${++exprCount}`;
    while (dbg.jit.lookup(name) !== undefined);
    const source = text.replace(FN_PLACEHOLDER, name);
    const cc = compilerOf(dbg);
    let diagnostics = '';
    let bytes: Uint8Array;
    try {
      const obj = await compileSource(source, `${name}.c`, { cc, flags: compileFlags(cc), defaults: ['-g', '-fPIC'], onDiagnostics: (t) => (diagnostics += t) });
      bytes = obj.bytes;
    } catch (e) {
      if (!(e instanceof HotlinkError) || e.kind !== 'compile') throw e;
      if (attempt === 0 && /bit-field/.test(diagnostics)) {
        // typeof and __auto_type refuse bit fields: take the (promoted) value instead.
        expr = `(${prep.expr})+0`;
        shift = 1;
        continue;
      }
      throw new HotlinkError('compile', expressionDiagnostics(diagnostics, prep.columnMap, shift, prep.text));
    }
    const type = resultType(bytes, name);
    const before = dbg.jit.generation;
    try {
      await dbg.jit.append([{ bytes, name: `${name}.o` }]);
    } catch (e) {
      // A name the compiler took for an implicitly declared function that nothing defines.
      const missing = e instanceof HotlinkError && e.kind === 'unresolved' ? [...e.message.matchAll(/^\s+(\S+), referenced by/gm)].map((m) => m[1]!) : [];
      if (missing.length) throw new HotlinkError('unresolved', missing.map((n) => `No symbol "${n}" in current context.`).join('\n'));
      throw e;
    }
    if (st.headerGeneration === before) st.headerGeneration = dbg.jit.generation; // our code declares nothing the program sees
    dbg.view.refresh();
    const address = dbg.jit.lookup(name);
    if (address === undefined) throw new Error(`${name} was appended but is not in the image`);
    const c: CompiledExpr = { name, address, type };
    st.compiled.set(key, c);
    return c;
  }
}

/** The type of the expression: what `__hotlink_type` (declared `__typeof__(EXPR) *`) points to, read from the object's DWARF. */
function resultType(bytes: Uint8Array, fnName: string): CType {
  const elf = new ElfObject(bytes, `${fnName}.o`);
  const d = readDebugInfo(elf, sectionOffsetSymbolValue(elf));
  let found: CType | undefined;
  for (const u of d.info.units) {
    u.forEachDie([DW_TAG_subprogram], (sub) => {
      if (found || sub.name !== fnName) return;
      for (const c of sub.children) {
        if (c.tag === DW_TAG_variable && c.name === '__hotlink_type') {
          const p = typeOfDie(c);
          if (p.kind === 'pointer') found = p.target;
        }
      }
    });
  }
  if (!found) throw new HotlinkError('compile', `${fnName}: the compiler emitted no type for the expression (was it built with -g?)`);
  restoreTagNames(found);
  return found;
}

/** A native buffer for results: reused, unless a call is already in progress (a nested stop may still write into it). */
function resultBuffer(dbg: Debugger, size: number): number {
  const st = stateOf(dbg);
  if (dbg.session.callDepth > 0) return mallocNative(size);
  if (!st.scratch || st.scratch.size < size) st.scratch = { address: mallocNative(Math.max(size, 256)), size: Math.max(size, 256) };
  return st.scratch.address;
}

async function compiledEvaluate(dbg: Debugger, scope: Scope, text: string): Promise<EvalResult> {
  const state = dbg.session.state;
  if (state !== 'stopped') {
    throw new HotlinkError('usage', state === 'running' ? 'the program is running; interrupt it first' : "You can't do that without a process to debug.");
  }
  const prep = prepare(dbg, scope, text);
  const c = await compileExpression(dbg, prep);
  const t = stripTypedefs(c.type);
  const valueSize = t.kind === 'void' || t.kind === 'function' || t.kind === 'array' ? 0 : sizeOf(c.type) ?? 0;
  const capacity = Math.max(16, valueSize);
  const out = resultBuffer(dbg, 16 + capacity);
  memoryView(out, 16 + capacity).fill(0);
  const r = await dbg.session.callFunction(c.address, [out + 16, Number(scope.frameBase ?? 0n), out, capacity]);
  if ('stop' in r) {
    forgetFrames(dbg);
    return { kind: 'stopped', stop: r.stop };
  }
  if (t.kind === 'void') return { kind: 'void' };
  if (t.kind === 'function' || t.kind === 'array') {
    const address = Number(leToBig(Uint8Array.from(memoryView(out, 8))));
    if (t.kind === 'function') return { kind: 'value', type: c.type, bytes: bigToLe(BigInt(address), 8), address };
    const size = sizeOf(c.type) ?? 0;
    const bytes = dbg.session.readMemory(address, size);
    if (bytes.length < size) throw cannotAccess(address + bytes.length);
    return { kind: 'value', type: c.type, bytes, address };
  }
  return { kind: 'value', type: c.type, bytes: Uint8Array.from(memoryView(out + 16, valueSize)) };
}

/**
 * After a nested stop the stack has the called function on top; the
 * Debugger's frame cache is private and only reset by its own stop
 * handling, so it is dropped here (Debugger has no public hook for it).
 */
function forgetFrames(dbg: Debugger): void {
  (dbg as unknown as { frameCache?: unknown }).frameCache = undefined;
  dbg.selectedFrame = 0;
}
