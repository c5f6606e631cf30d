// One fuzz case, executed in this process: what hotlink does with an input
// a user hands it, phase by phase, each phase's outcome classified.
//
//   read    ElfObject / Archive (and every archive member)
//   dwarf   every DWARF and CFI reader over the object alone (section offsets)
//   link    the mutant with the rest of its program into a fresh image
//   view    the same readers over the linked input (image addresses), and
//           DebugView's queries (lines, functions, prologues, variables)
//   run     constructors and main in a fork()ed child (fuzz/runner.c): what
//           the program does there is the program's business
//   append  the mutant appended to a live image; a failure must leave the
//           image exactly as it was (snapshot compared), a success must not
//           change the bytes that were already there
//   reload  the mutant as a new version of its unit in a reloadable image
//           (same all-or-nothing check)
//
// A HotlinkError is the expected answer to bad input. Anything else thrown
// is a Problem; so is a changed image. Signals and hangs cannot be seen
// from inside: the worker reports its phase before each one, and the
// campaign's parent classifies a death or a stall by the phase it was in.

import { createHash } from 'node:crypto';
import { HotlinkError } from '../src/errors.js';
import { Jit } from '../src/jit.js';
import { ElfObject } from '../src/elf/object.js';
import { Archive, isArchive } from '../src/elf/archive.js';
import { readDebugInfo, sectionOffsetSymbolValue, type DebugInfo } from '../src/dwarf/index.js';
import { allLinePrograms } from '../src/dwarf/line.js';
import { subprograms, globalVariables, locateVariable, type Variable } from '../src/dwarf/program.js';
import { dieLocation, dieRanges } from '../src/dwarf/lists.js';
import { decodeExpression, evaluateLocation, type EvalContext } from '../src/dwarf/expr.js';
import { typeOfDie, typeName, sizeOf } from '../src/dwarf/types.js';
import { abiSignature } from '../src/dwarf/abi.js';
import { applyRow, X86_64_UNWIND } from '../src/dwarf/cfi.js';
import { DebugView, imageDebugInfo } from '../src/dbg/view.js';
import { objIndex } from '../src/link/objindex.js';
import { x86_64 } from '../src/arch/x86_64.js';
import { callNative, memoryView, nativeArray } from '../src/memory/native.js';

export const PHASES = ['read', 'dwarf', 'link', 'view', 'run', 'append', 'reload'] as const;
export type Phase = (typeof PHASES)[number];

export interface Input {
  name: string;
  bytes: Uint8Array;
}

export interface CaseSpec {
  /** The seed's name (the reload image is kept per seed). */
  seed: string;
  original: Input;
  mutant: Input;
  companions: Input[];
  libs: string[];
  hasMain: boolean;
  /** Which phases to run (a campaign skips the costly ones for large seeds). */
  phases: ReadonlySet<Phase>;
  /** In the view phase, also walk every DWARF reader at image addresses (default true). */
  viewWalk?: boolean;
}

export interface Problem {
  phase: Phase;
  /** 'exception' (not a HotlinkError), 'image-changed', 'old-bytes-changed'. */
  kind: string;
  message: string;
}

export interface Outcome {
  problems: Problem[];
  /** Per phase: 'ok', 'error' (a HotlinkError), or 'skip'. */
  phases: Partial<Record<Phase, 'ok' | 'error' | 'skip'>>;
  /** The run phase's result: 'exit N', 'signal N', 'timeout'. */
  run?: string;
}

const RESERVE = { rx: 1 << 20, r: 1 << 20, rw: 1 << 20, tls: 1 << 16 };
const EXIT_ALIASES: [string, string][] = [['exit', 'hotlink_fuzz_exit'], ['_exit', 'hotlink_fuzz_exit'], ['_Exit', 'hotlink_fuzz_exit']];

/** Executes cases; keeps the images appends and reloads go into between cases. */
export class CaseExecutor {
  private base: Jit | undefined;
  private readonly reloadImages = new Map<string, Jit | null>();
  constructor(
    private readonly runner: Uint8Array,
    private readonly opts: { runLimitMs: number; onPhase?: (p: Phase) => void },
  ) {}

