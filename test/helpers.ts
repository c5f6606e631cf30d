// Shared test helpers: running hotlink and native executables, building
// reference executables and objects with the system compiler, temporary
// directories. Every helper has a synchronous form (spawnSync) and, where a
// test wants to run several processes at once, an `...Async` twin with the
// same options and result shape.
//
//   import { runHotlink, runNative, compileNative, compileObject, tmpDir, haveCommand } from './helpers.js';
//
//   test('hello', (t) => {
//     const dir = tmpDir(t);                       // removed after the test
//     const exe = compileNative({ cc: 'gcc', files: ['examples/hello.c'], out: `${dir}/hello` });
//     const want = runNative(exe, ['you']);
//     const got = runHotlink(['run', 'examples/hello.c', '--', 'you']);
//     assert.deepEqual([got.stdout, got.stderr, got.status], [want.stdout, want.stderr, want.status]);
//   });
//
// Environment knobs: HOTLINK_KEEP_TMP=1 keeps temporary directories (their
// paths are printed to stderr) so a failure can be reproduced by hand.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file with a package.json (two levels up from dist/test). */
export const repoRoot: string = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The hotlink command-line launcher, run with `node` (process.execPath). */
export const hotlinkBin: string = path.join(repoRoot, 'bin', 'hotlink.js');

/** The differential test corpus (C sources; not copied to dist/). */
export const corpusDir: string = path.join(repoRoot, 'test', 'corpus');

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bin', 'hotlink.js'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, '..', '..');
  }
}

export interface RunOptions {
  /** Bytes fed to standard input (default: empty input, stdin closed at once). */
  input?: string;
  /** Added to (and overriding) the test process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the process (SIGKILL) after this long; default 60 s. The result then has timedOut: true. */
  timeoutMs?: number;
  /** Send the child's stderr into the stdout pipe (2>&1), so that the interleaving of the two is observable. stderr is then ''. */
  mergeStderr?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit status; for a process killed by a signal, 128 + the signal number (as a shell reports it). */
  status: number;
  /** The signal that killed the process itself, or null if it exited (hotlink must exit 128+N, not die). */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_BUFFER = 256 * 1024 * 1024;

/** The environment children get: ours (minus node:test's own plumbing) plus `extra`. */
export function childEnv(extra: Record<string, string> | undefined = undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** With mergeStderr, run through `sh -c 'exec "$@" 2>&1'` (exec keeps the status and signal of the program itself). */
function commandLine(file: string, args: readonly string[], opts: RunOptions): [string, string[]] {
  if (!opts.mergeStderr) return [file, [...args]];
  return ['/bin/sh', ['-c', 'exec "$@" 2>&1', 'sh', file, ...args]];
}

function statusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) {
    const n = (osConstants.signals as Record<string, number>)[signal];
    if (n !== undefined) return 128 + n;
  }
  return -1;
}

/** Runs any command synchronously; never throws for a non-zero status (only if it cannot be started). */
export function runCommand(file: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const [cmd, argv] = commandLine(file, args, opts);
  const r = spawnSync(cmd, argv, {
    input: opts.input ?? '',
    env: childEnv(opts.env),
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: MAX_BUFFER,
    encoding: 'utf8',
  });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  if (r.error && !timedOut) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: statusOf(r.status, r.signal), signal: r.signal, timedOut };
}

/** Asynchronous runCommand: same options and result. */
export function runCommandAsync(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, argv] = commandLine(file, args, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: childEnv(opts.env), cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // the program may exit without reading its input (EPIPE)
    child.stdin.end(opts.input ?? '');
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        status: statusOf(code, signal),
        signal,
        timedOut,
      });
    });
  });
}

/** Runs `node bin/hotlink.js ...args` (e.g. ['run', '-O2', 'a.c', '--', 'x']). Set CC through opts.env. */
export function runHotlink(args: readonly string[], opts: RunOptions = {}): RunResult {
  return runCommand(process.execPath, [hotlinkBin, ...args], opts);
}

export function runHotlinkAsync(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runCommandAsync(process.execPath, [hotlinkBin, ...args], opts);
}

/** Runs a native executable; a signal death is reported as status 128+N, like a shell does. */
export function runNative(exe: string, args: readonly string[] = [], opts: RunOptions = {}): RunResult {
  return runCommand(exe, args, opts);
}

export function runNativeAsync(exe: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  return runCommandAsync(exe, args, opts);
}

