// The project's API as the C yardstick's wasm run sees it (register.mjs): createSystem with the
// bench's options as defaults, everything else unchanged.
import * as api from '../../src/index.js';
import { BENCH_OPTIONS } from '../workload.js';

export * from '../../src/index.js';
export const createSystem: typeof api.createSystem = (o) => api.createSystem({ ...BENCH_OPTIONS, ...o });
