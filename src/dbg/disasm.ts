// Machine code as text, the way gdb shows it: x86-64 instructions decoded
// by iced-x86 (a WebAssembly decoder from npm, loaded on first use so the
// debugger starts without it) and printed in AT&T syntax with the
// conventions of GNU objdump/libopcodes, which gdb uses — `mov    %rsp,%rbp`
// (mnemonic padded to 6), `0x0(%rax,%rax,1)`, `cs nopw`, `sar    %eax`,
// `call   0x... <helper>`, `lea    0xe9c(%rip),%rax        # 0x... <counter>`.
// The decoder knows nothing about symbols; the caller supplies a symbolizer.

import { HotlinkError } from '../errors.js';

/** One decoded instruction. */
export interface Instruction {
  address: number;
  bytes: Uint8Array;
  /** `mnemonic operands`, objdump style, without symbols or comments. */
  text: string;
  /** A direct branch/call target (printed `0x... <sym>`). */
  target?: number;
  /** The address a RIP-relative operand designates (printed as a `# 0x...` comment). */
  ripTarget?: number;
}

/** Symbolizes an address as gdb does in disassembly: `main+4`, or undefined. */
export type Symbolizer = (address: number) => string | undefined;

// The parts of iced-x86 used here (the package's own typings are 490 kB; these keep compilation light).
interface IcedInsn {
  readonly length: number;
  readonly code: number;
  readonly op0Kind: number;
  readonly nearBranch64: bigint;
  readonly isIpRelMemoryOperand: boolean;
  readonly ipRelMemoryAddress: bigint;
  readonly memoryIndex: number;
  readonly memoryIndexScale: number;
  readonly segmentPrefix: number;
  readonly opCount: number;
  opKind(i: number): number;
  free(): void;
}
interface IcedDecoder {
  ip: bigint;
  readonly canDecode: boolean;
  decode(): IcedInsn;
  free(): void;
}
interface IcedFormatter {
  [option: string]: unknown;
  formatMnemonicOptions(i: IcedInsn, options: number): string;
  operandCount(i: IcedInsn): number;
  formatOperand(i: IcedInsn, operand: number): string;
}
interface Iced {
  Decoder: new (bitness: number, data: Uint8Array, options: number) => IcedDecoder;
  Formatter: new (syntax: number) => IcedFormatter;
  FormatterSyntax: { Gas: number };
  FormatMnemonicOptions: { NoPrefixes: number; NoMnemonic: number };
  OpKind: { NearBranch64: number; Memory: number };
  Register: { None: number; ES: number; CS: number; SS: number; DS: number };
  Code: Record<number, string>;
}

let iced: Iced | undefined;
let formatter: IcedFormatter | undefined;

/** Loads the decoder (once; about 30 ms). */
export async function loadDisassembler(): Promise<void> {
  if (iced) return;
  try {
    const mod = (await import('iced-x86' as string)) as { default?: Iced } & Iced;
    iced = mod.default ?? mod;
  } catch (e) {
    throw new HotlinkError('usage', `disassembly needs the iced-x86 package: ${(e as Error).message}`);
  }
  const f = new iced.Formatter(iced.FormatterSyntax.Gas);
  Object.assign(f, {
    uppercaseHex: false, hexPrefix: '0x', hexSuffix: '', leadingZeros: false, branchLeadingZeros: false, smallHexNumbersInDecimal: false,
    spaceAfterOperandSeparator: false, ripRelativeAddresses: true, showZeroDisplacements: true, alwaysShowScale: false, showUselessPrefixes: true,
    gasShowMnemonicSizeSuffix: false,
  });
  formatter = f;
}

/** Is the decoder loaded (so decode() may be called)? */
export function disassemblerLoaded(): boolean {
  return !!iced;
}

/**
 * Decodes instructions from `bytes` (which start at `address`): all of them,
 * or `count`. A truncated last instruction is dropped.
 */
export function decode(bytes: Uint8Array, address: number, count = Infinity): Instruction[] {
  if (!iced || !formatter) throw new HotlinkError('usage', 'the disassembler is not loaded (loadDisassembler)');
  const d = new iced.Decoder(64, bytes, 0);
  d.ip = BigInt(address);
  const out: Instruction[] = [];
  let at = 0;
  try {
    while (out.length < count && d.canDecode) {
      const ins = d.decode();
      try {
        if (at + ins.length > bytes.length) break;
        out.push(describe(iced, formatter, ins, bytes.subarray(at, at + ins.length), address + at));
        at += ins.length;
      } finally {
        ins.free();
      }
    }
  } finally {
    d.free();
  }
  return out;
}

const SEGMENT_NAMES = ['es', 'cs', 'ss', 'ds'];
const STRING_OPS = /^(movs|stos|lods|scas|cmps|ins|outs)[bwlq]?$/;

