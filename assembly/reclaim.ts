// Memory reclaim on behalf of a memcg (mm/vmscan.c try_to_free_mem_cgroup_pages) and the
// effective protection it computes (mem_cgroup_calculate_protection).
// Reclaim model (LRUs, swap): issue #4. Until then nothing is reclaimable, which is exactly
// the kernel's behaviour for unevictable memory with no swap: it returns 0 pages.

import { EAGAIN } from "./errno";
import { memory_counter, mem_cgroup_is_descendant, memcg_count, memcg_exists } from "./memcg";
import { page_counter_calculate_protection } from "./page_counter";
import { sim_inc, SIM_RECLAIM_CALLS } from "./simstat";

/** try_to_free_mem_cgroup_pages: pages reclaimed from m's subtree (none are reclaimable yet). */
export function try_to_free_mem_cgroup_pages(m: i32, nrPages: i64, gfp: i32, maySwap: bool): i64 {
  sim_inc(SIM_RECLAIM_CALLS, 1);
  return 0;
}

/**
 * mem_cgroup_calculate_protection for every memcg below root, parents before children
 * (mem_cgroup_iter's pre-order; ids are allocated parent first, so id order is pre-order
 * enough for the top-down dependency).
 */
export function calculate_protection_subtree(root: i32, recursive: bool): void {
  const n = memcg_count();
  for (let m = 0; m < n; m++) {
    if (!memcg_exists(m) || m == root || !mem_cgroup_is_descendant(m, root)) continue;
    page_counter_calculate_protection(memory_counter(root), memory_counter(m), recursive);
  }
}

/**
 * user_proactive_reclaim (memory.reclaim): reclaim nr pages from m in quarters of what is
 * left; 16 passes without progress give -EAGAIN.
 */
export function user_proactive_reclaim(m: i32, nr: i64, swappiness: i32): i32 {
  let reclaimed: i64 = 0;
  let retries = 16; // MAX_RECLAIM_RETRIES
  while (reclaimed < nr) {
    const batch = (nr - reclaimed) / 4; // try_to_free_mem_cgroup_pages asks for at least SWAP_CLUSTER_MAX
    const got = try_to_free_mem_cgroup_pages(m, batch, 0, true);
    if (got == 0 && retries-- == 0) return -EAGAIN;
    reclaimed += got;
  }
  return 0;
}
