// Memory reclaim on behalf of a memcg (mm/vmscan.c, classic LRU, no MGLRU):
// try_to_free_mem_cgroup_pages → do_try_to_free_pages (priority loop) → shrink_node →
// shrink_node_memcgs (the target's subtree, with memory.min/low protection) →
// shrink_lruvec (get_scan_count, SWAP_CLUSTER_MAX batches) → shrink_active_list /
// shrink_inactive_list → shrink_folio_list (folio_check_references, swap-out, freeing).
//
// Simplifications (README "not modelled"): folios are always clean (no dirty/writeback
// pages; a swap write completes at once, as on zram), no workingset refault detection
// and no reclaim cost history (anon_cost = file_cost = 0), no slab shrinking, no
// lru_add batching (new folios are on their LRU at once), LRU sizes read exactly.

import { filemap_folio_unmap } from "./filemap";
import { lru_add_drain, lru_add_drain_all } from "./lru_add";
import { EAGAIN } from "./errno";
import {
  FOLIO_ANON, FOLIO_FILE, HPAGE_PMD_ORDER, PG_ACTIVE, PG_REFERENCED, PG_SWAPPED, PG_YOUNG, folio_flags, folio_free,
  folio_ids_left, folio_kind, folio_nid, folio_nid_at, folio_order, folio_owner, folio_set_data, folio_set_flags, folio_set_swap_slot,
  folio_split_ids,
} from "./folio";
import { GFP_KERNEL, __GFP_IO } from "./gfp";
import {
  LRU_ACTIVE_ANON, LRU_ACTIVE_FILE, LRU_INACTIVE_ANON, LRU_INACTIVE_FILE, lru_add, lru_del, lru_size, lru_tail,
} from "./lru";
import {
  MEMCG_LOW, css_get, css_put, mem_cgroup_next_pre, mem_cgroup_swappiness, memcg_memory_event, memcg_online,
  memcg_page_events_add, memory_counter, on_dfl, parent_mem_cgroup,
} from "./memcg";
import { PCF_ELOW, PCF_EMIN, page_counter_calculate_protection, pc_field, pc_usage } from "./page_counter";
import { memcg_uncharge } from "./stock";
import { sched_point } from "./resched";
import { memcg1_oom_recover } from "./memcg1_oom";
import {
  folio_page_stat, NR_ANON_THPS, PGACTIVATE, PGDEACTIVATE, PGPGOUT, PGREFILL,
  PGSCAN_DIRECT, PGSCAN_PROACTIVE, PGSTEAL_DIRECT, PGSTEAL_PROACTIVE, PSWPOUT, THP_SWPOUT, THP_SWPOUT_FALLBACK, stat_mod,
} from "./rstat";
import { sim_inc, SIM_RECLAIM_CALLS, SIM_SPLIT_NO_IDS } from "./simstat";
import { mem_cgroup_get_nr_swap_pages, swap_out_charge, swap_out_uncharge_memory } from "./swapcharge";
import { total_swap_pages } from "./swap";
import { table_alloc } from "./layout";
import { F_LRU_COST_ROTATION, F_PARTIAL_WALK, F_TARGET_SELF_PROTECTED, era } from "./profile";
import { MM_ANONPAGES, MM_SWAPENTS, task_mm_add } from "./task";
import { cpu_to_node, nr_nodes } from "./topology";
import { cost_folio_atomic, cost_on } from "./cost_model";

export const SWAP_CLUSTER_MAX: i64 = 32;
export const DEF_PRIORITY: i32 = 12;
export const MAX_SWAPPINESS: i64 = 200;
export const SWAPPINESS_ANON_ONLY: i32 = 201; // memory.reclaim swappiness=max
export const MEMCG_RECLAIM_MAY_SWAP: i32 = 1;
export const MEMCG_RECLAIM_PROACTIVE: i32 = 2;

let recursiveProt = false;
let iterPos: usize = 0; // i32[M][nodes]: mem_cgroup_reclaim_iter position per (target, node)
let anonCost: usize = 0; // i64[M][nodes]: lruvec->anon_cost
let fileCost: usize = 0; // i64[M][nodes]: lruvec->file_cost

