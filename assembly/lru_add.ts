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

import { PG_LRU, folio_info, folio_memcg, folio_set_lru_links, folio_test, info_order } from "./folio";
import { lru_add, lru_add_info } from "./lru";
import { nr_cpus } from "./topology";
import { cost_lru_batch, cost_on } from "./cost_model";
import { lru_batch_put, lru_batch_put_done } from "./uncharge";
import { fb_count, lru_add_batching, fb_slot } from "./folio_batch";
import { F_UNMAP_NO_LRU_DRAIN, era, pagevec_size } from "./profile";
import { mlock_drain_local } from "./mlock_batch";

/** folio_add_lru: into this CPU's batch; a full batch or a large folio moves them all. */
export function folio_add_lru(m: i32, id: i32, cpu: i32): void {
  folio_add_lru_info(m, id, cpu, folio_info(id));
}
/** folio_add_lru of a folio whose record word is info. */
@inline export function folio_add_lru_info(m: i32, id: i32, cpu: i32, info: i32): void {
  if (!lru_add_batching) {
    lru_add_info(m, id, cpu, false, info);
    return;
  }
  const pc = fb_count + (<usize>cpu << 2);
  const n = load<i32>(pc);
  if (cost_on) cost_lru_batch(cpu); // folio_batch_add
  store<i32>(fb_slot(cpu, n), id);
  store<i32>(pc, n + 1);
  // folio_batch_add_and_move (5.15: pagevec_add_and_need_flush): move the batch once it is
  // full or for a large folio (folio_may_be_lru_cached; 5.15 PageCompound), in every era.
  if (n + 1 == pagevec_size || info_order(info) > 0) lru_add_drain(cpu);
}

/** lru_add_drain / lru_add_drain_cpu: this CPU's batched folios go to their lists, in order. */
export function lru_add_drain(cpu: i32): void {
  if (!lru_add_batching) return;
  const pc = fb_count + (<usize>cpu << 2);
  const n = load<i32>(pc);
  store<i32>(pc, 0);
  let held = false;
  for (let i = 0; i < n; i++) {
    const id = load<i32>(fb_slot(cpu, i));
    if (id < 0) {
      // lru_add, then folios_put drops the last reference: __page_cache_release takes it off
      // the list again and mem_cgroup_uncharge_folios uncharges it.
      folio_set_lru_links(-id - 1, -1, -1);
      lru_batch_put(-id - 1, cpu);
      held = true;
    } else if (!folio_test(id, PG_LRU)) lru_add(folio_memcg(id), id, cpu, false); // lru_add
  }
  if (held) lru_batch_put_done();
  mlock_drain_local(cpu); // lru_add_drain (5.18+): the CPU's mlock batch after its lru_add one
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

