// Regressions from the fuzzing campaign (`npm run fuzz`, fuzz/run.ts).
//
// Each directory under test/fuzz-regressions/ is one failure the campaign
// found and that was then fixed: the mutant (our own corpus object with
// the campaign's mutation applied), the unmutated objects of its program,
// and case.json (campaign seed and case number, the mutation, the phase and
// the failure it caused). Each is replayed through every phase the campaign
// runs (read, DWARF readers, link, debug view, run, append, reload): the
// answer must be success or a HotlinkError, and a failed append or reload
// must leave the image exactly as it was.
//
// The first tests are the two holes the issue named, built from an object
// gcc compiles here: a section header 0 that is not SHT_NULL, and a
// compressed debug section whose stream inflates far beyond what its header
// declares (a zlib bomb).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { HotlinkError } from '../src/errors.js';
import { ElfObject } from '../src/elf/object.js';
import { readDebugInfo, sectionOffsetSymbolValue } from '../src/dwarf/index.js';
import { CaseExecutor, PHASES, type Phase } from '../fuzz/exec.js';
import { repoRoot, tmpDir } from './helpers.js';

const REGRESSIONS = join(repoRoot, 'test', 'fuzz-regressions');

function gcc(dir: string, name: string, text: string, flags: string[]): Uint8Array {
  writeFileSync(join(dir, `${name}.c`), text);
  const r = spawnSync('gcc', ['-c', ...flags, join(dir, `${name}.c`), '-o', join(dir, `${name}.o`)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Uint8Array(readFileSync(join(dir, `${name}.o`)));
}

const SOURCE = 'int counter = 3;\nstatic int twice(int x) { return 2 * x; }\nint api(int v) { counter += twice(v); return counter; }\n';

interface Shdr { index: number; hdr: number; name: string; type: number; flags: bigint; offset: number; size: number }

function sections(b: Uint8Array): Shdr[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shoff = Number(dv.getBigUint64(0x28, true));
  const shnum = dv.getUint16(0x3c, true);
  const shstr = shoff + dv.getUint16(0x3e, true) * 64;
  const strOff = Number(dv.getBigUint64(shstr + 24, true));
  const out: Shdr[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * 64;
    let e = strOff + dv.getUint32(h, true);
    const start = e;
    while (b[e] !== 0) e++;
    out.push({ index: i, hdr: h, name: Buffer.from(b.subarray(start, e)).toString('latin1'), type: dv.getUint32(h + 4, true), flags: dv.getBigUint64(h + 8, true), offset: Number(dv.getBigUint64(h + 24, true)), size: Number(dv.getBigUint64(h + 32, true)) });
  }
  return out;
}

function readError(fn: () => unknown): HotlinkError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HotlinkError) return e;
    assert.fail(`expected a HotlinkError, got: ${(e as Error)?.stack ?? e}`);
  }
  assert.fail('expected a HotlinkError, but it succeeded');
}

