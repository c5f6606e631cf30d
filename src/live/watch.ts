// Watching sources and the headers they include, and reloading on a change
// (live mode, issue 10). The watcher sits above the Jit API: it knows which
// files to watch from the image's dependency graph (recorded from -MD at
// each compile), and a change is `jit.reloadFiles(changed)` — one
// transaction, the changed units compiled in parallel. Publication itself is
// the Jit's (and, under `hotlink run --watch`, the stop-the-world publisher
// of program.ts).
//
// Events: fs.watch per file. A burst of events (an editor's write, several
// files saved together) is collected for `debounceMs` after the last one.
// Editors that save by writing a new file and renaming it over the old one
// end the inotify watch of the old inode (a 'rename' event): the path is
// watched again as soon as it exists. A change whose bytes are the same as
// the last ones seen (touch, a second event of one write) reloads nothing.

import { existsSync, FSWatcher, watch as fsWatch } from 'node:fs';
import { relative } from 'node:path';
import { canonicalPath, contentHash as hashOf, isSystemHeader as isSystemFile } from '../cc/deps.js';
import type { FileReloadReport, Jit, ReloadOptions } from '../jit.js';

export interface WatchOptions {
  /** After each published reload: the report and the changed files (as given / found). */
  onReload?: (report: FileReloadReport, changed: string[]) => void;
  /** A reload that failed (compile error, refusal): nothing changed in the image. */
  onError?: (error: Error, changed: string[]) => void;
  /** Quiet time after the last event before reloading (default 50 ms). */
  debounceMs?: number;
  reload?: ReloadOptions;
}

export interface WatchHandle {
  /** Stops watching (a reload in progress still completes). */
  close(): void;
  /** The files watched now (sources and the project headers they include). */
  files(): string[];
  /** Resolves when no reload is pending or running. */
  idle(): Promise<void>;
}

/** A path for messages: relative to the working directory when inside it. */
export function displayPath(path: string): string {
  const r = relative(process.cwd(), path);
  return r && !r.startsWith('..') ? r : path;
}

/**
 * Watches `paths` (C sources of the image, or headers) and every project
 * header the sources include, and reloads what a change affects.
 */
export function watch(jit: Jit, paths: string[], opts: WatchOptions = {}): WatchHandle {
  return new Watcher(jit, paths, opts);
}

class Watcher implements WatchHandle {
  private readonly watchers = new Map<string, FSWatcher>();
  /** canonical path → the name to show and to reload by */
  private readonly names = new Map<string, string>();
  private readonly hashes = new Map<string, string>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly debounceMs: number;

  constructor(
    private readonly jit: Jit,
    private readonly roots: string[],
    private readonly opts: WatchOptions,
  ) {
    this.debounceMs = opts.debounceMs ?? 50;
    this.sync();
  }

  /** The watched set: the roots, plus each root unit's non-system dependencies. */
  private sync(): void {
    const want = new Map<string, string>();
    for (const r of this.roots) {
      want.set(canonicalPath(r), r);
      for (const d of this.jit.dependencies.dependenciesOf(r) ?? []) if (!isSystemFile(d)) want.set(d, displayPath(d));
    }
    for (const [c, w] of this.watchers) {
      if (want.has(c)) continue;
      w.close();
      this.watchers.delete(c);
    }
    for (const [c, name] of want) {
      if (!this.names.has(c)) this.names.set(c, name);
      if (!this.hashes.has(c)) this.hashes.set(c, hashOf(c));
      if (!this.watchers.has(c)) this.arm(c);
    }
  }