export interface CompileNativeOptions {
  /** Compiler command: 'gcc', 'clang-19', ... */
  cc: string;
  /** Sources and/or objects. */
  files: readonly string[];
  /** Flags placed before the files (e.g. ['-O2', '-fPIC'] or ['-no-pie']). */
  flags?: readonly string[];
  /** Placed after the files: libraries and archives (['-lm', 'libx.a', '-L/dir', '-lx']). */
  libs?: readonly string[];
  /** Output executable path. */
  out: string;
  cwd?: string;
}

export interface CompileObjectOptions {
  cc: string;
  /** One C source file. */
  file: string;
  /** Compiler flags ('-c' is added). */
  flags?: readonly string[];
  /** Output object path. */
  out: string;
  cwd?: string;
}

/** The argv of a native compile+link, for running it and for printing a reproduction command. */
export function compileNativeArgs(o: CompileNativeOptions): string[] {
  return [...(o.flags ?? []), ...o.files, '-o', o.out, ...(o.libs ?? [])];
}

export function compileObjectArgs(o: CompileObjectOptions): string[] {
  return ['-c', ...(o.flags ?? []), o.file, '-o', o.out];
}

function checkBuild(cc: string, args: string[], r: RunResult): void {
  if (r.status !== 0 || r.timedOut) {
    throw new Error(`build failed (status ${r.status}): ${shellQuote([cc, ...args])}\n${r.stderr}${r.stdout}`);
  }
}

/** Builds the reference executable (compile + link) with the system compiler. Throws with the compiler's output on failure. Returns `out`. */
export function compileNative(o: CompileNativeOptions): string {
  const args = compileNativeArgs(o);
  checkBuild(o.cc, args, runCommand(o.cc, args, { cwd: o.cwd }));
  return o.out;
}

export async function compileNativeAsync(o: CompileNativeOptions): Promise<string> {
  const args = compileNativeArgs(o);
  checkBuild(o.cc, args, await runCommandAsync(o.cc, args, { cwd: o.cwd }));
  return o.out;
}

/** Compiles one source to a relocatable object (`cc -c flags file -o out`). Throws on failure. Returns `out`. */
export function compileObject(o: CompileObjectOptions): string {
  const args = compileObjectArgs(o);
  checkBuild(o.cc, args, runCommand(o.cc, args, { cwd: o.cwd }));
  return o.out;
}

export async function compileObjectAsync(o: CompileObjectOptions): Promise<string> {
  const args = compileObjectArgs(o);
  checkBuild(o.cc, args, await runCommandAsync(o.cc, args, { cwd: o.cwd }));
  return o.out;
}

/** Builds a static archive with `ar rcs out objects...` (members in the given order). Returns `out`. */
export async function createArchiveAsync(out: string, objects: readonly string[]): Promise<string> {
  const args = ['rcs', out, ...objects];
  checkBuild('ar', args, await runCommandAsync('ar', args));
  return out;
}

/** Something with node:test's `after` hook: a TestContext (`t`), or `{ after }` imported from node:test for a whole file. */
export interface AfterHook {
  after(fn: () => void): unknown;
}

const leftoverDirs = new Set<string>();
let exitHookInstalled = false;

/**
 * Creates a fresh temporary directory. With `t` it is removed after that test
 * (or suite / file, for node:test's `after`); without, when the process exits.
 * HOTLINK_KEEP_TMP=1 keeps it and prints its path.
 */
