// memcg-sim/core: the emulator without Node — for a browser or any bundler. The same System
// as the Node entry; createSystem takes the core's wasm (the package's build/release.wasm)
// as bytes, a fetch Response (or its promise) or a compiled WebAssembly.Module:
//
//   import { createSystem } from 'memcg-sim/core';
//   const sys = await createSystem({ wasm: fetch(new URL('memcg-sim/build/release.wasm', import.meta.url)) });

import { compileCore, type WasmSource } from './core/instance.js';
import { MemcgError } from './core/errors.js';
import { checkOptions } from './api/options.js';
import { System, type SystemOptions } from './api/system.js';

export * from './api/surface.js';

/** Create a system on the core given as wasm (build/release.wasm of the package). */
export async function createSystem(options: SystemOptions & { wasm: WasmSource }): Promise<System> {
  if (typeof options !== 'object' || options === null || options.wasm === undefined) {
    throw new MemcgError('EINVAL', 'createSystem of memcg-sim/core needs { wasm }: the bytes, a Response or a WebAssembly.Module of build/release.wasm');
  }
  const { wasm, ...rest } = options;
  checkOptions(rest);
  let module: WebAssembly.Module;
  try {
    module = await compileCore(wasm);
  } catch (e) {
    throw new MemcgError('EINVAL', `option wasm is not a memcg-sim core: ${(e as Error).message}`);
  }
  return new System(rest, module);
}
