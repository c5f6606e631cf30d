// The value formatter (src/dbg/format.ts) against gdb 13 itself. The
// fixture test/format-fixtures/values.c holds globals of every kind; it is
// built with `gcc -g -O0 -no-pie` (so the executable's file bytes are the
// globals' values at `break main`), gdb prints each case after an
// `echo @@@N` marker, and we print the same value from the object's DWARF
// types, the executable's bytes and a symbolizer built from `nm -S`.
// gdb runs under LC_ALL=C: non-ASCII bytes print as octal escapes, as ours do.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ElfObject } from '../src/elf/object.js';
import { readDebugInfo, sectionOffsetSymbolValue, globalVariables, subprograms, typeFromDie, stripTypedefs, sizeOf, type CType, type Variable } from '../src/dwarf/index.js';
import { formatValue, formatG, examineMemory, parseValueBytes, formatTypeForPrint, type FormatLetter, type FormatOptions, type MemoryReader, type UnitSize } from '../src/dbg/format.js';
import { repoRoot, runCommand, runCommandAsync, tmpDir, needs, compileObjectAsync, compileNativeAsync } from './helpers.js';

const FIXTURE = path.join(repoRoot, 'test', 'format-fixtures', 'values.c');
const skip = needs('gcc', 'gdb', 'nm'); // names the missing ones
const haveTools = !skip;

// ---- The cases -----------------------------------------------------------------

/** `print [/F] [-option v --] expr`, with the options our side gets. */
interface PrintCase {
  expr: string;
  format?: FormatLetter;
  gdbOptions?: string;
  opts?: FormatOptions;
}

const PLAIN = [
  // integers and characters
  'sc_min', 'sc_neg', 'uc_200', 'uc_0', 'c_a', 'c_nl', 'c_nul', 'c_quote', 'c_dquote', 'c_backslash', 'c_esc', 'c_del',
  'c_high', 'c_tab', 'c_bell', 'c_bs', 'c_ff', 'c_cr', 'c_vt', 'c_space', 'c_digit', 's_min', 's_neg', 'us_max',
  'i_min', 'i_neg', 'i_pos', 'i_zero', 'u_max', 'l_min', 'ul_max', 'll_neg', 'ull_max', 'i128_neg', 'u128_max',
  'i8', 'u8', 'i16', 'u32', 'i64', 'b_true', 'b_false', 'bool_two', 'wc_a', 'wc_e', 'wc_big', 'wc_nl', 'c16_x',
  'c16_sur', 'c32_y', 'c32_bad', 'my_int', 'my_char',
  // floating point
  'f_pi', 'f_third', 'f_denorm', 'f_max', 'f_neg0', 'f_inf', 'f_ninf', 'f_nan', 'f_nnan', 'f_payload',
  'd_pi', 'd_half', 'd_1e100', 'd_tenth', 'd_max', 'd_denorm', 'd_neg', 'd_1e16', 'd_1e17', 'd_123456', 'd_1e_5',
  'd_1e_4', 'd_100', 'd_third', 'd_zero', 'd_neg0', 'd_inf', 'd_ninf', 'd_nan', 'd_nnan', 'd_snan', 'd_tie',
  'd_2p60', 'd_big_int', 'ld_pi', 'ld_third', 'ld_big', 'ld_tiny', 'ld_inf', 'ld_nan', 'q_tenth', 'q_one', 'q_third',
  'q2_big', 'h_third', 'h_max', 'cd', 'cf', 'cld', 'cq', 'dec32', 'dec32_small', 'dec32_big', 'dec64', 'dec64_zero',
  'dec64_e300', 'dec64_digits', 'dec64_tiny', 'dec64_int', 'dec64_inf', 'dec64_nan', 'dec128', 'dec128_big',
  // pointers and functions
  'p_counter', 'p_null', 'p_mid', 'vp', 'p_const', 'p_constptr', 'pp', 'p_double', 'ip_td', 'fp_twice', 'fp_null',
  'fp_noop', 'fp_sum', 'fp_helper', 'op_add', 'fp_arr', 'code_ptr', 'twice', 'noop', 'sum', 'helper', 'add', 'main',
  // strings
  'str', 'cstr', 'kstr', 'esc_str', 'empty_str', 'long_str', 'len200_str', 'rep_str', 'rep10_str', 'rep11_str',
  'rep_quote_str', 'high_str', 'buf_data', 'str_in_buf', 'bad_ptr', 'ustr', 'sstr', 'my_str', 'td_str', 'td_cstr',
  'wstr', 'u16str', 'u32str', 'strs', 'cstrs', 'utf_str', 'utf_bad', 'utf_classes', 'utf_arr', 'utf_cut', 'utf_cut_bad',
  'utf_trail', 'utf_quote', 'utf_wide', 'c_utf_lead', 'edge_abc', 'edge_long', 'edge_nul', 'edge_after', 'edge_exact',
  // arrays
  'arr', 'arr_rep', 'a10', 'a11', 'big', 'big_rep', 'mixed_rep', 'grid', 'zero_grid', 'g2', 'big_grid', 'farr',
  'darr', 'carr', 'cfull', 'c5', 'cz', 'crep', 'names', 'ucarr', 'scarr', 'big_chars', 'long_chars', 'escapes',
  'warr', 'u16arr', 'u32arr', 'hexnext', 'octnext', 'u16pair', 'u16lone', 'u16cut', 'u16cut2', 'barr', 'vec', 'cvec', 'deep',
  // structs, unions, enums
  'pt', 'pts', 'pts2', 'p_pt', 'tpt', 'p_tpt', 'col_red', 'col_blue', 'col_3', 'col_7', 'fl_rw', 'fl_none',
  'fl_unknown', 'fl_mix', 'fl_exec', 'sp_three', 'sp_5', 'neg_neg', 'neg_7', 'big_enum', 'big_3', 'anon_enum',
  'mx', 'nest', 'un', 'an', 'bf', 'es', 'flex', 'zl', 'cflex', 'anon_s', 'cbv', 'wss', 'l1', 'l2', 'op_ptr', 'holder',
];

