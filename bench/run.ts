// `npm run bench`: hotlink's link time on real programs, against llvm-jitlink and tcc.
//
//  (a) hotlink, library API: objects on disk -> image ready to call main
//      (new Jit + addFile(.o)... + await link()), for the Lua 5.4 and SQLite
//      objects built by scripts/realworld.sh (pic-O2 and pic-O0). Two numbers:
//        cold = a fresh `node` process per run (what `hotlink run` pays),
//        warm = repeated in one process after a warm-up (JS JIT-compiled).
//      Median of N runs, plus the median of each link phase.
//  (b) llvm-jitlink -noexec --show-times on the same objects; we report its
//      "time to link object files" + "time to load/add object files" (wall).
//      LLVM 19's JITLink rejects STV_INTERNAL symbols (Lua declares its
//      internal functions with visibility("internal")), so it gets copies of
//      the objects with INTERNAL rewritten to HIDDEN (same link semantics).
//      Host symbols (libc, libm) come from the llvm-jitlink process itself.
//  (c) tcc -run, which compiles from the .c sources: its total time for
//      compile + link + run of a trivial script. Not a link-time number.
//  (d) start-up of whole commands against node -e 0 (bench/startup.ts).
//
// Usage: node dist/bench/run.js [--runs N] [--cold-runs N] [--variants a,b]
// (internal: --child <variant> links once and prints JSON).

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Jit } from '../src/index.js';
import { benchAppend } from './append.js';
import { benchFileReload, benchReload } from './reload.js';
import { benchStartup, tccCases } from './startup.js';
import { benchLive } from './live.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(HERE), '..', '..');
const BUILD = process.env.HOTLINK_REALWORLD_DIR ?? join(ROOT, 'build', 'realworld');
const PHASE_NAMES = ['read', 'resolve', 'layout', 'fixup', 'publish'] as const;
const TARGETS: Record<string, number> = { lua: 3, sqlite: 8 };

interface Variant {
  name: string;
  project: 'lua' | 'sqlite';
  model: string;
  opt: string;
  dir: string;
  native: string;
  libs: string[];
  objects: string[];
}

interface ChildResult {
  totalMs: number;
  phases: Record<string, number>;
  relocations?: number;
  symbols?: number;
  sections?: number;
}

// ---------------------------------------------------------------------------
// hotlink: one link, objects on disk -> ready to call main

async function hotlinkOnce(v: Variant): Promise<ChildResult> {
  const t0 = performance.now();
  const jit = new Jit({ libraries: v.libs });
  for (const o of v.objects) jit.addFile(o);
  const stats = await jit.link();
  const totalMs = performance.now() - t0;
  const phases: Record<string, number> = {};
  for (const p of PHASE_NAMES) phases[p] = Number((stats.phases as Record<string, number>)[p] ?? NaN);
  const s = stats as unknown as Record<string, unknown>;
  const result: ChildResult = {
    totalMs,
    phases,
    relocations: typeof s.relocations === 'number' ? s.relocations : undefined,
    symbols: typeof s.symbols === 'number' ? s.symbols : undefined,
    sections: typeof s.sections === 'number' ? s.sections : undefined,
  };
  jit.free();
  return result;
}

// ---------------------------------------------------------------------------
// helpers

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (ms: number, w = 9): string => (Number.isFinite(ms) ? `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms` : 'n/a').padStart(w);
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');

function which(names: string[]): string | undefined {
  for (const n of names) {
    if (n.includes('/')) {
      if (existsSync(n)) return n;
      continue;
    }
    for (const d of (process.env.PATH ?? '').split(':')) {
      if (d && existsSync(join(d, n))) return join(d, n);
    }
  }
  return undefined;
}