  async execute(c: CaseSpec): Promise<Outcome> {
    const out: Outcome = { problems: [], phases: {} };
    const phase = async (p: Phase, fn: () => void | Promise<void>): Promise<boolean> => {
      if (!c.phases.has(p)) {
        out.phases[p] = 'skip';
        return false;
      }
      this.opts.onPhase?.(p);
      try {
        await fn();
        out.phases[p] ??= 'ok';
        return out.phases[p] === 'ok';
      } catch (e) {
        if (e instanceof HotlinkError) {
          out.phases[p] = 'error';
          return false;
        }
        out.problems.push({ phase: p, kind: 'exception', message: describe(e) });
        out.phases[p] = 'error';
        return false;
      }
    };
    /** A sub-step whose HotlinkError is fine and does not end the phase (the way the debugger degrades). */
    const part = (p: Phase, fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        if (!(e instanceof HotlinkError)) out.problems.push({ phase: p, kind: 'exception', message: describe(e) });
      }
    };

    let obj: ElfObject | undefined;
    const archive = isArchive(c.mutant.bytes);
    await phase('read', () => {
      if (archive) {
        const a = new Archive(c.mutant.bytes, c.mutant.name);
        for (const m of a.members) part('read', () => a.member(m.offset));
      } else obj = new ElfObject(c.mutant.bytes, c.mutant.name);
    });
    if (obj) {
      const o = obj;
      await phase('dwarf', () => {
        const d = readDebugInfo(o, sectionOffsetSymbolValue(o));
        walkDwarf(d, (fn) => part('dwarf', fn));
        part('dwarf', () => objIndex(o, x86_64));
      });
    }

    // link (and view, run)
    let jit: Jit | undefined;
    const linked = await phase('link', async () => {
      jit = new Jit({ runtime: false, reserve: RESERVE, libraries: c.libs });
      for (const [k, v] of EXIT_ALIASES) jit.session.aliases.set(k, v);
      jit.addObject(this.runner, 'fuzz-runner.o');
      jit.addObject(c.mutant.bytes, c.mutant.name);
      for (const x of c.companions) jit.addObject(x.bytes, x.name);
      try {
        await jit.link();
      } catch (e) {
        jit.free();
        jit = undefined;
        throw e;
      }
    });
    if (linked && jit) {
      const j = jit;
      await phase('view', () => viewChecks(j, c.viewWalk === false ? undefined : c.mutant.name, (fn) => part('view', fn)));
      if (c.hasMain) {
        await phase('run', () => {
          const main = j.lookup('main');
          const run = j.lookup('hotlink_fuzz_run');
          if (main === undefined || run === undefined) return;
          const inits = j.takePendingInit();
          const st = callNative(run, 'int (uintptr_t, uintptr_t, long, int)', main, inits.length ? nativeArray(inits) : 0, inits.length, this.opts.runLimitMs) as number;
          out.run = st === -1 ? 'timeout' : st < 0 ? `runner error ${st}` : (st & 0x7f) === 0 ? `exit ${(st >> 8) & 0xff}` : `signal ${st & 0x7f}`;
        });
      }
      j.free();
    } else if (c.phases.has('view')) out.phases.view = 'skip';

    await phase('append', async () => {
      const base = (this.base ??= await baseImage(this.runner, c.libs));
      const before = snapshot(base);
      try {
        base.appendObjects([c.mutant, ...c.companions]);
      } catch (e) {
        const after = snapshot(base);
        const diff = compare(before, after);
        if (diff) out.problems.push({ phase: 'append', kind: 'image-changed', message: `a failed append changed the image: ${diff} (error: ${(e as Error).message.split('\n')[0]})` });
        throw e;
      }
      // Success: the bytes that were there must be unchanged; then start a fresh image (the names are taken now).
      const old = compareOld(before, base);
      if (old) out.problems.push({ phase: 'append', kind: 'old-bytes-changed', message: `a successful append changed the image's existing bytes: ${old}` });
      base.free();
      this.base = undefined;
    });