const FORMATTED: [FormatLetter, string[]][] = [
  ['x', ['dec64', 'cq', 'i_neg', 'u_max', 'sc_neg', 'c_a', 's_min', 'll_neg', 'i128_neg', 'u128_max', 'b_true', 'col_blue', 'fl_mix',
    'd_pi', 'f_pi', 'cd', 'p_counter', 'fp_twice', 'mx', 'nest', 'bf', 'carr', 'arr', 'arr_rep', 'a11', 'pts2', 'cbv',
    'un', 'strs', 'vec', 'cvec', 'darr', 'ld_pi', 'h_third', 'twice', 'p_null', 'names', 'wss']],
  ['d', ['u_max', 'uc_200', 'c_high', 'ull_max', 'd_pi', 'col_7', 'p_counter', 'b_true', 'bf', 'u128_max', 'carr']],
  ['u', ['i_neg', 'sc_neg', 's_neg', 'bf', 'i128_neg']],
  ['o', ['i_pos', 'i_zero', 'i_neg', 'u8', 'bf', 'p_counter']],
  ['t', ['i_pos', 'i_zero', 'c_a', 'sc_neg', 'bf', 'us_max']],
  ['c', ['i_pos', 'u_max', 'arr', 'd_pi', 'uc_200', 'sc_neg', 'i_neg', 'u32', 'mx', 'b_true', 'col_blue', 'f_pi']],
  ['z', ['i_pos', 's_neg', 'c_a', 'mx', 'p_null', 'i_zero', 'arr']],
  ['a', ['fp_twice', 'p_counter', 'i_pos', 'cbv', 'code_ptr', 'p_null', 'fp_arr', 'i_neg', 'strs']],
  ['f', ['i_pos', 'll_neg', 'u128_max', 's_neg', 'd_pi', 'f_pi', 'c_a', 'mx', 'p_counter', 'col_blue', 'cd', 'b_true']],
  ['s', ['str', 'p_counter', 'carr', 'c_a', 'mx', 'ucarr', 'ustr', 'i_pos', 'names', 'pp']],
];

const EXPRESSIONS = [
  '*p_counter', '*p_pt', '*pp', '*p_tpt', '*str', '*op_ptr', '*fp_twice', '*l1.next', '*ip_td',
  'mx.name', 'mx.at', 'mx.label', 'mx.cb', 'mx.z', 'nest.in.vals', 'nest.arr[1]', 'grid[1]', 'names[1]', 'bf.b', 'bf.col',
  'bf.flag', 'an.named', 'holder.pts', 'pts2[0].x', 'strs[0]', 'strs[2]', 'flex.data', 'zl.z', 'zl.cz', 'cflex.text',
  'wss.w', 'wss.inl', 'fp_arr[0]', 'l1.next', 'big[299]', 'vec[1]', 'warr[0]', 'u16arr[1]',
];

