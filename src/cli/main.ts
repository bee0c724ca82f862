#!/usr/bin/env node
// memcg-sim command line, the package's bin: the commands are in commands.ts.

import { runCli } from './commands.js';

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code; // not process.exit: let a large --json output drain first
});