describe('known holes', () => {
  test('section header 0 typed SHT_SYMTAB or SHT_RELA: an error naming the header, not a RangeError', (t) => {
    const dir = tmpDir(t);
    const obj = gcc(dir, 'api', SOURCE, ['-O1', '-fPIC']);
    const hdr0 = sections(obj)[0]!.hdr;
    for (const [type, name] of [[2, 'SHT_SYMTAB'], [4, 'SHT_RELA']] as const) {
      const b = Uint8Array.from(obj);
      const dv = new DataView(b.buffer);
      dv.setUint32(hdr0 + 4, type, true);
      dv.setBigUint64(hdr0 + 24, BigInt(b.length - 8), true); // contents running past the end
      dv.setBigUint64(hdr0 + 32, 0x1000n, true);
      dv.setBigUint64(hdr0 + 56, 24n, true);
      const e = readError(() => new ElfObject(b, 'api.o'));
      assert.equal(e.kind, 'malformed-input');
      assert.equal(e.message, `api.o: section header 0 at offset 0x${hdr0.toString(16)} has sh_type 0x${type.toString(16)}; it must be SHT_NULL (0)`, name);
    }
  });

  test('a zlib bomb in a compressed .debug_info stops at the declared size; a lie about the size is refused before inflating', (t) => {
    const dir = tmpDir(t);
    const obj = gcc(dir, 'api', SOURCE, ['-O1', '-g', '-fPIC', '-gz=zlib']);
    const info = sections(obj).find((s) => s.name === '.debug_info')!;
    assert.ok(info.flags & 0x800n, '.debug_info is SHF_COMPRESSED with -gz=zlib');
    // The section's stream is replaced by 64 MiB of zeros in 64 KiB, appended to the file.
    const stream = deflateSync(Buffer.alloc(64 << 20), { level: 9 });
    const withBomb = (declared: bigint): Uint8Array => {
      const chdr = Buffer.alloc(24);
      chdr.writeUInt32LE(1, 0); // ELFCOMPRESS_ZLIB
      chdr.writeBigUInt64LE(declared, 8);
      chdr.writeBigUInt64LE(1n, 16);
      const b = Buffer.concat([obj, chdr, stream]);
      b.writeBigUInt64LE(BigInt(obj.length), info.hdr + 24);
      b.writeBigUInt64LE(BigInt(24 + stream.length), info.hdr + 32);
      return new Uint8Array(b);
    };
    const load = (b: Uint8Array): HotlinkError => readError(() => {
      const o = new ElfObject(b, 'api.o');
      readDebugInfo(o, sectionOffsetSymbolValue(o));
    });
    const before = process.memoryUsage().arrayBuffers;
    let e = load(withBomb(0x400n));
    assert.equal(e.message, `api.o: .debug_info [${info.index}] decompresses to more than the 0x400 bytes its header declares`);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 << 20, 'the 64 MiB were never allocated');
    e = load(withBomb(1n << 40n));
    assert.match(e.message, new RegExp(`^api\\.o: \\.debug_info \\[${info.index}\\] declares a decompressed size of 0x10000000000 bytes, more than its 0x${stream.length.toString(16)} compressed bytes can hold`));
    // Declared honestly, 64 MiB is within what the stream can hold and the cap: it inflates, and is then not DWARF.
    e = load(withBomb(64n << 20n));
    assert.match(e.message, /^api\.o: \.debug_info at offset 0x[0-9a-f]+: /);
  });
});

interface CaseFile {
  seed: number;
  case: number;
  seedObject: string;
  name: string;
  steps: string[];
  phase: string;
  kind: string;
  message: string;
  libs: string[];
  hasMain: boolean;
  companions: { name: string; file: string }[];
  phases: string[];
}

const cases = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).filter((d) => existsSync(join(REGRESSIONS, d, 'case.json'))).sort() : [];

describe('campaign failures, replayed', () => {
  let executor: CaseExecutor | undefined;
  const runner = (t: Parameters<typeof tmpDir>[0]): CaseExecutor => {
    if (executor) return executor;
    const dir = tmpDir(t);
    const r = spawnSync('gcc', ['-c', '-O1', '-fPIC', join(repoRoot, 'fuzz', 'runner.c'), '-o', join(dir, 'runner.o')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return (executor = new CaseExecutor(new Uint8Array(readFileSync(join(dir, 'runner.o'))), { runLimitMs: 2000 }));
  };
  test('there are regression cases to replay', () => {
    assert.ok(cases.length > 0, `no case directories under ${REGRESSIONS}`);
  });
  for (const id of cases) {
    const c = JSON.parse(readFileSync(join(REGRESSIONS, id, 'case.json'), 'utf8')) as CaseFile;
    test(`${id}: ${c.kind} in ${c.phase} (${c.seedObject}: ${c.steps.join('; ')})`, async (t) => {
      const ex = runner(t);
      const read = (f: string): Uint8Array => new Uint8Array(readFileSync(join(REGRESSIONS, id, f)));
      const mutant = { name: c.name, bytes: read('mutant.bin') };
      const original = existsSync(join(REGRESSIONS, id, 'original.bin')) ? { name: c.name, bytes: read('original.bin') } : mutant;
      const out = await ex.execute({
        seed: `${id}`, original, mutant, companions: c.companions.map((x) => ({ name: x.name, bytes: read(x.file) })),
        libs: c.libs, hasMain: c.hasMain, phases: new Set(PHASES.filter((p) => c.phases.includes(p)) as Phase[]),
      });
      assert.deepEqual(out.problems, [], `was: ${c.message}`);
    });
  }
  test('free the images', () => executor?.free());
});
