// Bad input: every corrupt, unsupported or inconsistent input must give one
// clear HotlinkError — the right `kind`, a message naming the file and the
// offset / index / value at fault — and never a crash (RangeError,
// TypeError, a plain assertion Error) or a silently wrong image.
//
// Corrupt objects are real gcc-produced objects with bytes patched at
// offsets found by parsing their ELF headers here with a DataView; other
// fixtures (32-bit, aarch64, executables, archives) are built with the
// system tools into a temporary directory at test time.
//
// Run: npx tsc -p . && node --test dist/test/malformed.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HotlinkError, Jit } from '../src/index.js';
import type { ErrorKind } from '../src/errors.js';

const HOTLINK_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'hotlink.js');
const RESERVE = { rx: 0, r: 0, rw: 0, tls: 0 };

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hotlink-malformed-'));
});
after(() => {
  if (dir && !process.env.HOTLINK_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

// ---- fixtures ---------------------------------------------------------------------------

function run(cmd: string, args: string[], cwd = dir): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function must(cmd: string, args: string[]): void {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
}

function haveCommand(name: string): boolean {
  return spawnSync('/bin/sh', ['-c', `command -v '${name}' >/dev/null 2>&1`]).status === 0;
}

/** Writes `name` (a .c or .s file) into the temp dir and compiles it to an object with gcc -c; returns the object's path. */
function object(name: string, text: string, flags: string[] = ['-O1', '-fPIC']): string {
  const src = join(dir, name);
  const out = src.replace(/\.[cs]$/, '.o');
  writeFileSync(src, text);
  must('gcc', ['-c', ...flags, src, '-o', out]);
  return out;
}

const BASE_SOURCE = `
#include <stdio.h>
int counter = 1;
static int helper(int v) { return v * 2; }
int api(int v) { counter += helper(v); return printf("%d\\n", counter); }
`;

let baseObject: Uint8Array;
before(() => {
  baseObject = readFileSync(object('base.c', BASE_SOURCE));
});

// ---- an independent little ELF64 reader, to find the bytes to patch -----------------------

interface Shdr {
  index: number;
  /** File offset of this section header. */
  hdr: number;
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

interface Layout {
  size: number;
  shoff: number;
  shnum: number;
  shstrndx: number;
  sections: Shdr[];
  section(name: string): Shdr;
  symtab: Shdr;
  /** File offset of symbol `i`'s Elf64_Sym. */
  symOff(i: number): number;
  symName(i: number): string;
  /** Index of the symbol called `name`. */
  symIndex(name: string): number;
  symCount: number;
  /** File offset of entry `i` of a SHT_RELA section. */
  relaOff(rela: Shdr, i: number): number;
}

function layout(b: Uint8Array): Layout {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u64 = (o: number): number => Number(dv.getBigUint64(o, true));
  const cstr = (o: number): string => {
    let e = o;
    while (b[e] !== 0) e++;
    return Buffer.from(b.subarray(o, e)).toString('latin1');
  };
  const shoff = u64(0x28);
  const shnum = dv.getUint16(0x3c, true);
  const shstrndx = dv.getUint16(0x3e, true);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const h = shoff + i * 64;
    return {
      index: i, hdr: h, nameOff: dv.getUint32(h, true), name: '', type: dv.getUint32(h + 4, true),
      offset: u64(h + 24), size: u64(h + 32), link: dv.getUint32(h + 40, true), info: dv.getUint32(h + 44, true), entsize: u64(h + 56),
    };
  });
  const strtabOff = raw[shstrndx]!.offset;
  const sections: Shdr[] = raw.map(({ nameOff, ...s }) => ({ ...s, name: cstr(strtabOff + nameOff) }));
  const section = (name: string): Shdr => {
    const s = sections.find((x) => x.name === name);
    if (!s) throw new Error(`fixture has no section ${name}`);
    return s;
  };
  const symtab = sections.find((s) => s.type === 2)!;
  const symOff = (i: number): number => symtab.offset + i * 24;
  const symName = (i: number): string => cstr(sections[symtab.link]!.offset + dv.getUint32(symOff(i), true));
  const symCount = symtab.size / 24;
  const symIndex = (name: string): number => {
    for (let i = 1; i < symCount; i++) if (symName(i) === name) return i;
    throw new Error(`fixture has no symbol ${name}`);
  };
  return { size: b.length, shoff, shnum, shstrndx, sections, section, symtab, symOff, symName, symIndex, symCount, relaOff: (r, i) => r.offset + i * 24 };
}

/** A patched copy of `bytes`. */
function patched(bytes: Uint8Array, edit: (dv: DataView, b: Uint8Array, l: Layout) => void): Uint8Array {
  const b = Uint8Array.from(bytes);
  edit(new DataView(b.buffer), b, layout(b));
  return b;
}

const hex = (v: number): string => '0x' + v.toString(16);

// ---- linking and expecting errors -------------------------------------------------------

/** Links objects/archives (bytes with a display name, or paths) without the runtime; the image is freed afterwards. */
async function link(inputs: (string | [string, Uint8Array])[]): Promise<Jit> {
  const jit = new Jit({ runtime: false, reserve: RESERVE });
  try {
    for (const i of inputs) {
      if (typeof i === 'string') jit.addFile(i);
      else jit.addObject(i[1], i[0]);
    }
    await jit.link();
  } catch (e) {
    jit.free();
    throw e;
  }
  return jit;
}

/** Runs `fn`, which must throw a HotlinkError of `kind`; returns it. Any other exception (a crash) fails the test with its stack. */
async function expectError(kind: ErrorKind, fn: () => unknown): Promise<HotlinkError> {
  let result: unknown;
  try {
    result = await fn();
  } catch (e) {
    if (!(e instanceof HotlinkError)) assert.fail(`expected a HotlinkError (${kind}), got a crash: ${(e as Error)?.stack ?? String(e)}`);
    assert.equal(e.kind, kind, `wrong kind for: ${e.message}`);
    assert.ok(e.message.length > 0 && e.message.length < 2000, 'the message must be short and non-empty');
    return e;
  }
  if (result instanceof Jit) result.free();
  assert.fail(`expected a HotlinkError (${kind}), but it succeeded`);
}

/** Links one corrupt object given as bytes and returns the error. */
function linkError(kind: ErrorKind, name: string, bytes: Uint8Array): Promise<HotlinkError> {
  return expectError(kind, () => link([[name, bytes]]));
}

/** Asserts the message contains every fragment (strings literally). */
function includesAll(message: string, ...fragments: string[]): void {
  for (const f of fragments) assert.ok(message.includes(f), `message lacks '${f}':\n${message}`);
}

// ---- ELF header -------------------------------------------------------------------------

describe('ELF header', () => {
  test('the unpatched fixture links (the corrupt copies below differ from it only in the patched bytes)', async () => {
    const jit = await link([['base.o', baseObject]]);
    assert.ok(jit.lookup('api'));
    jit.free();
  });

  test('truncated object: cut at several lengths, each one clear malformed-input error with the sizes', async () => {
    const l = layout(baseObject);
    const text = l.section('.text');
    const cuts = [0, 1, 4, 16, 63, 64, text.offset + 2, l.section('.symtab').offset + 30, l.shoff, l.shoff + 64 * 3 + 5, l.size - 1];
    for (const n of cuts) {
      const e = await linkError('malformed-input', 'cut.o', baseObject.subarray(0, n));
      assert.match(e.message, /^cut\.o: /, `cut at ${n}`);
      if (n < 64) includesAll(e.message, `${n} bytes is shorter than an ELF header (64)`);
      else includesAll(e.message, `runs past the end of the file (size ${hex(n)})`);
    }
  });

  test('truncated object: every length from 0 to the full size gives a HotlinkError, never a crash', async () => {
    for (let n = 0; n < baseObject.length; n++) {
      const e = await linkError('malformed-input', `cut${n}.o`, baseObject.slice(0, n));
      assert.ok(e.message.startsWith(`cut${n}.o: `), `cut at ${n}: ${e.message}`);
    }
  });

  test('bad magic', async () => {
    const b = patched(baseObject, (_, b) => (b[1] = 0x46)); // \x7fFLF
    const e = await linkError('malformed-input', 'magic.o', b);
    includesAll(e.message, 'magic.o: not an ELF object: bad magic 0x464c467f at offset 0x0');
  });

  test('32-bit ELF class (a real ELFCLASS32 object from as --32)', async (t) => {
    if (!haveCommand('as')) return t.skip('no GNU as');
    const path = join(dir, 'x32.s');
    writeFileSync(path, '  .text\n  .globl f\nf: ret\n');
    must('as', ['--32', path, '-o', join(dir, 'x32.o')]);
    const e = await expectError('unsupported', () => link([join(dir, 'x32.o')]));
    includesAll(e.message, `${join(dir, 'x32.o')}: EI_CLASS 1 at offset 0x4 is not ELFCLASS64 (2)`);
  });

  test('big-endian (EI_DATA patched to ELFDATA2MSB)', async () => {
    const e = await linkError('unsupported', 'be.o', patched(baseObject, (_, b) => (b[5] = 2)));
    includesAll(e.message, 'be.o: EI_DATA 2 at offset 0x5 is not little-endian (1)');
  });

  test('ET_EXEC and ET_DYN inputs are refused: only relocatable objects link', async () => {
    const c = join(dir, 'exe.c');
    writeFileSync(c, 'int main(void) { return 0; }\n');
    must('gcc', ['-no-pie', c, '-o', join(dir, 'exe.o')]); // named .o so addFile treats it as an object
    must('gcc', ['-shared', '-fPIC', c, '-o', join(dir, 'dso.o')]);
    const exe = await expectError('unsupported', () => link([join(dir, 'exe.o')]));
    includesAll(exe.message, `${join(dir, 'exe.o')}: e_type 2 at offset 0x10 is not ET_REL (1)`);
    const dso = await expectError('unsupported', () => link([join(dir, 'dso.o')]));
    includesAll(dso.message, `${join(dir, 'dso.o')}: e_type 3 at offset 0x10 is not ET_REL (1)`);
  });

  test('wrong machine: an aarch64 object (aarch64-linux-gnu-as, else e_machine patched to 183)', async () => {
    let bytes: Uint8Array;
    if (haveCommand('aarch64-linux-gnu-as')) {
      const s = join(dir, 'arm.s');
      writeFileSync(s, '  .text\n  .globl f\nf: ret\n');
      must('aarch64-linux-gnu-as', [s, '-o', join(dir, 'arm.o')]);
      bytes = readFileSync(join(dir, 'arm.o'));
      assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getUint16(18, true), 183);
    } else {
      bytes = patched(baseObject, (dv) => dv.setUint16(18, 183, true));
    }
    const e = await linkError('unsupported', 'arm.o', bytes);
    includesAll(e.message, 'arm.o: e_machine 183 does not match', 'x86-64 (62)');
  });

  test('e_shoff past the end of the file', async () => {
    const l = layout(baseObject);
    const off = l.size + 0x1000;
    const e = await linkError('malformed-input', 'shoff.o', patched(baseObject, (dv) => dv.setBigUint64(0x28, BigInt(off), true)));
    includesAll(e.message, 'shoff.o: ', `section header table (${l.shnum} entries) at offset ${hex(off)}`, `runs past the end of the file (size ${hex(l.size)})`);
  });

  test('e_shoff too large to be an offset (2^63)', async () => {
    const e = await linkError('malformed-input', 'shoff64.o', patched(baseObject, (dv) => dv.setBigUint64(0x28, 1n << 63n, true)));
    includesAll(e.message, 'shoff64.o: e_shoff at offset 0x28 has value 0x8000000000000000');
  });

  test('e_shoff 0: no section header table', async () => {
    const e = await linkError('malformed-input', 'noshdr.o', patched(baseObject, (dv) => dv.setBigUint64(0x28, 0n, true)));
    includesAll(e.message, 'noshdr.o: e_shoff is 0');
  });

  test('bad e_shstrndx', async () => {
    const l = layout(baseObject);
    const e = await linkError('malformed-input', 'shstrndx.o', patched(baseObject, (dv) => dv.setUint16(0x3e, l.shnum + 5, true)));
    includesAll(e.message, `shstrndx.o: e_shstrndx ${l.shnum + 5} is not a section index (there are ${l.shnum})`);
  });

  test('bad e_shentsize', async () => {
    const e = await linkError('malformed-input', 'shentsize.o', patched(baseObject, (dv) => dv.setUint16(0x3a, 40, true)));
    includesAll(e.message, 'shentsize.o: e_shentsize 40 at offset 0x3a is not 64');
  });
});

// ---- sections and symbols -------------------------------------------------------------------

describe('sections and symbols', () => {
  test('a section whose offset is past the end of the file', async () => {
    const l = layout(baseObject);
    const text = l.section('.text');
    const off = l.size + 0x10;
    const b = patched(baseObject, (dv) => dv.setBigUint64(text.hdr + 24, BigInt(off), true));
    const e = await linkError('malformed-input', 'secoff.o', b);
    includesAll(e.message, `secoff.o: contents of section [${text.index}] at offset ${hex(off)} (size ${hex(text.size)}) runs past the end of the file`);
  });

  test('a section whose size runs past the end of the file', async () => {
    const l = layout(baseObject);
    const data = l.section('.data');
    const b = patched(baseObject, (dv) => dv.setBigUint64(data.hdr + 32, 0x100000n, true));
    const e = await linkError('malformed-input', 'secsize.o', b);
    includesAll(e.message, `secsize.o: contents of section [${data.index}] at offset ${hex(data.offset)} (size 0x100000) runs past the end`);
  });

  test('a section name offset outside .shstrtab', async () => {
    const l = layout(baseObject);
    const text = l.section('.text');
    const b = patched(baseObject, (dv) => dv.setUint32(text.hdr, 0x7ffff, true));
    const e = await linkError('malformed-input', 'secname.o', b);
    includesAll(e.message, `secname.o: name of section [${text.index}]`);
  });

  test('a symbol whose st_shndx is out of range', async () => {
    const l = layout(baseObject);
    const i = l.symIndex('api');
    const bad = l.shnum + 3;
    const b = patched(baseObject, (dv) => dv.setUint16(l.symOff(i) + 6, bad, true));
    const e = await linkError('malformed-input', 'shndx.o', b);
    includesAll(e.message, `shndx.o: symbol 'api' (${i}) has section index ${bad}, out of range (${l.shnum} sections)`);
  });

  test('a symbol with a reserved st_shndx (0xff10)', async () => {
    const l = layout(baseObject);
    const i = l.symIndex('counter');
    const e = await linkError('malformed-input', 'reserved.o', patched(baseObject, (dv) => dv.setUint16(l.symOff(i) + 6, 0xff10, true)));
    includesAll(e.message, `reserved.o: symbol ${i} has reserved section index 0xff10`);
  });

  test('a symbol name offset outside .strtab', async () => {
    const l = layout(baseObject);
    const i = l.symIndex('api');
    const e = await linkError('malformed-input', 'symname.o', patched(baseObject, (dv) => dv.setUint32(l.symOff(i), 0x7ffff, true)));
    includesAll(e.message, `symname.o: name of symbol ${i} offset 0x`);
  });

  test("the symbol table's sh_link (its string table) is not a section", async () => {
    const l = layout(baseObject);
    for (const link of [999, 0]) {
      const e = await linkError('malformed-input', 'symlink.o', patched(baseObject, (dv) => dv.setUint32(l.symtab.hdr + 40, link, true)));
      includesAll(e.message, `symlink.o: sh_link of the symbol table: section index ${link} is out of range (1..${l.shnum - 1})`);
    }
  });

  test('symbol table sh_entsize is not 24', async () => {
    const l = layout(baseObject);
    const e = await linkError('malformed-input', 'entsize.o', patched(baseObject, (dv) => dv.setBigUint64(l.symtab.hdr + 56, 16n, true)));
    includesAll(e.message, 'entsize.o: symbol table sh_entsize 16 is not 24');
  });
});

// ---- relocations --------------------------------------------------------------------------

describe('relocations', () => {
  test('r_offset outside its section', async () => {
    const l = layout(baseObject);
    const rela = l.section('.rela.text');
    const text = l.section('.text');
    const off = text.size + 8;
    const b = patched(baseObject, (dv) => dv.setBigUint64(l.relaOff(rela, 0), BigInt(off), true));
    const e = await linkError('malformed-input', 'roff.o', b);
    includesAll(e.message, `roff.o: relocation 0 in .rela.text: r_offset ${hex(off)} is outside section .text (size ${hex(text.size)})`);
  });

  test('r_offset whose 4-byte field straddles the end of its section', async () => {
    const l = layout(baseObject);
    const rela = l.section('.rela.text');
    const text = l.section('.text');
    // Entry 0 is a 4-byte PC32/PLT32/GOTPCRELX field: put it at the last byte of .text.
    const type = new DataView(baseObject.buffer, baseObject.byteOffset).getUint32(l.relaOff(rela, 0) + 8, true);
    assert.ok([2, 4, 9, 41, 42].includes(type), `entry 0 has type ${type}`);
    const off = text.size - 1;
    const b = patched(baseObject, (dv) => dv.setBigUint64(l.relaOff(rela, 0), BigInt(off), true));
    const e = await linkError('malformed-input', 'straddle.o', b);
    includesAll(e.message, 'straddle.o: ', `.text+${hex(off)}`, 'runs past the end of the section');
  });

  test('relocation symbol index out of range', async () => {
    const l = layout(baseObject);
    const rela = l.section('.rela.text');
    const o = l.relaOff(rela, 1);
    const off = Number(new DataView(baseObject.buffer, baseObject.byteOffset).getBigUint64(o, true));
    const b = patched(baseObject, (dv) => dv.setUint32(o + 12, 9999, true));
    const e = await linkError('malformed-input', 'rsym.o', b);
    includesAll(e.message, `rsym.o: relocation 1 in .rela.text at offset ${hex(off)}: symbol index 9999 is out of range (${l.symCount} symbols)`);
  });

  test('unknown relocation type (r_info type patched to 200)', async () => {
    const l = layout(baseObject);
    const rela = l.section('.rela.text');
    const o = l.relaOff(rela, 0);
    const dv0 = new DataView(baseObject.buffer, baseObject.byteOffset);
    const off = Number(dv0.getBigUint64(o, true));
    const sym = l.symName(dv0.getUint32(o + 12, true));
    const b = patched(baseObject, (dv) => dv.setUint32(o + 8, 200, true));
    const e = await linkError('relocation', 'rtype.o', b);
    includesAll(e.message, `rtype.o: .text+${hex(off)}: relocation against '${sym || ''}`, 'unknown relocation type 200 (0xc8) for x86-64');
  });

  test('a known relocation type that cannot appear in an object (R_X86_64_JUMP_SLOT)', async () => {
    const l = layout(baseObject);
    const rela = l.section('.rela.text');
    const b = patched(baseObject, (dv) => dv.setUint32(l.relaOff(rela, 0) + 8, 7, true));
    const e = await linkError('relocation', 'jslot.o', b);
    includesAll(e.message, 'jslot.o: .text+0x', 'R_X86_64_JUMP_SLOT is a dynamic relocation');
  });

  test('relocation section linked to a section other than the symbol table', async () => {
    const l = layout(baseObject);
    const rela = l.section('.rela.text');
    const e = await linkError('malformed-input', 'rlink.o', patched(baseObject, (dv) => dv.setUint32(rela.hdr + 40, 1, true)));
    includesAll(e.message, `rlink.o: relocation section .rela.text [${rela.index}] links to section 1, not the symbol table [${l.symtab.index}]`);
  });

  test('relocation section whose sh_info names no section', async () => {
    const l = layout(baseObject);
    const rela = l.section('.rela.text');
    const e = await linkError('malformed-input', 'rinfo.o', patched(baseObject, (dv) => dv.setUint32(rela.hdr + 44, 500, true)));
    includesAll(e.message, `rinfo.o: sh_info of relocation section .rela.text [${rela.index}]: section index 500 is out of range (1..${l.shnum - 1})`);
  });
});

// ---- robustness sweep -----------------------------------------------------------------

describe('no crash on corrupt headers', () => {
  test('every field of every section header, symbol and relocation, set to hostile values: success or a HotlinkError', async () => {
    const l = layout(baseObject);
    // [file offset, width] of each field to corrupt.
    const fields: [number, number][] = [];
    for (const s of l.sections) {
      for (const [o, w] of [[0, 4], [4, 4], [8, 8], [24, 8], [32, 8], [40, 4], [44, 4], [48, 8], [56, 8]] as const) fields.push([s.hdr + o, w]);
    }
    for (let i = 0; i < l.symCount; i++) for (const [o, w] of [[0, 4], [4, 1], [6, 2], [8, 8], [16, 8]] as const) fields.push([l.symOff(i) + o, w]);
    for (const s of l.sections.filter((x) => x.type === 4)) {
      for (let i = 0; i < s.size / 24; i++) for (const [o, w] of [[0, 8], [8, 4], [12, 4], [16, 8]] as const) fields.push([l.relaOff(s, i) + o, w]);
    }
    const values = (w: number, orig: bigint): bigint[] => {
      const max = (1n << BigInt(8 * w)) - 1n;
      return [0n, 1n, max, max >> 1n, (orig + 0x1000n) & max, (orig ^ 0x10n) & max, w === 8 ? 1n << 52n : max - 1n];
    };
    const crashes: string[] = [];
    let linked = 0;
    for (const [at, w] of fields) {
      const dv0 = new DataView(baseObject.buffer, baseObject.byteOffset);
      const orig = w === 8 ? dv0.getBigUint64(at, true) : BigInt(w === 4 ? dv0.getUint32(at, true) : w === 2 ? dv0.getUint16(at, true) : dv0.getUint8(at));
      for (const v of values(w, orig)) {
        if (v === orig) continue;
        const b = patched(baseObject, (dv) => {
          if (w === 8) dv.setBigUint64(at, v, true);
          else if (w === 4) dv.setUint32(at, Number(v), true);
          else if (w === 2) dv.setUint16(at, Number(v), true);
          else dv.setUint8(at, Number(v));
        });
        try {
          const jit = await link([['fuzz.o', b]]);
          linked++;
          jit.free();
        } catch (e) {
          if (!(e instanceof HotlinkError)) crashes.push(`offset ${hex(at)} (width ${w}) = ${hex(Number(v))}: ${(e as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e)}`);
          else if (!e.message.includes('fuzz.o') && e.kind !== 'unresolved' && e.kind !== 'capacity') crashes.push(`offset ${hex(at)} = ${hex(Number(v))}: message does not name the file: ${e.message}`);
        }
      }
    }
    assert.ok(linked > 0, 'some harmless corruptions should still link');
    assert.deepEqual(crashes, []);
  });
});

// ---- archives -------------------------------------------------------------------------

describe('archives', () => {
  let aObj = '';
  let bObj = '';
  let archive: Uint8Array;
  let archivePath = '';
  /** Header offsets of the archive's members, by name ('/', 'a.o/', ...). */
  const headers = new Map<string, number>();
  before(() => {
    aObj = object('a.c', 'int a_fn(void) { return 1; }\n');
    bObj = object('b.c', 'int b_fn(void) { return 2; }\n');
    archivePath = join(dir, 'lib.a');
    rmSync(archivePath, { force: true });
    must('ar', ['rcs', archivePath, aObj, bObj]);
    archive = readFileSync(archivePath);
    for (let off = 8; off + 60 <= archive.length;) {
      const name = Buffer.from(archive.subarray(off, off + 16)).toString('latin1').trimEnd();
      const size = Number(Buffer.from(archive.subarray(off + 48, off + 58)).toString('latin1').trim());
      headers.set(name, off);
      off += 60 + size + (size & 1);
    }
    assert.ok(headers.has('a.o/') && headers.has('b.o/'), `unexpected members: ${[...headers.keys()]}`);
  });

  const withSize = (off: number, text: string): Uint8Array => {
    const b = Uint8Array.from(archive);
    b.set(Buffer.from(text.padEnd(10, ' '), 'latin1'), off + 48);
    return b;
  };

  test('the unpatched archive links a member on demand', async () => {
    const main = object('usea.c', 'int a_fn(void); int use(void) { return a_fn(); }\n');
    const jit = await link([main, archivePath]);
    assert.ok(jit.lookup('a_fn'));
    assert.equal(jit.lookup('b_fn'), undefined);
    jit.free();
  });

  test('member size past the end of the file', async () => {
    const off = headers.get('a.o/')!;
    const e = await expectError('malformed-input', () => link([['big.a', withSize(off, '99999999')]]));
    includesAll(e.message, `big.a: member 'a.o/' at offset ${hex(off)} has size 99999999, past the end of the file (${hex(archive.length)})`);
  });

  test('member size field not a number', async () => {
    const off = headers.get('b.o/')!;
    const e = await expectError('malformed-input', () => link([['nan.a', withSize(off, '12x4')]]));
    includesAll(e.message, `nan.a: member header at offset ${hex(off)} is corrupt (size field '12x4')`);
  });

  test('truncated member header', async () => {
    const off = headers.get('b.o/')!;
    const e = await expectError('malformed-input', () => link([['cut.a', archive.slice(0, off + 30)]]));
    includesAll(e.message, `cut.a: member header at offset ${hex(off)} is truncated (file size ${hex(off + 30)})`);
  });

  test('truncated archive: every cut length gives a HotlinkError, never a crash', async () => {
    for (let n = 8; n < archive.length; n++) {
      try {
        const jit = await link([[`cut${n}.a`, archive.slice(0, n)]]);
        jit.free();
      } catch (e) {
        assert.ok(e instanceof HotlinkError, `cut at ${n}: ${(e as Error)?.stack}`);
        assert.ok(e.message.startsWith(`cut${n}.a: `), `cut at ${n}: ${e.message}`);
      }
    }
  });

  test('a symbol index entry that points at no member header', async () => {
    const sym = headers.get('/')!;
    const b = Uint8Array.from(archive);
    const dv = new DataView(b.buffer);
    dv.setUint32(sym + 60 + 4, 12345, false); // first member offset of the (big-endian) GNU index
    const e = await expectError('malformed-input', () => link([['index.a', b]]));
    includesAll(e.message, "index.a: symbol index entry '", 'points at offset 0x3039, which is not a member header');
  });

  test('a corrupt member object is reported as archive(member) when it is pulled in', async () => {
    const off = headers.get('b.o/')!;
    const b = Uint8Array.from(archive);
    b[off + 60 + 1] = 0x46; // b.o's ELF magic
    const main = object('useb.c', 'int b_fn(void); int use(void) { return b_fn(); }\n');
    const e = await expectError('malformed-input', () => link([main, ['lib.a', b]]));
    includesAll(e.message, 'lib.a(b.o): not an ELF object: bad magic');
  });

  test('thin archive: "!<thin>\\n" is refused with a message that says thin', async () => {
    const thin = join(dir, 'thin.a');
    rmSync(thin, { force: true });
    must('ar', ['rcsT', thin, aObj]);
    assert.equal(readFileSync(thin).subarray(0, 8).toString('latin1'), '!<thin>\n');
    const e = await expectError('unsupported', () => link([thin]));
    includesAll(e.message, `${thin}: thin archives are not supported`);
  });
});

// ---- symbol resolution ----------------------------------------------------------------------

describe('symbol resolution', () => {
  test('unresolved symbols: every missing name, with every file referencing it', async () => {
    const a = object('ua.c', 'int missing_one(void); int missing_two(void); int fa(void) { return missing_one() + missing_two(); }\n');
    const b = object('ub.c', 'extern int missing_two(void); int fb(void) { return missing_two(); }\n');
    const e = await expectError('unresolved', () => link([a, b]));
    includesAll(e.message, 'undefined symbols', `missing_one, referenced by ${a}\n`, `missing_two, referenced by ${a}, ${b}`);
    assert.equal(e.message.split('\n').length, 3, e.message);
  });

  test('duplicate strong definitions: the message names both files', async () => {
    const one = object('dup1.c', 'int dup = 1;\n');
    const two = object('dup2.c', 'int dup(void) { return 2; }\n');
    const e = await expectError('duplicate', () => link([one, two]));
    includesAll(e.message, `duplicate symbol 'dup': defined in ${one} and in ${two}`);
  });

  test('a weak and a strong definition: the link succeeds and the strong one wins, in either order', async () => {
    const weak = object('weak.c', 'int pick __attribute__((weak)) = 1;\nint weak_reader(void) { return pick; }\n');
    const strong = object('strong.c', 'int pick = 2;\n');
    for (const order of [[weak, strong], [strong, weak]]) {
      const jit = await link(order);
      const at = jit.lookup('pick');
      assert.ok(at !== undefined);
      assert.equal(new DataView(jit.read(at, 4).buffer).getInt32(0, true), 2, `order ${order}`);
      assert.equal(jit.addrToSym(at)?.file, strong);
      jit.free();
    }
  });
});

// ---- the command line -------------------------------------------------------------------

describe('hotlink run: errors on the command line', () => {
  const hotlink = (args: string[]): { status: number; stdout: string; stderr: string } => {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, [HOTLINK_BIN, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  test('a compile error: exit 1, the compiler diagnostic verbatim on stderr, nothing run', () => {
    writeFileSync(join(dir, 'good.c'), '#include <stdio.h>\nint main(void) { puts("RAN"); return 0; }\n');
    writeFileSync(join(dir, 'bad.c'), 'int helper(void) {\n  return undeclared_thing + 1;\n}\n');
    const r = hotlink(['run', 'good.c', 'bad.c']);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '', 'nothing may run');
    // The same compiler, flags, cwd and path: its diagnostic must appear unchanged.
    const cc = (process.env.CC?.trim() || 'cc').split(/\s+/);
    const direct = run(cc[0]!, [...cc.slice(1), '-c', '-g', '-fPIC', '-o', join(dir, 'bad-direct.o'), 'bad.c']);
    assert.notEqual(direct.status, 0);
    assert.match(direct.stderr, /undeclared_thing\S* undeclared/); // the quotes depend on the locale
    assert.ok(r.stderr.includes(direct.stderr), `stderr does not contain the compiler's diagnostic verbatim:\n--- hotlink\n${r.stderr}\n--- ${cc.join(' ')}\n${direct.stderr}`);
    assert.match(r.stderr, /^hotlink: error: bad\.c: compilation failed \(.+ exited with 1\)\n$/m);
    assert.ok(!r.stderr.includes('internal error'));
  });

  const oneLine = (r: { status: number; stdout: string; stderr: string }, ...fragments: string[]): void => {
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^hotlink: error: [^\n]+\n$/, `expected exactly one 'hotlink: error:' line, got:\n${r.stderr}`);
    includesAll(r.stderr, ...fragments);
  };

  test('a corrupt object: exit 1 and one line', () => {
    writeFileSync(join(dir, 'cli-magic.o'), patched(baseObject, (_, b) => (b[0] = 0)));
    oneLine(hotlink(['run', 'cli-magic.o']), 'cli-magic.o: not an ELF object: bad magic');
  });

  test('an unknown relocation type: exit 1 and one line', () => {
    const l = layout(baseObject);
    writeFileSync(join(dir, 'cli-rtype.o'), patched(baseObject, (dv) => dv.setUint32(l.relaOff(l.section('.rela.text'), 0) + 8, 200, true)));
    writeFileSync(join(dir, 'cli-main.c'), 'int api(int); int main(void) { return api(1); }\n');
    oneLine(hotlink(['run', 'cli-main.c', 'cli-rtype.o']), 'cli-rtype.o: .text+0x', 'unknown relocation type 200');
  });

  test('duplicate definitions: exit 1 and one line naming both files', () => {
    writeFileSync(join(dir, 'cli-d1.c'), 'int twice = 1; int main(void) { return 0; }\n');
    writeFileSync(join(dir, 'cli-d2.c'), 'int twice = 2;\n');
    oneLine(hotlink(['run', 'cli-d1.c', 'cli-d2.c']), "duplicate symbol 'twice'", 'cli-d1.o', 'cli-d2.o');
  });

  test('a thin archive: exit 1 and one line', () => {
    writeFileSync(join(dir, 'cli-t.c'), 'int main(void) { return 0; }\n');
    rmSync(join(dir, 'cli-thin.a'), { force: true });
    must('ar', ['rcsT', join(dir, 'cli-thin.a'), join(dir, 'base.o')]);
    oneLine(hotlink(['run', 'cli-t.c', 'cli-thin.a']), 'cli-thin.a: thin archives are not supported');
  });

  test('unresolved symbols: exit 1, the error names the symbol and the referencing file', () => {
    writeFileSync(join(dir, 'cli-u.c'), 'int nowhere_to_be_found(void); int main(void) { return nowhere_to_be_found(); }\n');
    const r = hotlink(['run', 'cli-u.c']);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^hotlink: error: undefined symbol/);
    includesAll(r.stderr, 'nowhere_to_be_found, referenced by cli-u.o');
    assert.ok(!r.stderr.includes('internal error'));
  });
});
