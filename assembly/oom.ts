// Memcg OOM (mm/memcontrol.c mem_cgroup_oom, mem_cgroup_out_of_memory; mm/oom_kill.c).
// Tasks and victim selection: issue #4. Until then no task is killable, as in a memcg whose
// tasks are all unkillable: out_of_memory finds no victim.

import { MEMCG_OOM, mem_cgroup_margin, memcg_memory_event, memcg_oom_kill_disable, on_dfl } from "./memcg";
import { sim_inc, SIM_OOM_CALLS } from "./simstat";

export const PAGE_ALLOC_COSTLY_ORDER: i32 = 3;

/** mem_cgroup_out_of_memory: true if the margin recovered or a victim was killed. */
export function mem_cgroup_out_of_memory(m: i32, gfp: i32, order: i32): bool {
  sim_inc(SIM_OOM_CALLS, 1);
  if (mem_cgroup_margin(m) >= (<i64>1 << order)) return true;
  return false; // out_of_memory: no eligible task
}

/** mem_cgroup_oom: costly orders never OOM; otherwise raise MEMCG_OOM and try the killer. */
export function mem_cgroup_oom(m: i32, gfp: i32, order: i32): bool {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return false;
  memcg_memory_event(m, MEMCG_OOM);
  // memcg1_oom_prepare: with v1 oom_kill_disable the killer is not invoked (the faulting
  // task would wait for memory to be freed; the charge fails here).
  if (!on_dfl && memcg_oom_kill_disable(m)) return false;
  return mem_cgroup_out_of_memory(m, gfp, order);
}
