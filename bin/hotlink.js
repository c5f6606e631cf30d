#!/usr/bin/env node
// The `hotlink` command: a thin launcher for the compiled CLI.
//
// Start-up (docs/ARCHITECTURE.md, "Start-up"): when the build made the
// one-file bundle dist/hotlink.bundle.cjs (scripts/bundle.mjs, run by
// `npm run build`) and it is not older than tsc's output, it is compiled
// through a V8 code cache kept beside it (dist/hotlink.bundle.cjs.cache): a
// cold start then deserializes compiled functions instead of parsing ~45
// modules. The cache is written once the command has linked (so it holds the
// functions the link ran); V8 rejects a cache made for other source text or
// another V8, and it is then rewritten. Otherwise the ES modules in dist/src
// are loaded as they are; HOTLINK_NO_BUNDLE=1 forces that.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const bundle = join(dist, 'hotlink.bundle.cjs');

/** The bundle's exports, or undefined when there is no usable bundle. */
async function loadBundle() {
  if (process.env.HOTLINK_NO_BUNDLE) return undefined;
  try {
    // tsc rewrites every output file: a bundle older than them was made from other code.
    if (statSync(bundle).mtimeMs < statSync(join(dist, 'src', 'cli', 'main.js')).mtimeMs) return undefined;
  } catch {
    return undefined;
  }
  const { Script } = await import('node:vm');
  const cachePath = `${bundle}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`;
  const script = new Script(wrapper, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dist);
  if (cachedData !== undefined && !script.cachedDataRejected) return { main: module.exports.main };
  // Called by the CLI when the command's start-up work is done (after the link, before the program runs).
  const ready = () => {
    try {
      const tmp = `${cachePath}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cachePath);
    } catch {
      // A read-only install: start without a cache.
    }
  };
  return { main: module.exports.main, ready };
}

const bundled = await loadBundle();
if (bundled) bundled.main(process.argv.slice(2), { ready: bundled.ready });
else (await import('../dist/src/cli/main.js')).main(process.argv.slice(2));