const FORMATTED_EXPRESSIONS: [FormatLetter, string][] = [
  ['x', 'bf.b'], ['x', 'bf.wide'], ['d', 'bf.uc'], ['x', 'mx.z'], ['c', 'bf.sc'], ['x', 'flex.data'], ['x', '*p_pt'],
];

const WITH_OPTIONS: PrintCase[] = [
  { expr: 'big', gdbOptions: '-elements 5', opts: { maxElements: 5 } },
  { expr: 'str', gdbOptions: '-elements 5', opts: { maxElements: 5 } },
  { expr: 'carr', gdbOptions: '-elements 2', opts: { maxElements: 2 } },
  { expr: 'a11', gdbOptions: '-elements 4', opts: { maxElements: 4 } },
  { expr: 'grid', gdbOptions: '-elements 3', opts: { maxElements: 3 } },
  { expr: 'mixed_rep', gdbOptions: '-elements 210', opts: { maxElements: 210 } },
  { expr: 'pts2', gdbOptions: '-repeats 1', opts: { repeatThreshold: 1 } },
  { expr: 'rep10_str', gdbOptions: '-repeats 3', opts: { repeatThreshold: 3 } },
  { expr: 'a11', gdbOptions: '-repeats unlimited', opts: { repeatThreshold: Infinity } },
  { expr: 'nest', gdbOptions: '-max-depth 1', opts: { maxDepth: 1 } },
  { expr: 'an', gdbOptions: '-max-depth 1', opts: { maxDepth: 1 } },
  { expr: 'nest', gdbOptions: '-max-depth 0', opts: { maxDepth: 0 } },
  { expr: 'mx', format: 'x', gdbOptions: '-elements 3', opts: { maxElements: 3 } },
  { expr: 'big', gdbOptions: '-elements unlimited', opts: { maxElements: 0 } },
  { expr: 'long_str', gdbOptions: '-elements unlimited', opts: { maxElements: Infinity } },
  { expr: 'deep', gdbOptions: '-max-depth unlimited', opts: { maxDepth: -1 } },
  { expr: 'a11', gdbOptions: '-repeats 0', opts: { repeatThreshold: 0 } },
];

interface ExamineCase {
  /** What follows `x/` : count, format letter, size letter. */
  spec: string;
  /** `&name` (the symbol's address) or `name` (a pointer variable's value). */
  at: string;
}

const EXAMINE: ExamineCase[] = [
  { spec: '4xw', at: '&arr' }, { spec: '8xb', at: '&pt' }, { spec: '2xg', at: '&darr' }, { spec: '3dw', at: '&arr' },
  { spec: '2a', at: '&fp_arr' }, { spec: '4c', at: 'str' }, { spec: '2s', at: 'str' }, { spec: '3uh', at: '&arr' },
  { spec: '2ow', at: '&arr' }, { spec: '2tb', at: '&arr' }, { spec: '2fg', at: '&darr' }, { spec: '3fw', at: '&farr' },
  { spec: '9dw', at: '&big' }, { spec: '3s', at: '&names' }, { spec: '2zw', at: '&arr' }, { spec: '2dg', at: '&ll_neg' },
  { spec: '12xb', at: '&sc_neg' }, { spec: 's', at: 'edge_abc' }, { spec: 's', at: 'bad_ptr' }, { spec: 'sw', at: 'wstr' },
  { spec: 'sh', at: 'u16str' }, { spec: '2s', at: 'long_str' }, { spec: '3xw', at: 'edge_abc' }, { spec: '2c', at: '&c_high' },
  { spec: '2dh', at: '&s_min' }, { spec: '2sg', at: 'str' }, { spec: '2s', at: '&u16pair' }, { spec: '2xh', at: '&s_neg' }, { spec: '3a', at: '&cbv' }, { spec: 'ub', at: '&uc_200' },
];

