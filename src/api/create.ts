// createSystem in Node: the core comes from the package (build/release.wasm, or the debug
// build). A browser or a bundler uses src/browser.ts (memcg-sim/core) and gives the wasm.

import { compiled, defaultBuild } from '../core/wasm.js';
import { checkOptions } from './options.js';
import { System, type SystemOptions } from './system.js';

/** Create a system: one emulated machine with its cgroup tree, CPUs and kernel profile. */
export async function createSystem(options: SystemOptions = {}): Promise<System> {
  checkOptions(options);
  return new System(options, compiled(options?.build ?? defaultBuild()));
}