export function reclaim_init(recursive: bool, maxMemcgs: i32): bool {
  recursiveProt = recursive;
  const n = <u64>maxMemcgs * <u64>nr_nodes;
  iterPos = table_alloc("reclaim iterators", n, 4);
  anonCost = table_alloc("lruvec anon_cost", n, 8);
  fileCost = table_alloc("lruvec file_cost", n, 8);
  if (fileCost == 0) return false;
  for (let i: usize = 0; i < <usize>n; i++) store<i32>(iterPos + (i << 2), -1);
  return true;
}

/** A new memcg in slot m: its reclaim iterators start over and its lruvecs have no cost history. */
export function reclaim_memcg_init(m: i32): void {
  for (let node = 0; node < nr_nodes; node++) {
    const i = <usize>m * <usize>nr_nodes + <usize>node;
    store<i32>(iterPos + (i << 2), -1);
    store<i64>(anonCost + (i << 3), 0);
    store<i64>(fileCost + (i << 3), 0);
  }
}

/** invalidate_reclaim_iterators: no iterator of m or an ancestor may go on from freed m. */
export function reclaim_invalidate_iterators(dead: i32): void {
  for (let x = dead; x >= 0; x = parent_mem_cgroup(x)) {
    for (let node = 0; node < nr_nodes; node++) {
      const p = iterPos + ((<usize>x * <usize>nr_nodes + <usize>node) << 2);
      if (load<i32>(p) == dead) store<i32>(p, -1);
    }
  }
}

// struct scan_control (the fields this model uses)
let scTarget: i32 = 0;
let scNrToReclaim: i64 = 0;
let scNrReclaimed: i64 = 0;
let scPriority: i32 = DEF_PRIORITY;
let scMaySwap = true;
let scProactive = false;
let scSwappiness: i32 = -1; // memory.reclaim's swappiness= (-1: the memcg's own)
let scGfp: i32 = 0;
let scCpu: i32 = 0;
let scMemcgFullWalk = false;
let scForceDeactivate = false;
let scSkippedDeactivate = false;
let scMemcgLowReclaim = false;
let scMemcgLowSkipped = false;
let scMayDeactivateAnon = false;
let scMayDeactivateFile = false;
let scCacheTrim = false;
let scAnonCost: i64 = 0;
let scFileCost: i64 = 0;

/**
 * try_to_free_mem_cgroup_pages: reclaim at least nrPages (SWAP_CLUSTER_MAX at least) from
 * m's subtree; the number of pages reclaimed.
 */
export function try_to_free_mem_cgroup_pages(m: i32, nrPages: i64, gfp: i32, options: i32, cpu: i32, swappiness: i32): i64 {
  sim_inc(SIM_RECLAIM_CALLS, 1);
  sched_point(cpu); // shrink_node_memcgs: cond_resched (sched.ts: other CPUs' work and victims run)
  scTarget = m;
  scNrToReclaim = max(nrPages, SWAP_CLUSTER_MAX);
  scNrReclaimed = 0;
  scMaySwap = (options & MEMCG_RECLAIM_MAY_SWAP) != 0;
  scProactive = (options & MEMCG_RECLAIM_PROACTIVE) != 0;
  scSwappiness = swappiness;
  scGfp = gfp;
  scCpu = cpu;
  // shrink_node_memcgs: partial walks only since "restore incremental cgroup iteration" (F_PARTIAL_WALK).
  scMemcgFullWalk = !era(F_PARTIAL_WALK);
  scForceDeactivate = false;
  scSkippedDeactivate = false;
  scMemcgLowReclaim = false;
  scMemcgLowSkipped = false;
  return do_try_to_free_pages();
}

// do_try_to_free_pages: priorities 12 down to 0 until enough is reclaimed. A pass that
// reclaimed nothing is retried: with a full memcg walk, then forcing deactivation, then
// reclaiming below memory.low.
function do_try_to_free_pages(): i64 {
  while (true) {
    scPriority = DEF_PRIORITY;
    do {
      shrink_zones();
      if (scNrReclaimed >= scNrToReclaim) break;
    } while (--scPriority >= 0);
    if (scNrReclaimed > 0) return scNrReclaimed;
    if (!scMemcgFullWalk) {
      scMemcgFullWalk = true;
    } else if (scSkippedDeactivate) {
      scForceDeactivate = true;
      scSkippedDeactivate = false;
    } else if (scMemcgLowSkipped) {
      scForceDeactivate = false;
      scMemcgLowReclaim = true;
      scMemcgLowSkipped = false;
    } else return 0;
  }
}