/** Printed again by gdb under LC_ALL=C.UTF-8, and by us with charset 'utf-8'. */
const UTF8 = [
  'utf_str', 'utf_bad', 'utf_classes', 'utf_arr', 'utf_cut', 'utf_cut_bad', 'utf_trail', 'utf_quote', 'utf_wide',
  'utf_wide[1]', 'c_utf_lead', 'c_high', 'high_str', 'esc_str', 'wstr', 'u16str', 'u16pair', 'u16lone', 'u16cut', 'u16cut2',
  'hexnext', 'octnext', 'wc_e', 'wc_big', 'c16_sur', 'c32_bad', 'str', 'names', 'c_a', 'rep_quote_str', 'mx',
];

/** Functions run to their end with `finish`: gdb's "Value returned is $N = ...". */
const FINISH = ['ret_ptr', 'ret_double', 'ret_struct'];
/** Function whose static locals `info locals` lists (printed without the `(T *)` prefix). */
const LOCALS_OF = 'probe';

// ---- The fixture, built once ------------------------------------------------------

interface NmSymbol {
  address: number;
  size: number;
  kind: string;
}

interface Fixture {
  dir: string;
  exe: string;
  variables: Map<string, Variable>;
  functionTypes: Map<string, CType>;
  returnTypes: Map<string, CType>;
  locals: Variable[];
  symbols: Map<string, NmSymbol>;
  symbolize: (address: number) => string | undefined;
  mem: MemoryReader;
}

let fx: Fixture | undefined;

/** A gdb session's commands, each case's after an `echo @@@N` marker. */
class Session {
  readonly script: string[] = [];
  readonly markers = new Map<string, number>();
  output = new Map<number, string>();

  mark(key: string, ...commands: string[]): void {
    const n = this.markers.size;
    this.markers.set(key, n);
    this.script.push(`echo @@@${n}\\n`, ...commands);
  }

  parse(stdout: string): void {
    const parts = stdout.split(/^@@@(\d+)\n/m);
    for (let i = 1; i + 1 < parts.length; i += 2) this.output.set(Number(parts[i]), parts[i + 1]!.replace(/\n$/, ''));
  }

  get(key: string): string {
    const n = this.markers.get(key);
    const out = n === undefined ? undefined : this.output.get(n);
    if (out === undefined) throw new Error(`no gdb output for ${key}`);
    return out;
  }
}

const session = new Session();
const utf8Session = new Session();
const haveUtf8Locale = haveTools && /^C\.utf-?8$/im.test(runCommand('locale', ['-a']).stdout);

function printCommand(c: PrintCase): string {
  // print [OPTION... --] [/FMT] EXP
  const fmt = c.format ? `/${c.format} ` : '';
  return c.gdbOptions ? `print ${c.gdbOptions} -- ${fmt}${c.expr}` : `print${fmt ? `/${c.format}` : ''} ${c.expr}`;
}

const PRINT_CASES: PrintCase[] = [
  ...PLAIN.map((expr) => ({ expr })),
  ...FORMATTED.flatMap(([format, names]) => names.map((expr) => ({ expr, format }))),
  ...EXPRESSIONS.map((expr) => ({ expr })),
  ...FORMATTED_EXPRESSIONS.map(([format, expr]) => ({ expr, format })),
  ...WITH_OPTIONS,
];

// The gdb session: every print at `break main`, then info locals in probe, then finish from each function.
for (const c of PRINT_CASES) session.mark(printCommand(c), printCommand(c));
for (const e of EXAMINE) session.mark(`x/${e.spec} ${e.at}`, `x/${e.spec} ${e.at}`);
session.mark('info locals', `break ${LOCALS_OF}`, 'continue', 'info locals');
for (const f of FINISH) session.mark(`finish ${f}`, `break ${f}`, 'continue', 'finish');
for (const expr of UTF8) utf8Session.mark(`print ${expr}`, `print ${expr}`);

/** An ELF executable's PT_LOAD segments as memory (bytes past p_filesz are zero), plus extra ranges. */
function executableMemory(bytes: Uint8Array, extra: { address: number; bytes: Uint8Array }[]): MemoryReader {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const phoff = Number(dv.getBigUint64(0x20, true));
  const phentsize = dv.getUint16(0x36, true);
  const phnum = dv.getUint16(0x38, true);
  const ranges = [...extra];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (dv.getUint32(o, true) !== 1 /* PT_LOAD */) continue;
    const offset = Number(dv.getBigUint64(o + 8, true));
    const vaddr = Number(dv.getBigUint64(o + 16, true));
    const filesz = Number(dv.getBigUint64(o + 32, true));
    const memsz = Number(dv.getBigUint64(o + 40, true));
    const image = new Uint8Array(memsz);
    image.set(bytes.subarray(offset, offset + filesz));
    ranges.push({ address: vaddr, bytes: image });
  }
  return {
    read(address: number, length: number): Uint8Array {
      const out: number[] = [];
      let at = address;
      while (out.length < length) {
        const r = ranges.find((x) => at >= x.address && at < x.address + x.bytes.length);
        if (!r) break;
        const take = Math.min(length - out.length, r.address + r.bytes.length - at);
        out.push(...r.bytes.subarray(at - r.address, at - r.address + take));
        at += take;
      }
      return Uint8Array.from(out);
    },
  };
}

