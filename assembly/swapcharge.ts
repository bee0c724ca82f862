// Memcg swap accounting (mm/memcontrol.c): charging a swap entry to the memcg of the folio
// that goes out (v2 memory.swap, v1 memory.memsw which already holds the page), the
// swap-in charge of the memcg recorded for the entry, and freeing an entry.

import {
  MEMCG_SWAP_FAIL, MEMCG_SWAP_MAX, memcg_memory_event, memcg_online, mem_cgroup_id_get_many, mem_cgroup_id_get_online,
  mem_cgroup_id_put_many, mem_cgroup_is_root, memsw_account, on_dfl, memory_counter, parent_mem_cgroup, swap_counter,
} from "./memcg";
import { PCF_MAX, page_counter_charge, page_counter_try_charge, page_counter_uncharge, pc_field, pc_usage } from "./page_counter";
import { MEMCG_SWAP, stat_mod } from "./rstat";
import { nr_swap_pages, swap_alloc, swap_cgroup_id, swap_cgroup_record, swap_entry_pages, swap_free } from "./swap";

/** mem_cgroup_get_nr_swap_pages: swap m may still use (v2: the tightest swap.max on the way up). */
export function mem_cgroup_get_nr_swap_pages(m: i32): i64 {
  let n = nr_swap_pages();
  if (memsw_account) return n;
  for (let x = m; x >= 0 && !mem_cgroup_is_root(x); x = parent_mem_cgroup(x)) {
    const c = swap_counter(x);
    n = min(n, pc_field(c, PCF_MAX) - pc_usage(c));
  }
  return n;
}

/**
 * folio_alloc_swap + __mem_cgroup_try_charge_swap (v2) / memcg1_swapout (v1): an entry for
 * nr pages of memcg m, or -1. v2 charges memory.swap of the memcg that takes the record (a
 * failure is MEMCG_SWAP_MAX + MEMCG_SWAP_FAIL; no free slot is MEMCG_SWAP_FAIL on the
 * folio's memcg). v1 never charges the swap counter (__mem_cgroup_try_charge_swap returns at
 * once): memsw already counts the page, and it only moves to the record's memcg.
 */
export function swap_out_charge(folioMemcg: i32, nr: i32, cpu: i32): i32 {
  const e = swap_alloc(nr);
  if (on_dfl) {
    if (e < 0) {
      memcg_memory_event(folioMemcg, MEMCG_SWAP_FAIL);
      return -1;
    }
    // The record goes to the memcg itself, or (removed, its id gone) the nearest ancestor
    // whose id is alive; each page of the entry holds a reference on that id.
    const m = mem_cgroup_id_get_online(folioMemcg);
    if (!mem_cgroup_is_root(m) && page_counter_try_charge(swap_counter(m), nr) >= 0) {
      memcg_memory_event(m, MEMCG_SWAP_MAX);
      memcg_memory_event(m, MEMCG_SWAP_FAIL);
      mem_cgroup_id_put_many(m, 1);
      swap_free(e);
      return -1;
    }
    if (nr > 1) mem_cgroup_id_get_many(m, nr - 1);
    swap_cgroup_record(e, m);
    stat_mod(m, 0, MEMCG_SWAP, nr, cpu);
    return e;
  }
  if (e < 0) return -1;
  const m = mem_cgroup_id_get_online(folioMemcg);
  if (nr > 1) mem_cgroup_id_get_many(m, nr - 1);
  if (memsw_account && m != folioMemcg) {
    // memcg1_swapout: the memsw charge moves to the memcg that keeps the swap record (the
    // root's memsw is not charged).
    if (!mem_cgroup_is_root(m)) page_counter_charge(swap_counter(m), nr);
    page_counter_uncharge(swap_counter(folioMemcg), nr);
  }
  swap_cgroup_record(e, m);
  stat_mod(m, 0, MEMCG_SWAP, nr, cpu);
  return e;
}

/** mem_cgroup_swapout (v1): the page leaves memory; memsw keeps counting it as swap. */
export function swap_out_uncharge_memory(m: i32, nr: i32): void {
  if (!mem_cgroup_is_root(m)) page_counter_uncharge(memory_counter(m), nr);
}

/** __mem_cgroup_uncharge_swap: free entry e, uncharging memsw (v1) or swap (v2). */
export function swap_entry_free(e: i32, cpu: i32): void {
  const m = swap_cgroup_id(e);
  const nr = swap_entry_pages(e);
  if (m >= 0) {
    // __mem_cgroup_uncharge_swap: memsw (v1) or swap (v2); v1 without memsw accounting
    // (swapaccount=0, before 6.1) charged neither.
    if (!mem_cgroup_is_root(m) && (on_dfl || memsw_account)) page_counter_uncharge(swap_counter(m), nr);
    stat_mod(m, 0, MEMCG_SWAP, -nr, cpu);
    swap_free(e);
    mem_cgroup_id_put_many(m, nr); // the last record of a removed memcg frees its id
    return;
  }
  swap_free(e);
}

/** mem_cgroup_swapin_charge_folio: the memcg recorded for the entry if online, else fallback. */
export function swapin_memcg(e: i32, fallback: i32): i32 {
  const m = swap_cgroup_id(e);
  return m >= 0 && memcg_online(m) ? m : fallback;
}