// shrink_zones: every node, the reclaiming CPU's node first.
function shrink_zones(): void {
  const local = cpu_to_node(scCpu);
  for (let i = 0; i < nr_nodes; i++) {
    shrink_node((local + i) % nr_nodes);
  }
}

function shrink_node(node: i32): void {
  prepare_scan_control(node);
  shrink_node_memcgs(node);
}

// inactive_is_low: the inactive list is smaller than active / inactive_ratio (the lruvec's
// subtree totals).
function inactive_is_low(m: i32, node: i32, inactiveLru: i32): bool {
  return inactive_low(lru_size_tree(m, node, inactiveLru), lru_size_tree(m, node, inactiveLru + 1));
}
function inactive_low(inactive: i64, active: i64): bool {
  const gb = (inactive + active) >> 18; // pages → GiB (30 - PAGE_SHIFT)
  const ratio: i64 = gb > 0 ? <i64>Math.floor(Math.sqrt(<f64>(gb * 10))) : 1;
  return inactive * ratio < active;
}

// lruvec_page_state of a memcg's lruvec: hierarchical (the subtree's lists), summed over
// lists first..last.
function lru_size_tree(root: i32, node: i32, first: i32, last: i32 = first): i64 {
  let total: i64 = 0;
  for (let x = root; x >= 0; x = mem_cgroup_next_pre(x, root)) {
    for (let lru = first; lru <= last; lru++) total += lru_size(x, node, lru);
  }
  return total;
}

// prepare_scan_control: cost balance, deactivation and cache-trim decisions from the
// target's lruvec.
function prepare_scan_control(node: i32): void {
  const i = (<usize>scTarget * <usize>nr_nodes + <usize>node) << 3;
  scAnonCost = load<i64>(anonCost + i);
  scFileCost = load<i64>(fileCost + i);
  const file = lru_size_tree(scTarget, node, LRU_INACTIVE_FILE);
  scMayDeactivateAnon = scForceDeactivate || inactive_is_low(scTarget, node, LRU_INACTIVE_ANON);
  scMayDeactivateFile = scForceDeactivate || inactive_low(file, lru_size_tree(scTarget, node, LRU_ACTIVE_FILE));
  // Plenty of inactive page cache that is not thrashing: reclaim it before anon.
  scCacheTrim = (file >> scPriority) != 0 && !scMayDeactivateFile;
}

// lru_note_cost: the IO and rotation cost of reclaiming a type, up the hierarchy, decayed
// by half whenever it exceeds a quarter of that lruvec's evictable pages.
function lru_note_cost(m: i32, node: i32, file: bool, nrIo: i64, nrRotated: i64): void {
  // lru_note_cost (<= 6.1): the cost is the pages written out; 6.2+ weighs IO by
  // SWAP_CLUSTER_MAX and adds rotations (F_LRU_COST_ROTATION).
  const cost = era(F_LRU_COST_ROTATION) ? nrIo * SWAP_CLUSTER_MAX + nrRotated : nrIo;
  if (cost == 0) return;
  for (let x = m; x >= 0; x = parent_mem_cgroup(x)) {
    const i = (<usize>x * <usize>nr_nodes + <usize>node) << 3;
    let a = load<i64>(anonCost + i);
    let f = load<i64>(fileCost + i);
    if (file) f += cost;
    else a += cost;
    if (a + f > lru_size_tree(x, node, LRU_INACTIVE_ANON, LRU_ACTIVE_FILE) / 4) {
      a /= 2;
      f /= 2;
    }
    store<i64>(anonCost + i, a);
    store<i64>(fileCost + i, f);
  }
}

/** lruvec->anon_cost / file_cost of m on node (the reclaim cost balance). */
export function lru_cost(m: i32, node: i32, file: bool): i64 {
  return load<i64>((file ? fileCost : anonCost) + ((<usize>m * <usize>nr_nodes + <usize>node) << 3));
}

