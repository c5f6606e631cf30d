// Which live translation units read which files. Filled from the compiler's
// dependency output (`-MD -MF`, see driver.ts) each time a unit is compiled;
// `reload HEADER` asks it for every unit that included the header (directly
// or through another header) and reloads them all as one transaction.
//
// Paths are compared as absolute, symlink-resolved paths, so `x.h`,
// `./x.h`, `inc/../x.h` and a path through a symlinked directory name the
// same file. Units are answered with the name they were recorded under.

import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

/** An absolute path with symlinks resolved (as given when the file does not exist). */
export function canonicalPath(path: string, cwd = process.cwd()): string {
  const abs = resolve(cwd, path);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

export class DependencyGraph {
  /** unit (canonical) → the name it was recorded under */
  private readonly units = new Map<string, string>();
  /** unit (canonical) → its dependencies (canonical) */
  private readonly depsOf = new Map<string, Set<string>>();
  /** dependency (canonical) → units (canonical) that read it */
  private readonly usersOf = new Map<string, Set<string>>();
  /** unit (canonical) → content hash of each of its project headers when it was compiled */
  private readonly seen = new Map<string, Map<string, string>>();

  /**
   * Records (or, after a recompile, replaces) what `unitSource` read.
   * `deps` are the compile's dependency list (CompiledObject.deps).
   */
  record(unitSource: string, deps: readonly string[], cwd = process.cwd()): void {
    const unit = canonicalPath(unitSource, cwd);
    for (const d of this.depsOf.get(unit) ?? []) this.usersOf.get(d)?.delete(unit);
    const set = new Set<string>();
    for (const d of deps) {
      const c = canonicalPath(d, cwd);
      if (c === unit) continue;
      set.add(c);
      let users = this.usersOf.get(c);
      if (!users) this.usersOf.set(c, (users = new Set()));
      users.add(unit);
    }
    this.units.set(unit, unitSource);
    this.depsOf.set(unit, set);
    const hashes = new Map<string, string>();
    for (const d of set) if (!isSystemHeader(d)) hashes.set(d, contentHash(d));
    this.seen.set(unit, hashes);
  }

  /**
   * Units other than `except` that read a project header whose content
   * changed since they were compiled: their code still has the old header
   * in it (macros, inline functions, sizes). unit → the changed headers.
   */
  staleUnits(except: readonly string[] = [], cwd = process.cwd()): Map<string, string[]> {
    const skip = new Set(except.map((u) => canonicalPath(u, cwd)));
    const out = new Map<string, string[]>();
    for (const [unit, hashes] of this.seen) {
      if (skip.has(unit)) continue;
      const changed = [...hashes].filter(([d, h]) => contentHash(d) !== h).map(([d]) => d);
      if (changed.length) out.set(this.units.get(unit)!, changed);
    }
    return out;
  }

  /** Forgets a unit (it left the image). */
  forget(unitSource: string, cwd = process.cwd()): void {
    const unit = canonicalPath(unitSource, cwd);
    for (const d of this.depsOf.get(unit) ?? []) this.usersOf.get(d)?.delete(unit);
    this.depsOf.delete(unit);
    this.units.delete(unit);
  }

  /** Is `path` a recorded translation unit? */
  isUnit(path: string, cwd = process.cwd()): boolean {
    return this.units.has(canonicalPath(path, cwd));
  }

  /** The units (as recorded) that read `header`, in recording order; [] for a file no unit read. */
  unitsIncluding(header: string, cwd = process.cwd()): string[] {
    const users = this.usersOf.get(canonicalPath(header, cwd));
    if (!users?.size) return [];
    return [...this.units.keys()].filter((u) => users.has(u)).map((u) => this.units.get(u)!);
  }

  /** What a unit read (canonical paths), or undefined for a unit never recorded. */
  dependenciesOf(unitSource: string, cwd = process.cwd()): string[] | undefined {
    const d = this.depsOf.get(canonicalPath(unitSource, cwd));
    return d ? [...d] : undefined;
  }
}

/** Headers of the C library and the compiler: not the user's to edit while a program runs. */
export function isSystemHeader(path: string): boolean {
  return path.startsWith('/usr/include/') || path.startsWith('/usr/lib/') || path.startsWith('/usr/local/include/');
}

export function contentHash(path: string): string {
  try {
    return createHash('sha1').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
}
