// jitdump output (`--jitdump`, HOTLINK_JITDUMP=1, JitOptions.jitdump): the
// format of linux tools/perf/Documentation/jitdump-specification.txt, which
// `perf inject --jit` turns into one small ELF per function, with code and
// line table, so `perf report`/`perf annotate` name JIT code and its source
// lines. The file is /tmp/jit-PID.dump, one per process (several images
// share it): a header, then per published function a JIT_CODE_DEBUG_INFO
// record (its line-table rows) and a JIT_CODE_LOAD record (name, address,
// code bytes). Its first page is mapped executable, which is how perf's
// record finds the file. Timestamps are CLOCK_MONOTONIC (record with
// `perf record -k 1`).

import { openSync, writeSync } from 'node:fs';
import { imageDebugInfo } from './dbg/view.js';
import { allLinePrograms, LineProgram } from './dwarf/line.js';
import { LinkSession, BatchResult } from './link/session.js';
import { mapExecutableMarker } from './memory/native.js';
import { batchCode } from './perfmap.js';

export const JITDUMP_MAGIC = 0x4a695444; // 'JiTD'
export const JIT_CODE_LOAD = 0;
export const JIT_CODE_DEBUG_INFO = 2;
const JITDUMP_VERSION = 1;
const HEADER_SIZE = 40;

/** Whether the environment asks for a jitdump (HOTLINK_JITDUMP=1, or any value but '' and '0'). */
export function jitdumpFromEnv(): boolean {
  const v = process.env.HOTLINK_JITDUMP;
  return v !== undefined && v !== '' && v !== '0';
}

/** The jitdump file of this process. */
export function jitdumpPath(): string {
  return `/tmp/jit-${process.pid}.dump`;
}

let dump: { fd: number; codeIndex: number } | undefined;

/** Opens the process's dump (truncating what an earlier process of this pid left), writes the header, maps the marker. */
function open(machine: number): { fd: number; codeIndex: number } {
  if (dump) return dump;
  const path = jitdumpPath();
  const fd = openSync(path, 'w+', 0o644);
  const h = Buffer.alloc(HEADER_SIZE);
  h.writeUInt32LE(JITDUMP_MAGIC, 0);
  h.writeUInt32LE(JITDUMP_VERSION, 4);
  h.writeUInt32LE(HEADER_SIZE, 8);
  h.writeUInt32LE(machine, 12);
  h.writeUInt32LE(process.pid, 20);
  h.writeBigUInt64LE(process.hrtime.bigint(), 24);
  writeSync(fd, h);
  mapExecutableMarker(fd, path);
  return (dump = { fd, codeIndex: 0 });
}

/** One line-table sequence of a batch's code: rows [first, last) of `program`, addresses ascending. */
interface Sequence {
  start: number;
  end: number;
  first: number;
  last: number;
  program: LineProgram;
  /** The program's file index -> its path, NUL-terminated (shared by the program's sequences). */
  files: Map<number, Buffer>;
}

