// node --import bench/yardstick/register.mjs …/perf-limit/wasm_run.ts: the yardstick's wasm run
// with the bench's system options (bench/workload.ts BENCH_OPTIONS), so that the two final-state
// dumps it compares differ only where the C port's work differs from the core's. wasm_run.ts
// imports the project's src/index.ts; hooks.mjs hands it config.ts instead, which is that module
// with createSystem taking BENCH_OPTIONS as defaults.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url, {
  data: {
    index: new URL('../../src/index.ts', import.meta.url).href,
    config: new URL('./config.ts', import.meta.url).href,
  },
});
