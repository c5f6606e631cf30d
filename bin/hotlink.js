#!/usr/bin/env node
// The `hotlink` command: a thin launcher for the compiled CLI.
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2));
