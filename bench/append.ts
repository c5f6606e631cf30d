// Append latency (INCREMENTAL_LINK.md): the link side of one append — object
// bytes already in memory -> parsed, resolved, placed, relocated, published —
// i.e. Jit.appendObjects, for a one-function object, after 10, 1,000 and
// 10,000 prior appends. Append-only linking promises that an append only
// touches the new object, so its cost should not grow with the image.
//
// Method: the one-function object is compiled once (the defaults append()
// uses: -g -fPIC) and its global function is renamed for every append by
// patching its name in .strtab (names of equal length), so every append
// defines a distinct symbol. A throwaway image is appended to first so V8
// has compiled the link path; then a fresh image is measured. At each point N
// the samples are appends number N+1 .. N+SAMPLES (timed one by one with
// hrtime; object bytes prepared beforehand). Memory: TypeScript heap growth
// (heapUsed after a forced gc) and off-heap ArrayBuffer growth (the retained
// object bytes) per appended object, and committed image bytes per object
// (LinkSession.committedBytes()).
//
// Usage: node dist/bench/append.js   (also: import { benchAppend } from './append.js')

import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileSource, ElfObject, Jit } from '../src/index.js';

const POINTS = [10, 1_000, 10_000];
const SAMPLES = 200;
const WARMUP_APPENDS = 2_000;
const TARGET_P50_US = 50;
const TARGET_FLATNESS = 1.25;
const PLACEHOLDER = 'bench_f0000000';

const INIT = `
int base(int x) { return x + 1; }
int calls;
`;

const TEMPLATE = `
extern int base(int);
extern int calls;
int ${PLACEHOLDER}(int x) { calls++; return base(x) * 2; }
`;

/** A forced full GC: global.gc under --expose-gc, else one obtained at run time; undefined if neither works. */
function findGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    if (typeof fn === 'function') return fn as () => void;
  } catch {
    // fall through: approximate numbers
  }
  return undefined;
}

/** Renames the template's global function for each append (same-length names, patched in .strtab). */
function renamer(bytes: Uint8Array): (k: number) => Uint8Array {
  const obj = new ElfObject(bytes, 'template');
  const strtab = obj.sections[obj.sections[obj.symtabIndex]!.sh_link]!;
  const table = Buffer.from(bytes.buffer, bytes.byteOffset + strtab.sh_offset, strtab.sh_size);
  const at = table.indexOf(Buffer.from(`\0${PLACEHOLDER}\0`, 'latin1'));
  if (at < 0) throw new Error(`bench: ${PLACEHOLDER} not found in the template's .strtab`);
  const off = strtab.sh_offset + at + 1;
  const prefix = PLACEHOLDER.slice(0, PLACEHOLDER.length - 7);
  return (k) => {
    const out = Uint8Array.from(bytes);
    out.set(Buffer.from(prefix + String(k).padStart(7, '0'), 'latin1'), off);
    return out;
  };
}

