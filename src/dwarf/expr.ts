// DWARF expressions (DWARF 5 §2.5-2.6): a stack machine over 64-bit values
// that says where a variable lives — memory, a register, a computed value,
// literal bytes, or pieces of those. decodeExpression() turns bytes into
// DW_OP_* operations; evaluateLocation() runs them against the caller's
// register and memory readers, with bigint arithmetic modulo 2^64.

import { HotlinkError, hex } from '../errors.js';
import * as C from './constants.js';
import { DwarfCursor } from './cursor.js';
import { opName } from './names.js';

export type DwarfOperand = number | bigint | Uint8Array;

export interface DwarfOp {
  /** Offset of the opcode inside the expression. */
  offset: number;
  /** DW_OP_* */
  op: number;
  operands: DwarfOperand[];
  /** Offset just past the operation (where the next one starts). */
  next: number;
}

export interface ExpressionOptions {
  /** Target address size in bytes (8 on x86-64). */
  addressSize: number;
  /** Size of a DW_OP_call_ref / implicit_pointer reference (4 in 32-bit DWARF; address size in DWARF 2). */
  refSize?: number;
  /** For messages: where the expression came from. */
  file?: string;
  section?: string;
  /** Offset of the expression's first byte in `section`, for messages. */
  base?: number;
}

/** Decodes an expression into operations. Malformed bytes throw HotlinkError('malformed-input'). */
export function decodeExpression(bytes: Uint8Array, opts: ExpressionOptions): DwarfOp[] {
  const c = new DwarfCursor(bytes, opts.file ?? '<expression>', opts.section ?? 'location expression', 0, bytes.length, opts.base ?? 0);
  const ops: DwarfOp[] = [];
  const refSize = opts.refSize ?? 4;
  while (c.pos < c.end) {
    const offset = c.pos;
    const op = c.u8('opcode');
    const operands: DwarfOperand[] = [];
    if (op >= C.DW_OP_lit0 && op <= C.DW_OP_lit31) {
      // no operands
    } else if (op >= C.DW_OP_reg0 && op <= C.DW_OP_reg31) {
      // no operands
    } else if (op >= C.DW_OP_breg0 && op <= C.DW_OP_breg31) {
      operands.push(c.slebValue('DW_OP_breg offset'));
    } else {
      switch (op) {
        case C.DW_OP_addr: operands.push(c.address(opts.addressSize, 'DW_OP_addr operand')); break;
        case C.DW_OP_const1u: operands.push(c.u8()); break;
        case C.DW_OP_const1s: operands.push(c.i8()); break;
        case C.DW_OP_const2u: operands.push(c.u16()); break;
        case C.DW_OP_const2s: operands.push(c.i16()); break;
        case C.DW_OP_const4u: operands.push(c.u32()); break;
        case C.DW_OP_const4s: operands.push(c.i32()); break;
        case C.DW_OP_const8u: operands.push(c.u64Value()); break;
        case C.DW_OP_const8s: operands.push(c.i64Value()); break;
        case C.DW_OP_constu: operands.push(c.ulebValue()); break;
        case C.DW_OP_consts: operands.push(c.slebValue()); break;
        case C.DW_OP_pick: operands.push(c.u8()); break;
        case C.DW_OP_plus_uconst: operands.push(c.ulebValue()); break;
        case C.DW_OP_skip: case C.DW_OP_bra: operands.push(c.i16()); break;
        case C.DW_OP_regx: operands.push(c.uleb('register number')); break;
        case C.DW_OP_fbreg: operands.push(c.slebValue()); break;
        case C.DW_OP_bregx: operands.push(c.uleb('register number'), c.slebValue()); break;
        case C.DW_OP_piece: operands.push(c.uleb('piece size')); break;
        case C.DW_OP_bit_piece: operands.push(c.uleb('bit piece size'), c.uleb('bit piece offset')); break;
        case C.DW_OP_deref_size: case C.DW_OP_xderef_size: operands.push(c.u8()); break;
        case C.DW_OP_call2: operands.push(c.u16()); break;
        case C.DW_OP_call4: operands.push(c.u32()); break;
        case C.DW_OP_call_ref: case C.DW_OP_GNU_variable_value: operands.push(refSize === 8 ? c.u64() : c.u32()); break;
        case C.DW_OP_implicit_value: operands.push(c.block(c.uleb('implicit value length'), 'implicit value')); break;
        case C.DW_OP_implicit_pointer:
        case C.DW_OP_GNU_implicit_pointer:
          operands.push(refSize === 8 ? c.u64() : c.u32(), c.slebValue());
          break;
        case C.DW_OP_addrx: case C.DW_OP_constx: case C.DW_OP_GNU_addr_index: case C.DW_OP_GNU_const_index:
          operands.push(c.uleb('index'));
          break;
        case C.DW_OP_entry_value:
        case C.DW_OP_GNU_entry_value:
          operands.push(c.block(c.uleb('entry value length'), 'entry value expression'));
          break;
        case C.DW_OP_const_type:
        case C.DW_OP_GNU_const_type: {
          operands.push(c.uleb('type offset'));
          operands.push(c.block(c.u8('constant size'), 'typed constant'));
          break;
        }
        case C.DW_OP_regval_type: case C.DW_OP_GNU_regval_type:
          operands.push(c.uleb('register number'), c.uleb('type offset'));
          break;
        case C.DW_OP_deref_type: case C.DW_OP_GNU_deref_type: case C.DW_OP_xderef_type:
          operands.push(c.u8('size'), c.uleb('type offset'));
          break;
        case C.DW_OP_convert: case C.DW_OP_GNU_convert: case C.DW_OP_reinterpret: case C.DW_OP_GNU_reinterpret:
          operands.push(c.uleb('type offset'));
          break;
        case C.DW_OP_GNU_parameter_ref: operands.push(c.u32()); break;
        case C.DW_OP_deref: case C.DW_OP_dup: case C.DW_OP_drop: case C.DW_OP_over: case C.DW_OP_swap: case C.DW_OP_rot:
        case C.DW_OP_xderef: case C.DW_OP_abs: case C.DW_OP_and: case C.DW_OP_div: case C.DW_OP_minus: case C.DW_OP_mod:
        case C.DW_OP_mul: case C.DW_OP_neg: case C.DW_OP_not: case C.DW_OP_or: case C.DW_OP_plus: case C.DW_OP_shl:
        case C.DW_OP_shr: case C.DW_OP_shra: case C.DW_OP_xor: case C.DW_OP_eq: case C.DW_OP_ge: case C.DW_OP_gt:
        case C.DW_OP_le: case C.DW_OP_lt: case C.DW_OP_ne: case C.DW_OP_nop: case C.DW_OP_push_object_address:
        case C.DW_OP_form_tls_address: case C.DW_OP_call_frame_cfa: case C.DW_OP_stack_value:
        case C.DW_OP_GNU_push_tls_address: case C.DW_OP_GNU_uninit:
          break;
        default:
          c.fail(`unknown DWARF expression opcode ${hex(op)} (${opName(op)})`, offset);
      }
    }
    ops.push({ offset, op, operands, next: c.pos });
  }
  return ops;
}