    if (!archive) {
      await phase('reload', async () => {
        const img = await this.reloadImage(c);
        if (!img) return;
        const before = snapshot(img);
        try {
          img.reloadFileObject({ bytes: c.mutant.bytes, name: c.original.name });
        } catch (e) {
          const diff = compare(before, snapshot(img));
          if (diff) out.problems.push({ phase: 'reload', kind: 'image-changed', message: `a failed reload changed the image: ${diff} (error: ${(e as Error).message.split('\n')[0]})` });
          throw e;
        }
        img.free();
        this.reloadImages.delete(c.seed);
      });
    }
    return out;
  }

  /** The seed's program linked reloadable from the unmutated objects (null if it does not link). */
  private async reloadImage(c: CaseSpec): Promise<Jit | null> {
    let img = this.reloadImages.get(c.seed);
    if (img !== undefined) return img;
    if (this.reloadImages.size >= 6) {
      const [k, v] = this.reloadImages.entries().next().value as [string, Jit | null];
      v?.free();
      this.reloadImages.delete(k);
    }
    try {
      img = new Jit({ runtime: false, reserve: RESERVE, libraries: c.libs, indirection: 'exported-funcs' });
      img.addObject(c.original.bytes, c.original.name);
      for (const x of c.companions) img.addObject(x.bytes, x.name);
      await img.link();
    } catch (e) {
      if (!(e instanceof HotlinkError)) throw e;
      img = null;
    }
    this.reloadImages.set(c.seed, img);
    return img;
  }

  free(): void {
    this.base?.free();
    for (const v of this.reloadImages.values()) v?.free();
    this.reloadImages.clear();
  }
}

async function baseImage(runner: Uint8Array, libs: string[]): Promise<Jit> {
  const j = new Jit({ runtime: false, reserve: RESERVE, libraries: [...new Set(['m', 'dl', ...libs])] });
  j.addObject(runner, 'fuzz-base.o');
  await j.link();
  return j;
}

function describe(e: unknown): string {
  const err = e as Error;
  return (err?.stack ?? String(e)).split('\n').slice(0, 6).join('\n');
}

// ---- the image, before and after ---------------------------------------------------------

interface Snapshot {
  state: string;
  /** Per class: start, cursor, sha1 of [start, cursor). */
  classes: { start: number; cursor: number; hash: string }[];
}

function snapshot(jit: Jit): Snapshot {
  const s = jit.session;
  const maps = (s as unknown as { maps: Record<string, Map<unknown, unknown>> }).maps;
  // The published names and the symbol each one is bound to (slots and bodies are in the RW and RX bytes below).
  let names = 0x811c9dc5;
  for (const [k, v] of s.symbols.byName) names = Math.imul(Math.imul(names ^ v, 0x01000193) ^ k.length ^ k.charCodeAt(0), 0x01000193);
  const funcs = [...s.reloadFuncs.values()].map((f) => `${f.current}/${f.bodies.length}`).join(',');
  const state = JSON.stringify({
    generation: s.generation, symbols: s.symbols.count, byName: s.symbols.byName.size, inputs: s.inputs.length, placed: s.placed, relocs: s.relocs.count,
    got: s.symbols.got.size, stub: s.symbols.stub.size, tlsPair: s.symbols.tlsPair.size, tlsModules: s.tlsModuleCount,
    addrIndex: s.addrIndex.lengths(), archives: s.archives.length, units: s.units.size, fini: s.fini.length,
    maps: Object.fromEntries(Object.entries(maps).map(([k, m]) => [k, m.size])), names, funcs,
  });
  return { state, classes: s.classes.map((c) => ({ start: c.start, cursor: c.cursor, hash: hashRange(c.start, c.cursor) })) };
}

/** Hashed per class: the first and last HASH_SPAN bytes (a large .bss would otherwise cost milliseconds per snapshot). */
const HASH_SPAN = 1 << 20;

/** sha1 of image bytes [start, end): published, so committed and readable (a view, no copy). */
function hashRange(start: number, end: number): string {
  const h = createHash('sha1').update(String(end - start));
  if (end - start <= 2 * HASH_SPAN) return h.update(end > start ? memoryView(start, end - start) : new Uint8Array(0)).digest('hex');
  return h.update(memoryView(start, HASH_SPAN)).update(memoryView(end - HASH_SPAN, HASH_SPAN)).digest('hex');
}

function compare(a: Snapshot, b: Snapshot): string | undefined {
  if (a.state !== b.state) {
    const x = JSON.parse(a.state) as Record<string, unknown>;
    const y = JSON.parse(b.state) as Record<string, unknown>;
    const keys = Object.keys(x).filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
    return keys.map((k) => `${k}: ${JSON.stringify(x[k])} -> ${JSON.stringify(y[k])}`).join('; ');
  }
  for (let i = 0; i < a.classes.length; i++) {
    const p = a.classes[i]!;
    const q = b.classes[i]!;
    if (p.cursor !== q.cursor || p.hash !== q.hash) return `class ${i} bytes [0x${p.start.toString(16)}, 0x${p.cursor.toString(16)}) changed`;
  }
  return undefined;
}

