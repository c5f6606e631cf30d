// Real-world differential test: Lua 5.4 and the SQLite 3 shell, fetched from
// Debian with `apt-get source` and built by scripts/realworld.sh into 12
// variants ({lua,sqlite} x {pic,pie,nopic} x {O0,O2}, all -g). For every
// variant and every script under test/realworld/, the gcc-linked native
// executable and `hotlink run <the same .o files> -l...` must produce the
// same stdout, the same stderr and the same exit status.
//
// Script headers (leading comment lines):
//   -- expect-exit: N        the native exit status we expect (default 0)
//   -- args: ["a", "b"]      extra arguments (Lua: after the script; SQLite:
//                            the whole argv, and the file is then NOT fed on stdin)
// A Lua script's stdin is <script>.stdin when present, else empty; a SQL
// script (without args) is fed to the shell on stdin, like `sqlite3 < f.sql`.
//
// Skipped (with a message) only when scripts/realworld.sh reports that the
// sources cannot be fetched on this machine (exit 77) and CI is not set.

import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { declareBuildFailure, runBuildScript } from './realbuild.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPTS = join(ROOT, 'test', 'realworld');
const HOTLINK = join(ROOT, 'bin', 'hotlink.js');
const BUILD = process.env.HOTLINK_REALWORLD_DIR ?? join(ROOT, 'build', 'realworld');

const RUN_TIMEOUT_MS = 5 * 60_000; // one program run (a slow linker on sqlite -O0 must not flake)
const TEST_TIMEOUT_MS = 15 * 60_000;
const BUILD_TIMEOUT_MS = 90 * 60_000; // first build: fetch + 12 variants on 2 cores (~5 min here)

interface Variant {
  name: string;
  project: 'lua' | 'sqlite';
  model: 'pic' | 'pie' | 'nopic';
  opt: 'O0' | 'O2';
  dir: string;
  native: string;
  libs: string[];
  model_cflags: string;
  objects: string[];
}

interface Script {
  name: string;
  path: string;
  cwd: string;
  expectExit: number;
  /** Arguments after the program name. */
  args: string[];
  stdin: Buffer;
}

interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

// ---------------------------------------------------------------------------
// small process helpers (deliberately independent of test/helpers.ts)

/** A clean, deterministic environment: no LUA_* variables, no ~/.sqliterc, C locale. */
const fakeHome = mkdtempSync(join(tmpdir(), 'hotlink-realworld-home-'));
after(() => rmSync(fakeHome, { recursive: true, force: true }));
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^LUA_(INIT|PATH|CPATH)/.test(k) && !k.startsWith('SQLITE_')) env[k] = v;
  env.HOME = fakeHome; // sqlite3 reads $HOME/.sqliterc
  // keep hotlink's runtime-object cache where it would normally be
  env.XDG_CACHE_HOME = process.env.XDG_CACHE_HOME || join(process.env.HOME || homedir() || tmpdir(), '.cache');
  env.LC_ALL = 'C';
  env.TZ = 'UTC';
  return env;
}

function run(cmd: string, args: string[], opts: { cwd: string; input: Buffer; argv0?: string; timeout?: number }): Result {
  const r: SpawnSyncReturns<Buffer> = spawnSync(cmd, args, {
    cwd: opts.cwd,
    input: opts.input,
    argv0: opts.argv0,
    env: cleanEnv(),
    timeout: opts.timeout ?? RUN_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
    killSignal: 'SIGKILL',
  });
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout?.toString('latin1') ?? '',
    stderr: r.stderr?.toString('latin1') ?? '',
    error: r.error,
  };
}

const shq = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

// ---------------------------------------------------------------------------
// scripts

function parseHeader(text: string, file: string): { expectExit: number; args: string[] | undefined } {
  let expectExit = 0;
  let args: string[] | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('--')) break;
    const m = /^--\s*(expect-exit|args):\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'expect-exit') expectExit = Number(m[2]);
    else {
      const parsed: unknown = JSON.parse(m[2]!);
      if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`${file}: bad args header`);
      args = parsed as string[];
    }
  }
  return { expectExit, args };
}

function loadScripts(project: 'lua' | 'sqlite'): Script[] {
  const dir = join(SCRIPTS, project === 'lua' ? 'lua' : 'sql');
  const ext = project === 'lua' ? '.lua' : '.sql';
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      const text = readFileSync(path, 'utf8');
      const h = parseHeader(text, path);
      if (project === 'lua') {
        const stdinFile = path + '.stdin';
        return {
          name: f, path, cwd: dir, expectExit: h.expectExit,
          args: [f, ...(h.args ?? [])],
          stdin: existsSync(stdinFile) ? readFileSync(stdinFile) : Buffer.alloc(0),
        };
      }
      return {
        name: f, path, cwd: dir, expectExit: h.expectExit,
        args: h.args ?? [],
        stdin: h.args ? Buffer.alloc(0) : Buffer.from(text),
      };
    });
}

// ---------------------------------------------------------------------------
// comparison

