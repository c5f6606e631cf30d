// Finds hotlink's native runtime object: src/runtime/hotlink_rt.c compiled
// with the configured compiler on first use and cached by content hash (of
// the source, the shared header hotlink_rt.h, the compiler command, its identity and flags) under
// $XDG_CACHE_HOME/hotlink (default ~/.cache/hotlink). The object is then
// linked into every image by our own linker like any other input.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostArch } from '../arch/index.js';
import { compileFiles, compilerFamily, defaultCompiler } from '../cc/driver.js';
import { compilerIdentity, hotlinkCacheDir } from '../cc/identity.js';

// On AArch64 gcc calls libgcc's out-of-line atomics (__aarch64_ldadd4_acq_rel...),
// which are in libgcc.a, not in any shared library we link: inline them.
const RUNTIME_FLAGS = ['-O2', '-g', '-fPIC', '-fno-stack-protector', '-w', ...(hostArch().name === 'aarch64' ? ['-mno-outline-atomics'] : [])];

/** A runtime source in the repository's src/runtime, whether we run from src/ or dist/src/. */
export function runtimeSourcePath(file = 'hotlink_rt.c'): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, file), join(here, '..', '..', '..', 'src', 'runtime', file)];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`hotlink runtime source not found (looked in ${candidates.join(', ')})`);
}

/** The runtime object's bytes for compiler `cc` (compiling it once if needed). */
export async function runtimeObject(cc = defaultCompiler(), file = 'hotlink_rt.c'): Promise<{ name: string; bytes: Uint8Array }> {
  // The runtime needs GNU C (ucontext, inline asm, __builtin_*): with tcc as the program's compiler, build it with cc.
  if (compilerFamily(cc) === 'tcc') cc = 'cc';
  const src = runtimeSourcePath(file);
  const text = readFileSync(src);
  const header = readFileSync(join(dirname(src), 'hotlink_rt.h')); // included by every runtime file
  // The compiler's identity too: an upgraded or replaced compiler builds the runtime anew.
  const key = createHash('sha256').update(text).update(header).update('\0' + cc + '\0' + (compilerIdentity(cc) ?? '') + '\0' + RUNTIME_FLAGS.join(' ')).digest('hex').slice(0, 20);
  const dir = hotlinkCacheDir();
  const cached = join(dir, `${file.replace(/\.c$/, '')}-${key}.o`);
  if (existsSync(cached)) return { name: cached, bytes: readFileSync(cached) };
  const [obj] = await compileFiles([src], { cc, defaults: RUNTIME_FLAGS });
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, obj!.bytes);
    renameSync(tmp, cached);
  } catch {
    // A read-only home is fine: we just compile again next time.
  }
  return { name: cached, bytes: obj!.bytes };
}
