// Translation-unit reload scenarios (issue 9, "Reload that never lies"): each
// directory of test/reload-scenarios is a small program edited once, run
// with gcc and clang-19 at -O0 and -O2, reloaded two ways:
//
//   api  Jit.reloadFile(path) between calls of probe() through jit.call;
//   dbg  `hotlink dbg` on pipes: break (default: reload_point, between the
//        probes), edit the files, `reload FILE`, `delete`, `continue`; the
//        program's own output is compared.
//
// Scenario format (test/reload-scenarios/<name>/expect.json; see README.md
// there):
//   title     what the scenario shows
//   files     target name -> source file in the directory, or [before, after]
//             (default {"prog.c": ["before.c", "after.c"]}); the program is
//             these files plus harness.c (main: prints `probe N` BEFORE
//             times, calls reload_point(), prints AFTER times)
//   inputs    the translation units linked (default ["prog.c"])
//   reload    the path reloaded: a unit or a header (default "prog.c")
//   probe     {before: [...], after: [...]}: successive probe() results
//             before the reload and after it
//   report    expected FileReloadReport fields; a field present is compared
//             exactly (names as sets): units (file names), swapped (function
//             names), added, removed, variables ({name, change}), partial
//   refused   {kind, message}: the reload must throw a HotlinkError of that
//             kind whose message matches the regex; then the image must be
//             byte-identical (every symbol's bytes, every slot, the symbol
//             list, the generation) and probe() keeps the old behaviour
//   variants  overrides by "O0"/"O2", "gcc"/"clang", "gcc-O2", ... (applied in
//             that order; `report` merges field by field)
//   dbg       {break: FUNCTION to reload at (1st hit), print: {EXPR: VALUE} read in probe's new body, output: [N, ...] the
//             program's printed probe values} (default reload_point and
//             before ++ after)
//
// Until the translation-unit reload lands (the lead's Jit.reloadFile), the
// scenarios that need it fail; the ones over global functions only
// (global-edit, fnptr-saved, function-added, recursion, inline-caller, ...)
// run against the stub.
//
// Run: npx tsc -p . && node --test dist/test/reload-scenarios.test.js
//   (HOTLINK_SCENARIO=name runs one scenario; HOTLINK_KEEP_TMP=1 keeps the directories)

import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HotlinkError, Jit } from '../src/index.js';
import type { FileReloadReport } from '../src/jit.js';
import { loadSlot } from '../src/link/reload.js';
import { DbgDriver, repoRoot, tmpDir } from './helpers.js';

const SCENARIOS = join(repoRoot, 'test', 'reload-scenarios');
const have = (cc: string): boolean => spawnSync(cc, ['--version']).status === 0;
const COMPILERS = [
  { cc: 'gcc', family: 'gcc', skip: have('gcc') ? undefined : 'gcc is not installed' },
  { cc: 'clang-19', family: 'clang', skip: have('clang-19') ? undefined : 'clang-19 is not installed' },
];
const LEVELS = ['O0', 'O2'];

interface ReportWant {
  units?: string[];
  swapped?: string[];
  added?: string[];
  removed?: string[];
  variables?: { name: string; change: string }[];
  partial?: boolean;
}
interface Scenario {
  title: string;
  files?: Record<string, string | [string, string]>;
  inputs?: string[];
  reload?: string;
  probe: { before: number[]; after: number[] };
  report?: ReportWant;
  refused?: { kind: string; message: string };
  variants?: Record<string, Partial<Omit<Scenario, 'variants'>>>;
  dbg?: { break?: string; output?: number[]; print?: Record<string, number> };
}

/** A scenario as it applies to one compiler family and level (variants merged, defaults filled in). */
function resolveScenario(raw: Scenario, family: string, level: string): Required<Omit<Scenario, 'variants' | 'report' | 'refused' | 'dbg'>> & Pick<Scenario, 'report' | 'refused'> & { dbg: { break: string; output: number[]; print: Record<string, number> } } {
  let s: Scenario = { ...raw };
  for (const key of [level, family, `${family}-${level}`]) {
    const v = raw.variants?.[key];
    if (!v) continue;
    s = { ...s, ...v, report: v.report ? { ...s.report, ...v.report } : s.report };
  }
  const files = s.files ?? { 'prog.c': ['before.c', 'after.c'] };
  const reload = s.reload ?? 'prog.c';
  const report = s.report && !s.report.units && reload.endsWith('.c') ? { ...s.report, units: [reload] } : s.report;
  return {
    title: s.title,
    files,
    inputs: s.inputs ?? ['prog.c'],
    reload,
    probe: s.probe,
    report,
    refused: s.refused,
    dbg: { break: s.dbg?.break ?? 'reload_point', output: s.dbg?.output ?? [...s.probe.before, ...s.probe.after], print: s.dbg?.print ?? {} },
  };
}

