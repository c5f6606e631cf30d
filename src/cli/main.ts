// The `hotlink` command line. `hotlink run` compiles C inputs, links them
// with objects, archives and -l libraries into a live image, and runs main
// with the process's real stdin/stdout/stderr; the exit status is the
// program's. Everything before `--` is ours (or the compiler's); everything
// after it is the program's argv[1..].

import { writeSync } from 'node:fs';
import { basename } from 'node:path';
import { HotlinkError } from '../errors.js';
import { Jit, LinkStats } from '../jit.js';
import { PHASES, ReserveOptions } from '../link/session.js';
import { dupCloexec, preserveStdio } from '../memory/native.js';

const RUN_LINE = 'hotlink run [options] [compiler flags] <inputs>... [-- program args]';
const DBG_LINE = 'hotlink dbg [-x FILE] [-ex CMD] [--batch] [options] [compiler flags] <inputs>... [-- program args]';

const INPUTS = `inputs:  .c sources (compiled with $CC or cc: -c -g -fPIC + your flags), .o objects,
         .a archives, -lNAME libraries, -LDIR library directories
options: --cc CC            C compiler (default: $CC, else cc)
         --watch            (run) live mode: run the program on a thread of its own, watch the
                            .c inputs and the headers they include, and reload a changed
                            file while the program keeps running (one line per reload)
         --stats            print link phase times and counts to stderr after the run
         --perf-map         write /tmp/perf-PID.map (START SIZE name per function, for
                            perf and other profilers) at the link, every append and
                            reload; also HOTLINK_PERF_MAP=1 in the environment
         --jitdump          write /tmp/jit-PID.dump (code and line tables, for
                            perf record -k 1 + perf inject --jit); also HOTLINK_JITDUMP=1
         --gdb              register the image with gdb's JIT interface (names and
                            file:line in gdb -p / gdb --args); also HOTLINK_GDB_JIT=1;
                            on by itself when hotlink runs under a debugger
         --argv0 NAME       the program's argv[0] (like exec -a); default: the first
                            input's path without its extension (examples/hello.c -> examples/hello)
         --reserve-rx SIZE  append budget for code (default 64M); also --reserve-r,
                            --reserve-rw (16M each) and --reserve-tls (1M)
compiler flags passed through: -I -D -U -O -std= -W -w -f -m -g -pthread -include
`;

const USAGE = `usage: ${RUN_LINE}
       ${DBG_LINE}
       hotlink COMMAND --help

commands: run  link the inputs into a live image and run main (the exit status is the program's)
          dbg  the same under hotlink's GDB-style debugger (append and reload while stopped)

${INPUTS}`;

const RUN_USAGE = `usage: ${RUN_LINE}

Links the inputs into a live image inside this process and runs main with the
process's real stdin/stdout/stderr; the exit status is the program's. A fatal
signal prints a symbolized report and exits with 128+signal.

${INPUTS}`;

const DBG_USAGE = `usage: ${DBG_LINE}

Runs the program under hotlink's GDB-style debugger (type 'help' at the prompt).

debugger options:
         -x FILE, --command FILE     read commands from FILE
         -ex CMD, --eval-command CMD run CMD
         --batch                     exit after the commands (no prompt)

${INPUTS}`;

/** `--help` or `-h` among a subcommand's own arguments (before `--`). */
function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export interface RunArgs {
  inputs: string[];
  libraries: string[];
  libraryPaths: string[];
  cflags: string[];
  programArgs: string[];
  cc?: string;
  stats: boolean;
  reserve: ReserveOptions;
  /** --argv0: the program's argv[0]. */
  argv0?: string;
  /** --watch: live mode (src/live/). */
  watch: boolean;
  /** --perf-map: write /tmp/perf-PID.map for profilers (src/perfmap.ts). */
  perfMap?: boolean;
  /** --jitdump: write /tmp/jit-PID.dump for perf inject --jit (src/jitdump.ts). */
  jitdump?: boolean;
  /** --gdb: register the image with gdb's JIT interface (src/gdbjit.ts). */
  gdb?: boolean;
}

