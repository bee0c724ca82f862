// Machine shapes: presets, this machine's own ('host', read by host-topology.ts in Node), and the { nodes, cpusPerNode }
// shorthand, all resolved to the core's sockets × cores × threads with nodes and LLCs
// (assembly/topology.ts numbers the CPUs the x86-64 way and builds the maps).

import { MemcgError } from './errors.js';

export type Topology = {
  sockets: number;
  coresPerSocket: number;
  /** SMT threads per core (1 or 2 on x86-64). */
  threadsPerCore?: number;
  /** NUMA nodes per socket (Intel SNC, AMD NPS); default 1. */
  nodesPerSocket?: number;
  /** Cores sharing a last-level cache: default a node's cores (Intel's mesh), 8 or 4 for an AMD CCX. */
  coresPerLlc?: number;
};
export type TopologyOption = Topology | { nodes: number; cpusPerNode: number } | string;
export type ResolvedTopology = Required<Topology>;

/** Presets: the machines of the published memcg results and a few current servers. */
export const TOPOLOGY_PRESETS: Record<string, { topology: ResolvedTopology; about: string }> = {
  '2s-72c': {
    topology: { sockets: 2, coresPerSocket: 18, threadsPerCore: 2, nodesPerSocket: 1, coresPerLlc: 18 },
    about: '2 × 18 cores × 2 threads: the 72-CPU machine of the 2022 and 2025 netperf results',
  },
  '1s-40c': {
    topology: { sockets: 1, coresPerSocket: 20, threadsPerCore: 2, nodesPerSocket: 1, coresPerLlc: 20 },
    about: '1 × 20 cores × 2 threads: 40 CPUs, the size of the 2026 page_counter-stock tests',
  },
  '2s-224c': {
    topology: { sockets: 2, coresPerSocket: 56, threadsPerCore: 2, nodesPerSocket: 1, coresPerLlc: 56 },
    about: '2 × 56 cores × 2 threads: a 224-thread 2-socket Sapphire Rapids (the kernel test robot\'s)',
  },
  '2s-256c': {
    topology: { sockets: 2, coresPerSocket: 64, threadsPerCore: 2, nodesPerSocket: 1, coresPerLlc: 4 },
    about: '2 × 64 cores × 2 threads, 4 cores per L3 (AMD EPYC 7742, Rome)',
  },
  '2s-256c-nps4': {
    topology: { sockets: 2, coresPerSocket: 64, threadsPerCore: 2, nodesPerSocket: 4, coresPerLlc: 4 },
    about: 'the same in NPS4 mode: 4 NUMA nodes per socket',
  },
};

export function checked(t: ResolvedTopology, what: string): ResolvedTopology {
  const int = (v: number) => Number.isInteger(v) && v >= 1;
  if (![t.sockets, t.coresPerSocket, t.threadsPerCore, t.nodesPerSocket, t.coresPerLlc].every(int) ||
    t.coresPerSocket % t.nodesPerSocket !== 0 || t.coresPerSocket % t.coresPerLlc !== 0 || t.threadsPerCore > 8) {
    throw new MemcgError('EINVAL', `topology ${what} is not sockets × cores × threads with nodes and LLCs dividing the cores: ${JSON.stringify(t)}`);
  }
  return t;
}

/** Any topology option as the core's shape; the shorthand keeps its own meaning (one node per socket of single-threaded cores). */
export function resolveTopology(opt: TopologyOption | undefined): ResolvedTopology {
  if (opt === undefined) return { sockets: 1, coresPerSocket: 4, threadsPerCore: 1, nodesPerSocket: 1, coresPerLlc: 4 };
  if (typeof opt === 'string') {
    // 'host' reads this machine's sysfs: the Node createSystem resolves it (host-topology.ts)
    if (opt === 'host') throw new MemcgError('EINVAL', "option topology 'host' reads /sys: it needs the Node entry (memcg-sim), not memcg-sim/core");
    const p = TOPOLOGY_PRESETS[opt];
    if (!p) throw new MemcgError('EINVAL', `unknown topology "${opt}" (known: host, ${Object.keys(TOPOLOGY_PRESETS).join(', ')})`);
    return p.topology;
  }
  if (typeof opt !== 'object' || opt === null) throw new MemcgError('EINVAL', 'topology must be a preset name or an object');
  if ('nodes' in opt) {
    const { nodes, cpusPerNode } = opt;
    return checked({ sockets: nodes, coresPerSocket: cpusPerNode, threadsPerCore: 1, nodesPerSocket: 1, coresPerLlc: cpusPerNode }, JSON.stringify(opt));
  }
  const nps = opt.nodesPerSocket ?? 1;
  return checked({
    sockets: opt.sockets, coresPerSocket: opt.coresPerSocket, threadsPerCore: opt.threadsPerCore ?? 1, nodesPerSocket: nps,
    coresPerLlc: opt.coresPerLlc ?? opt.coresPerSocket / nps,
  }, JSON.stringify(opt));
}
