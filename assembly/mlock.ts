// mlock (mm/mlock.c): a locked folio moves to the unevictable LRU (__mlock_folio:
// NR_UNEVICTABLE, v1 `unevictable`), reclaim never scans that list, munlock puts it back
// on its inactive evictable list (__munlock_folio). mlock populates the range first: a
// fault that cannot be charged makes mlock fail with EAGAIN (__mlock_posix_error_return).
// From 5.18 a newly faulted locked folio waits in the per-CPU mlock batch (mlock_batch.ts).

import { EAGAIN, EINVAL, ENOMEM } from "./errno";
import { FOLIO_ANON, PG_ACTIVE, PG_LRU, PG_SWAPPED, PG_UNEVICTABLE, folio_flags, folio_memcg, folio_set_flags, folio_test, folio_valid } from "./folio";
import { lru_add, lru_del } from "./lru";
import { lru_batch_forget, lru_batch_held } from "./folio_batch";
import { mem_cgroup_charge } from "./charge";
import { lru_add_drain } from "./lru_add";
import { mlock_batch_held, mlock_batching, mlock_new_folio } from "./mlock_batch";
import { nr_cpus } from "./topology";

let populated: i32 = 0;

/** __mlock_folio: a resident charged folio goes to the unevictable list. 0 or -EINVAL. */
export function folio_mlock(id: i32, cpu: i32): i32 {
  if (!folio_lockable(id, cpu)) return -EINVAL;
  // mlock_vma_pages_range (5.18+): lru_add_drain before the walk, and after it, by when the
  // folio's mlock_folio entry is processed: so it moves at once here, from its list
  if (mlock_batching()) lru_add_drain(cpu);
  const f = folio_flags(id);
  if ((f & PG_UNEVICTABLE) != 0) return 0;
  const m = folio_memcg(id);
  if ((f & PG_LRU) != 0) lru_del(m, id, cpu);
  else lru_batch_forget(id); // 5.15's locked fault: follow_page_pte drains its pagevec at once
  folio_set_flags(id, (folio_flags(id) & ~PG_ACTIVE) | PG_UNEVICTABLE);
  lru_add(m, id, cpu, false);
  return 0;
}

// A resident charged folio its user holds (not one only a batch still holds), on a valid CPU.
function folio_lockable(id: i32, cpu: i32): bool {
  return cpu >= 0 && cpu < nr_cpus && folio_valid(id) && folio_memcg(id) >= 0 && !folio_test(id, PG_SWAPPED) &&
    !lru_batch_held(id) && !mlock_batch_held(id);
}

/**
 * mlock_new_folio (folio_add_lru_vma): a folio just faulted in a locked region; from 5.18 it
 * waits in cpu's mlock batch (not the lru_add batch), before, it is locked at once (5.15: the
 * fault's lru_add pagevec, drained by follow_page_pte's lru_add_drain). 0 or -EINVAL.
 */
export function folio_mlock_new(id: i32, cpu: i32): i32 {
  if (!folio_lockable(id, cpu)) return -EINVAL;
  const f = folio_flags(id);
  if ((f & (PG_LRU | PG_UNEVICTABLE)) != 0 || !mlock_batching()) return folio_mlock(id, cpu);
  lru_batch_forget(id); // folio_add_lru_vma: the lru_add batch never had it
  folio_set_flags(id, f & ~PG_ACTIVE);
  mlock_new_folio(id, cpu);
  return 0;
}

/** __munlock_folio: back to the inactive evictable list. 0 or -EINVAL. */
export function folio_munlock(id: i32, cpu: i32): i32 {
  if (!folio_lockable(id, cpu)) return -EINVAL;
  if (mlock_batching()) lru_add_drain(cpu); // mlock_vma_pages_range: before (and after) its walk
  const f = folio_flags(id);
  if ((f & PG_UNEVICTABLE) == 0) return 0;
  const m = folio_memcg(id);
  if ((f & PG_LRU) != 0) lru_del(m, id, cpu);
  folio_set_flags(id, folio_flags(id) & ~PG_UNEVICTABLE);
  lru_add(m, id, cpu, false);
  return 0;
}

/**
 * mlock of nr not yet faulted pages of task t's anonymous memory (do_mlock → __mm_populate):
 * each page is faulted (charged) and locked; ids go to out. nr, or -EAGAIN when a fault
 * could not be charged (the pages locked so far stay: mlock_populated()).
 */
export function task_mlock_populate(t: i32, nr: i32, cpu: i32, gfp: i32, out: usize): i32 {
  populated = 0;
  if (nr < 0 || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  for (let i = 0; i < nr; i++) {
    const id = mem_cgroup_charge(0, cpu, 0, FOLIO_ANON, gfp, -1, t);
    if (id < 0) {
      populate_drain(cpu);
      return id == -ENOMEM ? -EAGAIN : id; // VM_FAULT_OOM → -ENOMEM → EAGAIN
    }
    // v1 oom_kill_disable: the fault sleeps in the OOM wait (its folio is not charged yet);
    // the populate stops here (the woken fault completes later, without the lock)
    if (folio_memcg(id) < 0) {
      populate_drain(cpu);
      return -EAGAIN;
    }
    folio_mlock_new(id, cpu); // the fault's folio_add_lru_vma
    store<i32>(out + (<usize>i << 2), id);
    populated++;
  }
  populate_drain(cpu);
  return nr;
}
// populate_vma_page_range (5.18+): lru_add_drain after __get_user_pages, whatever it returned.
function populate_drain(cpu: i32): void {
  if (mlock_batching()) lru_add_drain(cpu);
}
export function mlock_populated(): i32 {
  return populated;
}
