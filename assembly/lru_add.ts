// The per-CPU lru_add folio_batch (mm/swap.c folio_add_lru, folio_batch_move_lru,
// lru_add_drain_cpu; PAGEVEC_SIZE entries: 15 up to 6.6, 31 from 6.9, profile.ts; 5.15's
// lru_cache_add pagevec the same): a new folio reaches its
// LRU list only when the batch is full, at once for a large folio, or when the batch is
// drained (lru_add_drain before reclaim scans, lru_add_drain_all in force_empty), so the LRU
// sizes in memory.stat lag the charges. The batch holds a reference: an anon folio unmapped
// while it waits there (MADV_DONTNEED, munmap, exit) is not freed, and stays charged, until
// the batch lets it go (folio_batch_move_lru → folios_put). Up to 6.12 the unmap paths
// drain the unmapping CPU's batch first (lru_add_drain_unmap), so only a folio waiting in
// another CPU's batch is held. On by default (the host's `lruAddBatch: false` turns it off:
// a folio is then on its list at once).

import { table_alloc } from "./layout";
import { PG_LRU, folio_lru_prev, folio_memcg, folio_order, folio_set_lru_links, folio_test } from "./folio";
import { lru_add } from "./lru";
import { nr_cpus } from "./topology";
import { cost_lru_batch, cost_on } from "./cost_model";
import { lru_batch_put, lru_batch_put_done } from "./uncharge";
import { F_UNMAP_NO_LRU_DRAIN, era, pagevec_size } from "./profile";

export let lru_add_batching: bool = false;
let batch: usize = 0; // i32[cpus × PAGEVEC_SIZE]: folio ids
let count: usize = 0; // i32[cpus]
// The lru links of a folio the batch holds after its last unmap (it is on no list): the
// user's handle is gone, only the batch's reference keeps it.
const HELD: i32 = -2;

export function lru_add_init(enabled: bool): bool {
  lru_add_batching = enabled;
  batch = table_alloc("lru_add folio_batch", <u64>nr_cpus * pagevec_size, 4);
  count = table_alloc("lru_add folio_batch count", nr_cpus, 4);
  return count != 0;
}

@inline function slot(cpu: i32, i: i32): usize {
  return batch + ((<usize>cpu * <usize>pagevec_size + <usize>i) << 2);
}

/** folio_add_lru: into this CPU's batch; a full batch or a large folio moves them all. */
export function folio_add_lru(m: i32, id: i32, cpu: i32): void {
  if (!lru_add_batching) {
    lru_add(m, id, cpu, false);
    return;
  }
  const pc = count + (<usize>cpu << 2);
  const n = load<i32>(pc);
  if (cost_on) cost_lru_batch(cpu); // folio_batch_add
  store<i32>(slot(cpu, n), id);
  store<i32>(pc, n + 1);
  // folio_batch_add_and_move (5.15: pagevec_add_and_need_flush): move the batch once it is
  // full or for a large folio (folio_may_be_lru_cached; 5.15 PageCompound), in every era.
  if (n + 1 == pagevec_size || folio_order(id) > 0) lru_add_drain(cpu);
}

/** lru_add_drain / lru_add_drain_cpu: this CPU's batched folios go to their lists, in order. */
export function lru_add_drain(cpu: i32): void {
  if (!lru_add_batching) return;
  const pc = count + (<usize>cpu << 2);
  const n = load<i32>(pc);
  store<i32>(pc, 0);
  let held = false;
  for (let i = 0; i < n; i++) {
    const id = load<i32>(slot(cpu, i));
    if (id < 0) {
      // lru_add, then folios_put drops the last reference: __page_cache_release takes it off
      // the list again and mem_cgroup_uncharge_folios uncharges it.
      folio_set_lru_links(-id - 1, -1, -1);
      lru_batch_put(-id - 1, cpu);
      held = true;
    } else if (!folio_test(id, PG_LRU)) lru_add(folio_memcg(id), id, cpu, false); // lru_add
  }
  if (held) lru_batch_put_done();
}

/**
 * An anon folio waiting in a batch lost its last mapping: the batch's reference keeps it
 * (charged, off every list) until the drain. False if it is in no batch.
 */
export function lru_batch_hold(id: i32): bool {
  if (!lru_add_batching) return false;
  for (let cpu = 0; cpu < nr_cpus; cpu++) {
    const n = load<i32>(count + (<usize>cpu << 2));
    for (let i = 0; i < n; i++) {
      if (load<i32>(slot(cpu, i)) != id) continue;
      store<i32>(slot(cpu, i), -id - 1);
      folio_set_lru_links(id, HELD, HELD);
      return true;
    }
  }
  return false;
}

/** The folio was unmapped while in a batch, which still holds it: no longer the user's handle. */
@inline export function lru_batch_held(id: i32): bool {
  return lru_add_batching && !folio_test(id, PG_LRU) && folio_lru_prev(id) == HELD;
}

/**
 * The unmap paths' own drain of the unmapping CPU (zap_page_range_single for MADV_DONTNEED,
 * unmap_region, exit_mmap, free_pages_and_swap_cache: lru_add_drain() up to 6.12; not since).
 */
export function lru_add_drain_unmap(cpu: i32): void {
  if (lru_add_batching && !era(F_UNMAP_NO_LRU_DRAIN)) lru_add_drain(cpu);
}

/** lru_add_drain_all */
export function lru_add_drain_all(): void {
  for (let cpu = 0; cpu < nr_cpus; cpu++) lru_add_drain(cpu);
}

/**
 * A batched folio that leaves before the drain (uncharged, or mlocked onto its own list): it
 * is taken out of the batch (the kernel keeps it until the drain, holding a reference).
 */
export function lru_batch_forget(id: i32): void {
  if (!lru_add_batching) return;
  for (let cpu = 0; cpu < nr_cpus; cpu++) {
    const pc = count + (<usize>cpu << 2);
    const n = load<i32>(pc);
    for (let i = 0; i < n; i++) {
      if (load<i32>(slot(cpu, i)) != id) continue;
      for (let j = i + 1; j < n; j++) store<i32>(slot(cpu, j - 1), load<i32>(slot(cpu, j)));
      store<i32>(pc, n - 1);
      return;
    }
  }
}

/** Folios waiting in cpu's batch. */
export function lru_add_pending(cpu: i32): i32 {
  return cpu >= 0 && cpu < nr_cpus ? load<i32>(count + (<usize>cpu << 2)) : -1;
}
