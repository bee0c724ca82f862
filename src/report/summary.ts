// What a run reports: per-cgroup observables read from the core, per-phase counters, and
// their renderings as text (the CLI's summary), JSON (the objects themselves) and CSV (the
// sampled time series).

import { PAGE_COUNTER_MAX } from '../cgroupfs/memparse.js';
import type { ReplayCounters, Replayer } from '../trace/replayer.js';
import { mib, table } from './text.js';
import type { MemoryEvents, SimStats, System, TaskInfo } from '../api/system.js';

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
  /** Time the tasks in it or below slept in memory.high throttling (a killed task counts where it was killed). */
  throttledMs: number;
};

/** A task of the run: System.task's view, where it is (or was when it was killed), its charges and moves not run once killed (dead). */
export type TaskSummary = Omit<TaskInfo, 'id' | 'cgroup'> & { name: string; cgroup: string; dead: number };

export type PhaseSummary = ReplayCounters & { name: string; path: string; sim: SimStats };
export type ExpectResult = { path: string; ok: boolean; check: string; actual: string };
/** The sampled files after `ops` records, at simulated time `ms`. */
export type Sample = { ops: number; ms: number; phase: string; values: Record<string, string> };

export type RunSummary = {
  variant: string | null;
  system: { profile: string; cgroupVersion: number; nodes: number; cpus: number; seed: number };
  /** The sampled rows (empty when they were streamed: RunOptions.onSample). */
  samples: Sample[];
  ops: number;
  /** Simulated time at the end (waits and memory.high throttling). */
  clockMs: number;
  /** Wall-clock time of the run, only when asked for (--timing): the rest is the same for the same inputs. */
  elapsedMs?: number;
  phases: PhaseSummary[];
  cgroups: CgroupSummary[];
  tasks: TaskSummary[];
  sim: SimStats;
  /** Stock hits per try_charge_memcg call (consume_stock succeeded); null without charges. */
  stockHitRate: number | null;
  reads: { path: string; ops: number; file: string; content: string }[];
  /** Writes the kernel refused (the workload goes on, as a shell script would). */
  warnings: { path: string; message: string }[];
  expectations: ExpectResult[];
  /** Stopped before the end (a signal): what ran so far. */
  interrupted?: true;
};

export type RunResult = {
  scenario: string;
  description: string;
  notes: string[];
  pageSize: number;
  runs: RunSummary[];
  /** Every expectation of every run holds (and no run was interrupted). */
  ok: boolean;
  /** Present when the run could be interrupted (the CLI): whether it was. */
  interrupted?: boolean;
};

/** The summary rows of a system's cgroups (all but the root, or those listed). */
export function cgroupSummaries(sys: System, only: string[] | undefined, tasks: TaskSummary[]): CgroupSummary[] {
  const v1 = sys.cgroupVersion === 1;
  const lim = (p: number) => (p >= PAGE_COUNTER_MAX ? null : p);
  return (only ?? sys.list().filter((p) => p !== '' && sys.hasMemory(p))).map((path) => {
    const c = sys.counter(path);
    const below = tasks.filter((t) => t.cgroup === path || t.cgroup.startsWith(`${path}/`));
    return {
      path, usagePages: c.usage, peakPages: c.watermark, maxPages: lim(c.max), highPages: v1 ? null : lim(c.high),
      stockedPages: sys.stockPages(path), failcnt: v1 ? c.failcnt : null, events: sys.events(path),
      throttledMs: below.reduce((ms, t) => ms + t.throttledMs, 0),
    };
  });
}

