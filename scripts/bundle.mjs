// Start-up bundle: the `hotlink` command's modules (dist/src/**, built by tsc)
// as one CommonJS file, dist/hotlink.bundle.cjs, so a cold start reads and
// compiles one file instead of ~45 ES modules. bin/hotlink.js loads it through
// a V8 code cache when it is present (see docs/ARCHITECTURE.md, "Start-up");
// without it (esbuild missing) the launcher falls back to dist/src/cli/main.js.
// koffi's JavaScript is bundled too, with two changes that keep its behaviour:
// its native addon is required from node_modules by a path relative to dist/,
// and the 'https' and 'zlib' modules it requires at load time (only its
// download-a-prebuilt code uses them) are loaded on first use instead.
//
// Run by `npm run build` / `prepare` after tsc.

import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'hotlink.bundle.cjs');
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // A production install without devDependencies: the unbundled modules work the same, only slower to start.
  console.warn('bundle: esbuild is not installed; bin/hotlink.js will load dist/src/cli/main.js');
  rmSync(out, { force: true });
  process.exit(0);
}
const entry = join(root, 'dist', 'src', 'cli', 'main.js');
const koffiDir = dirname(createRequire(entry).resolve('koffi/package.json'));
const inKoffi = (importer) => importer.startsWith(koffiDir + '/');
const koffiPlugin = {
  name: 'koffi',
  setup(build) {
    build.onResolve({ filter: /\.node$/ }, (args) => (inKoffi(args.importer) ? { path: `./${relative(dirname(out), join(args.resolveDir, args.path))}`, external: true } : undefined));
    build.onResolve({ filter: /^(https|zlib)$/ }, (args) => (inKoffi(args.importer) ? { path: args.path, namespace: 'lazy-builtin' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `let m; module.exports = new Proxy({}, { get: (_, key) => (m ??= require('node:${args.path}'))[key] });`,
      loader: 'js',
    }));
  },
};
if (!existsSync(entry)) throw new Error(`bundle: ${entry} missing (run tsc first)`);
await esbuild.build({
  entryPoints: [entry],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  plugins: [koffiPlugin],
  // iced-x86 (the disassembler, loaded on first use) reads its .wasm beside its own JavaScript: it stays in
  // node_modules, required when first used (no import(): a vm.Script, as bin/hotlink.js runs the bundle, has none).
  external: ['iced-x86'],
  supported: { 'dynamic-import': false },
  // The modules' own location (src/runtime/runtime.ts finds the runtime's C sources from it): as if unbundled.
  define: { 'import.meta.url': '__hotlinkModuleUrl' },
  banner: { js: "var __hotlinkModuleUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, 'src', 'runtime', 'runtime.js')).href;" },
  logLevel: 'warning',
});
// A code cache made for an older bundle is useless: drop it (bin/hotlink.js also checks V8's rejection).
rmSync(`${out}.cache`, { force: true });