/** Renders operations the way readelf and llvm-dwarfdump do: 'DW_OP_fbreg -20; DW_OP_deref'. */
export function formatExpression(ops: readonly DwarfOp[]): string {
  return ops
    .map((o) => {
      const args = o.operands.map((a) => (a instanceof Uint8Array ? `[${[...a].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]` : String(a)));
      return args.length ? `${opName(o.op)} ${args.join(' ')}` : opName(o.op);
    })
    .join('; ');
}

/** Where a value lives, as a location description evaluates to. */
export type Location =
  | { kind: 'memory'; address: bigint }
  | { kind: 'register'; register: number }
  | { kind: 'value'; value: bigint }
  | { kind: 'implicit'; bytes: Uint8Array }
  | { kind: 'implicit-pointer'; die: number; offset: number | bigint }
  | { kind: 'pieces'; pieces: LocationPiece[] }
  | { kind: 'unavailable'; reason: string };

export interface LocationPiece {
  /** Size of the piece in bits. */
  sizeBits: number;
  /** Bit offset inside the location (DW_OP_bit_piece), else 0. */
  offsetBits: number;
  location: Location;
}

/** What the evaluator may ask of the program being debugged. Return undefined for "not available". */
export interface EvalContext {
  /** Value of DWARF register `reg` in the frame (x86-64: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15, 16 rip). */
  readRegister(reg: number): bigint | undefined;
  /** `size` bytes at `address`, little-endian, as an unsigned integer. */
  readMemory(address: bigint, size: number): bigint | undefined;
  /** The frame base (the value DW_AT_frame_base evaluates to), for DW_OP_fbreg. */
  frameBase?(): bigint | undefined;
  /** The canonical frame address, for DW_OP_call_frame_cfa. */
  cfa?(): bigint | undefined;
  /** The address of a thread-local variable at `offset` in its module's TLS block. */
  tlsAddress?(offset: bigint): bigint | undefined;
  /** For DW_OP_push_object_address. */
  objectAddress?: bigint;
  /** Resolves DW_OP_addrx / DW_OP_constx (the unit's .debug_addr entry). */
  indexedAddress?(index: number): number;
  /** Value of a DW_OP_entry_value sub-expression at function entry (needs the caller's frame); undefined when unknown. */
  entryValue?(expr: Uint8Array): bigint | undefined;
  /** Address size in bytes (default 8). */
  addressSize?: number;
}

