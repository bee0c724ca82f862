// memcg-sim/core in a browser: src/browser.ts bundled by esbuild for the browser platform
// (no Node API may be reached), run in headless Debian chromium (playwright-core pointed at
// /usr/bin/chromium), given the release wasm as bytes, as a Response and as a compiled
// module; the page's observables equal the Node entry's for the same operations.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSystem } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);

/** The same operations in Node and in the page: what a user would observe. */
const OPS = `async (createSystem, wasm) => {
  const sys = await createSystem({ wasm, profile: 'multi', topology: { nodes: 1, cpusPerNode: 2 }, seed: 7 });
  sys.mkdir('a', { 'memory.max': '400K' });
  let code = null;
  try { for (;;) sys.charge({ cgroup: 'a', cpu: 0 }); } catch (e) { code = e.code; }
  let rejected = null;
  try { sys.uncharge(2 ** 32); } catch (e) { rejected = e.code + ' ' + e.name; }
  return { code, rejected, events: sys.read('a/memory.events'), current: sys.read('a/memory.current'), stock: sys.stock(0) };
}`;

/** The Node entry's createSystem with the page's arguments (it loads the package's wasm itself). */
const nodeCreate = ({ wasm: _, ...o }: Record<string, unknown>) => createSystem({ ...o, build: 'release' } as never);

let bundle = '';
beforeAll(async () => {
  const r = await esbuild({ entryPoints: [join(root, 'src/browser.ts')], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  bundle = r.outputFiles[0].text;
});

describe('the browser entry, bundled', () => {
  test('reaches no Node module', () => {
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(bundle).not.toMatch(/(from|import\(|require\()\s*["']node:/);
    expect(bundle).not.toMatch(/\bprocess\.(env|stdout|argv)/);
  });

  test('runs in Node given the wasm, like the default entry', async () => {
    const mod = await import(`data:text/javascript;base64,${Buffer.from(bundle).toString('base64')}`);
    const wasm = readFileSync(join(root, 'build/release.wasm'));
    const ops = eval(OPS);
    const viaCore = await ops(mod.createSystem, wasm);
    const viaNode = await ops(nodeCreate, wasm);
    expect(viaCore).toEqual(viaNode);
    await expect(mod.createSystem({})).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(mod.createSystem({ wasm: new Uint8Array([1, 2, 3]) })).rejects.toMatchObject({ code: 'EINVAL', message: /option wasm is not a memcg-sim core/ });
  });
});

describe.skipIf(!haveBrowser)(`headless chromium (${haveBrowser ? CHROMIUM : `skipped: no browser at ${CHROMIUM}`})`, () => {
  let profile = '';
  let context: import('playwright-core').BrowserContext;
  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'memcg-sim-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test.each(['bytes', 'Response', 'Module'])('createSystem({ wasm: %s }) gives the Node observables', async (kind) => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.setContent('<!doctype html><title>memcg-sim</title>');
    const wasm = readFileSync(join(root, 'build/release.wasm')).toString('base64');
    // A string, not a function: the test runner's transform must not touch the page's import().
    const got = await page.evaluate(`(async () => {
      const url = URL.createObjectURL(new Blob([${JSON.stringify(bundle)}], { type: 'text/javascript' }));
      const mod = await import(url);
      const bytes = Uint8Array.from(atob(${JSON.stringify(wasm)}), (c) => c.charCodeAt(0));
      const kind = ${JSON.stringify(kind)};
      const src = kind === 'bytes' ? bytes : kind === 'Response'
        ? new Response(bytes, { headers: { 'content-type': 'application/wasm' } })
        : await WebAssembly.compile(bytes);
      return { ua: navigator.userAgent, result: await (${OPS})(mod.createSystem, src) };
    })()`) as { ua: string; result: unknown };
    await page.close();
    expect(got.ua).toMatch(/HeadlessChrome|Chrome/);
    const node = await eval(OPS)(nodeCreate, null);
    expect(got.result).toEqual(node);
    expect(errors).toEqual([]);
  }, 60_000);
});
