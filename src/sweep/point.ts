// One sweep point: its scenario run in this thread, and the line it writes to the output.

import type { WasmBuild } from '../core/wasm.js';
import { runScenario } from '../scenario/runner.js';
import { InputError } from '../scenario/validate.js';
import type { System } from '../api/system.js';
import type { RunSummary } from '../report/summary.js';
import { pointMetrics, type Metrics } from './metrics.js';
import { pointScenario, type Coords, type Point, type Sweep } from './sweep.js';

/** What a worker needs of a sweep (structured-cloneable). */
export type SweepJob = Pick<Sweep, 'base' | 'baseName' | 'metrics' | 'allowLarge'> & { of: number };

/** One line of a sweep's output (JSON Lines): a point's coordinates and metrics, or why it could not run. */
export type PointLine = { point: number; of: number; coords: Coords; seed: number; ok?: boolean; metrics?: Metrics; error?: string };

/** Run a point and take its metrics. */
export async function runPoint(job: SweepJob, p: Point, build?: WasmBuild): Promise<PointLine> {
  const head = { point: p.index, of: job.of, coords: p.coords, seed: p.seed };
  try {
    const sc = pointScenario(job, p);
    // A point runs one machine (its variant): the metrics are taken in onFinish, while its system is not disposed yet.
    const variant = typeof p.coords.variant === 'string' ? p.coords.variant : undefined;
    let run: RunSummary | undefined;
    let metrics: Metrics | undefined;
    const res = await runScenario(sc, {
      variant, build, allowLarge: job.allowLarge, onRunEnd: (r) => void (run ??= r), onFinish: (s: System) => void (metrics ??= pointMetrics(run!, job.metrics, (f) => s.read(f))),
    });
    return { ...head, ok: res.ok, metrics };
  } catch (e) {
    if (e instanceof InputError || e instanceof Error) return { ...head, error: e.message };
    throw e;
  }
}

/** A line's JSON text (keys in a fixed order, so equal results are equal bytes). */
export function lineText(l: PointLine): string {
  const { point, of, coords, seed, ok, metrics, error } = l;
  return JSON.stringify(error === undefined ? { point, of, coords, seed, ok, metrics } : { point, of, coords, seed, error });
}