function compareOld(before: Snapshot, jit: Jit): string | undefined {
  for (let i = 0; i < before.classes.length; i++) {
    const p = before.classes[i]!;
    if (hashRange(p.start, p.cursor) !== p.hash) return `class ${i} bytes [0x${p.start.toString(16)}, 0x${p.cursor.toString(16)}) changed`;
  }
  void jit;
  return undefined;
}

// ---- the DWARF readers, everything a debugger asks -------------------------------------------

const MAX_DIES = 4000;

const CTX: EvalContext = {
  readRegister: () => 0x1000n,
  readMemory: () => 0n,
  frameBase: () => 0x2000n,
  cfa: () => 0x3000n,
  tlsAddress: (o) => 0x4000n + o,
};

/** Walks every reader over `d`; `part` runs one step, tolerating a HotlinkError in it. */
export function walkDwarf(d: DebugInfo, part: (fn: () => void) => void): void {
  let dies = 0;
  for (const u of d.info.units) {
    part(() => {
      u.parse();
      for (const die of u.dies) {
        if (++dies > MAX_DIES) return;
        part(() => {
          for (const a of die.attributes()) {
            if (a.value instanceof Uint8Array && (a.form === 0x18 || a.form === 0x0a || a.form === 0x09)) {
              part(() => decodeExpression(a.value as Uint8Array, { addressSize: u.address_size, file: d.info.file, section: '.debug_info' }));
            }
          }
          part(() => void die.name);
          part(() => void dieRanges(die));
          part(() => {
            const loc = dieLocation(die);
            if (loc?.kind === 'expr') evaluateLocation(decodeExpression(loc.expr, { addressSize: u.address_size }), CTX);
          });
          if (die.has(0x49 /* DW_AT_type */)) {
            part(() => {
              const t = typeOfDie(die);
              typeName(t);
              sizeOf(t);
            });
          }
        });
      }
    });
  }
  part(() => {
    for (const sub of subprograms(d.info)) {
      part(() => abiSignature(sub));
      const vars: Variable[] = [...sub.params, ...sub.variables];
      for (const v of vars) part(() => locateVariable(v, sub.lowPc ?? 0, CTX, sub));
    }
  });
  part(() => {
    for (const v of globalVariables(d.info)) part(() => locateVariable(v, 0, CTX));
  });
  part(() => {
    for (const p of allLinePrograms(d.info)) {
      part(() => {
        const seqs = p.sequences;
        for (let f = 0; f <= p.file_names.length && f < 64; f++) part(() => p.filePath(f));
        for (const s of seqs.slice(0, 32)) part(() => p.rowIndexFor(s.start));
        void p.rows.length;
      });
    }
  });
  part(() => {
    const regs: (bigint | undefined)[] = [];
    for (let r = 0; r < 17; r++) regs[r] = 0x1000n * BigInt(r + 1);
    for (const fde of d.cfi.fdes.slice(0, 200)) {
      part(() => {
        const rows = d.cfi.rows(fde);
        for (const row of rows.slice(0, 8)) part(() => applyRow(row, regs, () => 0n, X86_64_UNWIND, d.info.file));
      });
    }
  });
}

/** The readers over the linked input at image addresses (as DebugView reads it), then DebugView's own queries. */
function viewChecks(jit: Jit, file: string | undefined, part: (fn: () => void) => void): void {
  const s = jit.session;
  const inputId = file === undefined ? -1 : s.inputs.findIndex((i) => i.file === file);
  if (inputId >= 0) part(() => walkDwarf(imageDebugInfo(jit.session, s.inputs[inputId]!), part));
  const view = new DebugView(jit);
  part(() => {
    for (let i = 0; i < s.inputs.length; i++) {
      const fns = view.functions(i);
      for (const f of fns.slice(0, 50)) {
        if (f.lowPc === undefined) continue;
        const low = f.lowPc;
        part(() => view.lineAt(low));
        part(() => view.functionAt(low));
        part(() => view.afterPrologue(low, f.highPc ?? low + 1));
        if (f.name) part(() => view.functionAddress(f.name!));
      }
    }
  });
  part(() => {
    for (const f of view.sourceFiles().slice(0, 4)) for (const line of [1, 5, 20]) part(() => view.addressesForLine(f, line));
  });
  part(() => void view.globalVariable('counter'));
}