// shrink_node_memcgs: the target's subtree in pre-order (mem_cgroup_iter). A partial walk
// continues where the last one on this (target, node) stopped and ends once the goal is
// met; a full walk visits everything.
function shrink_node_memcgs(node: i32): void {
  const it = iterPos + ((<usize>scTarget * <usize>nr_nodes + <usize>node) << 2);
  let m: i32;
  if (scMemcgFullWalk) m = scTarget;
  else {
    m = mem_cgroup_next_pre(load<i32>(it), scTarget);
    if (m < 0) m = scTarget; // the last walk ended at the tree's end: start over
    store<i32>(it, m);
  }
  while (m >= 0) {
    css_get(m, 1); // mem_cgroup_iter holds the position (css_tryget): m cannot be freed under the walk
    visit_memcg(m, node);
    let next: i32;
    if (!scMemcgFullWalk) {
      if (scNrReclaimed >= scNrToReclaim) {
        css_put(m, 1);
        break; // mem_cgroup_iter_break: resume after m
      }
      next = mem_cgroup_next_pre(m, scTarget);
      store<i32>(it, next); // -1: the walk reached the end, the next one starts over
    } else next = mem_cgroup_next_pre(m, scTarget);
    css_put(m, 1);
    m = next;
  }
}

function visit_memcg(m: i32, node: i32): void {
  // mem_cgroup_calculate_protection: emin/elow of m for this reclaim (not of the target).
  if (m != scTarget) page_counter_calculate_protection(memory_counter(scTarget), memory_counter(m), recursiveProt);
  // mem_cgroup_unprotected (6.2+): the target is not protected against itself; up to 6.1
  // mem_cgroup_below_min/low look at its own (possibly stale) emin/elow too.
  if (m != 0 && (m != scTarget || era(F_TARGET_SELF_PROTECTED))) {
    const c = memory_counter(m);
    const usage = pc_usage(c);
    // mem_cgroup_below_min: hard protection, never reclaimed.
    if (<u64>pc_field(c, PCF_EMIN) >= <u64>usage) return;
    // mem_cgroup_below_low: only once nothing unprotected was reclaimable.
    if (<u64>pc_field(c, PCF_ELOW) >= <u64>usage) {
      if (!scMemcgLowReclaim) {
        scMemcgLowSkipped = true;
        return;
      }
      memcg_memory_event(m, MEMCG_LOW);
    }
  }
  shrink_lruvec(m, node);
}

// get_scan_count: how many pages of each evictable list to scan at this priority.
const nr = new StaticArray<i64>(4);
const targets = new StaticArray<i64>(4);
const SCAN_EQUAL: i32 = 0;
const SCAN_FRACT: i32 = 1;
const SCAN_ANON: i32 = 2;
const SCAN_FILE: i32 = 3;