function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) {
      return `first difference at line ${i + 1}:\n    native : ${JSON.stringify(la[i] ?? '<EOF>')}\n    hotlink: ${JSON.stringify(lb[i] ?? '<EOF>')}`;
    }
  }
  return 'no line difference (trailing bytes?)';
}

function clip(s: string, n = 1500): string {
  return s.length <= n ? s : s.slice(0, n) + `\n... (${s.length - n} more chars)`;
}

function hotlinkArgs(v: Variant, s: Script): string[] {
  return ['run', ...v.objects, ...v.libs.map((l) => `-l${l}`), '--', ...s.args];
}

function reproCommand(v: Variant, s: Script): string {
  const rel = (p: string): string => relative(s.cwd, p) || '.';
  const objs = v.objects.every((o) => dirname(o) === v.dir) ? [`${rel(v.dir)}/*.o`] : v.objects.map(rel);
  const stdin = s.stdin.length === 0 ? ' </dev/null' : ` < ${shq(rel(s.path.endsWith('.sql') ? s.path : s.path + '.stdin'))}`;
  const cmd = ['node', rel(HOTLINK), 'run', ...objs, ...v.libs.map((l) => `-l${l}`), '--', ...s.args.map(shq)].join(' ');
  const nat = [rel(v.native), ...s.args.map(shq)].join(' ');
  return `cd ${shq(relative(ROOT, s.cwd))} && ${cmd}${stdin}\n  native: cd ${shq(relative(ROOT, s.cwd))} && ${nat}${stdin}`;
}

function describeResult(label: string, r: Result): string {
  return `${label}: status=${r.status} signal=${r.signal}${r.error ? ` error=${r.error.message}` : ''}\n` +
    `  stdout (${r.stdout.length} bytes): ${clip(r.stdout, 600)}\n  stderr (${r.stderr.length} bytes): ${clip(r.stderr, 1500)}`;
}

// ---------------------------------------------------------------------------
// build (synchronously, before the tests are declared: they come from the manifest)

const built = runBuildScript<{ variants: Variant[] }>(ROOT, 'scripts/realworld.sh', 'HOTLINK_REALWORLD_DIR', BUILD, BUILD_TIMEOUT_MS);

