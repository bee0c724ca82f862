// What one sweep point reports: named values taken from its run. The names are generic over
// what a run produces: every scalar of the run summary by its path (sim.stockHits, clockMs,
// cgroups.db.events.oom, tasks.app.killed, and whatever later issues add to the summary,
// such as cost statistics), interface files read at the end (db/memory.peak,
// db/memory.events:oom), summaries of sampled series (max(db/memory.current), p99(…)),
// and the expectations (ok, failed, expect:<path>).

import type { RunSummary } from '../report/summary.js';
import { parseKey } from '../scenario/set.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Issue } from '../scenario/validate.js';

export type MetricValue = number | string | boolean | null;
export type Metrics = Record<string, MetricValue>;

/** Reducers over a sampled column. */
const REDUCERS: Record<string, (xs: number[]) => number> = {
  first: (xs) => xs[0],
  last: (xs) => xs[xs.length - 1],
  min: (xs) => xs.reduce((a, b) => Math.min(a, b)),
  max: (xs) => xs.reduce((a, b) => Math.max(a, b)),
  mean: (xs) => xs.reduce((a, b) => a + b, 0) / xs.length,
  p50: (xs) => quantile(xs, 0.5),
  p90: (xs) => quantile(xs, 0.9),
  p95: (xs) => quantile(xs, 0.95),
  p99: (xs) => quantile(xs, 0.99),
};

/** The nearest-rank quantile (the smallest value with at least q of the values at or below it). */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)];
}

/** Fields of the run summary that are not metrics: descriptions, wall-clock time, bulky lists. */
const NOT_METRICS = new Set(['variant', 'system', 'elapsedMs', 'phases', 'reads', 'samples', 'warnings', 'expectations', 'cgroups', 'tasks']);

const BARE = /^[A-Za-z0-9_$/-]+$/;
/** Segments → a key parseKey reads back: sim.stockHits, cgroups.svc/web.events.oom, cgroups["a.b"].usagePages. */
export function keyOf(segs: (string | number)[]): string {
  return segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : BARE.test(s) ? (i ? `.${s}` : s) : `[${JSON.stringify(s)}]`)).join('');
}

function flatten(v: unknown, segs: (string | number)[], out: Metrics): void {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[keyOf(segs)] = v;
  else if (typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) flatten(x, [...segs, k], out);
}

/** A sample column's numbers (a column that is not numeric gives none). */
function series(run: RunSummary, column: string): number[] | undefined {
  const xs: number[] = [];
  for (const s of run.samples) {
    const v = s.values[column];
    if (v === undefined) continue;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) return undefined;
    xs.push(n);
  }
  return xs.length ? xs : undefined;
}

/** Every value a run offers as a metric, by name (what a sweep reports when it names none). */
export function runMetrics(run: RunSummary): Metrics {
  const out: Metrics = {
    ok: run.expectations.every((e) => e.ok),
    failed: run.expectations.filter((e) => !e.ok).length,
  };
  for (const [k, v] of Object.entries(run)) if (!NOT_METRICS.has(k)) flatten(v, [k], out);
  for (const g of run.cgroups) {
    const { path: _, ...fields } = g;
    flatten(fields, ['cgroups', g.path], out);
  }
  for (const t of run.tasks) {
    const { name: _, ...fields } = t;
    flatten(fields, ['tasks', t.name], out);
  }
  out.warnings = run.warnings.length;
  for (const e of run.expectations) out[`expect:${e.path}`] = e.ok;
  const columns = new Set(run.samples.flatMap((s) => Object.keys(s.values)));
  for (const c of columns) {
    const xs = series(run, c);
    if (xs) {
      out[`max(${c})`] = REDUCERS.max(xs);
      out[`mean(${c})`] = REDUCERS.mean(xs);
    }
  }
  return out;
}

/** A metric name as a reducer over a sampled column: max(db/memory.current). */
function reducer(spec: string): { fn: string; column: string } | undefined {
  const m = /^([a-z0-9]+)\((.+)\)$/.exec(spec.trim());
  return m ? { fn: m[1], column: m[2] } : undefined;
}
/** A metric name as an interface file read at the end: db/memory.peak, memory.stat:anon. */
function fileMetric(spec: string): { file: string; key?: string } | undefined {
  const m = /^((?:.*\/)?(?:memory|cgroup)\.[A-Za-z0-9_.]+)(?::(\S+))?$/.exec(spec.trim());
  return m ? { file: m[1], key: m[2] } : undefined;
}

/** Check the metric names a sweep asks for against a point's scenario (before anything runs). */
export function checkMetrics(specs: string[], sc: Scenario, at: string): Issue[] {
  const issues: Issue[] = [];
  specs.forEach((spec, i) => {
    const path = `${at}[${i}]`;
    const r = reducer(spec);
    if (r) {
      if (!REDUCERS[r.fn]) issues.push({ path, message: `unknown reducer ${r.fn}() (known: ${Object.keys(REDUCERS).join(', ')})` });
      const file = r.column.replace(/:[^/]*$/, '');
      if (!sc.sample?.files.includes(file)) issues.push({ path, message: `${spec} needs ${file} in the scenario's sample.files (sampled: ${sc.sample?.files.join(', ') || 'nothing'})` });
      return;
    }
    const f = fileMetric(spec);
    if (f) {
      const slash = f.file.lastIndexOf('/');
      const cgroup = slash < 0 ? '' : f.file.slice(0, slash);
      if (!sc.paths.includes(cgroup)) issues.push({ path, message: `no cgroup "${cgroup}" in the scenario` });
      return;
    }
    const segs = parseKey(spec);
    if (typeof segs === 'string') issues.push({ path, message: segs });
  });
  return issues;
}

/**
 * The metrics named in specs (or every one, runMetrics, when specs is undefined); read(file)
 * reads an interface file of the run's system at the end. A name the run does not have is an
 * error (the names it has are listed).
 */
export function pointMetrics(run: RunSummary, specs: string[] | undefined, read: (file: string) => string): Metrics {
  const all = runMetrics(run);
  if (specs === undefined) return all;
  const out: Metrics = {};
  for (const spec of specs) {
    const r = reducer(spec);
    if (r) {
      const xs = series(run, r.column);
      if (!xs) throw new Error(`metric ${spec}: no numeric sample column "${r.column}" (columns: ${[...new Set(run.samples.flatMap((s) => Object.keys(s.values)))].join(', ')})`);
      out[spec] = REDUCERS[r.fn](xs);
      continue;
    }
    const f = fileMetric(spec);
    if (f) {
      const text = read(f.file);
      let v: string | undefined = text.replace(/\n$/, '');
      if (f.key !== undefined) v = text.split('\n').find((l) => l.split(' ')[0] === f.key)?.slice(f.key.length + 1);
      if (v === undefined) throw new Error(`metric ${spec}: ${f.file} has no line "${f.key}"`);
      out[spec] = /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
      continue;
    }
    const segs = parseKey(spec) as (string | number)[];
    const name = spec.startsWith('expect:') ? spec : keyOf(segs);
    if (!(name in all)) {
      const near = Object.keys(all).filter((k) => k.startsWith(String(segs[0]))).slice(0, 12);
      throw new Error(`metric ${spec}: the run has no such value${near.length ? ` (some it has: ${near.join(', ')})` : ''}`);
    }
    out[spec] = all[name];
  }
  return out;
}
