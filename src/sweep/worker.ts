// A sweep worker thread: runs the points the pool sends, one at a time, and posts each line back
// with when it ran (for the pool's timeline: PointTiming).

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { WasmBuild } from '../core/wasm.js';
import type { Point } from './sweep.js';
import { runPoint, type SweepJob } from './point.js';

const { job, build } = workerData as { job: SweepJob; build?: WasmBuild };
const now = () => performance.timeOrigin + performance.now();
/** This thread's CPU time in ms (Linux: /proc/thread-self/schedstat), or NaN elsewhere. */
function cpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}
// The worker's modules are loaded (and the CPU time that took): sent with the first point.
let boot: { ready: number; readyCpuMs: number } | undefined = { ready: now(), readyCpuMs: cpuMs() };

parentPort!.on('message', (p: Point) => {
  const start = now();
  const cpu0 = cpuMs();
  runPoint(job, p, build).then(
    (line) => {
      parentPort!.postMessage({ line, timing: { ...boot, start, end: now(), cpuMs: cpuMs() - cpu0 } });
      boot = undefined;
    },
    (e: unknown) => parentPort!.postMessage({ fatal: (e as Error).stack ?? String(e), point: p.index }),
  );
});
