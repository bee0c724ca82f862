// Loading the core in Node: compile the package's .wasm once per build kind.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InternalError } from './errors.js';

export type WasmBuild = 'release' | 'debug';

const modules = new Map<WasmBuild, WebAssembly.Module>();

// src/core/wasm.ts runs two levels below the package root, dist/src/core/wasm.js three.
function wasmPath(build: WasmBuild): string {
  for (const rel of [`../../build/${build}.wasm`, `../../../build/${build}.wasm`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new InternalError(`build/${build}.wasm not found: run "npm run build:wasm"`);
}

/** The package's compiled core of this build kind. */
export function compiled(build: WasmBuild): WebAssembly.Module {
  let m = modules.get(build);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(wasmPath(build)));
    modules.set(build, m);
  }
  return m;
}

/** The build tests and tools use: MEMCG_SIM_WASM=debug selects the debug build. */
export function defaultBuild(): WasmBuild {
  return process.env.MEMCG_SIM_WASM === 'debug' ? 'debug' : 'release';
}
