// The compiler driver: turns .c files into ELF relocatable objects in memory
// with the system compiler ($CC, else cc; gcc and clang both work). Each
// file is compiled with `-c -g -fPIC` followed by the user's own flags (so
// a user's -fno-pic or -O2 wins), independent files in parallel, into a
// private temporary directory that is always removed. The compiler's
// diagnostics go to our stderr verbatim; a failure is a 'compile' error.
// With `-MD -MF` (gcc, clang, tcc) each compile also reports the files it
// read; a compiled object carries them as `deps` (absolute paths), so a
// header edit can name every translation unit that included it (deps.ts).

import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rm, rmdir, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { HotlinkError } from '../errors.js';
import { compilerIdentity, rememberedAbout } from './identity.js';

export interface CompileOptions {
  /** Compiler command; default $CC or `cc`. */
  cc?: string;
  /** User flags (-I -D -U -O -std -W -f -m -g …), appended after the defaults. */
  flags?: string[];
  /** Where diagnostics go; default: our stderr. */
  onDiagnostics?: (text: string) => void;
  /** Default flags placed before the user's; default ['-g', '-fPIC']. */
  defaults?: string[];
  /** Directory the compiler runs in (sources are then named relative to it in diagnostics). */
  cwd?: string;
  /** Aborting kills the compilers still running; the compile then fails with a 'compile' error saying so. */
  signal?: AbortSignal;
}

export interface CompiledObject {
  source: string;
  /** A name for messages: the source file with .o. */
  name: string;
  bytes: Uint8Array;
  /**
   * Every file the compile read besides the source (headers, nested ones
   * too, system headers included), as absolute paths in the order the
   * compiler listed them; empty when the compiler gave no dependency output.
   */
  deps: string[];
}

/** node:child_process, loaded on the first compile (a run of objects with the compiler family remembered never spawns). */
let childProcess: typeof import('node:child_process') | undefined;
const processes = (): typeof import('node:child_process') => (childProcess ??= createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process'));

export type CompilerFamily = 'gcc' | 'clang' | 'tcc' | 'unknown';
const families = new Map<string, CompilerFamily>();

/** What kind of compiler `cc` is (`cc --version`, asked once per compiler binary: remembered by its identity, identity.ts). */
export function compilerFamily(cc = defaultCompiler()): CompilerFamily {
  let f = families.get(cc);
  if (f) return f;
  f = rememberedAbout(compilerIdentity(cc), 'family', () => {
    const argv = cc.split(/\s+/).filter(Boolean);
    const r = processes().spawnSync(argv[0]!, [...argv.slice(1), '--version'], { encoding: 'utf8' });
    const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    return /clang/i.test(text) ? 'clang' : /Free Software Foundation|\bgcc\b/i.test(text) ? 'gcc' : /tcc|Tiny C/i.test(text) ? 'tcc' : 'unknown';
  }) as CompilerFamily;
  families.set(cc, f);
  return f;
}

export function defaultCompiler(): string {
  return process.env.CC && process.env.CC.trim() ? process.env.CC.trim() : 'cc';
}

/** Compiles C sources (files on disk) to objects; parallel, at most one job per core. */
export async function compileFiles(sources: string[], opts: CompileOptions = {}): Promise<CompiledObject[]> {
  if (sources.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'hotlink-cc-'));
  try {
    const results: CompiledObject[] = new Array(sources.length);
    const errors: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < sources.length && !opts.signal?.aborted) {
        const k = next++;
        const src = sources[k]!;
        const out = join(dir, `${k}-${basename(src).replace(/\.[^.]*$/, '')}.o`);
        const depFile = `${out.slice(0, -2)}.d`;
        const res = await runCompiler(opts, ['-c', ...(opts.defaults ?? ['-g', '-fPIC']), ...(opts.flags ?? []), '-MD', '-MF', depFile, '-o', out, src]);
        if (res.diagnostics && !opts.signal?.aborted) (opts.onDiagnostics ?? writeStderr)(res.diagnostics);
        if (res.status !== 0) {
          errors.push(`${src}: compilation failed (${res.command} exited with ${res.status})`);
          continue;
        }
        const cwd = opts.cwd ?? process.cwd();
        results[k] = { source: src, name: src.replace(/\.[^.]*$/, '') + '.o', bytes: readFileSync(out), deps: readDeps(depFile, resolve(cwd, src), cwd) };
      }
    };
    const jobs = Math.max(1, Math.min(sources.length, availableParallelism()));
    await Promise.all(Array.from({ length: jobs }, worker));
    if (opts.signal?.aborted) throw new HotlinkError('compile', `compilation of ${sources.join(', ')} aborted (${String(opts.signal.reason ?? 'aborted')})`);
    if (errors.length) throw new HotlinkError('compile', errors.join('\n'));
    return results;
  } finally {
    removeScratch(dir);
  }
}

