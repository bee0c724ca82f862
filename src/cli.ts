#!/usr/bin/env node
// memcg-sim command line.

import { EXAMPLES } from './examples.js';
import { MemcgError } from './errors.js';

const USAGE = `usage:
  memcg-sim examples                 list the built-in examples
  memcg-sim run --example NAME       run a built-in example`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'examples') {
    for (const e of EXAMPLES) console.log(`${e.name.padEnd(14)} ${e.summary}`);
    return 0;
  }
  if (cmd === 'run' && rest[0] === '--example') {
    const ex = EXAMPLES.find((e) => e.name === rest[1]);
    if (!ex) {
      console.error(`memcg-sim: no example "${rest[1] ?? ''}" (known: ${EXAMPLES.map((e) => e.name).join(', ')})`);
      return 2;
    }
    console.log(await ex.run());
    return 0;
  }
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof MemcgError ? `memcg-sim: ${e.message}` : e);
    process.exit(e instanceof MemcgError ? 1 : 3);
  },
);