const MASK64 = (1n << 64n) - 1n;
const u64 = (v: bigint): bigint => v & MASK64;
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const big = (v: DwarfOperand): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));

/** Signals a value the context could not supply; evaluation then reports the location unavailable. */
class Unavailable {
  constructor(readonly reason: string) {}
}

export interface EvaluateOptions {
  /** Values pushed before the first operation (the CFA, for CFI register rules). */
  initialStack?: bigint[];
  /** Where the expression came from, for messages. */
  file?: string;
  what?: string;
}

/**
 * Evaluates a location description. A lone DW_OP_regN / regx is a register
 * location; DW_OP_stack_value makes the top of the stack the value itself;
 * DW_OP_implicit_value gives literal bytes; DW_OP_piece joins parts;
 * otherwise the top of the stack is a memory address. An empty expression
 * means the value is optimized out.
 */
export function evaluateLocation(ops: readonly DwarfOp[], ctx: EvalContext, opts: EvaluateOptions = {}): Location {
  try {
    return run(ops, ctx, opts);
  } catch (e) {
    if (e instanceof Unavailable) return { kind: 'unavailable', reason: e.reason };
    throw e;
  }
}

/** Evaluates an expression for its value (the top of the stack): DW_AT_frame_base, CFI expressions. */
export function evaluateValue(ops: readonly DwarfOp[], ctx: EvalContext, opts: EvaluateOptions = {}): bigint | undefined {
  const loc = evaluateLocation(ops, ctx, opts);
  switch (loc.kind) {
    case 'memory': return loc.address;
    case 'value': return loc.value;
    case 'register': return ctx.readRegister(loc.register);
    default: return undefined;
  }
}

