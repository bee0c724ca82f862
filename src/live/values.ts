// What both sides of a live run observe, in one shape: at every checkpoint the same interface
// files (split into one value per key), the tasks, the results of the writes, and the usage of
// the op's cgroup after every workload op.

import type { Plan } from './plan.js';

/** Exact files (page counters, settings, events), read at a checkpoint as they are. */
const V1_EXACT = [
  'memory.usage_in_bytes', 'memory.max_usage_in_bytes', 'memory.failcnt', 'memory.limit_in_bytes', 'memory.soft_limit_in_bytes',
  'memory.swappiness', 'memory.oom_control', 'memory.use_hierarchy', 'memory.move_charge_at_immigrate',
];
const V1_MEMSW = ['memory.memsw.usage_in_bytes', 'memory.memsw.max_usage_in_bytes', 'memory.memsw.failcnt', 'memory.memsw.limit_in_bytes'];
const V2_EXACT = [
  'memory.current', 'memory.peak', 'memory.min', 'memory.low', 'memory.high', 'memory.max', 'memory.events', 'memory.events.local',
  'memory.oom.group', 'memory.swap.current', 'memory.swap.peak', 'memory.swap.high', 'memory.swap.max', 'memory.swap.events',
];
/** Lazy statistics (rstat): read after the lru_add batches are drained and the 2 s periodic flush ran. */
export const LAZY = ['memory.stat', 'memory.numa_stat'];
/** Kernel files the emulator does not have, read for context (to explain a difference), not compared. */
export const V1_CONTEXT = ['memory.kmem.usage_in_bytes'];

export function exactFiles(version: 1 | 2, memsw: boolean): string[] {
  return version === 2 ? V2_EXACT : [...V1_EXACT, ...(memsw ? V1_MEMSW : [])];
}

/** The usage file the helper watches after each op. */
export function usageFile(version: 1 | 2): string {
  return version === 2 ? 'memory.current' : 'memory.usage_in_bytes';
}

/**
 * A file's text as values: `key value` lines give `file:key`, numa_stat's `total=N N0=N` gives
 * `file:total` and `file:total:N0` (v2's `anon N0=…` gives `file:anon:N0`); a one-value file is
 * `file`; anything else is the whole text.
 */
export function fileValues(key: string, text: string): [string, string][] {
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.length === 1 && !lines[0].includes(' ')) return [[key, lines[0]]];
  const out: [string, string][] = [];
  for (const line of lines) {
    const tok = line.trim().split(/\s+/);
    if (tok[0] === '') continue;
    let name = tok[0];
    let rest = tok.slice(1);
    if (name.includes('=')) {
      const [n, v] = name.split('=');
      name = n;
      out.push([`${key}:${n}`, v]);
    } else if (rest.length === 1 && !rest[0].includes('=')) {
      out.push([`${key}:${name}`, rest[0]]);
      rest = [];
    }
    for (const t of rest) {
      const [n, v] = t.split('=');
      if (v === undefined) return [[key, text]];
      out.push([`${key}:${name}:${n}`, v]);
    }
  }
  return out;
}

/** When memory.stat / numa_stat are read: at every checkpoint, at the last one only, or never. */
export type StatMode = 'all' | 'last' | 'none';

/** Does the checkpoint at plan op index i read the lazy files? */
export function readsStat(plan: Plan, mode: StatMode, i: number): boolean {
  if (mode === 'all') return true;
  if (mode === 'none') return false;
  let last = -1;
  plan.ops.forEach((o, j) => {
    if (o.t === 'checkpoint') last = j;
  });
  return last === i;
}

/** One checkpoint's reading: compared values, and context only one side has. */
export type Observation = { name: string; values: Record<string, string>; context?: Record<string, string> };

/** One run of one side. */
/** The emulator's side, with its charge batch (System.chargeBatch: the size of a whole new batch in the kernel's usage when the profile is the release's). */
export type EmulatorRun = SideRun & { chargeBatch: number };

export type SideRun = {
  checkpoints: Observation[];
  /** Settings, write steps and rmdirs: "ok" or the errno (key: the JSON path, " #n" for a repeat). */
  writes: Record<string, string>;
  /** Usage of the op's cgroup, in pages, after each monitored op (monitoredOps order). */
  usage: number[];
  /** Kernel only: [monitored op index, pages] where the usage before an op differed from after the op before it on the same cgroup. */
  between?: [number, number][];
  /** Kernel only: workers that died (the signal, and the plan op they were in or -1). */
  deaths?: { task: string; signal: number; op: number }[];
  warnings?: string[];
};

/** The plan ops whose usage both sides record: workload ops with kernel work and a cgroup to watch. */
export function monitoredOps(plan: Plan): number[] {
  const out: number[] = [];
  plan.ops.forEach((o, i) => {
    if (o.t === 'op' && o.watch >= 0 && o.k.length > 0) out.push(i);
  });
  return out;
}

/** The key of a write's result: its path, and " #n" for the n-th run of a repeated step. */
export function writeKeys(): (path: string) => string {
  const seen = new Map<string, number>();
  return (path) => {
    const n = (seen.get(path) ?? 0) + 1;
    seen.set(path, n);
    return n === 1 ? path : `${path} #${n}`;
  };
}
