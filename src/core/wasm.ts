// Loading the core: compile the .wasm once per build kind, instantiate one per system.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InternalError } from './errors.js';

export type WasmBuild = 'release' | 'debug';

/** The raw exports of the core (assembly/index.ts); constants are WebAssembly.Global. */
export type Core = {
  memory: WebAssembly.Memory;
  [name: string]: unknown;
};

/**
 * '' = the core; 'cost' = the same core with the cost model compiled in (asc --use
 * COST_MODEL=1), loaded only for systems with costModel on, so that the others pay nothing.
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

function compiled(build: WasmBuild, variant: WasmVariant): WebAssembly.Module {
  const file = `${build}${variant ? `-${variant}` : ''}.wasm`;
  let m = modules.get(file);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(wasmPath(file)));
    modules.set(file, m);
  }
  return m;
}

/** Thrown from the core's abort import; the host turns it into InternalError + poison. */
export class CoreAbort extends Error {
  constructor(readonly where: string, message: string) {
    super(message);
  }
}

// AssemblyScript strings: UTF-16 code units, byte length stored just before the data.
function liftString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  const bytes = new Uint32Array(memory.buffer)[(ptr - 4) >>> 2];
  const units = new Uint16Array(memory.buffer, ptr, bytes >>> 1);
  return String.fromCharCode(...units);
}

/** A fresh core instance (one per system). */
export function instantiateCore(build: WasmBuild, variant: WasmVariant = ''): Core {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        const m = memory!;
        throw new CoreAbort(`${liftString(m, file)}:${line}:${col}`, liftString(m, msg) || 'abort');
      },
    },
  };
  const instance = new WebAssembly.Instance(compiled(build, variant), imports);
  const core = instance.exports as unknown as Core;
  memory = core.memory;
  return core;
}

/** The build tests and tools use: MEMCG_SIM_WASM=debug selects the debug build. */
export function defaultBuild(): WasmBuild {
  return process.env.MEMCG_SIM_WASM === 'debug' ? 'debug' : 'release';
}