/** The replayed tasks as the core shows them now. */
export function taskSummaries(sys: System, r: Replayer): TaskSummary[] {
  return r.tasks.map((t) => {
    const { id: _, cgroup: __, ...info } = sys.task(t.id);
    return { name: t.name, cgroup: r.paths[t.cgroup], ...info, dead: t.dead };
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
const errnos = (m: Record<string, number>) => Object.entries(m).map(([k, n]) => (k === 'ELIMIT' ? `${n} over maxFolios` : `${n} ${k}`)).join(', ') || '0';

/** 850 → "850 ms", 12345 → "12.3 s". */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The phase table: touches and dead ops only when some phase has them. */
function phaseTable(runs: RunSummary[], variant: boolean): string {
  const phases = runs.flatMap((r) => r.phases);
  const touches = phases.some((p) => p.touches > 0);
  const dead = phases.some((p) => p.dead > 0);
  const rows = runs.flatMap((r) => r.phases.map((p) => [
    ...(variant ? [r.variant ?? ''] : []), p.name, p.ops, p.charges, errnos(p.failed), p.uncharged,
    ...(touches ? [`${p.touches}${Object.keys(p.touchFailed).length ? ` (${errnos(p.touchFailed)})` : ''}`] : []), ...(dead ? [p.dead] : []),
    pct(stockHitRate(p.sim)), p.sim.stockEvictions, p.sim.counterLevels,
  ]));
  return table([
    ...(variant ? ['variant'] : []), 'phase', 'ops', 'charges', 'failed', 'freed', ...(touches ? ['touches'] : []), ...(dead ? ['dead ops'] : []),
    'stock hits', 'evictions', 'levels walked',
  ], rows);
}

/** The cgroup table: low/high events and throttled time only when some cgroup has them. */
function cgroupTable(r: RunSummary): string {
  const v1 = r.system.cgroupVersion === 1;
  const low = r.cgroups.some((g) => g.events.low > 0);
  const high = r.cgroups.some((g) => g.events.high > 0);
  const throttled = r.cgroups.some((g) => g.throttledMs > 0);
  const rows = r.cgroups.map((g) => [
    g.path, g.usagePages, mib(g.usagePages), mib(g.peakPages), mib(g.maxPages ?? PAGE_COUNTER_MAX),
    ...(v1 ? [] : [mib(g.highPages ?? PAGE_COUNTER_MAX)]), g.stockedPages, ...(v1 ? [g.failcnt ?? 0] : []),
    ...(low ? [g.events.low] : []), ...(high ? [g.events.high] : []), g.events.max, g.events.oom, g.events.oom_kill,
    ...(throttled ? [duration(g.throttledMs)] : []),
  ]);
  return table([
    'cgroup', 'pages', 'usage', 'peak', 'max', ...(v1 ? [] : ['high']), 'stocked', ...(v1 ? ['failcnt'] : []),
    ...(low ? ['low_ev'] : []), ...(high ? ['high_ev'] : []), 'max_ev', 'oom_ev', 'oom_kill', ...(throttled ? ['throttled'] : []),
  ], rows);
}

function taskTable(r: RunSummary): string {
  const rows = r.tasks.map((t) => [
    t.name, t.cgroup, t.oomScoreAdj, t.anonPages, t.swapEntries, duration(t.throttledMs),
    t.killed ? 'OOM-killed' : t.alive ? 'alive' : 'exited', t.dead,
  ]);
  return table(['task', 'cgroup', 'oom_score_adj', 'anon', 'swap', 'throttled', 'state', 'dead ops'], rows);
}

function systemLine(r: RunSummary): string {
  const s = r.system;
  const time = r.clockMs > 0 ? `, ${duration(r.clockMs)} simulated` : '';
  return `profile ${s.profile}, cgroup v${s.cgroupVersion}, ${s.nodes} node${s.nodes > 1 ? 's' : ''} × ${s.cpus / s.nodes} CPUs, seed ${s.seed}: ${r.ops} ops${time}`;
}

function runText(r: RunSummary, variants: boolean): string[] {
  const st = r.sim;
  const out = [variants ? `── variant ${r.variant}: ${systemLine(r)}` : systemLine(r), ''];
  if (!variants) out.push(phaseTable([r], false), '');
  if (r.cgroups.length) out.push(cgroupTable(r), '');
  if (r.tasks.length) out.push(taskTable(r), '');
  out.push(
    `stock: ${st.stockHits} hits in ${st.charges} charges (${pct(stockHitRate(st))}), ${st.stockMisses} misses, ` +
      `${st.stockEvictions} evictions, ${st.drainAll} drain_all_stock calls; ${st.counterLevels} page_counter levels walked`,
  );
  const limited = r.phases.reduce((n, p) => n + (p.failed.ELIMIT ?? 0), 0);
  if (limited) out.push(`${limited} charges failed because the emulator's folio table was full: an emulator limit, not a kernel error (raise system.maxFolios)`);
  const lost = r.phases.reduce((n, p) => n + p.lost, 0);
  if (lost) out.push(`${lost} frees and touches found their folio freed by the kernel already (page cache reclaimed, pages of OOM-killed tasks)`);
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
  if (res.interrupted) out.push('INTERRUPTED: the run stopped early; what follows is what ran until then', '');
  if (res.notes.length) out.push(...res.notes.map((n) => `note: ${n}`), '');
  if (variants) out.push(phaseTable(res.runs, true), '');
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
/** One CSV line. */
export const csvRow = (row: (string | number)[]) => row.map(csvCell).join(',');
/** The CSV header for these sample columns. */
export const sampleHeader = (cols: string[]) => ['variant', 'phase', 'ops', 'ms', ...cols];

/** The sampled time series of every run as CSV: variant, phase, ops, ms (simulated time), then one column per value. */
export function toCsv(res: RunResult): string {
  const cols: string[] = [];
  for (const r of res.runs) for (const s of r.samples) for (const k of Object.keys(s.values)) if (!cols.includes(k)) cols.push(k);
  const rows = res.runs.flatMap((r) => r.samples.map((s) => [r.variant ?? '', s.phase, s.ops, s.ms, ...cols.map((c) => s.values[c] ?? '')]));
  return [sampleHeader(cols), ...rows].map(csvRow).join('\n') + '\n';
}
