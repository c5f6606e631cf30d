// Watching sources and the headers they include, and reloading on a change
// (live mode, issue 10). The watcher sits above the Jit API: it knows which
// files to watch from the image's dependency graph (recorded from -MD at
// each compile), and a change is `jit.reloadFiles(changed)` — one
// transaction, the changed units compiled in parallel. Publication itself is
// the Jit's (and, under `hotlink run --watch`, the stop-the-world publisher
// of program.ts).
//
// Events: fs.watch per file. The first change after a quiet time is
// compiled at once (the events of one write arrive in one turn of the event
// loop and are taken together): a save costs its compile plus the link, no
// waiting. A change while that compile runs (a burst: an editor writing in
// steps, a script saving 100 times a second, several files saved together)
// kills the compile: the first time (an editor's write caught halfway) it
// compiles again at once; a second time is a burst (a script saving 100
// times a second, several files saved one after the other), coalesced: the
// reload starts once no event came for `debounceMs`, with every file
// changed so far. An empty file (a save caught between truncation and
// write) waits for its next event, or `debounceMs`. Editors that save by writing a new file and renaming it
// over the old one end the inotify watch of the old inode (a 'rename'
// event): the path is watched again as soon as it exists; a file still
// missing after that is reported, and watched again when it comes back. A
// change whose bytes are the same as the last ones seen (touch, a second
// event of one write) reloads nothing.

import { existsSync, FSWatcher, statSync, watch as fsWatch } from 'node:fs';
import { relative } from 'node:path';
import { canonicalPath, contentHash as hashOf, isSystemHeader as isSystemFile } from '../cc/deps.js';
import { HotlinkError } from '../errors.js';
import type { FileReloadReport, Jit, ReloadOptions } from '../jit.js';

