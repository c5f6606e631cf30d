#!/usr/bin/env node
// The `hotlink` command: a thin launcher for the compiled CLI.
//
// Start-up (docs/ARCHITECTURE.md, "Start-up"): when the build made the
// one-file bundle dist/hotlink.bundle.cjs (scripts/bundle.mjs, run by
// `npm run build`) and it is not older than tsc's output, it is run (one file
// instead of ~45 modules). With HOTLINK_CODE_CACHE=1 it is compiled through a
// V8 code cache kept beside it (dist/hotlink.bundle.cjs.cache) — opt-in: such
// caches crashed Node 20's V8 when read back in CI (see loadBundle). The cache is written right after the bundle is compiled, before
// it runs; a cache made for another bundle file (its inode,
// size and ctime are stamped in it) or that V8 rejects (another V8, other
// flags) is rewritten. Otherwise the ES modules in dist/src
// are loaded as they are; HOTLINK_NO_BUNDLE=1 forces that.
//
// This file is CommonJS (bin/package.json): an ES module entry point would
// load Node's ES module loader, which the bundle does not need.
'use strict';
const { readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');
const bundle = join(dist, 'hotlink.bundle.cjs');

/** The bundle's exports, or undefined when there is no usable bundle. */
function loadBundle() {
  if (process.env.HOTLINK_NO_BUNDLE) return undefined;
  let stamp;
  try {
    const st = statSync(bundle);
    // tsc rewrites every output file: a bundle older than them was made from other code.
    if (st.mtimeMs < statSync(join(dist, 'src', 'cli', 'main.js')).mtimeMs) return undefined;
    // V8 checks only the source's length against a cache: the cache names the very file it was made from.
    stamp = `hotlink code cache ${st.ino} ${st.size} ${st.ctimeMs}\n`;
  } catch {
    return undefined;
  }
  const { Script } = require('node:vm');
  // Opt-in (HOTLINK_CODE_CACHE=1): in CI, hotlink commands started from a code cache of this bundle died
  // in V8's deserializer (SIGSEGV rehashing a scope's name table, Node 20.20) — with a cache made after
  // the link and again with one made right after the compile. Start-up speed never costs a crash.
  if (process.env.HOTLINK_CODE_CACHE !== '1') {
    const module = { exports: {} };
    new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`, { filename: bundle })
      .runInThisContext()(module.exports, createRequire(bundle), module, bundle, dist);
    return { main: module.exports.main };
  }
  const cachePath = `${bundle}.cache`;
  let cachedData;
  try {
    const file = readFileSync(cachePath);
    if (file.toString('latin1', 0, stamp.length) === stamp) cachedData = file.subarray(stamp.length);
  } catch {
    cachedData = undefined;
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`;
  const script = new Script(wrapper, { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // The cache is made right after the compile, before anything runs (what V8 has long supported). A
    // cache made after the command ran (holding every function it compiled) was faster to start from,
    // but one such cache crashed V8 when read back (a segfault rehashing a scope's name table while
    // deserializing, Node 20.20): start-up speed never costs a crash.
    try {
      const tmp = `${cachePath}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([Buffer.from(stamp, 'latin1'), script.createCachedData()]));
      renameSync(tmp, cachePath);
    } catch {
      // A read-only install: start without a cache.
    }
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dist);
  return { main: module.exports.main };
}

const bundled = loadBundle();
if (bundled) bundled.main(process.argv.slice(2));
else import('../dist/src/cli/main.js').then(({ main }) => main(process.argv.slice(2)));
