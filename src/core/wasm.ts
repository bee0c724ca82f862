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

const modules = new Map<WasmBuild, WebAssembly.Module>();

// src/core/wasm.ts runs two levels below the package root, dist/src/core/wasm.js three.
function wasmPath(build: WasmBuild): string {
  for (const rel of [`../../build/${build}.wasm`, `../../../build/${build}.wasm`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new InternalError(`build/${build}.wasm not found: run "npm run build:wasm"`);
}

function compiled(build: WasmBuild): WebAssembly.Module {
  let m = modules.get(build);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(wasmPath(build)));
    modules.set(build, m);
  }
  return m;
}

/** Thrown from the core's abort import; the host turns it into InternalError + poison. */
export class CoreAbort extends Error {
  constructor(readonly where: string, message: string) {
    super(message);
  }
}

/** An AssemblyScript string of the core: UTF-16 code units, byte length stored just before the data. */
export function liftString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  const bytes = new Uint32Array(memory.buffer)[(ptr - 4) >>> 2];
  const units = new Uint16Array(memory.buffer, ptr, bytes >>> 1);
  return String.fromCharCode(...units);
}

/** A fresh core instance (one per system). */
export function instantiateCore(build: WasmBuild): Core {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        const m = memory!;
        throw new CoreAbort(`${liftString(m, file)}:${line}:${col}`, liftString(m, msg) || 'abort');
      },
    },
  };
  const instance = new WebAssembly.Instance(compiled(build), imports);
  const core = instance.exports as unknown as Core;
  memory = core.memory;
  return core;
}

/** The build tests and tools use: MEMCG_SIM_WASM=debug selects the debug build. */
export function defaultBuild(): WasmBuild {
  return process.env.MEMCG_SIM_WASM === 'debug' ? 'debug' : 'release';
}