function get_scan_count(m: i32, node: i32): void {
  const swappiness = scSwappiness >= 0 ? scSwappiness : mem_cgroup_swappiness(m);
  let balance = SCAN_FRACT;
  let fa: i64 = 0;
  let ff: i64 = 0;
  // No swap space (or not allowed to swap): do not bother scanning anon.
  if (!scMaySwap || mem_cgroup_get_nr_swap_pages(m) <= 0) balance = SCAN_FILE;
  else if (swappiness == SWAPPINESS_ANON_ONLY) balance = SCAN_ANON;
  else if (swappiness == 0) balance = SCAN_FILE; // cgroup reclaim with swappiness 0
  else if (scPriority == 0) balance = SCAN_EQUAL; // close to OOM: both lists by size
  else if (scCacheTrim) balance = SCAN_FILE;
  else {
    // calculate_pressure_balance: pressure inversely proportional to the recent reclaim
    // cost of each type, weighted by swappiness.
    const total = scAnonCost + scFileCost;
    const ac = total + scAnonCost;
    const fc = total + scFileCost;
    const t = ac + fc;
    fa = (<i64>swappiness * (t + 1)) / (ac + 1);
    ff = ((MAX_SWAPPINESS - swappiness) * (t + 1)) / (fc + 1);
  }
  const c = memory_counter(m);
  let min: u64 = 0;
  let low: u64 = 0;
  if (m != scTarget) {
    // mem_cgroup_protection (unsigned long, as the products below)
    min = <u64>pc_field(c, PCF_EMIN);
    low = <u64>pc_field(c, PCF_ELOW);
  }
  for (let lru = 0; lru < 4; lru++) {
    const file = lru >= LRU_INACTIVE_FILE;
    const size = lru_size(m, node, lru);
    let scan: i64;
    if (min != 0 || low != 0) {
      // apply_proportional_protection: scale the pressure by how far usage is above the
      // protection, in unsigned long arithmetic (the product wraps as the kernel's does).
      let cgroupSize = <u64>pc_usage(c);
      let protection: u64;
      if (!scMemcgLowReclaim && low > min) {
        protection = low;
        scMemcgLowSkipped = true;
      } else protection = min;
      cgroupSize = max(cgroupSize, protection);
      const s = <u64>size;
      scan = <i64>(s - (s * protection) / (cgroupSize + 1));
      scan = max(scan, SWAP_CLUSTER_MAX);
    } else scan = size;
    scan >>= scPriority;
    // An offline memcg's remaining cache is scraped out.
    if (scan == 0 && !memcg_online(m)) scan = size < SWAP_CLUSTER_MAX ? size : SWAP_CLUSTER_MAX;
    if (balance == SCAN_FRACT) {
      const fraction = file ? ff : fa;
      const denom = fa + ff;
      scan = memcg_online(m) ? (scan * fraction) / denom : (scan * fraction + denom - 1) / denom;
    } else if (balance == SCAN_FILE && !file) scan = 0;
    else if (balance == SCAN_ANON && file) scan = 0;
    unchecked((nr[lru] = scan));
    unchecked((targets[lru] = scan));
  }
}

// shrink_lruvec: scan the lists in SWAP_CLUSTER_MAX batches; once enough is reclaimed,
// finish the larger type in proportion and stop the smaller one.
function shrink_lruvec(m: i32, node: i32): void {
  get_scan_count(m, node);
  let reclaimed: i64 = 0;
  const toReclaim = scNrToReclaim;
  while (unchecked(nr[LRU_INACTIVE_ANON]) != 0 || unchecked(nr[LRU_ACTIVE_FILE]) != 0 || unchecked(nr[LRU_INACTIVE_FILE]) != 0) {
    for (let lru = 0; lru < 4; lru++) {
      const left = unchecked(nr[lru]);
      if (left == 0) continue;
      const batch = min(left, SWAP_CLUSTER_MAX);
      unchecked((nr[lru] = left - batch));
      reclaimed += shrink_list(lru, batch, m, node);
    }
    // (proportional_reclaim is only for global direct reclaim at DEF_PRIORITY: never here)
    if (reclaimed < toReclaim) continue;
    const nrFile = unchecked(nr[LRU_INACTIVE_FILE]) + unchecked(nr[LRU_ACTIVE_FILE]);
    const nrAnon = unchecked(nr[LRU_INACTIVE_ANON]) + unchecked(nr[LRU_ACTIVE_ANON]);
    if (nrFile == 0 || nrAnon == 0) break;
    let percentage: i64;
    let stop: i32;
    if (nrFile > nrAnon) {
      percentage = (nrAnon * 100) / (unchecked(targets[LRU_INACTIVE_ANON]) + unchecked(targets[LRU_ACTIVE_ANON]) + 1);
      stop = LRU_INACTIVE_ANON;
    } else {
      percentage = (nrFile * 100) / (unchecked(targets[LRU_INACTIVE_FILE]) + unchecked(targets[LRU_ACTIVE_FILE]) + 1);
      stop = LRU_INACTIVE_FILE;
    }
    unchecked((nr[stop] = 0));
    unchecked((nr[stop + 1] = 0));
    const other = stop == LRU_INACTIVE_FILE ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
    for (let lru = other; lru <= other + 1; lru++) {
      const scanned = unchecked(targets[lru]) - unchecked(nr[lru]);
      let left = (unchecked(targets[lru]) * (100 - percentage)) / 100;
      left -= min(left, scanned);
      unchecked((nr[lru] = left));
    }
    // One nudge: the next pass finds the smaller type at 0 and stops.
  }
  scNrReclaimed += reclaimed;
  // Rebalance the anon lists even when anon was not scanned (can_age_anon_pages: any swap).
  if (total_swap_pages() > 0 && inactive_is_low(m, node, LRU_INACTIVE_ANON)) {
    shrink_active_list(SWAP_CLUSTER_MAX, m, node, LRU_ACTIVE_ANON);
  }
}