function timeProcess(cmd: string, args: string[], opts: { input?: string; cwd?: string } = {}): { ms: number; status: number | null; stdout: string; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { input: opts.input ?? '', cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 10 * 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** ELF64 little-endian .o: rewrite STV_INTERNAL (1) symbols to STV_HIDDEN (2) in place. */
function internalToHidden(bytes: Buffer): number {
  if (bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1) return 0;
  const shoff = Number(bytes.readBigUInt64LE(0x28));
  const shentsize = bytes.readUInt16LE(0x3a);
  const shnum = bytes.readUInt16LE(0x3c);
  let n = 0;
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    if (bytes.readUInt32LE(sh + 4) !== 2 /* SHT_SYMTAB */) continue;
    const off = Number(bytes.readBigUInt64LE(sh + 0x18));
    const size = Number(bytes.readBigUInt64LE(sh + 0x20));
    const entsize = Number(bytes.readBigUInt64LE(sh + 0x38)) || 24;
    for (let p = off; p + entsize <= off + size; p += entsize) {
      const other = bytes[p + 5]!;
      if ((other & 3) === 1) {
        bytes[p + 5] = (other & ~3) | 2;
        n++;
      }
    }
  }
  return n;
}

function jitlinkObjects(v: Variant): string[] {
  const dir = join(BUILD, 'bench', `jitlink-${v.name}`);
  mkdirSync(dir, { recursive: true });
  return v.objects.map((o) => {
    const out = join(dir, basename(o));
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(o).mtimeMs) {
      const b = readFileSync(o);
      if (internalToHidden(b) > 0) writeFileSync(out, b);
      else copyFileSync(o, out);
    }
    return out;
  });
}

/** Wall seconds of a named row in LLVM's timer report, in ms (last "N.NNNN (" before the name). */
function llvmTimerMs(report: string, name: string): number {
  for (const line of report.split('\n')) {
    if (!line.includes(name)) continue;
    const nums = [...line.matchAll(/([\d.]+)\s*\(\s*[\d.]+%\)/g)].map((m) => Number(m[1]));
    if (nums.length) return nums[nums.length - 1]! * 1000;
  }
  return NaN;
}

const firstLines = (text: string, n = 4): string => text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, n).join(' | ');

// ---------------------------------------------------------------------------

async function child(name: string): Promise<void> {
  const v = loadManifest().find((x) => x.name === name);
  if (!v) throw new Error(`no variant ${name}`);
  const r = await hotlinkOnce(v);
  process.stdout.write(JSON.stringify(r) + '\n');
}

