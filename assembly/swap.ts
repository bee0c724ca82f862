// The swap device and its memcg records (mm/swapfile.c, mm/swap_cgroup.c): a device of
// a given size in pages; each swapped-out folio holds one entry of 2^order pages, and
// swap_cgroup remembers which memcg the entry is charged to.

import { table_alloc } from "./layout";
import { ACC_ATOMIC, ACC_READ, cost_on, cost_swap_cgroup } from "./cost_model";

let totalPages: i64 = 0; // total_swap_pages
let freePages: i64 = 0; // nr_swap_pages
let entryMemcg: usize = 0; // i32[E]: swap_cgroup record (memcg id), -1 = free
let entryPages: usize = 0; // i32[E]
let freeStack: usize = 0; // i32[E]
let nfree: i32 = 0;
let maxEntries: i32 = 0;

export function swap_init(pages: i32, maxMemcgs: i32): bool {
  totalPages = pages;
  freePages = pages;
  maxEntries = pages;
  const n = <u64>max(pages, 1);
  entryMemcg = table_alloc("swap_cgroup records", n, 4);
  entryPages = table_alloc("swap entry sizes", n, 4);
  freeStack = table_alloc("swap free list", n, 4);
  if (freeStack == 0) return false;
  // Hand out low entries first (the stack pops from the end).
  for (let i = 0; i < pages; i++) {
    store<i32>(freeStack + (<usize>i << 2), pages - 1 - i);
    store<i32>(entryMemcg + (<usize>i << 2), -1);
  }
  nfree = pages;
  return true;
}

export function total_swap_pages(): i64 {
  return totalPages;
}
/** get_nr_swap_pages: free pages on the device. */
export function nr_swap_pages(): i64 {
  return freePages;
}

/** folio_alloc_swap: an entry for nr pages, or -1 when the device is full. */
export function swap_alloc(nr: i32): i32 {
  if (nfree <= 0 || freePages < <i64>nr) return -1;
  nfree--;
  const e = load<i32>(freeStack + (<usize>nfree << 2));
  store<i32>(entryPages + (<usize>e << 2), nr);
  freePages -= nr;
  return e;
}

/** swap_cgroup_record / lookup_swap_cgroup_id */
export function swap_cgroup_record(e: i32, memcg: i32): void {
  if (cost_on) cost_swap_cgroup(e, ACC_ATOMIC);
  store<i32>(entryMemcg + (<usize>e << 2), memcg);
}
export function swap_cgroup_id(e: i32): i32 {
  if (cost_on) cost_swap_cgroup(e, ACC_READ);
  return load<i32>(entryMemcg + (<usize>e << 2));
}
export function swap_entry_pages(e: i32): i32 {
  return load<i32>(entryPages + (<usize>e << 2));
}

/** swap_free: the entry's pages go back to the device. */
export function swap_free(e: i32): void {
  freePages += load<i32>(entryPages + (<usize>e << 2));
  store<i32>(entryMemcg + (<usize>e << 2), -1);
  if (nfree < 0) {
    // swapoff in progress: the entry goes back to the (hidden) free stack
    const n = -nfree - 1;
    store<i32>(freeStack + (<usize>n << 2), e);
    nfree = -(n + 1) - 1;
    return;
  }
  store<i32>(freeStack + (<usize>nfree << 2), e);
  nfree++;
}

let offPages: i64 = 0;
/**
 * swapoff: del_from_avail_list (no new entries; total_swap_pages and nr_swap_pages drop the
 * device's pages) and, if try_to_unuse fails, reinsert_swap_info (writable again).
 */
export function swap_set_writeok(on: bool): void {
  if (!on) {
    offPages = totalPages;
    totalPages = 0;
    freePages -= offPages;
    nfree = -nfree - 1; // no allocation while off; kept to restore
  } else if (nfree < 0) {
    totalPages = offPages;
    freePages += offPages;
    nfree = -nfree - 1;
  }
}
