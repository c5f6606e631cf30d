// W^X: while JIT code runs, no page of the process is writable and
// executable at once; the code runs from an r-x view of the memfd image and
// the linker's RW alias is a separate mapping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { repoRoot, runHotlink } from './helpers.js';

test('no page of the image is writable and executable while JIT code runs', () => {
  const r = runHotlink(['run', path.join(repoRoot, 'test', 'programs', 'wx_maps.c')]);
  assert.match(r.stderr, /^\(outside the image, e\.g\. V8's code space: \d+\)\n$/);
  assert.match(r.stdout, /^main is in a r-xs mapping of the image$/m);
  assert.match(r.stdout, /^writable\+executable mappings of the image: 0$/m);
  assert.match(r.stdout, /^main runs from r-x: yes$/m);
  assert.match(r.stdout, /^image mappings: view and alias \(a view, an RW alias\)$/m);
  assert.equal(r.status, 0);
});
