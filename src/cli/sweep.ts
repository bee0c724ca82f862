// The sweep, sweep merge and report commands.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { reportHtml, type ReportData, type SweepRow } from '../report/html.js';
import type { RunResult } from '../report/summary.js';
import { table } from '../report/text.js';
import { InputError } from '../scenario/validate.js';
import { canonical, loadSweep, type Sweep } from '../sweep/sweep.js';
import { csvPath, missing, readLines, shardPath, sortLines, writeSorted } from '../sweep/output.js';
import { defaultJobs } from '../sweep/pool.js';
import { runSweep } from '../sweep/run.js';
import { shardOf } from '../sweep/shard.js';
import type { PointLine } from '../sweep/point.js';
import { SweepProgress } from './progress.js';
import type { Io } from './commands.js';
import { UsageError } from './usage.js';

export type SweepArgs = {
  output?: string; jobs?: string; shard?: string; shards?: string; resume?: boolean; html?: string; sets: [string, unknown][]; allowLarge?: boolean;
};

/** More workers than this is a mistake (each is a thread with its own core instance). */
const MAX_JOBS = 1024;

const show = (v: unknown) => (typeof v === 'string' ? v : canonical(v));

/** memcg-sim sweep SWEEP.json: exit 0 done, 1 some points could not run, 130 (143) interrupted by SIGINT (SIGTERM). */
export async function sweepCommand(file: string, a: SweepArgs, io: Io): Promise<number> {
  const shard = shardOf(a.shard, a.shards);
  if (typeof shard === 'string') throw new UsageError(shard, 'sweep');
  const jobs = a.jobs === undefined ? defaultJobs() : /^\s*\d+\s*$/.test(a.jobs) ? Number(a.jobs) : NaN;
  if (!Number.isSafeInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) throw new UsageError(`--jobs ${a.jobs}: expected a number of workers 1..${MAX_JOBS}`, 'sweep');
  const sw = loadSweep(file, a.sets, { allowLarge: a.allowLarge });
  const base = a.output ?? `${sw.name}.jsonl`;
  const output = shard ? shardPath(base, shard.index, shard.count) : base;
  if (shard && shard.from !== '--shard') io.err(`memcg-sim: shard ${shard.index}/${shard.count} (from ${shard.from})`);
  const bar = io.tty ? new SweepProgress(io.tty, sw.name) : undefined;
  const t0 = performance.now();
  let res;
  try {
    res = await runSweep(sw, {
      output, jobs, shard, resume: a.resume, signal: io.signal,
      onPoint: (done, total, resumed) => bar?.update(done, total, resumed),
    });
  } finally {
    bar?.end();
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const n = res.points.length;
  const of = shard ? ` (shard ${shard.index}/${shard.count} of ${sw.points.length})` : '';
  if (res.interrupted) {
    io.err(`memcg-sim: interrupted: ${res.lines.length} of ${n} points done${of}, written to ${output} and ${csvPath(output)}; ` +
      `run the same command with --resume to run the other ${n - res.lines.length}`);
    return io.signalName?.() === 'SIGTERM' ? 143 : 130;
  }
  const resumed = res.resumed ? `, ${res.resumed} of them from the earlier run (--resume)` : '';
  io.out(`${sw.name}: ${n} points${of} in ${secs} s with ${plural(Math.min(jobs, Math.max(1, n - res.resumed)), 'worker')}${resumed} → ${output}, ${csvPath(output)}`);
  if (sw.metrics && res.lines.length <= 50) io.out(`\n${pointTable(sw, res.lines)}`);
  const bad = res.lines.filter((l) => l.error !== undefined);
  for (const l of bad.slice(0, 10)) io.err(`memcg-sim: point ${l.point} ${canonical(l.coords)}: ${l.error}`);
  if (bad.length > 10) io.err(`memcg-sim: … and ${bad.length - 10} more points with errors`);
  if (a.html) {
    writeFileSync(a.html, reportHtml(sweepData(sw.name, sw.description, res.lines, sw.axes)));
    io.out(`report: ${a.html}`);
  }
  return bad.length ? 1 : 0;
}

/** The points as a table: coordinates, ok and the metrics asked for. */
function pointTable(sw: Sweep, lines: PointLine[]): string {
  const keys = sw.axes.map((x) => x.key);
  for (const l of lines) for (const k of Object.keys(l.coords)) if (!keys.includes(k)) keys.push(k);
  const metrics = sw.metrics ?? [];
  return table(['point', ...keys, 'ok', ...metrics], lines.map((l) => [
    l.point, ...keys.map((k) => (l.coords[k] === undefined ? '' : show(l.coords[k]))), l.error ? 'error' : String(l.ok),
    ...metrics.map((m) => (l.metrics?.[m] === undefined ? '' : typeof l.metrics[m] === 'number' ? (l.metrics[m] as number) : String(l.metrics[m]))),
  ]));
}

/** The axes of sweep lines (their coordinate keys, and each key's values in point order). */
function axesOf(lines: SweepRow[]): { key: string; values: unknown[] }[] {
  const axes: { key: string; values: unknown[] }[] = [];
  for (const l of lines) {
    for (const [k, v] of Object.entries(l.coords)) {
      let a = axes.find((x) => x.key === k);
      if (!a) axes.push((a = { key: k, values: [] }));
      if (!a.values.some((x) => canonical(x) === canonical(v))) a.values.push(v);
    }
  }
  return axes;
}

function sweepData(title: string, description: string, lines: SweepRow[], axes = axesOf(lines)): ReportData {
  return { kind: 'sweep', title, description, axes: axes.map((a) => ({ key: a.key, values: a.values })), rows: lines };
}

/** memcg-sim sweep merge A.jsonl B.jsonl … -o ALL.jsonl: exit 0, or 1 when points are missing. */
export function mergeCommand(files: string[], a: { output?: string; html?: string }, io: Io): number {
  if (!files.length) throw new UsageError('sweep merge needs the shard outputs (sweep merge out-*.jsonl -o all.jsonl)', 'sweep merge');
  if (!a.output) throw new UsageError('sweep merge needs -o ALL.jsonl', 'sweep merge');
  const all = files.flatMap((f) => readLines(f));
  const ofs = [...new Set(all.map((l) => l.of))];
  if (ofs.length > 1) throw new InputError('sweep merge', [{ path: files.join(' '), message: `lines from sweeps of ${ofs.join(' and ')} points` }]);
  const lines = sortLines(all, 'sweep merge');
  writeSorted(a.output, lines);
  const gone = missing(lines, ofs[0] ?? 0);
  io.out(`${a.output}: ${lines.length} of ${ofs[0] ?? 0} points from ${files.length} files; ${csvPath(a.output)}`);
  if (a.html) {
    writeFileSync(a.html, reportHtml(sweepData(basename(a.output).replace(/\.jsonl$/, ''), '', lines)));
    io.out(`report: ${a.html}`);
  }
  if (gone.length) {
    io.err(`memcg-sim: ${gone.length} points missing: ${gone.slice(0, 20).join(', ')}${gone.length > 20 ? ', …' : ''} (a shard not run or not finished?)`);
    return 1;
  }
  return 0;
}

/** The report data of a run result, a sweep's lines or a compare result (by what the file holds). */
export function reportData(file: string): ReportData {
  if (!existsSync(file)) throw new InputError(file, [{ path: '(file)', message: 'no such file' }]);
  const text = readFileSync(file, 'utf8');
  const first = text.slice(0, text.indexOf('\n') >>> 0);
  let firstObj: unknown;
  try {
    firstObj = JSON.parse(first);
  } catch {
    // a pretty-printed JSON document: not a JSON Lines file
  }
  if (typeof firstObj === 'object' && firstObj !== null && 'point' in firstObj) {
    return sweepData(basename(file).replace(/\.jsonl$/, ''), '', sortLines(readLines(file), file));
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, [{ path: '(file)', message: `neither a run result (run --json) nor sweep output (JSON Lines): ${(e as Error).message}` }]);
  }
  if (typeof doc === 'object' && doc !== null && Array.isArray((doc as RunResult).runs)) {
    const r = doc as RunResult;
    return { kind: 'run', title: r.scenario, result: r };
  }
  throw new InputError(file, [{ path: '(file)', message: 'not a run result (run --json) or sweep output: compare results come with the compare command (issue #13), which is not there yet' }]);
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
