// The public types: profile names and aliases as a union from the registry, gfp masks as a
// template-literal type of the kernel's flag names, examples by name (test/fixtures/types.ts).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

test('tsc accepts the fixture: every @ts-expect-error there is an error', () => {
  const run = () => execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '--noEmit', '--strict', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--target', 'ES2022', '--skipLibCheck', '--types', 'node', 'test/fixtures/types.ts'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  expect(run).not.toThrow();
}, 120_000);