function parseSize(text: string, flag: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text);
  if (!m) throw new HotlinkError('usage', `${flag}: '${text}' is not a size (e.g. 64M, 512K, 1048576)`);
  const mult = { '': 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

export function parseRunArgs(args: string[]): RunArgs {
  const out: RunArgs = { inputs: [], libraries: [], libraryPaths: [], cflags: [], programArgs: [], stats: false, reserve: {}, watch: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (flag: string): string => {
      const eq = a.indexOf('=');
      if (a.startsWith(flag + '=')) return a.slice(eq + 1);
      if (i + 1 >= args.length) throw new HotlinkError('usage', `${flag} needs a value`);
      return args[++i]!;
    };
    if (a === '--') {
      out.programArgs = args.slice(i + 1);
      break;
    }
    if (a === '--stats') out.stats = true;
    else if (a === '--watch') out.watch = true;
    else if (a === '--perf-map') out.perfMap = true;
    else if (a === '--jitdump') out.jitdump = true;
    else if (a === '--gdb') out.gdb = true;
    else if (a === '--cc' || a.startsWith('--cc=')) out.cc = value('--cc');
    else if (a === '--argv0' || a.startsWith('--argv0=')) out.argv0 = value('--argv0');
    else if (/^--reserve-(rx|r|rw|tls)(=|$)/.test(a)) {
      const cls = /^--reserve-(rx|rw|tls|r)/.exec(a)![1] as keyof ReserveOptions;
      out.reserve[cls] = parseSize(value(`--reserve-${cls}`), `--reserve-${cls}`);
    } else if (a.startsWith('-l')) out.libraries.push(a.length > 2 ? a.slice(2) : args[++i] ?? '');
    else if (a.startsWith('-L')) out.libraryPaths.push(a.length > 2 ? a.slice(2) : args[++i] ?? '');
    else if (a === '-I' || a === '-D' || a === '-U' || a === '-include' || a === '-isystem') {
      if (i + 1 >= args.length) throw new HotlinkError('usage', `${a} needs a value`);
      out.cflags.push(a, args[++i]!);
    } else if (/^-(I|D|U|O|std=|W|w$|f|m|g|pthread$|isystem|ansi$|pedantic)/.test(a)) out.cflags.push(a);
    else if (a.startsWith('-')) throw new HotlinkError('usage', `unknown option '${a}' (hotlink run --help lists the options)`);
    else out.inputs.push(a);
  }
  return out;
}

/** argv[0]: --argv0, else the first input's path as given, without its extension (examples/hello.c -> examples/hello). */
export function programName(a: Pick<RunArgs, 'argv0' | 'inputs'>): string {
  if (a.argv0 !== undefined) return a.argv0;
  const first = a.inputs[0]!;
  const slash = first.lastIndexOf('/') + 1;
  return first.slice(0, slash) + (basename(first).replace(/(.)\.[^.]*$/, '$1'));
}

function formatStats(stats: LinkStats): string {
  const lines = ['hotlink: link statistics'];
  let total = 0;
  for (const p of PHASES) {
    total += stats.phases[p];
    lines.push(`  ${p.padEnd(8)} ${stats.phases[p].toFixed(3).padStart(9)} ms`);
  }
  lines.push(`  ${'total'.padEnd(8)} ${total.toFixed(3).padStart(9)} ms   (compile ${stats.compileMs.toFixed(1)} ms, not included)`);
  lines.push(`  inputs ${stats.inputs}, sections ${stats.sections}, symbols ${stats.symbols}, relocations ${stats.relocations}, GOT entries ${stats.gotEntries}, stubs ${stats.stubs}`);
  lines.push(`  bytes placed: ${Object.entries(stats.bytes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`  bytes committed: ${Object.entries(stats.committed).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return lines.join('\n') + '\n';
}

async function run(args: string[]): Promise<never> {
  if (wantsHelp(args)) {
    writeSync(1, RUN_USAGE);
    process.exit(0);
  }
  preserveStdio(); // before anything can make Node replace a terminal's description on fds 0-2
  const a = parseRunArgs(args);
  if (a.inputs.length === 0) throw new HotlinkError('usage', `no input files\n${RUN_USAGE}`);
  if (a.watch) {
    const { runWatch } = await import('../live/cli.js');
    return runWatch(a, programName(a));
  }
  const jit = new Jit({ cc: a.cc, cflags: a.cflags, libraries: a.libraries, libraryPaths: a.libraryPaths, reserve: a.reserve, perfMap: a.perfMap, jitdump: a.jitdump, gdb: a.gdb });
  for (const f of a.inputs) jit.addFile(f);
  const stats = await jit.link();
  // The report goes to a close-on-exec copy of stderr: the program may close its fd 2 before it exits (mawk, dc do).
  const statsFd = a.stats ? dupCloexec(2) : -1;
  return jit.run([programName(a), ...a.programArgs], a.stats ? { atExit: () => void (statsFd >= 0 && writeSync(statsFd, formatStats(stats))) } : {});
}

async function dbg(args: string[]): Promise<never> {
  if (wantsHelp(args)) {
    writeSync(1, DBG_USAGE);
    process.exit(0);
  }
  // Our own options first: -x FILE (commands), -ex CMD, --batch; the rest is as for `run`.
  const scripts: string[] = [];
  const commands: string[] = [];
  let batch = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (a === '-x' || a === '--command') scripts.push(args[++i] ?? '');
    else if (a === '-ex' || a === '--eval-command') commands.push(args[++i] ?? '');
    else if (a === '--batch' || a === '-batch') batch = true;
    else rest.push(a);
  }
  const a = parseRunArgs(rest);
  if (a.inputs.length === 0) throw new HotlinkError('usage', `no input files\nusage: ${DBG_LINE}\n(hotlink dbg --help for more)`);
  const { Debugger } = await import('../dbg/debugger.js');
  const { runRepl } = await import('../dbg/cli.js');
  const debuggerInstance = await Debugger.create({ inputs: a.inputs, cc: a.cc, cflags: a.cflags, libraries: a.libraries, libraryPaths: a.libraryPaths, reserve: a.reserve, perfMap: a.perfMap, jitdump: a.jitdump, gdb: a.gdb });
  const status = await runRepl(debuggerInstance, { scripts, commands, batch, programArgs: a.programArgs, argv0: programName(a) });
  process.exit(status);
}

export function main(argv: string[]): void {
  const [command, ...rest] = argv;
  const fail = (e: unknown): void => {
    if (e instanceof HotlinkError) {
      writeSync(2, `hotlink: error: ${e.message}\n`);
      process.exit(1);
    }
    writeSync(2, `hotlink: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(70);
  };
  if (command === 'run') {
    run(rest).catch(fail);
  } else if (command === 'dbg') {
    dbg(rest).catch(fail);
  } else if (command === '--help' || command === '-h' || command === 'help' || command === undefined) {
    writeSync(command === undefined ? 2 : 1, USAGE);
    process.exit(command === undefined ? 2 : 0);
  } else if (command === '--version') {
    writeSync(1, 'hotlink 0.1.0\n');
  } else {
    writeSync(2, `hotlink: unknown command '${command}'\n${USAGE}`);
    process.exit(2);
  }
}
