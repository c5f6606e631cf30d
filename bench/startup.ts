// Start-up (issue 11): whole-process wall time of `hotlink run` / `hotlink dbg`
// against `node -e 0`, `llvm-jitlink` and `tcc -run`, all measured in the same
// run, interleaved round by round (so a machine loaded by others slows every
// row alike), medians of N. Each row is shown as ms, as ms above `node -e 0`
// and as a ratio to it, against its target from the issue:
//   Lua hello (pic-O2 objects)            <= node + 15 ms
//   SQLite `select 1;` (pic-O2 objects)   <= node + 25 ms
//   hello.c (one compile included)        <= node + compile + 10 ms
//   hotlink dbg SQLite, to `break main`   <= node + 60 ms
//   peak RSS of the Lua run               <= node's + 25 MB
// "first run" has no V8 code cache for the bundle (deleted before each run);
// "cached" is every later run. hotlink keeps no cache of linked images: both
// link everything. The runtime object and the compiler family are cached
// (~/.cache/hotlink) in both. Peak RSS and CPU time come from /usr/bin/time
// when present.
//
// Usage: node dist/bench/startup.js [runs]   (also: import { benchStartup } from './startup.js')

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'hotlink.js');
const CODE_CACHE = join(ROOT, 'dist', 'hotlink.bundle.cjs.cache');
const TIME = '/usr/bin/time';

interface Row {
  name: string;
  cmd: string[];
  input?: string;
  cwd?: string;
  /** Runs before each sample (not timed). */
  before?: () => void;
  /** Allowed ms above `node -e 0` (plus `plusRow`'s median when set). */
  target?: number;
  plusRow?: string;
  wall: number[];
  /** user + system CPU ms (from /usr/bin/time): less disturbed than wall by other load. */
  cpu: number[];
  rss: number[];
  error?: string;
}

export interface StartupInputs {
  build: string;
  /** llvm-jitlink and its copies of the objects (STV_INTERNAL rewritten), per project. */
  jitlink?: { path: string; lua: string[]; sqlite: string[] };
  tcc?: string;
}

