// Default costs of the cost model, from published measurements (cited per entry), and the
// options that override them. The core works in cycles; the host converts ns at `ghz`.

import { MemcgError } from './errors.js';

export type Costs = {
  /** L1 hit, cycles. */
  hitCycles: number;
  /** Line from the SMT sibling, ns. */
  smtNs: number;
  /** From another core sharing the LLC, ns. */
  llcNs: number;
  /** From a core of another LLC on the same socket, ns. */
  socketNs: number;
  /** From a core of another socket, ns. */
  remoteNs: number;
  /** From memory on the CPU's node / another node, ns. */
  memLocalNs: number;
  memRemoteNs: number;
  /** A LOCKed atomic's own cost on a line already held, cycles. */
  atomicCycles: number;
  /** Other work per operation (the rest of a fault or of a packet), ns; 0 = only the memcg path. */
  workNs: number;
  /** Clock used to convert ns to cycles. */
  ghz: number;
};

/**
 * Intel, 2-socket Cascade Lake (the default, the closest published match to the 2 × 18-core
 * machines of the 2022/2025 results):
 *  - smt 7.4, llc 47, remote 140 ns: nviennot/core-to-core-latency, results/"Dual Intel(R)
 *    Xeon Gold 6242 @ 2.8GHz.csv" (CAS ping-pong): SMT pairs (CPU n and n+32) 7.35–7.53 ns
 *    (one 13.1), same socket 43–52 ns, other socket 135–146 ns. One LLC per socket (mesh), so
 *    socketNs = llcNs. ghz 2.8 is that part's base clock (the file name).
 *  - memLocal 96 ns: AnandTech, "Intel Skylake EP vs AMD EPYC 7000" (2017), memory
 *    subsystem latency, LMBench random load 384–512 MB, Skylake-SP 96–98 ns.
 *  - memRemote 189 ns: not measured here: memLocal + (remote − llc), an estimate.
 *  - hit 4 cycles: the same AnandTech table, L1 4 cycles.
 *  - atomic 20 cycles: "an aligned LOCK ADD on a hot cache line costs roughly 20 cycles on
 *    modern Intel cores" (newsletter.onedfrk.com, 2026-05-03).
 */
export const INTEL_2S: Costs = {
  hitCycles: 4, smtNs: 7.4, llcNs: 47, socketNs: 47, remoteNs: 140, memLocalNs: 96, memRemoteNs: 189,
  atomicCycles: 20, workNs: 0, ghz: 2.8,
};
/**
 * AMD, 2-socket Rome (EPYC 7742): nviennot/core-to-core-latency, results/"Dual AMD EPYC 7742
 * 64-Core Processor.csv": same CCX 24.6–28 ns, another CCX of the socket 223–281 ns, the
 * other socket (CPU 65 against CPUs 0–63) 250–279 ns; 2.25 GHz base clock. The SMT sibling
 * is not in the rows read: the same-CCX figure stands in. Memory as for Intel (not measured
 * for this part here).
 */
export const AMD_2S: Costs = {
  hitCycles: 4, smtNs: 25, llcNs: 25, socketNs: 250, remoteNs: 265, memLocalNs: 96, memRemoteNs: 189,
  atomicCycles: 20, workNs: 0, ghz: 2.25,
};
export const COST_TABLES: Record<string, Costs> = { intel: INTEL_2S, amd: AMD_2S };

export type CostModelOption = boolean | {
  /** A cost table ('intel', 'amd') or its entries overridden. */
  table?: string;
  costs?: Partial<Costs>;
  /** struct page_counter layout: '2022' (6.1+) or 'pre-2022' (usage shares a line with high/max); default the profile's era. */
  layout?: '2022' | 'pre-2022';
  /** propagate_protected_usage: 'changed' (6.1+: xchg only when the value changes) or 'always' (<= 6.0); default the era's. */
  protectionXchg?: 'changed' | 'always';
};

/** 'era': as the profile's era does (the core's registry decides). */
export type ResolvedCostModel = {
  on: boolean; costs: Costs; layout: '2022' | 'pre-2022' | 'era'; protectionXchg: 'changed' | 'always' | 'era';
};

export function resolveCostModel(opt: CostModelOption | undefined): ResolvedCostModel {
  if (opt === undefined || opt === false) return { on: false, costs: INTEL_2S, layout: 'era', protectionXchg: 'era' };
  const o = opt === true ? {} : opt;
  if (typeof o !== 'object' || o === null) throw new MemcgError('EINVAL', 'costModel must be true, false or an object');
  const table = COST_TABLES[o.table ?? 'intel'];
  if (!table) throw new MemcgError('EINVAL', `unknown cost table "${o.table}" (known: ${Object.keys(COST_TABLES).join(', ')})`);
  const costs = { ...table, ...(o.costs ?? {}) };
  for (const [k, v] of Object.entries(costs)) {
    if (!(k in table)) throw new MemcgError('EINVAL', `unknown cost "${k}" (known: ${Object.keys(table).join(', ')})`);
    if (typeof v !== 'number' || !(v >= 0) || (k === 'ghz' && !(v > 0))) throw new MemcgError('EINVAL', `cost ${k} must be a number >= 0, not ${String(v)}`);
  }
  const layout = o.layout ?? 'era';
  const protectionXchg = o.protectionXchg ?? 'era';
  if (layout !== '2022' && layout !== 'pre-2022' && layout !== 'era') throw new MemcgError('EINVAL', `costModel.layout must be '2022' or 'pre-2022'`);
  if (protectionXchg !== 'changed' && protectionXchg !== 'always' && protectionXchg !== 'era') throw new MemcgError('EINVAL', `costModel.protectionXchg must be 'changed' or 'always'`);
  return { on: true, costs, layout, protectionXchg };
}

/** The core's cost vector in cycles: hit smt llc socket remote memLocal memRemote atomic work, then cycles per ns (a sleep's). */
export function costCycles(c: Costs): number[] {
  const ns = (v: number) => v * c.ghz;
  return [c.hitCycles, ns(c.smtNs), ns(c.llcNs), ns(c.socketNs), ns(c.remoteNs), ns(c.memLocalNs), ns(c.memRemoteNs), c.atomicCycles, ns(c.workNs), c.ghz];
}
