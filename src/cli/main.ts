#!/usr/bin/env node
// memcg-sim command line, the package's bin: the commands are in commands.ts.

import { runCli } from './commands.js';

// Output into a closed pipe (memcg-sim examples | head -1) ends quietly, as cat's would; a
// full disk (/dev/full) or another write error is one line and status 4, never a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    if (stream === process.stdout) process.stderr.write(`memcg-sim: cannot write the output: ${e.code ?? e.message}${e.code === 'ENOSPC' ? ' (no space left on the device)' : ''}\n`);
    process.exit(4);
  });
}

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code; // not process.exit: let a large --json output drain first
});
