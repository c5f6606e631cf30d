// Mutations of one seed, chosen by a PRNG seeded from (campaign seed, case
// number) alone, so that a case is reproducible on its own. A mutation
// aims at a mapped field (fuzz/structure.ts) and writes a boundary value,
// an off-by-one (by 1 or by one record), a value swapped in from a field of
// the same family, or random bytes; or it truncates the file at a
// structure's start, duplicates one record over another, or replaces a
// compressed debug section's stream with a zlib bomb.

import { deflateSync } from 'node:zlib';
import type { Field, StructureMap } from './structure.js';

/** xoshiro128** over 32-bit words, seeded through splitmix32. */
export class Rng {
  private s: Uint32Array;
  constructor(seed: number, stream: number) {
    let x = (seed ^ Math.imul(stream, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = new Uint32Array([next(), next(), next(), next() || 1]);
    for (let i = 0; i < 4; i++) this.u32();
  }
  u32(): number {
    const s = this.s;
    const r = Math.imul(((Math.imul(s[1]!, 5) << 7) | (Math.imul(s[1]!, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = (s[3]! << 11) | (s[3]! >>> 21);
    return r;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 0x100000000) * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }
}

export interface Mutant {
  bytes: Uint8Array;
  /** One line per mutation applied, e.g. "shdr[3].sh_size (shdr) = 0xffffffff (boundary)". */
  steps: string[];
}

const MAX: Record<number, bigint> = { 1: 0xffn, 2: 0xffffn, 3: 0xffffffn, 4: 0xffffffffn, 8: 0xffffffffffffffffn };

function read(b: Uint8Array, f: Field): bigint {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (f.kind) {
    case 'u8': return BigInt(b[f.at]!);
    case 'u16': return BigInt(dv.getUint16(f.at, true));
    case 'u32': return BigInt(dv.getUint32(f.at, true));
    case 'be32': return BigInt(dv.getUint32(f.at, false));
    case 'u64': return dv.getBigUint64(f.at, true);
    default: {
      let v = 0n;
      for (let i = Math.min(f.size, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[f.at + i]!);
      return v;
    }
  }
}

/** Writes `v` into a numeric field (modulo its width); LEB128 fields keep their length (continuation bits kept). */
function write(b: Uint8Array, f: Field, v: bigint): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const w = f.size;
  switch (f.kind) {
    case 'u8': b[f.at] = Number(v & 0xffn); return;
    case 'u16': dv.setUint16(f.at, Number(v & 0xffffn), true); return;
    case 'u32': dv.setUint32(f.at, Number(v & 0xffffffffn), true); return;
    case 'be32': dv.setUint32(f.at, Number(v & 0xffffffffn), false); return;
    case 'u64': dv.setBigUint64(f.at, v & MAX[8]!, true); return;
    case 'uleb':
    case 'sleb':
      for (let i = 0; i < w; i++) {
        const seven = Number((v >> BigInt(7 * i)) & 0x7fn);
        b[f.at + i] = i === w - 1 ? seven : seven | 0x80;
      }
      return;
    default:
      for (let i = 0; i < w; i++) b[f.at + i] = Number((v >> BigInt(8 * (i % 8))) & 0xffn);
  }
}

function widthMax(f: Field): bigint {
  if (f.kind === 'uleb' || f.kind === 'sleb') return (1n << BigInt(7 * Math.min(f.size, 9))) - 1n;
  return MAX[Math.min(f.size, 8)] ?? MAX[8]!;
}

/** ASCII text fields (archive headers, augmentation strings): digits, spaces, boundary numbers, junk. */
function mutateText(rng: Rng, b: Uint8Array, f: Field, fileSize: number): string {
  const choices = ['0', '1', '-1', String(fileSize), String(fileSize + 1), '99999999999', '4294967296', ' ', '/', '//', '/0', '/99999', 'x', '`\n', '\0'];
  const c = rng.chance(0.7) ? rng.pick(choices) : String(rng.int(1 << 20));
  const text = Buffer.from(c.padEnd(f.size, ' ').slice(0, f.size), 'latin1');
  if (f.group === 'frame' || f.group === 'info') {
    // a C string: keep the NUL at the end, change the characters
    for (let i = 0; i < f.size - 1; i++) b[f.at + i] = rng.chance(0.5) ? rng.pick([0x7a, 0x52, 0x50, 0x4c, 0x53, 0x42, 0x65, 0x68, 0x00]) : rng.int(256);
    return `${f.name} (${f.group}) = random augmentation/string bytes`;
  }
  b.set(text, f.at);
  return `${f.name} (${f.group}) = '${c.replace(/\n/g, '\\n').replace(/\0/g, '\\0')}'`;
}

function valueFor(rng: Rng, f: Field, orig: bigint, fileSize: number): [bigint, string] {
  const max = widthMax(f);
  const stride = BigInt(f.stride ?? 0);
  const r = rng.int(12);
  switch (r) {
    case 0: return [0n, 'boundary 0'];
    case 1: return [1n, 'boundary 1'];
    case 2: return [max, 'boundary max'];
    case 3: return [max >> 1n, 'boundary signed max'];
    case 4: return [(max >> 1n) + 1n, 'boundary signed min'];
    case 5: return [(orig + 1n) & max, 'off by +1'];
    case 6: return [(orig - 1n) & max, 'off by -1'];
    case 7: return [stride ? (orig + stride) & max : (orig + 8n) & max, 'off by one record up'];
    case 8: return [stride ? (orig - stride) & max : (orig * 2n) & max, 'off by one record down / doubled'];
    case 9: return [BigInt(fileSize + rng.int(3) - 1) & max, 'file size ±1'];
    case 10: return [BigInt(rng.int(256)) & max, 'random small'];
    default: {
      let v = 0n;
      for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(rng.int(256));
      return [v & max, 'random'];
    }
  }
}

const BOMB_CACHE = new Map<number, Buffer>();
function bomb(inflated: number): Buffer {
  let z = BOMB_CACHE.get(inflated);
  if (!z) BOMB_CACHE.set(inflated, (z = deflateSync(Buffer.alloc(inflated), { level: 9 })));
  return z;
}

/** One mutation of `b` (in place); returns its description, or undefined when it did not apply. */
function mutateOnce(rng: Rng, b: Uint8Array, map: StructureMap, groupBias: string | undefined): { bytes?: Uint8Array; step: string } | undefined {
  const fields = (groupBias ? map.fields.filter((f) => f.group === groupBias) : map.fields).filter((f) => f.at + f.size <= b.length);
  const op = rng.int(100);
  if (op < 4) {
    // truncate at a structure boundary (a field's start) or anywhere
    const at = fields.length && rng.chance(0.7) ? rng.pick(fields).at + rng.int(3) : rng.int(b.length);
    return { bytes: b.slice(0, Math.min(at, b.length)), step: `truncated to ${at} bytes` };
  }
  if (op < 10 && map.regions.length) {
    const reg = rng.pick((groupBias ? map.regions.filter((x) => x.group === groupBias) : map.regions).filter((x) => x.at + x.size <= b.length));
    if (!reg) return undefined;
    const n = 1 + rng.int(Math.min(16, reg.size));
    const at = reg.at + rng.int(Math.max(1, reg.size - n + 1));
    for (let i = 0; i < n; i++) b[at + i] = rng.int(256);
    return { step: `${n} random bytes at ${at} in ${reg.name} (${reg.group})` };
  }
  if (op < 13 && map.compressed.length) {
    // zlib bomb: a stream that inflates far beyond the section, with the header's size left, lied about or matching
    const c = rng.pick(map.compressed);
    const sizes = [1 << 16, 1 << 20, 8 << 20, 64 << 20];
    const n = rng.pick(sizes);
    const z = bomb(n);
    if (z.length > c.size - 24 || c.at + 24 + z.length > b.length) return undefined;
    b.set(z, c.at + 24);
    const dv = new DataView(b.buffer, b.byteOffset);
    const claim = rng.pick([n, c.size, 0xffffffff, 2 ** 40]);
    dv.setBigUint64(c.at + 8, BigInt(claim), true);
    return { step: `zlib bomb in ${c.name}: ${n} bytes of zeros in ${z.length}, ch_size ${claim}` };
  }
  if (!fields.length) return undefined;
  const f = rng.pick(fields);
  if (f.at + f.size > b.length) return undefined;
  if (op < 20 && f.stride) {
    // duplicate one record over another of the same table
    const k = (rng.int(9) - 4) * f.stride;
    const src = f.at - (f.at % f.stride === 0 ? 0 : 0);
    if (k === 0 || src + k < 0 || src + k + f.stride > b.length || src + f.stride > b.length) return undefined;
    b.copyWithin(src + k, src, src + Math.min(f.stride, f.size * 4));
    return { step: `copied ${f.name} (${f.group}) bytes to ${k >= 0 ? '+' : ''}${k}` };
  }
  if (op < 28) {
    // swap with a field of the same family and width
    const same = fields.filter((g) => g.group === f.group && g.size === f.size && g.kind === f.kind && g !== f);
    if (!same.length) return undefined;
    const g = rng.pick(same);
    const a = b.slice(f.at, f.at + f.size);
    b.copyWithin(f.at, g.at, g.at + g.size);
    b.set(a, g.at);
    return { step: `swapped ${f.name} and ${g.name} (${f.group})` };
  }
  if (f.kind === 'text') return { step: mutateText(rng, b, f, b.length) };
  if (f.kind === 'bytes') {
    for (let i = 0; i < f.size; i++) if (rng.chance(0.5)) b[f.at + i] = rng.int(256);
    return { step: `${f.name} (${f.group}) = random bytes` };
  }
  const orig = read(b, f);
  const [v, why] = valueFor(rng, f, orig, b.length);
  write(b, f, v);
  return { step: `${f.name} (${f.group}) ${f.kind}@${f.at} ${'0x' + orig.toString(16)} -> 0x${(v & widthMax(f)).toString(16)} (${why})` };
}

/** Families the mutator aims at, with weights (one is chosen per case, so every table gets its share). */
export const FAMILIES: [string | undefined, number][] = [
  [undefined, 10], ['ehdr', 3], ['shdr', 12], ['sym', 10], ['rela', 10], ['rela-debug', 3], ['group', 3], ['initfini', 2],
  ['strtab', 2], ['ar-hdr', 4], ['ar-index', 4], ['abbrev', 7], ['info', 9], ['line', 8], ['loclists', 3], ['rnglists', 3],
  ['loc', 2], ['ranges', 1], ['frame', 8], ['zlib', 3], ['section', 2],
];

/** The mutant of case `caseNo`: 1 to 3 mutations (80% one) of the seed's bytes. */
export function mutate(rng: Rng, seed: Uint8Array, map: StructureMap): Mutant {
  const present = new Set<string>([...map.fields.map((f) => f.group), ...map.regions.map((r) => r.group)]);
  const families = FAMILIES.filter(([g]) => g === undefined || present.has(g));
  const total = families.reduce((a, [, w]) => a + w, 0);
  let x = rng.int(total);
  let family: string | undefined;
  for (const [g, w] of families) {
    if (x < w) {
      family = g;
      break;
    }
    x -= w;
  }
  let bytes: Uint8Array = Uint8Array.from(seed);
  const steps: string[] = [];
  const n = rng.chance(0.8) ? 1 : 2 + rng.int(2);
  for (let i = 0; i < n * 4 && steps.length < n; i++) {
    const r = mutateOnce(rng, bytes, map, family);
    if (!r) continue;
    if (r.bytes) bytes = r.bytes;
    steps.push(r.step);
  }
  if (!steps.length) {
    const at = rng.int(bytes.length);
    bytes[at] ^= 1 << rng.int(8);
    steps.push(`bit flip at ${at}`);
  }
  return { bytes, steps };
}
