// --jitdump, HOTLINK_JITDUMP=1 and JitOptions.jitdump (src/jitdump.ts): the
// process's /tmp/jit-PID.dump in perf's jitdump format — header, then per
// published function a JIT_CODE_DEBUG_INFO record (line rows) and a
// JIT_CODE_LOAD record (name, address, code) — with its first page mapped
// executable so `perf record` notes the file and `perf inject --jit` reads it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Jit } from '../src/index.js';
import { JIT_CODE_DEBUG_INFO, JIT_CODE_LOAD, JITDUMP_MAGIC } from '../src/jitdump.js';
import { memoryView } from '../src/memory/native.js';
import { hotlinkBin, perfUsable, repoRoot, runHotlink, tmpDir } from './helpers.js';

const PROGRAMS = join(repoRoot, 'test', 'programs');

interface Load {
  name: string;
  address: number;
  size: number;
  index: number;
  code: Uint8Array;
  /** The debug info record just before it: [address, line, file] per row. */
  lines: [number, number, string][];
}

/** Parses a jitdump file; checks every record's framing on the way. */
function parseDump(bytes: Buffer): { pid: number; machine: number; loads: Load[] } {
  assert.equal(bytes.readUInt32LE(0), JITDUMP_MAGIC, 'magic');
  assert.equal(bytes.readUInt32LE(4), 1, 'version');
  const headerSize = bytes.readUInt32LE(8);
  assert.equal(headerSize, 40);
  const loads: Load[] = [];
  let lines: [number, number, string][] = [];
  let at = headerSize;
  let lastTime = 0n;
  while (at < bytes.length) {
    const id = bytes.readUInt32LE(at);
    const size = bytes.readUInt32LE(at + 4);
    const time = bytes.readBigUInt64LE(at + 8);
    assert.ok(size >= 16 && at + size <= bytes.length, `record at ${at}: size ${size}`);
    assert.ok(time >= lastTime, 'timestamps never go back');
    lastTime = time;
    if (id === JIT_CODE_DEBUG_INFO) {
      const n = Number(bytes.readBigUInt64LE(at + 24));
      let p = at + 32;
      lines = [];
      for (let i = 0; i < n; i++) {
        const end = bytes.indexOf(0, p + 16);
        lines.push([Number(bytes.readBigUInt64LE(p)), bytes.readUInt32LE(p + 8), bytes.toString('utf8', p + 16, end)]);
        p = end + 1;
      }
      assert.equal(p, at + size, 'debug info record size');
    } else {
      assert.equal(id, JIT_CODE_LOAD, `record type ${id} at ${at}`);
      const nameEnd = bytes.indexOf(0, at + 56);
      const codeSize = Number(bytes.readBigUInt64LE(at + 40));
      const address = Number(bytes.readBigUInt64LE(at + 32));
      assert.equal(Number(bytes.readBigUInt64LE(at + 24)), address, 'vma = code_addr');
      assert.equal(nameEnd + 1 + codeSize, at + size, 'load record size');
      loads.push({ name: bytes.toString('utf8', at + 56, nameEnd), address, size: codeSize, index: Number(bytes.readBigUInt64LE(at + 48)), code: bytes.subarray(nameEnd + 1, at + size), lines });
      lines = [];
    }
    at += size;
  }
  return { pid: bytes.readUInt32LE(20), machine: bytes.readUInt32LE(12), loads };
}

test('Jit jitdump: the link, an append and a reload each add load records with their code and line rows', async (t) => {
  delete process.env.HOTLINK_JITDUMP;
  const path = `/tmp/jit-${process.pid}.dump`;
  rmSync(path, { force: true });
  t.after(() => rmSync(path, { force: true }));
  const plain = new Jit();
  plain.addSource('int jd_plain(int x) { return x; }\n', 'plain.c');
  await plain.link();
  plain.free();
  assert.ok(!existsSync(path), 'a Jit without the option wrote a jitdump');

  const jit = new Jit({ jitdump: true, indirection: 'exported-funcs' });
  t.after(() => jit.free());
  jit.addSource('int jd_foo(int x)\n{\n  int y = x * 3;\n  return y + 1;\n}\n', 'foo.c');
  await jit.link();
  const appended = await jit.append([{ source: 'int jd_bar(int x)\n{\n  return x - 1;\n}\n', name: 'bar.c' }]);
  const report = await jit.reloadFunction('jd_foo', { source: 'int jd_foo(int x)\n{\n  return x * 5;\n}\n', name: 'foo.c' });
  assert.equal(jit.call('jd_foo', 'int(int)', 2), 10);

  const dump = parseDump(readFileSync(path));
  assert.equal(dump.pid, process.pid);
  assert.equal(dump.machine, 62, 'EM_X86_64');
  const byName = new Map(dump.loads.map((l) => [l.name, l]));
  const load = (name: string): Load => {
    const l = byName.get(name);
    assert.ok(l, `${name} has no load record: ${[...byName.keys()].join(' ')}`);
    return l;
  };
  // Code indexes count up from 0; names as in the perf map.
  assert.deepEqual(dump.loads.map((l) => l.index), dump.loads.map((_, k) => k));
  assert.equal(load('jd_foo').address, jit.lookup('jd_foo'), 'the entry is jd_foo');
  assert.equal(load('jd_bar').address, appended.symbols.find((s) => s.name === 'jd_bar')!.address);
  assert.equal(load('jd_foo$body$1').address, report.new.address);
  assert.equal(load('jd_foo$body$1').size, report.new.size);
  // The code bytes are the image's.
  for (const name of ['jd_foo', 'jd_foo$body$0', 'jd_bar$body$0', 'jd_foo$body$1']) {
    const l = load(name);
    assert.deepEqual([...l.code], [...memoryView(l.address, l.size)], `${name}'s code`);
  }
  // Line rows: inside the function, from its own source.
  const body0 = load('jd_foo$body$0');
  assert.deepEqual([...new Set(body0.lines.map(([, line]) => line))].sort(), [2, 3, 4, 5]);
  assert.ok(body0.lines.every(([a, , f]) => a >= body0.address && a < body0.address + body0.size && f.endsWith('foo.c')), JSON.stringify(body0.lines));
  assert.equal(body0.lines[0]![0], body0.address);
  const body1 = load('jd_foo$body$1');
  assert.deepEqual([...new Set(body1.lines.map(([, line]) => line))].sort(), [2, 3, 4]);
  assert.ok(load('jd_bar$body$0').lines.every(([, , f]) => f.endsWith('bar.c')));
  assert.deepEqual(load('jd_foo').lines, [], 'an entry has no lines');
  // The first page is mapped executable (never writable): how perf record notes the file.
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.endsWith(path));
  assert.equal(maps.length, 1, maps.join('\n'));
  assert.match(maps[0]!, /^[0-9a-f]+-[0-9a-f]+ r-xp /);
});

