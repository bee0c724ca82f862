// The memcg uncharge path (mm/memcontrol.c): the batched uncharge (uncharge_folio,
// uncharge_batch, struct uncharge_gather) of __mem_cgroup_uncharge and
// __mem_cgroup_uncharge_folios, the folios an lru_add batch lets go, and exit_mm's (sched.ts).

import { EINVAL } from "./errno";
import {
  FOLIO_ANON, PG_LRU, PG_UNEVICTABLE, folio_charged, folio_count, folio_free, folio_free_info, folio_info, folio_memcg, folio_memcg_data,
  folio_nid, folio_nid_at, folio_order, folio_owner, folio_owner_info, folio_set_data, folio_set_owner, folio_split_head, folio_split_next,
  folio_split_tail, folio_swap_slot, folio_swapped, info_flags, info_kind, info_nid, info_order, info_single_resident,
  max_folios,
} from "./folio";
import { memcg1_oom_recover } from "./memcg1_oom";
import { op_end } from "./resched";
import { css_get, css_get_put, css_put, mem_cgroup_is_root, memcg_exists, memcg_page_events_add } from "./memcg";
import { PGPGOUT, folio_page_stat, folio_page_stat_of, stat_mod } from "./rstat";
import { lru_del_info } from "./lru";
import { MM_ANONPAGES, MM_SWAPENTS, task_mm_add } from "./task";
import { swap_entry_free } from "./swapcharge";
import { SIM_UNCHARGE_BATCHES, sim_inc } from "./simstat";
import { memcg_uncharge } from "./stock";
import { nr_cpus } from "./topology";
import { OPK_UNCHARGE, cost_folio, cost_on, cost_op_begin, cost_op_end } from "./cost_model";
import { lru_batch_forget, lru_batch_held, lru_batch_hold } from "./folio_batch";
import { lru_add_drain_unmap } from "./lru_add";
import { mlock_batch_held, mlock_unmap_holds, munlock_folio_hold } from "./mlock_batch";

// struct uncharge_gather
let ugMemcg: i32 = -1;
let ugNrMemory: i64 = 0;
let ugPgpgout: i64 = 0;
let ugNid: i32 = 0;
let ugCpu: i32 = 0; // the CPU the uncharge runs on

// uncharge_batch: one counter uncharge for the gathered folios of one memcg.
function uncharge_batch(): void {
  uncharge_batch_inline();
}
@inline function uncharge_batch_inline(): void {
  if (ugMemcg < 0) return;
  if (ugNrMemory > 0) {
    memcg_uncharge(ugMemcg, ugNrMemory);
    memcg1_oom_recover(ugMemcg);
  }
  stat_mod(ugMemcg, ugNid, PGPGOUT, ugPgpgout, ugCpu); // memcg1_uncharge_batch
  memcg_page_events_add(ugMemcg, ugNrMemory);
  sim_inc(SIM_UNCHARGE_BATCHES, 1);
  const m = ugMemcg;
  ugMemcg = -1;
  ugNrMemory = 0;
  ugPgpgout = 0;
  css_put(m, 1); // pairs with the gather's css_get in uncharge_folio
}

// An anon folio losing its last mapping (folio_remove_rmap: the RSS counter) that a per-CPU
// batch still references is not freed: uncharged when the batch lets it go (lru_batch_put).
// Its lru_add batch entry (lru_batch_hold), or, for a locked folio from 5.18, the munlock_folio
// entry the unmap adds to cpu's mlock batch (munlock_folio_hold, after the counts: that add may
// process the batch and free it at once). True if held.
function batch_hold(m: i32, id: i32, info: i32, cpu: i32): bool {
  const mlocked = (info_flags(info) & PG_UNEVICTABLE) != 0 && mlock_unmap_holds();
  if (!mlocked && ((info_flags(info) & PG_LRU) != 0 || !lru_batch_hold(id))) return false;
  folio_page_stat(m, id, folio_nid(id), -1, cpu);
  const t = folio_owner(id);
  if (t >= 0) task_mm_add(t, MM_ANONPAGES, -(<i64>1 << folio_order(id)));
  folio_set_owner(id, -1);
  if (mlocked) munlock_folio_hold(id, cpu);
  return true;
}

