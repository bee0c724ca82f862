// The package users install: a LICENSE, the README's links resolving to files it ships,
// built files so no consumer rebuilds, no install script of its own, and no dev dependency's
// install script asking for approval (npm's allowScripts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { posix } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const packed: string[] = (JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }))[0].files as { path: string }[]).map((f) => f.path);

describe('npm pack', () => {
  test('ships the license, the built host and core, the schema and the docs', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(`${root}LICENSE`, 'utf8')).toMatch(/^MIT License\n/);
    for (const f of ['LICENSE', 'README.md', 'package.json', 'build/release.wasm', 'build/debug.wasm', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/src/browser.js', 'dist/src/cli/main.js', 'schema/scenario.schema.json', 'docs/scenarios.md']) {
      expect(packed, f).toContain(f);
    }
    expect(packed.some((f) => f.startsWith('test/') || f.startsWith('node_modules/'))).toBe(false);
  });

  test('every export and the bin point at a packed file', () => {
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)];
    for (const v of Object.values(pkg.exports as Record<string, string | Record<string, string>>)) targets.push(...(typeof v === 'string' ? [v] : Object.values(v)));
    for (const t of targets) expect(packed, t).toContain(t.replace(/^\.\//, ''));
  });

  test('no install-time script: a consumer never builds (prepack builds before packing)', () => {
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[s], s).toBeUndefined();
    expect(pkg.scripts.prepack).toBe('npm run build');
  });

  test("a dev dependency's install script is decided (esbuild's postinstall is not needed: its binary comes in @esbuild/*)", () => {
    expect(pkg.allowScripts).toEqual({ esbuild: false });
  });

  test.each(['README.md', ...packed.filter((f) => f.startsWith('docs/') && f.endsWith('.md'))])('the relative links of %s resolve in the package', (doc) => {
    const text = readFileSync(`${root}${doc}`, 'utf8');
    const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
    if (doc === 'README.md') expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(packed, `${doc} → ${l}`).toContain(posix.normalize(posix.join(posix.dirname(doc), l)));
  });
});