/** Compiles C source text (a snippet, a generated function) to one object. */
export async function compileSource(text: string, name: string, opts: CompileOptions = {}): Promise<CompiledObject> {
  const dir = mkdtempSync(join(tmpdir(), 'hotlink-cc-'));
  try {
    const src = join(dir, basename(name).endsWith('.c') ? basename(name) : basename(name) + '.c');
    writeFileSync(src, text);
    // Debug info names the source as given (`name`), not the temporary path.
    const prefixMap = compilerFamily(opts.cc) === 'tcc' ? [] : [`-ffile-prefix-map=${dir}=.`];
    const [obj] = await compileFiles([basename(src)], { ...opts, cwd: dir, flags: [...(opts.flags ?? []), ...prefixMap] });
    return { ...obj!, source: name, name: name.replace(/\.c$/, '') + '.o' };
  } finally {
    removeScratch(dir);
  }
}

/**
 * Removes a compile's private directory: its files now, the directory itself
 * in the background — rmdir takes milliseconds on some file systems (3.5 ms
 * on ext4 here), which a live-mode save would wait for. One thread-pool call:
 * it completes even while the main thread runs the program.
 */
function removeScratch(dir: string): void {
  try {
    for (const f of readdirSync(dir)) unlinkSync(join(dir, f));
  } catch {
    /* removed below, recursively */
  }
  rmdir(dir, (e) => void (e && rm(dir, { recursive: true, force: true }, () => {})));
}

/** The prerequisites of a `-MD` file, absolute, without the source itself; [] when there is none. */
function readDeps(depFile: string, source: string, cwd: string): string[] {
  let text: string;
  try {
    text = readFileSync(depFile, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  const seen = new Set([source]);
  for (const p of parseMakeDeps(text)) {
    const abs = resolve(cwd, p);
    if (!seen.has(abs)) out.push(abs), seen.add(abs);
  }
  return out;
}

/**
 * The prerequisites of the first rule in make dependency syntax as gcc,
 * clang and tcc write it: `target: a.c b.h \` continuation lines, `\ ` for a
 * space in a name, `$$` for `$`; later rules (-MP's phony targets) add nothing new.
 */
export function parseMakeDeps(text: string): string[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const out: string[] = [];
  for (const line of joined.split(/\r?\n/)) {
    // The target ends at the first ':' followed by white space or the end (not a `c:\` drive or a `\:`).
    const m = /^((?:[^:\\]|\\.)*?):(?:\s|$)/.exec(line);
    if (!m) continue;
    let word = '';
    const rest = line.slice(m[0].length);
    for (let i = 0; i <= rest.length; i++) {
      const ch = rest[i];
      if (ch === undefined || ch === ' ' || ch === '\t') {
        if (word) out.push(word);
        word = '';
      } else if (ch === '\\' && (rest[i + 1] === ' ' || rest[i + 1] === '#' || rest[i + 1] === '\\')) {
        word += rest[++i];
      } else if (ch === '$' && rest[i + 1] === '$') {
        word += '$';
        i++;
      } else word += ch;
    }
  }
  return out;
}

/** Writes straight to fd 2: process.stderr could switch a pipe to non-blocking under the program's feet. */
function writeStderr(text: string): void {
  writeSync(2, text);
}

function runCompiler(opts: CompileOptions, args: string[]): Promise<{ status: number; diagnostics: string; command: string }> {
  const cc = opts.cc ?? defaultCompiler();
  const argv = cc.split(/\s+/).filter(Boolean);
  return new Promise((resolve) => {
    let diagnostics = '';
    const child = processes().spawn(argv[0]!, [...argv.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, signal: opts.signal, killSignal: 'SIGKILL' });
    child.stdout.on('data', (d: Buffer) => (diagnostics += d.toString()));
    child.stderr.on('data', (d: Buffer) => (diagnostics += d.toString()));
    child.on('error', (e) => opts.signal?.aborted ? resolve({ status: 1, diagnostics: '', command: cc }) : resolve({ status: 127, diagnostics: `hotlink: cannot run the C compiler '${cc}': ${e.message}\n`, command: cc }));
    child.on('close', (code) => resolve({ status: code ?? 1, diagnostics, command: cc }));
  });
}
