// memcg-sim compare: the same workload on several configurations (profiles, topologies,
// variants), side by side, each column's change against the first.

import type { RunSummary } from './summary.js';
import { table } from './text.js';

export type CompareMetrics = {
  charges: number;
  failures: number;
  stockHitRate: number | null;
  levelsPerCharge: number;
  atomicsPerCharge: number | null;
  transfersPerCharge: number | null;
  cyclesPerCharge: number | null;
  cyclesPerOp: number | null;
  throughputOpsPerSec: number | null;
  stockedMaxPages: number;
  expectationsFailed: number;
};
export type CompareColumn = { name: string; profile: string; cpus: number; metrics: CompareMetrics; change: Partial<Record<keyof CompareMetrics, number | null>> };
export type CompareResult = { scenario: string; columns: CompareColumn[]; regression: { metric: 'throughputOpsPerSec'; worstPct: number } };

/** The metrics of one run (per charge = per try_charge_memcg call). */
export function compareMetrics(r: RunSummary): CompareMetrics {
  const s = r.sim;
  const c = r.cost;
  const charges = s.charges;
  const per = (x: number | undefined) => (x === undefined || charges === 0 ? null : x / charges);
  const ops = c ? Object.values(c.perOp).reduce((n, k) => n + k.ops, 0) : 0;
  const chargeOps = c ? c.perOp.charge.ops + c.perOp.skCharge.ops : 0;
  return {
    charges, failures: s.chargeFails, stockHitRate: charges ? s.stockHits / charges : null, levelsPerCharge: charges ? s.counterLevels / charges : 0,
    atomicsPerCharge: per(c?.atomics), transfersPerCharge: per(c?.transfers),
    cyclesPerCharge: c && chargeOps ? (c.perOp.charge.cycles + c.perOp.skCharge.cycles) / chargeOps : null,
    cyclesPerOp: c && ops ? c.cycles / ops : null, throughputOpsPerSec: c ? c.throughputOpsPerSec : null,
    stockedMaxPages: s.stockedMax, expectationsFailed: r.expectations.filter((e) => !e.ok).length,
  };
}

/** Columns with their change (in %) against the first. */
export function compareResult(scenario: string, runs: { name: string; run: RunSummary }[]): CompareResult {
  const cols = runs.map(({ name, run }) => ({ name, profile: run.system.profile, cpus: run.system.cpus, metrics: compareMetrics(run) }));
  const first = cols[0]?.metrics;
  const columns = cols.map((col) => {
    const change: CompareColumn['change'] = {};
    for (const k of Object.keys(col.metrics) as (keyof CompareMetrics)[]) {
      const a = first[k];
      const b = col.metrics[k];
      change[k] = typeof a === 'number' && typeof b === 'number' && a !== 0 ? (100 * (b - a)) / a : null;
    }
    return { ...col, change };
  });
  const worst = Math.max(0, ...columns.map((c) => -(c.change.throughputOpsPerSec ?? 0)));
  return { scenario, columns, regression: { metric: 'throughputOpsPerSec', worstPct: worst } };
}

export const COMPARE_ROWS: [keyof CompareMetrics, string, (v: number) => string][] = [
  ['charges', 'charges (try_charge_memcg)', (v) => String(v)],
  ['failures', 'failed charges', (v) => String(v)],
  ['stockHitRate', 'stock hit rate', (v) => `${(100 * v).toFixed(1)}%`],
  ['levelsPerCharge', 'page_counter levels / charge', (v) => v.toFixed(2)],
  ['atomicsPerCharge', 'LOCKed atomics / charge', (v) => v.toFixed(2)],
  ['transfersPerCharge', 'line transfers / charge', (v) => v.toFixed(2)],
  ['cyclesPerCharge', 'modelled cycles / charge', (v) => v.toFixed(0)],
  ['cyclesPerOp', 'modelled cycles / op', (v) => v.toFixed(0)],
  ['throughputOpsPerSec', 'modelled throughput (ops/s)', (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : `${(v / 1e3).toFixed(1)}k`)],
  ['stockedMaxPages', 'max pages in stocks', (v) => String(v)],
  ['expectationsFailed', 'expectations failed', (v) => String(v)],
];

/** The side-by-side table: one row per metric, each later column with its change. */
export function formatCompare(res: CompareResult): string {
  const head = ['metric', ...res.columns.map((c) => c.name)];
  const rows = COMPARE_ROWS.map(([k, label, fmt]) => [label, ...res.columns.map((c, i) => {
    const v = c.metrics[k];
    if (v === null) return '-';
    const ch = c.change[k];
    return i === 0 || ch === null || ch === undefined ? fmt(v) : `${fmt(v)} (${ch >= 0 ? '+' : ''}${ch.toFixed(1)}%)`;
  })]);
  return [`compare: ${res.scenario}`, '', table(head, rows)].join('\n');
}

export function compareCsv(res: CompareResult): string {
  const lines = [['metric', ...res.columns.flatMap((c) => [c.name, `${c.name} change %`])].join(',')];
  for (const [k] of COMPARE_ROWS) {
    lines.push([k, ...res.columns.flatMap((c) => [c.metrics[k] ?? '', c.change[k] === null || c.change[k] === undefined ? '' : c.change[k]!.toFixed(3)])].join(','));
  }
  return `${lines.join('\n')}\n`;
}