  private arm(path: string, tries = 0): void {
    if (this.closed || this.watchers.has(path)) return;
    if (!existsSync(path)) {
      // Between an editor's unlink and its rename, or a file deleted for good: look again for a while.
      if (tries < 200) setTimeout(() => this.arm(path, tries + 1), 25).unref();
      return;
    }
    try {
      const w = fsWatch(path, { persistent: true }, (event) => {
        if (event === 'rename') {
          // The inode we watched was replaced or removed: watch the path again.
          w.close();
          if (this.watchers.get(path) === w) this.watchers.delete(path);
          setTimeout(() => this.arm(path), 10);
        }
        this.changed(path);
      });
      w.on('error', () => {
        w.close();
        if (this.watchers.get(path) === w) this.watchers.delete(path);
        setTimeout(() => this.arm(path), 25);
      });
      this.watchers.set(path, w);
      if (process.env.HOTLINK_LIVE_DEBUG) process.stderr.write(`hotlink: watching ${path}\n`);
      // A change between the event and the re-arm would be lost: compare the bytes now.
      if (tries > 0 || this.hashes.get(path) !== hashOf(path)) this.changed(path);
    } catch (e) {
      if (process.env.HOTLINK_LIVE_DEBUG) process.stderr.write(`hotlink: watch ${path}: ${(e as Error).message}\n`);
      setTimeout(() => this.arm(path, tries + 1), 25).unref();
    }
  }

  private changed(path: string): void {
    if (process.env.HOTLINK_LIVE_DEBUG) process.stderr.write(`hotlink: changed ${path}\n`);
    if (this.closed) return;
    this.pending.add(path);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.debounceMs);
  }

  private async flush(): Promise<void> {
    if (this.running) return; // the running reload flushes again when it ends
    const changed: string[] = [];
    for (const p of this.pending) {
      const h = hashOf(p);
      if (h === 'missing' || h === this.hashes.get(p)) continue;
      // The bytes tried now; a failed reload is retried only when they change again.
      this.hashes.set(p, h);
      changed.push(p);
    }
    this.pending.clear();
    if (!changed.length || this.closed) return;
    const names = changed.map((c) => this.names.get(c) ?? c);
    this.running = (async () => {
      try {
        const report = await this.jit.reloadFiles(names, this.opts.reload);
        this.opts.onReload?.(report, names);
      } catch (e) {
        this.opts.onError?.(e as Error, names);
      }
      this.sync(); // a unit may include other headers now
    })();
    await this.running;
    this.running = undefined;
    if (this.pending.size) void this.flush();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  files(): string[] {
    return [...this.watchers.keys()];
  }

  async idle(): Promise<void> {
    while (this.running || this.timer || this.pending.size) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, this.debounceMs));
    }
  }
}

/** The one line a reload prints: `hotlink: reloaded prog.c: swapped step, helper [static] (compile 41 ms, link 0.8 ms)`. */
export function formatReload(report: FileReloadReport, changed: string[]): string {
  const units = report.units.map(displayPath);
  const shown = changed.map(displayPath);
  const extra = units.filter((u) => !shown.includes(u));
  let head = `hotlink: reloaded ${shown.join(', ')}`;
  if (extra.length) head += ` (${extra.join(', ')})`;
  const parts: string[] = [];
  if (report.swapped.length) parts.push(`swapped ${report.swapped.map((r) => r.name + (r.local ? ' [static]' : '')).join(', ')}`);
  if (report.added.length) parts.push(`added ${report.added.join(', ')}`);
  if (report.removed.length) parts.push(`removed ${report.removed.join(', ')} (old code stays)`);
  const newVars = report.variables.filter((v) => v.change === 'added').map((v) => v.name);
  const initVars = report.variables.filter((v) => v.change === 'initializer-changed').map((v) => v.name);
  if (newVars.length) parts.push(`new variables ${newVars.join(', ')}`);
  if (initVars.length) parts.push(`initializer changed of ${initVars.join(', ')} (live value kept)`);
  const ran = report.constructors.filter((c) => c.ran).map((c) => c.name);
  if (ran.length) parts.push(`ran constructors ${ran.join(', ')}`);
  if (!parts.length) parts.push('no code changed');
  const t = report.timing;
  const timing = t ? ` (compile ${Math.round(t.compileMs)} ms, link ${t.linkMs.toFixed(1)} ms)` : '';
  let line = `${head}: ${parts.join('; ')}${timing}`;
  if (report.partial) line += `\nhotlink:   partial: ${report.stale.map((s) => `${s.function === '*' ? s.where : s.function}: ${s.why}`).join('; ')}`;
  return line + '\n';
}