function run(ops: readonly DwarfOp[], ctx: EvalContext, opts: EvaluateOptions): Location {
  const where = `${opts.file ?? '<expression>'}: ${opts.what ?? 'DWARF expression'}`;
  const fail = (msg: string, o: DwarfOp | undefined): never => {
    throw new HotlinkError('malformed-input', `${where}: ${msg}${o ? ` at ${opName(o.op)} (offset ${o.offset})` : ''}`);
  };
  const addrSize = ctx.addressSize ?? 8;
  const stack: bigint[] = (opts.initialStack ?? []).map(u64);
  const pieces: LocationPiece[] = [];
  // The location of the current piece, when set by an op other than pushes.
  let current: Location | undefined;
  let pieceStart = 0;
  const byOffset = new Map<number, number>();
  ops.forEach((o, i) => byOffset.set(o.offset, i));

  const pop = (o: DwarfOp): bigint => {
    const v = stack.pop();
    if (v === undefined) fail('stack underflow', o);
    return v!;
  };
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Unavailable(what);
    return v;
  };
  const mem = (addr: bigint, size: number): bigint => need(ctx.readMemory(addr, size), `memory at ${hex(addr)} (${size} bytes) is not readable`);
  const reg = (r: number): bigint => need(ctx.readRegister(r), `register ${r} is not available`);
  const finish = (i: number, o: DwarfOp | undefined): Location => {
    if (current) return current;
    if (i === pieceStart) return { kind: 'unavailable', reason: 'optimized out' };
    if (stack.length === 0) fail('expression leaves an empty stack', o);
    return { kind: 'memory', address: stack[stack.length - 1]! };
  };

  let steps = 0;
  for (let i = 0; i < ops.length; i++) {
    if (++steps > 100000) fail('expression runs more than 100000 steps (a DW_OP_bra/skip loop?)', ops[i]);
    const o = ops[i]!;
    const op = o.op;
    const a = o.operands;
    if (current && op !== C.DW_OP_piece && op !== C.DW_OP_bit_piece) {
      fail(`${current.kind} location must be followed by DW_OP_piece or end the expression`, o);
    }
    if (op >= C.DW_OP_lit0 && op <= C.DW_OP_lit31) {
      stack.push(BigInt(op - C.DW_OP_lit0));
      continue;
    }
    if (op >= C.DW_OP_reg0 && op <= C.DW_OP_reg31) {
      current = { kind: 'register', register: op - C.DW_OP_reg0 };
      continue;
    }
    if (op >= C.DW_OP_breg0 && op <= C.DW_OP_breg31) {
      stack.push(u64(reg(op - C.DW_OP_breg0) + big(a[0]!)));
      continue;
    }
    switch (op) {
      case C.DW_OP_addr:
      case C.DW_OP_const1u: case C.DW_OP_const2u: case C.DW_OP_const4u: case C.DW_OP_const8u: case C.DW_OP_constu:
      case C.DW_OP_const1s: case C.DW_OP_const2s: case C.DW_OP_const4s: case C.DW_OP_const8s: case C.DW_OP_consts:
        stack.push(u64(big(a[0]!)));
        break;
      case C.DW_OP_addrx: case C.DW_OP_constx: case C.DW_OP_GNU_addr_index: case C.DW_OP_GNU_const_index: {
        if (!ctx.indexedAddress) throw new Unavailable(`${opName(op)} needs the unit's .debug_addr`);
        stack.push(u64(BigInt(ctx.indexedAddress(a[0] as number))));
        break;
      }
      case C.DW_OP_regx:
        current = { kind: 'register', register: a[0] as number };
        break;
      case C.DW_OP_bregx:
        stack.push(u64(reg(a[0] as number) + big(a[1]!)));
        break;
      case C.DW_OP_fbreg: {
        if (!ctx.frameBase) throw new Unavailable('DW_OP_fbreg needs the frame base');
        stack.push(u64(need(ctx.frameBase(), 'the frame base is not available') + big(a[0]!)));
        break;
      }
      case C.DW_OP_call_frame_cfa:
        if (!ctx.cfa) throw new Unavailable('DW_OP_call_frame_cfa needs call frame information');
        stack.push(need(ctx.cfa(), 'the CFA is not available'));
        break;
      case C.DW_OP_dup: { const v = pop(o); stack.push(v, v); break; }
      case C.DW_OP_drop: pop(o); break;
      case C.DW_OP_over: {
        if (stack.length < 2) fail('stack underflow', o);
        stack.push(stack[stack.length - 2]!);
        break;
      }
      case C.DW_OP_pick: {
        const n = a[0] as number;
        if (n >= stack.length) fail(`DW_OP_pick ${n} with ${stack.length} values on the stack`, o);
        stack.push(stack[stack.length - 1 - n]!);
        break;
      }
      case C.DW_OP_swap: { const x = pop(o); const y = pop(o); stack.push(x, y); break; }
      case C.DW_OP_rot: { const x = pop(o); const y = pop(o); const z = pop(o); stack.push(x, z, y); break; }
      case C.DW_OP_deref: stack.push(mem(pop(o), addrSize)); break;
      case C.DW_OP_deref_size: {
        const n = a[0] as number;
        if (n < 1 || n > addrSize) fail(`DW_OP_deref_size ${n} is not in 1..${addrSize}`, o);
        stack.push(mem(pop(o), n));
        break;
      }
      case C.DW_OP_abs: { const v = s64(pop(o)); stack.push(u64(v < 0n ? -v : v)); break; }
      case C.DW_OP_neg: stack.push(u64(-s64(pop(o)))); break;
      case C.DW_OP_not: stack.push(u64(~pop(o))); break;
      case C.DW_OP_and: { const y = pop(o); stack.push(pop(o) & y); break; }
      case C.DW_OP_or: { const y = pop(o); stack.push(pop(o) | y); break; }
      case C.DW_OP_xor: { const y = pop(o); stack.push(pop(o) ^ y); break; }
      case C.DW_OP_plus: { const y = pop(o); stack.push(u64(pop(o) + y)); break; }
      case C.DW_OP_minus: { const y = pop(o); stack.push(u64(pop(o) - y)); break; }
      case C.DW_OP_mul: { const y = pop(o); stack.push(u64(pop(o) * y)); break; }
      case C.DW_OP_div: {
        const y = s64(pop(o));
        const x = s64(pop(o));
        if (y === 0n) fail('division by zero', o);
        stack.push(u64(x / y));
        break;
      }
      case C.DW_OP_mod: {
        const y = pop(o);
        const x = pop(o);
        if (y === 0n) fail('modulo by zero', o);
        stack.push(x % y);
        break;
      }
      case C.DW_OP_plus_uconst: stack.push(u64(pop(o) + big(a[0]!))); break;
      case C.DW_OP_shl: { const y = pop(o); stack.push(y >= 64n ? 0n : u64(pop(o) << y)); break; }
      case C.DW_OP_shr: { const y = pop(o); stack.push(y >= 64n ? 0n : pop(o) >> y); break; }
      case C.DW_OP_shra: { const y = pop(o); const x = s64(pop(o)); stack.push(u64(x >> (y >= 64n ? 63n : y))); break; }
      case C.DW_OP_eq: case C.DW_OP_ne: case C.DW_OP_lt: case C.DW_OP_gt: case C.DW_OP_le: case C.DW_OP_ge: {
        const y = s64(pop(o));
        const x = s64(pop(o));
        const r = op === C.DW_OP_eq ? x === y : op === C.DW_OP_ne ? x !== y : op === C.DW_OP_lt ? x < y : op === C.DW_OP_gt ? x > y : op === C.DW_OP_le ? x <= y : x >= y;
        stack.push(r ? 1n : 0n);
        break;
      }
      case C.DW_OP_skip:
      case C.DW_OP_bra: {
        if (op === C.DW_OP_bra && pop(o) === 0n) break;
        const target = o.next + (a[0] as number);
        if (target === ops[ops.length - 1]!.next) {
          i = ops.length - 1; // a branch to just past the last operation ends the expression
          break;
        }
        const j = byOffset.get(target);
        if (j === undefined) fail(`branch target ${target} is not the start of an operation`, o);
        i = j! - 1;
        break;
      }
      case C.DW_OP_nop:
        break;
      case C.DW_OP_stack_value:
        if (stack.length === 0) fail('DW_OP_stack_value with an empty stack', o);
        current = { kind: 'value', value: stack[stack.length - 1]! };
        break;
      case C.DW_OP_implicit_value:
        current = { kind: 'implicit', bytes: a[0] as Uint8Array };
        break;
      case C.DW_OP_implicit_pointer:
      case C.DW_OP_GNU_implicit_pointer:
        current = { kind: 'implicit-pointer', die: a[0] as number, offset: a[1] as number | bigint };
        break;
      case C.DW_OP_form_tls_address:
      case C.DW_OP_GNU_push_tls_address: {
        const off = pop(o);
        if (!ctx.tlsAddress) throw new Unavailable(`${opName(op)} needs the thread's TLS block`);
        stack.push(need(ctx.tlsAddress(off), `TLS offset ${hex(off)} cannot be resolved`));
        break;
      }
      case C.DW_OP_push_object_address:
        stack.push(need(ctx.objectAddress, 'DW_OP_push_object_address has no object'));
        break;
      case C.DW_OP_entry_value:
      case C.DW_OP_GNU_entry_value: {
        const v = ctx.entryValue?.(a[0] as Uint8Array);
        if (v === undefined) throw new Unavailable(`${opName(op)}: the value at function entry is not known`);
        stack.push(u64(v));
        break;
      }
      case C.DW_OP_piece:
      case C.DW_OP_bit_piece: {
        const sizeBits = op === C.DW_OP_piece ? (a[0] as number) * 8 : (a[0] as number);
        const offsetBits = op === C.DW_OP_bit_piece ? (a[1] as number) : 0;
        const loc: Location = current ?? (i === pieceStart ? { kind: 'unavailable', reason: 'optimized out' } : stack.length ? { kind: 'memory', address: stack.pop()! } : fail('DW_OP_piece with an empty stack', o));
        pieces.push({ sizeBits, offsetBits, location: loc });
        current = undefined;
        pieceStart = i + 1;
        break;
      }
      case C.DW_OP_GNU_uninit:
        break;
      default:
        throw new Unavailable(`${opName(op)} is not supported by the evaluator`);
    }
  }
  if (pieces.length > 0) {
    if (pieceStart < ops.length || current) fail('operations after the last DW_OP_piece', ops[ops.length - 1]);
    return { kind: 'pieces', pieces };
  }
  return finish(ops.length, ops[ops.length - 1]);
}

/** Reads an integer operand that must fit in a number (register numbers, sizes). */
export function operandNumber(v: DwarfOperand | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return undefined;
}