// shrink_list: active lists are only aged when deactivation is due.
function shrink_list(lru: i32, n: i64, m: i32, node: i32): i64 {
  if (lru == LRU_ACTIVE_ANON || lru == LRU_ACTIVE_FILE) {
    if (lru == LRU_ACTIVE_FILE ? scMayDeactivateFile : scMayDeactivateAnon) shrink_active_list(n, m, node, lru);
    else scSkippedDeactivate = true;
    return 0;
  }
  return shrink_inactive_list(n, m, node, lru);
}

// isolate_lru_folios: take folios from the tail until n pages were scanned.
const isolated = new StaticArray<i32>(<i32>SWAP_CLUSTER_MAX);
let nrIsolated: i32 = 0;
let nrScanned: i64 = 0;
function isolate(n: i64, m: i32, node: i32, lru: i32): void {
  nrIsolated = 0;
  nrScanned = 0;
  while (nrScanned < n && nrIsolated < <i32>SWAP_CLUSTER_MAX) {
    const id = lru_tail(m, node, lru);
    if (id < 0) break;
    nrScanned += <i64>1 << folio_order(id);
    // isolate_lru_folios: folio_try_get and folio_test_clear_lru, two LOCKed ops on the folio
    if (cost_on) {
      cost_folio_atomic(id, folio_nid_at(id));
      cost_folio_atomic(id, folio_nid_at(id));
    }
    lru_del(m, id, scCpu);
    unchecked((isolated[nrIsolated++] = id));
  }
}

// folio_referenced: how many mappings used the folio since the last look (clears them).
@inline function referenced_ptes(id: i32): i32 {
  const f = folio_flags(id);
  if ((f & PG_YOUNG) == 0) return 0;
  folio_set_flags(id, f & ~PG_YOUNG);
  return 1;
}

// shrink_active_list: deactivate the scanned folios (their mapping references are cleared).
function shrink_active_list(n: i64, m: i32, node: i32, lru: i32): void {
  lru_add_drain(scCpu); // only when a list is scanned: get_scan_count saw the lists without the batch
  isolate(n, m, node, lru);
  stat_mod(m, node, PGREFILL, nrScanned, scCpu);
  let deactivated: i64 = 0;
  for (let i = 0; i < nrIsolated; i++) {
    const id = unchecked(isolated[i]);
    referenced_ptes(id); // no VM_EXEC file folios here: every folio goes inactive
    folio_set_flags(id, folio_flags(id) & ~PG_ACTIVE);
    lru_add(m, id, scCpu, false);
    deactivated += <i64>1 << folio_order(id);
  }
  stat_mod(m, node, PGDEACTIVATE, deactivated, scCpu);
}

const FOLIOREF_RECLAIM: i32 = 0;
const FOLIOREF_KEEP: i32 = 1;
const FOLIOREF_ACTIVATE: i32 = 2;

// folio_check_references
function check_references(id: i32): i32 {
  const ptes = referenced_ptes(id);
  const f = folio_flags(id);
  const referencedFolio = (f & PG_REFERENCED) != 0;
  folio_set_flags(id, f & ~PG_REFERENCED);
  if (ptes > 0) {
    // Mapped folios start with the reference of the fault that made them: look twice.
    folio_set_flags(id, folio_flags(id) | PG_REFERENCED);
    if (referencedFolio) return FOLIOREF_ACTIVATE;
    return FOLIOREF_KEEP;
  }
  return FOLIOREF_RECLAIM; // RECLAIM_CLEAN for a referenced file folio: the same for clean folios
}