/** The page main() maps at 0x20000000 (see values.c). */
function edgePage(): { address: number; bytes: Uint8Array } {
  const page = new Uint8Array(4096);
  page.fill('z'.charCodeAt(0), 4096 - 300, 4096 - 4);
  page.set([0, 97, 98, 99], 4096 - 4);
  page.fill('q'.charCodeAt(0), 100, 300);
  return { address: 0x20000000, bytes: page };
}

before(async () => {
  if (!haveTools) return;
  const dir = tmpDir(undefined, 'hotlink-format-');
  const obj = path.join(dir, 'values.o');
  const exe = path.join(dir, 'values');
  await compileObjectAsync({ cc: 'gcc', file: FIXTURE, flags: ['-g', '-O0', '-w'], out: obj });
  await compileNativeAsync({ cc: 'gcc', files: [obj], flags: ['-no-pie'], out: exe });
  const settings = ['set style enabled off', 'set print address on', 'set width unlimited', 'set height unlimited', 'set confirm off', 'break main', 'run'];
  const runGdb = (s: Session, locale: string): Promise<void> =>
    runCommandAsync('gdb', ['-nx', '-batch', ...[...settings, ...s.script].flatMap((c) => ['-ex', c]), exe], {
      env: { LC_ALL: locale },
      mergeStderr: true,
      timeoutMs: 60_000,
    }).then((r) => {
      if (r.timedOut) throw new Error('gdb timed out');
      s.parse(r.stdout);
    });
  const gdbRuns = Promise.all([runGdb(session, 'C'), haveUtf8Locale ? runGdb(utf8Session, 'C.UTF-8') : undefined]);
  const nm = runCommand('nm', ['-S', '--defined-only', exe]);
  if (nm.status !== 0) throw new Error(nm.stderr);
  const symbols = new Map<string, NmSymbol>();
  const sized: NmSymbol[] = [];
  const names = new Map<NmSymbol, string>();
  for (const line of nm.stdout.split('\n')) {
    const m = /^([0-9a-f]+) (?:([0-9a-f]+) )?(\w) (\S+)$/.exec(line);
    if (!m) continue;
    const s: NmSymbol = { address: parseInt(m[1]!, 16), size: m[2] ? parseInt(m[2], 16) : 0, kind: m[3]! };
    if (!symbols.has(m[4]!)) symbols.set(m[4]!, s);
    if (s.size > 0 && /[tTdDbBrR]/.test(s.kind)) {
      sized.push(s);
      names.set(s, m[4]!);
    }
  }
  // gdb's msymbol lookup: the sized symbol containing the address, as `name` or `name+off`.
  const symbolize = (address: number): string | undefined => {
    let best: NmSymbol | undefined;
    for (const s of sized) if (address >= s.address && address < s.address + s.size && (!best || s.address > best.address)) best = s;
    if (!best) return undefined;
    const off = address - best.address;
    return off === 0 ? names.get(best) : `${names.get(best)}+${off}`;
  };
  const elf = new ElfObject(readFileSync(obj), obj);
  const { info } = readDebugInfo(elf, sectionOffsetSymbolValue(elf));
  const variables = new Map<string, Variable>();
  for (const v of globalVariables(info)) if (v.name !== undefined) variables.set(v.name, v);
  const functionTypes = new Map<string, CType>();
  const returnTypes = new Map<string, CType>();
  let locals: Variable[] = [];
  for (const sub of subprograms(info, { withCode: true })) {
    if (sub.name === undefined) continue;
    functionTypes.set(sub.name, typeFromDie(sub.die));
    returnTypes.set(sub.name, sub.returnType);
    if (sub.name === LOCALS_OF) locals = sub.variables;
  }
  const mem = executableMemory(readFileSync(exe), [edgePage()]);
  await gdbRuns;
  fx = { dir, exe, variables, functionTypes, returnTypes, locals, symbols, symbolize, mem };
});

