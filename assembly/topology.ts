// CPUs, cores, last-level caches, NUMA nodes and sockets of an x86-64 machine.
//
// Linux x86-64 numbers logical CPUs as the firmware enumerates them: thread 0 of every core,
// socket by socket, then the second thread of every core in the same order (so on a
// 2 × 18 × 2 machine CPU 0 and CPU 36 are SMT siblings). A socket holds nodesPerSocket NUMA
// nodes (Intel SNC / AMD NPS), each a contiguous run of its cores, and LLCs of coresPerLlc
// cores (one per socket on Intel's mesh, one per CCX on AMD). The shorthand
// { nodes, cpusPerNode } is nodes sockets of cpusPerNode single-threaded cores.

import { table_alloc } from "./layout";

let cpuNode: usize = 0; // i32[cpus] cpu_to_node
let cpuCore: usize = 0; // i32[cpus] global core id (topology_core_id across sockets)
let cpuLlc: usize = 0; // i32[cpus] global LLC id
let cpuSocket: usize = 0; // i32[cpus] topology_physical_package_id
export let nr_cpus: i32 = 0;
export let nr_nodes: i32 = 0;
export let nr_sockets: i32 = 0;

/** Build the maps; false on a bad shape (the caller checked the ranges) or no memory. */
export function topology_init(sockets: i32, coresPerSocket: i32, threadsPerCore: i32, nodesPerSocket: i32, coresPerLlc: i32): bool {
  if (coresPerSocket % nodesPerSocket != 0 || coresPerSocket % coresPerLlc != 0) return false;
  nr_sockets = sockets;
  nr_nodes = sockets * nodesPerSocket;
  nr_cpus = sockets * coresPerSocket * threadsPerCore;
  cpuNode = table_alloc("cpu_to_node", nr_cpus, 4);
  cpuCore = table_alloc("cpu core", nr_cpus, 4);
  cpuLlc = table_alloc("cpu llc", nr_cpus, 4);
  cpuSocket = table_alloc("cpu socket", nr_cpus, 4);
  if (cpuNode == 0 || cpuCore == 0 || cpuLlc == 0 || cpuSocket == 0) return false;
  const cores = sockets * coresPerSocket;
  const coresPerNode = coresPerSocket / nodesPerSocket;
  for (let cpu = 0; cpu < nr_cpus; cpu++) {
    const core = cpu % cores; // thread cpu / cores of global core `core`
    const socket = core / coresPerSocket;
    const local = core % coresPerSocket;
    const o = <usize>cpu << 2;
    store<i32>(cpuCore + o, core);
    store<i32>(cpuSocket + o, socket);
    store<i32>(cpuNode + o, socket * nodesPerSocket + local / coresPerNode);
    store<i32>(cpuLlc + o, core / coresPerLlc);
  }
  return true;
}

/** cpu_to_node */
@inline export function cpu_to_node(cpu: i32): i32 {
  return load<i32>(cpuNode + (<usize>cpu << 2));
}
@inline export function cpu_core(cpu: i32): i32 {
  return load<i32>(cpuCore + (<usize>cpu << 2));
}
@inline export function cpu_llc(cpu: i32): i32 {
  return load<i32>(cpuLlc + (<usize>cpu << 2));
}
@inline export function cpu_socket(cpu: i32): i32 {
  return load<i32>(cpuSocket + (<usize>cpu << 2));
}

export const TOPO_CORE: i32 = 0;
export const TOPO_LLC: i32 = 1;
export const TOPO_NODE: i32 = 2;
export const TOPO_SOCKET: i32 = 3;
/** The core, LLC, node or socket of cpu (TOPO_*); -1 for a bad cpu or field. */
export function topology_get(cpu: i32, field: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus) return -1;
  if (field == TOPO_CORE) return cpu_core(cpu);
  if (field == TOPO_LLC) return cpu_llc(cpu);
  if (field == TOPO_NODE) return cpu_to_node(cpu);
  if (field == TOPO_SOCKET) return cpu_socket(cpu);
  return -1;
}
