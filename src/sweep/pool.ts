// A pool of worker_threads running sweep points: each worker takes the next point when it is
// free; lines come back as points finish (in any order: the output is sorted at the end). A
// point's result depends only on the point, never on the worker or the order.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WasmBuild } from '../core/wasm.js';
import type { Point } from './sweep.js';
import type { PointLine, SweepJob } from './point.js';

export type PoolOptions = {
  /** Worker threads (default: the available parallelism). */
  jobs?: number;
  build?: WasmBuild;
  /** Aborting stops the sweep: no new point starts, the running ones are dropped. */
  signal?: AbortSignal;
  onLine: (line: PointLine) => void;
};

/** The worker script: the compiled worker.js beside this file, or (running from the sources) worker.ts through tsx. */
function workerScript(): { url: URL; execArgv: string[] } {
  const js = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js, execArgv: [] };
  return { url: new URL('./worker.ts', import.meta.url), execArgv: ['--import', 'tsx'] };
}

export function defaultJobs(): number {
  return availableParallelism();
}

/** Run points on a pool; resolves when all are done (interrupted: false) or the signal aborted (true). */
export function runPool(job: SweepJob, points: Point[], opts: PoolOptions): Promise<{ interrupted: boolean }> {
  const n = Math.max(1, Math.min(opts.jobs ?? defaultJobs(), points.length));
  const { url, execArgv } = workerScript();
  const queue = [...points];
  const workers = new Set<Worker>();
  let running = 0;
  return new Promise((resolvePool, rejectPool) => {
    let settled = false;
    const finish = (interrupted: boolean, err?: Error) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      const all = [...workers];
      workers.clear();
      Promise.all(all.map((w) => w.terminate())).then(() => (err ? rejectPool(err) : resolvePool({ interrupted })), rejectPool);
    };
    const onAbort = () => finish(true);
    if (opts.signal?.aborted) return finish(true);
    opts.signal?.addEventListener('abort', onAbort);

    const next = (w: Worker) => {
      const p = queue.shift();
      if (p === undefined) {
        workers.delete(w);
        void w.terminate();
        if (running === 0 && !settled) finish(false);
        return;
      }
      running++;
      w.postMessage(p);
    };
    const start = () => {
      const w = new Worker(url, { workerData: { job, build: opts.build }, execArgv });
      workers.add(w);
      w.on('message', (m: { line?: PointLine; fatal?: string }) => {
        if (settled) return;
        running--;
        if (m.fatal !== undefined) return finish(false, new Error(`sweep worker: ${m.fatal}`));
        opts.onLine(m.line!);
        next(w);
      });
      w.on('error', (e) => finish(false, e));
      w.on('exit', (code) => {
        if (!settled && workers.has(w)) finish(false, new Error(`sweep worker exited with code ${code}`));
      });
      next(w);
    };
    for (let i = 0; i < n; i++) start();
  });
}
