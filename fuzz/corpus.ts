// The fuzzer's seed corpus: the project's own compiled code. Every program
// of the differential corpus (test/corpus) compiled in several
// configurations (gcc and clang-19, -O0/-O2, DWARF 4 and 5, per-function
// sections, zlib-compressed debug sections), an archive of each
// multi-file program's non-main objects (`ar rcs`), and Lua's objects when
// scripts/realworld.sh has built them. A seed is one object (or archive)
// to mutate plus the unmutated objects its program needs to link. The
// corpus is cached under build/fuzz-corpus/, keyed by the compilers and
// the sources, so a seed number means the same bytes on every run.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SeedInput {
  name: string;
  bytes: Uint8Array;
}

export interface Seed {
  /** Display name: configuration/program/file. */
  name: string;
  /** The object or archive the mutator changes. */
  target: SeedInput;
  /** Unmutated inputs linked with it (the rest of its program). */
  companions: SeedInput[];
  /** -l libraries of the program. */
  libs: string[];
  /** The target defines main: the linked mutant can be run. */
  hasMain: boolean;
  /** Where it came from ('corpus', 'archive', 'lua'): the report counts cases per source. */
  source: string;
}

export interface Corpus {
  seeds: Seed[];
  /** The fork-and-run helper object (fuzz/runner.c), gcc -O1. */
  runner: Uint8Array;
  /** One line per source that was skipped, with the reason. */
  notes: string[];
  /** sha256 over every seed's bytes: equal digests mean a (seed, case) names the same mutant. */
  digest: string;
}

interface Config {
  name: string;
  cc: string;
  flags: string[];
}

const CONFIGS: Config[] = [
  { name: 'gcc-O0-dwarf5', cc: 'gcc', flags: ['-O0', '-g', '-fPIC'] },
  { name: 'gcc-O2-dwarf4-sections', cc: 'gcc', flags: ['-O2', '-gdwarf-4', '-fPIC', '-ffunction-sections', '-fdata-sections'] },
  { name: 'gcc-O1-zlib', cc: 'gcc', flags: ['-O1', '-g', '-fPIC', '-gz=zlib'] },
  { name: 'clang-O1-dwarf5', cc: 'clang-19', flags: ['-O1', '-gdwarf-5', '-fPIC'] },
  { name: 'clang-O0-dwarf4', cc: 'clang-19', flags: ['-O0', '-gdwarf-4', '-fPIC', '-ffunction-sections'] },
];

interface Program {
  name: string;
  dir: string;
  sources: string[];
  archiveMembers: string[];
  cflags: string[];
  libs: string[];
}

function programs(corpusDir: string): Program[] {
  const out: Program[] = [];
  for (const entry of readdirSync(corpusDir).sort()) {
    const full = join(corpusDir, entry);
    if (statSync(full).isDirectory()) {
      const specFile = join(full, 'spec.json');
      const spec = existsSync(specFile) ? JSON.parse(readFileSync(specFile, 'utf8')) : {};
      const sources = readdirSync(full).filter((f) => f.endsWith('.c')).sort();
      out.push({ name: entry, dir: full, sources, archiveMembers: spec.archive?.members ?? [], cflags: spec.cflags ?? [], libs: (spec.libs ?? []).map((l: string) => l.replace(/^-l/, '')) });
    } else if (entry.endsWith('.c')) {
      const specFile = full.replace(/\.c$/, '.json');
      const spec = existsSync(specFile) ? JSON.parse(readFileSync(specFile, 'utf8')) : {};
      out.push({ name: entry.replace(/\.c$/, ''), dir: corpusDir, sources: [entry], archiveMembers: [], cflags: spec.cflags ?? [], libs: (spec.libs ?? []).map((l: string) => l.replace(/^-l/, '')) });
    }
  }
  return out;
}

function have(cmd: string): boolean {
  return spawnSync('/bin/sh', ['-c', `command -v '${cmd}' >/dev/null 2>&1`]).status === 0;
}

