// Memcg statistics and their lazy flushing (mm/memcontrol.c: memcg_rstat_updated,
// mem_cgroup_flush_stats, mem_cgroup_css_rstat_flush; kernel/cgroup/rstat.c).
//
// The kernel counts a statistic update in per-CPU counters and folds them into the
// aggregates that memory.stat / memory.numa_stat read only when a flush runs. A reader
// flushes only when enough updates are pending (more than MEMCG_CHARGE_BATCH × online
// CPUs), so small changes stay invisible until more updates come, a reader finds the
// threshold crossed, or the periodic flusher (every 2 s) runs. The emulator keeps per memcg:
//   pending   updates of this memcg not yet flushed (the per-CPU deltas, summed over CPUs)
//   inbox     deltas flushed children pushed up, not yet folded here (vmstats->state_pending)
//   agg       flushed hierarchical values (vmstats->state, lruvec_stats->state)
//   local     flushed values of this memcg alone (state_local)
// The values a flush makes visible do not depend on which CPU an update ran on, so the
// per-CPU deltas are summed; the update counters that decide WHEN a flush happens are kept
// per CPU as the kernel keeps them.
//
// Up to 6.6 (profile.ts F_RSTAT_PER_MEMCG clear) the threshold is one global count and every
// flush is of the whole tree: each CPU counts its updates, a CPU past a batch adds whole
// batches to stats_flush_threshold and restarts, and a reader flushes the tree once that
// count exceeds the number of CPUs.

import { table_alloc } from "./layout";
import { folio_kind, folio_order, FOLIO_ANON, FOLIO_SHMEM, HPAGE_PMD_ORDER } from "./folio";
import { F_RSTAT_PER_MEMCG, era } from "./profile";
import {
  memcg_count, memcg_exists, memcg_first_child, memcg_next_sibling, parent_mem_cgroup,
} from "./memcg";
import { nr_cpus, nr_nodes } from "./topology";
import { charge_batch, charge_batch_cpus } from "./memcg"; // MEMCG_CHARGE_BATCH of the era (profile.ts)
import {
  ACC_ATOMIC, ACC_WRITE, OPK_OTHER, cost_enter_cpu, cost_leave_cpu, cost_on, cost_other_begin, cost_other_end, cost_rstat_cpu_lock,
  cost_rstat_flush_cpu, cost_rstat_level, cost_rstat_level_hot, cost_rstat_lock, cost_stats_pcpu, cost_stats_updates,
} from "./cost_model";


// Statistic items, each per memcg per node (events are memcg-wide: read as the sum of nodes).
export const NR_ANON_MAPPED: i32 = 0; // node_stat_item, pages
export const NR_FILE_PAGES: i32 = 1;
export const NR_ANON_THPS: i32 = 2;
export const NR_FILE_THPS: i32 = 3;
export const PGPGIN: i32 = 4; // memcg_vm_event_stat (v1 only shows them)
export const PGPGOUT: i32 = 5;
export const NR_LRU_BASE: i32 = 6; // NR_LRU_BASE + enum lru_list: NR_INACTIVE_ANON … NR_UNEVICTABLE
export const NR_INACTIVE_ANON: i32 = 6;
export const NR_ACTIVE_ANON: i32 = 7;
export const NR_INACTIVE_FILE: i32 = 8;
export const NR_ACTIVE_FILE: i32 = 9;
export const NR_UNEVICTABLE: i32 = 10;
export const PGSCAN_DIRECT: i32 = 11; // reclaim events (count_memcg_events), memcg-wide
export const PGSTEAL_DIRECT: i32 = 12;
export const PGSCAN_PROACTIVE: i32 = 13;
export const PGSTEAL_PROACTIVE: i32 = 14;
export const PGREFILL: i32 = 15;
export const PGACTIVATE: i32 = 16;
export const PGDEACTIVATE: i32 = 17;
export const PSWPIN: i32 = 18;
export const PSWPOUT: i32 = 19;
export const PGMAJFAULT: i32 = 20;
export const MEMCG_SWAP: i32 = 21; // pages of the memcg in swap
export const PGFAULT: i32 = 22; // mm_account_fault: every fault, failed ones included
export const NR_SLAB_RECLAIMABLE_B: i32 = 23; // node_stat_item, bytes (objcg.ts)
export const NR_SLAB_UNRECLAIMABLE_B: i32 = 24; // bytes
export const NR_PAGETABLE: i32 = 25; // pages (pgtable.ts)
export const NR_SHMEM: i32 = 26; // pages (filemap.ts)
export const NR_FILE_MAPPED: i32 = 27; // pages
export const MEMCG_KMEM: i32 = 28; // memcg_stat_item, pages (kept on node 0)
export const MEMCG_PERCPU_B: i32 = 29; // memcg_stat_item, bytes (kept on node 0)
export const THP_SWPOUT: i32 = 30; // PMD-sized folios swapped out whole (count_swpout_vm_event)
export const THP_SWPOUT_FALLBACK: i32 = 31; // ... split instead, their base pages swapped (shrink_folio_list)
export const MEMCG_SOCK: i32 = 32; // memcg_stat_item: socket memory pages (memory.stat sock)
// count_memcg_event_mm(THP_FAULT_ALLOC) in map_anon_folio_pmd (6.18; __do_huge_pmd_anonymous_page
// up to 6.12): a PMD folio mapped by a fault, memcg-wide (v2 memory.stat thp_fault_alloc).
export const MEMCG_THP_FAULT_ALLOC: i32 = 33;
export const NR_STAT_ITEMS: i32 = 34;

