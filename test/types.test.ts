// The public type surface of src/index.ts: this file must compile (tsc -p .
// builds it with the rest), and it names every type a TypeScript user of
// Jit's methods meets in their parameters and results.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as api from '../src/index.js';
import type {
  AddrToSym, AppendedSection, AppendItem, AppendResult, BatchResult, BatchStats, BodyInfo, CompileOptions, CPrototype, ErrorKind,
  FileReloadReport, IndirectionMode, JitOptions, LinkStats, ReloadOptions, ReloadReport, ReserveOptions, StaleCode, SymbolInfo, VariableChange,
} from '../src/index.js';
import type { Jit } from '../src/index.js';

// Each method's parameters and results are expressible with the exported names alone.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const checks: [
  Equal<Parameters<Jit['append']>[0], AppendItem[]>,
  Equal<Awaited<ReturnType<Jit['append']>>, AppendResult>,
  Equal<Parameters<Jit['reloadFile']>[1], ReloadOptions | undefined>,
  Equal<Awaited<ReturnType<Jit['reloadFile']>>, FileReloadReport>,
  Equal<ReturnType<Jit['rollback']>, ReloadReport>,
  Equal<Awaited<ReturnType<Jit['link']>>, LinkStats>,
  Equal<ReturnType<Jit['addrToSym']>, AddrToSym | undefined>,
  Equal<FileReloadReport['stale'][number], StaleCode>,
  Equal<FileReloadReport['variables'][number], VariableChange>,
  Equal<ReloadReport['new'], BodyInfo>,
  Equal<AppendResult['sections'][number], AppendedSection>,
  Equal<NonNullable<JitOptions['reserve']>, ReserveOptions>,
  Equal<NonNullable<JitOptions['indirection']>, IndirectionMode>,
  Equal<api.HotlinkError['kind'], ErrorKind>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true];

// Types with no method to derive them from: usable by name.
const unused: [BatchResult?, BatchStats?, CompileOptions?, CPrototype?, SymbolInfo?] = [];

test('the public surface: values exported from src/index.ts', () => {
  assert.ok(checks.every(Boolean) && unused.length === 0);
  for (const name of ['Jit', 'HotlinkError', 'CrashError', 'LinkSession', 'ElfObject', 'Archive', 'compileFiles', 'compileSource', 'parsePrototype', 'DEFAULT_RESERVE', 'PHASES']) {
    assert.ok(name in api, `${name} is exported`);
  }
  assert.ok(new api.CrashError('x', 11, []) instanceof api.HotlinkError);
  assert.deepEqual(api.parsePrototype('int twice(int)'), { text: 'int twice(int)', name: 'twice', ret: 'int', params: ['int'], variadic: false });
});
