// Compile the host once before the suite: tests that start the CLI in a child process, and the
// sweep pool's worker threads, run the compiled dist/ (the package's bin), not the sources.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'inherit' });
}