function version(cc: string): string {
  return execFileSync(cc, ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
}

function definesMain(bytes: Uint8Array): boolean {
  return Buffer.from(bytes).includes(Buffer.from('\0main\0', 'latin1'));
}

/** Builds (or reads from the cache) the seed corpus. */
export function loadCorpus(repoRoot: string, realworldDir: string | undefined, log: (line: string) => void = () => {}): Corpus {
  const corpusDir = join(repoRoot, 'test', 'corpus');
  const notes: string[] = [];
  const configs = CONFIGS.filter((c) => {
    if (have(c.cc)) return true;
    notes.push(`${c.name}: ${c.cc} is not installed; its objects are not in the corpus`);
    return false;
  });
  const progs = programs(corpusDir);
  const runnerSource = join(repoRoot, 'fuzz', 'runner.c');
  const key = createHash('sha256');
  for (const c of configs) key.update(`${c.name} ${c.cc} ${version(c.cc)} ${c.flags.join(' ')}\n`);
  for (const p of progs) for (const s of p.sources) key.update(p.name + s).update(readFileSync(join(p.dir, s)));
  key.update(readFileSync(runnerSource));
  const cache = join(repoRoot, 'build', 'fuzz-corpus', key.digest('hex').slice(0, 16));
  if (!existsSync(join(cache, 'complete'))) {
    log(`building the seed corpus in ${cache} ...`);
    const tmp = `${cache}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    const jobs: [string, string[]][] = [];
    for (const c of configs) {
      for (const p of progs) {
        mkdirSync(join(tmp, c.name, p.name), { recursive: true });
        for (const s of p.sources) {
          jobs.push([c.cc, ['-c', ...c.flags, ...p.cflags, join(p.dir, s), '-o', join(tmp, c.name, p.name, s.replace(/\.c$/, '.o'))]]);
        }
        const members = p.archiveMembers.length ? p.archiveMembers : p.sources.length > 1 ? p.sources.filter((s) => s !== 'main.c') : [];
        if (members.length) jobs.push(['ar', ['rcs', join(tmp, c.name, p.name, 'lib.a'), ...members.map((m) => join(tmp, c.name, p.name, m.replace(/\.c$/, '.o')))]]);
      }
    }
    // Compile in parallel (the archive step of a program comes after its objects in `jobs`, and runs in a later wave).
    const compiles = jobs.filter((j) => j[0] !== 'ar');
    runParallel(compiles, 4);
    for (const j of jobs.filter((x) => x[0] === 'ar')) execFileSync(j[0], j[1]);
    execFileSync('gcc', ['-c', '-O1', '-fPIC', runnerSource, '-o', join(tmp, 'runner.o')]);
    writeFileSync(join(tmp, 'complete'), '');
    try {
      renameSync(tmp, cache);
    } catch {
      // another process built it concurrently; use theirs
    }
  }

  const seeds: Seed[] = [];
  const read = (path: string, name: string): SeedInput => ({ name, bytes: new Uint8Array(readFileSync(path)) });
  for (const c of configs) {
    for (const p of progs) {
      const dir = join(cache, c.name, p.name);
      const members = p.archiveMembers.length ? p.archiveMembers : p.sources.length > 1 ? p.sources.filter((s) => s !== 'main.c') : [];
      const objs = p.sources.map((s) => read(join(dir, s.replace(/\.c$/, '.o')), `${p.name}/${s.replace(/\.c$/, '.o')}`));
      for (const o of objs) {
        seeds.push({ name: `${c.name}/${o.name}`, target: o, companions: objs.filter((x) => x !== o), libs: p.libs, hasMain: definesMain(o.bytes), source: 'corpus' });
      }
      if (members.length) {
        const lib = read(join(dir, 'lib.a'), `${p.name}/lib.a`);
        const memberNames = new Set(members.map((m) => `${p.name}/${m.replace(/\.c$/, '.o')}`));
        seeds.push({ name: `${c.name}/${lib.name}`, target: lib, companions: objs.filter((x) => !memberNames.has(x.name)), libs: p.libs, hasMain: false, source: 'archive' });
      }
    }
  }

  const rw = realworldDir && existsSync(join(realworldDir, 'lua-pic-O2')) ? realworldDir : undefined;
  if (!rw) notes.push(`Lua: ${realworldDir ?? 'build/realworld'} has no lua-pic-O2 (run scripts/realworld.sh); Lua's objects are not in the corpus`);
  else {
    for (const variant of ['lua-pic-O2', 'lua-pie-O0']) {
      const dir = join(rw, variant);
      if (!existsSync(dir)) {
        notes.push(`Lua: ${dir} is missing`);
        continue;
      }
      const objs = readdirSync(dir).filter((f) => f.endsWith('.o')).sort().map((f) => read(join(dir, f), `${variant}/${f}`));
      for (const o of objs) {
        seeds.push({ name: o.name, target: o, companions: objs.filter((x) => x !== o), libs: ['m', 'dl'], hasMain: false, source: 'lua' });
      }
    }
  }
  const digest = createHash('sha256');
  for (const s of seeds) digest.update(s.name).update(s.target.bytes);
  return { seeds, runner: new Uint8Array(readFileSync(join(cache, 'runner.o'))), notes, digest: digest.digest('hex').slice(0, 16) };
}

function runParallel(jobs: [string, string[]][], width: number): void {
  // Synchronous waves of `width` background compiles through one shell each: simple and deterministic.
  for (let i = 0; i < jobs.length; i += width) {
    const wave = jobs.slice(i, i + width);
    const script = wave.map((j) => [j[0], ...j[1]].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ') + ' &').join('\n') + '\nfail=0; for j in $(jobs -p); do wait $j || fail=1; done; exit $fail';
    const r = spawnSync('/bin/bash', ['-c', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`corpus build failed:\n${r.stderr}`);
  }
}

