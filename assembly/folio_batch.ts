// The per-CPU lru_add folio_batch itself (struct folio_batch, include/linux/pagevec.h): the
// folios waiting in each CPU's batch, and the reference the batch holds on each (an unmapped
// anon folio stays charged while a batch holds it: the uncharge asks here, as the kernel's
// folio_put sees the batch's reference count). Filling and draining it is lru_add.ts.

import { table_alloc } from "./layout";
import { PG_LRU, folio_lru_prev, folio_set_lru_links, folio_test } from "./folio";
import { nr_cpus } from "./topology";
import { pagevec_size } from "./profile";

export let lru_add_batching: bool = false;
export let fb_folios: usize = 0; // i32[cpus × PAGEVEC_SIZE]: folio ids
export let fb_count: usize = 0; // i32[cpus]
// The lru links of a folio the batch holds after its last unmap (it is on no list): the
// user's handle is gone, only the batch's reference keeps it.
const HELD: i32 = -2;

export function lru_add_init(enabled: bool): bool {
  lru_add_batching = enabled;
  fb_folios = table_alloc("lru_add folio_batch", <u64>nr_cpus * pagevec_size, 4);
  fb_count = table_alloc("lru_add folio_batch count", nr_cpus, 4);
  return fb_count != 0;
}

@inline export function fb_slot(cpu: i32, i: i32): usize {
  return fb_folios + ((<usize>cpu * <usize>pagevec_size + <usize>i) << 2);
}

// The slot (cpu × PAGEVEC_SIZE + i) of the batch entry that is folio id, or -1.
function fb_find(id: i32): i32 {
  for (let cpu = 0; cpu < nr_cpus; cpu++) {
    const n = load<i32>(fb_count + (<usize>cpu << 2));
    for (let i = 0; i < n; i++) if (load<i32>(fb_slot(cpu, i)) == id) return cpu * pagevec_size + i;
  }
  return -1;
}

/**
 * An anon folio waiting in a batch lost its last mapping: the batch's reference keeps it
 * (charged, off every list) until the drain. False if it is in no batch.
 */
export function lru_batch_hold(id: i32): bool {
  if (!lru_add_batching) return false;
  const s = fb_find(id);
  if (s < 0) return false;
  store<i32>(fb_folios + (<usize>s << 2), -id - 1);
  folio_set_lru_links(id, HELD, HELD);
  return true;
}

/** The folio was unmapped while in a batch, which still holds it: no longer the user's handle. */
@inline export function lru_batch_held(id: i32): bool {
  return lru_add_batching && !folio_test(id, PG_LRU) && folio_lru_prev(id) == HELD;
}

/**
 * A batched folio that leaves before the drain (uncharged, or mlocked onto its own list): it
 * is taken out of the batch (the kernel keeps it until the drain, holding a reference).
 */
export function lru_batch_forget(id: i32): void {
  if (!lru_add_batching) return;
  const s = fb_find(id);
  if (s < 0) return;
  const cpu = s / pagevec_size;
  const pc = fb_count + (<usize>cpu << 2);
  const n = load<i32>(pc);
  for (let j = s % pagevec_size + 1; j < n; j++) store<i32>(fb_slot(cpu, j - 1), load<i32>(fb_slot(cpu, j)));
  store<i32>(pc, n - 1);
}

/** Folios waiting in cpu's batch. */
export function lru_add_pending(cpu: i32): i32 {
  return cpu >= 0 && cpu < nr_cpus ? load<i32>(fb_count + (<usize>cpu << 2)) : -1;
}