/** tcc -run of Lua (printing hello) and of SQLite's shell (`select 1;`) from the realworld sources. */
export function tccCases(build: string, script = 'print("hello")'): { name: string; args: string[]; input: string; cwd: string }[] {
  const luaSrc = join(build, 'src', 'lua', 'src');
  const amalg = join(build, 'src', 'sqlite-amalgamation');
  const luaFiles = (existsSync(luaSrc) ? readdirSync(luaSrc) : []).filter((f) => f.endsWith('.c') && !['luac.c', 'onelua.c', 'lua.c'].includes(f)).sort();
  return [
    { name: `lua (${luaFiles.length + 1} files)`, cwd: luaSrc, input: '', args: ['-DLUA_COMPAT_5_3', '-DLUA_USE_LINUX', ...luaFiles, '-lm', '-ldl', '-run', 'lua.c', '-e', script] },
    { name: 'sqlite (2 files)', cwd: amalg, input: 'select 1;\n', args: ['-DSQLITE_THREADSAFE=1', '-DHAVE_READLINE=0', '-DHAVE_EDITLINE=0', '-I.', 'sqlite3.c', '-lm', '-ldl', '-lpthread', '-run', 'shell.c'] },
  ];
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function sample(row: Row, rssFile: string): void {
  row.before?.();
  const time = existsSync(TIME);
  const [file, args] = time ? [TIME, ['-f', '%U %S %M', '-o', rssFile, ...row.cmd]] : [row.cmd[0]!, row.cmd.slice(1)];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, { input: row.input ?? '', cwd: row.cwd, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000, env: { ...process.env, HOTLINK_CODE_CACHE: '1' } }); // the 'cached' rows: the opt-in code cache (bin/hotlink.js)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && !row.error) row.error = `status ${r.status}: ${(r.stderr || String(r.error ?? '')).trim().split('\n').slice(-2).join(' | ')}`;
  row.wall.push(ms);
  if (time) {
    const [user, sys, rss] = readFileSync(rssFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    row.cpu.push((user! + sys!) * 1000);
    row.rss.push(rss! / 1024);
  }
}

export async function benchStartup(inputs: StartupInputs, runs = Number(process.env.BENCH_STARTUP_RUNS ?? 15)): Promise<string> {
  const lua = join(inputs.build, 'lua-pic-O2');
  const sqlite = join(inputs.build, 'sqlite-pic-O2');
  const objs = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.o')).sort().map((f) => join(dir, f));
  if (!existsSync(lua) || !existsSync(sqlite)) return `start-up: ${lua} or ${sqlite} missing (scripts/realworld.sh builds them)`;
  const hello = join(ROOT, 'examples', 'hello.c');
  const tmp = mkdtempSync(join(tmpdir(), 'hotlink-bench-startup-'));
  const node = process.execPath;
  const luaRun = [node, BIN, 'run', ...objs(lua), '-lm', '-ldl', '--', '-e', 'print("hello")'];
  const sqliteRun = [node, BIN, 'run', ...objs(sqlite), '-lm', '-ldl', '-lpthread'];
  const dropCache = (): void => rmSync(CODE_CACHE, { force: true });
  const specs: Omit<Row, 'wall' | 'cpu' | 'rss'>[] = [
    { name: 'node -e 0', cmd: [node, '-e', '0'] },
    { name: 'lua hello, first run', cmd: luaRun, before: dropCache, target: 15 },
    { name: 'lua hello, cached', cmd: luaRun, target: 15 },
    { name: 'sqlite select 1, first run', cmd: sqliteRun, input: 'select 1;\n', before: dropCache, target: 25 },
    { name: 'sqlite select 1, cached', cmd: sqliteRun, input: 'select 1;\n', target: 25 },
    { name: 'cc -c hello.c (compile)', cmd: [process.env.CC || 'cc', '-c', '-g', '-fPIC', hello, '-o', join(tmp, 'hello.o')] },
    { name: 'hello.c, cached', cmd: [node, BIN, 'run', hello], target: 10, plusRow: 'cc -c hello.c (compile)' },
    { name: 'dbg sqlite to main, cached', cmd: [node, BIN, 'dbg', '--batch', '-ex', 'break main', '-ex', 'run', ...objs(sqlite), '-lm', '-ldl', '-lpthread'], target: 60 },
    { name: 'native lua hello', cmd: [join(lua, 'lua'), '-e', 'print("hello")'] },
  ];
  if (inputs.jitlink) {
    specs.push({ name: 'llvm-jitlink -noexec lua', cmd: [inputs.jitlink.path, '-noexec', ...inputs.jitlink.lua] });
    specs.push({ name: 'llvm-jitlink -noexec sqlite', cmd: [inputs.jitlink.path, '-noexec', ...inputs.jitlink.sqlite] });
  }
  if (inputs.tcc) for (const c of tccCases(inputs.build)) specs.push({ name: `tcc -run ${c.name}`, cmd: [inputs.tcc, ...c.args], input: c.input, cwd: c.cwd });
  const rows: Row[] = specs.map((s) => ({ ...s, wall: [], cpu: [], rss: [] }));
  const load0 = loadavg()[0]!;
  // One untimed round: the runtime object and compiler family caches exist before anything is timed.
  for (const r of rows) sample(r, join(tmp, 'rss'));
  for (const r of rows) (r.wall = []), (r.cpu = []), (r.rss = []), (r.error = undefined);
  for (let i = 0; i < runs; i++) for (const r of rows) sample(r, join(tmp, 'rss'));
  rmSync(tmp, { recursive: true, force: true });

  const base = median(rows[0]!.wall);
  const baseRss = median(rows[0]!.rss);
  const baseCpu = median(rows[0]!.cpu);
  const byName = new Map(rows.map((r) => [r.name, r]));
  const lines = [
    `start-up — whole process, median of ${runs} interleaved rounds; load average ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} CPUs`,
    `${'command'.padEnd(30)} ${'wall'.padStart(9)} ${'- node'.padStart(9)} ${'/ node'.padStart(7)} ${'cpu - node'.padStart(11)} ${'peak RSS'.padStart(9)}  target (on wall)`,
  ];
  for (const r of rows) {
    const m = median(r.wall);
    let target = '';
    if (r.target !== undefined) {
      const extra = r.plusRow ? median(byName.get(r.plusRow)!.wall) : 0;
      const limit = r.target + extra;
      target = `<= node + ${r.plusRow ? `compile (${extra.toFixed(0)}) + ` : ''}${r.target} ms: ${m - base <= limit ? 'met' : `MISSED by ${(m - base - limit).toFixed(0)} ms`}`;
    }
    const rss = r.rss.length ? `${median(r.rss).toFixed(1)} MB` : 'n/a';
    const cpu = r.cpu.length ? median(r.cpu) - baseCpu : NaN;
    const signed = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(1)}` : 'n/a');
    lines.push(`${r.name.padEnd(30)} ${`${m.toFixed(1)} ms`.padStart(9)} ${signed(m - base).padStart(9)} ${`${(m / base).toFixed(2)}x`.padStart(7)} ${signed(cpu).padStart(11)} ${rss.padStart(9)}  ${r.error ? `FAILED ${r.error}` : target}`);
  }
  const luaRss = median(byName.get('lua hello, cached')!.rss);
  if (Number.isFinite(luaRss)) lines.push(`peak RSS of the Lua run: node + ${(luaRss - baseRss).toFixed(1)} MB (target <= node + 25 MB: ${luaRss - baseRss <= 25 ? 'met' : 'MISSED'})`);
  else lines.push('peak RSS: n/a (needs /usr/bin/time, Debian package "time")');
  lines.push('first run = no V8 code cache for the bundle (the default); cached = the opt-in code cache (HOTLINK_CODE_CACHE=1) a first run leaves (no image cache exists: every run links).');
  lines.push('cpu - node = user+system CPU ms above node -e 0 (all threads), less disturbed by other load than wall.');
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const build = process.env.HOTLINK_REALWORLD_DIR ?? join(ROOT, 'build', 'realworld');
  benchStartup({ build }, process.argv[2] ? Number(process.argv[2]) : undefined).then(
    (table) => console.log(table),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