function fixture(): Fixture {
  if (!fx) throw new Error('fixture was not built');
  return fx;
}

function gdbOutput(key: string): string {
  return session.get(key);
}

/** gdb's `$N = value` → value. */
function printed(key: string, from: Session = session): string {
  const out = from.get(key);
  const m = /^\$\d+ = ([^]*)$/.exec(out);
  if (!m) throw new Error(`gdb printed no value for ${key}:\n${out}`);
  return m[1]!;
}

// ---- Our side: a tiny evaluator for the case expressions --------------------------

interface Value {
  type: CType;
  bytes: Uint8Array;
  address: number;
}

function valueAt(type: CType, address: number): Value {
  const size = sizeOf(type) ?? 0;
  return { type, bytes: fixture().mem.read(address, size), address };
}

function symbolAddress(name: string): number {
  const s = fixture().symbols.get(name) ?? [...fixture().symbols].find(([n]) => n.startsWith(`${name}.`))?.[1];
  if (!s) throw new Error(`no symbol ${name}`);
  return s.address;
}

function pointerValue(v: Value): number {
  return Number(parseValueBytes(v.type, v.bytes));
}

/** `name`, `name.member`, `name[i]`, combinations, and a leading `*`. */
function evaluate(expr: string): Value {
  if (expr.startsWith('*')) {
    const p = evaluate(expr.slice(1));
    const t = stripTypedefs(p.type);
    if (t.kind !== 'pointer') throw new Error(`${expr}: not a pointer`);
    return valueAt(t.target, pointerValue(p));
  }
  const m = /^(\w+)/.exec(expr)!;
  const name = m[1]!;
  let rest = expr.slice(name.length);
  const fx = fixture();
  let v: Value;
  const variable = fx.variables.get(name);
  if (variable) v = valueAt(variable.type, symbolAddress(name));
  else {
    const ft = fx.functionTypes.get(name);
    if (!ft) throw new Error(`unknown name ${name}`);
    v = { type: ft, bytes: new Uint8Array(0), address: symbolAddress(name) };
  }
  while (rest) {
    const field = /^\.(\w+)/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const t = stripTypedefs(v.type);
    if (field) {
      if (t.kind !== 'struct' && t.kind !== 'union') throw new Error(`${expr}: not a struct`);
      const member = t.members.find((x) => x.name === field[1]);
      if (!member) throw new Error(`${expr}: no member ${field[1]}`);
      if (member.bitSize !== undefined && member.bitOffset !== undefined) {
        // A bit field: its bits, sign-extended for a signed type, in an object of the declared type.
        const size = sizeOf(member.type) ?? 4;
        let bits = 0n;
        for (let i = v.bytes.length - 1; i >= 0; i--) bits = (bits << 8n) | BigInt(v.bytes[i]!);
        let x = (bits >> BigInt(member.bitOffset)) & ((1n << BigInt(member.bitSize)) - 1n);
        const mt = stripTypedefs(member.type);
        const signed = mt.kind === 'base' && (mt.encoding === 5 || mt.encoding === 6);
        if (signed && (x >> BigInt(member.bitSize - 1)) & 1n) x -= 1n << BigInt(member.bitSize);
        return { type: member.type, bytes: leBytes(BigInt.asUintN(size * 8, x), size), address: v.address + member.offset };
      }
      v = valueAt(member.type, v.address + member.offset);
      rest = rest.slice(field[0].length);
    } else if (index) {
      if (t.kind === 'array') {
        const elem: CType = t.dims.length > 1 ? { ...t, dims: t.dims.slice(1), byteSize: undefined } : t.element;
        v = valueAt(elem, v.address + Number(index[1]) * (sizeOf(elem) ?? 0));
      } else if (t.kind === 'pointer') {
        v = valueAt(t.target, pointerValue(v) + Number(index[1]) * (sizeOf(t.target) ?? 0));
      } else throw new Error(`${expr}: cannot index`);
      rest = rest.slice(index[0].length);
    } else throw new Error(`cannot evaluate ${expr}`);
  }
  return v;
}

