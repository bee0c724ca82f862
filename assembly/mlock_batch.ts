// The per-CPU mlock folio batch (mm/mlock.c mlock_fbatch; mlock_pvec in 6.1, added in 5.18 by
// Hugh Dickins' munlock rework; 5.15 has none): mlock_new_folio (a fault in a VM_LOCKED
// region, from folio_add_lru_vma instead of the lru_add batch) and munlock_folio (the unmap of
// a locked folio: __folio_remove_rmap → munlock_vma_folio) put the folio there with a
// reference; mlock_folio_batch processes it when it is full (PAGEVEC_SIZE), for a large folio,
// or on lru_add_drain (mlock_drain_local; lru_add_drain_all checks need_mlock_drain). A locked
// folio unmapped while the batch holds its munlock entry is not freed, and stays charged (on
// the unevictable list, or on none while its mlock_new_folio entry waits too), until then:
// __munlock_folio moves it off the unevictable list and folios_put frees it. Only with the
// lru_add batch (the host's `lruAddBatch: false` lists every folio at once: no batch at all).

import { table_alloc } from "./layout";
import { PG_LRU, PG_UNEVICTABLE, folio_charged, folio_flags, folio_memcg, folio_order, folio_set_flags, folio_set_lru_links, folio_test } from "./folio";
import { lru_add, lru_del } from "./lru";
import { lru_add_batching } from "./folio_batch";
import { lru_batch_put, lru_batch_put_done } from "./uncharge";
import { nr_cpus } from "./topology";
import { F_MLOCK_BATCH, F_UNMAP_NO_LRU_DRAIN, era, pagevec_size } from "./profile";

// Entry kinds, in the low bits as the kernel tags its folio pointers (LRU_FOLIO, NEW_FOLIO;
// untagged: munlock). The emulator's mlock of a resident folio is done at once (mlock_vma_pages_range
// drains before and after its walk), so only NEW and MUNLOCK entries are ever batched.
const MB_NEW: i32 = 2;
const MB_MUNLOCK: i32 = 0;

let mb_folios: usize = 0; // i32[cpus × PAGEVEC_SIZE]: id << 2 | kind
let mb_count: usize = 0; // i32[cpus]

export function mlock_batch_init(): bool {
  mb_folios = table_alloc("mlock folio_batch", <u64>nr_cpus * pagevec_size, 4);
  mb_count = table_alloc("mlock folio_batch count", nr_cpus, 4);
  return mb_count != 0;
}

/** The era has the batch (5.18+) and the lru_add batch is modelled. */
@inline export function mlock_batching(): bool {
  return lru_add_batching && era(F_MLOCK_BATCH);
}

@inline function mb_slot(cpu: i32, i: i32): usize {
  return mb_folios + ((<usize>cpu * <usize>pagevec_size + <usize>i) << 2);
}

// folio_batch_add, then mlock_folio_batch when the batch is full or for a large folio
// (folio_may_be_lru_cached; 6.1: PageHead).
function mb_add(id: i32, kind: i32, cpu: i32): void {
  const pc = mb_count + (<usize>cpu << 2);
  const n = load<i32>(pc);
  store<i32>(mb_slot(cpu, n), (id << 2) | kind);
  store<i32>(pc, n + 1);
  if (n + 1 == pagevec_size || folio_order(id) > 0) mlock_drain_local(cpu);
}

/**
 * mlock_new_folio (folio_add_lru_vma of a fault in a VM_LOCKED region): the new folio is
 * marked locked and waits in cpu's mlock batch, on no list. False if the era has no batch.
 */
export function mlock_new_folio(id: i32, cpu: i32): bool {
  if (!mlock_batching()) return false;
  folio_set_flags(id, folio_flags(id) | PG_UNEVICTABLE); // folio_set_mlocked
  mb_add(id, MB_NEW, cpu);
  return true;
}

/**
 * An unmap's munlock_folio entry outlives the unmap: from 6.18 (F_UNMAP_NO_LRU_DRAIN) no
 * lru_add_drain follows the zap. Up to 6.12 free_pages_and_swap_cache drains (lru_add_drain,
 * so the mlock batch too) before it drops the mappings' references: the entry is processed
 * first and the folio freed at once, as with no batch.
 */
@inline export function mlock_unmap_holds(): bool {
  return mlock_batching() && era(F_UNMAP_NO_LRU_DRAIN);
}

/**
 * munlock_vma_folio from the unmap (__folio_remove_rmap) of a locked anon folio whose last
 * mapping goes (mlock_unmap_holds): the batch's reference keeps it charged until the batch is
 * processed (maybe by this add).
 */
export function munlock_folio_hold(id: i32, cpu: i32): void {
  mb_add(id, MB_MUNLOCK, cpu);
}

/** The folio was unmapped and only an mlock batch's munlock entry still holds it. */
export function mlock_batch_held(id: i32): bool {
  if (!mlock_batching() || !folio_test(id, PG_UNEVICTABLE)) return false;
  const e = (id << 2) | MB_MUNLOCK;
  for (let cpu = 0; cpu < nr_cpus; cpu++) {
    const n = load<i32>(mb_count + (<usize>cpu << 2));
    for (let i = 0; i < n; i++) if (load<i32>(mb_slot(cpu, i)) == e) return true;
  }
  return false;
}

/** mlock_drain_local / mlock_folio_batch: cpu's entries in order, then folios_put. */
export function mlock_drain_local(cpu: i32): void {
  if (!mlock_batching()) return;
  const pc = mb_count + (<usize>cpu << 2);
  const n = load<i32>(pc);
  store<i32>(pc, 0);
  let freed = false;
  for (let i = 0; i < n; i++) {
    const e = load<i32>(mb_slot(cpu, i));
    const id = e >> 2;
    if (!folio_charged(id)) continue;
    const m = folio_memcg(id);
    if ((e & 3) == MB_NEW) {
      // __mlock_new_folio: onto the unevictable list (the evictable one if munlocked meanwhile)
      if (!folio_test(id, PG_LRU)) lru_add(m, id, cpu, false);
      continue;
    }
    // __munlock_folio: off the unevictable list (to the inactive one), then folios_put drops the
    // batch's reference, the last one: __page_cache_release takes it off, the gather uncharges it.
    if (folio_test(id, PG_LRU)) lru_del(m, id, cpu);
    folio_set_flags(id, folio_flags(id) & ~PG_UNEVICTABLE);
    folio_set_lru_links(id, -1, -1);
    lru_batch_put(id, cpu);
    freed = true;
  }
  if (freed) lru_batch_put_done();
}

/** Entries waiting in cpu's mlock batch (need_mlock_drain). */
export function mlock_batch_pending(cpu: i32): i32 {
  return cpu >= 0 && cpu < nr_cpus ? load<i32>(mb_count + (<usize>cpu << 2)) : -1;
}