export function tmpDir(t?: AfterHook, prefix = 'hotlink-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  if (process.env.HOTLINK_KEEP_TMP) {
    process.stderr.write(`# keeping temporary directory ${dir}\n`);
    return dir;
  }
  const remove = (): void => {
    leftoverDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  leftoverDirs.add(dir);
  if (t) {
    t.after(remove);
  } else if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const d of leftoverDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

const commandCache = new Map<string, boolean>();

/** Whether `name` is an executable on PATH (e.g. haveCommand('clang-19')). */
export function haveCommand(name: string): boolean {
  let found = commandCache.get(name);
  if (found === undefined) {
    found = spawnSync('/bin/sh', ['-c', 'command -v "$1" >/dev/null 2>&1', 'sh', name]).status === 0;
    commandCache.set(name, found);
  }
  return found;
}

/** Quotes a command line for a POSIX shell (for reproduction commands in failure messages). */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * A skip reason naming the tools of `tools` that are not on PATH, or false
 * when all are there: `test(name, { skip: needs('clang-19') }, ...)`.
 */
export function needs(...tools: string[]): string | false {
  const missing = tools.filter((t) => !haveCommand(t));
  return missing.length ? `needs ${missing.join(', ')} (not found on PATH)` : false;
}

/**
 * For a test that covers several tool-dependent variants and ran only the
 * ones whose tools exist: marks it skipped, naming what did not run.
 */
export function skipMissing(t: { skip(message?: string): void }, what: string, ...tools: string[]): void {
  const reason = needs(...tools);
  if (reason) t.skip(`${what} not checked: ${reason}`);
}

/**
 * Runs gdb in batch mode on `exe` with `cmds` (C locale, no styling, no
 * confirmation); returns each command's output, stdout and stderr merged so
 * that errors land in their command's section.
 */
export async function gdbBatch(exe: string, cmds: readonly string[], args: readonly string[] = []): Promise<string[]> {
  const argv = ['-nx', '-batch', '-ex', 'set style enabled off', '-ex', 'set width 0', '-ex', 'set height 0', '-ex', 'set confirm off', '-ex', 'set debuginfod enabled off'];
  cmds.forEach((c, i) => argv.push('-ex', `echo \\n@@${i}@@\\n`, '-ex', c));
  argv.push('-ex', `echo \\n@@${cmds.length}@@\\n`, '--args', exe, ...args);
  const r = await runCommandAsync('gdb', argv, { env: { LC_ALL: 'C' }, mergeStderr: true, timeoutMs: 60_000 });
  const parts = r.stdout.split(/\n?@@(\d+)@@\n/);
  const out: string[] = cmds.map(() => '');
  for (let k = 1; k + 1 < parts.length; k += 2) {
    const i = Number(parts[k]);
    if (i < cmds.length) out[i] = parts[k + 1]!;
  }
  return out;
}

/**
 * Runs gdb with `cmds` on its standard input, as a script piped to it: gdb
 * then behaves as at a terminal (commands are `from_tty`: `return` and `jump`
 * print their question, answered automatically, and the frame) except that it
 * does not wait for answers. Returns each command's output (the text up to
 * the next prompt).
 */
export async function gdbPiped(exe: string, cmds: readonly string[], args: readonly string[] = []): Promise<string[]> {
  const setup = ['set style enabled off', 'set width 0', 'set height 0', 'set debuginfod enabled off'];
  const input = [...setup, ...cmds].map((c) => c + '\n').join('');
  const r = await runCommandAsync('gdb', ['-nx', '-q', '--args', exe, ...args], { input, env: { LC_ALL: 'C' }, mergeStderr: true, timeoutMs: 60_000 });
  return r.stdout.split('(gdb) ').slice(1 + setup.length, 1 + setup.length + cmds.length);
}

/**
 * `hotlink dbg` on pipes, driven command by command, so a test can change
 * files between commands (edit, then `reload`). Output of stdout and stderr
 * accumulates in `out`; the C locale, as GDB transcripts assume.
 */
export class DbgDriver {
  out = '';
  readonly commands: string[] = [];
  private readonly child;
  private readonly done: Promise<number | null>;

  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [hotlinkBin, 'dbg', ...args], { cwd, env: childEnv({ LC_ALL: 'C', LANG: 'C' }), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (b: Buffer) => (this.out += b.toString('utf8')));
    this.child.stderr.on('data', (b: Buffer) => (this.out += b.toString('utf8')));
    this.done = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  send(...commands: string[]): void {
    this.commands.push(...commands);
    this.child.stdin.write(commands.map((c) => c + '\n').join(''));
  }

  /** Sends a signal to hotlink (SIGINT: the scripted Ctrl-C). */
  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** Waits until the output matches `re` (polling); kills hotlink and fails after timeoutMs. */
  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.out)) {
      if (Date.now() > deadline) {
        this.child.kill('SIGKILL');
        throw new Error(`timed out waiting for ${re}\n${this.out}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Closes stdin and waits for hotlink to end (killed after timeoutMs): its status and the whole output. */
  async end(timeoutMs = 60_000): Promise<{ status: number | null; out: string }> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const status = await this.done;
    clearTimeout(timer);
    return { status, out: this.out };
  }

  /** The output lines of command `command` (up to the next prompt). */
  block(command: string): string[] {
    const lines = this.out.split('\n');
    const i = lines.indexOf(`(hotlink) ${command}`);
    if (i < 0) return [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith('(hotlink) ')) j++;
    return lines.slice(i + 1, j);
  }
}

/** Why perf cannot profile here (not installed, or perf_event_open refused), or undefined when it can. */
export function perfUsable(): string | undefined {
  if (!haveCommand('perf')) return 'perf is not installed (Debian: apt-get install linux-perf)';
  const r = spawnSync('perf', ['stat', '-e', 'cpu-clock', 'true'], { encoding: 'utf8' });
  if (r.status !== 0) return `perf stat -e cpu-clock does not work here: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return undefined;
}