function scenarios(): { name: string; dir: string; raw: Scenario }[] {
  const only = process.env.HOTLINK_SCENARIO;
  return readdirSync(SCENARIOS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(SCENARIOS, d.name, 'expect.json')) && (!only || only.split(',').includes(d.name)))
    .map((d) => ({ name: d.name, dir: join(SCENARIOS, d.name), raw: JSON.parse(readFileSync(join(SCENARIOS, d.name, 'expect.json'), 'utf8')) as Scenario }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Writes the program's files as they are before (0) or after (1) the edit into `into`. */
function materialize(src: string, files: Record<string, string | [string, string]>, phase: 0 | 1, into: string): void {
  for (const [target, from] of Object.entries(files)) {
    const file = typeof from === 'string' ? from : from[phase];
    writeFileSync(join(into, target), readFileSync(join(src, file)));
  }
  if (phase === 0) copyFileSync(join(SCENARIOS, 'harness.c'), join(into, 'harness.c'));
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/** Compares a FileReloadReport with the expectation (fields present are exact; names as sets). */
function checkReport(r: FileReloadReport, want: ReportWant, generation: number): void {
  if (want.units) assert.deepEqual(sorted(r.units.map((u) => basename(u))), sorted(want.units), 'units reloaded');
  const swapped = r.swapped.map((x) => x.name);
  if (want.swapped) assert.deepEqual(sorted(swapped), sorted(want.swapped), 'swapped');
  if (want.added) assert.deepEqual(sorted(r.added), sorted(want.added), 'added');
  if (want.removed) assert.deepEqual(sorted(r.removed), sorted(want.removed), 'removed');
  if (want.variables) {
    const key = (v: { name: string; change: string }): string => `${v.name}:${v.change}`;
    assert.deepEqual(sorted(r.variables.map(key)), sorted(want.variables.map(key)), 'variables');
  }
  if (want.partial !== undefined) {
    assert.equal(r.partial, want.partial, `partial (stale: ${JSON.stringify(r.stale)})`);
    if (want.partial) assert.ok(r.stale.length > 0, 'a partial reload names where old code still runs');
  }
  assert.equal(r.partial, r.stale.length > 0, 'partial is stale.length > 0');
  for (const n of swapped) assert.ok(!r.unchanged.includes(n), `${n} is both swapped and unchanged`);
  assert.equal(r.generation, generation, 'the report names the image generation');
}

/**
 * Everything a refused reload must leave as it was: every symbol (name,
 * address, size, file) with a digest of its bytes, every reload slot's
 * content, and the generation.
 */
function imageSnapshot(jit: Jit): { generation: number; symbols: string[]; slots: string[] } {
  const s = jit.session;
  const inImage = (a: number, n: number): boolean => s.classes.some((c) => a >= c.start && a + n <= c.cursor);
  const symbols: string[] = [];
  for (const x of jit.symbols({ internal: true })) {
    const bytes = x.size > 0 && inImage(x.address, x.size) ? createHash('sha1').update(jit.read(x.address, x.size)).digest('hex') : '-';
    symbols.push(`${x.name}@${x.address.toString(16)}+${x.size} ${x.file} ${bytes}`);
  }
  const slots: string[] = [];
  const funcs = (s as unknown as { reloadFuncs?: Map<string, { slotAddr: number }> }).reloadFuncs;
  for (const [name, f] of funcs ?? []) slots.push(`${name}:${f.slotAddr.toString(16)}=${loadSlot(f.slotAddr).toString(16)}`);
  return { generation: jit.generation, symbols, slots };
}

async function runApi(t: TestContext, dir: string, s: ReturnType<typeof resolveScenario>, cc: string, level: string): Promise<void> {
  const work = tmpDir(t, 'hotlink-scenario-');
  materialize(dir, s.files, 0, work);
  const diagnostics: string[] = [];
  const jit = new Jit({ cc, cflags: [`-${level}`], indirection: 'exported-funcs', onDiagnostics: (d) => void diagnostics.push(d) });
  t.after(() => jit.free());
  for (const input of [...s.inputs, 'harness.c']) jit.addFile(join(work, input));
  await jit.link();
  const probe = (): number => jit.call('probe', 'int (void)') as number;
  assert.deepEqual(s.probe.before.map(probe), s.probe.before, 'probe() before the reload');
  materialize(dir, s.files, 1, work);
  const path = join(work, s.reload);
  if (s.refused) {
    const before = imageSnapshot(jit);
    const want = s.refused;
    await assert.rejects(jit.reloadFile(path), (e: unknown) => {
      assert.ok(e instanceof HotlinkError, `a HotlinkError, got ${String(e)}`);
      assert.equal(e.kind, want.kind, `error kind (${e.message})`);
      assert.match(e.message, new RegExp(want.message));
      return true;
    });
    assert.deepEqual(imageSnapshot(jit), before, 'a refused reload leaves the image byte-identical');
  } else {
    const r = await jit.reloadFile(path);
    if (s.report) checkReport(r, s.report, jit.generation);
  }
  assert.deepEqual(s.probe.after.map(probe), s.probe.after, 'probe() after the reload');
}

async function runDbg(t: TestContext, dir: string, s: ReturnType<typeof resolveScenario>, cc: string, level: string): Promise<void> {
  const work = tmpDir(t, 'hotlink-scenario-');
  materialize(dir, s.files, 0, work);
  const args = ['--cc', cc, `-${level}`, ...s.inputs, 'harness.c', '--', String(s.probe.before.length), String(s.probe.after.length)];
  const d = new DbgDriver(args, work);
  d.send(`b ${s.dbg.break}`, 'run');
  await d.waitFor(/\nBreakpoint 1, /);
  materialize(dir, s.files, 1, work);
  const prints = Object.entries(s.dbg.print);
  if (prints.length) {
    // The kept variables, read through the new unit's debug info while stopped in its new body.
    d.send(`reload ${s.reload}`, 'delete', 'break probe', 'continue');
    await d.waitFor(/\nBreakpoint 2, /);
    d.send(...prints.map(([expr]) => `print ${expr}`), 'delete');
  } else d.send(`reload ${s.reload}`, 'delete');
  d.send('continue');
  const { status } = await d.end();
  const context = `\n--- transcript (hotlink dbg ${args.join(' ')}; commands ${d.commands.join(' | ')}) ---\n${d.out}`;
  assert.equal(status, 0, `hotlink dbg exited with ${status}${context}`);
  assert.doesNotMatch(d.out, /internal error/, `internal error${context}`);
  const block = d.block(`reload ${s.reload}`).join('\n');
  if (s.refused) {
    assert.match(block, new RegExp(s.refused.message), `the refusal is reported${context}`);
  } else {
    const summary = /^Reloaded .*$/m.exec(block)?.[0];
    assert.ok(summary, `a 'Reloaded ...' line${context}`);
    const swapped = /swapped ([^;]*)/.exec(summary)?.[1] ?? '';
    for (const name of s.report?.swapped ?? []) assert.match(swapped, new RegExp(`\\b${name}\\b`), `${name} reported swapped${context}`);
    if (s.report?.partial !== undefined) assert.equal(/^warning: reload is partial/m.test(block), s.report.partial, `partial warning${context}`);
  }
  for (const [expr, value] of prints) assert.match(d.block(`print ${expr}`).join('\n'), new RegExp(`^\\$\\d+ = ${value}$`, 'm'), `print ${expr} in the new body${context}`);
  const printed = [...d.out.matchAll(/^probe (-?\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(printed, s.dbg.output, `the program's output${context}`);
  assert.match(d.out, /exited normally/, `the program ran to its end${context}`);
}

for (const { name, dir, raw } of scenarios()) {
  describe(`${name}: ${raw.title}`, () => {
    for (const { cc, family, skip } of COMPILERS) {
      for (const level of LEVELS) {
        const s = resolveScenario(raw, family, level);
        test(`${cc} -${level} api`, { skip }, (t) => runApi(t, dir, s, cc, level));
        test(`${cc} -${level} dbg`, { skip }, (t) => runDbg(t, dir, s, cc, level));
      }
    }
  });
}