if (!built.ok) {
  declareBuildFailure(built, 'realworld (Lua 5.4, SQLite 3 via apt-get source)', 'realworld: scripts/realworld.sh builds the 12 variants');
} else {
  const variants = built.manifest.variants;
  const scripts = { lua: loadScripts('lua'), sqlite: loadScripts('sqlite') };

  test('realworld: build summary and manifest', (t) => {
    t.diagnostic(built.summary);
    assert.equal(variants.length, 12, 'expected 12 variants in manifest.json');
    for (const v of variants) {
      assert.ok(existsSync(v.native), `${v.native} missing`);
      for (const o of v.objects) assert.ok(existsSync(o), `${o} missing`);
    }
    assert.ok(scripts.lua.length >= 10 && scripts.sqlite.length >= 8, 'test scripts missing');
  });

  for (const v of variants) {
    describe(`realworld ${v.name}`, { timeout: TEST_TIMEOUT_MS * 4 }, () => {
      // hotlink names the program (argv[0]) after its first input, not after a
      // file on disk; lua.c prints argv[0] in uncaught-error messages. We ask
      // the hotlink-linked Lua for its argv[0] (`lua -e` sets arg[0] = argv[0]) and run the native
      // binary under the same argv[0], so only real behaviour differences count.
      let argv0: string | undefined;
      const nativeArgv0 = (): string => {
        if (v.project === 'sqlite') return 'sqlite3';
        if (argv0 === undefined) {
          const probe = run(process.execPath, [HOTLINK, 'run', ...v.objects, ...v.libs.map((l) => `-l${l}`), '--', '-e', 'io.write(arg[0])'], {
            cwd: SCRIPTS, input: Buffer.alloc(0),
          });
          argv0 = probe.status === 0 && probe.stdout.length > 0 ? probe.stdout : v.native;
        }
        return argv0;
      };

      for (const s of scripts[v.project]) {
        test(`${v.name} ${s.name}`, { timeout: TEST_TIMEOUT_MS }, (t) => {
          const name0 = nativeArgv0();
          const native = run(v.native, s.args, { cwd: s.cwd, input: s.stdin, argv0: name0 });
          assert.ok(!native.error, `native run failed to start: ${native.error?.message}`);
          assert.equal(native.status, s.expectExit,
            `the NATIVE ${v.name} run does not exit with the expected ${s.expectExit} (test script problem?)\n${describeResult('native', native)}`);

          const t0 = process.hrtime.bigint();
          const hot = run(process.execPath, [HOTLINK, ...hotlinkArgs(v, s)], { cwd: s.cwd, input: s.stdin });
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          t.diagnostic(`hotlink run ${ms.toFixed(0)} ms; argv[0]=${JSON.stringify(name0)}`);

          const repro = `reproduce:\n  ${reproCommand(v, s)}`;
          const same = hot.status === native.status && hot.signal === native.signal && hot.stdout === native.stdout && hot.stderr === native.stderr;
          if (same) return;
          const parts: string[] = [`${v.name} ${s.name}: hotlink differs from the native executable`];
          if (hot.error) parts.push(`hotlink spawn error: ${hot.error.message}`);
          if (hot.status !== native.status || hot.signal !== native.signal) parts.push(`exit: native status=${native.status} signal=${native.signal}, hotlink status=${hot.status} signal=${hot.signal}`);
          if (hot.stdout !== native.stdout) parts.push(`stdout differs (native ${native.stdout.length} bytes, hotlink ${hot.stdout.length} bytes); ${firstDifference(native.stdout, hot.stdout)}`);
          if (hot.stderr !== native.stderr) parts.push(`stderr differs; ${firstDifference(native.stderr, hot.stderr)}\n  hotlink stderr: ${clip(hot.stderr, 2000)}`);
          parts.push(repro);
          assert.fail(parts.join('\n'));
        });
      }
    });
  }

  // hotlink compiling the C sources itself (inputs are .c files + compiler flags),
  // compared with the gcc-built PIE binary at the same -O level. hotlink compiles
  // .c with -fPIC, which for these programs is the same code as the pie model.
  const luaSrc = join(BUILD, 'src', 'lua', 'src');
  const sqliteSrc = join(BUILD, 'src', 'sqlite-amalgamation');
  const fromSource: { variant: string; sources: string[]; flags: string[]; script: string }[] = [
    {
      variant: 'lua-pie-O2',
      sources: existsSync(luaSrc) ? readdirSync(luaSrc).filter((f) => f.endsWith('.c') && f !== 'luac.c' && f !== 'onelua.c').sort().map((f) => join(luaSrc, f)) : [],
      flags: ['-O2', '-g', '-std=gnu99', '-DLUA_COMPAT_5_3', '-DLUA_USE_LINUX'],
      script: 'programs.lua',
    },
    {
      variant: 'sqlite-pie-O0',
      sources: [join(sqliteSrc, 'sqlite3.c'), join(sqliteSrc, 'shell.c')],
      flags: ['-O0', '-g', '-DSQLITE_THREADSAFE=1', '-DSQLITE_ENABLE_FTS5', '-DSQLITE_ENABLE_FTS4', '-DSQLITE_ENABLE_RTREE=1',
        '-DSQLITE_ENABLE_MATH_FUNCTIONS', '-DHAVE_READLINE=0', '-DHAVE_EDITLINE=0', '-DHAVE_USLEEP=1', '-DNDEBUG'],
      script: 'cte.sql',
    },
  ];
  for (const fs of fromSource) {
    const v = variants.find((x) => x.name === fs.variant)!;
    const s = scripts[v.project].find((x) => x.name === fs.script)!;
    test(`realworld ${v.project} from .c sources (hotlink compiles ${fs.flags.join(' ')}) ${s.name}`, { timeout: TEST_TIMEOUT_MS }, () => {
      // The native reference for sqlite must use the same defines; build it like hotlink does (cc -fPIC + flags).
      let nativeExe = v.native;
      if (v.project === 'sqlite') {
        const key = createHash('sha256').update(fs.flags.join(' ')).digest('hex').slice(0, 12);
        nativeExe = join(BUILD, `sqlite-fromsrc-${key}`, 'sqlite3');
        mkdirSync(dirname(nativeExe), { recursive: true });
        if (!existsSync(nativeExe)) {
          const cc = spawnSync('gcc', [...fs.flags, '-fPIC', `-I${sqliteSrc}`, '-o', nativeExe, ...fs.sources, '-lm', '-ldl', '-lpthread'], { encoding: 'utf8', timeout: 20 * 60_000 });
          assert.equal(cc.status, 0, `gcc failed: ${cc.stderr}`);
        }
      }
      const args = ['run', ...fs.flags, ...(v.project === 'sqlite' ? [`-I${sqliteSrc}`] : []), ...fs.sources, ...v.libs.map((l) => `-l${l}`), '--', ...s.args];
      const hot = run(process.execPath, [HOTLINK, ...args], { cwd: s.cwd, input: s.stdin, timeout: 20 * 60_000 });
      // (these two scripts never print argv[0], so the program name does not matter here)
      const native = run(nativeExe, s.args, { cwd: s.cwd, input: s.stdin, argv0: v.project === 'lua' ? 'lua' : 'sqlite3' });
      assert.equal(native.status, s.expectExit, describeResult('native', native));
      const repro = `reproduce:\n  cd ${relative(ROOT, s.cwd)} && node ${relative(s.cwd, HOTLINK)} ${args.map((a) => shq(a.startsWith('/') ? relative(s.cwd, a) : a)).join(' ')}${s.stdin.length ? ` < ${shq(relative(s.cwd, s.path))}` : ''}`;
      assert.equal(hot.status, native.status, `exit status differs\n${describeResult('hotlink', hot)}\n${repro}`);
      assert.equal(hot.stdout, native.stdout, `stdout differs: ${firstDifference(native.stdout, hot.stdout)}\n${repro}`);
      assert.equal(hot.stderr, native.stderr, `stderr differs\n${repro}`);
    });
  }
}
