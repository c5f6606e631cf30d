// The DWARF and CFI reader (src/dwarf/) against the tools that define the
// right answer: C fixtures (test/dwarf-fixtures/) are compiled with gcc 12
// and clang 19 at -O0 and -O2 (DWARF 5, and DWARF 4 once each), then
//   - every DIE, attribute, string, reference, range and location list is
//     compared with llvm-dwarfdump-19 --debug-info,
//   - line tables with objdump --dwarf=decodedline and llvm-dwarfdump --debug-line,
//   - typeName()/ptypeText() with gdb's whatis/ptype on the same object,
//   - CFA and register rules with readelf --debug-dump=frames-interp,
//   - abiSignature() with the psABI classes written beside each case,
// and corrupt inputs must fail with a HotlinkError naming file, section and offset.

import { test, before, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ElfObject } from '../src/elf/object.js';
import { HotlinkError } from '../src/errors.js';
import * as D from '../src/dwarf/index.js';
import { repoRoot, runCommand, runCommandAsync, tmpDir, haveCommand, needs, skipMissing } from './helpers.js';

const FIXTURES = path.join(repoRoot, 'test', 'dwarf-fixtures');
const LLVM_DWARFDUMP = 'llvm-dwarfdump-19';

interface Build {
  name: string;
  cc: string;
  flags: string[];
}

const BUILDS: Build[] = [
  { name: 'gcc-O0', cc: 'gcc', flags: ['-g', '-O0'] },
  { name: 'gcc-O2', cc: 'gcc', flags: ['-g', '-O2'] },
  { name: 'clang-O0', cc: 'clang-19', flags: ['-g', '-O0'] },
  { name: 'clang-O2', cc: 'clang-19', flags: ['-g', '-O2'] },
  { name: 'gcc-O2-dwarf4', cc: 'gcc', flags: ['-g', '-gdwarf-4', '-O2'] },
  { name: 'clang-O2-dwarf4', cc: 'clang-19', flags: ['-g', '-gdwarf-4', '-O2'] },
];
const SOURCES = ['types', 'funcs', 'abi', 'cfi'];

// Each test names the tools it needs; the fixtures need gcc, and the clang-19 builds clang-19. A test
// over every build runs the builds whose compiler exists and reports itself skipped for the others.
const skip = needs('gcc');
const BUILT = BUILDS.filter((b) => haveCommand(b.cc));
/** The fixture keys (`funcs-clang-O2`, `cfi-clang-fexceptions`) whose compiler exists. */
const built = (keys: string[]): string[] => keys.filter((k) => !k.includes('clang') || haveCommand('clang-19'));
/** After a test over every build: skipped, naming clang-19, when its builds did not run. */
const clangPart = (t: TestContext): void => skipMissing(t, 'the clang-19 builds', 'clang-19');

let dir = '';
/** Compiled objects: `${source}-${build}` -> path. */
const objects = new Map<string, string>();

before(async () => {
  if (skip) return;
  dir = tmpDir(undefined, 'hotlink-dwarf-'); // removed when the process exits
  const jobs: Promise<void>[] = [];
  for (const src of SOURCES) {
    for (const b of BUILT) {
      const out = path.join(dir, `${src}-${b.name}.o`);
      // Relative source paths, as a build system would pass them.
      const args = ['-c', ...b.flags, '-w', `${src}.c`, '-o', out];
      jobs.push(
        runCommandAsync(b.cc, args, { cwd: FIXTURES }).then((r) => {
          if (r.status !== 0) throw new Error(`${b.cc} ${args.join(' ')} failed:\n${r.stderr}`);
          objects.set(`${src}-${b.name}`, out);
        }),
      );
    }
  }
  // CFI variants: .debug_frame instead of .eh_frame; personality and LSDA ("zPLR") with -fexceptions.
  const variants: [string, string, string[]][] = [
    ['cfi-debug_frame', 'gcc', ['-O2', '-fno-asynchronous-unwind-tables']],
    ['cfi-gcc-fexceptions', 'gcc', ['-O2', '-fexceptions']],
    ['cfi-clang-fexceptions', 'clang-19', ['-O2', '-fexceptions']],
  ];
  for (const [key, cc, flags] of variants.filter(([, cc]) => haveCommand(cc))) {
    const out = path.join(dir, `${key}.o`);
    jobs.push(
      runCommandAsync(cc, ['-c', '-g', ...flags, '-w', 'cfi.c', '-o', out], { cwd: FIXTURES }).then((r) => {
        if (r.status !== 0) throw new Error(r.stderr);
        objects.set(key, out);
      }),
    );
  }
  await Promise.all(jobs);
});

function objectPath(key: string): string {
  const p = objects.get(key);
  if (!p) throw new Error(`fixture object ${key} was not built`);
  return p;
}

interface Opened {
  obj: ElfObject;
  sections: D.DebugSections;
  info: D.DwarfInfo;
  cfi: D.CallFrameInfo;
}

function open(file: string): Opened {
  const obj = new ElfObject(readFileSync(file), file);
  const { sections, info, cfi } = D.readDebugInfo(obj, D.sectionOffsetSymbolValue(obj));
  return { obj, sections, info, cfi };
}