function ours(c: PrintCase, extra: FormatOptions = {}): string {
  const v = evaluate(c.expr);
  const opts: FormatOptions = { symbolize: fixture().symbolize, address: v.address, ...c.opts, ...extra };
  if (c.format) opts.format = c.format;
  return formatValue(v.type, v.bytes, fixture().mem, opts);
}

// ---- The tests -------------------------------------------------------------------------

for (const c of PRINT_CASES) {
  const cmd = printCommand(c);
  test(`${cmd} prints as gdb does`, { skip }, () => {
    assert.equal(ours(c), printed(cmd));
  });
}

for (const expr of UTF8) {
  test(`print ${expr} in a UTF-8 locale prints as gdb does with charset utf-8`, { skip: skip || (haveUtf8Locale ? false : 'needs the C.UTF-8 locale (locale -a)') }, () => {
    assert.equal(ours({ expr }, { charset: 'utf-8' }), printed(`print ${expr}`, utf8Session));
  });
}

function examineAddress(at: string): number {
  if (at.startsWith('&')) return symbolAddress(at.slice(1));
  return pointerValue(evaluate(at));
}

for (const e of EXAMINE) {
  const cmd = `x/${e.spec} ${e.at}`;
  test(`${cmd} shows memory as gdb does`, { skip }, () => {
    const m = /^(\d*)([xduotacfsz]?)([bhwg]?)$/.exec(e.spec)!;
    const r = examineMemory(examineAddress(e.at), fixture().mem, {
      count: m[1] ? Number(m[1]) : 1,
      format: (m[2] || 'x') as FormatLetter,
      ...(m[3] ? { size: m[3] as UnitSize } : {}),
      symbolize: fixture().symbolize,
    });
    const text = (r.warning ? `warning: ${r.warning}\n` : '') + r.lines.join('\n') + (r.error ?? '');
    assert.equal(text, gdbOutput(cmd));
  });
}

test('info locals prints pointers without the (T *) prefix', { skip }, () => {
  const out = gdbOutput('info locals').split('\n').filter((l) => / = /.test(l) && !/^Breakpoint|^\d+\s/.test(l));
  const fx = fixture();
  const want = fx.locals.map((v) => {
    const value = valueAt(v.type, symbolAddress(v.name!));
    return `${v.name} = ${formatValue(v.type, value.bytes, fx.mem, { symbolize: fx.symbolize, address: value.address, typePrefix: false })}`;
  });
  assert.ok(out.length >= 4, out.join('\n'));
  assert.deepEqual(want, out);
});

const RETURNED: Record<string, () => Uint8Array> = {
  ret_ptr: () => leBytes(BigInt(symbolAddress('pts2') + 16), 8),
  ret_double: () => new Uint8Array(new Float64Array([2.75]).buffer),
  ret_struct: () => Uint8Array.from([8, 0, 0, 0, 9, 0, 0, 0]),
};

for (const f of FINISH) {
  test(`finish from ${f} shows the value returned as gdb does`, { skip }, () => {
    const out = gdbOutput(`finish ${f}`);
    const m = /^Value returned is \$\d+ = (.*)$/m.exec(out);
    assert.ok(m, out);
    const type = fixture().returnTypes.get(f)!;
    assert.equal(formatValue(type, RETURNED[f]!(), fixture().mem, { symbolize: fixture().symbolize }), m[1]);
  });
}

function leBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

// ---- Without gdb ---------------------------------------------------------------------------

test('formatTypeForPrint() gives gdb\'s (T *) prefix, none for plain char pointers', { skip }, () => {
  const fx = fixture();
  const prefix = (name: string): string | undefined => formatTypeForPrint(fx.variables.get(name)!.type);
  assert.equal(prefix('p_counter'), '(int *)');
  assert.equal(prefix('p_constptr'), '(int * const)');
  assert.equal(prefix('fp_twice'), '(int (*)(int))');
  assert.equal(prefix('td_str'), '(str_t)');
  assert.equal(prefix('str'), undefined);
  assert.equal(prefix('cstr'), undefined);
  assert.equal(prefix('ustr'), '(unsigned char *)');
  assert.equal(prefix('i_pos'), undefined);
});