// shrink_inactive_list + shrink_folio_list: reclaim what can go, put the rest back.
let sfReclaimed: i64 = 0;
let sfActivated: i64 = 0;
let sfPageout: i64 = 0;
function shrink_inactive_list(n: i64, m: i32, node: i32, lru: i32): i64 {
  lru_add_drain(scCpu); // lru_add_drain() of the reclaiming CPU, before isolating (lru_add.ts)
  isolate(n, m, node, lru);
  stat_mod(m, node, scProactive ? PGSCAN_PROACTIVE : PGSCAN_DIRECT, nrScanned, scCpu);
  sfReclaimed = 0;
  sfActivated = 0;
  sfPageout = 0;
  for (let i = 0; i < nrIsolated; i++) shrink_folio(unchecked(isolated[i]), m, node);
  if (sfActivated > 0) stat_mod(m, node, PGACTIVATE, sfActivated, scCpu);
  stat_mod(m, node, scProactive ? PGSTEAL_PROACTIVE : PGSTEAL_DIRECT, sfReclaimed, scCpu);
  lru_note_cost(m, node, lru == LRU_INACTIVE_FILE, sfPageout, nrScanned - sfReclaimed);
  return sfReclaimed;
}

// The base pages of a folio split by shrink_folio (the head excepted).
const splitIds = new StaticArray<i32>(1 << HPAGE_PMD_ORDER);

// One folio's pass through shrink_folio_list's loop.
function shrink_folio(id: i32, m: i32, node: i32): void {
  if (cost_on) cost_folio_atomic(id, folio_nid_at(id)); // shrink_folio_list: folio_trylock
  const ref = check_references(id);
  if (ref == FOLIOREF_RECLAIM) {
    if (folio_kind(id) == FOLIO_FILE) {
      sfReclaimed += <i64>1 << folio_order(id);
      reclaim_folio(id, m, node, -1); // a clean page cache folio is dropped (shmem swaps like anon)
      return;
    }
    // Anon needs __GFP_IO (else it is kept) and a swap entry (else it is activated).
    if ((scGfp & __GFP_IO) != 0) {
      const order = folio_order(id);
      let e = swap_out_charge(m, 1 << order, scCpu);
      if (e < 0 && order > 0 && folio_kind(id) == FOLIO_ANON) {
        // folio_alloc_swap failed for the large anon folio (no room on the device, or the swap
        // charge): fall back to swap normal pages. split_folio_to_list puts the other pages
        // on the list being reclaimed; the head goes on as the first base page.
        const tails = split_folio(id, m, node);
        if (tails < 0) return activate(id, m); // the split failed: activate_locked
        if (order == HPAGE_PMD_ORDER) stat_mod(m, node, THP_SWPOUT_FALLBACK, 1, scCpu);
        e = swap_out_charge(m, 1, scCpu);
        if (e >= 0) swap_out(id, m, node, e);
        else activate(id, m); // activate_locked_split
        // The tail pages make their own pass, the last one first (lru_to_folio takes the
        // list's tail, where lru_add_split_folio appended them).
        for (let i = tails - 1; i >= 0; i--) shrink_folio(unchecked(splitIds[i]), m, node);
        return;
      }
      if (e >= 0) {
        swap_out(id, m, node, e);
        return;
      }
      return activate(id, m); // activate_locked
    }
  } else if (ref == FOLIOREF_ACTIVATE) return activate(id, m);
  lru_add(m, id, scCpu, false); // keep: move_folios_to_lru
}

function swap_out(id: i32, m: i32, node: i32, e: i32): void {
  const pages = <i64>1 << folio_order(id);
  sfReclaimed += pages;
  sfPageout += pages;
  reclaim_folio(id, m, node, e);
}

// activate_locked: back to the LRU, on the active list.
function activate(id: i32, m: i32): void {
  folio_set_flags(id, folio_flags(id) | PG_ACTIVE);
  sfActivated += <i64>1 << folio_order(id);
  lru_add(m, id, scCpu, false);
}

/**
 * split_folio_to_list of an isolated anon folio: its pages become base folios (folio.ts:
 * the head keeps the id, the others get new ones), each charged to m with its own css
 * reference (folio_split_memcg_refs); a PMD-mapped THP leaves NR_ANON_THPS (the PMD mapping
 * is split into PTEs; NR_ANON_MAPPED stays). The number of new folios, or -1 when the
 * emulator's folio table has no room for them (counted in SIM_SPLIT_NO_IDS).
 */
