// What a run reports: per-cgroup observables read from the core, per-phase counters, and
// their renderings as text (the CLI's summary), JSON (the objects themselves) and CSV (the
// sampled time series).

import { PAGE_COUNTER_MAX } from './memparse.js';
import type { ReplayCounters } from './replayer.js';
import { mib, table } from './report.js';
import type { MemoryEvents, SimStats, System } from './system.js';

export type CgroupSummary = {
  path: string;
  usagePages: number;
  /** memory.peak (v2) / memory.max_usage_in_bytes (v1). */
  peakPages: number;
  /** null = no limit ("max"). */
  maxPages: number | null;
  /** v2 memory.high; null = "max" (and always in v1). */
  highPages: number | null;
  /** Charged pages cached in the CPUs' stocks (in no folio). */
  stockedPages: number;
  /** memory.failcnt (v1 only; null in v2, which has no failcnt file). */
  failcnt: number | null;
  /** memory.events (hierarchical). */
  events: MemoryEvents;
};

export type PhaseSummary = ReplayCounters & { name: string; path: string; sim: SimStats };
export type ExpectResult = { path: string; ok: boolean; check: string; actual: string };
export type Sample = { ops: number; phase: string; values: Record<string, string> };

export type RunSummary = {
  variant: string | null;
  system: { profile: string; cgroupVersion: number; nodes: number; cpus: number; seed: number };
  ops: number;
  elapsedMs: number;
  phases: PhaseSummary[];
  cgroups: CgroupSummary[];
  sim: SimStats;
  /** Stock hits per try_charge_memcg call (consume_stock succeeded); null without charges. */
  stockHitRate: number | null;
  reads: { path: string; ops: number; file: string; content: string }[];
  samples: Sample[];
  /** Writes the kernel refused (the workload goes on, as a shell script would). */
  warnings: { path: string; message: string }[];
  expectations: ExpectResult[];
};

export type RunResult = {
  scenario: string;
  description: string;
  /** Every expectation of every run holds. */
  ok: boolean;
  notes: string[];
  pageSize: number;
  runs: RunSummary[];
};

/** The summary rows of a system's cgroups (all but the root, or those listed). */
export function cgroupSummaries(sys: System, only?: string[]): CgroupSummary[] {
  const v1 = sys.cgroupVersion === 1;
  const lim = (p: number) => (p >= PAGE_COUNTER_MAX ? null : p);
  return (only ?? sys.list().filter((p) => p !== '')).map((path) => {
    const c = sys.counter(path);
    return {
      path, usagePages: c.usage, peakPages: c.watermark, maxPages: lim(c.max), highPages: v1 ? null : lim(c.high),
      stockedPages: sys.stockPages(path), failcnt: v1 ? c.failcnt : null, events: sys.events(path),
    };
  });
}

export function stockHitRate(sim: SimStats): number | null {
  return sim.charges > 0 ? sim.stockHits / sim.charges : null;
}

/** A file's text as sample columns: one per "key value" line, else the whole text. */
export function sampleColumns(file: string, text: string): [string, string][] {
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.length > 1 && lines.every((l) => /^\S+ \S+$/.test(l))) return lines.map((l) => [`${file}:${l.split(' ')[0]}`, l.split(' ')[1]]);
  return [[file, lines.join(' | ')]];
}

// ── text ─────────────────────────────────────────────────────────────────────────────────

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const errnos = (m: Record<string, number>) => Object.entries(m).map(([k, n]) => `${n} ${k}`).join(', ') || '0';

function phaseRows(r: RunSummary, variant: boolean): (string | number)[][] {
  return r.phases.map((p) => [
    ...(variant ? [r.variant ?? ''] : []), p.name, p.ops, p.charges, errnos(p.failed), p.uncharged,
    pct(stockHitRate(p.sim)), p.sim.stockEvictions, p.sim.counterLevels,
  ]);
}
const PHASE_HEAD = ['phase', 'ops', 'charges', 'failed', 'freed', 'stock hits', 'evictions', 'levels walked'];

