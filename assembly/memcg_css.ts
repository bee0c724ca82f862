// The memory controller's css callbacks (memory_cgrp_subsys: css_alloc, css_online,
// css_offline, css_free): a memcg's life beyond its struct (memcg.ts), through the files the
// callbacks reach: the reclaim iterators, the stocks, the objcgs, the statistics, the peaks.

import { cgroup_css_released } from "./cgroup_core";
import { ROOT_MEM_CGROUP, css_get, css_put, mem_cgroup_id_put_many, memcg_set_css_free, memcg_set_free_cpu, memcg_struct_alloc, memcg_struct_offline, memory_counter, swap_counter } from "./memcg";
import { drain_all_stock, kmem_enabled, memcg_free_kmem, memcg_offline_kmem } from "./objcg";
import { peak_release_counter } from "./peak";
import { reclaim_invalidate_iterators, reclaim_memcg_init } from "./reclaim";
import { rstat_release } from "./rstat";

/** The root memcg's callbacks (after memcg_table_init made its struct) and css_free's. */
export function memcg_css_init(): void {
  memcg_set_css_free(mem_cgroup_css_free);
  reclaim_memcg_init(ROOT_MEM_CGROUP);
}

/**
 * mem_cgroup_css_alloc + css_online: a new memcg under parent; its slot, or -EBUSY / -ELIMIT
 * (memcg_struct_alloc).
 */
export function mem_cgroup_alloc(parent: i32): i32 {
  const m = memcg_struct_alloc(parent);
  if (m >= 0) reclaim_memcg_init(m);
  return m;
}

/**
 * mem_cgroup_css_offline: the css is killed (rmdir, or memory taken out of the parent's
 * cgroup.subtree_control). Its protection goes (page_counter_set_min/low 0), the stocks are
 * drained, the online reference on the id is dropped; the charges stay until uncharged.
 */
export function mem_cgroup_css_offline(m: i32, cpu: i32): void {
  memcg_struct_offline(m);
  css_get(m, 1); // css_killed_work_fn holds the css while offlining
  memcg_offline_kmem(m); // reparent the objcgs, then drain
  memcg_set_free_cpu(cpu);
  drain_all_stock(m, cpu);
  mem_cgroup_id_put_many(m, 1);
  css_put(m, 1);
}

/**
 * mem_cgroup_css_free (and css_rstat_exit) of m, on cpu: the structures mem_cgroup_alloc
 * charged to the parent go back (__mem_cgroup_free), its statistics go to the parent, it
 * leaves the reclaim iterators (invalidate_reclaim_iterators), its peak files' counters go,
 * and it lets go of its cgroup (css_release_work_fn, css_free_rwork_fn: cgroup_core.ts).
 * Whether the slot may be handed out again: an objcg is named by its memcg's slot and may
 * outlive it (reparented, still charged by kernel objects), so with kmem on it is not.
 */
function mem_cgroup_css_free(m: i32, cpu: i32): bool {
  memcg_free_kmem(m, cpu);
  rstat_release(m);
  reclaim_invalidate_iterators(m);
  peak_release_counter(memory_counter(m));
  peak_release_counter(swap_counter(m));
  cgroup_css_released(m);
  return !kmem_enabled;
}