let pending: usize = 0; // i64[M][nodes][items]
let inbox: usize = 0;
let agg: usize = 0;
let local: usize = 0;
let pcpuUpdates: usize = 0; // i32[M][cpus]: memcg_vmstats_percpu->stats_updates
let updates: usize = 0; // i64[M]: memcg_vmstats->stats_updates
let stride: i32 = 0; // i64 slots per memcg
let perMemcg = true; // F_RSTAT_PER_MEMCG
let globalPcpu: usize = 0; // i32[cpus]: the per-CPU stats_updates of <= 6.6
let globalThreshold: i64 = 0; // stats_flush_threshold (<= 6.6), in batches

export function rstat_init(maxMemcgs: i32): bool {
  perMemcg = era(F_RSTAT_PER_MEMCG);
  globalPcpu = table_alloc("rstat global per-CPU updates", nr_cpus, 4);
  stride = nr_nodes * NR_STAT_ITEMS;
  const n = <u64>maxMemcgs * <u64>stride;
  pending = table_alloc("rstat pending", n, 8);
  inbox = table_alloc("rstat inbox", n, 8);
  agg = table_alloc("rstat aggregated", n, 8);
  local = table_alloc("rstat local", n, 8);
  pcpuUpdates = table_alloc("rstat per-CPU stats_updates", <u64>maxMemcgs * <u64>nr_cpus, 4);
  updates = table_alloc("rstat stats_updates", maxMemcgs, 8);
  if (cost_on) {
    childMarks = table_alloc("cost: rstat flush marks", maxMemcgs, 1);
    if (childMarks == 0) return false;
  }
  return updates != 0;
}

@inline function slot(table: usize, m: i32, node: i32, item: i32): usize {
  return table + ((<usize>m * <usize>stride + <usize>(node * NR_STAT_ITEMS + item)) << 3);
}

// memcg_vmstats_needs_flush: more pending updates than a batch per online CPU.
@inline function needs_flush(m: i32): bool {
  return load<i64>(updates + (<usize>m << 3)) > charge_batch_cpus;
}

