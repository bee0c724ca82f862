// Loading the core in Node: compile the package's .wasm once per build kind.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InternalError } from './errors.js';

export type WasmBuild = 'release' | 'debug';

/**
 * '' = the core; 'cost' = the same core with the cost model compiled in (asc --use
 * COST_MODEL=1: build/release-cost.wasm), loaded only for systems with costModel on, so that
 * the others run without it.
 */
export type WasmVariant = '' | 'cost';

const modules = new Map<string, WebAssembly.Module>();

// src/core/wasm.ts runs two levels below the package root, dist/src/core/wasm.js three.
function wasmPath(file: string): string {
  for (const rel of [`../../build/${file}`, `../../../build/${file}`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new InternalError(`build/${file} not found: run "npm run build:wasm"`);
}

/** The package's compiled core of this build kind (and variant). */
export function compiled(build: WasmBuild, variant: WasmVariant = ''): WebAssembly.Module {
  const file = `${build}${variant ? `-${variant}` : ''}.wasm`;
  let m = modules.get(file);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(wasmPath(file)));
    modules.set(file, m);
  }
  return m;
}

/** The build tests and tools use: MEMCG_SIM_WASM=debug selects the debug build. */
export function defaultBuild(): WasmBuild {
  return process.env.MEMCG_SIM_WASM === 'debug' ? 'debug' : 'release';
}