/** The batch's loaded line-table sequences, by start address. */
function batchSequences(session: LinkSession, batch: BatchResult): Sequence[] {
  const out: Sequence[] = [];
  for (const input of batch.inputs) {
    if (!input.obj.sections.some((s) => s.name === '.debug_line')) continue;
    let programs;
    try {
      programs = allLinePrograms(imageDebugInfo(session, input).info);
    } catch {
      continue; // corrupt debug info: the functions are still named, without lines
    }
    for (const program of programs) {
      const files = new Map<number, Buffer>();
      for (const s of program.sequences) if (s.start > 0) out.push({ start: s.start, end: s.end, first: s.first, last: s.last, program, files });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The rows of `seqs` covering [address, address+size): the sequence and its row range. */
function rowsOf(seqs: Sequence[], address: number, size: number): { seq: Sequence; lo: number; hi: number } | undefined {
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (seqs[mid]!.start <= address) lo = mid + 1;
    else hi = mid;
  }
  const seq = seqs[lo - 1];
  if (!seq || address >= seq.end) return undefined;
  const t = seq.program.table;
  let a = seq.first;
  let b = seq.last;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (t.address[mid]! < address) a = mid + 1;
    else b = mid;
  }
  let end = a;
  while (end < seq.last && t.address[end]! < address + size) end++;
  return end > a ? { seq, lo: a, hi: end } : undefined;
}

function fileName(seq: Sequence, index: number): Buffer {
  let b = seq.files.get(index);
  if (!b) seq.files.set(index, (b = Buffer.from((seq.program.filePath(index) ?? '??') + '\0', 'utf8')));
  return b;
}

/** Writes `v` (a non-negative integer below 2^53) as a little-endian u64. */
function u64(b: Buffer, v: number, at: number): void {
  b.writeUInt32LE(v % 0x100000000, at);
  b.writeUInt32LE(Math.floor(v / 0x100000000), at + 4);
}

/** The records for one published batch: per function its debug info (when it has line rows), then its load. */
export function jitdumpRecords(session: LinkSession, batch: BatchResult, firstIndex: number): { bytes: Buffer; count: number } {
  const seqs = batchSequences(session, batch);
  const code = batchCode(session, batch);
  // Row range and record sizes per function, then one buffer for the whole batch.
  const names = code.map((c) => Buffer.from(c.name + '\0', 'utf8'));
  const rows = code.map((c) => rowsOf(seqs, c.address, c.size));
  let total = 0;
  code.forEach((c, k) => {
    const r = rows[k];
    if (r) {
      total += 32;
      const t = r.seq.program.table;
      for (let i = r.lo; i < r.hi; i++) total += 16 + fileName(r.seq, t.file[i]!).length;
    }
    total += 56 + names[k]!.length + c.size;
  });
  const b = Buffer.alloc(total);
  const pid = process.pid;
  const image = session.arena!;
  let at = 0;
  let index = firstIndex;
  code.forEach((c, k) => {
    const now = process.hrtime.bigint();
    const r = rows[k];
    if (r) {
      const start = at;
      const t = r.seq.program.table;
      b.writeUInt32LE(JIT_CODE_DEBUG_INFO, at);
      b.writeBigUInt64LE(now, at + 8);
      u64(b, c.address, at + 16);
      u64(b, r.hi - r.lo, at + 24);
      at += 32;
      for (let i = r.lo; i < r.hi; i++) {
        u64(b, t.address[i]!, at);
        b.writeUInt32LE(t.line[i]!, at + 8);
        b.writeUInt32LE(t.discriminator[i]!, at + 12);
        // Every entry names its file in full: perf 6.x prints the spec's 0xff shorthand as a file name.
        at += 16 + fileName(r.seq, t.file[i]!).copy(b, at + 16);
      }
      b.writeUInt32LE(at - start, start + 4);
    }
    const size = 56 + names[k]!.length + c.size;
    b.writeUInt32LE(JIT_CODE_LOAD, at);
    b.writeUInt32LE(size, at + 4);
    b.writeBigUInt64LE(now, at + 8);
    b.writeUInt32LE(pid, at + 16);
    b.writeUInt32LE(pid, at + 20); // tid: the code is process-wide
    u64(b, c.address, at + 24); // vma
    u64(b, c.address, at + 32); // code_addr
    u64(b, c.size, at + 40);
    u64(b, index++, at + 48);
    names[k]!.copy(b, at + 56);
    b.set(image.writable(c.address, c.size), at + 56 + names[k]!.length); // the code's bytes, read through the image's alias
    at += size;
  });
  return { bytes: b, count: index - firstIndex };
}

/** The publish observer: appends one batch's records to the process's jitdump (one write). */
export function writeJitdump(session: LinkSession, batch: BatchResult): void {
  const d = open(session.arch.e_machine);
  const { bytes, count } = jitdumpRecords(session, batch, d.codeIndex);
  d.codeIndex += count;
  if (bytes.length) writeSync(d.fd, bytes);
}
