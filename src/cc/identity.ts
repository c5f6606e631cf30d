// A compiler's identity, known without running it: the executable its command
// names, found on PATH with symlinks resolved (/usr/bin/cc -> gcc-12), and
// that file's inode, size and modification time. Replacing or upgrading the
// compiler, or pointing `cc` elsewhere, changes it. Caches of what a compiler
// produced or is (the runtime objects, the compiler family) key on it, so a
// start need not spawn `cc --version`; the family answers are kept in
// $XDG_CACHE_HOME/hotlink/compilers.json (default ~/.cache/hotlink).

import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** hotlink's cache directory: $XDG_CACHE_HOME/hotlink, default ~/.cache/hotlink. */
export function hotlinkCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : tmpdir());
  return join(base, 'hotlink');
}

/**
 * `path:inode:size:mtime` of the executable that compiler command `cc` runs,
 * or undefined when it cannot be told without running it (not found, or a
 * wrapper with arguments such as `ccache gcc`, whose real compiler is the argument).
 */
export function compilerIdentity(cc: string): string | undefined {
  const argv = cc.split(/\s+/).filter(Boolean);
  if (argv.length !== 1) return undefined;
  const name = argv[0]!;
  const candidates = name.includes('/') ? [resolve(name)] : (process.env.PATH ?? '').split(delimiter).filter(isAbsolute).map((d) => join(d, name));
  for (const c of candidates) {
    const st = statSync(c, { throwIfNoEntry: false });
    if (!st || !st.isFile()) continue;
    try {
      return `${realpathSync.native(c)}:${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

let remembered: Record<string, string> | undefined;

function store(): string {
  return join(hotlinkCacheDir(), 'compilers.json');
}

/** What was remembered about the compiler with identity `identity` under `what`, else `compute()` (remembered for next time). */
export function rememberedAbout(identity: string | undefined, what: string, compute: () => string): string {
  if (identity === undefined) return compute();
  const key = `${what} ${identity}`;
  if (!remembered) {
    try {
      remembered = JSON.parse(readFileSync(store(), 'utf8')) as Record<string, string>;
    } catch {
      remembered = {};
    }
  }
  const known = remembered[key];
  if (typeof known === 'string') return known;
  const value = compute();
  remembered[key] = value;
  try {
    mkdirSync(hotlinkCacheDir(), { recursive: true });
    const tmp = `${store()}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(remembered));
    renameSync(tmp, store());
  } catch {
    // A read-only home: ask the compiler again next time.
  }
  return value;
}