function cgroupTable(r: RunSummary): string {
  const v1 = r.system.cgroupVersion === 1;
  const rows = r.cgroups.map((g) => [
    g.path, g.usagePages, mib(g.usagePages), mib(g.peakPages), mib(g.maxPages ?? PAGE_COUNTER_MAX),
    ...(v1 ? [] : [mib(g.highPages ?? PAGE_COUNTER_MAX)]), g.stockedPages, ...(v1 ? [g.failcnt ?? 0] : []),
    g.events.max, g.events.oom, g.events.oom_kill,
  ]);
  return table(['cgroup', 'pages', 'usage', 'peak', 'max', ...(v1 ? [] : ['high']), 'stocked', ...(v1 ? ['failcnt'] : []), 'max_ev', 'oom_ev', 'oom_kill'], rows);
}

function systemLine(r: RunSummary): string {
  const s = r.system;
  return `profile ${s.profile}, cgroup v${s.cgroupVersion}, ${s.nodes} node${s.nodes > 1 ? 's' : ''} × ${s.cpus / s.nodes} CPUs, seed ${s.seed}: ${r.ops} ops`;
}

function runText(r: RunSummary, variants: boolean): string[] {
  const st = r.sim;
  const out = [variants ? `── variant ${r.variant}: ${systemLine(r)}` : systemLine(r), ''];
  if (!variants) out.push(table(PHASE_HEAD, phaseRows(r, false)), '');
  if (r.cgroups.length) out.push(cgroupTable(r), '');
  out.push(
    `stock: ${st.stockHits} hits in ${st.charges} charges (${pct(stockHitRate(st))}), ${st.stockMisses} misses, ` +
      `${st.stockEvictions} evictions, ${st.drainAll} drain_all_stock calls; ${st.counterLevels} page_counter levels walked`,
  );
  const lost = r.phases.reduce((n, p) => n + p.lost, 0);
  if (lost) out.push(`${lost} folios the workload frees had been freed by the kernel already (reclaimed page cache)`);
  if (r.warnings.length) out.push('', 'refused writes:', ...r.warnings.map((w) => `  ${w.path}: ${w.message}`));
  for (const rd of r.reads) out.push('', `${rd.file} after ${rd.ops} ops (${rd.path}):`, ...rd.content.replace(/\n$/, '').split('\n').map((l) => `  ${l}`));
  if (r.expectations.length) {
    const failed = r.expectations.filter((e) => !e.ok).length;
    const n = r.expectations.length;
    out.push('', failed ? `expectations: ${failed} of ${n} FAILED` : n === 1 ? 'expectations: the one holds' : `expectations: all ${n} hold`);
    for (const e of r.expectations) out.push(`  ${e.ok ? 'ok  ' : 'FAIL'}  ${e.path}: ${e.check}${e.ok ? '' : ` (got ${e.actual})`}`);
  }
  return out;
}

/** The readable summary of a run. */
export function formatResult(res: RunResult): string {
  const variants = res.runs.length > 1 || res.runs[0]?.variant !== null;
  const out = [wrap(res.description ? `${res.scenario}: ${res.description}` : res.scenario), ''];
  if (res.notes.length) out.push(...res.notes.map((n) => `note: ${n}`), '');
  if (variants) out.push(table(['variant', ...PHASE_HEAD], res.runs.flatMap((r) => phaseRows(r, true))), '');
  res.runs.forEach((r, i) => out.push(...(i > 0 ? [''] : []), ...runText(r, variants)));
  return out.join('\n');
}

/** Break text into lines of at most width columns, at spaces. */
function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}

// ── CSV ──────────────────────────────────────────────────────────────────────────────────

const csvCell = (v: string | number) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));

/** The sampled time series of every run as CSV: variant, phase, ops, then one column per value. */
export function toCsv(res: RunResult): string {
  const cols: string[] = [];
  for (const r of res.runs) for (const s of r.samples) for (const k of Object.keys(s.values)) if (!cols.includes(k)) cols.push(k);
  const rows = res.runs.flatMap((r) => r.samples.map((s) => [r.variant ?? '', s.phase, s.ops, ...cols.map((c) => s.values[c] ?? '')]));
  return [['variant', 'phase', 'ops', ...cols], ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

