// CPUs and NUMA nodes: nodes × cpusPerNode CPUs, numbered node by node as x86-64 firmware
// enumerates the first thread of each core (cpu_to_node).

import { table_alloc } from "./layout";

let cpuNode: usize = 0;
export let nr_cpus: i32 = 0;
export let nr_nodes: i32 = 0;

export function topology_init(nodes: i32, cpusPerNode: i32): bool {
  nr_nodes = nodes;
  nr_cpus = nodes * cpusPerNode;
  cpuNode = table_alloc("cpu_to_node", nr_cpus, 4);
  if (cpuNode == 0) return false;
  for (let c = 0; c < nr_cpus; c++) store<i32>(cpuNode + (<usize>c << 2), c / cpusPerNode);
  return true;
}

/** cpu_to_node */
@inline export function cpu_to_node(cpu: i32): i32 {
  return load<i32>(cpuNode + (<usize>cpu << 2));
}