// uncharge_folio: add a folio to the gather, flushing it when the memcg changes.
function uncharge_folio(id: i32): void {
  uncharge_folio_inline(id);
}
@inline function uncharge_folio_inline(id: i32): void {
  const m = folio_memcg(id);
  // VM_BUG_ON: a charged folio always names a memcg that exists.
  if (!memcg_exists(m)) throw new Error("uncharge_folio: memcg_data names no memcg");
  let info = folio_info(id);
  if (info_kind(info) == FOLIO_ANON && batch_hold(m, id, info, ugCpu)) return;
  if (ugMemcg != m) {
    uncharge_batch_inline();
    ugMemcg = m;
    ugNid = folio_nid(id); // memcg1_uncharge_batch counts on the first folio's node
    css_get(m, 1); // the gather holds the memcg until uncharge_batch
    info = folio_info(id);
  }
  // The record word is kept in info from here on (no reload after each store).
  const nid = info_nid(info);
  const nr = <i64>1 << info_order(info);
  if (cost_on) cost_folio(id, folio_nid_at(id)); // folio_memcg, then memcg_data = 0
  if (!mem_cgroup_is_root(m)) ugNrMemory += nr; // uncharge_folio: the root is not charged
  ugPgpgout++;
  folio_page_stat_of(m, info_order(info), info_kind(info), nid, -1, ugCpu);
  if ((info_flags(info) & PG_LRU) != 0) info = lru_del_info(m, id, ugCpu, info);
  else lru_batch_forget(id); // still in an lru_add batch
  const t = folio_owner_info(id, info);
  if (t >= 0) task_mm_add(t, MM_ANONPAGES, -nr);
  css_put(m, 1);
  folio_free_info(id, info); // memcg_data = 0
}

// uncharge_folio then uncharge_batch of one folio (resident, never split) with no gather open:
// the same steps in the same order, the gather's memcg and counts kept in locals (ugMemcg < 0
// and ugNrMemory = ugPgpgout = 0 before and after, as uncharge_batch leaves them).
@inline function uncharge_single_inline(id: i32, cpu: i32): void {
  const m = folio_memcg(id);
  // VM_BUG_ON: a charged folio always names a memcg that exists.
  if (!memcg_exists(m)) throw new Error("uncharge_folio: memcg_data names no memcg");
  let info = folio_info(id);
  const kind = info_kind(info);
  if (kind == FOLIO_ANON && batch_hold(m, id, info, cpu)) return;
  const nid = info_nid(info);
  ugNid = nid; // memcg1_uncharge_batch counts on the first folio's node
  const order = info_order(info);
  const nr = <i64>1 << order;
  if (cost_on) cost_folio(id, folio_nid_at(id)); // folio_memcg, then memcg_data = 0
  const nrMemory: i64 = mem_cgroup_is_root(m) ? 0 : nr; // uncharge_folio: the root is not charged
  folio_page_stat_of(m, order, kind, nid, -1, cpu);
  if ((info_flags(info) & PG_LRU) != 0) info = lru_del_info(m, id, cpu, info);
  else lru_batch_forget(id); // still in an lru_add batch
  const t = folio_owner_info(id, info);
  if (t >= 0) task_mm_add(t, MM_ANONPAGES, -nr);
  css_get_put(m); // the gather's css_get (it holds the memcg until uncharge_batch), the folio's css_put
  folio_free_info(id, info); // memcg_data = 0
  // uncharge_batch
  if (nrMemory > 0) {
    memcg_uncharge(m, nrMemory);
    memcg1_oom_recover(m);
  }
  stat_mod(m, nid, PGPGOUT, 1, cpu); // memcg1_uncharge_batch
  memcg_page_events_add(m, nrMemory);
  sim_inc(SIM_UNCHARGE_BATCHES, 1);
  css_put(m, 1); // pairs with the gather's css_get
}

/**
 * folio_batch_move_lru → folios_put: an unmapped folio the lru_add batch of cpu held goes to
 * the uncharge gather and is freed (lru_batch_put_done ends the gather).
 */
export function lru_batch_put(id: i32, cpu: i32): void {
  const m = folio_memcg(id);
  if (ugMemcg < 0) ugCpu = cpu;
  if (ugMemcg != m) {
    uncharge_batch();
    ugMemcg = m;
    ugNid = folio_nid(id);
    css_get(m, 1);
  }
  if (!mem_cgroup_is_root(m)) ugNrMemory += <i64>1 << folio_order(id);
  ugPgpgout++;
  css_put(m, 1);
  folio_free(id);
}
/** The end of a drain's folios_put: the gathered uncharge. */
export function lru_batch_put_done(): void {
  uncharge_batch();
}

/** An uncharge list is being gathered record by record (replay): its last record is to come. */
export function uncharge_gather_open(): bool {
  return ugMemcg >= 0;
}

// The task's page is in swap: freeing it frees the entry (swap_free → mem_cgroup_uncharge_swap).
function free_swapped(id: i32, cpu: i32): void {
  const nr = <i64>1 << folio_order(id);
  swap_entry_free(folio_swap_slot(id), cpu);
  const t = folio_owner(id);
  if (t >= 0) task_mm_add(t, MM_SWAPENTS, -nr);
  folio_free(id);
}

/** exit_mm / the OOM reaper, the folios' part: free every page of task t (resident anon folios and swap entries). */
export function task_uncharge_folios(t: i32, cpu: i32): void {
  lru_add_drain_unmap(cpu); // exit_mmap (up to 6.12)
  const n = folio_count();
  ugCpu = cpu;
  for (let id = 0; id < n; id++) {
    if (folio_owner(id) != t) continue;
    if (folio_swapped(id)) free_swapped(id, cpu);
    else if (folio_charged(id)) uncharge_folio(id);
  }
  uncharge_batch();
}

