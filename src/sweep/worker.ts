// A sweep worker thread: runs the points the pool sends, one at a time, and posts each line back.

import { parentPort, workerData } from 'node:worker_threads';
import type { WasmBuild } from '../core/wasm.js';
import type { Point } from './sweep.js';
import { runPoint, type SweepJob } from './point.js';

const { job, build } = workerData as { job: SweepJob; build?: WasmBuild };

parentPort!.on('message', (p: Point) => {
  runPoint(job, p, build).then(
    (line) => parentPort!.postMessage({ line }),
    (e: unknown) => parentPort!.postMessage({ fatal: (e as Error).stack ?? String(e), point: p.index }),
  );
});
