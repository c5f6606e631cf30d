// --perf-map, HOTLINK_PERF_MAP=1 and JitOptions.perfMap (src/perfmap.ts):
// every published batch appends `START SIZE name` lines (hex, no 0x) to
// /tmp/perf-PID.map, and the image is shared anonymous memory so that perf
// reads the map at all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Jit } from '../src/index.js';
import { hotlinkBin, perfUsable, repoRoot, runHotlink, tmpDir } from './helpers.js';

const PROGRAMS = join(repoRoot, 'test', 'programs');

interface MapLine {
  start: number;
  size: number;
  name: string;
}

function parseMap(text: string): MapLine[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/.exec(l);
      assert.ok(m, `perf map line '${l}' is not START SIZE name in hex without 0x`);
      return { start: parseInt(m[1]!, 16), size: parseInt(m[2]!, 16), name: m[3]! };
    });
}

/** Runs perfmap_pid.c; returns its output fields and the map it left (removed afterwards). */
function runPid(args: string[], env: Record<string, string> = {}): { out: Map<string, string>; map: string | undefined } {
  const r = runHotlink(['run', ...args, join(PROGRAMS, 'perfmap_pid.c')], { env });
  assert.equal(r.status, 0, r.stderr);
  const out = new Map(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
  const path = `/tmp/perf-${out.get('pid')}.map`;
  const map = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  rmSync(path, { force: true });
  return { out, map };
}

test('hotlink run --perf-map writes the program\'s functions at their addresses to /tmp/perf-PID.map', () => {
  const { out, map } = runPid(['--perf-map']);
  assert.equal(out.get('sum'), '286');
  assert.ok(map !== undefined, 'no /tmp/perf-PID.map');
  const lines = parseMap(map);
  const byName = new Map(lines.map((l) => [l.name, l]));
  for (const [name, key] of [['perfmap_work', 'work'], ['perfmap_helper', 'helper'], ['main', undefined]] as const) {
    const l = byName.get(name);
    assert.ok(l, `${name} missing from the map:\n${map}`);
    assert.ok(l.size > 0 && l.size < 0x1000, `${name}: size ${l.size}`);
    if (key) assert.equal(l.start, parseInt(out.get(key)!, 16), `${name}'s address`);
  }
  // Host calls go through stubs, named NAME@stub.
  assert.ok(lines.some((l) => l.name === 'printf@stub' || l.name === 'puts@stub'), map);
  // All of it is code of one image: within a few MiB of main.
  const main = byName.get('main')!.start;
  for (const l of lines) assert.ok(Math.abs(l.start - main) < 64 << 20, `${l.name} at ${l.start.toString(16)} is outside the image`);
  // perf only reads the map for anonymous memory: the code is not in the memfd mapping.
  assert.doesNotMatch(out.get('mapping') ?? '', /memfd/);
});

test('HOTLINK_PERF_MAP=1 turns the map on; without it there is none and the image is the memfd', () => {
  const on = runPid([], { HOTLINK_PERF_MAP: '1' });
  assert.ok(on.map && parseMap(on.map).some((l) => l.name === 'perfmap_work'), 'HOTLINK_PERF_MAP=1 wrote no map');
  const off = runPid([], { HOTLINK_PERF_MAP: '' });
  assert.equal(off.map, undefined, 'a map was written without --perf-map');
  assert.match(off.out.get('mapping') ?? '', /memfd:hotlink-image/);
});

test('Jit perfMap: the link, an append and a reload each add their lines; lookup agrees', async (t) => {
  delete process.env.HOTLINK_PERF_MAP;
  const path = `/tmp/perf-${process.pid}.map`;
  rmSync(path, { force: true });
  t.after(() => rmSync(path, { force: true }));
  const read = (): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

  // A Jit without the option writes nothing.
  const plain = new Jit({ indirection: 'exported-funcs' });
  plain.addSource('int pm_plain(int x) { return x + 1; }\n', 'plain.c');
  await plain.link();
  plain.free();
  assert.equal(read(), '');

  const jit = new Jit({ perfMap: true, indirection: 'exported-funcs' });
  t.after(() => jit.free());
  jit.addSource('static int pm_twice(int x) { return 2 * x; }\nint pm_foo(int x) { return pm_twice(x) + 1; }\n', 'foo.c');
  await jit.link();
  const afterLink = read();
  const lines = parseMap(afterLink);
  const find = (ls: MapLine[], name: string): MapLine => {
    const l = ls.find((x) => x.name === name);
    assert.ok(l, `${name} missing from the map:\n${ls.map((x) => x.name).join(' ')}`);
    return l;
  };
  const internal = [...jit.symbols({ internal: true })];
  const symAt = (name: string): number => internal.find((s) => s.name === name)!.address;
  // The entry is `pm_foo` (its lookup address), body 0 keeps its internal name.
  assert.equal(find(lines, 'pm_foo').start, jit.lookup('pm_foo'));
  assert.equal(find(lines, 'pm_foo$body$0').start, symAt('pm_foo$body$0'));
  assert.equal(find(lines, 'pm_twice').start, symAt('pm_twice'));
  assert.ok(lines.some((l) => l.name.startsWith('__hotlink_')), 'the runtime\'s functions are in the map too');

  const appended = await jit.append([{ source: 'int pm_bar(int x) { return x * 3; }\n', name: 'bar.c' }]);
  const afterAppend = read();
  assert.ok(afterAppend.startsWith(afterLink), 'the map is append-only');
  const added = parseMap(afterAppend.slice(afterLink.length));
  assert.equal(find(added, 'pm_bar').start, jit.lookup('pm_bar'));
  assert.equal(find(added, 'pm_bar').start, appended.symbols.find((s) => s.name === 'pm_bar')!.address);
  assert.ok(!added.some((l) => l.name === 'pm_foo'), 'an append repeats only its own functions');

  const report = await jit.reloadFunction('pm_foo', { source: 'static int pm_twice(int x) { return 2 * x; }\nint pm_foo(int x) { return pm_twice(x) + 2; }\n', name: 'foo.c' });
  assert.equal(jit.call('pm_foo', 'int(int)', 5), 12);
  const afterReload = read();
  assert.ok(afterReload.startsWith(afterAppend));
  const reloaded = parseMap(afterReload.slice(afterAppend.length));
  const body1 = find(reloaded, 'pm_foo$body$1');
  assert.deepEqual([body1.start, body1.size], [report.new.address, report.new.size]);
  assert.equal(report.new.body, 1);
});

test('perf record + perf report name the hot JIT function', { skip: perfUsable() }, (t) => {
  const dir = tmpDir(t);
  const data = join(dir, 'perf.data');
  const rec = spawnSync('perf', ['record', '-q', '-e', 'cpu-clock', '-o', data, '--', process.execPath, hotlinkBin, 'run', '--perf-map', join(PROGRAMS, 'perfmap_hot.c')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(rec.status, 0, rec.stderr);
  assert.match(rec.stdout, /done/);
  const rep = spawnSync('perf', ['report', '-i', data, '--stdio', '--sort', 'sym'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(rep.status, 0, rep.stderr);
  const top = rep.stdout.split('\n').filter((l) => /^\s+\d/.test(l))[0] ?? '';
  assert.match(top, /perfmap_hot_spin/, `perf report's top entry is not the JIT's hot function:\n${rep.stdout.slice(0, 2000)}`);
  // Remove the hotlink process's map: its pid is the busiest process of the record (comm = the program's name).
  const byPid = spawnSync('perf', ['report', '-i', data, '--stdio', '--sort', 'pid'], { encoding: 'utf8' }).stdout;
  const pid = /^\s+[\d.]+%\s+(\d+):/m.exec(byPid)?.[1];
  if (pid) rmSync(`/tmp/perf-${pid}.map`, { force: true });
});

test('hotlink dbg --perf-map: entries at the addresses the program sees, bodies as NAME$body$0', () => {
  const r = runHotlink(['dbg', '--perf-map', '--batch', '-ex', 'run', join(PROGRAMS, 'perfmap_pid.c')]);
  assert.equal(r.status, 0, r.stderr);
  const pid = /^pid (\d+)$/m.exec(r.stdout)?.[1];
  assert.ok(pid, r.stdout);
  const path = `/tmp/perf-${pid}.map`;
  const map = existsSync(path) ? readFileSync(path, 'utf8') : '';
  rmSync(path, { force: true });
  const lines = parseMap(map);
  const entry = lines.find((l) => l.name === 'perfmap_work');
  assert.ok(entry, map);
  assert.equal(entry.start, parseInt(/^work ([0-9a-f]+)$/m.exec(r.stdout)![1]!, 16));
  assert.ok(lines.some((l) => l.name === 'perfmap_work$body$0' && l.size > 0), map);
});