test('HOTLINK_JITDUMP=1 and --jitdump write /tmp/jit-PID.dump for hotlink run; without them there is none', () => {
  for (const [args, env, want] of [[['--jitdump'], {}, true], [[], { HOTLINK_JITDUMP: '1' }, true], [[], { HOTLINK_JITDUMP: '0' }, false]] as const) {
    const r = runHotlink(['run', ...args, join(PROGRAMS, 'perfmap_pid.c')], { env: { ...env } });
    assert.equal(r.status, 0, r.stderr);
    const pid = /^pid (\d+)$/m.exec(r.stdout)![1]!;
    const path = `/tmp/jit-${pid}.dump`;
    const found = existsSync(path);
    const loads = found ? parseDump(readFileSync(path)).loads : [];
    rmSync(path, { force: true });
    assert.equal(found, want, `${args.join(' ')} ${JSON.stringify(env)}`);
    if (want) {
      const work = loads.find((l) => l.name === 'perfmap_work');
      assert.ok(work, loads.map((l) => l.name).join(' '));
      assert.equal(work.address, parseInt(/^work ([0-9a-f]+)$/m.exec(r.stdout)![1]!, 16));
      assert.ok(work.lines.some(([, , f]) => f.endsWith('perfmap_pid.c')));
    }
  }
});

test('perf record -k 1 + perf inject --jit + perf report: the hot JIT function is named, with its source line', { skip: perfUsable() }, (t) => {
  const dir = tmpDir(t);
  const data = join(dir, 'perf.data');
  const rec = spawnSync('perf', ['record', '-q', '-k', '1', '-e', 'cpu-clock', '-o', data, '--', process.execPath, hotlinkBin, 'run', '--jitdump', join(PROGRAMS, 'perfmap_hot.c')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(rec.status, 0, rec.stderr);
  assert.match(rec.stdout, /done/);
  const pid = /^\s+[\d.]+%\s+(\d+):/m.exec(spawnSync('perf', ['report', '-i', data, '--stdio', '--sort', 'pid'], { encoding: 'utf8' }).stdout)?.[1];
  t.after(() => {
    if (!pid) return;
    rmSync(`/tmp/jit-${pid}.dump`, { force: true });
    for (const f of readdirSync('/tmp')) if (f.startsWith(`jitted-${pid}-`)) rmSync(join('/tmp', f), { force: true });
  });
  const injected = join(dir, 'perf.jit.data');
  const inj = spawnSync('perf', ['inject', '--jit', '-i', data, '-o', injected], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(inj.status, 0, inj.stderr);
  const rep = spawnSync('perf', ['report', '-i', injected, '--stdio', '--sort', 'dso,sym'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(rep.status, 0, rep.stderr);
  const top = rep.stdout.split('\n').filter((l) => /^\s+\d/.test(l))[0] ?? '';
  const dso = /(jitted-\d+-\d+\.so)\s+\[\.\] perfmap_hot_spin\s*$/.exec(top)?.[1];
  assert.ok(dso, `perf report's top entry is not the JIT's hot loop from the ELF perf inject made for it:\n${rep.stdout.slice(0, 2000)}`);
  // Line level: that function's samples fall on the loop's line (`perf script` on that DSO only: srclines of node's are slow to compute).
  const script = spawnSync('perf', ['script', '-i', injected, '--dsos', dso, '-F', 'ip,sym,srcline'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(script.status, 0, script.stderr);
  const srclines = script.stdout.split('\n').map((l) => l.trim()).filter((l) => /:\d+$/.test(l));
  const onLoop = srclines.filter((l) => /(^|\/)perfmap_hot\.c:9$/.test(l)).length;
  assert.ok(onLoop > srclines.length / 2, `the samples of perfmap_hot_spin are not on its loop line (perfmap_hot.c:9):\n${script.stdout.slice(0, 2000)}`);
});
