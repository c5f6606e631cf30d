// perf map output (`--perf-map`, HOTLINK_PERF_MAP=1, JitOptions.perfMap):
// profilers that read /tmp/perf-PID.map (perf, and tools that share its
// format) name the image's code. One line per function: `START SIZE name`,
// START and SIZE in hex without 0x. The file is opened once per process (in
// append mode, so the lines of several images — and of V8's own
// --perf-basic-prof — are kept) and each published batch is one write.

import { openSync, writeSync } from 'node:fs';
import { STT_FUNC } from './elf/elf.js';
import { BatchResult, LinkSession } from './link/session.js';
import { SymKind } from './link/symbols.js';

let fd: number | undefined;

/** The map perf reads for this process. */
export function perfMapPath(): string {
  return `/tmp/perf-${process.pid}.map`;
}

/** Whether the environment asks for a perf map (HOTLINK_PERF_MAP=1, or any value but '' and '0'). */
export function perfMapFromEnv(): boolean {
  const v = process.env.HOTLINK_PERF_MAP;
  return v !== undefined && v !== '' && v !== '0';
}

/** A function of a published batch, as profilers name it. */
export interface BatchCode {
  address: number;
  size: number;
  name: string;
}

/**
 * The code one published batch defined: every function (bodies keep their
 * internal names, `foo$body$N`, so a profile tells an old body from a new
 * one; a reloadable function's entry is `foo`), then its host-call stubs as
 * `name@stub`. Symbols outside the code class (size 0, or data) are left out.
 */
export function batchCode(session: LinkSession, batch: BatchResult): BatchCode[] {
  const syms = session.symbols;
  const rx = session.classes[0]!; // SegClass.RX
  const out: BatchCode[] = [];
  for (let id = batch.firstSymbol; id < syms.count; id++) {
    if (syms.kind[id] !== SymKind.Image || syms.type[id] !== STT_FUNC) continue;
    const a = syms.addr[id]!;
    const size = syms.size[id]!;
    if (size <= 0 || a < rx.start || a >= rx.limit) continue;
    out.push({ address: a, size, name: syms.name[id]! });
  }
  for (const id of batch.stubs) {
    const a = syms.stub.get(id);
    if (a !== undefined) out.push({ address: a, size: session.arch.stubSize, name: `${syms.name[id]}@stub` });
  }
  return out;
}

/** The perf map lines for one published batch (batchCode, one `START SIZE name` line each). */
export function perfMapLines(session: LinkSession, batch: BatchResult): string {
  return batchCode(session, batch).map((c) => `${c.address.toString(16)} ${c.size.toString(16)} ${c.name}\n`).join('');
}

/** Appends one batch's lines to the process's perf map (one write; the file is opened on first use). */
export function writePerfMap(session: LinkSession, batch: BatchResult): void {
  const text = perfMapLines(session, batch);
  if (!text) return;
  if (fd === undefined) fd = openSync(perfMapPath(), 'a', 0o644);
  writeSync(fd, text);
}