function tool(cmd: string, args: string[]): string {
  const r = runCommand(cmd, args, { timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

// ---- llvm-dwarfdump --debug-info ---------------------------------------------

interface DumpDie {
  offset: number;
  tag: string;
  attrs: Map<string, string>;
}

/** Parses llvm-dwarfdump's DIE dump: offset, tag, and each attribute's text (multi-line values joined). */
function parseDwarfdump(text: string): DumpDie[] {
  const dies: DumpDie[] = [];
  let cur: DumpDie | undefined;
  let lastAttr: string | undefined;
  for (const line of text.split('\n')) {
    const head = /^0x([0-9a-f]+):\s+(DW_TAG_\w+|NULL)/.exec(line);
    if (head) {
      cur = head[2] === 'NULL' ? undefined : { offset: parseInt(head[1]!, 16), tag: head[2]!, attrs: new Map() };
      if (cur) dies.push(cur);
      lastAttr = undefined;
      continue;
    }
    const attr = /^\s+(DW_AT_\w+)\t\((.*)$/.exec(line);
    if (attr && cur) {
      cur.attrs.set(attr[1]!, attr[2]!);
      lastAttr = attr[1]!;
      continue;
    }
    if (cur && lastAttr && line.trim() !== '') cur.attrs.set(lastAttr, cur.attrs.get(lastAttr)! + '\n' + line.trim());
    else lastAttr = undefined;
  }
  return dies;
}

/** All DW_OP_* names in a dump of an expression, nested ones included. */
function opNamesIn(text: string): string[] {
  return [...text.matchAll(/DW_OP_\w+/g)].map((m) => m[0]);
}

/** Our op names for an expression, descending into DW_OP_entry_value blocks as llvm-dwarfdump prints them. */
function ourOpNames(expr: Uint8Array): string[] {
  const out: string[] = [];
  for (const o of D.decodeExpression(expr, { addressSize: 8 })) {
    out.push(D.opName(o.op));
    if ((o.op === D.DW_OP_entry_value || o.op === D.DW_OP_GNU_entry_value) && o.operands[0] instanceof Uint8Array) out.push(...ourOpNames(o.operands[0]));
  }
  return out;
}

/** `[0x..., 0x...)` pairs in a dump. */
function rangesIn(text: string): string[] {
  return [...text.matchAll(/\[(0x[0-9a-f]+), (0x[0-9a-f]+)\)/g)].map((m) => `${BigInt(m[1]!)}-${BigInt(m[2]!)}`);
}

const NUMERIC_ATTRS = new Set([
  'DW_AT_byte_size', 'DW_AT_bit_size', 'DW_AT_data_bit_offset', 'DW_AT_data_member_location', 'DW_AT_decl_line',
  'DW_AT_decl_column', 'DW_AT_call_line', 'DW_AT_call_column', 'DW_AT_upper_bound', 'DW_AT_count', 'DW_AT_const_value',
  'DW_AT_alignment', 'DW_AT_stmt_list', 'DW_AT_str_offsets_base', 'DW_AT_addr_base', 'DW_AT_loclists_base',
  'DW_AT_rnglists_base', 'DW_AT_low_pc', 'DW_AT_entry_pc', 'DW_AT_call_return_pc', 'DW_AT_GNU_locviews', 'DW_AT_GNU_entry_view',
]);

/** Compares one of our DIEs with llvm-dwarfdump's; returns the differences. */
function compareDie(die: D.Die, want: DumpDie): string[] {
  const diffs: string[] = [];
  const where = `DIE ${want.offset.toString(16)} (${want.tag})`;
  if (D.tagName(die.tag) !== want.tag) diffs.push(`${where}: tag ${D.tagName(die.tag)}`);
  const ours = die.attributes();
  const names = ours.map((a) => D.attrName(a.at));
  const wantNames = [...want.attrs.keys()];
  if (names.join(',') !== wantNames.join(',')) {
    diffs.push(`${where}: attributes ${names.join(',')} != ${wantNames.join(',')}`);
    return diffs;
  }
  for (const a of ours) {
    const name = D.attrName(a.at);
    const text = want.attrs.get(name)!;
    const v = a.value;
    let ok = true;
    let got = '';
    if (D.isReferenceForm(a.form)) {
      const m = /^0x([0-9a-f]+)/.exec(text);
      ok = !!m && parseInt(m[1]!, 16) === v;
      got = String(v);
    } else if (typeof v === 'string' && (name === 'DW_AT_name' || name === 'DW_AT_linkage_name' || name === 'DW_AT_producer' || name === 'DW_AT_comp_dir')) {
      ok = text === `"${v}")`;
      got = v;
    } else if (name === 'DW_AT_decl_file' || name === 'DW_AT_call_file') {
      const file = D.unitFileName(die.unit, v as number);
      ok = text === `"${file}")`;
      got = String(file);
    } else if (name === 'DW_AT_ranges') {
      got = D.dieRanges(die).map((r) => `${r.start}-${r.end}`).join(' ');
      // llvm-dwarfdump also prints empty ranges, which dieRanges drops.
      ok = rangesIn(text).filter((r) => { const [s, e] = r.split('-'); return s !== e; }).join(' ') === got;
    } else if (name === 'DW_AT_location' || name === 'DW_AT_frame_base' || name === 'DW_AT_call_value' || name === 'DW_AT_call_target' || name === 'DW_AT_GNU_call_site_value') {
      const loc = D.dieLocation(die, a.at)!;
      if (loc.kind === 'expr') {
        const theirs = opNamesIn(text);
        // Past a '<decoding error>' (DW_OP_deref_type from gcc) llvm-dwarfdump prints bytes: compare what it decoded.
        got = ourOpNames(loc.expr).slice(0, text.includes('<decoding error>') ? theirs.length : undefined).join(' ');
        ok = theirs.join(' ') === got;
      } else {
        got = loc.entries.map((e) => (e.isDefault ? 'default' : `${e.start}-${e.end}`) + ':' + ourOpNames(e.expr).join(' ')).join(' | ');
        const lines = text.split('\n').slice(1).filter((l) => l.startsWith('['));
        // llvm-dwarfdump cannot decode some gcc expressions (DW_OP_implicit_pointer in
        // .debug_loclists); for those only the ranges are compared.
        const exp = lines.map((l) => `${rangesIn(l)[0]}:${l.includes('<decoding error>') ? '?' : opNamesIn(l).join(' ')}`).join(' | ');
        const mine = loc.entries.map((e, i) => (e.isDefault ? 'default' : `${e.start}-${e.end}`) + ':' + (lines[i]?.includes('<decoding error>') ? '?' : ourOpNames(e.expr).join(' '))).join(' | ');
        ok = exp === mine;
      }
    } else if (name === 'DW_AT_high_pc') {
      // llvm-dwarfdump prints high_pc as an address whatever its form.
      const r = D.dieRanges(die)[0];
      got = String(r?.end);
      ok = !!r && BigInt(/^(0x[0-9a-f]+)/.exec(text)?.[1] ?? -1) === BigInt(r.end);
    } else if (name === 'DW_AT_encoding') {
      ok = text === `${D.encodingName(v as number)})`;
      got = D.encodingName(v as number);
    } else if (name === 'DW_AT_language') {
      ok = text === `${D.languageName(v as number)})`;
      got = String(v);
    } else if (typeof v === 'boolean') {
      ok = text === `${v})`;
      got = String(v);
    } else if (NUMERIC_ATTRS.has(name) && (typeof v === 'number' || typeof v === 'bigint')) {
      const m = /^(-?(?:0x[0-9a-f]+|\d+))/.exec(text);
      got = String(v);
      if (!m) ok = false;
      else {
        const wantV = m[1]!.startsWith('-') ? BigInt.asUintN(64, BigInt(m[1]!)) : BigInt(m[1]!);
        ok = wantV === BigInt.asUintN(64, BigInt(v)) || wantV === BigInt.asUintN(64, BigInt(die.sint(a.at)!));
      }
    }
    if (!ok) diffs.push(`${where}: ${name} = ${got}, llvm-dwarfdump says (${text}`);
  }
  return diffs;
}

/** Every DIE of `file` compared with llvm-dwarfdump; returns the differences (at most 20). */
function diffAgainstDwarfdump(file: string): { dies: number; diffs: string[] } {
  const want = parseDwarfdump(tool(LLVM_DWARFDUMP, ['--debug-info', file]));
  const { info } = open(file);
  const diffs: string[] = [];
  let n = 0;
  const byOffset = new Map(want.map((d) => [d.offset, d]));
  for (const u of info.units) {
    for (let i = 0; i < u.dieCount; i++) {
      const die = u.dieAtIndex(i);
      n++;
      const w = byOffset.get(die.offset);
      if (!w) diffs.push(`DIE ${die.offset.toString(16)}: not in llvm-dwarfdump's output`);
      else diffs.push(...compareDie(die, w));
      if (diffs.length >= 20) return { dies: n, diffs };
    }
  }
  if (n !== want.length) diffs.push(`${n} DIEs, llvm-dwarfdump has ${want.length}`);
  return { dies: n, diffs };
}

test('every DIE, attribute and list matches llvm-dwarfdump (gcc and clang, -O0/-O2, DWARF 4 and 5)', { skip: skip || needs(LLVM_DWARFDUMP) }, (t) => {
  for (const src of SOURCES) {
    for (const b of BUILT) {
      const file = objectPath(`${src}-${b.name}`);
      const { dies, diffs } = diffAgainstDwarfdump(file);
      assert.deepEqual(diffs, [], `${src}-${b.name}`);
      assert.ok(dies > 20, `${src}-${b.name} has ${dies} DIEs`);
    }
  }
  clangPart(t);
});

// ---- Line tables ---------------------------------------------------------------

/** Rows of `objdump --dwarf=decodedline`: file name (at most its last 35 characters), line ('-' ends a sequence), address, is_stmt. */
function parseDecodedLine(text: string): string[] {
  const rows: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+|0)(?:\s+\d+)?(\s+x)?\s*$/.exec(line);
    if (m) rows.push(`${m[1]} ${m[2]} ${BigInt(m[3]!).toString(16)}${m[4] ? ' x' : ''}`);
  }
  return rows;
}

function ourDecodedLine(info: D.DwarfInfo, theirs: string[]): string[] {
  const rows: string[] = [];
  for (const p of D.allLinePrograms(info)) {
    const t = p.table;
    for (let i = 0; i < t.count; i++) {
      const r = t.row(i);
      const name = p.fileEntry(r.file)?.name ?? '?';
      // objdump shows the last 35 characters of a long name.
      const shown = theirs[rows.length]?.split(' ')[0] ?? '';
      const file = name.endsWith(shown) && shown !== '' ? shown : name;
      rows.push(`${file} ${r.end_sequence ? '-' : r.line} ${r.address.toString(16)}${r.is_stmt && !r.end_sequence ? ' x' : ''}`);
    }
  }
  return rows;
}

test('line rows match objdump --dwarf=decodedline', { skip: skip || needs('objdump') }, (t) => {
  for (const src of SOURCES) {
    for (const b of BUILT) {
      const file = objectPath(`${src}-${b.name}`);
      const theirs = parseDecodedLine(tool('objdump', ['--dwarf=decodedline', file]));
      const ours = ourDecodedLine(open(file).info, theirs);
      assert.ok(theirs.length > 5, `${src}-${b.name}: objdump printed ${theirs.length} rows`);
      assert.deepEqual(ours, theirs, `${src}-${b.name}`);
    }
  }
  clangPart(t);
});

/** Rows of llvm-dwarfdump --debug-line, every register: 'address line column file isa discriminator op_index flags'. */
function parseDebugLine(text: string): string[] {
  const rows: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^0x([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*(.*)$/.exec(line);
    if (m) rows.push(`${BigInt('0x' + m[1]).toString(16)} ${m[2]} ${m[3]} ${m[4]} ${m[5]} ${m[6]} ${m[7]} ${m[8]!.trim()}`);
  }
  return rows;
}

function ourDebugLine(info: D.DwarfInfo): string[] {
  const rows: string[] = [];
  for (const p of D.allLinePrograms(info)) {
    for (const r of p.rows) {
      const flags = [r.is_stmt && 'is_stmt', r.basic_block && 'basic_block', r.end_sequence && 'end_sequence', r.prologue_end && 'prologue_end', r.epilogue_begin && 'epilogue_begin'].filter(Boolean);
      rows.push(`${r.address.toString(16)} ${r.line} ${r.column} ${r.file} ${r.isa} ${r.discriminator} ${r.op_index} ${flags.join(' ')}`);
    }
  }
  return rows;
}

test('line rows match llvm-dwarfdump --debug-line in every register (column, file, discriminator, flags)', { skip: skip || needs(LLVM_DWARFDUMP) }, (t) => {
  for (const src of SOURCES) {
    for (const b of BUILT) {
      const file = objectPath(`${src}-${b.name}`);
      const theirs = parseDebugLine(tool(LLVM_DWARFDUMP, ['--debug-line', file]));
      assert.deepEqual(ourDebugLine(open(file).info), theirs, `${src}-${b.name}`);
    }
  }
  clangPart(t);
});

test('line program headers: v5 file 0 is the primary source, v4 file 1; paths join comp_dir', { skip }, (t) => {
  const v5 = D.lineProgramOf(open(objectPath('funcs-gcc-O2')).info.units[0]!)!;
  assert.equal(v5.version, 5);
  assert.equal(v5.fileEntry(0)?.name, 'funcs.c');
  assert.equal(v5.filePath(0), path.join(FIXTURES, 'funcs.c'));
  assert.ok(v5.file_names.some((f) => f.name === 'funcs.h'));
  const v4 = D.lineProgramOf(open(objectPath('funcs-gcc-O2-dwarf4')).info.units[0]!)!;
  assert.equal(v4.version, 4);
  assert.equal(v4.fileEntry(1)?.name, 'funcs.c');
  assert.equal(v4.filePath(1), path.join(FIXTURES, 'funcs.c'));
  if (built(['funcs-clang-O0']).length) {
    const clang = D.lineProgramOf(open(objectPath('funcs-clang-O0')).info.units[0]!)!;
    assert.ok(clang.fileEntry(0)?.md5 instanceof Uint8Array, 'clang writes DW_LNCT_MD5');
  }
  clangPart(t);
});

test('rowFor(address) finds the line of an address inside each function', { skip }, () => {
  const { info } = open(objectPath('funcs-gcc-O0'));
  const p = D.lineProgramOf(info.units[0]!)!;
  const add = D.subprograms(info).find((s) => s.name === 'add')!;
  // gcc -O0: the body starts at the declaration line (12); `return s;` is line 18.
  assert.equal(p.rowFor(add.lowPc!)?.line, 12);
  const lines = new Set<number>();
  for (let pc = add.lowPc!; pc < add.highPc!; pc++) lines.add(p.rowFor(pc)!.line);
  assert.deepEqual([...lines].sort((a, b) => a - b), [12, 13, 15, 16, 18, 19]);
  assert.equal(p.rowFor(0xfffffff), undefined);
});

// ---- Types, against gdb --------------------------------------------------------

/** Runs `whatis` and `ptype` on each expression in gdb; returns gdb's answer ('type = ' stripped) per command. */
function gdbTypes(file: string, exprs: string[]): Map<string, string> {
  const args = ['-batch', '-nx', '-iex', 'set width 0', '-iex', 'set height 0'];
  for (const e of exprs) {
    for (const cmd of ['whatis', 'ptype']) args.push('-ex', `echo @@${cmd} ${e}\\n`, '-ex', `${cmd} ${e}`);
  }
  args.push('-ex', 'echo @@end\\n', file);
  const out = runCommand('gdb', args, { timeoutMs: 120_000 }).stdout;
  const answers = new Map<string, string>();
  const parts = out.split(/^@@/m).slice(1);
  for (const p of parts) {
    const nl = p.indexOf('\n');
    const key = p.slice(0, nl);
    answers.set(key, p.slice(nl + 1).replace(/^type = /, '').trimEnd());
  }
  return answers;
}

test('typeName and ptypeText match gdb whatis/ptype for every global and function', { skip: skip || needs('gdb') }, (t) => {
  for (const b of BUILT) {
    const file = objectPath(`types-${b.name}`);
    const { info } = open(file);
    const ours = new Map<string, { whatis: string; ptype: string }>();
    for (const v of D.globalVariables(info)) {
      if (v.name) ours.set(v.name, { whatis: D.typeName(v.type), ptype: D.ptypeText(v.type) });
    }
    for (const s of D.subprograms(info, { withCode: true })) {
      const t = D.typeFromDie(s.die);
      if (s.name) ours.set(s.name, { whatis: D.typeName(t), ptype: D.ptypeText(t) });
    }
    assert.ok(ours.size > 50, `${b.name}: ${ours.size} names`);
    const gdb = gdbTypes(file, [...ours.keys()]);
    const diffs: string[] = [];
    for (const [name, t] of ours) {
      const w = gdb.get(`whatis ${name}`);
      const p = gdb.get(`ptype ${name}`);
      if (w !== t.whatis) diffs.push(`whatis ${name}: ours '${t.whatis}', gdb '${w}'`);
      if (p !== t.ptype) diffs.push(`ptype ${name}: ours '${t.ptype}', gdb '${p}'`);
    }
    assert.deepEqual(diffs, [], b.name);
  }
  clangPart(t);
});

// ---- Call frame information, against readelf -------------------------------------

interface ReadelfFde {
  section: string;
  offset: number;
  pcBegin: number;
  pcEnd: number;
  columns: string[];
  rows: { loc: number; cells: string[] }[];
}

/** Parses `readelf --debug-dump=frames-interp`: each FDE's range and its table (LOC, CFA, one column per register). */
function parseFramesInterp(text: string): ReadelfFde[] {
  const fdes: ReadelfFde[] = [];
  let section = '';
  let cur: ReadelfFde | undefined;
  for (const line of text.split('\n')) {
    const sec = /^Contents of the (\S+) section:/.exec(line);
    if (sec) {
      section = sec[1]!;
      cur = undefined;
      continue;
    }
    const fde = /^([0-9a-f]{8}) [0-9a-f]+ [0-9a-f]+ FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
    if (fde) {
      cur = { section, offset: parseInt(fde[1]!, 16), pcBegin: parseInt(fde[2]!, 16), pcEnd: parseInt(fde[3]!, 16), columns: [], rows: [] };
      fdes.push(cur);
      continue;
    }
    if (/ CIE /.test(line)) {
      cur = undefined;
      continue;
    }
    if (!cur) continue;
    if (/^\s+LOC\s+CFA/.test(line)) {
      cur.columns = line.trim().split(/\s+/).slice(1);
      continue;
    }
    const row = /^([0-9a-f]{16}) (.*)$/.exec(line);
    if (row) cur.rows.push({ loc: parseInt(row[1]!, 16), cells: row[2]!.trim().split(/\s+/) });
  }
  return fdes;
}

const READELF_COLUMNS = new Map<string, number>([...D.X86_64_REGISTER_NAMES.map((n, i) => [n, i] as [string, number]), ['ra', 16]]);

/** Our row at `pc` as readelf would print it for `columns` ('CFA', register names, 'ra'). */
function ourCells(row: D.UnwindRow, columns: string[]): string[] {
  return columns.map((c) => (c === 'CFA' ? D.formatCfaRule(row.cfa) : D.formatRegisterRule(row.registers.get(READELF_COLUMNS.get(c)!))));
}

function rowIn(rows: D.UnwindRow[], pc: number): D.UnwindRow | undefined {
  return rows.find((r) => pc >= r.location && pc < r.end);
}

test('CFA and register rules at every PC match readelf --debug-dump=frames-interp', { skip: skip || needs('readelf') }, (t) => {
  const keys = built([...SOURCES.flatMap((s) => BUILDS.map((b) => `${s}-${b.name}`)), 'cfi-debug_frame', 'cfi-gcc-fexceptions', 'cfi-clang-fexceptions']);
  let checked = 0;
  for (const key of keys) {
    const file = objectPath(key);
    const { cfi } = open(file);
    const theirs = parseFramesInterp(tool('readelf', ['--debug-dump=frames-interp', file]));
    assert.equal(cfi.fdes.length, theirs.length, `${key}: FDE count`);
    if (key === 'cfi-debug_frame') assert.ok(theirs.every((f) => f.section === '.debug_frame') && theirs.length > 3, `${key}: .debug_frame FDEs`);
    for (const t of theirs) {
      const fde = cfi.fdes.find((f) => f.section === t.section && f.offset === t.offset);
      assert.ok(fde, `${key}: FDE at ${t.section}+${t.offset.toString(16)}`);
      assert.deepEqual([fde.pc_begin, fde.pc_end], [t.pcBegin, t.pcEnd], `${key}: FDE ${t.offset.toString(16)} range`);
      const rows = cfi.rows(fde);
      if (t.rows.length === 0) {
        // readelf prints no table for an FDE without instructions: the CIE's rules hold throughout.
        assert.equal(rows.length, 1);
        assert.equal(D.formatCfaRule(rows[0]!.cfa), 'rsp+8');
        continue;
      }
      for (let i = 0; i < t.rows.length; i++) {
        const end = i + 1 < t.rows.length ? t.rows[i + 1]!.loc : t.pcEnd;
        for (let pc = t.rows[i]!.loc; pc < end; pc++) {
          const row = rowIn(rows, pc);
          assert.ok(row, `${key}: no row at ${pc.toString(16)}`);
          assert.deepEqual(ourCells(row, t.columns), t.rows[i]!.cells, `${key}: FDE ${t.offset.toString(16)} at pc ${pc.toString(16)} (${t.columns.join(' ')})`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > (haveCommand('clang-19') ? 5000 : 2000), `${checked} PCs checked`);
  for (const key of built(['cfi-gcc-fexceptions', 'cfi-clang-fexceptions'])) {
    const { cfi } = open(objectPath(key));
    const cie = cfi.cies.find((c) => c.augmentation === 'zPLR');
    assert.ok(cie && cie.personality !== undefined, `${key}: a zPLR CIE with a personality routine`);
    assert.ok(cfi.fdes.some((f) => f.cie === cie && f.lsda !== undefined), `${key}: an FDE with an LSDA`);
  }
  clangPart(t);
});

test('rowAt(pc) finds the FDE and row for a PC; PCs outside every function have none', { skip }, () => {
  const { cfi, info } = open(objectPath('cfi-gcc-O0'));
  const fn = D.subprograms(info, { withCode: true }).find((s) => s.name === 'with_alloca')!;
  // gcc -O0: push %rbp (CFA rsp+16), mov %rsp,%rbp (CFA rbp+16), ... leave (CFA rsp+8).
  assert.equal(D.formatCfaRule(cfi.rowAt(fn.lowPc!)!.cfa), 'rsp+8');
  assert.equal(D.formatCfaRule(cfi.rowAt(fn.lowPc! + 1)!.cfa), 'rsp+16');
  assert.equal(D.formatCfaRule(cfi.rowAt(fn.lowPc! + 4)!.cfa), 'rbp+16');
  assert.equal(D.formatRegisterRule(cfi.rowAt(fn.lowPc! + 4)!.registers.get(6)), 'c-16');
  assert.equal(D.formatCfaRule(cfi.rowAt(fn.highPc! - 1)!.cfa), 'rsp+8');
  assert.equal(cfi.rowAt(0x7fff0000), undefined);
});

test('unwindStep recovers the caller from a frame-pointer frame and from a leaf', () => {
  // A synthetic CIE/FDE pair as gcc -O0 writes it for `push %rbp; mov %rsp,%rbp; ...; leave; ret` at 0x1000.
  const cie = [0x14, 0, 0, 0, 0, 0, 0, 0, 1, 0x7a, 0x52, 0, 1, 0x78, 0x10, 1, 0x1b, 0x0c, 7, 8, 0x90, 1, 0, 0];
  const fdeBody = [
    // CIE pointer (filled below), pc_begin (pcrel sdata4, filled below), pc_range 0x20, aug len 0
    0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0,
    0x41, 0x0e, 0x10, 0x86, 0x02, // advance 1; def_cfa_offset 16; offset r6 at cfa-16
    0x43, 0x0d, 0x06, // advance 3; def_cfa_register r6
    0x57, 0x0c, 0x07, 0x08, // advance 23 (to 0x1a); def_cfa r7+8
    0, 0, 0,
  ];
  const bytes = new Uint8Array(cie.length + 4 + fdeBody.length + 4);
  bytes.set(cie, 0);
  const view = new DataView(bytes.buffer);
  const fdeAt = cie.length;
  view.setUint32(fdeAt, fdeBody.length, true);
  bytes.set(fdeBody, fdeAt + 4);
  view.setUint32(fdeAt + 4, fdeAt + 4, true); // CIE pointer: back to offset 0
  const sectionAddress = 0x5000;
  view.setInt32(fdeAt + 8, 0x1000 - (sectionAddress + fdeAt + 8), true); // pcrel pc_begin = 0x1000
  const sections = new D.DebugSections('synthetic.o');
  sections.set('.eh_frame', bytes, sectionAddress);
  const cfi = D.parseCallFrameInfo(sections);
  assert.deepEqual(cfi.fdes.map((f) => [f.pc_begin, f.pc_end]), [[0x1000, 0x1020]]);

  // Memory: the frame at rbp = 0x7ff0 holds the saved rbp 0x8100 and the return address 0x4242.
  const mem = new Map<bigint, bigint>([[0x7ff0n, 0x8100n], [0x7ff8n, 0x4242n], [0x7ff8n - 8n + 16n, 0n]]);
  const readMemory = (a: bigint, size: number): bigint | undefined => (size === 8 ? mem.get(a) : undefined);
  const regs: D.RegisterValues = [];
  regs[6] = 0x7ff0n; // rbp
  regs[7] = 0x7fd0n; // rsp (locals below)
  regs[3] = 0x33n; // rbx: no rule, same value in the caller
  const step = cfi.unwindStep(0x1010, regs, readMemory)!;
  assert.equal(step.cfa, 0x8000n);
  assert.equal(step.pc, 0x4242n);
  assert.equal(step.regs[7], 0x8000n, 'the caller rsp is the CFA');
  assert.equal(step.regs[6], 0x8100n, 'rbp restored from cfa-16');
  assert.equal(step.regs[3], 0x33n);

  // At the first instruction (before push), the return address is at rsp.
  const leaf: D.RegisterValues = [];
  leaf[7] = 0x7ff8n;
  leaf[6] = 0x9999n;
  const first = cfi.unwindStep(0x1000, leaf, readMemory)!;
  assert.equal(first.cfa, 0x8000n);
  assert.equal(first.pc, 0x4242n);
  assert.equal(first.regs[6], 0x9999n, 'rbp not yet saved: same value');
  // callerFrame looks up pc - 1: a return address just past the FDE still finds it.
  assert.ok(cfi.unwindStep(0x1020, leaf, readMemory, { callerFrame: true }));
  assert.equal(cfi.unwindStep(0x1020, leaf, readMemory), undefined);
});

// ---- Functions, variables, locations ---------------------------------------------

test('subprograms: names, parameters and types, variadic, locals, blocks, inlined calls (every build)', { skip }, (t) => {
  for (const b of BUILT) {
    const { info } = open(objectPath(`funcs-${b.name}`));
    const subs = new Map(D.subprograms(info, { withCode: true }).map((s) => [s.name, s]));
    const msg = `funcs-${b.name}`;
    for (const name of ['add', 'scale', 'sum', 'use_inline', 'noop', 'pick', 'with_vla', 'tls_sum', 'main']) assert.ok(subs.has(name), `${msg}: ${name}`);
    const params = (n: string): string[] => subs.get(n)!.params.map((p) => `${p.name}: ${D.typeName(p.type)}`);

    const add = subs.get('add')!;
    assert.deepEqual(params('add'), ['a: int', 'b: int'], msg);
    assert.equal(add.external, true);
    assert.equal(add.prototyped, true);
    assert.ok(add.lowPc! < add.highPc!);
    assert.ok(add.variables.some((v) => v.name === 's'), `${msg}: local s`);
    if (b.name.endsWith('O0')) assert.deepEqual(add.blocks[0]?.variables.map((v) => v.name), ['t'], `${msg}: block local t`);

    assert.deepEqual(params('scale'), ['p: struct pair', 'k: double'], msg);
    assert.deepEqual(params('sum'), ['n: int'], msg);
    assert.equal(subs.get('sum')!.variadic, true);
    assert.equal(add.variadic, false);
    assert.deepEqual(params('noop'), [], msg);
    assert.equal(subs.get('noop')!.returnType.kind, 'void');
    assert.deepEqual(params('pick'), ['list: const char **', 'idx: unsigned int'], msg);
    assert.equal(D.typeName(subs.get('pick')!.returnType), 'const char *');

    // A function-scope static is a local with a fixed address.
    const calls = subs.get('use_inline')!.variables.find((v) => v.name === 'calls')!;
    const callsOp = calls.location?.kind === 'expr' ? D.decodeExpression(calls.location.expr, { addressSize: 8 })[0]!.op : -1;
    assert.ok(callsOp === D.DW_OP_addr || callsOp === D.DW_OP_addrx, `${msg}: static local`);

    // The VLA's bound is computed at run time.
    const buf = [...subs.get('with_vla')!.variables, ...subs.get('with_vla')!.blocks.flatMap((x) => x.variables)].find((v) => v.name === 'buf')!;
    assert.equal(D.typeName(buf.type), 'int [variable length]', msg);
    assert.equal(D.sizeOf(buf.type), undefined);

    if (b.name.includes('O2')) {
      // twice() from funcs.h is inlined into use_inline at line 42.
      const calls42 = subs.get('use_inline')!.inlined.filter((c) => c.name === 'twice' && c.callLine === 42);
      assert.equal(calls42.length, 1, `${msg}: inlined twice at line 42`);
      assert.equal(calls42[0]!.callFile, path.join(FIXTURES, 'funcs.c'));
      assert.deepEqual(calls42[0]!.params.map((p) => p.name), ['x']);
      assert.ok(calls42[0]!.ranges.length > 0);
      assert.equal(calls42[0]!.origin?.name, 'twice');
    }
  }
  clangPart(t);
});

test('a static function is not external; declarations and abstract instances have no code', { skip }, () => {
  const { info } = open(objectPath('funcs-gcc-O0'));
  const fact = D.subprograms(info, { withCode: true }).find((s) => s.name === 'fact')!;
  assert.equal(fact.external, false);
  assert.equal(fact.declFile, path.join(FIXTURES, 'funcs.c'));
  assert.equal(fact.declLine, 35);
  const all = D.subprograms(open(objectPath('funcs-gcc-O2')).info);
  const abstractTwice = all.find((s) => s.name === 'twice' && s.inline !== undefined)!;
  assert.deepEqual(abstractTwice.ranges, []);
  assert.equal(abstractTwice.inline, D.DW_INL_declared_inlined);
});

test('findSubprogram and variablesInScope: the block local is visible only inside its block', { skip: skip || needs('clang-19') }, (t) => {
  const { info } = open(objectPath('funcs-clang-O0'));
  const add = D.subprograms(info, { withCode: true }).find((s) => s.name === 'add')!;
  const block = add.blocks[0]!;
  const inBlock = block.ranges[0]!.start;
  assert.equal(D.findSubprogram(info, inBlock)?.name, 'add');
  assert.deepEqual(D.variablesInScope(add, inBlock).map((v) => v.name), ['a', 'b', 's', 't']);
  assert.deepEqual(D.variablesInScope(add, add.lowPc!).map((v) => v.name), ['a', 'b', 's']);
  assert.equal(D.findSubprogram(info, 0x7fffffff), undefined);
});

test('locateVariable: gcc -O0 frame base is the CFA, clang -O0 frame base is rbp', { skip }, (t) => {
  const regs = new Map<number, bigint>([[6, 0x7000n], [7, 0x6f00n]]);
  const ctx: D.EvalContext = { readRegister: (r) => regs.get(r), readMemory: () => undefined, cfa: () => 0x7010n };
  for (const [build, base] of ([['gcc-O0', 0x7010n], ['clang-O0', 0x7000n]] as const).filter(([b]) => built([b]).length)) {
    const { info } = open(objectPath(`funcs-${build}`));
    const add = D.subprograms(info, { withCode: true }).find((s) => s.name === 'add')!;
    const a = add.params[0]!;
    assert.equal(a.location?.kind, 'expr');
    const ops = D.decodeExpression((a.location as { expr: Uint8Array }).expr, { addressSize: 8 });
    assert.equal(ops[0]!.op, D.DW_OP_fbreg, build);
    const pc = add.lowPc! + 8;
    assert.equal(D.frameBaseAt(add, pc, ctx), base, build);
    assert.deepEqual(D.locateVariable(a, pc, ctx, add), { kind: 'memory', address: base + BigInt(ops[0]!.operands[0] as number) }, build);
  }
  clangPart(t);
});

test('locateVariable: an -O2 parameter lives in its argument register at entry (location list)', { skip }, (t) => {
  for (const build of built(['gcc-O2', 'clang-O2', 'gcc-O2-dwarf4', 'clang-O2-dwarf4'])) {
    const { info } = open(objectPath(`funcs-${build}`));
    const add = D.subprograms(info, { withCode: true }).find((s) => s.name === 'add')!;
    const a = add.params[0]!;
    assert.equal(a.location?.kind, 'list', build);
    const ctx: D.EvalContext = { readRegister: () => undefined, readMemory: () => undefined };
    // SysV: the first integer argument arrives in rdi, DWARF register 5.
    assert.deepEqual(D.locateVariable(a, add.lowPc!, ctx, add), { kind: 'register', register: 5 }, build);
  }
  clangPart(t);
});

test('globalVariables: statics, externals, TLS variables and their locations', { skip }, (t) => {
  for (const b of BUILT) {
    const { info } = open(objectPath(`funcs-${b.name}`));
    const globals = new Map(D.globalVariables(info).map((v) => [v.name, v]));
    const msg = `funcs-${b.name}`;
    const counter = globals.get('counter');
    if (counter) assert.equal(counter.external, false, msg);
    for (const name of ['tls_a', 'tls_b']) {
      const v = globals.get(name)!;
      assert.equal(v.external, true, `${msg}: ${name}`);
      const ops = D.decodeExpression((v.location as { expr: Uint8Array }).expr, { addressSize: 8 });
      const last = ops[ops.length - 1]!.op;
      assert.ok(last === D.DW_OP_GNU_push_tls_address || last === D.DW_OP_form_tls_address, `${msg}: ${name} is thread-local`);
      const tls: D.EvalContext = { readRegister: () => undefined, readMemory: () => undefined, tlsAddress: (off) => 0x10000n + off };
      const loc = D.locateVariable(v, 0, tls);
      assert.equal(loc.kind, 'memory', `${msg}: ${name}`);
    }
  }
  clangPart(t);
});

// ---- Relocations ---------------------------------------------------------------

function readField(bytes: Uint8Array, offset: number, width: number): bigint {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return width === 8 ? v.getBigUint64(offset, true) : BigInt(v.getUint32(offset, true));
}

test('every debug relocation field holds S + A (S + A - P for PC32), with S from symbolValue', { skip }, (t) => {
  const seen = new Set<string>();
  for (const key of built(['funcs-gcc-O2', 'funcs-clang-O2', 'funcs-gcc-O2-dwarf4', 'funcs-clang-O0'])) {
    const obj = new ElfObject(readFileSync(objectPath(key)), key);
    const S = (i: number): number => 0x100000 + i * 0x1000;
    const P0 = (sec: number): number => 0x800000 + sec * 0x10000;
    const sections = D.loadDebugSections(obj, S, P0);
    assert.deepEqual(sections.warnings, [], key);
    for (const name of D.DEBUG_SECTION_NAMES) {
      const idx = sections.sectionIndex(name);
      if (idx < 0 || obj.sections[idx]!.relaIndex < 0) continue;
      const t = obj.relocations(obj.sections[idx]!.relaIndex);
      const bytes = sections.get(name)!;
      for (let i = 0; i < t.count; i++) {
        const kind = D.DEBUG_RELOCS.get(obj.e_machine)!.get(t.r_type[i]!)!;
        seen.add(kind.name);
        const value = S(t.r_sym[i]!) + t.r_addend[i]! - (kind.pcRelative ? P0(idx) + t.r_offset[i]! : 0);
        assert.equal(readField(bytes, t.r_offset[i]!, kind.width), BigInt.asUintN(kind.width * 8, BigInt(value)), `${key} ${name}+${t.r_offset[i]!.toString(16)} ${kind.name}`);
      }
    }
  }
  for (const k of ['R_X86_64_32', 'R_X86_64_64', 'R_X86_64_PC32']) assert.ok(seen.has(k), k);
  assert.ok(seen.has('R_X86_64_DTPOFF32') || seen.has('R_X86_64_DTPOFF64'), `TLS relocation among ${[...seen].join(', ')}`);
  clangPart(t);
});

test('placing .text at an address moves subprograms, line rows and FDEs with it', { skip: skip || needs('clang-19') }, (t) => {
  const file = objectPath('cfi-clang-O0');
  const obj = new ElfObject(readFileSync(file), file);
  const text = obj.sections.find((s) => s.name === '.text')!.index;
  const base = 0x400000;
  const placed = (i: number): number => {
    const s = obj.symbols[i]!;
    return s.shndx === text ? base + s.st_value : D.sectionOffsetSymbolValue(obj)(i);
  };
  const ehFrame = obj.sections.find((s) => s.name === '.eh_frame')!.index;
  const moved = D.readDebugInfo(obj, placed, (i) => (i === ehFrame ? 0x600000 : 0));
  const unmoved = open(file);
  const starts = (info: D.DwarfInfo): number[] => D.subprograms(info, { withCode: true }).map((s) => s.lowPc!);
  assert.deepEqual(starts(moved.info), starts(unmoved.info).map((a) => a + base));
  assert.deepEqual(moved.cfi.fdes.map((f) => f.pc_begin), unmoved.cfi.fdes.map((f) => f.pc_begin + base));
  const rows = (info: D.DwarfInfo): number[] => D.allLinePrograms(info).flatMap((p) => p.rows.map((r) => r.address));
  assert.deepEqual(rows(moved.info), rows(unmoved.info).map((a) => a + base));
});

/** A copy of an object file with one relocation's r_type replaced. */
function withRelocType(file: string, section: string, index: number, type: number): Uint8Array {
  const bytes = new Uint8Array(readFileSync(file));
  const obj = new ElfObject(bytes, file);
  const target = obj.sections.find((s) => s.name === section)!;
  const rela = obj.sections[target.relaIndex]!;
  new DataView(bytes.buffer).setUint32(rela.sh_offset + index * 24 + 8, type, true);
  return bytes;
}

test('an unknown debug relocation type is a warning, not an error', { skip }, () => {
  const file = objectPath('funcs-gcc-O0');
  const obj = new ElfObject(withRelocType(file, '.debug_info', 0, 0x7e), file);
  const sections = D.loadDebugSections(obj, D.sectionOffsetSymbolValue(obj));
  assert.equal(sections.warnings.length, 1);
  assert.equal(sections.warnings[0]!.section, '.debug_info');
  assert.match(sections.warnings[0]!.message, /type 126, not a known debug relocation/);
  // The rest of the debug info still reads.
  assert.ok(new D.DwarfInfo(sections).parseAll() > 10);
});

// ---- ABI signatures ----------------------------------------------------------------

/** x86-64 SysV classes (psABI §3.2.3) of each function in abi.c: arguments -> result. */
const EXPECTED_ABI: Record<string, string> = {
  f_int: '(INTEGER:4, INTEGER:8, INTEGER:1, INTEGER:2, INTEGER:8) -> INTEGER:4',
  f_double: '(SSE:8, SSE:4) -> SSE:8',
  f_ptr: '(INTEGER:8, INTEGER:8) -> INTEGER:8',
  f_small: '(INTEGER:8) -> INTEGER:8', // two ints share one eightbyte
  f_large: '(MEMORY:40) -> MEMORY:40', // over 16 bytes
  f_mixed: '(INTEGER+SSE:16) -> INTEGER+SSE:16', // long then double
  f_dbl2: '(SSE+SSE:16) -> SSE+SSE:16',
  f_flt3: '(SSE+SSE:12) -> SSE+SSE:12', // floats a,b in eightbyte 0, c in 1
  f_intflt: '(INTEGER:8) -> INTEGER:8', // INTEGER merged with SSE is INTEGER
  f_chars3: '(INTEGER:3) -> INTEGER:3',
  f_ld: '(X87+X87UP:16) -> X87+X87UP:16',
  f_ld1: '(X87+X87UP:16) -> X87+X87UP:16',
  f_packed: '(MEMORY:9) -> MEMORY:9', // the long is unaligned
  f_bits: '(INTEGER:8) -> INTEGER:8', // bit fields are INTEGER, merged with the float
  f_union: '(INTEGER:8) -> INTEGER:8',
  f_three: '(MEMORY:24) -> MEMORY:24', // three eightbytes, not SSE+SSEUP
  f_cd: '(SSE+SSE:16) -> SSE+SSE:16',
  f_cf: '(SSE:8) -> SSE:8',
  f_i128: '(INTEGER+INTEGER:16) -> INTEGER+INTEGER:16',
  f_vec: '(SSE+SSEUP:16) -> SSE+SSEUP:16',
  f_empty: '(NO_CLASS:0, INTEGER:4) -> NO_CLASS:0', // GNU C empty struct: nothing passed
  f_void: '() -> void',
  f_varargs: '(INTEGER:8, ...) -> INTEGER:4',
  f_enum: '(INTEGER:4) -> INTEGER:4',
};

test('abiSignature gives the psABI class of every parameter and result (int, double, pointer, small/large/mixed struct, varargs, ...)', { skip }, (t) => {
  for (const b of BUILT) {
    const { info } = open(objectPath(`abi-${b.name}`));
    const got: Record<string, string> = {};
    for (const s of D.subprograms(info, { withCode: true })) {
      const why: { reason?: string } = {};
      const sig = D.abiSignature(s, why);
      got[s.name!] = sig ? D.formatAbiSignature(sig) : `unbounded: ${why.reason}`;
    }
    assert.deepEqual(got, EXPECTED_ABI, `abi-${b.name}`);
  }
  clangPart(t);
});

test('abiSignature: the variadic flag and argument classes decide sameAbi', { skip }, () => {
  const { info } = open(objectPath('abi-gcc-O0'));
  const sig = (n: string): D.AbiSignature => D.abiSignature(D.subprograms(info, { withCode: true }).find((s) => s.name === n)!)!;
  assert.equal(sig('f_varargs').variadic, true);
  assert.equal(sig('f_int').variadic, false);
  assert.deepEqual(sig('f_mixed').args, [{ class: 'INTEGER+SSE', size: 16 }]);
  assert.ok(D.sameAbi(sig('f_small'), sig('f_intflt')), 'two 8-byte INTEGER structs are interchangeable');
  assert.ok(!D.sameAbi(sig('f_small'), sig('f_dbl2')));
  assert.ok(!D.sameAbi(sig('f_ld'), sig('f_i128')));
});

test('abiSignature is unbounded (undefined with a reason) for a parameter of incomplete or variable-length type', { skip }, () => {
  const { info } = open(objectPath('abi-gcc-O0'));
  const small = D.subprograms(info, { withCode: true }).find((s) => s.name === 'f_small')!;
  const die = small.die;
  const incomplete: D.StructType = { kind: 'struct', name: 'opaque', declaration: true, members: [], die };
  const why: { reason?: string } = {};
  const param: D.Variable = { die, name: 's', type: incomplete, isParameter: true, external: false, declaration: false, artificial: false };
  const fn: D.AbiFunction = { name: 'f_small', die, returnType: small.returnType, params: [param], variadic: false, prototyped: true };
  assert.equal(D.abiSignature(fn, why), undefined);
  assert.match(why.reason!, /parameter 1 's' of f_small has an incomplete type \(struct opaque\)/);
  const vla: D.ArrayType = { kind: 'array', element: small.returnType, dims: [{ lowerBound: 0, dynamic: die }], vector: false, die };
  assert.equal(D.abiSignature({ ...fn, params: small.params, returnType: vla }, why), undefined);
  assert.match(why.reason!, /return type of f_small has a variable-length array/);
});

test('an unprototyped (K&R) definition promotes its arguments', { skip }, () => {
  const { info } = open(objectPath('types-gcc-O0'));
  const kr = D.subprograms(info, { withCode: true }).find((s) => s.name === 'kr_style')!;
  assert.equal(kr.prototyped, false);
  assert.equal(D.formatAbiSignature(D.abiSignature(kr)!), '(INTEGER:4) -> INTEGER:4');
  // gdb lists a K&R definition's parameters too.
  assert.equal(D.typeName(D.typeFromDie(kr.die)), 'int (int)');
});

// ---- Expressions -------------------------------------------------------------------

const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(byte & 0x40)) || (v === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
};

function evalBytes(bytes: number[], ctx: Partial<D.EvalContext> = {}): D.Location {
  const ops = D.decodeExpression(new Uint8Array(bytes), { addressSize: 8 });
  return D.evaluateLocation(ops, { readRegister: () => undefined, readMemory: () => undefined, ...ctx });
}

test('decodeExpression and formatExpression spell operations like readelf', () => {
  const bytes = new Uint8Array([D.DW_OP_breg0 + 6, ...sleb(-8), D.DW_OP_deref, D.DW_OP_plus_uconst, 0x10, D.DW_OP_fbreg, ...sleb(-20), D.DW_OP_lit0 + 7, D.DW_OP_piece, 4, D.DW_OP_addr, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0]);
  assert.equal(D.formatExpression(D.decodeExpression(bytes, { addressSize: 8 })), 'DW_OP_breg6 -8; DW_OP_deref; DW_OP_plus_uconst 16; DW_OP_fbreg -20; DW_OP_lit7; DW_OP_piece 4; DW_OP_addr 305419896');
  const entry = D.decodeExpression(new Uint8Array([D.DW_OP_entry_value, 1, D.DW_OP_reg0 + 5, D.DW_OP_stack_value]), { addressSize: 8 });
  assert.equal(D.formatExpression(entry), 'DW_OP_entry_value [55]; DW_OP_stack_value');
});

test('evaluateLocation: registers, memory, values, implicit values and pieces', () => {
  const regs = new Map<number, bigint>([[0, 5n], [6, 0x7ff0n]]);
  const mem = new Map<bigint, bigint>([[0x7fe8n, 0x1234n]]);
  const ctx: Partial<D.EvalContext> = { readRegister: (r) => regs.get(r), readMemory: (a) => mem.get(a) };
  assert.deepEqual(evalBytes([D.DW_OP_reg0 + 3], ctx), { kind: 'register', register: 3 });
  assert.deepEqual(evalBytes([D.DW_OP_regx, 17], ctx), { kind: 'register', register: 17 });
  assert.deepEqual(evalBytes([D.DW_OP_breg0 + 6, ...sleb(-8)], ctx), { kind: 'memory', address: 0x7fe8n });
  assert.deepEqual(evalBytes([D.DW_OP_breg0 + 6, ...sleb(-8), D.DW_OP_deref, D.DW_OP_stack_value], ctx), { kind: 'value', value: 0x1234n });
  assert.deepEqual(evalBytes([D.DW_OP_lit0 + 5, D.DW_OP_lit0 + 3, D.DW_OP_minus, D.DW_OP_stack_value]), { kind: 'value', value: 2n });
  // Arithmetic is modulo 2^64.
  assert.deepEqual(evalBytes([D.DW_OP_lit0, D.DW_OP_lit0 + 1, D.DW_OP_minus, D.DW_OP_stack_value]), { kind: 'value', value: 0xffffffffffffffffn });
  assert.deepEqual(evalBytes([D.DW_OP_implicit_value, 2, 0xab, 0xcd]), { kind: 'implicit', bytes: new Uint8Array([0xab, 0xcd]) });
  assert.deepEqual(evalBytes([D.DW_OP_reg0, D.DW_OP_piece, 4, D.DW_OP_piece, 4, D.DW_OP_breg0 + 6, 0, D.DW_OP_piece, 8], ctx), {
    kind: 'pieces',
    pieces: [
      { sizeBits: 32, offsetBits: 0, location: { kind: 'register', register: 0 } },
      { sizeBits: 32, offsetBits: 0, location: { kind: 'unavailable', reason: 'optimized out' } },
      { sizeBits: 64, offsetBits: 0, location: { kind: 'memory', address: 0x7ff0n } },
    ],
  });
  assert.deepEqual(evalBytes([]), { kind: 'unavailable', reason: 'optimized out' });
});

test('evaluateLocation: frame base, CFA, TLS, branches, and what the context cannot supply', () => {
  assert.deepEqual(evalBytes([D.DW_OP_fbreg, ...sleb(-20)], { frameBase: () => 0x1000n }), { kind: 'memory', address: 0x1000n - 20n });
  assert.deepEqual(evalBytes([D.DW_OP_call_frame_cfa], { cfa: () => 0x2000n }), { kind: 'memory', address: 0x2000n });
  assert.deepEqual(evalBytes([D.DW_OP_const1u, 0x10, D.DW_OP_form_tls_address], { tlsAddress: (o) => 0x9000n + o }), { kind: 'memory', address: 0x9010n });
  // lit9, cond, bra +1 over lit2: taken leaves 9 on top, not taken 2.
  const branch = (cond: number): number[] => [D.DW_OP_lit0 + 9, D.DW_OP_lit0 + cond, D.DW_OP_bra, 1, 0, D.DW_OP_lit0 + 2, D.DW_OP_stack_value];
  assert.deepEqual(evalBytes(branch(1)), { kind: 'value', value: 9n });
  assert.deepEqual(evalBytes(branch(0)), { kind: 'value', value: 2n });
  assert.deepEqual(evalBytes([D.DW_OP_entry_value, 1, D.DW_OP_reg0 + 5, D.DW_OP_stack_value]), { kind: 'unavailable', reason: 'DW_OP_entry_value: the value at function entry is not known' });
  assert.deepEqual(evalBytes([D.DW_OP_GNU_entry_value, 1, D.DW_OP_reg0 + 5, D.DW_OP_stack_value], { entryValue: () => 42n }), { kind: 'value', value: 42n });
  assert.deepEqual(evalBytes([D.DW_OP_breg0 + 3, 0]), { kind: 'unavailable', reason: 'register 3 is not available' });
  assert.deepEqual(evalBytes([D.DW_OP_lit0 + 8, D.DW_OP_deref]), { kind: 'unavailable', reason: 'memory at 0x8 (8 bytes) is not readable' });
});

test('malformed expressions throw: unknown opcode, stack underflow, truncated operand', () => {
  assert.throws(() => evalBytes([0xee]), (e: unknown) => e instanceof HotlinkError && /unknown DWARF expression opcode 0xee/.test(e.message));
  assert.throws(() => evalBytes([D.DW_OP_plus]), (e: unknown) => e instanceof HotlinkError && /stack underflow at DW_OP_plus/.test(e.message));
  assert.throws(() => evalBytes([D.DW_OP_addr, 1, 2]), (e: unknown) => e instanceof HotlinkError && e.kind === 'malformed-input' && /DW_OP_addr operand/.test(e.message));
});

// ---- Corrupt input -------------------------------------------------------------------

/** The debug sections of a fixture with one section's bytes changed by `patch` (on a copy). */
function patched(key: string, name: D.DebugSectionName, patch: (b: Uint8Array) => Uint8Array): D.DebugSections {
  const { sections } = open(objectPath(key));
  const out = new D.DebugSections(sections.file);
  for (const n of sections.names()) {
    const b = sections.get(n)!;
    out.set(n, n === name ? patch(new Uint8Array(b)) : b, sections.address(n), sections.sectionIndex(n));
  }
  return out;
}

function rejects(fn: () => unknown, kind: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HotlinkError, `not a HotlinkError: ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('truncated .debug_info: a unit longer than the section, and a DIE cut by its unit end', { skip }, () => {
  const file = objectPath('funcs-gcc-O0');
  rejects(() => new D.DwarfInfo(patched('funcs-gcc-O0', '.debug_info', (b) => b.subarray(0, 40))), 'malformed-input',
    new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\.debug_info at offset 0x0: unit_length 0x[0-9a-f]+ runs past the end of the section \\(0x28\\)`));
  const short = patched('funcs-gcc-O0', '.debug_info', (b) => {
    new DataView(b.buffer, b.byteOffset).setUint32(0, 0x30, true);
    return b.subarray(0, 0x34);
  });
  const info = new D.DwarfInfo(short);
  rejects(() => info.parseAll(), 'malformed-input', /funcs-gcc-O0\.o: \.debug_info at offset 0x[0-9a-f]+: .* runs past the end at 0x34/);
});

test('a DIE with an abbreviation code not in the table is rejected at its offset', { skip }, () => {
  const at = open(objectPath('funcs-gcc-O0')).info.units[0]!.dieAtIndex(1).offset;
  const info = new D.DwarfInfo(patched('funcs-gcc-O0', '.debug_info', (b) => {
    b[at] = 0x7e;
    return b;
  }));
  rejects(() => info.parseAll(), 'malformed-input', new RegExp(`\\.debug_info at offset 0x${at.toString(16)}: DIE has abbreviation code 126, which is not in the abbreviation table at \\.debug_abbrev offset 0x0`));
});

test('an unknown attribute form is rejected naming the form and attribute', { skip }, () => {
  // gcc's compile-unit abbreviation: code, DW_TAG_compile_unit, DW_CHILDREN_yes, then (DW_AT_producer, DW_FORM_strp).
  const at = open(objectPath('funcs-gcc-O0')).info.units[0]!.root.abbrev.offset;
  const info = new D.DwarfInfo(patched('funcs-gcc-O0', '.debug_abbrev', (b) => {
    assert.deepEqual([...b.subarray(at + 1, at + 5)], [D.DW_TAG_compile_unit, 1, D.DW_AT_producer, D.DW_FORM_strp]);
    b[at + 4] = 0x7f;
    return b;
  }));
  rejects(() => info.parseAll(), 'malformed-input', /\.debug_info at offset 0xd: DIE at 0xc \(DW_TAG_compile_unit, abbreviation \d+\) uses unknown form DW_FORM_0x7f for DW_AT_producer/);
});

test('64-bit DWARF and unknown DWARF versions are rejected as unsupported', { skip }, () => {
  rejects(() => new D.DwarfInfo(patched('funcs-gcc-O0', '.debug_info', (b) => b.fill(0xff, 0, 4))), 'unsupported', /\.debug_info at offset 0x0: unit uses the 64-bit DWARF format/);
  rejects(() => new D.DwarfInfo(patched('funcs-gcc-O0', '.debug_info', (b) => {
    b[4] = 9;
    b[5] = 0;
    return b;
  })), 'unsupported', /unit has DWARF version 9; versions 2 to 5 are supported/);
});

test('corrupt strings, line programs and frames fail with the section and offset', { skip }, () => {
  // DW_AT_producer (DW_FORM_strp) of the unit DIE points past the end of .debug_str.
  const badStr = new D.DwarfInfo(patched('funcs-gcc-O0', '.debug_info', (b) => {
    new DataView(b.buffer, b.byteOffset).setUint32(0xd, 0xfffff, true);
    return b;
  }));
  rejects(() => badStr.units[0]!.producer, 'malformed-input', /\.debug_str at offset 0xfffff: string offset 0xfffff \(a string in the DIE at \.debug_info 0xc\) is past the end/);
  const badLine = new D.DwarfInfo(patched('funcs-gcc-O0', '.debug_line', (b) => b.subarray(0, 30)));
  rejects(() => D.lineProgramOf(badLine.units[0]!), 'malformed-input', /\.debug_line at offset 0x0: unit_length 0x[0-9a-f]+ runs past the end of the section \(0x1e\)/);
  const badFrame = patched('funcs-gcc-O0', '.eh_frame', (b) => {
    new DataView(b.buffer, b.byteOffset).setUint32(0x1c, 0x1234, true); // the first FDE's CIE pointer
    return b;
  });
  rejects(() => D.parseCallFrameInfo(badFrame), 'malformed-input', /\.eh_frame at offset 0x18: FDE points to a CIE at -0x1218, but there is none there/);
});

test('an object without debug info reads as empty', { skip }, () => {
  const out = path.join(dir, 'nodebug.o');
  tool('gcc', ['-c', '-O2', '-fno-asynchronous-unwind-tables', path.join(FIXTURES, 'cfi.c'), '-o', out]);
  const { info, cfi } = open(out);
  assert.deepEqual(info.units, []);
  assert.deepEqual(cfi.fdes, []);
  assert.deepEqual(D.subprograms(info), []);
});

// ---- Scale ---------------------------------------------------------------------------

const BIG_OBJECTS = ['sqlite-pic-O2', 'sqlite-pic-O0', 'sqlite-nopic-O2', 'sqlite-nopic-O0'].map((d) => path.join(repoRoot, 'build', 'realworld', d, 'sqlite3.o'));
const bigObject = BIG_OBJECTS.find((f) => existsSync(f));

test('parses every DIE and line row of sqlite3.o quickly', { skip: bigObject ? false : 'no build/realworld/*/sqlite3.o (run scripts/realworld.sh)' }, (t) => {
  const bytes = readFileSync(bigObject!);
  const t0 = performance.now();
  const obj = new ElfObject(bytes, bigObject!);
  const sections = D.loadDebugSections(obj, D.sectionOffsetSymbolValue(obj));
  const t1 = performance.now();
  const info = new D.DwarfInfo(sections);
  const dies = info.parseAll();
  const t2 = performance.now();
  let rows = 0;
  for (const p of D.allLinePrograms(info)) rows += p.table.count;
  const t3 = performance.now();
  const cfi = D.parseCallFrameInfo(sections);
  const t4 = performance.now();
  const funcs = D.subprograms(info, { withCode: true }).length;
  const t5 = performance.now();
  t.diagnostic(`${path.relative(repoRoot, bigObject!)} (${(bytes.length / 1e6).toFixed(1)} MB, .debug_info ${(sections.get('.debug_info')!.length / 1e6).toFixed(2)} MB): ` +
    `load+relocate ${(t1 - t0).toFixed(0)} ms, ${dies} DIEs ${(t2 - t1).toFixed(0)} ms, ${rows} line rows ${(t3 - t2).toFixed(0)} ms, ` +
    `${cfi.fdes.length} FDEs ${(t4 - t3).toFixed(0)} ms, ${funcs} subprograms ${(t5 - t4).toFixed(0)} ms`);
  assert.ok(dies > 10000 && rows > 10000);
  assert.deepEqual(sections.warnings, []);
  // Generous: a loaded CI machine; on an idle one DIEs + lines take well under a second.
  assert.ok(t3 - t1 < 5000, `DIEs and lines took ${(t3 - t1).toFixed(0)} ms`);
});

/** Reads everything a debugger would: every attribute and reference, lines, functions, types, locations, CFI. */
function walkEverything(sections: D.DebugSections): void {
  const info = new D.DwarfInfo(sections);
  for (const u of info.units) {
    for (let i = 0; i < u.dieCount; i++) {
      const d = u.dieAtIndex(i);
      for (const a of d.attributes()) if (D.isReferenceForm(a.form)) d.ref(a.at);
    }
    const lp = D.lineProgramOf(u);
    if (lp) {
      void lp.table;
      lp.filePath(1);
    }
  }
  const ctx: D.EvalContext = { readRegister: () => 1n, readMemory: () => 2n, cfa: () => 0x1000n, tlsAddress: (o) => o };
  for (const s of D.subprograms(info)) {
    D.typeName(s.returnType);
    D.ptypeText(s.returnType);
    void [s.name, s.frameBase, s.variadic, s.declFile];
    D.abiSignature(s, {});
    for (const v of [...s.params, ...s.variables]) {
      D.typeName(v.type);
      D.sizeOf(v.type);
      void [v.name, v.declFile];
      if (s.lowPc !== undefined) D.locateVariable(v, s.lowPc, ctx, s);
    }
    for (const c of s.inlined) void [c.name, c.params, c.callFile, c.entryPc];
  }
  for (const g of D.globalVariables(info)) D.ptypeText(g.type);
  const cfi = D.parseCallFrameInfo(sections);
  for (const fde of cfi.fdes) {
    cfi.rows(fde);
    cfi.unwindStep(fde.pc_begin + 1, [1n, 1n, 1n, 1n, 1n, 1n, 1n, 0x1000n], () => 5n);
  }
}

test('random corruption of any debug section only ever raises HotlinkError', { skip }, (t) => {
  let seed = 12345;
  const rnd = (): number => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let rejected = 0;
  for (const key of built(['funcs-gcc-O2', 'funcs-clang-O2', 'types-gcc-O0'])) {
    const { sections } = open(objectPath(key));
    walkEverything(sections);
    const names = sections.names();
    for (let iter = 0; iter < 120; iter++) {
      const victim = names[Math.floor(rnd() * names.length)]!;
      const bad = patched(key, victim, (b) => {
        for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
        return rnd() < 0.1 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
      });
      try {
        walkEverything(bad);
      } catch (e) {
        if (!(e instanceof HotlinkError)) throw new Error(`${key}, iteration ${iter}, ${victim} corrupted: ${(e as Error).stack}`);
        rejected++;
      }
    }
  }
  assert.ok(rejected > 50, `${rejected} corrupt inputs rejected`);
  clangPart(t);
});

// ---- Forms the compilers rarely emit ------------------------------------------------

test('DW_FORM_indirect, data16, udata past 2^53, sdata, flag, block2, implicit_const, ref1 and ref_udata decode', () => {
  const uleb = (v: number): number[] => {
    const out: number[] = [];
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
    return out;
  };
  const str = (s: string): number[] => [...Buffer.from(s + '\0', 'latin1')];
  const abbrev = [
    1, D.DW_TAG_compile_unit, 1,
    D.DW_AT_name, D.DW_FORM_string,
    D.DW_AT_producer, D.DW_FORM_indirect,
    D.DW_AT_const_value, D.DW_FORM_data16,
    D.DW_AT_byte_size, D.DW_FORM_udata,
    D.DW_AT_lower_bound, D.DW_FORM_sdata,
    D.DW_AT_external, D.DW_FORM_flag,
    D.DW_AT_location, D.DW_FORM_block2,
    D.DW_AT_upper_bound, D.DW_FORM_implicit_const, ...sleb(-5),
    0, 0,
    2, D.DW_TAG_base_type, 0,
    D.DW_AT_name, D.DW_FORM_string,
    D.DW_AT_sibling, D.DW_FORM_ref1,
    D.DW_AT_type, D.DW_FORM_ref_udata,
    0, 0,
    0,
  ];
  const cuDie = [
    1, ...str('cu'), D.DW_FORM_string, ...str('prod'),
    ...Array.from({ length: 16 }, (_, i) => i),
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // udata 2^64 - 1
    ...sleb(-2),
    1,
    2, 0, D.DW_OP_reg0, D.DW_OP_reg0 + 1,
  ];
  const childAt = 12 + cuDie.length;
  // DW_AT_sibling (ref1) points just past the child; DW_AT_type (ref_udata) at the child itself.
  const child = [2, ...str('int'), childAt + 7, ...uleb(childAt)];
  const body = [5, 0, D.DW_UT_compile, 8, 0, 0, 0, 0, ...cuDie, ...child, 0];
  const info = new Uint8Array([...[body.length, 0, 0, 0], ...body]);
  const sections = new D.DebugSections('forms.o');
  sections.set('.debug_info', info);
  sections.set('.debug_abbrev', new Uint8Array(abbrev));
  const dwarf = new D.DwarfInfo(sections);
  const cu = dwarf.units[0]!.root;
  assert.equal(cu.name, 'cu');
  assert.equal(cu.string(D.DW_AT_producer), 'prod');
  assert.equal(cu.form(D.DW_AT_producer), D.DW_FORM_string);
  assert.deepEqual(cu.block(D.DW_AT_const_value), new Uint8Array(Array.from({ length: 16 }, (_, i) => i)));
  assert.equal(cu.get(D.DW_AT_byte_size), 0xffffffffffffffffn);
  assert.equal(cu.get(D.DW_AT_lower_bound), -2);
  assert.equal(cu.flag(D.DW_AT_external), true);
  assert.deepEqual(cu.block(D.DW_AT_location), new Uint8Array([D.DW_OP_reg0, D.DW_OP_reg0 + 1]));
  assert.equal(cu.get(D.DW_AT_upper_bound), -5);
  const int = cu.children[0]!;
  assert.equal(int.offset, childAt);
  assert.equal(int.name, 'int');
  assert.equal(int.ref(D.DW_AT_type), int, 'ref_udata is unit-relative');
  assert.equal(int.get(D.DW_AT_sibling), childAt + 7);
  assert.equal(int.parent, cu);
  assert.equal(dwarf.dieAt(childAt), int);
});