/** memcg_rstat_updated: count |val| updates from cpu on m and each ancestor. */
function rstat_updated(m: i32, val: i64, cpu: i32, hot: bool): void {
  if (val == 0) return;
  const v = val < 0 ? -val : val;
  if (!perMemcg) {
    // memcg_rstat_updated (<= 6.6): past a batch, whole batches go to the global count and
    // the CPU's count restarts (the remainder is dropped).
    const p = globalPcpu + (<usize>cpu << 2);
    const x = <i64>load<i32>(p) + v;
    if (x > <i64>charge_batch) {
      globalThreshold += x / <i64>charge_batch;
      store<i32>(p, 0);
    } else store<i32>(p, <i32>x);
    return;
  }
  // The walk's first level tested before the loop: a memcg already due for a flush stops it at
  // once (the common case between flushes). The cost build costs that level in the loop.
  if (!cost_on && needs_flush(m)) return;
  for (let x = m; x >= 0; x = parent_mem_cgroup(x)) {
    // memcg_rstat_updated: an ancestor already due for a flush needs no more counting
    const due = needs_flush(x);
    if (cost_on) {
      // memcg_vmstats_needs_flush, this_cpu_add_return (m's own line on cpu: just written by mod_memcg_state when hot)
      if (hot && x == m) cost_rstat_level_hot(x, cpu, due);
      else cost_rstat_level(x, cpu, due);
    }
    if (due) break;
    const p = pcpuUpdates + ((<usize>x * <usize>nr_cpus + <usize>cpu) << 2);
    const n = load<i32>(p) + <i32>v;
    if (n < charge_batch) {
      store<i32>(p, n);
      continue;
    }
    // memcg_rstat_updated: a CPU's batch of updates moves to the memcg-wide count
    if (cost_on) cost_stats_updates(x, ACC_ATOMIC); // atomic64_add
    const u = updates + (<usize>x << 3);
    store<i64>(u, load<i64>(u) + n);
    store<i32>(p, 0);
  }
}

/** mod_memcg_lruvec_state / count_memcg_events: a statistic update on cpu. */
export function stat_mod(m: i32, node: i32, item: i32, delta: i64, cpu: i32): void {
  if (cost_on) cost_stats_pcpu(m, cpu); // __mod_memcg_lruvec_state: the per-CPU counters
  const p = slot(pending, m, node, item);
  store<i64>(p, load<i64>(p) + delta);
  rstat_updated(m, delta, cpu, true);
}

/**
 * An update of a byte-sized item: memcg_state_val_in_pages counts it for the flush
 * threshold as whole pages, at least 1.
 */
export function stat_mod_bytes(m: i32, node: i32, item: i32, delta: i64, cpu: i32): void {
  if (delta == 0) return;
  const p = slot(pending, m, node, item);
  store<i64>(p, load<i64>(p) + delta);
  const a = delta < 0 ? -delta : delta;
  rstat_updated(m, max<i64>(a >> 12, 1), cpu, false);
}

/** css_rstat_flush: fold the pending updates of m's subtree, children before parents. */
export function rstat_flush(m: i32): void {
  if (cost_on) cost_flush(m);
  // A post-order walk of the css tree (offline memcgs included).
  let x = m;
  while (memcg_first_child(x) >= 0) x = memcg_first_child(x);
  while (true) {
    flush_one(x);
    if (x == m) break;
    const sib = memcg_next_sibling(x);
    if (sib >= 0) {
      x = sib;
      while (memcg_first_child(x) >= 0) x = memcg_first_child(x);
    } else x = parent_mem_cgroup(x);
  }
}

// Post-order successor of x in m's subtree (-1 after m).
function post_first(m: i32): i32 {
  let x = m;
  while (memcg_first_child(x) >= 0) x = memcg_first_child(x);
  return x;
}
function post_next(x: i32, m: i32): i32 {
  if (x == m) return -1;
  const sib = memcg_next_sibling(x);
  return sib >= 0 ? post_first(sib) : parent_mem_cgroup(x);
}