test('parseValueBytes() reads scalars by their type', { skip }, () => {
  const v = (name: string): bigint | number | undefined => {
    const x = evaluate(name);
    return parseValueBytes(x.type, x.bytes);
  };
  assert.equal(v('i_neg'), -42n);
  assert.equal(v('u_max'), 4294967295n);
  assert.equal(v('i128_neg'), -(1n << 100n));
  assert.equal(v('d_pi'), 3.14);
  assert.equal(v('f_pi'), Math.fround(3.14159265));
  assert.equal(v('neg_7'), -7n);
  assert.equal(v('p_null'), 0n);
  assert.equal(v('pt'), undefined);
});

test('a short read reports the first unreadable address after the bytes that were read', () => {
  const text = new TextEncoder().encode('partial');
  const mem: MemoryReader = { read: (a, n) => (a >= 0x1000 && a < 0x1000 + text.length ? text.subarray(a - 0x1000, Math.min(text.length, a - 0x1000 + n)) : new Uint8Array(0)) };
  const charType = { kind: 'base', name: 'char', byteSize: 1, encoding: 6 } as CType;
  const ptr = { kind: 'pointer', target: charType, byteSize: 8 } as CType;
  assert.equal(formatValue(ptr, leBytes(0x1000n, 8), mem), '0x1000 "partial"<error: Cannot access memory at address 0x1007>');
  assert.equal(formatValue(ptr, leBytes(0x1003n, 8), mem, { maxStringLength: 2 }), '0x1003 "ti"...');
  assert.equal(formatValue(ptr, leBytes(0x9000n, 8), mem), '0x9000 <error: Cannot access memory at address 0x9000>');
});

test('formatG() rounds like glibc printf %.Ng on random doubles and floats', { skip }, () => {
  // A C program prints the reference: each line is a 64-bit pattern, printed %.17g and (its low 32 bits as a float) %.9g.
  const dir = fixture().dir;
  const src = path.join(dir, 'g.c');
  const prog = `#include <stdio.h>
#include <string.h>
#include <stdint.h>
int main(void){ unsigned long long u; while (scanf("%llx", &u) == 1) { double d; float f; uint32_t l = (uint32_t)u;
 memcpy(&d, &u, 8); memcpy(&f, &l, 4); printf("%.17g %.9g %.3g\\n", d, (double)f, d); } return 0; }`;
  writeFileSync(src, prog);
  const exe = path.join(dir, 'g');
  const cc = runCommand('gcc', ['-O1', src, '-o', exe]);
  assert.equal(cc.status, 0, cc.stderr);
  let seed = 12345n;
  const patterns: bigint[] = [];
  for (let i = 0; i < 3000; i++) {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    let p = seed;
    // Keep to finite values; bias exponents toward the interesting middle half the time.
    if (i % 2) p = (p & ~(0x7ffn << 52n)) | (BigInt(1023 - 40 + (i % 80)) << 52n);
    if (((p >> 52n) & 0x7ffn) === 0x7ffn) p ^= 1n << 62n;
    if (((p >> 23n) & 0xffn) === 0xffn) p ^= 1n << 30n;
    patterns.push(p);
  }
  // Exact ties at 3 digits: 0.125 -> 0.125, 1.125 (ties to even at 3 digits: 1.12), 2.5e-5 ...
  for (const d of [0.125, 1.125, 1.375, 2.5e-5, 1e23, 5e-324, 9.995, 0.0001, 123456, 1e21, 999.5]) {
    patterns.push(new BigUint64Array(new Float64Array([d]).buffer)[0]!);
  }
  const r = runCommand(exe, [], { input: patterns.map((p) => p.toString(16)).join('\n') + '\n' });
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, patterns.length);
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i]!;
    const d = decodeDouble(p);
    const f = decodeSingle(Number(p & 0xffffffffn));
    const got = `${d(17)} ${f(9)} ${d(3)}`;
    assert.equal(got, lines[i], `pattern ${p.toString(16)}`);
  }
});

function decodeDouble(bits: bigint): (p: number) => string {
  const neg = bits >> 63n === 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const [mant, e2] = exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
  return (p) => (neg ? '-' : '') + formatG(mant, e2, p);
}

function decodeSingle(bits: number): (p: number) => string {
  const neg = bits >>> 31 === 1;
  const exp = (bits >>> 23) & 0xff;
  const frac = BigInt(bits & 0x7fffff);
  const [mant, e2] = exp === 0 ? [frac, -149] : [frac | (1n << 23n), exp - 150];
  return (p) => (neg ? '-' : '') + formatG(mant, e2, p);
}
