// The command line's own behaviour: help for every command, usage errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runHotlink } from './helpers.js';

test('hotlink --help and every subcommand\'s --help print usage and exit 0', () => {
  const top = runHotlink(['--help']);
  assert.equal(top.status, 0);
  assert.match(top.stdout, /^usage: hotlink run/m);
  assert.match(top.stdout, /hotlink COMMAND --help/);
  for (const [cmd, first] of [['run', /^usage: hotlink run /], ['dbg', /^usage: hotlink dbg /]] as const) {
    for (const flag of ['--help', '-h']) {
      const r = runHotlink([cmd, flag]);
      assert.equal(r.status, 0, `${cmd} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, first);
      assert.equal(r.stderr, '');
    }
  }
  assert.match(runHotlink(['dbg', '--help']).stdout, /--batch/);
  assert.match(runHotlink(['run', '--help']).stdout, /--reserve-rx SIZE/);
});

test('an unknown option names itself and points at --help', () => {
  const r = runHotlink(['run', '--bogus', 'x.c']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown option '--bogus' \(hotlink run --help lists the options\)/);
});

test('--help after -- is the program\'s argument', () => {
  const r = runHotlink(['run', 'examples/hello.c', '--', '--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /^usage: hotlink/);
});
