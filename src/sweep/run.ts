// Running a sweep (or one shard of it) into its output files: resume from what an earlier run
// wrote, run the rest on the worker pool, append lines as points finish, and sort the output
// (and write the CSV) when the run completes or is interrupted.

import { writeFileSync } from 'node:fs';
import { MemcgError } from '../core/errors.js';
import { bool, int, keys, obj, oneOf, show, str } from '../api/check.js';
import type { WasmBuild } from '../core/wasm.js';
import type { PointLine, SweepJob } from './point.js';
import { LineWriter, resumeFrom, sortLines, writeSorted } from './output.js';
import { runPool, type PointTiming } from './pool.js';
import type { Shard } from './shard.js';
import type { Point, Sweep } from './sweep.js';

export type SweepOptions = {
  /** The JSON Lines output (the CSV goes beside it). */
  output: string;
  jobs?: number;
  shard?: Shard;
  /** Keep the points already in the output and run only the others. */
  resume?: boolean;
  build?: WasmBuild;
  signal?: AbortSignal;
  /** After each point (for a progress bar): points done of this run's total, of which resumed were there at the start. */
  onPoint?: (done: number, total: number, resumed: number, line: PointLine) => void;
  /** Each point's timeline: its worker, when it ran, its CPU time (bench/sweep.bench.ts). */
  onTiming?: (t: PointTiming) => void;
};

export type SweepResult = {
  /** The points this run (or shard) is for, and their lines so far, by point. */
  points: Point[];
  lines: PointLine[];
  /** Points found in the output at the start (--resume). */
  resumed: number;
  interrupted: boolean;
};

/** The points of a shard (every n-th, from i). */
export function shardPoints(points: Point[], shard?: Shard): Point[] {
  return shard ? points.filter((p) => p.index % shard.count === shard.index) : points;
}

/** The options of runSweep, checked before any file is written (a typed EINVAL). */
function checkOptions(sw: unknown, opts: unknown): void {
  const s = obj('a sweep', sw);
  if (!Array.isArray(s.points) || typeof s.baseName !== 'string') throw new MemcgError('EINVAL', 'runSweep takes a sweep made by parseSweep or loadSweep');
  const o = obj('runSweep options', opts);
  keys('runSweep options', o, ['output', 'jobs', 'shard', 'resume', 'build', 'signal', 'onPoint', 'onTiming']);
  str('option output', o.output);
  if (o.jobs !== undefined) int('option jobs', o.jobs, 1, 1024);
  if (o.shard !== undefined) {
    const sh = obj('option shard', o.shard);
    const count = int('option shard.count', sh.count, 1, 1 << 30);
    int('option shard.index', sh.index, 0, count - 1);
  }
  if (o.resume !== undefined) bool('option resume', o.resume);
  if (o.build !== undefined) oneOf('option build', o.build, ['release', 'debug']);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new MemcgError('EINVAL', `option signal must be an AbortSignal, not ${show(o.signal)}`);
  for (const k of ['onPoint', 'onTiming'] as const) if (o[k] !== undefined && typeof o[k] !== 'function') throw new MemcgError('EINVAL', `option ${k} must be a function, not ${show(o[k])}`);
}

export async function runSweep(sw: Sweep, opts: SweepOptions): Promise<SweepResult> {
  checkOptions(sw, opts);
  const points = shardPoints(sw.points, opts.shard);
  const total = sw.points.length;
  const had = opts.resume ? resumeFrom(opts.output, points, total) : [];
  if (!opts.resume) writeFileSync(opts.output, '');
  const done = new Set(had.map((l) => l.point));
  const todo = points.filter((p) => !done.has(p.index));
  const lines = [...had];
  const w = new LineWriter(opts.output);
  const job: SweepJob = { base: sw.base, baseName: sw.baseName, metrics: sw.metrics, allowLarge: sw.allowLarge, of: total };
  let interrupted = false;
  if (todo.length) {
    ({ interrupted } = await runPool(job, todo, {
      jobs: opts.jobs, build: opts.build, signal: opts.signal, onTiming: opts.onTiming,
      onLine: (l) => {
        w.append(l);
        lines.push(l);
        opts.onPoint?.(lines.length, points.length, had.length, l);
      },
    }));
  }
  const sorted = sortLines(lines, opts.output);
  writeSorted(opts.output, sorted);
  return { points, lines: sorted, resumed: had.length, interrupted };
}
