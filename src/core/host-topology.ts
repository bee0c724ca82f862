// This machine's topology for the 'host' preset, from /sys/devices/system/{cpu,node}: Node
// only (the browser entry has no 'host'). src/api/create.ts resolves it before the System.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { MemcgError } from './errors.js';
import { checked, type ResolvedTopology } from './topology.js';

const ints = (s: string): number[] =>
  s.trim().split(',').filter(Boolean).flatMap((r) => {
    const [a, b] = r.split('-').map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });

/** This machine's shape from /sys/devices/system/{cpu,node} (Linux only). */
export function hostTopology(sys = '/sys/devices/system'): ResolvedTopology {
  const cpuDir = `${sys}/cpu`;
  if (!existsSync(cpuDir)) throw new MemcgError('EINVAL', `topology 'host': no ${cpuDir}`);
  const cpus = readdirSync(cpuDir).filter((d) => /^cpu\d+$/.test(d) && existsSync(`${cpuDir}/${d}/topology`));
  const read = (d: string, f: string) => readFileSync(`${cpuDir}/${d}/topology/${f}`, 'utf8').trim();
  const packages = new Set(cpus.map((d) => read(d, 'physical_package_id')));
  const threads = Math.max(...cpus.map((d) => ints(read(d, 'thread_siblings_list')).length));
  const nodeDir = `${sys}/node`;
  const nodes = existsSync(nodeDir) ? readdirSync(nodeDir).filter((d) => /^node\d+$/.test(d)).length || 1 : 1;
  const llcShare = (() => {
    const f = `${cpuDir}/cpu0/cache/index3/shared_cpu_list`;
    return existsSync(f) ? ints(readFileSync(f, 'utf8')).length : 0;
  })();
  const sockets = packages.size;
  const coresPerSocket = cpus.length / sockets / threads;
  const nodesPerSocket = Math.max(1, Math.round(nodes / sockets));
  const coresPerLlc = llcShare > 0 ? Math.max(1, Math.round(llcShare / threads)) : coresPerSocket / nodesPerSocket;
  const t = { sockets, coresPerSocket, threadsPerCore: threads, nodesPerSocket, coresPerLlc };
  return checked(t, 'host');
}