export interface WatchOptions {
  /** After each published reload: the report and the changed files (as given / found). */
  onReload?: (report: FileReloadReport, changed: string[]) => void;
  /** A reload that failed (compile error, refusal): nothing changed in the image. */
  onError?: (error: Error, changed: string[]) => void;
  /** Quiet time that ends a burst of changes (changes during a compile, empty files); default 50 ms. A lone save is reloaded at once. */
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
  /** The bytes last seen (and tried) per file. */
  private readonly hashes = new Map<string, string>();
  private readonly pending = new Set<string>();
  /** Files reported missing (reported once until they come back). */
  private readonly missing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  /** What the timer waits for: an empty file to be written, or the end of a burst (`debounceMs` without events). */
  private wait: 'empty' | 'burst' | undefined;
  /** Compiles killed by a newer save since the last finished reload. */
  private aborts = 0;
  /** The reload in progress: its compile is killed by a newer save (the link after it is synchronous: no event comes between). */
  private running: { done: Promise<void>; abort: AbortController; files: Map<string, string> } | undefined;
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
    for (const c of this.missing) if (!want.has(c)) this.missing.delete(c);
    for (const [c, name] of want) {
      if (!this.names.has(c)) this.names.set(c, name);
      if (!this.hashes.has(c)) this.hashes.set(c, hashOf(c));
      if (!this.watchers.has(c)) this.arm(c);
    }
  }

  /** Still one of the files to watch (a header a unit no longer includes is dropped by sync). */
  private wanted(path: string): boolean {
    return this.names.has(path) && !this.closed;
  }

  private arm(path: string, tries = 0): void {
    if (!this.wanted(path) || this.watchers.has(path)) return;
    if (!existsSync(path)) {
      // Between an editor's unlink and its rename, or a file deleted for good: report it once, and look again.
      if (tries === 8 && !this.missing.has(path)) {
        this.missing.add(path);
        const name = this.names.get(path) ?? path;
        this.opts.onError?.(new HotlinkError('usage', `${name} was deleted or renamed away; watching for it to come back`), [name]);
      }
      setTimeout(() => this.arm(path, tries + 1), tries < 40 ? 25 : 250).unref();
      return;
    }
    try {
      const w = fsWatch(path, { persistent: true }, (event) => {
        if (event === 'rename') {
          // The inode we watched was replaced or removed: watch the path again.
          w.close();
          if (this.watchers.get(path) === w) this.watchers.delete(path);
          setTimeout(() => this.arm(path, 1), 10);
        }
        this.changed(path);
      });
      w.on('error', () => {
        w.close();
        if (this.watchers.get(path) === w) this.watchers.delete(path);
        setTimeout(() => this.arm(path, 1), 25);
      });
      this.watchers.set(path, w);
      this.missing.delete(path);
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
    const r = this.running;
    if (r) {
      // A newer save while its compile runs: the compile is stale, kill it. Once is an editor's write
      // caught halfway (compiled again at once); again is a burst, coalesced until it ends.
      if (r.files.get(path) !== hashOf(path) && !r.abort.signal.aborted) {
        this.aborts++;
        r.abort.abort('a newer save');
      }
      return; // the running reload flushes again when it ends
    }
    if (this.wait === 'burst') this.later(this.debounceMs);
    else this.now();
  }

  /** Flushes in this turn's check phase: the events of one write, delivered together, are taken together. */
  private now(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.wait = undefined;
    this.soon ??= setImmediate(() => {
      this.soon = undefined;
      void this.flush();
    });
  }

  /** Flushes after `ms` without events. */
  private later(ms: number): void {
    if (this.soon) clearImmediate(this.soon);
    this.soon = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush(true);
    }, ms);
  }

  private async flush(quiet = false): Promise<void> {
    if (this.running || this.closed) return;
    const changed = new Map<string, string>();
    for (const p of this.pending) {
      const h = hashOf(p);
      if (h === 'missing' || h === this.hashes.get(p)) {
        this.pending.delete(p);
        continue;
      }
      if (!quiet && isEmpty(p)) {
        // Truncated and not yet written (or emptied for real): the next event, or the quiet time, decides.
        this.wait = 'empty';
        this.later(this.debounceMs);
        return;
      }
      changed.set(p, h);
    }
    this.wait = undefined;
    this.pending.clear();
    if (!changed.size) return;
    const names = [...changed.keys()].map((c) => this.names.get(c) ?? c);
    const before = new Map([...changed.keys()].map((p) => [p, this.hashes.get(p)!]));
    // The bytes tried now; a failed reload is retried only when they change again.
    for (const [p, h] of changed) this.hashes.set(p, h);
    const abort = new AbortController();
    const run = { done: Promise.resolve(), abort, files: changed };
    this.running = run;
    run.done = (async () => {
      try {
        const report = await this.jit.reloadFiles(names, { ...this.opts.reload, signal: abort.signal });
        this.aborts = 0;
        this.opts.onReload?.(report, names);
      } catch (e) {
        if (abort.signal.aborted) {
          // Superseded by a newer save: try these files again with it.
          for (const [p, h] of before) this.hashes.set(p, h);
          for (const p of changed.keys()) this.pending.add(p);
        } else {
          this.aborts = 0;
          this.opts.onError?.(e as Error, names);
        }
      }
      this.sync(); // a unit may include other headers now
    })();
    await run.done;
    this.running = undefined;
    if (!this.pending.size) return;
    if (this.aborts > 1) {
      this.wait = 'burst';
      this.later(this.debounceMs);
    } else this.now();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearImmediate(this.soon);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  files(): string[] {
    return [...this.watchers.keys()];
  }

  async idle(): Promise<void> {
    while (this.running || this.timer || this.soon || this.pending.size) {
      if (this.running) await this.running.done;
      else await new Promise((r) => setTimeout(r, this.timer ? this.debounceMs : 1));
    }
  }
}

function isEmpty(path: string): boolean {
  try {
    return statSync(path).size === 0;
  } catch {
    return false;
  }
}

/** The one line a reload prints: `hotlink: reloaded prog.c: swapped step, helper [static] (compile 41 ms, link 0.8 ms, publish 35 µs)` (publish: the stop-the-world pause, when given). */
export function formatReload(report: FileReloadReport, changed: string[], publishUs?: number): string {
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
  const publish = publishUs !== undefined ? `, publish ${Math.round(publishUs)} µs` : '';
  const timing = t ? ` (compile ${Math.round(t.compileMs)} ms, link ${t.linkMs.toFixed(1)} ms${publish})` : '';
  let line = `${head}: ${parts.join('; ')}${timing}`;
  if (report.partial) line += `\nhotlink:   partial: ${report.stale.map((s) => `${s.function === '*' ? s.where : s.function}: ${s.why}`).join('; ')}`;
  return line + '\n';
}