function relocationCount(bytes: Uint8Array): number {
  const obj = new ElfObject(bytes, 'template');
  let n = 0;
  for (const s of obj.sections) if (s.relaIndex >= 0 && (s.sh_flags & 2) !== 0) n += obj.relocations(s.relaIndex).count;
  return n;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const PHASES = ['read', 'resolve', 'layout', 'fixup', 'publish'] as const;

interface Point {
  prior: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
  /** Median of each link phase (µs), from the append's own stats. */
  phases: number[];
}

const committedTotal = (jit: Jit): number => Object.values(jit.session.committedBytes()).reduce((a, b) => a + b, 0);

/** Runs the append-latency benchmark and returns a formatted table. */
export async function benchAppend(): Promise<string> {
  const started = performance.now();
  const gc = findGc();
  const [init, template] = await Promise.all([compileSource(INIT, 'bench_init.c'), compileSource(TEMPLATE, 'bench_one.c')]);
  const make = renamer(template.bytes);
  let next = 0; // names are never reused across images (cheap insurance, not needed)

  // Warm-up image: V8 compiles and optimizes the link path.
  {
    const jit = new Jit();
    jit.addObject(init.bytes, 'bench_init.o');
    await jit.link();
    for (let i = 0; i < WARMUP_APPENDS; i++) {
      const bytes = make(next++);
      jit.appendObjects([{ bytes, name: 'warm.o' }]);
    }
    jit.free();
  }

  const jit = new Jit();
  jit.addObject(init.bytes, 'bench_init.o');
  await jit.link();
  jit.runInit();
  gc?.();
  const mem0 = process.memoryUsage();
  const committed0 = committedTotal(jit);
  const bytes0 = { ...jit.session.committedBytes() };
  let appended = 0;
  const append = (bytes: Uint8Array): Record<string, number> => {
    const r = jit.appendObjects([{ bytes, name: 'one.o' }]);
    appended++;
    return r.stats.phases;
  };

  const points: Point[] = [];
  for (const prior of POINTS) {
    while (appended < prior) append(make(next++));
    const batch = Array.from({ length: SAMPLES }, () => make(next++));
    gc?.();
    const times: number[] = [];
    const phaseTimes: number[][] = PHASES.map(() => []);
    for (const bytes of batch) {
      const t0 = process.hrtime.bigint();
      const phases = append(bytes);
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
      PHASES.forEach((p, k) => phaseTimes[k]!.push((phases[p] ?? NaN) * 1000));
    }
    const sorted = [...times].sort((a, b) => a - b);
    points.push({
      prior,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      mean: times.reduce((a, b) => a + b, 0) / times.length,
      max: sorted[sorted.length - 1]!,
      phases: phaseTimes.map((xs) => percentile([...xs].sort((a, b) => a - b), 0.5)),
    });
  }

  gc?.();
  const mem1 = process.memoryUsage();
  const committed1 = committedTotal(jit);
  const bytes1 = jit.session.committedBytes();
  // Sanity: the last appended function runs and calls the initial image.
  const last = `${PLACEHOLDER.slice(0, PLACEHOLDER.length - 7)}${String(next - 1).padStart(7, '0')}`;
  const check = jit.call(last, 'int (int)', 20) as number;
  if (check !== 42) throw new Error(`bench: ${last}(20) returned ${check}, expected 42`);
  const generation = jit.generation;
  jit.free();

  const heapPer = (mem1.heapUsed - mem0.heapUsed) / appended;
  const externalPer = (mem1.arrayBuffers - mem0.arrayBuffers) / appended;
  const committedPer = (committed1 - committed0) / appended;
  const perClass = (['RX', 'R', 'RW', 'TLS'] as const).map((c) => `${c} ${((bytes1[c] - bytes0[c]) / appended).toFixed(0)}`).join(', ');
  const at = (n: number) => points.find((p) => p.prior === n)!;
  const flatness = at(POINTS[POINTS.length - 1]!).p50 / at(POINTS[0]!).p50;
  const p50Worst = Math.max(...points.map((p) => p.p50));

  const us = (v: number): string => v.toFixed(1).padStart(9);
  const lines: string[] = [];
  lines.push(`append latency, link side (object bytes in memory -> published: Jit.appendObjects)`);
  lines.push(`one-function object: ${template.bytes.length} bytes, ${relocationCount(template.bytes)} relocations (gcc -g -fPIC); ${SAMPLES} samples per point; warm-up ${WARMUP_APPENDS} appends`);
  lines.push('');
  lines.push(`prior appends    p50 µs    p99 µs   mean µs    max µs   | p50 µs per phase: ${PHASES.join(' / ')}`);
  for (const p of points) {
    lines.push(`${p.prior.toLocaleString('en-US').padStart(13)} ${us(p.p50)} ${us(p.p99)} ${us(p.mean)} ${us(p.max)}   | ${p.phases.map((x) => x.toFixed(1)).join(' / ')}`);
  }
  lines.push('');
  const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
  lines.push(`p50 (worst point)              ${p50Worst.toFixed(1).padStart(8)} µs   target <= ${TARGET_P50_US} µs    ${verdict(p50Worst <= TARGET_P50_US)}`);
  lines.push(`flatness p50(10,000)/p50(10)   ${flatness.toFixed(2).padStart(8)}      target <= ${TARGET_FLATNESS.toFixed(2)}     ${verdict(flatness <= TARGET_FLATNESS)}`);
  lines.push(`TS heap per appended object    ${heapPer.toFixed(0).padStart(8)} B    (heapUsed delta / ${appended}${gc ? ', after forced gc' : ', no gc available: approximate'})`);
  lines.push(`ArrayBuffers per object        ${externalPer.toFixed(0).padStart(8)} B    (retained object bytes, off the JS heap)`);
  lines.push(`committed per appended object  ${committedPer.toFixed(0).padStart(8)} B    (${perClass}; page-rounded cursors)`);
  lines.push(`image generation ${generation}; benchmark time ${((performance.now() - started) / 1000).toFixed(1)} s; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} CPUs (wall-clock numbers include any CPU contention)`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchAppend().then(
    (table) => console.log(table),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
