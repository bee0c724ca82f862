// A pool of worker_threads running sweep points: each worker takes the next point when it is
// free; lines come back as points finish (in any order: the output is sorted at the end). A
// point's result depends only on the point, never on the worker or the order.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
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
  /** Each point's timeline (the sweep benchmark's): which worker ran it, when, and its CPU time. */
  onTiming?: (t: PointTiming) => void;
};

/**
 * When a point ran: wall-clock ms (performance.timeOrigin-based, comparable across threads) of
 * the worker's creation, its modules loaded (on its first point only, with the thread's CPU time
 * until then), the point's start and end in the worker and its line received here; cpuMs is the
 * worker thread's CPU time for the point (NaN where /proc/thread-self is missing). The kernel
 * updates a running thread's schedstat at scheduler ticks and switches, so a point shorter than a
 * tick can show 0: sum the points for a total.
 */
export type PointTiming = { point: number; worker: number; spawned: number; ready?: number; readyCpuMs?: number; start: number; end: number; received: number; cpuMs: number };

/** Node options but the module loaders (--import tsx …): compiled JS needs none, and each costs a worker ~150 ms to start. */
export function withoutLoaders(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^(--import|--require|-r|--loader|--experimental-loader)(=.*)?$/.exec(argv[i]);
    if (!m) out.push(argv[i]);
    else if (m[2] === undefined) i++; // the value is the next argument
  }
  return out;
}

/**
 * The worker: the compiled worker.js, or, running from the sources without a build, a small
 * script that loads worker.ts through tsx's loader in the worker thread (slow to start).
 */
function newWorker(workerData: unknown): Worker {
  // Compiled: worker.js beside this file; from the sources with a build beside them (the tests): dist's.
  for (const rel of ['./worker.js', '../../dist/src/sweep/worker.js']) {
    const js = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData, execArgv: withoutLoaders(process.execArgv) });
  }
  // tsx/esm/api as an ES module (require.resolve finds its CommonJS twin beside it).
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const ts = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(api)}).then((t) => t.tsImport(${JSON.stringify(ts)}, ${JSON.stringify(ts)}));`, { eval: true, workerData });
}

export function defaultJobs(): number {
  return availableParallelism();
}

/** Run points on a pool; resolves when all are done (interrupted: false) or the signal aborted (true). */
export function runPool(job: SweepJob, points: Point[], opts: PoolOptions): Promise<{ interrupted: boolean }> {
  const n = Math.max(1, Math.min(opts.jobs ?? defaultJobs(), points.length));
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
    const start = (id: number) => {
      const spawned = performance.timeOrigin + performance.now();
      const w = newWorker({ job, build: opts.build });
      workers.add(w);
      w.on('message', (m: { line?: PointLine; fatal?: string; timing?: Omit<PointTiming, 'point' | 'worker' | 'spawned' | 'received'> }) => {
        if (settled) return;
        running--;
        if (m.fatal !== undefined) return finish(false, new Error(`sweep worker: ${m.fatal}`));
        const received = performance.timeOrigin + performance.now();
        opts.onLine(m.line!);
        opts.onTiming?.({ point: m.line!.point, worker: id, spawned, ...m.timing!, received });
        next(w);
      });
      w.on('error', (e) => finish(false, e));
      w.on('exit', (code) => {
        if (!settled && workers.has(w)) finish(false, new Error(`sweep worker exited with code ${code}`));
      });
      next(w);
    };
    for (let i = 0; i < n; i++) start(i);
  });
}