function loadManifest(): Variant[] {
  const path = join(BUILD, 'manifest.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { variants: Variant[] }).variants;
}

function ensureBuilt(): void {
  if (existsSync(join(BUILD, 'manifest.json'))) return;
  console.log('bench: build/realworld missing; running scripts/realworld.sh (first time: several minutes)...');
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'realworld.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, HOTLINK_REALWORLD_DIR: BUILD } });
  if (r.status !== 0) {
    console.error(`bench: scripts/realworld.sh failed (status ${r.status}); nothing to benchmark`);
    process.exit(1);
  }
}

function argValue(flag: string, dflt: string): string {
  const i = process.argv.indexOf(flag);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!);
  ensureBuilt();
  const runs = Math.max(1, Number(argValue('--runs', process.env.BENCH_RUNS ?? '21')));
  const coldRuns = Math.max(1, Number(argValue('--cold-runs', process.env.BENCH_COLD_RUNS ?? '9')));
  const wanted = argValue('--variants', 'lua-pic-O2,lua-pic-O0,sqlite-pic-O2,sqlite-pic-O0').split(',');
  const all = loadManifest();
  const variants = wanted.map((w) => all.find((v) => v.name === w)).filter((v): v is Variant => !!v);
  const jitlink = which([process.env.LLVM_JITLINK ?? '', '/usr/lib/llvm-19/bin/llvm-jitlink', 'llvm-jitlink-19', 'llvm-jitlink'].filter(Boolean));
  const tcc = which([process.env.TCC ?? '', 'tcc'].filter(Boolean));

  console.log(`hotlink bench — link time, objects on disk -> ready to call main; median of ${runs} warm / ${coldRuns} cold runs`);
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`  node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${load}, build ${BUILD}`);
  if (loadavg()[0]! > cpus().length) console.log('  WARNING: the machine is busy (load > CPUs); expect noisy numbers');
  console.log(`  llvm-jitlink: ${jitlink ?? 'not installed'};  tcc: ${tcc ?? 'not installed'}\n`);

  interface Row { v: Variant; cold: number; warm: number; warmMin: number; coldMin: number; phases: Record<string, number>; relocs?: number; jl: number; jlProc: number; jlNote: string; error?: string }
  const rows: Row[] = [];
  for (const v of variants) {
    const row: Row = { v, cold: NaN, warm: NaN, warmMin: NaN, coldMin: NaN, phases: {}, jl: NaN, jlProc: NaN, jlNote: '' };
    rows.push(row);
    process.stdout.write(`  measuring ${v.name} (${v.objects.length} objects)...`);
    // (a) cold: fresh process per run
    const colds: ChildResult[] = [];
    for (let i = 0; i < coldRuns; i++) {
      const r = spawnSync(process.execPath, [HERE, '--child', v.name], { encoding: 'utf8', timeout: 10 * 60_000 });
      if (r.status !== 0) {
        row.error = `hotlink failed: ${firstLines(r.stderr || r.stdout || String(r.error))}`;
        break;
      }
      colds.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult);
    }
    row.cold = median(colds.map((c) => c.totalMs));
    row.coldMin = Math.min(...colds.map((c) => c.totalMs));
    // (a) warm: in-process
    if (!row.error) {
      try {
        // warm-up: fills hotlink's runtime-object cache and lets V8 optimize the linker
        for (let i = 0; i < Math.max(5, runs >> 1); i++) await hotlinkOnce(v);
        const warms: ChildResult[] = [];
        for (let i = 0; i < runs; i++) warms.push(await hotlinkOnce(v));
        row.warm = median(warms.map((w) => w.totalMs));
        row.warmMin = Math.min(...warms.map((w) => w.totalMs));
        for (const p of PHASE_NAMES) row.phases[p] = median(warms.map((w) => w.phases[p]!));
        row.relocs = warms[0]?.relocations;
      } catch (e) {
        row.error = `hotlink failed: ${(e as Error).message.split('\n')[0]}`;
      }
    }
    // (b) llvm-jitlink
    if (jitlink) {
      const objs = jitlinkObjects(v);
      const link: number[] = [];
      const proc: number[] = [];
      for (let i = 0; i < Math.max(3, coldRuns); i++) {
        const r = timeProcess(jitlink, ['-noexec', '--show-times', ...objs]);
        if (r.status !== 0) {
          row.jlNote = `llvm-jitlink failed: ${r.stderr.split('\n').find((l) => /error/i.test(l)) ?? r.stderr.split('\n')[0]}`;
          break;
        }
        const report = r.stdout + r.stderr;
        link.push(llvmTimerMs(report, 'time to link object files') + (llvmTimerMs(report, 'time to load/add object files') || 0));
        proc.push(r.ms);
      }
      row.jl = median(link);
      row.jlProc = median(proc);
    }
    console.log(row.error ? ` ${row.error}` : ' done');
  }

  // table
  console.log('');
  const head = ['variant', 'objs', 'relocs', 'hotlink cold', 'hotlink warm', '(phases)', 'llvm-jitlink', 'cold/llvm', 'warm/llvm', 'target'];
  const widths = [15, 5, 7, 13, 13, 10, 13, 10, 10, 22];
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
  console.log(line(head));
  console.log('-'.repeat(widths.reduce((a, b) => a + b + 1, 0)));
  for (const r of rows) {
    const target = TARGETS[r.v.project]!;
    const met = Number.isFinite(r.warm) ? (r.warm <= target ? 'met' : 'MISSED') : 'n/a';
    console.log(line([
      r.v.name, String(r.v.objects.length), r.relocs !== undefined ? String(r.relocs) : '?',
      fmt(r.cold), fmt(r.warm), fmt(PHASE_NAMES.reduce((a, p) => a + (r.phases[p] ?? NaN), 0)), jitlink ? fmt(r.jl) : 'not installed', ratio(r.cold, r.jl), ratio(r.warm, r.jl),
      `<= ${target} ms (warm): ${met}`,
    ]));
  }
  console.log('');
  console.log('cold = fresh node process per run; warm = in-process after warm-up; both: new Jit + addFile + await link().');
  console.log('(phases) = sum of the per-phase warm medians (read..publish); the rest of "warm" is Jit setup, mmap, library lookup.');
  console.log('');
  console.log('hotlink phases, warm median (ms):');
  for (const r of rows) {
    if (r.error) {
      console.log(`  ${r.v.name.padEnd(15)} ${r.error}`);
      continue;
    }
    console.log(`  ${r.v.name.padEnd(15)} ${PHASE_NAMES.map((p) => `${p} ${(r.phases[p] ?? NaN).toFixed(3)}`).join('  ')}  (sum ${PHASE_NAMES.reduce((a, p) => a + (r.phases[p] ?? 0), 0).toFixed(3)});  best total: warm ${fmt(r.warmMin, 0)}, cold ${fmt(r.coldMin, 0)}`);
  }
  if (jitlink) {
    console.log('');
    console.log('llvm-jitlink: link+load phase time from --show-times (wall); whole process incl. LLVM startup:');
    for (const r of rows) console.log(`  ${r.v.name.padEnd(15)} ${r.jlNote || `${fmt(r.jl)}   (process ${fmt(r.jlProc).trim()})`}`);
  }

  // (c) tcc -run: compile + link + run from source
  console.log('');
  if (!tcc) {
    console.log('tcc -run: not installed');
  } else {
    console.log(`tcc -run — compile + link + run of a trivial script from the .c sources (NOT a link-only time), median of ${coldRuns}:`);
    const cases = tccCases(BUILD, 'local x = 1');
    for (const c of cases) {
      const times: number[] = [];
      let err = '';
      for (let i = 0; i < coldRuns; i++) {
        const r = timeProcess(tcc, c.args, { input: c.input, cwd: c.cwd });
        if (r.status !== 0) {
          err = r.stderr.split('\n')[0] ?? `status ${r.status}`;
          break;
        }
        times.push(r.ms);
      }
      console.log(`  ${c.name.padEnd(17)} ${err ? `failed: ${err}` : fmt(median(times))}`);
    }
  }

  // Start-up: whole commands against node -e 0, llvm-jitlink and tcc -run in the same rounds (bench/startup.ts).
  console.log('');
  const luaV = all.find((v) => v.name === 'lua-pic-O2');
  const sqliteV = all.find((v) => v.name === 'sqlite-pic-O2');
  const startupJitlink = jitlink && luaV && sqliteV ? { path: jitlink, lua: jitlinkObjects(luaV), sqlite: jitlinkObjects(sqliteV) } : undefined;
  console.log(await benchStartup({ build: BUILD, jitlink: startupJitlink, tcc }, Math.max(coldRuns, 9)));
  // Incremental linking and hot reload (INCREMENTAL_LINK.md, HOT_RELOAD.md).
  console.log('');
  console.log(await benchAppend());
  console.log('');
  console.log(await benchReload());
  // Issue 10: live mode (publication pause, save -> new output).
  console.log('');
  console.log(await benchLive());
  // Issue 9: file reload of real programs (link side) and false positives over every Lua and SQLite file.
  // Slow (it compiles every file several times); HOTLINK_BENCH_QUICK=1 skips it.
  if (!process.env.HOTLINK_BENCH_QUICK) {
    console.log('');
    console.log(await benchFileReload());
  }
  const failed = rows.filter((r) => r.error);
  if (failed.length) {
    console.log(`\n${failed.length} variant(s) could not be linked by hotlink`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error)?.stack ?? String(e)}`);
  process.exit(1);
});