/**
 * __mem_cgroup_uncharge: uncharge (and free) one folio from cpu; a page in swap frees its
 * swap entry instead. -EINVAL if it is neither.
 */
export function mem_cgroup_uncharge(id: i32, cpu: i32): i32 {
  return mem_cgroup_uncharge_inline(id, cpu);
}
/** mem_cgroup_uncharge, inlined into the replay loop (replay.ts). */
@inline export function mem_cgroup_uncharge_inline(id: i32, cpu: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (!folio_handle(id)) return -EINVAL;
  const swapOnly = folio_swapped(id) && !folio_split_head(id);
  if (cost_on) cost_op_begin(cpu, OPK_UNCHARGE);
  lru_add_drain_unmap(cpu); // the unmap's own drain (up to 6.12)
  ugCpu = cpu;
  if (ugMemcg < 0 && info_single_resident(folio_info(id))) uncharge_single_inline(id, cpu);
  else {
    // a split range, a page in swap, or a gather open (an uncharge list replayed record by record)
    free_range(id, cpu);
    uncharge_batch();
  }
  if (!swapOnly) op_end(cpu); // (a page in swap only frees its entry)
  if (cost_on) cost_op_end();
  return 0;
}

// A folio id a user holds: charged or in swap, not a later page of a split folio, and not
// one it unmapped that only an lru_add or mlock batch still holds.
@inline function folio_handle(id: i32): bool {
  return (folio_swapped(id) || folio_charged(id) && !lru_batch_held(id) && !mlock_batch_held(id)) && !folio_split_tail(id);
}

// Free folio id, and every page of its range if reclaim split it: pages in swap free their
// entry, resident ones go to the uncharge gather (one folio each, as after the split).
function free_range(id: i32, cpu: i32): void {
  free_range_inline(id, cpu);
}
@inline function free_range_inline(id: i32, cpu: i32): void {
  let p = id;
  while (p >= 0) {
    const next = folio_split_next(p);
    if (folio_swapped(p)) free_swapped(p, cpu);
    else uncharge_folio_inline(p);
    p = next;
  }
}

/**
 * __mem_cgroup_uncharge_folios: uncharge count folios whose ids are at ptr, gathering
 * consecutive folios of one memcg into one counter uncharge. All or nothing: -EINVAL if
 * any is not charged or listed twice.
 */
export function mem_cgroup_uncharge_list(ptr: usize, count: i32, cpu: i32): i32 {
  if (count < 0 || count > max_folios || cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  ugCpu = cpu;
  let bad = false;
  let i = 0;
  for (; i < count; i++) {
    const id = load<i32>(ptr + (<usize>i << 2));
    if (folio_split_tail(id)) {
      bad = true;
      break;
    }
    if (folio_swapped(id) && !folio_split_head(id)) continue; // a page in swap is freed on its own (no gather)
    if (!folio_handle(id) || folio_marked(id)) {
      bad = true;
      break;
    }
    folio_mark(id, true);
  }
  for (let j = 0; j < i; j++) {
    const id = load<i32>(ptr + (<usize>j << 2));
    if (!folio_swapped(id) || folio_split_head(id)) folio_mark(id, false);
  }
  if (bad) return -EINVAL;
  if (cost_on) cost_op_begin(cpu, OPK_UNCHARGE);
  lru_add_drain_unmap(cpu); // the unmap's own drain (up to 6.12)
  for (let j = 0; j < count; j++) free_range(load<i32>(ptr + (<usize>j << 2)), cpu);
  uncharge_batch();
  op_end(cpu);
  if (cost_on) cost_op_end();
  return 0;
}

/** One folio of an uncharge list replayed record by record; last flushes the gather. */
export function mem_cgroup_uncharge_gather(id: i32, last: bool, cpu: i32): i32 {
  if (cpu < 0 || cpu >= nr_cpus) return -EINVAL;
  if (cost_on) cost_op_begin(ugMemcg < 0 ? cpu : ugCpu, OPK_UNCHARGE);
  let ret = 0;
  if (!folio_handle(id)) ret = -EINVAL;
  else {
    if (ugMemcg < 0) {
      lru_add_drain_unmap(cpu); // the unmap's own drain (up to 6.12), before the list's first folio
      ugCpu = cpu; // a gather runs on the CPU of its first record
    }
    free_range(id, cpu);
  }
  if (last) {
    uncharge_batch();
    op_end(cpu);
  }
  if (cost_on) cost_op_end();
  return ret;
}

// A spare memcg_data bit marks folios already seen while validating a list.
const MARK: u32 = 1 << 31;
@inline function folio_marked(id: i32): bool {
  return (folio_memcg_data(id) & MARK) != 0;
}
function folio_mark(id: i32, on: bool): void {
  folio_set_data(id, on ? folio_memcg_data(id) | MARK : folio_memcg_data(id) & ~MARK);
}