function split_folio(id: i32, m: i32, node: i32): i32 {
  const order = folio_order(id);
  const n = (1 << order) - 1;
  if (folio_ids_left() < n) {
    sim_inc(SIM_SPLIT_NO_IDS, 1);
    return -1;
  }
  if (order == HPAGE_PMD_ORDER) stat_mod(m, folio_nid(id), NR_ANON_THPS, -(<i64>1 << order), scCpu);
  folio_split_ids(id, splitIds);
  css_get(m, n);
  return n;
}

// __remove_mapping + free: the folio leaves memory. Anon goes to swap entry e (the owner's
// page table now holds the entry); page cache is simply dropped. Both are uncharged.
function reclaim_folio(id: i32, m: i32, node: i32, e: i32): void {
  const pages = <i64>1 << folio_order(id);
  filemap_folio_unmap(id, scCpu); // try_to_unmap of a mapped page-cache folio (filemap.ts)
  folio_page_stat(m, id, node, -1, scCpu);
  if (!on_dfl && e >= 0) {
    // memcg1_swapout: memory is uncharged, memsw keeps the page as swap;
    // memcg1_charge_statistics counts a page-out event and nr pages of nr_page_events.
    swap_out_uncharge_memory(m, <i32>pages);
    stat_mod(m, node, PGPGOUT, 1, scCpu);
    memcg_page_events_add(m, pages);
  } else {
    // mem_cgroup_uncharge_folios after shrink_folio_list (v2, and page cache in v1)
    if (m != 0) {
      memcg_uncharge(m, pages);
      memcg1_oom_recover(m); // uncharge_batch
    }
    stat_mod(m, node, PGPGOUT, 1, scCpu);
    memcg_page_events_add(m, pages);
  }
  css_put(m, 1);
  const owner = folio_owner(id);
  if (e >= 0) {
    stat_mod(m, node, PSWPOUT, pages, scCpu);
    if (folio_order(id) == HPAGE_PMD_ORDER) stat_mod(m, node, THP_SWPOUT, 1, scCpu); // count_swpout_vm_event
    if (owner >= 0) {
      task_mm_add(owner, MM_ANONPAGES, -pages);
      task_mm_add(owner, MM_SWAPENTS, pages);
    }
    // The folio id stays the task's page, now in swap.
    folio_set_data(id, 0);
    folio_set_flags(id, PG_SWAPPED);
    folio_set_swap_slot(id, e);
  } else {
    folio_free(id);
  }
}

/**
 * mem_cgroup_calculate_protection for every memcg below root, parents before children
 * (mem_cgroup_iter's pre-order; ids are allocated parent first).
 */
export function calculate_protection_subtree(root: i32, recursive: bool): void {
  for (let m = mem_cgroup_next_pre(root, root); m >= 0; m = mem_cgroup_next_pre(m, root)) {
    page_counter_calculate_protection(memory_counter(root), memory_counter(m), recursive);
  }
}

/**
 * user_proactive_reclaim (memory.reclaim): reclaim nr pages from m in quarters of what is
 * left; 16 passes without progress give -EAGAIN (the last one after lru_add_drain_all).
 */
export function user_proactive_reclaim(m: i32, nr: i64, swappiness: i32, cpu: i32): i32 {
  let reclaimed: i64 = 0;
  let retries = 16; // MAX_RECLAIM_RETRIES
  while (reclaimed < nr) {
    const batch = (nr - reclaimed) / 4; // try_to_free_mem_cgroup_pages asks for at least SWAP_CLUSTER_MAX
    if (retries == 0) lru_add_drain_all(); // the final attempt drains every CPU's lru_add batch
    const got = try_to_free_mem_cgroup_pages(m, batch, GFP_KERNEL, MEMCG_RECLAIM_MAY_SWAP | MEMCG_RECLAIM_PROACTIVE, cpu, swappiness);
    if (got == 0 && retries-- == 0) return -EAGAIN;
    reclaimed += got;
  }
  return 0;
}