// The cost of css_rstat_flush (kernel/cgroup/rstat.c, 6.18; the cost model only): for each
// possible CPU the flusher takes the rstat lock (the memory subsystem's rstat_ss_lock in 6.18,
// cgroup_rstat_lock before; reacquired per CPU since "cgroup: rstat: Cleanup flushing
// functions and locking", 093c8812de2d, where older kernels held it across CPUs: the model
// takes it per CPU in every era), then that CPU's rstat lock in css_rstat_updated_list, and
// walks the CPU's updated list: every memcg of the subtree updated on that CPU since the last
// flush, and its ancestors in the subtree. Each visit is mem_cgroup_css_rstat_flush(memcg, cpu): it reads
// the memcg's per-CPU statistics of that CPU and writes their prev copies (the line comes to
// the flusher), adds the deltas to memcg->vmstats and the parent's pending counts, and clears
// vmstats->stats_updates (the memcg's shared vmstats line here). The flush runs on CPU 0:
// flush_memcg_stats_dwork is an unbound kworker, and a file read has no CPU in the emulator.
function cost_flush(m: i32): void {
  const begun = cost_other_begin(0, OPK_OTHER);
  const prev = cost_enter_cpu(0);
  for (let c = 0; c < nr_cpus; c++) {
    cost_rstat_lock(ACC_ATOMIC); // __css_rstat_lock: spin_lock_irq
    cost_rstat_cpu_lock(c); // css_rstat_updated_list: raw_spin_lock_irqsave, unlock
    // a memcg is visited when it was updated on c or a child of it was visited (post-order)
    for (let x = post_first(m); x >= 0; x = post_next(x, m)) {
      const child = flush_child(x, false);
      if (!cost_rstat_flush_cpu(x, c) && !child) continue;
      cost_stats_updates(x, ACC_WRITE); // memcg->vmstats: state, stats_updates
      const parent = parent_mem_cgroup(x);
      if (x != m && parent >= 0) {
        cost_stats_updates(parent, ACC_WRITE); // parent->vmstats->state_pending
        flush_child(parent, true);
      }
    }
    cost_rstat_lock(ACC_WRITE); // __css_rstat_unlock: spin_unlock_irq
  }
  cost_leave_cpu(prev);
  cost_other_end(begun);
}
// Per-memcg "a child was visited" marks of the flush walk: read and cleared (set: marked).
let childMarks: usize = 0;
function flush_child(x: i32, set: bool): bool {
  const p = childMarks + <usize>x;
  if (set) {
    store<u8>(p, 1);
    return true;
  }
  const v = load<u8>(p) != 0;
  if (v) store<u8>(p, 0);
  return v;
}

function flush_one(x: i32): void {
  const parent = parent_mem_cgroup(x);
  for (let i = 0; i < stride; i++) {
    const off = (<usize>x * <usize>stride + <usize>i) << 3;
    const own = load<i64>(pending + off);
    const delta = own + load<i64>(inbox + off);
    if (delta == 0 && own == 0) continue;
    store<i64>(agg + off, load<i64>(agg + off) + delta);
    store<i64>(local + off, load<i64>(local + off) + own);
    store<i64>(pending + off, 0);
    store<i64>(inbox + off, 0);
    // mem_cgroup_css_rstat_flush: the delta waits in the parent until it is flushed
    if (parent >= 0) {
      const q = inbox + ((<usize>parent * <usize>stride + <usize>i) << 3);
      store<i64>(q, load<i64>(q) + delta);
    }
  }
  for (let c = 0; c < nr_cpus; c++) store<i32>(pcpuUpdates + ((<usize>x * <usize>nr_cpus + <usize>c) << 2), 0);
  store<i64>(updates + (<usize>x << 3), 0);
}

/** css_rstat_exit: a freed memcg's last updates go to its parent; its slot starts from zero. */
export function rstat_release(m: i32): void {
  rstat_flush(m);
  const bytes = <usize>stride * 8;
  const off = <usize>m * bytes;
  memory.fill(pending + off, 0, bytes);
  memory.fill(inbox + off, 0, bytes);
  memory.fill(agg + off, 0, bytes);
  memory.fill(local + off, 0, bytes);
}

/** mem_cgroup_flush_stats: flush m's subtree only when enough updates are pending. */
export function mem_cgroup_flush_stats(m: i32): bool {
  if (!perMemcg) {
    // mem_cgroup_flush_stats (<= 6.6): the whole tree, once the global count is past the CPUs.
    if (globalThreshold <= <i64>nr_cpus) return false;
    rstat_flush_all();
    return true;
  }
  if (!needs_flush(m)) return false;
  rstat_flush(m);
  return true;
}

/** do_flush_stats / flush_memcg_stats_dwork: flush the whole tree (and reset the <= 6.6 count). */
export function rstat_flush_all(): void {
  rstat_flush(0);
  globalThreshold = 0;
}