/** One instruction as objdump prints it (libopcodes' AT&T conventions over iced's GAS formatter). */
function describe(x: Iced, f: IcedFormatter, ins: IcedInsn, bytes: Uint8Array, address: number): Instruction {
  const code = x.Code[ins.code] ?? '';
  if (code === 'INVALID') return { address, bytes, text: '(bad)' };
  let mnemonic = f.formatMnemonicOptions(ins, x.FormatMnemonicOptions.NoPrefixes);
  const prefixes = f.formatMnemonicOptions(ins, x.FormatMnemonicOptions.NoMnemonic).split(/\s+/).filter(Boolean);
  const ops: string[] = [];
  for (let i = 0; i < f.operandCount(ins); i++) ops.push(f.formatOperand(ins, i));

  // binutils 2.37+ prints call/jmp/push/pop/ret without the `q` suffix.
  mnemonic = mnemonic.replace(/^(call|jmp|push|pop|ret)q$/, '$1');
  // A segment override that 64-bit mode ignores is printed as a prefix word (`cs nopw 0x0(...)`).
  const seg = [x.Register.ES, x.Register.CS, x.Register.SS, x.Register.DS].indexOf(ins.segmentPrefix);
  const string = STRING_OPS.test(mnemonic);
  if (seg >= 0 && !string && !(prefixes.includes('notrack') && seg === 3)) {
    const name = SEGMENT_NAMES[seg]!;
    for (let i = 0; i < ops.length; i++) ops[i] = ops[i]!.replace(`%${name}:`, '');
    if (!prefixes.includes(name)) prefixes.push(name);
  }
  // Redundant operand-size prefixes (`66 66 2e 0f 1f 84 ...`): `data16` for each beyond the one that applies.
  let p66 = 0;
  for (const b of bytes) {
    if (b === 0x66) p66++;
    else if (b !== 0x2e && b !== 0x3e && b !== 0x26 && b !== 0x36 && b !== 0x64 && b !== 0x65 && b !== 0xf2 && b !== 0xf3 && b !== 0xf0) break;
  }
  if (p66 > 1) prefixes.unshift(...Array<string>(p66 - 1).fill('data16'));
  // String instructions name their implicit segments (`rep stos %eax,%es:(%rdi)`).
  if (string) {
    for (let i = 0; i < ops.length; i++) ops[i] = ops[i]!.replace(/^\((%[re]?si)\)$/, '%ds:($1)').replace(/^\((%[re]?di)\)$/, '%es:($1)');
    if (/^(cmps|scas)/.test(mnemonic)) for (let i = 0; i < prefixes.length; i++) prefixes[i] = prefixes[i] === 'repe' ? 'repz' : prefixes[i] === 'repne' ? 'repnz' : prefixes[i]!;
  } else {
    for (let i = 0; i < prefixes.length; i++) if (prefixes[i] === 'rep' || prefixes[i] === 'repe') prefixes[i] = 'repz';
  }
  // Scale 1 is spelled out when there is an index register: `(%rax,%rdx,1)`.
  if (ins.memoryIndex !== x.Register.None && ins.memoryIndexScale === 1) {
    for (let i = 0; i < ops.length; i++) ops[i] = ops[i]!.replace(/\((%?\w*),(%\w+)\)$/, '($1,$2,1)');
  }
  // Shifts and rotates by 1 (D0/D1 forms) print without the count.
  if (/_1$/.test(code) && /^(Rol|Ror|Rcl|Rcr|Shl|Sal|Shr|Sar)_/.test(code) && ops[0] === '$0x1') ops.shift();
  // Three-operand imul with the destination equal to the source.
  if (ins.opCount === 3 && ops.length === 2 && mnemonic.startsWith('imul')) ops.push(ops[1]!);
  // x87 forms whose operands iced leaves implicit.
  if (!ops.length && /^f(add|sub|subr|mul|div|divr)p$/.test(mnemonic)) ops.push('%st', '%st(1)');
  if (!ops.length && mnemonic === 'fxch') ops.push('%st(1)');

  const name = [...prefixes, mnemonic].join(' ');
  const text = ops.length ? `${name.padEnd(6)} ${ops.join(',')}` : name;
  const out: Instruction = { address, bytes, text };
  if (ins.op0Kind === x.OpKind.NearBranch64) out.target = Number(ins.nearBranch64);
  if (ins.isIpRelMemoryOperand) out.ripTarget = Number(ins.ipRelMemoryAddress);
  return out;
}

/**
 * The instruction text with its symbols as gdb prints it: a branch target
 * as `0x401136 <helper+6>`, a RIP-relative operand followed by
 * `        # 0x404028 <counter>`.
 */
export function instructionText(insn: Instruction, symbolize: Symbolizer): string {
  let text = insn.text;
  if (insn.target !== undefined) {
    const s = symbolize(insn.target);
    if (s) text += ` <${s}>`;
  }
  if (insn.ripTarget !== undefined) {
    const s = symbolize(insn.ripTarget);
    text += `        # 0x${insn.ripTarget.toString(16)}${s ? ` <${s}>` : ''}`;
  }
  return text;
}

/** The raw bytes as gdb 13's `/r` shows them: hex pairs separated by spaces. */
export function rawBytes(insn: Instruction): string {
  return [...insn.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