/** A flushed value: hierarchical (memory.stat) or local (v1 memory.stat, .local). */
export function stat_flushed(m: i32, node: i32, item: i32, hierarchical: bool): i64 {
  return load<i64>(slot(hierarchical ? agg : local, m, node, item));
}

/** The exact current value of m's own statistic (flushed + pending): the emulator's view. */
export function stat_exact(m: i32, node: i32, item: i32): i64 {
  return load<i64>(slot(local, m, node, item)) + load<i64>(slot(pending, m, node, item));
}

/** The count the flush threshold compares: memcg_vmstats->stats_updates, or <= 6.6 the global stats_flush_threshold. */
export function stat_updates(m: i32): i64 {
  return perMemcg ? load<i64>(updates + (<usize>m << 3)) : globalThreshold;
}

/** Global page statistic (node_page_state summed over nodes): every memcg's own pages. */
export function global_stat(item: i32): i64 {
  let total: i64 = 0;
  const n = memcg_count();
  for (let m = 0; m < n; m++) {
    if (!memcg_exists(m)) continue;
    for (let node = 0; node < nr_nodes; node++) total += stat_exact(m, node, item);
  }
  return total;
}

/**
 * The page statistics of a folio's kind (NR_ANON_MAPPED / NR_FILE_PAGES, and the THP
 * counters for a PMD-sized folio) on node nid: sign +1 when it is mapped or added to the
 * page cache, -1 when it leaves.
 */
export function folio_page_stat(m: i32, id: i32, nid: i32, sign: i64, cpu: i32): void {
  folio_page_stat_of(m, folio_order(id), folio_kind(id), nid, sign, cpu);
}
/** folio_page_stat of a folio of this order and kind. */
@inline export function folio_page_stat_of(m: i32, order: i32, kind: i32, nid: i32, sign: i64, cpu: i32): void {
  const nr = sign << order;
  const anon = kind == FOLIO_ANON;
  stat_mod(m, nid, anon ? NR_ANON_MAPPED : NR_FILE_PAGES, nr, cpu);
  if (kind == FOLIO_SHMEM) stat_mod(m, nid, NR_SHMEM, nr, cpu); // shmem_add_to_page_cache
  if (order == HPAGE_PMD_ORDER) stat_mod(m, nid, anon ? NR_ANON_THPS : NR_FILE_THPS, nr, cpu);
}

// THP faults' global vm events (/proc/vmstat): thp_fault.ts and charge_folio count them.
/** Global vm events (/proc/vmstat) of THP faults. */
export const THP_FAULT_ALLOC: i32 = 0;
export const THP_FAULT_FALLBACK: i32 = 1;
export const THP_FAULT_FALLBACK_CHARGE: i32 = 2;
const NR_THP_EVENTS: i32 = 3;

const thpEvents = new StaticArray<i64>(NR_THP_EVENTS);
/**
 * map_anon_folio_pmd (6.18; the end of __do_huge_pmd_anonymous_page in 5.15–6.12): a task's
 * fault mapped a PMD folio of memcg m: THP_FAULT_ALLOC, global and (count_memcg_event_mm) on
 * the mm's memcg. The fallback events are global only, in every era.
 */
export function count_thp_fault_alloc(m: i32, node: i32, cpu: i32): void {
  unchecked((thpEvents[THP_FAULT_ALLOC] += 1));
  stat_mod(m, node, MEMCG_THP_FAULT_ALLOC, 1, cpu);
}

/** A global THP fault event count. */
export function thp_fault_event(i: i32): i64 {
  return i >= 0 && i < NR_THP_EVENTS ? unchecked(thpEvents[i]) : 0;
}

/** THP_FAULT_FALLBACK and THP_FAULT_FALLBACK_CHARGE: a THP fault's charge failed (thp_fault.ts). */
export function count_thp_fault_fallback_charge(): void {
  unchecked((thpEvents[THP_FAULT_FALLBACK] += 1));
  unchecked((thpEvents[THP_FAULT_FALLBACK_CHARGE] += 1));
}
